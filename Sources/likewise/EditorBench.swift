import ArgumentParser
import Engine
import Foundation
import Models

struct EditorBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "editor",
        abstract: "Time the editor: preparing the n-to-n cases, a training step of each pairing, an edit.",
        discussion: """
        On 20 pairs of a built-in task at a preset: the seconds to prepare the N·(N−1) cases (a flow \
        and a colour grid each), steps per second of each pairing (after warm-up) and the time the \
        preset's default steps would take at that speed, and the seconds of one edit with 1 and 4 \
        references (the fastest of several), and of a tune slider's redraw (that edit enlarged and \
        encoded as PNG). Then the same for a structural editor with the diffusion refiner, its edit \
        sampled with 10 DDIM steps; and the training speed of a structural editor with Mx trained \
        end to end, with and without the refiner. The editor's targets: a default run ≤ 600 s, an edit and a \
        slider's redraw at 64 px ≤ 0.3 s (with 10 DDIM steps ≤ 1 s). Build with `swift build -c \
        release` first.
        """
    )

    @Option(help: "Built-in task.") var task = "blue_eyes"
    @Option(help: "Preset: tiny, small or base.") var preset = "small"
    @Option(help: "Training steps timed per pairing.") var steps = 20

    func run() throws {
        let settings = try EditorPreset.named(preset)
        let chosen = try SyntheticTask(named: task)
        let pairs = try chosen.pairs(count: 20, size: settings.size, seed: 1)
        let probe = try chosen.pair(index: 0, size: settings.size, seed: 99).source
        let designs = try Pairing.allCases.map { try EditorDesign(preset: settings, pairing: .fixed($0)) }
            + [(false, true), (true, false), (true, true)].map { try EditorDesign(preset: settings, pairing: .structural, diffusion: $0, endToEnd: $1) }
        for design in designs {
            let started = Date()
            let editor = try Editor(pairs: pairs, design: design)
            let (pairing, diffusion, endToEnd) = (editor.pairing, design.diffusion, design.endToEnd)
            let kind: [(String, Any)] = [("pairing", pairing.rawValue), ("diffusion", diffusion), ("end_to_end", endToEnd), ("preset", settings.name)]
            let editTarget = diffusion ? 1.0 : 0.3
            if pairing.carriesReferences && !diffusion && !endToEnd {
                emit(["op": "editor_prepare", "pairing": pairing.rawValue, "preset": settings.name, "pairs": pairs.count,
                      "cases": pairs.count * (pairs.count - 1), "seconds": Date().timeIntervalSince(started)])
            }
            try editor.train(until: 3)
            let timed = Date()
            try editor.train(until: 3 + steps)
            let rate = Double(steps) / Date().timeIntervalSince(timed)
            emit([("op", "editor_train")] + kind + [("batch", settings.batch), ("steps_per_second", rate), ("default_steps", settings.steps),
                                                    ("projected_seconds", Double(settings.steps) / rate), ("target_seconds", 600)])
            // An end-to-end editor edits as the fixed one does: only its training is timed.
            for refs in endToEnd ? [] : pairing.carriesReferences ? [1, 4] : [1] {
                let best = try fastestSeconds(runs: 5) { _ = try editor.edit(probe, references: refs) }
                emit([("op", "editor_edit")] + kind + [("refs", refs), ("ddim_steps", editor.defaultSampling.steps), ("seconds", best),
                                                       ("target_seconds", editTarget)])
                // What a tune slider's move costs: the edit at the new value, enlarged and encoded
                // as the PNG the image widget receives.
                let redraw = try fastestSeconds(runs: 5) { _ = try Figure.displayed(editor.edit(probe, references: refs).image).pngData() }
                emit([("op", "tune_redraw")] + kind + [("refs", refs), ("seconds", redraw), ("target_seconds", editTarget)])
            }
        }
    }
}
