/// A closed set of options a user picks by name — a lift, a view, a flow estimator — read in
/// one place, so that every front end lists the same names and refuses an unknown one in the
/// same words.
public protocol NamedChoice: RawRepresentable, CaseIterable where RawValue == String {
    /// What the options are options of, as an error says it: "lift", "view".
    static var choiceName: String { get }
}

extension NamedChoice {
    /// Every option's name, in the order declared.
    public static var names: [String] { allCases.map(\.rawValue) }

    /// The option called `name` (one of `names`).
    public init(named name: String) throws {
        guard let option = Self(rawValue: name) else {
            throw EngineError.invalidArgument(op: Self.choiceName, message: "the \(Self.choiceName) must be one of \(Self.names.joined(separator: ", ")), got \"\(name)\"")
        }
        self = option
    }
}
