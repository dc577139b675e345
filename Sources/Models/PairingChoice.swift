import Engine
import Foundation

/// The `auto` pairing: which way of learning suits this user's effect, decided on their own
/// pairs. A few pairs are held out; each candidate trains on the rest for the same short run and
/// is scored where the edit happens on the held-out ones; the best is chosen, and the scores say
/// why.
public struct PairingChoice: Sendable {
    /// The candidates, in the order they are tried (ties go to the earlier).
    public static let candidates: [Pairing] = [.structural, .implicit, .one2one]

    /// The chosen pairing.
    public let pairing: Pairing
    /// Each candidate's edit-region PSNR on the held-out pairs (whole-image PSNR when the pairs
    /// have no edit region), in `candidates` order.
    public let scores: [(pairing: Pairing, psnr: Double)]
    /// How many pairs were held out, and the steps each candidate trained.
    public let heldOut: Int, steps: Int

    /// One line for the user: what was chosen and on what evidence.
    public var reason: String {
        guard heldOut > 0 else { return "\(pairing.rawValue): untried, as there were too few pairs to hold some out (or nothing to choose from)" }
        let others = scores.filter { $0.pairing != pairing }.map { String(format: "%@ %.2f", $0.pairing.rawValue, $0.psnr) }
        let best = scores.first { $0.pairing == pairing }?.psnr ?? 0
        return String(format: "%@: %.2f dB where the edit is, on %d held-out pairs after %d steps each (%@)",
                      pairing.rawValue, best, heldOut, steps, others.joined(separator: ", "))
    }

    /// The fewest steps a candidate trains, whatever the budget: fewer say nothing about it.
    public static let fewestSteps = 5

    /// Chooses among `candidates` for `pairs` and a `design` whose pairing is left to `auto`:
    /// holds out a fifth of them (1 to 4; none with fewer than 3 pairs, and then the first
    /// candidate is chosen untried), trains each candidate for `steps` (default a tenth of the
    /// preset's) on the rest — a plain editor of the design's preset, seed and flow — and scores it
    /// on the held-out pairs. With a `budget` (seconds), every candidate trains the steps that fit
    /// its share of it at the first candidate's pace (its preparation and first two steps
    /// measured; `fewestSteps` at least). `say` hears the plan before the work starts; `progress`
    /// which candidate is training, how far it is and about how long the choice has left.
    public static func choose(among candidates: [Pairing] = candidates, for pairs: [Pair], design: EditorDesign, steps: Int? = nil,
                              budget: Double? = nil, flowEstimator: @autoclosure () throws -> any FlowEstimator,
                              checkInterrupt: () throws -> Void = {}, say: (String) -> Void = { _ in },
                              progress: (String) -> Void = { _ in }) throws -> PairingChoice {
        let (preset, seed) = (design.preset, design.seed)
        guard let first = candidates.first else { throw EngineError.invalidArgument(op: "auto", message: "no pairings to choose among") }
        if let budget, !(budget > 0 && budget.isFinite) {
            throw EngineError.invalidArgument(op: "auto", message: "the budget must be a positive number of seconds, got \(budget)")
        }
        guard pairs.count >= 3, candidates.count > 1 else { return PairingChoice(pairing: first, scores: [], heldOut: 0, steps: 0) }
        var steps = steps ?? max(preset.steps / 10, 10)
        let heldOut = min(max(pairs.count / 5, 1), 4)
        say("auto: trying \(candidates.map(\.rawValue).joined(separator: ", ")) for \(steps) steps each on \(pairs.count - heldOut) pairs, "
            + "scored on \(heldOut) held out" + (budget.map { String(format: " (fewer steps if they would take over %.0f s)", $0) } ?? ""))
        var order = Array(pairs.indices)
        var rng = RandomGenerator(seed: seed &+ 7)
        order.shuffle(using: &rng)
        let validation = try order.prefix(heldOut).map { try design.view.fitted(pairs[$0], to: design.size) }, training = order.dropFirst(heldOut).map { pairs[$0] }
        var scores: [(pairing: Pairing, psnr: Double)] = []
        let started = Date()
        for (k, candidate) in candidates.enumerated() {
            let candidateStarted = Date()
            let editor = try Editor(pairs: training, design: EditorDesign(preset: preset, size: design.size, pairing: .fixed(candidate),
                                                                                seed: seed, flow: design.flow),
                                    flowEstimator: flowEstimator(),
                                    checkInterrupt: checkInterrupt,
                                    progress: { done, total in progress("\(candidate.rawValue): preparing case \(done)/\(total)") })
            if k == 0, let budget {
                let prepared = Date()
                let probe = min(2, steps)
                try editor.train(until: probe, checkInterrupt: checkInterrupt)
                let perStep = Date().timeIntervalSince(prepared) / Double(probe), preparation = prepared.timeIntervalSince(candidateStarted)
                let fitting = (budget / Double(candidates.count) - preparation) / max(perStep, 1e-9)
                let capped = max(fewestSteps, min(steps, fitting.isFinite ? Int(min(fitting, Double(Int32.max))) : steps))
                if capped < steps { say("auto: \(capped) steps each, to fit \(String(format: "%.0f", budget)) s at \(String(format: "%.2f", perStep)) s a step") }
                steps = capped
            }
            try editor.train(until: steps, checkInterrupt: checkInterrupt) { p in
                // The whole choice's pace so far: each candidate's steps count alike.
                let done = Double(k * steps + p.step) / Double(candidates.count * steps)
                let left = Date().timeIntervalSince(started) * (1 - done) / max(done, 1e-9)
                progress("\(candidate.rawValue): step \(p.step)/\(steps), about \(String(format: "%.0f", left)) s left")
            }
            let row = try EvaluationRow.score(method: candidate.rawValue, pairs: training.count, steps: steps, trainSeconds: 0,
                                              on: validation, checkInterrupt: checkInterrupt) { try editor.edit($0).image }
            scores.append((candidate, row.editPSNR ?? row.psnr))
        }
        let best = scores.indices.max { scores[$0].psnr < scores[$1].psnr || (scores[$0].psnr == scores[$1].psnr && $0 > $1) } ?? 0
        return PairingChoice(pairing: scores[best].pairing, scores: scores, heldOut: heldOut, steps: steps)
    }
}
