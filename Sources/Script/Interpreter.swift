import Engine

/// What a cell's execution came to.
public enum ExecutionOutcome {
    /// It ran; `result` is the display of its last expression (nil when it has none).
    case success(result: DisplayBundle?)
    /// It failed: the error, and a traceback (the message, the source line, a caret).
    case failure(ScriptError, traceback: [String])
}

/// Completions for the text before a cursor.
public struct Completions: Equatable, Sendable {
    public var matches: [String]
    /// The range of the cell (character offsets) that a match replaces.
    public var start: Int
    public var end: Int
    /// Per match: "command", "variable", "keyword", "member" or "argument".
    public var kinds: [String]
}

/// Whether a cell can run as it is.
public enum Completeness: Equatable, Sendable {
    case complete
    /// More lines are expected (an open bracket); `indent` is the suggested indentation.
    case incomplete(indent: String)
    case invalid
}

/// The one small interface between a language and whatever drives it (a Jupyter kernel, the
/// command line): request methods only, with everything shown going through a `DisplaySink`.
public protocol Interpreter: AnyObject {
    func execute(_ code: String, sink: DisplaySink) -> ExecutionOutcome
    func complete(_ code: String, cursor: Int) -> Completions
    /// Help for the name at `cursor`: detail 0 is the signature and summary, 1 adds the full doc.
    func inspect(_ code: String, cursor: Int, detailLevel: Int) -> String?
    func isComplete(_ code: String) -> Completeness
    /// Asks the running cell to stop; long loops notice within one step. Safe from any thread.
    func interrupt()
    /// A `comm_msg` from the frontend to comm `id` (a widget's changed state); what it shows goes
    /// to `sink`. Returns what is wrong with a message it cannot take.
    func receiveComm(id: String, data: [String: Any], sink: DisplaySink) -> String?
    /// The frontend closed comm `id`.
    func closeComm(id: String)
    /// The open comms: their ids and targets.
    func openComms() -> [String: String]
}

/// The Likewise language.
public final class ScriptInterpreter: Interpreter {
    let session: Session

    /// Whether every expression statement at a cell's top level shows its value, not only the
    /// last: a script run headless is read as a sequence of results (`info(m)` on line 3 should
    /// print), where a notebook cell shows its last.
    let showsEveryExpression: Bool

    /// An interpreter whose cells can call the commands of `commands`. `stepLimit` bounds loop
    /// iterations and calls per cell (for fuzzing); nil is unlimited. `showsEveryExpression`: see
    /// the property.
    public init(commands: [CommandSet] = CommandSet.standard, stepLimit: Int? = nil, showsEveryExpression: Bool = false) {
        session = Session(sink: SilentSink(), commands: CommandRegistry(commands))
        session.stepLimit = stepLimit
        self.showsEveryExpression = showsEveryExpression
    }

    public func execute(_ code: String, sink: DisplaySink) -> ExecutionOutcome {
        session.gate.enter()
        defer { session.gate.leave() }
        session.sink = sink
        session.steps = 0
        session.printedNotes = []
        let firstLine = code.split(separator: "\n", omittingEmptySubsequences: true).first.map { String($0.trimmingCharacters(in: .whitespaces)) } ?? ""
        session.cellLine = firstLine.count > 60 ? String(firstLine.prefix(57)) + "…" : firstLine
        session.scopes = [session.scopes[0]]
        // A cell run while another is suspended (a subshell's) must not swallow an interrupt meant for it.
        if session.suspended == 0 { session.cancelled.store(false, ordering: .relaxed) }
        let globals = session.scopes[0]
        do {
            let statements = try Parser.parse(code)
            let show: ((Value) throws -> Void)? = showsEveryExpression ? { [session] value in
                if case .null = value { return }
                if let bundle = try Presentation.bundle(for: value, commands: session.commands) { session.sink.display(bundle, id: nil) }
            } : nil
            let value = try Evaluator(session: session).run(statements, onExpression: show)
            if case .expression = statements.last { return .success(result: try Presentation.bundle(for: value, commands: session.commands)) }
            return .success(result: nil)
        } catch let error as ScriptError {
            session.scopes = [session.scopes[0]]
            return .failure(error, traceback: error.rendered(source: code))
        } catch {
            // Nothing but ScriptError should escape the evaluator; if something does, the cell
            // fails with it and the session is restored as it was before the cell.
            session.scopes = [globals]
            let wrapped = ScriptError(.engine, "\(error)")
            return .failure(wrapped, traceback: wrapped.rendered(source: code))
        }
    }

    public func interrupt() { session.cancelled.store(true, ordering: .relaxed) }

    public func receiveComm(id: String, data: [String: Any], sink: DisplaySink) -> String? {
        withSession {
            guard let widget = session.widgets[id] else { return "no open comm \(id): it was closed, or its kernel restarted" }
            guard let channel = sink.comms else { return "comm \(id): this frontend cannot carry widget messages" }
            session.sink = sink
            do {
                try widget.receive(data, on: channel)
                return nil
            } catch {
                return "\(error)"
            }
        }
    }

    public func closeComm(id: String) { withSession { session.widgets[id] = nil } }

    public func openComms() -> [String: String] { withSession { session.widgets.mapValues { _ in Widget.target } } }

    /// Completion and inspection read the session, so they take their turn like a cell.
    private func withSession<T>(_ body: () -> T) -> T {
        session.gate.enter()
        defer { session.gate.leave() }
        return body()
    }

    public func isComplete(_ code: String) -> Completeness {
        guard let tokens = try? Lexer.tokens(code) else { return .invalid }
        var depth = 0
        for token in tokens {
            if case let .symbol(s) = token.kind {
                if ["(", "[", "{"].contains(s) { depth += 1 }
                if [")", "]", "}"].contains(s) { depth -= 1 }
            }
        }
        if depth > 0 { return .incomplete(indent: String(repeating: "  ", count: depth)) }
        if depth < 0 { return .invalid }
        do {
            _ = try Parser.parse(code)
            return .complete
        } catch let error as ScriptError {
            // An expression cut off at the end (`1 +`) waits for more; anything else is wrong.
            let atEnd = error.location.map { $0.offset >= code.trimmingTrailingWhitespace.count } ?? false
            return atEnd ? .incomplete(indent: "") : .invalid
        } catch {
            return .invalid
        }
    }

    public func complete(_ code: String, cursor: Int) -> Completions {
        withSession { completions(code, cursor: cursor) }
    }

    private func completions(_ code: String, cursor: Int) -> Completions {
        let chars = Array(code)
        let end = min(max(cursor, 0), chars.count)
        var start = end
        while start > 0, chars[start - 1].isLetter || chars[start - 1].isNumber || chars[start - 1] == "_" { start -= 1 }
        let prefix = String(chars[start..<end])
        var candidates: [(String, String)] = []
        if start > 0, chars[start - 1] == "." {
            if let receiver = receiverValue(chars, dot: start - 1) {
                candidates = Evaluator.members(of: receiver).map { ($0.0, "member") }
            }
        } else {
            if let command = enclosingCommand(chars, before: start) {
                candidates += command.parameters.compactMap(\.label).map { ($0 + ":", "argument") }
            }
            candidates += (session.variableNames + declaredNames(in: String(chars[..<start]))).map { ($0, "variable") }
            candidates += session.commands.names.map { ($0, "command") }
            candidates += Lexer.keywords.sorted().map { ($0, "keyword") }
        }
        var seen = Set<String>()
        let chosen = candidates.filter { $0.0.hasPrefix(prefix) && $0.0 != prefix && seen.insert($0.0).inserted }
        return Completions(matches: chosen.map(\.0), start: start, end: end, kinds: chosen.map(\.1))
    }

    /// The value before a member's dot — `p`, `p[0]`, `m.design`, `ps[i + 1].source` — when the
    /// expression is one that evaluating cannot change anything with: names, members, indices,
    /// literals and operators, no command calls (a `train(…)` is never run to complete its name).
    private func receiverValue(_ chars: [Character], dot: Int) -> Value? {
        var s = dot
        scan: while s > 0 {
            switch chars[s - 1] {
            case let c where c.isLetter || c.isNumber || c == "_" || c == ".": s -= 1
            case "]", ")":
                var depth = 0
                repeat {
                    s -= 1
                    if chars[s] == "]" || chars[s] == ")" { depth += 1 }
                    if chars[s] == "[" || chars[s] == "(" { depth -= 1 }
                } while depth > 0 && s > 0
                if depth > 0 { return nil }
            default: break scan
            }
        }
        guard s < dot, let statements = try? Parser.parse(String(chars[s..<dot])), statements.count == 1,
              case let .expression(expression) = statements[0], expression.callsNothing else { return nil }
        return try? Evaluator(session: session).evaluate(expression)
    }

    /// Names the cell itself declares before the cursor (`let`, `var`, `for`), not yet run.
    private func declaredNames(in code: String) -> [String] {
        guard let tokens = try? Lexer.tokens(code) else { return [] }
        return zip(tokens, tokens.dropFirst()).compactMap { first, second in
            guard case let .keyword(k) = first.kind, ["let", "var", "for"].contains(k), case let .identifier(name) = second.kind else { return nil }
            return name
        }
    }

    /// The command whose argument list the cursor is in (`synth("old", co|`).
    private func enclosingCommand(_ chars: [Character], before position: Int) -> Command? {
        var depth = 0, i = position - 1
        while i >= 0 {
            if chars[i] == ")" { depth += 1 }
            if chars[i] == "(" {
                if depth == 0 {
                    var s = i
                    while s > 0, chars[s - 1].isLetter || chars[s - 1].isNumber || chars[s - 1] == "_" { s -= 1 }
                    return session.commands[String(chars[s..<i])]
                }
                depth -= 1
            }
            i -= 1
        }
        return nil
    }

    public func inspect(_ code: String, cursor: Int, detailLevel: Int) -> String? {
        withSession { inspection(code, cursor: cursor, detailLevel: detailLevel) }
    }

    private func inspection(_ code: String, cursor: Int, detailLevel: Int) -> String? {
        let chars = Array(code)
        let at = min(max(cursor, 0), chars.count)
        var start = at, end = at
        func isWord(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" }
        while start > 0, isWord(chars[start - 1]) { start -= 1 }
        while end < chars.count, isWord(chars[end]) { end += 1 }
        var name = String(chars[start..<end])
        if name.isEmpty, let command = enclosingCommand(chars, before: at) { name = command.name }
        if let command = session.commands[name] {
            return detailLevel == 0 ? command.signature + "\n  " + command.summary : command.help
        }
        if let binding = session.lookup(name) {
            return "\(name): \(binding.value.typeName) = \(binding.value.summary)"
        }
        return nil
    }
}

/// A sink that shows nothing: the session's sink between cells, and for quiet evaluations
/// (a kernel's user expressions), where nobody can answer `input`.
public final class SilentSink: DisplaySink {
    public init() {}
    public func display(_ bundle: DisplayBundle, id: String?) {}
    public func update(_ bundle: DisplayBundle, id: String) {}
    public func progress(_ text: String, id: String) {}
    public func stream(_ text: String, toStandardError: Bool) {}
    public func clear(wait: Bool) {}
    public func input(_ prompt: String, password: Bool) throws -> String {
        throw ScriptError(.io, "input: nobody can answer here (no frontend is attached to this evaluation)")
    }
}

extension String {
    var trimmingTrailingWhitespace: String {
        var s = self
        while let last = s.last, last.isWhitespace { s.removeLast() }
        return s
    }
}
