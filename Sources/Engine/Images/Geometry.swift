/// Resizing, cropping and padding. Each keeps what the image was read with — its colour profile
/// and the note on how its file was read: a scaled, cropped or padded photo is of the same photo.
extension Image {
    /// A rectangle of an image's pixels: its top-left pixel and its size.
    public typealias Region = (x: Int, y: Int, width: Int, height: Int)

    /// The image at `width × height`: area averaging along an axis that shrinks (every input
    /// pixel counts, so no aliasing), bilinear interpolation along one that grows.
    public func resized(width newWidth: Int, height newHeight: Int) throws -> Image {
        try Image.validate(width: newWidth, height: newHeight)
        let columns = ResamplingTaps(from: width, to: newWidth), rows = ResamplingTaps(from: height, to: newHeight)
        // Horizontal pass into height × newWidth, then vertical.
        var wide = [Float](repeating: 0, count: height * newWidth * 3)
        for y in 0..<height {
            for x in 0..<newWidth {
                var (r, g, b): (Float, Float, Float) = (0, 0, 0)
                for (source, weight) in columns.taps[x] {
                    let i = 3 * (y * width + source)
                    r += weight * pixels[i]; g += weight * pixels[i + 1]; b += weight * pixels[i + 2]
                }
                let o = 3 * (y * newWidth + x)
                wide[o] = r; wide[o + 1] = g; wide[o + 2] = b
            }
        }
        var out = [Float](repeating: 0, count: newHeight * newWidth * 3)
        let row = 3 * newWidth
        out.withUnsafeMutableBufferPointer { out in
            wide.withUnsafeBufferPointer { wide in
                for y in 0..<newHeight {
                    let o = y * row
                    for (source, weight) in rows.taps[y] {
                        let s = source * row
                        for i in 0..<row { out[o + i] += weight * wide[s + i] }
                    }
                    // An area's weights, each overlap/scale rounded to Float, add up to 1 only
                    // within a few ulps: a white region came out 1.0000002. Samples stay in
                    // [0, 1], as an image's must — a saved effect's pairs, clamped when read back,
                    // once failed their hashes for it.
                    for i in o..<(o + row) { out[i] = min(max(out[i], 0), 1) }
                }
            }
        }
        return try keepingReadFields(Image(width: newWidth, height: newHeight, pixels: out))
    }

    /// `image` with this image's colour profile and conversion note.
    func keepingReadFields(_ image: Image) -> Image {
        var image = image
        (image.colourProfile, image.conversion) = (colourProfile, conversion)
        return image
    }

    /// The image scaled so that its shorter side is `side`, then centre-cropped to `side × side`:
    /// how photos of any shape become a training set of one size.
    public func squared(to side: Int) throws -> Image {
        let scale = Double(side) / Double(min(width, height))
        let w = max(side, Int((Double(width) * scale).rounded())), h = max(side, Int((Double(height) * scale).rounded()))
        return try resized(width: w, height: h).centreCropped(width: side, height: side)
    }

    /// The image shrunk, keeping its aspect, so that its longer side is at most `side` (itself
    /// when it is): how a photo is shown, or tuned, at a size a notebook displays whole.
    public func shrunk(toFit side: Int) throws -> Image {
        let longer = max(width, height)
        guard longer > side else { return self }
        let scale = Double(side) / Double(longer)
        return try resized(width: max(1, Int((Double(width) * scale).rounded())), height: max(1, Int((Double(height) * scale).rounded())))
    }

    /// The image scaled, keeping its aspect, so that its longer side is `side`, and centred in a
    /// `side × side` square whose rest repeats its edge pixels (no border for a network to learn
    /// as an edge); with where in the square it lies.
    public func letterboxed(to side: Int) throws -> (image: Image, region: Region) {
        try Image.validate(width: side, height: side)
        let scale = Double(side) / Double(max(width, height))
        let (w, h) = (min(side, max(1, Int((Double(width) * scale).rounded()))), min(side, max(1, Int((Double(height) * scale).rounded()))))
        let content = w == width && h == height ? self : try resized(width: w, height: h)
        let (left, top) = ((side - w) / 2, (side - h) / 2)
        guard w < side || h < side else { return (content, (0, 0, side, side)) }
        var out = [Float](repeating: 0, count: side * side * 3)
        content.pixels.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { out in
                for y in 0..<side {
                    let row = min(max(y - top, 0), h - 1) * w
                    for x in 0..<side {
                        let (i, o) = (3 * (row + min(max(x - left, 0), w - 1)), 3 * (y * side + x))
                        out[o] = source[i]; out[o + 1] = source[i + 1]; out[o + 2] = source[i + 2]
                    }
                }
            }
        }
        return (try content.keepingReadFields(Image(width: side, height: side, pixels: out)), (left, top, w, h))
    }

    /// The central `width × height` region (which must fit inside the image).
    public func centreCropped(width newWidth: Int, height newHeight: Int) throws -> Image {
        guard newWidth <= width, newHeight <= height else {
            throw ImageError.invalidSize("cannot crop \(width)×\(height) to a larger \(newWidth)×\(newHeight)")
        }
        return try cropped(x: (width - newWidth) / 2, y: (height - newHeight) / 2, width: newWidth, height: newHeight)
    }

    /// The pixels of `region`, which must lie inside the image.
    public func cropped(to region: Region) throws -> Image {
        try cropped(x: region.x, y: region.y, width: region.width, height: region.height)
    }

    /// The `width × height` region whose top-left pixel is (`x`, `y`), which must lie inside the
    /// image.
    public func cropped(x x0: Int, y y0: Int, width newWidth: Int, height newHeight: Int) throws -> Image {
        guard x0 >= 0, y0 >= 0, newWidth >= 1, newHeight >= 1, x0 <= width - newWidth, y0 <= height - newHeight else {
            throw ImageError.invalidSize("a \(newWidth)×\(newHeight) region at (\(x0), \(y0)) does not lie inside a \(width)×\(height) image")
        }
        var out = [Float]()
        out.reserveCapacity(newWidth * newHeight * 3)
        for y in y0..<(y0 + newHeight) { out += pixels[(3 * (y * width + x0))..<(3 * (y * width + x0 + newWidth))] }
        return try keepingReadFields(Image(width: newWidth, height: newHeight, pixels: out))
    }

    /// The image with borders of `colour` added on each side.
    public func padded(top: Int, left: Int, bottom: Int, right: Int, colour: RGB = .black) throws -> Image {
        guard min(top, left, bottom, right) >= 0, max(top, left, bottom, right) <= Image.maximumSide else {
            throw ImageError.invalidSize("padding must be 0…\(Image.maximumSide) on each side, got \(top), \(left), \(bottom), \(right)")
        }
        var out = try Image(width: width + left + right, height: height + top + bottom, colour: colour)
        for y in 0..<height {
            let o = 3 * ((y + top) * out.width + left)
            out.pixels.replaceSubrange(o..<(o + 3 * width), with: pixels[(3 * y * width)..<(3 * (y + 1) * width)])
        }
        return keepingReadFields(out)
    }
}

/// For each output index along one axis, the input indices it reads and their weights.
struct ResamplingTaps {
    let taps: [[(Int, Float)]]

    init(from input: Int, to output: Int) {
        let scale = Double(input) / Double(output)
        if output < input {
            // Area: output pixel o covers input span [o·s, (o+1)·s).
            taps = (0..<output).map { o in
                let start = Double(o) * scale, end = start + scale
                return (Int(start)..<min(Int(end.rounded(.up)), input)).compactMap { i in
                    let overlap = min(end, Double(i + 1)) - max(start, Double(i))
                    return overlap > 0 ? (i, Float(overlap / scale)) : nil
                }
            }
        } else {
            // Bilinear with pixel centres aligned (identity when the sizes are equal).
            taps = (0..<output).map { o in
                let s = max((Double(o) + 0.5) * scale - 0.5, 0)
                let i0 = min(Int(s), input - 1), i1 = min(i0 + 1, input - 1)
                let t = Float(s - Double(i0))
                return t == 0 ? [(i0, Float(1))] : [(i0, 1 - t), (i1, t)]
            }
        }
    }
}
