@testable import Engine
import TestSupport
import Testing

@Suite(.hangLimit)
struct OpInfoTests {
    @Test(arguments: OpInfo.catalog)
    func gradientsMatchFiniteDifferencesOnEverySample(_ op: OpInfo) throws {
        let samples = try op.samples()
        #expect(samples.count >= 4, "\(op.name) is checked on \(samples.count) configurations")
        for sample in samples {
            for mismatch in try gradientMismatches(sample.inputs, epsilon: sample.epsilon, sample.call).prefix(3) {
                Issue.record("\(op.name) [\(sample.label)]: \(mismatch)")
            }
        }
    }

    /// With AVX-512 every sample above takes the direct kernels; the same samples on the im2col
    /// path (which layers wider than 96 channels take, and every layer elsewhere).
    @Test func convolutionGradientsMatchFiniteDifferencesOnTheIm2colPath() throws {
        try ConvolutionGeometry.$allowsDirect.withValue(false) {
            for sample in try OpInfo.conv2d.samples() {
                for mismatch in try gradientMismatches(sample.inputs, epsilon: sample.epsilon, sample.call).prefix(3) {
                    Issue.record("conv2d on the im2col path [\(sample.label)]: \(mismatch)")
                }
            }
        }
    }

    @Test(arguments: OpInfo.catalog)
    func aGraphThatIsNeverDifferentiatedIsFreed(_ op: OpInfo) throws {
        // The records hold their inputs and closures; none may hold its own output, or the
        // activations of every forward pass without a backward would stay in memory for good.
        for sample in try op.samples() {
            weak var output: Tensor?
            try {
                for input in sample.inputs { input.requiringGrad() }
                let y = try sample.call(sample.inputs)
                #expect(y.requiresGrad)
                output = y
            }()
            #expect(output == nil, "\(op.name) [\(sample.label)]: the output outlived its last reference")
        }
    }

    @Test(arguments: OpInfo.catalog)
    func noBackwardWritesIntoTheGradientItIsGiven(_ op: OpInfo) throws {
        // Ops pass a gradient of their output's shape on uncopied (an addition's to both operands,
        // a reshape's as a view), so one that wrote into its incoming gradient would corrupt another's.
        for sample in try op.samples() {
            for input in sample.inputs { input.requiringGrad() }
            let y = try sample.call(sample.inputs)
            let seed = try random(y.shape, seed: 5)
            let before = seed.scalars
            try y.backward(seed: seed)
            #expect(seed.scalars.map(\.bitPattern) == before.map(\.bitPattern), "\(op.name) [\(sample.label)]: its backward changed the gradient it was given")
        }
    }

    /// y = x ⊙ w per channel, with a backward that is deliberately wrong in the way `plant` says.
    private func planted(_ x: Tensor, _ w: Tensor, backward plant: @escaping (Tensor) -> Tensor) throws -> Tensor {
        let c = w.count
        let y = Tensor(uninitialized: x.shape)
        for i in 0..<x.count { y.pointer[i] = x.pointer[i] * w.pointer[i % c] }
        return try Autodiff.record("planted", inputs: [x], output: y) { g in
            let dx = Tensor(uninitialized: x.shape)
            for i in 0..<x.count { dx.pointer[i] = g.pointer[i] * w.pointer[i % c] }
            return [plant(dx)]
        }
    }

    @Test func theCheckerCatchesAPlantedTwoPercentError() throws {
        // Gradients of at most 0.2: the old absolute tolerance of 5e-3 let a 2 % error through.
        let x = try random([2, 3, 5, 3], seed: 1), w = try Tensor(shape: [3], scalars: [0.05, -0.1, 0.2])
        #expect(try gradientMismatches([x]) { try planted($0[0], w) { $0 } }.isEmpty)
        let mismatches = try gradientMismatches([x]) {
            try planted($0[0], w) { dx in
                for i in 0..<dx.count { dx.pointer[i] *= 1.02 }
                return dx
            }
        }
        #expect(!mismatches.isEmpty)
    }

    @Test func theCheckerCatchesAWrongChannelInALargeInput() throws {
        // 2·8·8·3 = 384 elements, more than the 64 probes: only channel 2's gradient is wrong. (The old
        // checker probed every 9th element here, all on channel 0, and missed it.)
        let x = try random([2, 8, 8, 3], seed: 1), w = try Tensor(shape: [3], scalars: [0.05, -0.1, 0.2])
        let mismatches = try gradientMismatches([x]) {
            try planted($0[0], w) { dx in
                for i in Swift.stride(from: 2, to: dx.count, by: 3) { dx.pointer[i] = dx.pointer[i - 1] }
                return dx
            }
        }
        #expect(!mismatches.isEmpty)
        #expect(mismatches.allSatisfy { $0.index % 3 == 2 })
    }

    @Test func probesCoverEveryChannelAndSpanTheTensor() {
        var rng = RandomGenerator(seed: 1)
        let probes = probeIndices(count: 80, channels: 2, maximum: 40, using: &rng)
        #expect(Set(probes.map { $0 % 2 }) == [0, 1])
        #expect(probes.max()! >= 76)
        let wide = probeIndices(count: 5 * 7 * 13, channels: 13, maximum: 64, using: &rng)
        #expect(Set(wide.map { $0 % 13 }).count == 13)
        #expect(Set(wide).count == 64)
        #expect(probeIndices(count: 10, channels: 3, maximum: 64, using: &rng) == Array(0..<10))
    }
}
