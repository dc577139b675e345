@testable import Engine
import Testing

struct MatmulTests {
    @Test func multipliesAsWrittenOnPaper() throws {
        let a = try Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let b = try Tensor(shape: [3, 2], scalars: [7, 8, 9, 10, 11, 12])
        #expect(try Tensor.matmul(a, b).scalars == [58, 64, 139, 154])
        #expect(try Tensor.matmul(b, a, transposeA: true, transposeB: true).scalars == [58, 139, 64, 154])
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func everyTranspositionHasFiniteDifferenceGradients(transpose: (Bool, Bool)) throws {
        let a = try random(transpose.0 ? [4, 3] : [3, 4], seed: 1)
        let b = try random(transpose.1 ? [5, 4] : [4, 5], seed: 2)
        try expectGradientsMatchFiniteDifferences([a, b]) {
            try Tensor.matmul($0[0], $0[1], transposeA: transpose.0, transposeB: transpose.1)
        }
        let ba = try random(transpose.0 ? [2, 4, 3] : [2, 3, 4], seed: 3)
        let bb = try random(transpose.1 ? [2, 5, 4] : [2, 4, 5], seed: 4)
        try expectGradientsMatchFiniteDifferences([ba, bb]) {
            try Tensor.matmul($0[0], $0[1], transposeA: transpose.0, transposeB: transpose.1)
        }
        // A batch against one shared matrix.
        try expectGradientsMatchFiniteDifferences([ba, b]) {
            try Tensor.matmul($0[0], $0[1], transposeA: transpose.0, transposeB: transpose.1)
        }
    }

    @Test func innerExtentsMustAgree() throws {
        let error = #expect(throws: EngineError.self) { try Tensor.matmul(random([2, 3]), random([4, 5])) }
        #expect(error?.description.hasPrefix("matmul: shapes [2×3] and [4×5] do not fit") == true)
    }
}
