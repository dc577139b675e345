import Engine

/// One random draw of the augmentations a training case gets, applied identically to every
/// image of the case (both sources and both targets), so that what changes between x_i and x_j,
/// and between x and y, is untouched: a horizontal flip, a small zoom-in crop (scale and offset
/// jitter), and a joint colour jitter (brightness, contrast, per-channel gain).
public struct Augmentation: Sendable, Equatable {
    public var flip = false
    /// ≥ 1: the crop's side is 1/scale of the image's.
    public var scale: Float = 1
    /// The crop centre's offset from the image centre, as a fraction of the room the crop leaves.
    public var offsetX: Float = 0, offsetY: Float = 0
    public var brightness: Float = 0, contrast: Float = 1
    public var gains: SIMD3<Float> = .one

    /// No change at all.
    public static let none = Augmentation()

    public init() {}

    /// A random draw: a flip half the time, a zoom of up to `maxScale`, a brightness shift of up
    /// to ±`colour`·0.5, contrast and gains within ±`colour`.
    public static func random(using rng: inout RandomGenerator, maxScale: Float = 1.15, colour: Float = 0.1) -> Augmentation {
        var a = Augmentation()
        a.flip = rng.nextUnit() < 0.5
        a.scale = 1 + rng.uniform(0, max(maxScale - 1, 0))
        a.offsetX = rng.uniform(-1, 1)
        a.offsetY = rng.uniform(-1, 1)
        a.brightness = rng.uniform(-colour / 2, colour / 2)
        a.contrast = 1 + rng.uniform(-colour, colour)
        a.gains = SIMD3(1 + rng.uniform(-colour, colour) / 2, 1 + rng.uniform(-colour, colour) / 2, 1 + rng.uniform(-colour, colour) / 2)
        return a
    }

    /// `image` cropped, flipped and recoloured (bilinear resampling to the same size; colours
    /// clamped to [0, 1]).
    public func applied(to image: Image) throws -> Image {
        var out = image
        out.pixels = resampled(image.pixels, width: image.width, height: image.height, channels: 3)
        for p in stride(from: 0, to: out.pixels.count, by: 3) {
            for c in 0..<3 { out.pixels[p + c] = min(max(jittered(out.pixels[p + c], channel: c), 0), 1) }
        }
        return out
    }

    /// Mx's channels of a case (`[1, H, W, 14]`, see `Transformation.channels`) made to describe
    /// the case's images under this augmentation: resampled as they are, the flow scaled with the
    /// zoom and mirrored with the flip, and each pixel's colour map C conjugated by the colour
    /// jitter J — J∘C∘J⁻¹ maps jittered colours as C mapped the originals (the clamp aside).
    public func applied(toTransformation channels: Tensor) throws -> Tensor {
        guard channels.rank == 4, channels.shape[0] == 1, channels.shape[3] == Transformation.channelCount else {
            throw EngineError.invalidShape(op: "Augmentation", shape: channels.shape, expected: "one transformation's channels [1, H, W, \(Transformation.channelCount)]")
        }
        let (h, w, k) = (channels.shape[1], channels.shape[2], Transformation.channelCount)
        var values = resampled(channels.scalars, width: w, height: h, channels: k)
        // J(v) = d·v + e per channel; the conjugate of v ↦ M·v + t is v ↦ D M D⁻¹ v + D t + e − D M D⁻¹ e.
        let d = SIMD3<Float>(repeating: contrast) * gains, e = gains * (0.5 - 0.5 * contrast + brightness)
        for p in stride(from: 0, to: values.count, by: k) {
            values[p] *= flip ? -scale : scale
            values[p + 1] *= scale
            for row in 0..<3 {
                var offset = d[row] * values[p + 2 + row * 4 + 3] + e[row]
                for column in 0..<3 {
                    let q = p + 2 + row * 4 + column
                    let conjugated = d[row] * (values[q] + ColourGrid.identity[row * 4 + column]) / d[column]
                    offset -= conjugated * e[column]
                    values[q] = conjugated - ColourGrid.identity[row * 4 + column]
                }
                values[p + 2 + row * 4 + 3] = offset
            }
        }
        return try Tensor(shape: channels.shape, scalars: values)
    }

    /// `v` of colour channel `c` under the colour jitter (unclamped).
    private func jittered(_ v: Float, channel c: Int) -> Float {
        ((v - 0.5) * contrast + 0.5 + brightness) * gains[c]
    }

    /// `values` (`height`×`width` pixels of `channels` each) cropped and flipped: each output
    /// pixel sampled bilinearly where the crop puts it, the border repeated outside.
    private func resampled(_ values: [Float], width w: Int, height h: Int, channels: Int) -> [Float] {
        var out = values
        let side = 1 / scale
        // The crop's centre in [0, 1] coordinates, kept inside the image.
        let cx = 0.5 + offsetX * (1 - side) / 2, cy = 0.5 + offsetY * (1 - side) / 2
        for y in 0..<h {
            for x in 0..<w {
                var u = (Float(x) + 0.5) / Float(w)
                if flip { u = 1 - u }
                let v = (Float(y) + 0.5) / Float(h)
                let sx = min(max((cx + (u - 0.5) * side) * Float(w) - 0.5, 0), Float(w - 1))
                let sy = min(max((cy + (v - 0.5) * side) * Float(h) - 0.5, 0), Float(h - 1))
                let (x0, y0) = (Int(sx), Int(sy))
                let (x1, y1) = (min(x0 + 1, w - 1), min(y0 + 1, h - 1))
                let (fx, fy) = (sx - Float(x0), sy - Float(y0))
                for c in 0..<channels {
                    func at(_ x: Int, _ y: Int) -> Float { values[(y * w + x) * channels + c] }
                    let top = at(x0, y0) + fx * (at(x1, y0) - at(x0, y0)), bottom = at(x0, y1) + fx * (at(x1, y1) - at(x0, y1))
                    out[(y * w + x) * channels + c] = top + fy * (bottom - top)
                }
            }
        }
        return out
    }
}
