import Engine
import Foundation
@testable import Models
import Testing
import TestSupport

/// Rows over seeds: each row's mean and sample standard deviation, and the paired differences
/// between methods where the edit is with Student's 95 % interval — real only when it leaves out 0.
@Suite(.hangLimit)
struct EvaluationSummaryTests {
    static func row(_ method: String, edit: Double?, psnr: Double = 30, pairs: Int = 20, size: Int? = nil, lift: String? = nil) -> EvaluationRow {
        var row = EvaluationRow(method: method, pairs: method == "identity" ? 0 : pairs, psnr: psnr, ssim: 0.9, editPSNR: edit, editCover: 0.1,
                                sharpness: nil, steps: 600, trainSeconds: 1)
        (row.size, row.lift) = (size, lift)
        return row
    }

    @Test func aRowIsItsMeanAndSpreadOverTheSeeds() throws {
        let runs = [[Self.row("identity", edit: 20), Self.row("n2n", edit: 28, psnr: 40)],
                    [Self.row("identity", edit: 20), Self.row("n2n", edit: 30, psnr: 42)],
                    [Self.row("identity", edit: 20), Self.row("n2n", edit: 29, psnr: 41)]]
        let summary = try EvaluationSummary(seeds: [1, 2, 3], runs: runs)
        #expect(summary.rows.map(\.label) == ["identity", "n2n@20"])
        let n2n = summary.rows[1]
        #expect(n2n.editPSNR?.mean == 29 && n2n.psnr.mean == 41)
        #expect(abs((n2n.editPSNR?.sd ?? 0) - 1) < 1e-12)  // sample standard deviation of 28, 30, 29
        #expect(n2n.editPSNR?.text == "29.00 ± 1.00")
        #expect(summary.differences.isEmpty)  // the identity is not a method to compare
    }

    @Test func aDifferenceIsRealOnlyWhenItsIntervalLeavesOutZero() throws {
        // one2one ahead of n2n by 1, 1.2, 0.8 dB: mean 1, sd 0.2, interval 1 ± 4.303·0.2/√3 = [0.50, 1.50].
        // pix2pix against n2n: +2, −2, +0.3: mean 0.1, within the noise.
        let runs = [(28.0, 29.0, 30.0), (30.0, 31.2, 28.0), (29.0, 29.8, 29.3)].map { n2n, one2one, pix2pix in
            [Self.row("identity", edit: 20), Self.row("n2n", edit: n2n), Self.row("one2one", edit: one2one), Self.row("pix2pix", edit: pix2pix),
             Self.row("n2n", edit: 25, size: 512, lift: "adaptive")]
        }
        let summary = try EvaluationSummary(seeds: [1, 2, 3], runs: runs)
        #expect(summary.differences.map { "\($0.first) − \($0.second)" } == ["n2n@20 − one2one@20", "n2n@20 − pix2pix@20", "one2one@20 − pix2pix@20"])
        let ahead = summary.differences[0]
        #expect(abs(ahead.interval.difference.mean + 1) < 1e-9 && abs((ahead.interval.difference.sd ?? 0) - 0.2) < 1e-9)
        #expect(abs((ahead.interval.low ?? 0) + 1 + 4.303 * 0.2 / 3.0.squareRoot()) < 1e-9 && ahead.interval.real)
        #expect(ahead.interval.text == "-1.00 ± 0.20 dB  [-1.50, -0.50]  real")
        #expect(!summary.differences[1].interval.real)
        // eval --json keeps a difference flat: its names beside the interval's keys, and reads back.
        let json = try JSONEncoder().encode(summary)
        let differences = try #require((try JSONSerialization.jsonObject(with: json) as? [String: Any])?["differences"] as? [[String: Any]])
        #expect(Set(differences[0].keys) == ["first", "second", "difference", "low", "high"])
        #expect(try JSONDecoder().decode(EvaluationSummary.self, from: json) == summary)
        #expect(summary.rows.last?.label == "n2n@20 @512 adaptive")
    }

    @Test func autosRegretIsWhatItLosesAgainstTheBestCandidateEachSeed() throws {
        // structural, implicit, one2one, then auto and auto-single scored as what they chose.
        let seeds = [(28.0, 29.0, 30.0, 30.0, 28.0), (30.0, 29.0, 28.0, 30.0, 29.0), (29.0, 29.5, 29.2, 29.2, 29.5)]
        let runs = seeds.map { s, i, o, auto, single in
            [Self.row("identity", edit: 20), Self.row("structural", edit: s), Self.row("implicit", edit: i), Self.row("one2one", edit: o),
             Self.row("auto", edit: auto), Self.row("auto-single", edit: single), Self.row("one2one", edit: 40, size: 512, lift: "adaptive")]
        }
        let summary = try EvaluationSummary(seeds: [1, 2, 3], runs: runs)
        #expect(summary.regrets.map(\.label) == ["auto@20", "auto-single@20"])
        let (auto, single) = (summary.regrets[0], summary.regrets[1])
        #expect(abs(auto.regret.mean - 0.1) < 1e-9 && abs(auto.worst - 0.3) < 1e-9 && auto.choseBest == 2)
        #expect(abs(single.regret.mean - 1) < 1e-9 && single.worst == 2 && single.choseBest == 1)
        #expect(try EvaluationSummary(seeds: [1], runs: [[Self.row("n2n", edit: 28), Self.row("one2one", edit: 29)]]).regrets.isEmpty)
    }

    @Test func oneSeedHasNoSpreadAndRunsThatDisagreeAreRefused() throws {
        let one = try EvaluationSummary(seeds: [7], runs: [[Self.row("n2n", edit: 28), Self.row("one2one", edit: 29)]])
        #expect(one.rows[0].editPSNR?.sd == nil && one.differences.count == 1 && !one.differences[0].interval.real && one.differences[0].interval.low == nil)
        #expect(throws: EngineError.self) {
            try EvaluationSummary(seeds: [1, 2], runs: [[Self.row("n2n", edit: 28)], [Self.row("one2one", edit: 28)]])
        }
        #expect(EvaluationSummary.studentT95(degrees: 2) == 4.303 && EvaluationSummary.studentT95(degrees: 100) == 1.96)
    }
}
