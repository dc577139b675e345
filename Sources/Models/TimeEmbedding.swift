import Engine
import Foundation

/// How a denoiser knows the noise level: each t ∈ [0, 1] becomes sinusoids of geometrically
/// spaced frequencies (the Transformer's positional code, as DDPM uses it for time), then a small
/// MLP (linear, SiLU, linear). Each residual block adds its own projection of the result to its
/// features.
///
/// Parameter names: `first`, `second` (each `weight`, `bias`).
public struct TimeEmbedding {
    /// Sinusoid features: half sines, half cosines.
    public let features: Int
    let first: Linear, second: Linear

    /// An embedding of `features` sinusoids (even, ≥ 2) into `width` channels.
    public init(_ parameters: Parameters, features: Int, width: Int, using rng: inout RandomGenerator) throws {
        guard features >= 2, features % 2 == 0, width >= 1 else {
            throw EngineError.invalidArgument(op: "TimeEmbedding", message: "features must be even and ≥ 2 and width ≥ 1, got \(features) and \(width)")
        }
        self.features = features
        first = try Linear(parameters.scoped("first"), input: features, output: width, using: &rng)
        second = try Linear(parameters.scoped("second"), input: width, output: width, using: &rng)
    }

    /// The embedding of each time, `[N, width]`.
    public func callAsFunction(_ times: [Float]) throws -> Tensor {
        try second(first(TimeEmbedding.sinusoids(times, features: features)).silu())
    }

    /// `[N, features]`: sin(1000·t·ωₖ) then cos(1000·t·ωₖ), ωₖ = 10000^(−k/(features/2)). The
    /// factor 1000 spreads t ∈ [0, 1] over the range of DDPM's integer steps, so that the lowest
    /// frequencies still turn by a useful angle between neighbouring noise levels.
    public static func sinusoids(_ times: [Float], features: Int) throws -> Tensor {
        let half = features / 2
        let out = try Tensor(shape: [times.count, features], repeating: 0)
        out.withUnsafeMutableBufferPointer { values in
            for (n, t) in times.enumerated() {
                for k in 0..<half {
                    let angle = 1000 * Double(t) * Foundation.pow(10_000, -Double(k) / Double(half))
                    values[n * features + k] = Float(Foundation.sin(angle))
                    values[n * features + half + k] = Float(Foundation.cos(angle))
                }
            }
        }
        return out
    }
}
