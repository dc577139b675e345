import Engine
import Models

extension Eval {
    /// The reliability plot of `eval --calibration --reliability`: a line for each calibrated
    /// row, through its fifths of the held-out pixels by spread (surest first) — the fifth's mean
    /// spread across, its mean error up, each averaged over the seeds' runs —, beside the line
    /// where the error equals the spread. A confidence that means what it says rises from left
    /// to right; one that is blind lies flat.
    func reliabilityPlot(_ runs: [[EvaluationRow]], task: String) throws -> Image {
        let calibrated = runs[0].indices.filter { runs[0][$0].calibration != nil }
        let lines = calibrated.map { k in
            let fifths = runs.compactMap { $0[k].calibration?.fifths }
            let points = (0..<5).map { f in
                (x: fifths.map { $0[f].spread }.reduce(0, +) / Double(fifths.count), y: fifths.map { $0[f].error }.reduce(0, +) / Double(fifths.count))
            }
            let row = runs[0][k]
            return LinePlot.Series("\(row.method)\(row.diffusion ? "+diffusion" : "")@\(row.pairs)", points: points)
        }
        let reach = lines.flatMap { $0.points.flatMap { [$0.x, $0.y] } }.max() ?? 0.1
        var plot = LinePlot(lines + [.init("error = spread", points: [(0, 0), (reach, reach)])],
                            title: "\(task): error against spread, by fifth of the pixels (\(runs.count) seed\(runs.count == 1 ? "" : "s"))",
                            xLabel: "mean spread of the fifth", yLabel: "mean error (RMS)")
        plot.width = 560
        return try plot.render()
    }
}
