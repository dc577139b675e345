/// A dense displacement field with a validity mask.
public struct Displacement: Sendable {
    public let width: Int, height: Int
    public var dx: [Float], dy: [Float]
    public var valid: [Bool]

    /// A field of zeros, valid nowhere.
    public init(width: Int, height: Int) {
        (self.width, self.height) = (width, height)
        dx = [Float](repeating: 0, count: width * height)
        dy = dx
        valid = [Bool](repeating: false, count: width * height)
    }

    /// As a `[1, H, W, 2]` flow tensor (dx, dy), the layout `Tensor.warp` takes.
    public var tensor: Tensor {
        get throws {
            var values = [Float](repeating: 0, count: width * height * 2)
            for i in 0..<(width * height) { values[2 * i] = dx[i]; values[2 * i + 1] = dy[i] }
            return try Tensor(shape: [1, height, width, 2], scalars: values)
        }
    }

    /// The mean Euclidean distance between an estimated flow `[1, H, W, 2]` and this one over the
    /// valid pixels (the standard end-point error).
    public func endPointError(of estimate: Tensor) throws -> Float {
        guard estimate.shape == [1, height, width, 2] else {
            throw EngineError.shapeMismatch(op: "endPointError", lhs: [1, height, width, 2], rhs: estimate.shape, expected: "an estimated flow of the true flow's shape")
        }
        let e = estimate.scalars
        var total: Double = 0, count = 0
        for i in 0..<(width * height) where valid[i] {
            let ex = e[2 * i] - dx[i], ey = e[2 * i + 1] - dy[i]
            total += Double((ex * ex + ey * ey).squareRoot())
            count += 1
        }
        return count == 0 ? 0 : Float(total / Double(count))
    }
}
