import Engine
import Foundation

/// Training a baseline to its best, for a fair comparison: until its edit PSNR on validation
/// pairs — held out of training and of the evaluation's held-out set — stops improving.
public struct Convergence: Sendable, Equatable {
    /// The step whose weights scored best on the validation pairs, and that score (edit PSNR, dB).
    public let bestStep: Int, bestEditPSNR: Double
    /// The step training stopped at: `patience` checks after the best, or the cap.
    public let stoppedAt: Int
    /// Every check: (step, validation edit PSNR).
    public let curve: [Check]

    public struct Check: Sendable, Equatable {
        public let step: Int, editPSNR: Double
    }
}

extension Editor {
    /// Trains, checking the edit PSNR on `validation` every `interval` steps, until `patience`
    /// checks in a row bring no improvement or `cap` steps are done; the editor ends with the
    /// weights of its best check (its optimiser state stays that of the last step, so it is for
    /// scoring, not for training on). The schedule runs over the cap.
    public func trainUntilConverged(validation: [Pair], every interval: Int, patience: Int, cap: Int,
                                    progress: (TrainingProgress) -> Void = { _ in }) throws -> Convergence {
        guard interval >= 1, patience >= 1, cap >= interval else {
            throw EngineError.invalidArgument(op: "converge", message: "interval ≥ 1, patience ≥ 1 and a cap of at least one interval, got \(interval), \(patience), \(cap)")
        }
        trainer.schedule.totalSteps = cap
        var best: (step: Int, score: Double, weights: [Tensor])? = nil
        var curve: [Convergence.Check] = [], sinceBest = 0
        while trainer.step < cap && sinceBest < patience {
            try train(until: min(trainer.step + interval, cap), progress: progress)
            let row = try EvaluationRow.score(method: "validation", pairs: pairs.count, steps: trainer.step, trainSeconds: 0, on: validation) {
                try edit($0, sampling: .headOnly).image
            }
            let score = row.headlinePSNR
            curve.append(Convergence.Check(step: trainer.step, editPSNR: score))
            if score > (best?.score ?? -.infinity) {
                best = (trainer.step, score, parameters.tensors.map { $0.copy() })
                sinceBest = 0
            } else {
                sinceBest += 1
            }
        }
        guard let best else { throw EngineError.invalidArgument(op: "converge", message: "no check was made") }
        Checkpoint.copy(best.weights, into: parameters.tensors)
        return Convergence(bestStep: best.step, bestEditPSNR: best.score, stoppedAt: trainer.step, curve: curve)
    }
}
