import Dispatch
import Engine
import Foundation

/// The session commands: output, input, help, variables, seed, threads, timing.
extension CommandSet {
    public static let session = CommandSet("Session", [
        Command("print", [Parameter("to", "to", .string, default: .string("stdout"), "\"stdout\" or \"stderr\"")],
                variadic: true, summary: "Writes values as text, separated by spaces (a table in full).") { call, session in
            let text = try call.rest.map { value in
                if case let .object(object) = value { return try object.display().text }
                return value.summary
            }.joined(separator: " ")
            switch try call.string("to") {
            case "stdout": session.print(text)
            case "stderr": session.sink.stream(text + "\n", toStandardError: true)
            case let other: throw ScriptError(.value, "print: to must be \"stdout\" or \"stderr\", got \"\(other)\"")
            }
            return .null
        },
        Command("input", [
            Parameter(nil, "prompt", .string, default: .string(""), "what to ask"),
            Parameter("password", "password", .bool, default: .bool(false), "hide what is typed"),
        ], summary: "A line of text typed by the user (in a notebook, through the frontend's input box).") { call, session in
            .string(try session.sink.input(try call.string("prompt"), password: try call.bool("password")))
        },
        Command("clear", [Parameter("wait", "wait", .bool, default: .bool(false), "clear only when the next output arrives (no flicker)")],
                summary: "Clears this cell's output so far.") { call, session in
            session.sink.clear(wait: try call.bool("wait"))
            return .null
        },
        Command("help", [Parameter(nil, "name", .any, default: .null, "a command, or its name as a string")],
                summary: "What a command does and takes; without a name, every command.") { call, session in
            switch call.value("name") {
            case .null: return .command("help")
            case let .command(name), let .string(name):
                guard session.commands[name] != nil else {
                    let hint = Suggestion.hint(for: name, in: session.commands.names)
                    throw ScriptError(.name, "help: no command '\(name)'\(hint)")
                }
                return .command(name)
            case let other: throw ScriptError(.type, "help: give a command or its name, got \(other.typeName)")
            }
        },
        Command("vars", summary: "The variables of this session, with their types and values.") { _, session in
            let rows = session.variableNames.compactMap { name in session.lookup(name).map { [name, $0.value.typeName, $0.value.summary] } }
            return .object(Table(columns: ["name", "type", "value"], rows: rows))
        },
        Command("env", [
            Parameter(nil, "name", .string, "an environment variable's name"),
            Parameter("default", "default", .any, default: .null, "what to return when it is not set"),
        ], summary: "The kernel's environment variable name as a string, or default when it is not set.",
        doc: "Notebooks read their size knob this way: env(\"LIKEWISE_PROFILE\", default: \"full\").") { call, _ in
            let name = try call.string("name")
            return ProcessInfo.processInfo.environment[name].map(Value.string) ?? call.value("default")
        },
        Command("round", [
            Parameter(nil, "x", .number, "a number"),
            Parameter(nil, "digits", .integer(0...15), default: .number(0), "digits after the point"),
        ], summary: "x rounded to digits after the point, halves away from zero: round(31.6161, 2) is 31.62.") { call, _ in
            let (x, digits) = (try call.number("x"), try call.integer("digits"))
            let scale = Foundation.pow(10, Double(digits))
            let rounded = (x * scale).rounded() / scale
            // Printed through its shortest decimal form, so 31.62 shows as 31.62, not 31.620000000000001.
            return .number(Double(String(format: "%.\(digits)f", rounded)) ?? rounded)
        },
        Command("seed", [Parameter(nil, "n", .seed, "the seed")],
                summary: "Sets the seed that commands use when not given one.") { call, session in
            session.seed = try call.integer("n")
            return .null
        },
        Command("threads", [Parameter(nil, "n", .integer(1...1024), default: .null, "threads for OpenBLAS and the engine's loops")],
                summary: "Sets (or, without n, tells) how many threads the engine uses.") { call, _ in
            if call.has("n") {
                Threads.setCount(try call.integer("n"))
            }
            return .number(Double(Threads.count))
        },
        Command("time", takesBlock: true, summary: "Runs the block, prints how long it took, and returns its value.") { call, session in
            let start = DispatchTime.now().uptimeNanoseconds
            let value = try call.runBlock()
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            session.print(String(format: "time: %.3f s", seconds))
            return value
        },
    ])
}
