import Engine
import Foundation

/// The `auto` pairing: which way of learning suits this user's effect, decided on their own
/// pairs. A few pairs are held out; every candidate trains on the rest and is scored where the
/// edit happens on them. Successive halving spends the time where it matters: after each round
/// the worse half of the candidates stop, and the rest train on for `growth` times as many steps,
/// so the final comparison is made between the close ones, trained longest. A plan may also
/// average the scores over folds, each holding other pairs out — measured, it costs more than it
/// gives within the same time (docs/RESULTS.md, "auto's regret"). The best is chosen, and the
/// scores say why.
public struct PairingChoice: Sendable {
    /// The candidates, in the order they are tried (ties go to the earlier).
    public static let candidates: [Pairing] = [.structural, .implicit, .one2one]

    /// How the choice is made: over how many folds, in how many rounds of halving, each round's
    /// steps `growth` times the last's.
    public struct Plan: Sendable, Equatable {
        public let folds: Int, rounds: Int, growth: Int

        public init(folds: Int, rounds: Int, growth: Int = 3) {
            (self.folds, self.rounds, self.growth) = (max(folds, 1), max(rounds, 1), max(growth, 1))
        }

        /// What `auto` does: one split, two rounds.
        public static let standard = Plan(folds: 1, rounds: 2)
        /// Two folds, two rounds: within the same steps each candidate is scored on twice the
        /// held-out pairs, after a third of the steps.
        public static let folded = Plan(folds: 2, rounds: 2)
        /// One split, one round: every candidate the same run, scored on one held-out set.
        public static let single = Plan(folds: 1, rounds: 1)

        /// Each round's candidates and steps (cumulative) when `count` candidates start and the
        /// first round trains `first` steps: a round halves the candidates (rounding up) and
        /// multiplies the steps by `growth`; rounds end when one candidate is left.
        func rounds(candidates count: Int, first: Int) -> [(alive: Int, steps: Int)] {
            var schedule = [(alive: count, steps: first)]
            while schedule.count < rounds, schedule[schedule.count - 1].alive > 2 {
                let last = schedule[schedule.count - 1]
                schedule.append(((last.alive + 1) / 2, min(last.steps, Int(Int32.max)) * growth))
            }
            return schedule
        }

        /// The training steps the whole choice costs, in units of the first round's steps: every
        /// fold of every surviving candidate trains each round's increment.
        func cost(candidates count: Int, folds: Int) -> Int {
            let schedule = rounds(candidates: count, first: 1)
            return folds * schedule.indices.reduce(0) { $0 + schedule[$1].alive * (schedule[$1].steps - ($1 == 0 ? 0 : schedule[$1 - 1].steps)) }
        }
    }

    /// The chosen pairing.
    public let pairing: Pairing
    /// Each candidate's edit-region PSNR on the held-out pairs (whole-image PSNR when the pairs
    /// have no edit region), averaged over the folds, after the steps of the last round it
    /// trained, in `candidates` order.
    public let scores: [(pairing: Pairing, psnr: Double, steps: Int)]
    /// How many pairs each fold held out, over how many folds.
    public let heldOut: Int, folds: Int

    /// The steps the chosen candidate trained.
    public var steps: Int { scores.first { $0.pairing == pairing }?.steps ?? 0 }

    /// One line for the user: what was chosen and on what evidence.
    public var reason: String {
        guard heldOut > 0 else { return "\(pairing.rawValue): untried, as there were too few pairs to hold some out (or nothing to choose from)" }
        let others = scores.filter { $0.pairing != pairing }.map {
            String(format: "%@ %.2f", $0.pairing.rawValue, $0.psnr) + ($0.steps < steps ? " after \($0.steps), then stopped" : "")
        }
        let best = scores.first { $0.pairing == pairing }?.psnr ?? 0
        let evidence = folds > 1 ? "\(folds) folds of \(heldOut) held-out pairs" : "\(heldOut) held-out pairs"
        return String(format: "%@: %.2f dB where the edit is, on %@ after %d steps (%@)", pairing.rawValue, best, evidence, steps, others.joined(separator: ", "))
    }

    /// The fewest steps a candidate trains in the first round, whatever the budget: fewer say
    /// nothing about it.
    public static let fewestSteps = 5

    /// The share of a training run the choice costs by default, in steps.
    public static let share = 0.3

    /// Chooses among `candidates` for `pairs` and a `design` whose pairing is left to `auto`, by
    /// `plan`: each fold holds out a fifth of the pairs (1 to 4; none with fewer than 3 pairs, and
    /// then the first candidate is chosen untried), as many disjoint folds as the plan asks and
    /// the pairs allow. Each candidate — a plain editor of the design's preset, seed and flow —
    /// trains `steps` in the first round (by default what keeps the whole choice within `share`
    /// of `trainingSteps`, the run it chooses for: the preset's steps unless given). With a
    /// `budget` (seconds), the first round's steps are what fits it at the first candidate's pace
    /// (its preparation and first two steps measured; `fewestSteps` at least). `say` hears the
    /// plan before the work starts; `progress` which candidate is training, how far it is and
    /// about how long the choice has left.
    public static func choose(among candidates: [Pairing] = candidates, for pairs: [Pair], design: EditorDesign, plan: Plan = .standard,
                              steps: Int? = nil, trainingSteps: Int? = nil, budget: Double? = nil,
                              flowEstimator: @autoclosure () throws -> any FlowEstimator,
                              checkInterrupt: () throws -> Void = {}, say: (String) -> Void = { _ in },
                              progress: (String) -> Void = { _ in }) throws -> PairingChoice {
        let (preset, seed) = (design.preset, design.seed)
        guard let first = candidates.first else { throw EngineError.invalidArgument(op: "auto", message: "no pairings to choose among") }
        if let budget, !(budget > 0 && budget.isFinite) {
            throw EngineError.invalidArgument(op: "auto", message: "the budget must be a positive number of seconds, got \(budget)")
        }
        guard pairs.count >= 3, candidates.count > 1 else { return PairingChoice(pairing: first, scores: [], heldOut: 0, folds: 0) }
        let heldOut = min(max(pairs.count / 5, 1), 4), folds = min(plan.folds, pairs.count / heldOut)
        let units = plan.cost(candidates: candidates.count, folds: folds)
        var firstSteps = steps ?? max(fewestSteps, Int(share * Double(trainingSteps ?? preset.steps)) / units)
        var roundSteps = plan.rounds(candidates: candidates.count, first: firstSteps).map(\.steps)
        let rounds = roundSteps.count > 1 ? ", the better half going on each round to \(plan.growth)× the steps (\(roundSteps.map(String.init).joined(separator: ", ")))" : ""
        say("auto: trying \(candidates.map(\.rawValue).joined(separator: ", ")) for \(firstSteps) steps each on \(pairs.count - heldOut) pairs, "
            + "scored on \(heldOut) held out" + (folds > 1 ? " in each of \(folds) folds" : "") + rounds
            + (budget.map { String(format: " (fewer steps if they would take over %.0f s)", $0) } ?? ""))
        var order = Array(pairs.indices)
        var rng = RandomGenerator(seed: seed &+ 7)
        order.shuffle(using: &rng)
        let split = try (0..<folds).map { f in
            let out = Set(order[(f * heldOut)..<((f + 1) * heldOut)])
            return (validation: try out.sorted().map { try design.view.fitted(pairs[$0], to: design.size) },
                    training: order.filter { !out.contains($0) }.map { pairs[$0] })
        }
        var editors = [[Editor?]](repeating: [Editor?](repeating: nil, count: folds), count: candidates.count)
        var scores = candidates.map { (pairing: $0, psnr: -Double.infinity, steps: 0) }
        var alive = Array(candidates.indices)
        let started = Date()
        var done = 0.0
        for round in roundSteps.indices {
            for c in alive {
                var sum = 0.0
                for f in 0..<folds {
                    let candidate = candidates[c]
                    let editor = try editors[c][f] ?? {
                        let candidateStarted = Date()
                        let editor = try Editor(pairs: split[f].training,
                                                design: EditorDesign(preset: preset, size: design.size, pairing: .fixed(candidate), seed: seed, flow: design.flow),
                                                flowEstimator: flowEstimator(), checkInterrupt: checkInterrupt,
                                                progress: { n, all in progress("\(candidate.rawValue): preparing case \(n)/\(all)") })
                        if round == 0, c == alive[0], f == 0, let budget {
                            let prepared = Date(), probe = min(2, firstSteps)
                            try editor.train(until: probe, checkInterrupt: checkInterrupt)
                            let perStep = Date().timeIntervalSince(prepared) / Double(probe), preparation = prepared.timeIntervalSince(candidateStarted)
                            let fitting = (budget - preparation * Double(candidates.count * folds)) / (max(perStep, 1e-9) * Double(units))
                            let capped = max(fewestSteps, min(firstSteps, fitting.isFinite ? Int(max(min(fitting, Double(Int32.max)), 0)) : firstSteps))
                            if capped < firstSteps {
                                say("auto: \(capped) steps each in the first round, to fit \(String(format: "%.0f", budget)) s at \(String(format: "%.2f", perStep)) s a step")
                            }
                            firstSteps = capped
                            roundSteps = plan.rounds(candidates: candidates.count, first: capped).map(\.steps)
                        }
                        return editor
                    }()
                    editors[c][f] = editor
                    let goal = roundSteps[round], before = editor.trainer.step
                    try editor.train(until: goal, checkInterrupt: checkInterrupt) { p in
                        // The whole choice's pace so far, in training steps of any candidate.
                        let fraction = min((done + Double(p.step - before)) / max(Double(units * firstSteps), 1), 1)
                        let left = Date().timeIntervalSince(started) * (1 - fraction) / max(fraction, 1e-9)
                        progress("\(candidate.rawValue)\(folds > 1 ? " fold \(f + 1)/\(folds)" : ""): step \(p.step)/\(goal), about \(String(format: "%.0f", left)) s left")
                    }
                    done += Double(goal - before)
                    let row = try EvaluationRow.score(method: candidate.rawValue, pairs: split[f].training.count, steps: goal, trainSeconds: 0,
                                                      on: split[f].validation, checkInterrupt: checkInterrupt) { try editor.edit($0).image }
                    sum += row.headlinePSNR
                }
                scores[c] = (candidates[c], sum / Double(folds), roundSteps[round])
            }
            // The better half goes on (ties to the earlier candidate); the rest free their memory.
            let ranked = alive.sorted { scores[$0].psnr > scores[$1].psnr || (scores[$0].psnr == scores[$1].psnr && $0 < $1) }
            let kept = round + 1 < roundSteps.count ? Array(ranked.prefix((alive.count + 1) / 2)) : [ranked[0]]
            for c in alive where !kept.contains(c) { editors[c] = [Editor?](repeating: nil, count: folds) }
            alive = kept.sorted()
            if alive.count == 1 { break }
        }
        return PairingChoice(pairing: candidates[alive[0]], scores: scores, heldOut: heldOut, folds: folds)
    }
}
