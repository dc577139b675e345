import Engine

/// How the editor learns from a user's pairs: what its head sees and what its output starts from.
public enum Pairing: String, CaseIterable, Sendable, Codable {
    /// n-to-n: learn y_j from y_i given x_i → x_j. The output starts from the reference's edit
    /// carried onto x_j by the transformation estimator — x_j + C(W(y_i)) − C(W(x_i)) — and the
    /// head learns a correction; N pairs give N·(N−1) cases.
    case structural
    /// n-to-n with the reference as conditions only: the head sees x_j and the carried reference
    /// source and target, and the output starts from x_j. (A PyTorch stand-in found such a head
    /// learns to ignore the reference; this pairing lets that be measured.)
    case implicit
    /// n-to-n and direct at once: the head reads what structural's reads and also says, per
    /// pixel, how far to trust the carried edit; where it does not, the prediction falls back to
    /// a direct correction of x_j (see `CombinedConditioning`).
    case combined
    /// Direct: learn y_j from x_j alone (x_j plus a learned correction); the ablation of n-to-n.
    case one2one
    /// The pix2pix-style baseline: the same U-Net regressing y_j from x_j with no residual path
    /// (no adversarial term).
    case pix2pix

    /// The names, for messages.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// An n-to-n editor with one of the paper's conditions taken away, to measure what it brings.
public enum EditorAblation: String, CaseIterable, Sendable, Codable {
    /// No flow or colour: the reference pair is not carried into x_j's frame but used as it is
    /// (identity flow, identity colour) — a structural output starts from x_j + y_i − x_i.
    case noTransformation = "no-flow-colour"
    /// No x_j condition: the head sees only y_i carried by Mx (which holds F and C, as the
    /// paper's editor then gets y_i and [F, C]) and its output starts from it, for either n-to-n
    /// pairing. x_j still picks the references, is what Mx aligns them to and weighs their fusion.
    case noSource = "no-xj"

    /// The names, for messages.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// A size of editor for this machine: the image side it works at, the U-Net head's widths, the
/// batch and the default training length.
public struct EditorPreset: Sendable, Equatable {
    public let name: String
    public let size: Int
    public let widths: [Int]
    public let groups: Int
    public let batch: Int
    public let steps: Int
    public let learningRate: Float

    /// 32 px, for tests and a first look.
    public static let tiny = EditorPreset(name: "tiny", size: 32, widths: [8, 16], groups: 4, batch: 4, steps: 300, learningRate: 2e-3)
    /// 64 px, the default.
    public static let small = EditorPreset(name: "small", size: 64, widths: [16, 32, 64, 96], groups: 8, batch: 8, steps: 2000, learningRate: 1e-3)
    /// 128 px.
    public static let base = EditorPreset(name: "base", size: 128, widths: [32, 64, 128, 192], groups: 8, batch: 8, steps: 3000, learningRate: 5e-4)

    public static let all = [tiny, small, base]

    /// The preset called `name`.
    public static func named(_ name: String) throws -> EditorPreset {
        guard let preset = all.first(where: { $0.name == name }) else {
            throw EngineError.invalidArgument(op: "preset", message: "unknown preset '\(name)'; the presets are \(all.map(\.name).joined(separator: ", "))")
        }
        return preset
    }

    /// The diffusion refiner's denoiser for `design`: the head's widths, told the time; its
    /// input is the noisy residual, the head's input and the head's prediction.
    func denoiser(for design: EditorDesign) -> UNetConfiguration {
        UNetConfiguration(inputChannels: 3 + design.headInputChannels + 3, outputChannels: 3, widths: widths, groups: groups,
                          attention: true, zeroOutput: true, timeChannels: 4 * widths[0])
    }

    /// The head's configuration for `design` (see `PairingConditioning`).
    func head(for design: EditorDesign) -> UNetConfiguration {
        UNetConfiguration(inputChannels: design.headInputChannels, outputChannels: design.headOutputChannels, widths: widths, groups: groups,
                          attention: true, zeroOutput: true)
    }
}
