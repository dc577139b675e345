import Foundation

/// Image quality against ground truth: PSNR and SSIM, on samples in [0, 1].
public enum Metrics {
    /// Peak signal-to-noise ratio in dB, 10·log₁₀(1 / MSE) over all samples; +∞ for identical images.
    public static func psnr(_ a: Image, _ b: Image) throws -> Double {
        try requireSameSize(a, b, metric: "PSNR")
        var total: Double = 0
        for i in 0..<a.pixels.count {
            let d = Double(a.pixels[i] - b.pixels[i])
            total += d * d
        }
        let mse = total / Double(a.pixels.count)
        return mse == 0 ? .infinity : 10 * log10(1 / mse)
    }

    /// Structural similarity (Wang, Bovik, Sheikh & Simoncelli, 2004) as in their reference code:
    /// an 11×11 Gaussian window with σ = 1.5, K₁ = 0.01, K₂ = 0.03, dynamic range 1, averaged
    /// over the positions where the window fits inside the image, then over R, G and B.
    public static func ssim(_ a: Image, _ b: Image) throws -> Double {
        try requireSameSize(a, b, metric: "SSIM")
        let size = 11
        guard a.width >= size, a.height >= size else {
            throw ImageError.invalidSize("SSIM needs images of at least \(size)×\(size) pixels, got \(a.width)×\(a.height)")
        }
        let window = gaussianWindow(size: size, sigma: 1.5)
        let c1 = 0.01 * 0.01, c2 = 0.03 * 0.03
        let (w, h) = (a.width, a.height)
        let (ow, oh) = (w - size + 1, h - size + 1)
        var total: Double = 0
        for channel in 0..<3 {
            func plane(_ image: Image, _ f: (Double, Double) -> Double, _ other: Image) -> [Double] {
                (0..<(w * h)).map { f(Double(image.pixels[3 * $0 + channel]), Double(other.pixels[3 * $0 + channel])) }
            }
            let x = plane(a, { v, _ in v }, b), y = plane(b, { v, _ in v }, a)
            let xx = x.map { $0 * $0 }, yy = y.map { $0 * $0 }, xy = zip(x, y).map(*)
            let (mx, my) = (filter(x, w, h, window), filter(y, w, h, window))
            let (sxx, syy, sxy) = (filter(xx, w, h, window), filter(yy, w, h, window), filter(xy, w, h, window))
            var sum: Double = 0
            for i in 0..<(ow * oh) {
                let (ux, uy) = (mx[i], my[i])
                let vx = sxx[i] - ux * ux, vy = syy[i] - uy * uy, cov = sxy[i] - ux * uy
                sum += ((2 * ux * uy + c1) * (2 * cov + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2))
            }
            total += sum / Double(ow * oh)
        }
        return total / 3
    }

    /// Sharpness fidelity: the spectral energy of `output` above `radius` cycles per pixel (0.5
    /// is the Nyquist limit) over the same energy of `truth`, summed over R, G and B. 1 means as
    /// much fine detail as the truth, below 1 blurrier (regression's mark), above 1 noisier; nil
    /// when the truth has no energy there. PSNR cannot tell a blur from a faithful image that is
    /// slightly off everywhere; this can.
    public static func sharpness(_ output: Image, _ truth: Image, radius: Double = 0.25) throws -> Double? {
        try requireSameSize(output, truth, metric: "sharpness")
        let truthEnergy = try highFrequencyEnergy(truth, radius: radius)
        // "None" is below the DFT's Float32 rounding: 10⁻⁹ of the image's whole energy (by
        // Parseval, the pixel count times the sum of squared samples).
        let whole = Double(truth.width * truth.height) * truth.pixels.reduce(0) { $0 + Double($1) * Double($1) }
        return truthEnergy > 1e-9 * whole ? try highFrequencyEnergy(output, radius: radius) / truthEnergy : nil
    }

    /// Σ |DFT|² over the frequencies farther than `radius` cycles per pixel from zero.
    static func highFrequencyEnergy(_ image: Image, radius: Double) throws -> Double {
        let (real, imaginary) = try image.tensor.fourierTransform2D()
        let (re, im, w, h) = (real.scalars, imaginary.scalars, image.width, image.height)
        // Index k of an L-point DFT is frequency min(k, L − k)/L cycles per pixel.
        func frequency(_ k: Int, _ length: Int) -> Double { Double(Swift.min(k, length - k)) / Double(length) }
        var energy = 0.0
        for y in 0..<h {
            for x in 0..<w where (frequency(x, w) * frequency(x, w) + frequency(y, h) * frequency(y, h)).squareRoot() > radius {
                for c in 0..<3 {
                    let i = (y * w + x) * 3 + c
                    energy += Double(re[i]) * Double(re[i]) + Double(im[i]) * Double(im[i])
                }
            }
        }
        return energy
    }

    /// A normalised 1-D Gaussian of `size` taps.
    static func gaussianWindow(size: Int, sigma: Double) -> [Double] {
        let centre = Double(size - 1) / 2
        let taps = (0..<size).map { exp(-pow(Double($0) - centre, 2) / (2 * sigma * sigma)) }
        let sum = taps.reduce(0, +)
        return taps.map { $0 / sum }
    }

    /// The separable 'valid' filtering of a `w × h` plane by `window` in both directions.
    static func filter(_ plane: [Double], _ w: Int, _ h: Int, _ window: [Double]) -> [Double] {
        let k = window.count, ow = w - k + 1, oh = h - k + 1
        var rows = [Double](repeating: 0, count: ow * h)
        for y in 0..<h { for x in 0..<ow {
            var s: Double = 0
            for t in 0..<k { s += window[t] * plane[y * w + x + t] }
            rows[y * ow + x] = s
        } }
        var out = [Double](repeating: 0, count: ow * oh)
        for y in 0..<oh { for x in 0..<ow {
            var s: Double = 0
            for t in 0..<k { s += window[t] * rows[(y + t) * ow + x] }
            out[y * ow + x] = s
        } }
        return out
    }

    private static func requireSameSize(_ a: Image, _ b: Image, metric: String) throws {
        guard a.width == b.width, a.height == b.height else {
            throw ImageError.invalidSize("\(metric) compares images of one size, got \(a.width)×\(a.height) and \(b.width)×\(b.height)")
        }
    }
}
