import Engine
import Foundation

/// An unedited image, as a candidate for the user to edit by hand next: how unsure the effect
/// is of it and how unlike its training pairs it is. Editing the image the effect is least sure
/// of teaches it where it guesses.
public struct Suggestion: Sendable {
    /// Its path relative to the folder ranked (or the name it was given).
    public let name: String
    /// The mean spread of its references' predictions over the image (`ReferenceFusion.spread`,
    /// the head's alone); nil for a direct effect, which edits without references.
    public let spread: Double?
    /// How unlike the training sources it is: the root-mean-square distance of its 16×16
    /// thumbnail from the nearest training source's, in [0, 1] colour units.
    public let distance: Double
    /// Its place among the images by spread (1: the least sure; nil without spread) and by distance
    /// (1: the least like the pairs).
    public let spreadRank: Int?, distanceRank: Int

    /// Why it is suggested, among `count` images: "the least sure of 12 (mean spread 0.0213); 4th
    /// least like the training pairs of 12 (distance 0.083)".
    public func reason(of count: Int) -> String {
        let unlike = "\(Suggestion.ordinal(distanceRank)) least like the training pairs of \(count) (distance \(String(format: "%.3f", distance)))"
        guard let spread, let spreadRank else { return unlike }
        return "\(Suggestion.ordinal(spreadRank)) least sure of \(count) (mean spread \(String(format: "%.4f", spread))); " + unlike
    }

    /// "the" for the first, then "2nd", "3rd", "4th" … "11th", "21st".
    static func ordinal(_ n: Int) -> String {
        guard n > 1 else { return "the" }
        let suffix = (11...13).contains(n % 100) ? "th" : [1: "st", 2: "nd", 3: "rd"][n % 10] ?? "th"
        return "\(n)\(suffix)"
    }
}

extension Editor {
    /// `images` ranked by how much the effect would learn if the user edited each by hand: an
    /// n-to-n effect's least sure first — the mean spread of its `k` nearest references' head
    /// predictions over the part of the working view that shows the image —, a direct effect's
    /// (no references to disagree) least like the training pairs first. `checkInterrupt` is
    /// called before each image.
    public func suggestions(_ images: [(name: String, image: Image)], references k: Int = Editor.confidenceReferences,
                            checkInterrupt: () throws -> Void = {}) throws -> [Suggestion] {
        try requireSuggestionReferences(k)
        return Suggestion.ranked(try images.map { name, image in
            try checkInterrupt()
            return (name, try doubt(about: image, references: k, checkInterrupt: checkInterrupt))
        })
    }

    /// The images of the folder at `path` (every file but hidden ones; with `recursive`, its
    /// subfolders' too) ranked as `suggestions(_:)` ranks them, each read, measured and let go in
    /// turn (a folder of photographs need not fit in memory), and "PATH: why" for each file that
    /// could not be read. `progress` hears how many files are done of how many, and the next one's name.
    public func suggestions(inFolder path: String, recursive: Bool = false, references k: Int = Editor.confidenceReferences,
                            checkInterrupt: () throws -> Void = {},
                            progress: (_ done: Int, _ total: Int, _ name: String) -> Void = { _, _, _ in }) throws -> (ranked: [Suggestion], failures: [String]) {
        try requireSuggestionReferences(k)
        let folder = try ImageFolder(path, recursive: recursive)
        let names = try folder.names()
        try folder.requireFiles(names)
        var measured: [(name: String, doubt: (spread: Double?, distance: Double))] = [], failures: [String] = []
        for (done, name) in names.enumerated() {
            try checkInterrupt()
            progress(done, names.count, name)
            guard ImageFormat(extensionOf: name) != nil else {
                failures.append("\(folder.path(of: name)): unsupported format (\(ImageFormat.supported))")
                continue
            }
            do {
                measured.append((name, try doubt(about: Image(contentsOf: folder.path(of: name)), references: k, checkInterrupt: checkInterrupt)))
            } catch let error as ImageError {
                failures.append("\(error)")  // names the file already
            }
        }
        return (Suggestion.ranked(measured), failures)
    }

    /// Throws unless `k` references are enough to disagree (an n-to-n effect's; a direct one
    /// uses none).
    private func requireSuggestionReferences(_ k: Int) throws {
        guard !conditioning.carriesReferences || (Editor.fewestConfidenceReferences...Editor.referenceCounts.upperBound).contains(k) else {
            throw EngineError.invalidArgument(op: "suggest", message: "suggestions compare references: give \(Editor.fewestConfidenceReferences)…\(Editor.referenceCounts.upperBound), got \(k)")
        }
    }

    /// How unsure the effect is of `image` (nil for a direct effect) and how unlike its training
    /// sources it is (see `Suggestion`).
    func doubt(about image: Image, references k: Int, checkInterrupt: () throws -> Void) throws -> (spread: Double?, distance: Double) {
        let view = try workingView(of: image)
        let thumbnail = try view.image.resized(width: 16, height: 16).pixels
        let distance = Double((thumbnails.map { Editor.squaredDistance($0, thumbnail) }.min() ?? 0) / Float(thumbnail.count)).squareRoot()
        guard conditioning.carriesReferences else { return (nil, distance) }
        let chosen = try nearest(to: view.image, count: min(k, pairs.count))
        let spread = try networksEdit(view.image, using: chosen, sampling: .headOnly, spread: true, checkInterrupt: checkInterrupt).spread ?? []
        let region = view.region
        var total = 0.0
        for y in region.y..<(region.y + region.height) {
            for x in region.x..<(region.x + region.width) { total += Double(spread[y * size + x]) }
        }
        return (total / Double(max(region.width * region.height, 1)), distance)
    }
}

extension Suggestion {
    /// The measured images as suggestions, best first: by spread (least sure first) when they
    /// have one, else by distance (least like the pairs first); ties by distance.
    static func ranked(_ measured: [(name: String, doubt: (spread: Double?, distance: Double))]) -> [Suggestion] {
        func ranks(_ value: (Int) -> Double) -> [Int] {
            var rank = [Int](repeating: 0, count: measured.count)
            for (place, i) in measured.indices.sorted(by: { value($0) > value($1) }).enumerated() { rank[i] = place + 1 }
            return rank
        }
        let byDistance = ranks { measured[$0].doubt.distance }
        let bySpread = measured.contains { $0.doubt.spread != nil } ? ranks { measured[$0].doubt.spread ?? 0 } : nil
        return measured.indices.map { i in
            Suggestion(name: measured[i].name, spread: measured[i].doubt.spread, distance: measured[i].doubt.distance,
                       spreadRank: bySpread?[i], distanceRank: byDistance[i])
        }.sorted { ($0.spreadRank ?? $0.distanceRank, $0.distanceRank) < ($1.spreadRank ?? $1.distanceRank, $1.distanceRank) }
    }
}
