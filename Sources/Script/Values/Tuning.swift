import Engine
import Foundation
import Models

/// An edit with its knobs as sliders (`tune`): how many training pairs are fused as references,
/// how strongly the edit is applied (x + strength·(edit − x)) and, for a model with diffusion,
/// the DDIM steps and the noise's seed. Moving a slider re-renders the image in the notebook; the
/// values chosen are read back as members (`t.refs`, `t.strength`, `t.steps`, `t.seed`,
/// `t.image`, the edit as drawn: at most `side` px). `save(t, path)` writes the edit at those
/// values at the photo's own size (`fullSizeImage()`). Where there are no widgets (a terminal) it
/// shows the edit at the starting values.
public final class Tuning: ScriptObject, @unchecked Sendable {
    public static let typeName = "Tuning"
    let editor: Editor
    /// The image as given, and as drawn while tuning.
    let original: Image, source: Image
    public private(set) var refs: Int
    public private(set) var strength: Double
    /// DDIM steps and the noise's seed (a regression model: 0 and 0).
    public private(set) var steps: Int, seed: Int
    /// Each (refs, steps, seed)'s edit, made once: a strength change only blends.
    private var edits: [[Int]: Image] = [:]

    init(editor: Editor, source: Image, refs: Int, strength: Double, steps: Int, seed: Int) throws {
        // Redrawn at a size a notebook shows whole, so that a slider moved on a photo answers at once.
        (self.editor, original, self.source) = (editor, source, try source.shrunk(toFit: Tuning.side))
        (self.refs, self.strength) = (refs, strength)
        (self.steps, self.seed) = (steps, seed)
    }

    /// The most references a slider offers: every training pair, up to 8.
    static func maximumRefs(of editor: Editor) -> Int { editor.pairing.carriesReferences ? min(editor.pairs.count, 8) : 1 }
    /// The longest side a tuned edit is drawn at.
    static let side = 512
    /// The most DDIM steps the steps slider offers.
    static let maximumSteps = 20
    /// The largest seed the seed slider offers.
    static let maximumSeed = 99

    /// The edit at the current values.
    public func image() throws -> Image {
        let key = [refs, steps, seed]
        if edits[key] == nil {
            edits[key] = try editor.edit(source, references: refs, sampling: editor.sampling(steps: steps, seed: UInt64(seed))).image
        }
        guard let edit = edits[key] else { return source }
        return blended(source, edit)
    }

    /// The edit at the current values at the image's own size, as `save(t, path)` writes it.
    public func fullSizeImage() throws -> Image {
        guard (original.width, original.height) != (source.width, source.height) else { return try image() }
        return blended(original, try editor.edit(original, references: refs, sampling: editor.sampling(steps: steps, seed: UInt64(seed))).image)
    }

    /// x + strength·(edit − x), keeping the edit's colour profile.
    private func blended(_ x: Image, _ edit: Image) -> Image {
        guard strength < 1 else { return edit }
        var blended = edit
        let s = Float(strength)
        for i in blended.pixels.indices { blended.pixels[i] = x.pixels[i] + s * (edit.pixels[i] - x.pixels[i]) }
        return blended
    }

    public var summary: String {
        String(format: "Tuning of %@: refs %d, strength %.2f", editor.pairing.rawValue, refs, strength)
            + (editor.hasDiffusion ? ", steps \(steps), seed \(seed)" : "")
    }

    public var members: [(String, Value)] {
        [("refs", .number(Double(refs))), ("strength", .number(strength)), ("steps", .number(Double(steps))), ("seed", .number(Double(seed))),
         ("image", (try? image()).map(Value.image) ?? .null)]
    }

    /// Shows the sliders and the image as widgets on `channel` (a column: sliders, then the
    /// picture), wired so that a slider's change re-renders the picture; returns the column's id.
    func openWidgets(in session: Session, on channel: CommChannel) throws -> String {
        let shown = try Figure.displayed(image())
        let pictureLayout = Widget.layout(), columnLayout = Widget.layout()
        let picture = Widget.image(try shown.pngData(), width: shown.width, layout: pictureLayout)
        let redraw: (CommChannel) throws -> Void = { channel in
            picture.update([:], binary: ["value": try Figure.displayed(self.image()).pngData()], on: channel)
        }
        var opened: [Widget] = [], sliders: [Widget] = []
        /// A slider with its layout and style, whose change sets a knob (clamped to `range`) and redraws.
        func slider(_ name: String, _ value: Double, _ range: ClosedRange<Double>, step: Double, integer: Bool,
                    set: @escaping (Double) -> Void) {
            let layout = Widget.layout(), style = Widget.style("SliderStyleModel")
            let widget = Widget.slider(name, value: value, range: range, step: step, integer: integer, layout: layout, style: style)
            widget.onChange = { changes, channel in
                guard let value = Tuning.number(changes["value"]) else { throw WidgetError("\(name): value must be a number") }
                set(min(max(integer ? value.rounded() : value, range.lowerBound), range.upperBound))
                try redraw(channel)
            }
            opened += [layout, style, widget]
            sliders.append(widget)
        }
        // A direct model has no references to choose, a regression model no sampling: their
        // columns leave those sliders out.
        if editor.pairing.carriesReferences {
            slider("references", Double(refs), 1...Double(Tuning.maximumRefs(of: editor)), step: 1, integer: true) { self.refs = Int($0) }
        }
        slider("strength", strength, 0...1, step: 0.05, integer: false) { self.strength = $0 }
        if editor.hasDiffusion {
            slider("DDIM steps", Double(steps), 0...Double(Tuning.maximumSteps), step: 1, integer: true) { self.steps = Int($0) }
            slider("seed", Double(seed), 0...Double(Tuning.maximumSeed), step: 1, integer: true) { self.seed = Int($0) }
        }
        let column = Widget.column(sliders + [picture], layout: columnLayout)
        session.open(opened + [pictureLayout, picture, columnLayout, column], on: channel)
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
