import Engine

/// The shape of a U-Net: channels in and out, a width per resolution level, the group norm's
/// groups, whether the lowest level has self-attention, and whether it is told a time (a
/// diffusion model's noise level).
public struct UNetConfiguration: Sendable, Equatable, Codable {
    public var inputChannels: Int
    public var outputChannels: Int
    /// Channels at each level, finest first; each level below the first halves the resolution.
    public var widths: [Int]
    /// Group norm groups; must divide every width.
    public var groups: Int
    public var attention: Bool
    /// Start the output convolution at zero, so an untrained network adds nothing to what it
    /// refines (the editor's heads predict a correction).
    public var zeroOutput: Bool
    /// The width of the time embedding every residual block is told (0: no time input).
    public var timeChannels: Int

    public init(inputChannels: Int, outputChannels: Int, widths: [Int], groups: Int = 8, attention: Bool = true, zeroOutput: Bool = true,
                timeChannels: Int = 0) {
        (self.inputChannels, self.outputChannels, self.widths, self.groups, self.attention, self.zeroOutput, self.timeChannels) =
            (inputChannels, outputChannels, widths, groups, attention, zeroOutput, timeChannels)
    }

    /// Height and width must be multiples of this.
    public var sizeMultiple: Int { 1 << (widths.count - 1) }

    func validate() throws {
        guard inputChannels >= 1, outputChannels >= 1, !widths.isEmpty, widths.count <= 6, groups >= 1,
              widths.allSatisfy({ $0 >= groups && $0 % groups == 0 && $0 <= 4096 }), (0...4096).contains(timeChannels) else {
            throw EngineError.invalidArgument(op: "UNet", message: "widths \(widths) must be 1 to 6 levels, each a multiple of \(groups) groups up to 4096, with at least one channel in and out and 0…4096 time channels")
        }
    }
}

/// A residual block: 3×3 conv, group norm, SiLU, twice, added to the input (through a 1×1 conv
/// where the widths differ). Told a time, it adds a projection of the time embedding to every
/// pixel after the first norm (parameter `time`). Each norm, shift and SiLU is one op.
public struct ResidualBlock {
    let conv1: Conv2D, norm1: GroupNorm, conv2: Conv2D, norm2: GroupNorm
    let skip: Conv2D?
    let time: Linear?

    public init(_ parameters: Parameters, input: Int, output: Int, groups: Int, timeChannels: Int = 0,
                using rng: inout RandomGenerator) throws {
        conv1 = try Conv2D(parameters.scoped("conv1"), kernel: 3, input: input, output: output, using: &rng)
        norm1 = try GroupNorm(parameters.scoped("norm1"), groups: groups, channels: output)
        time = timeChannels > 0 ? try Linear(parameters.scoped("time"), input: timeChannels, output: output, using: &rng) : nil
        conv2 = try Conv2D(parameters.scoped("conv2"), kernel: 3, input: output, output: output, using: &rng)
        norm2 = try GroupNorm(parameters.scoped("norm2"), groups: groups, channels: output)
        skip = input == output ? nil : try Conv2D(parameters.scoped("skip"), kernel: 1, input: input, output: output, using: &rng)
    }

    /// x `[N, H, W, input]` → `[N, H, W, output]`; `time` is the SiLU of the time embedding,
    /// `[N, timeChannels]`, for a block built with time channels.
    public func callAsFunction(_ x: Tensor, time embedding: Tensor? = nil) throws -> Tensor {
        var shift: Tensor?
        if let time {
            guard let embedding, embedding.rank == 2, embedding.shape[0] == x.shape[0] else {
                throw EngineError.invalidArgument(op: "ResidualBlock", message: "a block with time channels needs a time embedding [\(x.shape[0]), C]")
            }
            shift = try time(embedding)
        }
        let h = try norm2(conv2(norm1(conv1(x), shift: shift, silu: true)), silu: true)
        return try h + (skip.map { try $0(x) } ?? x)
    }
}

/// Single-head self-attention over every position of an image, after a group norm, added to the
/// input: each pixel of the lowest resolution sees the whole image.
public struct AttentionBlock {
    let norm: GroupNorm
    /// `[C, C]` projections, applied as tokens·W.
    let query: Tensor, key: Tensor, value: Tensor, output: Tensor

    public init(_ parameters: Parameters, channels: Int, groups: Int, using rng: inout RandomGenerator) throws {
        norm = try GroupNorm(parameters.scoped("norm"), groups: groups, channels: channels)
        let std = 1 / Float(channels).squareRoot()
        func projection(_ name: String) throws -> Tensor {
            try parameters.scoped(name).add("weight", .randomNormal([channels, channels], std: std, using: &rng))
        }
        (query, key, value, output) = (try projection("query"), try projection("key"), try projection("value"), try projection("output"))
    }

    /// x `[N, H, W, C]` → the same shape.
    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let tokens = try norm(x).reshaped(to: [n, h * w, c])
        let attended = try Tensor.scaledDotProductAttention(query: .matmul(tokens, query), key: .matmul(tokens, key), value: .matmul(tokens, value))
        return try x + Tensor.matmul(attended, output).reshaped(to: [n, h, w, c])
    }
}

/// A U-Net: residual blocks at each resolution, stride-2 convolutions down, nearest upsampling
/// and a 3×3 convolution up, the encoder's features concatenated into the decoder at each level,
/// and self-attention at the lowest resolution — the editor's regression head and, told the
/// noise level through a `TimeEmbedding`, the diffusion refiner's denoiser.
///
/// Parameter names: `time` (with time channels), `input`, `encoder.<level>`,
/// `downsample.<level>`, `attention`, `upsample.<level>`, `decoder.<level>`, `output`.
public struct UNet {
    public let configuration: UNetConfiguration
    let time: TimeEmbedding?
    let input: Conv2D, encoder: [ResidualBlock], downsample: [Conv2D]
    let attention: AttentionBlock?
    let upsample: [Conv2D], decoder: [ResidualBlock], output: Conv2D

    /// A U-Net of `configuration` with its weights in `parameters`, initialised from `rng`.
    public init(_ parameters: Parameters, _ configuration: UNetConfiguration, using rng: inout RandomGenerator) throws {
        try configuration.validate()
        self.configuration = configuration
        let (widths, groups, timeChannels) = (configuration.widths, configuration.groups, configuration.timeChannels)
        time = timeChannels > 0 ? try TimeEmbedding(parameters.scoped("time"), features: (widths[0] + 1) / 2 * 2, width: timeChannels, using: &rng) : nil
        input = try Conv2D(parameters.scoped("input"), kernel: 3, input: configuration.inputChannels, output: widths[0], using: &rng)
        encoder = try widths.indices.map { try ResidualBlock(parameters.scoped("encoder.\($0)"), input: widths[$0], output: widths[$0], groups: groups,
                                   timeChannels: timeChannels, using: &rng) }
        downsample = try widths.indices.dropLast().map {
            try Conv2D(parameters.scoped("downsample.\($0)"), kernel: 3, input: widths[$0], output: widths[$0 + 1], stride: 2, padding: 1, using: &rng)
        }
        attention = configuration.attention
            ? try AttentionBlock(parameters.scoped("attention"), channels: widths[widths.count - 1], groups: groups, using: &rng) : nil
        upsample = try widths.indices.dropLast().map {
            try Conv2D(parameters.scoped("upsample.\($0)"), kernel: 3, input: widths[$0 + 1], output: widths[$0], using: &rng)
        }
        decoder = try widths.indices.dropLast().map {
            try ResidualBlock(parameters.scoped("decoder.\($0)"), input: 2 * widths[$0], output: widths[$0], groups: groups,
                              timeChannels: timeChannels, using: &rng)
        }
        output = try Conv2D(parameters.scoped("output"), kernel: 3, input: widths[0], output: configuration.outputChannels, using: &rng)
        if configuration.zeroOutput { output.weight.withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }
    }

    /// x `[N, H, W, inputChannels]` → `[N, H, W, outputChannels]`; H and W must be multiples of
    /// `configuration.sizeMultiple`. A network with time channels needs each item's time in
    /// [0, 1] (`times`, N of them); one without takes none.
    public func callAsFunction(_ x: Tensor, times: [Float]? = nil) throws -> Tensor {
        let multiple = configuration.sizeMultiple
        guard x.rank == 4, x.shape[3] == configuration.inputChannels, x.shape[1] % multiple == 0, x.shape[2] % multiple == 0,
              x.shape[1] > 0, x.shape[2] > 0 else {
            throw EngineError.invalidShape(op: "UNet", shape: x.shape,
                                           expected: "[N, H, W, \(configuration.inputChannels)] with H and W multiples of \(multiple)")
        }
        guard (times != nil) == (time != nil), times.map({ $0.count == x.shape[0] }) ?? true else {
            throw EngineError.invalidArgument(op: "UNet", message: time == nil ? "this network takes no time"
                                              : "this network needs one time per image (\(x.shape[0])), got \(times?.count ?? 0)")
        }
        let embedding = try time.map { try $0(times ?? []).silu() }
        var h = try input(x)
        var skips: [Tensor] = []
        for level in encoder.indices {
            h = try encoder[level](h, time: embedding)
            skips.append(h)
            if level < downsample.count { h = try downsample[level](h) }
        }
        if let attention { h = try attention(h) }
        for level in decoder.indices.reversed() {
            h = try upsample[level](h.upsampledNearest(factor: 2))
            h = try decoder[level](Tensor.concat([h, skips[level]]), time: embedding)
        }
        return try output(h)
    }
}
