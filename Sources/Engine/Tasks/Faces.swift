import Foundation

/// A cartoon portrait with its own head shape, skin, hair, eyes, mouth, background and light,
/// and the four face edits of the built-in tasks. Canonical coordinates: the face is centred at
/// the origin, about 1.2 units wide, y downwards.
struct FaceDrawing: TaskDrawing {
    enum Edit { case blueEyes, bigSmile, old, sleepy }

    let edit: Edit
    let pose: Pose
    let head: Point            // radii of the face ellipse
    let skin, hair, iris, lips: RGB
    let hairline, hairVolume: Float
    let eyeSpacing, eyeHeight: Float
    let eyeSize: Point
    let mouthY, mouthWidth, mouthCurve: Float
    let backgroundTop, backgroundBottom: RGB
    let lightDirection: Point
    let lightStrength: Float
    let grain: UInt32

    init(edit: Edit, using rng: inout RandomGenerator) {
        self.edit = edit
        pose = Pose(scale: rng.uniform(0.72, 0.95), rotation: rng.uniform(-0.3, 0.3),
                    offset: SIMD2(rng.uniform(-0.16, 0.16), rng.uniform(-0.12, 0.16)))
        head = Point(rng.uniform(0.5, 0.62), rng.uniform(0.68, 0.8))
        skin = RGB(0.97, 0.82, 0.70).mixed(with: RGB(0.42, 0.28, 0.19), rng.uniform(0, 1))
        hair = rng.pick([RGB(0.08, 0.06, 0.05), RGB(0.35, 0.2, 0.1), RGB(0.85, 0.7, 0.4), RGB(0.6, 0.25, 0.1)])
            .mixed(with: RGB(0.3, 0.2, 0.15), rng.uniform(0, 0.3))
        // Brown, green, hazel or grey: never blue, so that blue eyes are the edit.
        iris = rng.pick([RGB(0.35, 0.2, 0.1), RGB(0.25, 0.45, 0.2), RGB(0.5, 0.4, 0.2), RGB(0.45, 0.48, 0.5)])
        lips = skin.mixed(with: RGB(0.75, 0.25, 0.3), rng.uniform(0.35, 0.6))
        hairline = rng.uniform(-0.5, -0.34)
        hairVolume = rng.uniform(0.04, 0.14)
        eyeSpacing = rng.uniform(0.19, 0.25)
        eyeHeight = rng.uniform(-0.12, -0.04)
        eyeSize = Point(rng.uniform(0.09, 0.12), rng.uniform(0.045, 0.06))
        mouthY = rng.uniform(0.32, 0.42)
        mouthWidth = rng.uniform(0.13, 0.18)
        mouthCurve = rng.uniform(0, 0.4)
        let hue = rng.uniform(0, 2 * .pi)
        backgroundTop = RGB.hsv(hue: hue, saturation: rng.uniform(0.1, 0.45), value: rng.uniform(0.5, 0.95))
        backgroundBottom = RGB.hsv(hue: hue + rng.uniform(-0.8, 0.8), saturation: rng.uniform(0.1, 0.45), value: rng.uniform(0.3, 0.8))
        let angle = rng.uniform(0, 2 * .pi)
        lightDirection = Point(cos(angle), sin(angle))
        lightStrength = rng.uniform(0.1, 0.35)
        grain = UInt32(truncatingIfNeeded: rng.next())
    }

    /// The head with its hair: everything drawn in canonical coordinates but the background.
    func subject(at q: Point) -> Float {
        let face = Shape.ellipse(q, centre: .zero, radii: head)
        let back = max(Shape.ellipse(q, centre: Point(0, -0.06), radii: head + Point(hairVolume, hairVolume * 0.8)), q.y - 0.3)
        return min(face, back) < 0 ? 1 : 0
    }

    func colour(at q: Point, image u: Point, pixel: Float, edited: Bool) -> RGB {
        let aged = edited && edit == .old
        let hairColour = aged ? hair.mixed(with: RGB(0.8, 0.8, 0.82), 0.85) : hair
        var c = backgroundTop.mixed(with: backgroundBottom, (u.y + 1) / 2)

        // Hair behind the head, the neck, then the face.
        let back = Shape.ellipse(q, centre: Point(0, -0.06), radii: head + Point(hairVolume, hairVolume * 0.8))
        c = c.mixed(with: hairColour, Shape.coverage(max(back, q.y - 0.3), pixel: pixel))
        c = c.mixed(with: skin.scaled(0.85), Shape.coverage(Shape.box(q, centre: Point(0, 0.9), half: Point(0.2, 0.3)), pixel: pixel))
        let face = Shape.ellipse(q, centre: .zero, radii: head)
        let texture = 0.97 + 0.06 * Noise.value(q * 14, salt: grain)
        var skinHere = (aged ? skin.mixed(with: RGB(0.7, 0.66, 0.62), 0.25) : skin).scaled(texture)
        if aged { skinHere = skinHere.scaled(1 - 0.25 * wrinkles(q, pixel: pixel)) }
        c = c.mixed(with: skinHere, Shape.coverage(face, pixel: pixel))

        // Fringe: hair inside the face above a wavy hairline.
        let fringe = q.y - (hairline + 0.04 * sin(q.x * 9 + Float(grain % 7)))
        c = c.mixed(with: hairColour, Shape.coverage(max(face, fringe), pixel: pixel))

        for side: Float in [-1, 1] {
            let centre = Point(side * eyeSpacing, eyeHeight)
            let brow = Shape.segment(q, centre + Point(-0.09, -0.085), centre + Point(0.09, -0.095 + side * 0.0), radius: 0.014)
            c = c.mixed(with: hairColour.scaled(0.8), Shape.coverage(brow, pixel: pixel))
            c = eye(c, q, centre: centre, pixel: pixel, edited: edited)
        }

        let nose = min(Shape.segment(q, Point(0.0, 0.0), Point(0.035, 0.17), radius: 0.009),
                       Shape.segment(q, Point(0.035, 0.17), Point(-0.02, 0.19), radius: 0.009))
        c = c.mixed(with: skin.scaled(0.7), Shape.coverage(nose, pixel: pixel))
        c = mouth(c, q, pixel: pixel, edited: edited && edit == .bigSmile)

        let light = 1 - lightStrength + lightStrength * (1 + (u * lightDirection).sum()) / 2
        return c.scaled(light)
    }

    private func eye(_ c: RGB, _ q: Point, centre: Point, pixel: Float, edited: Bool) -> RGB {
        var c = c
        if edited && edit == .sleepy {
            // A closed lid: a dark arc where the eye was, lashes hanging from it.
            let w = eyeSize.x
            let arc = min(Shape.segment(q, centre + Point(-w, 0), centre + Point(0, 0.022), radius: 0.009),
                          Shape.segment(q, centre + Point(0, 0.022), centre + Point(w, 0), radius: 0.009))
            c = c.mixed(with: RGB(0.15, 0.1, 0.08), Shape.coverage(arc, pixel: pixel))
            for k: Float in [-0.5, 0, 0.5] {
                let root = centre + Point(k * w, 0.022 - 0.02 * abs(k))
                c = c.mixed(with: RGB(0.15, 0.1, 0.08), Shape.coverage(Shape.segment(q, root, root + Point(k * 0.02, 0.03), radius: 0.005), pixel: pixel))
            }
            return c
        }
        let sclera = Shape.ellipse(q, centre: centre, radii: eyeSize)
        c = c.mixed(with: RGB(0.95, 0.95, 0.93), Shape.coverage(sclera, pixel: pixel))
        let irisColour = edited && edit == .blueEyes ? RGB(0.15, 0.4, 0.95) : iris
        let irisShape = max(Shape.ellipse(q, centre: centre, radii: Point(0.045, 0.045)), sclera)
        c = c.mixed(with: irisColour, Shape.coverage(irisShape, pixel: pixel))
        c = c.mixed(with: RGB(0.02, 0.02, 0.02), Shape.coverage(Shape.ellipse(q, centre: centre, radii: Point(0.018, 0.018)), pixel: pixel))
        c = c.mixed(with: .white, 0.9 * Shape.coverage(Shape.ellipse(q, centre: centre + Point(0.015, -0.015), radii: Point(0.008, 0.008)), pixel: pixel))
        let outline = abs(sclera) - 0.006
        return c.mixed(with: RGB(0.2, 0.12, 0.1), Shape.coverage(outline, pixel: pixel))
    }

    /// Lips between an upper and a lower curve; a big smile widens them, bends them up at the
    /// corners and opens them onto teeth.
    private func mouth(_ c: RGB, _ q: Point, pixel: Float, edited: Bool) -> RGB {
        let width = edited ? mouthWidth * 1.35 : mouthWidth
        let curve = edited ? 1.0 : mouthCurve
        let opening: Float = edited ? 0.075 : 0.004
        let t = min(abs(q.x) / width, 1)
        let bend = 1 - t * t
        let upper = mouthY + 0.035 * curve * bend - 0.004
        let lower = upper + opening * bend + 0.004 + 0.03 * curve * bend * (edited ? 1 : 0)
        let across = abs(q.x) - width
        var c = c
        let inside = max(max(upper - q.y, q.y - lower), across)
        c = c.mixed(with: RGB(0.25, 0.05, 0.07), Shape.coverage(inside, pixel: pixel))
        if edited {
            let teeth = max(max(upper - q.y, q.y - (upper + 0.035 * bend)), across + 0.02)
            c = c.mixed(with: RGB(0.97, 0.96, 0.9), Shape.coverage(teeth, pixel: pixel))
        }
        let upperLip = max(abs(q.y - (upper - 0.012)) - 0.014, across)
        let lowerLip = max(abs(q.y - (lower + 0.014)) - 0.016, across)
        c = c.mixed(with: lips, Shape.coverage(min(upperLip, lowerLip), pixel: pixel))
        return c
    }

    /// 0…1: how much a wrinkle darkens the skin at `q` (forehead lines, crow's feet, smile lines, eye bags).
    private func wrinkles(_ q: Point, pixel: Float) -> Float {
        var d: Float = .infinity
        for k in 0..<3 {
            let y = hairline + 0.12 + Float(k) * 0.05 + 0.012 * sin(q.x * 18 + Float(k))
            d = min(d, max(abs(q.y - y) - 0.004, abs(q.x) - 0.28 + Float(k) * 0.03))
        }
        for side: Float in [-1, 1] {
            let corner = Point(side * (eyeSpacing + eyeSize.x + 0.015), eyeHeight)
            for angle: Float in [-0.5, 0, 0.5] {
                d = min(d, Shape.segment(q, corner, corner + Point(side * 0.07 * cos(angle), 0.07 * sin(angle)), radius: 0.004))
            }
            d = min(d, Shape.segment(q, Point(side * 0.08, 0.13), Point(side * (mouthWidth + 0.04), mouthY + 0.02), radius: 0.005))
            let bag = Point(side * eyeSpacing, eyeHeight + eyeSize.y + 0.025)
            d = min(d, Shape.segment(q, bag - Point(0.06, 0), bag + Point(0.06, 0), radius: 0.004))
        }
        return Shape.coverage(d, pixel: pixel)
    }
}
