@testable import Engine
import TestSupport
import Testing

@Suite(.hangLimit)
struct LayoutTests {
    @Test func reshapeAndRowsShareStorage() throws {
        let x = try random([4, 2, 3])
        let flat = try x.reshaped(to: [4, -1])
        #expect(flat.shape == [4, 6])
        #expect(flat.storage === x.storage)
        let middle = try x.rows(1..<3)
        #expect(middle.storage === x.storage)
        #expect(middle.scalars == Array(x.scalars[6..<18]))
    }

    @Test func permuteTurnsNHWCIntoNCHW() throws {
        let x = try Tensor(shape: [1, 2, 2, 3], scalars: (0..<12).map(Float.init))
        #expect(try x.permuted([0, 3, 1, 2]).scalars == [0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11])
    }

    @Test func concatAndSplitAreInverses() throws {
        let a = try random([2, 3, 2, 1], seed: 1), b = try random([2, 3, 2, 4], seed: 2)
        let joined = try Tensor.concat([a, b])
        #expect(joined.shape == [2, 3, 2, 5])
        let parts = try joined.split(sizes: [1, 4])
        #expect(parts[0].scalars == a.scalars)
        #expect(parts[1].scalars == b.scalars)
    }

    @Test func outOfRangeIndicesAreErrorsNamingTheShape() throws {
        let x = try random([4, 2])
        let rows = #expect(throws: EngineError.self) { try x.rows(3..<6) }
        #expect(rows?.description == "rows: rows 3..<6 is out of range for shape [4×2]")
        #expect(throws: EngineError.self) { try x.reshaped(to: [3, 3]) }
        #expect(throws: EngineError.self) { try x.permuted([0, 0]) }
        #expect(throws: EngineError.self) { try x.split(sizes: [1, 2]) }
        #expect(throws: EngineError.self) { try Tensor.concat([x, random([4, 2, 1])]) }
    }
}
