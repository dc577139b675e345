import Foundation
import PNGCodec

/// Reading and writing PNG files through libpng (by way of the `PNGCodec` C target, which keeps
/// libpng's longjmp on the C side).
extension Image {
    /// zlib level and row filters for pictures shown inline: measured by `likewise bench images`,
    /// level 1 with the Sub filter encodes a 512×512 photo-like image in 11 ms here, six times
    /// faster than libpng's defaults (level 6, adaptive filters: 63 ms) for a file a fifth larger,
    /// and faster than level 1 with adaptive (17 ms) or no filtering (12 ms, and larger still).
    public struct PNGSettings: Sendable {
        public var level: Int32
        public var filters: Int32
        public init(level: Int32, filters: Int32) { (self.level, self.filters) = (level, filters) }

        /// Fast, for display.
        public static let display = PNGSettings(level: 1, filters: Int32(LIKEWISE_PNG_FILTER_SUB))
        /// libpng's own defaults: smaller and slower.
        public static let compact = PNGSettings(level: 6, filters: 0)
    }

    /// Decodes a PNG file; `name` (usually the path) appears in any error.
    public init(pngData data: [UInt8], name: String) throws {
        var image = likewise_png_image()
        var message = [CChar](repeating: 0, count: 256)
        let status = data.withUnsafeBufferPointer { bytes in
            likewise_png_decode(bytes.baseAddress, bytes.count, UInt64(Image.maximumPixels), UInt32(Image.maximumSide), &image, &message, message.count)
        }
        defer { likewise_png_free(image.icc) }
        guard status == 0, let rgb = image.rgb else {
            let reason = Image.codecText(message)
            throw ImageError.unreadable(path: name, reason: reason.isEmpty ? "not a readable PNG" : reason)
        }
        defer { likewise_png_free(rgb) }
        let count = Int(image.width) * Int(image.height) * 3
        try self.init(width: Int(image.width), height: Int(image.height),
                      pixels: Array(UnsafeBufferPointer(start: rgb, count: count)))
        conversion = Image.conversion(colourType: Int(image.color_type), bitDepth: Int(image.bit_depth))
        colourProfile = image.icc.map { Array(UnsafeBufferPointer(start: $0, count: image.icc_size)) }
    }

    /// What reading a PNG of this colour type and depth into RGB changes (nil: 8-bit RGB).
    static func conversion(colourType: Int, bitDepth: Int) -> String? {
        var changes: [String] = []
        switch colourType {
        case 0, 4: changes.append("grey, read as RGB")
        case 3: changes.append("a palette image, read as RGB")
        default: break
        }
        if colourType == 4 || colourType == 6 { changes.append("its transparency dropped (Likewise edits colour only)") }
        if bitDepth == 16 { changes.append("16 bits a sample, edited at full precision and written at 8") }
        return changes.isEmpty ? nil : changes.joined(separator: "; ")
    }

    /// The image as 8-bit PNG bytes: RGB, or RGBA when `alpha` gives an opacity (0…1) per pixel;
    /// its colour profile embedded (iCCP) when it has one.
    public func pngData(_ settings: PNGSettings = .display, alpha: [Float]? = nil) throws -> [UInt8] {
        if let alpha, alpha.count != width * height {
            throw ImageError.invalidSize("alpha needs one value per pixel (\(width * height)), got \(alpha.count)")
        }
        let channels = alpha == nil ? 3 : 4
        var bytes = [UInt8](repeating: 0, count: width * height * channels)
        for p in 0..<(width * height) {
            for c in 0..<3 { bytes[p * channels + c] = Image.byte(pixels[3 * p + c]) }
            if let alpha { bytes[p * channels + 3] = Image.byte(alpha[p]) }
        }
        var out: UnsafeMutablePointer<UInt8>? = nil
        var size = 0
        var message = [CChar](repeating: 0, count: 256)
        let profile = colourProfile ?? []
        let status = likewise_png_encode(bytes, UInt32(width), UInt32(height), Int32(channels), settings.level, settings.filters,
                                         profile, profile.count, &out, &size, &message, message.count)
        guard status == 0, let out else {
            throw ImageError.unwritable(path: "<memory>", reason: Image.codecText(message))
        }
        defer { likewise_png_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: size))
    }

}
