/// Ops that move elements without arithmetic: reshape and row slices are copy-free views,
/// permute, concat and split copy.
extension Tensor {
    /// The same elements under another shape (copy-free). One extent may be -1 and is inferred.
    public func reshaped(to newShape: [Int]) throws -> Tensor {
        let op = "reshape"
        var resolved = newShape
        if let hole = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != hole }.map(\.element).reduce(1, *)
            guard known > 0, count % known == 0 else {
                throw EngineError.shapeMismatch(op: op, lhs: shape, rhs: newShape, expected: "a shape whose known extents divide \(count)")
            }
            resolved[hole] = count / known
        }
        try Tensor.validate(resolved, op: op)
        guard resolved.reduce(1, *) == count else {
            throw EngineError.shapeMismatch(op: op, lhs: shape, rhs: newShape, expected: "the same element count (\(count))")
        }
        let out = Tensor(shape: resolved, storage: storage, offset: offset)
        let inputShape = shape
        return try Autodiff.record(op, inputs: [self], output: out) { g in
            [Tensor(shape: inputShape, storage: g.storage, offset: g.offset)]
        }
    }

    /// Items `range` of the outermost axis, as a copy-free view (a mini-batch of a dataset tensor).
    public func rows(_ range: Range<Int>) throws -> Tensor {
        let op = "rows"
        guard rank >= 1, range.lowerBound >= 0, range.upperBound <= shape[0] else {
            throw EngineError.indexOutOfRange(op: op, index: "rows \(range.lowerBound)..<\(range.upperBound)", shape: shape)
        }
        let inner = count / Swift.max(shape[0], 1)
        let out = Tensor(shape: [range.count] + shape.dropFirst(), storage: storage, offset: offset + range.lowerBound * inner)
        let inputShape = shape
        return try Autodiff.record(op, inputs: [self], output: out) { g in
            let dx = try Tensor.zeros(inputShape)
            (dx.pointer + range.lowerBound * inner).update(from: g.pointer, count: g.count)
            return [dx]
        }
    }

    /// The axes reordered: output axis i is input axis `order[i]` (so `[0, 3, 1, 2]` turns NHWC into NCHW).
    public func permuted(_ order: [Int]) throws -> Tensor {
        let op = "permute"
        guard order.sorted() == Array(0..<rank) else {
            throw EngineError.invalidArgument(op: op, message: "\(order) is not a permutation of the axes of a rank-\(rank) tensor \(shape.shapeText)")
        }
        let out = Kernels.permute(self, order)
        var inverse = order
        for (i, axis) in order.enumerated() { inverse[axis] = i }
        return try Autodiff.record(op, inputs: [self], output: out) { g in [Kernels.permute(g, inverse)] }
    }

    /// Tensors joined along `axis` (by default the last: channels of NHWC). All other extents must agree.
    public static func concat(_ parts: [Tensor], axis: Int = -1) throws -> Tensor {
        let op = "concat"
        guard let first = parts.first else { throw EngineError.invalidArgument(op: op, message: "nothing to concatenate") }
        let a = axis < 0 ? axis + first.rank : axis
        guard a >= 0, a < first.rank else { throw EngineError.indexOutOfRange(op: op, index: "axis \(axis)", shape: first.shape) }
        for part in parts {
            var expected = first.shape, got = part.shape
            guard got.count == expected.count else {
                throw EngineError.shapeMismatch(op: op, lhs: first.shape, rhs: part.shape, expected: "equal ranks")
            }
            expected[a] = 0; got[a] = 0
            guard expected == got else {
                throw EngineError.shapeMismatch(op: op, lhs: first.shape, rhs: part.shape, expected: "equal extents on every axis but \(a)")
            }
        }
        let sizes = parts.map { $0.shape[a] }
        var shape = first.shape
        shape[a] = sizes.reduce(0, +)
        try Tensor.validate(shape, op: op)
        let outer = first.shape[..<a].reduce(1, *), inner = first.shape[(a + 1)...].reduce(1, *)
        let out = Tensor(uninitialized: shape)
        let total = shape[a] * inner
        var start = 0
        for (part, size) in zip(parts, sizes) {
            let run = size * inner
            Kernels.copyRows(outer, of: run, from: part.pointer, stride: run, to: out.pointer + start, stride: total)
            start += run
        }
        return try Autodiff.record(op, inputs: parts, output: out) { g in
            try Kernels.split(g, sizes: sizes, axis: a).map { Optional($0) }
        }
    }

    /// The tensor cut along `axis` into pieces of `sizes` (which must add up to the axis extent).
    public func split(sizes: [Int], axis: Int = -1) throws -> [Tensor] {
        let op = "split"
        let a = axis < 0 ? axis + rank : axis
        guard a >= 0, a < rank else { throw EngineError.indexOutOfRange(op: op, index: "axis \(axis)", shape: shape) }
        guard sizes.allSatisfy({ $0 >= 0 }), sizes.reduce(0, +) == shape[a] else {
            throw EngineError.invalidArgument(op: op, message: "sizes \(sizes) do not add up to extent \(shape[a]) of axis \(a) in \(shape.shapeText)")
        }
        let pieces = try Kernels.split(self, sizes: sizes, axis: a)
        return try pieces.enumerated().map { index, piece in
            try Autodiff.record(op, inputs: [self], output: piece) { [shape] g in
                // The piece's gradient in its place, zeros elsewhere.
                let parts = try sizes.enumerated().map { i, size -> Tensor in
                    var s = shape
                    s[a] = size
                    return i == index ? g : try Tensor.zeros(s)
                }
                return [try Kernels.concat(parts, axis: a)]
            }
        }
    }
}

extension Kernels {
    /// `x` with its axes reordered, copied.
    static func permute(_ x: Tensor, _ order: [Int]) -> Tensor {
        let outShape = order.map { x.shape[$0] }
        let out = Tensor(uninitialized: outShape)
        let pad = 4 - x.rank
        var inStrides = [Int](repeating: 0, count: x.rank)
        var running = 1
        for axis in (0..<x.rank).reversed() { inStrides[axis] = running; running *= x.shape[axis] }
        // Output axis i walks input axis order[i]; padded to rank 4 with unit axes.
        let dims = [Int](repeating: 1, count: pad) + outShape
        let strides = [Int](repeating: 0, count: pad) + order.map { inStrides[$0] }
        let src = x.pointer
        var dst = out.pointer
        for i0 in 0..<dims[0] {
            for i1 in 0..<dims[1] {
                for i2 in 0..<dims[2] {
                    let base = src + i0 * strides[0] + i1 * strides[1] + i2 * strides[2]
                    let s3 = strides[3]
                    for i3 in 0..<dims[3] { dst[i3] = base[i3 * s3] }
                    dst += dims[3]
                }
            }
        }
        return out
    }

    /// Pieces of `x` along axis `a`, copied.
    static func split(_ x: Tensor, sizes: [Int], axis a: Int) throws -> [Tensor] {
        let outer = x.shape[..<a].reduce(1, *), inner = x.shape[(a + 1)...].reduce(1, *)
        let total = x.shape[a] * inner
        var start = 0
        return sizes.map { size in
            var shape = x.shape
            shape[a] = size
            let piece = Tensor(uninitialized: shape)
            let run = size * inner
            Kernels.copyRows(outer, of: run, from: x.pointer + start, stride: total, to: piece.pointer, stride: run)
            start += run
            return piece
        }
    }

    /// Copies `rows` rows of `length` floats between buffers whose rows start `stride` apart, in
    /// parallel: a U-Net's skip joins (and their gradients' splits) copy runs of a pixel's channels.
    static func copyRows(_ rows: Int, of length: Int, from source: UnsafePointer<Float>, stride sourceStride: Int,
                         to destination: UnsafeMutablePointer<Float>, stride destinationStride: Int) {
        Threads.parallelFor(rows, grain: Swift.max(1, 32768 / Swift.max(length, 1))) { range in
            for row in range { (destination + row * destinationStride).update(from: source + row * sourceStride, count: length) }
        }
    }

    /// Pieces joined along axis `a` (shapes already checked), copied and unrecorded.
    static func concat(_ parts: [Tensor], axis a: Int) throws -> Tensor {
        try Autodiff.withoutGradients { try Tensor.concat(parts, axis: a) }
    }
}
