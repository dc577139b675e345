import Foundation

/// A folder whose files are images to read: every file in it but hidden ones, sorted by name,
/// and with `recursive` those of every subfolder too, as paths relative to the folder (what
/// `likewise apply` edits and `likewise suggest` ranks).
public struct ImageFolder: Sendable {
    public let path: String
    public let recursive: Bool

    /// The folder at `path`; a missing folder, or a file, is an error naming it.
    public init(_ path: String, recursive: Bool = false) throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw ImageError.unreadable(path: path, reason: "no such folder")
        }
        guard isFolder.boolValue else { throw ImageError.unreadable(path: path, reason: "is a file, not a folder of images") }
        (self.path, self.recursive) = (path, recursive)
    }

    /// The files, as paths relative to the folder, sorted.
    public func names() throws -> [String] {
        func files(in relative: String) throws -> [String] {
            try entries(of: relative).flatMap { name, isFolder -> [String] in
                let inner = relative.isEmpty ? name : ImageFolder.joined(relative, name)
                return isFolder ? (recursive ? try files(in: inner) : []) : [inner]
            }
        }
        return try files(in: "")
    }

    /// The entries of `relative` (a folder inside this one; "" for itself) but hidden ones,
    /// sorted by name, each with whether it is a folder.
    public func entries(of relative: String = "") throws -> [(name: String, isFolder: Bool)] {
        let folder = relative.isEmpty ? path : ImageFolder.joined(path, relative)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else {
            throw ImageError.unreadable(path: folder, reason: "cannot be read")
        }
        return names.filter { !$0.hasPrefix(".") }.sorted().compactMap { name in
            var isFolder: ObjCBool = false
            return FileManager.default.fileExists(atPath: ImageFolder.joined(folder, name), isDirectory: &isFolder) ? (name, isFolder.boolValue) : nil
        }
    }

    /// Throws, naming the folder, when `names` (its files, as `names()` lists them) is empty:
    /// nothing to do is a mistaken path far more often than a finished job. It names both ways to
    /// ask for the subfolders: the command line's and the language's.
    public func requireFiles(_ names: [String]) throws {
        guard names.isEmpty else { return }
        throw ImageError.unreadable(path: path, reason: recursive ? "has no files, in it or its subfolders"
                                        : "has no files (its subfolders are read with --recursive, or recursive: true)")
    }

    /// The files of a folder that could not be read or edited, as `apply` and `suggest` list them
    /// at the end: `heading` ("could not read:"), then each on a line of its own, indented.
    public static func listing(_ heading: String, _ failures: [String]) -> String {
        ([heading] + failures.map { "  " + $0 }).joined(separator: "\n") + "\n"
    }

    /// The path of `name`, a path relative to the folder.
    public func path(of name: String) -> String { ImageFolder.joined(path, name) }

    /// `name` in `folder`, with one slash between them whether or not the folder was given with one.
    public static func joined(_ folder: String, _ name: String) -> String {
        (folder as NSString).appendingPathComponent(name)
    }
}
