@testable import Engine
import Foundation
import TestSupport
import Testing

/// Random ops on random shapes and arguments, valid and not, with NaN, ±Inf and huge values among
/// the inputs and now and then sizes that split across threads: every forward call must return a
/// tensor or throw an `EngineError`, and the backward of every forward that succeeded must succeed.
/// A trap would end this test process, so reaching the end is the proof.
@Suite(.hangLimit)
struct EngineFuzzTests {
    @Test func randomCallsReturnOrThrowButNeverTrap() throws {
        let seed = Fuzzing.seed(default: 20261125)
        let watchdog = Watchdog("engine fuzzer", seed: seed)
        defer { watchdog.finish() }
        var rng = RandomGenerator(seed: seed)
        func pick(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(rng.next() % UInt64(range.count)) }
        func chance(_ p: Double) -> Bool { Double(rng.nextUnit()) < p }
        var threadedShapes = 0
        func shape() -> [Int] {
            guard !chance(0.03) else {
                threadedShapes += 1
                return rng.pick([[2, 64, 64, 16], [4, 16, 16, 8], [64, 2048], [2, 32, 32, 2]])
            }
            return (0..<pick(0...4)).map { _ in pick(0...4) }
        }
        let specials: [Float] = [.nan, .infinity, -.infinity, 3e38, -3e38, 1e-40, 0]
        func tensor(_ s: [Int]? = nil) throws -> Tensor {
            let t = try Tensor.randomUniform(s ?? shape(), low: -2, high: 2, using: &rng)
            if t.count > 0, chance(0.15) {
                for _ in 0..<pick(1...3) { t.pointer[Int(rng.next() % UInt64(t.count))] = rng.pick(specials) }
            }
            return chance(0.5) ? t.requiringGrad() : t
        }
        func odd() -> Int { [-3, -1, 0, 1, 2, 3, 1 << 40, Int.max, Int.min][pick(0...8)] }
        func axes() -> [Int]? { chance(0.2) ? nil : (0..<pick(1...2)).map { _ in chance(0.8) ? pick(-4...3) : odd() } }

        var (forwards, refusals, backwards) = (0, 0, 0)
        for iteration in 0..<10000 {
            watchdog.beat(iteration)
            let y: Tensor
            do {
                let a = try tensor(), b = try tensor()
                switch pick(0...23) {
                case 0: y = try [a + b, a - b, a * b, a / b][pick(0...3)]
                case 1: y = try a.applying(Pointwise.allCases[pick(0...9)])
                case 2: y = try a.sum(alongAxes: axes(), keepingAxes: chance(0.5))
                case 3: y = try Tensor.matmul(a, b, transposeA: chance(0.5), transposeB: chance(0.5))
                case 4: y = try Tensor.conv2d(a, weight: b, stride: odd(), padding: odd())
                case 5: y = try Tensor.conv2d(tensor([1, pick(0...5), pick(0...5), 2]), weight: tensor([pick(1...3), pick(1...3), 2, 3]),
                                               bias: chance(0.5) ? tensor([3]) : nil, stride: pick(1...3), padding: pick(0...2))
                case 6: y = try a.upsampledNearest(factor: chance(0.5) ? pick(1...3) : odd())
                case 7: y = try a.resizedBilinear(height: chance(0.5) ? pick(1...9) : odd(), width: pick(0...9))
                case 8: y = try a.averagePooled(factor: chance(0.5) ? pick(1...2) : odd())
                case 9: y = try Tensor.groupNorm(a, groups: chance(0.5) ? pick(1...4) : odd(), gamma: b, beta: b)
                case 10: y = try a.softmax()
                case 11: y = try Tensor.scaledDotProductAttention(query: a, key: b, value: b)
                case 12: y = try a.reshaped(to: shape().map { $0 == 0 ? -1 : $0 })
                case 13: y = try a.permuted((0..<a.rank).shuffled(using: &rng) + (chance(0.2) ? [odd()] : []))
                case 14: y = try Tensor.concat([a, b], axis: odd() % 5)
                case 15: y = try a.split(sizes: [pick(0...3), pick(0...3)], axis: odd() % 5)[pick(0...1)]
                case 16: y = try Tensor.warp(a, by: b)
                case 17:
                    // A warp that fits, so NaN and far-off flows reach the sampler.
                    let image = try tensor(a.rank == 4 ? a.shape : [2, 32, 32, 2])
                    var flowShape = image.shape
                    flowShape[3] = 2
                    y = try Tensor.warp(image, by: tensor(flowShape) * Float(rng.pick([1, 10, 1e9])))
                case 18:
                    let c = a.rank == 4 ? a.shape[3] : 0
                    y = try Tensor.groupNorm(a, groups: max(c, 1), gamma: tensor([c]), beta: tensor([c]))
                case 19: y = try a.fourierTransform2D().real
                case 20: y = try [Tensor.l1Loss(a, b), Tensor.mseLoss(a, b), Tensor.l1Loss(a, a.detached())][pick(0...2)]
                case 21:
                    let c = a.rank == 4 ? a.shape[3] : pick(0...3)
                    y = try Tensor.spatialSelfAttention(a, query: tensor([c, c]), key: tensor([c, c]), value: tensor([c, c]), output: tensor([c, c]))
                case 22: y = try [a + 2, a * Float.nan, 2 * a, a / 0, -a][pick(0...4)]
                default: y = try a.rows(pick(0...3)..<pick(3...6))
                }
                forwards += 1
            } catch let error as EngineError {
                #expect(!error.description.isEmpty)
                refusals += 1
                continue
            } catch {
                Issue.record("iteration \(iteration) (seed \(seed)) threw a non-engine error: \(error)")
                continue
            }
            // A forward that succeeded has validated its shapes: its backward has no reason to refuse.
            guard y.requiresGrad else { continue }
            do {
                try y.backward(seed: Tensor(shape: y.shape, repeating: 1))
                backwards += 1
            } catch {
                Issue.record("iteration \(iteration) (seed \(seed)): the forward succeeded with shape \(y.shape) but its backward threw: \(error)")
            }
        }
        // Every outcome must be exercised, or the fuzzer is not probing anything.
        #expect(forwards > 1000, "only \(forwards) calls succeeded (seed \(seed))")
        #expect(refusals > 1000, "only \(refusals) calls were refused (seed \(seed))")
        #expect(backwards > 500, "only \(backwards) backward passes ran (seed \(seed))")
        #expect(threadedShapes > 100, "only \(threadedShapes) tensors of threaded size (seed \(seed))")
    }
}
