/// A small, fast, seedable generator (SplitMix64), so that every weight initialisation, batch order
/// and noise draw repeats exactly for a seed on every machine.
public struct RandomGenerator: RandomNumberGenerator, Sendable {
    /// The whole state: a checkpoint saves it, and `init(restoring:)` continues the sequence.
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }

    /// The generator whose `state` was `state`: it goes on with the same numbers.
    public init(restoring state: UInt64) { self.state = state }

    /// SplitMix64's increment: draw k mixes `state + k·gamma`, so any draw can be reached directly.
    static let gamma: UInt64 = 0x9E37_79B9_7F4A_7C15

    public mutating func next() -> UInt64 {
        state &+= RandomGenerator.gamma
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The generator `draws` draws ahead of this one, without making them.
    func advanced(by draws: Int) -> RandomGenerator {
        RandomGenerator(restoring: state &+ UInt64(truncatingIfNeeded: draws) &* RandomGenerator.gamma)
    }

    /// Fills `count` values, `drawsEach` draws apiece, in parallel chunks: each chunk starts its own
    /// generator where the sequence would be, so the values and the state after are exactly those
    /// of filling them one by one.
    mutating func fill(_ destination: UnsafeMutablePointer<Float>, count: Int, drawsEach: Int,
                       _ value: (inout RandomGenerator) -> Float) {
        let start = self
        Threads.parallelFor(count, grain: 8192) { range in
            var local = start.advanced(by: range.lowerBound * drawsEach)
            for i in range { destination[i] = value(&local) }
        }
        self = advanced(by: count * drawsEach)
    }

    /// Uniform in [0, 1) with 24 random bits, the resolution of a Float.
    public mutating func nextUnit() -> Float { Float(next() >> 40) * 0x1p-24 }

    /// Uniform in [low, high).
    public mutating func uniform(_ low: Float, _ high: Float) -> Float { low + (high - low) * nextUnit() }

    /// Standard normal by Box–Muller (one of the pair is discarded to keep the generator stateless
    /// beyond its counter, which makes sequences easy to reason about).
    public mutating func normal() -> Float {
        let u1 = max(Double(next() >> 11) * 0x1p-53, 1e-300)
        let u2 = Double(next() >> 11) * 0x1p-53
        return Float((-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2))
    }
}

#if canImport(Glibc)
import Glibc
@inline(__always) private func _log(_ x: Double) -> Double { Glibc.log(x) }
@inline(__always) private func _cos(_ x: Double) -> Double { Glibc.cos(x) }
#else
import Darwin
@inline(__always) private func _log(_ x: Double) -> Double { Darwin.log(x) }
@inline(__always) private func _cos(_ x: Double) -> Double { Darwin.cos(x) }
#endif
