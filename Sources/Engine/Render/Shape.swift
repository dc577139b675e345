import Foundation

/// A point or vector in drawing coordinates (a task's canonical frame, or a picture's).
typealias Point = SIMD2<Float>

/// Signed distances to simple shapes (negative inside) and their anti-aliased coverage, the
/// vocabulary the built-in tasks and pictures draw with. Distances are in the units of the point given.
enum Shape {
    /// Distance to an ellipse centred at `centre` with radii `radii` (exact on circles, a close
    /// approximation elsewhere: scaled by the smaller radius).
    @inline(__always)
    static func ellipse(_ p: Point, centre: Point, radii: Point) -> Float {
        let d = (p - centre) / radii
        return ((d * d).sum().squareRoot() - 1) * min(radii.x, radii.y)
    }

    /// Distance to the segment a–b, minus `radius` (a capsule: a stroke with round ends).
    @inline(__always)
    static func segment(_ p: Point, _ a: Point, _ b: Point, radius: Float) -> Float {
        let pa = p - a, ba = b - a
        let t = min(max((pa * ba).sum() / max((ba * ba).sum(), 1e-12), 0), 1)
        let d = pa - ba * t
        return (d * d).sum().squareRoot() - radius
    }

    /// Where on segment a–b the point p projects (0 at a, 1 at b).
    @inline(__always)
    static func projection(_ p: Point, _ a: Point, _ b: Point) -> Float {
        let ba = b - a
        return min(max(((p - a) * ba).sum() / max((ba * ba).sum(), 1e-12), 0), 1)
    }

    /// Distance to an axis-aligned box with the given centre and half-size.
    @inline(__always)
    static func box(_ p: Point, centre: Point, half: Point) -> Float {
        let d = p - centre
        let q = Point(Swift.abs(d.x), Swift.abs(d.y)) - half
        let outside = Point(max(q.x, 0), max(q.y, 0))
        return (outside * outside).sum().squareRoot() + min(max(q.x, q.y), 0)
    }

    /// How much of a pixel of size `pixel` a shape at signed distance `d` covers, 0…1.
    @inline(__always)
    static func coverage(_ d: Float, pixel: Float) -> Float {
        min(max(0.5 - d / pixel, 0), 1)
    }
}
