import DirectConvolution

/// 2-D convolution over NHWC images: by the direct kernels where they apply (`isDirect`: square
/// kernels of stride 1 or 2, on CPUs with AVX-512), else by im2col and
/// GEMM over blocks of the whole batch, described here.
///
/// Shapes: x is `[N, H, W, Cin]`, weight `[KH, KW, Cin, Cout]`, bias `[Cout]`, output
/// `[N, OH, OW, Cout]` with `OH = (H + 2·pad − KH) / stride + 1`. The column matrix is
/// `[N·OH·OW, KH·KW·Cin]` (formed a cache-sized block at a time): one row per output pixel, holding its receptive field as KH·KW
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
        guard (1...(1 << 15)).contains(stride), (0...(1 << 15)).contains(padding) else {
            throw EngineError.invalidArgument(op: op, message: "stride must be 1…32768 and padding 0…32768, got stride \(stride), padding \(padding)")
        }
        (n, h, w, cin) = (input[0], input[1], input[2], input[3])
        (kh, kw, cout) = (weight[0], weight[1], weight[3])
        (self.stride, self.padding) = (stride, padding)
        let spanH = h + 2 * padding - kh, spanW = w + 2 * padding - kw
        guard spanH >= 0, spanW >= 0, kh >= 1, kw >= 1 else {
            throw EngineError.shapeMismatch(op: op, lhs: input, rhs: weight, expected: "a kernel no larger than the padded image")
        }
        (oh, ow) = (spanH / stride + 1, spanW / stride + 1)
        try Tensor.validate([n, oh, ow, cout], op: op)
        try Tensor.validate([ow, kh * kw * cin], op: op)  // the smallest block of the column matrix
    }

    /// Output image rows (`N·OH` of them, each `OW` pixels) per block of the column matrix. A block
    /// of about 4 MiB stays in cache between im2col writing it and the GEMM reading it; the whole
    /// matrix (9× the input) would not, and at 64×64 the extra trip through memory cost a fifth of
    /// the convolution's speed (`likewise bench ops`).
    var blockImageRows: Int { max(1, min(n * oh, (4 << 20) / max(ow * columns * 4, 1))) }

    /// Fills `cols` with the column-matrix rows of output image rows `imageRows` (each `OW` matrix
    /// rows), zeros where the field leaves the image. The KW taps of one kernel row are KW
    /// neighbouring pixels, so inside the image they are one run of KW·Cin floats: one copy, not
    /// KW (a copy of 16 channels costs about as much to start as to do).
    func im2col(_ x: UnsafePointer<Float>, _ cols: UnsafeMutablePointer<Float>, imageRows: Range<Int>) {
        let g = self
        let run = g.kw * g.cin
        Threads.parallelFor(imageRows.count, grain: 2) { range in
            for local in range {
                let row = imageRows.lowerBound + local
                let b = row / g.oh, oy = row % g.oh
                for ox in 0..<g.ow {
                    var dst = cols + ((local * g.ow) + ox) * g.columns
                    // Taps left of the image, inside it, and right of it.
                    let x0 = ox * g.stride - g.padding
                    let left = Swift.min(Swift.max(-x0, 0), g.kw), right = Swift.min(Swift.max(x0 + g.kw - g.w, 0), g.kw - left)
                    let inside = g.kw - left - right
                    for ky in 0..<g.kh {
                        let iy = oy * g.stride + ky - g.padding
                        if iy < 0 || iy >= g.h || inside == 0 {
                            dst.update(repeating: 0, count: run)
                        } else {
                            if left > 0 { dst.update(repeating: 0, count: left * g.cin) }
                            (dst + left * g.cin).update(from: x + ((b * g.h + iy) * g.w + x0 + left) * g.cin, count: inside * g.cin)
                            if right > 0 { (dst + (left + inside) * g.cin).update(repeating: 0, count: right * g.cin) }
                        }
                        dst += run
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

extension ConvolutionGeometry {
    /// Whether this CPU has the direct kernels (AVX-512).
    static let directKernelsAvailable = likewise_direct_convolution_available() != 0
    /// Off in a scope, every convolution takes the im2col path (tests compare the two).
    @TaskLocal static var allowsDirect = true

    /// Whether the direct kernels compute this convolution: a square kernel, stride 1 or 2 —
    /// every layer of the editor's networks. (`bench ops`: at 64 px × 16 channels im2col + GEMM
    /// ran at a quarter of sgemm's speed, at 128 channels 0.7 of it.)
    var isDirect: Bool {
        ConvolutionGeometry.directKernelsAvailable && ConvolutionGeometry.allowsDirect && (stride == 1 || stride == 2) && kh == kw
            && rows > 0 && cin > 0 && cout > 0
    }

    /// y = x ⊛ weight (+ bias) by the direct kernels, output rows split across threads. The
    /// kernels read x in place, skipping the taps that fall in the padding (a zero-padded copy
    /// of every input cost 3 copies a convolution in a training step).
    func convolveDirectly(_ x: Tensor, _ weight: Tensor, bias: Tensor?) -> Tensor {
        let out = Tensor(uninitialized: [n, oh, ow, cout])
        let (source, w, b, y) = (x.pointer, weight.pointer, bias?.pointer, out.pointer)
        let g = self
        Threads.parallelFor(n * oh, grain: 2) { rows in
            likewise_direct_convolution_forward(source, Int32(g.h), Int32(g.w), Int32(g.cin), Int32(g.padding), w, Int32(g.kh),
                                                Int32(g.stride), b.map { UnsafePointer($0) }, Int32(g.cout), y, Int32(g.oh), Int32(g.ow),
                                                Int32(rows.lowerBound), Int32(rows.upperBound))
        }
        return out
    }

    /// dL/dweight by the direct kernels: each (tap, block of input channels) sums over every
    /// pixel in one order, so the result is the same on any number of threads.
    func weightGradientDirectly(_ x: Tensor, _ dy: Tensor) -> Tensor {
        let dw = Tensor(uninitialized: [kh, kw, cin, cout])
        let (source, gradient, out) = (x.pointer, dy.pointer, dw.pointer)
        let g = self
        let units = Int(likewise_direct_convolution_weight_gradient_units(Int32(cin), Int32(kh), Int32(cout)))
        Threads.parallelFor(units, grain: 1) { units in
            likewise_direct_convolution_weight_gradient(source, Int32(g.h), Int32(g.w), Int32(g.cin), Int32(g.padding), gradient,
                                                        Int32(g.n), Int32(g.oh), Int32(g.ow), Int32(g.cout), Int32(g.kh), Int32(g.stride), out,
                                                        Int32(units.lowerBound), Int32(units.upperBound))
        }
        return dw
    }

    /// Calls `body` for each block of output image rows with that block's column matrix and its
    /// number of matrix rows; for a pointwise convolution, once, with the image itself.
    func forEachBlock(of x: UnsafePointer<Float>, _ body: (Range<Int>, UnsafePointer<Float>, Int) -> Void) {
        if isPointwise {
            body(0..<(n * oh), x, rows)
            return
        }
        let block = blockImageRows
        let buffer = Tensor(uninitialized: [block * ow, columns])
        var start = 0
        while start < n * oh {
            let imageRows = start..<min(start + block, n * oh)
            im2col(x, buffer.pointer, imageRows: imageRows)
            body(imageRows, buffer.pointer, imageRows.count * ow)
            start = imageRows.upperBound
        }
    }

    /// y = x ⊛ weight (+ bias), unrecorded.
    func convolve(_ x: Tensor, _ weight: Tensor, bias: Tensor?) -> Tensor {
        if isDirect { return convolveDirectly(x, weight, bias: bias) }
        let out = Tensor(uninitialized: [n, oh, ow, cout])
        if let bias {
            for r in 0..<rows { (out.pointer + r * cout).update(from: bias.pointer, count: cout) }
        }
        let beta: Float = bias == nil ? 0 : 1
        forEachBlock(of: x.pointer) { imageRows, cols, matrixRows in
            Kernels.gemm(transposeA: false, transposeB: false, m: matrixRows, n: cout, k: columns,
                         a: cols, lda: columns, b: weight.pointer, ldb: cout,
                         beta: beta, c: out.pointer + imageRows.lowerBound * ow * cout, ldc: cout)
        }
        return out
    }

    /// dL/dx for dL/dy `[N, OH, OW, Cout]`. With stride 1 this is itself a convolution: dy
    /// convolved with the kernel flipped in space and transposed in channels, padded by K−1−pad,
    /// which runs block by block like the forward pass; otherwise the whole column gradient is
    /// formed and folded back by `col2im`.
    func inputGradient(_ dy: Tensor, _ weight: Tensor) throws -> Tensor {
        // An empty image padded into a non-empty output has an empty gradient; the flipped-kernel
        // convolution below would be asked for a kernel wider than its padded input.
        if n * h * w * cin == 0 { return Tensor(uninitialized: [n, h, w, cin]) }
        if isPointwise {
            let dx = Tensor(uninitialized: [n, h, w, cin])
            Kernels.gemm(transposeA: false, transposeB: true, m: rows, n: cin, k: cout,
                         a: dy.pointer, lda: cout, b: weight.pointer, ldb: cout, c: dx.pointer, ldc: cin)
            return dx
        }
        if stride == 1, kh == kw, padding <= kh - 1 {
            let flipped = Tensor(uninitialized: [kh, kw, cout, cin])
            for ky in 0..<kh { for kx in 0..<kw { for ci in 0..<cin { for co in 0..<cout {
                flipped.pointer[((ky * kw + kx) * cout + co) * cin + ci] =
                    weight.pointer[(((kh - 1 - ky) * kw + (kw - 1 - kx)) * cin + ci) * cout + co]
            } } } }
            let transposed = try ConvolutionGeometry(input: dy.shape, weight: flipped.shape, stride: 1, padding: kh - 1 - padding)
            return transposed.convolve(dy, flipped, bias: nil)
        }
        let dcols = try Tensor(validated: [rows, columns], op: "conv2d backward")
        Kernels.gemm(transposeA: false, transposeB: true, m: rows, n: columns, k: cout,
                     a: dy.pointer, lda: cout, b: weight.pointer, ldb: cout, c: dcols.pointer, ldc: columns)
        let dx = try Tensor.zeros([n, h, w, cin])
        col2im(dcols.pointer, dx.pointer)
        return dx
    }

    /// dL/dweight `[KH, KW, Cin, Cout]` = colsᵀ·dy, accumulated block by block.
    func weightGradient(_ x: Tensor, _ dy: Tensor) -> Tensor {
        if isDirect { return weightGradientDirectly(x, dy) }
        let dw = Tensor(uninitialized: [kh, kw, cin, cout])
        var beta: Float = 0
        forEachBlock(of: x.pointer) { imageRows, cols, matrixRows in
            Kernels.gemm(transposeA: true, transposeB: false, m: columns, n: cout, k: matrixRows,
                         a: cols, lda: columns, b: dy.pointer + imageRows.lowerBound * ow * cout, ldb: cout,
                         beta: beta, c: dw.pointer, ldc: cout)
            beta = 1
        }
        return dw
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
        let out = g.convolve(x, weight, bias: bias)
        let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
        let flops = 2 * Double(g.rows) * Double(g.columns) * Double(g.cout)
        return try Autodiff.record("conv2d", inputs: inputs, output: out, flops: flops) { dy in
            let dx = x.requiresGrad ? try g.inputGradient(dy, weight) : nil
            let dw = weight.requiresGrad ? g.weightGradient(x, dy) : nil
            guard let bias else { return [dx, dw] }
            let db = bias.requiresGrad ? Kernels.reduce(Tensor(shape: [g.rows, g.cout], storage: dy.storage, offset: dy.offset), to: [g.cout]) : nil
            return [dx, dw, db]
        }
    }
}
