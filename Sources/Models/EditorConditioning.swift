import Engine
import Foundation

/// What the head and the refiner read for each pairing — x, and for the n-to-n pairings a
/// reference carried into x's frame — and what the head's output is added to.
extension Editor {
    /// The head's input for a batch, centred on zero, and what its output is added to (nil for
    /// pix2pix): each item is an x and, for the n-to-n pairings, a reference carried into its
    /// frame (see `Pairing`).
    func headInput(_ items: [(x: Image, reference: CarriedReference?)]) throws -> (input: Tensor, base: Tensor?) {
        let references = items.compactMap(\.reference)
        let reference = pairing.usesReferences ? try CarriedBatch(references, transformChannels: transformChannels) : nil
        return try headInput(x: Image.batch(items.map(\.x)), reference: reference)
    }

    /// The head's input and base for a batch of frames `x` and, for the n-to-n pairings, the
    /// references carried into their frames.
    func headInput(x: Tensor, reference: CarriedBatch?) throws -> (input: Tensor, base: Tensor?) {
        // The head reads its images centred on zero (2v − 1): from [0, 1] every input shares a
        // large mean that the first layers must first learn to remove (it halved the steps
        // before one2one on blue_eyes began to edit).
        switch pairing {
        case .pix2pix: return (try x * 2 - 1, nil)
        case .one2one: return (try x * 2 - 1, x)
        case .implicit, .structural:
            guard let reference else {
                throw EngineError.invalidArgument(op: "editor", message: "a \(pairing.rawValue) editor's head needs a carried reference")
            }
            let (source, target) = (reference.source, reference.target)
            guard (reference.channels != nil) == transformChannels else {
                throw EngineError.invalidArgument(op: "editor", message: "the head reads transform channels \(transformChannels ? "and was given none" : "and was given some")")
            }
            // The images are centred on zero; the transform channels already are.
            func centred(_ images: [Tensor]) throws -> Tensor {
                let centred = try Tensor.concat(images) * 2 - 1
                return try reference.channels.map { try Tensor.concat([centred, $0]) } ?? centred
            }
            // Without x_j the head sees the carried y_i alone and starts from it.
            if ablation == .noSource { return (try centred([target]), target) }
            guard pairing == .structural else { return (try centred([x, source, target]), x) }
            let carriedEdit = try x + target - source
            return (try centred([x, carriedEdit, source, target]), carriedEdit)
        }
    }

    /// The head's prediction from its input and base (see `headInput`).
    func predict(_ input: Tensor, _ base: Tensor?) throws -> Tensor {
        let correction = try head(input)
        return try base.map { try $0 + correction } ?? correction
    }

    /// What the refiner is conditioned on: the head's input and its prediction, centred.
    func refinerCondition(_ input: Tensor, _ prediction: Tensor) throws -> Tensor {
        try Tensor.concat([input, prediction * 2 - 1])
    }

    /// The prediction for a batch of items: the head's, plus the refiner's sampled residual when
    /// `sampling` has steps. `onStep` sees each DDIM step's estimate of the whole prediction.
    func predict(_ items: [(x: Image, reference: CarriedReference?)], sampling: Sampling = .headOnly, onStep: (Int, Tensor) throws -> Void = { _, _ in }) throws -> Tensor {
        let (input, base) = try headInput(items)
        let prediction = try predict(input, base)
        guard sampling.steps > 0 else { return prediction }
        guard let refiner else { throw Editor.noDiffusion(steps: sampling.steps) }
        let residual = try refiner.sample(condition: refinerCondition(input, prediction), sampling) { step, estimate in
            try onStep(step, prediction + estimate)
        }
        return try prediction + residual
    }
}

/// A batch's carried references as the head takes them: `[N, H, W, 3]` each, and Mx's
/// channels `[N, H, W, 14]` for a head that reads them.
struct CarriedBatch {
    let source: Tensor, target: Tensor, channels: Tensor?

    init(source: Tensor, target: Tensor, channels: Tensor?) {
        (self.source, self.target, self.channels) = (source, target, channels)
    }

    /// `references` batched, with their transformations' channels when `transformChannels`.
    init(_ references: [CarriedReference], transformChannels: Bool) throws {
        source = try Image.batch(references.map(\.source))
        target = try Image.batch(references.map(\.target))
        channels = transformChannels ? try Tensor.concat(references.map { reference in
            guard let transformation = reference.transformation else {
                throw EngineError.invalidArgument(op: "editor", message: "a reference was carried without the transformation the head reads")
            }
            return try transformation.channels
        }, axis: 0) : nil
    }
}
