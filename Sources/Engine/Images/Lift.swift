import Foundation

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
    /// `residual` where a colour map explains the edit, `upsample` where none does. Where an
    /// effect moves a shape (an eye closed, a smile widened, a stroke drawn) every lift that keeps
    /// the photo's detail keeps the detail of the old shape — the open eye shows through the
    /// closed one — and the blurred upsampling is nearer the truth; elsewhere the photo's own
    /// detail is worth keeping. Each working-size pixel's gate is exp(−(e/τ)²) of the grid's
    /// misfit e there (the mean |y − grid(x↓)| over its 3×3 neighbourhood's worst pixel), scaled
    /// up with the edit; at the working size it gives the networks' edit exactly, as every lift does.
    case adaptive

    /// The grid's misfit at which `adaptive` keeps e^−1 of the photo's detail: a fifth of the
    /// colour range. Measured with every task's true edit at 256 px (`likewise bench lift`): 0.1
    /// closed the gate on blue_eyes' recoloured irises (3.2 dB under 0.2), 0.3 let more of the open
    /// eye through on sleepy (0.8 dB under 0.2); docs/RESULTS.md has the numbers.
    public static let adaptiveTolerance: Float = 0.2

    /// `edit` — the networks' output for `low`, which is `source` scaled to the edit's size — at
    /// `source`'s size, in [0, 1]. An edit already at `source`'s size is returned as it is.
    public func lifted(_ edit: Image, of low: Image, to source: Image) throws -> Image {
        guard low.width == edit.width, low.height == edit.height else {
            throw EngineError.shapeMismatch(op: "lift", lhs: [low.height, low.width], rhs: [edit.height, edit.width],
                                            expected: "the edit at the size of the image it edited")
        }
        if source.width == edit.width, source.height == edit.height { return edit }
        let grid = self == .grid || self == .residual || self == .adaptive ? try BilateralGrid.fit(from: low, to: edit) : nil
        var remainder: [Float]?, gate: [Float]?
        switch self {
        case .upsample: remainder = edit.pixels
        case .detail: remainder = zip(edit.pixels, low.pixels).map { $0 - $1 }
        case .grid: remainder = nil
        case .residual:
            let mapped = Lift.pass(guide: low, grid: grid, keepsGuide: false, remainder: nil, clamps: false)
            remainder = zip(edit.pixels, mapped).map { $0 - $1 }
        case .adaptive:
            // m·grid(x) + ↑(y − m·grid(x↓)): at the working size y, at full size the grid's
            // mapped photo where it explains the edit and the scaled-up edit where it does not.
            let mapped = Lift.pass(guide: low, grid: grid, keepsGuide: false, remainder: nil, clamps: false)
            let gates = Lift.gates(edit: edit.pixels, mapped: mapped, width: edit.width, height: edit.height)
            remainder = edit.pixels.indices.map { edit.pixels[$0] - gates[$0 / 3] * mapped[$0] }
            gate = gates
        }
        let pixels = Lift.pass(guide: source, grid: grid, keepsGuide: self == .detail,
                               remainder: remainder.map { (edit.width, edit.height, $0) }, gate: gate, clamps: true)
        return try Image(width: source.width, height: source.height, pixels: pixels)
    }

    /// `adaptive`'s gate at each working-size pixel: exp(−(e/τ)²), e the largest mean
    /// |edit − mapped| over the pixel's 3×3 neighbourhood (so that a shape's edge, where the
    /// misfit starts, is gated as a whole).
    static func gates(edit: [Float], mapped: [Float], width: Int, height: Int) -> [Float] {
        var misfit = [Float](repeating: 0, count: width * height)
        for p in misfit.indices {
            misfit[p] = (abs(edit[3 * p] - mapped[3 * p]) + abs(edit[3 * p + 1] - mapped[3 * p + 1]) + abs(edit[3 * p + 2] - mapped[3 * p + 2])) / 3
        }
        var gates = [Float](repeating: 0, count: width * height)
        for y in 0..<height {
            for x in 0..<width {
                var worst: Float = 0
                for ny in max(y - 1, 0)...min(y + 1, height - 1) {
                    for nx in max(x - 1, 0)...min(x + 1, width - 1) { worst = max(worst, misfit[ny * width + nx]) }
                }
                let e = worst / adaptiveTolerance
                gates[y * width + x] = Foundation.exp(-e * e)
            }
        }
        return gates
    }

    /// One pass over `guide`'s pixels: each mapped by `grid` (or kept when `keepsGuide`, or
    /// nothing) and scaled by `gate` (one value a pixel of the remainder's size, resampled
    /// bilinearly; nil: 1), plus `remainder` (a low-resolution RGB image) resampled likewise,
    /// clamped to [0, 1] when `clamps`. Rows are split between the engine's threads.
    static func pass(guide: Image, grid: BilateralGrid?, keepsGuide: Bool,
                     remainder: (width: Int, height: Int, pixels: [Float])?, gate: [Float]? = nil, clamps: Bool) -> [Float] {
        let (width, height) = (guide.width, guide.height)
        let columns = grid.map { GridAxis(samples: width, cells: $0.columns) }, levels = grid?.levels ?? 1
        let remainderXs = remainder.map { BilinearTaps(from: $0.width, to: width) }
        let remainderYs = remainder.map { BilinearTaps(from: $0.height, to: height) }
        let emptyRemainder: [Float] = []
        return [Float](unsafeUninitializedCapacity: width * height * 3) { out, count in
            guide.pixels.withUnsafeBufferPointer { guidePixels in
                (remainder?.pixels ?? emptyRemainder).withUnsafeBufferPointer { rest in
                    (gate ?? emptyRemainder).withUnsafeBufferPointer { gateValues in
                        let gates = gate == nil ? nil : gateValues
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
                                    if let gates {
                                        let top = gates[y0 * remainder.width + x0] + wx * (gates[y0 * remainder.width + x1] - gates[y0 * remainder.width + x0])
                                        let bottom = gates[y1 * remainder.width + x0] + wx * (gates[y1 * remainder.width + x1] - gates[y1 * remainder.width + x0])
                                        let m = top + wy * (bottom - top)
                                        value = (m * value.0, m * value.1, m * value.2)
                                    }
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
            }
            count = width * height * 3
        }
    }
}
