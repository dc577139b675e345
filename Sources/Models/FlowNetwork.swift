import Engine
import Foundation

/// The learned half of Mx: a small coarse-to-fine optical-flow network in the manner of SPyNet
/// (Ranjan & Black, 2017) with a small cost volume as in PWC-Net (Sun et al., 2018). Both images
/// go down a pyramid of 2× average pools to a level of at least 4 px; at each level, coarsest
/// first, the flow so far (upsampled) warps the second image towards the first and a five-layer
/// convolutional block, given the first image, the warped second, their correlation at every
/// offset within 2 px and the flow, adds a residual. One block serves every level — each level's residual
/// is small at that level's scale, whatever the image size — so the same weights work at 32, 64
/// and 128 px.
///
/// The images enter locally contrast-normalised per channel (mean and spread over a 7×7
/// window), as Horn–Schunck's luma does: two sources of an effect differ in colour and lighting,
/// and the structure is what lines them up.
///
/// Parameter names: `block.<layer>.weight`, `block.<layer>.bias`.
public final class FlowNetwork: FlowEstimator {
    /// The block's channels after each of its layers; the last is the flow's two.
    public static let widths = [32, 32, 32, 16, 2]
    /// The coarsest level is at least this many pixels on its shorter side.
    public static let coarsest = 4
    /// The cost volume compares each pixel with the warped second image at offsets up to this.
    public static let searchRadius = 2
    static var offsets: Int { (2 * searchRadius + 1) * (2 * searchRadius + 1) }

    /// Whether a pyramid level of `height`×`width` has a coarser one below it (an even side
    /// that halves to at least `coarsest`).
    static func halves(height: Int, width: Int) -> Bool {
        Swift.min(height, width) / 2 >= coarsest && height % 2 == 0 && width % 2 == 0
    }

    public let parameters: Parameters
    let block: [Conv2D]
    public var name: String { FlowMethod.learned.rawValue }

    /// A network with weights drawn from `seed` (the last layer starts at zero: no flow).
    public init(seed: UInt64 = 1, parameters: Parameters = Parameters()) throws {
        self.parameters = parameters
        var rng = RandomGenerator(seed: seed)
        var input = 8 + FlowNetwork.offsets
        block = try FlowNetwork.widths.enumerated().map { layer, output in
            defer { input = output }
            return try Conv2D(parameters.scoped("block.\(layer)"), kernel: 3, input: input, output: output, using: &rng)
        }
        block[block.count - 1].weight.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }

    /// The flow at every level of the pyramid, coarsest first, each in its own level's pixels;
    /// `first` and `second` are `[N, H, W, 3]` batches normalised by `normalised(_:)`.
    public func pyramidFlows(_ first: Tensor, _ second: Tensor) throws -> [Tensor] {
        guard first.rank == 4, first.shape == second.shape, first.shape[3] == 3 else {
            throw EngineError.shapeMismatch(op: "FlowNetwork", lhs: first.shape, rhs: second.shape, expected: "two [N, H, W, 3] batches of one shape")
        }
        var pyramid = [(first, second)]
        while let (a, b) = pyramid.last, FlowNetwork.halves(height: a.shape[1], width: a.shape[2]) {
            pyramid.append((try a.averagePooled(factor: 2), try b.averagePooled(factor: 2)))
        }
        var flows: [Tensor] = []
        for (a, b) in pyramid.reversed() {
            let (n, h, w) = (a.shape[0], a.shape[1], a.shape[2])
            let flow = try flows.last.map { try $0.resizedBilinear(height: h, width: w) * 2 } ?? Tensor.zeros([n, h, w, 2])
            let warped = try Tensor.warp(b, by: flow)
            var x = try Tensor.concat([a, warped, Tensor.correlation(a, warped, radius: FlowNetwork.searchRadius), flow * 0.25])
            for (layer, conv) in block.enumerated() {
                x = try conv(x)
                if layer < block.count - 1 { x = try x.silu() }
            }
            flows.append(try flow + x)
        }
        return flows
    }

    /// The last of `pyramidFlows`: the flow at the images' own resolution.
    public func finestFlow(_ first: Tensor, _ second: Tensor) throws -> Tensor {
        guard let flow = try pyramidFlows(first, second).last else { throw EngineError.invalidShape(op: "FlowNetwork", shape: first.shape, expected: "a non-empty batch") }
        return flow
    }

    /// The flow from `source` to `target` at full resolution, without recording gradients.
    public func flow(from source: Image, to target: Image) throws -> Tensor {
        guard source.width == target.width, source.height == target.height else {
            throw EngineError.shapeMismatch(op: "FlowNetwork", lhs: [source.height, source.width], rhs: [target.height, target.width],
                                            expected: "two images of one size")
        }
        let (first, second) = try Profile.phase("normalise") { (try FlowNetwork.normalised(source), try FlowNetwork.normalised(target)) }
        return try Autodiff.withoutGradients { try finestFlow(first, second) }
    }

    /// `image` as the network sees it, `[1, H, W, 3]`: each channel less its mean over a 7×7
    /// window, over that window's spread (+ 0.02, so that flat regions stay near zero). The
    /// window's sums come from summed-area tables (in Double, so the differences stay exact to
    /// Float's precision): a constant cost a pixel instead of 49 reads.
    public static func normalised(_ image: Image) throws -> Tensor {
        let (w, h) = (image.width, image.height)
        let radius = 3
        // table[(y·(w+1) + x)·6 + c] (c < 3) holds Σ v and table[… + 3 + c] Σ v² over [0, y) × [0, x).
        var table = [Double](repeating: 0, count: (h + 1) * (w + 1) * 6)
        var out = [Float](repeating: 0, count: w * h * 3)
        image.pixels.withUnsafeBufferPointer { p in
            table.withUnsafeMutableBufferPointer { t in
                for y in 0..<h {
                    var row = [Double](repeating: 0, count: 6)
                    for x in 0..<w {
                        for c in 0..<3 {
                            let v = Double(p[3 * (y * w + x) + c])
                            row[c] += v; row[3 + c] += v * v
                        }
                        for k in 0..<6 { t[((y + 1) * (w + 1) + x + 1) * 6 + k] = t[(y * (w + 1) + x + 1) * 6 + k] + row[k] }
                    }
                }
                for y in 0..<h {
                    let (y0, y1) = (Swift.max(y - radius, 0), Swift.min(y + radius, h - 1) + 1)
                    for x in 0..<w {
                        let (x0, x1) = (Swift.max(x - radius, 0), Swift.min(x + radius, w - 1) + 1)
                        let count = Double((y1 - y0) * (x1 - x0))
                        func windowSum(_ k: Int) -> Double {
                            t[(y1 * (w + 1) + x1) * 6 + k] - t[(y0 * (w + 1) + x1) * 6 + k] - t[(y1 * (w + 1) + x0) * 6 + k] + t[(y0 * (w + 1) + x0) * 6 + k]
                        }
                        for c in 0..<3 {
                            let mean = windowSum(c) / count
                            let spread = Swift.max(windowSum(3 + c) / count - mean * mean, 0).squareRoot()
                            out[3 * (y * w + x) + c] = Float((Double(p[3 * (y * w + x) + c]) - mean) / (spread + 0.02))
                        }
                    }
                }
            }
        }
        return try Tensor(shape: [1, h, w, 3], scalars: out)
    }

    // MARK: Weights

    /// The weights shipped with Likewise (`Sources/Models/Resources/flow.safetensors`), made by
    /// `likewise train --flow` on the built-in tasks' true displacements.
    public static func pretrained() throws -> FlowNetwork {
        guard let path = shippedWeightsPath() else {
            throw CheckpointError.mismatch(path: "flow.safetensors", reason: "the pretrained flow weights are not beside this binary "
                + "(Likewise_Models.resources/) nor in the source tree it was built from; set LIKEWISE_FLOW_WEIGHTS to the file")
        }
        return try load(from: path)
    }

    /// Where the shipped weights are: `LIKEWISE_FLOW_WEIGHTS` when set, else SwiftPM's resource
    /// folder beside the running binary, else the source tree this was built from. (Not
    /// `Bundle.module`: on Linux it traps when its folder is missing, and a missing file must be
    /// an error the kernel survives.)
    static func shippedWeightsPath() -> String? {
        if let path = ProcessInfo.processInfo.environment["LIKEWISE_FLOW_WEIGHTS"] { return path }
        let besideBinary = Bundle.main.executableURL.map {
            $0.deletingLastPathComponent().appendingPathComponent("Likewise_Models.resources/flow.safetensors").path
        }
        let inSources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources/flow.safetensors").path
        return [besideBinary, inSources].compactMap { $0 }.first { FileManager.default.fileExists(atPath: $0) }
    }

    /// A network with the weights saved at `path` by `save(to:)`, or the flow network of an
    /// effect saved there (`flow.…`, or `model.flow.…` when it trained end to end).
    public static func load(from path: String) throws -> FlowNetwork {
        let network = try FlowNetwork()
        let checkpoint = try Checkpoint(contentsOf: path)
        let prefix = ["", TrainingState.model + EditorScope.flow + ".", EditorScope.flow + "."].first { checkpoint.tensor($0 + "block.0.weight") != nil } ?? ""
        try network.restore(from: checkpoint, prefix: prefix, path: path)
        return network
    }

    /// Writes this network's weights into `checkpoint`'s tensors named `prefix` + parameter name.
    func restore(from checkpoint: Checkpoint, prefix: String, path: String) throws {
        let targets = parameters.named.map { (prefix + $0.name, $0.tensor) }
        Checkpoint.copy(try checkpoint.tensors(matching: targets, path: path), into: targets.map(\.1))
    }

    /// Saves the weights alone (atomically) to `path`, with `metadata`.
    public func save(to path: String, metadata: [String: String] = [:]) throws {
        try Checkpoint(tensors: parameters.named, metadata: metadata).write(to: path)
    }
}
