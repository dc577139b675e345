@testable import Engine
import Testing
import TestSupport

@Suite(.hangLimit)
struct HornSchunckTests {
    /// A smooth random texture, and the same texture moved by `shift` pixels (content at p in the
    /// first is at p + shift in the second).
    func translatedPair(size: Int, shift: (Float, Float)) throws -> (Image, Image) {
        var rng = RandomGenerator(seed: 3)
        let coarse = try Tensor.randomUniform([1, size / 4, size / 4, 3], using: &rng)
        let texture = try coarse.resizedBilinear(height: size, width: size)
        let back = try Tensor(shape: [1, size, size, 2], scalars: (0..<(size * size)).flatMap { _ in [-shift.0, -shift.1] })
        return (try Image(tensor: texture), try Image(tensor: Tensor.warp(texture, by: back)))
    }

    @Test func recoversAKnownTranslationWithinAPixel() throws {
        let size = 32
        let (a, b) = try translatedPair(size: size, shift: (2.5, -1.5))
        let flow = try HornSchunck().flow(from: a, to: b)
        // Away from the border, where the moved texture has no data.
        var errors: [Float] = []
        for y in 6..<(size - 6) {
            for x in 6..<(size - 6) {
                let i = y * size + x
                let (u, v) = (flow.scalars[2 * i], flow.scalars[2 * i + 1])
                errors.append(((u - 2.5) * (u - 2.5) + (v + 1.5) * (v + 1.5)).squareRoot())
            }
        }
        let mean = errors.reduce(0, +) / Float(errors.count)
        #expect(mean < 1, "mean end-point error \(mean) px")
    }
}
