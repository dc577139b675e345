import Engine
import Foundation
@testable import Models
import TestSupport
import Testing

@Suite(.hangLimit)
struct DiffusionTests {
    @Test func theCosineScheduleHasItsClosedForms() throws {
        #expect(NoiseSchedule.alphaBar(0) == 1)
        #expect(NoiseSchedule.alphaBar(1) < 1e-12)
        // ᾱ(t) = cos²((t+s)/(1+s)·π/2) / cos²(s/(1+s)·π/2) at t = ½.
        let s = 0.008, expected = pow(cos((0.5 + s) / (1 + s) * .pi / 2), 2) / pow(cos(s / (1 + s) * .pi / 2), 2)
        #expect(abs(NoiseSchedule.alphaBar(0.5) - expected) < 1e-12)
        var previous = 2.0
        for k in 0...100 {
            let t = Double(k) / 100
            let (alpha, sigma) = NoiseSchedule.coefficients(t)
            #expect(abs(alpha * alpha + sigma * sigma - 1) < 1e-12)
            #expect(NoiseSchedule.alphaBar(t) < previous)
            previous = NoiseSchedule.alphaBar(t)
        }
    }

    @Test func vPredictionGivesBackTheSignalAndTheNoise() throws {
        // z = αx₀ + σε and v = αε − σx₀ ⇒ x₀ = αz − σv and ε = σz + αv.
        let (x0, noise) = (try random([2, 4, 4, 3], seed: 1), try random([2, 4, 4, 3], seed: 2))
        let (alpha, sigma) = try DiffusionRefiner.coefficients([0.3, 0.9])
        let z = try alpha * x0 + sigma * noise, v = try alpha * noise - sigma * x0
        let (back, noiseBack) = (try alpha * z - sigma * v, try sigma * z + alpha * v)
        #expect(zip(back.scalars, x0.scalars).allSatisfy { abs($0 - $1) < 1e-5 })
        #expect(zip(noiseBack.scalars, noise.scalars).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    @Test func theTimeEmbeddingIsSinusoidsThroughAnMLP() throws {
        let features = try TimeEmbedding.sinusoids([0, 0.5], features: 6)
        #expect(features.shape == [2, 6])
        #expect(Array(features.scalars.prefix(6)) == [0, 0, 0, 1, 1, 1])  // sin 0, cos 0
        // The first frequency is 1: sin(1000·½), and the last 10000^(−2/3).
        #expect(abs(features.scalars[6] - Float(sin(500.0))) < 1e-5)
        #expect(abs(features.scalars[8] - Float(sin(500 * pow(10_000, -2.0 / 3)))) < 1e-5)
        var rng = RandomGenerator(seed: 1)
        let parameters = Parameters()
        let embedding = try TimeEmbedding(parameters, features: 6, width: 10, using: &rng)
        #expect(try embedding([0.1, 0.2, 0.3]).shape == [3, 10])
        #expect(parameters.named.map(\.name) == ["first.weight", "first.bias", "second.weight", "second.bias"])
        #expect(throws: EngineError.self) { try TimeEmbedding(Parameters(), features: 5, width: 4, using: &rng) }
    }

    @Test func aTimeConditionedBlockAndNetworkHaveFiniteDifferenceGradients() throws {
        var rng = RandomGenerator(seed: 2)
        let parameters = Parameters()
        let block = try ResidualBlock(parameters, input: 2, output: 4, groups: 2, timeChannels: 3, using: &rng)
        let (x, embedding) = (try random([2, 3, 3, 2], seed: 3), try random([2, 3], seed: 4))
        let mismatches = try gradientMismatches([x, embedding] + parameters.tensors, epsilon: 1e-3) { try block($0[0], time: $0[1]) }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(3))")

        let netParameters = Parameters()
        let configuration = UNetConfiguration(inputChannels: 5, outputChannels: 3, widths: [4, 8], groups: 2, zeroOutput: false, timeChannels: 6)
        let net = try UNet(netParameters, configuration, using: &rng)
        let input = try random([2, 4, 4, 5], seed: 5)
        // The helper's default step: at 10⁻³ Float32 rounding of a sum over the whole output
        // reaches a few percent of the smaller gradients (at 3·10⁻³ and 10⁻² none disagree).
        let netMismatches = try gradientMismatches([input] + netParameters.tensors, maximumProbes: 12) {
            try net($0[0], times: [0.2, 0.7])
        }
        #expect(netMismatches.isEmpty, "\(netMismatches.prefix(3))")
        #expect(netParameters.named.map(\.name).contains("encoder.1.time.weight"))
        // The time matters, and the network refuses to run without one.
        let (early, late) = (try net(input, times: [0.1, 0.1]).scalars, try net(input, times: [0.9, 0.9]).scalars)
        #expect(early != late)
        let missing = #expect(throws: EngineError.self) { try net(input) }
        #expect(missing?.description.contains("needs one time per image (2), got 0") == true)
    }

    /// A tiny structural editor with the refiner, trained a few steps so that its denoiser is no
    /// longer the zero it starts as.
    static func trainedEditor(diffusion: Bool = true) throws -> (Editor, [Pair]) {
        let pairs = try SyntheticTask(.blueEyes).pairs(count: 3, size: 32, seed: 6)
        let editor = try Editor(pairs: pairs, design: EditorDesign(preset: .tiny, pairing: .structural, diffusion: diffusion, seed: 7, flow: .hornSchunck), flowEstimator: EditorTests.quickFlow)
        try editor.train(until: 6)
        return (editor, pairs)
    }

    @Test func samplingIsDeterministicPerSeedAndZeroStepsIsTheHead() throws {
        let (editor, pairs) = try DiffusionTests.trainedEditor()
        #expect(editor.hasDiffusion && editor.defaultSampling == .standard)
        #expect(editor.parameters.named.contains { $0.name.hasPrefix("denoiser.time.") })
        #expect(try EditorCost(design: EditorDesign(preset: .tiny, pairing: .structural, diffusion: true), pairs: 3).parameters == editor.parameters.scalarCount)
        let x = pairs[0].source
        let seeded = { (seed: UInt64, eta: Double) in try editor.edit(x, using: [1], sampling: Sampling(steps: 3, eta: eta, seed: seed)).pixels }
        #expect(try seeded(1, 0) == seeded(1, 0))
        #expect(try seeded(1, 0.5) == seeded(1, 0.5))
        #expect(try seeded(1, 0) != seeded(2, 0))

        // steps 0: exactly the head's prediction, clamped as an image holds it.
        let reference = try editor.carriedReference(1, onto: 0)
        let (input, base) = try editor.headInput([(x, reference)])
        let head = try editor.predict(input, base).scalars.map { min(max($0, 0), 1) }
        #expect(try editor.edit(x, using: [1], sampling: .headOnly).pixels == head)
        // Each DDIM step is seen, and the last estimate is the result.
        var seen: [Int] = []
        var last: Image?
        let sampled = try editor.edit(x, using: [1], sampling: Sampling(steps: 4, seed: 3), onStep: { step, estimate in seen.append(step); last = estimate })
        #expect(seen == [1, 2, 3, 4] && last?.pixels == sampled.pixels)
    }

    @Test func anUntrainedRefinerSamplesExactlyTheHeadsEdit() throws {
        // The denoiser's x̂₀ starts at zero: every step estimates no residual, so adding diffusion
        // to an editor cannot change its edits until the refiner has learned something.
        let pairs = try SyntheticTask(.old).pairs(count: 3, size: 32, seed: 8)
        let editor = try Editor(pairs: pairs, design: EditorDesign(preset: .tiny, pairing: .structural, diffusion: true, seed: 9, flow: .hornSchunck), flowEstimator: EditorTests.quickFlow)
        let x = try SyntheticTask(.old).pair(index: 0, size: 32, seed: 10).source
        let head = try editor.edit(x, references: 2, sampling: .headOnly).image
        #expect(try editor.edit(x, references: 2, sampling: Sampling(steps: 5, eta: 0.5, seed: 3)).image == head)
    }

    @Test func badSamplingIsRefusedClearly() throws {
        #expect(throws: EngineError.self) { try Sampling(steps: Sampling.maximumSteps + 1) }
        #expect(throws: EngineError.self) { try Sampling(steps: -1) }
        let eta = #expect(throws: EngineError.self) { try Sampling(steps: 4, eta: .nan) }
        #expect(eta?.description == "sampling: eta must be 0…1, got nan")
        let (regression, pairs) = try DiffusionTests.trainedEditor(diffusion: false)
        let error = #expect(throws: EngineError.self) { try regression.edit(pairs[0].source, sampling: Sampling(steps: 2)) }
        #expect(error?.description == "sampling: steps: 2 needs a model with diffusion (model(…, diffusion: true), likewise train --diffusion); this one is regression only")
        // A denoiser gone to NaN is named at the step where it shows.
        let (editor, _) = try DiffusionTests.trainedEditor()
        let weight = try #require(editor.parameters.named.first { $0.name == "denoiser.output.bias" }).tensor
        weight.withUnsafeMutableBufferPointer { $0[0] = .nan }
        let nan = #expect(throws: EngineError.self) { try editor.edit(pairs[0].source, using: [1], sampling: Sampling(steps: 3)) }
        #expect(nan?.description == "sample: the sample stopped being finite at DDIM step 1 of 3")
    }

    @Test func aSavedDiffusionEditorSamplesTheSameEdits() throws {
        let (editor, pairs) = try DiffusionTests.trainedEditor()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("diffusion-\(UUID().uuidString).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try editor.save(to: path)
        let loaded = try Editor.load(from: path)
        #expect(loaded.hasDiffusion)
        let sampling = try Sampling(steps: 3, seed: 9)
        #expect(try loaded.edit(pairs[2].source, using: [0], sampling: sampling) == editor.edit(pairs[2].source, using: [0], sampling: sampling))
    }
}
