@testable import Engine
import Foundation
import TestSupport
import Testing

@Suite(.hangLimit)
struct FourierTransformTests {
    @Test func matchesTheDefinition() throws {
        let (n, h, w, c) = (2, 4, 6, 2)
        let x = try random([n, h, w, c])
        let (real, imaginary) = try x.fourierTransform2D()
        for b in 0..<n { for u in 0..<h { for v in 0..<w { for ch in 0..<c {
            var re = 0.0, im = 0.0
            for y in 0..<h { for xx in 0..<w {
                let angle = -2 * Double.pi * (Double(u * y) / Double(h) + Double(v * xx) / Double(w))
                let value = Double(x.pointer[((b * h + y) * w + xx) * c + ch])
                re += value * cos(angle)
                im += value * sin(angle)
            } }
            let i = ((b * h + u) * w + v) * c + ch
            #expect(abs(Double(real.pointer[i]) - re) < 1e-4)
            #expect(abs(Double(imaginary.pointer[i]) - im) < 1e-4)
        } } } }
    }

}
