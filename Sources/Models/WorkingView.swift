import Engine

/// How an image of any aspect becomes the square the networks work at (`EditorDesign.size`).
/// Either way the edit comes back at the image's own size through the design's `Lift`.
public enum WorkingView: String, NamedChoice, Sendable, Codable {
    public static let choiceName = "view"

    /// Scaled whole to the square, its aspect not kept: a 4:3 photo is squeezed 4:3, and the
    /// networks see every pixel of the square as the photo's.
    case squeeze
    /// Scaled, its aspect kept, so that its longer side is the square's, and centred in it, the
    /// rest repeating its edge pixels (`Image.letterboxed`): shapes keep their proportions, at the
    /// cost of the square's pixels the photo does not fill.
    case pad

    /// `image` as the networks see it in a `side × side` square, and the region of the square
    /// that shows it (the whole square when squeezed, or when the image is square).
    public func fitted(_ image: Image, to side: Int) throws -> (image: Image, region: Image.Region) {
        if image.width == side && image.height == side { return (image, (0, 0, side, side)) }
        switch self {
        case .squeeze: return (try image.resized(width: side, height: side), (0, 0, side, side))
        case .pad: return try image.letterboxed(to: side)
        }
    }

    /// Both images of `pair` fitted alike (see `fitted(_:to:)`).
    public func fitted(_ pair: Pair, to side: Int) throws -> Pair {
        guard pair.source.width == pair.target.width, pair.source.height == pair.target.height else {
            throw EngineError.invalidArgument(op: "editor", message: "pair '\(pair.name)': source \(pair.source.width)×\(pair.source.height) and target \(pair.target.width)×\(pair.target.height) differ in size")
        }
        return Pair(name: pair.name, source: try fitted(pair.source, to: side).image, target: try fitted(pair.target, to: side).image)
    }
}
