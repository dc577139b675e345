import ArgumentParser
import Engine
import Foundation

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a small convolutional network on the built-in toy mapping and print its loss.",
        discussion: """
        The main job on an embedded default: a two-layer conv net (conv 3×3, group norm, SiLU, conv 3×3,
        residual) learns a fixed blur-and-colour-mix mapping of random smooth images with AdamW, warm-up
        and cosine decay, and gradient clipping. Each report is one JSON line.
        """
    )

    @Option(help: "Training steps.") var steps = 300
    @Option(help: "Image size in pixels.") var size = 32
    @Option(help: "Images per batch.") var batch = 8
    @Option(help: "Random seed for weights and data.") var seed: UInt64 = 1

    func run() throws {
        let network = try ToyNetwork(channels: 16, seed: seed)
        let optimizer = try AdamW(parameters: network.parameters.tensors, learningRate: 0)
        let schedule = LearningRateSchedule(peak: 1e-2, floor: 1e-4, warmupSteps: steps / 10, totalSteps: steps)
        var rng = RandomGenerator(seed: seed &+ 1)
        let started = Date()
        var first: Float = 0, last: Float = 0
        for step in 0..<steps {
            let (source, target) = try ToyNetwork.batch(count: batch, size: size, using: &rng)
            let loss = try Tensor.mseLoss(try network(source), target)
            network.parameters.zeroGrad()
            try loss.backward()
            let norm = clipGradientNorm(optimizer.parameters, maxNorm: 1)
            optimizer.learningRate = schedule.rate(at: step)
            optimizer.update()
            if step == 0 { first = loss.scalar }
            last = loss.scalar
            if step % max(steps / 10, 1) == 0 || step == steps - 1 {
                print(#"{"step": \#(step), "loss": \#(loss.scalar), "grad_norm": \#(norm), "lr": \#(optimizer.learningRate)}"#)
            }
        }
        let seconds = Date().timeIntervalSince(started)
        print(#"{"summary": "toy mapping", "first_loss": \#(first), "last_loss": \#(last), "fall": \#(first / last), "seconds": \#(seconds)}"#)
    }
}
