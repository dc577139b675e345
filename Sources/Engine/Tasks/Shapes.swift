import Foundation

/// A point or vector in a task's drawing coordinates.
typealias Point = SIMD2<Float>

/// Signed distances to simple shapes (negative inside) and their anti-aliased coverage, the
/// vocabulary the built-in tasks draw with. Distances are in the units of the point given.
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

/// A smooth, deterministic pseudo-random field in [0, 1] (value noise on a lattice), for paper
/// texture, skin and sky: the same point always gives the same value.
enum Noise {
    @inline(__always)
    static func hash(_ x: Int32, _ y: Int32, _ salt: UInt32) -> Float {
        var h = UInt32(bitPattern: x) &* 0x8DA6_B343 ^ UInt32(bitPattern: y) &* 0xD816_3841 ^ salt &* 0xCB1A_B31F
        h = (h ^ (h >> 13)) &* 0x5BD1_E995
        h ^= h >> 15
        return Float(h & 0xFFFFFF) / Float(0xFFFFFF)
    }

    @inline(__always)
    static func value(_ p: Point, salt: UInt32) -> Float {
        let f = Point(Foundation.floor(p.x), Foundation.floor(p.y))
        let t = p - f
        let s = t * t * (3 - 2 * t)
        let x = Int32(clamping: Int(f.x)), y = Int32(clamping: Int(f.y))
        let a = hash(x, y, salt), b = hash(x &+ 1, y, salt), c = hash(x, y &+ 1, salt), d = hash(x &+ 1, y &+ 1, salt)
        return (a + (b - a) * s.x) + ((c + (d - c) * s.x) - (a + (b - a) * s.x)) * s.y
    }
}
