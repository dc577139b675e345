import Crypto
import Engine
import Foundation

/// An editor applied to every image of a folder, as `likewise apply` and the language's `apply` do:
/// OUT/NAME for each IN/NAME (PNG or JPEG, written in the same format, at its own size, with its
/// colour profile), and with `recursive` every subfolder's likewise, the tree kept, skipping files already
/// written (so an interrupted run resumes) and collecting the files that could not be edited —
/// unreadable, or of a format Likewise does not read — rather than stopping at the first.
///
/// A file already written counts as done only for the run that wrote it: OUT/.likewise-apply
/// records what edits there (the effect's fingerprint, the references, the sampling), and a run
/// of another effect or other settings into the same folder is refused rather than leaving it
/// half one edit and half another — unless told to `overwrite`, which redoes every file.
public struct FolderEdit: Sendable {
    /// How a run went.
    public struct Report: Sendable {
        public var edited = 0, skipped = 0
        /// "PATH: why" for each file that could not be read or edited.
        public var failures: [String] = []
        /// "PATH: what changed" for each edited file whose reading changed something (see
        /// `Image.conversion`).
        public var converted: [String] = []
        /// Subfolders of the input left alone (not recursive).
        public var subfoldersLeft = 0
        /// Of the files skipped, those kept in a folder with no record of the run that wrote them
        /// (written before runs were recorded, or by hand).
        public var keptUnrecorded = 0
        /// Of the files skipped, those whose edit was already there but whose confidence map was
        /// not: the map is written beside the edit, which is kept.
        public var mapsAdded = 0
        /// The references asked for and the training pairs there were, when there were fewer (an
        /// edit fuses as many as there are).
        public var referencesShort: (asked: Int, pairs: Int)?
        /// With confidence maps, each edited file's mean spread (`EditConfidence.mean`), least
        /// sure first.
        public var spreads: [(name: String, mean: Double)] = []
        /// What a user should read beside the counts: which files reading changed, which
        /// subfolders were not read.
        public var notes: [String] {
            [Image.conversionNote(converted),
             subfoldersLeft > 0 ? "note: \(subfoldersLeft) subfolder\(subfoldersLeft == 1 ? "" : "s") not read (--recursive, or recursive: true, edits them too)" : nil,
             referencesShort.map { "note: the effect has \($0.pairs) training pairs: each edit fused \($0.pairs) references, not the \($0.asked) asked for" },
             mapsAdded > 0 ? "note: \(mapsAdded) edit\(mapsAdded == 1 ? " was" : "s were") already there and kept; \(mapsAdded == 1 ? "its confidence map was" : "their confidence maps were") written" : nil,
             keptUnrecorded > 0 ? "note: \(keptUnrecorded) file\(keptUnrecorded == 1 ? " was" : "s were") already there with no record of what made \(keptUnrecorded == 1 ? "it" : "them"), and kept (--overwrite, or overwrite: true, redoes them)" : nil,
             spreads.isEmpty ? nil : "least sure: " + spreads.prefix(5).map { String(format: "%@ %.4f", $0.name, $0.mean) }.joined(separator: ", ")
                + " (mean spread of the references' predictions; the maps show where)"]
                .compactMap { $0 }
        }
    }

    /// Where a run stands before the file it edits next, as its progress line says it.
    public struct Progress: Sendable {
        public let done: Int, total: Int, name: String
        /// Files a second so far (a skipped one counts: it took no time); nil before the first.
        public let filesPerSecond: Double?

        /// "apply: 3/40 IMG_0042.jpg  1.52 images/s  ETA 24 s".
        public var description: String {
            "apply: \(done + 1)/\(total) \(name)"
                + (filesPerSecond.map { String(format: "  %.2f images/s  ETA %.0f s", $0, Double(total - done) / max($0, 1e-9)) } ?? "")
        }
    }

    public let input: String, output: String
    public let references: Int
    /// How each edit is sampled (nil: the editor's default).
    public let sampling: Sampling?
    /// Whether the images of subfolders are edited too, into the same subfolders of `output`.
    public let recursive: Bool
    /// Whether files already in `output` are edited again (and the record replaced).
    public let overwrite: Bool
    /// A folder for a confidence map of each edit (`Editor.confidence`), named as the edit, in the
    /// same tree; nil: none.
    public let confidence: String?

    public init(input: String, output: String, references: Int = 1, sampling: Sampling? = nil, recursive: Bool = false, overwrite: Bool = false,
                confidence: String? = nil) {
        (self.input, self.output, self.references, self.sampling, self.recursive) = (input, output, references, sampling, recursive)
        (self.overwrite, self.confidence) = (overwrite, confidence)
    }

    /// What a run writes into `output`, so that a later run knows whether the files there are its own.
    struct Record: Codable, Equatable {
        /// `FolderEdit.fingerprint(of:)` of the effect.
        let effect: String
        let references: Int
        let steps: Int, eta: Double, seed: UInt64
    }

    /// The record's file in `output` (hidden: a folder of edits read as input leaves it alone).
    var recordPath: String { ImageFolder.joined(output, ".likewise-apply") }

    /// What makes an editor's edits what they are, as a SHA-256: its design, every weight (the
    /// flow network's too) and its training pairs, the references.
    static func fingerprint(of editor: Editor) throws -> String {
        var hasher = SHA256()
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        hasher.update(data: try encoder.encode(editor.design))
        let flow = (editor.flowEstimator as? FlowNetwork).map { $0.parameters.tensors } ?? []
        for tensor in editor.parameters.tensors + flow {
            tensor.withUnsafeBufferPointer { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        }
        for pair in editor.pairs { hasher.update(data: Data(Editor.hash(pair).utf8)) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// Checks that the files already in `output` were written by a run like this one, and
    /// records this run there; returns whether a record was there (nil: none).
    private func claimOutput(for editor: Editor) throws -> Bool {
        let sampling = self.sampling ?? editor.defaultSampling
        let record = Record(effect: try FolderEdit.fingerprint(of: editor), references: editor.pairing.carriesReferences ? references : 1,
                            steps: sampling.steps, eta: sampling.eta, seed: sampling.seed)
        let found = FileManager.default.contents(atPath: recordPath).flatMap { try? JSONDecoder().decode(Record.self, from: $0) }
        if let found, found != record, !overwrite {
            let what = found.effect != record.effect ? "another effect's edits" : "edits made with other settings (references, steps, eta or seed)"
            throw ImageError.unwritable(path: output, reason: "holds \(what): give a new output folder, or overwrite it (likewise apply --overwrite; apply(…, overwrite: true) in the language) to redo every file")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        do {
            try encoder.encode(record).write(to: URL(fileURLWithPath: recordPath), options: .atomic)
        } catch {
            throw ImageError.unwritable(path: recordPath, reason: error.localizedDescription)
        }
        return found != nil
    }

    /// The files to edit, as paths relative to `input`, sorted (see `ImageFolder`). An output
    /// folder that is the input folder, or lies inside it when recursive, is refused: the edits
    /// would replace the photos, or be edited again.
    public func names() throws -> [String] {
        let folder = try ImageFolder(input, recursive: recursive)
        func resolved(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path }
        let (from, to) = (resolved(input), resolved(output))
        if from == to { throw ImageError.unwritable(path: output, reason: "is the input folder: the edits would replace the photos") }
        if let confidence, [from, to].contains(resolved(confidence)) {
            throw ImageError.unwritable(path: confidence, reason: "is the \(resolved(confidence) == from ? "input" : "output") folder: the confidence maps would replace \(resolved(confidence) == from ? "the photos" : "the edits")")
        }
        if recursive, to.hasPrefix(from + "/") {
            throw ImageError.unwritable(path: output, reason: "is inside the input folder: with --recursive its edits would be edited again")
        }
        return try folder.names()
    }

    /// Edits every image with `editor`; `progress` hears where the run stands before each file it
    /// edits. Each output is written atomically, so a stopped run never leaves a half-written file.
    public func run(with editor: Editor, checkInterrupt: () throws -> Void = {},
                    progress: (Progress) -> Void = { _ in }) throws -> Report {
        let started = Date()
        if confidence != nil {
            // Refused before any file is edited, not once for each.
            guard editor.pairing.carriesReferences else {
                throw EngineError.invalidArgument(op: "apply", message: "a \(editor.pairing.rawValue) effect edits without references, so there are none to disagree: confidence maps need an n-to-n effect (structural, implicit or combined)")
            }
            guard references >= Editor.fewestConfidenceReferences else {
                throw EngineError.invalidArgument(op: "apply", message: "confidence maps compare references: give \(Editor.fewestConfidenceReferences) or more, got \(references)")
            }
        }
        let files = try names()
        try ImageFolder(input, recursive: recursive).requireFiles(files)  // a finished job lists its files as done
        do {
            try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        } catch {
            throw ImageError.unwritable(path: output, reason: error.localizedDescription)
        }
        let recorded = try claimOutput(for: editor)
        var report = Report()
        if editor.pairing.carriesReferences, references > editor.pairs.count { report.referencesShort = (references, editor.pairs.count) }
        if !recursive { report.subfoldersLeft = try ImageFolder(input).entries().filter(\.isFolder).count }
        for (k, name) in files.enumerated() {
            try checkInterrupt()
            let destination = ImageFolder.joined(output, name), mapPath = confidence.map { ImageFolder.joined($0, name) }
            // An edit already there is kept; only a confidence map it lacks is still to write.
            let editDone = !overwrite && FileManager.default.fileExists(atPath: destination)
            if editDone {
                report.skipped += 1
                if !recorded { report.keptUnrecorded += 1 }
                guard let mapPath, !FileManager.default.fileExists(atPath: mapPath) else { continue }
            }
            let seconds = Date().timeIntervalSince(started)
            progress(Progress(done: k, total: files.count, name: name, filesPerSecond: k > 0 && seconds > 0 ? Double(k) / seconds : nil))
            let written = (editDone ? [] : [destination]) + (mapPath.map { [$0] } ?? [])
            for folder in written.map({ ($0 as NSString).deletingLastPathComponent }) {
                do {
                    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                } catch {
                    throw ImageError.unwritable(path: folder, reason: error.localizedDescription)
                }
            }
            guard ImageFormat(extensionOf: name) != nil else {
                report.failures.append("\(ImageFolder.joined(input, name)): unsupported format (\(ImageFormat.supported))")
                continue
            }
            do {
                let source = try Image(contentsOf: ImageFolder.joined(input, name))
                if let conversion = source.conversion { report.converted.append("\(ImageFolder.joined(input, name)): \(conversion)") }
                if let mapPath {
                    let sure = try editor.confidence(source, references: references, sampling: sampling, checkInterrupt: checkInterrupt)
                    if !editDone { try sure.edit.write(to: destination) }
                    try sure.map().write(to: mapPath)
                    report.spreads.append((name, sure.mean))
                } else {
                    try editor.edit(source, references: references, sampling: sampling, checkInterrupt: checkInterrupt).image.write(to: destination)
                }
                if editDone { report.mapsAdded += 1 } else { report.edited += 1 }
            } catch let error as ImageError {
                report.failures.append("\(error)")  // names the file already
            } catch {
                report.failures.append("\(ImageFolder.joined(input, name)): \(error)")
            }
        }
        report.spreads.sort { $0.mean > $1.mean }
        return report
    }
}
