import Engine
import Foundation
@testable import Script
import Synchronization
import Testing
import TestSupport

/// Collects what an interpreter shows.
final class RecordingSink: DisplaySink {
    var displays: [DisplayBundle] = []
    var output = ""
    var progress: [String] = []
    func display(_ bundle: DisplayBundle, id: String?) { displays.append(bundle) }
    func update(_ bundle: DisplayBundle, id: String) { displays.append(bundle) }
    func progress(_ text: String, id: String) { progress.append(text) }
    func stream(_ text: String, toStandardError: Bool) { output += text }
    func clear(wait: Bool) {}
    var answers: [String] = []
    func input(_ prompt: String, password: Bool) throws -> String {
        output += prompt
        guard !answers.isEmpty else { throw ScriptError.inputEnded }
        return answers.removeFirst()
    }
}

@Suite(.hangLimit)
struct InterpreterTests {
    /// Runs `code`; returns the result's text, or the error's traceback joined.
    @discardableResult
    func run(_ interpreter: ScriptInterpreter, _ code: String, _ sink: RecordingSink = RecordingSink()) -> String {
        switch interpreter.execute(code, sink: sink) {
        case let .success(result): return result?.text ?? ""
        case let .failure(_, traceback): return traceback.joined(separator: "\n")
        }
    }

    @Test func arithmeticBindingsLoopsAndConditions() {
        let i = ScriptInterpreter()
        #expect(run(i, "1 + 2 * 3") == "7")
        #expect(run(i, "7 / 2") == "3.5")
        #expect(run(i, "var total = 0\nfor k in 1...4 { total += k }\ntotal") == "10")
        #expect(run(i, "if total > 5 { total = 1 } else { total = 2 }\ntotal") == "1")
        #expect(run(i, "[1, 2] + [3]") == "[1, 2, 3]")
        #expect(run(i, "\"a\" + \"b\" == \"ab\"") == "true")
        #expect(run(i, "(0..<10).count") == "10")
    }

    @Test func printWritesToTheSinkAndTheLastExpressionIsTheResult() {
        let i = ScriptInterpreter(), sink = RecordingSink()
        #expect(run(i, "print(\"lr\", 2e-4, [1, \"a\"])\n42", sink) == "42")
        #expect(sink.output == "lr 0.0002 [1, \"a\"]\n")
        #expect(run(i, "let x = 1") == "")
    }

    @Test func splitShufflesByTheSessionSeedUnlessToldToKeepTheOrder() {
        let i = ScriptInterpreter()
        run(i, "let many = synth(\"old\", count: 12, size: 32, seed: 1)")
        let names = (0..<12).map { run(i, "many[\($0)].name") }
        func test(_ call: String) -> [String] { (0..<3).map { run(i, "\(call).test[\($0)].name") } }
        #expect(test("split(many, train: 9, shuffle: false)") == Array(names[9...]))
        let shuffled = test("split(many, train: 9)")
        #expect(shuffled != Array(names[9...]) && Set(shuffled).isSubset(of: names))
        #expect(test("split(many, train: 9)") == shuffled, "the session seed: the same split each time")
        #expect(test("split(many, train: 9, seed: 5)") != shuffled)
        #expect(run(i, "let s = split(many, train: 0.75)\ns.train.count + s.test.count") == "12")
    }

    @Test func aScriptShowsEveryExpressionStatementWhereACellShowsItsLast() {
        let code = "let a = 6\na * 7\nprint(\"between\")\nlet b = a\nfor k in 0..<2 { k }\n\"last\""
        let cell = RecordingSink(), script = RecordingSink()
        #expect(run(ScriptInterpreter(), code, cell) == "last" && cell.displays.isEmpty)
        #expect(run(ScriptInterpreter(showsEveryExpression: true), code, script) == "last")
        // Only the top level's expressions, each in order, the bindings and loops showing nothing.
        #expect(script.displays.map(\.text) == ["42"] && script.output == "between\n")
    }

    @Test func picturesAreDisplayedAsPNG() throws {
        let i = ScriptInterpreter(), sink = RecordingSink()
        let result = i.execute("let pairs = synth(\"blue_eyes\", count: 3, size: 32, seed: 1)\nshow(pairs[0].source)\ngrid(pairs)", sink: sink)
        #expect(sink.displays.count == 1)
        #expect(sink.displays[0].png?.prefix(4) == [137, 80, 78, 71])
        guard case let .success(bundle?) = result else { Issue.record("no result"); return }
        #expect(bundle.png != nil)
        #expect(run(i, "pairs") == "3 pairs of 32×32")
        #expect(run(i, "pairs[1].name") == "blue_eyes_1")
        #expect(run(i, "split(pairs, train: 2).test.count") == "1")
        // Several images are one picture, side by side; anything else is shown value by value.
        let side = RecordingSink()
        _ = i.execute("show(pairs[0].source, pairs[0].target, pairs[1].source)", sink: side)
        #expect(side.displays.count == 1 && side.displays[0].text.hasPrefix("Image ") && !side.displays[0].text.hasPrefix("Image 32×32"))
        let mixed = RecordingSink()
        _ = i.execute("show(pairs[0].source, 3)", sink: mixed)
        #expect(mixed.displays.count == 2)
    }

    @Test func errorsPointAtTheSourceWithACaretAndSuggest() {
        let i = ScriptInterpreter()
        run(i, "let pairs = synth(\"old\", count: 2, size: 32)")
        #expect(run(i, "let x = 1\nshwo(pairs)") == "NameError: 2:1: unknown command 'shwo' — did you mean 'show'?\n  shwo(pairs)\n  ^^^^")
        #expect(run(i, "pairs[5]") == "IndexError: 1:6: index 5 is out of range for 2 pairs (0..<2)\n  pairs[5]\n       ^")
        #expect(run(i, "pars") == "NameError: 1:1: unknown name 'pars' — did you mean 'pairs'?\n  pars\n  ^^^^")
        #expect(run(i, "synth(\"old\", cnt: 3)").hasPrefix("ArgumentError: 1:14: synth has no argument 'cnt:'; did you mean 'count:'?\n  synth(_ task: String, count: Int = 8, size: Int = 64, seed: Int = the session seed)"))
        #expect(run(i, "synth(3)").hasPrefix("TypeError: 1:7: synth: task must be a String, got Number 3"))
        #expect(run(i, "synth(\"old\", size: 16)") .hasPrefix("ValueError: 1:20: synth: size must be 32…1024, got 16"))
        #expect(run(i, "pairs.colour").hasPrefix("NameError: 1:6: Pairs has no member 'colour'"))
    }

    @Test func aFailedCellLeavesEarlierVariablesIntact() {
        let i = ScriptInterpreter()
        run(i, "let pairs = synth(\"sleepy\", count: 2, size: 32)\nvar n = 1")
        #expect(run(i, "n = 5\nundefined_thing\nn = 9").hasPrefix("NameError"))
        #expect(run(i, "pairs.count") == "2")
        #expect(run(i, "n") == "5")  // statements before the error ran, as in Python
        #expect(run(i, "pairs = 3").hasPrefix("NameError: 1:1: cannot assign to 'pairs': it is a let constant"))
        // A variable may not take a command's name, bound by let or by a loop.
        #expect(run(i, "let train = 1") == "NameError: 1:5: 'train' is a command; choose another name\n  let train = 1\n      ^^^^^")
        #expect(run(i, "for round in 0..<2 { }") == "NameError: 1:5: 'round' is a command; choose another name\n  for round in 0..<2 { }\n      ^^^^^")
    }

    @Test func inputAsksTheSink() {
        let i = ScriptInterpreter(), sink = RecordingSink()
        sink.answers = ["Ada"]
        #expect(run(i, "let name = input(\"name? \")\n\"hello \" + name", sink) == "hello Ada")
        #expect(sink.output == "name? ")
        #expect(run(i, "input()", sink).hasPrefix("IOError: 1:1: input: standard input has ended"))
    }

    @Test func sessionCommands() {
        let i = ScriptInterpreter()
        run(i, "seed(7)\nlet a = synth(\"old\", count: 1, size: 32)")
        #expect(run(i, "a[0].source == a[0].source") .hasPrefix("TypeError"))  // images do not compare
        let listed = run(i, "vars()")
        #expect(listed.contains("a     Pairs  1 pairs of 32×32"), "\(listed)")
        #expect(run(i, "help").hasPrefix("Commands (help(name) for one in detail):"))
        #expect(run(i, "help(synth)").hasPrefix("synth(_ task: String, count: Int = 8, size: Int = 64, seed: Int = the session seed)"))
        #expect(run(i, "help(\"trian\")").contains("no command 'trian'"))
        let sink = RecordingSink()
        #expect(run(i, "time { 1 + 1 }", sink) == "2")
        #expect(sink.output.hasPrefix("time: "))
        #expect(run(i, "threads()") == "\(Threads.count)")
    }

    @Test func anInterruptStopsALoopWithinOneStep() throws {
        let i = ScriptInterpreter()
        i.interrupt()  // an interrupt before a cell does not leak into it
        // The interrupter is a plain thread: the test must not depend on a free slot in Swift's
        // cooperative pool, which other tests may be using.
        let box = UncheckedBox(i)
        Thread {
            Thread.sleep(forTimeInterval: 0.2)
            box.value.interrupt()
        }.start()
        let outcome = i.execute("var k = 0\nfor x in 0..<100000000 { k += 1 }", sink: RecordingSink())
        guard case let .failure(error, _) = outcome else { Issue.record("the loop was not interrupted"); return }
        #expect(error.kind == .interrupted)
        #expect(run(i, "k > 0") == "true")  // the session lives on with the loop's progress
    }

    /// A sink that presses stop when the cell prints `line`.
    final class StopAtLine: DisplaySink {
        let line: String, interpreter: ScriptInterpreter
        var output = ""
        init(_ line: String, _ interpreter: ScriptInterpreter) { (self.line, self.interpreter) = (line, interpreter) }
        func display(_ bundle: DisplayBundle, id: String?) {}
        func update(_ bundle: DisplayBundle, id: String) {}
        func progress(_ text: String, id: String) {}
        func clear(wait: Bool) {}
        func input(_ prompt: String, password: Bool) throws -> String { throw ScriptError.inputEnded }
        func stream(_ text: String, toStandardError: Bool) {
            output += text
            if text == line + "\n" { interpreter.interrupt() }
        }
    }

    @Test func theStepDuringWhichStopIsPressedIsTheLastOne() throws {
        let i = ScriptInterpreter()
        let sink = StopAtLine("5", i)
        let outcome = i.execute("var k = 0\nfor x in 0..<1000000 {\n  print(x)\n  k += 1\n}", sink: sink)
        guard case let .failure(error, _) = outcome else { Issue.record("the loop was not interrupted"); return }
        #expect(error.kind == .interrupted)
        #expect(sink.output == (0...5).map { "\($0)\n" }.joined())  // no step begins after the stop
        #expect(run(i, "k") == "6")  // the step that was running finished
    }

    @Test func filesAreReadAndWrittenFromTheLanguage() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("likewise-files-\(UInt32.random(in: 0...UInt32.max))").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for side in ["source", "target"] { try FileManager.default.createDirectory(atPath: "\(dir)/pairs/\(side)", withIntermediateDirectories: true) }
        for (name, colour) in [("a", RGB(1, 0, 0)), ("b", RGB(0, 0, 1))] {
            try Image(width: 12, height: 10, colour: colour).write(to: "\(dir)/pairs/source/\(name).png")
            try Image(width: 12, height: 10, colour: colour.scaled(0.5)).write(to: "\(dir)/pairs/target/\(name).png")
        }
        let i = ScriptInterpreter()
        #expect(run(i, "let own = loadPairs(\"\(dir)/pairs\")\n[own.count, own[1].name, own[0].source.width]") == "[2, \"b\", 12]")
        #expect(run(i, "loadPairs(\"\(dir)/pairs\", size: 8)[0].target.height") == "8")
        #expect(run(i, "save(own, \"\(dir)/grid.png\")\nsave(own[0].source, \"\(dir)/a.png\")") == "")
        let saved = try Image(contentsOf: "\(dir)/a.png")
        #expect(saved == (try Image(contentsOf: "\(dir)/pairs/source/a.png")))
        // Shown, a small image is enlarged by whole pixels (12×10 → 48×40, each pixel a 4×4
        // block); saved, it keeps its own pixels (above).
        let shown = RecordingSink()
        run(i, "show(own[0].source)", shown)
        let display = try Image(pngData: try #require(shown.displays.first?.png), name: "display")
        #expect(display.width == 48 && display.height == 40)
        #expect(display[47, 39] == saved[11, 9] && display[4, 0] == saved[1, 0])
        #expect(run(i, "let g = image(\"\(dir)/grid.png\")\ng.width > 24") == "true")
        // A photo goes inline shrunk to 1024 px, and keeps its own size as a value.
        try Image(width: 2400, height: 1600, colour: RGB(0.3, 0.6, 0.9)).write(to: "\(dir)/photo.jpg")
        let big = RecordingSink()
        #expect(run(i, "let photo = image(\"\(dir)/photo.jpg\")\nshow(photo)\nphoto.width", big) == "2400")
        let inline = try Image(pngData: try #require(big.displays.first?.png), name: "display")
        #expect(inline.width <= 1024 + 16 && inline.height < 1600)
        try FileManager.default.removeItem(atPath: "\(dir)/photo.jpg")
        #expect(run(i, "save(own[1].target, \"\(dir)/new/folder/b.png\")") == "")  // its folder made
        #expect(try Image(contentsOf: "\(dir)/new/folder/b.png").width == 12)
        // JPEG by the extension, at the quality asked (92 unless told), read back by image().
        #expect(run(i, "save(own[0].source, \"\(dir)/a.jpg\")\nsave(own, \"\(dir)/grid.JPEG\", quality: 40)") == "")
        #expect(run(i, "let j = image(\"\(dir)/a.jpg\")\n[j.width, j.height]") == "[12, 10]")
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(dir)/grid.JPEG"))).prefix(2) == [0xFF, 0xD8])
        #expect(run(i, "save(own, \"\(dir)/q.jpg\", quality: 0)").hasPrefix("ValueError: 1:"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["a.jpg", "a.png", "grid.JPEG", "grid.png", "new", "pairs"])  // no temporaries left
        // Mistakes name the file and the problem; the session goes on.
        #expect(run(i, "image(\"\(dir)/missing.png\")").hasPrefix("IOError: 1:1: image: \(dir)/missing.png: no such file"))
        #expect(run(i, "save(own, \"\(dir)/a.png/x.png\")").hasPrefix("IOError: 1:1: save: cannot make the folder \(dir)/a.png for \(dir)/a.png/x.png"))
        #expect(run(i, "save(3, \"\(dir)/three.png\")").hasPrefix("TypeError: 1:1: save: Number is not a picture"))
        #expect(run(i, "image(\"\(dir)/pairs\")").hasPrefix("IOError: 1:1: image: \(dir)/pairs: is a folder, not an image file"))
        #expect(run(i, "save(own, \"\(dir)/x.bmp\")").hasPrefix("ValueError: 1:1: save: \(dir)/x.bmp names neither a PNG nor a JPEG: end it in .png, .jpg or .jpeg"))
        #expect(run(i, "save(own, \"\(dir)/x.png\", quality: 50)").hasPrefix("ValueError: 1:1: save: quality is a JPEG's, and \(dir)/x.png is a PNG"))
        #expect(run(i, "loadPairs(\"\(dir)/nowhere\")").hasPrefix("IOError: 1:1: loadPairs: \(dir)/nowhere"))
        #expect(run(i, "own.count") == "2")
    }

    @Test func largeRequestsReportProgressAndSplitRefusesNonsense() {
        let i = ScriptInterpreter(), sink = RecordingSink()
        #expect(run(i, "let many = synth(\"blue_eyes\", count: 300, size: 32)\nmany.count", sink) == "300")
        #expect(sink.progress == ["synth: 256/300 pairs", "synth: 300/300 pairs"])
        #expect(run(i, "split(many, train: 1e300)").hasPrefix("ValueError: 1:1: split: train must be a fraction below 1 or a whole count up to 300"))
        #expect(run(i, "split(many, train: 2.5)").hasPrefix("ValueError"))
        #expect(run(i, "synth(\"old\", count: 1e300)").hasPrefix("TypeError"))
    }

    @Test func aSecondCellRunsBetweenTheStepsOfALongOne() throws {
        let i = ScriptInterpreter()
        run(i, "var step = 0")
        let box = UncheckedBox(i)
        let finished = DispatchSemaphore(value: 0)
        let interrupted = Mutex(false)
        Thread {
            if case let .failure(error, _) = box.value.execute("for k in 0..<100000000 { step += 1 }", sink: RecordingSink()) {
                interrupted.withLock { $0 = error.kind == .interrupted }
            }
            finished.signal()
        }.start()
        Thread.sleep(forTimeInterval: 0.3)
        // This thread (a subshell, in the kernel) reads the variable while the loop runs, and its
        // own variables do not disturb the loop's scope.
        let seen = run(i, "let probe = step\nprobe")
        #expect((Double(seen) ?? 0) > 0, "read \(seen)")
        i.interrupt()
        #expect(finished.wait(timeout: .now() + 10) == .success)
        #expect(interrupted.withLock { $0 })
        #expect(run(i, "probe") == seen)
    }

    @Test func completionOffersNamesLabelsAndMembers() {
        let i = ScriptInterpreter()
        run(i, "let pairs = synth(\"old\", count: 2, size: 32)")
        let names = i.complete("sy", cursor: 2)
        #expect(names.matches == ["synth"] && names.start == 0 && names.end == 2 && names.kinds == ["command"])
        #expect(i.complete("synth(\"old\", co", cursor: 15).matches.contains("count:"))
        #expect(i.complete("pairs.c", cursor: 7).matches == ["count"])
        #expect(i.complete("pa", cursor: 2).matches == ["pairs"])
        // After an index, a member or a bracketed expression: the members of its value.
        #expect(i.complete("pairs[0].sou", cursor: 12).matches == ["source"])
        #expect(i.complete("pairs[1 - 1].source.w", cursor: 21).matches == ["width"])
        #expect(i.complete("pairs.sources[0].he", cursor: 19).matches == ["height"])
        #expect(i.complete("show(pairs[0].ta", cursor: 16).matches == ["target"])
        // A receiver that would call a command is not run to complete a name after it.
        #expect(i.complete("synth(\"old\", count: 1, size: 8)[0].sou", cursor: 38).matches.isEmpty)
        #expect(i.complete("pairs[9].sou", cursor: 12).matches.isEmpty)
    }

    @Test func inspectionShowsSignatureAndDoc() {
        let i = ScriptInterpreter()
        #expect(i.inspect("synth", cursor: 2, detailLevel: 0) == "synth(_ task: String, count: Int = 8, size: Int = 64, seed: Int = the session seed)\n  Pairs of a built-in task, drawn from a seed.")
        #expect(i.inspect("synth(\"old\", ", cursor: 13, detailLevel: 1)?.contains("blue_eyes: faces: the irises turn blue") == true)
        #expect(i.inspect("nothing", cursor: 3, detailLevel: 0) == nil)
    }

    @Test func completenessFollowsBracketsAndTrailingOperators() {
        let i = ScriptInterpreter()
        #expect(i.isComplete("let a = 1") == .complete)
        #expect(i.isComplete("for x in [1] {") == .incomplete(indent: "  "))
        #expect(i.isComplete("show(a,") == .incomplete(indent: "  "))
        #expect(i.isComplete("1 +") == .incomplete(indent: ""))
        #expect(i.isComplete("let = ]") == .invalid)
        #expect(i.isComplete("a $") == .invalid)
    }

    @Test func pairsOfMixedSizesAndACropOutsideTheImageSaySo() throws {
        let task = SyntheticTask(.old)
        #expect(Value.pairs([try task.pair(index: 0, size: 48, seed: 1), try task.pair(index: 1, size: 32, seed: 1)]).summary
                == "2 pairs of mixed sizes, 32×32 to 48×48 px")
        let i = ScriptInterpreter()
        run(i, "let x = synth(\"old\", count: 1, size: 32)[0].source")
        #expect(run(i, "crop(x, x: 2, y: 3, width: 4, height: 5).width") == "4")
        #expect(run(i, "crop(x, x: 30, y: 0, width: 4, height: 5)").contains("ValueError: 1:1: crop: a 4×5 region at (30, 0) does not lie inside a 32×32 image"))
    }
}

/// Hands a non-Sendable reference to another task in a test (interrupt is thread-safe).
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
