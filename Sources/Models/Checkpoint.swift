import Crypto
import Engine
import Foundation

#if !_endian(little)
#error("checkpoints copy Float32 memory as the little-endian bytes safetensors stores")
#endif

/// Named Float32 tensors and string metadata in one safetensors file
/// (https://github.com/huggingface/safetensors: an 8-byte little-endian header length, a JSON
/// header naming each tensor's dtype, shape and byte range, then the raw little-endian bytes), so
/// that the `safetensors` package (Python's, as PyTorch users load weights) reads what Likewise writes.
///
/// Writing is atomic and durable: the bytes go to a partial file beside the target, which is
/// flushed to disk and then renamed over it, so a process killed in the middle of a save leaves the
/// previous checkpoint whole. Every tensor's SHA-256 goes into the header (`checkpoint.sha256`,
/// JSON: name → hex), and reading checks each one, so that a damaged tensor is named rather than
/// loaded; files written before the digests existed are read without them. Reading checks every
/// other field too and names the file and the problem.
public struct Checkpoint {
    /// The tensors in file order, by name (`model.conv1.weight`).
    public var tensors: [(name: String, tensor: Tensor)]
    /// Strings about the tensors (`__metadata__` in the header): version, step, configuration.
    /// The digests are the file's, not the metadata's: written and checked, never listed here.
    public var metadata: [String: String]
    /// The tensors read whose bytes do not match their digests, among those the reader said it
    /// could do without (see `init(bytes:path:mayBeDamaged:)`); empty for a whole file.
    public private(set) var damaged: [String] = []

    /// The header's key for the tensors' digests.
    static let digestsKey = "checkpoint.sha256"

    public init(tensors: [(name: String, tensor: Tensor)] = [], metadata: [String: String] = [:]) {
        (self.tensors, self.metadata) = (tensors, metadata)
    }

    /// The tensor named `name`.
    public func tensor(_ name: String) -> Tensor? { tensors.first { $0.name == name }?.tensor }

    // MARK: Writing

    /// The file's bytes: header length, JSON header (padded with spaces to a multiple of 8, so the
    /// data is aligned), data.
    public func encoded() throws -> [UInt8] {
        var header: [String: Any] = [:]
        var offset = 0
        for (name, tensor) in tensors {
            guard name != "__metadata__", header[name] == nil else {
                throw CheckpointError.invalid(path: "(writing)", reason: "two tensors are named '\(name)'")
            }
            header[name] = ["dtype": "F32", "shape": tensor.shape, "data_offsets": [offset, offset + 4 * tensor.count]] as [String: Any]
            offset += 4 * tensor.count
        }
        var described = metadata
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys  // the same checkpoint, the same bytes
        described[Checkpoint.digestsKey] = String(decoding: try encoder.encode(
            Dictionary(tensors.map { ($0.name, Checkpoint.digest(of: $0.tensor)) }, uniquingKeysWith: { first, _ in first })), as: UTF8.self)
        header["__metadata__"] = described
        var json = Array(try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
        while (8 + json.count) % 8 != 0 { json.append(0x20) }
        var bytes = [UInt8]()
        bytes.reserveCapacity(8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { bytes += $0 }
        bytes += json
        for (_, tensor) in tensors {
            // Float32 in memory is already little-endian on every machine Swift runs Likewise on.
            tensor.withUnsafeBufferPointer { bytes += UnsafeRawBufferPointer($0) }
        }
        return bytes
    }

    /// Writes the checkpoint to `path` atomically and durably (see the type's summary).
    public func write(to path: String) throws {
        let bytes = try encoded()
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        // One partial file per target: a save killed half-way leaves it behind, and the next save
        // of the same checkpoint overwrites it.
        let partial = folder + "/." + url.lastPathComponent + ".partial"
        func fail(_ what: String) -> CheckpointError {
            .unwritable(path: path, reason: "\(what): \(String(cString: strerror(errno)))")
        }
        let fd = open(partial, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw fail("cannot create \(partial)") }
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { close(fd); throw fail("cannot write") }
            written += n
        }
        guard fsync(fd) == 0 else { close(fd); throw fail("cannot flush to disk") }
        close(fd)
        guard rename(partial, path) == 0 else { throw fail("cannot move \(partial) into place") }
        // The rename itself is durable once the folder is flushed.
        let dir = open(folder, O_RDONLY)
        if dir >= 0 { _ = fsync(dir); close(dir) }
    }

    // MARK: Reading

    /// Reads a checkpoint from `path` (see `init(bytes:path:mayBeDamaged:)`).
    public init(contentsOf path: String, mayBeDamaged tolerated: (String) -> Bool = { _ in false }) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CheckpointError.invalid(path: path, reason: FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such file")
        }
        try self.init(bytes: Array(data), path: path, mayBeDamaged: tolerated)
    }

    /// Parses a checkpoint's bytes; `path` names it in errors. A tensor that fails its digest is
    /// an error naming it, unless `tolerated` says the reader can do without it (or checks it in
    /// its own way): then it is read as it is and listed in `damaged`.
    public init(bytes: [UInt8], path: String, mayBeDamaged tolerated: (String) -> Bool = { _ in false }) throws {
        func invalid(_ reason: String) -> CheckpointError { .invalid(path: path, reason: reason) }
        // A picture or any other file given where an effect belongs is named as what it is, not
        // read as a header of absurd length.
        if let image = ImageFormat(signatureOf: bytes.prefix(8)) {
            throw invalid("it is a \(image == .png ? "PNG" : "JPEG") image, not a saved effect (likewise train --out, or save(m, …), writes one)")
        }
        guard bytes.count >= 8 else { throw invalid("\(bytes.count) bytes: too short for a safetensors header (truncated?)") }
        guard bytes.count == 8 || bytes[8] == UInt8(ascii: "{") else {
            throw invalid("not a safetensors file: its header is not a JSON object (likewise train --out, or save(m, …), writes one)")
        }
        let headerLength = bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw invalid("the header claims \(headerLength) bytes but the file has \(bytes.count - 8) after its length (truncated?)")
        }
        let dataStart = 8 + Int(headerLength)
        guard let header = (try? JSONSerialization.jsonObject(with: Data(bytes[8..<dataStart]))) as? [String: Any] else {
            throw invalid("the header is not a JSON object")
        }
        var metadata: [String: String] = [:]
        if let raw = header["__metadata__"] {
            guard let strings = raw as? [String: String] else { throw invalid("__metadata__ must map strings to strings") }
            metadata = strings
        }
        let dataLength = bytes.count - dataStart
        var entries: [(name: String, shape: [Int], start: Int, end: Int)] = []
        for (name, value) in header where name != "__metadata__" {
            guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
                  let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int], offsets.count == 2 else {
                throw invalid("tensor '\(name)' needs dtype, shape and data_offsets [begin, end]")
            }
            guard dtype == "F32" else { throw invalid("tensor '\(name)' is \(dtype); Likewise reads F32 tensors") }
            guard shape.count <= 4, shape.allSatisfy({ (0...(1 << 30)).contains($0) }) else {
                throw invalid("tensor '\(name)' has shape \(shape); expected rank 0 to 4 with extents up to 2^30")
            }
            let count = shape.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }
            guard offsets[0] >= 0, offsets[0] <= offsets[1], offsets[1] <= dataLength else {
                throw invalid("tensor '\(name)' spans bytes \(offsets[0])..<\(offsets[1]) of \(dataLength) (truncated?)")
            }
            guard count <= (1 << 30), offsets[1] - offsets[0] == 4 * count else {
                throw invalid("tensor '\(name)' of shape \(shape) needs \(4 * min(count, 1 << 30)) bytes, its range has \(offsets[1] - offsets[0])")
            }
            entries.append((name, shape, offsets[0], offsets[1]))
        }
        entries.sort { ($0.start, $0.end) < ($1.start, $1.end) }
        var covered = 0
        for entry in entries {
            guard entry.start == covered else { throw invalid("tensor '\(entry.name)' starts at byte \(entry.start), expected \(covered): ranges overlap or leave gaps") }
            covered = entry.end
        }
        guard covered == dataLength else { throw invalid("\(dataLength - covered) bytes after the last tensor belong to none") }
        tensors = try entries.map { entry in
            let tensor = try Tensor.zeros(entry.shape)
            tensor.withUnsafeMutableBufferPointer { values in
                bytes.withUnsafeBytes { raw in
                    UnsafeMutableRawBufferPointer(values).copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[(dataStart + entry.start)..<(dataStart + entry.end)]))
                }
            }
            return (entry.name, tensor)
        }
        if let text = metadata.removeValue(forKey: Checkpoint.digestsKey) {
            guard let digests = try? JSONDecoder().decode([String: String].self, from: Data(text.utf8)) else {
                throw invalid("its \(Checkpoint.digestsKey) is not a JSON object of names and digests")
            }
            let failing = tensors.filter { digests[$0.name] != Checkpoint.digest(of: $0.tensor) }.map(\.name)
            let fatal = failing.filter { !tolerated($0) }
            if let first = fatal.first {
                let agreement = fatal.count == 1 ? "does not match the SHA-256 saved with it" : "do not match the SHA-256 saved with them"
                throw invalid("\(fatal.count) of its \(tensors.count) tensors \(agreement) ('\(first)' first): the file is damaged")
            }
            damaged = failing
        }
        self.metadata = metadata
    }

    /// A tensor's SHA-256, as hex.
    static func digest(of tensor: Tensor) -> String {
        var hasher = SHA256()
        tensor.withUnsafeBufferPointer { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}


extension Checkpoint {
    /// The tensor for each of `targets` (by name), after checking that each is there with the
    /// target's shape; `path` names the file in errors.
    public func tensors(matching targets: [(name: String, tensor: Tensor)], path: String) throws -> [Tensor] {
        try targets.map { name, target in
            guard let source = tensor(name) else {
                throw CheckpointError.mismatch(path: path, reason: "it has no tensor '\(name)': it was saved from another kind of model or preset")
            }
            guard source.shape == target.shape else {
                throw CheckpointError.mismatch(path: path, reason: "its '\(name)' has shape \(source.shape), this model's has \(target.shape): another preset?")
            }
            return source
        }
    }

    /// Copies each of `sources` into the tensor of `targets` at the same index (shapes checked
    /// by `tensors(matching:path:)`).
    public static func copy(_ sources: [Tensor], into targets: [Tensor]) {
        for (source, target) in zip(sources, targets) {
            target.withUnsafeMutableBufferPointer { destination in
                source.withUnsafeBufferPointer { _ = destination.update(fromContentsOf: $0) }
            }
        }
    }
}

/// A checkpoint that cannot be read, written or used: the file and what is wrong.
public enum CheckpointError: Error, CustomStringConvertible, Equatable {
    case invalid(path: String, reason: String)
    case unwritable(path: String, reason: String)
    /// A readable checkpoint that does not fit what it is loaded into (another preset or version).
    case mismatch(path: String, reason: String)

    public var description: String {
        switch self {
        case let .invalid(path, reason): return "\(path): not a usable checkpoint: \(reason)"
        case let .unwritable(path, reason): return "\(path): cannot save: \(reason)"
        case let .mismatch(path, reason): return "\(path): \(reason)"
        }
    }
}
