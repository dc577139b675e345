/// 2-D convolution over NHWC images, by im2col and one GEMM over the whole batch.
///
/// Shapes: x is `[N, H, W, Cin]`, weight `[KH, KW, Cin, Cout]`, bias `[Cout]`, output
/// `[N, OH, OW, Cout]` with `OH = (H + 2·pad − KH) / stride + 1`. The column matrix is
/// `[N·OH·OW, KH·KW·Cin]`: one row per output pixel, holding its receptive field as KH·KW
/// contiguous runs of Cin channels, so im2col is a sequence of `memcpy`s and the weight tensor is
/// already the GEMM's right operand `[KH·KW·Cin, Cout]`. A 1×1 convolution with stride 1 skips
/// im2col: the image itself is the column matrix.
struct ConvolutionGeometry {
    let n, h, w, cin, kh, kw, cout, stride, padding, oh, ow: Int
    var rows: Int { n * oh * ow }
    var columns: Int { kh * kw * cin }
    var isPointwise: Bool { kh == 1 && kw == 1 && stride == 1 && padding == 0 }

    init(input: [Int], weight: [Int], stride: Int, padding: Int) throws {
        let op = "conv2d"
        guard input.count == 4 else { throw EngineError.invalidShape(op: op, shape: input, expected: "an NHWC image batch [N, H, W, C]") }
        guard weight.count == 4 else { throw EngineError.invalidShape(op: op, shape: weight, expected: "a weight [KH, KW, Cin, Cout]") }
        guard weight[2] == input[3] else {
            throw EngineError.shapeMismatch(op: op, lhs: input, rhs: weight, expected: "input channels (\(input[3])) equal to the weight's Cin (\(weight[2]))")
        }
        guard stride >= 1, padding >= 0 else {
            throw EngineError.invalidArgument(op: op, message: "stride must be ≥ 1 and padding ≥ 0, got stride \(stride), padding \(padding)")
        }
        (n, h, w, cin) = (input[0], input[1], input[2], input[3])
        (kh, kw, cout) = (weight[0], weight[1], weight[3])
        (self.stride, self.padding) = (stride, padding)
        let spanH = h + 2 * padding - kh, spanW = w + 2 * padding - kw
        guard spanH >= 0, spanW >= 0, kh >= 1, kw >= 1 else {
            throw EngineError.shapeMismatch(op: op, lhs: input, rhs: weight, expected: "a kernel no larger than the padded image")
        }
        (oh, ow) = (spanH / stride + 1, spanW / stride + 1)
    }

    /// Fills `cols` (`rows × columns`) from the image `x`, zeros where the field leaves the image.
    func im2col(_ x: UnsafePointer<Float>, _ cols: UnsafeMutablePointer<Float>) {
        let g = self
        Threads.parallelFor(n * oh, grain: 8) { range in
            for row in range {
                let b = row / g.oh, oy = row % g.oh
                for ox in 0..<g.ow {
                    var dst = cols + ((row * g.ow) + ox) * g.columns
                    for ky in 0..<g.kh {
                        let iy = oy * g.stride + ky - g.padding
                        for kx in 0..<g.kw {
                            let ix = ox * g.stride + kx - g.padding
                            if iy >= 0, iy < g.h, ix >= 0, ix < g.w {
                                dst.update(from: x + ((b * g.h + iy) * g.w + ix) * g.cin, count: g.cin)
                            } else {
                                dst.update(repeating: 0, count: g.cin)
                            }
                            dst += g.cin
                        }
                    }
                }
            }
        }
    }

    /// Adds each column row back into the image gradient `dx` (zeroed by the caller): the adjoint of
    /// `im2col`. Images are split across threads, so no two threads write the same pixel.
    func col2im(_ cols: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>) {
        let g = self
        Threads.parallelFor(n, grain: 1) { range in
            for b in range {
                for oy in 0..<g.oh {
                    for ox in 0..<g.ow {
                        var src = cols + ((b * g.oh + oy) * g.ow + ox) * g.columns
                        for ky in 0..<g.kh {
                            let iy = oy * g.stride + ky - g.padding
                            for kx in 0..<g.kw {
                                let ix = ox * g.stride + kx - g.padding
                                if iy >= 0, iy < g.h, ix >= 0, ix < g.w {
                                    let d = dx + ((b * g.h + iy) * g.w + ix) * g.cin
                                    for c in 0..<g.cin { d[c] += src[c] }
                                }
                                src += g.cin
                            }
                        }
                    }
                }
            }
        }
    }
}

extension Tensor {
    /// Cross-correlation of an NHWC batch with a `[KH, KW, Cin, Cout]` kernel, plus an optional
    /// `[Cout]` bias, as in every deep-learning framework's `conv2d`.
    public static func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor? = nil,
                              stride: Int = 1, padding: Int = 0) throws -> Tensor {
        let g = try ConvolutionGeometry(input: x.shape, weight: weight.shape, stride: stride, padding: padding)
        if let bias, bias.shape != [g.cout] {
            throw EngineError.shapeMismatch(op: "conv2d", lhs: weight.shape, rhs: bias.shape, expected: "a bias of shape [\(g.cout)]")
        }
        let out = Tensor(uninitialized: [g.n, g.oh, g.ow, g.cout])
        if let bias {
            for r in 0..<g.rows { (out.pointer + r * g.cout).update(from: bias.pointer, count: g.cout) }
        }
        let beta: Float = bias == nil ? 0 : 1
        if g.isPointwise {
            Kernels.gemm(transposeA: false, transposeB: false, m: g.rows, n: g.cout, k: g.columns,
                         a: x.pointer, lda: g.columns, b: weight.pointer, ldb: g.cout,
                         beta: beta, c: out.pointer, ldc: g.cout)
        } else {
            let cols = Tensor(uninitialized: [g.rows, g.columns])
            g.im2col(x.pointer, cols.pointer)
            Kernels.gemm(transposeA: false, transposeB: false, m: g.rows, n: g.cout, k: g.columns,
                         a: cols.pointer, lda: g.columns, b: weight.pointer, ldb: g.cout,
                         beta: beta, c: out.pointer, ldc: g.cout)
        }
        let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
        return try Autodiff.record("conv2d", inputs: inputs, output: out) { dy in
            try conv2dBackward(x, weight, bias, dy, g)
        }
    }

    /// dL/dx, dL/dweight, dL/dbias from dL/dy `[N, OH, OW, Cout]`. The column matrix is rebuilt
    /// rather than kept from the forward pass: keeping it would hold 9× the input per layer.
    private static func conv2dBackward(_ x: Tensor, _ weight: Tensor, _ bias: Tensor?, _ dy: Tensor,
                                       _ g: ConvolutionGeometry) throws -> [Tensor?] {
        let cols: Tensor? = g.isPointwise ? nil : Tensor(uninitialized: [g.rows, g.columns])
        if let cols { g.im2col(x.pointer, cols.pointer) }
        let colsPointer = cols?.pointer ?? x.pointer
        var dw: Tensor? = nil
        if weight.requiresGrad {
            let t = Tensor(uninitialized: weight.shape)
            Kernels.gemm(transposeA: true, transposeB: false, m: g.columns, n: g.cout, k: g.rows,
                         a: colsPointer, lda: g.columns, b: dy.pointer, ldb: g.cout, c: t.pointer, ldc: g.cout)
            dw = t
        }
        var dx: Tensor? = nil
        if x.requiresGrad {
            let t = Tensor(uninitialized: x.shape)
            if let dcols = cols {
                // Reuse the column buffer for dL/dcols: the forward columns are no longer needed.
                Kernels.gemm(transposeA: false, transposeB: true, m: g.rows, n: g.columns, k: g.cout,
                             a: dy.pointer, lda: g.cout, b: weight.pointer, ldb: g.cout, c: dcols.pointer, ldc: g.columns)
                t.pointer.update(repeating: 0, count: t.count)
                g.col2im(dcols.pointer, t.pointer)
            } else {
                Kernels.gemm(transposeA: false, transposeB: true, m: g.rows, n: g.columns, k: g.cout,
                             a: dy.pointer, lda: g.cout, b: weight.pointer, ldb: g.cout, c: t.pointer, ldc: g.columns)
            }
            dx = t
        }
        var db: Tensor? = nil
        if let bias, bias.requiresGrad {
            db = Kernels.reduce(Tensor(shape: [g.rows, g.cout], storage: dy.storage, offset: dy.offset), to: [g.cout])
        }
        return bias == nil ? [dx, dw] : [dx, dw, db]
    }
}
