import Engine

/// How each kind of value is shown: pictures as PNG (with a text line for terminals), tables as
/// HTML and text, everything else as text.
enum Presentation {
    static let pairsShown = 8

    static func bundle(for value: Value, commands: CommandRegistry) throws -> DisplayBundle? {
        switch value {
        case .null: return nil
        case let .image(image):
            // Shown enlarged (a 64×64 image is tiny beside the same image in a grid); the value,
            // and what save writes, keep their pixels.
            return DisplayBundle(text: value.summary, png: try Figure.displayed(image).pngData())
        case let .pair(pair):
            return DisplayBundle(text: value.summary, png: try Figure.pairGrid([pair]).pngData())
        case let .pairs(pairs):
            guard !pairs.isEmpty else { return DisplayBundle(text: "0 pairs") }
            let shown = Array(pairs.prefix(pairsShown))
            let note = pairs.count > shown.count ? " (showing 0..<\(shown.count); grid(pairs) shows them all)" : ""
            return DisplayBundle(text: value.summary + note, png: try Figure.pairGrid(shown).pngData())
        case let .object(object):
            return try object.display()
        case let .command(name):
            return DisplayBundle(text: commands.helpText(for: name))
        default:
            return DisplayBundle(text: value.summary)
        }
    }
}
