import ArgumentParser
import Foundation
import Script

/// Shows a cell's output in a terminal: text as it is, each picture written as a numbered PNG
/// (`001.png`, `002.png`, …) in the output folder with its path printed.
final class TerminalSink: DisplaySink {
    let folder: String
    private(set) var written = 0

    init(folder: String) { self.folder = folder }

    /// The file each display with an id was written to, so an update rewrites it.
    private var pathOfDisplay: [String: String] = [:]

    func display(_ bundle: DisplayBundle, id: String?) {
        guard let png = bundle.png else { print(bundle.text); return }
        written += 1
        let path = folder + "/" + String(format: "%03d.png", written)
        if let id { pathOfDisplay[id] = path }
        if write(png, to: path) { print("\(bundle.text) → \(path)") }
    }

    /// A picture updated in place (a loss plot while training) rewrites its file quietly; text
    /// is printed again.
    func update(_ bundle: DisplayBundle, id: String) {
        guard let png = bundle.png else { print(bundle.text); return }
        guard let path = pathOfDisplay[id] else { display(bundle, id: id); return }
        _ = write(png, to: path)
    }

    private func write(_ png: [UInt8], to path: String) -> Bool {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try Data(png).write(to: URL(fileURLWithPath: path), options: .atomic)
            return true
        } catch {
            FileHandle.standardError.write(Data("cannot write \(path): \(error.localizedDescription)\n".utf8))
            return false
        }
    }

    private let progressLine = ProgressLine()

    /// Rewrites one line of standard error in place (see `ProgressLine`).
    func progress(_ text: String, id: String) { progressLine.show(text) }

    func stream(_ text: String, toStandardError: Bool) {
        if toStandardError {
            fflush(nil)
            FileHandle.standardError.write(Data(text.utf8))
        } else {
            print(text, terminator: "")
        }
    }

    func clear(wait: Bool) {}

    func input(_ prompt: String, password: Bool) throws -> String {
        print(prompt, terminator: "")
        guard let line = readLine() else { throw ScriptError.inputEnded }
        return line
    }
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a Likewise script headless, writing every displayed picture as a PNG.",
        discussion: """
        The script's statements run in order in one session. Unlike a notebook cell, which shows \
        its last expression, every expression statement of the script shows its value (info(m) on \
        line 3 prints its table); show(…) displays, print(…) writes to standard output. Pictures go \
        to --out as 001.png, 002.png, … \
        On an error the message (file:line:column, with a caret) goes to standard error and the \
        exit status is 1; everything displayed before it is still written.

        Example:  likewise run effect.lw --out out/
        """
    )

    @Argument(help: "The script file (.lw).") var file: String
    @Option(help: "Folder for displayed pictures.") var out = "out"

    func run() throws {
        guard let code = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw ValidationError("cannot read \(file)")
        }
        let sink = TerminalSink(folder: out)
        if case let .failure(_, traceback) = ScriptInterpreter(showsEveryExpression: true).execute(code, sink: sink).displayed(in: sink) {
            var lines = traceback
            if let first = lines.first, let colon = first.firstIndex(of: ":") {
                // "NameError: 3:5: …" → "effect.lw:3:5: NameError: …"
                let rest = first[first.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                let location = rest.prefix { $0 != " " }.dropLast()
                lines[0] = "\(file):\(location): \(first[..<colon]):" + rest.dropFirst(location.count + 1)
            }
            fflush(nil)  // what the script printed comes before its error on a terminal too
            FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
            throw ExitCode(1)
        }
    }
}

struct Repl: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "An interactive prompt for the Likewise language, with the same help and errors.",
        discussion: "Lines are gathered until the input is complete (open brackets continue). Pictures are written to --out. help lists the commands."
    )

    @Option(help: "Folder for displayed pictures.") var out = "out"

    func run() throws {
        let interpreter = ScriptInterpreter()
        let sink = TerminalSink(folder: out)
        print("Likewise — help lists the commands; Ctrl-D leaves.")
        var buffer = ""
        while true {
            print(buffer.isEmpty ? "lw> " : "... ", terminator: "")
            guard let line = readLine() else { break }
            buffer += (buffer.isEmpty ? "" : "\n") + line
            if case .incomplete = interpreter.isComplete(buffer) { continue }
            if case let .failure(_, traceback) = interpreter.execute(buffer, sink: sink).displayed(in: sink) {
                print(traceback.joined(separator: "\n"))
            }
            buffer = ""
        }
    }
}

extension ExecutionOutcome {
    /// Shows the result of a successful cell in `sink`, and passes the outcome on.
    func displayed(in sink: DisplaySink) -> ExecutionOutcome {
        if case let .success(result?) = self { sink.display(result, id: nil) }
        return self
    }
}
