/// The syntax tree of a cell: statements of expressions, each carrying where it was written.
indirect enum Expression {
    case number(Double, SourceLocation)
    case string(String, SourceLocation)
    case bool(Bool, SourceLocation)
    case null(SourceLocation)
    case name(String, SourceLocation, length: Int)
    case array([Expression], SourceLocation)
    case unary(String, Expression, SourceLocation)
    case binary(String, Expression, Expression, SourceLocation)
    case range(Expression, Expression, closed: Bool, SourceLocation)
    case call(Expression, [Argument], block: [Statement]?, SourceLocation)
    case index(Expression, Expression, SourceLocation)
    case member(Expression, String, SourceLocation)

    var location: SourceLocation {
        switch self {
        case let .number(_, l), let .string(_, l), let .bool(_, l), let .null(l), let .name(_, l, _), let .array(_, l),
             let .unary(_, _, l), let .binary(_, _, _, l), let .range(_, _, _, l), let .call(_, _, _, l),
             let .index(_, _, l), let .member(_, _, l):
            return l
        }
    }

    /// Where the expression's text begins (`location` is its operator's: the `(` of a call, the
    /// `+` of a sum), for a caret under a whole argument.
    var start: SourceLocation {
        switch self {
        case let .binary(_, e, _, _), let .range(e, _, _, _), let .call(e, _, _, _), let .index(e, _, _), let .member(e, _, _):
            return e.start
        default: return location
        }
    }

    /// True when no command is called anywhere in the expression, so evaluating it only reads.
    var callsNothing: Bool {
        switch self {
        case .number, .string, .bool, .null, .name: return true
        case let .array(items, _): return items.allSatisfy(\.callsNothing)
        case let .unary(_, e, _), let .member(e, _, _): return e.callsNothing
        case let .binary(_, a, b, _), let .range(a, b, _, _), let .index(a, b, _): return a.callsNothing && b.callsNothing
        case .call: return false
        }
    }
}

/// `label: value` in a call; the label is nil for a positional argument.
struct Argument {
    let label: String?
    let value: Expression
    let location: SourceLocation
}

indirect enum Statement {
    /// The location is the name's.
    case binding(String, mutable: Bool, Expression, SourceLocation)
    case assignment(String, operator: String, Expression, SourceLocation)
    /// The location is the loop variable's.
    case forLoop(String, Expression, [Statement], SourceLocation)
    case conditional(Expression, [Statement], otherwise: [Statement]?, SourceLocation)
    case expression(Expression)
}

// MARK: - Printing, for golden tests and debugging

extension Expression: CustomStringConvertible {
    var description: String {
        switch self {
        case let .number(v, _): return v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v)
        case let .string(s, _): return "\"\(s)\""
        case let .bool(b, _): return String(b)
        case .null: return "nil"
        case let .name(n, _, _): return n
        case let .array(items, _): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        case let .unary(op, e, _): return "(\(op) \(e))"
        case let .binary(op, a, b, _): return "(\(op) \(a) \(b))"
        case let .range(a, b, closed, _): return "(\(closed ? "..." : "..<") \(a) \(b))"
        case let .call(f, args, block, _):
            let shown = args.map { ($0.label.map { "\($0): " } ?? "") + $0.value.description }
            return "(call \(f)\(shown.isEmpty ? "" : " ")\(shown.joined(separator: " "))\(block.map { " {\(Statement.describe($0))}" } ?? ""))"
        case let .index(e, i, _): return "(index \(e) \(i))"
        case let .member(e, m, _): return "(. \(e) \(m))"
        }
    }
}

extension Statement: CustomStringConvertible {
    var description: String {
        switch self {
        case let .binding(n, mutable, e, _): return "(\(mutable ? "var" : "let") \(n) \(e))"
        case let .assignment(n, op, e, _): return "(\(op) \(n) \(e))"
        case let .forLoop(n, e, body, _): return "(for \(n) \(e) {\(Statement.describe(body))})"
        case let .conditional(c, then, otherwise, _):
            return "(if \(c) {\(Statement.describe(then))}\(otherwise.map { " else {\(Statement.describe($0))}" } ?? ""))"
        case let .expression(e): return e.description
        }
    }

    static func describe(_ statements: [Statement]) -> String { statements.map(\.description).joined(separator: "; ") }
}
