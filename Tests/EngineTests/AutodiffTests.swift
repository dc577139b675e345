@testable import Engine
import Testing

struct AutodiffTests {
    @Test func gradientsAccumulateAcrossBackwardCallsUntilZeroed() throws {
        let w = try Tensor(shape: [2], scalars: [1, 2]).requiringGrad()
        let x = try Tensor(shape: [2], scalars: [3, 4])
        try (w * x).sum().backward()
        #expect(w.grad?.scalars == [3, 4])
        try (w * x).sum().backward()
        #expect(w.grad?.scalars == [6, 8])
        w.zeroGrad()
        #expect(w.grad?.scalars == [0, 0])
    }

    @Test func aTensorUsedTwiceReceivesBothGradients() throws {
        let x = try Tensor(shape: [1], scalars: [3]).requiringGrad()
        try (x * x + x).sum().backward()  // d/dx (x² + x) = 2x + 1
        #expect(x.grad?.scalars == [7])
    }

    @Test func inferenceModeRecordsNothing() throws {
        let w = try random([2, 2]).requiringGrad()
        let y = try Autodiff.withoutGradients { try Tensor.matmul(w, w).silu() }
        #expect(!y.requiresGrad)
        #expect(y.origin == nil)
        #expect(throws: EngineError.self) { try y.sum().backward() }
    }

    @Test func theGraphIsReleasedAfterBackward() throws {
        let w = try random([3]).requiringGrad()
        let y = try (w * 2).sum()
        try y.backward()
        #expect(y.origin == nil)
    }

    @Test func numericChecksNameTheFirstOpThatProducedNaN() throws {
        let x = try Tensor(shape: [3], scalars: [1, -1, 2])
        let error = #expect(throws: EngineError.self) {
            try Autodiff.checkingNumerics { try x.log().exp() }
        }
        #expect(error?.description.hasPrefix("log produced NaN at flat index 1 of its output [3]") == true, "\(String(describing: error))")
        // Without the check the NaN simply flows on.
        #expect(try x.log().exp().scalars[1].isNaN)
    }

    @Test func backwardFromANonScalarNeedsASeed() throws {
        let w = try random([3]).requiringGrad()
        let error = #expect(throws: EngineError.self) { try (w * 2).backward() }
        #expect(error?.description == "backward: got shape [3], expected one element (a loss); pass `seed:` for other shapes")
    }
}
