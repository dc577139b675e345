import Engine
import Foundation
@testable import Models
import Testing
import TestSupport

/// An edit's confidence: the spread of its references' predictions, at the image's own size,
/// and whether that spread foretells the error.
@Suite(.hangLimit)
struct EditConfidenceTests {
    @Test func theSpreadIsTheReferencesWeightedDistanceFromTheirFusion() throws {
        // Two references over 2 pixels. Pixel 0: weights ½ ½, predictions 0.2 and 0.6 in every
        // channel — fused 0.4, each 0.2 away: spread 0.2. Pixel 1: weights 1 and 0 — spread 0.
        let fusion = ReferenceFusion(references: 2, width: 2, height: 1, weights: [0.5, 1, 0.5, 0])
        let prediction = try Tensor(shape: [2, 1, 2, 3], scalars: [0.2, 0.2, 0.2, 0.9, 0.1, 0.5, 0.6, 0.6, 0.6, 0.3, 0.3, 0.3])
        let fused = try fusion(prediction)
        #expect(zip(fused.pixels, [0.4, 0.4, 0.4, 0.9, 0.1, 0.5]).allSatisfy { abs($0 - Float($1)) < 1e-6 })
        let spread = fusion.spread(of: prediction, around: fused)
        #expect(abs(spread[0] - 0.2) < 1e-6 && spread[1] == 0, "\(spread)")
    }

    @Test func aConfidenceIsTheEditItselfWithAMapAtTheImagesSize() throws {
        let pairs = try SyntheticTask(.blueEyes).pairs(count: 5, size: 32, seed: 11)
        for view in [WorkingView.squeeze, .pad] {
            let editor = try Editor(pairs: pairs, design: EditorDesign(preset: .tiny, view: view, pairing: .structural, seed: 4, flow: .hornSchunck),
                                    flowEstimator: EditorTests.quickFlow)
            try editor.train(until: 3)
            // A photo-like image of another shape: the map comes back at its size.
            let x = try SyntheticTask(.blueEyes).pairs(count: 1, size: 64, seed: 90)[0].source.resized(width: 45, height: 71)
            let confidence = try editor.confidence(x, references: 3)
            let (edit, references) = try editor.edit(x, references: 3)
            #expect(confidence.references == references && confidence.edit.pixels == edit.pixels, "the edit is the one edit(…) gives")
            #expect(confidence.width == 45 && confidence.height == 71 && confidence.spread.count == 45 * 71)
            #expect(confidence.spread.allSatisfy { $0 >= 0 && $0 <= 1 } && confidence.spread.contains { $0 > 0 }, "three references disagree somewhere")
            let map = try confidence.map()
            #expect(map.width == 45 && map.height == 71)
        }
    }

    @Test func onlyAnEffectWithReferencesHasAConfidence() throws {
        let pairs = try SyntheticTask(.old).pairs(count: 3, size: 32, seed: 2)
        let direct = try Editor(pairs: pairs, design: EditorDesign(preset: .tiny, pairing: .one2one, flow: .hornSchunck), flowEstimator: EditorTests.quickFlow)
        let none = #expect(throws: EngineError.self) { try direct.confidence(pairs[0].source) }
        #expect(none?.description.contains("a one2one effect edits without references, so there are none to disagree") == true, "\(String(describing: none))")
        let structural = try Editor(pairs: pairs, design: EditorDesign(preset: .tiny, pairing: .structural, flow: .hornSchunck), flowEstimator: EditorTests.quickFlow)
        let one = #expect(throws: EngineError.self) { try structural.confidence(pairs[0].source, references: 1) }
        #expect(one?.description.contains("confidence: needs 2 references or more to compare, got 1") == true, "\(String(describing: one))")
    }

    @Test func calibrationSaysWhetherTheSpreadForetellsTheError() throws {
        // Error rising with the spread: correlation 1, each fifth's error its spread's double.
        let spread: [Float] = (0..<10).map { Float($0) / 100 }
        let calibration = try ConfidenceCalibration(spread: spread, error: spread.map { 2 * $0 + 0.01 }, inEdit: spread.map { $0 >= 0.05 }, references: 4)
        #expect(abs(calibration.correlation - 1) < 1e-6 && abs((calibration.editCorrelation ?? 0) - 1) < 1e-6)
        #expect(calibration.fifths.count == 5 && abs(calibration.fifths[0].spread - 0.005) < 1e-6 && abs(calibration.fifths[4].error - 0.18) < 1e-6)
        #expect(abs(calibration.errorRatio - 0.18 / 0.02) < 1e-4)
        // An error that has nothing to do with the spread: no correlation.
        let flat = try ConfidenceCalibration(spread: spread, error: spread.map { _ in 0.05 }, inEdit: spread.map { _ in false }, references: 2)
        #expect(flat.correlation == 0 && flat.editCorrelation == nil && abs(flat.errorRatio - 1) < 1e-9)
        #expect(throws: EngineError.self) { try ConfidenceCalibration(spread: spread, error: [0.1], inEdit: [true], references: 2) }
        // It round-trips through JSON as eval writes it, with the ratio beside.
        let json = try JSONEncoder().encode(calibration)
        #expect(try JSONDecoder().decode(ConfidenceCalibration.self, from: json) == calibration)
        #expect(String(decoding: json, as: UTF8.self).contains("\"error_ratio\""))
    }

    @Test func aHeatMapRunsFromBlackToPaleYellowAtItsTop() throws {
        let map = try HeatMap.image([0, 0.05, 0.1, 7, .nan], width: 5, height: 1, top: 0.1)
        #expect(map.pixels[0..<3].allSatisfy { $0 == 0 })
        let last = Array(map.pixels[6..<9])
        #expect(Array(map.pixels[9..<12]) == last && Array(map.pixels[12..<15]) == last && last[0] > 0.9 && last[2] > 0.7)
        #expect(abs(map.pixels[3] - 0.73) < 1e-5 && abs(map.pixels[4] - 0.21) < 1e-5 && abs(map.pixels[5] - 0.33) < 1e-5, "half the top: the middle stop")
        #expect(throws: EngineError.self) { try HeatMap.image([0, 1], width: 3, height: 1, top: 1) }
        #expect(throws: EngineError.self) { try HeatMap.image([0], width: 1, height: 1, top: 0) }
    }
}
