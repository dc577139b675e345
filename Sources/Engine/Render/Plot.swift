import Foundation

/// Line plots: loss curves and sweeps, with axes, ticks, labels, a legend and a log scale.
public struct LinePlot {
    /// One named line.
    public struct Series {
        public var name: String
        public var points: [(x: Double, y: Double)]
        public init(_ name: String, points: [(x: Double, y: Double)]) { (self.name, self.points) = (name, points) }
        /// y values at x = 0, 1, 2, … (a loss per step).
        public init(_ name: String, values: [Double]) { self.init(name, points: values.enumerated().map { (Double($0.offset), $0.element) }) }
    }

    public var series: [Series]
    public var title = ""
    public var xLabel = ""
    public var yLabel = ""
    public var logY = false
    public var width = 480
    public var height = 300

    public init(_ series: [Series], title: String = "", xLabel: String = "", yLabel: String = "", logY: Bool = false) {
        (self.series, self.title, self.xLabel, self.yLabel, self.logY) = (series, title, xLabel, yLabel, logY)
    }

    /// Distinct, colour-blind-friendly line colours (Okabe–Ito), in order of use.
    static let palette = [RGB(0.0, 0.45, 0.7), RGB(0.9, 0.6, 0.0), RGB(0.0, 0.62, 0.45), RGB(0.8, 0.4, 0.0),
                          RGB(0.8, 0.47, 0.65), RGB(0.35, 0.7, 0.9), RGB(0.5, 0.5, 0.5)]

    /// Draws the plot. Points that are not finite, or not positive on a log scale, are skipped.
    public func render() throws -> Image {
        var canvas = try Canvas(width: max(width, 160), height: max(height, 120))
        let line = Canvas.lineHeight()
        let usable = series.map { s in s.points.filter { $0.x.isFinite && $0.y.isFinite && (!logY || $0.y > 0) } }
        let xs = usable.flatMap { $0.map(\.x) }, ys = usable.flatMap { $0.map { logY ? log10($0.y) : $0.y } }
        let (xRange, yRange) = (LinePlot.range(xs), LinePlot.range(ys))
        let yTicks = logY ? LinePlot.decades(yRange) : LinePlot.ticks(yRange)
        let xTicks = LinePlot.ticks(xRange)
        let yTickTexts = yTicks.map { logY ? LinePlot.label(pow(10, $0)) : LinePlot.label($0) }

        let left = 10 + (yTickTexts.map { Canvas.textWidth($0) }.max() ?? 0) + (yLabel.isEmpty ? 0 : line + 2)
        let top = title.isEmpty ? 10 : line + 12
        let bottom = canvas.height - line - 8 - (xLabel.isEmpty ? 0 : line)
        let named = series.count > 1 || series.contains { !$0.name.isEmpty }
        let legendWidth = named ? (series.map { Canvas.textWidth($0.name) }.max() ?? 0) + 28 : 0
        let legendHeight = series.count * line + 4
        // The legend sits in the first corner of the plot area (top right, top left, bottom right,
        // bottom left) that no line or point passes through, else beside the plot, which narrows.
        func mapped(right: Int) -> [[SIMD2<Float>]] {
            let plotWidth = Float(max(right - left, 1)), plotHeight = Float(max(bottom - top, 1))
            return usable.map { points in points.map { p in
                SIMD2(Float(left) + Float((p.x - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound)) * plotWidth,
                      Float(bottom) - Float(((logY ? log10(p.y) : p.y) - yRange.lowerBound) / (yRange.upperBound - yRange.lowerBound)) * plotHeight)
            } }
        }
        var right = canvas.width - 12
        var lines = mapped(right: right)
        var legend: (x: Int, y: Int)? = nil
        if named {
            let corners = [(right - legendWidth - 4, top + 4), (left + 6, top + 4),
                           (right - legendWidth - 4, bottom - legendHeight - 4), (left + 6, bottom - legendHeight - 4)]
            legend = corners.first { LinePlot.clear(lines, x: $0.0, y: $0.1, width: legendWidth, height: legendHeight) }.map { (x: $0.0, y: $0.1) }
            if legend == nil {
                right = canvas.width - legendWidth - 16
                lines = mapped(right: right)
                legend = (right + 8, top)
            }
        }
        let plotWidth = max(right - left, 1), plotHeight = max(bottom - top, 1)
        func px(_ x: Double) -> Float { Float(left) + Float((x - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound)) * Float(plotWidth) }
        func py(_ y: Double) -> Float { Float(bottom) - Float((y - yRange.lowerBound) / (yRange.upperBound - yRange.lowerBound)) * Float(plotHeight) }

        let grid = RGB(0.9, 0.9, 0.92), axis = RGB(0.25, 0.25, 0.3)
        for (t, text) in zip(yTicks, yTickTexts) {
            let y = Canvas.pixel(py(t))
            canvas.fill(x: left, y: y, width: plotWidth, height: 1, grid)
            canvas.fill(x: left - 3, y: y, width: 3, height: 1, axis)
            canvas.text(text, x: left - 5 - Canvas.textWidth(text), y: y - 3, axis)
        }
        for t in xTicks {
            let x = Canvas.pixel(px(t))
            canvas.fill(x: x, y: top, width: 1, height: plotHeight, grid)
            canvas.fill(x: x, y: bottom, width: 1, height: 3, axis)
            canvas.text(LinePlot.label(t), centreX: x, y: bottom + 5, axis)
        }
        canvas.fill(x: left, y: top, width: 1, height: plotHeight + 1, axis)
        canvas.fill(x: left, y: bottom, width: plotWidth + 1, height: 1, axis)
        if !title.isEmpty { canvas.text(title, centreX: (left + right) / 2, y: 6, Figure.ink) }
        if !xLabel.isEmpty { canvas.text(xLabel, centreX: (left + right) / 2, y: canvas.height - line, axis) }
        if !yLabel.isEmpty { canvas.text(yLabel, x: 3, upwardCentredOn: (top + bottom) / 2, axis) }
        for (k, points) in lines.enumerated() {
            let colour = LinePlot.palette[k % LinePlot.palette.count]
            if points.count == 1 { canvas.disc(centre: points[0], radius: 2, colour) }
            for (a, b) in zip(points, points.dropFirst()) { canvas.line(from: a, to: b, colour, thickness: 1.5) }
        }
        if let legend {
            canvas.fill(x: legend.x, y: legend.y, width: legendWidth, height: legendHeight, .white)
            for (k, s) in series.enumerated() {
                let colour = LinePlot.palette[k % LinePlot.palette.count]
                let x = legend.x + 2, y = legend.y + 2 + k * line
                canvas.fill(x: x, y: y + 3, width: 16, height: 2, colour)
                canvas.text(s.name, x: x + 20, y: y, Figure.ink)
            }
        }
        return canvas.image
    }

    /// Whether a box of the canvas is clear of every line through `series`' points (and of the
    /// lines' thickness and the points' discs, 3 px either side).
    static func clear(_ series: [[SIMD2<Float>]], x: Int, y: Int, width: Int, height: Int) -> Bool {
        let (x0, y0, x1, y1) = (Float(x - 3), Float(y - 3), Float(x + width + 3), Float(y + height + 3))
        func inside(_ p: SIMD2<Float>) -> Bool { p.x >= x0 && p.x <= x1 && p.y >= y0 && p.y <= y1 }
        for points in series {
            if points.contains(where: inside) { return false }
            for (a, b) in zip(points, points.dropFirst()) {
                let span = max(abs(b.x - a.x), abs(b.y - a.y))
                guard span.isFinite else { return false }
                let steps = Int(min(span, 1e5))
                if steps > 0, (1..<steps).contains(where: { inside(a + (b - a) * Float($0) / Float(steps)) }) { return false }
            }
        }
        return true
    }

    /// The span of `values`, widened when empty or flat so that the axes can still be drawn.
    static func range(_ values: [Double]) -> ClosedRange<Double> {
        guard let low = values.min(), let high = values.max(), (high - low).isFinite else { return 0...1 }
        if high - low < 1e-12 * max(abs(high), 1) { return (low - 0.5)...(high + 0.5) }
        return low...high
    }

    /// About five round tick values (1, 2 or 5 × 10ᵏ apart) inside `range`.
    static func ticks(_ range: ClosedRange<Double>) -> [Double] {
        let span = range.upperBound - range.lowerBound
        let raw = span / 5
        guard raw.isFinite, raw > 0 else { return [] }
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        let first = ceil(range.lowerBound / step) * step
        return stride(from: first, through: range.upperBound + step * 1e-9, by: step).map { $0 }
    }

    /// Whole powers of ten inside a range of log₁₀ values (or its ends, when it spans less than one).
    static func decades(_ range: ClosedRange<Double>) -> [Double] {
        let whole = stride(from: ceil(range.lowerBound), through: floor(range.upperBound), by: 1).map { $0 }
        return whole.count >= 2 ? whole : [range.lowerBound, range.upperBound]
    }

    /// A tick label without trailing noise: 0.001, 2.5, 1e+04.
    static func label(_ value: Double) -> String {
        if value == 0 { return "0" }
        let magnitude = abs(value)
        if magnitude >= 1e4 || magnitude < 1e-3 { return String(format: "%.0e", value) }
        var text = String(format: "%.3f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }
}
