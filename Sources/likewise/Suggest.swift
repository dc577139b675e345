import ArgumentParser
import Engine
import Foundation
import Models

struct Suggest: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Which images of a folder to edit by hand next: those a saved effect is least sure of.",
        discussion: """
        Ranks every image (PNG or JPEG) of IN_DIR for you to edit by hand next. An n-to-n effect (structural, implicit, combined) edits each image with its --refs \
        nearest training pairs and measures how far their predictions disagree — the mean spread \
        that apply --confidence maps —; the images it is least sure of come first. A direct effect \
        (one2one, pix2pix) has no references to disagree: its images are ranked by how unlike the \
        training pairs they look. Prints the first --count with both numbers; --json writes every \
        image's. Files that cannot be read are listed at the end, and the exit status is then 1.
        Whether editing those first teaches the effect more than any other pairs is measured by \
        likewise eval --suggest-rounds: so far not in general (docs/RESULTS.md).
        Example:
          likewise suggest grade.safetensors unedited/ --count 5
        """
    )

    @Argument(help: "The effect saved by likewise train.") var effect: String
    @Argument(help: "The folder of unedited images.") var input: String
    @Option(help: "How many images to suggest.") var count = 3
    @Option(help: "Training pairs whose predictions are compared (n-to-n effects; 2 or more).") var refs = Editor.confidenceReferences
    @Flag(help: "Rank the images of every subfolder too.") var recursive = false
    @Option(help: "Write every image's rank, spread and distance here as JSON.") var json: String?

    func validate() throws {
        guard count >= 1 else { throw ValidationError("--count must be 1 or more, got \(count)") }
        guard (Editor.fewestConfidenceReferences...Editor.referenceCounts.upperBound).contains(refs) else {
            throw ValidationError("--refs must be \(Editor.fewestConfidenceReferences)…\(Editor.referenceCounts.upperBound), got \(refs)")
        }
    }

    func run() throws {
        let progress = ProgressLine()
        let editor = try Editor.load(from: effect)
        for warning in editor.loadWarnings { FileHandle.standardError.write(Data("warning: \(effect): \(warning)\n".utf8)) }
        let (ranked, failures) = try editor.suggestions(inFolder: input, recursive: recursive, references: refs, progress: { done, total, name in
            progress.show("suggest: \(done + 1)/\(total) \(name)")
        })
        progress.show("suggest: \(ranked.count) images ranked, \(failures.count) unreadable", done: true)
        for (place, suggestion) in ranked.prefix(count).enumerated() {
            print("\(place + 1). \(suggestion.name): \(suggestion.reason(of: ranked.count))")
        }
        if let json {
            let rows: [[String: Any]] = ranked.map { suggestion in
                var row: [String: Any] = ["name": suggestion.name, "distance": suggestion.distance, "distance_rank": suggestion.distanceRank]
                if let spread = suggestion.spread, let rank = suggestion.spreadRank { (row["spread"], row["spread_rank"]) = (spread, rank) }
                return row
            }
            let data = try JSONSerialization.data(withJSONObject: ["effect": effect, "pairing": editor.pairing.rawValue, "images": rows],
                                                  options: [.prettyPrinted, .sortedKeys])
            try data.write(to: URL(fileURLWithPath: json), options: .atomic)
        }
        guard failures.isEmpty else {
            FileHandle.standardError.write(Data(ImageFolder.listing("could not read:", failures).utf8))
            throw ExitCode(1)
        }
    }
}
