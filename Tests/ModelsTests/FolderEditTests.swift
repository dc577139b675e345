import Engine
import Foundation
@testable import Models
import Testing
import TestSupport

/// A folder of photos edited into another: at their own sizes, the tree kept with `recursive`,
/// colour profiles carried, and the folders that would lose or re-edit photos refused.
@Suite(.hangLimit)
struct FolderEditTests {
    func scratch() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("likewise-folder-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: dir + "/in/trip/day two", withIntermediateDirectories: true)
        return dir
    }

    func editor() throws -> Editor {
        let pairs = try SyntheticTask(.old).pairs(count: 2, size: 32, seed: 3)
        return try Editor(pairs: pairs, design: EditorDesign(preset: .tiny, pairing: .one2one, flow: .hornSchunck), flowEstimator: EditorTests.quickFlow)
    }

    @Test func aTreeOfPhotosIsEditedAtTheirOwnSizesWithTheirProfiles() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let task = SyntheticTask(.old)
        try task.pair(index: 0, size: 48, seed: 1).source.write(to: dir + "/in/top.png")
        try task.pair(index: 1, size: 64, seed: 1).source.resized(width: 61, height: 37).write(to: dir + "/in/trip/wide.png")
        // A JPEG with a colour profile of its own (any bytes: the codec carries them as they are).
        let profile = [UInt8]("not really ICC, but carried byte for byte".utf8)
        let jpeg = try task.pair(index: 2, size: 40, seed: 1).source.jpegData(quality: 90, iccProfile: profile)
        try Data(jpeg).write(to: URL(fileURLWithPath: dir + "/in/trip/day two/p.JPG"))
        let flat = try FolderEdit(input: dir + "/in", output: dir + "/flat").run(with: editor())
        #expect(flat.edited == 1 && flat.failures.isEmpty, "without recursive, subfolders are left alone")
        #expect(flat.notes == ["note: 1 subfolder not read (--recursive, or recursive: true, edits them too)"], "and it says so")
        let job = FolderEdit(input: dir + "/in", output: dir + "/out", recursive: true)
        #expect(try job.names() == ["top.png", "trip/day two/p.JPG", "trip/wide.png"])
        var seen: [FolderEdit.Progress] = []
        let report = try job.run(with: editor(), progress: { seen.append($0) })
        #expect(report.edited == 3 && report.failures.isEmpty)
        // The progress line: which file, how many, and after the first the pace and what is left.
        #expect(seen.map(\.name) == ["top.png", "trip/day two/p.JPG", "trip/wide.png"] && seen[0].description == "apply: 1/3 top.png")
        #expect(seen[2].filesPerSecond != nil && seen[2].description.range(of: #"^apply: 3/3 trip/wide.png  [0-9.]+ images/s  ETA [0-9]+ s$"#, options: .regularExpression) != nil)
        let wide = try Image(contentsOf: dir + "/out/trip/wide.png")
        #expect(wide.width == 61 && wide.height == 37)
        let edited = try Image.decodeJPEG([UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/out/trip/day two/p.JPG"))), name: "p")
        #expect(edited.image.width == 40 && edited.iccProfile == profile)
        #expect(report.converted.isEmpty && report.notes.isEmpty, "8-bit colour files change nothing in reading")
    }

    @Test func anOutputFolderThatWouldLoseOrReEditPhotosIsRefused() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let same = #expect(throws: ImageError.self) { try FolderEdit(input: dir + "/in", output: dir + "/in/").names() }
        #expect(same?.description.contains("is the input folder: the edits would replace the photos") == true, "\(String(describing: same))")
        let inside = #expect(throws: ImageError.self) { try FolderEdit(input: dir + "/in", output: dir + "/in/edited", recursive: true).names() }
        #expect(inside?.description.contains("is inside the input folder") == true)
        // Without recursive, a folder inside is only one more subfolder it does not read.
        #expect(try FolderEdit(input: dir + "/in", output: dir + "/in/edited").names() == [])
        // A folder with nothing to edit is an error saying so, never a silent success.
        let empty = #expect(throws: ImageError.self) { try FolderEdit(input: dir + "/in", output: dir + "/out").run(with: editor()) }
        #expect(empty?.description == "\(dir)/in: has no files (its subfolders are read with --recursive, or recursive: true)")
    }

    @Test func filesAlreadyThereCountAsDoneOnlyForTheEffectAndSettingsThatWroteThem() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let task = SyntheticTask(.old)
        for k in 0..<3 { try task.pair(index: k, size: 40, seed: 1).source.write(to: dir + "/in/p\(k).png") }
        let (first, job) = (try editor(), FolderEdit(input: dir + "/in", output: dir + "/out"))
        #expect(try job.run(with: first).edited == 3)
        // The same effect again resumes: nothing left to do.
        try FileManager.default.removeItem(atPath: dir + "/out/p1.png")
        let again = try job.run(with: first)
        #expect((again.edited, again.skipped, again.keptUnrecorded) == (1, 2, 0))
        // Another effect — other weights — into the same folder is refused, and the files stay as they were.
        let other = try editor()
        try other.train(until: 1)
        let before = try Data(contentsOf: URL(fileURLWithPath: dir + "/out/p0.png"))
        let refused = #expect(throws: ImageError.self) { try job.run(with: other) }
        #expect(refused?.description == "\(dir)/out: cannot write: holds another effect's edits: give a new output folder, or overwrite it (likewise apply --overwrite; apply(…, overwrite: true) in the language) to redo every file")
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/out/p0.png")) == before)
        // Asked to overwrite, it edits every file again, and the folder is then the new effect's.
        let redone = try FolderEdit(input: dir + "/in", output: dir + "/out", overwrite: true).run(with: other)
        #expect((redone.edited, redone.skipped) == (3, 0))
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/out/p0.png")) != before)
        #expect(try job.run(with: other).skipped == 3)
        let sampled = #expect(throws: ImageError.self) { try FolderEdit(input: dir + "/in", output: dir + "/out", sampling: Sampling(steps: 0, seed: 4)).run(with: other) }
        #expect(sampled?.description.contains("holds edits made with other settings") == true)
        // Files in a folder no run recorded are kept, and the note says so.
        try FileManager.default.createDirectory(atPath: dir + "/mine", withIntermediateDirectories: true)
        try task.pair(index: 0, size: 40, seed: 1).target.write(to: dir + "/mine/p0.png")
        let kept = try FolderEdit(input: dir + "/in", output: dir + "/mine").run(with: other)
        #expect((kept.edited, kept.skipped, kept.keptUnrecorded) == (2, 1, 1))
        #expect(kept.notes.last == "note: 1 file was already there with no record of what made it, and kept (--overwrite, or overwrite: true, redoes them)")
    }

    @Test func confidenceMapsAskedForLaterAreWrittenBesideTheEditsAlreadyThere() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let task = SyntheticTask(.old)
        for k in 0..<2 { try task.pair(index: k, size: 40, seed: 1).source.resized(width: 45, height: 29).write(to: dir + "/in/p\(k).png") }
        let pairs = try task.pairs(count: 2, size: 32, seed: 3)
        let editor = try Editor(pairs: pairs, design: EditorDesign(preset: .tiny, pairing: .structural, flow: .hornSchunck), flowEstimator: EditorTests.quickFlow)
        #expect(try FolderEdit(input: dir + "/in", output: dir + "/out", references: 2).run(with: editor).edited == 2)
        let edits = try (0..<2).map { try Data(contentsOf: URL(fileURLWithPath: dir + "/out/p\($0).png")) }
        // The same run again with maps: every edit is kept, every map written at the edit's size.
        let mapped = try FolderEdit(input: dir + "/in", output: dir + "/out", references: 2, confidence: dir + "/maps").run(with: editor)
        #expect((mapped.edited, mapped.skipped, mapped.mapsAdded, mapped.spreads.count) == (0, 2, 2, 2))
        #expect(mapped.notes.contains("note: 2 edits were already there and kept; their confidence maps were written"))
        #expect(try (0..<2).map { try Data(contentsOf: URL(fileURLWithPath: dir + "/out/p\($0).png")) } == edits)
        let map = try Image(contentsOf: dir + "/maps/p1.png")
        #expect((map.width, map.height) == (45, 29))
        // Once both are there, nothing is left to do.
        let again = try FolderEdit(input: dir + "/in", output: dir + "/out", references: 2, confidence: dir + "/maps").run(with: editor)
        #expect((again.edited, again.skipped, again.mapsAdded) == (0, 2, 0))
        // More references than the effect has pairs: each edit fuses them all, and the note says so.
        let short = try FolderEdit(input: dir + "/in", output: dir + "/five", references: 5).run(with: editor)
        #expect(short.edited == 2 && short.notes.contains("note: the effect has 2 training pairs: each edit fused 2 references, not the 5 asked for"))
        #expect(again.referencesShort == nil)
    }
}
