import Engine
import Foundation

/// An editor applied to every image of a folder, as `likewise apply` and the language's `apply` do:
/// OUT/NAME for each IN/NAME (PNG or JPEG, written in the same format), skipping files already
/// written (so an interrupted run resumes) and collecting the files that could not be edited —
/// unreadable, or of a format Likewise does not read — rather than stopping at the first.
public struct FolderEdit: Sendable {
    /// How a run went.
    public struct Report: Sendable, Equatable {
        public var edited = 0, skipped = 0
        /// "PATH: why" for each file that could not be read or edited.
        public var failures: [String] = []
    }

    public let input: String, output: String
    public let references: Int
    /// How each edit is sampled (nil: the editor's default).
    public let sampling: Sampling?

    public init(input: String, output: String, references: Int = 1, sampling: Sampling? = nil) {
        (self.input, self.output, self.references, self.sampling) = (input, output, references, sampling)
    }

    /// The files to edit, by name, sorted: every file of the folder but hidden ones and folders.
    public func names() throws -> [String] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: input, isDirectory: &isFolder) else {
            throw ImageError.unreadable(path: input, reason: "no such folder")
        }
        guard isFolder.boolValue, let names = try? FileManager.default.contentsOfDirectory(atPath: input) else {
            throw ImageError.unreadable(path: input, reason: isFolder.boolValue ? "cannot be read" : "is a file, not a folder of images")
        }
        return names.filter { name in
            var isFolder: ObjCBool = false
            return !name.hasPrefix(".") && FileManager.default.fileExists(atPath: path(input, name), isDirectory: &isFolder) && !isFolder.boolValue
        }.sorted()
    }

    /// `name` in `folder`, with one slash between them whether or not the folder was given with one.
    private func path(_ folder: String, _ name: String) -> String {
        (folder as NSString).appendingPathComponent(name)
    }

    /// Edits every image with `editor`; `progress` hears (done, total, name) before each file.
    /// Each output is written atomically, so a stopped run never leaves a half-written file.
    public func run(with editor: Editor, checkInterrupt: () throws -> Void = {},
                    progress: (Int, Int, String) -> Void = { _, _, _ in }) throws -> Report {
        let files = try names()
        do {
            try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        } catch {
            throw ImageError.unwritable(path: output, reason: error.localizedDescription)
        }
        var report = Report()
        for (k, name) in files.enumerated() {
            try checkInterrupt()
            progress(k, files.count, name)
            let destination = path(output, name)
            if FileManager.default.fileExists(atPath: destination) { report.skipped += 1; continue }
            guard ImageFormat(extensionOf: name) != nil else {
                report.failures.append("\(path(input, name)): unsupported format (\(ImageFormat.supported))")
                continue
            }
            do {
                let source = try Image(contentsOf: path(input, name))
                try editor.edit(source, references: references, sampling: sampling, checkInterrupt: checkInterrupt).image.write(to: destination)
                report.edited += 1
            } catch let error as ImageError {
                report.failures.append("\(error)")  // names the file already
            } catch {
                report.failures.append("\(path(input, name)): \(error)")
            }
        }
        return report
    }
}
