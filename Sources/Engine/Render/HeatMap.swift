/// A map of one number a pixel as a picture: black for 0, through purple, red and orange, to
/// pale yellow at `top` and above — a ramp that reads as "more" in colour and in greyscale alike.
public enum HeatMap {
    /// The ramp's stops, from 0 to 1.
    static let stops: [SIMD3<Float>] = [SIMD3(0, 0, 0), SIMD3(0.34, 0.06, 0.43), SIMD3(0.73, 0.21, 0.33), SIMD3(0.98, 0.55, 0.04), SIMD3(0.99, 0.99, 0.75)]

    /// `values` (`width × height`, row-major) drawn with 0 black and `top` (and above) the
    /// ramp's last colour; a non-finite value is drawn as `top`.
    public static func image(_ values: [Float], width: Int, height: Int, top: Float) throws -> Image {
        guard values.count == width * height else {
            throw EngineError.invalidArgument(op: "HeatMap", message: "\(values.count) values for a \(width)×\(height) map")
        }
        guard top > 0, top.isFinite else { throw EngineError.invalidArgument(op: "HeatMap", message: "the top must be a positive number, got \(top)") }
        var pixels = [Float](repeating: 0, count: values.count * 3)
        let last = Float(stops.count - 1)
        for (p, value) in values.enumerated() {
            let t = value.isFinite ? min(max(value / top, 0), 1) * last : last
            let k = min(Int(t), stops.count - 2), f = t - Float(k)
            let colour = stops[k] + (stops[k + 1] - stops[k]) * f
            (pixels[3 * p], pixels[3 * p + 1], pixels[3 * p + 2]) = (colour.x, colour.y, colour.z)
        }
        return try Image(width: width, height: height, pixels: pixels)
    }
}
