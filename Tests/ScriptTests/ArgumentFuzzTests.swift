@testable import Engine
import Foundation
import TestSupport
@testable import Script
import Testing

/// Every command of the standard sets, every parameter in turn set to extreme values — the others
/// valid — through the real interpreter, with a trained model, pairs, images and flows in the
/// session: every call ends in a value or an error that names its command or parameter, nothing
/// is written outside the scratch folder, and the session still works after. A value that killed the process (`synth("old", size: 4000000000)` once did,
/// overflowing `size * size`) kills this test.
@Suite(.hangLimit)
struct ArgumentFuzzTests {
    /// A call of each command that runs, as (label, argument) pairs: the baseline each extreme
    /// value is put into. `D` stands for the scratch folder.
    static let baselines: [String: [(label: String?, text: String)]] = [
        "apply": [(nil, "m"), (nil, "\"D/in\""), (nil, "\"D/out\"")],
        "ceiling": [(nil, "v"), (nil, "p")],
        "clear": [],
        "confidence": [(nil, "m"), (nil, "x")],
        "crop": [(nil, "x"), ("x", "1"), ("y", "1"), ("width", "4"), ("height", "3")],
        "edit": [(nil, "m"), (nil, "x")],
        "endPointError": [(nil, "f"), (nil, "t")],
        "env": [(nil, "\"HOME\"")],
        "evaluate": [(nil, "m"), (nil, "p")],
        "flow": [(nil, "p[0].source"), (nil, "p[1].source"), ("estimator", "\"horn-schunck\"")],
        "grid": [(nil, "p")],
        "help": [(nil, "\"synth\"")],
        "image": [(nil, "\"D/picture.png\"")],
        "info": [(nil, "m")],
        "input": [(nil, "\"?\"")],
        "loadModel": [(nil, "\"D/m.safetensors\"")],
        "loadPairs": [(nil, "\"D/pairs\"")],
        "lossPlot": [(nil, "m")],
        "model": [(nil, "p"), ("preset", "\"tiny\""), ("pairing", "\"one2one\""), ("flow", "\"horn-schunck\"")],
        "noise": [(nil, "x")],
        "plot": [(nil, "[1, 2]")],
        "print": [(nil, "1")],
        "recon": [(nil, "v"), (nil, "p")],
        "round": [(nil, "1.5")],
        "save": [(nil, "x"), (nil, "\"D/out.png\"")],
        "seed": [(nil, "1")],
        "show": [(nil, "x")],
        "split": [(nil, "p")],
        "synth": [(nil, "\"old\""), ("count", "2"), ("size", "32")],
        "threads": [],
        "time": [],
        "train": [(nil, "m"), ("steps", "1"), ("plot", "false")],
        "trajectory": [(nil, "md"), (nil, "x"), ("steps", "1")],
        "trueFlow": [(nil, "\"old\""), (nil, "0"), (nil, "1"), ("size", "32")],
        "suggest": [(nil, "m"), (nil, "\"D/in\"")],
        "trust": [(nil, "mc"), (nil, "x")],
        "tune": [(nil, "m"), (nil, "x")],
        "vae": [(nil, "m"), ("steps", "1")],
        "vars": [],
    ]

    /// What goes into each parameter in turn: numbers at and past every limit, non-numbers,
    /// strings that are empty, huge or hold a NUL, nil, values of the wrong kind, and paths that
    /// do not exist or climb out of their folder.
    static let extremes = ["0", "-1", "2147483648", "4000000000", "1000000000000000", "9223372036854775807", "-9223372036854775808",
                           "1e308", "-1e308", "0 / 0", "1 / 0", "-1 / 0", "1e309", "\"\"", "\"" + String(repeating: "a", count: 5000) + "\"",
                           "\"a\u{0}b\"", "nil", "true", "[1, 2]", "[]", "x", "p", "m", "\"D/missing/nothing.png\"",
                           "\"D/../../elsewhere.png\""]

    @Test func everyParameterOfEveryCommandTakesExtremeValuesWithoutKillingTheSession() throws {
        let seed = Fuzzing.seed(default: 31)
        let dir = try ScriptFuzzTests.scratch()
        defer { ScriptFuzzTests.remove(scratch: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/in", withIntermediateDirectories: true)
        try Image(width: 20, height: 14, colour: RGB(0.3, 0.6, 0.2)).write(to: dir + "/in/a.png")
        let interpreter = ScriptInterpreter()
        let setup = """
            let p = synth("old", count: 3, size: 32, seed: 1)
            let x = p[0].source
            let m = model(p, preset: "tiny", pairing: "structural", flow: "horn-schunck")
            train(m, steps: 2, plot: false)
            let md = model(p, preset: "tiny", pairing: "one2one", diffusion: true)
            let mc = model(p, preset: "tiny", pairing: "combined", flow: "horn-schunck")
            let f = flow(p[0].source, p[1].source, estimator: "horn-schunck")
            let t = trueFlow("old", 0, 1, size: 32, seed: 1)
            let v = vae(m, steps: 1)
            save(m, "\(dir)/m.safetensors")
            """
        guard case .success = interpreter.execute(setup, sink: RecordingSink()) else {
            Issue.record("the session could not be set up: \(ScriptFuzzTests.run(setup, on: interpreter))")
            return
        }
        let commands = CommandSet.standard.flatMap(\.commands)
        #expect(Set(commands.map(\.name)).subtracting(ArgumentFuzzTests.baselines.keys).sorted() == [], "a command without a baseline here")
        let watchdog = Watchdog("argument fuzzer", seed: seed)
        defer { watchdog.finish() }
        // Values the language itself refuses (0 / 0, 1e309) fail before any command sees them:
        // they still go into every parameter, but their errors are the expression's.
        let refused = Set(ArgumentFuzzTests.extremes.filter { value in
            if case .failure = interpreter.execute("let probe = \(value.replacingOccurrences(of: "D/", with: dir + "/"))", sink: RecordingSink()) { return true }
            return false
        })
        let here = FileManager.default.currentDirectoryPath, before = try FileManager.default.contentsOfDirectory(atPath: here)
        var unclear: [String] = [], calls = 0
        for command in commands {
            let baseline = ArgumentFuzzTests.baselines[command.name] ?? []
            for (index, parameter) in command.parameters.enumerated() {
                for value in ArgumentFuzzTests.extremes {
                    var arguments = baseline
                    if let label = parameter.label {
                        arguments.removeAll { $0.label == label }
                        arguments.append((label, value))
                    } else {
                        let positional = command.parameters[..<index].filter { $0.label == nil }.count
                        let slots = arguments.indices.filter { arguments[$0].label == nil }
                        if positional < slots.count { arguments[slots[positional]].text = value } else { arguments.insert((nil, value), at: slots.count) }
                    }
                    let text = arguments.map { ($0.label.map { "\($0): " } ?? "") + $0.text }.joined(separator: ", ")
                    let call = "\(command.name)(\(text.replacingOccurrences(of: "D/", with: dir + "/")))" + (command.takesBlock ? " { 1 }" : "")
                    watchdog.beat(calls)
                    calls += 1
                    // A cell still running after two seconds is stopped, as a user would.
                    let stop = Alarm(after: 2) { interpreter.interrupt() }
                    let outcome = interpreter.execute(call, sink: RecordingSink())
                    stop.cancel()
                    if case let .failure(error, _) = outcome, error.kind != .interrupted, !refused.contains(value),
                       !error.message.contains(command.name), !error.message.contains(parameter.label ?? parameter.name) {
                        unclear.append("\(command.name), \(parameter.label ?? parameter.name) = \(value.prefix(40)): \(error.message.prefix(200))")
                    }
                }
            }
        }
        #expect(calls > 1000)
        #expect(try FileManager.default.contentsOfDirectory(atPath: here).sorted() == before.sorted(), "a call wrote outside its folder")
        #expect(unclear == [], "errors that name neither the command nor the parameter")
        guard case let .success(result) = interpreter.execute("let after = synth(\"old\", count: 1, size: 32)\nafter.count + 1", sink: RecordingSink()) else {
            Issue.record("the session no longer works after the fuzz")
            return
        }
        #expect(result?.text == "2")
    }
}
