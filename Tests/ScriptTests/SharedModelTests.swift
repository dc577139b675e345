import Foundation
@testable import Script
import Synchronization
import Testing
import TestSupport

/// A subshell's cell runs while the main shell's is between two steps of its work (the kernel's
/// subshells drive the interpreter from two threads, as here): it may read the model the other is
/// training, and may not train or edit with it too.
@Suite(.hangLimit)
struct SharedModelTests {
    /// A sink that signals once the cell reports a training step.
    final class StepSignal: DisplaySink, @unchecked Sendable {
        let trained = DispatchSemaphore(value: 0)
        private var signalled = false
        func display(_ bundle: DisplayBundle, id: String?) {}
        func update(_ bundle: DisplayBundle, id: String) {}
        func progress(_ text: String, id: String) {
            if !signalled && text.hasPrefix("train: step ") { signalled = true; trained.signal() }
        }
        func stream(_ text: String, toStandardError: Bool) {}
        func clear(wait: Bool) {}
        func input(_ prompt: String, password: Bool) throws -> String { throw ScriptError.inputEnded }
    }

    func run(_ i: ScriptInterpreter, _ code: String) -> String {
        switch i.execute(code, sink: RecordingSink()) {
        case let .success(result): return result?.text ?? ""
        case let .failure(_, traceback): return traceback.joined(separator: "\n")
        }
    }

    @Test func aCellReadsAModelAnotherIsTrainingAndCannotWorkOnItToo() throws {
        let i = ScriptInterpreter()
        run(i, "let p = synth(\"old\", count: 2, size: 32, seed: 1)\nlet m = model(p, preset: \"tiny\", pairing: \"one2one\")")
        let box = UncheckedBox(i), sink = StepSignal()
        let finished = DispatchSemaphore(value: 0)
        let ended = Mutex<ScriptError.Kind?>(nil)
        Thread {
            if case let .failure(error, _) = box.value.execute("train(m, steps: 100000, plot: false)", sink: sink) {
                ended.withLock { $0 = error.kind }
            }
            finished.signal()
        }.start()
        sink.trained.wait()
        // This thread is the subshell: it reads the model between two of the training's steps…
        #expect(run(i, "info(m)").contains("one2one"))
        #expect(Int(run(i, "m.steps")) ?? 0 >= 1)
        #expect(Int(run(i, "lossPlot(m).width")) ?? 0 > 0, "the loss so far is drawn")
        // …and is told who has it when it would work on it too.
        let busy = "this Model is busy: train in the cell that begins 'train(m, steps: 100000, plot: false)' is still running."
        #expect(run(i, "train(m, steps: 1, plot: false)").contains("ValueError: 1:1: train: " + busy))
        #expect(run(i, "edit(m, p[0].source)").contains("ValueError: 1:1: edit: " + busy))
        #expect(run(i, "evaluate(m, p)").contains("ValueError: 1:1: evaluate: " + busy))
        i.interrupt()
        finished.wait()
        #expect(ended.withLock { $0 } == .interrupted)
        // Stopped, it is free again.
        #expect(run(i, "edit(m, p[0].source).width") == "32")
    }
}
