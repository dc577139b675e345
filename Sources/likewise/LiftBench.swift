import ArgumentParser
import Engine
import Foundation

struct LiftBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lift",
        abstract: "The lifts' ceiling: each task's true edit at a working size, lifted to full size and scored.",
        discussion: """
        For every built-in task, --scenes scenes drawn at --full-size: the truth scaled down to each \
        working size of --sizes stands in for a perfect network's edit there, each lift brings it \
        back at full size, and the line gives its PSNR where the edit is and outside it, averaged \
        over the scenes. What no network at that working size can beat through that lift: the \
        headroom a larger working size buys (docs/RESULTS.md).
        """
    )

    @Option(help: "The full size the scenes are drawn and scored at (32…1024).") var fullSize = 512
    @Option(parsing: .upToNextOption, help: "Working sizes.") var sizes = [32, 64, 96, 128]
    @Option(help: "Scenes a task.") var scenes = 4
    @Option(help: "Seed of the scenes.") var seed: UInt64 = 77

    func validate() throws {
        guard SyntheticTask.sizes.contains(fullSize) else { throw ValidationError("--full-size must be 32…1024, got \(fullSize)") }
        guard sizes.allSatisfy({ (8...fullSize).contains($0) }) else { throw ValidationError("--sizes must be 8…\(fullSize), got \(sizes)") }
        guard (1...100).contains(scenes) else { throw ValidationError("--scenes must be 1…100, got \(scenes)") }
    }

    func run() throws {
        for kind in SyntheticTask.Kind.allCases {
            let pairs = try (0..<scenes).map { try SyntheticTask(kind).pair(index: $0, size: fullSize, seed: seed) }
            let regions = try pairs.map { try EditRegion(source: $0.source, truth: $0.target) }
            for side in sizes {
                let low = try pairs.map { (source: try $0.source.resized(width: side, height: side), edit: try $0.target.resized(width: side, height: side)) }
                for lift in Lift.allCases {
                    var (inside, outside) = (0.0, 0.0)
                    for (k, pair) in pairs.enumerated() {
                        let out = try lift.lifted(low[k].edit, of: low[k].source, to: pair.source)
                        inside += try regions[k].psnr(out, pair.target) ?? 0
                        outside += try regions[k].outside.psnr(out, pair.target) ?? 0
                    }
                    emit([("op", "lift_ceiling"), ("task", kind.rawValue), ("full_size", fullSize), ("working_size", side), ("lift", lift.rawValue),
                          ("edit_psnr", inside / Double(scenes)), ("outside_psnr", outside / Double(scenes))])
                }
            }
        }
    }
}
