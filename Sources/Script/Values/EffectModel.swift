import Engine
import Foundation
import Models

/// An effect being built, as the language holds it: the editor, with the session using it one
/// cell at a time, and a command that trains or edits with it holding it meanwhile (see
/// `Session.hold`) — which is why it can cross into a `Value`.
public struct EffectModel: ScriptObject, @unchecked Sendable {
    public static let typeName = "Model"
    public let editor: Editor
    public var identity: ObjectIdentifier? { ObjectIdentifier(editor) }

    public var summary: String {
        "Model \(editor.pairing.rawValue)\(editor.hasDiffusion ? " with diffusion" : ""), preset \(editor.preset.name), \(editor.pairs.count) pairs, \(editor.trainer.step) steps"
            + (editor.trainer.losses.last.map { String(format: ", loss %.4f", $0) } ?? "")
    }

    public var members: [(String, Value)] {
        [("steps", .number(Double(editor.trainer.step))), ("pairs", .pairs(editor.pairs)),
         ("preset", .string(editor.preset.name)), ("pairing", .string(editor.pairing.rawValue)), ("diffusion", .bool(editor.hasDiffusion)),
         ("loss", editor.trainer.losses.last.map { .number(Double($0)) } ?? .null)]
    }

    /// The loss curve so far, on a log scale.
    func lossPlot() throws -> Image {
        try LinePlot([.init("loss", values: editor.trainer.losses.map(Double.init))], title: "training loss",
                     xLabel: "step", yLabel: "loss", logY: true).render()
    }
}
