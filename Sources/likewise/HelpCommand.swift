import ArgumentParser
import Script

struct LanguageHelp: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "language",
        abstract: "Print the language reference: every command with its signature and docs.",
        discussion: """
        With --markdown, the Markdown of docs/DSL.md (a test checks that the file matches):
          likewise language --markdown > docs/DSL.md
        """
    )

    @Flag(help: "Print Markdown (docs/DSL.md) instead of plain text.") var markdown = false

    func run() throws {
        let registry = CommandRegistry(CommandSet.standard)
        if markdown {
            print(registry.markdown, terminator: "")
        } else {
            print(registry.names.compactMap { registry[$0]?.help }.joined(separator: "\n\n"))
        }
    }
}
