/// A bilateral grid of affine colour maps, after bilateral guided upsampling (Chen, Adams, Wadhwa
/// and Hasinoff, SIGGRAPH Asia 2016): cells over x, y and luma, each a 3×4 map
/// RGB′ = M·[R, G, B, 1], fitted between an image and its edit at a low resolution and applied to
/// the same image at any resolution, with each full-resolution pixel's own luma choosing its
/// cells. An edge at full resolution keeps its two sides apart — a dark pixel beside a light one
/// takes the dark cells' map — so a colour edit comes back sharp where a plain upsampling of the
/// edit would be blurred, and every detail the edit does not change survives.
///
/// Every pixel belongs to the eight nearest cell centres with trilinear shares, both when fitting
/// and when applying, so the maps vary smoothly. A cell's fit is pulled, by `ridge` per unit of
/// its pixels' weight, towards the one affine map that fits the whole image best: a cell with few
/// or no pixels — a luma no low-resolution pixel has, such as a highlight too fine to survive the
/// downscale — takes the image's overall colour change instead of an arbitrary one. (The paper
/// solves one sparse system with smoothness between neighbouring cells; the per-cell ridge fit
/// with the trilinear shares' overlap is what the engine's `ColourGrid` already does, and is
/// cheap enough to fit every edit.)
public struct BilateralGrid: Sendable, Equatable {
    /// Cells across, down and along luma.
    public let columns: Int, rows: Int, levels: Int
    /// The cells, luma fastest, then columns, then rows; each a row-major 3×4 matrix.
    public var matrices: [Float]

    /// The low-resolution pixels a cell spans across and down, the luma levels, and the pull
    /// towards the whole image's map (see `fit`).
    public static let standardCellSide = 8, standardLevels = 8, standardRidge: Float = 1e-2

    /// The luma that places a pixel along the grid: a cheap approximation of Rec. 601's, in [0, 1].
    @inline(__always)
    static func luma(_ r: Float, _ g: Float, _ b: Float) -> Float { min(max(0.25 * r + 0.5 * g + 0.25 * b, 0), 1) }

    /// The maps that best turn `source` into `target` (images of one size): cells of about
    /// `cellSide` pixels across and down, `levels` along luma, each pulled towards the map that
    /// fits the whole image by `ridge` per unit of its pixels' weight.
    public static func fit(from source: Image, to target: Image, cellSide: Int = standardCellSide, levels: Int = standardLevels,
                           ridge: Float = standardRidge) throws -> BilateralGrid {
        guard source.width == target.width, source.height == target.height else {
            throw EngineError.shapeMismatch(op: "BilateralGrid.fit", lhs: [source.height, source.width], rhs: [target.height, target.width],
                                            expected: "two images of one size")
        }
        guard (1...1024).contains(cellSide), (1...64).contains(levels), ridge.isFinite, ridge > 0 else {
            throw EngineError.invalidArgument(op: "BilateralGrid.fit", message: "cells of 1…1024 pixels, 1…64 levels and a positive ridge, got \(cellSide), \(levels), \(ridge)")
        }
        let columns = min(max(source.width / cellSide, 1), 64), rows = min(max(source.height / cellSide, 1), 64)
        let cells = rows * columns * levels
        // Per cell the normal equations' sums: Σ w·s·sᵀ (4×4) and Σ w·s·tᵀ (4×3), s = [r, g, b, 1].
        var sums = [Double](repeating: 0, count: cells * 28), weight = [Double](repeating: 0, count: cells)
        var whole = [Double](repeating: 0, count: 28)
        let xs = GridAxis(samples: source.width, cells: columns), ys = GridAxis(samples: source.height, cells: rows)
        source.pixels.withUnsafeBufferPointer { s in
            target.pixels.withUnsafeBufferPointer { t in
                sums.withUnsafeMutableBufferPointer { sums in
                    weight.withUnsafeMutableBufferPointer { weight in
                        whole.withUnsafeMutableBufferPointer { whole in
                            for y in 0..<source.height {
                                let (r0, r1, fy) = ys[y]
                                for x in 0..<source.width {
                                    let (c0, c1, fx) = xs[x]
                                    let p = 3 * (y * source.width + x)
                                    let (l0, l1, fl) = GridAxis.level(BilateralGrid.luma(s[p], s[p + 1], s[p + 2]), levels: levels)
                                    accumulate(whole.baseAddress!, 1, s.baseAddress! + p, t.baseAddress! + p)
                                    // The eight cells around the pixel, by the bits of `corner`.
                                    for corner in 0..<8 {
                                        let w = (corner & 4 == 0 ? 1 - fy : fy) * (corner & 2 == 0 ? 1 - fx : fx) * (corner & 1 == 0 ? 1 - fl : fl)
                                        guard w > 0 else { continue }
                                        let cell = ((corner & 4 == 0 ? r0 : r1) * columns + (corner & 2 == 0 ? c0 : c1)) * levels
                                            + (corner & 1 == 0 ? l0 : l1)
                                        weight[cell] += Double(w)
                                        accumulate(sums.baseAddress! + cell * 28, Double(w), s.baseAddress! + p, t.baseAddress! + p)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        let identity = ColourGrid.identity.map(Double.init)
        // The whole image's map has every pixel to go on: only a trace of the identity's pull,
        // which at the cells' ridge bent it towards "no change" along colours the downscale left
        // with little spread (a grade came back 36.8 dB from its truth instead of 83 dB).
        let overall = solve(whole, 0, prior: identity, strength: 1e-4 * Double(ridge) * Double(source.width * source.height)) ?? identity
        var grid = BilateralGrid(columns: columns, rows: rows, levels: levels, matrices: [])
        grid.matrices.reserveCapacity(cells * 12)
        for cell in 0..<cells {
            // The absolute term keeps an empty cell's system solvable: it is then the prior.
            let map = solve(sums, cell * 28, prior: overall, strength: Double(ridge) * weight[cell] + 1e-6) ?? overall
            grid.matrices += map.map(Float.init)
        }
        return grid
    }

    /// Adds one pixel's products, weighted `w`, to the sums at `sums` (16 of s·sᵀ, then 12 of
    /// s·tᵀ), s = [r, g, b, 1] the source's pixel and t the target's.
    @inline(__always)
    private static func accumulate(_ sums: UnsafeMutablePointer<Double>, _ w: Double, _ s: UnsafePointer<Float>, _ t: UnsafePointer<Float>) {
        let v = (Double(s[0]), Double(s[1]), Double(s[2]), 1.0)
        for i in 0..<4 {
            let wi = w * (i == 0 ? v.0 : i == 1 ? v.1 : i == 2 ? v.2 : v.3)
            sums[i * 4] += wi * v.0; sums[i * 4 + 1] += wi * v.1; sums[i * 4 + 2] += wi * v.2; sums[i * 4 + 3] += wi
            sums[16 + i * 3] += wi * Double(t[0]); sums[16 + i * 3 + 1] += wi * Double(t[1]); sums[16 + i * 3 + 2] += wi * Double(t[2])
        }
    }

    /// The 3×4 map solving the sums at `offset` pulled towards `prior` (a 3×4 map) with `strength`.
    private static func solve(_ sums: [Double], _ offset: Int, prior: [Double], strength: Double) -> [Double]? {
        var a = Array(sums[offset..<(offset + 16)]), b = Array(sums[(offset + 16)..<(offset + 28)])
        for i in 0..<4 {
            a[i * 4 + i] += strength
            for k in 0..<3 { b[i * 3 + k] += strength * prior[k * 4 + i] }
        }
        guard let x = solveLinear(a, b, n: 4, columns: 3) else { return nil }  // X = Mᵀ, 4×3
        return (0..<12).map { x[($0 % 4) * 3 + $0 / 4] }
    }

    private init(columns: Int, rows: Int, levels: Int, matrices: [Float]) {
        (self.columns, self.rows, self.levels, self.matrices) = (columns, rows, levels, matrices)
    }

    /// Calls `body` for each row of a `width`×`height` guide with that row's maps blended along
    /// y — per column and level, 12 numbers — so that a pixel blends only along x and luma. Rows
    /// are split between threads; each thread has its own blend buffer.
    func forEachRow(width: Int, height: Int, _ body: (_ y: Int, _ rowMaps: UnsafePointer<Float>) -> Void) {
        let ys = GridAxis(samples: height, cells: rows), slab = columns * levels * 12
        matrices.withUnsafeBufferPointer { m in
            Threads.parallelFor(height, grain: max(1, 32_768 / max(width, 1))) { range in
                let blended = UnsafeMutablePointer<Float>.allocate(capacity: slab)
                defer { blended.deallocate() }
                for y in range {
                    let (r0, r1, fy) = ys[y]
                    let top = m.baseAddress! + r0 * slab, bottom = m.baseAddress! + r1 * slab
                    for i in 0..<slab { blended[i] = top[i] + fy * (bottom[i] - top[i]) }
                    body(y, blended)
                }
            }
        }
    }
}

/// Where each sample along one axis falls among cell centres: centres at (c + 0.5)/cells of the
/// axis, samples at (i + 0.5)/samples, so the grid covers an image the same way at every
/// resolution; outside the outermost centres the nearest cell takes all.
struct GridAxis {
    private let taps: [(Int, Int, Float)]

    init(samples: Int, cells: Int) {
        let scale = Float(cells) / Float(samples)
        taps = (0..<samples).map { i in
            let position = min(max((Float(i) + 0.5) * scale - 0.5, 0), Float(cells - 1))
            let c0 = min(Int(position), cells - 1)
            return (c0, min(c0 + 1, cells - 1), position - Float(c0))
        }
    }

    subscript(i: Int) -> (Int, Int, Float) { taps[i] }

    /// The two luma levels around `luma` (in [0, 1]) and the share of the upper one.
    @inline(__always)
    static func level(_ luma: Float, levels: Int) -> (Int, Int, Float) {
        let position = min(max(luma * Float(levels) - 0.5, 0), Float(levels - 1))
        let l0 = min(Int(position), levels - 1)
        return (l0, min(l0 + 1, levels - 1), position - Float(l0))
    }
}
