import Foundation

/// Group normalisation (Wu & He, 2018) over NHWC batches.
///
/// x is `[N, H, W, C]` with C split into G groups of C/G channels; each (image, group) is
/// normalised by the mean and variance of its H·W·C/G values, then scaled and shifted per channel
/// by gamma and beta `[C]`. Unlike batch norm it does not depend on the batch, which matters when
/// a few-shot batch holds 4 images.
extension Tensor {
    public static func groupNorm(_ x: Tensor, groups: Int, gamma: Tensor, beta: Tensor, epsilon: Float = 1e-5) throws -> Tensor {
        let op = "groupNorm"
        guard x.rank == 4 else { throw EngineError.invalidShape(op: op, shape: x.shape, expected: "an NHWC batch [N, H, W, C]") }
        let (n, hw, c) = (x.shape[0], x.shape[1] * x.shape[2], x.shape[3])
        guard groups >= 1, groups <= max(c, 1), c % groups == 0 else {
            throw EngineError.invalidArgument(op: op, message: "\(c) channels cannot be split into \(groups) groups")
        }
        guard gamma.shape == [c], beta.shape == [c] else {
            throw EngineError.shapeMismatch(op: op, lhs: gamma.shape, rhs: beta.shape, expected: "gamma and beta of shape [\(c)]")
        }
        let cg = c / groups
        let groupSize = Float(hw * cg)
        let mean = Tensor(uninitialized: [n, groups]), rstd = Tensor(uninitialized: [n, groups])
        let out = Tensor(uninitialized: x.shape)
        let xp = x.pointer, yp = out.pointer, gp = gamma.pointer, bp = beta.pointer
        let mp = mean.pointer, rp = rstd.pointer
        Threads.parallelFor(n * groups, grain: 1) { range in
            for ng in range {
                let b = ng / groups, g0 = (ng % groups) * cg
                var sum: Double = 0, sumSquares: Double = 0
                for p in 0..<hw {
                    let row = xp + (b * hw + p) * c + g0
                    for k in 0..<cg { let v = Double(row[k]); sum += v; sumSquares += v * v }
                }
                let mu = sum / Double(groupSize)
                let variance = max(sumSquares / Double(groupSize) - mu * mu, 0)
                let r = Float(1 / (variance + Double(epsilon)).squareRoot())
                let m = Float(mu)
                mp[ng] = m; rp[ng] = r
                for p in 0..<hw {
                    let src = xp + (b * hw + p) * c + g0, dst = yp + (b * hw + p) * c + g0
                    for k in 0..<cg { dst[k] = (src[k] - m) * r * gp[g0 + k] + bp[g0 + k] }
                }
            }
        }
        return try Autodiff.record(op, inputs: [x, gamma, beta], output: out) { dy in
            // Read the statistics through the tensors so that the closure keeps them alive.
            let dyp = dy.pointer, mp = mean.pointer, rp = rstd.pointer
            // One sweep per (image, group) reads dy and x once for everything: the group's sums
            // for dx, and its images' share of dgamma[c] = Σ dy·x̂ and dbeta[c] = Σ dy, kept per
            // image (so no two threads add into one place) and summed over images after.
            let partialGamma = try Tensor.zeros([n, c]), partialBeta = try Tensor.zeros([n, c])
            let pg = partialGamma.pointer, pb = partialBeta.pointer
            let dx = Tensor(uninitialized: x.shape)
            let dxp = dx.pointer
            Threads.parallelFor(n * groups, grain: 1) { range in
                for ng in range {
                    let b = ng / groups, g0 = (ng % groups) * cg
                    let m = mp[ng], r = rp[ng]
                    let gammaSum = pg + b * c + g0, betaSum = pb + b * c + g0
                    var sumD: Float = 0, sumDX: Float = 0
                    for p in 0..<hw {
                        let base = (b * hw + p) * c + g0
                        for k in 0..<cg {
                            let xhat = (xp[base + k] - m) * r, g = dyp[base + k]
                            gammaSum[k] += g * xhat
                            betaSum[k] += g
                            let d = g * gp[g0 + k]
                            sumD += d
                            sumDX += d * xhat
                        }
                    }
                    // dx = rstd · (dx̂ − mean(dx̂) − x̂ · mean(dx̂ · x̂)) with dx̂ = dy · gamma.
                    let meanD = sumD / groupSize, meanDX = sumDX / groupSize
                    for p in 0..<hw {
                        let base = (b * hw + p) * c + g0
                        for k in 0..<cg {
                            let xhat = (xp[base + k] - m) * r
                            dxp[base + k] = r * (dyp[base + k] * gp[g0 + k] - meanD - xhat * meanDX)
                        }
                    }
                }
            }
            let dgamma = try Tensor.zeros([c]), dbeta = try Tensor.zeros([c])
            for b in 0..<n {
                for ch in 0..<c { dgamma.pointer[ch] += pg[b * c + ch]; dbeta.pointer[ch] += pb[b * c + ch] }
            }
            return [x.requiresGrad ? dx : nil, dgamma, dbeta]
        }
    }
}
