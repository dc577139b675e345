@testable import Engine
import Foundation
import Testing
import TestSupport

@Suite(.hangLimit)
struct MetricsTests {
    func noise(_ w: Int, _ h: Int, seed: UInt64) throws -> Image {
        var rng = RandomGenerator(seed: seed)
        return try Image(width: w, height: h, pixels: (0..<(w * h * 3)).map { _ in rng.nextUnit() })
    }

    @Test func psnrOfAKnownError() throws {
        let a = try Image(width: 4, height: 4, colour: RGB(0.5, 0.5, 0.5)), b = try Image(width: 4, height: 4, colour: RGB(0.6, 0.6, 0.6))
        #expect(abs(try Metrics.psnr(a, b) - 20) < 1e-4)  // MSE 0.01
        #expect(try Metrics.psnr(a, a) == .infinity)
    }

    @Test func ssimOfConstantImagesIsTheLuminanceTerm() throws {
        // Flat images have no variance: SSIM = (2·μx·μy + C1) / (μx² + μy² + C1).
        let a = try Image(width: 16, height: 16, colour: RGB(0.2, 0.2, 0.2)), b = try Image(width: 16, height: 16, colour: RGB(0.6, 0.6, 0.6))
        let c1 = 0.0001
        let expected = (2 * 0.2 * 0.6 + c1) / (0.04 + 0.36 + c1)
        #expect(abs(try Metrics.ssim(a, b) - expected) < 1e-5)
        #expect(abs(try Metrics.ssim(a, a) - 1) < 1e-9)
    }

    @Test func sharpnessIsOneForTheTruthBelowForABlurAboveForNoise() throws {
        let truth = try noise(16, 16, seed: 3)
        #expect(abs(try #require(try Metrics.sharpness(truth, truth)) - 1) < 1e-9)
        // A box blur (2× down, 2× up) keeps the low frequencies and loses most of the rest.
        let blurred = try truth.resized(width: 8, height: 8).resized(width: 16, height: 16)
        #expect(try #require(try Metrics.sharpness(blurred, truth)) < 0.5)
        var noisier = truth
        var rng = RandomGenerator(seed: 4)
        for i in noisier.pixels.indices { noisier.pixels[i] += (rng.nextUnit() - 0.5) * 0.6 }
        #expect(try #require(try Metrics.sharpness(noisier, truth)) > 1.05)
        // A checkerboard's energy sits at the Nyquist frequency (radius √½): it counts in full.
        var checker = try Image(width: 8, height: 8, colour: RGB(0, 0, 0))
        for y in 0..<8 { for x in 0..<8 where (x + y) % 2 == 0 { for c in 0..<3 { checker.pixels[(y * 8 + x) * 3 + c] = 1 } } }
        let half = try Image(width: 8, height: 8, pixels: checker.pixels.map { $0 * 0.5 + 0.25 })
        #expect(abs(try #require(try Metrics.sharpness(half, checker)) - 0.25) < 1e-6)  // half the amplitude, a quarter of the energy
        // A flat truth has no detail to match.
        let flat = try Image(width: 8, height: 8, colour: RGB(0.3, 0.3, 0.3))
        #expect(try Metrics.sharpness(checker, flat) == nil)
        #expect(throws: ImageError.self) { try Metrics.sharpness(flat, truth) }
    }

    /// The definition, one 11×11 window at a time with a 2-D Gaussian, in Double.
    func referenceSSIM(_ a: Image, _ b: Image) -> Double {
        let sigma = 1.5, k = 11
        var kernel = [Double](repeating: 0, count: k * k)
        for y in 0..<k { for x in 0..<k { kernel[y * k + x] = exp(-(pow(Double(x - 5), 2) + pow(Double(y - 5), 2)) / (2 * sigma * sigma)) } }
        let total = kernel.reduce(0, +)
        kernel = kernel.map { $0 / total }
        var sum = 0.0, count = 0
        for c in 0..<3 {
            for y0 in 0...(a.height - k) {
                for x0 in 0...(a.width - k) {
                    var (mx, my, sxx, syy, sxy) = (0.0, 0.0, 0.0, 0.0, 0.0)
                    for y in 0..<k { for x in 0..<k {
                        let w = kernel[y * k + x]
                        let p = Double(a.pixels[3 * ((y0 + y) * a.width + x0 + x) + c]), q = Double(b.pixels[3 * ((y0 + y) * b.width + x0 + x) + c])
                        mx += w * p; my += w * q; sxx += w * p * p; syy += w * q * q; sxy += w * p * q
                    } }
                    let (vx, vy, cov) = (sxx - mx * mx, syy - my * my, sxy - mx * my)
                    sum += ((2 * mx * my + 1e-4) * (2 * cov + 9e-4)) / ((mx * mx + my * my + 1e-4) * (vx + vy + 9e-4))
                    count += 1
                }
            }
        }
        return sum / Double(count)
    }

    @Test func ssimMatchesTheDefinitionOnNoisyImages() throws {
        let a = try noise(19, 14, seed: 1)
        var b = a
        var rng = RandomGenerator(seed: 2)
        for i in 0..<b.pixels.count { b.pixels[i] = min(max(b.pixels[i] + 0.2 * (rng.nextUnit() - 0.5), 0), 1) }
        let value = try Metrics.ssim(a, b)
        #expect(abs(value - referenceSSIM(a, b)) < 1e-9)
        #expect(value > 0.3 && value < 0.99)
        #expect(try Metrics.ssim(a, try noise(19, 14, seed: 3)) < 0.1)
    }

    @Test func mismatchedOrTinyImagesAreErrors() throws {
        #expect(throws: ImageError.self) { try Metrics.psnr(try noise(4, 4, seed: 1), try noise(5, 4, seed: 1)) }
        #expect(throws: ImageError.self) { try Metrics.ssim(try noise(8, 8, seed: 1), try noise(8, 8, seed: 1)) }
    }
}
