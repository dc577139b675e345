import Foundation

/// Optical-flow pictures in the standard colour coding (Baker et al., the Middlebury benchmark):
/// hue is the direction of motion, saturation its length relative to the largest, white is still.
public enum FlowColour {
    /// The colour wheel: red → yellow → green → cyan → blue → magenta → red, with more steps
    /// where the eye tells hues apart best (15, 6, 4, 11, 13, 6).
    static let wheel: [RGB] = {
        var colours: [RGB] = []
        func ramp(_ n: Int, _ f: (Float) -> RGB) { for i in 0..<n { colours.append(f(Float(i) / Float(n))) } }
        ramp(15) { RGB(1, $0, 0) }
        ramp(6) { RGB(1 - $0, 1, 0) }
        ramp(4) { RGB(0, 1, $0) }
        ramp(11) { RGB(0, 1 - $0, 1) }
        ramp(13) { RGB($0, 0, 1) }
        ramp(6) { RGB(1, 0, 1 - $0) }
        return colours
    }()

    /// The colour of displacement (dx, dy) when `maxMagnitude` is the largest shown.
    public static func colour(dx: Float, dy: Float, maxMagnitude: Float) -> RGB {
        guard dx.isFinite, dy.isFinite else { return .black }
        let u = dx / max(maxMagnitude, 1e-6), v = dy / max(maxMagnitude, 1e-6)
        let radius = (u * u + v * v).squareRoot()
        let angle = atan2(-v, -u) / .pi  // −1…1
        let position = (angle + 1) / 2 * Float(wheel.count - 1)
        let k0 = min(max(Int(position), 0), wheel.count - 1), k1 = (k0 + 1) % wheel.count
        let hue = wheel[k0].mixed(with: wheel[k1], position - Float(k0))
        func saturate(_ c: Float) -> Float { radius <= 1 ? 1 - radius * (1 - c) : c * 0.75 }
        return RGB(saturate(hue.r), saturate(hue.g), saturate(hue.b))
    }

    /// Each pixel of a `[1, H, W, 2]` flow in colour, and the magnitude that saturates.
    public static func picture(_ flow: Tensor, maxMagnitude: Float? = nil) throws -> (image: Image, maxMagnitude: Float) {
        guard flow.rank == 4, flow.shape[0] >= 1, flow.shape[3] == 2 else {
            throw EngineError.invalidShape(op: "flow picture", shape: flow.shape, expected: "a flow [1, H, W, 2]")
        }
        let (h, w) = (flow.shape[1], flow.shape[2])
        let values = flow.scalars
        let largest = maxMagnitude ?? (0..<(h * w)).reduce(Float(0)) { m, i in
            let (x, y) = (values[2 * i], values[2 * i + 1])
            return x.isFinite && y.isFinite ? max(m, (x * x + y * y).squareRoot()) : m
        }
        var image = try Image(width: w, height: h)
        for y in 0..<h { for x in 0..<w {
            let i = y * w + x
            image[x, y] = colour(dx: values[2 * i], dy: values[2 * i + 1], maxMagnitude: largest)
        } }
        return (image, largest)
    }
}

extension Figure {
    /// A flow field `[1, H, W, 2]` (pixels): the colour coding enlarged, arrows on a sparse grid
    /// showing where each region moves, and a legend — the colour wheel, the displacement that
    /// saturates it and the mean length.
    public static func flowField(_ flow: Tensor, title: String = "flow") throws -> Image {
        let (coded, largest) = try FlowColour.picture(flow)
        let scale = max(1, min(8, 256 / max(coded.width, coded.height)))
        let (w, h) = (coded.width * scale, coded.height * scale)
        let legendWidth = 110
        var canvas = try Canvas(width: w + legendWidth + 3 * margin, height: max(h, 150) + 2 * margin + Canvas.lineHeight())
        canvas.text(title, x: margin, y: margin, ink)
        let top = margin + Canvas.lineHeight()
        canvas.paste(coded, x: margin, y: top, scale: scale)

        // Arrows every ~16 display pixels, scaled so that the longest spans 90 % of the spacing
        // (true length would make large motions an unreadable thicket).
        let values = flow.scalars
        let step = max(1, 16 / scale)
        let arrowScale = largest > 0 ? 0.9 * Float(step * scale) / largest : 0
        var total: Double = 0
        for i in 0..<(coded.width * coded.height) {
            let (x, y) = (values[2 * i], values[2 * i + 1])
            if x.isFinite && y.isFinite { total += Double((x * x + y * y).squareRoot()) }
        }
        for gy in stride(from: step / 2, to: coded.height, by: step) {
            for gx in stride(from: step / 2, to: coded.width, by: step) {
                let i = gy * coded.width + gx
                let (dx, dy) = (values[2 * i], values[2 * i + 1])
                guard dx.isFinite, dy.isFinite else { continue }
                let start = SIMD2(Float(margin + gx * scale) + Float(scale) / 2, Float(top + gy * scale) + Float(scale) / 2)
                canvas.arrow(from: start, to: start + SIMD2(dx, dy) * arrowScale, ink, thickness: 1, head: 3)
            }
        }

        // Legend: the wheel itself, then the numbers.
        let radius: Float = 40
        let centre = SIMD2(Float(w + 3 * margin) + radius, Float(top) + radius)
        for y in Canvas.span(centre.y - radius, centre.y + radius, within: canvas.height) {
            for x in Canvas.span(centre.x - radius, centre.x + radius, within: canvas.width) {
                let d = SIMD2(Float(x) + 0.5, Float(y) + 0.5) - centre
                let inside = Shape.coverage((d * d).sum().squareRoot() - radius, pixel: 1)
                canvas.blend(x, y, FlowColour.colour(dx: d.x, dy: d.y, maxMagnitude: radius), inside)
            }
        }
        let mean = coded.width * coded.height == 0 ? 0 : total / Double(coded.width * coded.height)
        let legendX = w + 3 * margin, legendY = top + Int(2 * radius) + margin
        canvas.text(String(format: "max %.2f px", largest), x: legendX, y: legendY, ink)
        canvas.text(String(format: "mean %.2f px", mean), x: legendX, y: legendY + Canvas.lineHeight(), ink)
        canvas.text("hue: direction", x: legendX, y: legendY + 2 * Canvas.lineHeight(), muted)
        return canvas.image
    }

    /// Colours before and after a colour transform, side by side with an arrow between.
    public static func colourSwatches(before: [RGB], after: [RGB], title: String = "colour transform") throws -> Image {
        guard before.count == after.count, !before.isEmpty else {
            throw ImageError.invalidSize("swatches need as many colours after as before (\(before.count) vs \(after.count)), at least one")
        }
        let size = 24, gap = 6
        var canvas = try Canvas(width: 2 * margin + 2 * size + 30, height: 2 * margin + Canvas.lineHeight() + before.count * (size + gap))
        canvas.text(title, x: margin, y: margin, ink)
        for (i, (a, b)) in zip(before, after).enumerated() {
            let y = margin + Canvas.lineHeight() + i * (size + gap)
            canvas.fill(x: margin, y: y, width: size, height: size, a)
            canvas.fill(x: margin + size + 30, y: y, width: size, height: size, b)
            let mid = Float(y + size / 2)
            canvas.arrow(from: SIMD2(Float(margin + size + 4), mid), to: SIMD2(Float(margin + size + 26), mid), muted)
        }
        return canvas.image
    }

    /// Reference colours (primaries, secondaries, greys, a skin tone) before and after the affine
    /// colour transform `matrix` (3×4, row-major: out = M·[r, g, b, 1]).
    public static func colourTransform(_ matrix: [Float], title: String = "colour transform") throws -> Image {
        guard matrix.count == 12 else { throw ImageError.invalidSize("an affine colour transform has 12 entries (3×4), got \(matrix.count)") }
        let references = [RGB(0.9, 0.2, 0.2), RGB(0.2, 0.8, 0.3), RGB(0.2, 0.3, 0.9), RGB(0.95, 0.85, 0.2),
                          RGB(0.2, 0.8, 0.85), RGB(0.8, 0.3, 0.8), RGB(0.5, 0.5, 0.5), RGB(0.9, 0.72, 0.6)]
        let transformed = references.map { c -> RGB in
            func row(_ r: Int) -> Float { min(max(matrix[4 * r] * c.r + matrix[4 * r + 1] * c.g + matrix[4 * r + 2] * c.b + matrix[4 * r + 3], 0), 1) }
            return RGB(row(0), row(1), row(2))
        }
        return try colourSwatches(before: references, after: transformed, title: title)
    }
}
