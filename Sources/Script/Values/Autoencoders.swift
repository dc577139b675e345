import Engine
import Foundation
import Models

/// What `vae(model)` returns: two VAEs trained on a model's cases, one with skip images (x_j
/// and, for n-to-n models, the nearest training pair's target carried onto it) and one without —
/// the paper's trainable VAE and its "no skips" ablation — for `recon` and `ceiling`.
public struct Autoencoders: ScriptObject, @unchecked Sendable {
    public static let typeName = "VAE"
    let editor: Editor
    let withSkips: VAE, withoutSkips: VAE
    let steps: Int

    public var summary: String {
        let c = withSkips.configuration
        let side = c.latentSide(for: editor.size)
        return "VAE pair on a \(editor.pairing.rawValue) model's cases: latent \(side)×\(side)×\(c.latentChannels), \(steps) steps, with and without skips"
    }

    public var members: [(String, Value)] {
        let c = withSkips.configuration
        return [("steps", .number(Double(steps))), ("latent", .number(Double(c.latentSide(for: editor.size)))),
                ("latentChannels", .number(Double(c.latentChannels)))]
    }

    /// Held-out scores of both round trips, as rows.
    func rows(on pairs: [Pair], checkInterrupt: () throws -> Void) throws -> [EvaluationRow] {
        [try LatentCeiling.score(withSkips, editor: editor, on: pairs, method: "vae", checkInterrupt: checkInterrupt),
         try LatentCeiling.score(withoutSkips, editor: editor, on: pairs, method: "vae-noskip", checkInterrupt: checkInterrupt)]
    }
}
