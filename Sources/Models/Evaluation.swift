import Engine
import Foundation

/// One method's scores on held-out pairs, as `likewise eval` reports them.
public struct EvaluationRow: Codable, Sendable, Equatable {
    /// "identity", "n2n", "one2one" or "pix2pix".
    public var method: String
    /// Whether the edits were sampled by the diffusion refiner (false: the regression head's).
    public var diffusion: Bool
    /// Training pairs (0 for identity).
    public var pairs: Int
    /// Whole-image PSNR (dB) and SSIM, averaged over the held-out pairs.
    public var psnr: Double, ssim: Double
    /// PSNR over the edit region (where the truth differs from the source), averaged over the
    /// held-out pairs that have one; the headline number.
    public var editPSNR: Double?
    /// The edit region's mean share of the image.
    public var editCover: Double
    /// PSNR outside the edit region, where the output should be the source: what an edit keeps.
    public var outsidePSNR: Double?
    /// The held-out images' side when they were scored at another size than the working one (0:
    /// each at its own, a folder's photos), and the lift that brought the edits there (nil:
    /// scored at the working size).
    public var size: Int?, lift: String?
    /// Sharpness fidelity (`Metrics.sharpness`), averaged over the held-out pairs whose truth
    /// has fine detail: 1 is the truth's, below is blurrier.
    public var sharpness: Double?
    public var steps: Int
    public var trainSeconds: Double
    /// The seed of the training pairs, the weights and the held-out draw, when `likewise eval`
    /// ran over several (nil otherwise).
    public var seed: UInt64?
    /// How well the spread of the method's references foretells its error on the held-out
    /// pairs, when `likewise eval --calibration` measured it.
    public var calibration: ConfidenceCalibration?

    enum CodingKeys: String, CodingKey {
        case method, diffusion, pairs, psnr, ssim, editPSNR = "edit_psnr", editCover = "edit_cover", outsidePSNR = "outside_psnr",
             sharpness, steps, trainSeconds = "train_seconds", size, lift, seed, calibration
    }

    public init(method: String, diffusion: Bool = false, pairs: Int, psnr: Double, ssim: Double, editPSNR: Double?, editCover: Double,
                outsidePSNR: Double? = nil, sharpness: Double?, steps: Int, trainSeconds: Double) {
        (self.method, self.diffusion, self.pairs, self.psnr, self.ssim, self.editPSNR, self.editCover, self.sharpness) =
            (method, diffusion, pairs, psnr, ssim, editPSNR, editCover, sharpness)
        self.outsidePSNR = outsidePSNR
        (self.steps, self.trainSeconds) = (steps, trainSeconds)
    }

    /// The number a row is judged by: PSNR where the edit is, or over the whole image when no
    /// held-out pair has an edit.
    public var headlinePSNR: Double { editPSNR ?? psnr }

    /// The columns of a table of rows (the language's `evaluate`, the demo's metrics).
    public static let tableColumns = ["method", "PSNR", "SSIM", "edit PSNR", "edit cover", "sharpness"]

    /// This row's cells under `tableColumns`.
    public var tableCells: [String] {
        [method + (diffusion ? " (diffusion)" : ""), String(format: "%.2f", psnr), String(format: "%.4f", ssim),
         editPSNR.map { String(format: "%.2f", $0) } ?? "—", String(format: "%.3f", editCover), sharpness.map { String(format: "%.3f", $0) } ?? "—"]
    }

    /// `predict`'s scores on `heldout`: each pair's source in, its target the truth.
    public static func score(method: String, diffusion: Bool = false, pairs: Int, steps: Int, trainSeconds: Double, on heldout: [Pair],
                             checkInterrupt: () throws -> Void = {}, predict: (Image) throws -> Image) throws -> EvaluationRow {
        try score(method: method, diffusion: diffusion, pairs: pairs, steps: steps, trainSeconds: trainSeconds, on: heldout,
                  checkInterrupt: checkInterrupt) { (pair: Pair) in try predict(pair.source) }
    }

    /// The scores of `output`, which sees the whole held-out pair (a VAE's round trip of the
    /// target), against each pair's target.
    public static func score(method: String, diffusion: Bool = false, pairs: Int, steps: Int, trainSeconds: Double, on heldout: [Pair],
                             checkInterrupt: () throws -> Void = {}, output produce: (Pair) throws -> Image) throws -> EvaluationRow {
        guard !heldout.isEmpty else { throw EngineError.invalidArgument(op: "evaluate", message: "no held-out pairs to score on") }
        var (psnr, ssim, edit, edited, cover) = (0.0, 0.0, 0.0, 0, 0.0)
        var (sharpness, detailed) = (0.0, 0)
        var (outside, unedited) = (0.0, 0)
        for pair in heldout {
            try checkInterrupt()
            let output = try produce(pair)
            let region = try EditRegion(source: pair.source, truth: pair.target)
            psnr += min(try Metrics.psnr(output, pair.target), 100)
            ssim += try Metrics.ssim(output, pair.target)
            cover += region.cover
            if let value = try region.psnr(output, pair.target) { edit += min(value, 100); edited += 1 }
            if let value = try region.outside.psnr(output, pair.target) { outside += min(value, 100); unedited += 1 }
            if let value = try Metrics.sharpness(output, pair.target) { sharpness += value; detailed += 1 }
        }
        let n = Double(heldout.count)
        return EvaluationRow(method: method, diffusion: diffusion, pairs: pairs, psnr: psnr / n, ssim: ssim / n,
                             editPSNR: edited > 0 ? edit / Double(edited) : nil, editCover: cover / n,
                             outsidePSNR: unedited > 0 ? outside / Double(unedited) : nil,
                             sharpness: detailed > 0 ? sharpness / Double(detailed) : nil, steps: steps, trainSeconds: trainSeconds)
    }
}
