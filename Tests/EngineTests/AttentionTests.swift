@testable import Engine
import TestSupport
import Testing

@Suite(.hangLimit)
struct AttentionTests {
    @Test func softmaxRowsArePositiveAndSumToOne() throws {
        let y = try Tensor(shape: [2, 3], scalars: [1, 2, 3, 1000, 1000, 1000]).softmax()
        expectClose(y.scalars, [0.090031, 0.244728, 0.665241, 1 / 3, 1 / 3, 1 / 3])
    }

    @Test func attentionWithOneKeyReturnsItsValue() throws {
        let q = try random([1, 3, 4], seed: 1), k = try random([1, 1, 4], seed: 2), v = try Tensor(shape: [1, 1, 2], scalars: [7, -2])
        let out = try Tensor.scaledDotProductAttention(query: q, key: k, value: v)
        expectClose(out.scalars, [7, -2, 7, -2, 7, -2])
    }

}
