/// Anything that estimates optical flow between two images of one size: the classical
/// Horn–Schunck here, the learned network of the models layer.
///
/// The flow has the convention of `Displacement` and `Tensor.warp`: for pixel p of `source`, the
/// same point lies at p + F(p) in `target`, so warping `target` by F aligns it with `source`.
public protocol FlowEstimator {
    /// What the user calls it (`horn-schunck`, `learned`).
    var name: String { get }

    /// The flow from `source` to `target` (images of one size) as a `[1, H, W, 2]` tensor of (dx, dy).
    func flow(from source: Image, to target: Image) throws -> Tensor
}

extension HornSchunck: FlowEstimator {
    public var name: String { "horn-schunck" }
}
