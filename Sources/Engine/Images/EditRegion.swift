import Foundation

/// Where an edit happens, and so where an editor is judged: the pixels whose truth differs from
/// the source by more than `threshold` in any channel, grown by `dilation` pixels (a square
/// neighbourhood) so the edit's soft borders count too.
///
/// Whole-image PSNR cannot tell a small edit from none — an editor that returns its input scores
/// 39 dB on an edit covering 2.5 % of the image — so every evaluation reports the PSNR over this
/// region and its share of the image beside the whole-image numbers.
public struct EditRegion: Sendable, Equatable {
    public let width: Int, height: Int
    /// One flag per pixel, row-major.
    public let mask: [Bool]

    /// The region of the edit that turns `source` into `truth`.
    public init(source: Image, truth: Image, threshold: Float = 0.02, dilation: Int = 2) throws {
        guard source.width == truth.width, source.height == truth.height else {
            throw ImageError.invalidSize("an edit region needs a source and truth of one size, got \(source.width)×\(source.height) and \(truth.width)×\(truth.height)")
        }
        let (w, h) = (source.width, source.height)
        var changed = [Bool](repeating: false, count: w * h)
        for p in 0..<(w * h) {
            changed[p] = (0..<3).contains { abs(truth.pixels[3 * p + $0] - source.pixels[3 * p + $0]) > threshold }
        }
        var grown = changed
        let reach = max(dilation, 0)
        for y in 0..<h {
            for x in 0..<w where !changed[y * w + x] {
                search: for dy in -reach...reach {
                    for dx in -reach...reach {
                        let (nx, ny) = (x + dx, y + dy)
                        if nx >= 0, nx < w, ny >= 0, ny < h, changed[ny * w + nx] { grown[y * w + x] = true; break search }
                    }
                }
            }
        }
        (width, height, mask) = (w, h, grown)
    }

    /// The rest of the image: where the edit changes nothing, and an editor should keep the source.
    public var outside: EditRegion { EditRegion(width: width, height: height, mask: mask.map { !$0 }) }

    private init(width: Int, height: Int, mask: [Bool]) { (self.width, self.height, self.mask) = (width, height, mask) }

    /// The share of the image inside the region, 0…1.
    public var cover: Double { Double(mask.filter { $0 }.count) / Double(max(mask.count, 1)) }

    /// PSNR in dB between `a` and `b` over the region's pixels (all three channels); nil when the
    /// region is empty, +∞ when they agree there.
    public func psnr(_ a: Image, _ b: Image) throws -> Double? {
        guard a.width == width, a.height == height, b.width == width, b.height == height else {
            throw ImageError.invalidSize("edit-region PSNR of \(a.width)×\(a.height) and \(b.width)×\(b.height) images over a \(width)×\(height) region")
        }
        var total: Double = 0, count = 0
        for p in 0..<mask.count where mask[p] {
            for c in 0..<3 { let d = Double(a.pixels[3 * p + c] - b.pixels[3 * p + c]); total += d * d }
            count += 3
        }
        guard count > 0 else { return nil }
        return total == 0 ? .infinity : 10 * log10(Double(count) / total)
    }

    /// Per-pixel loss weights `[1, H, W, 1]` with mean 1 that give the region and the rest of the
    /// image half of the loss each, so an edit covering 2 % of the image is learned rather than
    /// averaged away (its pixels weigh 25× the others'), while one covering 40 % is weighted
    /// mildly (1.25× against 0.83×). An empty or full region weighs every pixel 1.
    public func balancedLossWeights() throws -> Tensor {
        let inside = mask.filter { $0 }.count, outside = mask.count - inside
        guard inside > 0, outside > 0 else { return try Tensor(shape: [1, height, width, 1], repeating: 1) }
        let total = Float(mask.count)
        let (win, wout) = (0.5 * total / Float(inside), 0.5 * total / Float(outside))
        return try Tensor(shape: [1, height, width, 1], scalars: mask.map { $0 ? win : wout })
    }
}
