import Foundation

/// What the kernel remembers of a session, shared by the main shell and its subshells: the
/// execution count, and each stored cell's count, input and output (the output as the cell's
/// result or traceback text), which history_request asks about.
struct ExecutionRecord {
    var count = 0
    var history: [(count: Int, input: String, output: String)] = []

    /// The entries a history_request asks for: `tail` (the last n), `range` (this session's cells
    /// start…stop) or `search` (a glob pattern, optionally each input once), each with its output
    /// when the request asks for it.
    func entries(for request: HistoryRequest) -> [HistoryReply.Entry] {
        func entry(_ h: (count: Int, input: String, output: String)) -> HistoryReply.Entry {
            HistoryReply.Entry(count: h.count, input: h.input, output: request.output ? h.output : nil)
        }
        switch request.histAccessType {
        case "tail": return history.suffix(max(request.n, 0)).map(entry)
        case "range": return history.filter { $0.count >= request.start && $0.count < request.stop }.map(entry)
        case "search":
            var matches = history.filter { fnmatch(request.pattern, $0.input, 0) == 0 }
            if request.unique {
                // Each input once, at its latest position.
                var seen = Set<String>()
                matches = matches.reversed().filter { seen.insert($0.input).inserted }.reversed()
            }
            return matches.suffix(max(request.n, 0)).map(entry)
        default: return []
        }
    }
}
