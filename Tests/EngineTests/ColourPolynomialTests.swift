@testable import Engine
import Testing
import TestSupport

/// The global colour fit that eval's "colour-fit" row is.
@Suite(.hangLimit)
struct ColourPolynomialTests {
    func noise(_ side: Int, seed: UInt64) throws -> Image {
        var rng = RandomGenerator(seed: seed)
        return try Image(width: side, height: side, pixels: (0..<(side * side * 3)).map { _ in rng.nextUnit() })
    }

    @Test func aQuadraticGradeIsRecoveredFromPairsAndAppliedToANewImage() throws {
        // A curve per channel, with a cross term: what a photographer's preset can be.
        func graded(_ image: Image) throws -> Image {
            var out = image
            for p in stride(from: 0, to: out.pixels.count, by: 3) {
                let (r, g, b) = (image.pixels[p], image.pixels[p + 1], image.pixels[p + 2])
                (out.pixels[p], out.pixels[p + 1], out.pixels[p + 2]) = (0.1 + 0.8 * r * r, 0.9 * g - 0.2 * r * b + 0.1, 0.5 * b + 0.3 * g * g)
            }
            return out
        }
        let pairs = try (0..<2).map { k in let x = try noise(24, seed: UInt64(k)); return Pair(name: "\(k)", source: x, target: try graded(x)) }
        let fit = try ColourPolynomial.fit(pairs)
        let fresh = try noise(20, seed: 9)
        #expect(try Metrics.psnr(fit.applied(to: fresh), graded(fresh)) > 50)
        // What no global curve can do — change one corner only — it cannot learn.
        var local = pairs[0]
        for y in 0..<8 { for x in 0..<8 { local.target[x, y] = RGB(1, 0, 0) } }
        let blind = try ColourPolynomial.fit([local])
        #expect(try Metrics.psnr(blind.applied(to: local.source), local.target) < 30)
    }

    @Test func noPairsOrAPairOfTwoSizesIsAnError() throws {
        #expect(throws: EngineError.self) { try ColourPolynomial.fit([]) }
        let odd = Pair(name: "odd", source: try noise(4, seed: 1), target: try noise(5, seed: 1))
        #expect(throws: EngineError.self) { try ColourPolynomial.fit([odd]) }
    }
}
