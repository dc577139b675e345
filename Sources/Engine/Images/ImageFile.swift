import Foundation

/// The image files Likewise reads and writes: PNG and JPEG, recognised by their first bytes when
/// read (whatever the name says) and chosen by the extension when written.
public enum ImageFormat: String, Sendable, CaseIterable {
    case png, jpeg

    /// The format `path`'s extension names, in any case (`.png`; `.jpg`, `.jpeg`), or nil.
    public init?(extensionOf path: String) {
        switch (path as NSString).pathExtension.lowercased() {
        case "png": self = .png
        case "jpg", "jpeg": self = .jpeg
        default: return nil
        }
    }

    /// The format whose signature `data` starts with, or nil.
    public init?(signatureOf data: some Collection<UInt8>) {
        if data.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { self = .png }
        else if data.starts(with: [0xFF, 0xD8, 0xFF]) { self = .jpeg }
        else { return nil }
    }

    /// What an unsupported file is told: the formats there are.
    public static let supported = "Likewise reads and writes PNG and JPEG (.png, .jpg, .jpeg)"
}

extension Image {
    /// Reads a PNG (any colour type and bit depth, interlaced too) or a JPEG (baseline or
    /// progressive, colour or grey, turned by its EXIF orientation) as RGB. Errors name the file.
    public init(contentsOf path: String) throws {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            throw ImageError.unreadable(path: path, reason: "is a folder, not an image file")
        }
        // Said before reading: Foundation's read of an empty file leaks its buffer (LeakSanitizer
        // caught it), and an empty file needs no reading to be named.
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber, size.intValue == 0 {
            throw ImageError.unreadable(path: path, reason: "is empty (0 bytes)")
        }
        let data: [UInt8]
        do {
            data = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read (\(error.localizedDescription))" : "no such file"
            throw ImageError.unreadable(path: path, reason: reason)
        }
        // The content decides; a file whose content is neither gets the decoder its name asks for
        // (and so its message), or the list of formats.
        switch ImageFormat(signatureOf: data) ?? ImageFormat(extensionOf: path) {
        case .png: try self.init(pngData: data, name: path)
        case .jpeg: self = try Image.decodeJPEG(data, name: path).image
        case nil: throw ImageError.unreadable(path: path, reason: "neither a PNG nor a JPEG file (\(ImageFormat.supported))")
        }
    }

    /// Writes the image in the format `path`'s extension names — JPEG at `jpegQuality` for
    /// `.jpg`/`.jpeg`, PNG for `.png` and any other name (the language's `save` asks for one of
    /// the three) — atomically: the file appears whole or not at all, and a previous version
    /// survives a failed write.
    public func write(to path: String, jpegQuality: Int = Image.defaultJPEGQuality) throws {
        let bytes = ImageFormat(extensionOf: path) == .jpeg ? try jpegData(quality: jpegQuality) : try pngData()
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw ImageError.unwritable(path: path, reason: error.localizedDescription)
        }
    }

    /// One line saying which of `files` (a name and the image read from it) reading changed, and
    /// how — "note: a.png: grey, read as RGB", or for several the first three and a count —
    /// nil when none: conversions are said, never made silently.
    public static func conversionNote(_ files: [(name: String, image: Image)]) -> String? {
        conversionNote(files.compactMap { file in file.image.conversion.map { "\(file.name): \($0)" } })
    }

    /// `conversionNote` of changes already written "NAME: what changed".
    public static func conversionNote(_ changed: [String]) -> String? {
        guard !changed.isEmpty else { return nil }
        let more = changed.count > 3 ? " and \(changed.count - 3) more" : ""
        return "note: " + (changed.count == 1 ? changed[0] : "\(changed.count) files read with changes — " + changed.prefix(3).joined(separator: "; ") + more)
    }

    /// A sample in [0, 1] as a byte, rounded (NaN as 0).
    static func byte(_ v: Float) -> UInt8 { v.isNaN ? 0 : UInt8(min(max(v, 0), 1) * 255 + 0.5) }

    /// The samples as bytes, RGB interleaved.
    func eightBitSamples() -> [UInt8] { pixels.map(Image.byte) }

    /// A codec's NUL-terminated message as a string.
    static func codecText(_ message: [CChar]) -> String {
        String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
