import Engine
import Foundation

/// An evaluation repeated over seeds — each seed its own training pairs, weights and held-out
/// draw — summarised: every row's mean and standard deviation, and the differences between the
/// methods where the edit is, paired by seed, with a 95 % interval. One run's numbers move by up
/// to 1.5 dB, so a difference is called real only when its interval leaves out zero.
public struct EvaluationSummary: Codable, Sendable, Equatable {
    /// The seeds the runs used, in order.
    public let seeds: [UInt64]
    public let rows: [Row]
    /// Every pair of trained methods scored at the working size, where the edit is.
    public let differences: [Difference]
    /// Each `auto` row's regret over the seeds (none without one).
    public let regrets: [Regret]

    /// A number over the seeds: its mean and sample standard deviation (nil for one seed).
    public struct Spread: Codable, Sendable, Equatable {
        public let mean: Double, sd: Double?

        public init(_ values: [Double]) {
            let n = Double(values.count), average = values.reduce(0, +) / n
            mean = average
            sd = values.count > 1 ? (values.reduce(0) { $0 + ($1 - average) * ($1 - average) } / (n - 1)).squareRoot() : nil
        }

        /// "28.71 ± 0.40" (or "28.71" for one seed).
        public var text: String { String(format: "%.2f", mean) + (sd.map { String(format: " ± %.2f", $0) } ?? "") }
    }

    /// A paired difference over the seeds: its mean and spread, and the 95 % interval of the
    /// mean (Student's t over the seeds; nil for one seed).
    public struct Interval: Codable, Sendable, Equatable {
        public let difference: Spread
        public let low: Double?, high: Double?

        public init(_ values: [Double]) {
            let spread = Spread(values)
            let reach = spread.sd.map { EvaluationSummary.studentT95(degrees: values.count - 1) * $0 / Double(values.count).squareRoot() }
            (difference, low, high) = (spread, reach.map { spread.mean - $0 }, reach.map { spread.mean + $0 })
        }

        /// Whether the interval leaves out zero: the difference is more than the seeds' noise.
        public var real: Bool {
            guard let low, let high else { return false }
            return low > 0 || high < 0
        }

        /// "+0.41 ± 0.30 dB [+0.05, +0.77] real" (or "… within the noise").
        public var text: String {
            String(format: "%+.2f", difference.mean) + (difference.sd.map { String(format: " ± %.2f", $0) } ?? "") + " dB"
                + (low.flatMap { low in high.map { String(format: "  [%+.2f, %+.2f]", low, $0) } } ?? "") + (real ? "  real" : "  within the noise")
        }
    }

    /// One row of the evaluation (a method, at a size and lift) over the seeds.
    public struct Row: Codable, Sendable, Equatable {
        /// What names the row in every run: "n2n@20", "n2n+diffusion@20", "one2one@20 @512 adaptive".
        public let label: String
        public let method: String, diffusion: Bool, pairs: Int
        public let size: Int?, lift: String?
        public let psnr: Spread, ssim: Spread
        public let editPSNR: Spread?, outsidePSNR: Spread?

        enum CodingKeys: String, CodingKey {
            case label, method, diffusion, pairs, size, lift, psnr, ssim, editPSNR = "edit_psnr", outsidePSNR = "outside_psnr"
        }
    }

    /// `first` − `second` where the edit is, paired by seed. Its JSON is flat: the names beside
    /// the interval's own keys.
    public struct Difference: Codable, Sendable, Equatable {
        public let first: String, second: String
        public let interval: Interval

        init(first: String, second: String, _ interval: Interval) {
            (self.first, self.second, self.interval) = (first, second, interval)
        }

        enum CodingKeys: String, CodingKey { case first, second }

        public init(from decoder: any Decoder) throws {
            let names = try decoder.container(keyedBy: CodingKeys.self)
            (first, second) = (try names.decode(String.self, forKey: .first), try names.decode(String.self, forKey: .second))
            interval = try Interval(from: decoder)
        }

        public func encode(to encoder: any Encoder) throws {
            var names = encoder.container(keyedBy: CodingKeys.self)
            try names.encode(first, forKey: .first)
            try names.encode(second, forKey: .second)
            try interval.encode(to: encoder)
        }
    }

    /// What an `auto` row (a choice among `PairingChoice.candidates`, scored as the candidate it
    /// chose) loses against the best candidate trained alike, where the edit is: the best
    /// candidate's edit PSNR minus the row's, per seed — 0 when it chose the best.
    public struct Regret: Codable, Sendable, Equatable {
        public let label: String
        public let regret: Spread
        /// The largest over the seeds, and how many seeds chose the best.
        public let worst: Double, choseBest: Int

        enum CodingKeys: String, CodingKey { case label, regret, worst, choseBest = "chose_best" }
    }

    /// The summary of `runs`, one list of rows a seed, each with the same rows in the same order.
    public init(seeds: [UInt64], runs: [[EvaluationRow]]) throws {
        guard !runs.isEmpty, runs.count == seeds.count else {
            throw EngineError.invalidArgument(op: "evaluate", message: "one run of rows a seed: \(runs.count) runs for \(seeds.count) seeds")
        }
        let labels = runs[0].map(EvaluationSummary.label)
        for (seed, run) in zip(seeds, runs) where run.map(EvaluationSummary.label) != labels {
            throw EngineError.invalidArgument(op: "evaluate", message: "seed \(seed)'s rows (\(run.map(EvaluationSummary.label).joined(separator: ", "))) are not the first seed's")
        }
        self.seeds = seeds
        let rows = labels.indices.map { k in
            let column = runs.map { $0[k] }, first = column[0]
            let edits = column.compactMap(\.editPSNR), outside = column.compactMap(\.outsidePSNR)
            return Row(label: labels[k], method: first.method, diffusion: first.diffusion, pairs: first.pairs, size: first.size, lift: first.lift,
                       psnr: Spread(column.map(\.psnr)), ssim: Spread(column.map(\.ssim)),
                       editPSNR: edits.count == column.count ? Spread(edits) : nil, outsidePSNR: outside.count == column.count ? Spread(outside) : nil)
        }
        let compared = labels.indices.filter { runs[0][$0].size == nil && runs[0][$0].method != "identity" && rows[$0].editPSNR != nil }
        self.rows = rows
        let candidates = labels.indices.filter { k in runs[0][k].size == nil && PairingChoice.candidates.contains { $0.rawValue == runs[0][k].method } }
        regrets = candidates.isEmpty ? [] : labels.indices.filter { runs[0][$0].size == nil && runs[0][$0].method.hasPrefix("auto") }.map { k in
            let values = runs.map { run in max(0, (candidates.map { run[$0].headlinePSNR }.max() ?? 0) - run[k].headlinePSNR) }
            return Regret(label: labels[k], regret: Spread(values), worst: values.max() ?? 0, choseBest: values.filter { $0 == 0 }.count)
        }
        differences = compared.flatMap { a in
            compared.filter { $0 > a }.map { b in
                Difference(first: labels[a], second: labels[b], Interval(runs.map { ($0[a].editPSNR ?? 0) - ($0[b].editPSNR ?? 0) }))
            }
        }
    }

    /// The name of a row in every run.
    static func label(_ row: EvaluationRow) -> String {
        row.method + (row.diffusion ? "+diffusion" : "") + (row.method == "identity" ? "" : "@\(row.pairs)")
            + (row.size.map { $0 == 0 ? " @own" : " @\($0)" } ?? "") + (row.lift.map { " " + $0 } ?? "")
    }

    /// The two-sided 95 % quantile of Student's t with `degrees` degrees of freedom (1…30; the
    /// normal's 1.96 beyond).
    static func studentT95(degrees: Int) -> Double {
        let table = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
                     2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]
        return degrees >= 1 && degrees <= table.count ? table[degrees - 1] : 1.96
    }
}
