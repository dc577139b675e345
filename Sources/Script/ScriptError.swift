/// An error in a cell: what kind, what went wrong, and where, so that it can be shown with the
/// line:column and a caret under the source.
public struct ScriptError: Error, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, CaseIterable {
        case syntax = "SyntaxError"
        case name = "NameError"
        case type = "TypeError"
        case argument = "ArgumentError"
        case value = "ValueError"
        case index = "IndexError"
        case engine = "EngineError"
        case io = "IOError"
        case interrupted = "KeyboardInterrupt"
        case limit = "LimitError"
    }

    public let kind: Kind
    public let message: String
    public var location: SourceLocation?
    public var length: Int

    public init(_ kind: Kind, _ message: String, at location: SourceLocation? = nil, length: Int = 1) {
        (self.kind, self.message, self.location, self.length) = (kind, message, location, max(length, 1))
    }

    public var description: String { location.map { "\($0): \(message)" } ?? message }

    /// Standard input closed while `input` waited for a line.
    public static let inputEnded = ScriptError(.io, "input: standard input has ended")

    /// `error: 2:5: message`, the source line, and a caret under the place — as a terminal or a
    /// notebook traceback shows it.
    public func rendered(source: String) -> [String] {
        guard let location else { return ["\(kind.rawValue): \(message)"] }
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
        var out = ["\(kind.rawValue): \(location): \(message)"]
        if location.line - 1 < lines.count {
            let text = String(lines[location.line - 1])
            out.append("  " + text)
            let width = max(1, min(length, max(text.count - location.column + 1, 1)))
            out.append("  " + String(repeating: " ", count: max(location.column - 1, 0)) + String(repeating: "^", count: width))
        }
        return out
    }
}
