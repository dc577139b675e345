import Engine

/// A 2-D convolution layer: `weight` `[KH, KW, Cin, Cout]` (He-normal) and an optional `bias`
/// `[Cout]` (zeros), registered as `weight` and `bias` in the layer's scope.
public struct Conv2D {
    public let weight: Tensor
    public let bias: Tensor?
    public let stride: Int, padding: Int

    /// A `kernel`×`kernel` convolution from `input` to `output` channels; padding defaults to
    /// `kernel / 2`, which keeps the size at stride 1.
    public init(_ parameters: Parameters, kernel: Int, input: Int, output: Int, stride: Int = 1, padding: Int? = nil,
                bias: Bool = true, using rng: inout RandomGenerator) throws {
        weight = try parameters.convolutionWeight("weight", kernel: kernel, input: input, output: output, using: &rng)
        self.bias = bias ? try parameters.constant("bias", [output], value: 0) : nil
        (self.stride, self.padding) = (stride, padding ?? kernel / 2)
    }

    /// x `[N, H, W, Cin]` → `[N, OH, OW, Cout]`.
    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try Tensor.conv2d(x, weight: weight, bias: bias, stride: stride, padding: padding)
    }
}

/// Group normalisation with a learned per-channel scale (`weight`, ones) and shift (`bias`,
/// zeros), named as PyTorch's `GroupNorm` names them.
public struct GroupNorm {
    public let weight: Tensor, bias: Tensor
    public let groups: Int

    /// `channels` split into `groups` groups (which must divide them).
    public init(_ parameters: Parameters, groups: Int, channels: Int) throws {
        guard groups >= 1, channels % groups == 0 else {
            throw EngineError.invalidArgument(op: "GroupNorm", message: "\(channels) channels cannot be split into \(groups) groups")
        }
        weight = try parameters.constant("weight", [channels], value: 1)
        bias = try parameters.constant("bias", [channels], value: 0)
        self.groups = groups
    }

    /// x `[N, H, W, C]` normalised per (image, group), then scaled and shifted per channel;
    /// then, in the same op, shifted per image and channel by `shift` `[N, C]` and passed through
    /// SiLU when asked.
    public func callAsFunction(_ x: Tensor, shift: Tensor? = nil, silu: Bool = false) throws -> Tensor {
        try Tensor.groupNorm(x, groups: groups, gamma: weight, beta: bias, shift: shift, silu: silu)
    }
}

/// A fully connected layer: `weight` `[input, output]` (normal, std √(1/input)) and `bias`
/// `[output]` (zeros); x `[N, input]` → `[N, output]`.
public struct Linear {
    public let weight: Tensor, bias: Tensor

    public init(_ parameters: Parameters, input: Int, output: Int, using rng: inout RandomGenerator) throws {
        weight = try parameters.add("weight", .randomNormal([input, output], std: (1 / Float(input)).squareRoot(), using: &rng))
        bias = try parameters.constant("bias", [output], value: 0)
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try Tensor.matmul(x, weight) + bias
    }
}
