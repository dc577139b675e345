@testable import Engine
import TestSupport
import Testing

@Suite(.hangLimit)
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

    @Test func retainingTheGraphLetsBackwardRunTwice() throws {
        let w = try Tensor(shape: [2], scalars: [1, 2]).requiringGrad()
        let y = try (w * w).sum()
        try y.backward(retainGraph: true)
        #expect(y.origin != nil)
        try y.backward()
        #expect(w.grad?.scalars == [4, 8])  // 2·(2w)
    }

    @Test func aSecondBackwardThroughAReleasedGraphIsAnErrorNotASilentNoOp() throws {
        let w = try Tensor(shape: [2], scalars: [1, 2]).requiringGrad()
        let y = try w * 3
        try y.sum().backward()
        #expect(w.grad?.scalars == [3, 3])
        let again = #expect(throws: EngineError.self) { try y.backward(seed: Tensor(shape: [2], repeating: 1)) }
        #expect(again?.description.contains("retainGraph: true") == true)
        // Nor may a released result start a new graph as if it were a leaf.
        #expect(throws: EngineError.self) { try (y * 2).sum().backward() }
        #expect(w.grad?.scalars == [3, 3])
    }

    @Test func backwardFromALeafGivesItTheSeed() throws {
        let w = try Tensor(shape: [2], scalars: [1, 2]).requiringGrad()
        try w.backward(seed: Tensor(shape: [2], scalars: [5, 6]))
        #expect(w.grad?.scalars == [5, 6])
    }

    @Test func aDetachedTensorSharesValuesButStopsGradients() throws {
        let w = try Tensor(shape: [2], scalars: [1, 2]).requiringGrad()
        let x = try Tensor(shape: [2], scalars: [3, 4])
        let frozen = w.detached()
        #expect(frozen.storage === w.storage)
        #expect(!frozen.requiresGrad)
        try (w * x + frozen * x).sum().backward()
        #expect(w.grad?.scalars == [3, 4])  // only the attached path
    }

    @Test func aCopySharesNothingAndRecordsNothing() throws {
        let w = try Tensor(shape: [2], scalars: [1, 2]).requiringGrad()
        let y = try w * 2
        let c = y.copy()
        #expect(c.storage !== y.storage)
        #expect(!c.requiresGrad && c.origin == nil)
        c.withUnsafeMutableBufferPointer { $0[0] = 100 }
        #expect(y.scalars == [2, 4])
        #expect(throws: EngineError.self) { try c.sum().backward() }
    }
}
