import Engine

/// What an expression evaluates to.
public enum Value: Sendable {
    case number(Double)
    case string(String)
    case bool(Bool)
    case null
    case array([Value])
    case range(Int, Int)  // lower..<upper
    case image(Image)
    case pair(Pair)
    case pairs([Pair])
    case record([(String, Value)])
    case command(String)
    /// An engine object (a table, a model, a flow): what it is and how it shows come from its
    /// `ScriptObject` conformance, so a new kind of value needs no new case.
    case object(any ScriptObject)

    /// The type's name as a user reads it in messages and signatures.
    public var typeName: String {
        switch self {
        case .number: return "Number"
        case .string: return "String"
        case .bool: return "Bool"
        case .null: return "nil"
        case .array: return "Array"
        case .range: return "Range"
        case .image: return "Image"
        case .pair: return "Pair"
        case .pairs: return "Pairs"
        case .record: return "Record"
        case .command: return "Command"
        case let .object(object): return object.typeName
        }
    }

    /// A one-line summary, for `vars()`, print and plain-text display.
    public var summary: String {
        switch self {
        case let .number(v): return Value.format(v)
        case let .string(s): return s
        case let .bool(b): return String(b)
        case .null: return "nil"
        case let .array(items): return "[" + items.map { $0.quoted }.joined(separator: ", ") + "]"
        case let .range(a, b): return "\(a)..<\(b)"
        case let .image(i): return "Image \(i.width)×\(i.height)"
        case let .pair(p): return "Pair \(p.name) (\(p.source.width)×\(p.source.height))"
        case let .pairs(ps): return "\(ps.count) pairs" + Value.sizes(of: ps)
        case let .record(fields): return "(" + fields.map { "\($0.0): \($0.1.quoted)" }.joined(separator: ", ") + ")"
        case let .command(name): return "command \(name)"
        case let .object(object): return object.summary
        }
    }

    /// " of 64×64" when every pair has one size, " of mixed sizes, 160×140 to 360×340 px" (fewest
    /// to most pixels) when they differ, "" for none.
    static func sizes(of pairs: [Pair]) -> String {
        let sizes = pairs.map { ($0.source.width, $0.source.height) }
        guard let first = sizes.first else { return "" }
        guard sizes.contains(where: { $0 != first }) else { return " of \(first.0)×\(first.1)" }
        let ordered = sizes.sorted { $0.0 * $0.1 < $1.0 * $1.1 }
        return " of mixed sizes, \(ordered[0].0)×\(ordered[0].1) to \(ordered[ordered.count - 1].0)×\(ordered[ordered.count - 1].1) px"
    }

    /// The type and the value, for "expected …, got …" messages: `String "x"`, `Number 3`, `nil`.
    var described: String {
        if case .null = self { return "nil" }
        return "\(typeName) \(quoted)"
    }

    /// Like `summary`, with strings in quotes (inside arrays and records).
    var quoted: String {
        if case let .string(s) = self { return "\"\(s)\"" }
        return summary
    }

    /// Numbers print as integers when they are whole.
    static func format(_ v: Double) -> String {
        if v.isNaN { return "nan" }
        if v.isInfinite { return v > 0 ? "inf" : "-inf" }
        if v == v.rounded() && abs(v) < 1e15 { return String(Int(v)) }
        return String(v)
    }
}

/// An engine object that the language can hold in a variable, pass to commands, read members
/// of and display: one conformance makes a new kind of value.
public protocol ScriptObject: Sendable {
    /// The type's name as signatures and messages show it ("Table", "Model").
    static var typeName: String { get }
    /// One line for `vars()`, `print` and plain-text display.
    var summary: String { get }
    /// What `.name` reads, in the order completion offers it.
    var members: [(String, Value)] { get }
    /// How a notebook shows it; the default is its summary as text.
    func display() throws -> DisplayBundle
    /// The engine object it stands for, when copies of the value share one (a model's editor):
    /// what a cell holds while a command works on it (see `ParameterType.workedOn`).
    var identity: ObjectIdentifier? { get }
}

extension ScriptObject {
    /// The type's name, read from a value.
    public var typeName: String { Self.typeName }
    public var members: [(String, Value)] { [] }
    public func display() throws -> DisplayBundle { DisplayBundle(text: summary) }
    public var identity: ObjectIdentifier? { nil }
}

/// Rows and columns of text, shown as HTML in a notebook and aligned text in a terminal; a table
/// of results also as a PNG (for viewers and exports without HTML, and `likewise run`'s files).
public struct Table: ScriptObject {
    public static let typeName = "Table"
    public var summary: String { "Table \(rows.count)×\(columns.count)" }
    public var members: [(String, Value)] {
        [("rows", .number(Double(rows.count))), ("columns", .array(columns.map { .string($0) })),
         ("picture", (try? picture()).map(Value.image) ?? .null)]
    }
    public func display() throws -> DisplayBundle {
        DisplayBundle(text: text, png: showsPicture ? try picture().pngData() : nil, html: html)
    }

    public var columns: [String]
    public var rows: [[String]]
    /// Whether its display carries a PNG of it beside the HTML.
    public var showsPicture: Bool

    public init(columns: [String], rows: [[String]], showsPicture: Bool = false) {
        (self.columns, self.rows, self.showsPicture) = (columns, rows, showsPicture)
    }

    /// The table drawn as a picture.
    public func picture() throws -> Image { try Figure.table(columns: columns, rows: rows) }

    public var text: String {
        let widths = columns.indices.map { c in ([columns[c]] + rows.map { c < $0.count ? $0[c] : "" }).map(\.count).max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }
        return ([line(columns), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")] + rows.map(line)).joined(separator: "\n")
    }

    public var html: String {
        func escape(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        }
        let head = "<tr>" + columns.map { "<th>\(escape($0))</th>" }.joined() + "</tr>"
        let body = rows.map { "<tr>" + $0.map { "<td>\(escape($0))</td>" }.joined() + "</tr>" }.joined()
        return "<table><thead>\(head)</thead><tbody>\(body)</tbody></table>"
    }
}

/// One displayable thing in several representations (MIME type → content), as Jupyter wants it.
public struct DisplayBundle: Sendable {
    public var text: String
    public var png: [UInt8]?
    public var html: String?
    /// The id of a widget model to show (`application/vnd.jupyter.widget-view+json`).
    public var widget: String?

    public init(text: String, png: [UInt8]? = nil, html: String? = nil, widget: String? = nil) {
        (self.text, self.png, self.html, self.widget) = (text, png, html, widget)
    }
}

/// Where an interpreter sends everything it shows: the kernel publishes on IOPub, the command
/// line prints text and writes PNG files.
public protocol DisplaySink: AnyObject {
    /// Shows a bundle; with an id, later `update` calls replace it in place.
    func display(_ bundle: DisplayBundle, id: String?)
    /// Replaces the bundle shown under `id`.
    func update(_ bundle: DisplayBundle, id: String)
    /// A one-line progress report that replaces the previous one with the same `id` (a display
    /// updated in place in a notebook, a rewritten line in a terminal).
    func progress(_ text: String, id: String)
    /// Text written by `print` (stdout) or warnings (stderr).
    func stream(_ text: String, toStandardError: Bool)
    /// Clears the cell's output (when `wait`, at the next output).
    func clear(wait: Bool)
    /// Asks the user for a line of text (hidden when `password`); throws when nobody can answer.
    func input(_ prompt: String, password: Bool) throws -> String
    /// The comms to the frontend, for widgets; nil where there are none (a terminal).
    var comms: CommChannel? { get }
}

extension DisplaySink {
    public var comms: CommChannel? { nil }
}
