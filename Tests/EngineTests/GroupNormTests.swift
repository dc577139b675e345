@testable import Engine
import TestSupport
import Testing

struct GroupNormTests {
    @Test func normalisesEachGroupToZeroMeanAndUnitVariance() throws {
        let x = try random([2, 3, 3, 4], low: -3, high: 5)
        let y = try Tensor.groupNorm(x, groups: 2, gamma: Tensor(shape: [4], repeating: 1), beta: Tensor.zeros([4]))
        for b in 0..<2 {
            for g in 0..<2 {
                var values: [Float] = []
                for p in 0..<9 { for k in 0..<2 { values.append(y.pointer[(b * 9 + p) * 4 + g * 2 + k]) } }
                let mean = values.reduce(0, +) / Float(values.count)
                let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(values.count)
                #expect(abs(mean) < 1e-5)
                #expect(abs(variance - 1) < 1e-3)
            }
        }
    }

    @Test func channelsMustSplitIntoGroups() throws {
        let error = #expect(throws: EngineError.self) {
            try Tensor.groupNorm(random([1, 2, 2, 6]), groups: 4, gamma: random([6]), beta: random([6]))
        }
        #expect(error?.description == "groupNorm: 6 channels cannot be split into 4 groups")
    }
}
