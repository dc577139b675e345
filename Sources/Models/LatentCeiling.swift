import Engine
import Foundation

/// How much of an editor's targets a VAE can hold: a VAE trained on the editor's own cases, and
/// its held-out reconstruction scored as an editor would be — the ceiling of any editor that
/// works in that latent (a PyTorch prototype's latent diffusion editor sat at its VAE's ceiling,
/// 5–8 dB below plain regression).
///
/// The VAE's skip images are what an editor has when it edits x_j: x_j itself and, for the
/// n-to-n pairings, the nearest training pair's target carried onto it.
public enum LatentCeiling {
    /// A VAE of the ceiling's table: its row's name and which of the paper's three parts it has.
    public struct Variant: Sendable {
        public let name: String
        public let skips: Bool, noiseInjection: Bool, frequencyLoss: Bool

        /// The skip VAE and its ablation without skips: the ceiling with and without the paper's skips.
        public static let withAndWithoutSkips = [Variant(name: "vae", skips: true, noiseInjection: true, frequencyLoss: true),
                                                 Variant(name: "vae-noskip", skips: false, noiseInjection: true, frequencyLoss: true)]
        /// The skip VAE without each of its other two parts.
        public static let ablations = [Variant(name: "vae-nonoise", skips: true, noiseInjection: false, frequencyLoss: true),
                                       Variant(name: "vae-nofrequency", skips: true, noiseInjection: true, frequencyLoss: false)]
    }

    /// A VAE for `editor`'s preset with a latent `latentSide` pixels on a side (default a
    /// quarter of the image's, 16×16 at 64 px; half where the preset has two widths) and 4
    /// channels: one of the preset's widths per
    /// halving, plus the first. Skips from x_j (and the carried y_i for n-to-n) when `skips`.
    /// A side the preset cannot reach by halving (at most once per width after the first) is an
    /// error naming the sides it can.
    public static func configuration(for editor: Editor, skips: Bool, noiseInjection: Bool = true,
                                     frequencyLoss: Bool = true, latentSide: Int? = nil) throws -> VAEConfiguration {
        let size = editor.size
        let sides = (1..<editor.preset.widths.count).map { size >> $0 }
        let side = latentSide ?? sides[Swift.min(1, sides.count - 1)]
        guard let halvings = sides.firstIndex(of: side).map({ $0 + 1 }) else {
            throw EngineError.invalidArgument(op: "latent", message: "the \(editor.preset.name) preset (\(size) px) holds a latent of side "
                + "\(sides.map(String.init).joined(separator: ", ")), not \(side)")
        }
        return VAEConfiguration(widths: Array(editor.preset.widths.prefix(halvings + 1)), groups: editor.preset.groups, latentChannels: 4,
                                skipChannels: skips ? (editor.conditioning.carriesReferences ? 6 : 3) : 0,
                                noiseInjection: noiseInjection, frequencyLoss: frequencyLoss)
    }

    /// Trains `vae` for `steps` steps on batches of `editor`'s cases (augmented as the editor's
    /// are), at the preset's learning rate on the editor's schedule shape. Returns the trainer
    /// (its losses, its step).
    @discardableResult
    public static func train(_ vae: VAE, on editor: Editor, steps: Int, seed: UInt64 = 1, checkInterrupt: () throws -> Void = {},
                             progress: (TrainingProgress) -> Void = { _ in }) throws -> Trainer {
        try editor.requireTrainable(for: "vae")
        let rate = editor.preset.learningRate
        let trainer = try Trainer(parameters: vae.parameters,
                                  schedule: LearningRateSchedule(peak: rate, floor: rate / 20, warmupSteps: steps / 20, totalSteps: steps),
                                  weightDecay: 1e-4, clipNorm: 1)
        var rng = RandomGenerator(seed: seed)
        var sampler = try PairSampler(pairs: editor.pairs.count, seed: seed &+ 1)
        try trainer.train(until: steps, checkInterrupt: checkInterrupt, progress: progress) { _ in
            var targets: [Image] = [], skips: [[Image]] = []
            for _ in 0..<editor.preset.batch {
                let (i, j) = sampler.next()
                let augmentation = editor.augments ? Augmentation.random(using: &rng) : .none
                targets.append(try augmentation.applied(to: editor.pairs[j].target))
                var skip = [try augmentation.applied(to: editor.pairs[j].source)]
                if editor.conditioning.carriesReferences { skip.append(try augmentation.applied(to: editor.carriedReference(i, onto: j).target)) }
                skips.append(skip)
            }
            return try vae.loss(Image.batch(targets), skip: skipTensor(skips, for: vae), using: &rng)
        }
        return trainer
    }

    /// The held-out reconstruction of each pair's target, scored as `method`.
    public static func score(_ vae: VAE, editor: Editor, on heldout: [Pair], method: String,
                             checkInterrupt: () throws -> Void = {}) throws -> EvaluationRow {
        try EvaluationRow.score(method: method, pairs: editor.pairs.count, steps: 0, trainSeconds: 0, on: heldout,
                                checkInterrupt: checkInterrupt) { pair in
            try reconstruct(pair, with: vae, editor: editor)
        }
    }

    /// `pair`'s target through `vae`, with the skip images an editor would have for its source.
    public static func reconstruct(_ pair: Pair, with vae: VAE, editor: Editor) throws -> Image {
        let pair = try editor.design.view.fitted(pair, to: editor.size)
        var skip = [pair.source]
        if editor.conditioning.carriesReferences, let nearest = try editor.nearest(to: pair.source, count: 1).first {
            skip.append(try editor.carried(nearest, onto: pair.source).target)
        }
        return try Image(tensor: vae.reconstruct(pair.target.tensor, skip: skipTensor([skip], for: vae)))
    }

    /// The skip images as one tensor `[N, S, S, channels]`, or nil for a VAE without skips.
    private static func skipTensor(_ items: [[Image]], for vae: VAE) throws -> Tensor? {
        guard vae.configuration.skipChannels > 0 else { return nil }
        return try Tensor.concat(items.map { item in try Tensor.concat(item.map { try $0.tensor }) }, axis: 0)
    }
}
