import Engine
import Foundation
import Synchronization

/// The state a notebook's cells share: variables, the session seed, and the way out (display
/// sink, cancellation). Commands receive it to show things and to check for interruption.
public final class Session {
    struct Binding {
        var value: Value
        let mutable: Bool
    }

    /// Global variables (persist across cells), then one scope per block being run.
    var scopes: [[String: Binding]] = [[:]]
    /// The seed that commands use when not given one (`seed(n)` sets it).
    public internal(set) var seed: Int = 1
    var sink: DisplaySink
    let cancelled = Atomic<Bool>(false)
    /// At most this many loop iterations and calls per cell (nil: unlimited); a fuzz test's guard
    /// against a generated program that would run for hours.
    var stepLimit: Int?
    var steps = 0
    /// Only one cell runs against the session at a time; see `Gate`.
    let gate = Gate()
    /// Cells suspended in `yieldToWaitingCells` (a subshell's cell runs meanwhile).
    var suspended = 0
    /// The objects commands are training or editing with now, each with who holds it (see `hold`).
    private var held: [ObjectIdentifier: String] = [:]
    /// The first line of the running cell, to name it to another.
    var cellLine = ""
    /// The notes the running cell has printed with `printOnce`.
    var printedNotes: Set<String> = []

    /// The commands this session's cells can call.
    public let commands: CommandRegistry
    /// The widgets open with the frontend, by comm id.
    var widgets: [String: Widget] = [:]

    /// Opens `widgets` with the frontend, in order (a widget after those it refers to).
    func open(_ widgets: [Widget], on channel: CommChannel) {
        for widget in widgets {
            self.widgets[widget.id] = widget
            widget.open(on: channel)
        }
    }

    init(sink: DisplaySink, commands: CommandRegistry) { (self.sink, self.commands) = (sink, commands) }

    /// Throws `KeyboardInterrupt` once an interrupt has been requested, and lets a waiting cell
    /// (from a subshell) run: every long loop calls it between steps.
    public func checkInterrupt() throws {
        if cancelled.load(ordering: .relaxed) {
            throw ScriptError(.interrupted, "interrupted")
        }
        if gate.isWaitedFor { yieldToWaitingCells() }
    }

    /// Hands the session to a waiting cell and, when it is done, restores this cell's own
    /// context: its sink, its block scopes over the (possibly changed) globals, its step count.
    private func yieldToWaitingCells() {
        let (mySink, myScopes, mySteps, myLimit, myLine) = (sink, Array(scopes.dropFirst()), steps, stepLimit, cellLine)
        suspended += 1
        gate.handOff()
        suspended -= 1
        (sink, steps, stepLimit, cellLine) = (mySink, mySteps, myLimit, myLine)
        scopes = [scopes[0]] + myScopes
    }

    /// Marks `objects` as worked on by `command` in the running cell, for as long as it runs (until
    /// `release`). A cell suspended between two steps of its work lets a subshell's cell run; that
    /// cell may read what the first is working on, but a command of its own that would work on it
    /// too — train it while it trains, edit with it mid-step — is refused, naming the cell that has
    /// it. Returns what to release.
    func hold(_ objects: [(identity: ObjectIdentifier, typeName: String)], for command: String) throws -> [ObjectIdentifier] {
        for object in objects {
            if let holder = held[object.identity] {
                throw ScriptError(.value, "\(command): this \(object.typeName) is busy: \(holder) is still running. Run this once it is done or stopped; info and lossPlot can read it meanwhile")
            }
        }
        let holder = "\(command) in the cell that begins '\(cellLine)'"
        var taken: [ObjectIdentifier] = []
        for object in objects where held[object.identity] == nil {
            held[object.identity] = holder
            taken.append(object.identity)
        }
        return taken
    }

    /// Ends the holds that `hold` returned.
    func release(_ taken: [ObjectIdentifier]) {
        for identity in taken { held[identity] = nil }
    }

    func step(at location: SourceLocation) throws {
        try checkInterrupt()
        steps += 1
        if let stepLimit, steps > stepLimit {
            throw ScriptError(.limit, "this cell took more than \(stepLimit) steps", at: location)
        }
    }

    func lookup(_ name: String) -> Binding? {
        for scope in scopes.reversed() { if let b = scope[name] { return b } }
        return nil
    }

    func declare(_ name: String, _ value: Value, mutable: Bool) {
        scopes[scopes.count - 1][name] = Binding(value: value, mutable: mutable)
    }

    func assign(_ name: String, _ value: Value, at location: SourceLocation) throws {
        for i in scopes.indices.reversed() {
            guard let binding = scopes[i][name] else { continue }
            guard binding.mutable else {
                throw ScriptError(.name, "cannot assign to '\(name)': it is a let constant (declare it with var to change it)", at: location, length: name.count)
            }
            scopes[i][name] = Binding(value: value, mutable: true)
            return
        }
        throw ScriptError(.name, "cannot assign to '\(name)': it is not declared (use let or var)", at: location, length: name.count)
    }

    /// Every visible variable name.
    var variableNames: [String] { Array(Set(scopes.flatMap { $0.keys })).sorted() }

    /// Shows `value` (nothing for nil).
    public func show(_ value: Value, id: String? = nil) throws {
        guard let bundle = try Presentation.bundle(for: value, commands: commands) else { return }
        sink.display(bundle, id: id)
    }

    /// Replaces what was shown under `id` with `value` (a live picture: a loss plot as it grows).
    public func update(_ value: Value, id: String) throws {
        guard let bundle = try Presentation.bundle(for: value, commands: commands) else { return }
        sink.update(bundle, id: id)
    }

    /// Reports progress under `id`, replacing the previous report with that id.
    public func progress(_ text: String, id: String) { sink.progress(text, id: id) }

    /// Writes text as `print` does.
    public func print(_ text: String) { sink.stream(text + "\n", toStandardError: false) }

    /// Prints `note` unless the running cell has printed it already: a row of three edits of one
    /// image says its references once, not three times.
    func printOnce(_ note: String) {
        if printedNotes.insert(note).inserted { print(note) }
    }
}
