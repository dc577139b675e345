import Engine

/// The type a command parameter accepts, named as signatures show it, and for numbers the values
/// it allows. Binding checks every argument against both, so a command's body reads values of
/// the declared kinds within the declared ranges, and `help` shows the ranges from here.
public struct ParameterType: Sendable, Equatable {
    /// The name in signatures (`Int`, `Pairs`, `Model`).
    public let name: String
    /// How an error message says what was expected ("a whole number").
    public let expected: String
    /// The numbers allowed (a Number or Int parameter), and how they are written: "1…64", "≥ 0".
    public let range: ClosedRange<Double>?
    public let rangeText: String?
    /// Whether the String names a file or folder (see `path`).
    let isPath: Bool
    /// The Strings allowed, when only some are (see `choice`).
    let choices: [String]?
    /// Whether the command trains or edits with the object (see `workedOn`).
    let isWorkedOn: Bool

    init(name: String, expected: String, range: ClosedRange<Double>? = nil, rangeText: String? = nil, isPath: Bool = false,
         choices: [String]? = nil, isWorkedOn: Bool = false) {
        (self.name, self.expected, self.range, self.rangeText, self.isPath, self.choices, self.isWorkedOn) =
            (name, expected, range, rangeText, isPath, choices, isWorkedOn)
    }

    public static let number = ParameterType(name: "Number", expected: "a Number")
    public static let integer = ParameterType(name: "Int", expected: "a whole number")
    /// A whole number in `range`.
    public static func integer(_ range: ClosedRange<Int>) -> ParameterType {
        ParameterType(name: "Int", expected: "a whole number", range: Double(range.lowerBound)...Double(range.upperBound),
                      rangeText: "\(range.lowerBound)…\(range.upperBound)")
    }
    /// A number in `range`.
    public static func number(_ range: ClosedRange<Double>) -> ParameterType {
        ParameterType(name: "Number", expected: "a Number", range: range, rangeText: "\(Value.format(range.lowerBound))…\(Value.format(range.upperBound))")
    }
    /// A seed: any whole number from 0 (up to the 10¹⁵ every whole number stays under).
    public static let seed = ParameterType(name: "Int", expected: "a whole number", range: 0...1e15, rangeText: "≥ 0")
    public static let string = ParameterType(name: "String", expected: "a String")
    /// A file or folder's path: a String without NUL, which the file system cannot take (Foundation
    /// once wrote `save(x, "a\0b")` to a file named `a%00b`).
    public static let path = ParameterType(name: "String", expected: "a String", isPath: true)
    /// One of the Strings `names` (a preset, a pairing, a flow estimator).
    public static func choice(_ names: [String]) -> ParameterType {
        ParameterType(name: "String", expected: "a String", rangeText: "one of " + names.joined(separator: ", "), choices: names)
    }
    public static let bool = ParameterType(name: "Bool", expected: "a Bool")
    public static let image = ParameterType(name: "Image", expected: "an Image")
    /// Pairs, or one Pair.
    public static let pairs = ParameterType(name: "Pairs", expected: "Pairs")
    public static let array = ParameterType(name: "Array", expected: "an Array")
    public static let any = ParameterType(name: "Any", expected: "any value")

    /// An engine object of the language (a model, a flow), by its type name.
    public static func object(_ typeName: String) -> ParameterType {
        ParameterType(name: typeName, expected: "a \(typeName)")
    }

    /// An engine object the command trains or edits with, by its type name: the cell holds it while
    /// the command runs, and a subshell's cell that runs meanwhile (between two of its steps) may
    /// read it — `info`, `lossPlot`, its members — but not work on it too (`Session.hold`).
    public static func workedOn(_ typeName: String) -> ParameterType {
        ParameterType(name: typeName, expected: "a \(typeName)", isWorkedOn: true)
    }

    /// Whether `value` is of this type.
    func accepts(_ value: Value) -> Bool {
        switch (name, value) {
        case ("Any", _), ("Number", .number), ("String", .string), ("Bool", .bool), ("Image", .image), ("Pairs", .pairs), ("Pairs", .pair),
             ("Array", .array):
            return true
        case let ("Int", .number(v)): return v == v.rounded() && abs(v) < 1e15
        case let (_, .object(object)): return object.typeName == name
        default: return false
        }
    }
}

/// One parameter of a command: its call-site label (nil: positional), type, default and doc.
public struct Parameter: Sendable {
    public let label: String?
    public let name: String
    public let type: ParameterType
    /// The default, as written in the signature; nil when the argument is required.
    public let defaultText: String?
    /// The value a missing argument takes (`nil` when the default is described, like "the session seed").
    let defaultValue: Value
    public let doc: String

    /// A required parameter.
    public init(_ label: String?, _ name: String, _ type: ParameterType, _ doc: String) {
        (self.label, self.name, self.type, self.defaultText, self.defaultValue, self.doc) = (label, name, type, nil, .null, doc)
    }

    /// An optional parameter whose default is `value`, or, when `value` is nil, described by `text`
    /// and decided by the command (the session seed).
    public init(_ label: String?, _ name: String, _ type: ParameterType, default value: Value, shown text: String? = nil, _ doc: String) {
        (self.label, self.name, self.type, self.defaultText, self.defaultValue, self.doc) = (label, name, type, text ?? value.quoted, value, doc)
    }
}

/// Arguments bound to a command's parameters (each already checked against its declared type),
/// with typed accessors that name the command and the parameter in any error.
public struct Invocation {
    public let command: Command
    let values: [String: Value]
    /// The arguments of a variadic command, after its parameters.
    public let rest: [Value]
    let block: [Statement]?
    let blockRunner: ([Statement]) throws -> Value
    /// Where the command is called, for errors.
    public let location: SourceLocation

    /// The objects of its `workedOn` arguments, with their type names.
    var workedOn: [(identity: ObjectIdentifier, typeName: String)] {
        command.parameters.compactMap { p in
            guard p.type.isWorkedOn, case let .object(object) = value(p.name), let identity = object.identity else { return nil }
            return (identity, object.typeName)
        }
    }

    /// Whether the argument was given (or has a default other than nil).
    public func has(_ name: String) -> Bool {
        if case .null = values[name] ?? .null { return false }
        return true
    }

    /// The argument as given.
    public func value(_ name: String) -> Value { values[name] ?? .null }

    /// Runs the command's trailing `{ … }` block in a scope of its own; its last expression's value.
    public func runBlock() throws -> Value { try blockRunner(block ?? []) }

    private func wrong(_ name: String, _ expected: String, _ got: Value) -> ScriptError {
        ScriptError(.type, "\(command.name): \(name) must be \(expected), got \(got.described)\n  \(command.signature)", at: location)
    }

    public func number(_ name: String) throws -> Double {
        guard case let .number(v) = value(name) else { throw wrong(name, "a Number", value(name)) }
        return v
    }

    public func integer(_ name: String) throws -> Int {
        guard case let .number(v) = value(name), v == v.rounded(), abs(v) < 1e15 else { throw wrong(name, "a whole number", value(name)) }
        return Int(v)
    }

    public func string(_ name: String) throws -> String {
        guard case let .string(s) = value(name) else { throw wrong(name, "a String", value(name)) }
        return s
    }

    public func bool(_ name: String) throws -> Bool {
        guard case let .bool(b) = value(name) else { throw wrong(name, "a Bool", value(name)) }
        return b
    }

    public func pairs(_ name: String) throws -> [Pair] {
        switch value(name) {
        case let .pairs(p): return p
        case let .pair(p): return [p]
        default: throw wrong(name, "Pairs", value(name))
        }
    }

    public func image(_ name: String) throws -> Image {
        guard case let .image(image) = value(name) else { throw wrong(name, "an Image", value(name)) }
        return image
    }

    /// The argument as the engine object type `T`.
    public func object<T: ScriptObject>(_ name: String, as type: T.Type) throws -> T {
        guard case let .object(object) = value(name), let typed = object as? T else { throw wrong(name, "a \(T.typeName)", value(name)) }
        return typed
    }
}

/// A command of the language: one record gives its signature, documentation and body, so that
/// calls, argument errors, `help`, completion and inspection all agree.
public struct Command: Sendable {
    public let name: String
    public let parameters: [Parameter]
    /// Accepts any number of positional arguments after the parameters (`print`, `show`).
    public let variadic: Bool
    /// Takes a trailing `{ … }` block (`time`).
    public let takesBlock: Bool
    public let summary: String
    public let doc: String
    let body: @Sendable (Invocation, Session) throws -> Value

    /// A command named `name` taking `parameters` (and, when `variadic`, any number of positional
    /// arguments after them, or when `takesBlock`, a trailing `{ … }`), whose `body` computes its value.
    public init(_ name: String, _ parameters: [Parameter] = [], variadic: Bool = false, takesBlock: Bool = false,
         summary: String, doc: String = "", body: @escaping @Sendable (Invocation, Session) throws -> Value) {
        (self.name, self.parameters, self.variadic, self.takesBlock, self.summary, self.doc, self.body) =
            (name, parameters, variadic, takesBlock, summary, doc, body)
    }

    /// `synth(_ task: String, count: Int = 8, …)`.
    public var signature: String {
        var parts = parameters.map { p in
            (p.label ?? "_ \(p.name)") + ": \(p.type.name)" + (p.defaultText.map { " = \($0)" } ?? "")
        }
        if variadic { parts.append("_ items: Any...") }
        return "\(name)(\(parts.joined(separator: ", ")))" + (takesBlock ? " { … }" : "")
    }

    /// The help text: signature, summary, parameters, details.
    public var help: String {
        var lines = [signature, "  " + summary]
        for p in parameters { lines.append("    \(p.label ?? p.name): \(p.doc)" + (p.type.rangeText.map { " (\($0))" } ?? "")) }
        if !doc.isEmpty { lines += doc.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 } }
        return lines.joined(separator: "\n")
    }

    /// Matches call arguments to parameters (labelled ones by label, the rest in order) and checks
    /// each against its parameter's type; `blockRunner` is how the command runs its block.
    /// Each argument carries two places: its label's, where a wrong or repeated label is shown, and
    /// its value's, where a value of the wrong type or out of range is.
    func bind(_ arguments: [(label: String?, value: Value, location: SourceLocation, valueLocation: SourceLocation)], block: [Statement]?,
              at location: SourceLocation, blockRunner: @escaping ([Statement]) throws -> Value) throws -> Invocation {
        var values: [String: Value] = [:], rest: [Value] = []
        var positional = parameters.filter { $0.label == nil }.makeIterator()
        func check(_ argument: (label: String?, value: Value, location: SourceLocation, valueLocation: SourceLocation), against p: Parameter) throws {
            // nil stands for "not given" where the parameter has a default.
            if case .null = argument.value, p.defaultText != nil { return }
            guard p.type.accepts(argument.value) else {
                throw ScriptError(.type, "\(name): \(p.label ?? p.name) must be \(p.type.expected), got \(argument.value.described)\n  \(signature)",
                                  at: argument.valueLocation)
            }
            if let range = p.type.range, let text = p.type.rangeText, case let .number(v) = argument.value, !range.contains(v) {
                throw ScriptError(.value, "\(name): \(p.label ?? p.name) must be \(text), got \(Value.format(v))", at: argument.valueLocation)
            }
            if let choices = p.type.choices, case let .string(text) = argument.value, !choices.contains(text) {
                let hint = Suggestion.closest(to: text, in: choices).map { "; did you mean \"\($0)\"?" } ?? ""
                throw ScriptError(.value, "\(name): \(p.label ?? p.name) must be one of \(choices.joined(separator: ", ")), got \"\(text)\"\(hint)",
                                  at: argument.valueLocation)
            }
            if p.type.isPath, case let .string(path) = argument.value, path.isEmpty || path.contains("\u{0}") {
                throw ScriptError(.value, "\(name): \(p.label ?? p.name) must be a path, got \(path.isEmpty ? "an empty String" : "a String holding a NUL character")",
                                  at: argument.valueLocation)
            }
        }
        for argument in arguments {
            if let label = argument.label {
                guard let p = parameters.first(where: { $0.label == label }) else {
                    let labels = parameters.compactMap(\.label)
                    let hint = Suggestion.closest(to: label, in: labels).map { "; did you mean '\($0):'?" } ?? ""
                    throw ScriptError(.argument, "\(name) has no argument '\(label):'\(hint)\n  \(signature)", at: argument.location, length: label.count)
                }
                guard values[p.name] == nil else {
                    throw ScriptError(.argument, "\(name): '\(label):' is given twice\n  \(signature)", at: argument.location, length: label.count)
                }
                try check(argument, against: p)
                values[p.name] = argument.value
            } else if let p = positional.next() {
                try check(argument, against: p)
                values[p.name] = argument.value
            } else if variadic {
                rest.append(argument.value)
            } else {
                let expected = parameters.contains { $0.label == nil } ? "too many unlabelled arguments" : "its arguments need labels"
                throw ScriptError(.argument, "\(name): \(expected)\n  \(signature)", at: argument.location)
            }
        }
        for p in parameters where values[p.name] == nil {
            guard p.defaultText != nil else {
                throw ScriptError(.argument, "\(name) needs \(p.label.map { "'\($0):'" } ?? p.name)\n  \(signature)", at: location, length: name.count)
            }
            values[p.name] = p.defaultValue
        }
        if takesBlock && block == nil {
            throw ScriptError(.argument, "\(name) takes a block: \(name) { … }", at: location, length: name.count)
        }
        if !takesBlock && block != nil {
            throw ScriptError(.argument, "\(name) does not take a { … } block\n  \(signature)", at: location, length: name.count)
        }
        return Invocation(command: self, values: values, rest: rest, block: block, blockRunner: blockRunner, location: location)
    }
}

/// The closest known name to a misspelt one, for "did you mean …?".
enum Suggestion {
    /// " — did you mean 'name'?" for the closest candidate, or "" when none is close.
    static func hint(for word: String, in candidates: [String]) -> String {
        closest(to: word, in: candidates).map { " — did you mean '\($0)'?" } ?? ""
    }

    static func closest(to word: String, in candidates: [String]) -> String? {
        let scored = candidates.map { ($0, distance(word.lowercased(), $0.lowercased())) }.filter { $0.1 <= max(2, word.count / 3) }
        return scored.min { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }?.0
    }

    /// Levenshtein distance.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var row = [i] + [Int](repeating: 0, count: b.count)
            for j in 1...b.count {
                row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = row
        }
        return previous[b.count]
    }
}
