import ArgumentParser
import Engine
import Foundation
import Models

struct MemoryBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "memory",
        abstract: "Resident memory over a long training run, every 500 steps: whether it stays flat.",
        discussion: """
        An editor of --preset trains --steps steps on 8 pairs of a built-in task, and the resident \
        set is read every 500 steps. A notebook trains one model for hours: memory that grows with \
        the steps (a kept graph, a cache never emptied) ends the session. The last line gives the \
        resident set at the end over that at step 500; the target is at most 1.1. Build with \
        `swift build -c release` first.
        """
    )

    @Option(help: "Preset: tiny, small or base.") var preset = "tiny"
    @Option(help: "Training steps, at least 1000.") var steps = 5000
    @Option(help: "Built-in task.") var task = "old"
    @Option(help: "Pairing: \(Pairing.names).") var pairing = "structural"

    func validate() throws {
        guard (1000...1_000_000).contains(steps) else { throw ValidationError("--steps must be 1000…1000000, got \(steps)") }
    }

    func run() throws {
        let settings = try EditorPreset.named(preset)
        let pairs = try SyntheticTask(named: task).pairs(count: 8, size: settings.size, seed: 1)
        let editor = try Editor(pairs: pairs, design: EditorDesign(preset: settings, pairing: PairingRequest(named: pairing), seed: 1))
        let kind: [(String, Any)] = [("preset", settings.name), ("pairing", pairing), ("task", task)]
        var first: Double?, last = 0.0
        for step in stride(from: 500, through: steps, by: 500) {
            try editor.train(until: step)
            last = ResidentMemory.read()?.current ?? 0
            if first == nil { first = last }
            emit([("op", "train_memory")] + kind + [("step", step), ("rss_mib", last), ("over_step_500", last / max(first ?? last, 1e-9))])
        }
        emit([("op", "train_memory_growth")] + kind + [("steps", steps), ("rss_mib_at_500", first ?? 0), ("rss_mib_at_end", last),
                                                       ("growth", last / max(first ?? last, 1e-9)), ("target", 1.1)])
    }
}
