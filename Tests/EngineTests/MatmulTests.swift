@testable import Engine
import TestSupport
import Testing

@Suite(.hangLimit)
struct MatmulTests {
    @Test func multipliesAsWrittenOnPaper() throws {
        let a = try Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let b = try Tensor(shape: [3, 2], scalars: [7, 8, 9, 10, 11, 12])
        #expect(try Tensor.matmul(a, b).scalars == [58, 64, 139, 154])
        #expect(try Tensor.matmul(b, a, transposeA: true, transposeB: true).scalars == [58, 139, 64, 154])
    }

    @Test func innerExtentsMustAgree() throws {
        let error = #expect(throws: EngineError.self) { try Tensor.matmul(random([2, 3]), random([4, 5])) }
        #expect(error?.description.hasPrefix("matmul: shapes [2×3] and [4×5] do not fit") == true)
    }
}
