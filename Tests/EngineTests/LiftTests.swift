@testable import Engine
import Foundation
import Testing
import TestSupport

/// The lifts and the bilateral grid under them: an edit made at a low resolution, brought back
/// at a photo's own size, against the same edit made at full resolution.
@Suite(.hangLimit)
struct LiftTests {
    /// A photo-like image: smooth shading with fine texture (what a downscale loses) and a dark
    /// and a light half, so that luma separates regions. The texture differs between the
    /// channels, or is the same in all three when `greyTexture`.
    func photo(width: Int, height: Int, seed: UInt64 = 5, greyTexture: Bool = false) throws -> Image {
        var rng = RandomGenerator(seed: seed)
        var pixels = [Float](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let shade: Float = x < width / 2 ? 0.25 : 0.7
                let grain = greyTexture ? rng.uniform(-0.08, 0.08) : 0
                for c in 0..<3 {
                    let wave = 0.08 * sin(Float(x * (greyTexture ? 2 : c + 2) + y * 3) * 0.9)
                    pixels[3 * (y * width + x) + c] = min(max(shade + wave + (greyTexture ? grain : rng.uniform(-0.08, 0.08)) + Float(c) * 0.03, 0), 1)
                }
            }
        }
        return try Image(width: width, height: height, pixels: pixels)
    }

    /// A warm grade whose strength depends on the pixel's own colour: affine, so a grid can hold it.
    func graded(_ image: Image) throws -> Image {
        var grade = try ColourGrid(columns: 1, rows: 1)
        grade.matrices = [0.9, 0.1, 0, 0.06, 0, 0.85, 0.05, 0.02, 0, 0.1, 0.7, 0]
        return try grade.applied(to: image)
    }

    /// PSNR in dB over the pixels at which `counts(x, y)`.
    func psnr(_ a: Image, _ b: Image, where counts: (Int, Int) -> Bool) -> Double {
        var total: Double = 0, count = 0
        for y in 0..<a.height {
            for x in 0..<a.width where counts(x, y) {
                for c in 0..<3 { let d = Double(a.pixels[3 * (y * a.width + x) + c] - b.pixels[3 * (y * a.width + x) + c]); total += d * d }
                count += 3
            }
        }
        return total == 0 ? .infinity : 10 * log10(Double(count) / total)
    }

    @Test func aColourGradeComesBackSharpThroughTheGridAndBlurredThroughTheUpsampling() throws {
        let source = try photo(width: 257, height: 131), low = try source.resized(width: 64, height: 64)
        let truth = try graded(source), edit = try graded(low)
        var scores: [Lift: Double] = [:]
        for lift in Lift.allCases {
            let lifted = try lift.lifted(edit, of: low, to: source)
            #expect(lifted.width == 257 && lifted.height == 131)
            scores[lift] = try Metrics.psnr(lifted, truth)
        }
        #expect(scores[.grid]! > 45, "\(scores)")
        #expect(scores[.residual]! > 45, "\(scores)")
        #expect(scores[.adaptive]! > 45, "a grade leaves adaptive's gate open: \(scores)")
        #expect(scores[.grid]! > scores[.upsample]! + 15, "\(scores)")
        // The change is colour-dependent, so carrying it as a blurred difference loses some of it.
        #expect(scores[.detail]! > scores[.upsample]!, "\(scores)")
    }

    @Test func whereTheEditChangesNothingThePhotoComesBackAsItWas() throws {
        let source = try photo(width: 300, height: 200), low = try source.resized(width: 64, height: 64)
        // A recolour of the top-left quarter only (in the low-resolution edit).
        var edit = low
        for y in 0..<20 { for x in 0..<20 { edit[x, y] = RGB(0.9, 0.2, 0.2) } }
        // Outside it, from about one grid cell (26 px here) beyond its edge: the detail lift keeps
        // the photo exactly; the grid carries some red a cell further (its trilinear shares reach
        // that far: 39.4 dB measured), and the residual lift takes most of that back.
        let kept = try [Lift.detail, .grid, .residual].map { lift in
            psnr(try lift.lifted(edit, of: low, to: source), source) { x, y in x >= 120 || y >= 80 }
        }
        #expect(kept[0] == .infinity && kept[1] >= 37 && kept[2] >= 40, "\(kept)")
        let upsampled = try Lift.upsample.lifted(edit, of: low, to: source)
        #expect(try Metrics.psnr(upsampled, source) < 30, "the baseline loses the texture")
    }

    @Test func whereTheEditRemovesAShapeAdaptiveDropsThePhotosDetailOfItAndKeepsTheRest() throws {
        // A textured dark disc on the photo; the effect removes it (the photo without it is the
        // truth). No colour map turns the disc's texture into the shading beneath, so residual
        // brings the old texture back there; adaptive, like the upsampling, does not, and keeps
        // the photo's detail everywhere else. (A grey texture: with colour texture the grid's maps,
        // fitted where the downscale left the channels all but equal, amplify it here — residual
        // and adaptive alike, 8 dB outside the disc — which is the grid's weakness, not the gate's.)
        let (width, height) = (300, 200)
        let truth = try photo(width: width, height: height, greyTexture: true)
        var source = truth
        let inDisc = { (x: Int, y: Int) in (x - 150) * (x - 150) + (y - 100) * (y - 100) < 20 * 20 }
        for y in 0..<height { for x in 0..<width where inDisc(x, y) { source[x, y] = (x / 3 + y / 3) % 2 == 0 ? RGB(0.02, 0.02, 0.05) : RGB(0.3, 0.3, 0.35) } }
        let low = try source.resized(width: 64, height: 64), edit = try truth.resized(width: 64, height: 64)
        var disc: [Lift: Double] = [:], rest: [Lift: Double] = [:]
        for lift in [Lift.upsample, .residual, .adaptive] {
            let lifted = try lift.lifted(edit, of: low, to: source)
            disc[lift] = psnr(lifted, truth, where: inDisc)
            rest[lift] = psnr(lifted, truth) { x, y in (x - 150) * (x - 150) + (y - 100) * (y - 100) > 50 * 50 }
        }
        #expect(disc[.adaptive]! > disc[.residual]! + 3, "disc: \(disc)")
        #expect(disc[.adaptive]! > disc[.upsample]! - 1, "disc: \(disc)")
        #expect(rest[.adaptive]! > rest[.upsample]! + 10, "outside: \(rest)")
        #expect(rest[.adaptive]! > rest[.residual]! - 0.5, "outside: \(rest)")
    }

    @Test func anEditAtThePhotosOwnSizeIsReturnedAsItIs() throws {
        let source = try photo(width: 40, height: 40), edit = try graded(source)
        for lift in Lift.allCases { #expect(try lift.lifted(edit, of: source, to: source) == edit) }
    }

    @Test func theLiftsWithARemainderGiveTheEditAtTheWorkingSize() throws {
        // Lifting to a size of the low image's own aspect and resolution… plus one pixel: close to
        // the edit itself, since the remainder restores what the base misses.
        let source = try photo(width: 65, height: 64), low = try source.resized(width: 64, height: 64)
        var edit = try graded(low)
        edit[10, 10] = RGB(1, 0, 1)  // no colour map makes this one pixel
        for lift in [Lift.upsample, .residual, .adaptive] {
            let back = try lift.lifted(edit, of: low, to: source).resized(width: 64, height: 64)
            #expect(try Metrics.psnr(back, edit) > 30, "\(lift)")
        }
    }

    @Test func oddSizesLiftWithoutTrapping() throws {
        for (w, h) in [(1, 97), (97, 1), (1, 1), (13, 7), (65, 65), (211, 3)] {
            let source = try photo(width: w, height: h)
            let low = try source.resized(width: min(w, 8), height: min(h, 8))
            for lift in Lift.allCases {
                let lifted = try lift.lifted(low, of: low, to: source)
                #expect(lifted.width == w && lifted.height == h)
                #expect(lifted.pixels.allSatisfy { $0 >= 0 && $0 <= 1 })
                if lift == .detail { #expect(lifted == source, "an unchanged edit keeps the photo exactly") }
            }
        }
    }

    @Test func aLiftRefusesAnEditOfAnotherSizeThanItsInput() throws {
        let source = try photo(width: 50, height: 30)
        #expect(throws: EngineError.self) {
            try Lift.grid.lifted(try source.resized(width: 16, height: 16), of: try source.resized(width: 8, height: 8), to: source)
        }
        #expect(throws: EngineError.self) { try Lift(named: "bicubic") }
    }

    @Test func theGridIsTheSameWithOneThreadOrTwo() throws {
        let source = try photo(width: 400, height: 300), low = try source.resized(width: 64, height: 48)
        let edit = try graded(low)
        let one = try Threads.within(.init(count: 1)) { try Lift.residual.lifted(edit, of: low, to: source) }
        let scope = Threads.Scope(count: 2)
        let two = try Threads.within(scope) { try Lift.residual.lifted(edit, of: low, to: source) }
        #expect(one == two)
        #expect(scope.splitLoops.load(ordering: .relaxed) > 0, "the pass took the parallel path")
    }

    @Test func anEmptyLumaLevelTakesTheWholeImagesMap() throws {
        // A low image of mid greys only: the dark and light levels have no pixels, and a full-size
        // pixel of those lumas is mapped by the overall map rather than an arbitrary one.
        let low = try Image(width: 16, height: 16, colour: RGB(0.5, 0.5, 0.5))
        var edit = low
        for i in edit.pixels.indices where i % 3 == 0 { edit.pixels[i] = 0.6 }  // red + 0.1
        let grid = try BilateralGrid.fit(from: low, to: edit)
        let dark = try Image(width: 32, height: 32, colour: RGB(0.05, 0.05, 0.05))
        let mapped = Lift.pass(guide: dark, grid: grid, keepsGuide: false, remainder: nil, clamps: true)
        // The overall map from one grey is the identity moved least to raise red by 0.1 there:
        // at this dark grey it raises red by 0.1·(1 + 0.075)/(1 + 0.75) ≈ 0.061 and keeps green.
        #expect(Swift.abs(mapped[0] - 0.05 - 0.061) < 0.01, "red raised: \(mapped[0...2])")
        #expect(Swift.abs(mapped[1] - 0.05) < 0.01 && Swift.abs(mapped[2] - 0.05) < 0.01, "\(mapped[0...2])")
    }
}
