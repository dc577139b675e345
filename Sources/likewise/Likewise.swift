import ArgumentParser

@main
struct Likewise: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "likewise",
        abstract: "Build your own image effect from a few before/after pairs.",
        version: Likewise.version,
        subcommands: [Demo.self, Run.self, Repl.self, KernelCommand.self, Install.self, Bench.self, Eval.self, Train.self, Apply.self, Suggest.self, LanguageHelp.self]
    )

    static let version = "0.1.0"
}
