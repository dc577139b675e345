import Engine

/// A trainer's whole state as a checkpoint, and back: weights, AdamW's moments and step, the EMA
/// and the loss curve, so that a resumed run continues exactly where the saved one stopped.
///
/// Tensor names: `model.<parameter>`, `optimizer.exp_avg.<parameter>`,
/// `optimizer.exp_avg_sq.<parameter>`, `ema.<parameter>`, `trainer.losses` (one per finished step).
/// Metadata `format` is `Trainer.checkpointFormat`, `step` the steps finished.
extension Trainer {
    /// The format written into every checkpoint; a checkpoint of another format is refused.
    public static let checkpointFormat = "likewise-checkpoint-1"

    /// The state, with `metadata` added (a model's configuration, its pairs' names and hashes).
    public func checkpoint(metadata: [String: String] = [:]) throws -> Checkpoint {
        var tensors = stateTensors()
        tensors.append((TrainingState.losses, try Tensor(shape: [losses.count], scalars: losses)))
        var all = metadata
        all["format"] = Trainer.checkpointFormat
        all["step"] = String(step)
        return Checkpoint(tensors: tensors, metadata: all)
    }

    /// Writes the state of `checkpoint` into this trainer's tensors, after checking that every
    /// tensor it needs is there with its shape; `path` names the file in errors. Nothing is
    /// changed when a check fails.
    public func restore(from checkpoint: Checkpoint, path: String) throws {
        func mismatch(_ reason: String) -> CheckpointError { .mismatch(path: path, reason: reason) }
        guard checkpoint.metadata["format"] == Trainer.checkpointFormat else {
            throw mismatch("its format is \(checkpoint.metadata["format"].map { "'\($0)'" } ?? "not stated"), this Likewise reads '\(Trainer.checkpointFormat)'")
        }
        guard let step = checkpoint.metadata["step"].flatMap(Int.init), step >= 0 else { throw mismatch("it states no step") }
        let targets = stateTensors()
        let sources = try checkpoint.tensors(matching: targets, path: path)
        guard let curve = checkpoint.tensor(TrainingState.losses), curve.rank == 1, curve.count == step else {
            throw mismatch("its loss curve does not have one loss for each of its \(step) steps")
        }
        Checkpoint.copy(sources, into: targets.map(\.1))
        try optimizer.restore(step: step)
        restoreLosses(curve.scalars)
    }

    /// The weights, AdamW's moments and the EMA's shadows, by their names in a checkpoint.
    private func stateTensors() -> [(String, Tensor)] {
        let named = parameters.named
        var tensors = named.map { (TrainingState.model + $0.name, $0.tensor) }
        tensors += zip(named, optimizer.firstMoments).map { (TrainingState.firstMoment + $0.0.name, $0.1) }
        tensors += zip(named, optimizer.secondMoments).map { (TrainingState.secondMoment + $0.0.name, $0.1) }
        if let ema { tensors += zip(named, ema.shadows).map { (TrainingState.ema + $0.0.name, $0.1) } }
        return tensors
    }
}

/// The names of a trainer's state in a checkpoint: prefixes before a parameter's name, and the
/// loss curve's tensor.
public enum TrainingState {
    public static let model = "model.", firstMoment = "optimizer.exp_avg.", secondMoment = "optimizer.exp_avg_sq.", ema = "ema."
    public static let losses = "trainer.losses"

    /// Whether the tensor called `name` is state only resuming training needs (AdamW's moments,
    /// the loss curve): damaged, it leaves weights that still edit.
    public static func isResumptionState(_ name: String) -> Bool {
        name.hasPrefix(firstMoment) || name.hasPrefix(secondMoment) || name == losses
    }
}
