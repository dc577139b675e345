import Engine
import Foundation
import Models

/// What the transformation estimator found between two sources, as the language holds it: the
/// flow (its mean and largest displacement, its picture in the colour wheel) and the reference
/// carried onto the target. It displays as the strip from, to, carried, difference.
public struct FlowField: ScriptObject, @unchecked Sendable {
    public static let typeName = "Flow"
    let transformation: Transformation
    let from: Image, to: Image, carried: Image
    let estimator: String
    /// For a true flow: where it is defined (the subject seen in both, landing inside the image).
    let truth: Displacement?

    init(from: Image, to: Image, estimator: any FlowEstimator) throws {
        transformation = try Transformation.estimate(reference: from, target: to, flowEstimator: estimator)
        (self.from, self.to, self.carried, self.estimator, truth) = (from, to, try transformation.carry(from), estimator.name, nil)
    }

    /// The true flow of a built-in task: `truth` on `to`'s grid, pointing into `from`.
    init(from: Image, to: Image, truth: Displacement) throws {
        transformation = try Transformation.fitted(flow: truth.tensor, reference: from, target: to)
        (self.from, self.to, self.carried, self.estimator, self.truth) = (from, to, try transformation.carry(from), "truth", truth)
    }

    /// Each pixel's displacement length.
    var lengths: [Float] {
        let d = transformation.flow.scalars
        return stride(from: 0, to: d.count, by: 2).map { (k: Int) -> Float in
            let (dx, dy) = (d[k], d[k + 1])
            return (dx * dx + dy * dy).squareRoot()
        }
    }
    var mean: Double { lengths.isEmpty ? 0 : Double(lengths.reduce(0, +)) / Double(lengths.count) }

    /// |carried − to| ×4, clamped: where the carried reference still differs from the target.
    var difference: Image {
        var out = to
        for i in out.pixels.indices { out.pixels[i] = min(abs(carried.pixels[i] - to.pixels[i]) * 4, 1) }
        return out
    }

    public var summary: String {
        String(format: "Flow %d×%d (%@), mean %.2f px, max %.2f px", to.width, to.height, estimator, mean, Double(lengths.max() ?? 0))
    }

    public var members: [(String, Value)] {
        [("mean", .number(mean)), ("max", .number(Double(lengths.max() ?? 0))), ("estimator", .string(estimator)),
         ("carried", .image(carried)), ("difference", .image(difference)),
         ("picture", (try? Figure.flowField(transformation.flow)).map(Value.image) ?? .null)]
    }

    public func display() throws -> DisplayBundle {
        let strip = try Figure.strip([from, to, carried, difference], captions: ["from", "to", "from carried onto to", "difference x4"],
                                     heading: "what Mx sees (\(estimator) flow, colour grid)")
        return DisplayBundle(text: summary, png: try strip.pngData())
    }
}
