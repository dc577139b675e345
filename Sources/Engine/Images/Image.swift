/// An RGB picture with samples in [0, 1], row-major and interleaved (`R, G, B` per pixel).
///
/// A value type: images are passed around, captioned, gridded and compared far more often than
/// they are computed on, and value semantics keep that simple. `tensor` and `init(tensor:)` cross
/// into the engine's NHWC tensors.
public struct Image: Equatable, Sendable {
    public let width: Int
    public let height: Int
    /// `width × height × 3` samples.
    public var pixels: [Float]
    /// The ICC colour profile the image was read with (a JPEG's or a PNG's embedded one), written
    /// into the JPEG or PNG it is saved as: an edit of a photo in Display P3 or Adobe RGB keeps
    /// meaning those colours. nil: sRGB, as every image Likewise draws. Not part of `==`, which compares what
    /// the networks see: a training pair read from a JPEG is the pair saved without its profile.
    public var colourProfile: [UInt8]?

    /// What reading the file changed, in a few words ("grey, read as RGB; its transparency
    /// dropped"), so that a front end can say so in a line; nil when nothing did. Like the
    /// profile, not part of `==`.
    public var conversion: String?

    public static func == (a: Image, b: Image) -> Bool { a.width == b.width && a.height == b.height && a.pixels == b.pixels }

    /// An image of one colour.
    public init(width: Int, height: Int, colour: RGB = .black) throws {
        try Image.validate(width: width, height: height)
        self.width = width
        self.height = height
        pixels = [Float](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) { pixels[3 * i] = colour.r; pixels[3 * i + 1] = colour.g; pixels[3 * i + 2] = colour.b }
    }

    /// An image from interleaved RGB samples.
    public init(width: Int, height: Int, pixels: [Float]) throws {
        try Image.validate(width: width, height: height)
        guard pixels.count == width * height * 3 else {
            throw ImageError.invalidSize("\(width)×\(height) RGB needs \(width * height * 3) samples, got \(pixels.count)")
        }
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// The largest image: 100 megapixels — beyond any phone's and most cameras' — and 16384 px
    /// on a side (a panorama). A 100 MP float image is 1.2 GB; an edit holds the photo and its
    /// result. Files are checked against it from their headers, before any pixel is decoded.
    public static let maximumPixels = 100_000_000, maximumSide = 16384

    static func validate(width: Int, height: Int) throws {
        guard (1...maximumSide).contains(width), (1...maximumSide).contains(height), width * height <= maximumPixels else {
            throw ImageError.invalidSize("\(width)×\(height): each side must be 1…\(maximumSide) pixels, and the whole at most \(maximumPixels / 1_000_000) megapixels")
        }
    }

    /// The colour at column `x`, row `y` (which must lie inside the image).
    public subscript(x: Int, y: Int) -> RGB {
        get {
            let i = 3 * (y * width + x)
            return RGB(pixels[i], pixels[i + 1], pixels[i + 2])
        }
        set {
            let i = 3 * (y * width + x)
            pixels[i] = newValue.r; pixels[i + 1] = newValue.g; pixels[i + 2] = newValue.b
        }
    }

    /// The image as a `[1, H, W, 3]` tensor.
    public var tensor: Tensor {
        get throws { try Tensor(shape: [1, height, width, 3], scalars: pixels) }
    }

    /// Image `index` of an NHWC tensor with 3 channels, clamped to [0, 1].
    public init(tensor: Tensor, index: Int = 0) throws {
        guard tensor.rank == 4, tensor.shape[3] == 3, (0..<tensor.shape[0]).contains(index) else {
            throw ImageError.invalidSize("a tensor \(tensor.shape.shapeText) has no RGB image \(index) (expected [N, H, W, 3])")
        }
        let (h, w) = (tensor.shape[1], tensor.shape[2])
        let values = tensor.withUnsafeBufferPointer { Array($0[(index * h * w * 3)..<((index + 1) * h * w * 3)]) }
        try self.init(width: w, height: h, pixels: values.map { $0.isNaN ? 0 : min(max($0, 0), 1) })
    }

    /// A batch `[N, H, W, 3]` of images that all have the same size.
    public static func batch(_ images: [Image]) throws -> Tensor {
        guard let first = images.first else { throw ImageError.invalidSize("an empty list of images makes no batch") }
        for (i, image) in images.enumerated() where image.width != first.width || image.height != first.height {
            throw ImageError.invalidSize("image \(i) is \(image.width)×\(image.height) but image 0 is \(first.width)×\(first.height); a batch needs one size")
        }
        return try Tensor(shape: [images.count, first.height, first.width, 3], scalars: images.flatMap(\.pixels))
    }
}

/// A colour with components in [0, 1].
public struct RGB: Equatable, Sendable {
    public var r, g, b: Float
    public init(_ r: Float, _ g: Float, _ b: Float) { (self.r, self.g, self.b) = (r, g, b) }

    public static let black = RGB(0, 0, 0)
    public static let white = RGB(1, 1, 1)

    /// `self·(1−t) + other·t`.
    public func mixed(with other: RGB, _ t: Float) -> RGB {
        RGB(r + (other.r - r) * t, g + (other.g - g) * t, b + (other.b - b) * t)
    }

    /// Each component times `s`.
    public func scaled(_ s: Float) -> RGB { RGB(r * s, g * s, b * s) }

    /// From hue (radians, 0 = red, 2π/3 = green), saturation and value in [0, 1].
    public static func hsv(hue: Float, saturation: Float, value: Float) -> RGB {
        let turns = hue / (2 * .pi)
        let h = (turns - turns.rounded(.down)) * 6
        let sector = Int(h) % 6, f = h - Float(Int(h))
        let p = value * (1 - saturation), q = value * (1 - saturation * f), t = value * (1 - saturation * (1 - f))
        switch sector {
        case 0: return RGB(value, t, p)
        case 1: return RGB(q, value, p)
        case 2: return RGB(p, value, t)
        case 3: return RGB(p, q, value)
        case 4: return RGB(t, p, value)
        default: return RGB(value, p, q)
        }
    }
}

/// What can be wrong with an image or a request about one.
public enum ImageError: Error, CustomStringConvertible, Equatable {
    case invalidSize(String)
    /// A file that could not be read or decoded: the path and what is wrong.
    case unreadable(path: String, reason: String)
    /// A file that could not be written: the path and what went wrong.
    case unwritable(path: String, reason: String)

    public var description: String {
        switch self {
        case let .invalidSize(text): return "image size: \(text)"
        case let .unreadable(path, reason): return "\(path): \(reason)"
        case let .unwritable(path, reason): return "\(path): cannot write: \(reason)"
        }
    }
}
