/// How an edit made at the networks' working size comes back at the photo's own size.
///
/// Each lift is a base computed from the full-resolution photo plus, for all but `grid`, what the
/// base misses at the working size scaled up bilinearly: at the working size itself every lift
/// with a remainder gives the networks' edit exactly, and at full resolution they differ in what
/// they keep of the photo's own detail.
public enum Lift: String, NamedChoice, Sendable, Codable {
    public static let choiceName = "lift"

    /// The networks' output scaled up bilinearly (the base is nothing): the baseline, which loses
    /// every detail finer than the working size.
    case upsample
    /// The photo plus the edit's change scaled up: x + ↑(y − x↓). Outside the edit the photo
    /// comes back untouched; a change that depends on the pixel's own colour (a grade, a
    /// recolour of a textured region) comes back blurred across edges.
    case detail
    /// Bilateral guided upsampling: the photo mapped by a `BilateralGrid` fitted between x↓ and
    /// the edit. Colour edits come back sharp; what no colour map can express (a shape moved, a
    /// stroke drawn) is lost.
    case grid
    /// `grid`, plus what the grid misses at the working size scaled up: sharp colour edits and,
    /// blurred, the rest.
    case residual

    /// `edit` — the networks' output for `low`, which is `source` scaled to the edit's size — at
    /// `source`'s size, in [0, 1]. An edit already at `source`'s size is returned as it is.
    public func lifted(_ edit: Image, of low: Image, to source: Image) throws -> Image {
        guard low.width == edit.width, low.height == edit.height else {
            throw EngineError.shapeMismatch(op: "lift", lhs: [low.height, low.width], rhs: [edit.height, edit.width],
                                            expected: "the edit at the size of the image it edited")
        }
        if source.width == edit.width, source.height == edit.height { return edit }
        let grid = self == .grid || self == .residual ? try BilateralGrid.fit(from: low, to: edit) : nil
        var remainder: [Float]?
        switch self {
        case .upsample: remainder = edit.pixels
        case .detail: remainder = zip(edit.pixels, low.pixels).map { $0 - $1 }
        case .grid: remainder = nil
        case .residual:
            let mapped = Lift.pass(guide: low, grid: grid, keepsGuide: false, remainder: nil, clamps: false)
            remainder = zip(edit.pixels, mapped).map { $0 - $1 }
        }
        let pixels = Lift.pass(guide: source, grid: grid, keepsGuide: self == .detail,
                               remainder: remainder.map { (edit.width, edit.height, $0) }, clamps: true)
        return try Image(width: source.width, height: source.height, pixels: pixels)
    }

    /// One pass over `guide`'s pixels: each mapped by `grid` (or kept when `keepsGuide`, or
    /// nothing), plus `remainder` (a low-resolution RGB image) resampled bilinearly at the pixel,
    /// clamped to [0, 1] when `clamps`. Rows are split between the engine's threads.
    static func pass(guide: Image, grid: BilateralGrid?, keepsGuide: Bool,
                     remainder: (width: Int, height: Int, pixels: [Float])?, clamps: Bool) -> [Float] {
        let (width, height) = (guide.width, guide.height)
        let columns = grid.map { GridAxis(samples: width, cells: $0.columns) }, levels = grid?.levels ?? 1
        let remainderXs = remainder.map { BilinearTaps(from: $0.width, to: width) }
        let remainderYs = remainder.map { BilinearTaps(from: $0.height, to: height) }
        let emptyRemainder: [Float] = []
        return [Float](unsafeUninitializedCapacity: width * height * 3) { out, count in
            guide.pixels.withUnsafeBufferPointer { guidePixels in
                (remainder?.pixels ?? emptyRemainder).withUnsafeBufferPointer { rest in
                    let g = guidePixels.baseAddress!, o = out.baseAddress!
                    func row(_ y: Int, _ maps: UnsafePointer<Float>?) {
                        for x in 0..<width {
                            let p = 3 * (y * width + x)
                            let (r, gr, b) = (g[p], g[p + 1], g[p + 2])
                            var value = keepsGuide ? (r, gr, b) : (Float(0), Float(0), Float(0))
                            if let maps, let columns {
                                // The four maps around (x, luma) of this row's y-blended maps.
                                let (c0, c1, fx) = columns[x]
                                let (l0, l1, fl) = GridAxis.level(BilateralGrid.luma(r, gr, b), levels: levels)
                                value = (0, 0, 0)
                                for corner in 0..<4 {
                                    let w = (corner & 2 == 0 ? 1 - fx : fx) * (corner & 1 == 0 ? 1 - fl : fl)
                                    let m = maps + ((corner & 2 == 0 ? c0 : c1) * levels + (corner & 1 == 0 ? l0 : l1)) * 12
                                    value.0 += w * (m[0] * r + m[1] * gr + m[2] * b + m[3])
                                    value.1 += w * (m[4] * r + m[5] * gr + m[6] * b + m[7])
                                    value.2 += w * (m[8] * r + m[9] * gr + m[10] * b + m[11])
                                }
                            }
                            if let remainder, let xs = remainderXs, let ys = remainderYs {
                                let (y0, y1, wy) = ys[y], (x0, x1, wx) = xs[x]
                                let top0 = 3 * (y0 * remainder.width + x0), top1 = 3 * (y0 * remainder.width + x1)
                                let bottom0 = 3 * (y1 * remainder.width + x0), bottom1 = 3 * (y1 * remainder.width + x1)
                                func at(_ k: Int) -> Float {
                                    let top = rest[top0 + k] + wx * (rest[top1 + k] - rest[top0 + k])
                                    let bottom = rest[bottom0 + k] + wx * (rest[bottom1 + k] - rest[bottom0 + k])
                                    return top + wy * (bottom - top)
                                }
                                value.0 += at(0); value.1 += at(1); value.2 += at(2)
                            }
                            if clamps { value = (min(max(value.0, 0), 1), min(max(value.1, 0), 1), min(max(value.2, 0), 1)) }
                            o[p] = value.0; o[p + 1] = value.1; o[p + 2] = value.2
                        }
                    }
                    if let grid {
                        grid.forEachRow(width: width, height: height) { y, maps in row(y, maps) }
                    } else {
                        Threads.parallelFor(height, grain: max(1, 32_768 / max(width, 1))) { rows in
                            for y in rows { row(y, nil) }
                        }
                    }
                }
            }
            count = width * height * 3
        }
    }
}
