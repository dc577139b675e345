@testable import Engine
import Foundation
import Testing
import TestSupport

@Suite(.hangLimit)
struct EditRegionTests {
    /// A grey 10×8 source and a truth with one changed pixel at (4, 3).
    func dotEdit() throws -> (Image, Image) {
        let source = try Image(width: 10, height: 8, colour: RGB(0.5, 0.5, 0.5))
        var truth = source
        truth.pixels[3 * (3 * 10 + 4) + 2] = 0.9  // only blue changes
        return (source, truth)
    }

    @Test func theRegionIsWhereTheTruthChangesGrownByTheDilation() throws {
        let (source, truth) = try dotEdit()
        let region = try EditRegion(source: source, truth: truth)
        // A 5×5 square around (4, 3).
        for y in 0..<8 { for x in 0..<10 { #expect(region.mask[y * 10 + x] == (abs(x - 4) <= 2 && abs(y - 3) <= 2), "(\(x), \(y))") } }
        #expect(region.cover == 25.0 / 80)
        #expect(try EditRegion(source: source, truth: truth, dilation: 0).cover == 1.0 / 80)
        #expect(try EditRegion(source: source, truth: source).cover == 0)
        var faint = source
        faint.pixels[0] = 0.51  // below the 0.02 threshold
        #expect(try EditRegion(source: source, truth: faint).cover == 0)
    }

    @Test func regionPSNRSeesASmallEditThatWholeImagePSNRHides() throws {
        let (source, truth) = try dotEdit()
        let region = try EditRegion(source: source, truth: truth)
        // Returning the source unchanged: fine on the whole image, poor where the edit is.
        let whole = try Metrics.psnr(source, truth), local = try #require(try region.psnr(source, truth))
        #expect(whole - local > 5, "whole \(whole), region \(local)")  // 10·log₁₀(80/25): the region is under a third of the image
        // 25 pixels × 3 channels hold one error of 0.4: MSE 0.16 / 75.
        #expect(abs(local - 10 * log10(75 / 0.16)) < 1e-5)
        #expect(try region.psnr(truth, truth) == .infinity)
        #expect(try EditRegion(source: source, truth: source).psnr(source, truth) == nil)
        #expect(throws: ImageError.self) { try region.psnr(source, Image(width: 4, height: 4)) }
    }

    @Test func balancedWeightsGiveTheRegionAndTheRestHalfTheLossEach() throws {
        let (source, truth) = try dotEdit()
        let weights = try EditRegion(source: source, truth: truth).balancedLossWeights()
        #expect(weights.shape == [1, 8, 10, 1])
        let values = weights.scalars
        #expect(abs(values.reduce(0, +) / 80 - 1) < 1e-6)
        let inside = values[3 * 10 + 4], outside = values[0]
        #expect(abs(inside * 25 - outside * 55) < 1e-4)  // equal total weight
        #expect(try EditRegion(source: source, truth: source).balancedLossWeights().scalars.allSatisfy { $0 == 1 })
    }
}
