@testable import Engine
import Testing

struct ElementwiseTests {
    @Test(arguments: [([2, 3, 4], [4]), ([2, 3, 4], [2, 1, 4]), ([2, 1, 4], [3, 1]), ([3], [3]), ([2, 2, 3, 4], [1])])
    func broadcastingArithmeticHasFiniteDifferenceGradients(shapes: ([Int], [Int])) throws {
        let a = try random(shapes.0, seed: 1), b = try random(shapes.1, seed: 2, low: 0.5, high: 1.5)
        try expectGradientsMatchFiniteDifferences([a, b]) { try $0[0] + $0[1] }
        try expectGradientsMatchFiniteDifferences([a, b]) { try $0[0] - $0[1] }
        try expectGradientsMatchFiniteDifferences([a, b]) { try $0[0] * $0[1] }
        try expectGradientsMatchFiniteDifferences([a, b]) { try $0[0] / $0[1] }
    }

    @Test func broadcastingAddsABiasToEveryPixel() throws {
        let x = try Tensor(shape: [1, 2, 1, 2], scalars: [1, 2, 3, 4])
        let bias = try Tensor(shape: [2], scalars: [10, 20])
        #expect(try (x + bias).scalars == [11, 22, 13, 24])
        #expect(try (x * 2).scalars == [2, 4, 6, 8])
    }

    @Test func incompatibleShapesNameTheOpAndBothShapes() throws {
        let error = #expect(throws: EngineError.self) { try random([2, 3]) + random([4]) }
        #expect(error?.description == "add: shapes [2×3] and [4] do not fit: equal extents or 1 on each axis (aligned from the last axis)")
    }

    @Test(arguments: Pointwise.allCases)
    func pointwiseFunctionsHaveFiniteDifferenceGradients(_ f: Pointwise) throws {
        // Positive inputs away from 0 keep log, sqrt and the kinks of abs and relu out of reach.
        let x = try random([2, 3, 5], seed: 3, low: 0.2, high: 2)
        let signed = try Tensor(shape: x.shape, scalars: x.scalars.enumerated().map { $0.offset % 2 == 0 ? $0.element : -$0.element })
        let input = (f == .log || f == .sqrt) ? x : signed
        try expectGradientsMatchFiniteDifferences([input], epsilon: 1e-3) { try $0[0].applying(f) }
    }

    @Test func pointwiseValuesAreTheTextbookOnes() throws {
        let x = try Tensor(shape: [3], scalars: [-1, 0, 2])
        expectClose(try x.sigmoid().scalars, [0.268941, 0.5, 0.880797])
        expectClose(try x.silu().scalars, [-0.268941, 0, 1.761594])
        expectClose(try x.tanh().scalars, [-0.761594, 0, 0.964028])
    }
}
