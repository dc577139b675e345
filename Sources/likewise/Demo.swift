import ArgumentParser
import Engine
import Foundation
import Models

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw a built-in task's pairs and pictures, train the toy network, and write PNGs.",
        discussion: """
        Writes into --out: pairs.png (the first pairs of the task), tasks.png (one pair of every
        built-in task), flow.png (the true displacement between two sources, colour-coded with
        arrows), aligned.png (a source, another warped onto it by that displacement, and their
        overlay), effect.png (a target beside its source with PSNR/SSIM), colours.png
        (colour-transform swatches) and loss.png (the loss curve of a two-layer conv net learning
        a fixed blur-and-colour mapping). Progress is printed as JSON lines.
        """
    )

    @Option(help: "Built-in task: \(SyntheticTask.Kind.allCases.map(\.rawValue).joined(separator: ", ")).") var task = "blue_eyes"
    @Option(help: "Pairs to draw.") var count = 8
    @Option(help: "Image size in pixels (32…256).") var size = 64
    @Option(help: "Random seed for pairs, weights and data.") var seed: UInt64 = 1
    @Option(help: "Training steps of the toy network.") var steps = 300
    @Option(help: "Folder for the PNGs.") var out = "out"

    func validate() throws {
        guard (2...64).contains(count) else { throw ValidationError("--count must be 2…64, got \(count)") }
        guard SyntheticTask.sizes.contains(size) else { throw ValidationError("--size must be 32…256, got \(size)") }
        guard (0...100_000).contains(steps) else { throw ValidationError("--steps must be 0…100000, got \(steps)") }
    }

    func run() throws {
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let chosen = try SyntheticTask(named: task)
        let pairs = try chosen.pairs(count: count, size: size, seed: seed)
        try write(Figure.pairGrid(pairs), "pairs.png")
        let firsts = try SyntheticTask.Kind.allCases.map { try SyntheticTask($0).pair(index: 0, size: size, seed: seed) }
        try write(Figure.layout([firsts.map { Figure.Tile($0.source, title: $0.name) }, firsts.map { Figure.Tile($0.target) }],
                                rowLabels: ["source", "target"]), "tasks.png")

        // What the transformation estimator will have to find: the true flow between two sources.
        let truth = try chosen.displacement(from: 0, to: 1, seed: seed, size: size)
        let flow = try truth.tensor
        try write(Figure.flowField(flow, title: "true flow: source 0 -> source 1"), "flow.png")
        let warped = try Image(tensor: Tensor.warp(pairs[1].source.tensor, by: flow))
        var overlay = warped
        for i in 0..<overlay.pixels.count { overlay.pixels[i] = (warped.pixels[i] + pairs[0].source.pixels[i]) / 2 }
        try write(Figure.strip([pairs[0].source, pairs[1].source, warped, overlay],
                               captions: ["source 0", "source 1", "1 warped onto 0", "overlay of 0 and warped 1"],
                               heading: "aligning by the true flow"), "aligned.png")
        // How local is the effect? The target against its own source.
        try write(Figure.comparison([Figure.Tile(pairs[0].source, title: "source"),
                                     Figure.Tile(pairs[0].target, title: "target", lines: [
                                         String(format: "PSNR %.1f dB", try Metrics.psnr(pairs[0].target, pairs[0].source)),
                                         String(format: "SSIM %.3f", try Metrics.ssim(pairs[0].target, pairs[0].source))])],
                                    heading: "\(task): target vs source"), "effect.png")
        try write(Figure.colourTransform([0.25, 0.25, 0.25, 0, 0.3, 0.3, 0.3, 0.05, 0.4, 0.4, 0.4, 0.2], title: "a night tint"), "colours.png")
        print(#"{"wrote": "\#(out)", "task": "\#(task)", "pairs": \#(count), "size": \#(size)}"#)

        let losses = try trainToyNetwork()
        try write(LinePlot([.init("train loss", values: losses.map(Double.init))], title: "toy network: MSE per step",
                           xLabel: "step", yLabel: "loss", logY: true).render(), "loss.png")
    }

    private func write(_ image: Image, _ name: String) throws {
        try image.writePNG(to: out + "/" + name)
    }

    /// A two-layer conv net learns a fixed blur-and-colour mapping with AdamW, warm-up and cosine
    /// decay, and gradient clipping; returns the loss of every step.
    private func trainToyNetwork() throws -> [Float] {
        let network = try ToyNetwork(channels: 16, seed: seed)
        let trainer = try Trainer(parameters: network.parameters,
                                  schedule: LearningRateSchedule(peak: 1e-2, floor: 1e-4, warmupSteps: steps / 10, totalSteps: steps))
        var rng = RandomGenerator(seed: seed &+ 1)
        let started = Date()
        try trainer.train(until: steps, progress: { p in
            if (p.step - 1) % max(steps / 10, 1) == 0 || p.step == steps {
                print(#"{"step": \#(p.step - 1), "loss": \#(p.loss), "grad_norm": \#(p.gradientNorm), "lr": \#(p.learningRate)}"#)
            }
        }) { _ in
            let (source, target) = try ToyNetwork.batch(count: 8, size: 32, using: &rng)
            return try network.loss(source: source, target: target)
        }
        let losses = trainer.losses
        if let first = losses.first, let last = losses.last {
            print(#"{"summary": "toy network", "first_loss": \#(first), "last_loss": \#(last), "fall": \#(first / last), "seconds": \#(Date().timeIntervalSince(started))}"#)
        }
        return losses
    }
}
