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

    /// `image`, of the reference's frame, warped into the target's and recoloured.
    public func carry(_ image: Image) throws -> Image {
        let aligned = try Image(tensor: Autodiff.withoutGradients { try Tensor.warp(image.tensor, by: flow) })
        return try Profile.phase("colour grid") { try colour.applied(to: aligned) }
    }
}

extension Transformation {
    /// Mx as channels of an image of its frame, for a head that reads F and C explicitly (the
    /// paper's editor is conditioned on [F, C]): `[N, H, W, 14]` from a flow `[N, H, W, 2]` and a
    /// colour grid `[N, rows, columns, 12]` — the flow in eighths of the side (a displacement of
    /// 8 px at 64 px reads 1), then each pixel's colour map less the identity (the grid sliced
    /// bilinearly, as `applyColourGrid` blends it), so "no motion, no colour change" reads zero.
    /// Differentiable in both.
    public static func channels(flow: Tensor, colour: Tensor) throws -> Tensor {
        guard flow.rank == 4, flow.shape[3] == 2, colour.rank == 4, colour.shape[0] == flow.shape[0], colour.shape[3] == 12 else {
            throw EngineError.shapeMismatch(op: "Transformation.channels", lhs: flow.shape, rhs: colour.shape,
                                            expected: "a flow [N, H, W, 2] and a colour grid [N, rows, columns, 12]")
        }
        let (height, width) = (flow.shape[1], flow.shape[2])
        let identity = try Tensor(shape: [1, 1, 1, 12], scalars: ColourGrid.identity)
        return try Tensor.concat([flow * (Transformation.flowChannelUnit / Float(max(height, width))),
                                  colour.resizedBilinear(height: height, width: width) - identity])
    }

    /// The number of channels `channels` gives.
    public static let channelCount = 14
    /// The fraction of the side a flow channel's 1 is: an eighth.
    static let flowChannelUnit: Float = 8

    /// This transformation as channels (see `channels(flow:colour:)`), `[1, H, W, 14]`.
    public var channels: Tensor {
        get throws { try Transformation.channels(flow: flow, colour: colour.tensor) }
    }
}

extension Transformation {
    /// For a batch of cases, each reference pair's source and target carried into its frame by
    /// Mx with gradients — `network`'s flow from each frame to its reference source, and the
    /// colour grid fitted under that flow (`Tensor.fitColourGrid`) — so that a loss on the
    /// carried images trains the flow network with the rest of the editor, as the paper trains
    /// all its modules jointly. Also the flows and grids themselves, and the photometric loss of
    /// the flows (`FlowNetwork.photometricLoss`), which keeps them flows while they learn.
    static func carriedWithGradients(sources: [Image], targets: [Image], onto frames: [Image], network: FlowNetwork) throws
        -> (source: Tensor, target: Tensor, flow: Tensor, colour: Tensor, photometric: Tensor) {
        let (first, second) = try Profile.phase("normalise") {
            (try Tensor.concat(frames.map(FlowNetwork.normalised), axis: 0), try Tensor.concat(sources.map(FlowNetwork.normalised), axis: 0))
        }
        let flow = try network.finestFlow(first, second)
        let aligned = (source: try Tensor.warp(Image.batch(sources), by: flow), target: try Tensor.warp(Image.batch(targets), by: flow))
        let colour = try Tensor.fitColourGrid(from: aligned.source, to: Image.batch(frames), weights: Tensor.flowLandsInside(flow),
                                              columns: ColourGrid.standardCells, rows: ColourGrid.standardCells, ridge: ColourGrid.standardRidge)
        return (try Tensor.applyColourGrid(colour, to: aligned.source), try Tensor.applyColourGrid(colour, to: aligned.target),
                flow, colour, try FlowNetwork.photometricLoss(first, second, flow: flow))
    }
}
