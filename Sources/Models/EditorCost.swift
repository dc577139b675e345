import Engine
import Foundation

/// What an editor costs before it is built: parameters, arithmetic a training step, memory. The
/// numbers are counted from the U-Net's shape (every convolution, the attention), so a preset too
/// big for the machine is refused before a byte is allocated.
public struct EditorCost: Sendable, Equatable {
    /// Trainable scalars of the head (and the refiner's denoiser).
    public var parameters: Int
    /// Floating-point operations of one training step (forward and backward, ≈ 3× forward,
    /// a multiply-add counted as two).
    public var flopsPerStep: Double
    /// Bytes a training run holds: weights, gradients and AdamW's two moments; the activations a
    /// step keeps for its backward pass; the prepared cases of the n-to-n pairings.
    public var bytes: Int

    /// The cost of an editor of `design` over `pairs` pairs: the head, with the diffusion
    /// refiner's denoiser when the design has one, and the flow network when it trains end to end
    /// (which then runs forward and backward in every step, and no case is prepared). An `auto`
    /// design is counted as the costliest pairing it may choose, structural.
    public init(design: EditorDesign, pairs: Int) {
        let (preset, pairing, endToEnd, transformChannels) = (design.preset, design.largestPairing, design.endToEnd, design.transformChannels)
        let networks = [preset.head(for: design)] + (design.diffusion ? [preset.denoiser(for: design)] : [])
        var (macs, parameters, activations) = (0, 0, 0)
        for network in networks {
            let counts = network.counts(height: design.size, width: design.size)
            (macs, parameters, activations) = (macs + counts.macs, parameters + counts.parameters, activations + counts.activations)
        }
        if endToEnd {
            let flow = FlowNetwork.counts(height: design.size, width: design.size)
            (macs, parameters, activations) = (macs + flow.macs, parameters + flow.parameters, activations + flow.activations)
        }
        self.parameters = parameters
        flopsPerStep = 3 * 2 * Double(macs) * Double(preset.batch)
        // Each counted activation is kept with its normalised and activated copies for backward.
        let activationBytes = 4 * 3 * activations * preset.batch
        // A prepared case holds two carried images, and with transform channels its flow.
        let caseChannels = 2 * 3 + (transformChannels ? 2 : 0)
        let cases = pairing.carriesReferences && !endToEnd ? pairs * (pairs - 1) * caseChannels * design.size * design.size * 4 : 0
        bytes = 4 * 4 * parameters + activationBytes + cases
    }

    /// Throws when `bytes` exceeds `available` (default: the memory this machine has free now,
    /// when it can be read), saying how much is needed.
    public func checkFits(in available: Int? = EditorCost.availableMemory()) throws {
        guard let available, bytes > available else { return }
        throw EngineError.invalidArgument(op: "editor", message: String(
            format: "this preset needs about %.0f MB for training and %.0f MB are free; choose a smaller preset or fewer pairs",
            Double(bytes) / 1e6, Double(available) / 1e6))
    }

    /// `MemAvailable` of /proc/meminfo in bytes, or nil where there is none.
    public static func availableMemory() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("MemAvailable:") }),
              let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { return nil }
        return kilobytes * 1024
    }
}

extension UNetConfiguration {
    /// For one image of `height`×`width`: multiply-adds of a forward pass, parameters, and the
    /// scalars of every convolution's output — walked in the order `UNet` builds and runs.
    func counts(height: Int, width: Int) -> (macs: Int, parameters: Int, activations: Int) {
        var macs = 0, parameters = 0, activations = 0
        func conv(_ kernel: Int, _ input: Int, _ output: Int, pixels: Int) {
            macs += kernel * kernel * input * output * pixels
            parameters += kernel * kernel * input * output + output
            activations += output * pixels
        }
        func residual(_ input: Int, _ output: Int, pixels: Int) {
            parameters += timeChannels > 0 ? timeChannels * output + output : 0
            conv(3, input, output, pixels: pixels)
            conv(3, output, output, pixels: pixels)
            parameters += 4 * output
            if input != output { conv(1, input, output, pixels: pixels) }
        }
        let pixels = widths.indices.map { (height >> $0) * (width >> $0) }
        let features = (widths[0] + 1) / 2 * 2
        parameters += timeChannels > 0 ? features * timeChannels + timeChannels * timeChannels + 2 * timeChannels : 0
        conv(3, inputChannels, widths[0], pixels: pixels[0])
        for level in widths.indices {
            residual(widths[level], widths[level], pixels: pixels[level])
            if level < widths.count - 1 { conv(3, widths[level], widths[level + 1], pixels: pixels[level + 1]) }
        }
        if attention, let c = widths.last, let tokens = pixels.last {
            macs += 4 * tokens * c * c + 2 * tokens * tokens * c
            parameters += 4 * c * c + 2 * c
            activations += tokens * tokens + 4 * tokens * c
        }
        for level in widths.indices.dropLast().reversed() {
            conv(3, widths[level + 1], widths[level], pixels: pixels[level])
            residual(2 * widths[level], widths[level], pixels: pixels[level])
        }
        conv(3, widths[0], outputChannels, pixels: pixels[0])
        return (macs, parameters, activations)
    }
}

extension FlowNetwork {
    /// For one pair of `height`×`width`: multiply-adds of the block over every level of the
    /// pyramid, parameters, and the scalars of each level's block input and layer outputs.
    static func counts(height: Int, width: Int) -> (macs: Int, parameters: Int, activations: Int) {
        var (macs, parameters, activations) = (0, 0, 0)
        var input = 8 + offsets
        for output in widths {
            parameters += 9 * input * output + output
            input = output
        }
        var (h, w) = (height, width)
        while true {
            var channels = 8 + offsets
            activations += channels * h * w
            for output in widths {
                macs += 9 * channels * output * h * w
                activations += output * h * w
                channels = output
            }
            guard halves(height: h, width: w) else { break }
            (h, w) = (h / 2, w / 2)
        }
        return (macs, parameters, activations)
    }
}
