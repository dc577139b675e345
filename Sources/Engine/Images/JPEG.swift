import Foundation
import JPEGCodec

/// Reading and writing JPEG files through libjpeg-turbo (by way of the `JPEGCodec` C target,
/// which keeps libjpeg's longjmp on the C side).
extension Image {
    /// What a JPEG file held beside its pixels.
    public struct JPEGFile: Sendable {
        /// The image the right way up: the file's EXIF orientation applied, as a photo viewer shows it.
        public var image: Image
        /// The file's colour components (1: grey, read as RGB; 3: colour), whether it was
        /// progressive, and its EXIF orientation (1–8; 1 when it had none).
        public var components: Int, progressive: Bool, orientation: Int
        /// The embedded ICC colour profile, if any.
        public var iccProfile: [UInt8]?
    }

    /// The quality `save` writes a JPEG at unless told otherwise (what photo tools default to
    /// for a photo to keep, above the web's 75–85).
    public static let defaultJPEGQuality = 92

    /// Decodes a JPEG file (baseline or progressive, colour or grey); `name` (usually the path)
    /// appears in any error. CMYK files, files larger than `maximumPixels` or `maximumSide` and damaged
    /// or truncated files are refused, saying which.
    public static func decodeJPEG(_ data: [UInt8], name: String) throws -> JPEGFile {
        var decoded = likewise_jpeg_image()
        var message = [CChar](repeating: 0, count: 256)
        let status = data.withUnsafeBufferPointer { bytes in
            likewise_jpeg_decode(bytes.baseAddress, bytes.count, UInt64(Image.maximumPixels), UInt32(Image.maximumSide), &decoded, &message, message.count)
        }
        guard status == 0, let rgb = decoded.rgb else {
            let reason = Image.codecText(message)
            throw ImageError.unreadable(path: name, reason: reason.isEmpty ? "not a readable JPEG" : reason)
        }
        defer {
            likewise_jpeg_free(rgb)
            likewise_jpeg_free(decoded.icc)
        }
        let count = Int(decoded.width) * Int(decoded.height) * 3
        let stored = try Image(width: Int(decoded.width), height: Int(decoded.height), pixels: Array(UnsafeBufferPointer(start: rgb, count: count)))
        let profile = decoded.icc.map { Array(UnsafeBufferPointer(start: $0, count: decoded.icc_size)) }
        var image = try stored.oriented(exif: Int(decoded.orientation))
        image.colourProfile = profile
        image.conversion = decoded.components == 1 ? "grey, read as RGB" : nil
        return JPEGFile(image: image, components: Int(decoded.components),
                        progressive: decoded.progressive != 0, orientation: Int(decoded.orientation), iccProfile: profile)
    }

    /// The image as JPEG bytes at `quality` (1–100), with `iccProfile` (default: the image's
    /// own `colourProfile`) embedded when there is one.
    public func jpegData(quality: Int = Image.defaultJPEGQuality, iccProfile given: [UInt8]? = nil) throws -> [UInt8] {
        let iccProfile = given ?? colourProfile
        guard (1...100).contains(quality) else { throw ImageError.invalidSize("JPEG quality must be 1…100, got \(quality)") }
        let bytes = eightBitSamples()
        var out: UnsafeMutablePointer<UInt8>? = nil
        var size = 0
        var message = [CChar](repeating: 0, count: 256)
        let status = (iccProfile ?? []).withUnsafeBufferPointer { profile in
            likewise_jpeg_encode(bytes, UInt32(width), UInt32(height), Int32(quality), iccProfile == nil ? nil : profile.baseAddress,
                                 profile.count, &out, &size, &message, message.count)
        }
        guard status == 0, let out else { throw ImageError.unwritable(path: "<memory>", reason: Image.codecText(message)) }
        defer { likewise_jpeg_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: size))
    }

    /// The image as it should be shown, given a JPEG's EXIF orientation (1–8): 2 mirrored, 3
    /// turned half a turn, 4 flipped, 5 transposed, 6 turned a quarter clockwise, 7 transposed
    /// across the other diagonal, 8 turned a quarter anticlockwise; anything else as it is.
    func oriented(exif orientation: Int) throws -> Image {
        guard (2...8).contains(orientation) else { return self }
        let (w, h) = (width, height)
        let turns = orientation >= 5
        let (outWidth, outHeight) = turns ? (h, w) : (w, h)
        var out = [Float](repeating: 0, count: pixels.count)
        pixels.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { target in
                for y in 0..<outHeight {
                    for x in 0..<outWidth {
                        let (sx, sy): (Int, Int)
                        switch orientation {
                        case 2: (sx, sy) = (w - 1 - x, y)
                        case 3: (sx, sy) = (w - 1 - x, h - 1 - y)
                        case 4: (sx, sy) = (x, h - 1 - y)
                        case 5: (sx, sy) = (y, x)
                        case 6: (sx, sy) = (y, h - 1 - x)
                        case 7: (sx, sy) = (w - 1 - y, h - 1 - x)
                        default: (sx, sy) = (w - 1 - y, x)
                        }
                        let (from, to) = (3 * (sy * w + sx), 3 * (y * outWidth + x))
                        target[to] = source[from]
                        target[to + 1] = source[from + 1]
                        target[to + 2] = source[from + 2]
                    }
                }
            }
        }
        return try Image(width: outWidth, height: outHeight, pixels: out)
    }
}
