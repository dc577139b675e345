/// Losses, composed from the primitive ops so that their gradients are the primitives' own.
extension Tensor {
    /// mean |a − b|.
    public static func l1Loss(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        try requireSameShape(a, b, op: "l1Loss")
        return try (a - b).abs().mean()
    }

    /// mean (a − b)².
    public static func mseLoss(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        try requireSameShape(a, b, op: "mseLoss")
        return try (a - b).squared().mean()
    }

    /// A loss compares like with like: broadcasting a prediction against its target hides bugs.
    fileprivate static func requireSameShape(_ a: Tensor, _ b: Tensor, op: String) throws {
        guard a.shape == b.shape else {
            throw EngineError.shapeMismatch(op: op, lhs: a.shape, rhs: b.shape, expected: "prediction and target of equal shape")
        }
    }
}

extension Tensor {
    /// mean(|a − b| ⊙ weights): L1 with per-element weights that broadcast against a and b
    /// (per-pixel weights `[N, H, W, 1]` for NHWC images).
    public static func weightedL1Loss(_ a: Tensor, _ b: Tensor, weights: Tensor) throws -> Tensor {
        try requireSameShape(a, b, op: "weightedL1Loss")
        return try ((a - b).abs() * weights).mean()
    }

    /// mean((a − b)² ⊙ weights): squared error with per-element weights that broadcast against a
    /// and b (per-pixel weights `[N, H, W, 1]` for NHWC images).
    public static func weightedMSELoss(_ a: Tensor, _ b: Tensor, weights: Tensor) throws -> Tensor {
        try requireSameShape(a, b, op: "weightedMSELoss")
        return try ((a - b).squared() * weights).mean()
    }

    /// The frequency-domain loss of the paper's VAE: mean |(|F(a)| − |F(b)|)| over the 2-D DFT
    /// magnitudes of NHWC images, which penalises lost detail (high frequencies) that a pixel loss
    /// forgives as blur. The transform is scaled by 1/√(H·W) (NumPy's "ortho"), so the loss is on
    /// the scale of the pixels' whatever the size; the magnitude is √(re² + im² + ε) so that its
    /// gradient is finite at zero.
    public static func frequencyLoss(_ a: Tensor, _ b: Tensor, epsilon: Float = 1e-6) throws -> Tensor {
        try requireSameShape(a, b, op: "frequencyLoss")
        guard a.rank == 4 else { throw EngineError.invalidShape(op: "frequencyLoss", shape: a.shape, expected: "NHWC images [N, H, W, C]") }
        let scale = 1 / Float(Swift.max(a.shape[1] * a.shape[2], 1)).squareRoot()
        func magnitude(_ x: Tensor) throws -> Tensor {
            let (real, imaginary) = try x.fourierTransform2D()
            return try ((real.squared() + imaginary.squared()) * (scale * scale) + epsilon).sqrt()
        }
        return try (magnitude(a) - magnitude(b)).abs().mean()
    }
}
