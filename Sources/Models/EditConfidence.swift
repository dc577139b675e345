import Engine
import Foundation

/// How sure an edit is, pixel by pixel. An n-to-n edit fuses the predictions its references
/// make; where they agree the effect has seen this situation before, where they disagree it is
/// guessing. The spread is that disagreement: the references' weighted root-mean-square distance
/// from the fused edit, in [0, 1] units of colour (0.02 is about 5 levels of 255).
public struct EditConfidence: Sendable {
    /// The edit, as `Editor.edit` gives it with the same references.
    public let edit: Image
    /// The spread at each pixel of the edit (`width × height`, row-major).
    public let spread: [Float]
    public let width: Int, height: Int
    /// The training pairs fused, nearest first.
    public let references: [Int]

    /// The spread a map draws at full brightness: 0.1, about 25 levels of 255.
    public static let mapTop: Float = 0.1

    /// The mean spread.
    public var mean: Double { spread.reduce(0) { $0 + Double($1) } / Double(max(spread.count, 1)) }

    /// The spread drawn as a heat map: black where the references agree, pale yellow where they
    /// differ by `mapTop` or more.
    public func map() throws -> Image { try HeatMap.image(spread, width: width, height: height, top: Self.mapTop) }
}

extension Editor {
    /// The fewest references a confidence compares.
    public static let fewestConfidenceReferences = 2
    /// How many references a confidence map (and a suggestion) compares unless told.
    public static let confidenceReferences = 4

    /// `x` edited with its `k` nearest training pairs as references (2 at least), and how far
    /// their predictions disagree at each pixel of x, brought to x's size (bilinear, from the
    /// part of the working view that shows x). The direct pairings edit without references, so
    /// they have none to disagree: asking them is an error that says so.
    public func confidence(_ x: Image, references k: Int = Editor.confidenceReferences, sampling: Sampling? = nil, lift: Lift? = nil,
                           checkInterrupt: () throws -> Void = {}) throws -> EditConfidence {
        guard conditioning.carriesReferences else {
            throw EngineError.invalidArgument(op: "confidence", message: "a \(pairing.rawValue) effect edits without references, so there are none to disagree: "
                                                + "confidence compares the references of an n-to-n effect (structural, implicit or combined)")
        }
        guard k >= Editor.fewestConfidenceReferences else {
            throw EngineError.invalidArgument(op: "confidence", message: "needs \(Editor.fewestConfidenceReferences) references or more to compare, got \(k)")
        }
        let view = try workingView(of: x)
        let chosen = try nearest(to: view.image, count: min(k, pairs.count))
        let (square, spread) = try networksEdit(view.image, using: chosen, sampling: sampling ?? defaultSampling, spread: true, checkInterrupt: checkInterrupt)
        let edit = try lifted(square, of: x, seen: view, lift: lift)
        // The spread as a grey image (it lies in [0, 1]), cropped and resized as a picture is.
        let grey = try Image(width: size, height: size, pixels: (spread ?? []).flatMap { [$0, $0, $0] })
        return EditConfidence(edit: edit, spread: try plane(grey, of: x, seen: view), width: x.width, height: x.height, references: chosen)
    }
}

/// Whether an effect's spread means what it says, on held-out pairs whose truth is known: does
/// the edit err more where the references disagree? Each pixel's error is the root-mean-square
/// distance of the edit from the truth over the three channels.
public struct ConfidenceCalibration: Codable, Sendable, Equatable {
    /// Pearson's correlation of spread and error over every pixel of the held-out pairs, and
    /// over the pixels the edit changes (nil when none does).
    public let correlation: Double, editCorrelation: Double?
    /// The pixels in five groups of equal count by spread, surest first: each group's mean
    /// spread and mean error.
    public let fifths: [Fifth]
    /// How many references each edit compared.
    public let references: Int

    public struct Fifth: Codable, Sendable, Equatable {
        public let spread: Double, error: Double
    }

    /// The mean error of the least sure fifth of the pixels over the surest fifth's.
    public var errorRatio: Double { (fifths.last?.error ?? 0) / max(fifths.first?.error ?? 0, 1e-12) }

    enum CodingKeys: String, CodingKey { case correlation, editCorrelation = "edit_correlation", fifths, references, errorRatio = "error_ratio" }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        (correlation, editCorrelation) = (try c.decode(Double.self, forKey: .correlation), try c.decodeIfPresent(Double.self, forKey: .editCorrelation))
        (fifths, references) = (try c.decode([Fifth].self, forKey: .fifths), try c.decode(Int.self, forKey: .references))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(correlation, forKey: .correlation)
        try c.encodeIfPresent(editCorrelation, forKey: .editCorrelation)
        try c.encode(fifths, forKey: .fifths)
        try c.encode(references, forKey: .references)
        try c.encode(errorRatio, forKey: .errorRatio)
    }

    /// The calibration of `spread` against `error`, pixel for pixel, `inEdit` marking the pixels
    /// the edit changes.
    public init(spread: [Float], error: [Float], inEdit: [Bool], references: Int) throws {
        guard spread.count == error.count, spread.count == inEdit.count, spread.count >= 5 else {
            throw EngineError.invalidArgument(op: "calibration", message: "\(spread.count) spreads, \(error.count) errors and \(inEdit.count) marks: give one of each a pixel, 5 pixels at least")
        }
        correlation = Self.pearson(spread, error)
        let edited = inEdit.indices.filter { inEdit[$0] }
        editCorrelation = edited.count >= 2 ? Self.pearson(edited.map { spread[$0] }, edited.map { error[$0] }) : nil
        let order = spread.indices.sorted { spread[$0] < spread[$1] }
        fifths = (0..<5).map { k in
            let group = order[(k * order.count / 5)..<((k + 1) * order.count / 5)]
            return Fifth(spread: group.reduce(0) { $0 + Double(spread[$1]) } / Double(group.count),
                         error: group.reduce(0) { $0 + Double(error[$1]) } / Double(group.count))
        }
        self.references = references
    }

    /// `editor`'s calibration on `heldout` pairs, each edit comparing `references` references,
    /// sampled by `sampling` (default the editor's).
    public static func measure(_ editor: Editor, on heldout: [Pair], references: Int, sampling: Sampling? = nil,
                               checkInterrupt: () throws -> Void = {}) throws -> ConfidenceCalibration {
        var (spread, error, inEdit) = ([Float](), [Float](), [Bool]())
        for pair in heldout {
            try checkInterrupt()
            let confidence = try editor.confidence(pair.source, references: references, sampling: sampling)
            let (edit, truth) = (confidence.edit.pixels, pair.target.pixels)
            spread += confidence.spread
            for p in 0..<(edit.count / 3) {
                var squared: Float = 0
                for c in 0..<3 { squared += (edit[3 * p + c] - truth[3 * p + c]) * (edit[3 * p + c] - truth[3 * p + c]) }
                error.append((squared / 3).squareRoot())
            }
            inEdit += try EditRegion(source: pair.source, truth: pair.target).mask
        }
        return try ConfidenceCalibration(spread: spread, error: error, inEdit: inEdit, references: references)
    }

    /// Pearson's correlation of `a` and `b` (0 when either is constant).
    static func pearson(_ a: [Float], _ b: [Float]) -> Double {
        let n = Double(a.count)
        let (ma, mb) = (a.reduce(0) { $0 + Double($1) } / n, b.reduce(0) { $0 + Double($1) } / n)
        var (sab, saa, sbb) = (0.0, 0.0, 0.0)
        for k in a.indices {
            let (da, db) = (Double(a[k]) - ma, Double(b[k]) - mb)
            (sab, saa, sbb) = (sab + da * db, saa + da * da, sbb + db * db)
        }
        return saa > 0 && sbb > 0 ? sab / (saa * sbb).squareRoot() : 0
    }
}
