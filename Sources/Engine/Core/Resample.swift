/// Changing the spatial size of NHWC batches: nearest and bilinear up-sampling, average pooling.
extension Tensor {
    private func requireImage(_ op: String) throws -> (n: Int, h: Int, w: Int, c: Int) {
        guard rank == 4 else { throw EngineError.invalidShape(op: op, shape: shape, expected: "an NHWC batch [N, H, W, C]") }
        return (shape[0], shape[1], shape[2], shape[3])
    }

    /// Each pixel repeated `factor`×`factor` times: `[N, H, W, C]` → `[N, H·f, W·f, C]`.
    public func upsampledNearest(factor: Int) throws -> Tensor {
        let op = "upsampleNearest"
        let (n, h, w, c) = try requireImage(op)
        guard factor >= 1, factor <= 1 << 15 else {
            throw EngineError.invalidArgument(op: op, message: "factor must be 1…32768, got \(factor)")
        }
        let (oh, ow) = (h * factor, w * factor)
        let out = try Tensor(validated: [n, oh, ow, c], op: op)
        let src = pointer, dst = out.pointer
        Threads.parallelFor(n * oh, grain: 16) { rows in
            for row in rows {
                let b = row / oh, y = (row % oh) / factor
                for ox in 0..<ow {
                    (dst + (row * ow + ox) * c).update(from: src + ((b * h + y) * w + ox / factor) * c, count: c)
                }
            }
        }
        return try Autodiff.record(op, inputs: [self], output: out) { g in
            // Each input pixel receives the sum of its f×f copies.
            let dx = try Tensor.zeros([n, h, w, c])
            for row in 0..<(n * oh) {
                let b = row / oh, y = (row % oh) / factor
                for ox in 0..<ow {
                    let d = dx.pointer + ((b * h + y) * w + ox / factor) * c
                    let s = g.pointer + (row * ow + ox) * c
                    for ch in 0..<c { d[ch] += s[ch] }
                }
            }
            return [dx]
        }
    }

    /// Bilinear resampling to `height`×`width`, sampling at pixel centres (PyTorch's
    /// `align_corners=False`): up-sampling for decoders and for flow pyramids.
    public func resizedBilinear(height oh: Int, width ow: Int) throws -> Tensor {
        let op = "resizeBilinear"
        let (n, h, w, c) = try requireImage(op)
        guard oh >= 1, ow >= 1, h >= 1, w >= 1, oh <= 1 << 20, ow <= 1 << 20 else {
            throw EngineError.invalidArgument(op: op, message: "sizes must be 1…2^20, got \(h)×\(w) → \(oh)×\(ow)")
        }
        let out = try Tensor(validated: [n, oh, ow, c], op: op)
        let ys = BilinearTaps(from: h, to: oh), xs = BilinearTaps(from: w, to: ow)
        let src = pointer, dst = out.pointer
        Threads.parallelFor(n * oh, grain: 8) { rows in
            for row in rows {
                let b = row / oh, oy = row % oh
                let (y0, y1, wy) = ys[oy]
                for ox in 0..<ow {
                    let (x0, x1, wx) = xs[ox]
                    let p00 = src + ((b * h + y0) * w + x0) * c, p01 = src + ((b * h + y0) * w + x1) * c
                    let p10 = src + ((b * h + y1) * w + x0) * c, p11 = src + ((b * h + y1) * w + x1) * c
                    let d = dst + (row * ow + ox) * c
                    for ch in 0..<c {
                        let top = p00[ch] + wx * (p01[ch] - p00[ch])
                        let bottom = p10[ch] + wx * (p11[ch] - p10[ch])
                        d[ch] = top + wy * (bottom - top)
                    }
                }
            }
        }
        return try Autodiff.record(op, inputs: [self], output: out) { g in
            let dx = try Tensor.zeros([n, h, w, c])
            let gp = g.pointer, dp = dx.pointer
            Threads.parallelFor(n, grain: 1) { images in
                for b in images {
                    for oy in 0..<oh {
                        let (y0, y1, wy) = ys[oy]
                        for ox in 0..<ow {
                            let (x0, x1, wx) = xs[ox]
                            let s = gp + ((b * oh + oy) * ow + ox) * c
                            func spread(_ y: Int, _ x: Int, _ weight: Float) {
                                let d = dp + ((b * h + y) * w + x) * c
                                for ch in 0..<c { d[ch] += weight * s[ch] }
                            }
                            spread(y0, x0, (1 - wy) * (1 - wx))
                            spread(y0, x1, (1 - wy) * wx)
                            spread(y1, x0, wy * (1 - wx))
                            spread(y1, x1, wy * wx)
                        }
                    }
                }
            }
            return [dx]
        }
    }

    /// The mean of each `factor`×`factor` block: `[N, H, W, C]` → `[N, H/f, W/f, C]`.
    public func averagePooled(factor: Int) throws -> Tensor {
        let op = "averagePool"
        let (n, h, w, c) = try requireImage(op)
        guard factor >= 1, factor <= 1 << 15, h % factor == 0, w % factor == 0 else {
            throw EngineError.invalidShape(op: op, shape: shape, expected: "height and width divisible by the factor \(factor)")
        }
        let (oh, ow) = (h / factor, w / factor)
        let scale = 1 / Float(factor * factor)
        let out = try Tensor.zeros([n, oh, ow, c])
        let src = pointer, dst = out.pointer
        Threads.parallelFor(n * oh, grain: 8) { rows in
            for row in rows {
                let b = row / oh, oy = row % oh
                for ox in 0..<ow {
                    let d = dst + (row * ow + ox) * c
                    for ky in 0..<factor {
                        for kx in 0..<factor {
                            let s = src + ((b * h + oy * factor + ky) * w + ox * factor + kx) * c
                            for ch in 0..<c { d[ch] += s[ch] * scale }
                        }
                    }
                }
            }
        }
        return try Autodiff.record(op, inputs: [self], output: out) { g in
            let dx = Tensor(uninitialized: [n, h, w, c])
            for row in 0..<(n * h) {
                let b = row / h, oy = (row % h) / factor
                for x in 0..<w {
                    let s = g.pointer + ((b * oh + oy) * ow + x / factor) * c
                    let d = dx.pointer + (row * w + x) * c
                    for ch in 0..<c { d[ch] = s[ch] * scale }
                }
            }
            return [dx]
        }
    }
}

/// For each output coordinate of a bilinear resize: the two input coordinates it reads and the
/// weight of the second, with centres aligned (`src = (dst + 0.5)·in/out − 0.5`, clamped at 0).
struct BilinearTaps {
    private let taps: [(Int, Int, Float)]

    init(from input: Int, to output: Int) {
        let scale = Float(input) / Float(output)
        taps = (0..<output).map { o in
            let s = max((Float(o) + 0.5) * scale - 0.5, 0)
            let i0 = min(Int(s), input - 1)
            let i1 = min(i0 + 1, input - 1)
            return (i0, i1, s - Float(i0))
        }
    }

    subscript(i: Int) -> (Int, Int, Float) { taps[i] }
}
