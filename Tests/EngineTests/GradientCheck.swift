@testable import Engine
import Testing

/// Compares the gradients that `backward()` computes for `f` with central finite differences.
///
/// The scalar objective is Σ f(inputs) ⊙ R for a fixed random R (so every output element matters
/// with a different weight), evaluated in Double. At most `samples` elements of each input are
/// probed. A gradient passes when |analytic − numeric| ≤ tolerance · max(1, |numeric|).
func expectGradientsMatchFiniteDifferences(
    _ inputs: [Tensor], epsilon: Float = 1e-2, tolerance: Float = 5e-3, samples: Int = 40,
    sourceLocation: SourceLocation = #_sourceLocation, _ f: ([Tensor]) throws -> Tensor
) throws {
    for input in inputs { input.requiringGrad(); input.grad = nil }
    let output = try f(inputs)
    var rng = RandomGenerator(seed: 99)
    let weights = try Tensor.randomUniform(output.shape, low: -1, high: 1, using: &rng)
    try output.backward(seed: weights)

    func objective() throws -> Double {
        let out = try Autodiff.withoutGradients { try f(inputs) }
        var total: Double = 0
        for i in 0..<out.count { total += Double(out.pointer[i]) * Double(weights.pointer[i]) }
        return total
    }

    for (n, input) in inputs.enumerated() {
        let grad = try #require(input.grad, "input \(n) received no gradient", sourceLocation: sourceLocation)
        let stride = max(1, input.count / samples)
        for i in Swift.stride(from: 0, to: input.count, by: stride) {
            let saved = input.pointer[i]
            input.pointer[i] = saved + epsilon
            let plus = try objective()
            input.pointer[i] = saved - epsilon
            let minus = try objective()
            input.pointer[i] = saved
            let numeric = Float((plus - minus) / (2 * Double(epsilon)))
            let analytic = grad.pointer[i]
            #expect(abs(analytic - numeric) <= tolerance * max(1, abs(numeric)),
                    "input \(n) \(input.shape) element \(i): backward \(analytic), finite difference \(numeric)",
                    sourceLocation: sourceLocation)
        }
    }
}

/// A seeded random tensor for tests.
func random(_ shape: [Int], seed: UInt64 = 1, low: Float = -1, high: Float = 1) throws -> Tensor {
    var rng = RandomGenerator(seed: seed)
    return try Tensor.randomUniform(shape, low: low, high: high, using: &rng)
}

/// |a − b| ≤ tolerance element-wise.
func expectClose(_ a: [Float], _ b: [Float], tolerance: Float = 1e-4, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(a.count == b.count, "counts \(a.count) and \(b.count)", sourceLocation: sourceLocation)
    for (i, (x, y)) in zip(a, b).enumerated() where abs(x - y) > tolerance * max(1, abs(y)) {
        Issue.record("element \(i): \(x) vs \(y)", sourceLocation: sourceLocation)
        return
    }
}
