import Foundation

/// The colour grid's two halves as differentiable ops, so that the transformation estimator can
/// be trained end to end: the gradient of a loss on a carried image reaches the flow both through
/// the warp and through the colour fit the warp feeds.
///
/// A grid is `[N, rows, columns, 12]`: per cell a row-major 3×4 affine map RGB′ = M·[R, G, B, 1].
/// Each pixel belongs to the (up to) four nearest cell centres with bilinear shares that add up
/// to 1, both when fitting and when applying, so the field is smooth across cell borders.
///
/// The fit solves, per cell, the ridge-regularised normal equations A·X = B with
/// A = Σ c·s·sᵀ + λI and B = Σ c·s·tᵀ + λE (s = [r, g, b, 1], c = pixel weight × share, E the
/// identity map's transpose, λ = ridge·max(Σ c, 1)), M = Xᵀ. Its backward is that of a linear
/// solve: for the gradient G_X, G_B = A⁻¹·G_X and G_A = −G_B·Xᵀ, and through the sums,
/// ∂s = c·(G_A + G_Aᵀ)·s + c·G_B·t and ∂t = c·G_Bᵀ·s. The weights are constants.
extension Tensor {
    /// The grids (`[N, rows, columns, 12]`) that best map `source` to `target` (both
    /// `[N, H, W, 3]`), each cell pulled towards the identity by `ridge` per unit of weight.
    /// `weights` (`[N, H, W, 1]`, not differentiated) restricts the fit; pixels with a weight
    /// that is not positive, or a value that is not finite, take no part. A cell whose system
    /// cannot be solved stays the identity.
    public static func fitColourGrid(from source: Tensor, to target: Tensor, weights: Tensor? = nil,
                                     columns: Int, rows: Int, ridge: Float) throws -> Tensor {
        let op = "fitColourGrid"
        guard source.rank == 4, source.shape[3] == 3 else { throw EngineError.invalidShape(op: op, shape: source.shape, expected: "an RGB batch [N, H, W, 3]") }
        guard target.shape == source.shape else {
            throw EngineError.shapeMismatch(op: op, lhs: source.shape, rhs: target.shape, expected: "source and target of one shape")
        }
        let (n, h, w) = (source.shape[0], source.shape[1], source.shape[2])
        if let weights, weights.shape != [n, h, w, 1] {
            throw EngineError.shapeMismatch(op: op, lhs: source.shape, rhs: weights.shape, expected: "weights [\(n), \(h), \(w), 1]")
        }
        let cells = try ColourCells(width: w, height: h, columns: columns, rows: rows)
        let plane = h * w, count = cells.count
        // Per item and cell: the regularised system A (4×4) and its solution X (4×3), kept for
        // the backward pass; `solved` is false where A was singular and the identity was kept.
        var systems = [Double](repeating: 0, count: n * count * 16), solutions = [Double](repeating: 0, count: n * count * 12)
        var solved = [Bool](repeating: false, count: n * count)
        let out = Tensor(uninitialized: [n, rows, columns, 12])
        let sp = source.pointer, tp = target.pointer, wp = weights?.pointer, op_ = out.pointer
        systems.withUnsafeMutableBufferPointer { systems in
            solutions.withUnsafeMutableBufferPointer { solutions in
                solved.withUnsafeMutableBufferPointer { solved in
                    Threads.parallelFor(n, grain: 1) { items in
                        for b in items {
                            var a = [Double](repeating: 0, count: count * 16), right = [Double](repeating: 0, count: count * 12)
                            var mass = [Double](repeating: 0, count: count)
                            cells.forEachSample(source: sp + b * plane * 3, target: tp + b * plane * 3, weights: wp.map { $0 + b * plane }) { cell, c, s, t in
                                mass[cell] += c
                                for i in 0..<4 {
                                    for j in 0..<4 { a[cell * 16 + i * 4 + j] += c * s[i] * s[j] }
                                    for j in 0..<3 { right[cell * 12 + i * 3 + j] += c * s[i] * t[j] }
                                }
                            }
                            for cell in 0..<count {
                                let lambda = Double(ridge) * Swift.max(mass[cell], 1)
                                for i in 0..<4 {
                                    a[cell * 16 + i * 5] += lambda
                                    if i < 3 { right[cell * 12 + i * 3 + i] += lambda }
                                }
                                let k = b * count + cell
                                let system = Array(a[(cell * 16)..<(cell * 16 + 16)])
                                let found = solveLinear(system, Array(right[(cell * 12)..<(cell * 12 + 12)]), n: 4, columns: 3)
                                let solution = found ?? ColourCells.identitySolution
                                solved[k] = found != nil
                                for i in 0..<16 { systems[k * 16 + i] = system[i] }
                                for i in 0..<12 { solutions[k * 12 + i] = solution[i] }
                                for row in 0..<3 { for col in 0..<4 { op_[k * 12 + row * 4 + col] = Float(solution[col * 3 + row]) } }
                            }
                        }
                    }
                }
            }
        }
        let backward = { [systems, solutions, solved] (g: Tensor) throws -> [Tensor?] in
            let gp = g.pointer
            let dSource = try Tensor.zeros(source.shape), dTarget = try Tensor.zeros(target.shape)
            let dsp = dSource.pointer, dtp = dTarget.pointer
            Threads.parallelFor(n, grain: 1) { items in
                for b in items {
                    // Per cell: S = G_A + G_Aᵀ (4×4) and G_B (4×3).
                    var symmetric = [Double](repeating: 0, count: count * 16), gradientB = [Double](repeating: 0, count: count * 12)
                    for cell in 0..<count {
                        let k = b * count + cell
                        guard solved[k] else { continue }
                        var gradientX = [Double](repeating: 0, count: 12)
                        for row in 0..<3 { for col in 0..<4 { gradientX[col * 3 + row] = Double(gp[k * 12 + row * 4 + col]) } }
                        guard let gb = solveLinear(Array(systems[(k * 16)..<(k * 16 + 16)]), gradientX, n: 4, columns: 3) else { continue }
                        for i in 0..<12 { gradientB[cell * 12 + i] = gb[i] }
                        for i in 0..<4 {
                            for m in 0..<4 {
                                var total = 0.0
                                for j in 0..<3 { total += gb[i * 3 + j] * solutions[k * 12 + m * 3 + j] }
                                symmetric[cell * 16 + i * 4 + m] -= total
                                symmetric[cell * 16 + m * 4 + i] -= total
                            }
                        }
                    }
                    cells.forEachSample(source: sp + b * plane * 3, target: tp + b * plane * 3, weights: wp.map { $0 + b * plane }) { cell, c, s, t, p in
                        for i in 0..<3 {
                            var ds = 0.0
                            for m in 0..<4 { ds += symmetric[cell * 16 + i * 4 + m] * s[m] }
                            for j in 0..<3 { ds += gradientB[cell * 12 + i * 3 + j] * t[j] }
                            dsp[(b * plane + p) * 3 + i] += Float(c * ds)
                        }
                        for j in 0..<3 {
                            var dt = 0.0
                            for i in 0..<4 { dt += gradientB[cell * 12 + i * 3 + j] * s[i] }
                            dtp[(b * plane + p) * 3 + j] += Float(c * dt)
                        }
                    }
                }
            }
            return [dSource, dTarget]
        }
        return try Autodiff.record(op, inputs: [source, target], output: out) { g in
            // The weights are read through `wp`: their storage must outlive the backward pass.
            try withExtendedLifetime(weights) { try backward(g) }
        }
    }

    /// `image` (`[N, H, W, 3]`) with every pixel mapped by the bilinear blend of its cells' maps
    /// in `grid` (`[N, rows, columns, 12]`, see `fitColourGrid`).
    public static func applyColourGrid(_ grid: Tensor, to image: Tensor) throws -> Tensor {
        let op = "applyColourGrid"
        guard image.rank == 4, image.shape[3] == 3 else { throw EngineError.invalidShape(op: op, shape: image.shape, expected: "an RGB batch [N, H, W, 3]") }
        guard grid.rank == 4, grid.shape[0] == image.shape[0], grid.shape[3] == 12 else {
            throw EngineError.shapeMismatch(op: op, lhs: image.shape, rhs: grid.shape, expected: "a grid [\(image.shape[0]), rows, columns, 12]")
        }
        let (n, h, w) = (image.shape[0], image.shape[1], image.shape[2])
        let cells = try ColourCells(width: w, height: h, columns: grid.shape[2], rows: grid.shape[1])
        let plane = h * w, count = cells.count
        let out = Tensor(uninitialized: image.shape)
        let ip = image.pointer, mp = grid.pointer, op_ = out.pointer
        Threads.parallelFor(n * h, grain: 8) { imageRows in
            for row in imageRows {
                let b = row / h
                for p in ((row % h) * w)..<((row % h + 1) * w) {
                    let q = (b * plane + p) * 3
                    let s = SIMD4<Float>(ip[q], ip[q + 1], ip[q + 2], 1)
                    var mapped = SIMD3<Float>()
                    cells.forEachShare(of: p) { cell, share in
                        let m = mp + (b * count + cell) * 12
                        mapped += share * SIMD3((SIMD4(m[0], m[1], m[2], m[3]) * s).sum(), (SIMD4(m[4], m[5], m[6], m[7]) * s).sum(),
                                                (SIMD4(m[8], m[9], m[10], m[11]) * s).sum())
                    }
                    op_[q] = mapped[0]; op_[q + 1] = mapped[1]; op_[q + 2] = mapped[2]
                }
            }
        }
        return try Autodiff.record(op, inputs: [grid, image], output: out) { g in
            let gp = g.pointer
            let dGrid = try Tensor.zeros(grid.shape), dImage = try Tensor.zeros(image.shape)
            let dmp = dGrid.pointer, dip = dImage.pointer
            Threads.parallelFor(n, grain: 1) { items in
                for b in items {
                    for p in 0..<plane {
                        let q = (b * plane + p) * 3
                        let s = SIMD4<Float>(ip[q], ip[q + 1], ip[q + 2], 1)
                        cells.forEachShare(of: p) { cell, share in
                            let m = mp + (b * count + cell) * 12, dm = dmp + (b * count + cell) * 12
                            for row in 0..<3 {
                                let go = share * gp[q + row]
                                for col in 0..<4 { dm[row * 4 + col] += go * s[col] }
                                for col in 0..<3 { dip[q + col] += go * m[row * 4 + col] }
                            }
                        }
                    }
                }
            }
            return [dGrid, dImage]
        }
    }
}

/// Which cells each pixel of a `width`×`height` image belongs to, and with what bilinear share:
/// cell centres sit at (c + 0.5)·(width / columns); outside the outermost centres the nearest
/// cell takes all. Computed once per op, read for every pixel.
struct ColourCells {
    let columns: Int, rows: Int
    /// Per pixel, four (cell, share) entries; a share of 0 marks an unused entry.
    private let cell: [Int32], share: [Float]

    var count: Int { columns * rows }

    /// The identity map as a solution X = Mᵀ (4×3, row-major).
    static let identitySolution: [Double] = [1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]

    init(width: Int, height: Int, columns: Int, rows: Int) throws {
        guard (1...64).contains(columns), (1...64).contains(rows) else {
            throw EngineError.invalidArgument(op: "ColourGrid", message: "cells must be 1…64 across and down, got \(columns)×\(rows)")
        }
        (self.columns, self.rows) = (columns, rows)
        var cell = [Int32](repeating: 0, count: width * height * 4), share = [Float](repeating: 0, count: width * height * 4)
        for y in 0..<height {
            let gy = Swift.min(Swift.max((Float(y) + 0.5) * Float(rows) / Float(height) - 0.5, 0), Float(rows - 1))
            let y0 = Int(gy), y1 = Swift.min(Int(gy) + 1, rows - 1), fy = gy - Float(Int(gy))
            for x in 0..<width {
                let gx = Swift.min(Swift.max((Float(x) + 0.5) * Float(columns) / Float(width) - 0.5, 0), Float(columns - 1))
                let x0 = Int(gx), x1 = Swift.min(Int(gx) + 1, columns - 1), fx = gx - Float(Int(gx))
                let entries = [(y0 * columns + x0, (1 - fx) * (1 - fy)), (y0 * columns + x1, fx * (1 - fy)),
                               (y1 * columns + x0, (1 - fx) * fy), (y1 * columns + x1, fx * fy)]
                for (k, entry) in entries.enumerated() {
                    cell[(y * width + x) * 4 + k] = Int32(entry.0)
                    share[(y * width + x) * 4 + k] = entry.1
                }
            }
        }
        (self.cell, self.share) = (cell, share)
    }

    /// Calls `body` with each cell pixel `p` belongs to and its share.
    @inline(__always)
    func forEachShare(of p: Int, _ body: (Int, Float) -> Void) {
        for k in (p * 4)..<(p * 4 + 4) where share[k] > 0 { body(Int(cell[k]), share[k]) }
    }

    /// Calls `body` for every pixel that takes part in a fit (positive, finite weight; finite
    /// values) and each of its cells, with the cell, the weight × share, s = [r, g, b, 1], the
    /// target's t and the pixel's index.
    func forEachSample(source: UnsafePointer<Float>, target: UnsafePointer<Float>, weights: UnsafePointer<Float>?,
                       _ body: (Int, Double, SIMD4<Double>, SIMD3<Double>, Int) -> Void) {
        for p in 0..<(share.count / 4) {
            let weight = Double(weights?[p] ?? 1)
            guard weight > 0, weight.isFinite else { continue }
            let s = SIMD4<Double>(Double(source[3 * p]), Double(source[3 * p + 1]), Double(source[3 * p + 2]), 1)
            let t = SIMD3<Double>(Double(target[3 * p]), Double(target[3 * p + 1]), Double(target[3 * p + 2]))
            guard (0..<3).allSatisfy({ s[$0].isFinite && t[$0].isFinite }) else { continue }
            forEachShare(of: p) { cell, share in body(cell, weight * Double(share), s, t, p) }
        }
    }

    /// `forEachSample` without the pixel's index.
    func forEachSample(source: UnsafePointer<Float>, target: UnsafePointer<Float>, weights: UnsafePointer<Float>?,
                       _ body: (Int, Double, SIMD4<Double>, SIMD3<Double>) -> Void) {
        forEachSample(source: source, target: target, weights: weights) { cell, c, s, t, _ in body(cell, c, s, t) }
    }
}
