@testable import Engine
@testable import Models
import TestSupport
import Testing

@Suite(.hangLimit)
struct UNetTests {
    static let tiny = UNetConfiguration(inputChannels: 5, outputChannels: 3, widths: [4, 8], groups: 2, attention: true, zeroOutput: false)

    @Test func mapsAnImageToAnImageOfTheSameSize() throws {
        var rng = RandomGenerator(seed: 1)
        let parameters = Parameters()
        let net = try UNet(parameters, UNetTests.tiny, using: &rng)
        #expect(try net(random([2, 8, 6, 5])).shape == [2, 8, 6, 3])
        let names = parameters.named.map(\.name)
        #expect(names.first == "input.weight" && names.last == "output.bias")
        #expect(names.contains("encoder.1.conv2.weight") && names.contains("decoder.0.skip.weight") && names.contains("attention.query.weight"))
        #expect(!names.contains("encoder.0.skip.weight"))  // equal widths need no projection
        #expect(parameters.scalarCount == parameters.tensors.map(\.count).reduce(0, +))
    }

    @Test func aZeroOutputNetworkStartsAtZero() throws {
        var rng = RandomGenerator(seed: 1)
        var configuration = UNetTests.tiny
        configuration.zeroOutput = true
        let net = try UNet(Parameters(), configuration, using: &rng)
        #expect(try net(random([1, 4, 4, 5])).scalars.allSatisfy { $0 == 0 })
    }

    @Test func sizesThatDoNotHalveCleanlyAreRefused() throws {
        var rng = RandomGenerator(seed: 1)
        let net = try UNet(Parameters(), UNetConfiguration(inputChannels: 3, outputChannels: 3, widths: [4, 4, 8], groups: 2), using: &rng)
        let error = #expect(throws: EngineError.self) { try net(random([1, 6, 8, 3])) }
        #expect(error?.description == "UNet: got shape [1×6×8×3], expected [N, H, W, 3] with H and W multiples of 4")
        #expect(throws: EngineError.self) { try UNet(Parameters(), UNetConfiguration(inputChannels: 3, outputChannels: 3, widths: [6], groups: 4), using: &rng) }
    }

    @Test func residualAndAttentionBlocksHaveFiniteDifferenceGradients() throws {
        var rng = RandomGenerator(seed: 2)
        for (input, output) in [(4, 4), (2, 4)] {
            let parameters = Parameters()
            let block = try ResidualBlock(parameters, input: input, output: output, groups: 2, using: &rng)
            let x = try random([2, 3, 4, input], seed: 3)
            let mismatches = try gradientMismatches([x] + parameters.tensors, epsilon: 1e-3) { inputs in try block(inputs[0]) }
            #expect(mismatches.isEmpty, "residual \(input)→\(output): \(mismatches.prefix(3))")
        }
        let parameters = Parameters()
        let attention = try AttentionBlock(parameters, channels: 4, groups: 2, using: &rng)
        let x = try random([2, 2, 3, 4], seed: 4)
        let mismatches = try gradientMismatches([x] + parameters.tensors, epsilon: 1e-3) { inputs in try attention(inputs[0]) }
        #expect(mismatches.isEmpty, "attention: \(mismatches.prefix(3))")
    }

    /// The chain rule through the whole network, on the im2col convolutions: a Float32 network's
    /// finite differences resolve gradients to about 1 %, and the direct kernels' rounding (their
    /// own gradients checked op by op in OpInfo) moved a few probes across that line. The next
    /// test holds the direct kernels to these gradients. The step is 3·10⁻³: a central
    /// difference's error is its rounding (≈10⁻⁷ of the objective over the step) plus its
    /// truncation (the step squared), least near the cube root of Float32's epsilon; at 10⁻³ the
    /// rounding of OpenBLAS's Haswell kernels (a Zen 2 CPU) put one probe 6 % off.
    @Test func theWholeNetworkHasFiniteDifferenceGradients() throws {
        var rng = RandomGenerator(seed: 5)
        let parameters = Parameters()
        let net = try UNet(parameters, UNetTests.tiny, using: &rng)
        let x = try random([1, 4, 4, 5], seed: 6)
        let mismatches = try ConvolutionGeometry.$allowsDirect.withValue(false) {
            try gradientMismatches([x] + parameters.tensors, epsilon: 3e-3, maximumProbes: 12) { inputs in try net(inputs[0]) }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(3))")
    }

    /// Every gradient of a time-conditioned U-Net the same with the direct convolutions as with
    /// im2col (where this CPU has them), to Float32 rounding.
    @Test(.enabled(if: ConvolutionGeometry.directKernelsAvailable))
    func directConvolutionsGiveTheSameGradients() throws {
        var rng = RandomGenerator(seed: 7)
        let parameters = Parameters()
        let configuration = UNetConfiguration(inputChannels: 5, outputChannels: 3, widths: [16, 32], groups: 4, attention: true, zeroOutput: false,
                                              timeChannels: 8)
        let net = try UNet(parameters, configuration, using: &rng)
        let x = try random([2, 8, 8, 5], seed: 8), seed = try random([2, 8, 8, 3], seed: 9)
        func gradients() throws -> [[Float]] {
            parameters.zeroGrad()
            try net(x, times: [0.2, 0.7]).backward(seed: seed)
            return parameters.tensors.map { $0.grad?.scalars ?? [] }
        }
        let direct = try gradients(), im2col = try ConvolutionGeometry.$allowsDirect.withValue(false) { try gradients() }
        for (name, (a, b)) in zip(parameters.named.map(\.name), zip(direct, im2col)) {
            let scale = b.map(abs).max() ?? 0
            #expect(zip(a, b).allSatisfy { abs($0 - $1) <= 1e-4 * max(scale, 1e-3) }, "\(name) differs between the two paths")
        }
    }

    @Test func aTinyUNetOverfitsTwoPairs() throws {
        var rng = RandomGenerator(seed: 7)
        let parameters = Parameters()
        let net = try UNet(parameters, UNetConfiguration(inputChannels: 3, outputChannels: 3, widths: [8, 16], groups: 4), using: &rng)
        let source = try random([2, 8, 8, 3], seed: 8, low: 0, high: 1)
        let target = try (source * 0.5 + 0.3)  // a darkening grade
        let trainer = try Trainer(parameters: parameters, schedule: LearningRateSchedule(peak: 3e-3, warmupSteps: 5, totalSteps: 200))
        try trainer.train(until: 200) { _ in try Tensor.l1Loss(net(source) + source, target) }
        let (first, last) = (trainer.losses[0], trainer.losses.suffix(5).reduce(0, +) / 5)
        #expect(last < first / 10, "L1 went from \(first) to \(last)")
    }
}
