import Engine
import Foundation
@testable import Models
@testable import Script
import Testing
import TestSupport

@Suite(.hangLimit)
struct ModelCommandsTests {
    func run(_ i: ScriptInterpreter, _ code: String, _ sink: RecordingSink = RecordingSink()) -> String {
        switch i.execute(code, sink: sink) {
        case let .success(result): return result?.text ?? ""
        case let .failure(_, traceback): return traceback.joined(separator: "\n")
        }
    }

    @Test func aModelIsBuiltTrainedLookedAtUsedJudgedSavedAndLoaded() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("likewise-model-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let i = ScriptInterpreter()
        #expect(run(i, "let pairs = synth(\"old\", count: 3, size: 32, seed: 1)\nlet m = model(pairs, preset: \"tiny\", pairing: \"one2one\")\nm")
                == "Model one2one, preset tiny, 3 pairs, 0 steps")
        let info = run(i, "info(m)")
        for row in ["pairing +one2one", "working size +32×32", "lift +adaptive", "flow +learned", "FLOPs a step +[0-9.]+ G", "memory +about [0-9]+ MB", "parameters +[0-9]+"] {
            #expect(info.range(of: row, options: .regularExpression) != nil, "\(row) in \(info)")
        }
        let sink = RecordingSink()
        #expect(run(i, "train(m, steps: 4)", sink) == "")
        // One live display: the loss plot shown, then updated in place; a progress line per step.
        #expect(sink.displays.count >= 2 && sink.displays.allSatisfy { $0.png != nil })
        #expect(sink.progress.count == 4 && sink.progress.last?.hasPrefix("train: step 4/4  loss ") == true)
        #expect(sink.output.hasPrefix("trained 4 steps in "))
        #expect(run(i, "m.steps") == "4")
        let quiet = RecordingSink()
        run(i, "train(m, steps: 2, plot: false)", quiet)
        #expect(quiet.displays.isEmpty && quiet.progress.count == 2 && quiet.output.hasPrefix("trained 2 steps in "))
        #expect(run(i, "m.steps") == "6")
        #expect(run(i, "let test = synth(\"old\", count: 2, size: 32, seed: 9)\nedit(m, test[0].source).width") == "32")
        // A larger image comes back at its own size, by the model's lift or the one asked for.
        run(i, "let big = synth(\"old\", count: 1, size: 80, seed: 9)[0].source")
        #expect(run(i, "edit(m, big).width") == "80" && run(i, "edit(m, big, lift: \"upsample\").height") == "80")
        #expect(run(i, "edit(m, big, lift: \"bicubic\")").contains("lift must be one of upsample, detail, grid, residual, adaptive"))
        #expect(run(i, "info(model(pairs, preset: \"tiny\", pairing: \"one2one\", size: 48, lift: \"grid\"))")
                    .range(of: "working size +48×48.*\n.*view +squeeze.*\n.*lift +grid", options: .regularExpression) != nil)
        #expect(run(i, "info(model(pairs, preset: \"tiny\", pairing: \"one2one\", view: \"pad\"))").contains("pad: every image's aspect kept"))
        #expect(run(i, "model(pairs, preset: \"tiny\", view: \"crop\")").contains("view must be one of squeeze, pad"))
        #expect(run(i, "model(pairs, preset: \"tiny\", size: 40)").contains("the working size must be a multiple of 16 from 32 to 256 px, got 40"))
        // One pair is refused before auto says anything of a pairing it would choose.
        let lone = RecordingSink()
        #expect(run(i, "model(synth(\"old\", count: 1, size: 32), preset: \"tiny\")", lone).contains("an effect needs at least 2 pairs, got 1"))
        #expect(!lone.output.contains("pairing"), "\(lone.output)")
        let table = run(i, "evaluate(m, test)")
        #expect(table.hasPrefix("method    PSNR") && table.contains("identity") && table.contains("one2one"), "\(table)")
        // Its numbers are members, the same as the table shows.
        run(i, "let e = evaluate(m, test)")
        #expect(run(i, "e.steps") == "6" && run(i, "e.editPSNR > 0 && e.identityEditPSNR > 0 && e.psnr > 0 && e.ssim <= 1") == "true")
        #expect(table.contains(String(format: "%.2f", Double(run(i, "e.editPSNR")) ?? .nan)), "\(table)")
        #expect(run(i, "vars()").contains("Evaluation of one2one after 6 steps: "))
        // The results table displays as HTML and as a picture.
        let shown = RecordingSink()
        run(i, "show(evaluate(m, test))", shown)
        #expect(shown.displays.last?.png != nil && shown.displays.last?.html?.hasPrefix("<table>") == true)
        #expect(run(i, "save(m, \"\(dir)/m.safetensors\")\nlet back = loadModel(\"\(dir)/m.safetensors\")\nback.steps") == "6")
        // The loaded model edits exactly as the one it was saved from.
        run(i, "let e1 = edit(m, test[1].source)\nlet e2 = edit(back, test[1].source)")
        guard case let .image(e1)? = i.session.lookup("e1")?.value, case let .image(e2)? = i.session.lookup("e2")?.value else {
            Issue.record("the edits did not run")
            return
        }
        #expect(e1 == e2)
        #expect(run(i, "lossPlot(m).width") == "480")
    }

    @Test func theDefaultPairingIsChosenOnHeldOutPairsAndSaysWhy() throws {
        let i = ScriptInterpreter()
        let sink = RecordingSink()
        let pairing = run(i, "let m = model(synth(\"blue_eyes\", count: 4, size: 32), preset: \"tiny\", flow: \"horn-schunck\")\nm.pairing", sink)
        #expect(pairing.range(of: "^(structural|implicit|one2one)$", options: .regularExpression) != nil, "\(pairing)")
        // The plan first, then the choice and why.
        let lines = sink.output.split(separator: "\n").map(String.init)
        // 30 % of the tiny preset's 300 steps over 2 rounds (7 first-round steps): 12, then 36.
        #expect(lines.first == "auto: trying structural, implicit, one2one for 12 steps each on 3 pairs, scored on 1 held out, "
                + "the better half going on each round to 3× the steps (12, 36)", "\(sink.output)")
        #expect(lines.dropFirst().first?.range(of: "^pairing (structural|implicit|one2one): [0-9.]+ dB where the edit is, on 1 held-out pairs after 36 steps \\(",
                                               options: .regularExpression) != nil, "\(sink.output)")
        #expect(sink.progress.contains { $0.range(of: "^model: choosing the pairing — implicit: step [0-9]+/12, about [0-9]+ s left$", options: .regularExpression) != nil },
                "\(sink.progress.suffix(3))")
        // An n-to-n edit says which training pairs it used, nearest first.
        let edit = RecordingSink()
        run(i, "let s = model(synth(\"blue_eyes\", count: 3, size: 32), preset: \"tiny\", pairing: \"structural\", flow: \"horn-schunck\")\nlet e = edit(s, synth(\"blue_eyes\", count: 3, size: 32)[1].source, refs: 2)", edit)
        #expect(edit.output.hasPrefix("references: blue_eyes_1, blue_eyes_"), "\(edit.output)")
        // A cell that edits one image three times says its references once; the next cell says them again.
        let row = RecordingSink()
        run(i, "let x = synth(\"blue_eyes\", count: 3, size: 32)[1].source\n[edit(s, x, refs: 2), edit(s, x, refs: 2), edit(s, x, refs: 2)].count", row)
        #expect(row.output.components(separatedBy: "references: ").count == 2, "\(row.output)")
        let again = RecordingSink()
        run(i, "edit(s, x, refs: 2).width", again)
        #expect(again.output.hasPrefix("references: blue_eyes_1, blue_eyes_"), "\(again.output)")
    }

    @Test func confidenceShowsTheEditBesideItsMapAndReturnsTheMapAtTheImagesSize() throws {
        let i = ScriptInterpreter()
        run(i, "let ps = synth(\"blue_eyes\", count: 5, size: 32, seed: 3)\nlet m = model(ps, preset: \"tiny\", pairing: \"structural\", flow: \"horn-schunck\")\ntrain(m, steps: 2)")
        let sink = RecordingSink()
        // A photo-like image of its own shape: the map is at its size.
        #expect(run(i, "let c = confidence(m, crop(synth(\"blue_eyes\", count: 1, size: 64, seed: 40)[0].source, x: 3, y: 10, width: 50, height: 37), refs: 3)\n[c.width, c.height]", sink) == "[50, 37]")
        #expect(sink.output.range(of: "^references: blue_eyes_[0-9], blue_eyes_[0-9], blue_eyes_[0-9]; mean spread [0-9.]+\n$", options: .regularExpression) != nil, "\(sink.output)")
        #expect(sink.displays.count == 1 && sink.displays[0].png != nil, "the image, the edit and the map shown once")
        // Bad input names the problem where it is.
        #expect(run(i, "confidence(m, ps[0].source, refs: 1)").contains("refs must be 2…64, got 1"))
        run(i, "let d = model(ps, preset: \"tiny\", pairing: \"one2one\")")
        #expect(run(i, "confidence(d, ps[0].source)").contains("a one2one effect edits without references, so there are none to disagree"))
    }

    @Test func editWithConfidenceShowsTheMapBesideTheEditAndReturnsTheEdit() throws {
        let i = ScriptInterpreter()
        run(i, "let ps = synth(\"blue_eyes\", count: 5, size: 32, seed: 3)\nlet m = model(ps, preset: \"tiny\", pairing: \"structural\", flow: \"horn-schunck\")\ntrain(m, steps: 2)")
        run(i, "let x = crop(synth(\"blue_eyes\", count: 1, size: 64, seed: 40)[0].source, x: 3, y: 10, width: 50, height: 37)")
        let sink = RecordingSink()
        // Four references unless told: the edit comes back at the image's size, its map shown beside it.
        #expect(run(i, "let e = edit(m, x, confidence: true)\n[e.width, e.height]", sink) == "[50, 37]")
        #expect(sink.output.range(of: "^references: (blue_eyes_[0-9], ){3}blue_eyes_[0-9]; mean spread [0-9.]+\n$", options: .regularExpression) != nil, "\(sink.output)")
        #expect(sink.displays.count == 1 && sink.displays[0].png != nil, "the image, the edit and the map shown once")
        // The edit is the one edit(…) makes with those four references, pixel for pixel.
        let dir = try ScriptFuzzTests.scratch()
        defer { ScriptFuzzTests.remove(scratch: dir) }
        run(i, "save(e, \"\(dir)/with.png\")\nsave(edit(m, x, refs: 4), \"\(dir)/plain.png\")")
        let (with, plain) = (try Data(contentsOf: URL(fileURLWithPath: dir + "/with.png")), try Data(contentsOf: URL(fileURLWithPath: dir + "/plain.png")))
        #expect(!with.isEmpty && with == plain)
        // Without it, one reference and no map; with one reference, the reason.
        let quiet = RecordingSink()
        run(i, "edit(m, x).width", quiet)
        #expect(quiet.displays.isEmpty && quiet.output.range(of: "^references: blue_eyes_[0-9]\n", options: .regularExpression) != nil, "\(quiet.output)")
        #expect(run(i, "edit(m, x, refs: 1, confidence: true)").contains("confidence: needs 2 references or more to compare, got 1"))
        run(i, "let d = model(ps, preset: \"tiny\", pairing: \"one2one\")")
        #expect(run(i, "edit(d, x, confidence: true)").contains("a one2one effect edits without references"))
    }

    @Test func trustShowsWhereACombinedModelCopiesTheCarriedEditAtTheImagesSize() throws {
        let i = ScriptInterpreter()
        run(i, "let ps = synth(\"old\", count: 4, size: 32, seed: 3)\nlet m = model(ps, preset: \"tiny\", pairing: \"combined\", flow: \"horn-schunck\")")
        let sink = RecordingSink()
        // Untrained, its head outputs zeros: a trust of ½ everywhere, at the image's own size.
        let x = "crop(synth(\"old\", count: 1, size: 64, seed: 40)[0].source, x: 3, y: 10, width: 50, height: 37)"
        #expect(run(i, "let t = trust(m, \(x), refs: 2)\n[t.width, t.height]", sink) == "[50, 37]")
        #expect(sink.output.range(of: "^references: old_[0-9], old_[0-9]; mean trust 0.50\n$", options: .regularExpression) != nil, "\(sink.output)")
        #expect(sink.displays.count == 1 && sink.displays[0].png != nil, "the image, the edit and the map shown once")
        // Bad input names the problem where it is.
        #expect(run(i, "trust(m, ps[0].source, refs: 0)").contains("refs must be"))
        run(i, "let s = model(ps, preset: \"tiny\", pairing: \"structural\", flow: \"horn-schunck\")")
        #expect(run(i, "trust(s, ps[0].source)").contains("a structural effect has no trust to show: only a combined effect's head says how far it trusts the carried edit"))
    }

    @Test func suggestNamesTheImagesToEditNextWithWhyShowsThemAndReturnsTheirNames() throws {
        let scratch = try ScriptFuzzTests.scratch(), dir = scratch + "/unedited"
        defer { ScriptFuzzTests.remove(scratch: scratch) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for (k, pair) in try SyntheticTask(.old).pairs(count: 3, size: 40, seed: 50).enumerated() {
            try pair.source.resized(width: 40 + 7 * k, height: 29).write(to: dir + "/photo\(k).png")
        }
        try "x".write(toFile: dir + "/notes.txt", atomically: true, encoding: .utf8)
        let i = ScriptInterpreter()
        run(i, "let ps = synth(\"old\", count: 4, size: 32, seed: 3)\nlet m = model(ps, preset: \"tiny\", pairing: \"structural\", flow: \"horn-schunck\")\ntrain(m, steps: 2)")
        let sink = RecordingSink()
        let names = run(i, "suggest(m, \"\(dir)\", count: 2, refs: 3)", sink)
        let lines = sink.output.split(separator: "\n").map(String.init).filter { $0.hasPrefix("1. ") || $0.hasPrefix("2. ") }
        #expect(lines.count == 2 && lines[0].hasPrefix("1. photo") && lines[0].contains(": the least sure of 3 (mean spread ")
                && lines[1].hasPrefix("2. photo") && lines[1].contains("2nd least sure of 3"), "\(sink.output)")
        #expect(names == "[\"" + lines.map { String($0.dropFirst(3).prefix(10)) }.joined(separator: "\", \"") + "\"]", "\(names)")
        #expect(sink.output.contains("could not read:\n  \(dir)/notes.txt: unsupported format"), "\(sink.output)")
        #expect(sink.displays.count == 1 && sink.displays[0].png != nil, "the suggested images shown once")
        // Bad input names the problem.
        #expect(run(i, "suggest(m, \"\(dir)/nowhere\")").contains("nowhere: no such folder"))
        #expect(run(i, "suggest(m, \"\(dir)\", refs: 1)").contains("refs must be 2…64, got 1"))
    }

    @Test func aBudgetCapsAutosChoiceAndSaysSo() throws {
        let i = ScriptInterpreter()
        let sink = RecordingSink()
        run(i, "let pairs = synth(\"old\", count: 4, size: 32)\nlet m = model(pairs, preset: \"tiny\", flow: \"horn-schunck\", budget: 0.01)", sink)
        let lines = sink.output.split(separator: "\n").map(String.init)
        #expect(lines.first == "auto: trying structural, implicit, one2one for 12 steps each on 3 pairs, scored on 1 held out, "
                + "the better half going on each round to 3× the steps (12, 36) (fewer steps if they would take over 0 s)", "\(sink.output)")
        // No step fits a hundredth of a second: every candidate trains the fewest steps in the first round, alike.
        #expect(lines.dropFirst().first?.hasPrefix("auto: 5 steps each in the first round, to fit 0 s at ") == true, "\(sink.output)")
        #expect(lines.dropFirst(2).first?.contains("on 1 held-out pairs after 15 steps") == true, "\(sink.output)")
        #expect(run(i, "model(pairs, preset: \"tiny\", pairing: \"one2one\", budget: 10)").contains("a budget caps auto's choice of the pairing; this design's pairing is one2one"))
        #expect(run(i, "model(pairs, preset: \"tiny\", budget: -1)").contains("the budget must be a positive number of seconds, got -1"))
    }

    @Test func stoppingTrainingKeepsTheLastFinishedStep() throws {
        let i = ScriptInterpreter()
        run(i, "let m = model(synth(\"sleepy\", count: 2, size: 32), preset: \"tiny\", pairing: \"one2one\")")
        final class StopAfterTwo: DisplaySink {
            let interpreter: ScriptInterpreter
            init(_ interpreter: ScriptInterpreter) { self.interpreter = interpreter }
            func display(_ bundle: DisplayBundle, id: String?) {}
            func update(_ bundle: DisplayBundle, id: String) {}
            func progress(_ text: String, id: String) { if text.hasPrefix("train: step 2/") { interpreter.interrupt() } }
            func stream(_ text: String, toStandardError: Bool) {}
            func clear(wait: Bool) {}
            func input(_ prompt: String, password: Bool) throws -> String { throw ScriptError.inputEnded }
        }
        guard case let .failure(error, _) = i.execute("train(m, steps: 50)", sink: StopAfterTwo(i)) else {
            Issue.record("training was not stopped")
            return
        }
        #expect(error.kind == .interrupted)
        #expect(run(i, "m.steps") == "2")
    }

    @Test func flowShowsWhatTheEstimatorSeesBetweenTwoSources() throws {
        let i = ScriptInterpreter(), sink = RecordingSink()
        let result = run(i, "let p = synth(\"sleepy\", count: 2, size: 32, seed: 3)\nlet f = flow(p[0].source, p[1].source)\nf", sink)
        #expect(result.range(of: "^Flow 32×32 \\(learned\\), mean [0-9.]+ px, max [0-9.]+ px$", options: .regularExpression) != nil, "\(result)")
        #expect(sink.displays.count == 1 && sink.displays[0].png != nil)  // the flow field; the value shows the strip
        #expect(sink.output.hasPrefix("mean displacement ") && sink.output.hasSuffix(" px\n"))
        // The flow is a value: its numbers and pictures are members.
        #expect(run(i, "f.carried.width") == "32" && run(i, "f.estimator") == "learned" && run(i, "f.picture.width") != "")
        #expect(run(i, "f.mean > 0 && f.max >= f.mean") == "true")
        #expect(run(i, "flow(p[0].source, p[1].source, estimator: \"horn-schunck\").estimator") == "horn-schunck")
        #expect(run(i, "flow(p[0].source, p[1].source, estimator: \"magic\")").hasPrefix("ValueError: 1:43: flow: estimator must be one of learned, horn-schunck, got \"magic\""))
        #expect(run(i, "flow(p[0].source, image(\"/no/such.png\"))").hasPrefix("IOError"))
        #expect(run(i, "flow(p[0].source, grid(p))").hasPrefix("ValueError: 1:1: flow: the images must be one size"))
    }

    @Test func theTrueFlowOfATaskScoresAnEstimate() throws {
        let i = ScriptInterpreter()
        run(i, "let p = synth(\"old\", count: 2, size: 32, seed: 3)\nlet f = flow(p[0].source, p[1].source)")
        let sink = RecordingSink()
        #expect(run(i, "let t = trueFlow(\"old\", 0, 1, size: 32, seed: 3)\nt.estimator", sink) == "truth")
        #expect(sink.displays.count == 1 && sink.displays[0].png != nil)
        #expect(run(i, "endPointError(t, t)") == "0")
        // The number is the engine's end-point error of the same estimate against the task's own
        // displacement, taken in flow(a, b)'s direction (b's grid, pointing into a).
        let task = SyntheticTask(.old)
        let (a, b) = (try task.pair(index: 0, size: 32, seed: 3).source, try task.pair(index: 1, size: 32, seed: 3).source)
        let expected = try task.displacement(from: 1, to: 0, seed: 3, size: 32).endPointError(of: FlowNetwork.pretrained().flow(from: b, to: a))
        // That direction is the one that carries a onto b: under it a lines up with b where the
        // truth is defined, better than a as it is or a carried the other way.
        func misfit(_ truth: Displacement) throws -> Float {
            let carried = try FlowField(from: a, to: b, truth: truth).carried
            var total: Float = 0
            for p in 0..<(32 * 32) where truth.valid[p] { for c in 0..<3 { total += abs(carried.pixels[3 * p + c] - b.pixels[3 * p + c]) } }
            return total
        }
        let right = try task.displacement(from: 1, to: 0, seed: 3, size: 32)
        var still = right
        (still.dx, still.dy) = ([Float](repeating: 0, count: 32 * 32), [Float](repeating: 0, count: 32 * 32))
        var reversed = try task.displacement(from: 0, to: 1, seed: 3, size: 32)
        reversed.valid = right.valid
        let (aligned, unaligned, backwards) = (try misfit(right), try misfit(still), try misfit(reversed))
        #expect(aligned < 0.8 * unaligned && aligned < 0.8 * backwards, "\(aligned) against \(unaligned) and \(backwards)")
        guard let measured = Double(run(i, "endPointError(f, t)")) else { Issue.record("no number"); return }
        #expect(abs(measured - Double(expected)) < 1e-4 && measured > 0, "\(measured) against \(expected)")
        #expect(run(i, "t.difference.width") == "32")
        #expect(run(i, "endPointError(t, f)").hasPrefix("ValueError: 1:1: endPointError: truth must come from trueFlow, got a learned flow"))
        #expect(run(i, "trueFlow(\"old\", 0, -1)").hasPrefix("ValueError: 1:20: trueFlow: to must be 0…99999, got -1"))
        #expect(run(i, "trueFlow(\"nope\", 0, 1)").contains("nope"))
        #expect(run(i, "endPointError(f, trueFlow(\"old\", 0, 1, size: 64, seed: 3))").hasPrefix("ValueError: 1:1: endPointError: the flows differ in size: 32×32 and 64×64"))
    }

    @Test func mistakesAreClearErrorsAndTheSessionLivesOn() throws {
        let i = ScriptInterpreter()
        run(i, "let pairs = synth(\"old\", count: 2, size: 32)")
        #expect(run(i, "model(pairs[0..<1], preset: \"tiny\")").hasPrefix("EngineError: 1:1: model: editor: an effect needs at least 2 pairs, got 1"))
        #expect(run(i, "model(pairs, preset: \"huge\")").hasPrefix("ValueError: 1:22: model: preset must be one of tiny, small, base, got \"huge\""))
        #expect(run(i, "model(pairs, pairing: \"sideways\")").hasPrefix("ValueError: 1:23: model: pairing must be one of auto, structural, implicit, combined, one2one, pix2pix, got \"sideways\""))
        #expect(run(i, "train(pairs)").hasPrefix("TypeError: 1:7: train: model must be a Model, got Pairs"))
        #expect(run(i, "loadModel(\"/no/such.safetensors\")").hasPrefix("IOError: 1:1: loadModel: /no/such.safetensors: not a usable checkpoint: no such file"))
        #expect(run(i, "pairs.count") == "2")
    }

    @Test func applyEditsAFolderResumablyAndListsWhatItCouldNotRead() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("likewise-apply-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: dir + "/in", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (k, pair) in try SyntheticTask(.old).pairs(count: 2, size: 48, seed: 5).enumerated() {
            try pair.source.write(to: "\(dir)/in/photo\(k).png")
        }
        try Data("not a png".utf8).write(to: URL(fileURLWithPath: dir + "/in/broken.png"))
        try SyntheticTask(.old).pair(index: 3, size: 40, seed: 5).source.write(to: "\(dir)/in/photo2.JPG")
        try Data("a phone's HEIC".utf8).write(to: URL(fileURLWithPath: dir + "/in/phone.heic"))
        let i = ScriptInterpreter()
        run(i, "let m = model(synth(\"old\", count: 2, size: 32, seed: 1), preset: \"tiny\", pairing: \"one2one\")")
        let sink = RecordingSink()
        #expect(run(i, "apply(m, \"\(dir)/in\", \"\(dir)/out\")", sink) == "3")
        // Each file as it starts, with the pace after the first.
        #expect(sink.progress.map { $0.components(separatedBy: "  ")[0] }
                    == ["apply: 1/5 broken.png", "apply: 2/5 phone.heic", "apply: 3/5 photo0.png", "apply: 4/5 photo1.png", "apply: 5/5 photo2.JPG"])
        #expect(sink.progress.dropFirst().allSatisfy { $0.hasSuffix(" s") && $0.contains(" images/s  ETA ") })
        #expect(sink.output.contains("apply: 3 edited, 0 already done, 2 unreadable"), "\(sink.output)")
        #expect(sink.output.contains("could not edit:\n  \(dir)/in/broken.png: not a PNG file"), "\(sink.output)")
        // A format it does not read is listed, never skipped without a word.
        #expect(sink.output.contains("\(dir)/in/phone.heic: unsupported format (Likewise reads and writes PNG and JPEG (.png, .jpg, .jpeg))"), "\(sink.output)")
        let edited = try Image(contentsOf: dir + "/out/photo1.png")
        #expect(edited.width == 48 && edited.height == 48, "at its own size, the model working at 32")
        // A JPEG comes back a JPEG, under its own name, at its own size.
        let jpeg = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/out/photo2.JPG")))
        let jpegWidth = try Image(contentsOf: dir + "/out/photo2.JPG").width
        #expect(jpeg.prefix(3) == [0xFF, 0xD8, 0xFF] && jpegWidth == 40)
        // Run again: what is done is skipped.
        let again = RecordingSink()
        #expect(run(i, "apply(m, \"\(dir)/in\", \"\(dir)/out\")", again) == "0")
        #expect(again.output.contains("apply: 0 edited, 3 already done, 2 unreadable"))
        #expect(run(i, "apply(m, \"\(dir)/nowhere\", \"\(dir)/out\")").hasPrefix("IOError: 1:1: apply: \(dir)/nowhere: no such folder"))
        let call = "apply(m, \"\(dir)/in\", \"\(dir)/out\", refs: 0)"
        #expect(run(i, call).hasPrefix("ValueError: 1:\(call.count - 1): apply: refs must be 1…64, got 0"))  // at the 0
    }

    @Test func applyWithConfidenceComparesFourReferencesUnlessTold() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("likewise-apply-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: dir + "/in", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try SyntheticTask(.blueEyes).pair(index: 0, size: 40, seed: 5).source.resized(width: 43, height: 30).write(to: dir + "/in/photo.png")
        let i = ScriptInterpreter()
        run(i, "let m = model(synth(\"blue_eyes\", count: 5, size: 32, seed: 3), preset: \"tiny\", pairing: \"structural\", flow: \"horn-schunck\")")
        let sink = RecordingSink()
        #expect(run(i, "apply(m, \"\(dir)/in\", \"\(dir)/out\", confidence: \"\(dir)/maps\")", sink) == "1")
        let map = try Image(contentsOf: dir + "/maps/photo.png")
        #expect((map.width, map.height) == (43, 30))
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/out/.likewise-apply"))) as? [String: Any]
        #expect(record?["references"] as? Int == 4, "\(String(describing: record))")
        #expect(sink.output.contains("least sure: photo.png "), "\(sink.output)")
        let one = "apply(m, \"\(dir)/in\", \"\(dir)/one\", refs: 1, confidence: \"\(dir)/maps1\")"
        #expect(run(i, one).contains("confidence maps compare references: give 2 or more, got 1"))
    }

    @Test func envReadsTheEnvironmentOrItsDefault() {
        let i = ScriptInterpreter()
        setenv("LIKEWISE_TEST_KNOB", "ci", 1)
        defer { unsetenv("LIKEWISE_TEST_KNOB") }
        #expect(run(i, "env(\"LIKEWISE_TEST_KNOB\", default: \"full\")") == "ci")
        #expect(run(i, "env(\"LIKEWISE_NOT_SET_ANYWHERE\", default: \"full\")") == "full")
        #expect(run(i, "env(\"LIKEWISE_NOT_SET_ANYWHERE\") == nil") == "true")
    }

    @Test func theLearnedFlowCanBeRefinedOnTheUsersPairsFirst() throws {
        let i = ScriptInterpreter(), sink = RecordingSink()
        run(i, "let m = model(synth(\"old\", count: 3, size: 32, seed: 2), preset: \"tiny\", pairing: \"structural\", refineFlow: 3)", sink)
        #expect(sink.progress.first == "model: refining the flow on your pairs (3 steps)")
        guard case let .object(model as EffectModel)? = i.session.lookup("m")?.value, let refined = model.editor.flowEstimator as? FlowNetwork else {
            Issue.record("no model with a learned flow")
            return
        }
        // Its weights moved away from the shipped ones, and it is what the model carries (and saves).
        let shipped = try FlowNetwork.pretrained()
        let moved = zip(refined.parameters.named, shipped.parameters.named).contains { $0.0.tensor.scalars != $0.1.tensor.scalars }
        #expect(moved)
        #expect(run(i, "model(synth(\"old\", count: 3, size: 32), preset: \"tiny\", pairing: \"structural\", flow: \"horn-schunck\", refineFlow: 3)")
            .hasPrefix("EngineError: 1:1: model: editor: only the learned flow can be refined on your pairs; horn-schunck has nothing to learn"))
        #expect(run(i, "model(synth(\"old\", count: 3, size: 32), refineFlow: -1)").hasPrefix("ValueError: 1:53: model: refineFlow must be 0…100000, got -1"))
    }

    @Test func mxCanTrainEndToEndWithTheHead() throws {
        let i = ScriptInterpreter()
        run(i, "let m = model(synth(\"old\", count: 3, size: 32, seed: 2), preset: \"tiny\", pairing: \"implicit\", endToEnd: true)\ntrain(m, steps: 2, plot: false)")
        #expect(run(i, "info(m)").contains("learned, trained end to end with the head"))
        guard case let .object(model as EffectModel)? = i.session.lookup("m")?.value, let flow = model.editor.flowEstimator as? FlowNetwork else {
            Issue.record("no model with a learned flow")
            return
        }
        #expect(model.editor.endToEnd && model.editor.trainer.step == 2)
        #expect(zip(flow.parameters.tensors, try FlowNetwork.pretrained().parameters.tensors).allSatisfy { $0.0.scalars != $0.1.scalars })
        #expect(run(i, "model(synth(\"old\", count: 3, size: 32), preset: \"tiny\", pairing: \"one2one\", endToEnd: true)")
            .hasPrefix("EngineError: 1:1: model: editor: end-to-end training trains Mx, which a one2one editor does not use; choose structural, implicit or auto"))
        #expect(run(i, "model(synth(\"old\", count: 3, size: 32), preset: \"tiny\", flow: \"horn-schunck\", endToEnd: true)")
            .hasPrefix("EngineError: 1:1: model: editor: end-to-end training trains the learned flow; horn-schunck has nothing to learn"))
    }

    @Test func theHeadCanReadMxAsChannels() throws {
        let i = ScriptInterpreter()
        run(i, "let m = model(synth(\"old\", count: 3, size: 32, seed: 2), preset: \"tiny\", pairing: \"structural\", flow: \"horn-schunck\", transformChannels: true)\ntrain(m, steps: 2, plot: false)")
        #expect(run(i, "info(m)").range(of: "transform channels +yes: the head reads Mx's flow and colour maps", options: .regularExpression) != nil)
        guard case let .object(model as EffectModel)? = i.session.lookup("m")?.value else {
            Issue.record("no model")
            return
        }
        #expect(model.editor.transformChannels && model.editor.trainer.step == 2)
        #expect(run(i, "model(synth(\"old\", count: 3, size: 32), preset: \"tiny\", pairing: \"pix2pix\", transformChannels: true)")
            .hasPrefix("EngineError: 1:1: model: editor: transform channels are Mx's between a reference and x; a pix2pix editor has no reference"))
        #expect(run(i, "model(synth(\"old\", count: 3, size: 32), preset: \"tiny\", ablation: \"no-flow-colour\", transformChannels: true)")
            .hasPrefix("EngineError: 1:1: model: editor: without flow or colour there is no Mx to give the head as channels"))
    }

    @Test func tuneWithoutWidgetsShowsTheEditAtItsValues() throws {
        let i = ScriptInterpreter(), sink = RecordingSink()
        run(i, "let m = model(synth(\"old\", count: 3, size: 32, seed: 1), preset: \"tiny\", pairing: \"one2one\")\nlet x = synth(\"old\", count: 1, size: 32, seed: 9)[0].source")
        #expect(run(i, "let t = tune(m, x, strength: 0.25)\nt", sink) == "Tuning of one2one: refs 1, strength 0.25")
        #expect(sink.displays.count == 1 && sink.displays[0].png != nil && sink.displays[0].widget == nil)
        #expect(run(i, "t.refs") == "1" && run(i, "t.strength") == "0.25" && run(i, "t.image.width") == "32")
        // At strength 0 the image is the source itself.
        run(i, "let none = tune(m, x, strength: 0).image")
        guard case let .image(unchanged)? = i.session.lookup("none")?.value, case let .image(x)? = i.session.lookup("x")?.value else {
            Issue.record("no images")
            return
        }
        #expect(unchanged == x)
        #expect(run(i, "tune(m, x, refs: 2)").hasPrefix("ValueError: 1:1: tune: refs must be 1…1 for this one2one model, got 2"))
        #expect(run(i, "tune(m, x, strength: 1.5)").hasPrefix("ValueError: 1:22: tune: strength must be 0…1, got 1.5"))
    }

    @Test func aTuningIsDrawnSmallAndSavedAtItsImagesOwnSize() throws {
        let i = ScriptInterpreter()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("likewise-tune-\(UInt32.random(in: 0...UInt32.max))").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        run(i, "let m = model(synth(\"old\", count: 3, size: 32, seed: 1), preset: \"tiny\", pairing: \"one2one\")\ntrain(m, steps: 3, plot: false)")
        run(i, "let big = crop(synth(\"old\", count: 1, size: 640, seed: 9)[0].source, x: 0, y: 0, width: 640, height: 411)")
        #expect(run(i, "let t = tune(m, big, strength: 0.5)\nt.image.width") == "512")
        #expect(run(i, "save(t, \"\(dir)/tuned.png\")") == "")
        run(i, "let e = edit(m, big)")
        guard case let .image(big)? = i.session.lookup("big")?.value, case let .image(edit)? = i.session.lookup("e")?.value else {
            Issue.record("no images")
            return
        }
        // Half the edit at full size, as the PNG's 8 bits hold it.
        let saved = try Image(contentsOf: "\(dir)/tuned.png")
        #expect((saved.width, saved.height) == (640, 411))
        let halfway = zip(big.pixels, edit.pixels).map { $0 + 0.5 * ($1 - $0) }
        #expect(zip(saved.pixels, halfway).allSatisfy { abs($0 - $1) <= 0.5 / 255 + 1e-5 })
        #expect(edit != big)
    }

    @Test func aDiffusionModelSamplesEditsBySeedAndStepsAndSaysSoWhereItIsUsed() throws {
        let i = ScriptInterpreter()
        run(i, """
        let m = model(synth("blue_eyes", count: 3, size: 32, seed: 1), preset: "tiny", pairing: "one2one", diffusion: true)
        train(m, steps: 3, plot: false)
        let x = synth("blue_eyes", count: 1, size: 32, seed: 9)[0].source
        """)
        #expect(run(i, "m").hasPrefix("Model one2one with diffusion, preset tiny, 3 pairs, 3 steps, loss ") && run(i, "m.diffusion") == "true")
        #expect(run(i, "info(m)").range(of: "diffusion +yes, 10 DDIM steps an edit by default", options: .regularExpression) != nil)
        run(i, "let a = edit(m, x, steps: 3, seed: 1)\nlet b = edit(m, x, steps: 3, seed: 1)\nlet c = edit(m, x, steps: 3, seed: 2)\nlet head = edit(m, x, steps: 0)")
        func image(_ name: String) -> Image? { if case let .image(image)? = i.session.lookup(name)?.value { return image } else { return nil } }
        #expect(image("a") != nil && image("a") == image("b") && image("a") != image("c") && image("a") != image("head"))
        let table = run(i, "evaluate(m, synth(\"blue_eyes\", count: 2, size: 32, seed: 9), steps: 2)")
        #expect(table.contains("one2one (diffusion)") && table.contains("sharpness"), "\(table)")
        run(i, "let e = evaluate(m, synth(\"blue_eyes\", count: 2, size: 32, seed: 9), steps: 0)")
        #expect(run(i, "e.diffusion") == "false" && run(i, "e.sharpness > 0") == "true")
        #expect(run(i, "edit(m, x, steps: 101)").hasPrefix("ValueError: 1:19: edit: steps must be 0…100, got 101"))
        #expect(run(i, "edit(m, x, eta: 2)").hasPrefix("ValueError: 1:17: edit: eta must be 0…1, got 2"))
        #expect(run(i, "edit(m, x, seed: 1.5)").hasPrefix("TypeError: 1:18: edit: seed must be a whole number, got Number 1.5"))
        // The knobs of a diffusion model's tune: steps and seed too.
        #expect(run(i, "let t = tune(m, x, steps: 2, seed: 4)\nt") == "Tuning of one2one: refs 1, strength 1.00, steps 2, seed 4")
        #expect(run(i, "t.steps") == "2" && run(i, "t.seed") == "4")
        #expect(run(i, "tune(m, x, steps: 21)").hasPrefix("ValueError: 1:19: tune: steps must be 0…20, got 21"))
        // The teaching views: the forward process, and the DDIM path whose last picture is the edit.
        #expect(run(i, "noise(x).width > 6 * 64") == "true")
        #expect(run(i, "noise(x, t: [0.5, 2])").hasPrefix("ValueError: 1:1: noise: each t must be a number in 0…1, got Number 2"))
        #expect(run(i, "trajectory(m, x, steps: 3).width > 5 * 64") == "true")
        #expect(run(i, "trajectory(m, x, steps: 0)").hasPrefix("ValueError: 1:25: trajectory: steps must be 1…100, got 0"))
        // A regression model has nothing to sample.
        run(i, "let r = model(synth(\"blue_eyes\", count: 3, size: 32, seed: 1), preset: \"tiny\", pairing: \"one2one\")")
        #expect(run(i, "edit(r, x, steps: 2)").hasPrefix("EngineError: 1:1: edit: sampling: steps: 2 needs a model with diffusion (model(…, diffusion: true), likewise train --diffusion); this one is regression only"))
        #expect(run(i, "trajectory(r, x)").hasPrefix("EngineError: 1:1: trajectory: sampling: steps: 10 needs a model with diffusion"))
    }

    @Test func vaeTrainsTwoAutoencodersOnAModelsCasesAndShowsTheirRoundTrips() throws {
        let i = ScriptInterpreter(), sink = RecordingSink()
        run(i, "let m = model(synth(\"sleepy\", count: 3, size: 32, seed: 1), preset: \"tiny\", pairing: \"structural\", flow: \"horn-schunck\")")
        #expect(run(i, "let a = vae(m, steps: 3)\na", sink) == "VAE pair on a structural model's cases: latent 16×16×4, 3 steps, with and without skips")
        #expect(sink.progress.contains { $0.hasPrefix("vae with skips: step 3/3") } && sink.progress.contains { $0.hasPrefix("vae without skips: step 3/3") })
        #expect(run(i, "a.latent") == "16" && run(i, "a.steps") == "3")
        run(i, "let held = synth(\"sleepy\", count: 2, size: 32, seed: 9)")
        #expect(run(i, "recon(a, held).height > recon(a, held[0]).height") == "true")  // a row a pair
        let table = run(i, "ceiling(a, held)")
        #expect(table.contains("vae ") && table.contains("vae-noskip") && table.contains("sharpness"), "\(table)")
        #expect(run(i, "vae(m, steps: 0)").hasPrefix("ValueError: 1:15: vae: steps must be 1…100000, got 0"))
        #expect(run(i, "vae(m, steps: 1, latent: 8)").hasPrefix("EngineError: 1:1: vae: latent: the tiny preset (32 px) holds a latent of side 16, not 8"))
        #expect(run(i, "recon(a, synth(\"sleepy\", count: 9, size: 32))").hasPrefix("ValueError: 1:1: recon: pairs must hold 1…8 pairs, got 9"))
    }

    @Test func theLearningRateIsAKnobThatASavedModelKeeps() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("likewise-lr-\(UInt32.random(in: 0...UInt32.max))").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let i = ScriptInterpreter()
        run(i, "let ps = synth(\"old\", count: 3, size: 32, seed: 1)\nlet m = model(ps, preset: \"tiny\", pairing: \"one2one\", lr: 0.0005)")
        #expect(run(i, "info(m)").range(of: "learning rate +0.0005", options: .regularExpression) != nil)
        run(i, "train(m, steps: 2, plot: false)\nsave(m, \"\(dir)/m.safetensors\")")
        #expect(run(i, "info(loadModel(\"\(dir)/m.safetensors\"))").range(of: "learning rate +0.0005", options: .regularExpression) != nil)
        #expect(run(i, "info(model(ps, preset: \"tiny\", pairing: \"one2one\"))").range(of: "learning rate +0.002", options: .regularExpression) != nil)
        #expect(run(i, "model(ps, preset: \"tiny\", pairing: \"one2one\", lr: 0)").hasPrefix("EngineError: 1:1: model: editor: the learning rate must be in (0, 1], got 0.0"))
        #expect(run(i, "model(ps, preset: \"tiny\", pairing: \"one2one\", lr: 1.5)").hasPrefix("EngineError: 1:1: model: editor: the learning rate must be in (0, 1], got 1.5"))
    }

    @Test func roundGivesNumbersToPrint() {
        let i = ScriptInterpreter()
        #expect(run(i, "round(31.616100800529182, 2)") == "31.62")
        #expect(run(i, "round(2.5)") == "3" && run(i, "round(-2.5)") == "-3" && run(i, "round(0.1 + 0.2, 3)") == "0.3")
        #expect(run(i, "round(1, 16)").hasPrefix("ValueError: 1:10: round: digits must be 0…15, got 16"))
    }

    @Test func printShowsATableInFull() {
        let i = ScriptInterpreter()
        let sink = RecordingSink()
        run(i, "let answer = 42\nprint(vars())", sink)
        #expect(sink.output.hasPrefix("name    type    value\n------  ------  -----\nanswer  Number  42"), "\(sink.output)")
    }

    @Test func plotDrawsSeriesOfNumbers() {
        let i = ScriptInterpreter()
        #expect(run(i, "plot([1, 2, 4], [3, nil, 1], x: [0, 10, 20], labels: [\"a\", \"b\"], title: \"t\").width") == "480")
        let one = run(i, "let p = plot([1, 2, 3])\np.height")
        #expect(one == "300")
        // A series that changes changes the picture.
        run(i, "let rising = plot([1, 2, 3])\nlet falling = plot([3, 2, 1])")
        if case let .image(a)? = i.session.lookup("rising")?.value, case let .image(b)? = i.session.lookup("falling")?.value {
            #expect(a != b)
        } else {
            Issue.record("plot did not return images")
        }
        #expect(run(i, "plot()").hasPrefix("ArgumentError: 1:1: plot: give at least one series"))
        #expect(run(i, "plot([1, \"x\"])").hasPrefix("TypeError: 1:1: plot: series 1[1] must be a number, got String"))
        #expect(run(i, "plot([1, 2], x: [1])").hasPrefix("ValueError: 1:1: plot: series 1 has 2 numbers but x has 1"))
        #expect(run(i, "plot([1], [2], labels: [\"a\"])").hasPrefix("ValueError: 1:1: plot: 2 series but 1 labels"))
        #expect(run(i, "plot(3)").hasPrefix("TypeError: 1:1: plot: series 1 must be an Array of numbers, got Number"))
    }
}
