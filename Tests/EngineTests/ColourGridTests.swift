@testable import Engine
import Testing
import TestSupport

@Suite(.hangLimit)
struct ColourGridTests {
    func texture(_ size: Int, seed: UInt64 = 3) throws -> Image {
        var rng = RandomGenerator(seed: seed)
        return try Image(width: size, height: size, pixels: (0..<(size * size * 3)).map { _ in rng.nextUnit() })
    }

    func meanError(_ a: Image, _ b: Image) -> Float {
        zip(a.pixels, b.pixels).map { Swift.abs($0 - $1) }.reduce(0, +) / Float(a.pixels.count)
    }

    @Test func aGlobalAffineColourMapIsRecovered() throws {
        let source = try texture(24)
        var tint = try ColourGrid(columns: 1, rows: 1)
        tint.matrices = [0.5, 0.2, 0, 0.05, 0, 0.6, 0.1, 0, 0.1, 0.1, 0.9, 0.1]  // a night tint
        let target = try tint.applied(to: source)
        for cells in [1, 4] {
            let fitted = try ColourGrid.fit(from: source, to: target, columns: cells, rows: cells, ridge: 1e-6)
            #expect(meanError(try fitted.applied(to: source), target) < 1e-3, "\(cells)×\(cells)")
        }
    }

    @Test func aGridFollowsAColourChangeThatVariesAcrossTheImage() throws {
        let size = 32
        let source = try texture(size)
        var target = source
        for y in 0..<size {
            for x in 0..<size {
                let light = 0.3 + 0.7 * Float(x) / Float(size - 1)  // dark on the left, unchanged on the right
                for c in 0..<3 { target.pixels[3 * (y * size + x) + c] *= light }
            }
        }
        let global = try ColourGrid.fit(from: source, to: target, columns: 1, rows: 1)
        let grid = try ColourGrid.fit(from: source, to: target, columns: 4, rows: 4)
        let (globalError, gridError) = (meanError(try global.applied(to: source), target), meanError(try grid.applied(to: source), target))
        #expect(gridError < globalError / 3, "4×4: \(gridError), 1×1: \(globalError)")
    }

    @Test func flatOrMaskedOutCellsStayNearTheIdentityAndNothingIsNaN() throws {
        let flat = try Image(width: 16, height: 16, colour: RGB(0.5, 0.5, 0.5))
        var brighter = flat
        for i in brighter.pixels.indices { brighter.pixels[i] = 0.6 }
        let fitted = try ColourGrid.fit(from: flat, to: brighter)
        #expect(fitted.matrices.allSatisfy { $0.isFinite })
        #expect(meanError(try fitted.applied(to: flat), brighter) < 0.01)
        // Weights of zero everywhere: nothing to fit, the identity.
        let none = try ColourGrid.fit(from: flat, to: brighter, weights: [Float](repeating: 0, count: 256))
        #expect(none == (try ColourGrid(columns: 4, rows: 4)))
        var poisoned = brighter
        poisoned.pixels[7] = .nan
        #expect(try ColourGrid.fit(from: flat, to: poisoned).matrices.allSatisfy { $0.isFinite })
    }

    @Test func aBatchIsFittedAndAppliedItemByItem() throws {
        let (a, b, c, d) = (try texture(12, seed: 1), try texture(12, seed: 2), try texture(12, seed: 3), try texture(12, seed: 4))
        let grids = try Tensor.fitColourGrid(from: Image.batch([a, c]), to: Image.batch([b, d]), columns: 3, rows: 2, ridge: 1e-2)
        #expect(grids.shape == [2, 2, 3, 12])
        let first = try ColourGrid.fit(from: a, to: b, columns: 3, rows: 2), second = try ColourGrid.fit(from: c, to: d, columns: 3, rows: 2)
        #expect(grids.scalars == first.matrices + second.matrices)
        let applied = try Tensor.applyColourGrid(grids, to: Image.batch([a, c])).scalars
        #expect(applied == (try first.applied(to: a)).pixels + (try second.applied(to: c)).pixels)
        #expect(throws: EngineError.self) { try Tensor.applyColourGrid(grids, to: a.tensor) }
    }

    @Test func theFitsBackwardPassKeepsTheWeightsItReads() throws {
        // The weights are no input of the graph (they are not differentiated), yet the backward
        // pass reads them: a mask made inline and dropped must not be freed, its storage handed
        // to the next tensor of its size, before then.
        func gradient(churn: Bool) throws -> [Float] {
            var rng = RandomGenerator(seed: 8)
            let source = try Tensor.randomUniform([1, 6, 6, 3], low: 0, high: 1, using: &rng).requiringGrad()
            let target = try Tensor.randomUniform([1, 6, 6, 3], low: 0, high: 1, using: &rng)
            let grid = try Tensor.fitColourGrid(from: source, to: target, weights: Tensor(shape: [1, 6, 6, 1], scalars: (0..<36).map { $0 % 4 == 0 ? 0 : 1 }),
                                                columns: 2, rows: 2, ridge: 1e-2)
            let churned = churn ? try (0..<8).map { _ in try Tensor(shape: [1, 6, 6, 1], repeating: 5) } : []
            try grid.sum().backward()
            _ = churned
            return try #require(source.grad).scalars
        }
        #expect(try gradient(churn: true) == gradient(churn: false))
    }

    @Test func mismatchedInputsAreErrors() throws {
        #expect(throws: EngineError.self) { try ColourGrid.fit(from: texture(8), to: texture(9)) }
        #expect(throws: EngineError.self) { try ColourGrid.fit(from: texture(8), to: texture(8), weights: [1]) }
        #expect(throws: EngineError.self) { try ColourGrid(columns: 0, rows: 4) }
    }
}
