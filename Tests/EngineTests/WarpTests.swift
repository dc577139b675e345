@testable import Engine
import TestSupport
import Testing

@Suite(.hangLimit)
struct WarpTests {
    @Test func warpRecoversAKnownTranslation() throws {
        // Sampling at x + 2 reads the pixel two columns to the right.
        let image = try Tensor(shape: [1, 1, 5, 1], scalars: [0, 10, 20, 30, 40])
        let flow = try Tensor(shape: [1, 1, 5, 2], scalars: [2, 0, 2, 0, 2, 0, 2, 0, 2, 0])
        #expect(try Tensor.warp(image, by: flow).scalars == [20, 30, 40, 0, 0])
        let half = try Tensor(shape: [1, 1, 5, 2], scalars: [Float](repeating: 0, count: 10).enumerated().map { $0.offset % 2 == 0 ? 0.5 : 0 })
        #expect(try Tensor.warp(image, by: half).scalars == [5, 15, 25, 35, 20])
    }

    @Test func warpRecoversAKnownVerticalTranslationInEveryChannel() throws {
        // Sampling at y − 1 reads the row above; the top row samples the zero padding. Two channels
        // and a non-square image, so a swapped dx/dy or channel would show.
        let image = try Tensor(shape: [1, 3, 2, 2], scalars: (0..<12).map(Float.init))
        let flow = try Tensor(shape: [1, 3, 2, 2], scalars: [0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1])
        #expect(try Tensor.warp(image, by: flow).scalars == [0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7])
        let quarter = try Tensor(shape: [1, 3, 2, 2], scalars: [0, 0.25, 0, 0.25, 0, 0.25, 0, 0.25, 0, 0.25, 0, 0.25])
        expectClose(try Tensor.warp(image, by: quarter).scalars, [1, 2, 3, 4, 5, 6, 7, 8, 6, 6.75, 7.5, 8.25])
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
