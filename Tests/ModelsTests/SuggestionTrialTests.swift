import Engine
import Foundation
@testable import Models
import Testing
import TestSupport

/// The simulation that proves `suggest`: a pair added each round, the suggested one or one at
/// random, and the effect trained again.
@Suite(.hangLimit)
struct SuggestionTrialTests {
    @Test func eachArmAddsOnePooledPairARoundTheSuggestedArmTheOneSuggestFirstNames() throws {
        let drawn = try SyntheticTask(.blueEyes).pairs(count: 6, size: 32, seed: 21)
        let (start, pool) = (Array(drawn.prefix(2)), Array(drawn.dropFirst(2)))
        let heldout = try SyntheticTask(.blueEyes).pairs(count: 2, size: 32, seed: 99)
        let design = try EditorDesign(preset: .tiny, pairing: .structural, seed: 5, flow: .hornSchunck)
        let trial = try SuggestionTrial.run(start: start, pool: pool, heldout: heldout, design: design, steps: 2, rounds: 2,
                                            suggestionReferences: 2, seed: 5)
        #expect(trial.rounds.map(\.arm) == [nil, .suggested, .suggested, .unlike, .unlike, .random, .random])
        #expect(trial.rounds.map(\.round) == [0, 1, 2, 1, 2, 1, 2] && trial.rounds.map(\.row.pairs) == [2, 3, 4, 3, 4, 3, 4])
        for arm in SuggestionTrial.Arm.allCases {
            let added = trial.rounds.filter { $0.arm == arm }.compactMap(\.added)
            #expect(added.count == 2 && Set(added).count == 2 && Set(added).isSubset(of: Set(pool.map(\.name))), "\(arm): \(added)")
            #expect(trial.curve(arm).count == 3 && trial.curve(arm)[0] == trial.rounds[0].row.headlinePSNR)
        }
        // The first suggestion is what suggest ranks first for the effect trained on the start
        // alone; the unlike arm's first, the image it ranks least like the training pairs.
        let editor = try Editor(pairs: start, design: design)
        try editor.train(until: 2)
        let ranked = try editor.suggestions(pool.map { ($0.name, $0.source) }, references: 2)
        let first = ranked[0].name
        #expect(trial.rounds[1].added == first)
        #expect(trial.rounds[3].added == ranked.first { $0.distanceRank == 1 }?.name)
        #expect(trial.rounds[1].line.hasPrefix("suggested round 1: +\(first) → 3 pairs, edit PSNR "))
        #expect(throws: EngineError.self) {
            try SuggestionTrial.run(start: start, pool: Array(pool.prefix(1)), heldout: heldout, design: design, steps: 1, rounds: 2, seed: 5)
        }
    }

    @Test func theSummaryPairsEachArmWithRandomBySeedRoundByRound() throws {
        func trial(_ seed: UInt64, suggested: [Double], unlike: [Double], random: [Double]) -> SuggestionTrial {
            func rounds(_ arm: SuggestionTrial.Arm?, _ values: [Double]) -> [SuggestionTrial.Round] {
                values.enumerated().map { r, value in
                    let round = arm == nil ? 0 : r + 1
                    return SuggestionTrial.Round(arm: arm, round: round, added: arm == nil ? nil : "p\(round)",
                                                 row: EvaluationRow(method: arm?.rawValue ?? "start", pairs: 5 + round, psnr: 40, ssim: 0.9, editPSNR: value,
                                                                    editCover: 0.1, sharpness: nil, steps: 10, trainSeconds: 1))
                }
            }
            return SuggestionTrial(seed: seed, rounds: rounds(nil, [20]) + rounds(.suggested, suggested) + rounds(.unlike, unlike) + rounds(.random, random))
        }
        let summary = try SuggestionTrial.Summary([trial(1, suggested: [22, 24], unlike: [21, 22], random: [21, 22]),
                                                   trial(2, suggested: [23, 25], unlike: [22, 24], random: [22, 24]),
                                                   trial(3, suggested: [21, 23], unlike: [21, 22], random: [21, 22])])
        #expect(summary.seeds == [1, 2, 3] && summary.pairs == [5, 6, 7] && summary.arms.map(\.arm) == [.suggested, .unlike, .random])
        let suggested = try #require(summary.of(.suggested)), random = try #require(summary.of(.random))
        #expect(suggested.curve.map(\.mean) == [20, 22, 24] && random.curve.map(\.mean) == [20, 21 + 1.0 / 3, 22 + 2.0 / 3])
        #expect(random.versusRandom == nil && random.meanVersusRandom == nil)
        // Round 1's differences 1, 1, 0: mean 2/3, sd 1/√3, interval ± 4.303 · (1/√3)/√3.
        let one = try #require(suggested.versusRandom?[1])
        #expect(abs(one.difference.mean - 2.0 / 3) < 1e-12 && abs((one.difference.sd ?? 0) - (1.0 / 3).squareRoot()) < 1e-12)
        #expect(abs((one.low ?? 0) - (2.0 / 3 - 4.303 / 3)) < 1e-9 && !one.real)
        // Over rounds 1…2 a seed: (1 + 2)/2, (1 + 1)/2, (0 + 1)/2 — 1.5, 1, 0.5: mean 1, sd 0.5.
        let mean = try #require(suggested.meanVersusRandom)
        #expect(mean.text == "+1.00 ± 0.50 dB  [-0.24, +2.24]  within the noise" && !mean.real)
        #expect(suggested.versusRandom?[0].difference.mean == 0)
        // An arm level with random every round: no difference, and no spread to make it real.
        #expect(summary.of(.unlike)?.meanVersusRandom?.text == "+0.00 ± 0.00 dB  [+0.00, +0.00]  within the noise")
        #expect(throws: EngineError.self) { try SuggestionTrial.Summary([]) }
    }
}
