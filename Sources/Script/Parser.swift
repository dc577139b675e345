/// Recursive descent over the tokens, one function per precedence level, lowest first:
/// `||`, `&&`, comparison, range, `+ -`, `* / %`, prefix `- !`, then calls, indexing and members.
struct Parser {
    private let tokens: [Token]
    private var position = 0
    /// Inside an `if` or `for` header a `{` opens the body, not a trailing block (as in Swift).
    private var allowsTrailingBlock = true
    /// Bounds nesting so that pathological input ends in an error, not a stack overflow.
    private var depth = 0
    static let maximumDepth = 200

    static func parse(_ source: String) throws -> [Statement] {
        var parser = Parser(tokens: try Lexer.tokens(source))
        return try parser.statements(until: nil)
    }

    private init(tokens: [Token]) { self.tokens = tokens }

    private var current: Token { tokens[min(position, tokens.count - 1)] }
    private mutating func advance() { position = min(position + 1, tokens.count - 1) }

    private func isSymbol(_ s: String) -> Bool { current.kind == .symbol(s) }
    private func isKeyword(_ s: String) -> Bool { current.kind == .keyword(s) }

    private mutating func expect(_ symbol: String, _ purpose: String) throws {
        guard isSymbol(symbol) else {
            throw ScriptError(.syntax, "expected '\(symbol)' \(purpose), found \(current.text)", at: current.location, length: current.length)
        }
        advance()
    }

    private mutating func skipSeparators() {
        while current.kind == .newline || isSymbol(";") { advance() }
    }

    /// Statements up to `closing` (a `}`) or the end of input.
    private mutating func statements(until closing: String?) throws -> [Statement] {
        var result: [Statement] = []
        skipSeparators()
        while current.kind != .end && !(closing.map(isSymbol) ?? false) {
            result.append(try statement())
            guard current.kind == .newline || isSymbol(";") || current.kind == .end || (closing.map(isSymbol) ?? false) else {
                throw ScriptError(.syntax, "expected a new line or ';' between statements, found \(current.text)", at: current.location, length: current.length)
            }
            skipSeparators()
        }
        if let closing, !isSymbol(closing) {
            throw ScriptError(.syntax, "expected '\(closing)' to close the block, found \(current.text)", at: current.location, length: current.length)
        }
        return result
    }

    private mutating func block() throws -> [Statement] {
        try expect("{", "to open a block")
        depth += 1
        defer { depth -= 1 }
        guard depth < Parser.maximumDepth else { throw ScriptError(.syntax, "blocks nested too deeply", at: current.location) }
        let body = try statements(until: "}")
        advance()
        return body
    }

    private mutating func statement() throws -> Statement {
        let start = current.location
        if isKeyword("let") || isKeyword("var") {
            let mutable = isKeyword("var")
            advance()
            guard case let .identifier(name) = current.kind else {
                throw ScriptError(.syntax, "expected a name after '\(mutable ? "var" : "let")', found \(current.text)", at: current.location, length: current.length)
            }
            let nameLocation = current.location
            advance()
            try expect("=", "after the name '\(name)'")
            return .binding(name, mutable: mutable, try expression(), nameLocation)
        }
        if isKeyword("for") {
            advance()
            guard case let .identifier(name) = current.kind else {
                throw ScriptError(.syntax, "expected a loop variable after 'for', found \(current.text)", at: current.location, length: current.length)
            }
            let variable = current.location
            advance()
            guard isKeyword("in") else { throw ScriptError(.syntax, "expected 'in' after 'for \(name)', found \(current.text)", at: current.location, length: current.length) }
            advance()
            let sequence = try header()
            return .forLoop(name, sequence, try block(), variable)
        }
        if isKeyword("if") { return try conditional() }
        if case let .identifier(name) = current.kind, position + 1 < tokens.count,
           case let .symbol(op) = tokens[position + 1].kind, ["=", "+=", "-=", "*=", "/="].contains(op) {
            advance(); advance()
            return .assignment(name, operator: op, try expression(), start)
        }
        return .expression(try expression())
    }

    private mutating func conditional() throws -> Statement {
        let start = current.location
        advance()
        let condition = try header()
        let then = try block()
        guard isKeyword("else") else { return .conditional(condition, then, otherwise: nil, start) }
        advance()
        if isKeyword("if") { return .conditional(condition, then, otherwise: [try conditional()], start) }
        return .conditional(condition, then, otherwise: try block(), start)
    }

    /// The expression of an `if` or `for` header, where `{` starts the body.
    private mutating func header() throws -> Expression {
        try withTrailingBlocks(false) { try $0.expression() }
    }

    /// Runs `body` with trailing blocks allowed or not: a header bans them, and brackets lift the
    /// ban again (`if f(x) { … } { … }` is unusual, but `for p in grid(pairs) { … }` is not).
    private mutating func withTrailingBlocks<T>(_ allowed: Bool, _ body: (inout Parser) throws -> T) throws -> T {
        let saved = allowsTrailingBlock
        allowsTrailingBlock = allowed
        defer { allowsTrailingBlock = saved }
        return try body(&self)
    }

    mutating func expression() throws -> Expression {
        depth += 1
        defer { depth -= 1 }
        guard depth < Parser.maximumDepth else { throw ScriptError(.syntax, "expression nested too deeply", at: current.location) }
        return try binaryLevel(0)
    }

    private static let levels: [[String]] = [["||"], ["&&"], ["==", "!=", "<", "<=", ">", ">="], ["..<", "..."], ["+", "-"], ["*", "/", "%"]]

    private mutating func binaryLevel(_ level: Int) throws -> Expression {
        guard level < Parser.levels.count else { return try unary() }
        var left = try binaryLevel(level + 1)
        while case let .symbol(op) = current.kind, Parser.levels[level].contains(op) {
            let location = current.location
            advance()
            let right = try binaryLevel(level + 1)
            if op == "..<" || op == "..." {
                left = .range(left, right, closed: op == "...", location)
                break  // ranges do not chain
            }
            left = .binary(op, left, right, location)
            if level == 2 { break }  // comparisons do not chain: a < b < c is an error
        }
        return left
    }

    private mutating func unary() throws -> Expression {
        if case let .symbol(op) = current.kind, op == "-" || op == "!" {
            let location = current.location
            advance()
            depth += 1
            defer { depth -= 1 }
            guard depth < Parser.maximumDepth else { throw ScriptError(.syntax, "expression nested too deeply", at: location) }
            return .unary(op, try unary(), location)
        }
        return try postfix()
    }

    private mutating func postfix() throws -> Expression {
        var e = try primary()
        while true {
            let location = current.location
            if isSymbol("(") {
                advance()
                let arguments = try withTrailingBlocks(true) { try $0.argumentList() }
                let trailing = allowsTrailingBlock && isSymbol("{") ? try block() : nil
                e = .call(e, arguments, block: trailing, location)
            } else if isSymbol("{") && allowsTrailingBlock, case .name = e {
                e = .call(e, [], block: try block(), location)
            } else if isSymbol("[") {
                advance()
                let index = try withTrailingBlocks(true) { try $0.expression() }
                try expect("]", "to close the index")
                e = .index(e, index, location)
            } else if isSymbol(".") {
                advance()
                guard case let .identifier(name) = current.kind else {
                    throw ScriptError(.syntax, "expected a member name after '.', found \(current.text)", at: current.location, length: current.length)
                }
                advance()
                e = .member(e, name, location)
            } else {
                return e
            }
        }
    }

    /// `label: value, value, …` up to (and past) the closing `)`.
    private mutating func argumentList() throws -> [Argument] {
        var arguments: [Argument] = []
        while !isSymbol(")") {
            let at = current.location
            var label: String? = nil
            if case let .identifier(name) = current.kind, position + 1 < tokens.count, tokens[position + 1].kind == .symbol(":") {
                label = name
                advance(); advance()
            }
            arguments.append(Argument(label: label, value: try expression(), location: at))
            if isSymbol(",") { advance() } else if !isSymbol(")") {
                throw ScriptError(.syntax, "expected ',' or ')' in the argument list, found \(current.text)", at: current.location, length: current.length)
            }
        }
        advance()
        return arguments
    }

    private mutating func primary() throws -> Expression {
        let token = current
        switch token.kind {
        case let .number(v): advance(); return .number(v, token.location)
        case let .string(s): advance(); return .string(s, token.location)
        case .keyword("true"): advance(); return .bool(true, token.location)
        case .keyword("false"): advance(); return .bool(false, token.location)
        case .keyword("nil"): advance(); return .null(token.location)
        case let .identifier(name): advance(); return .name(name, token.location, length: token.length)
        case .symbol("("):
            advance()
            let inner = try withTrailingBlocks(true) { try $0.expression() }
            try expect(")", "to close '('")
            return inner
        case .symbol("["):
            advance()
            let items = try withTrailingBlocks(true) { parser -> [Expression] in
                var items: [Expression] = []
                while !parser.isSymbol("]") {
                    items.append(try parser.expression())
                    if parser.isSymbol(",") { parser.advance() } else if !parser.isSymbol("]") {
                        throw ScriptError(.syntax, "expected ',' or ']' in the array, found \(parser.current.text)", at: parser.current.location, length: parser.current.length)
                    }
                }
                return items
            }
            advance()
            return .array(items, token.location)
        default:
            throw ScriptError(.syntax, "expected an expression, found \(token.text)", at: token.location, length: token.length)
        }
    }
}
