import Engine
import Foundation

/// The simulation that says whether `suggestions` help: a user with a few pairs and a pool of
/// unedited images edits one more by hand each round — the one the effect suggests, the one least
/// like the training pairs, or one at random — and trains the effect again; held-out edit PSNR
/// after every round, each way. The pool's targets stand for the edits the user would make: the
/// choice never sees them.
public struct SuggestionTrial: Codable, Sendable, Equatable {
    /// How the next image to edit is chosen.
    public enum Arm: String, Codable, Sendable, CaseIterable {
        /// The first of `Editor.suggestions` over what is left of the pool.
        case suggested
        /// The image of what is left of the pool least like the training pairs (the first by
        /// `Suggestion.distanceRank`): the pool covered, whatever the effect's doubt.
        case unlike
        /// One of what is left of the pool, uniformly at random.
        case random
    }

    /// The effect after one round of one arm.
    public struct Round: Codable, Sendable, Equatable {
        /// nil for round 0, the starting pairs, which every arm shares.
        public let arm: Arm?
        public let round: Int
        /// The image edited by hand this round (nil in round 0).
        public let added: String?
        /// The effect trained on the pairs so far, scored on the held-out pairs (`pairs` is
        /// their count).
        public let row: EvaluationRow
    }

    /// The seed of the pairs, the weights and the random arm's draws.
    public let seed: UInt64
    /// Round 0, then each arm's rounds in order.
    public let rounds: [Round]

    /// Runs the trial: an effect of `design` trained for `steps` steps on `start`, then, for each
    /// arm, `count` rounds each adding one pair of `pool` and training a fresh effect of the same
    /// design (the same initial weights) on the pairs so far, each scored on `heldout` with
    /// `references` references an edit. Suggestions compare `suggestionReferences` references.
    /// `say` hears each round's result as it comes.
    public static func run(start: [Pair], pool: [Pair], heldout: [Pair], design: EditorDesign, steps: Int, rounds count: Int,
                           references: Int = 1, suggestionReferences: Int = Editor.confidenceReferences, seed: UInt64,
                           checkInterrupt: () throws -> Void = {}, say: (String) -> Void = { _ in }) throws -> SuggestionTrial {
        guard count >= 1, count <= pool.count else {
            throw EngineError.invalidArgument(op: "suggestion trial", message: "each round adds one pair of the pool: \(count) rounds need \(count) pooled images at least, got \(pool.count)")
        }
        func trained(on pairs: [Pair], arm: Arm?, round: Int, added: String?) throws -> (Editor, Round) {
            let started = Date()
            let editor = try Editor(pairs: pairs, design: design, checkInterrupt: checkInterrupt)
            try editor.train(until: steps, checkInterrupt: checkInterrupt)
            let seconds = Date().timeIntervalSince(started)
            let row = try EvaluationRow.score(method: arm?.rawValue ?? "start", pairs: pairs.count, steps: steps, trainSeconds: seconds,
                                              on: heldout, checkInterrupt: checkInterrupt) {
                try editor.edit($0, references: min(references, pairs.count), sampling: .headOnly).image
            }
            let result = Round(arm: arm, round: round, added: added, row: row)
            say(result.line)
            return (editor, result)
        }
        let (first, startRound) = try trained(on: start, arm: nil, round: 0, added: nil)
        var rounds = [startRound]
        for arm in Arm.allCases {
            var (editor, pairs, left) = (first, start, pool)
            var rng = RandomGenerator(seed: seed &+ 0x5EED)
            for round in 1...count {
                let pick: Int
                switch arm {
                case .suggested, .unlike:
                    let ranked = try editor.suggestions(left.map { ($0.name, $0.source) }, references: min(suggestionReferences, pairs.count),
                                                        checkInterrupt: checkInterrupt)
                    let best = arm == .suggested ? ranked[0] : ranked.min { $0.distanceRank < $1.distanceRank } ?? ranked[0]
                    pick = left.firstIndex { $0.name == best.name } ?? 0
                case .random:
                    pick = Int(rng.next() % UInt64(left.count))
                }
                pairs.append(left.remove(at: pick))
                let result: Round
                (editor, result) = try trained(on: pairs, arm: arm, round: round, added: pairs[pairs.count - 1].name)
                rounds.append(result)
            }
        }
        return SuggestionTrial(seed: seed, rounds: rounds)
    }

    /// The held-out edit PSNR (whole-image PSNR when no held-out pair has an edit) after each
    /// round of `arm`, round 0 first.
    public func curve(_ arm: Arm) -> [Double] {
        rounds.filter { $0.arm == nil || $0.arm == arm }.map(\.row.headlinePSNR)
    }
}

extension SuggestionTrial.Round {
    /// "suggested round 2: +old_14 → 7 pairs, edit PSNR 27.41 (PSNR 40.12), trained 52 s".
    public var line: String {
        (arm.map { "\($0.rawValue) round \(round): +\(added ?? "?") →" } ?? "start:") + " \(row.pairs) pairs, "
            + String(format: "edit PSNR %.2f (PSNR %.2f), trained %.0f s", row.headlinePSNR, row.psnr, row.trainSeconds)
    }
}

extension SuggestionTrial {
    /// Trials over seeds summarised: each arm's curve as mean ± standard deviation a round, and
    /// each chosen arm against random, paired by seed, a round and averaged over rounds 1…n (the
    /// area between the curves), each with its 95 % interval.
    public struct Summary: Codable, Sendable, Equatable {
        public let seeds: [UInt64]
        /// Starting pairs plus the round, a round.
        public let pairs: [Int]
        public let arms: [ArmSummary]

        public struct ArmSummary: Codable, Sendable, Equatable {
            public let arm: Arm
            /// Held-out edit PSNR a round, round 0 first.
            public let curve: [EvaluationSummary.Spread]
            /// This arm − random a round (round 0's is 0: shared), and averaged over rounds 1…n;
            /// nil for random itself.
            public let versusRandom: [EvaluationSummary.Interval]?, meanVersusRandom: EvaluationSummary.Interval?

            enum CodingKeys: String, CodingKey { case arm, curve, versusRandom = "versus_random", meanVersusRandom = "mean_versus_random" }
        }

        public init(_ trials: [SuggestionTrial]) throws {
            guard let first = trials.first else { throw EngineError.invalidArgument(op: "suggestion trial", message: "no trials to summarise") }
            let rounds = first.curve(.random).count
            guard rounds >= 2, trials.allSatisfy({ trial in Arm.allCases.allSatisfy { trial.curve($0).count == rounds } }) else {
                throw EngineError.invalidArgument(op: "suggestion trial", message: "every trial needs the same rounds of every arm, one at least")
            }
            seeds = trials.map(\.seed)
            pairs = first.rounds.filter { $0.arm == nil || $0.arm == .random }.map(\.row.pairs)
            arms = Arm.allCases.map { arm in
                let curve = (0..<rounds).map { r in EvaluationSummary.Spread(trials.map { $0.curve(arm)[r] }) }
                guard arm != .random else { return ArmSummary(arm: arm, curve: curve, versusRandom: nil, meanVersusRandom: nil) }
                let gaps = trials.map { trial in zip(trial.curve(arm), trial.curve(.random)).map { $0 - $1 } }
                return ArmSummary(arm: arm, curve: curve,
                                  versusRandom: (0..<rounds).map { r in EvaluationSummary.Interval(gaps.map { $0[r] }) },
                                  meanVersusRandom: EvaluationSummary.Interval(gaps.map { $0.dropFirst().reduce(0, +) / Double(rounds - 1) }))
            }
        }

        /// The summary of `arm`.
        public func of(_ arm: Arm) -> ArmSummary? { arms.first { $0.arm == arm } }
    }
}
