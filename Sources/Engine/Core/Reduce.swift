extension Tensor {
    /// The shape with `axes` set to 1 (kept) or removed, after checking every axis.
    private func reducedShape(_ axes: [Int], keepingAxes: Bool, op: String) throws -> (kept: [Int], result: [Int]) {
        var kept = shape
        for axis in axes {
            let a = axis < 0 ? axis + rank : axis
            guard a >= 0, a < rank else {
                throw EngineError.indexOutOfRange(op: op, index: "axis \(axis)", shape: shape)
            }
            kept[a] = 1
        }
        let removed = Set(axes.map { $0 < 0 ? $0 + rank : $0 })
        let result = keepingAxes ? kept : shape.indices.filter { !removed.contains($0) }.map { shape[$0] }
        return (kept, result.isEmpty ? [1] : result)
    }

    /// The sum over `axes` (all axes when nil).
    public func sum(alongAxes axes: [Int]? = nil, keepingAxes: Bool = false) throws -> Tensor {
        try reduction("sum", axes: axes, keepingAxes: keepingAxes, scale: 1)
    }

    /// The mean over `axes` (all axes when nil).
    public func mean(alongAxes axes: [Int]? = nil, keepingAxes: Bool = false) throws -> Tensor {
        let (kept, _) = try reducedShape(axes ?? Array(0..<rank), keepingAxes: true, op: "mean")
        let reduced = count / Swift.max(kept.reduce(1, *), 1)
        return try reduction("mean", axes: axes, keepingAxes: keepingAxes, scale: 1 / Float(Swift.max(reduced, 1)))
    }

    private func reduction(_ op: String, axes: [Int]?, keepingAxes: Bool, scale: Float) throws -> Tensor {
        let (kept, result) = try reducedShape(axes ?? Array(0..<rank), keepingAxes: keepingAxes, op: op)
        let summed = Kernels.reduce(self, to: kept)
        if scale != 1 { for i in 0..<summed.count { summed.pointer[i] *= scale } }
        let out = Tensor(shape: result, storage: summed.storage, offset: 0)
        let inputShape = shape
        return try Autodiff.record(op, inputs: [self], output: out) { g in
            let gk = Tensor(shape: kept, storage: g.storage, offset: g.offset)
            let expanded = Kernels.expand(gk, to: inputShape)
            if scale != 1 { for i in 0..<expanded.count { expanded.pointer[i] *= scale } }
            return [expanded]
        }
    }
}
