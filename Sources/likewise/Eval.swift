import ArgumentParser
import Engine
import Foundation
import Models

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train each method on the same pairs of a built-in task and score them on held-out pairs.",
        discussion: """
        Rows: identity (the source returned unchanged), n2n (the structural n-to-n editor), one2one
        (the same head trained directly, x → y) on the same --pairs pairs with the same steps, and,
        with --large N, one2one on N pairs (the pix2pix-style baseline with far more data). Held-out
        pairs come from a seed training never sees. Each row has whole-image PSNR and SSIM, and
        edit_psnr: PSNR over the pixels the edit changes (truth differs from source by more than
        0.02, dilated 2 px), with edit_cover, that region's share — whole-image PSNR cannot tell a
        small edit from none. Prints a table; --json writes the rows.
        The transformation estimator is the classical one (Horn–Schunck and a colour grid) until
        the learned one lands. Build with `swift build -c release` first.
        """
    )

    @Option(help: "Built-in task: \(SyntheticTask.Kind.allCases.map(\.rawValue).joined(separator: ", ")).") var task = "blue_eyes"
    @Option(help: "Training pairs.") var pairs = 20
    @Option(help: "Held-out pairs.") var heldout = 200
    @Option(help: "Preset: tiny, small or base.") var preset = "small"
    @Option(help: "Training steps of every trained method (default: the preset's).") var steps: Int?
    @Option(help: "References fused per edit.") var refs = 1
    @Option(help: "Also train one2one on this many pairs (the pix2pix-style baseline with more data); 0 skips it.") var large = 0
    @Option(help: "Seed of the training pairs and the weights.") var seed: UInt64 = 1
    @Option(help: "Write the rows as JSON here.") var json: String?

    func validate() throws {
        guard (2...1000).contains(pairs) else { throw ValidationError("--pairs must be 2…1000, got \(pairs)") }
        guard (1...10_000).contains(heldout) else { throw ValidationError("--heldout must be 1…10000, got \(heldout)") }
        guard large == 0 || (2...100_000).contains(large) else { throw ValidationError("--large must be 0 or 2…100000, got \(large)") }
        guard (1...64).contains(refs) else { throw ValidationError("--refs must be 1…64, got \(refs)") }
    }

    func run() throws {
        let chosen = try SyntheticTask(named: task), settings = try EditorPreset.named(preset)
        let steps = self.steps ?? settings.steps
        let training = try chosen.pairs(count: max(pairs, large), size: settings.size, seed: seed)
        // A seed far from any training seed: these pairs are never trained on.
        let test = try chosen.pairs(count: heldout, size: settings.size, seed: seed &+ 1_000_003)
        var rows = [try EvaluationRow.score(method: "identity", pairs: 0, steps: 0, trainSeconds: 0, on: test) { $0 }]
        report(rows[0])
        var runs: [(String, Pairing, Int)] = [("n2n", .structural, pairs), ("one2one", .one2one, pairs)]
        if large > 0 { runs.append(("pix2pix", .one2one, large)) }
        for (method, pairing, count) in runs {
            let started = Date()
            let editor = try Editor(pairs: Array(training.prefix(count)), preset: settings, pairing: pairing, seed: seed)
            try editor.train(until: steps, progress: { p in
                if p.step % max(steps / 10, 1) == 0 {
                    FileHandle.standardError.write(Data(String(format: "%@@%d step %d/%d loss %.4f (%.1f steps/s)\n", method, count, p.step, steps, p.loss, p.stepsPerSecond).utf8))
                }
            })
            let seconds = Date().timeIntervalSince(started)
            rows.append(try EvaluationRow.score(method: method, pairs: count, steps: steps, trainSeconds: seconds, on: test) {
                try editor.edit($0, references: refs).image
            })
            report(rows[rows.count - 1])
        }
        if let json {
            let document = EvaluationDocument(task: task, pairs: pairs, heldout: heldout, preset: preset, rows: rows)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(document).write(to: URL(fileURLWithPath: json), options: .atomic)
        }
    }

    private func report(_ row: EvaluationRow) {
        let edit = row.editPSNR.map { String(format: "%6.2f", $0) } ?? "     —"
        print(row.method.padding(toLength: 9, withPad: " ", startingAt: 0)
              + String(format: "%5d pairs  PSNR %6.2f  SSIM %.4f  edit PSNR %@  cover %.3f  %5d steps  %7.1f s",
                       row.pairs, row.psnr, row.ssim, edit, row.editCover, row.steps, row.trainSeconds))
    }
}

/// What `likewise eval --json` writes.
struct EvaluationDocument: Codable {
    let task: String
    let pairs: Int
    let heldout: Int
    let preset: String
    let rows: [EvaluationRow]
}
