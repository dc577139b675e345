import Engine
@testable import Models
import Testing
import TestSupport

@Suite(.hangLimit)
struct PairSamplerTests {
    @Test func anEpochIsEveryOrderedPairOfDistinctPairsOnce() throws {
        var sampler = try PairSampler(pairs: 5, seed: 1)
        #expect(sampler.cases == 20)
        for _ in 0..<3 {
            let epoch = sampler.batch(20)
            #expect(epoch.allSatisfy { $0.reference != $0.target })
            #expect(Set(epoch.map { $0.reference * 5 + $0.target }).count == 20)
        }
    }

    @Test func theOrderRepeatsForASeedAndEpochsAreReshuffled() throws {
        var a = try PairSampler(pairs: 6, seed: 4), b = try PairSampler(pairs: 6, seed: 4), c = try PairSampler(pairs: 6, seed: 5)
        let first = a.batch(30).map { [$0.reference, $0.target] }
        #expect(first == b.batch(30).map { [$0.reference, $0.target] })
        #expect(first != c.batch(30).map { [$0.reference, $0.target] })
        #expect(a.batch(30).map { [$0.reference, $0.target] } != first)
    }

    @Test func aRestoredSamplerContinuesWithTheVeryNextCase() throws {
        for taken in [0, 7, 12, 25] {  // before the first epoch, inside one, at an epoch's end, inside the third
            var original = try PairSampler(pairs: 4, seed: 9)
            _ = original.batch(taken)
            var restored = try PairSampler(pairs: 4, seed: 123)
            try restored.restore(original.state)
            #expect(restored.batch(30).map { [$0.reference, $0.target] } == original.batch(30).map { [$0.reference, $0.target] }, "after \(taken)")
        }
        var sampler = try PairSampler(pairs: 3, seed: 1)
        #expect(throws: EngineError.self) { try sampler.restore((0, 7)) }
    }

    @Test func fewerThanTwoPairsAreRefused() {
        let error = #expect(throws: EngineError.self) { try PairSampler(pairs: 1, seed: 1) }
        #expect(error?.description == "PairSampler: n-to-n training needs at least 2 pairs, got 1")
    }
}

@Suite(.hangLimit)
struct AugmentationTests {
    func ramp() throws -> Image {
        var pixels: [Float] = []
        for p in 0..<(8 * 6) { pixels += [Float(p % 8) / 7, Float(p / 8) / 5, 0.5] }
        return try Image(width: 8, height: 6, pixels: pixels)
    }

    @Test func noAugmentationChangesNothing() throws {
        let image = try ramp()
        let out = try Augmentation.none.applied(to: image)
        #expect(zip(out.pixels, image.pixels).allSatisfy { abs($0 - $1) < 1e-6 })
    }

    @Test func aFlipMirrorsLeftAndRight() throws {
        var flip = Augmentation()
        flip.flip = true
        let image = try ramp(), out = try flip.applied(to: image)
        for y in 0..<6 { for x in 0..<8 { #expect(abs(out[x, y].r - image[7 - x, y].r) < 1e-6 && abs(out[x, y].g - image[x, y].g) < 1e-6) } }
    }

    @Test func oneDrawTreatsEveryImageOfACaseAlike() throws {
        var rng = RandomGenerator(seed: 3)
        let draw = Augmentation.random(using: &rng)
        let x = try ramp()
        var y = x
        for p in [3 * (2 * 8 + 3), 3 * (2 * 8 + 4), 3 * (3 * 8 + 3), 3 * (3 * 8 + 4)] { y.pixels[p + 2] = 1 }  // a 2×2 edit at the centre
        let (ax, ay) = (try draw.applied(to: x), try draw.applied(to: y))
        // Where the edit cannot reach, the two agree exactly: the same crop, flip and colours.
        let differing = (0..<(8 * 6)).filter { ax[$0 % 8, $0 / 8] != ay[$0 % 8, $0 / 8] }.count
        #expect(differing >= 4 && differing <= 16, "\(differing) pixels differ")
        #expect(ax.pixels.allSatisfy { (0...1).contains($0) })
        #expect(try draw.applied(to: x) == ax)
    }

    @Test func aZoomKeepsTheCentreAndMagnifies() throws {
        var zoom = Augmentation()
        zoom.scale = 2
        let out = try zoom.applied(to: ramp())
        // The red ramp spans half its range after a 2× zoom about the centre.
        let span = out[7, 0].r - out[0, 0].r
        #expect(abs(span - 0.5) < 0.08, "span \(span)")
        #expect(abs((out[3, 0].r + out[4, 0].r) / 2 - 0.5) < 0.02)
    }
}
