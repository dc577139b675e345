import Engine
import Foundation
@testable import Models
import Testing
import TestSupport

/// A baseline trained to its best: checked on validation pairs every interval, stopped after
/// `patience` checks without improvement or at the cap, left with the weights of its best check.
@Suite(.hangLimit)
struct EditorConvergenceTests {
    @Test func itStopsWhenValidationStopsImprovingAndKeepsTheBestWeights() throws {
        let task = SyntheticTask(.old)
        let design = try EditorDesign(preset: .tiny, pairing: .one2one, seed: 2)
        let editor = try Editor(pairs: try task.pairs(count: 3, size: design.size, seed: 1), design: design)
        let validation = try task.pairs(count: 3, size: design.size, seed: 77)
        let result = try editor.trainUntilConverged(validation: validation, every: 3, patience: 2, cap: 60)
        #expect(result.curve.map(\.step) == Array(stride(from: 3, through: result.stoppedAt, by: 3)))
        let best = try #require(result.curve.max { $0.editPSNR < $1.editPSNR })
        #expect((result.bestStep, result.bestEditPSNR) == (best.step, best.editPSNR))
        // Stopped by patience (two checks after the best, none better) or by the cap.
        #expect(result.stoppedAt == 60 || result.stoppedAt == result.bestStep + 6)
        #expect(result.curve.filter { $0.step > result.bestStep }.allSatisfy { $0.editPSNR <= result.bestEditPSNR })
        // The editor holds the best check's weights: scored again, it gives the best score.
        let again = try EvaluationRow.score(method: "again", pairs: 3, steps: 0, trainSeconds: 0, on: validation) {
            try editor.edit($0, sampling: .headOnly).image
        }
        #expect(abs((again.editPSNR ?? again.psnr) - result.bestEditPSNR) < 1e-9)
        // Trained from the identity, the best check edits better than the untrained head did.
        let untrained = try Editor(pairs: try task.pairs(count: 3, size: design.size, seed: 1), design: design)
        let start = try EvaluationRow.score(method: "start", pairs: 3, steps: 0, trainSeconds: 0, on: validation) {
            try untrained.edit($0, sampling: .headOnly).image
        }
        #expect(result.bestEditPSNR > (start.editPSNR ?? start.psnr) + 1)
    }

    @Test func aCapShorterThanACheckIsRefused() throws {
        let design = try EditorDesign(preset: .tiny, pairing: .one2one)
        let editor = try Editor(pairs: try SyntheticTask(.old).pairs(count: 2, size: design.size, seed: 1), design: design)
        #expect(throws: EngineError.self) { try editor.trainUntilConverged(validation: [], every: 10, patience: 1, cap: 5) }
    }
}
