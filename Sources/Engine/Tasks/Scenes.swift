import Foundation

/// A village under a sky — hills, houses with windows, a street lamp, the sun — seen by day, and
/// the same view by night: a global change of colour and light, with windows and the lamp as
/// local lights. The whole view moves with the pose (a camera pan, zoom and tilt).
struct SceneDrawing: TaskDrawing {
    struct House { let centre: Float, width: Float, height: Float, roof: Float, wall: RGB, roofColour: RGB, lit: [Bool] }

    let pose: Pose
    let horizon: Float
    let hillPhase, hillHeight: Float
    let sun: Point
    let houses: [House]
    let lampX: Float
    let grass: RGB
    let stars: UInt32

    init(using rng: inout RandomGenerator) {
        pose = Pose(scale: rng.uniform(1.05, 1.35), rotation: rng.uniform(-0.1, 0.1),
                    offset: SIMD2(rng.uniform(-0.2, 0.2), rng.uniform(-0.15, 0.15)))
        horizon = rng.uniform(0.0, 0.3)
        hillPhase = rng.uniform(0, 2 * .pi)
        hillHeight = rng.uniform(0.05, 0.15)
        sun = Point(rng.uniform(-0.9, 0.9), rng.uniform(-0.85, -0.4))
        var houses: [House] = []
        var x = rng.uniform(-1.3, -0.9)
        while x < 1.1 {
            let width = rng.uniform(0.25, 0.42)
            let wall = RGB.hsv(hue: rng.uniform(0, 2 * .pi), saturation: rng.uniform(0.15, 0.45), value: rng.uniform(0.65, 0.95))
            let roofColour = rng.pick([RGB(0.6, 0.2, 0.15), RGB(0.35, 0.3, 0.3), RGB(0.45, 0.3, 0.2)])
            houses.append(House(centre: x + width / 2, width: width, height: rng.uniform(0.18, 0.32), roof: rng.uniform(0.1, 0.2),
                                wall: wall, roofColour: roofColour, lit: [rng.nextUnit() < 0.8, rng.nextUnit() < 0.8]))
            x += width + rng.uniform(0.08, 0.35)
        }
        self.houses = houses
        lampX = rng.uniform(-0.8, 0.8)
        grass = RGB(0.3, 0.55, 0.2).mixed(with: RGB(0.55, 0.6, 0.25), rng.uniform(0, 1))
        stars = UInt32(truncatingIfNeeded: rng.next())
    }

    func subject(at q: Point) -> Float { 1 }

    func colour(at q: Point, image u: Point, pixel: Float, edited night: Bool) -> RGB {
        let skyT = min(max((q.y + 1.4) / (horizon + 1.4), 0), 1)
        var c = night ? RGB(0.01, 0.02, 0.08).mixed(with: RGB(0.08, 0.1, 0.22), skyT)
                      : RGB(0.3, 0.55, 0.95).mixed(with: RGB(0.78, 0.87, 0.98), skyT)
        if night {
            let cell = Point(floor(q.x * 30), floor(q.y * 30))
            if Noise.hash(Int32(clamping: Int(cell.x)), Int32(clamping: Int(cell.y)), stars) > 0.97 {
                let centre = (cell + 0.5) / 30
                c = c.mixed(with: RGB(0.95, 0.95, 1), Shape.coverage(Shape.ellipse(q, centre: centre, radii: Point(0.006, 0.006)), pixel: pixel))
            }
            let moon = max(Shape.ellipse(q, centre: sun, radii: Point(0.09, 0.09)), -Shape.ellipse(q, centre: sun + Point(0.04, -0.02), radii: Point(0.08, 0.08)))
            c = c.mixed(with: RGB(0.95, 0.93, 0.8), Shape.coverage(moon, pixel: pixel))
        } else {
            let distance = Shape.ellipse(q, centre: sun, radii: Point(0.1, 0.1))
            c = c.mixed(with: RGB(1, 0.97, 0.8), Shape.coverage(distance, pixel: pixel) + 0.35 * exp(-max(distance, 0) * 10))
        }
        // Far hills, then the ground.
        let hill = q.y - (horizon - hillHeight - 0.06 * sin(q.x * 2.3 + hillPhase) - 0.03 * sin(q.x * 5.1))
        c = c.mixed(with: night ? RGB(0.05, 0.08, 0.1) : RGB(0.35, 0.5, 0.45), Shape.coverage(-hill, pixel: pixel))
        let groundShade = 0.9 + 0.15 * Noise.value(q * 8, salt: stars)
        c = c.mixed(with: (night ? grass.scaled(0.18) : grass).scaled(groundShade), Shape.coverage(horizon - q.y, pixel: pixel))

        var glow: Float = 0
        for house in houses {
            let base = horizon + 0.02
            let half = house.width / 2
            let wall = Shape.box(q, centre: Point(house.centre, base - house.height / 2), half: Point(half, house.height / 2))
            c = c.mixed(with: night ? house.wall.scaled(0.2) : house.wall, Shape.coverage(wall, pixel: pixel))
            let top = base - house.height
            let roof = max(q.y - top, (top - house.roof) + abs(q.x - house.centre) * house.roof / (half + 0.04) - q.y)
            c = c.mixed(with: night ? house.roofColour.scaled(0.2) : house.roofColour, Shape.coverage(roof, pixel: pixel))
            for (k, lit) in house.lit.enumerated() {
                let centre = Point(house.centre + (k == 0 ? -0.45 : 0.45) * half, base - house.height * 0.55)
                let window = Shape.box(q, centre: centre, half: Point(0.035, 0.045))
                let pane = night && lit ? RGB(1, 0.85, 0.45) : (night ? RGB(0.05, 0.05, 0.08) : RGB(0.35, 0.45, 0.6))
                c = c.mixed(with: pane, Shape.coverage(window, pixel: pixel))
                if night && lit { glow += 0.35 * exp(-max(window, 0) * 14) }
            }
        }
        // A street lamp: pole and head; at night the head shines and lights its surroundings.
        let pole = Shape.segment(q, Point(lampX, horizon + 0.12), Point(lampX, horizon - 0.3), radius: 0.012)
        c = c.mixed(with: RGB(0.15, 0.15, 0.17), Shape.coverage(pole, pixel: pixel))
        let head = Shape.ellipse(q, centre: Point(lampX, horizon - 0.32), radii: Point(0.035, 0.03))
        c = c.mixed(with: night ? RGB(1, 0.95, 0.7) : RGB(0.8, 0.8, 0.75), Shape.coverage(head, pixel: pixel))
        if night { glow += 0.6 * exp(-max(head, 0) * 6) }
        return RGB(c.r + glow, c.g + glow * 0.85, c.b + glow * 0.45)
    }
}
