@testable import Engine
import Foundation
import TestSupport
@testable import Script
import Testing

/// Random and mutated cells, run a few at a time against one session so that state carries from
/// cell to cell: every cell must end in a value or an error, never a crash or a hang. Mutations
/// insert digits (so commands are asked for huge workloads), non-ASCII text, and file commands
/// over a folder of good and broken PNGs. A cell still running after a second is
/// interrupted, as a user would; one that does not stop fails the watchdog.
@Suite(.hangLimit)
struct ScriptFuzzTests {
    /// A scratch folder two levels deep: a mutated path either stays inside it or names nothing.
    static func scratch() throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("likewise-fuzz-\(UInt32.random(in: 0...UInt32.max))/a/b").path
        for side in ["source", "target"] {
            try FileManager.default.createDirectory(atPath: "\(root)/pairs/\(side)", withIntermediateDirectories: true)
        }
        let image = try Image(width: 8, height: 8, colour: RGB(0.2, 0.5, 0.7))
        for name in ["one", "two"] {
            try image.write(to: "\(root)/pairs/source/\(name).png")
            try image.write(to: "\(root)/pairs/target/\(name).png")
        }
        try Data("not a png".utf8).write(to: URL(fileURLWithPath: "\(root)/pairs/source/broken.png"))
        try image.write(to: "\(root)/picture.png")
        return root
    }

    /// Removes a `scratch()` folder with the two above it that it made.
    static func remove(scratch dir: String) {
        try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: dir).deletingLastPathComponent().deletingLastPathComponent().path)
    }

    static func corpus(_ dir: String) -> [String] { [
        "let pairs = synth(\"old\", count: 2, size: 32, seed: 3)\ngrid(pairs, columns: 2)",
        "var t = 0\nfor i in 0..<5 { if i % 2 == 0 { t += i } else { t -= 1 } }\nprint(t, [1, 2][1])",
        "let s = split(synth(\"sleepy\", count: 3, size: 32), train: 0.5)\ns.train.count + s.test.count",
        "help(synth)\nvars()\ntime { 1 + 2 * 3 - 4 / 5 }",
        "let a = [1, \"x\", true, nil]\na[0..<2] + [a.count]\n!(1 < 2) || 3 >= 4 && \"a\" != \"b\"",
        "let p = synth(\"ancient_font\", count: 1, size: 32)[0]\nshow(p, p.source, p.target.width)",
        "seed(4)\nlet q = synth(\"day_to_night\", count: 2, size: 32)\nq[1].name",
        "let own = loadPairs(\"\(dir)/pairs\", size: 32)",
        "let own = loadPairs(\"\(dir)/pairs/\")\nown.count",
        "let pic = image(\"\(dir)/picture.png\")\nsave(pic, \"\(dir)/copy.png\")\nimage(\"\(dir)/copy.png\").width",
        "save(pairs, \"\(dir)/grid.png\")",
        "save(p, \"\(dir)/pair.png\")\nsave(3, \"\(dir)/three.png\")",
        "let x = 1.5e3 - 0.25 * 12\nlet label = \"été 日本 🙂 e\u{301}\"\nprint(label, x, pairs.count)",
        "for k in 0...3 { show(q[k % 2].source) }\nt * 2",
        "threads(1)\nthreads()\nthreads(2)",
        "let big = synth(\"blue_eyes\", count: 4000, size: 64)",
    ] }

    /// Runs a cell as a user would: pressing stop when it is still running after a second.
    static func run(_ program: String, on interpreter: ScriptInterpreter) -> ExecutionOutcome {
        let stop = Alarm(after: 1) { interpreter.interrupt() }
        defer { stop.cancel() }
        return interpreter.execute(program, sink: RecordingSink())
    }

    @Test func randomAndMutatedCellsNeverCrashOrHang() throws {
        let seed = Fuzzing.seed(default: 7)
        let dir = try ScriptFuzzTests.scratch()
        defer { ScriptFuzzTests.remove(scratch: dir) }
        let watchdog = Watchdog("script fuzzer", seed: seed)
        defer { watchdog.finish() }
        var rng = RandomGenerator(seed: seed)
        func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(rng.next() % UInt64(n)) }
        let corpus = ScriptFuzzTests.corpus(dir)
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz_ ()[]{}.,:;+-*/%<>=!&|\"\\\n\t0123456789eé日🙂\u{301}\u{202E}\u{0}")
        let tokens = ["let", "var", "for", "in", "if", "else", "x", "t", "pairs", "own", "synth", "loadPairs", "image", "save",
                      "(", ")", "[", "]", "{", "}", ",", ":", "..<", "...", "+", "-", "*", "/", "%", "==", "&&", "!", "1", "0",
                      "99999", "1e308", "-0.5", "2147483648", "9.3e18", "\"old\"", "\"\(dir)/picture.png\"", "nil", "true", ".",
                      "count", "size:", "=", "\n", "\"日本\"", "🙂"]
        var outcomes = (successes: 0, failures: 0, interrupted: 0)
        for session in 0..<200 {
            let interpreter = ScriptInterpreter(stepLimit: 2000)
            for cell in 0..<(1 + below(5)) {
                watchdog.beat(session * 10 + cell)
                var program: String
                if rng.nextUnit() < 0.7 {
                    var chars = Array(rng.pick(corpus))
                    for _ in 0..<below(4) {
                        let at = below(chars.count + 1)
                        switch below(3) {
                        case 0 where !chars.isEmpty: chars.remove(at: min(at, chars.count - 1))
                        case 1: chars.insert(rng.pick(alphabet), at: at)
                        default: if at + 1 < chars.count { chars.swapAt(at, at + 1) }
                        }
                    }
                    program = String(chars)
                } else {
                    program = (0..<(1 + below(12))).map { _ in rng.pick(tokens) }.joined(separator: " ")
                }
                switch ScriptFuzzTests.run(program, on: interpreter) {
                case .success: outcomes.successes += 1
                case let .failure(error, traceback):
                    if error.kind == .interrupted { outcomes.interrupted += 1 } else { outcomes.failures += 1 }
                    #expect(!traceback.isEmpty && !error.message.isEmpty, "session \(session) cell \(cell) (seed \(seed)): empty error for \(program)")
                }
                let length = program.count
                _ = interpreter.complete(program, cursor: below(length + 1))
                _ = interpreter.inspect(program, cursor: below(length + 1), detailLevel: below(2))
                _ = interpreter.isComplete(program)
            }
            // Whatever the cells did, the session still answers.
            guard case .success = interpreter.execute("vars()\n1 + 1", sink: RecordingSink()) else {
                Issue.record("session \(session) (seed \(seed)) no longer runs a trivial cell")
                continue
            }
        }
        #expect(outcomes.successes > 60 && outcomes.failures > 300, "\(outcomes)")
        #expect(outcomes.interrupted > 0, "no cell ran long enough to be interrupted: \(outcomes)")
    }

    /// The editing, sampling and VAE commands called on a trained diffusion model with arguments
    /// drawn from values at and beyond their limits, of right and wrong types: each call ends in
    /// a value or a clear error, and the session goes on (a long call is interrupted at a second).
    @Test func modelAndGenerativeCommandsTakeAnyArgumentsWithoutCrashing() throws {
        let seed = Fuzzing.seed(default: 11)
        let watchdog = Watchdog("model-command fuzzer", seed: seed)
        defer { watchdog.finish() }
        var rng = RandomGenerator(seed: seed)
        let interpreter = ScriptInterpreter()
        guard case .success = interpreter.execute("""
            let ps = synth("blue_eyes", count: 3, size: 32, seed: 1)
            let m = model(ps, preset: "tiny", pairing: "one2one", diffusion: true)
            train(m, steps: 2, plot: false)
            let a = vae(m, steps: 2)
            let x = ps[0].source
            """, sink: RecordingSink()) else {
            Issue.record("the fuzzer's model was not built")
            return
        }
        let calls = ["edit(m, x", "tune(m, x", "evaluate(m, ps", "trajectory(m, x", "noise(x", "recon(a, ps", "ceiling(a, ps", "vae(m"]
        let labels = ["steps", "eta", "seed", "refs", "strength", "t"]
        let values = ["-1", "0", "1", "3", "2.5", "0.5", "101", "1e9", "-1e300", "9.3e18", "\"3\"", "nil", "true", "[2]", "[0.5, -1]", "[]", "x", "m", "ps"]
        var outcomes = (successes: 0, failures: 0)
        for k in 0..<160 {
            watchdog.beat(k)
            let arguments = (0..<Int(rng.next() % 3)).map { _ in ", \(rng.pick(labels)): \(rng.pick(values))" }.joined()
            let program = rng.pick(calls) + arguments + ")"
            switch ScriptFuzzTests.run(program, on: interpreter) {
            case .success: outcomes.successes += 1
            case let .failure(error, _):
                outcomes.failures += 1
                #expect(!error.message.isEmpty, "\(program) (seed \(seed)): an empty error")
            }
        }
        guard case .success = interpreter.execute("edit(m, x, steps: 2, seed: 1).width", sink: RecordingSink()) else {
            Issue.record("the session no longer edits (seed \(seed))")
            return
        }
        #expect(outcomes.successes > 10 && outcomes.failures > 40, "\(outcomes)")
    }
}
