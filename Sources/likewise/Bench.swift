import ArgumentParser
import Engine
import Foundation
import Models
import PNGCodec

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure the engine and print one JSON object a line.",
        subcommands: [OpsBench.self, ImagesBench.self, FlowBench.self, EditorBench.self, TrainBench.self, EditBench.self, ApplyBench.self, MemoryBench.self, LiftBench.self]
    )
}

struct OpsBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ops",
        abstract: "Time 3×3 convolutions against this machine's own sgemm, the passes between them on one thread and on all, and count a training step's allocations.",
        discussion: """
        Build with `swift build -c release` first: debug builds are 10–50× slower. Each time is the \
        fastest of several runs (the machine is shared, and the fastest run is the one least disturbed);
        ratio_to_sgemm divides the convolution's GFLOP/s by a 1024³ cblas_sgemm's, measured in the same \
        run. Convolutions are timed at the small preset's U-Net levels (64 px × 16 channels to 8 px × \
        96) and at wider layers; SiLU, group norm and addition at each of those levels, with speedup = one \
        thread's time over all threads'.
        """
    )

    @Option(help: "Seconds to spend on each measurement (at least 3 runs each).") var budget = 1.0
    @Flag(help: "Only the passes between convolutions (SiLU, group norm, addition), 1 thread against all.") var passesOnly = false

    func run() throws {
        var rng = RandomGenerator(seed: 7)
        if passesOnly { return try measurePasses(using: &rng) }
        let sgemm = try measureSgemm()
        emit(["op": "sgemm", "m": 1024, "n": 1024, "k": 1024, "seconds": sgemm.seconds, "gflops": sgemm.gflops, "threads": Threads.count])
        try measureLayouts(sgemm: sgemm.gflops, using: &rng)
        // The small preset's U-Net levels (64 px × 16 channels … 8 px × 96), then wider layers.
        for (hw, channels) in [(64, 16), (32, 32), (16, 64), (8, 96), (16, 128), (32, 64), (32, 128), (64, 64), (64, 128)] {
            do {
                let x = try Tensor.randomNormal([8, hw, hw, channels], using: &rng)
                let w = try Tensor.randomNormal([3, 3, channels, channels], std: 0.05, using: &rng)
                let flops = 2.0 * Double(8 * hw * hw * 9 * channels * channels)
                let forward = try time {
                    _ = try Autodiff.withoutGradients { try Tensor.conv2d(x, weight: w, padding: 1) }
                }
                let seed = try Tensor(shape: [8, hw, hw, channels], repeating: 1)
                // Forward and backward with the gradient of the input, of the weight, of both.
                func backward(x xGrad: Bool, weight wGrad: Bool) throws -> Double {
                    x.requiringGrad(xGrad); w.requiringGrad(wGrad)
                    defer { x.requiringGrad(false); w.requiringGrad(false) }
                    return try time {
                        let y = try Tensor.conv2d(x, weight: w, padding: 1)
                        try y.backward(seed: seed)
                        x.grad = nil; w.grad = nil
                    }
                }
                let (input, weight, both) = (try backward(x: true, weight: false), try backward(x: false, weight: true), try backward(x: true, weight: true))
                for (pass, seconds, passFlops) in [("forward", forward, flops), ("forward+input gradient", input, 2 * flops),
                                                   ("forward+weight gradient", weight, 2 * flops), ("forward+backward", both, 3 * flops)] {
                    let gflops = passFlops / seconds / 1e9
                    emit(["op": "conv3x3", "pass": pass, "batch": 8, "channels": channels, "hw": hw,
                          "seconds": seconds, "gflops": gflops, "ratio_to_sgemm": gflops / sgemm.gflops])
                }
            }
        }
        try measurePasses(using: &rng)
        try measureTrainingStepAllocations()
    }

    /// The passes between the convolutions of a U-Net step — SiLU, group norm (alone and with
    /// SiLU fused), an addition — forward and forward+backward at each of the head's levels
    /// ([8, 64, 64, 16] … [8, 8, 8, 96]), on one thread and on all: two threads must never be
    /// slower than one, and the small levels show what a pass costs beyond its arithmetic.
    private func measurePasses(using rng: inout RandomGenerator) throws {
        for (hw, channels) in [(64, 16), (32, 32), (16, 64), (8, 96)] {
            let shape = [8, hw, hw, channels]
            let x = try Tensor.randomNormal(shape, using: &rng).requiringGrad()
            let other = try Tensor.randomNormal(shape, using: &rng)
            let gamma = try Tensor(shape: [channels], repeating: 1).requiringGrad(), beta = try Tensor.zeros([channels]).requiringGrad()
            let seed = try Tensor(shape: shape, repeating: 1)
            let passes: [(String, () throws -> Tensor)] = [
                ("silu", { try x.silu() }),
                ("groupNorm", { try Tensor.groupNorm(x, groups: 8, gamma: gamma, beta: beta) }),
                ("groupNorm+SiLU", { try Tensor.groupNorm(x, groups: 8, gamma: gamma, beta: beta, silu: true) }),
                ("add", { try x + other }),
            ]
            let all = Threads.count
            for (name, pass) in passes {
                var seconds: [Int: (forward: Double, both: Double)] = [:]
                for threads in Set([1, all]).sorted() {
                    Threads.setCount(threads)
                    let forward = try time { _ = try Autodiff.withoutGradients(pass) }
                    let both = try time {
                        try pass().backward(seed: seed)
                        x.grad = nil; gamma.grad = nil; beta.grad = nil
                    }
                    seconds[threads] = (forward, both)
                }
                Threads.setCount(all)
                for (label, key) in [("forward", \(forward: Double, both: Double).forward), ("forward+backward", \.both)] {
                    let one = seconds[1]![keyPath: key], many = seconds[all]![keyPath: key]
                    emit(["op": name, "pass": label, "shape": shape.map(String.init).joined(separator: "×"), "seconds_1_thread": one,
                          "seconds": many, "threads": all, "speedup": one / many])
                }
            }
        }
    }

    /// The fastest of at least three runs of `body`, within the time budget.
    private func time(_ body: () throws -> Void) throws -> Double {
        try body()  // warm-up: fills the buffer pool and OpenBLAS's thread pool
        var best = Double.infinity, spent = 0.0, runs = 0
        while runs < 3 || spent < budget {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            best = min(best, seconds)
            spent += seconds
            runs += 1
        }
        return best
    }

    private func measureSgemm() throws -> (seconds: Double, gflops: Double) {
        var rng = RandomGenerator(seed: 3)
        let a = try Tensor.randomNormal([1024, 1024], using: &rng), b = try Tensor.randomNormal([1024, 1024], using: &rng)
        let seconds = try time { _ = try Tensor.matmul(a, b) }
        return (seconds, 2 * pow(1024, 3) / seconds / 1e9)
    }

    /// The GEMMs a 3×3 convolution of 64 channels at batch 8 becomes in each layout: NHWC is one
    /// `[N·H·W, 9·C] × [9·C, C]` product over the whole batch; NCHW is one `[C, 9·C] × [9·C, H·W]`
    /// product per image. The layout whose GEMMs run faster on this machine is the engine's.
    private func measureLayouts(sgemm: Double, using rng: inout RandomGenerator) throws {
        let (batch, channels) = (8, 64)
        for hw in [16, 32] {
            let pixels = hw * hw, k = 9 * channels
            let flops = 2.0 * Double(batch * pixels * k * channels)
            let nhwcColumns = try Tensor.randomNormal([batch * pixels, k], using: &rng)
            let weights = try Tensor.randomNormal([k, channels], using: &rng)
            let nhwc = try time { _ = try Tensor.matmul(nhwcColumns, weights) }
            let nchwWeights = try Tensor.randomNormal([batch, channels, k], using: &rng)
            let nchwColumns = try Tensor.randomNormal([batch, k, pixels], using: &rng)
            let nchw = try time { _ = try Tensor.matmul(nchwWeights, nchwColumns) }
            for (layout, seconds) in [("NHWC", nhwc), ("NCHW", nchw)] {
                emit(["op": "conv3x3_gemm", "layout": layout, "batch": batch, "channels": channels, "hw": hw,
                      "seconds": seconds, "gflops": flops / seconds / 1e9, "ratio_to_sgemm": flops / seconds / 1e9 / sgemm])
            }
        }
    }

    /// Steps of a real training loop (forward, backward, clipping, AdamW), printing what each step
    /// asked of the system allocator: after the first, every buffer should come from the pool.
    private func measureTrainingStepAllocations() throws {
        let network = try ToyNetwork(channels: 32, seed: 1)
        let trainer = try Trainer(parameters: network.parameters, schedule: LearningRateSchedule(peak: 1e-3, warmupSteps: 0, totalSteps: 4))
        var rng = RandomGenerator(seed: 2)
        let (source, target) = try ToyNetwork.batch(count: 8, size: 32, using: &rng)
        for step in 1...4 {
            let before = BufferPool.current.statistics
            try trainer.step { try network.loss(source: source, target: target) }
            let after = BufferPool.current.statistics
            emit(["op": "train_step", "step": step, "fresh_allocations": after.freshAllocations - before.freshAllocations,
                  "fresh_bytes": after.freshBytes - before.freshBytes, "reused_buffers": after.reuses - before.reuses])
        }
    }
}

/// Prints one JSON object on one line, keys in a stable order.
func emit(_ fields: KeyValuePairs<String, Any>) { emit(fields.map { ($0.key, $0.value) }) }

/// Prints one JSON object on one line, keys in the given order.
func emit(_ fields: [(String, Any)]) {
    let body = fields.map { key, value -> String in
        let text: String
        switch value {
        case let s as String: text = "\"\(s)\""
        case let d as Double: text = String(format: "%.6g", d)
        default: text = "\(value)"
        }
        return "\"\(key)\": \(text)"
    }
    print("{" + body.joined(separator: ", ") + "}")
}

struct ImagesBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "images",
        abstract: "Time PNG encoding for display and the drawing of built-in pairs.",
        discussion: """
        Encodes a 512×512 photo-like image (a scene with sensor-like noise) at several zlib levels and \
        row filters, printing milliseconds and bytes for each (the engine displays with \"display\": level 1, \
        Sub filter); then draws 1,000 pairs of 64×64 for every built-in task. Times are the fastest of \
        several runs. Build with `swift build -c release` first.
        """
    )

    func run() throws {
        var rng = RandomGenerator(seed: 5)
        var photo = try SyntheticTask(.dayToNight).pair(index: 0, size: 256, seed: 1).source.resized(width: 512, height: 512)
        for i in 0..<photo.pixels.count { photo.pixels[i] = min(max(photo.pixels[i] + (rng.nextUnit() - 0.5) * 0.04, 0), 1) }
        let settings: [(String, Image.PNGSettings)] = [
            ("display (level 1, sub)", .display),
            ("level 1, adaptive filters", .init(level: 1, filters: 0)),
            ("level 1, no filter", .init(level: 1, filters: Int32(LIKEWISE_PNG_FILTER_NONE))),
            ("compact (level 6, adaptive)", .compact),
        ]
        for (name, setting) in settings {
            var bytes = 0
            let seconds = try fastestSeconds(runs: 10) { bytes = try photo.pngData(setting).count }
            emit(["op": "png_encode", "settings": name, "width": 512, "height": 512, "ms": seconds * 1000, "bytes": bytes])
        }
        for kind in SyntheticTask.Kind.allCases {
            let seconds = try fastestSeconds(runs: 3) { _ = try SyntheticTask(kind).pairs(count: 1000, size: 64, seed: 1) }
            emit(["op": "synth_pairs", "task": kind.rawValue, "count": 1000, "size": 64, "seconds": seconds])
        }
    }
}

struct FlowBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flow",
        abstract: "End-point error of the flow estimators against each built-in task's true displacement.",
        discussion: """
        For every built-in task, draws source pairs (i, i+1) of a held-out seed and prints, per task, \
        the mean end-point error (pixels, over the pixels where the truth is valid) of zero flow and \
        of Horn–Schunck (coarse to fine, with warping) and of the learned flow network (the shipped \
        weights, or --weights), with each estimator's seconds per pair. Build with `swift build -c \
        release` first.
        """
    )

    @Option(help: "Image size in pixels.") var size = 64
    @Option(help: "Source pairs per task.") var pairs = 20
    @Option(help: "Horn–Schunck's smoothness weight (α²).") var smoothness: Float = HornSchunck().smoothness
    @Option(help: "Flow network weights, or an effect whose flow network to measure (default: the shipped weights).") var weights: String?
    @Option(help: "Also refine the network without labels on each task's measured sources for this many steps.") var refine = 0

    func run() throws {
        var estimator = HornSchunck()
        estimator.smoothness = smoothness
        let network = try weights.map(FlowNetwork.load(from:)) ?? FlowNetwork.pretrained()
        for kind in SyntheticTask.Kind.allCases {
            let task = SyntheticTask(kind)
            var zero = 0.0, classical = 0.0, seconds = 0.0, learned = 0.0, learnedSeconds = 0.0, refined = 0.0
            let adapted = try weights.map(FlowNetwork.load(from:)) ?? FlowNetwork.pretrained()
            let started = Date()
            if refine > 0 { try adapted.refine(on: task.pairs(count: 2 * pairs, size: size, seed: 777).map(\.source), steps: refine) }
            let refineSeconds = Date().timeIntervalSince(started)
            for i in 0..<pairs {
                let (a, b) = (try task.pair(index: 2 * i, size: size, seed: 777), try task.pair(index: 2 * i + 1, size: size, seed: 777))
                let truth = try task.displacement(from: 2 * i, to: 2 * i + 1, seed: 777, size: size)
                zero += Double(try truth.endPointError(of: Tensor.zeros([1, size, size, 2])))
                let started = Date()
                let flow = try estimator.flow(from: a.source, to: b.source)
                seconds += Date().timeIntervalSince(started)
                classical += Double(try truth.endPointError(of: flow))
                let start = Date()
                let estimate = try network.flow(from: a.source, to: b.source)
                learnedSeconds += Date().timeIntervalSince(start)
                learned += Double(try truth.endPointError(of: estimate))
                if refine > 0 { refined += Double(try truth.endPointError(of: adapted.flow(from: a.source, to: b.source))) }
            }
            let n = Double(pairs)
            var fields: [(String, Any)] = [("op", "flow_epe"), ("task", kind.rawValue), ("size", size), ("pairs", pairs), ("zero_epe", zero / n),
                                           ("horn_schunck_epe", classical / n), ("horn_schunck_seconds", seconds / n),
                                           ("learned_epe", learned / n), ("learned_seconds", learnedSeconds / n)]
            if refine > 0 { fields += [("refined_epe", refined / n), ("refine_steps", refine), ("refine_seconds", refineSeconds)] }
            emit(fields)
        }
    }
}
