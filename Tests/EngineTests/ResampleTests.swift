@testable import Engine
import TestSupport
import Testing

@Suite(.hangLimit)
struct ResampleTests {
    @Test func nearestRepeatsEachPixel() throws {
        let x = try Tensor(shape: [1, 1, 2, 1], scalars: [1, 2])
        #expect(try x.upsampledNearest(factor: 2).scalars == [1, 1, 2, 2, 1, 1, 2, 2])
    }

    @Test func bilinearMatchesPyTorchsAlignCornersFalse() throws {
        // torch.nn.functional.interpolate([[1, 2]], size=4, mode="linear", align_corners=False)
        let x = try Tensor(shape: [1, 1, 2, 1], scalars: [1, 2])
        expectClose(try x.resizedBilinear(height: 1, width: 4).scalars, [1, 1.25, 1.75, 2])
    }

    @Test func averagePoolingTakesBlockMeans() throws {
        let x = try Tensor(shape: [1, 2, 2, 1], scalars: [1, 2, 3, 6])
        #expect(try x.averagePooled(factor: 2).scalars == [3])
    }

    @Test func poolingAnIndivisibleSizeIsAnError() throws {
        let error = #expect(throws: EngineError.self) { try random([1, 5, 4, 1]).averagePooled(factor: 2) }
        #expect(error?.description == "averagePool: got shape [1×5×4×1], expected height and width divisible by the factor 2")
    }
}
