/// A classical optical-flow estimator: Horn and Schunck's (1981) brightness constancy with a
/// smoothness term, solved coarse to fine with warping — the baseline a learned estimator must beat.
///
/// The flow has the convention of `Displacement` and `Tensor.warp`: for pixel p of `source`, the
/// same point lies at p + F(p) in `target`, so warping `target` by F aligns it with `source`.
public struct HornSchunck: Sendable, Equatable, Codable {
    /// The weight of smoothness against brightness constancy (α², on normalised structure; 0.3
    /// gave the lowest end-point error on the built-in face tasks of 0.03, 0.1, 0.3, 1, 3, 10, 30).
    public var smoothness: Float = 0.3
    /// Jacobi iterations per warp at each level.
    public var iterations: Int = 60
    /// Warps (re-linearisations) per level.
    public var warps: Int = 3
    /// The coarsest level is at least this many pixels on its shorter side.
    public var coarsest: Int = 8

    public init() {}

    /// The flow from `source` to `target` (images of one size) as a `[1, H, W, 2]` tensor of (dx, dy).
    public func flow(from source: Image, to target: Image) throws -> Tensor {
        guard source.width == target.width, source.height == target.height else {
            throw EngineError.shapeMismatch(op: "HornSchunck", lhs: [source.height, source.width], rhs: [target.height, target.width],
                                            expected: "two images of one size")
        }
        var pyramid = [(GreyImage(source).normalised(), GreyImage(target).normalised())]
        while let (a, b) = pyramid.last, min(a.width, a.height) / 2 >= coarsest {
            pyramid.append((a.halved(), b.halved()))
        }
        var u = [Float](), v = [Float]()
        for (level, (first, second)) in pyramid.enumerated().reversed() {
            if level == pyramid.count - 1 {
                u = [Float](repeating: 0, count: first.count)
                v = u
            } else {
                let coarse = pyramid[level + 1].0
                u = coarse.upsampled(u, to: first, scale: Float(first.width) / Float(coarse.width))
                v = coarse.upsampled(v, to: first, scale: Float(first.height) / Float(coarse.height))
            }
            for _ in 0..<warps { refine(&u, &v, first, second) }
        }
        var values = [Float](repeating: 0, count: 2 * u.count)
        for i in u.indices { values[2 * i] = u[i]; values[2 * i + 1] = v[i] }
        return try Tensor(shape: [1, source.height, source.width, 2], scalars: values)
    }

    /// One linearisation around (u, v): the increment that Jacobi iterations of the Horn–Schunck
    /// equations find for the target warped by the current flow.
    private func refine(_ u: inout [Float], _ v: inout [Float], _ first: GreyImage, _ second: GreyImage) {
        let (w, h) = (first.width, first.height)
        let warped = second.warped(by: u, v)
        var ix = [Float](repeating: 0, count: first.count), iy = ix, it = ix
        for y in 0..<h {
            for x in 0..<w {
                let i = y * w + x
                // Gradients averaged over both images (the symmetric scheme is more stable).
                ix[i] = 0.5 * (first.dx(x, y) + warped.dx(x, y))
                iy[i] = 0.5 * (first.dy(x, y) + warped.dy(x, y))
                it[i] = warped.values[i] - first.values[i]
            }
        }
        var du = [Float](repeating: 0, count: first.count), dv = du
        var nextU = du, nextV = du
        for _ in 0..<iterations {
            for y in 0..<h {
                for x in 0..<w {
                    let i = y * w + x
                    // The neighbours' mean of the whole flow, less the current flow: the
                    // smoothness pull on the increment.
                    let meanU = GreyImage.neighbourMean(u, du, x, y, w, h), meanV = GreyImage.neighbourMean(v, dv, x, y, w, h)
                    let residual = ix[i] * meanU + iy[i] * meanV + it[i]
                    let scale = residual / (smoothness + ix[i] * ix[i] + iy[i] * iy[i])
                    nextU[i] = meanU - ix[i] * scale
                    nextV[i] = meanV - iy[i] * scale
                }
            }
            swap(&du, &nextU)
            swap(&dv, &nextV)
        }
        for i in u.indices { u[i] += du[i]; v[i] += dv[i] }
    }
}

/// A single-channel image for the estimator, with the few operations it needs.
struct GreyImage {
    let width: Int, height: Int
    var values: [Float]
    var count: Int { width * height }

    init(width: Int, height: Int, values: [Float]) { (self.width, self.height, self.values) = (width, height, values) }

    /// Luma (Rec. 601) of an RGB image.
    init(_ image: Image) {
        self.init(width: image.width, height: image.height, values: (0..<(image.width * image.height)).map { i in
            0.299 * image.pixels[3 * i] + 0.587 * image.pixels[3 * i + 1] + 0.114 * image.pixels[3 * i + 2]
        })
    }

    /// The value at (x, y) with the border repeated outside.
    @inline(__always) func at(_ x: Int, _ y: Int) -> Float {
        values[min(max(y, 0), height - 1) * width + min(max(x, 0), width - 1)]
    }

    @inline(__always) func dx(_ x: Int, _ y: Int) -> Float { 0.5 * (at(x + 1, y) - at(x - 1, y)) }
    @inline(__always) func dy(_ x: Int, _ y: Int) -> Float { 0.5 * (at(x, y + 1) - at(x, y - 1)) }

    /// Blurred by the 3×3 binomial kernel, which keeps the derivatives of textured images sane.
    func smoothed() -> GreyImage {
        var out = self
        for y in 0..<height {
            for x in 0..<width {
                var total: Float = 0
                for (dy, wy) in [(-1, Float(1)), (0, 2), (1, 1)] {
                    for (dx, wx) in [(-1, Float(1)), (0, 2), (1, 1)] { total += wx * wy * at(x + dx, y + dy) }
                }
                out.values[y * width + x] = total / 16
            }
        }
        return out
    }

    /// Structure without appearance: each pixel's offset from its neighbourhood's mean, in units
    /// of the neighbourhood's spread, then lightly blurred. Two sources of a task differ in colour
    /// and lighting (that is the colour transform's job), so brightness constancy holds only here.
    func normalised(radius: Int = 3) -> GreyImage {
        var out = self
        let n = Float((2 * radius + 1) * (2 * radius + 1))
        for y in 0..<height {
            for x in 0..<width {
                var sum: Float = 0, squares: Float = 0
                for dy in -radius...radius {
                    for dx in -radius...radius { let v = at(x + dx, y + dy); sum += v; squares += v * v }
                }
                let mean = sum / n, spread = max(squares / n - mean * mean, 0).squareRoot()
                out.values[y * width + x] = (at(x, y) - mean) / (spread + 0.02)
            }
        }
        return out.smoothed()
    }

    /// Half the size (rounded down), each pixel the mean of a 2×2 block.
    func halved() -> GreyImage {
        let (w, h) = (max(width / 2, 1), max(height / 2, 1))
        var values = [Float](repeating: 0, count: w * h)
        for y in 0..<h {
            for x in 0..<w {
                values[y * w + x] = 0.25 * (at(2 * x, 2 * y) + at(2 * x + 1, 2 * y) + at(2 * x, 2 * y + 1) + at(2 * x + 1, 2 * y + 1))
            }
        }
        return GreyImage(width: w, height: h, values: values)
    }

    /// A field on this level's grid resampled (bilinearly) onto `fine`'s grid, times `scale`.
    func upsampled(_ field: [Float], to fine: GreyImage, scale: Float) -> [Float] {
        let grid = GreyImage(width: width, height: height, values: field)
        var out = [Float](repeating: 0, count: fine.count)
        let sx = Float(width) / Float(fine.width), sy = Float(height) / Float(fine.height)
        for y in 0..<fine.height {
            for x in 0..<fine.width {
                out[y * fine.width + x] = scale * grid.sample((Float(x) + 0.5) * sx - 0.5, (Float(y) + 0.5) * sy - 0.5)
            }
        }
        return out
    }

    /// Bilinear sample at (x, y), the border repeated outside; non-finite positions read the border.
    func sample(_ x: Float, _ y: Float) -> Float {
        let cx = x.isFinite ? min(max(x, 0), Float(width - 1)) : 0
        let cy = y.isFinite ? min(max(y, 0), Float(height - 1)) : 0
        let x0 = Int(cx), y0 = Int(cy)
        let fx = cx - Float(x0), fy = cy - Float(y0)
        let top = at(x0, y0) + fx * (at(x0 + 1, y0) - at(x0, y0))
        let bottom = at(x0, y0 + 1) + fx * (at(x0 + 1, y0 + 1) - at(x0, y0 + 1))
        return top + fy * (bottom - top)
    }

    /// This image read at p + (u, v) for every pixel p.
    func warped(by u: [Float], _ v: [Float]) -> GreyImage {
        var out = self
        for y in 0..<height {
            for x in 0..<width {
                let i = y * width + x
                out.values[i] = sample(Float(x) + u[i], Float(y) + v[i])
            }
        }
        return out
    }

    /// The mean over the 4-neighbourhood of (base + increment) at (x, y), less base there: the
    /// smoothness term's target for the increment.
    @inline(__always)
    static func neighbourMean(_ base: [Float], _ increment: [Float], _ x: Int, _ y: Int, _ w: Int, _ h: Int) -> Float {
        let i = y * w + x
        var total: Float = 0, n: Float = 0
        // Left, right, up, down; written out, since this runs for every pixel of every iteration.
        if x > 0 { total += base[i - 1] + increment[i - 1]; n += 1 }
        if x < w - 1 { total += base[i + 1] + increment[i + 1]; n += 1 }
        if y > 0 { total += base[i - w] + increment[i - w]; n += 1 }
        if y < h - 1 { total += base[i + w] + increment[i + w]; n += 1 }
        return total / n - base[i]
    }
}
