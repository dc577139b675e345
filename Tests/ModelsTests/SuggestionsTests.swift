import Engine
import Foundation
@testable import Models
import Testing
import TestSupport

/// Which images to edit by hand next: ranked by the effect's doubt, with the reason in numbers.
@Suite(.hangLimit)
struct SuggestionsTests {
    @Test func theLeastSureComeFirstOrTheLeastLikeThePairsWithoutSpread() {
        let measured: [(name: String, doubt: (spread: Double?, distance: Double))] = [("a", (0.1, 0.5)), ("b", (0.3, 0.1)), ("c", (0.2, 0.9))]
        let ranked = Suggestion.ranked(measured)
        #expect(ranked.map(\.name) == ["b", "c", "a"])
        #expect(ranked.map(\.spreadRank) == [1, 2, 3] && ranked.map(\.distanceRank) == [3, 1, 2])
        #expect(ranked[0].reason(of: 3) == "the least sure of 3 (mean spread 0.3000); 3rd least like the training pairs of 3 (distance 0.100)")
        let direct = Suggestion.ranked(measured.map { ($0.name, (nil, $0.doubt.distance)) })
        #expect(direct.map(\.name) == ["c", "a", "b"] && direct.allSatisfy { $0.spreadRank == nil })
        #expect(direct[0].reason(of: 3) == "the least like the training pairs of 3 (distance 0.900)")
        #expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 103, 111].map(Suggestion.ordinal)
                == ["the", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "103rd", "111th"])
    }

    @Test func aFolderIsRankedByTheSpreadItsConfidenceMapsShowAndItsBadFilesNamed() throws {
        let pairs = try SyntheticTask(.blueEyes).pairs(count: 4, size: 32, seed: 11)
        let editor = try Editor(pairs: pairs, design: EditorDesign(preset: .tiny, pairing: .structural, seed: 4, flow: .hornSchunck),
                                flowEstimator: EditorTests.quickFlow)
        try editor.train(until: 3)
        let dir = try CheckpointTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let other = try SyntheticTask(.old).pairs(count: 1, size: 48, seed: 5)[0].source.resized(width: 45, height: 31)
        try pairs[0].source.write(to: dir + "/a-training.png")
        try other.write(to: dir + "/b-other.png")
        try "not an image".write(toFile: dir + "/c-notes.txt", atomically: true, encoding: .utf8)
        try Data([0x89, 0x50, 0x4E, 0x47]).write(to: URL(fileURLWithPath: dir + "/d-broken.png"))
        let (ranked, failures) = try editor.suggestions(inFolder: dir, references: 3)
        #expect(Set(ranked.map(\.name)) == ["a-training.png", "b-other.png"])
        #expect(failures.count == 2 && failures[0].contains("c-notes.txt: unsupported format") && failures[1].contains("d-broken.png"), "\(failures)")
        // A training source is at distance 0 from the pairs (but for 8-bit rounding); the other task's face is not.
        let byName = Dictionary(uniqueKeysWithValues: ranked.map { ($0.name, $0) })
        #expect(try #require(byName["a-training.png"]).distance < 0.003 && byName["b-other.png"]?.distanceRank == 1)
        // The spread is the mean of what confidence maps (at the working size, where no resizing blurs it).
        let (training, shown) = (try Image(contentsOf: dir + "/a-training.png"), try Image(contentsOf: dir + "/b-other.png"))
        let confidence = try editor.confidence(training, references: 3)
        #expect(abs(try #require(byName["a-training.png"]?.spread) - confidence.mean) < 1e-6)
        // The same images given in memory rank the same.
        let inMemory = try editor.suggestions([("a-training.png", training), ("b-other.png", shown)], references: 3)
        #expect(inMemory.map(\.name) == ranked.map(\.name) && inMemory.map(\.spread) == ranked.map(\.spread))
        #expect(throws: EngineError.self) { try editor.suggestions(inFolder: dir, references: 1) }
        #expect(throws: ImageError.self) { try editor.suggestions(inFolder: dir + "/nowhere") }
    }

    @Test func aDirectEffectRanksByDistanceAlone() throws {
        let pairs = try SyntheticTask(.blueEyes).pairs(count: 3, size: 32, seed: 12)
        let editor = try Editor(pairs: pairs, design: EditorDesign(preset: .tiny, pairing: .one2one, seed: 4))
        let far = try SyntheticTask(.dayToNight).pairs(count: 1, size: 32, seed: 6)[0].source
        let ranked = try editor.suggestions([("near", pairs[1].source), ("far", far)], references: 1)
        #expect(ranked.map(\.name) == ["far", "near"] && ranked.allSatisfy { $0.spread == nil })
    }
}
