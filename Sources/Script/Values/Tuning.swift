import Engine
import Foundation
import Models

/// An edit with its knobs as sliders (`tune`): how many training pairs are fused as references
/// and how strongly the edit is applied (x + strength·(edit − x)). Moving a slider re-renders the
/// image in the notebook; the values chosen are read back as members (`t.refs`, `t.strength`,
/// `t.image`). Where there are no widgets (a terminal) it shows the edit at the starting values.
public final class Tuning: ScriptObject, @unchecked Sendable {
    public static let typeName = "Tuning"
    let editor: Editor
    let source: Image
    public private(set) var refs: Int
    public private(set) var strength: Double
    /// Each reference count's edit, made once: a strength change only blends.
    private var edits: [Int: Image] = [:]

    init(editor: Editor, source: Image, refs: Int, strength: Double) throws {
        (self.editor, self.source, self.refs, self.strength) = (editor, try source.squared(to: editor.preset.size), refs, strength)
    }

    /// The most references a slider offers: every training pair, up to 8.
    var maximumRefs: Int { editor.pairing.usesReferences ? min(editor.pairs.count, 8) : 1 }

    /// The edit at the current values.
    public func image() throws -> Image {
        if edits[refs] == nil { edits[refs] = try editor.edit(source, references: refs).image }
        guard let edit = edits[refs] else { return source }
        var blended = source
        let s = Float(strength)
        for i in blended.pixels.indices { blended.pixels[i] = source.pixels[i] + s * (edit.pixels[i] - source.pixels[i]) }
        return blended
    }

    public var summary: String { String(format: "Tuning of %@: refs %d, strength %.2f", editor.pairing.rawValue, refs, strength) }

    public var members: [(String, Value)] {
        [("refs", .number(Double(refs))), ("strength", .number(strength)), ("image", (try? image()).map(Value.image) ?? .null)]
    }

    /// Shows the sliders and the image as widgets on `channel` (a column: sliders, then the
    /// picture), wired so that a slider's change re-renders the picture; returns the column's id.
    func openWidgets(in session: Session, on channel: CommChannel) throws -> String {
        let referencesLayout = Widget.layout(), referencesStyle = Widget.style("SliderStyleModel")
        let references = Widget.slider("references", value: Double(refs), range: 1...Double(maximumRefs), step: 1, integer: true,
                                       layout: referencesLayout, style: referencesStyle)
        let blendLayout = Widget.layout(), blendStyle = Widget.style("SliderStyleModel")
        let blend = Widget.slider("strength", value: strength, range: 0...1, step: 0.05, integer: false, layout: blendLayout, style: blendStyle)
        let shown = try Figure.enlarged(image())
        let pictureLayout = Widget.layout(), columnLayout = Widget.layout()
        let picture = Widget.image(try shown.pngData(), width: shown.width, layout: pictureLayout)
        // A direct model has no references to choose: its column has the strength slider only.
        let sliders = editor.pairing.usesReferences ? [(referencesLayout, referencesStyle, references), (blendLayout, blendStyle, blend)]
                                                    : [(blendLayout, blendStyle, blend)]
        let column = Widget.column(sliders.map(\.2) + [picture], layout: columnLayout)
        let redraw: (CommChannel) throws -> Void = { channel in
            picture.update([:], binary: ["value": try Figure.enlarged(self.image()).pngData()], on: channel)
        }
        references.onChange = { changes, channel in
            guard let value = Tuning.number(changes["value"]) else { throw WidgetError("references: value must be a number") }
            self.refs = min(max(Int(value.rounded()), 1), self.maximumRefs)
            try redraw(channel)
        }
        blend.onChange = { changes, channel in
            guard let value = Tuning.number(changes["value"]) else { throw WidgetError("strength: value must be a number") }
            self.strength = min(max(value, 0), 1)
            try redraw(channel)
        }
        session.open(sliders.flatMap { [$0.0, $0.1, $0.2] } + [pictureLayout, picture, columnLayout, column], on: channel)
        return column.id
    }

    /// A JSON number as a Double (JSON decodes whole numbers as Int).
    static func number(_ value: Any?) -> Double? {
        switch value {
        case let v as Double: return v
        case let v as Int: return Double(v)
        case let v as NSNumber: return v.doubleValue
        default: return nil
        }
    }
}
