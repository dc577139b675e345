import Engine
import Foundation

/// Where a combined effect trusts the references, pixel by pixel: its head says, beside its
/// correction, how far the prediction starts from the references' edits carried onto x (trust
/// 1) rather than from x itself (0, the direct path) — `PredictionStart.trusting`. Drawn, it
/// shows where Mx lined the references up well enough for the effect to copy their edit.
public struct EditTrust: Sendable {
    /// The trust at each pixel of the image (`width × height`, row-major), in (0, 1).
    public let trust: [Float]
    public let width: Int, height: Int
    /// The training pairs whose trusts were fused, nearest first.
    public let references: [Int]

    /// The mean trust.
    public var mean: Double { trust.reduce(0) { $0 + Double($1) } / Double(max(trust.count, 1)) }

    /// The trust drawn as a heat map: black on the direct path, pale yellow on the carried edit.
    public func map() throws -> Image { try HeatMap.image(trust, width: width, height: height, top: 1) }
}

extension Editor {
    /// A combined editor's trust in the carried edit at each pixel of `x`, with its `k` nearest
    /// training pairs as references, fused by the weights that fuse their predictions (so it is
    /// the trust of `edit(x, references: k)`'s head), at x's size. Other pairings have no trust to
    /// show: asking them is an error that says so.
    public func trust(_ x: Image, references k: Int = 1) throws -> EditTrust {
        guard pairing == .combined else {
            throw EngineError.invalidArgument(op: "trust", message: "a \(pairing.rawValue) effect has no trust to show: only a combined effect's head says how far it trusts the carried edit")
        }
        guard Editor.referenceCounts.contains(k) else {
            throw EngineError.invalidArgument(op: "trust", message: "references must be \(Editor.referenceCounts.lowerBound)…\(Editor.referenceCounts.upperBound), got \(k)")
        }
        let view = try workingView(of: x)
        let chosen = try nearest(to: view.image, count: min(k, pairs.count))
        let grey = try Autodiff.withoutGradients {
            let items = try chosen.map { (x: view.image, reference: Optional(try carried($0, onto: view.image))) }
            let fuse = try fusion(of: items.map { $0.reference?.source.pixels ?? [] }, onto: view.image)
            let (_, trust) = try PredictionStart.parts(of: head(headInput(items).input))
            return try fuse(Tensor.concat([trust, trust, trust]))
        }
        return EditTrust(trust: try plane(grey, of: x, seen: view), width: x.width, height: x.height, references: chosen)
    }

    /// A grey image of the working view as one value per pixel of `x`: the part that shows x,
    /// resized to x's size (bilinear) as a picture is.
    func plane(_ grey: Image, of x: Image, seen view: (image: Image, region: Image.Region)) throws -> [Float] {
        let shown = (view.region.width, view.region.height) == (size, size) ? grey : try grey.cropped(to: view.region)
        let atX = try shown.resized(width: x.width, height: x.height)
        return stride(from: 0, to: atX.pixels.count, by: 3).map { atX.pixels[$0] }
    }
}
