import Engine
import Foundation
@testable import Models
import Testing
import TestSupport

/// The paper's condition ablations: each switch takes away what it says and nothing else.
@Suite(.hangLimit)
struct AblationTests {
    let pairs: [Pair]
    init() throws { pairs = try SyntheticTask(.blueEyes).pairs(count: 3, size: 32, seed: 31) }

    func editor(_ pairing: Pairing = .structural, _ ablation: EditorAblation? = nil) throws -> Editor {
        try Editor(pairs: pairs, design: EditorDesign(preset: .tiny, pairing: .fixed(pairing), seed: 32, flow: .hornSchunck, ablation: ablation), flowEstimator: EditorTests.quickFlow, preparesCases: false)
    }

    @Test func withoutFlowAndColourTheReferenceIsUsedAsItIs() throws {
        let plain = try editor(), ablated = try editor(.structural, .noTransformation)
        let reference = try ablated.carriedReference(0, onto: 1)
        #expect(reference.source == pairs[0].source && reference.target == pairs[0].target)
        #expect(try plain.carriedReference(0, onto: 1).source != pairs[0].source)
        // A structural output then starts from x_j + y_i − x_i.
        let (_, start) = try ablated.headInput([(pairs[1].source, reference)])
        let expected = try pairs[1].source.tensor + pairs[0].target.tensor - pairs[0].source.tensor
        #expect(try #require(start.base).scalars == expected.scalars)
    }

    @Test(arguments: [Pairing.structural, .implicit])
    func withoutXjTheHeadSeesOnlyTheCarriedTarget(_ pairing: Pairing) throws {
        let ablated = try editor(pairing, .noSource)
        let reference = try ablated.carriedReference(0, onto: 1)
        let seen = try ablated.headInput([(pairs[1].source, reference)])
        let other = try ablated.headInput([(pairs[2].source, reference)])
        #expect(seen.input.shape == [1, 32, 32, 3] && seen.input.scalars == other.input.scalars)
        #expect(try #require(seen.start.base).scalars == reference.target.pixels)
        // The full editor's head does see x_j.
        let full = try editor(pairing)
        #expect(try full.headInput([(pairs[1].source, reference)]).input.scalars
            != full.headInput([(pairs[2].source, reference)]).input.scalars)
    }

    @Test func anAblatedEditorCountsTrainsSavesAndLoadsAsItself() throws {
        for ablation in EditorAblation.allCases {
            let original = try editor(.structural, ablation)
            #expect(try EditorCost(design: EditorDesign(preset: .tiny, pairing: .structural, ablation: ablation), pairs: 3).parameters == original.parameters.scalarCount)
            try original.train(until: 2)
            let checkpoint = try original.checkpoint()
            #expect(checkpoint.metadata["editor.design"]?.contains(#""ablation":"\#(ablation.rawValue)""#) == true)
            let loaded = try Editor.load(checkpoint, path: "memory")
            #expect(loaded.design == original.design && loaded.ablation == ablation)
            let x = try SyntheticTask(.blueEyes).pair(index: 9, size: 32, seed: 77).source
            #expect(try loaded.edit(x, references: 2).image == original.edit(x, references: 2).image)
        }
        #expect(try Editor.load(editor().checkpoint(), path: "memory").ablation == nil)
    }

    @Test func anAblationNeedsAConditionToTake() throws {
        let direct = #expect(throws: EngineError.self) { try editor(.one2one, .noSource) }
        #expect(direct?.description.contains("a one2one editor has none to take") == true)
        let nothingToTrain = #expect(throws: EngineError.self) {
            try Editor(pairs: pairs, design: EditorDesign(preset: .tiny, pairing: .structural, endToEnd: true, ablation: .noTransformation))
        }
        #expect(nothingToTrain?.description.contains("no Mx to train end to end") == true)
    }
}
