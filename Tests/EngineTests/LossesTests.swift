@testable import Engine
import TestSupport
import Testing

@Suite(.hangLimit)
struct LossesTests {
    @Test func lossesHaveTheirTextbookValues() throws {
        let a = try Tensor(shape: [4], scalars: [1, 2, 3, 4]), b = try Tensor(shape: [4], scalars: [2, 2, 1, 4])
        #expect(try Tensor.l1Loss(a, b).scalar == 0.75)
        #expect(try Tensor.mseLoss(a, b).scalar == 1.25)
    }

    @Test func aLossRefusesToBroadcast() throws {
        #expect(throws: EngineError.self) { try Tensor.mseLoss(random([2, 3]), random([3])) }
    }
}
