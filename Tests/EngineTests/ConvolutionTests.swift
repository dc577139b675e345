@testable import Engine
import TestSupport
import Testing

@Suite(.hangLimit)
struct ConvolutionTests {
    /// The definition, one multiply-add at a time.
    func naiveConvolution(_ x: Tensor, _ w: Tensor, stride: Int, padding: Int) -> [Float] {
        let (n, h, wd, cin) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (kh, kw, cout) = (w.shape[0], w.shape[1], w.shape[3])
        let oh = (h + 2 * padding - kh) / stride + 1, ow = (wd + 2 * padding - kw) / stride + 1
        var out = [Float](repeating: 0, count: n * oh * ow * cout)
        for b in 0..<n { for oy in 0..<oh { for ox in 0..<ow { for co in 0..<cout {
            var acc: Float = 0
            for ky in 0..<kh { for kx in 0..<kw { for ci in 0..<cin {
                let iy = oy * stride + ky - padding, ix = ox * stride + kx - padding
                guard iy >= 0, iy < h, ix >= 0, ix < wd else { continue }
                acc += x.pointer[((b * h + iy) * wd + ix) * cin + ci] * w.pointer[((ky * kw + kx) * cin + ci) * cout + co]
            } } }
            out[((b * oh + oy) * ow + ox) * cout + co] = acc
        } } } }
        return out
    }

    @Test(arguments: [(3, 1, 1), (3, 2, 1), (3, 1, 0), (1, 1, 0), (1, 2, 0), (5, 2, 2), (5, 1, 3), (7, 1, 3), (7, 2, 3)])
    func matchesTheDefinition(kernel: Int, stride: Int, padding: Int) throws {
        let x = try random([2, 7, 6, 3], seed: 1), w = try random([kernel, kernel, 3, 4], seed: 2)
        let y = try Tensor.conv2d(x, weight: w, stride: stride, padding: padding)
        expectClose(y.scalars, naiveConvolution(x, w, stride: stride, padding: padding))
    }

    @Test func mismatchedChannelsNameBothShapes() throws {
        let error = #expect(throws: EngineError.self) {
            try Tensor.conv2d(random([1, 4, 4, 3]), weight: random([3, 3, 8, 16]), padding: 1)
        }
        #expect(error?.description == "conv2d: shapes [1×4×4×3] and [3×3×8×16] do not fit: input channels (3) equal to the weight's Cin (8)")
    }

    @Test func aKernelLargerThanThePaddedImageIsAnError() throws {
        #expect(throws: EngineError.self) { try Tensor.conv2d(random([1, 2, 2, 1]), weight: random([5, 5, 1, 1])) }
        #expect(throws: EngineError.self) { try Tensor.conv2d(random([1, 4, 4, 1]), weight: random([3, 3, 1, 1]), stride: 0) }
    }
}

extension ConvolutionTests {
    @Test func anEmptyImagePaddedIntoAnOutputHasAnEmptyGradient() throws {
        // Found by the engine fuzzer: the forward succeeded, the backward refused.
        let x = try random([1, 4, 0, 3]).requiringGrad(), w = try random([3, 3, 3, 2]).requiringGrad()
        let y = try Tensor.conv2d(x, weight: w, padding: 2)
        #expect(y.shape == [1, 6, 2, 2])
        try y.backward(seed: Tensor(shape: y.shape, repeating: 1))
        #expect(x.grad?.shape == [1, 4, 0, 3])
        #expect(w.grad?.scalars.allSatisfy { $0 == 0 } == true)
    }
}

/// The direct kernels (square kernels, stride 1 or 2, AVX-512) against the definition and against
/// the im2col path, forward and every gradient: kernel sizes, strides, paddings, output channels
/// in masked and whole registers and in chunks of up to 96, input channels that are not
/// multiples of the weight gradient's blocks, and rows that are not multiples of the pixel blocks.
@Suite(.hangLimit, .enabled(if: ConvolutionGeometry.directKernelsAvailable, "this CPU has no AVX-512: every convolution takes the im2col path"))
struct DirectConvolutionTests {
    // (kernel, stride, padding, Cin, Cout)
    @Test(arguments: [(3, 1, 1, 3, 16), (3, 1, 0, 12, 16), (1, 1, 0, 5, 32), (5, 1, 2, 33, 16), (3, 1, 2, 8, 32), (5, 1, 4, 1, 32),
                      (3, 1, 1, 16, 3), (3, 1, 1, 16, 2), (3, 2, 1, 16, 32), (3, 2, 1, 7, 40), (3, 1, 1, 9, 48), (3, 2, 0, 5, 64),
                      (3, 1, 1, 6, 96), (2, 2, 0, 4, 80), (3, 1, 1, 12, 128), (3, 2, 1, 7, 100), (1, 1, 0, 9, 200), (3, 1, 1, 4, 192)])
    func matchesTheDefinitionAndTheIm2colPath(kernel: Int, stride: Int, padding: Int, cin: Int, cout: Int) throws {
        let x = try random([2, 6, 11, cin], seed: 1).requiringGrad(), w = try random([kernel, kernel, cin, cout], seed: 2).requiringGrad()
        let b = try random([cout], seed: 3).requiringGrad()
        let geometry = try ConvolutionGeometry(input: x.shape, weight: w.shape, stride: stride, padding: padding)
        #expect(geometry.isDirect)
        func run() throws -> (y: [Float], dx: [Float], dw: [Float], db: [Float]) {
            x.grad = nil; w.grad = nil; b.grad = nil
            let y = try Tensor.conv2d(x, weight: w, bias: b, stride: stride, padding: padding)
            try (y * random(y.shape, seed: 4)).sum().backward()
            return (y.scalars, x.grad?.scalars ?? [], w.grad?.scalars ?? [], b.grad?.scalars ?? [])
        }
        let direct = try run()
        let im2col = try ConvolutionGeometry.$allowsDirect.withValue(false) { try run() }
        let bias = b.scalars
        let definition = ConvolutionTests().naiveConvolution(x, w, stride: stride, padding: padding).enumerated().map { $1 + bias[$0 % cout] }
        expectClose(direct.y, definition)
        expectClose(direct.y, im2col.y)
        expectClose(direct.dx, im2col.dx)
        expectClose(direct.dw, im2col.dw, tolerance: 1e-3)
        expectClose(direct.db, im2col.db)
    }

    /// A dy of more than a sweep's 256 KB is summed sweep by sweep into the weight gradient (1 MB
    /// at 16 channels: four sweeps of 64 rows; 8 MB at 128: 32 sweeps of 8, in chunks of 64 + 64
    /// output channels).
    @Test(arguments: [16, 128])
    func aWeightGradientSummedInSweepsMatchesTheIm2colPath(cout: Int) throws {
        let x = try random([4, 64, 64, 5], seed: 9), w = try random([3, 3, 5, cout], seed: 10)
        let geometry = try ConvolutionGeometry(input: x.shape, weight: w.shape, stride: 1, padding: 1)
        let dy = try random([4, 64, 64, cout], seed: 11)
        let im2col = ConvolutionGeometry.$allowsDirect.withValue(false) { geometry.weightGradient(x, dy) }
        expectClose(geometry.weightGradient(x, dy).scalars, im2col.scalars, tolerance: 1e-3)
    }

    /// x with `padding` zeros on every side, as a tensor of its own.
    func zeroPadded(_ x: Tensor, _ padding: Int) throws -> Tensor {
        let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (hp, wp) = (h + 2 * padding, w + 2 * padding)
        var out = [Float](repeating: 0, count: n * hp * wp * c)
        let values = x.scalars
        for b in 0..<n { for y in 0..<h { for i in 0..<(w * c) {
            out[((b * hp + y + padding) * wp + padding) * c + i] = values[((b * h + y) * w) * c + i]
        } } }
        return try Tensor(shape: [n, hp, wp, c], scalars: out)
    }

    // (height, width, kernel, stride, padding, Cin, Cout): borders on every side, images smaller
    // than the kernel, strides that skip the last column, blocks of input channels left partial.
    @Test(arguments: [(1, 1, 3, 1, 1, 5, 16), (2, 3, 3, 2, 1, 9, 40), (6, 11, 3, 1, 1, 3, 96), (5, 4, 5, 2, 2, 4, 20),
                      (3, 2, 5, 1, 4, 2, 8), (7, 9, 3, 2, 1, 16, 64), (4, 5, 3, 1, 1, 6, 130)])
    func readingInPlaceSumsWhatAZeroPaddedCopyWouldBitForBit(h: Int, w: Int, kernel: Int, stride: Int, padding: Int, cin: Int, cout: Int) throws {
        let x = try random([2, h, w, cin], seed: 5), weights = try random([kernel, kernel, cin, cout], seed: 6)
        let b = try random([cout], seed: 7)
        let inPlace = try ConvolutionGeometry(input: x.shape, weight: weights.shape, stride: stride, padding: padding)
        let padded = try zeroPadded(x, padding)
        let copy = try ConvolutionGeometry(input: padded.shape, weight: weights.shape, stride: stride, padding: 0)
        #expect(inPlace.isDirect && copy.isDirect)
        let y = inPlace.convolve(x, weights, bias: b)
        #expect(y.scalars == copy.convolve(padded, weights, bias: b).scalars)
        let dy = try random(y.shape, seed: 8)
        #expect(inPlace.weightGradient(x, dy).scalars == copy.weightGradient(padded, dy).scalars)
    }
}
