import Engine
import Foundation

/// The editor's case bank: for the n-to-n pairings, every ordered case (i, j) of the training
/// pairs — pair i's source and target carried into pair j's source's frame by Mx — prepared once
/// (or on first use) and kept; the same carrying onto a new image when it is edited; and the
/// training pairs nearest to an image, its references.
extension Editor {
    /// Prepares every case of an n-to-n editor that does not train Mx (end to end, each case is
    /// carried in its step); `progress` hears how many of the N·(N−1) are done.
    func prepareCases(checkInterrupt: () throws -> Void, progress: (Int, Int) -> Void) throws {
        guard conditioning.carriesReferences, !endToEnd else { return }
        let n = pairs.count
        var done = 0
        for i in 0..<n {
            for j in 0..<n where i != j {
                try checkInterrupt()
                _ = try carriedReference(i, onto: j)
                done += 1
                progress(done, n * (n - 1))
            }
        }
    }

    /// Pair i's source and target carried into pair j's source's frame, prepared on first use.
    func carriedReference(_ i: Int, onto j: Int) throws -> CarriedReference {
        if let ready = carried[i * pairs.count + j] { return ready }
        let reference = try carried(i, onto: pairs[j].source)
        carried[i * pairs.count + j] = reference
        return reference
    }

    /// Training pair i's source and target carried into the frame of a new image `x` (of the
    /// preset's size) by the transformation estimated between their sources (as they are, under
    /// `.noTransformation`), with that transformation when the head reads it.
    func carried(_ i: Int, onto x: Image) throws -> CarriedReference {
        if ablation == .noTransformation { return CarriedReference(source: pairs[i].source, target: pairs[i].target) }
        let mx = try Transformation.estimate(reference: pairs[i].source, target: x, flowEstimator: flowEstimator)
        return CarriedReference(source: try mx.carry(pairs[i].source), target: try mx.carry(pairs[i].target),
                                transformation: transformChannels ? mx : nil)
    }

    /// The sum of squared differences of two thumbnails.
    static func squaredDistance(_ a: [Float], _ b: [Float]) -> Float {
        var total: Float = 0
        for (u, v) in zip(a, b) { total += (u - v) * (u - v) }
        return total
    }

    /// The `count` training pairs whose sources are nearest to `x` (squared difference at 16×16).
    func nearest(to x: Image, count: Int) throws -> [Int] {
        let probe = try x.resized(width: 16, height: 16).pixels
        let distances = thumbnails.map { Editor.squaredDistance($0, probe) }
        // Damaged pairs (see `damagedPairHashes`) are references only when no other is left.
        let intact = distances.indices.filter { damagedPairHashes[pairs[$0].name] == nil }
        return Array((intact.isEmpty ? Array(distances.indices) : intact).sorted { distances[$0] < distances[$1] }.prefix(count))
    }
}

/// A training pair's source and target carried into another image's frame, and the
/// transformation that carried them when the head reads it as channels.
struct CarriedReference {
    let source: Image, target: Image
    var transformation: Transformation? = nil
}
