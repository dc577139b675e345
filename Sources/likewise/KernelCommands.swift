import ArgumentParser
import Engine
import Foundation
import Kernel
import Script

struct KernelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernel",
        abstract: "Run as a Jupyter kernel (Jupyter starts this through the installed kernelspec).",
        discussion: "Example:  likewise kernel --connection-file /path/to/kernel-1234.json"
    )

    @Option(name: .customLong("connection-file"), help: "The connection file Jupyter wrote.") var connectionFile: String

    func run() throws {
        let connection = try ConnectionFile.load(connectionFile)
        let kernel = try Kernel(connection: connection, interpreter: ScriptInterpreter(),
                                info: KernelInfo(implementationVersion: Likewise.version, languageVersion: Likewise.version))
        try kernel.run()
    }
}

struct Install: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Install the Likewise kernelspec so that Jupyter lists the kernel.",
        discussion: """
        Writes kernel.json (argv pointing at this binary) and the logos into \
        share/jupyter/kernels/likewise under the chosen prefix: --user (the default) is \
        ~/.local/share/jupyter, --sys-prefix the active Python environment's prefix.
        """
    )

    @Flag(help: "Install for this user (default).") var user = false
    @Flag(name: .customLong("sys-prefix"), help: "Install into the active Python environment (VIRTUAL_ENV or python3's sys.prefix).") var sysPrefix = false
    @Option(help: "Install under this prefix.") var prefix: String?

    func run() throws {
        let base: String
        if let prefix {
            base = prefix + "/share/jupyter"
        } else if sysPrefix {
            base = try Install.pythonPrefix() + "/share/jupyter"
        } else {
            base = (ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()) + "/.local/share/jupyter"
        }
        let folder = base + "/kernels/likewise"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.resolvingSymlinksInPath().path
        let spec: [String: Any] = [
            "argv": [binary, "kernel", "--connection-file", "{connection_file}"],
            "display_name": "Likewise",
            "language": "likewise",
            "interrupt_mode": "message",
            // The protocol kernel_info_reply states; without it jupyter_client assumes 5.0.
            "kernel_protocol_version": "5.5",
            // jupyter_client ≥ 8.10 provisions CurveZMQ keys for kernels that declare this.
            "metadata": ["supported_encryption": "curve"],
        ]
        let json = try JSONSerialization.data(withJSONObject: spec, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        try json.write(to: URL(fileURLWithPath: folder + "/kernel.json"), options: .atomic)
        for size in [32, 64] { try Logo.draw(size: size).write(to: folder + "/logo-\(size)x\(size).png") }
        print("installed the Likewise kernelspec in \(folder)")
    }

    static func pythonPrefix() throws -> String {
        if let env = ProcessInfo.processInfo.environment["VIRTUAL_ENV"] { return env }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import sys; print(sys.prefix)"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        process.waitUntilExit()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard process.terminationStatus == 0, !text.isEmpty else { throw ValidationError("cannot ask python3 for sys.prefix; use --prefix") }
        return text
    }
}

/// The kernel's logo, drawn by the engine: a grey disc becoming a blue one — a pair and its edit.
enum Logo {
    static func draw(size: Int) throws -> Image {
        var canvas = try Canvas(width: size, height: size, background: RGB(1, 1, 1))
        let s = Float(size)
        canvas.disc(centre: SIMD2(s * 0.27, s * 0.5), radius: s * 0.2, RGB(0.55, 0.55, 0.58))
        canvas.disc(centre: SIMD2(s * 0.75, s * 0.5), radius: s * 0.2, RGB(0.15, 0.4, 0.95))
        canvas.arrow(from: SIMD2(s * 0.42, s * 0.5), to: SIMD2(s * 0.58, s * 0.5), RGB(0.1, 0.1, 0.12), thickness: max(1, s / 24), head: s / 10)
        return canvas.image
    }
}
