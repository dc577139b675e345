import Foundation

/// A capital letter, drawn as plain strokes of even width on white paper, and the same skeleton
/// in an old brush hand: stroke width that follows a nib held at 45°, serifs at the ends, brown
/// ink on stained parchment.
struct GlyphDrawing: TaskDrawing {
    /// Letter skeletons as strokes (segments) in a box of [−0.5, 0.5]², y downwards.
    static let letters: [[(Point, Point)]] = {
        func path(_ points: [(Float, Float)]) -> [(Point, Point)] {
            zip(points, points.dropFirst()).map { (Point($0.0, $0.1), Point($1.0, $1.1)) }
        }
        func arc(centre: (Float, Float), radii: (Float, Float), from: Float, to: Float, steps: Int = 10) -> [(Point, Point)] {
            path((0...steps).map { i in
                let a = from + (to - from) * Float(i) / Float(steps)
                return (centre.0 + radii.0 * cos(a), centre.1 + radii.1 * sin(a))
            })
        }
        let top: Float = -0.5, bottom: Float = 0.5
        return [
            path([(-0.4, bottom), (0, top), (0.4, bottom)]) + path([(-0.22, 0.12), (0.22, 0.12)]),                      // A
            path([(0.35, top), (-0.3, top), (-0.3, bottom), (0.35, bottom)]) + path([(-0.3, 0), (0.2, 0)]),             // E
            path([(0.35, top), (-0.3, top), (-0.3, bottom)]) + path([(-0.3, 0), (0.2, 0)]),                             // F
            path([(-0.35, top), (-0.35, bottom)]) + path([(0.35, top), (0.35, bottom)]) + path([(-0.35, 0), (0.35, 0)]), // H
            path([(0, top), (0, bottom)]) + path([(-0.2, top), (0.2, top)]) + path([(-0.2, bottom), (0.2, bottom)]),     // I
            path([(-0.3, top), (-0.3, bottom)]) + path([(0.35, top), (-0.3, 0.05), (0.35, bottom)]),                   // K
            path([(-0.3, top), (-0.3, bottom), (0.35, bottom)]),                                                       // L
            path([(-0.4, bottom), (-0.35, top), (0, 0.2), (0.35, top), (0.4, bottom)]),                                 // M
            path([(-0.35, bottom), (-0.35, top), (0.35, bottom), (0.35, top)]),                                        // N
            arc(centre: (0, 0), radii: (0.38, 0.5), from: 0, to: 2 * .pi, steps: 16),                                  // O
            path([(-0.4, top), (0.4, top)]) + path([(0, top), (0, bottom)]),                                            // T
            path([(-0.35, top), (-0.35, 0.15)]) + arc(centre: (0, 0.15), radii: (0.35, 0.35), from: .pi, to: 0) + path([(0.35, 0.15), (0.35, top)]), // U
            path([(-0.4, top), (0, bottom), (0.4, top)]),                                                             // V
            path([(-0.45, top), (-0.22, bottom), (0, -0.1), (0.22, bottom), (0.45, top)]),                              // W
            path([(-0.38, top), (0.38, bottom)]) + path([(0.38, top), (-0.38, bottom)]),                                // X
            path([(-0.38, top), (0, 0)]) + path([(0.38, top), (0, 0), (0, bottom)]),                                    // Y
            path([(-0.35, top), (0.35, top), (-0.35, bottom), (0.35, bottom)]),                                        // Z
            arc(centre: (0.02, 0), radii: (0.4, 0.5), from: -0.3, to: -2 * .pi + 0.3, steps: 14),                      // C
            path([(-0.3, top), (-0.3, bottom)]) + arc(centre: (-0.3, 0), radii: (0.62, 0.5), from: -.pi / 2, to: .pi / 2, steps: 12), // D
        ]
    }()

    let pose: Pose
    let strokes: [(Point, Point)]
    /// Whether each stroke's start and end are free ends (not joined to another stroke): only
    /// free ends get serifs, not the joints of a curve.
    let freeEnds: [(Bool, Bool)]
    let width: Float
    let paper: RGB, ink: RGB
    let stains: UInt32

    init(using rng: inout RandomGenerator) {
        pose = Pose(scale: rng.uniform(0.75, 1.05), rotation: rng.uniform(-0.3, 0.3),
                    offset: SIMD2(rng.uniform(-0.15, 0.15), rng.uniform(-0.15, 0.15)))
        let strokes = rng.pick(GlyphDrawing.letters)
        func isFree(_ p: Point) -> Bool {
            strokes.filter { (($0.0 - p) * ($0.0 - p)).sum() < 1e-6 || (($0.1 - p) * ($0.1 - p)).sum() < 1e-6 }.count == 1
        }
        self.strokes = strokes
        freeEnds = strokes.map { (isFree($0.0), isFree($0.1)) }
        width = rng.uniform(0.04, 0.06)
        paper = RGB(0.97, 0.97, 0.95).mixed(with: RGB(0.85, 0.9, 0.97), rng.uniform(0, 0.6))
        ink = RGB(0.08, 0.08, 0.1).mixed(with: RGB(0.1, 0.15, 0.35), rng.uniform(0, 0.7))
        stains = UInt32(truncatingIfNeeded: rng.next())
    }

    /// The letter's frame: the page moves with the letter, whatever letter it is.
    func subject(at q: Point) -> Float { Swift.abs(q.x) < 0.65 && Swift.abs(q.y) < 0.65 ? 1 : 0 }

    func colour(at q: Point, image u: Point, pixel: Float, edited brush: Bool) -> RGB {
        guard brush else {
            let d = strokes.reduce(Float.infinity) { min($0, Shape.segment(q, $1.0, $1.1, radius: width)) }
            return paper.mixed(with: ink, Shape.coverage(d, pixel: pixel))
        }
        var d = Float.infinity
        for ((a, b), (freeStart, freeEnd)) in zip(strokes, freeEnds) {
            // A broad nib at 45°: strokes across the nib are wide, strokes along it thin.
            let angle = atan2(b.y - a.y, b.x - a.x)
            let nib = width * (0.45 + 1.1 * abs(sin(angle - .pi / 4)))
            let t = Shape.projection(q, a, b)
            d = min(d, Shape.segment(q, a, b, radius: nib * (0.85 + 0.15 * sin(t * .pi))))
            // Serifs: short bars across each end.
            let direction = (b - a) / max(((b - a) * (b - a)).sum().squareRoot(), 1e-6)
            let across = Point(-direction.y, direction.x) * 0.075
            if freeStart { d = min(d, Shape.segment(q, a - across, a + across, radius: width * 0.35)) }
            if freeEnd { d = min(d, Shape.segment(q, b - across, b + across, radius: width * 0.35)) }
        }
        let stain = Noise.value(q * 3, salt: stains) * 0.6 + Noise.value(q * 11, salt: stains &+ 1) * 0.4
        let vignette = 1 - 0.35 * min((u * u).sum() / 2, 1)
        let parchment = RGB(0.9, 0.8, 0.6).mixed(with: RGB(0.72, 0.58, 0.38), stain * 0.7).scaled(vignette)
        let brownInk = RGB(0.32, 0.12, 0.06).scaled(0.8 + 0.4 * Noise.value(q * 25, salt: stains &+ 2))
        return parchment.mixed(with: brownInk, Shape.coverage(d, pixel: pixel))
    }
}
