import Engine
import Foundation

/// One method's scores on held-out pairs, as `likewise eval` reports them.
public struct EvaluationRow: Codable, Sendable, Equatable {
    /// "identity", "n2n", "one2one" or "pix2pix".
    public var method: String
    /// Training pairs (0 for identity).
    public var pairs: Int
    /// Whole-image PSNR (dB) and SSIM, averaged over the held-out pairs.
    public var psnr: Double, ssim: Double
    /// PSNR over the edit region (where the truth differs from the source), averaged over the
    /// held-out pairs that have one; the headline number.
    public var editPSNR: Double?
    /// The edit region's mean share of the image.
    public var editCover: Double
    public var steps: Int
    public var trainSeconds: Double

    enum CodingKeys: String, CodingKey {
        case method, pairs, psnr, ssim, editPSNR = "edit_psnr", editCover = "edit_cover", steps, trainSeconds = "train_seconds"
    }

    public init(method: String, pairs: Int, psnr: Double, ssim: Double, editPSNR: Double?, editCover: Double, steps: Int, trainSeconds: Double) {
        (self.method, self.pairs, self.psnr, self.ssim, self.editPSNR, self.editCover, self.steps, self.trainSeconds) =
            (method, pairs, psnr, ssim, editPSNR, editCover, steps, trainSeconds)
    }

    /// The columns of a table of rows (the language's `evaluate`, the demo's metrics).
    public static let tableColumns = ["method", "PSNR", "SSIM", "edit PSNR", "edit cover"]

    /// This row's cells under `tableColumns`.
    public var tableCells: [String] {
        [method, String(format: "%.2f", psnr), String(format: "%.4f", ssim), editPSNR.map { String(format: "%.2f", $0) } ?? "—",
         String(format: "%.3f", editCover)]
    }

    /// `predict`'s scores on `heldout`: each pair's source in, its target the truth.
    public static func score(method: String, pairs: Int, steps: Int, trainSeconds: Double, on heldout: [Pair],
                             checkInterrupt: () throws -> Void = {}, predict: (Image) throws -> Image) throws -> EvaluationRow {
        guard !heldout.isEmpty else { throw EngineError.invalidArgument(op: "evaluate", message: "no held-out pairs to score on") }
        var (psnr, ssim, edit, edited, cover) = (0.0, 0.0, 0.0, 0, 0.0)
        for pair in heldout {
            try checkInterrupt()
            let output = try predict(pair.source)
            let region = try EditRegion(source: pair.source, truth: pair.target)
            psnr += min(try Metrics.psnr(output, pair.target), 100)
            ssim += try Metrics.ssim(output, pair.target)
            cover += region.cover
            if let value = try region.psnr(output, pair.target) { edit += min(value, 100); edited += 1 }
        }
        let n = Double(heldout.count)
        return EvaluationRow(method: method, pairs: pairs, psnr: psnr / n, ssim: ssim / n, editPSNR: edited > 0 ? edit / Double(edited) : nil,
                             editCover: cover / n, steps: steps, trainSeconds: trainSeconds)
    }
}
