/// Index arithmetic for NumPy-style broadcasting over up to four axes.
///
/// Shapes are aligned on their last axis and padded to rank 4 with leading ones; an operand's
/// stride on an axis where it has extent 1 is 0, so one loop serves every broadcast pattern. The
/// same arithmetic runs backwards in `reduce(_:to:)`: a broadcast's gradient is the sum over the
/// axes that were broadcast.
struct Broadcast {
    let outShape: [Int]
    let dims: [Int]      // outShape padded to rank 4
    let aStrides: [Int]  // per padded axis, 0 where a is broadcast
    let bStrides: [Int]

    /// The shape of `a ∘ b`, or an error naming both shapes.
    static func resultShape(_ a: [Int], _ b: [Int], op: String) throws -> [Int] {
        let rank = max(a.count, b.count)
        var out = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            guard da == db || da == 1 || db == 1 else {
                throw EngineError.shapeMismatch(op: op, lhs: a, rhs: b,
                                                expected: "equal extents or 1 on each axis (aligned from the last axis)")
            }
            out[i] = da == 1 ? db : da  // an extent of 0 broadcasts against 1 to 0, as in NumPy
        }
        return out
    }

    /// Strides of `shape` read as if broadcast to `out` (both padded to rank 4).
    static func strides(of shape: [Int], in out: [Int]) -> [Int] {
        let padded = [Int](repeating: 1, count: 4 - shape.count) + shape
        let paddedOut = [Int](repeating: 1, count: 4 - out.count) + out
        var strides = [0, 0, 0, 0]
        var running = 1
        for axis in (0..<4).reversed() {
            strides[axis] = padded[axis] == 1 && paddedOut[axis] != 1 ? 0 : running
            running *= padded[axis]
        }
        return strides
    }

    init(out: [Int], a: [Int], b: [Int]) {
        outShape = out
        dims = [Int](repeating: 1, count: 4 - out.count) + out
        aStrides = Broadcast.strides(of: a, in: out)
        bStrides = Broadcast.strides(of: b, in: out)
    }

    /// `out[i] = f(a[ia], b[ib])` over the broadcast index space; rows of the innermost axis are
    /// split across threads.
    func apply<F: BinaryFunction>(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _: F.Type) {
        let f = F.value
        let d1 = dims[1], d2 = dims[2], d3 = dims[3]
        let (a0, a1, a2, a3) = (aStrides[0], aStrides[1], aStrides[2], aStrides[3])
        let (b0, b1, b2, b3) = (bStrides[0], bStrides[1], bStrides[2], bStrides[3])
        let rows = dims[0] * d1 * d2
        Threads.parallelFor(rows, grain: max(1, 16384 / max(d3, 1))) { range in
            for row in range {
                let i2 = row % d2, i1 = (row / d2) % d1, i0 = row / (d1 * d2)
                let pa = a + i0 * a0 + i1 * a1 + i2 * a2
                let pb = b + i0 * b0 + i1 * b1 + i2 * b2
                let po = out + row * d3
                if a3 == 1 && b3 == 1 {
                    for i in 0..<d3 { po[i] = f(pa[i], pb[i]) }
                } else if a3 == 1 {
                    let vb = pb[0]
                    for i in 0..<d3 { po[i] = f(pa[i], vb) }
                } else if b3 == 1 {
                    let va = pa[0]
                    for i in 0..<d3 { po[i] = f(va, pb[i]) }
                } else {
                    let v = f(pa[0], pb[0])
                    for i in 0..<d3 { po[i] = v }
                }
            }
        }
    }
}

extension Kernels {
    /// Sums `x` over the axes on which `shape` is 1 (or missing), giving a tensor of `shape`: the
    /// gradient of broadcasting `shape` up to `x.shape`, and `sum(over:)` itself.
    static func reduce(_ x: Tensor, to shape: [Int]) -> Tensor {
        let out = Tensor(uninitialized: shape)
        if shape.reduce(1, *) == 1 {
            var total: Double = 0  // a full reduction in Float loses digits past ~10⁶ elements
            for i in 0..<x.count { total += Double(x.pointer[i]) }
            out.pointer[0] = Float(total)
            return out
        }
        if shape == x.shape {
            out.pointer.update(from: x.pointer, count: x.count)
            return out
        }
        out.pointer.update(repeating: 0, count: out.count)
        let dims = [Int](repeating: 1, count: 4 - x.rank) + x.shape
        let s = Broadcast.strides(of: shape, in: x.shape)
        let src = x.pointer, dst = out.pointer
        var i = 0
        for i0 in 0..<dims[0] {
            for i1 in 0..<dims[1] {
                for i2 in 0..<dims[2] {
                    let base = dst + i0 * s[0] + i1 * s[1] + i2 * s[2]
                    if s[3] == 1 {
                        for i3 in 0..<dims[3] { base[i3] += src[i + i3] }
                    } else {
                        var acc: Float = 0
                        for i3 in 0..<dims[3] { acc += src[i + i3] }
                        base[0] += acc
                    }
                    i += dims[3]
                }
            }
        }
        return out
    }

    /// `x` repeated along the axes where it has extent 1 so that it has `shape`.
    static func expand(_ x: Tensor, to shape: [Int]) -> Tensor {
        let out = Tensor(uninitialized: shape)
        Broadcast(out: shape, a: x.shape, b: x.shape).apply(x.pointer, x.pointer, out.pointer, First.self)
        return out
    }
}
