import Foundation

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
