@testable import Engine
import TestSupport
import Testing

@Suite(.hangLimit)
struct OptimizerTests {
    @Test func adamMinimisesAQuadratic() throws {
        let x = try Tensor(shape: [2], scalars: [3, -2]).requiringGrad()
        let target = try Tensor(shape: [2], scalars: [1, 1])
        let adam = try AdamW(parameters: [x], learningRate: 0.1)
        for _ in 0..<300 {
            x.zeroGrad()
            try Tensor.mseLoss(x, target).backward()
            adam.update()
        }
        expectClose(x.scalars, [1, 1], tolerance: 1e-2)
    }

    @Test func adamsFirstStepMovesEachWeightByTheLearningRate() throws {
        let x = try Tensor(shape: [2], scalars: [0, 0]).requiringGrad()
        x.grad = try Tensor(shape: [2], scalars: [5, -0.01])
        try AdamW(parameters: [x], learningRate: 0.1).update()
        expectClose(x.scalars, [-0.1, 0.1], tolerance: 1e-4)
    }

    @Test func eachParameterMovesByItsShareOfTheRate() throws {
        let tensors = try [0.5, 0, 1].map { _ in try Tensor(shape: [2], scalars: [1, -1]).requiringGrad() }
        let adam = try AdamW(parameters: tensors, learningRate: 0.1, rateScales: [0.5, 0, 1])
        for t in tensors { try (t * t).sum().backward() }
        adam.update()
        // Adam's first step moves every weight by its rate, against its gradient's sign.
        let moved = tensors.map { Swift.abs($0.scalars[0] - 1) }
        #expect(Swift.abs(moved[0] - 0.05) < 1e-6 && moved[1] == 0 && Swift.abs(moved[2] - 0.1) < 1e-6, "\(moved)")
        #expect(throws: EngineError.self) { try AdamW(parameters: tensors, rateScales: [1]) }
        #expect(throws: EngineError.self) { try AdamW(parameters: tensors, rateScales: [1, .nan, 1]) }
    }

    @Test func weightDecayShrinksWeightsWithoutGradient() throws {
        let x = try Tensor(shape: [1], scalars: [2]).requiringGrad()
        x.grad = try Tensor.zeros([1])
        try AdamW(parameters: [x], learningRate: 0.1, weightDecay: 0.5).update()
        expectClose(x.scalars, [2 - 0.1 * 0.5 * 2])
    }

    @Test func clippingScalesTheGlobalNorm() throws {
        let a = try Tensor.zeros([1]).requiringGrad(), b = try Tensor.zeros([1]).requiringGrad()
        a.grad = try Tensor(shape: [1], scalars: [3])
        b.grad = try Tensor(shape: [1], scalars: [4])
        #expect(clipGradientNorm([a, b], maxNorm: 1) == 5)
        expectClose(a.grad!.scalars + b.grad!.scalars, [0.6, 0.8])
        #expect(clipGradientNorm([a, b], maxNorm: 10) == 1)
    }

    /// Tensors of awkward sizes (one piece, several, tails of every length), one without a gradient.
    private func parametersWithGradients() throws -> [Tensor] {
        let sizes = [7, 16, 33, 40_000, 70_001, 3]
        let tensors = try sizes.enumerated().map { i, n in try random([n], seed: UInt64(i + 1)).requiringGrad() }
        for (i, t) in tensors.enumerated() where i != 4 { t.grad = try random(t.shape, seed: UInt64(20 + i), low: -3, high: 3) }
        return tensors
    }

    /// Three AdamW steps, each after clipping the gradients to norm 1; returns the weights, the
    /// moments and the norms.
    private func trainAndClip() throws -> [[UInt32]] {
        let tensors = try parametersWithGradients()
        let adam = try AdamW(parameters: tensors, learningRate: 0.01, weightDecay: 0.1, rateScales: [1, 0.5, 2, 1, 1, 0])
        var norms: [Float] = []
        for _ in 0..<3 {
            norms.append(clipGradientNorm(tensors, maxNorm: 1))
            adam.update()
        }
        return (tensors + adam.firstMoments + adam.secondMoments).map { $0.scalars.map(\.bitPattern) } + [norms.map(\.bitPattern)]
    }

    @Test(.enabled(if: VectorLoops.available, "this CPU has no AVX-512: these loops run in Swift only"))
    func theVectorKernelsUpdateAndClipBitwiseAsTheSwiftLoops() throws {
        #expect(try trainAndClip() == VectorLoops.$allowed.withValue(false) { try trainAndClip() })
    }

    @Test func clippingAndUpdatingAreBitwiseTheSameOnOneAndFourThreads() throws {
        let scope = Threads.Scope(count: 4)
        #expect(try Threads.within(Threads.Scope(count: 1)) { try trainAndClip() } == Threads.within(scope) { try trainAndClip() })
        #expect(scope.splitLoops.load(ordering: .relaxed) > 0)
    }

    @Test func clippingNothingGivesANormOfZero() throws {
        #expect(clipGradientNorm([], maxNorm: 1) == 0)
        let empty = try Tensor.zeros([0, 3]).requiringGrad()
        empty.grad = try Tensor.zeros([0, 3])
        #expect(clipGradientNorm([empty], maxNorm: 1) == 0)
        try AdamW(parameters: [empty]).update()
    }

    @Test func theClippedNormIsTheNormOfEveryGradient() throws {
        let tensors = try parametersWithGradients()
        let squares = tensors.compactMap(\.grad).flatMap(\.scalars).reduce(0.0) { $0 + Double($1) * Double($1) }
        let norm = clipGradientNorm(tensors, maxNorm: 2)
        #expect(Swift.abs(Double(norm) - squares.squareRoot()) < 1e-4 * squares.squareRoot())
        let after = tensors.compactMap(\.grad).flatMap(\.scalars).reduce(0.0) { $0 + Double($1) * Double($1) }
        #expect(Swift.abs(after.squareRoot() - 2) < 1e-5)
    }

    @Test func emaFollowsTheParameters() throws {
        let p = try Tensor(shape: [1], scalars: [0])
        let ema = ExponentialMovingAverage(parameters: [p], decay: 0.5)
        p.pointer[0] = 4
        ema.update()
        #expect(ema.shadows[0].scalars == [2])
        ema.update()
        #expect(ema.shadows[0].scalars == [3])
        ema.copyToParameters()
        #expect(p.scalars == [3])
    }

    @Test func scheduleWarmsUpThenDecaysByCosine() {
        let s = LearningRateSchedule(peak: 1, floor: 0.1, warmupSteps: 10, totalSteps: 110)
        #expect(s.rate(at: 0) == 0.1)
        #expect(s.rate(at: 9) == 1)
        #expect(abs(s.rate(at: 60) - 0.55) < 1e-5)
        #expect(abs(s.rate(at: 110) - 0.1) < 1e-6)
        #expect(abs(s.rate(at: 500) - 0.1) < 1e-6)
    }
}
