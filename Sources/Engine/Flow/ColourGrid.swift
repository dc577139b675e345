/// The colour half of the transformation estimator: a low-resolution grid of affine colour maps
/// (3×4: RGB′ = M·[R, G, B, 1]), fitted between two aligned images by regularised least squares and
/// sliced bilinearly to full resolution, so that a colour change that varies slowly across the
/// image (lighting, a tint, a grade) is captured while edges and texture are left to the flow.
///
/// Each pixel belongs to the four nearest cell centres with bilinear weights, both when fitting
/// (a cell's map is fitted to its pixels weighted so) and when applying (a pixel's map is the
/// blend of its cells'), so the field is smooth across cell borders. The arithmetic is
/// `Tensor.fitColourGrid` and `Tensor.applyColourGrid`, which training differentiates.
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

    /// One cell's identity map.
    public static let identity: [Float] = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0]

    /// The transformation estimator's grid: cells across and down, and the pull to the identity.
    public static let standardCells = 4, standardRidge: Float = 1e-2

    /// The maps that best turn `source` into `target` (images of one size), each pulled towards
    /// the identity with weight `ridge` (per unit of pixel weight), so a cell with little or flat
    /// content stays close to "no change". `weights` (one per pixel, e.g. where a warp is valid)
    /// restricts the fit.
    public static func fit(from source: Image, to target: Image, columns: Int = standardCells, rows: Int = standardCells,
                           ridge: Float = standardRidge, weights: [Float]? = nil) throws -> ColourGrid {
        guard source.width == target.width, source.height == target.height else {
            throw EngineError.shapeMismatch(op: "ColourGrid.fit", lhs: [source.height, source.width], rhs: [target.height, target.width],
                                            expected: "two images of one size")
        }
        guard weights.map({ $0.count == source.width * source.height }) ?? true else {
            throw EngineError.invalidArgument(op: "ColourGrid.fit", message: "one weight per pixel: \(source.width * source.height), got \(weights?.count ?? 0)")
        }
        let weightTensor = try weights.map { try Tensor(shape: [1, source.height, source.width, 1], scalars: $0) }
        var grid = try ColourGrid(columns: columns, rows: rows)
        grid.matrices = try Autodiff.withoutGradients {
            try Tensor.fitColourGrid(from: source.tensor, to: target.tensor, weights: weightTensor, columns: columns, rows: rows, ridge: ridge)
        }.scalars
        return grid
    }

    /// `image` with every pixel mapped by the bilinear blend of its cells' maps (not clamped:
    /// a carried image keeps what its colours say).
    public func applied(to image: Image) throws -> Image {
        let mapped = try Autodiff.withoutGradients { try Tensor.applyColourGrid(tensor, to: image.tensor) }
        return try Image(width: image.width, height: image.height, pixels: mapped.scalars)
    }

    /// The grid as the colour ops take it: `[1, rows, columns, 12]`.
    public var tensor: Tensor {
        get throws { try Tensor(shape: [1, rows, columns, 12], scalars: matrices) }
    }
}
