import Engine

/// A two-layer convolutional network and a toy image mapping for it to learn: the engine's ops,
/// tape, optimiser and `Trainer` working together, used by `likewise demo`, `likewise bench ops`
/// and the trainer's tests.
///
/// The mapping is a fixed 3×3 blur followed by a colour-channel mix, which the network can
/// represent exactly, so its loss should fall by orders of magnitude.
public struct ToyNetwork {
    /// Every weight, as `conv1.weight`, `conv1.bias`, `norm.weight`, `norm.bias`, `conv2.weight`, `conv2.bias`.
    public let parameters = Parameters()
    let conv1: Conv2D, norm: GroupNorm, conv2: Conv2D

    /// A network with `channels` hidden channels (a multiple of 4), initialised from `seed`.
    public init(channels: Int, seed: UInt64) throws {
        var rng = RandomGenerator(seed: seed)
        conv1 = try Conv2D(parameters.scoped("conv1"), kernel: 3, input: 3, output: channels, using: &rng)
        norm = try GroupNorm(parameters.scoped("norm"), groups: 4, channels: channels)
        conv2 = try Conv2D(parameters.scoped("conv2"), kernel: 3, input: channels, output: 3, using: &rng)
    }

    /// x `[N, H, W, 3]` → `[N, H, W, 3]`: conv, group norm, SiLU, conv, plus x.
    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try conv2(norm(conv1(x)).silu()) + x
    }

    /// The MSE of the network's output on `source` against `target`: the loss of one step.
    public func loss(source: Tensor, target: Tensor) throws -> Tensor {
        try Tensor.mseLoss(self(source), target)
    }

    /// A batch of random smooth images `[N, size, size, 3]` and their images under the toy mapping.
    public static func batch(count: Int, size: Int, using rng: inout RandomGenerator) throws -> (source: Tensor, target: Tensor) {
        let noise = try Tensor.randomUniform([count, size / 4, size / 4, 3], low: -1, high: 1, using: &rng)
        let source = try Autodiff.withoutGradients { try noise.resizedBilinear(height: size, width: size) }
        var blur = [Float](repeating: 0, count: 9 * 9)
        let taps: [Float] = [1, 2, 1, 2, 4, 2, 1, 2, 1]
        let mix: [[Float]] = [[0.2, 0.7, 0.1], [0.6, 0.2, 0.2], [0.1, 0.1, 0.8]]
        for tap in 0..<9 {
            for cin in 0..<3 {
                for cout in 0..<3 { blur[(tap * 3 + cin) * 3 + cout] = taps[tap] / 16 * mix[cout][cin] }
            }
        }
        let kernel = try Tensor(shape: [3, 3, 3, 3], scalars: blur)
        let target = try Autodiff.withoutGradients { try Tensor.conv2d(source, weight: kernel, padding: 1) }
        return (source, target)
    }
}
