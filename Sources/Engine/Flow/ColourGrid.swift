/// The colour half of the transformation estimator: a low-resolution grid of affine colour maps
/// (3×4: RGB′ = M·[R, G, B, 1]), fitted between two aligned images by regularised least squares and
/// sliced bilinearly to full resolution, so that a colour change that varies slowly across the
/// image (lighting, a tint, a grade) is captured while edges and texture are left to the flow.
///
/// Each pixel belongs to the four nearest cell centres with bilinear weights, both when fitting
/// (a cell's map is fitted to its pixels weighted so) and when applying (a pixel's map is the
/// blend of its cells'), so the field is smooth across cell borders.
public struct ColourGrid: Sendable, Equatable {
    /// Cells across and down.
    public let columns: Int, rows: Int
    /// Row-major cells, each a row-major 3×4 matrix.
    public var matrices: [Float]

    /// A grid of identity maps.
    public init(columns: Int, rows: Int) throws {
        guard (1...64).contains(columns), (1...64).contains(rows) else {
            throw EngineError.invalidArgument(op: "ColourGrid", message: "cells must be 1…64 across and down, got \(columns)×\(rows)")
        }
        (self.columns, self.rows) = (columns, rows)
        matrices = Array((0..<(columns * rows)).map { _ in ColourGrid.identity }.joined())
    }

    static let identity: [Float] = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0]

    /// The maps that best turn `source` into `target` (images of one size), each pulled towards
    /// the identity with weight `ridge` (per unit of pixel weight), so a cell with little or flat
    /// content stays close to "no change". `weights` (one per pixel, e.g. where a warp is valid)
    /// restricts the fit.
    public static func fit(from source: Image, to target: Image, columns: Int = 4, rows: Int = 4,
                           ridge: Float = 1e-2, weights: [Float]? = nil) throws -> ColourGrid {
        guard source.width == target.width, source.height == target.height else {
            throw EngineError.shapeMismatch(op: "ColourGrid.fit", lhs: [source.height, source.width], rhs: [target.height, target.width],
                                            expected: "two images of one size")
        }
        guard weights.map({ $0.count == source.width * source.height }) ?? true else {
            throw EngineError.invalidArgument(op: "ColourGrid.fit", message: "one weight per pixel: \(source.width * source.height), got \(weights?.count ?? 0)")
        }
        var grid = try ColourGrid(columns: columns, rows: rows)
        // Per cell, the normal equations A·Mᵀ = B: A = Σ w·x·xᵀ (4×4), B = Σ w·x·yᵀ (4×3), x = [r, g, b, 1].
        var a = [Double](repeating: 0, count: columns * rows * 16), b = [Double](repeating: 0, count: columns * rows * 12)
        var mass = [Double](repeating: 0, count: columns * rows)
        for y in 0..<source.height {
            for x in 0..<source.width {
                let p = y * source.width + x
                let w = Double(weights?[p] ?? 1)
                guard w > 0, w.isFinite else { continue }
                let s = SIMD4<Double>(Double(source.pixels[3 * p]), Double(source.pixels[3 * p + 1]), Double(source.pixels[3 * p + 2]), 1)
                let t = SIMD3<Double>(Double(target.pixels[3 * p]), Double(target.pixels[3 * p + 1]), Double(target.pixels[3 * p + 2]))
                guard (0..<4).allSatisfy({ s[$0].isFinite }), (0..<3).allSatisfy({ t[$0].isFinite }) else { continue }
                grid.forEachCell(x, y, width: source.width, height: source.height) { cell, share in
                    let cw = w * Double(share)
                    mass[cell] += cw
                    for i in 0..<4 {
                        for j in 0..<4 { a[cell * 16 + i * 4 + j] += cw * s[i] * s[j] }
                        for j in 0..<3 { b[cell * 12 + i * 3 + j] += cw * s[i] * t[j] }
                    }
                }
            }
        }
        for cell in 0..<(columns * rows) {
            let lambda = Double(ridge) * max(mass[cell], 1)
            var system = Array(a[(cell * 16)..<(cell * 16 + 16)]), right = Array(b[(cell * 12)..<(cell * 12 + 12)])
            for i in 0..<4 {
                system[i * 4 + i] += lambda
                for j in 0..<3 { right[i * 3 + j] += lambda * Double(identity[j * 4 + i]) }
            }
            guard let solution = solve4(system, right) else { continue }  // stays the identity
            for row in 0..<3 { for col in 0..<4 { grid.matrices[cell * 12 + row * 4 + col] = Float(solution[col * 3 + row]) } }
        }
        return grid
    }

    /// `image` with every pixel mapped by the bilinear blend of its cells' maps.
    public func applied(to image: Image) throws -> Image {
        var out = image
        for y in 0..<image.height {
            for x in 0..<image.width {
                let p = y * image.width + x
                var m = (SIMD4<Float>(), SIMD4<Float>(), SIMD4<Float>())  // the blended map's three rows
                matrices.withUnsafeBufferPointer { all in
                    forEachCell(x, y, width: image.width, height: image.height) { cell, share in
                        for k in 0..<4 {
                            m.0[k] += share * all[cell * 12 + k]
                            m.1[k] += share * all[cell * 12 + 4 + k]
                            m.2[k] += share * all[cell * 12 + 8 + k]
                        }
                    }
                }
                let (r, g, b) = (image.pixels[3 * p], image.pixels[3 * p + 1], image.pixels[3 * p + 2])
                out.pixels[3 * p] = m.0[0] * r + m.0[1] * g + m.0[2] * b + m.0[3]
                out.pixels[3 * p + 1] = m.1[0] * r + m.1[1] * g + m.1[2] * b + m.1[3]
                out.pixels[3 * p + 2] = m.2[0] * r + m.2[1] * g + m.2[2] * b + m.2[3]
            }
        }
        return out
    }

    /// Calls `body` with each of the (up to four) cells pixel (x, y) belongs to and its bilinear
    /// share; the shares add up to 1. A closure, not an array: this runs for every pixel.
    func forEachCell(_ x: Int, _ y: Int, width: Int, height: Int, _ body: (Int, Float) -> Void) {
        // Cell centres sit at (c + 0.5)·(width / columns); outside the outermost centres the
        // nearest cell takes all.
        let gx = min(max((Float(x) + 0.5) * Float(columns) / Float(width) - 0.5, 0), Float(columns - 1))
        let gy = min(max((Float(y) + 0.5) * Float(rows) / Float(height) - 0.5, 0), Float(rows - 1))
        let (x0, y0) = (Int(gx), Int(gy))
        let (x1, y1) = (min(x0 + 1, columns - 1), min(y0 + 1, rows - 1))
        let (fx, fy) = (gx - Float(x0), gy - Float(y0))
        let (a, b, c, d) = ((1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy)
        if a > 0 { body(y0 * columns + x0, a) }
        if b > 0 { body(y0 * columns + x1, b) }
        if c > 0 { body(y1 * columns + x0, c) }
        if d > 0 { body(y1 * columns + x1, d) }
    }
}

/// Solves A·X = B for a 4×4 A and 4×3 B (row-major) by Gaussian elimination with partial
/// pivoting; nil when A is singular.
private func solve4(_ a: [Double], _ b: [Double]) -> [Double]? {
    var a = a, b = b
    for col in 0..<4 {
        let pivot = (col..<4).max { abs(a[$0 * 4 + col]) < abs(a[$1 * 4 + col]) } ?? col
        guard abs(a[pivot * 4 + col]) > 1e-12 else { return nil }
        if pivot != col {
            for k in 0..<4 { a.swapAt(col * 4 + k, pivot * 4 + k) }
            for k in 0..<3 { b.swapAt(col * 3 + k, pivot * 3 + k) }
        }
        for row in (col + 1)..<4 {
            let factor = a[row * 4 + col] / a[col * 4 + col]
            for k in col..<4 { a[row * 4 + k] -= factor * a[col * 4 + k] }
            for k in 0..<3 { b[row * 3 + k] -= factor * b[col * 3 + k] }
        }
    }
    var x = [Double](repeating: 0, count: 12)
    for row in (0..<4).reversed() {
        for k in 0..<3 {
            var total = b[row * 3 + k]
            for j in (row + 1)..<4 { total -= a[row * 4 + j] * x[j * 3 + k] }
            x[row * 3 + k] = total / a[row * 4 + row]
        }
    }
    return x
}
