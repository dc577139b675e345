import Foundation
import VectorKernels

/// Group normalisation (Wu & He, 2018) over NHWC batches, optionally followed in the same op
/// by a per-image shift of each channel and SiLU — the start of every residual block (a norm,
/// the time embedding's projection, the activation) in one sweep over memory instead of three.
///
/// x is `[N, H, W, C]` with C split into G groups of C/G channels; each (image, group) is
/// normalised by the mean and variance of its H·W·C/G values, then scaled and shifted per channel
/// by gamma and beta `[C]`: a = x̂·γ + β (+ shift[n, c]), y = a or SiLU(a). Unlike batch norm it
/// does not depend on the batch, which matters when a few-shot batch holds 4 images.
extension Tensor {
    public static func groupNorm(_ x: Tensor, groups: Int, gamma: Tensor, beta: Tensor, shift: Tensor? = nil, silu: Bool = false,
                                 epsilon: Float = 1e-5) throws -> Tensor {
        let op = silu || shift != nil ? "groupNorm+SiLU" : "groupNorm"
        guard x.rank == 4 else { throw EngineError.invalidShape(op: op, shape: x.shape, expected: "an NHWC batch [N, H, W, C]") }
        let (n, c) = (x.shape[0], x.shape[3])
        guard groups >= 1, groups <= max(c, 1), c % groups == 0 else {
            throw EngineError.invalidArgument(op: op, message: "\(c) channels cannot be split into \(groups) groups")
        }
        guard gamma.shape == [c], beta.shape == [c] else {
            throw EngineError.shapeMismatch(op: op, lhs: gamma.shape, rhs: beta.shape, expected: "gamma and beta of shape [\(c)]")
        }
        if let shift, shift.shape != [n, c] {
            throw EngineError.shapeMismatch(op: op, lhs: x.shape, rhs: shift.shape, expected: "a shift of shape [\(n)×\(c)], one per image and channel")
        }
        let sweep = GroupNormSweep(shape: x.shape, groups: groups, silu: silu)
        let gp = gamma.pointer, bp = beta.pointer, xp = x.pointer
        // Per (image, channel): x̂ = x·rs + ms, and a = x·scale + offset.
        let rs = try Tensor.zeros([n, c]), ms = try Tensor.zeros([n, c]), scale = try Tensor.zeros([n, c]), offset = try Tensor.zeros([n, c])
        let vector = VectorLoops.active
        sweep.channelSums { sums, _, pixels in
            if vector { return likewise_channel_sums(xp + pixels.lowerBound * c, Int32(c), pixels.count, sums) }
            for p in pixels {
                let row = xp + p * c
                for ch in 0..<c { let v = Double(row[ch]); sums[ch] += v; sums[c + ch] += v * v }
            }
        } reduced: { b, sums in
            for g in 0..<groups {
                var total = 0.0, squares = 0.0
                for ch in g * sweep.groupWidth..<(g + 1) * sweep.groupWidth { total += sums[ch]; squares += sums[c + ch] }
                let mu = total / Double(sweep.groupSize)
                let r = 1 / (Swift.max(squares / Double(sweep.groupSize) - mu * mu, 0) + Double(epsilon)).squareRoot()
                for ch in g * sweep.groupWidth..<(g + 1) * sweep.groupWidth {
                    let i = b * c + ch
                    rs.pointer[i] = Float(r)
                    ms.pointer[i] = Float(-mu * r)
                    scale.pointer[i] = Float(r * Double(gp[ch]))
                    offset.pointer[i] = Float(Double(bp[ch]) - mu * r * Double(gp[ch])) + (shift?.pointer[i] ?? 0)
                }
            }
        }
        let out = Tensor(uninitialized: x.shape)
        let yp = out.pointer, sp = scale.pointer, op_ = offset.pointer
        sweep.forEachPixelRun { b, pixels in
            let k = sp + b * c, o = op_ + b * c
            if vector && silu { return likewise_silu_affine(xp + pixels.lowerBound * c, k, o, Int32(c), pixels.count, yp + pixels.lowerBound * c) }
            for p in pixels {
                let src = xp + p * c, dst = yp + p * c
                if silu {
                    for ch in 0..<c { dst[ch] = SiLU.value(src[ch] * k[ch] + o[ch]) }
                } else {
                    for ch in 0..<c { dst[ch] = src[ch] * k[ch] + o[ch] }
                }
            }
        }
        let inputs = [x, gamma, beta] + (shift.map { [$0] } ?? [])
        return try Autodiff.record(op, inputs: inputs, output: out) { dy in
            let dyp = dy.pointer, rsp = rs.pointer, msp = ms.pointer, sp = scale.pointer, op_ = offset.pointer
            // da = dL/da: dy, or through SiLU when fused (computed in the first sweep, kept for the
            // second). Sweep 1: per (image, channel), Σ da·x̂ and Σ da — dgamma's and dbeta's
            // shares, the shift's gradient, and (weighted by gamma) each group's sums for dx.
            let da = silu ? Tensor(uninitialized: x.shape) : dy
            let dap = da.pointer
            let gammaSums = try Tensor.zeros([n, c]), betaSums = try Tensor.zeros([n, c])
            sweep.channelSums { sums, b, pixels in
                let r = rsp + b * c, m = msp + b * c, k = sp + b * c, o = op_ + b * c
                if vector {
                    let first = pixels.lowerBound * c
                    if silu { likewise_silu_affine_gradient(xp + first, k, o, dyp + first, Int32(c), pixels.count, dap + first) }
                    return likewise_channel_gradient_sums(xp + first, dap + first, r, m, Int32(c), pixels.count, sums)
                }
                for p in pixels {
                    let src = xp + p * c, d = dap + p * c
                    if silu {
                        let g = dyp + p * c
                        for ch in 0..<c { d[ch] = SiLU.derivative(x: src[ch] * k[ch] + o[ch], y: 0, g: g[ch]) }
                    }
                    for ch in 0..<c {
                        sums[ch] += Double(d[ch] * (src[ch] * r[ch] + m[ch]))
                        sums[c + ch] += Double(d[ch])
                    }
                }
            } reduced: { b, sums in
                for ch in 0..<c { gammaSums.pointer[b * c + ch] = Float(sums[ch]); betaSums.pointer[b * c + ch] = Float(sums[c + ch]) }
            }
            // dx = r·(da·γ − mean(da·γ) − x̂·mean(da·γ·x̂)) per group = da·A + B + x̂·C per channel.
            let coefficientA = try Tensor.zeros([n, c]), coefficientB = try Tensor.zeros([n, c]), coefficientC = try Tensor.zeros([n, c])
            for b in 0..<n {
                for g in 0..<groups {
                    let channels = g * sweep.groupWidth..<(g + 1) * sweep.groupWidth
                    var sumD: Float = 0, sumDX: Float = 0
                    for ch in channels { sumD += gp[ch] * betaSums.pointer[b * c + ch]; sumDX += gp[ch] * gammaSums.pointer[b * c + ch] }
                    for ch in channels {
                        let i = b * c + ch, r = rsp[i]
                        coefficientA.pointer[i] = r * gp[ch]
                        coefficientB.pointer[i] = -r * sumD / Float(sweep.groupSize)
                        coefficientC.pointer[i] = -r * sumDX / Float(sweep.groupSize)
                    }
                }
            }
            let dx = Tensor(uninitialized: x.shape)
            let dxp = dx.pointer, ap = coefficientA.pointer, bcp = coefficientB.pointer, cp = coefficientC.pointer
            sweep.forEachPixelRun { b, pixels in
                let r = rsp + b * c, m = msp + b * c
                let ca = ap + b * c, cb = bcp + b * c, cc = cp + b * c
                if vector {
                    let first = pixels.lowerBound * c
                    return likewise_group_norm_input_gradient(xp + first, dap + first, r, m, ca, cb, cc, Int32(c), pixels.count, dxp + first)
                }
                for p in pixels {
                    let src = xp + p * c, g = dap + p * c, d = dxp + p * c
                    for ch in 0..<c { d[ch] = g[ch] * ca[ch] + cb[ch] + (src[ch] * r[ch] + m[ch]) * cc[ch] }
                }
            }
            let dgamma = try Tensor.zeros([c]), dbeta = try Tensor.zeros([c])
            for b in 0..<n {
                for ch in 0..<c { dgamma.pointer[ch] += gammaSums.pointer[b * c + ch]; dbeta.pointer[ch] += betaSums.pointer[b * c + ch] }
            }
            return [x.requiresGrad ? dx : nil, dgamma, dbeta] + (shift == nil ? [] : [betaSums])
        }
    }
}

/// How group norm walks an `[N, H, W, C]` batch: in runs of up to 256 pixels of one image, each
/// pass over a run's channels contiguous (so it vectorises, whatever the group width), the runs
/// split across threads. Sums over a run go into the run's own row and are added up per image in
/// run order afterwards, so results do not depend on the thread count — and one image (an edit)
/// still splits across threads.
struct GroupNormSweep {
    let images: Int, pixels: Int, channels: Int, groups: Int
    /// Elements a thread must get for a sweep to split: below, the hand-off and the trip of the
    /// data to the other core's cache cost more than half the sweep (`bench ops --passes-only`:
    /// plain group norm at 8² × 96, 46 µs forward+backward, ran at 0.9–1.35× on two threads).
    let share: Int
    static let run = 256

    /// `silu`: the sweeps compute SiLU too, twice the work an element (35 against 17 µs at
    /// 8² × 96), so half the elements make a thread's share.
    init(shape: [Int], groups: Int, silu: Bool) {
        (images, pixels, channels, self.groups) = (shape[0], shape[1] * shape[2], shape[3], groups)
        share = silu ? 16384 : 32768
    }

    var groupWidth: Int { channels / groups }
    var groupSize: Int { pixels * groupWidth }
    private var runsPerImage: Int { Swift.max((pixels + GroupNormSweep.run - 1) / GroupNormSweep.run, 1) }

    /// Calls `body(image, pixel range)` for every run, in parallel; pixels are counted over the batch.
    func forEachPixelRun(_ body: (Int, Range<Int>) -> Void) {
        let runs = runsPerImage, pixels = self.pixels
        let grain = Swift.max(1, share / Swift.max(Swift.min(pixels, GroupNormSweep.run) * channels, 1))
        Threads.parallelFor(images * runs, grain: grain) { units in
            for unit in units {
                let b = unit / runs, start = (unit % runs) * GroupNormSweep.run
                body(b, b * pixels + start..<b * pixels + Swift.min(start + GroupNormSweep.run, pixels))
            }
        }
    }

    /// Sums per run into `2·C` accumulators (`add(sums, image, pixels)` for every run of the
    /// batch), then hands each image's totals, added in run order, to `reduced(image, totals)`.
    func channelSums(add: (UnsafeMutablePointer<Double>, Int, Range<Int>) -> Void, reduced: (Int, UnsafePointer<Double>) -> Void) {
        let runs = runsPerImage, width = 2 * channels
        let partial = UnsafeMutablePointer<Double>.allocate(capacity: images * runs * width + width)
        defer { partial.deallocate() }
        partial.initialize(repeating: 0, count: images * runs * width + width)
        forEachPixelRun { b, range in
            add(partial + (b * runs + (range.lowerBound - b * pixels) / GroupNormSweep.run) * width, b, range)
        }
        let totals = partial + images * runs * width
        for b in 0..<images {
            totals.update(repeating: 0, count: width)
            for run in 0..<runs { for i in 0..<width { totals[i] += partial[(b * runs + run) * width + i] } }
            reduced(b, totals)
        }
    }
}
