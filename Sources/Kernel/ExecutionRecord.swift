import Foundation

/// What the kernel remembers of a session, shared by the main shell and its subshells: the
/// execution count, and each stored cell's count, input and output (the output as the cell's
/// result or traceback text), which history_request asks about.
struct ExecutionRecord {
    var count = 0
    var history: [(count: Int, input: String, output: String)] = []

    /// The entries a history_request asks for: `tail` (the last n), `range` (this session's cells
    /// start…stop) or `search` (a glob pattern, optionally each input once), each as
    /// [session, count, input] or, with `output`, [session, count, [input, output]].
    func entries(for content: [String: Any]) -> [[Any]] {
        let withOutput = content["output"] as? Bool ?? false
        func entry(_ h: (count: Int, input: String, output: String)) -> [Any] {
            [0, h.count, withOutput ? [h.input, h.output] as [Any] : h.input]
        }
        switch content["hist_access_type"] as? String {
        case "tail": return history.suffix(max(content["n"] as? Int ?? 10, 0)).map(entry)
        case "range":
            let start = content["start"] as? Int ?? 1, stop = content["stop"] as? Int ?? Int.max
            return history.filter { $0.count >= start && $0.count < stop }.map(entry)
        case "search":
            let pattern = content["pattern"] as? String ?? "*"
            var matches = history.filter { fnmatch(pattern, $0.input, 0) == 0 }
            if content["unique"] as? Bool ?? false {
                // Each input once, at its latest position.
                var seen = Set<String>()
                matches = matches.reversed().filter { seen.insert($0.input).inserted }.reversed()
            }
            return matches.suffix(max(content["n"] as? Int ?? matches.count, 0)).map(entry)
        default: return []
        }
    }
}
