@testable import Engine
import Foundation
@testable import Script
import Testing

/// Random and mutated programs: every one must end in a value or an error, never a crash or a
/// hang. Seeded (LIKEWISE_FUZZ_SEED replays another sequence) and bounded: a step limit stops
/// runaway loops, and mutations insert no digits, so no command is asked for a huge workload.
struct ScriptFuzzTests {
    static let corpus = [
        "let pairs = synth(\"old\", count: 2, size: 32, seed: 3)\ngrid(pairs, columns: 2)",
        "var t = 0\nfor i in 0..<5 { if i % 2 == 0 { t += i } else { t -= 1 } }\nprint(t, [1, 2][1])",
        "let s = split(synth(\"sleepy\", count: 3, size: 32), train: 0.5)\ns.train.count + s.test.count",
        "help(synth)\nvars()\ntime { 1 + 2 * 3 - 4 / 5 }",
        "let a = [1, \"x\", true, nil]\na[0..<2] + [a.count]\n!(1 < 2) || 3 >= 4 && \"a\" != \"b\"",
        "let p = synth(\"ancient_font\", count: 1, size: 32)[0]\nshow(p, p.source, p.target.width)",
        "seed(4)\nlet q = synth(\"day_to_night\", count: 2, size: 32)\nq[1].name",
    ]

    @Test func randomAndMutatedProgramsNeverCrash() throws {
        let seed = ProcessInfo.processInfo.environment["LIKEWISE_FUZZ_SEED"].flatMap(UInt64.init) ?? 7
        var rng = RandomGenerator(seed: seed)
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz_ ()[]{}.,:;+-*/%<>=!&|\"\\\n\t")
        let tokens = ["let", "var", "for", "in", "if", "else", "x", "pairs", "synth", "(", ")", "[", "]", "{", "}", ",", ":",
                      "..<", "...", "+", "-", "*", "/", "==", "&&", "!", "1", "0", "\"old\"", "nil", "true", ".", "count", "=", "\n"]
        var outcomes = (successes: 0, failures: 0)
        let started = Date()
        for iteration in 0..<2000 {
            var program: String
            if rng.nextUnit() < 0.6 {
                var chars = Array(rng.pick(ScriptFuzzTests.corpus))
                for _ in 0..<(1 + Int(rng.next() % 4)) {
                    let at = Int(rng.next() % UInt64(chars.count + 1))
                    switch rng.next() % 3 {
                    case 0 where !chars.isEmpty: chars.remove(at: min(at, chars.count - 1))
                    case 1: chars.insert(rng.pick(alphabet), at: at)
                    default: if at + 1 < chars.count { chars.swapAt(at, at + 1) }
                    }
                }
                program = String(chars)
            } else {
                program = (0..<(1 + Int(rng.next() % 12))).map { _ in rng.pick(tokens) }.joined(separator: " ")
            }
            let interpreter = ScriptInterpreter(stepLimit: 2000)
            switch interpreter.execute(program, sink: RecordingSink()) {
            case .success: outcomes.successes += 1
            case let .failure(error, traceback):
                outcomes.failures += 1
                #expect(!traceback.isEmpty && !error.message.isEmpty, "iteration \(iteration) (seed \(seed)): empty error for \(program)")
            }
            _ = interpreter.complete(program, cursor: Int(rng.next() % UInt64(program.count + 1)))
            _ = interpreter.inspect(program, cursor: Int(rng.next() % UInt64(program.count + 1)), detailLevel: 1)
            _ = interpreter.isComplete(program)
        }
        #expect(outcomes.successes > 50 && outcomes.failures > 500, "\(outcomes)")
        #expect(Date().timeIntervalSince(started) < 240, "fuzzing took too long: a program ran away")
    }
}
