import Engine
import Foundation
import Models

/// One of the editor's networks with a fixed batch of random inputs: what `likewise bench train`
/// and `bench edit` time, and what `bench/torch_reference.py` builds again layer for layer in
/// PyTorch (the same layers, widths, norms, attention and losses; `bench/compare.sh` checks that
/// both count the same parameters).
///
/// - `head`: the regression U-Net of the structural pairing (12 channels in), L1 loss.
/// - `flow`: Mx's flow network over its whole pyramid (pools, warps, cost volumes, the shared
///   block), L1 on the finest flow.
/// - `vae`: the VAE of `LatentCeiling` (a quarter-side latent of 4 channels, skip features from
///   6 channels, noise injection), its own loss (L1, frequency, KL).
/// - `denoiser`: the diffusion refiner's time-conditioned U-Net (18 channels in), MSE on x̂₀.
final class BenchNetwork {
    static let names = ["head", "flow", "vae", "denoiser"]

    let name: String
    let parameters: Parameters
    /// The training loss on the fixed batch, forward pass included.
    let loss: () throws -> Tensor
    /// The forward pass alone (call it inside `Autodiff.withoutGradients`).
    let forward: () throws -> Void

    private init(name: String, parameters: Parameters, loss: @escaping () throws -> Tensor, forward: @escaping () throws -> Void) {
        (self.name, self.parameters, self.loss, self.forward) = (name, parameters, loss, forward)
    }

    /// The network `name` at `preset`'s widths, with inputs of `batch` images of `side × side`.
    static func make(_ name: String, preset: EditorPreset, side: Int, batch: Int) throws -> BenchNetwork {
        var rng = RandomGenerator(seed: 11)
        func images(_ channels: Int) throws -> Tensor { try Tensor.randomUniform([batch, side, side, channels], using: &rng) }
        switch name {
        case "head", "denoiser":
            let denoiser = name == "denoiser"
            let configuration = UNetConfiguration(inputChannels: denoiser ? 18 : 12, outputChannels: 3, widths: preset.widths, groups: preset.groups,
                                                  attention: true, zeroOutput: true, timeChannels: denoiser ? 4 * preset.widths[0] : 0)
            let parameters = Parameters()
            let network = try UNet(parameters, configuration, using: &rng)
            let (input, target) = (try images(configuration.inputChannels) * 2 - 1, try images(3))
            let times = denoiser ? (0..<batch).map { _ in rng.nextUnit() } : nil
            let loss = denoiser ? Tensor.mseLoss : Tensor.l1Loss
            return BenchNetwork(name: name, parameters: parameters, loss: { try loss(network(input, times: times), target) },
                                forward: { _ = try network(input, times: times) })
        case "flow":
            let network = try FlowNetwork(seed: 3)
            let (first, second) = (try Tensor.randomNormal([batch, side, side, 3], using: &rng), try Tensor.randomNormal([batch, side, side, 3], using: &rng))
            let target = try Tensor.randomNormal([batch, side, side, 2], using: &rng)
            return BenchNetwork(name: name, parameters: network.parameters, loss: { try Tensor.l1Loss(network.finestFlow(first, second), target) },
                                forward: { _ = try network.finestFlow(first, second) })
        case "vae":
            let vae = try VAE(VAEConfiguration(widths: Array(preset.widths.prefix(3)), groups: preset.groups, latentChannels: 4, skipChannels: 6))
            let (target, skip) = (try images(3), try images(6))
            var noise = RandomGenerator(seed: 12)
            return BenchNetwork(name: name, parameters: vae.parameters, loss: { try vae.loss(target, skip: skip, using: &noise) },
                                forward: { _ = try vae.decode(vae.encode(target).mean, skip: skip, using: &noise) })
        default:
            throw EngineError.invalidArgument(op: "bench", message: "unknown network '\(name)'; the networks are \(names.joined(separator: ", "))")
        }
    }
}

/// The process's resident memory, from /proc/self/status.
enum ResidentMemory {
    /// Current and peak (since the last `resetPeak`) resident set, in MiB; nil where unreadable.
    static func read() -> (current: Double, peak: Double)? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        func field(_ name: String) -> Double? {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }) else { return nil }
            return line.split(separator: " ").dropFirst().first.flatMap { Double($0) }.map { $0 / 1024 }
        }
        guard let current = field("VmRSS"), let peak = field("VmHWM") else { return nil }
        return (current, peak)
    }

    /// Starts the peak over from the current resident set (Linux's `clear_refs` 5).
    static func resetPeak() { try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8) }
}

/// The seconds of each of `runs` timed runs of `body`, after one unmeasured run (which fills the
/// buffer pool and the caches).
func timings(runs: Int, _ body: () throws -> Void) throws -> [Double] {
    try body()
    return try (0..<max(runs, 1)).map { _ in
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}

/// The median of `runs` timings of `body` (see `timings`), and every timing.
func medianSeconds(runs: Int, _ body: () throws -> Void) throws -> (median: Double, all: [Double]) {
    let seconds = try timings(runs: runs, body)
    return (seconds.sorted()[seconds.count / 2], seconds)
}

/// The fastest of `runs` timings of `body`: on a shared machine, the least disturbed.
func fastestSeconds(runs: Int, _ body: () throws -> Void) throws -> Double {
    try timings(runs: runs, body).min() ?? 0
}

/// Prints `profile`'s entries, each an average over `steps`, largest first, with its share of
/// `total` seconds.
func emitProfile(_ profile: Profile, steps: Int, total: Double, fields: [(String, Any)]) {
    let n = Double(max(steps, 1))
    for (kind, pass, entry) in profile.entries.sorted(by: { $0.entry.seconds > $1.entry.seconds }) {
        var line: [(String, Any)] = [("op", "profile")] + fields + [("pass", pass.rawValue), ("kind", kind), ("calls", entry.calls / max(steps, 1)),
                                                                   ("seconds", entry.seconds / n), ("share", entry.seconds / n / total)]
        if entry.flops > 0 { line.append(("gflops", entry.flops / entry.seconds / 1e9)) }
        emit(line)
    }
}
