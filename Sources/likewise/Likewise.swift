import ArgumentParser

@main
struct Likewise: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "likewise",
        abstract: "Build your own image effect from a few before/after pairs.",
        subcommands: [Demo.self, Run.self, Repl.self, Bench.self]
    )
}
