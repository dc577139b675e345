@testable import Engine
import Testing

struct WarpTests {
    @Test func warpRecoversAKnownTranslation() throws {
        // Sampling at x + 2 reads the pixel two columns to the right.
        let image = try Tensor(shape: [1, 1, 5, 1], scalars: [0, 10, 20, 30, 40])
        let flow = try Tensor(shape: [1, 1, 5, 2], scalars: [2, 0, 2, 0, 2, 0, 2, 0, 2, 0])
        #expect(try Tensor.warp(image, by: flow).scalars == [20, 30, 40, 0, 0])
        let half = try Tensor(shape: [1, 1, 5, 2], scalars: [Float](repeating: 0, count: 10).enumerated().map { $0.offset % 2 == 0 ? 0.5 : 0 })
        #expect(try Tensor.warp(image, by: half).scalars == [5, 15, 25, 35, 20])
    }

    @Test func hasFiniteDifferenceGradientsForImageAndFlow() throws {
        let image = try random([2, 4, 5, 3], seed: 1)
        // Fractional parts in [0.2, 0.8] keep every probe away from the kinks at whole pixels.
        var rng = RandomGenerator(seed: 2)
        let flow = try Tensor(shape: [2, 4, 5, 2], scalars: (0..<80).map { _ in
            Float(Int(rng.uniform(-2, 2))) + rng.uniform(0.2, 0.8)
        })
        try expectGradientsMatchFiniteDifferences([image, flow], epsilon: 1e-3) { try Tensor.warp($0[0], by: $0[1]) }
    }

    @Test func nonFiniteOrHugeFlowSamplesZeroInsteadOfCrashing() throws {
        let image = try Tensor(shape: [1, 1, 3, 1], repeating: 1)
        let flow = try Tensor(shape: [1, 1, 3, 2], scalars: [.nan, 0, 1e30, 0, -.infinity, 0])
        #expect(try Tensor.warp(image, by: flow).scalars == [0, 0, 0])
    }

    @Test func theFlowMustMatchTheImage() throws {
        let error = #expect(throws: EngineError.self) { try Tensor.warp(random([1, 4, 4, 3]), by: random([1, 4, 4, 3])) }
        #expect(error?.description == "warp: shapes [1×4×4×3] and [1×4×4×3] do not fit: a flow of shape [1×4×4×2] for this image")
    }
}
