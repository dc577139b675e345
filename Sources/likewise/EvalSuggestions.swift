import ArgumentParser
import Engine
import Foundation
import Models

extension Eval {
    /// `--suggest-rounds`: for each seed, a `SuggestionTrial` from --pairs pairs over a pool of
    /// --pool more (drawn with them, so their names differ), scored on the held-out pairs; then
    /// each arm's curve over the seeds and its difference from random's, --json the trials and
    /// their summary, --png the curves.
    func runSuggestionTrials(rounds: Int, seeds: [UInt64]) throws {
        let settings = try EditorPreset.named(preset)
        let side = size ?? settings.size, trainingSteps = steps ?? settings.steps
        let view = try WorkingView(named: self.view)
        let pairing = try PairingRequest(named: self.pairing)
        var trials: [SuggestionTrial] = [], name = ""
        for (k, seed) in seeds.enumerated() {
            let drawn = try data.map { try ownPairs(in: $0, count: pairs + pool, asked: "--pairs \(pairs) with --pool \(pool)", seed: seed) } ?? builtInPairs(count: pairs + pool, size: side, seed: seed)
            name = drawn.0
            let heldout = try drawn.2.map { try view.fitted($0, to: side) }
            print("\(k == 0 ? "" : "\n")\(name), seed \(seed)\(seeds.count > 1 ? " (\(k + 1) of \(seeds.count))" : ""): \(pairs) pairs to start, "
                  + "\(drawn.1.count - pairs) unedited to choose from, \(heldout.count) held out; \(trainingSteps) steps a round, \(side) px")
            let design = try EditorDesign(preset: settings, size: side, view: view, pairing: pairing, seed: seed, flow: FlowMethod(named: flowEstimator))
            trials.append(try SuggestionTrial.run(start: Array(drawn.1.prefix(pairs)), pool: Array(drawn.1.dropFirst(pairs)), heldout: heldout,
                                                  design: design, steps: trainingSteps, rounds: rounds, references: refs, seed: seed,
                                                  say: { print($0); fflush(nil) }))  // each round as it comes, into a file too
        }
        let summary = try SuggestionTrial.Summary(trials)
        print("\nheld-out edit PSNR after each round\(seeds.count > 1 ? ", mean ± standard deviation over \(seeds.count) seeds" : "")")
        for r in summary.pairs.indices {
            print("\(summary.pairs[r]) pairs".padding(toLength: 10, withPad: " ", startingAt: 0)
                  + summary.arms.map { "\($0.arm.rawValue) \($0.curve[r].text)" }.joined(separator: "  ") + (r == 0 ? "  (the start, shared)" : ""))
        }
        print("against random, paired by seed, round by round and over rounds 1…\(rounds)")
        for arm in summary.arms {
            guard let gaps = arm.versusRandom, let mean = arm.meanVersusRandom else { continue }
            for r in summary.pairs.indices.dropFirst() {
                print("\(arm.arm.rawValue) − random at \(summary.pairs[r]) pairs: \(gaps[r].text)")
            }
            print("\(arm.arm.rawValue) − random over rounds 1…\(rounds): \(mean.text)")
        }
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(SuggestionTrialDocument(task: name, pairs: pairs, pool: pool, heldout: heldout, preset: preset, size: side, pairing: self.pairing,
                                                       steps: trainingSteps, trials: trials, summary: summary)).write(to: URL(fileURLWithPath: json), options: .atomic)
        }
        if let png {
            let x = summary.pairs.map(Double.init)
            var plot = LinePlot(summary.arms.map { .init($0.arm.rawValue, points: Array(zip(x, $0.curve.map(\.mean)))) },
                                title: "\(name): a pair added each round (\(seeds.count) seed\(seeds.count == 1 ? "" : "s"))",
                                xLabel: "training pairs", yLabel: "held-out edit PSNR (dB)")
            plot.width = 520
            try plot.render().write(to: png)
        }
    }
}

/// What `likewise eval --suggest-rounds --json` writes.
struct SuggestionTrialDocument: Codable {
    let task: String
    /// The starting pairs, the pool, the held-out pairs asked for.
    let pairs: Int, pool: Int, heldout: Int
    let preset: String, size: Int, pairing: String
    /// Training steps a round.
    let steps: Int
    let trials: [SuggestionTrial]
    let summary: SuggestionTrial.Summary
}
