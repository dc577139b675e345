@testable import Engine
import Foundation
import TestSupport
import Testing

@Suite(.hangLimit)
struct PairsTests {
    /// A fresh folder, removed after `body`.
    func withFolder(_ body: (String) throws -> Void) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("likewise-pairs-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try body(folder)
    }

    func write(_ path: String, size: Int = 8, shade: Float = 0.5) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Image(width: size, height: size, colour: RGB(shade, shade, shade)).write(to: path)
    }

    @Test func readsSourceAndTargetFolders() throws {
        try withFolder { folder in
            for name in ["b", "a"] {
                try write("\(folder)/source/\(name).png", shade: 0.2)
                try write("\(folder)/target/\(name).png", shade: 0.8)
            }
            let pairs = try Pair.load(from: folder)
            #expect(pairs.map(\.name) == ["a", "b"])
            #expect(abs(pairs[0].source[0, 0].r - 0.2) < 0.01 && abs(pairs[0].target[0, 0].r - 0.8) < 0.01)
        }
    }

    @Test func readsSideBySideNamesAndResizes() throws {
        try withFolder { folder in
            try write("\(folder)/cat_src.png", size: 20)
            try write("\(folder)/cat_tgt.png", size: 20)
            try write("\(folder)/dog_src.png", size: 10)
            try write("\(folder)/dog_tgt.png", size: 10)
            let pairs = try Pair.load(from: folder, size: 16)
            #expect(pairs.map(\.name) == ["cat", "dog"])
            #expect(pairs.allSatisfy { $0.source.width == 16 && $0.target.height == 16 })
        }
    }

    @Test func everyProblemIsReportedTogether() throws {
        try withFolder { folder in
            try write("\(folder)/source/a.png")
            try write("\(folder)/target/a.png")
            try write("\(folder)/source/only.png")
            try write("\(folder)/target/orphan.png")
            try write("\(folder)/source/big.png", size: 8)
            try write("\(folder)/target/big.png", size: 9)
            try "notes".write(toFile: "\(folder)/source/readme.txt", atomically: true, encoding: .utf8)
            try Array("not a png".utf8).withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: "\(folder)/source/broken.png")) }
            try write("\(folder)/target/broken.png")
            let error = #expect(throws: PairFolderError.self) { try Pair.load(from: folder) }
            let text = error?.description ?? ""
            #expect(text.hasPrefix("\(folder): 5 problems with these pairs:"), "\(text)")
            for expected in ["source/readme.txt: not a PNG or JPEG file", "only: has a source but no target", "orphan: has a target but no source",
                             "big: source is 8×8 but target is 9×9", "\(folder)/source/broken.png: not a PNG file (its first 8 bytes"] {
                #expect(text.contains(expected), "missing '\(expected)' in:\n\(text)")
            }
        }
    }

    @Test func pairsMayBeJPEGAsPhotosAre() throws {
        try withFolder { folder in
            try write("\(folder)/source/a.JPG", shade: 0.2)
            try write("\(folder)/target/a.png", shade: 0.8)
            try write("\(folder)/b_SRC.jpeg", shade: 0.3)  // as a camera names files: in capitals
            try write("\(folder)/b_tgt.JPG", shade: 0.7)
            let separate = try Pair.load(from: folder)
            #expect(separate.map(\.name) == ["a"] && abs(separate[0].source[0, 0].r - 0.2) < 0.01)
            try FileManager.default.removeItem(atPath: "\(folder)/source")
            try FileManager.default.removeItem(atPath: "\(folder)/target")
            let sideBySide = try Pair.load(from: folder)
            #expect(sideBySide.map(\.name) == ["b"] && abs(sideBySide[0].target[0, 0].r - 0.7) < 0.01)
        }
    }

    @Test func emptyAndMissingFoldersAreExplained() throws {
        try withFolder { folder in
            let empty = #expect(throws: PairFolderError.self) { try Pair.load(from: folder) }
            #expect(empty?.problems == ["no pairs found: expected source/NAME with target/NAME, or NAME_src with NAME_tgt (each .png, .jpg or .jpeg)"])
        }
        let missing = #expect(throws: PairFolderError.self) { try Pair.load(from: "/no/such/folder") }
        #expect(missing?.description == "/no/such/folder: 1 problem with these pairs:\n  - no such folder")
    }
}
