import Foundation

extension Tensor {
    /// Softmax over the last axis, computed stably (the row maximum is subtracted first).
    public func softmax() throws -> Tensor {
        let op = "softmax"
        guard rank >= 1, let last = shape.last, last >= 1 else {
            throw EngineError.invalidShape(op: op, shape: shape, expected: "at least one axis with extent ≥ 1")
        }
        let rows = count / last
        let out = Tensor(uninitialized: shape)
        let src = pointer, dst = out.pointer
        Threads.parallelFor(rows, grain: max(1, 4096 / last)) { range in
            for r in range {
                let s = src + r * last, d = dst + r * last
                var peak = -Float.infinity
                for i in 0..<last { peak = Swift.max(peak, s[i]) }
                var total: Float = 0
                for i in 0..<last { d[i] = Foundation.exp(s[i] - peak); total += d[i] }
                let inverse = 1 / total
                for i in 0..<last { d[i] *= inverse }
            }
        }
        return try Autodiff.record(op, inputs: [self], output: out) { g in
            // dx = y ⊙ (dy − Σ dy ⊙ y), row by row.
            let dx = Tensor(uninitialized: g.shape)
            let gp = g.pointer, yp = dst, dp = dx.pointer
            Threads.parallelFor(rows, grain: Swift.max(1, 4096 / last)) { range in
                for r in range {
                    let o = r * last
                    var dot: Float = 0
                    for i in 0..<last { dot += gp[o + i] * yp[o + i] }
                    for i in 0..<last { dp[o + i] = yp[o + i] * (gp[o + i] - dot) }
                }
            }
            return [dx]
        }
    }

    /// softmax(q·kᵀ/√D)·v for q `[B, Lq, D]`, k `[B, Lk, D]`, v `[B, Lk, Dv]` → `[B, Lq, Dv]`.
    /// Composed of matmul and softmax, so its gradient is theirs.
    public static func scaledDotProductAttention(query q: Tensor, key k: Tensor, value v: Tensor) throws -> Tensor {
        guard q.rank == 3, k.rank == 3, v.rank == 3, q.shape[2] == k.shape[2], k.shape[1] == v.shape[1],
              q.shape[0] == k.shape[0], k.shape[0] == v.shape[0] else {
            throw EngineError.shapeMismatch(op: "attention", lhs: q.shape, rhs: k.shape,
                                            expected: "query [B, Lq, D], key [B, Lk, D] and value [B, Lk, Dv] (value is \(v.shape.shapeText))")
        }
        let scores = try matmul(q, k, transposeB: true) * (1 / Float(q.shape[2]).squareRoot())
        return try matmul(scores.softmax(), v)
    }

    /// Single-head self-attention over the spatial positions of an NHWC batch, with a residual:
    /// every pixel attends to every pixel of its image. x is `[N, H, W, C]`; the projections
    /// wq, wk, wv, wo are `[C, C]`. Returns `x + attention(x·wq, x·wk, x·wv)·wo`, as at the lowest
    /// resolution of a diffusion U-Net.
    public static func spatialSelfAttention(_ x: Tensor, query wq: Tensor, key wk: Tensor, value wv: Tensor,
                                            output wo: Tensor) throws -> Tensor {
        guard x.rank == 4 else { throw EngineError.invalidShape(op: "spatialSelfAttention", shape: x.shape, expected: "an NHWC batch [N, H, W, C]") }
        let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        for weight in [wq, wk, wv, wo] where weight.shape != [c, c] {
            throw EngineError.shapeMismatch(op: "spatialSelfAttention", lhs: x.shape, rhs: weight.shape, expected: "projections of shape [\(c)×\(c)]")
        }
        let tokens = try x.reshaped(to: [n, h * w, c])
        let attended = try scaledDotProductAttention(query: matmul(tokens, wq), key: matmul(tokens, wk), value: matmul(tokens, wv))
        return try x + matmul(attended, wo).reshaped(to: [n, h, w, c])
    }
}
