import Engine

/// How the editor learns from a user's pairs.
public enum Pairing: String, CaseIterable, Sendable, Codable {
    /// n-to-n: learn y_j from y_i given x_i → x_j. The output starts from the reference's edit
    /// carried onto x_j by the transformation estimator — x_j + C(W(y_i)) − C(W(x_i)) — and the
    /// head learns a correction; N pairs give N·(N−1) cases.
    case structural
    /// Direct: learn y_j from x_j alone (x_j plus a learned correction); the ablation of n-to-n
    /// and the direct baseline.
    case one2one
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

    /// The head's configuration for `pairing`: x_j alone, or x_j with the carried edit and the
    /// aligned reference source and target (12 channels).
    func head(for pairing: Pairing) -> UNetConfiguration {
        UNetConfiguration(inputChannels: pairing == .structural ? 12 : 3, outputChannels: 3, widths: widths, groups: groups,
                          attention: true, zeroOutput: true)
    }
}
