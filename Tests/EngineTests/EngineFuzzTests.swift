@testable import Engine
import Foundation
import Testing

/// Random ops on random shapes and arguments, valid and not: every call must return a tensor or
/// throw an `EngineError`. A trap would end this test process, so reaching the end is the proof.
struct EngineFuzzTests {
    @Test func randomCallsReturnOrThrowButNeverTrap() throws {
        // LIKEWISE_FUZZ_SEED replays or explores another sequence.
        let seed = ProcessInfo.processInfo.environment["LIKEWISE_FUZZ_SEED"].flatMap(UInt64.init) ?? 20261125
        var rng = RandomGenerator(seed: seed)
        func pick(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(rng.next() % UInt64(range.count)) }
        func shape() -> [Int] { (0..<pick(0...4)).map { _ in pick(0...4) } }
        func tensor(_ s: [Int]? = nil) throws -> Tensor {
            let t = try Tensor.randomUniform(s ?? shape(), low: -2, high: 2, using: &rng)
            return rng.nextUnit() < 0.5 ? t.requiringGrad() : t
        }
        func odd() -> Int { [-3, -1, 0, 1, 2, 3, 1 << 40, Int.max, Int.min][pick(0...8)] }

        var results = 0, errors = 0
        for iteration in 0..<10000 {
            do {
                let a = try tensor(), b = try tensor()
                let y: Tensor
                switch pick(0...17) {
                case 0: y = try [a + b, a - b, a * b, a / b][pick(0...3)]
                case 1: y = try a.applying(Pointwise.allCases[pick(0...9)])
                case 2: y = try a.sum(alongAxes: [odd()])
                case 3: y = try Tensor.matmul(a, b, transposeA: rng.nextUnit() < 0.5, transposeB: rng.nextUnit() < 0.5)
                case 4: y = try Tensor.conv2d(a, weight: b, stride: odd(), padding: odd())
                case 5: y = try Tensor.conv2d(tensor([1, pick(0...5), pick(0...5), 2]), weight: tensor([pick(1...3), pick(1...3), 2, 3]),
                                               stride: pick(1...3), padding: pick(0...2))
                case 6: y = try a.upsampledNearest(factor: odd())
                case 7: y = try a.resizedBilinear(height: odd(), width: pick(0...5))
                case 8: y = try a.averagePooled(factor: odd())
                case 9: y = try Tensor.groupNorm(a, groups: odd(), gamma: b, beta: b)
                case 10: y = try a.softmax()
                case 11: y = try Tensor.scaledDotProductAttention(query: a, key: b, value: b)
                case 12: y = try a.reshaped(to: shape().map { $0 == 0 ? -1 : $0 })
                case 13: y = try a.permuted((0..<a.rank).shuffled(using: &rng) + (rng.nextUnit() < 0.2 ? [odd()] : []))
                case 14: y = try Tensor.concat([a, b], axis: odd() % 5)
                case 15: y = try a.split(sizes: [pick(0...3), pick(0...3)], axis: odd() % 5)[0]
                case 16: y = try Tensor.warp(a, by: b)
                default: y = try a.rows(pick(0...3)..<pick(3...6))
                }
                if y.requiresGrad { try y.backward(seed: Tensor(shape: y.shape, repeating: 1)) }
                results += 1
            } catch let error as EngineError {
                #expect(!error.description.isEmpty)
                errors += 1
            } catch {
                Issue.record("iteration \(iteration) (seed \(seed)) threw a non-engine error: \(error)")
            }
        }
        // Both outcomes must be exercised, or the fuzzer is not probing anything.
        #expect(results > 1000, "only \(results) calls succeeded (seed \(seed))")
        #expect(errors > 1000, "only \(errors) calls were refused (seed \(seed))")
    }
}
