/// A classical global colour fit: each output channel a quadratic polynomial of the input's RGB
/// (1, r, g, b, r², g², b², rg, rb, gb), least squares over every pixel of a set of pairs. What
/// a photographer's preset does — one curve for the whole picture — and so the baseline a learned
/// effect must beat where its edit is local.
public struct ColourPolynomial: Sendable, Equatable {
    /// Per output channel, the ten terms' coefficients.
    public let coefficients: [Float]

    static let terms = 10

    @inline(__always)
    static func features(_ r: Double, _ g: Double, _ b: Double) -> (Double, Double, Double, Double, Double, Double, Double, Double, Double, Double) {
        (1, r, g, b, r * r, g * g, b * b, r * g, r * b, g * b)
    }

    /// The polynomial that best maps every source pixel of `pairs` to its target's, pulled a
    /// trace towards the identity (so that a set whose colours span a plane still has a fit).
    public static func fit(_ pairs: [Pair]) throws -> ColourPolynomial {
        guard !pairs.isEmpty else { throw EngineError.invalidArgument(op: "ColourPolynomial.fit", message: "no pairs to fit") }
        var a = [Double](repeating: 0, count: terms * terms), b = [Double](repeating: 0, count: terms * 3)
        var count = 0
        for pair in pairs {
            guard pair.source.width == pair.target.width, pair.source.height == pair.target.height else {
                throw EngineError.shapeMismatch(op: "ColourPolynomial.fit", lhs: [pair.source.height, pair.source.width],
                                                rhs: [pair.target.height, pair.target.width], expected: "a pair of one size")
            }
            let (s, t) = (pair.source.pixels, pair.target.pixels)
            var f = [Double](repeating: 0, count: terms)
            for p in stride(from: 0, to: s.count, by: 3) {
                let v = features(Double(s[p]), Double(s[p + 1]), Double(s[p + 2]))
                (f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9]) = v
                for i in 0..<terms {
                    for j in i..<terms { a[i * terms + j] += f[i] * f[j] }
                    for k in 0..<3 { b[i * 3 + k] += f[i] * Double(t[p + k]) }
                }
            }
            count += s.count / 3
        }
        let ridge = 1e-6 * Double(count)
        for i in 0..<terms {
            for j in 0..<i { a[i * terms + j] = a[j * terms + i] }
            a[i * terms + i] += ridge
        }
        for k in 0..<3 { b[(1 + k) * 3 + k] += ridge }  // the identity: channel k = its own input
        guard let x = solveLinear(a, b, n: terms, columns: 3) else {
            throw EngineError.invalidArgument(op: "ColourPolynomial.fit", message: "the pairs' colours give no solvable fit")
        }
        return ColourPolynomial(coefficients: (0..<3).flatMap { k in (0..<terms).map { Float(x[$0 * 3 + k]) } })
    }

    public init(coefficients: [Float]) { self.coefficients = coefficients }

    /// `image` with every pixel mapped, clamped to [0, 1].
    public func applied(to image: Image) throws -> Image {
        var out = image.pixels
        let c = coefficients.map(Double.init)
        for p in stride(from: 0, to: out.count, by: 3) {
            let v = ColourPolynomial.features(Double(image.pixels[p]), Double(image.pixels[p + 1]), Double(image.pixels[p + 2]))
            for k in 0..<3 {
                let w = k * ColourPolynomial.terms
                let value = c[w] * v.0 + c[w + 1] * v.1 + c[w + 2] * v.2 + c[w + 3] * v.3 + c[w + 4] * v.4
                    + c[w + 5] * v.5 + c[w + 6] * v.6 + c[w + 7] * v.7 + c[w + 8] * v.8 + c[w + 9] * v.9
                out[p + k] = Float(min(max(value, 0), 1))
            }
        }
        return try Image(width: image.width, height: image.height, pixels: out)
    }
}
