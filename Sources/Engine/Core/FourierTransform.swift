import Foundation

/// The 2-D discrete Fourier transform of real NHWC images, for frequency-domain losses.
///
/// Computed as two real GEMMs per axis with precomputed cosine and sine matrices
/// (`F[k, n] = e^{−2πikn/L}`), which is faster than an FFT at the sizes used here (≤ 256) and is
/// composed of matmul, permute and add, so its backward comes from theirs.
extension Tensor {
    /// The DFT over the H and W axes of x `[N, H, W, C]`, as real and imaginary parts of the same shape.
    public func fourierTransform2D() throws -> (real: Tensor, imaginary: Tensor) {
        guard rank == 4 else { throw EngineError.invalidShape(op: "fourierTransform2D", shape: shape, expected: "an NHWC batch [N, H, W, C]") }
        let (n, h, w, c) = (shape[0], shape[1], shape[2], shape[3])
        let (cosW, sinW) = try Tensor.dftMatrices(w), (cosH, sinH) = try Tensor.dftMatrices(h)
        // Along W: each row x[·] becomes Σₙ x[n]·(cos − i·sin).
        let rowsW = try permuted([0, 3, 1, 2]).reshaped(to: [n * c * h, w])
        let aReal = try Tensor.matmul(rowsW, cosW), aImag = try -Tensor.matmul(rowsW, sinW)
        // Along H: transpose so that H is the row axis, then multiply by (cos − i·sin) again.
        func alongH(_ t: Tensor) throws -> Tensor {
            try t.reshaped(to: [n * c, h, w]).permuted([0, 2, 1]).reshaped(to: [n * c * w, h])
        }
        let (tr, ti) = (try alongH(aReal), try alongH(aImag))
        let real = try Tensor.matmul(tr, cosH) + Tensor.matmul(ti, sinH)
        let imaginary = try Tensor.matmul(ti, cosH) - Tensor.matmul(tr, sinH)
        func back(_ t: Tensor) throws -> Tensor { try t.reshaped(to: [n, c, w, h]).permuted([0, 3, 2, 1]) }
        return (try back(real), try back(imaginary))
    }

    /// cos(2πkn/L) and sin(2πkn/L) as `[L, L]` constants.
    private static func dftMatrices(_ length: Int) throws -> (Tensor, Tensor) {
        let cosine = try Tensor(validated: [length, length], op: "fourierTransform2D")
        let sine = try Tensor(validated: [length, length], op: "fourierTransform2D")
        for k in 0..<length {
            for j in 0..<length {
                // k·j mod L keeps the angle small, so the table is accurate for large L.
                let angle = 2 * Double.pi * Double((k * j) % length) / Double(length)
                cosine.pointer[k * length + j] = Float(Foundation.cos(angle))
                sine.pointer[k * length + j] = Float(Foundation.sin(angle))
            }
        }
        return (cosine, sine)
    }
}
