import Foundation
@testable import Engine
import TestSupport
import Testing

@Suite(.hangLimit)
struct ElementwiseTests {
    @Test func broadcastingAddsABiasToEveryPixel() throws {
        let x = try Tensor(shape: [1, 2, 1, 2], scalars: [1, 2, 3, 4])
        let bias = try Tensor(shape: [2], scalars: [10, 20])
        #expect(try (x + bias).scalars == [11, 22, 13, 24])
        #expect(try (x * 2).scalars == [2, 4, 6, 8])
    }

    @Test func theBroadcastOperandMayStandOnTheLeft() throws {
        let row = try Tensor(shape: [2], scalars: [10, 20])
        let x = try Tensor(shape: [2, 2], scalars: [1, 2, 4, 5])
        #expect(try (row - x).scalars == [9, 18, 6, 15])
        #expect(try (row / x).scalars == [10, 10, 2.5, 4])
        #expect(try (Tensor(shape: [], scalars: [3]) - x).scalars == [2, 1, -1, -2])
        #expect(try (row - x).shape == [2, 2])
    }

    @Test func incompatibleShapesNameTheOpAndBothShapes() throws {
        let error = #expect(throws: EngineError.self) { try random([2, 3]) + random([4]) }
        #expect(error?.description == "add: shapes [2×3] and [4] do not fit: equal extents or 1 on each axis (aligned from the last axis)")
    }

    @Test func pointwiseValuesAreTheTextbookOnes() throws {
        let x = try Tensor(shape: [3], scalars: [-1, 0, 2])
        expectClose(try x.sigmoid().scalars, [0.268941, 0.5, 0.880797])
        expectClose(try x.silu().scalars, [-0.268941, 0, 1.761594])
        expectClose(try x.tanh().scalars, [-0.761594, 0, 0.964028])
    }
}

/// The libm-free eˣ behind SiLU, against Foundation's, over its range; clamped beyond it.
@Test func fastExpAgreesWithFoundation() {
    var worst: Float = 0
    var x: Float = -86
    while x <= 88 {
        let truth = Foundation.exp(Double(x))
        worst = max(worst, Float(abs(Double(fastExp(x)) - truth) / truth))
        x += 0.0013
    }
    #expect(worst <= Float.ulpOfOne, "worst relative error \(worst)")
    for x: Float in [-.infinity, -1e30, 1e30, .infinity] { #expect(fastExp(x).isNormal) }
    #expect(fastExp(.nan).isNaN)
}
