/// The local cost volume of optical-flow networks (FlowNet's correlation layer, PWC-Net's cost
/// volume): how well each pixel of one feature map matches the pixels around it in another.
extension Tensor {
    /// For NHWC batches `first` and `second` of one shape `[N, H, W, C]`: the output `[N, H, W, K]`,
    /// K = (2r + 1)², holds at channel (dy + r)·(2r + 1) + (dx + r) the channel mean of
    /// first(y, x) · second(y + dy, x + dx) for every offset |dx|, |dy| ≤ r, zero where the offset
    /// leaves the image. Differentiable with respect to both.
    public static func correlation(_ first: Tensor, _ second: Tensor, radius r: Int) throws -> Tensor {
        let op = "correlation"
        guard first.rank == 4, first.shape == second.shape else {
            throw EngineError.shapeMismatch(op: op, lhs: first.shape, rhs: second.shape, expected: "two NHWC batches [N, H, W, C] of one shape")
        }
        guard (0...16).contains(r) else { throw EngineError.invalidArgument(op: op, message: "radius must be 0…16, got \(r)") }
        let (n, h, w, c) = (first.shape[0], first.shape[1], first.shape[2], first.shape[3])
        let side = 2 * r + 1, k = side * side
        let out = try Tensor.zeros([n, h, w, k])
        let scale = 1 / Float(Swift.max(c, 1))
        // Calls body(p, q, o) for every pixel p of the batch, offset index o and the pixel q at
        // that offset from p, inside the image. Serial: at the flow network's sizes (≤ 128 px,
        // 25 offsets, 3 channels) it is a small share of a step.
        func forEachMatch(_ body: (Int, Int, Int) -> Void) {
            for row in 0..<(n * h) {
                let y = row % h
                for x in 0..<w {
                    let p = row * w + x
                    for dy in -r...r where y + dy >= 0 && y + dy < h {
                        for dx in -r...r where x + dx >= 0 && x + dx < w {
                            body(p, p + dy * w + dx, (dy + r) * side + dx + r)
                        }
                    }
                }
            }
        }
        let a = first.pointer, b = second.pointer, o = out.pointer
        forEachMatch { p, q, offset in
            var dot: Float = 0
            for ch in 0..<c { dot += a[p * c + ch] * b[q * c + ch] }
            o[p * k + offset] = dot * scale
        }
        return try Autodiff.record(op, inputs: [first, second], output: out) { g in
            let dFirst = try Tensor.zeros(first.shape), dSecond = try Tensor.zeros(second.shape)
            let gp = g.pointer, da = dFirst.pointer, db = dSecond.pointer
            forEachMatch { p, q, offset in
                let go = gp[p * k + offset] * scale
                for ch in 0..<c {
                    da[p * c + ch] += go * b[q * c + ch]
                    db[q * c + ch] += go * a[p * c + ch]
                }
            }
            return [dFirst, dSecond]
        }
    }
}
