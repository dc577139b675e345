import Engine
@testable import Models
import TestSupport
import Testing

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

    @Test func theWholeNetworkHasFiniteDifferenceGradients() throws {
        var rng = RandomGenerator(seed: 5)
        let parameters = Parameters()
        let net = try UNet(parameters, UNetTests.tiny, using: &rng)
        let x = try random([1, 4, 4, 5], seed: 6)
        let mismatches = try gradientMismatches([x] + parameters.tensors, epsilon: 1e-3, maximumProbes: 12) { inputs in try net(inputs[0]) }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(3))")
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
