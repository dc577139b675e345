import Engine
import Foundation

/// How an edit with several references becomes one image, and how far its references agree.
extension Editor {
    /// How many training pairs an edit may fuse, as every front end checks it.
    public static let referenceCounts = 1...64

    /// The fusion of predictions made with `carriedSources.count` references onto x: each
    /// reference weighted per pixel by how closely its carried source matches x there.
    func fusion(of carriedSources: [[Float]], onto input: Image) throws -> ReferenceFusion {
        let plane = input.width * input.height, seen = input.pixels
        var weights = [Float](repeating: 0, count: carriedSources.count * plane)
        for p in 0..<plane {
            var total: Float = 0
            for (r, carried) in carriedSources.enumerated() {
                // Photometric error of the carried reference source against x at p.
                let error = (Swift.abs(carried[3 * p] - seen[3 * p]) + Swift.abs(carried[3 * p + 1] - seen[3 * p + 1])
                             + Swift.abs(carried[3 * p + 2] - seen[3 * p + 2])) / 3
                weights[r * plane + p] = Foundation.exp(-error / 0.05)
                total += weights[r * plane + p]
            }
            for r in carriedSources.indices { weights[r * plane + p] /= Swift.max(total, 1e-12) }
        }
        return ReferenceFusion(references: carriedSources.count, width: input.width, height: input.height, weights: weights)
    }
}

/// Per-pixel weights of R references over an image: `callAsFunction` fuses a prediction per
/// reference `[R, H, W, 3]` into one image, `spread` says how far the references disagree.
struct ReferenceFusion {
    let references: Int, width: Int, height: Int
    /// `references` planes of `width × height` weights, adding up to 1 at each pixel.
    let weights: [Float]

    /// The predictions' weighted mean, clamped to [0, 1].
    func callAsFunction(_ prediction: Tensor) throws -> Image {
        let plane = width * height, predictions = prediction.scalars
        var fused = [Float](repeating: 0, count: plane * 3)
        for p in 0..<plane {
            for r in 0..<references {
                for c in 0..<3 { fused[3 * p + c] += weights[r * plane + p] * predictions[(r * plane + p) * 3 + c] }
            }
            for c in 0..<3 { fused[3 * p + c] = Swift.min(Swift.max(fused[3 * p + c], 0), 1) }
        }
        return try Image(width: width, height: height, pixels: fused)
    }

    /// Per pixel, the references' weighted root-mean-square distance from their fused
    /// prediction `fused` (over the three channels, in [0, 1] units): 0 where they agree.
    func spread(of prediction: Tensor, around fused: Image) -> [Float] {
        let plane = width * height, predictions = prediction.scalars
        var spread = [Float](repeating: 0, count: plane)
        for p in 0..<plane {
            var total: Float = 0
            for r in 0..<references {
                var squared: Float = 0
                for c in 0..<3 {
                    let d = Swift.min(Swift.max(predictions[(r * plane + p) * 3 + c], 0), 1) - fused.pixels[3 * p + c]
                    squared += d * d
                }
                total += weights[r * plane + p] * squared / 3
            }
            spread[p] = total.squareRoot()
        }
        return spread
    }
}
