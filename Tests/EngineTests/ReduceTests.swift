@testable import Engine
import TestSupport
import Testing

@Suite(.hangLimit)
struct ReduceTests {
    @Test func sumAndMeanOverAxes() throws {
        let x = try Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        #expect(try x.sum().scalars == [21])
        #expect(try x.sum(alongAxes: [0]).scalars == [5, 7, 9])
        #expect(try x.sum(alongAxes: [1]).shape == [2])
        #expect(try x.sum(alongAxes: [1], keepingAxes: true).shape == [2, 1])
        #expect(try x.mean(alongAxes: [1]).scalars == [2, 5])
        #expect(try x.mean(alongAxes: [-1]).scalars == [2, 5])
    }

    @Test func anAxisOutOfRangeIsAnError() throws {
        let error = #expect(throws: EngineError.self) { try random([2, 3]).sum(alongAxes: [2]) }
        #expect(error?.description == "sum: axis 2 is out of range for shape [2×3]")
    }
}
