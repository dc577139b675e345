import Engine
import Foundation

/// The few-shot editor: from a handful of before/after pairs it learns to do likewise to new
/// images, with a U-Net regression head over the pairing it was built with and, when built with
/// diffusion, a `DiffusionRefiner` that samples what the head misses.
///
/// For the n-to-n pairings (`.structural`, `.implicit`, `.combined`) every ordered case (i, j) of the
/// training pairs is prepared once: the transformation from x_i to x_j, and y_i and x_i carried
/// into x_j's frame. A training step draws a batch of cases, augments the images of each alike,
/// and minimises the balanced edit-region L1 and squared error plus the frequency loss of the
/// prediction (for `.structural`: carried edit + head) against y_j. Editing a new x uses the k
/// training pairs whose sources look most like it and fuses their predictions per pixel by how
/// well each reference lines up with x.
///
/// Trained `endToEnd`, Mx learns with the head: each case's reference is carried through the
/// flow network and a differentiable colour fit in every step (nothing is prepared), the
/// editor's loss reaches the flow's weights (parameters `flow.…`, at a tenth of the head's
/// rate), and the flows' photometric loss keeps them flows.
///
/// With `transformChannels`, the head (and the refiner, which reads the head's input) also sees
/// Mx itself — each case's flow and per-pixel colour maps as 14 channels
/// (`Transformation.channels`), augmented with the case's images — as the paper conditions its
/// editor on [F, C]; without, Mx reaches them only through the carried images.
public final class Editor {
    /// Every knob it was built with, its pairing fixed (see `EditorDesign`).
    public let design: EditorDesign
    public let pairing: Pairing
    /// What the head reads for the pairing, and what its output is added to.
    let conditioning: any PairingConditioning
    /// The training pairs, at the working size (`EditorDesign.size`).
    public let pairs: [Pair]
    public let parameters = Parameters()
    public let trainer: Trainer
    let head: UNet
    /// The diffusion half, trained with the head (nil: a regression editor).
    let refiner: DiffusionRefiner?
    /// Case (i, j) at index i·N + j: x_i and y_i carried into x_j's frame.
    var carried: [CarriedReference?]
    var sampler: PairSampler
    var rng: RandomGenerator
    /// The flow half of the transformation estimator.
    public let flowEstimator: any FlowEstimator
    /// The training sources at 16×16, for finding an edit's nearest references.
    let thumbnails: [[Float]]
    /// The hash saved for each training pair whose stored pixels failed it when the editor was
    /// loaded (`load(_:path:pairs:)`), by name. Such an editor edits with the other pairs as
    /// references, trains only once loaded again with its pairs given, and saves these hashes
    /// again, so that a file saved from it is as damaged as the one it came from.
    var damagedPairHashes: [String: String] = [:]
    /// The names of those pairs, in the pairs' order.
    public var damagedPairs: [String] { pairs.map(\.name).filter { damagedPairHashes[$0] != nil } }
    /// The pairs given at load whose pixels differ from those the editor was saved with.
    public internal(set) var differingPairs: [String] = []
    /// The parts of the training state (AdamW's moments, the loss curve) that failed their
    /// digests when the editor was loaded: it edits, but cannot resume training exactly.
    public internal(set) var damagedTrainingState: [String] = []

    public var preset: EditorPreset { design.preset }
    /// The side of the square the networks work at.
    public var size: Int { design.size }
    public var endToEnd: Bool { design.endToEnd }
    public var ablation: EditorAblation? { design.ablation }
    public var transformChannels: Bool { design.transformChannels }
    public var augments: Bool { design.augments }
    public var seed: UInt64 { design.seed }

    /// An editor of `design` (its pairing fixed: see `build` for `auto`) over `pairs` (at least
    /// two, of any sizes, each pair's two images of one: scaled whole to the working size). An editor that would
    /// not fit in the memory free now is refused before anything is allocated (see `EditorCost`).
    /// `flowEstimator`, of the design's flow method, is the estimator to use (default: a fresh one,
    /// refined on the pairs' sources as the design asks); end to end, the editor trains a copy of
    /// it. `progress` hears how many of the N·(N−1) cases have been prepared.
    public init(pairs: [Pair], design: EditorDesign, flowEstimator: (any FlowEstimator)? = nil, preparesCases: Bool = true,
                checkInterrupt: () throws -> Void = {}, progress: (Int, Int) -> Void = { _, _ in }) throws {
        guard let pairing = design.pairing.fixed else {
            throw EngineError.invalidArgument(op: "editor", message: "an auto design is resolved to a pairing before an editor is built (Editor.build)")
        }
        try Editor.requireEnoughPairs(pairs.count)
        if let flowEstimator, FlowMethod(of: flowEstimator) != design.flow {
            throw EngineError.invalidArgument(op: "editor", message: "the design's flow is \(design.flow.rawValue), and the estimator given is \(flowEstimator.name)")
        }
        let preset = design.preset
        try EditorCost(design: design, pairs: pairs.count).checkFits()
        self.design = design
        self.pairing = pairing
        conditioning = pairing.conditioning(ablation: design.ablation, transformChannels: design.transformChannels)
        self.pairs = try pairs.map { try design.view.fitted($0, to: design.size) }
        let estimator = try flowEstimator ?? design.flow.estimator(refinedOn: self.pairs.map(\.source), steps: design.flowRefinement,
                                                                   checkInterrupt: checkInterrupt)
        thumbnails = try self.pairs.map { try $0.source.resized(width: 16, height: 16).pixels }
        rng = RandomGenerator(seed: design.seed)
        sampler = try PairSampler(pairs: pairs.count, seed: design.seed &+ 1)
        head = try UNet(parameters.scoped(EditorScope.head), preset.head(for: design), using: &rng)
        refiner = design.diffusion ? try DiffusionRefiner(parameters.scoped(EditorScope.denoiser), preset.denoiser(for: design), using: &rng) : nil
        if design.endToEnd, let given = estimator as? FlowNetwork {
            // A copy in the editor's own parameters: the caller's network stays as it was.
            let own = try FlowNetwork(seed: design.seed, parameters: parameters.scoped(EditorScope.flow))
            Checkpoint.copy(given.parameters.tensors, into: own.parameters.tensors)
            self.flowEstimator = own
        } else {
            self.flowEstimator = estimator
        }
        let rate = design.learningRate
        trainer = try Trainer(parameters: parameters,
                              schedule: LearningRateSchedule(peak: rate, floor: rate / 20,
                                                             warmupSteps: preset.steps / 20, totalSteps: preset.steps),
                              weightDecay: 1e-4, clipNorm: 1,
                              rateScale: { $0.hasPrefix(EditorScope.flow + ".") ? Editor.flowRateScale : 1 })
        carried = Array(repeating: nil, count: pairs.count * pairs.count)
        if preparesCases { try prepareCases(checkInterrupt: checkInterrupt, progress: progress) }
    }

    /// Throws unless `count` pairs are enough for an effect: two at least (n-to-n needs a
    /// reference besides the case).
    static func requireEnoughPairs(_ count: Int) throws {
        guard count >= 2 else { throw EngineError.invalidArgument(op: "editor", message: "an effect needs at least 2 pairs, got \(count)") }
    }

    /// The flow network's rate, end to end, as a multiple of the head's: it starts pretrained,
    /// and is fine-tuned more gently than the fresh head (the usual choice for a pretrained
    /// part; chosen, not tuned — `refine` uses the same 1e-4 on its own).
    static let flowRateScale: Float = 0.1
    /// The weight of the flows' photometric loss beside the editor's, end to end: enough to keep
    /// a flow a flow, small beside the editor's loss (chosen, not tuned).
    static let photometricWeight: Float = 0.05

    // MARK: Training

    /// Trains until `steps` steps are done in total (see `Trainer.train`).
    public func train(until steps: Int, checkInterrupt: () throws -> Void = {}, progress: (TrainingProgress) -> Void = { _ in }) throws {
        try requireTrainable(for: "train")
        if steps > trainer.schedule.totalSteps { trainer.schedule.totalSteps = steps }
        try trainer.train(until: steps, checkInterrupt: checkInterrupt, progress: progress) { _ in try batchLoss() }
    }

    /// Trains for about `seconds` of wall-clock time: the steps of the first twentieth of it (at
    /// least five) measure the speed, the schedule is stretched over the steps that speed allows,
    /// and training stops at that step or when the time is up, whichever comes first. Returns the
    /// steps finished.
    @discardableResult
    public func train(forSeconds seconds: Double, checkInterrupt: () throws -> Void = {},
                      progress: (TrainingProgress) -> Void = { _ in }) throws -> Int {
        let started = Date(), first = trainer.step
        // Five steps alone planned too few when the machine was busy for them (934 steps where
        // 1,185 fit); a twentieth of the budget averages a busy moment out.
        repeat {
            try train(until: trainer.step + 1, checkInterrupt: checkInterrupt, progress: progress)
        } while trainer.step < first + 5 || Date().timeIntervalSince(started) < seconds / 20
        let elapsed = Date().timeIntervalSince(started)
        let rate = Double(trainer.step - first) / max(elapsed, 1e-6)
        let total = max(trainer.step, trainer.step + Int(rate * (seconds - elapsed)))
        trainer.schedule.totalSteps = total
        do {
            try train(until: total, checkInterrupt: {
                try checkInterrupt()
                if Date().timeIntervalSince(started) >= seconds { throw BudgetSpent() }
            }, progress: progress)
        } catch is BudgetSpent {}
        return trainer.step
    }

    /// Throws, naming what, when the training pairs that `what` learns from, or the training state
    /// it resumes, were damaged in the file the editor was loaded from.
    public func requireTrainable(for what: String) throws {
        guard damagedPairs.isEmpty else {
            throw EngineError.invalidArgument(op: what, message: "the training pairs saved with this effect are damaged (\(damagedPairs.joined(separator: ", "))): it edits, but learns from them only when loaded with them again — loadModel(path, pairs: loadPairs(folder))")
        }
        guard damagedTrainingState.isEmpty || what != "train" else {
            throw EngineError.invalidArgument(op: what, message: "its saved training state is damaged (\(damagedTrainingState.joined(separator: ", "))): it edits, but training cannot resume; train a new effect from its pairs")
        }
    }

    /// Ends a budgeted run between two steps.
    private struct BudgetSpent: Error {}

    /// How this editor samples unless told otherwise: 10 DDIM steps with diffusion, the head
    /// alone without.
    public var defaultSampling: Sampling { refiner == nil ? .headOnly : .standard }

    /// How to sample an edit: `steps` DDIM steps (nil: `defaultSampling`'s), η and the noise's
    /// seed, checked once for every front end — steps need the diffusion refiner.
    public func sampling(steps: Int?, eta: Double = 0, seed: UInt64 = 0) throws -> Sampling {
        let steps = steps ?? defaultSampling.steps
        guard steps == 0 || hasDiffusion else { throw Editor.noDiffusion(steps: steps) }
        return try Sampling(steps: steps, eta: eta, seed: seed)
    }

    /// What sampling steps from a regression editor get.
    static func noDiffusion(steps: Int) -> EngineError {
        .invalidArgument(op: "sampling", message: "steps: \(steps) needs a model with diffusion (model(…, diffusion: true), likewise train --diffusion); this one is regression only")
    }

    /// Whether the editor has the diffusion refiner.
    public var hasDiffusion: Bool { refiner != nil }

    // MARK: Editing

    /// `x` edited, at its own size, and the training pairs it used as references (nearest first):
    /// the k pairs whose sources look most like x (none for the direct pairings). `sampling`
    /// defaults to `defaultSampling`, `lift` to the design's; `checkInterrupt` is called before
    /// each DDIM step.
    public func edit(_ x: Image, references k: Int = 1, sampling: Sampling? = nil, lift: Lift? = nil,
                     checkInterrupt: () throws -> Void = {}) throws -> (image: Image, references: [Int]) {
        guard k >= 1 else { throw EngineError.invalidArgument(op: "edit", message: "references must be ≥ 1, got \(k)") }
        // The references are chosen on x as the networks see it, scaled once for both.
        let low = try workingView(of: x)
        let chosen = conditioning.carriesReferences ? try Profile.phase("choose references") { try nearest(to: low.image, count: min(k, pairs.count)) } : []
        return (try edit(x, low: low, using: chosen, sampling: sampling, lift: lift, checkInterrupt: checkInterrupt), chosen)
    }

    /// `x` edited with the training pairs `references` as references: the networks edit x fitted
    /// to the working size by the design's view, and `lift` (default: the design's) brings their
    /// edit of the part that shows x back at x's own size. With more than one reference, their
    /// predictions are averaged per pixel, each weighted by how closely its source, carried into x's frame, matches x there.
    /// `onStep` sees each DDIM step's estimate at the working size, fused alike, after
    /// `checkInterrupt` (so that a long sampling run stops within a step).
    public func edit(_ x: Image, using references: [Int], sampling: Sampling? = nil, lift: Lift? = nil,
                     checkInterrupt: () throws -> Void = {}, onStep: (Int, Image) throws -> Void = { _, _ in }) throws -> Image {
        try edit(x, low: workingView(of: x), using: references, sampling: sampling, lift: lift, checkInterrupt: checkInterrupt, onStep: onStep)
    }

    /// x fitted to the working size, as the networks see it, and the part of it that shows x.
    func workingView(of x: Image) throws -> (image: Image, region: Image.Region) {
        try Profile.phase("scale") { try design.view.fitted(x, to: size) }
    }

    /// `edit(_:using:…)` of x, given as the networks see it too (`workingView(of:)`).
    private func edit(_ x: Image, low view: (image: Image, region: Image.Region), using references: [Int],
                      sampling: Sampling?, lift: Lift?, checkInterrupt: () throws -> Void,
                      onStep: (Int, Image) throws -> Void = { _, _ in }) throws -> Image {
        let square = try networksEdit(view.image, using: references, sampling: sampling ?? defaultSampling, checkInterrupt: checkInterrupt, onStep: onStep)
        return try lifted(square.image, of: x, seen: view, lift: lift)
    }

    /// The networks' edit `square` of x's working view brought back at x's own size: the lift
    /// maps the part of the square that shows x (all of it, squeezed) onto x.
    func lifted(_ square: Image, of x: Image, seen view: (image: Image, region: Image.Region), lift: Lift?) throws -> Image {
        let fillsSquare = (view.region.width, view.region.height) == (size, size)
        let (edit, low) = fillsSquare ? (square, view.image) : (try square.cropped(to: view.region), try view.image.cropped(to: view.region))
        var lifted = try Profile.phase("lift") { try (lift ?? design.lift).lifted(edit, of: low, to: x) }
        lifted.colourProfile = x.colourProfile  // the photo's colours, edited, mean what they meant
        return lifted
    }

    /// The networks' edit of `input`, an image at the working size, and with `spread` how far
    /// its references' predictions disagree at each pixel (`ReferenceFusion.spread`; nil for the
    /// direct pairings, which have none).
    func networksEdit(_ input: Image, using references: [Int], sampling: Sampling, spread: Bool = false, checkInterrupt: () throws -> Void,
                      onStep: (Int, Image) throws -> Void = { _, _ in }) throws -> (image: Image, spread: [Float]?) {
        guard references.allSatisfy(pairs.indices.contains) else {
            throw EngineError.invalidArgument(op: "edit", message: "references must be pair indices 0..<\(pairs.count), got \(references)")
        }
        return try Autodiff.withoutGradients {
            guard conditioning.carriesReferences else {
                return (try Image(tensor: predict([(input, nil)], sampling: sampling) {
                    try checkInterrupt()
                    try onStep($0, Image(tensor: $1.clamped(to: 0...1)))
                }.clamped(to: 0...1)), nil)
            }
            guard !references.isEmpty else { throw EngineError.invalidArgument(op: "edit", message: "a \(pairing.rawValue) editor needs at least one reference") }
            let items = try references.map { (x: input, reference: Optional(try carried($0, onto: input))) }
            let fuse = try Profile.phase("fuse") { try fusion(of: items.map { $0.reference?.source.pixels ?? [] }, onto: input) }
            let prediction = try predict(items, sampling: sampling) {
                try checkInterrupt()
                try onStep($0, fuse($1))
            }
            let fused = try Profile.phase("fuse") { try fuse(prediction) }
            return (fused, spread ? fuse.spread(of: prediction, around: fused) : nil)
        }
    }
}

/// The scopes of an editor's parameters — `head.…`, `denoiser.…`, `flow.…` (end to end) — as the
/// networks are built in them, the trainer gives each its rate and the checkpoint names them.
public enum EditorScope {
    public static let head = "head", denoiser = "denoiser", flow = "flow"
}
