import Engine
import Models

/// Runs statements and evaluates expressions against a session.
struct Evaluator {
    let session: Session

    /// Runs `statements`; returns the value of the last one when it is an expression.
    /// Runs `statements` in order and returns the last one's value; `onExpression` sees the
    /// value of each expression statement before the last.
    func run(_ statements: [Statement], onExpression: ((Value) throws -> Void)? = nil) throws -> Value {
        var last: Value = .null
        for (k, statement) in statements.enumerated() {
            last = try run(statement)
            if let onExpression, k < statements.count - 1, case .expression = statement { try onExpression(last) }
        }
        return last
    }

    /// A variable may not take a command's name (`let train = …`, `for round in …`): the
    /// reader of a cell should never have to guess which of the two a name means.
    private func requireNotCommand(_ name: String, at location: SourceLocation) throws {
        if session.commands[name] != nil {
            throw ScriptError(.name, "'\(name)' is a command; choose another name", at: location, length: name.count)
        }
    }

    private func run(_ statement: Statement) throws -> Value {
        switch statement {
        case let .binding(name, mutable, expression, location):
            try requireNotCommand(name, at: location)
            session.declare(name, try evaluate(expression), mutable: mutable)
            return .null
        case let .assignment(name, op, expression, location):
            var value = try evaluate(expression)
            if op != "=" {
                guard let current = session.lookup(name) else {
                    throw ScriptError(.name, "unknown name '\(name)'", at: location, length: name.count)
                }
                value = try arithmetic(String(op.dropLast()), current.value, value, at: location)
            }
            try session.assign(name, value, at: location)
            return .null
        case let .forLoop(name, sequence, body, location):
            try requireNotCommand(name, at: location)
            func iterate(_ item: Value) throws {
                try session.step(at: location)
                session.scopes.append([name: Session.Binding(value: item, mutable: false)])
                defer { session.scopes.removeLast() }
                _ = try run(body)
            }
            let items = try evaluate(sequence)
            if case let .range(a, b) = items {
                for k in a..<b { try iterate(.number(Double(k))) }  // lazily: a range may be long
            } else {
                for item in try elements(of: items, at: sequence.location, for: "for … in") { try iterate(item) }
            }
            return .null
        case let .conditional(condition, then, otherwise, _):
            let chosen = try truth(try evaluate(condition), at: condition.location) ? then : (otherwise ?? [])
            session.scopes.append([:])
            defer { session.scopes.removeLast() }
            _ = try run(chosen)
            return .null
        case let .expression(expression):
            return try evaluate(expression)
        }
    }

    func evaluate(_ expression: Expression) throws -> Value {
        switch expression {
        case let .number(v, _): return .number(v)
        case let .string(s, _): return .string(s)
        case let .bool(b, _): return .bool(b)
        case .null: return .null
        case let .name(name, location, length):
            if let binding = session.lookup(name) { return binding.value }
            if session.commands[name] != nil { return .command(name) }
            let known = session.variableNames + session.commands.names
            let hint = Suggestion.hint(for: name, in: known)
            throw ScriptError(.name, "unknown name '\(name)'\(hint)", at: location, length: length)
        case let .array(items, _):
            return .array(try items.map(evaluate))
        case let .unary(op, operand, location):
            let v = try evaluate(operand)
            if op == "-", case let .number(x) = v { return .number(-x) }
            if op == "!" { return .bool(!(try truth(v, at: location))) }
            throw ScriptError(.type, "'\(op)' does not apply to \(v.typeName)", at: location)
        case let .binary(op, left, right, location):
            if op == "&&" || op == "||" {
                let l = try truth(try evaluate(left), at: left.location)
                if op == "&&" && !l { return .bool(false) }
                if op == "||" && l { return .bool(true) }
                return .bool(try truth(try evaluate(right), at: right.location))
            }
            return try arithmetic(op, try evaluate(left), try evaluate(right), at: location)
        case let .range(lower, upper, closed, location):
            let (a, b) = (try evaluate(lower), try evaluate(upper))
            guard case let .number(x) = a, case let .number(y) = b, x == x.rounded(), y == y.rounded(), abs(x) < 1e15, abs(y) < 1e15 else {
                throw ScriptError(.type, "a range needs whole numbers, got \(a.quoted) and \(b.quoted)", at: location)
            }
            let end = Int(y) + (closed ? 1 : 0)
            guard Int(x) <= end else { throw ScriptError(.value, "a range's start (\(Int(x))) is after its end (\(Int(y)))", at: location) }
            return .range(Int(x), end)
        case let .call(callee, arguments, block, location):
            return try call(callee, arguments, block, at: location)
        case let .index(base, index, location):
            return try subscripted(try evaluate(base), try evaluate(index), at: location)
        case let .member(base, name, location):
            return try member(try evaluate(base), name, at: location)
        }
    }

    private func call(_ callee: Expression, _ arguments: [Argument], _ block: [Statement]?, at location: SourceLocation) throws -> Value {
        guard case let .name(name, nameLocation, length) = callee else {
            throw ScriptError(.type, "only commands can be called", at: location)
        }
        guard let command = session.commands[name] else {
            if session.lookup(name) != nil {
                throw ScriptError(.type, "'\(name)' is a variable, not a command", at: nameLocation, length: length)
            }
            let hint = Suggestion.hint(for: name, in: session.commands.names)
            throw ScriptError(.name, "unknown command '\(name)'\(hint)", at: nameLocation, length: length)
        }
        try session.step(at: location)
        let values = try arguments.map { (label: $0.label, value: try evaluate($0.value), location: $0.location, valueLocation: $0.value.start) }
        let invocation = try command.bind(values, block: block, at: nameLocation) { [self] in try runBlock($0) }
        do {
            let held = try session.hold(invocation.workedOn, for: name)
            defer { session.release(held) }
            return try command.body(invocation, session)
        } catch var error as ScriptError {
            if error.location == nil { error.location = nameLocation; error.length = length }
            throw error
        } catch {
            // Engine, image and task errors already name what is wrong; add where, and the command
            // unless they name it already.
            let text = "\(error)"
            throw ScriptError(Evaluator.kind(of: error), text.hasPrefix(name + ": ") ? text : "\(name): \(text)", at: nameLocation, length: length)
        }
    }

    /// A file that cannot be read or written is an IOError, as in the rest of the language.
    static func kind(of error: Error) -> ScriptError.Kind {
        switch error {
        case is PairFolderError, ImageError.unreadable, ImageError.unwritable, CheckpointError.invalid, CheckpointError.unwritable: .io
        default: .engine
        }
    }

    /// Runs a command's trailing block in its own scope.
    func runBlock(_ block: [Statement]) throws -> Value {
        session.scopes.append([:])
        defer { session.scopes.removeLast() }
        return try run(block)
    }

    private func truth(_ v: Value, at location: SourceLocation) throws -> Bool {
        guard case let .bool(b) = v else { throw ScriptError(.type, "a condition must be a Bool, got \(v.described)", at: location) }
        return b
    }

    func arithmetic(_ op: String, _ a: Value, _ b: Value, at location: SourceLocation) throws -> Value {
        switch (a, b) {
        case let (.number(x), .number(y)):
            switch op {
            case "+": return .number(x + y)
            case "-": return .number(x - y)
            case "*": return .number(x * y)
            case "/":
                guard y != 0 else { throw ScriptError(.value, "division by zero", at: location) }
                return .number(x / y)
            case "%":
                guard y != 0 else { throw ScriptError(.value, "remainder by zero", at: location) }
                return .number(x.truncatingRemainder(dividingBy: y))
            case "==": return .bool(x == y)
            case "!=": return .bool(x != y)
            case "<": return .bool(x < y)
            case "<=": return .bool(x <= y)
            case ">": return .bool(x > y)
            case ">=": return .bool(x >= y)
            default: break
            }
        case let (.string(x), .string(y)):
            switch op {
            case "+": return .string(x + y)
            case "==": return .bool(x == y)
            case "!=": return .bool(x != y)
            case "<": return .bool(x < y)
            case ">": return .bool(x > y)
            default: break
            }
        case let (.string(x), _) where op == "+": return .string(x + b.summary)
        case let (.bool(x), .bool(y)) where op == "==" || op == "!=": return .bool((x == y) == (op == "=="))
        case let (.array(x), .array(y)) where op == "+": return .array(x + y)
        case let (.pairs(x), .pairs(y)) where op == "+": return .pairs(x + y)
        case (.null, _) where op == "==" || op == "!=", (_, .null) where op == "==" || op == "!=":
            let bothNil: Bool = { if case .null = a, case .null = b { return true }; return false }()
            return .bool(bothNil == (op == "=="))
        default: break
        }
        throw ScriptError(.type, "'\(op)' does not apply to \(a.typeName) and \(b.typeName)", at: location)
    }

    /// The items a `for` loop visits.
    func elements(of v: Value, at location: SourceLocation, for purpose: String) throws -> [Value] {
        switch v {
        case let .array(items): return items
        case let .range(a, b):
            guard b - a <= 10_000_000 else { throw ScriptError(.value, "a range of \(b - a) items is too long to make a list of", at: location) }
            return (a..<b).map { .number(Double($0)) }
        case let .pairs(p): return p.map { .pair($0) }
        default: throw ScriptError(.type, "\(purpose) needs an Array, Range or Pairs, got \(v.typeName)", at: location)
        }
    }

    private func subscripted(_ base: Value, _ index: Value, at location: SourceLocation) throws -> Value {
        func position(_ count: Int, _ what: String) throws -> Int {
            guard case let .number(v) = index, v == v.rounded(), abs(v) < 1e15 else {
                throw ScriptError(.type, "an index must be a whole number or a range, got \(index.described)", at: location)
            }
            guard v >= 0, Int(v) < count else {
                throw ScriptError(.index, "index \(Value.format(v)) is out of range for \(count) \(what) (0..<\(count))", at: location)
            }
            return Int(v)
        }
        func slice(_ count: Int, _ what: String) throws -> Range<Int>? {
            guard case let .range(a, b) = index else { return nil }
            guard a >= 0, b <= count else {
                throw ScriptError(.index, "range \(a)..<\(b) is out of range for \(count) \(what) (0..<\(count))", at: location)
            }
            return a..<b
        }
        switch base {
        case let .array(items):
            if let r = try slice(items.count, "items") { return .array(Array(items[r])) }
            return items[try position(items.count, "items")]
        case let .pairs(pairs):
            if let r = try slice(pairs.count, "pairs") { return .pairs(Array(pairs[r])) }
            return .pair(pairs[try position(pairs.count, "pairs")])
        default:
            throw ScriptError(.type, "\(base.typeName) cannot be indexed", at: location)
        }
    }

    func member(_ base: Value, _ name: String, at location: SourceLocation) throws -> Value {
        let members = Evaluator.members(of: base)
        if let found = members.first(where: { $0.0 == name }) { return found.1 }
        let hint = Suggestion.hint(for: name, in: members.map(\.0))
        let list = members.isEmpty ? "it has no members" : "its members are " + members.map(\.0).joined(separator: ", ")
        throw ScriptError(.name, "\(base.typeName) has no member '\(name)'\(hint) (\(list))", at: location, length: name.count + 1)
    }

    /// The members of a value, for evaluation and for completion.
    static func members(of value: Value) -> [(String, Value)] {
        switch value {
        case let .pair(p): return [("source", .image(p.source)), ("target", .image(p.target)), ("name", .string(p.name))]
        case let .pairs(ps): return [("count", .number(Double(ps.count))), ("sources", .array(ps.map { .image($0.source) })),
                                     ("targets", .array(ps.map { .image($0.target) }))]
        case let .image(i): return [("width", .number(Double(i.width))), ("height", .number(Double(i.height)))]
        case let .array(items): return [("count", .number(Double(items.count)))]
        case let .range(a, b): return [("count", .number(Double(b - a))), ("lowerBound", .number(Double(a))), ("upperBound", .number(Double(b)))]
        case let .string(s): return [("count", .number(Double(s.count)))]
        case let .object(object): return object.members
        case let .record(fields): return fields
        default: return []
        }
    }
}
