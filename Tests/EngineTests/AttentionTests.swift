@testable import Engine
import Testing

struct AttentionTests {
    @Test func softmaxRowsArePositiveAndSumToOne() throws {
        let y = try Tensor(shape: [2, 3], scalars: [1, 2, 3, 1000, 1000, 1000]).softmax()
        expectClose(y.scalars, [0.090031, 0.244728, 0.665241, 1 / 3, 1 / 3, 1 / 3])
    }

    @Test func softmaxHasFiniteDifferenceGradients() throws {
        try expectGradientsMatchFiniteDifferences([random([3, 5])], epsilon: 1e-3) { try $0[0].softmax() }
    }

    @Test func attentionWithOneKeyReturnsItsValue() throws {
        let q = try random([1, 3, 4], seed: 1), k = try random([1, 1, 4], seed: 2), v = try Tensor(shape: [1, 1, 2], scalars: [7, -2])
        let out = try Tensor.scaledDotProductAttention(query: q, key: k, value: v)
        expectClose(out.scalars, [7, -2, 7, -2, 7, -2])
    }

    @Test func attentionHasFiniteDifferenceGradients() throws {
        let q = try random([2, 3, 4], seed: 1), k = try random([2, 5, 4], seed: 2), v = try random([2, 5, 3], seed: 3)
        try expectGradientsMatchFiniteDifferences([q, k, v], epsilon: 1e-3) {
            try Tensor.scaledDotProductAttention(query: $0[0], key: $0[1], value: $0[2])
        }
    }

    @Test func spatialSelfAttentionHasFiniteDifferenceGradients() throws {
        let x = try random([2, 2, 3, 4], seed: 1)
        let weights = try (2...5).map { try random([4, 4], seed: UInt64($0), low: -0.5, high: 0.5) }
        try expectGradientsMatchFiniteDifferences([x] + weights, epsilon: 1e-3) {
            try Tensor.spatialSelfAttention($0[0], query: $0[1], key: $0[2], value: $0[3], output: $0[4])
        }
    }
}
