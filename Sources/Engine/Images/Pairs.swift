import Foundation

/// A source/target pair: an image before and after the effect.
public struct Pair: Sendable, Equatable {
    /// What the pair is called: its file name without extension, or the task and index.
    public var name: String
    /// The image before the effect (x).
    public var source: Image
    /// The image after the effect (y).
    public var target: Image

    /// A pair of two images of the same size.
    public init(name: String, source: Image, target: Image) {
        (self.name, self.source, self.target) = (name, source, target)
    }
}

/// Loading a user's own pairs from a folder.
extension Pair {
    /// `Image.conversionNote` for the pairs' images, named "NAME source" and "NAME target".
    public static func conversionNote(_ pairs: [Pair]) -> String? {
        Image.conversionNote(pairs.flatMap { [("\($0.name) source", $0.source), ("\($0.name) target", $0.target)] })
    }

    /// Reads the pairs in `folder`, in name order, in either layout:
    /// `folder/source/NAME.png` with `folder/target/NAME.png`, or `NAME_src.png` with
    /// `NAME_tgt.png` side by side (each file PNG or JPEG: `.png`, `.jpg`, `.jpeg`). Each pair keeps
    /// its own size — the two images of a pair must match, and pairs may differ from each other —
    /// unless `size` is given: then each image is scaled and centre-cropped to `size × size`.
    ///
    /// Every problem in the folder — names without a partner, files that are not PNG or JPEG or do not
    /// decode, a pair's two sizes that disagree, an empty folder — is reported together in one
    /// `PairFolderError`, so a user can fix them all in one pass. `checkInterrupt` is called
    /// before each pair is read.
    public static func load(from folder: String, size: Int? = nil, checkInterrupt: () throws -> Void = {}) throws -> [Pair] {
        let files = FileManager.default
        var isDirectory: ObjCBool = false
        guard files.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw PairFolderError(folder: folder, problems: ["no such folder"])
        }
        if let size, !(1...Image.maximumSide).contains(size) {
            throw PairFolderError(folder: folder, problems: ["size \(size) is outside 1…\(Image.maximumSide)"])
        }
        var problems: [String] = []
        var sources: [String: String] = [:], targets: [String: String] = [:]  // name → path

        func images(in directory: String, relative: String) -> [String] {
            let names = ((try? files.contentsOfDirectory(atPath: directory)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
            var found: [String] = []
            for name in names {
                var isFolder: ObjCBool = false
                files.fileExists(atPath: directory + "/" + name, isDirectory: &isFolder)
                if isFolder.boolValue { continue }
                if ImageFormat(extensionOf: name) != nil { found.append(name) } else { problems.append("\(relative)\(name): not a PNG or JPEG file") }
            }
            return found
        }

        func stem(_ name: String) -> String { (name as NSString).deletingPathExtension }
        let sourceFolder = folder + "/source", targetFolder = folder + "/target"
        if files.fileExists(atPath: sourceFolder) || files.fileExists(atPath: targetFolder) {
            for name in images(in: sourceFolder, relative: "source/") { sources[stem(name)] = sourceFolder + "/" + name }
            for name in images(in: targetFolder, relative: "target/") { targets[stem(name)] = targetFolder + "/" + name }
        } else {
            for name in images(in: folder, relative: "") {
                let stem = stem(name)
                if stem.lowercased().hasSuffix("_src") { sources[String(stem.dropLast(4))] = folder + "/" + name }
                else if stem.lowercased().hasSuffix("_tgt") { targets[String(stem.dropLast(4))] = folder + "/" + name }
                else { problems.append("\(name): neither NAME_src nor NAME_tgt (or use source/ and target/ folders)") }
            }
        }
        for name in sources.keys.sorted() where targets[name] == nil { problems.append("\(name): has a source but no target") }
        for name in targets.keys.sorted() where sources[name] == nil { problems.append("\(name): has a target but no source") }

        var pairs: [Pair] = []
        for name in sources.keys.sorted() {
            guard let sourcePath = sources[name], let targetPath = targets[name] else { continue }
            try checkInterrupt()  // between pairs: a large folder, or a large size:, stops within one
            do {
                var source = try Image(contentsOf: sourcePath), target = try Image(contentsOf: targetPath)
                guard source.width == target.width, source.height == target.height else {
                    problems.append("\(name): source is \(source.width)×\(source.height) but target is \(target.width)×\(target.height)")
                    continue
                }
                if let size { (source, target) = (try source.squared(to: size), try target.squared(to: size)) }
                pairs.append(Pair(name: name, source: source, target: target))
            } catch {
                problems.append("\(error)")
            }
        }
        if pairs.isEmpty && problems.isEmpty {
            problems.append("no pairs found: expected source/NAME with target/NAME, or NAME_src with NAME_tgt (each .png, .jpg or .jpeg)")
        }
        guard problems.isEmpty else { throw PairFolderError(folder: folder, problems: problems) }
        return pairs
    }
}

/// Everything wrong with a folder of pairs, one line a problem.
public struct PairFolderError: Error, CustomStringConvertible, Equatable {
    public let folder: String
    public let problems: [String]

    public var description: String {
        let noun = problems.count == 1 ? "problem" : "problems"
        return "\(folder): \(problems.count) \(noun) with these pairs:\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}
