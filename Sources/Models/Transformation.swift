import Engine

/// What the transformation estimator (Mx) finds between two sources: the flow that lines the
/// reference source x_i up with the target source x_j, and the colour grid that maps the aligned
/// reference's colours to the target's. Together they carry any image of the reference's frame
/// — its source, its edited target — into the target's.
///
/// The flow comes from any `FlowEstimator` — the learned `FlowNetwork` by default, Horn–Schunck
/// as the classical baseline — and the colour from a least-squares `ColourGrid`.
public struct Transformation {
    /// `[1, H, W, 2]`: pixel p of the target corresponds to p + flow(p) in the reference, so
    /// warping a reference-frame image by it aligns that image with the target.
    public let flow: Tensor
    /// Maps the aligned reference's colours to the target's.
    public let colour: ColourGrid

    /// Mx from `reference` to `target` (images of one size).
    public static func estimate(reference: Image, target: Image, flowEstimator: any FlowEstimator) throws -> Transformation {
        try fitted(flow: flowEstimator.flow(from: target, to: reference), reference: reference, target: target)
    }

    /// The transformation with a given `flow` (`[1, H, W, 2]`, on the target's grid — a true
    /// flow, say) and the colour grid fitted under it.
    public static func fitted(flow: Tensor, reference: Image, target: Image) throws -> Transformation {
        let aligned = try Image(tensor: Autodiff.withoutGradients { try Tensor.warp(reference.tensor, by: flow) })
        // Only pixels whose flow lands inside the reference say anything about its colours.
        let colour = try Profile.phase("colour grid") { try ColourGrid.fit(from: aligned, to: target, weights: Tensor.flowLandsInside(flow).scalars) }
        return Transformation(flow: flow, colour: colour)
    }

    /// The names `estimator(named:)` knows: the learned network with its shipped weights, and
    /// Horn–Schunck.
    public static let estimatorNames = ["learned", "horn-schunck"]

    /// A fresh flow estimator called `name` (one of `estimatorNames`).
    public static func estimator(named name: String) throws -> any FlowEstimator {
        switch name {
        case "learned": return try FlowNetwork.pretrained()
        case "horn-schunck": return HornSchunck()
        default:
            throw EngineError.invalidArgument(op: "flow", message: "unknown flow estimator '\(name)'; the estimators are \(estimatorNames.joined(separator: ", "))")
        }
    }

    /// The estimator called `name`; the learned one is first refined without labels for
    /// `refinementSteps` steps on `images` (a user's sources, at the size it will see: see
    /// `FlowNetwork.refine`). Horn–Schunck has nothing to refine.
    public static func estimator(named name: String, refinedOn images: [Image], steps refinementSteps: Int,
                                 checkInterrupt: () throws -> Void = {}) throws -> any FlowEstimator {
        let estimator = try estimator(named: name)
        guard refinementSteps > 0 else { return estimator }
        guard let network = estimator as? FlowNetwork else {
            throw EngineError.invalidArgument(op: "flow", message: "only the learned flow can be refined on your pairs; \(name) has nothing to learn")
        }
        try network.refine(on: images, steps: refinementSteps, checkInterrupt: checkInterrupt)
        return network
    }

    /// `image`, of the reference's frame, warped into the target's and recoloured.
    public func carry(_ image: Image) throws -> Image {
        let aligned = try Image(tensor: Autodiff.withoutGradients { try Tensor.warp(image.tensor, by: flow) })
        return try Profile.phase("colour grid") { try colour.applied(to: aligned) }
    }
}
