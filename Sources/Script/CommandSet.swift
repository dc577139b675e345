/// The commands of one area of the language (data, session, model, …), defined together in one
/// file by the module that owns them.
public struct CommandSet: Sendable {
    /// The area's name, as `help` groups the commands.
    public let area: String
    public let commands: [Command]

    public init(_ area: String, _ commands: [Command]) { (self.area, self.commands) = (area, commands) }

    /// The language's own commands: data, session, models, and the VAE and diffusion views.
    public static let standard: [CommandSet] = [.data, .session, .model, .generative]
}

/// The commands an interpreter knows, by name: the sets it was handed, and nothing global.
public struct CommandRegistry: Sendable {
    private let byName: [String: Command]
    let sets: [CommandSet]

    /// Names that more than one command claims (the first keeps it): a mistake in the sets,
    /// which a test of the standard sets keeps empty.
    public let duplicates: [String]

    /// The commands of `sets`, in order.
    public init(_ sets: [CommandSet]) {
        var byName: [String: Command] = [:], duplicates: [String] = []
        for command in sets.flatMap(\.commands) {
            if byName[command.name] == nil { byName[command.name] = command } else { duplicates.append(command.name) }
        }
        (self.byName, self.sets, self.duplicates) = (byName, sets, duplicates)
    }

    public subscript(name: String) -> Command? { byName[name] }

    /// Every command's name, sorted.
    public var names: [String] { byName.keys.sorted() }

    /// `help` alone lists the commands by area; a command's help is its signature and doc.
    func helpText(for name: String) -> String {
        guard name == "help" else { return byName[name]?.help ?? "no command '\(name)'" }
        let width = byName.keys.map(\.count).max() ?? 0
        var lines = ["Commands (help(name) for one in detail):"]
        for set in sets {
            lines.append("  \(set.area)")
            for command in set.commands.sorted(by: { $0.name < $1.name }) {
                lines.append("    " + command.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + command.summary)
            }
        }
        return lines.joined(separator: "\n")
    }
}
