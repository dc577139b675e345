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
    private static func requireSameShape(_ a: Tensor, _ b: Tensor, op: String) throws {
        guard a.shape == b.shape else {
            throw EngineError.shapeMismatch(op: op, lhs: a.shape, rhs: b.shape, expected: "prediction and target of equal shape")
        }
    }
}
