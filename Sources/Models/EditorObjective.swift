import Engine
import Foundation

/// What the editor minimises: the loss of one augmented batch of training cases.
extension Editor {
    /// The loss of the next batch: its cases from the sampler, each one's augmentation and then
    /// the refiner's draws from the editor's generator.
    func batchLoss() throws -> Tensor {
        let cases = (0..<preset.batch).map { _ in
            let (i, j) = sampler.next()
            return TrainingCase(reference: i, target: j, augmentation: augments ? Augmentation.random(using: &rng) : .none)
        }
        let draws = try refiner.map { _ in try DiffusionRefiner.Draws(count: cases.count, side: size, using: &rng) }
        return try loss(of: cases, draws: draws)
    }

    /// The loss of `cases`, with the refiner's `draws` (needed with diffusion): what a step
    /// minimises, given what it drew (the PyTorch bridge's training is checked against it).
    func loss(of cases: [TrainingCase], draws: DiffusionRefiner.Draws?) throws -> Tensor {
        var frames: [Image] = [], targets: [Image] = [], weights: [Tensor] = []
        // Case (i, j) learns pair j's target; the n-to-n pairings carry pair i into its frame.
        var references: (sources: [Image], targets: [Image], channels: [Tensor])? = conditioning.carriesReferences ? ([], [], []) : nil
        for trainingCase in cases {
            let (i, j, augmentation) = (trainingCase.reference, trainingCase.target, trainingCase.augmentation)
            let x = try augmentation.applied(to: pairs[j].source), y = try augmentation.applied(to: pairs[j].target)
            if references != nil {
                // End to end, the reference is carried in the step, from the same augmented frame.
                let reference = endToEnd ? CarriedReference(source: pairs[i].source, target: pairs[i].target) : try carriedReference(i, onto: j)
                references?.sources.append(try augmentation.applied(to: reference.source))
                references?.targets.append(try augmentation.applied(to: reference.target))
                if let transformation = reference.transformation {
                    references?.channels.append(try augmentation.applied(toTransformation: transformation.channels))
                }
            }
            frames.append(x)
            targets.append(y)
            weights.append(try EditRegion(source: x, truth: y).balancedLossWeights())
        }
        var reference: CarriedBatch?, photometric: Tensor?
        if let references, endToEnd, let network = flowEstimator as? FlowNetwork {
            let carried = try Transformation.carriedWithGradients(sources: references.sources, targets: references.targets, onto: frames, network: network)
            let channels = transformChannels ? try Transformation.channels(flow: carried.flow, colour: carried.colour) : nil
            (reference, photometric) = (CarriedBatch(source: carried.source, target: carried.target, channels: channels), carried.photometric)
        } else if let references {
            reference = CarriedBatch(source: try Image.batch(references.sources), target: try Image.batch(references.targets),
                                     channels: transformChannels ? try Tensor.concat(references.channels, axis: 0) : nil)
        }
        let (input, start) = try conditioning.headInput(x: Image.batch(frames), reference: reference)
        let prediction = try predict(input, start)
        let (target, weight) = (try Image.batch(targets), try Tensor.concat(weights, axis: 0))
        // L1 alone stalls on a small edit: with the region and the rest weighted half each, the
        // weighted median of what a head that cannot yet tell them apart should output is "no
        // change", and its gradient nearly cancels (one2one on blue_eyes sat at the identity for
        // ~700 steps). The squared term's pull toward the weighted mean starts learning at once
        // (28 dB where the edit is after 200 steps); L1 keeps the result sharp.
        var loss = try Tensor.weightedL1Loss(prediction, target, weights: weight)
            + Tensor.weightedMSELoss(prediction, target, weights: weight) * 4
            + Tensor.frequencyLoss(prediction, target) * 0.1
        if let photometric { loss = try loss + photometric * Editor.photometricWeight }
        guard let refiner else { return loss }
        guard let draws else { throw EngineError.invalidArgument(op: "loss", message: "an editor with diffusion needs the refiner's draws") }
        let guess = prediction.detached()
        return try loss + refiner.loss(residual: target - guess, condition: refinerCondition(input, guess), weights: weight, draws: draws)
    }
}

/// One training case: pair `target`'s source and target to learn, pair `reference` carried into
/// its frame (for the n-to-n pairings), and the augmentation all its images get.
struct TrainingCase {
    let reference: Int, target: Int
    let augmentation: Augmentation
}
