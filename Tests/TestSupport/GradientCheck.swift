import Engine

/// One probed element whose backward gradient disagrees with the finite difference.
public struct GradientMismatch: CustomStringConvertible, Sendable {
    public let input: Int
    public let shape: [Int]
    public let index: Int
    public let analytic: Double
    public let numeric: Double

    public var description: String {
        "input \(input) \(shape) element \(index): backward \(analytic), finite difference \(numeric)"
    }
}

/// Compares the gradients that `backward()` computes for `f` with central finite differences, and
/// returns every probe where they disagree.
///
/// The scalar objective is Σ f(inputs) ⊙ R for a fixed random R (so every output element matters
/// with a different weight), summed in Double. Each difference quotient divides by the step the
/// Float32 input actually took, not the step asked for. Inputs of at most `maximumProbes` elements
/// are probed everywhere; larger ones at `maximumProbes` indices spread over the whole tensor, one
/// per stratum, cycling through every index of the last axis (the channels of NHWC), so no channel
/// is left unprobed.
///
/// A probe passes when |analytic − numeric| ≤ relative·|numeric| + absolute·scale, where scale is
/// the largest |gradient| over that input's probes: a 2 % error fails wherever the gradient is more
/// than a tenth of its largest value, while Float32 rounding (≈10⁻⁵ of scale at these steps) passes.
public func gradientMismatches(
    _ inputs: [Tensor], epsilon: Float = 1e-2, relative: Double = 1e-2, absolute: Double = 1e-3,
    maximumProbes: Int = 64, _ f: ([Tensor]) throws -> Tensor
) throws -> [GradientMismatch] {
    for input in inputs { input.requiringGrad(); input.grad = nil }
    let output = try f(inputs)
    var rng = RandomGenerator(seed: 99)
    let weights = try Tensor.randomUniform(output.shape, low: -1, high: 1, using: &rng).scalars
    if output.requiresGrad { try output.backward(seed: Tensor(shape: output.shape, scalars: weights)) }

    func objective() throws -> Double {
        let out = try Autodiff.withoutGradients { try f(inputs) }
        return out.withUnsafeBufferPointer { values in
            zip(values, weights).reduce(0) { $0 + Double($1.0) * Double($1.1) }
        }
    }
    /// Sets element i of `input` to `value` and returns what Float32 made of it.
    func set(_ input: Tensor, _ i: Int, _ value: Float) -> Float {
        input.withUnsafeMutableBufferPointer { $0[i] = value; return $0[i] }
    }

    var mismatches: [GradientMismatch] = []
    for (n, input) in inputs.enumerated() where input.count > 0 {
        let gradient = input.grad?.scalars
        var probes: [(index: Int, analytic: Double, numeric: Double)] = []
        for i in probeIndices(count: input.count, channels: input.shape.last ?? 1, maximum: maximumProbes, using: &rng) {
            let saved = input.withUnsafeBufferPointer { $0[i] }
            let up = set(input, i, saved + epsilon)
            let plus = try objective()
            let down = set(input, i, saved - epsilon)
            let minus = try objective()
            _ = set(input, i, saved)
            let numeric = (plus - minus) / (Double(up) - Double(down))
            probes.append((i, Double(gradient?[i] ?? 0), numeric))
        }
        let scale = probes.map { max(abs($0.analytic), abs($0.numeric)) }.max() ?? 0
        for p in probes where abs(p.analytic - p.numeric) > relative * abs(p.numeric) + absolute * scale + 1e-6 {
            mismatches.append(GradientMismatch(input: n, shape: input.shape, index: p.index, analytic: p.analytic, numeric: p.numeric))
        }
    }
    return mismatches
}

/// Every index of a small tensor; for a large one, one index in each of `maximum` equal strata,
/// the k-th on last-axis index k mod `channels` where the stratum is long enough to hold it.
public func probeIndices(count: Int, channels: Int, maximum: Int, using rng: inout RandomGenerator) -> [Int] {
    guard count > maximum else { return Array(0..<count) }
    let c = max(channels, 1)
    return (0..<maximum).map { k in
        let start = k * count / maximum, end = (k + 1) * count / maximum
        guard end - start >= c else { return start + Int(rng.next() % UInt64(end - start)) }
        let first = start + (k % c - start % c + c) % c
        let slots = (end - first + c - 1) / c
        return first + c * Int(rng.next() % UInt64(slots))
    }
}

/// A seeded random tensor for tests.
public func random(_ shape: [Int], seed: UInt64 = 1, low: Float = -1, high: Float = 1) throws -> Tensor {
    var rng = RandomGenerator(seed: seed)
    return try Tensor.randomUniform(shape, low: low, high: high, using: &rng)
}
