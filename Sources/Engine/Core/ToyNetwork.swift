/// A two-layer convolutional network and a toy image mapping for it to learn: the engine's ops,
/// tape and optimiser working together, used by `likewise demo`, `likewise bench ops` and the
/// engine's end-to-end test.
///
/// The mapping is a fixed 3×3 blur followed by a colour-channel mix, which the network can
/// represent exactly, so its loss should fall by orders of magnitude.
public struct ToyNetwork {
    public let parameters = Parameters()
    let conv1Weight, conv1Bias, normScale, normShift, conv2Weight, conv2Bias: Tensor

    public init(channels: Int, seed: UInt64) throws {
        var rng = RandomGenerator(seed: seed)
        let first = parameters.scoped("conv1"), norm = parameters.scoped("norm"), second = parameters.scoped("conv2")
        conv1Weight = try first.convolutionWeight("weight", kernel: 3, input: 3, output: channels, using: &rng)
        conv1Bias = try first.constant("bias", [channels], value: 0)
        normScale = try norm.constant("scale", [channels], value: 1)
        normShift = try norm.constant("shift", [channels], value: 0)
        conv2Weight = try second.convolutionWeight("weight", kernel: 3, input: channels, output: 3, using: &rng)
        conv2Bias = try second.constant("bias", [3], value: 0)
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        let h = try Tensor.conv2d(x, weight: conv1Weight, bias: conv1Bias, padding: 1)
        let normed = try Tensor.groupNorm(h, groups: 4, gamma: normScale, beta: normShift).silu()
        return try Tensor.conv2d(normed, weight: conv2Weight, bias: conv2Bias, padding: 1) + x
    }

    /// One training step: the MSE of the network's output on `source` against `target`, its
    /// gradients, clipping to a global norm of 1, and an optimiser update. Returns the loss and
    /// the gradient norm before clipping.
    @discardableResult
    public func trainingStep(source: Tensor, target: Tensor, optimizer: AdamW) throws -> (loss: Float, gradientNorm: Float) {
        let loss = try Tensor.mseLoss(try self(source), target)
        parameters.zeroGrad()
        try loss.backward()
        let norm = clipGradientNorm(optimizer.parameters, maxNorm: 1)
        optimizer.update()
        return (loss.scalar, norm)
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
