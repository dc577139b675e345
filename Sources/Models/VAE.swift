import Engine
import Foundation

/// What a VAE is built with: its widths (each level below the first halves the resolution, so
/// the latent is 1/2^(levels−1) of the image's side), latent channels, and the paper's three
/// additions, each of which can be switched off for the ablations.
public struct VAEConfiguration: Sendable, Equatable {
    public var widths: [Int]
    public var groups: Int
    public var latentChannels: Int
    /// Channels of the conditioning images whose features reach the decoder at every
    /// resolution but the latent's (0: no skips). For the editor: x_j and y_i carried onto it.
    public var skipChannels: Int
    /// Learned per-channel scales on fresh Gaussian noise added after each decoder block.
    public var noiseInjection: Bool
    /// The frequency-domain loss beside L1.
    public var frequencyLoss: Bool
    /// The KL term's weight: small, so the latent stays informative.
    public var klWeight: Float

    public init(widths: [Int], groups: Int = 8, latentChannels: Int = 4, skipChannels: Int = 6, noiseInjection: Bool = true,
                frequencyLoss: Bool = true, klWeight: Float = 1e-4) {
        (self.widths, self.groups, self.latentChannels, self.skipChannels) = (widths, groups, latentChannels, skipChannels)
        (self.noiseInjection, self.frequencyLoss, self.klWeight) = (noiseInjection, frequencyLoss, klWeight)
    }

    /// The side of the latent for an image of side `size`.
    public func latentSide(for size: Int) -> Int { size >> (widths.count - 1) }

    func validate() throws {
        guard (2...5).contains(widths.count), groups >= 1, widths.allSatisfy({ $0 % groups == 0 && $0 >= groups && $0 <= 1024 }),
              (1...64).contains(latentChannels), (0...64).contains(skipChannels), klWeight >= 0 else {
            throw EngineError.invalidArgument(op: "VAE", message: "widths \(widths) must be 2 to 5 levels of multiples of \(groups) groups, with 1…64 latent and 0…64 skip channels")
        }
    }
}

/// Noise injection (the paper's adaptive noise): h + s ⊙ n, with n fresh Gaussian noise and s a
/// learned per-channel scale that starts at zero — the decoder learns how much texture each
/// channel should carry that the latent does not. Parameter: `scale` `[C]`.
public struct NoiseInjection {
    public let scale: Tensor

    public init(_ parameters: Parameters, channels: Int) throws {
        scale = try parameters.constant("scale", [channels], value: 0)
    }

    /// h `[N, H, W, C]` plus the scaled `noise` (the same shape).
    public func callAsFunction(_ h: Tensor, noise: Tensor) throws -> Tensor {
        try h + noise * scale
    }
}

/// The paper's trainable VAE: an encoder from an image to a Gaussian latent (mean and log
/// variance), and a decoder back whose blocks receive, at every resolution above the latent's,
/// features of conditioning images (skip connections, so detail the latent cannot hold reaches
/// the output) and injected noise. Its held-out reconstruction is the ceiling of any editor that
/// works in its latent.
///
/// Parameter names: `encoder.input`, `encoder.<level>`, `encoder.down.<level>`, `encoder.output`;
/// `skips.input`, `skips.down.<level>`; `decoder.input`, `decoder.<level>`, `decoder.up.<level>`,
/// `decoder.noise.<level>`, `decoder.output`.
public final class VAE {
    public let configuration: VAEConfiguration
    public let parameters = Parameters()
    let encoderInput: Conv2D, encoderBlocks: [ResidualBlock], encoderDown: [Conv2D], encoderOutput: Conv2D
    let skipInput: Conv2D?, skipDown: [Conv2D]
    let decoderInput: Conv2D, decoderBlocks: [ResidualBlock], decoderUp: [Conv2D], noise: [NoiseInjection], decoderOutput: Conv2D

    public init(_ configuration: VAEConfiguration, seed: UInt64 = 1) throws {
        try configuration.validate()
        self.configuration = configuration
        var rng = RandomGenerator(seed: seed)
        let (w, g, levels) = (configuration.widths, configuration.groups, configuration.widths.count)
        let encoder = parameters.scoped("encoder"), skips = parameters.scoped("skips"), decoder = parameters.scoped("decoder")
        encoderInput = try Conv2D(encoder.scoped("input"), kernel: 3, input: 3, output: w[0], using: &rng)
        encoderBlocks = try w.indices.map { try ResidualBlock(encoder.scoped("\($0)"), input: w[$0], output: w[$0], groups: g, using: &rng) }
        encoderDown = try (0..<levels - 1).map {
            try Conv2D(encoder.scoped("down.\($0)"), kernel: 3, input: w[$0], output: w[$0 + 1], stride: 2, padding: 1, using: &rng)
        }
        encoderOutput = try Conv2D(encoder.scoped("output"), kernel: 3, input: w[levels - 1], output: 2 * configuration.latentChannels, using: &rng)
        if configuration.skipChannels > 0 {
            skipInput = try Conv2D(skips.scoped("input"), kernel: 3, input: configuration.skipChannels, output: w[0], using: &rng)
            skipDown = try (0..<levels - 2).map {
                try Conv2D(skips.scoped("down.\($0)"), kernel: 3, input: w[$0], output: w[$0 + 1], stride: 2, padding: 1, using: &rng)
            }
        } else {
            (skipInput, skipDown) = (nil, [])
        }
        decoderInput = try Conv2D(decoder.scoped("input"), kernel: 3, input: configuration.latentChannels, output: w[levels - 1], using: &rng)
        // Decoder level l (finest 0) reads the upsampled level l+1, with the skip features of
        // level l concatenated when there are skips; the latent's level has no skip.
        decoderBlocks = try w.indices.map { l in
            let input = l < levels - 1 && configuration.skipChannels > 0 ? 2 * w[l] : w[l]
            return try ResidualBlock(decoder.scoped("\(l)"), input: input, output: w[l], groups: g, using: &rng)
        }
        decoderUp = try (0..<levels - 1).map { try Conv2D(decoder.scoped("up.\($0)"), kernel: 3, input: w[$0 + 1], output: w[$0], using: &rng) }
        noise = configuration.noiseInjection ? try w.indices.map { try NoiseInjection(decoder.scoped("noise.\($0)"), channels: w[$0]) } : []
        decoderOutput = try Conv2D(decoder.scoped("output"), kernel: 3, input: w[0], output: 3, using: &rng)
    }

    /// The latent's mean and log variance for images `[N, S, S, 3]` in [0, 1].
    public func encode(_ images: Tensor) throws -> (mean: Tensor, logVariance: Tensor) {
        var h = try encoderInput(images * 2 - 1)
        for level in encoderBlocks.indices {
            h = try encoderBlocks[level](h)
            if level < encoderDown.count { h = try encoderDown[level](h) }
        }
        let parts = try encoderOutput(h).split(sizes: [configuration.latentChannels, configuration.latentChannels])
        return (parts[0], parts[1])
    }

    /// Images in [0, 1] (unclamped) from latents, with the conditioning images `skip`
    /// `[N, S, S, skipChannels]` (nil exactly when the VAE has no skips) and the injected noise
    /// drawn from `rng`.
    public func decode(_ latent: Tensor, skip: Tensor?, using rng: inout RandomGenerator) throws -> Tensor {
        guard (skip == nil) == (skipInput == nil) else {
            throw EngineError.invalidArgument(op: "VAE", message: skipInput == nil ? "this VAE has no skips to feed" : "this VAE needs its conditioning images")
        }
        var features: [Tensor] = []
        if let skipInput, let skip {
            var f = try skipInput(skip * 2 - 1).silu()
            features.append(f)
            for down in skipDown {
                f = try down(f).silu()
                features.append(f)
            }
        }
        let top = decoderBlocks.count - 1
        var h = try decoderBlocks[top](decoderInput(latent))
        h = try injected(h, level: top, using: &rng)
        for level in (0..<top).reversed() {
            h = try decoderUp[level](h.upsampledNearest(factor: 2))
            if level < features.count { h = try Tensor.concat([h, features[level]]) }
            h = try injected(decoderBlocks[level](h), level: level, using: &rng)
        }
        return try (decoderOutput(h) + 1) * 0.5
    }

    private func injected(_ h: Tensor, level: Int, using rng: inout RandomGenerator) throws -> Tensor {
        guard level < noise.count else { return h }
        return try noise[level](h, noise: Tensor.randomNormal(h.shape, using: &rng))
    }

    /// The loss of reconstructing `images` through a sampled latent: L1, the frequency loss
    /// (×0.1, when on) and the KL term to a unit Gaussian (×`klWeight`).
    public func loss(_ images: Tensor, skip: Tensor?, using rng: inout RandomGenerator) throws -> Tensor {
        let (mean, logVariance) = try encode(images)
        let latent = try mean + (logVariance * 0.5).exp() * Tensor.randomNormal(mean.shape, using: &rng)
        let output = try decode(latent, skip: skip, using: &rng)
        var loss = try Tensor.l1Loss(output, images)
        if configuration.frequencyLoss { loss = try loss + Tensor.frequencyLoss(output, images) * 0.1 }
        let kl = try ((mean.squared() + logVariance.exp() - logVariance - 1) * 0.5).mean()
        return try loss + kl * configuration.klWeight
    }

    /// The round trip of `images` through the latent's mean (noise seeded by `seed`), clamped
    /// to [0, 1].
    public func reconstruct(_ images: Tensor, skip: Tensor?, seed: UInt64 = 0) throws -> Tensor {
        try Autodiff.withoutGradients {
            var rng = RandomGenerator(seed: seed)
            return try decode(encode(images).mean, skip: skip, using: &rng).clamped(to: 0...1)
        }
    }
}
