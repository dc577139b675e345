import Engine
import Foundation
@testable import Models
import Testing
import TestSupport

/// A combined effect's trust in the carried edit: read from the head's fourth channel, at the
/// image's own size, and the very trust its edit uses.
@Suite(.hangLimit)
struct EditTrustTests {
    /// A combined editor whose head outputs `logit` as its trust and no correction: its output
    /// convolution starts at zero, so its bias is its whole output.
    static func editor(trustLogit logit: Float, view: WorkingView = .squeeze) throws -> Editor {
        let pairs = try SyntheticTask(.old).pairs(count: 4, size: 32, seed: 21)
        let editor = try Editor(pairs: pairs, design: EditorDesign(preset: .tiny, view: view, pairing: .combined, seed: 5, flow: .hornSchunck),
                                flowEstimator: EditorTests.quickFlow)
        let bias = try #require(editor.parameters.named.first { $0.name == "head.output.bias" }?.tensor)
        bias.withUnsafeMutableBufferPointer { $0[3] = logit }
        return editor
    }

    @Test func theTrustIsTheHeadsFourthChannelAtTheImagesSize() throws {
        let x = try SyntheticTask(.old).pairs(count: 1, size: 64, seed: 90)[0].source.resized(width: 45, height: 71)
        for view in [WorkingView.squeeze, .pad] {
            for (logit, expected) in [(Float(0), Float(0.5)), (3, 1 / (1 + exp(-3)))] {
                let trust = try Self.editor(trustLogit: logit, view: view).trust(x, references: 2)
                #expect(trust.width == 45 && trust.height == 71 && trust.trust.count == 45 * 71 && trust.references.count == 2)
                #expect(trust.trust.allSatisfy { abs($0 - expected) < 1e-5 }, "\(view): logit \(logit) gave \(trust.trust.min() ?? 0)…\(trust.trust.max() ?? 0)")
                #expect(try trust.map().width == 45)
            }
        }
    }

    @Test func theEditStartsFromTheCarriedEditWhereTrustedAndFromXWhereNot() throws {
        let x = try SyntheticTask(.old).pairs(count: 1, size: 32, seed: 91)[0].source
        // Trusted wholly, with one reference, the edit is the reference's edit carried onto x:
        // x + C(W(y_i)) − C(W(x_i)), clamped; distrusted wholly, it is x.
        let trusting = try Self.editor(trustLogit: 30)
        let (edit, references) = try trusting.edit(x, references: 1, lift: .upsample)
        let reference = try trusting.carried(references[0], onto: x)
        let carriedEdit = try (x.tensor + reference.target.tensor - reference.source.tensor).clamped(to: 0...1).scalars
        #expect(zip(edit.pixels, carriedEdit).allSatisfy { abs($0 - $1) < 1e-5 })
        let doubting = try Self.editor(trustLogit: -30)
        #expect(zip(try doubting.edit(x, references: 1, lift: .upsample).image.pixels, x.pixels).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    @Test func onlyACombinedEffectHasATrust() throws {
        let pairs = try SyntheticTask(.old).pairs(count: 3, size: 32, seed: 2)
        let structural = try Editor(pairs: pairs, design: EditorDesign(preset: .tiny, pairing: .structural, flow: .hornSchunck), flowEstimator: EditorTests.quickFlow)
        let refused = #expect(throws: EngineError.self) { try structural.trust(pairs[0].source) }
        #expect(refused?.description.contains("a structural effect has no trust to show") == true, "\(String(describing: refused))")
        #expect(throws: EngineError.self) { try Self.editor(trustLogit: 0).trust(pairs[0].source, references: 0) }
    }
}
