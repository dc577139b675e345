import Engine
import Foundation

/// The command library: every command registered once, with its signature, doc and body.
/// The Data and Session commands live here; the model, training, look-inside, edit and judge
/// commands join when the few-shot editor exists.
enum Library {
    static let commands: [String: Command] = Dictionary(uniqueKeysWithValues: (data + session).map { ($0.name, $0) })

    static let taskNames = SyntheticTask.Kind.allCases.map(\.rawValue).joined(separator: ", ")

    // MARK: Data

    static let data: [Command] = [
        Command("synth", [
            Parameter(nil, "task", .string, "a built-in task: \(taskNames)"),
            Parameter("count", "count", .integer, default: .number(8), "how many pairs (1…100000)"),
            Parameter("size", "size", .integer, default: .number(64), "width and height in pixels (32…256)"),
            Parameter("seed", "seed", .integer, default: .null, shown: "the session seed", "which pairs: another seed gives held-out pairs"),
        ], summary: "Pairs of a built-in task, drawn from a seed.",
        doc: SyntheticTask.Kind.allCases.map { "\($0.rawValue): \($0.summary)" }.joined(separator: "\n")) { call, session in
            let task = try SyntheticTask(named: try call.string("task"))
            let seed = call.has("seed") ? try call.integer("seed") : session.seed
            guard seed >= 0 else { throw ScriptError(.value, "synth: seed must be ≥ 0, got \(seed)") }
            let (count, size) = (try call.integer("count"), try call.integer("size"))
            // Drawn in chunks of about 256 pairs' worth of 64×64 pixels, so that a large request
            // shows progress and stops within a fraction of a second of an interrupt at any size.
            let chunk = max(1, min(256, 256 * 64 * 64 / max(size * size, 1)))
            var pairs: [Pair] = []
            guard (1...100_000).contains(count) else { throw ScriptError(.value, "synth: count must be 1…100000, got \(count)") }
            for start in stride(from: 0, to: count, by: chunk) {
                try session.checkInterrupt()
                pairs += try task.pairs(start..<min(start + chunk, count), size: size, seed: UInt64(seed))
                if count > chunk { session.progress("synth: \(pairs.count)/\(count) pairs", id: "synth") }
            }
            return .pairs(pairs)
        },
        Command("loadPairs", [
            Parameter(nil, "folder", .string, "source/ and target/ subfolders, or NAME_src.png with NAME_tgt.png"),
            Parameter("size", "size", .integer, default: .null, "scale and centre-crop every image to size×size"),
        ], summary: "Your own pairs from a folder; every problem in it is reported at once.") { call, _ in
            .pairs(try Pair.load(from: try call.string("folder"), size: call.has("size") ? try call.integer("size") : nil))
        },
        Command("image", [Parameter(nil, "path", .string, "a PNG file")],
                summary: "An image read from a PNG file (any colour type and bit depth).") { call, _ in
            .image(try Image(contentsOfPNG: try call.string("path")))
        },
        Command("split", [
            Parameter(nil, "pairs", .pairs, "the pairs to split"),
            Parameter("train", "train", .number, default: .number(0.8), "the training share: a fraction below 1, or a count"),
        ], summary: "Pairs split into .train and .test, in order.") { call, _ in
            let pairs = try call.pairs("pairs")
            let share = try call.number("train")
            guard share >= 0, share <= Double(pairs.count), share < 1 || share == share.rounded() else {
                throw ScriptError(.value, "split: train must be a fraction below 1 or a whole count up to \(pairs.count), got \(Value.format(share))")
            }
            let count = share < 1 ? Int((share * Double(pairs.count)).rounded()) : Int(share)
            return .record([("train", .pairs(Array(pairs[..<count]))), ("test", .pairs(Array(pairs[count...])))])
        },
        Command("save", [
            Parameter(nil, "value", .any, "an image, a pair or pairs (saved as their grid)"),
            Parameter(nil, "path", .string, "where to write the PNG; written atomically"),
        ], summary: "Writes a picture to a PNG file.") { call, _ in
            let path = try call.string("path")
            guard let bundle = try Presentation.bundle(for: call.value("value")), let png = bundle.png else {
                throw ScriptError(.type, "save: \(call.value("value").typeName) is not a picture; save takes an Image, a Pair or Pairs")
            }
            do { try Data(png).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
                throw ScriptError(.io, "save: cannot write \(path): \(error.localizedDescription)")
            }
            return .null
        },
        Command("show", variadic: true, summary: "Displays each value now, anywhere in a cell.") { call, session in
            for value in call.rest { try session.show(value) }
            return .null
        },
        Command("grid", [
            Parameter(nil, "items", .any, "Pairs (sources above targets) or an Array of images"),
            Parameter("columns", "columns", .integer, default: .number(8), "how many a row"),
        ], summary: "A picture of pairs or images in a grid with captions.") { call, _ in
            let columns = try call.integer("columns")
            guard (1...64).contains(columns) else { throw ScriptError(.value, "grid: columns must be 1…64, got \(columns)") }
            switch call.value("items") {
            case let .pairs(p) where !p.isEmpty: return .image(try Figure.pairGrid(p, columns: columns))
            case let .pair(p): return .image(try Figure.pairGrid([p]))
            case let .array(items) where !items.isEmpty:
                let images = try items.map { item -> Image in
                    guard case let .image(i) = item else { throw ScriptError(.type, "grid: every item must be an Image, got \(item.typeName)") }
                    return i
                }
                let rows = stride(from: 0, to: images.count, by: columns).map { start in
                    images[start..<min(start + columns, images.count)].enumerated().map { Figure.Tile($0.element, title: "\(start + $0.offset)") }
                }
                return .image(try Figure.layout(rows))
            default:
                throw ScriptError(.type, "grid: needs Pairs or an Array of images, got \(call.value("items").typeName) \(call.value("items").quoted)")
            }
        },
    ]

    // MARK: Session

    static let session: [Command] = [
        Command("print", [Parameter("to", "to", .string, default: .string("stdout"), "\"stdout\" or \"stderr\"")],
                variadic: true, summary: "Writes values as text, separated by spaces.") { call, session in
            let text = call.rest.map(\.summary).joined(separator: " ")
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
            guard case let .bool(password) = call.value("password") else { throw ScriptError(.type, "input: password must be a Bool") }
            return .string(try session.sink.input(try call.string("prompt"), password: password))
        },
        Command("clear", [Parameter("wait", "wait", .bool, default: .bool(false), "clear only when the next output arrives (no flicker)")],
                summary: "Clears this cell's output so far.") { call, session in
            guard case let .bool(wait) = call.value("wait") else { throw ScriptError(.type, "clear: wait must be a Bool") }
            session.sink.clear(wait: wait)
            return .null
        },
        Command("help", [Parameter(nil, "name", .any, default: .null, "a command, or its name as a string")],
                summary: "What a command does and takes; without a name, every command.") { call, _ in
            switch call.value("name") {
            case .null: return .command("help")
            case let .command(name), let .string(name):
                guard commands[name] != nil else {
                    let hint = Suggestion.hint(for: name, in: Array(commands.keys))
                    throw ScriptError(.name, "help: no command '\(name)'\(hint)")
                }
                return .command(name)
            case let other: throw ScriptError(.type, "help: give a command or its name, got \(other.typeName)")
            }
        },
        Command("vars", summary: "The variables of this session, with their types and values.") { _, session in
            let rows = session.variableNames.compactMap { name in session.lookup(name).map { [name, $0.value.typeName, $0.value.summary] } }
            return .table(Table(columns: ["name", "type", "value"], rows: rows))
        },
        Command("seed", [Parameter(nil, "n", .integer, "a whole number ≥ 0")],
                summary: "Sets the seed that commands use when not given one.") { call, session in
            let n = try call.integer("n")
            guard n >= 0 else { throw ScriptError(.value, "seed: must be ≥ 0, got \(n)") }
            session.seed = n
            return .null
        },
        Command("threads", [Parameter(nil, "n", .integer, default: .null, "threads for OpenBLAS and the engine's loops")],
                summary: "Sets (or, without n, tells) how many threads the engine uses.") { call, _ in
            if call.has("n") {
                let n = try call.integer("n")
                guard (1...1024).contains(n) else { throw ScriptError(.value, "threads: must be 1…1024, got \(n)") }
                Threads.setCount(n)
            }
            return .number(Double(Threads.count))
        },
        Command("time", takesBlock: true, summary: "Runs the block, prints how long it took, and returns its value.") { call, session in
            let start = DispatchTime.now().uptimeNanoseconds
            let value = try Evaluator(session: session).runBlock(call.block ?? [])
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            session.print(String(format: "time: %.3f s", seconds))
            return value
        },
    ]

    /// `help` alone lists the commands; a command's help is its signature and doc.
    static func helpText(for name: String) -> String {
        if name == "help" {
            let width = commands.keys.map(\.count).max() ?? 0
            let lines = commands.keys.sorted().compactMap { key in commands[key].map { "  " + key.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.summary } }
            return (["Commands (help(name) for one in detail):"] + lines).joined(separator: "\n")
        }
        return commands[name]?.help ?? "no command '\(name)'"
    }
}
