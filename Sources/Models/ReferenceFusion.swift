import Engine
import Foundation

/// How an edit with several references becomes one image.
extension Editor {
    /// How many training pairs an edit may fuse, as every front end checks it.
    public static let referenceCounts = 1...64

    /// A function that fuses a prediction per reference `[R, H, W, 3]` into one image, each
    /// reference weighted per pixel by how closely its carried source matches x there.
    func fusion(of carriedSources: [[Float]], onto input: Image) throws -> (Tensor) throws -> Image {
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
        return { prediction in
            let predictions = prediction.scalars
            var fused = [Float](repeating: 0, count: plane * 3)
            for p in 0..<plane {
                for r in carriedSources.indices {
                    for c in 0..<3 { fused[3 * p + c] += weights[r * plane + p] * predictions[(r * plane + p) * 3 + c] }
                }
                for c in 0..<3 { fused[3 * p + c] = Swift.min(Swift.max(fused[3 * p + c], 0), 1) }
            }
            return try Image(width: input.width, height: input.height, pixels: fused)
        }
    }
}
