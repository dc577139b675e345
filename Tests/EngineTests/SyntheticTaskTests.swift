@testable import Engine
import Testing
import TestSupport

@Suite(.hangLimit)
struct SyntheticTaskTests {
    @Test(arguments: SyntheticTask.Kind.allCases)
    func everyTaskIsDeterministicForASeedAndVariesAcrossSeeds(kind: SyntheticTask.Kind) throws {
        let task = SyntheticTask(kind)
        let a = try task.pairs(count: 3, size: 32, seed: 5), b = try task.pairs(count: 3, size: 32, seed: 5)
        #expect(a == b)
        #expect(try task.pair(index: 2, size: 32, seed: 5) == a[2])  // an index does not depend on the count asked for
        #expect(try task.pairs(count: 3, size: 32, seed: 6) != a)
        #expect(a[0].source != a[1].source)
    }

    /// The fraction of pixels the edit changes by more than 0.1 in some channel.
    func changedFraction(_ pair: Pair) -> Float {
        let n = pair.source.width * pair.source.height
        var changed = 0
        for i in 0..<n where (0..<3).contains(where: { abs(pair.source.pixels[3 * i + $0] - pair.target.pixels[3 * i + $0]) > 0.1 }) { changed += 1 }
        return Float(changed) / Float(n)
    }

    @Test(arguments: [(SyntheticTask.Kind.blueEyes, 0.001, 0.04), (.bigSmile, 0.002, 0.06), (.sleepy, 0.002, 0.05),
                      (.old, 0.02, 0.4), (.dayToNight, 0.6, 1.0), (.ancientFont, 0.6, 1.0)])
    func eachEditChangesAsMuchOfTheImageAsItShould(kind: SyntheticTask.Kind, least: Float, most: Float) throws {
        for pair in try SyntheticTask(kind).pairs(count: 4, size: 96, seed: 3) {
            let fraction = changedFraction(pair)
            #expect(fraction >= least && fraction <= most, "\(pair.name): \(fraction) of pixels changed")
        }
    }

    @Test func blueEyesMakesTheIrisesBlue() throws {
        let task = SyntheticTask(.blueEyes)
        let pair = try task.pair(index: 0, size: 128, seed: 9)
        let pose = task.pose(index: 0, seed: 9)
        var blueGain: Float = 0
        for i in 0..<(128 * 128) where pair.target.pixels[3 * i + 2] - pair.source.pixels[3 * i + 2] > 0.1 {
            // Every pixel that turned bluer lies near an eye.
            let u = SIMD2(Float(i % 128) + 0.5, Float(i / 128) + 0.5) / 64 - 1
            let q = pose.inverse(u)
            #expect(abs(abs(q.x) - 0.22) < 0.12 && abs(q.y + 0.08) < 0.1, "bluer pixel far from the eyes at canonical \(q)")
            blueGain += 1
        }
        #expect(blueGain > 10)
    }

    @Test(arguments: SyntheticTask.Kind.allCases)
    func theTrueDisplacementAlignsOneSourceWithAnother(kind: SyntheticTask.Kind) throws {
        let task = SyntheticTask(kind)
        let size = 64
        let truth = try task.displacement(from: 0, to: 1, seed: 4, size: size)
        // A point of the subject lands where the poses say it does.
        let (p0, p1) = (task.pose(index: 0, seed: 4), task.pose(index: 1, seed: 4))
        let u = SIMD2<Float>(5.5, 7.5) / 32 - 1, v = p1.apply(p0.inverse(u))
        let i = 7 * size + 5
        #expect(abs(truth.dx[i] - (v.x - u.x) * 32) < 1e-3 && abs(truth.dy[i] - (v.y - u.y) * 32) < 1e-3)
        let validCount = truth.valid.filter { $0 }.count
        #expect(validCount > size * size / 10, "only \(validCount) valid pixels")
        // Off by (3, 4) px everywhere: the error is 5 px on every pixel it counts.
        let offset = try truth.tensor + Tensor(shape: [2], scalars: [3, 4])
        #expect(abs(try truth.endPointError(of: offset) - 5) < 1e-4)
        #expect(try truth.endPointError(of: Tensor.zeros([1, size, size, 2])) > 0.5)
    }

    @Test(arguments: SyntheticTask.Kind.allCases)
    func warpingBySubjectFlowAlignsTheSubjects(kind: SyntheticTask.Kind) throws {
        // Source 1's subject mask, warped by the true flow, covers source 0's subject.
        let task = SyntheticTask(kind)
        let size = 64
        let truth = try task.displacement(from: 0, to: 1, seed: 2, size: size)
        let mask0 = try task.subjectMask(index: 0, seed: 2, size: size), mask1 = try task.subjectMask(index: 1, seed: 2, size: size)
        let warped = try Tensor.warp(Tensor(shape: [1, size, size, 1], scalars: mask1), by: truth.tensor).scalars
        var inside = 0, covered = 0, motion: Float = 0
        for i in 0..<(size * size) where truth.valid[i] {
            inside += 1
            if warped[i] > 0.5 && mask0[i] > 0.5 { covered += 1 }
            motion += (truth.dx[i] * truth.dx[i] + truth.dy[i] * truth.dy[i]).squareRoot()
        }
        // Bilinear sampling blurs the mask's edge by a pixel, so a few edge pixels fall below ½.
        let fraction = Float(covered) / Float(max(inside, 1))
        #expect(inside > 100 && fraction >= 0.97, "\(covered) of \(inside) valid pixels covered")
        // And the sources differ spatially: the subject moves by pixels, not fractions of one.
        #expect(motion / Float(max(inside, 1)) > 1, "\(kind): mean displacement \(motion / Float(max(inside, 1))) px")
    }

    @Test func badRequestsAreClearErrors() throws {
        let unknown = #expect(throws: TaskError.self) { try SyntheticTask(named: "blue_eye") }
        #expect(unknown?.description == "unknown task 'blue_eye'; the built-in tasks are blue_eyes, big_smile, old, sleepy, day_to_night, ancient_font")
        #expect(throws: TaskError.self) { try SyntheticTask(.old).pairs(count: 2, size: 16, seed: 1) }
        #expect(throws: TaskError.self) { try SyntheticTask(.old).pairs(count: 0, size: 32, seed: 1) }
        #expect(throws: TaskError.self) { try SyntheticTask(.old).pair(index: -1, size: 32, seed: 1) }
        #expect(try SyntheticTask(.old).pair(index: 0, size: 256, seed: 1).source.width == 256)
    }
}
