import CBLAS

extension Kernels {
    /// C = alpha·op(A)·op(B) + beta·C for row-major matrices, through OpenBLAS.
    /// op(A) is M×K, op(B) is K×N, C is M×N; lda/ldb/ldc are the row strides as stored.
    static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                     alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                     b: UnsafePointer<Float>, ldb: Int,
                     beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        guard m > 0, n > 0 else { return }
        guard k > 0 else {
            // OpenBLAS leaves C untouched for K = 0, but the product of empty matrices is zero.
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] *= beta } }
            return
        }
        // OpenBLAS runs single-threaded (see `Threads`); C is cut into blocks of rows, or of columns
        // when it has few rows, each one sgemm, and the engine's pool hands whole blocks to its
        // threads. The blocks do not depend on the thread count, so neither does the result:
        // OpenBLAS's Haswell kernels (those of a Zen 2 CPU without AVX-512) sum a row near the end
        // of a call differently from the same row mid-call, and one call cut in two by a second
        // thread differed from the whole in the last bits.
        func block(rows: Range<Int>, columns: Range<Int>) {
            let aStart = transposeA ? a + rows.lowerBound : a + rows.lowerBound * lda
            let bStart = transposeB ? b + columns.lowerBound * ldb : b + columns.lowerBound
            cblas_sgemm(CblasRowMajor,
                        transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                        Int32(rows.count), Int32(columns.count), Int32(k), alpha, aStart, Int32(lda), bStart, Int32(ldb),
                        beta, c + rows.lowerBound * ldc + columns.lowerBound, Int32(ldc))
        }
        // Eight blocks at most, of at least 16 lines and a quarter of a million multiply-adds
        // each: as even as eight can be for two, four or eight threads, and cheap — each call
        // packs the other operand again, and eight calls of a 288×32×32768 weight gradient took
        // 5 % longer than one here, a 32768-row im2col product no longer at all.
        func split(_ count: Int, perLine work: Int, _ body: (Range<Int>) -> Void) {
            let blocks = max(1, min(8, count / 16, count * work / (1 << 18)))
            let side = (count + blocks - 1) / blocks
            Threads.parallelFor(blocks, grain: 1) { range in
                for index in range { body((index * side)..<min((index + 1) * side, count)) }
            }
        }
        if m >= n || m >= 32 {
            split(m, perLine: n * k) { rows in block(rows: rows, columns: 0..<n) }
        } else {
            split(n, perLine: m * k) { columns in block(rows: 0..<m, columns: columns) }
        }
    }

    /// op(a)·op(b) for rank-2 `[M, K]·[K, N]` or batched rank-3 `[B, M, K]·[B, K, N]` operands
    /// (a rank-2 `b` is shared by every batch item). Returns the product and its shape.
    static func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool, transposeB: Bool) throws -> Tensor {
        let op = "matmul"
        guard (a.rank == 2 || a.rank == 3), (b.rank == 2 || b.rank == 3), b.rank <= a.rank else {
            throw EngineError.shapeMismatch(op: op, lhs: a.shape, rhs: b.shape,
                                            expected: "[M, K]·[K, N], or [B, M, K]·[B, K, N] or [B, M, K]·[K, N]")
        }
        let batch = a.rank == 3 ? a.shape[0] : 1
        let (ar, ac) = (a.shape[a.rank - 2], a.shape[a.rank - 1])
        let (br, bc) = (b.shape[b.rank - 2], b.shape[b.rank - 1])
        let (m, k) = transposeA ? (ac, ar) : (ar, ac)
        let (kb, n) = transposeB ? (bc, br) : (br, bc)
        guard k == kb, b.rank == 2 || b.shape[0] == batch else {
            throw EngineError.shapeMismatch(op: op, lhs: a.shape, rhs: b.shape,
                                            expected: "inner extents equal (\(k) vs \(kb))\(transposeA ? ", a transposed" : "")\(transposeB ? ", b transposed" : "") and equal batch")
        }
        let out = try Tensor(validated: a.rank == 3 ? [batch, m, n] : [m, n], op: op)
        let bStride = b.rank == 3 ? br * bc : 0
        if b.rank == 2 && !transposeA && batch > 1 {
            // A shared right operand: the whole batch is one tall GEMM.
            gemm(transposeA: false, transposeB: transposeB, m: batch * m, n: n, k: k,
                 a: a.pointer, lda: ac, b: b.pointer, ldb: bc, c: out.pointer, ldc: n)
            return out
        }
        for i in 0..<batch {
            gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                 a: a.pointer + i * ar * ac, lda: ac, b: b.pointer + i * bStride, ldb: bc,
                 c: out.pointer + i * m * n, ldc: n)
        }
        return out
    }
}

extension Tensor {
    /// The matrix product op(a)·op(b), for `[M, K]·[K, N]`, batched `[B, M, K]·[B, K, N]`, or a
    /// batch against one shared matrix `[B, M, K]·[K, N]`; `transposeA`/`transposeB` read an operand
    /// as its transpose without copying it.
    public static func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) throws -> Tensor {
        let out = try Kernels.matmul(a, b, transposeA: transposeA, transposeB: transposeB)
        let k = transposeA ? a.shape[a.rank - 2] : a.shape[a.rank - 1]
        return try Autodiff.record("matmul", inputs: [a, b], output: out, flops: 2 * Double(out.count) * Double(k)) { g in
            // With C = op(A)·op(B):  d op(A) = G·op(B)ᵀ  and  d op(B) = op(A)ᵀ·G; each written so that
            // the result comes out in the operand's stored orientation.
            var ga: Tensor? = nil, gb: Tensor? = nil
            if a.requiresGrad {
                ga = transposeA
                    ? try Kernels.matmul(b.rank < a.rank ? try broadcastBatch(b, like: g) : b, g, transposeA: transposeB, transposeB: true)
                    : try Kernels.matmul(g, b, transposeA: false, transposeB: !transposeB)
            }
            if b.requiresGrad {
                if b.rank < a.rank {
                    // Shared right operand: sum its gradient over the batch as one tall GEMM.
                    let rows = a.shape[0] * (transposeA ? a.shape[2] : a.shape[1])
                    let a2 = transposeA ? try Kernels.transposeBatch(a) : a
                    let flatA = Tensor(shape: [rows, a2.shape[2]], storage: a2.storage, offset: a2.offset)
                    let flatG = Tensor(shape: [rows, g.shape[2]], storage: g.storage, offset: g.offset)
                    gb = transposeB
                        ? try Kernels.matmul(flatG, flatA, transposeA: true, transposeB: false)
                        : try Kernels.matmul(flatA, flatG, transposeA: true, transposeB: false)
                } else {
                    gb = transposeB
                        ? try Kernels.matmul(g, a, transposeA: true, transposeB: transposeA)
                        : try Kernels.matmul(a, g, transposeA: !transposeA, transposeB: false)
                }
            }
            return [ga, gb]
        }
    }

    /// A rank-2 matrix repeated over the batch of `like` (for the rare transposed-A shared-B case).
    private static func broadcastBatch(_ m: Tensor, like g: Tensor) throws -> Tensor {
        Kernels.expand(Tensor(shape: [1] + m.shape, storage: m.storage, offset: m.offset), to: [g.shape[0]] + m.shape)
    }
}

extension Kernels {
    /// `[B, R, C]` → `[B, C, R]`, copied.
    static func transposeBatch(_ x: Tensor) throws -> Tensor {
        let (b, r, c) = (x.shape[0], x.shape[1], x.shape[2])
        let out = Tensor(uninitialized: [b, c, r])
        for n in 0..<b {
            let src = x.pointer + n * r * c, dst = out.pointer + n * r * c
            for i in 0..<r { for j in 0..<c { dst[j * r + i] = src[i * c + j] } }
        }
        return out
    }
}
