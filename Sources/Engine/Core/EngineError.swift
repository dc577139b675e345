/// Everything the engine can refuse, each naming the op and the shapes involved, so that a user who
/// typed the call can see what to change. The engine throws these instead of trapping: a trap would
/// end the kernel process and the user's whole session.
public enum EngineError: Error, CustomStringConvertible, Equatable {
    /// Two operands whose shapes do not fit together.
    case shapeMismatch(op: String, lhs: [Int], rhs: [Int], expected: String)
    /// One operand whose shape is wrong on its own (wrong rank, indivisible size …).
    case invalidShape(op: String, shape: [Int], expected: String)
    /// An index, axis or range outside what the shape allows.
    case indexOutOfRange(op: String, index: String, shape: [Int])
    /// A scalar argument outside its domain (negative stride, zero groups …).
    case invalidArgument(op: String, message: String)
    /// With numeric checks on, the first op whose output held NaN or ±Inf.
    case nonFinite(op: String, shape: [Int], index: Int, value: Float)
    /// `backward()` on a tensor that no recorded op can differentiate.
    case notDifferentiable(message: String)

    public var description: String {
        switch self {
        case let .shapeMismatch(op, lhs, rhs, expected):
            return "\(op): shapes \(lhs.shapeText) and \(rhs.shapeText) do not fit: \(expected)"
        case let .invalidShape(op, shape, expected):
            return "\(op): got shape \(shape.shapeText), expected \(expected)"
        case let .indexOutOfRange(op, index, shape):
            return "\(op): \(index) is out of range for shape \(shape.shapeText)"
        case let .invalidArgument(op, message):
            return "\(op): \(message)"
        case let .nonFinite(op, shape, index, value):
            let text = value.isNaN ? "NaN" : (value > 0 ? "+Inf" : "-Inf")
            return "\(op) produced \(text) at flat index \(index) of its output \(shape.shapeText) (first non-finite value in this forward pass)"
        case let .notDifferentiable(message):
            return "backward: \(message)"
        }
    }
}

extension Array where Element == Int {
    /// `[8, 64, 32, 32]` written as `[8×64×32×32]`, the way shapes appear in every message.
    var shapeText: String { "[" + map(String.init).joined(separator: "×") + "]" }
}
