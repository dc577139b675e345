import ArgumentParser
import Engine
import Foundation
import Models

/// The thread count, preset and working size options `bench train` and `bench edit` share.
struct NetworkBenchOptions: ParsableArguments {
    @Option(help: "Preset: tiny, small or base.") var preset = "small"
    @Option(help: "Working size, the networks' side: a multiple of 16 from 32 to 256 (default: the preset's).") var size: Int?
    @Option(help: "Engine threads (default: LIKEWISE_THREADS or the active cores).") var threads: Int?
    @Option(help: "Timed runs per measurement (the median is reported).") var runs = 20
    @Flag(help: "Also print time by op kind and pass (forward, backward, phase) of an average step.") var profile = false

    /// The preset and the working size, after setting the thread count.
    func prepare() throws -> (preset: EditorPreset, size: Int) {
        if let threads {
            guard (1...256).contains(threads) else { throw ValidationError("--threads must be 1…256, got \(threads)") }
            Threads.setCount(threads)
        }
        guard runs >= 1 else { throw ValidationError("--runs must be ≥ 1, got \(runs)") }
        // The size is checked where a design's rules live.
        do {
            let design = try EditorDesign(preset: EditorPreset.named(preset), size: size)
            return (design.preset, design.size)
        } catch { throw ValidationError("\(error)") }
    }
}

struct TrainBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Seconds per training step of each of the editor's networks, with GFLOP/s and memory.",
        discussion: """
        Each network (head: the regression U-Net; flow: Mx's flow network; vae: the VAE; denoiser:
        the diffusion U-Net) at the preset's batch and size, on a fixed batch of random inputs:
        the median seconds of a training step (forward, backward, clipping, AdamW) and of a forward \
        pass, GFLOP/s of the convolutions and matrix products counted in a step, and the resident \
        memory before and after the timed steps and its peak. `--profile` adds where an average \
        step spends its time, by op kind and pass. bench/torch_reference.py times the same networks \
        in PyTorch; bench/compare.sh runs both. Build with `swift build -c release` first.
        """
    )

    @OptionGroup var options: NetworkBenchOptions
    @Option(parsing: .upToNextOption, help: "Networks to time (head, flow, vae, denoiser).") var networks = BenchNetwork.names

    func run() throws {
        let (preset, side) = try options.prepare()
        for name in networks {
            ResidentMemory.resetPeak()
            let network = try BenchNetwork.make(name, preset: preset, side: side, batch: preset.batch)
            let trainer = try Trainer(parameters: network.parameters, schedule: LearningRateSchedule(peak: 1e-4, warmupSteps: 0, totalSteps: 1 << 30),
                                      weightDecay: 1e-4, clipNorm: 1)
            let memoryBefore = ResidentMemory.read()
            let step = try medianSeconds(runs: options.runs) { try trainer.step(network.loss) }
            let memoryAfter = ResidentMemory.read()
            let forward = try medianSeconds(runs: options.runs) { try Autodiff.withoutGradients(network.forward) }
            let counted = Profile()
            try counted.measuring { try trainer.step(network.loss) }
            let forwardFlops = counted.entries.filter { $0.pass == .forward }.reduce(0) { $0 + $1.entry.flops }
            let fields: [(String, Any)] = [("network", name), ("preset", preset.name), ("batch", preset.batch), ("size", side),
                                           ("threads", Threads.count)]
            emit([("op", "train_step")] + fields + [
                ("parameters", network.parameters.scalarCount), ("seconds", step.median), ("fastest_seconds", step.all.min() ?? 0),
                ("forward_seconds", forward.median), ("gflops", counted.totalFlops / step.median / 1e9),
                ("forward_gflops", forwardFlops / forward.median / 1e9),
                ("rss_mib_before", memoryBefore?.current ?? 0), ("rss_mib_after", memoryAfter?.current ?? 0), ("peak_rss_mib", memoryAfter?.peak ?? 0),
            ])
            if options.profile {
                let profile = Profile()
                try profile.measuring { for _ in 0..<options.runs { try trainer.step(network.loss) } }
                emitProfile(profile, steps: options.runs, total: profile.totalSeconds / Double(options.runs), fields: fields)
            }
        }
    }
}

struct EditBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edit",
        abstract: "Seconds per edit of a structural diffusion editor, and what its networks take of it.",
        discussion: """
        A structural editor with the diffusion refiner on 20 pairs of a built-in task (trained a \
        few steps: the time does not depend on the weights) edits a held-out source with 1 and 4 \
        references, by the head alone and with 10 DDIM steps. Each line gives the median seconds \
        of the whole edit and of its networks' forward passes alone: the flow network once per \
        reference, the head on the references' batch, the denoiser once per DDIM step — the \
        composition bench/torch_reference.py times in PyTorch. The rest of an edit is choosing the \
        references, fitting the colour grids, warping and fusing. `--profile` adds the time by op \
        kind of an average edit. Build with `swift build -c release` first.
        """
    )

    @OptionGroup var options: NetworkBenchOptions
    @Option(help: "Built-in task.") var task = "blue_eyes"

    func run() throws {
        let (preset, side) = try options.prepare()
        let chosen = try SyntheticTask(named: task)
        let editor = try Editor(pairs: chosen.pairs(count: 20, size: side, seed: 1),
                                design: EditorDesign(preset: preset, size: side, pairing: .structural, diffusion: true, seed: 1))
        try editor.train(until: 3)
        let probe = try chosen.pair(index: 0, size: side, seed: 99).source
        for refs in [1, 4] {
            let flow = try BenchNetwork.make("flow", preset: preset, side: side, batch: 1)
            let head = try BenchNetwork.make("head", preset: preset, side: side, batch: refs)
            let denoiser = try BenchNetwork.make("denoiser", preset: preset, side: side, batch: refs)
            let flowSeconds = try medianSeconds(runs: options.runs) { try Autodiff.withoutGradients(flow.forward) }.median
            let headSeconds = try medianSeconds(runs: options.runs) { try Autodiff.withoutGradients(head.forward) }.median
            let denoiserSeconds = try medianSeconds(runs: options.runs) { try Autodiff.withoutGradients(denoiser.forward) }.median
            for ddim in [0, 10] {
                let sampling = try Sampling(steps: ddim)
                let edit = try medianSeconds(runs: options.runs) { _ = try editor.edit(probe, references: refs, sampling: sampling) }
                let fields: [(String, Any)] = [("preset", preset.name), ("size", side), ("refs", refs), ("ddim_steps", ddim), ("threads", Threads.count)]
                emit([("op", "edit")] + fields + [
                    ("seconds", edit.median), ("networks_seconds", Double(refs) * flowSeconds + headSeconds + Double(ddim) * denoiserSeconds),
                    ("flow_seconds", flowSeconds), ("head_seconds", headSeconds), ("denoiser_seconds", denoiserSeconds),
                    ("target_seconds", ddim > 0 ? 1.0 : 0.3),
                ])
                if options.profile {
                    let profile = Profile()
                    try profile.measuring { for _ in 0..<options.runs { _ = try editor.edit(probe, references: refs, sampling: sampling) } }
                    emitProfile(profile, steps: options.runs, total: edit.median, fields: fields)
                }
            }
        }
    }
}
