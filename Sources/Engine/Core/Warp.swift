import Foundation

/// Backward warping by a dense flow field, differentiable with respect to both image and flow.
///
/// image is `[N, H, W, C]`, flow `[N, H, W, 2]` holding (dx, dy) in pixels; the output pixel
/// (y, x) is the image sampled bilinearly at (x + dx, y + dy), with zeros outside the image (the
/// convention of `grid_sample(padding_mode="zeros")`). The flow estimator learns by comparing a
/// warped source with the real one, so the gradient reaching the flow is what trains it: for a
/// sample at s = x + dx between columns x0 and x0+1, ∂out/∂dx = (1−wy)(I01−I00) + wy(I11−I10).
extension Tensor {
    public static func warp(_ image: Tensor, by flow: Tensor) throws -> Tensor {
        let op = "warp"
        guard image.rank == 4 else { throw EngineError.invalidShape(op: op, shape: image.shape, expected: "an NHWC image batch [N, H, W, C]") }
        let (n, h, w, c) = (image.shape[0], image.shape[1], image.shape[2], image.shape[3])
        guard flow.shape == [n, h, w, 2] else {
            throw EngineError.shapeMismatch(op: op, lhs: image.shape, rhs: flow.shape, expected: "a flow of shape [\(n)×\(h)×\(w)×2] for this image")
        }
        let out = Tensor(uninitialized: image.shape)
        let ip = image.pointer, fp = flow.pointer, op_ = out.pointer
        Threads.parallelFor(n * h, grain: 4) { rows in
            for row in rows {
                let b = row / h, y = row % h
                for x in 0..<w {
                    let p = row * w + x
                    let s = WarpSample(x: Float(x) + fp[2 * p], y: Float(y) + fp[2 * p + 1], width: w, height: h)
                    let d = op_ + p * c
                    for ch in 0..<c { d[ch] = s.value(ip + b * h * w * c, channel: ch, channels: c, width: w) }
                }
            }
        }
        return try Autodiff.record(op, inputs: [image, flow], output: out) { g in
            let gp = g.pointer
            let dImage = try Tensor.zeros(image.shape), dFlow = Tensor(uninitialized: flow.shape)
            let dip = dImage.pointer, dfp = dFlow.pointer
            Threads.parallelFor(n, grain: 1) { images in
                for b in images {
                    let base = ip + b * h * w * c, dbase = dip + b * h * w * c
                    for y in 0..<h {
                        for x in 0..<w {
                            let p = (b * h + y) * w + x
                            let s = WarpSample(x: Float(x) + fp[2 * p], y: Float(y) + fp[2 * p + 1], width: w, height: h)
                            var gx: Float = 0, gy: Float = 0
                            for ch in 0..<c {
                                let go = gp[p * c + ch]
                                s.scatter(go, into: dbase, channel: ch, channels: c, width: w)
                                let (dx, dy) = s.slopes(base, channel: ch, channels: c, width: w)
                                gx += go * dx
                                gy += go * dy
                            }
                            dfp[2 * p] = gx
                            dfp[2 * p + 1] = gy
                        }
                    }
                }
            }
            return [dImage, dFlow]
        }
    }
}

extension Tensor {
    /// For a flow `[N, H, W, 2]`: `[N, H, W, 1]`, 1 where p + flow(p) lies inside the image (where
    /// `warp` samples the image rather than its zero padding), else 0.
    public static func flowLandsInside(_ flow: Tensor) throws -> Tensor {
        guard flow.rank == 4, flow.shape[3] == 2 else { throw EngineError.invalidShape(op: "flowLandsInside", shape: flow.shape, expected: "a flow [N, H, W, 2]") }
        let (n, h, w) = (flow.shape[0], flow.shape[1], flow.shape[2])
        let f = flow.pointer
        return try Tensor(shape: [n, h, w, 1], scalars: (0..<(n * h * w)).map { p in
            let (x, y) = (Float(p % w) + f[2 * p], Float((p / w) % h) + f[2 * p + 1])
            return x >= 0 && x <= Float(w - 1) && y >= 0 && y <= Float(h - 1) ? 1 : 0
        })
    }
}

/// One bilinear sample: the four neighbours of a real-valued position, which of them lie inside
/// the image, and the fractional offsets.
struct WarpSample {
    let x0, y0: Int
    let fx, fy: Float
    let inside: (Bool, Bool, Bool, Bool)  // (y0,x0), (y0,x1), (y1,x0), (y1,x1)

    @inline(__always)
    init(x: Float, y: Float, width: Int, height: Int) {
        // Positions far outside are clamped before conversion, so Int(…) cannot overflow;
        // NaN lands outside and samples zero.
        let cx = x.isNaN ? -2 : Swift.min(Swift.max(x, -2), Float(width) + 1)
        let cy = y.isNaN ? -2 : Swift.min(Swift.max(y, -2), Float(height) + 1)
        let fx0 = cx.rounded(.down), fy0 = cy.rounded(.down)
        x0 = Int(fx0); y0 = Int(fy0)
        fx = cx - fx0; fy = cy - fy0
        let x0In = x0 >= 0 && x0 < width, x1In = x0 + 1 >= 0 && x0 + 1 < width
        let y0In = y0 >= 0 && y0 < height, y1In = y0 + 1 >= 0 && y0 + 1 < height
        inside = (y0In && x0In, y0In && x1In, y1In && x0In, y1In && x1In)
    }

    @inline(__always)
    private func corners(_ img: UnsafePointer<Float>, _ ch: Int, _ c: Int, _ w: Int) -> (Float, Float, Float, Float) {
        let i00 = (y0 * w + x0) * c + ch
        return (inside.0 ? img[i00] : 0, inside.1 ? img[i00 + c] : 0,
                inside.2 ? img[i00 + w * c] : 0, inside.3 ? img[i00 + w * c + c] : 0)
    }

    @inline(__always)
    func value(_ img: UnsafePointer<Float>, channel: Int, channels: Int, width: Int) -> Float {
        let (v00, v01, v10, v11) = corners(img, channel, channels, width)
        let top = v00 + fx * (v01 - v00), bottom = v10 + fx * (v11 - v10)
        return top + fy * (bottom - top)
    }

    /// ∂value/∂x and ∂value/∂y.
    @inline(__always)
    func slopes(_ img: UnsafePointer<Float>, channel: Int, channels: Int, width: Int) -> (Float, Float) {
        let (v00, v01, v10, v11) = corners(img, channel, channels, width)
        return ((1 - fy) * (v01 - v00) + fy * (v11 - v10), (1 - fx) * (v10 - v00) + fx * (v11 - v01))
    }

    /// Adds `g` times each neighbour's weight into the image gradient.
    @inline(__always)
    func scatter(_ g: Float, into d: UnsafeMutablePointer<Float>, channel: Int, channels c: Int, width w: Int) {
        let i00 = (y0 * w + x0) * c + channel
        if inside.0 { d[i00] += g * (1 - fx) * (1 - fy) }
        if inside.1 { d[i00 + c] += g * fx * (1 - fy) }
        if inside.2 { d[i00 + w * c] += g * (1 - fx) * fy }
        if inside.3 { d[i00 + w * c + c] += g * fx * fy }
    }
}
