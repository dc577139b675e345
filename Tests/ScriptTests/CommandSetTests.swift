import Engine
import Foundation
@testable import Script
import Testing
import TestSupport

/// A kind of value that the language does not know: one conformance makes it usable.
struct Counter: ScriptObject {
    static let typeName = "Counter"
    let count: Int
    var summary: String { "Counter at \(count)" }
    var members: [(String, Value)] { [("count", .number(Double(count)))] }
    func display() throws -> DisplayBundle { DisplayBundle(text: summary, html: "<b>\(count)</b>") }
}

extension CommandSet {
    /// A set that a module outside the language registers: it makes and takes Counters.
    static let counting = CommandSet("Counting", [
        Command("counter", [Parameter("from", "from", .integer, default: .number(0), "where to start")],
                summary: "A new counter.") { call, _ in .object(Counter(count: try call.integer("from"))) },
        Command("bump", [Parameter(nil, "counter", .object("Counter"), "the counter to bump")],
                summary: "The counter, one further.") { call, _ in
            .object(Counter(count: try call.object("counter", as: Counter.self).count + 1))
        },
    ])
}

@Suite(.hangLimit)
struct CommandSetTests {
    func run(_ i: ScriptInterpreter, _ code: String) -> String {
        switch i.execute(code, sink: RecordingSink()) {
        case let .success(result): return result?.text ?? ""
        case let .failure(_, traceback): return traceback.joined(separator: "\n")
        }
    }

    @Test func theStandardSetsClaimEveryNameOnce() {
        let registry = CommandRegistry(CommandSet.standard)
        #expect(registry.duplicates.isEmpty)
        #expect(registry.names.contains("synth") && registry.names.contains("time"))
        #expect(CommandRegistry(CommandSet.standard + [.session]).duplicates.contains("print"))
    }

    @Test func anInterpreterKnowsOnlyTheSetsItIsHanded() {
        let plain = ScriptInterpreter()
        #expect(run(plain, "counter()").hasPrefix("NameError: 1:1: unknown command 'counter'"))
        let extended = ScriptInterpreter(commands: CommandSet.standard + [.counting])
        #expect(run(extended, "let c = bump(counter(from: 4))\nc") == "Counter at 5")
        #expect(run(extended, "c.count + 1") == "6")
        #expect(run(extended, "vars()").contains("c     Counter  Counter at 5"))
        #expect(extended.complete("bu", cursor: 2).matches == ["bump"])
        #expect(extended.complete("c.co", cursor: 4).matches == ["count"])
        #expect(extended.inspect("bump", cursor: 1, detailLevel: 0) == "bump(_ counter: Counter)\n  The counter, one further.")
        let help = run(extended, "help")
        #expect(help.contains("  Counting\n    bump ") && help.contains("  Data\n"))
        #expect(run(extended, "c.size").hasPrefix("NameError: 1:2: Counter has no member 'size' (its members are count)"))
    }

    @Test func bindingChecksEveryArgumentsTypeAndNamesTheParameter() {
        let i = ScriptInterpreter(commands: CommandSet.standard + [.counting])
        #expect(run(i, "synth(\"old\", count: \"many\")").hasPrefix("TypeError: 1:21: synth: count must be a whole number, got String \"many\""))
        #expect(run(i, "synth(\"old\", count: 2.5)").hasPrefix("TypeError: 1:21: synth: count must be a whole number, got Number 2.5"))
        #expect(run(i, "bump(3)").hasPrefix("TypeError: 1:6: bump: counter must be a Counter, got Number 3\n  bump(_ counter: Counter)"))
        #expect(run(i, "bump(vars())").hasPrefix("TypeError: 1:6: bump: counter must be a Counter, got Table"))
        // The caret goes under the value, the whole of it: a call's name, a sum's first term.
        #expect(run(i, "synth(\"old\", count: 2 + 0.5)").hasPrefix("TypeError: 1:21: synth: count must be a whole number, got Number 2.5"))
        #expect(run(i, "grid(synth(\"old\", count: 1, size: 32), columns: true)").hasPrefix("TypeError: 1:49: grid: columns must be a whole number, got Bool true"))
        // nil where a parameter has a default means "not given".
        #expect(run(i, "synth(\"old\", count: 1, size: 32, seed: nil).count") == "1")
        #expect(run(i, "bump(nil)").hasPrefix("TypeError: 1:6: bump: counter must be a Counter, got nil\n"))
    }

    @Test func aBlockCommandRunsItsBlockInAScopeOfItsOwn() {
        let i = ScriptInterpreter()
        #expect(run(i, "let r = time { let inner = 2\ninner * 21 }\nr") == "42")
        #expect(run(i, "inner").hasPrefix("NameError"))
    }
}

@Suite(.hangLimit)
struct ReferenceTests {
    @Test func docsDSLIsTheGeneratedReference() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs/DSL.md").standardized.path
        let file = try String(contentsOfFile: path, encoding: .utf8)
        let generated = CommandRegistry(CommandSet.standard).markdown
        #expect(file == generated, "docs/DSL.md is out of date: run `likewise language --markdown > docs/DSL.md`")
        for command in CommandRegistry(CommandSet.standard).names { #expect(generated.contains("### `\(command)`")) }
    }
}
