import ArgumentParser
import Engine
import Foundation
import Models
import Script

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The main job on a built-in task: train an effect from its pairs, edit held-out images, write pictures and out/index.html.",
        discussion: """
        Draws --pairs pairs of --task, builds the few-shot editor on them (the n-to-n structural \
        pairing by default: each edit starts from a training pair's edit carried onto the new \
        image by flow and colour), trains it for --steps steps, edits --heldout pairs it never \
        saw, and writes into --out: tasks.png (one pair of every built-in task), pairs.png (the \
        training pairs), flow.png (the learned flow between two sources beside the true one, \
        with end-point errors), carried.png (a reference pair's edit carried onto another \
        source: what the structural output starts from), loss.png (the training loss), \
        edits.png (held-out sources, their edits and the truth), metrics.png (PSNR, SSIM and \
        the PSNR where the edit is, against the identity) and index.html with all of them.
        Progress is printed as JSON lines.
        Example: likewise demo --task old --steps 1000 --out out/old
        """
    )

    @Option(help: "Built-in task: \(SyntheticTask.Kind.allCases.map(\.rawValue).joined(separator: ", ")).") var task = "blue_eyes"
    @Option(help: "Training pairs.") var pairs = 20
    @Option(help: "Preset: \(EditorPreset.all.map(\.name).joined(separator: ", ")).") var preset = "small"
    @Option(help: "Pairing: \(Pairing.names).") var pairing = "structural"
    @Option(help: "Training steps.") var steps = 600
    @Option(help: "Held-out pairs to edit and score.") var heldout = 40
    @Option(help: "Random seed for pairs, weights and data.") var seed: UInt64 = 1
    @Option(help: "Folder for the pictures and index.html.") var out = "out"

    func validate() throws {
        _ = try SyntheticTask(named: task)
        _ = try EditorPreset.named(preset)
        guard Pairing(rawValue: pairing) != nil else { throw ValidationError("--pairing must be one of \(Pairing.names), got \(pairing)") }
        guard (2...200).contains(pairs) else { throw ValidationError("--pairs must be 2…200, got \(pairs)") }
        guard (1...100_000).contains(steps) else { throw ValidationError("--steps must be 1…100000, got \(steps)") }
        guard (1...1000).contains(heldout) else { throw ValidationError("--heldout must be 1…1000, got \(heldout)") }
    }

    func run() throws {
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let chosen = try SyntheticTask(named: task), preset = try EditorPreset.named(preset)
        let size = preset.size
        let training = try chosen.pairs(count: pairs, size: size, seed: seed)
        let test = try chosen.pairs(count: heldout, size: size, seed: seed &+ 1_000_003)
        let firsts = try SyntheticTask.Kind.allCases.map { try SyntheticTask($0).pair(index: 0, size: size, seed: seed) }
        try write(Figure.layout([firsts.map { Figure.Tile($0.source, title: $0.name) }, firsts.map { Figure.Tile($0.target) }],
                                rowLabels: ["source", "target"]), "tasks.png")
        try write(Figure.pairGrid(training, columns: 10), "pairs.png")

        let started = Date()
        let editor = try Editor(pairs: training, design: EditorDesign(preset: preset, pairing: PairingRequest(named: pairing), seed: seed))
        try writeFlow(editor, task: chosen)
        print(#"{"task": "\#(task)", "pairs": \#(pairs), "preset": "\#(preset.name)", "pairing": "\#(pairing)", "cases_seconds": \#(Date().timeIntervalSince(started))}"#)
        try editor.train(until: steps, progress: { p in
            if p.step % max(steps / 10, 1) == 0 || p.step == steps {
                print(#"{"step": \#(p.step), "loss": \#(p.loss), "steps_per_second": \#(p.stepsPerSecond)}"#)
            }
        })
        let trainSeconds = Date().timeIntervalSince(started)
        try write(LinePlot([.init("loss", values: editor.trainer.losses.map(Double.init))], title: "training loss",
                           xLabel: "step", yLabel: "loss", logY: true).render(), "loss.png")

        let identity = try EvaluationRow.score(method: "identity", pairs: 0, steps: 0, trainSeconds: 0, on: test) { $0 }
        let model = try EvaluationRow.score(method: pairing, pairs: pairs, steps: steps, trainSeconds: trainSeconds, on: test) {
            try editor.edit($0).image
        }
        let shown = Array(test.prefix(8))
        let edits = try shown.map { try editor.edit($0.source).image }
        try write(Figure.layout([shown.map { Figure.Tile($0.source) },
                                 try zip(edits, shown).map { edit, pair in
                                     Figure.Tile(edit, lines: [try EditRegion(source: pair.source, truth: pair.target).psnr(edit, pair.target)
                                         .map { String(format: "%.1f dB", $0) } ?? "—"])
                                 },
                                 shown.map { Figure.Tile($0.target) }],
                                rowLabels: ["source", "edit", "truth"], heading: "\(task): held-out pairs, PSNR where the edit is"), "edits.png")
        let metrics = Table(columns: EvaluationRow.tableColumns, rows: [identity, model].map(\.tableCells))
        try write(metrics.picture(), "metrics.png")
        try writeIndex(metrics: metrics)
        print(#"{"summary": "editor", "edit_psnr": \#(model.editPSNR ?? .nan), "identity_edit_psnr": \#(identity.editPSNR ?? .nan), "psnr": \#(model.psnr), "train_seconds": \#(trainSeconds)}"#)
    }

    private func write(_ image: Image, _ name: String) throws {
        try image.write(to: out + "/" + name)
    }

    /// The flow the editor's Mx finds between training sources 0 and 1, beside the truth, and
    /// pair 0's edit carried onto source 1.
    private func writeFlow(_ editor: Editor, task: SyntheticTask) throws {
        let (reference, target) = (editor.pairs[0], editor.pairs[1])
        let mx = try Transformation.estimate(reference: reference.source, target: target.source, flowEstimator: editor.flowEstimator)
        let truth = try task.displacement(from: 1, to: 0, seed: seed, size: editor.preset.size)
        let zero = try truth.endPointError(of: Tensor.zeros([1, truth.height, truth.width, 2]))
        try write(Figure.comparison([
            Figure.Tile(try Figure.flowField(mx.flow, title: "learned"), lines: [String(format: "end-point error %.2f px", try truth.endPointError(of: mx.flow))]),
            Figure.Tile(try Figure.flowField(truth.tensor, title: "true"), lines: [String(format: "zero flow: %.2f px", zero)]),
        ], heading: "flow from source 1 into source 0"), "flow.png")
        let (carriedSource, carriedTarget) = (try mx.carry(reference.source), try mx.carry(reference.target))
        var start = target.source
        for i in start.pixels.indices { start.pixels[i] = min(max(target.source.pixels[i] + carriedTarget.pixels[i] - carriedSource.pixels[i], 0), 1) }
        try write(Figure.strip([reference.source, reference.target, target.source, start, target.target],
                               captions: ["x0", "y0", "x1", "x1 + carried edit", "y1 (truth)"],
                               heading: "pair 0's edit carried onto source 1: where the structural output starts"), "carried.png")
    }

    /// out/index.html: every picture and the metrics, with the command that made them. (Every
    /// name in it is one the options were validated against: nothing to escape but the table.)
    private func writeIndex(metrics: Table) throws {
        let sections = [("The built-in tasks", "tasks.png"), ("The training pairs", "pairs.png"),
                        ("What Mx sees: the flow", "flow.png"), ("The carried edit", "carried.png"),
                        ("Training", "loss.png"), ("Held-out edits", "edits.png")]
        let body = sections.map { "<h2>\($0.0)</h2>\n<img src=\"\($0.1)\" alt=\"\($0.0)\">" }.joined(separator: "\n")
        let html = """
        <!doctype html>
        <html><head><meta charset="utf-8"><title>Likewise demo: \(task)</title>
        <style>body{font-family:sans-serif;max-width:1200px;margin:2em auto}img{image-rendering:pixelated;max-width:100%}
        td,th{padding:.2em .8em;text-align:right}th{border-bottom:1px solid #888}</style></head>
        <body><h1>Likewise: \(task), \(pairs) pairs, \(pairing), \(steps) steps</h1>
        <p>Made by <code>likewise demo --task \(task) --pairs \(pairs) --preset \(preset) --pairing \(pairing) --steps \(steps) --heldout \(heldout) --seed \(seed)</code>.
        Scores are over \(heldout) held-out pairs; "edit PSNR" is measured where the edit happens, beside the identity (the source returned unchanged).</p>
        <h2>Metrics</h2>
        \(metrics.html)
        \(body)
        </body></html>

        """
        do {
            try Data(html.utf8).write(to: URL(fileURLWithPath: out + "/index.html"), options: .atomic)
        } catch {
            throw ImageError.unwritable(path: out + "/index.html", reason: error.localizedDescription)
        }
    }
}
