/// A position in a cell or script: 1-based line and column, and the character offset.
public struct SourceLocation: Equatable, Sendable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var offset: Int
    public var description: String { "\(line):\(column)" }
}

/// One token of the language.
struct Token: Equatable {
    enum Kind: Equatable {
        case number(Double)
        case string(String)
        case identifier(String)
        case keyword(String)
        case symbol(String)
        case newline
        case end
    }
    let kind: Kind
    let location: SourceLocation
    let length: Int

    /// How the token reads in an error message.
    var text: String {
        switch kind {
        case let .number(v): return v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v)
        case let .string(s): return "\"\(s)\""
        case let .identifier(s), let .keyword(s), let .symbol(s): return s
        case .newline: return "end of line"
        case .end: return "end of input"
        }
    }
}

/// Splits source text into tokens. Newlines end statements, except inside ( ) and [ ], where an
/// expression may run over several lines; `//` starts a comment to the end of the line.
struct Lexer {
    static let keywords: Set<String> = ["let", "var", "for", "in", "if", "else", "true", "false", "nil"]
    /// Longest first, so that `..<` wins over `.`.
    static let symbols = ["..<", "...", "==", "!=", "<=", ">=", "&&", "||", "+=", "-=", "*=", "/=",
                          "(", ")", "[", "]", "{", "}", ",", ":", ".", "+", "-", "*", "/", "%", "<", ">", "=", "!", ";"]

    static func tokens(_ source: String) throws -> [Token] {
        let chars = Array(source)
        var tokens: [Token] = []
        var i = 0, line = 1, column = 1
        var depth = 0  // open ( and [
        func location() -> SourceLocation { SourceLocation(line: line, column: column, offset: i) }
        func advance(_ n: Int = 1) {
            for _ in 0..<n where i < chars.count {
                if chars[i] == "\n" { line += 1; column = 1 } else { column += 1 }
                i += 1
            }
        }
        while i < chars.count {
            let c = chars[i]
            let start = location()
            if c == "\n" {
                if depth == 0 { tokens.append(Token(kind: .newline, location: start, length: 1)) }
                advance()
            } else if c == " " || c == "\t" || c == "\r" {
                advance()
            } else if c == "/" && i + 1 < chars.count && chars[i + 1] == "/" {
                while i < chars.count && chars[i] != "\n" { advance() }
            } else if c.isNumber {
                var text = ""
                while i < chars.count, chars[i].isNumber || chars[i] == "_" { if chars[i] != "_" { text.append(chars[i]) }; advance() }
                // A fraction needs a digit after the dot: `0..<5` is a range, not 0. then .<5
                if i + 1 < chars.count, chars[i] == ".", chars[i + 1].isNumber {
                    text.append("."); advance()
                    while i < chars.count, chars[i].isNumber { text.append(chars[i]); advance() }
                }
                if i < chars.count, chars[i] == "e" || chars[i] == "E" {
                    var j = i + 1
                    if j < chars.count, chars[j] == "+" || chars[j] == "-" { j += 1 }
                    if j < chars.count, chars[j].isNumber {
                        text.append("e"); advance()
                        if chars[i] == "+" || chars[i] == "-" { text.append(chars[i]); advance() }
                        while i < chars.count, chars[i].isNumber { text.append(chars[i]); advance() }
                    }
                }
                guard let value = Double(text), value.isFinite else {
                    throw ScriptError(.syntax, "the number \(text) is too large", at: start, length: text.count)
                }
                tokens.append(Token(kind: .number(value), location: start, length: i - start.offset))
            } else if c == "\"" {
                advance()
                var text = ""
                while true {
                    guard i < chars.count, chars[i] != "\n" else {
                        throw ScriptError(.syntax, "this string has no closing \"", at: start, length: 1)
                    }
                    let ch = chars[i]
                    if ch == "\"" { advance(); break }
                    if ch == "\\" {
                        advance()
                        guard i < chars.count else { continue }
                        switch chars[i] {
                        case "n": text.append("\n")
                        case "t": text.append("\t")
                        case "\"": text.append("\"")
                        case "\\": text.append("\\")
                        default:
                            throw ScriptError(.syntax, "unknown escape \\\(chars[i]) in a string (use \\n, \\t, \\\" or \\\\)", at: location(), length: 1)
                        }
                        advance()
                    } else {
                        text.append(ch)
                        advance()
                    }
                }
                tokens.append(Token(kind: .string(text), location: start, length: i - start.offset))
            } else if c.isLetter || c == "_" {
                var text = ""
                while i < chars.count, chars[i].isLetter || chars[i].isNumber || chars[i] == "_" { text.append(chars[i]); advance() }
                tokens.append(Token(kind: keywords.contains(text) ? .keyword(text) : .identifier(text), location: start, length: text.count))
            } else if let symbol = symbols.first(where: { matches($0, chars, i) }) {
                if symbol == "(" || symbol == "[" { depth += 1 }
                if symbol == ")" || symbol == "]" { depth = max(depth - 1, 0) }
                advance(symbol.count)
                tokens.append(Token(kind: .symbol(symbol), location: start, length: symbol.count))
            } else {
                throw ScriptError(.syntax, "unexpected character '\(c)'", at: start, length: 1)
            }
        }
        tokens.append(Token(kind: .end, location: location(), length: 0))
        return tokens
    }

    private static func matches(_ symbol: String, _ chars: [Character], _ i: Int) -> Bool {
        let s = Array(symbol)
        guard i + s.count <= chars.count else { return false }
        return (0..<s.count).allSatisfy { chars[i + $0] == s[$0] }
    }
}
