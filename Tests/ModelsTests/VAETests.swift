import Engine
import Foundation
@testable import Models
import TestSupport
import Testing

@Suite(.hangLimit)
struct VAETests {
    static let tiny = VAEConfiguration(widths: [4, 8, 8], groups: 2, latentChannels: 2, skipChannels: 3)

    @Test func itEncodesToAQuarterSideLatentAndDecodesBack() throws {
        let vae = try VAE(VAETests.tiny)
        let images = try random([2, 16, 16, 3], seed: 1, low: 0, high: 1)
        let (mean, logVariance) = try vae.encode(images)
        #expect(mean.shape == [2, 4, 4, 2] && logVariance.shape == mean.shape && VAETests.tiny.latentSide(for: 16) == 4)
        var rng = RandomGenerator(seed: 2)
        #expect(try vae.decode(mean, skip: images, using: &rng).shape == [2, 16, 16, 3])
        let missing = #expect(throws: EngineError.self) { try vae.decode(mean, skip: nil, using: &rng) }
        #expect(missing?.description == "VAE: this VAE needs its conditioning images")
        #expect(throws: EngineError.self) { try VAE(VAEConfiguration(widths: [4], groups: 2)) }
    }

    @Test func noiseInjectionHasFiniteDifferenceGradientsAndStartsSilent() throws {
        let parameters = Parameters()
        let injection = try NoiseInjection(parameters, channels: 3)
        #expect(parameters.named.map(\.name) == ["scale"] && injection.scale.scalars == [0, 0, 0])
        let (h, noise) = (try random([2, 3, 3, 3], seed: 3), try random([2, 3, 3, 3], seed: 4))
        #expect(try injection(h, noise: noise).scalars == h.scalars)
        injection.scale.withUnsafeMutableBufferPointer { $0[1] = 0.5 }
        let mismatches = try gradientMismatches([h, injection.scale]) { try injection($0[0], noise: noise) }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(3))")
    }

    @Test func eachAblationSwitchChangesWhatItSays() throws {
        let names = { (c: VAEConfiguration) in try VAE(c).parameters.named.map(\.name) }
        var noSkips = VAETests.tiny
        noSkips.skipChannels = 0
        #expect(try names(VAETests.tiny).contains { $0.hasPrefix("skips.") } && !names(noSkips).contains { $0.hasPrefix("skips.") })
        var noNoise = VAETests.tiny
        noNoise.noiseInjection = false
        #expect(try names(VAETests.tiny).contains("decoder.noise.0.scale") && !names(noNoise).contains { $0.contains("noise") })
        // Without noise injection decoding ignores the noise stream; with it (scales moved from
        // zero) another stream gives another image.
        let images = try random([1, 8, 8, 3], seed: 5, low: 0, high: 1)
        for (configuration, noisy) in [(VAETests.tiny, true), (noNoise, false)] {
            let vae = try VAE(configuration)
            vae.noise.forEach { $0.scale.withUnsafeMutableBufferPointer { $0.update(repeating: 0.3) } }
            #expect((try vae.reconstruct(images, skip: images, seed: 1).scalars != vae.reconstruct(images, skip: images, seed: 2).scalars) == noisy)
        }
        // The frequency loss adds to the same weights' loss, drawn from the same stream.
        var noFrequency = VAETests.tiny
        noFrequency.frequencyLoss = false
        let (with, without) = (try VAE(VAETests.tiny), try VAE(noFrequency))
        var (rngA, rngB) = (RandomGenerator(seed: 6), RandomGenerator(seed: 6))
        let difference = try with.loss(images, skip: images, using: &rngA).scalar - without.loss(images, skip: images, using: &rngB).scalar
        #expect(difference > 0)
    }

    @Test func aTinyVAEReconstructsTwoImages() throws {
        // Two drawn faces at 16×16 through a 4×4×4 latent, no skips: the latent alone must carry them.
        let pairs = try SyntheticTask(.old).pairs(count: 2, size: 32, seed: 7).map { try WorkingView.squeeze.fitted($0, to: 16) }
        let images = try Image.batch(pairs.map(\.target))
        let vae = try VAE(VAEConfiguration(widths: [8, 16, 16], groups: 4, latentChannels: 4, skipChannels: 0))
        let trainer = try Trainer(parameters: vae.parameters, schedule: LearningRateSchedule(peak: 3e-3, warmupSteps: 10, totalSteps: 300))
        var rng = RandomGenerator(seed: 8)
        let before = try Metrics.psnr(Image(tensor: vae.reconstruct(images, skip: nil), index: 0), pairs[0].target)
        try trainer.train(until: 300) { _ in try vae.loss(images, skip: nil, using: &rng) }
        let after = try vae.reconstruct(images, skip: nil)
        for k in 0..<2 {
            let psnr = try Metrics.psnr(Image(tensor: after, index: k), pairs[k].target)
            #expect(psnr > 20 && psnr > before + 8, "pair \(k): \(before) → \(psnr) dB")
        }
    }
}

@Suite(.hangLimit)
struct LatentCeilingTests {
    @Test func aVAETrainedOnAnEditorsCasesIsScoredOnHeldOutTargets() throws {
        let pairs = try SyntheticTask(.sleepy).pairs(count: 3, size: 32, seed: 9)
        let editor = try Editor(pairs: pairs, design: EditorDesign(preset: .tiny, pairing: .structural, seed: 10, flow: .hornSchunck), flowEstimator: EditorTests.quickFlow)
        let configuration = try LatentCeiling.configuration(for: editor, skips: true)
        #expect(configuration.skipChannels == 6 && configuration.latentSide(for: 32) == 16)  // the tiny preset has two levels
        let vae = try VAE(configuration)
        let trainer = try LatentCeiling.train(vae, on: editor, steps: 30, seed: 11)
        #expect(trainer.step == 30 && trainer.losses.suffix(5).reduce(0, +) < trainer.losses.prefix(5).reduce(0, +))
        let heldout = try SyntheticTask(.sleepy).pairs(count: 2, size: 32, seed: 12)
        let row = try LatentCeiling.score(vae, editor: editor, on: heldout, method: "vae")
        #expect(row.method == "vae" && row.editPSNR != nil && row.sharpness != nil)
        // The row is the reconstruction's own score.
        let psnr = try heldout.map { try Metrics.psnr(LatentCeiling.reconstruct($0, with: vae, editor: editor), $0.target) }
        #expect(abs(row.psnr - psnr.reduce(0, +) / 2) < 1e-9)
        let direct = try Editor(pairs: pairs, design: EditorDesign(preset: .tiny, pairing: .one2one, seed: 10, flow: .hornSchunck), flowEstimator: EditorTests.quickFlow)
        #expect(try LatentCeiling.configuration(for: direct, skips: true).skipChannels == 3)
        #expect(try LatentCeiling.configuration(for: direct, skips: false).skipChannels == 0)
    }

    @Test func theLatentsSideIsOneThePresetCanHold() throws {
        let pairs = try SyntheticTask(.sleepy).pairs(count: 2, size: 64, seed: 9)
        let editor = try Editor(pairs: pairs, design: EditorDesign(preset: .small, pairing: .one2one, seed: 10, flow: .hornSchunck), flowEstimator: EditorTests.quickFlow)
        #expect(try LatentCeiling.configuration(for: editor, skips: true).latentSide(for: 64) == 16)
        #expect(try LatentCeiling.configuration(for: editor, skips: true, latentSide: 32).latentSide(for: 64) == 32)
        #expect(try LatentCeiling.configuration(for: editor, skips: true, latentSide: 8).latentSide(for: 64) == 8)
        let odd = #expect(throws: EngineError.self) { try LatentCeiling.configuration(for: editor, skips: true, latentSide: 20) }
        #expect(odd?.description == "latent: the small preset (64 px) holds a latent of side 32, 16, 8, not 20")
    }
}
