import Engine
import Foundation

/// What the head and the refiner read — x, and for the n-to-n pairings a reference carried
/// into x's frame, as the pairing's conditioning puts them — and what they predict.
extension Editor {
    /// The head's input for a batch, centred on zero, and where its prediction starts: each item is an x and, for the n-to-n pairings, a reference carried into its
    /// frame (see `PairingConditioning`).
    func headInput(_ items: [(x: Image, reference: CarriedReference?)]) throws -> (input: Tensor, start: PredictionStart) {
        let references = items.compactMap(\.reference)
        let reference = conditioning.carriesReferences ? try CarriedBatch(references, transformChannels: transformChannels) : nil
        return try conditioning.headInput(x: Image.batch(items.map(\.x)), reference: reference)
    }

    /// The head's prediction from its input and where it starts (see `headInput`).
    func predict(_ input: Tensor, _ start: PredictionStart) throws -> Tensor {
        try start.prediction(from: head(input))
    }

    /// What the refiner is conditioned on: the head's input and its prediction, centred.
    func refinerCondition(_ input: Tensor, _ prediction: Tensor) throws -> Tensor {
        try Tensor.concat([input, prediction * 2 - 1])
    }

    /// The prediction for a batch of items: the head's, plus the refiner's sampled residual when
    /// `sampling` has steps. `onStep` sees each DDIM step's estimate of the whole prediction.
    func predict(_ items: [(x: Image, reference: CarriedReference?)], sampling: Sampling = .headOnly, onStep: (Int, Tensor) throws -> Void = { _, _ in }) throws -> Tensor {
        let (input, start) = try headInput(items)
        let prediction = try predict(input, start)
        guard sampling.steps > 0 else { return prediction }
        guard let refiner else { throw Editor.noDiffusion(steps: sampling.steps) }
        let residual = try refiner.sample(condition: refinerCondition(input, prediction), sampling) { step, estimate in
            try onStep(step, prediction + estimate)
        }
        return try prediction + residual
    }
}
