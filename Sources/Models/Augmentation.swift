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
        let (w, h) = (image.width, image.height)
        var out = image
        let side = 1 / scale
        // The crop's centre in [0, 1] coordinates, kept inside the image.
        let cx = 0.5 + offsetX * (1 - side) / 2, cy = 0.5 + offsetY * (1 - side) / 2
        for y in 0..<h {
            for x in 0..<w {
                var u = (Float(x) + 0.5) / Float(w)
                if flip { u = 1 - u }
                let v = (Float(y) + 0.5) / Float(h)
                let sx = (cx + (u - 0.5) * side) * Float(w) - 0.5, sy = (cy + (v - 0.5) * side) * Float(h) - 0.5
                let rgb = Augmentation.sample(image, sx, sy)
                let p = 3 * (y * w + x)
                for c in 0..<3 {
                    let value = ((rgb[c] - 0.5) * contrast + 0.5 + brightness) * gains[c]
                    out.pixels[p + c] = min(max(value, 0), 1)
                }
            }
        }
        return out
    }

    /// Bilinear sample of `image` at (x, y), the border repeated outside.
    private static func sample(_ image: Image, _ x: Float, _ y: Float) -> SIMD3<Float> {
        let (w, h) = (image.width, image.height)
        let cx = min(max(x, 0), Float(w - 1)), cy = min(max(y, 0), Float(h - 1))
        let (x0, y0) = (Int(cx), Int(cy))
        let (x1, y1) = (min(x0 + 1, w - 1), min(y0 + 1, h - 1))
        let (fx, fy) = (cx - Float(x0), cy - Float(y0))
        func at(_ x: Int, _ y: Int) -> SIMD3<Float> {
            let p = 3 * (y * w + x)
            return SIMD3(image.pixels[p], image.pixels[p + 1], image.pixels[p + 2])
        }
        let top = at(x0, y0) + fx * (at(x1, y0) - at(x0, y0)), bottom = at(x0, y1) + fx * (at(x1, y1) - at(x0, y1))
        return top + fy * (bottom - top)
    }
}
