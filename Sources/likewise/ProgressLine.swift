import Foundation

/// A progress line on standard error. On a terminal it is rewritten in place; on a pipe or a
/// file (a CI log, `2> log`) it becomes whole lines without carriage returns or escape codes, at
/// most one a second, and every final line.
final class ProgressLine {
    private let isTerminal = isatty(STDERR_FILENO) != 0
    private var lastLine = Date.distantPast

    /// Shows `text`; `done` ends the line (it is the last of its kind, or a result).
    func show(_ text: String, done: Bool = false) {
        if isTerminal {
            write("\r" + text + "\u{1B}[K" + (done ? "\n" : ""))
        } else if done || Date().timeIntervalSince(lastLine) >= 1 {
            lastLine = Date()
            write(text + "\n")
        }
    }

    private func write(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }
}
