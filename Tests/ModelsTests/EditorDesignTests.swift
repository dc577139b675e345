import Engine
import Foundation
@testable import Models
import Testing
import TestSupport

/// The design: the one place an effect's knobs are checked, what `auto` turns off, and its JSON.
@Suite(.hangLimit)
struct EditorDesignTests {
    func refusal(_ make: () throws -> EditorDesign) -> String? {
        (#expect(throws: EngineError.self) { _ = try make() })?.description
    }

    @Test func eachRuleIsCheckedWhereTheDesignIsMade() throws {
        #expect(refusal { try EditorDesign(learningRate: 0) } == "editor: the learning rate must be in (0, 1], got 0.0")
        #expect(refusal { try EditorDesign(learningRate: .nan) }?.hasPrefix("editor: the learning rate must be in (0, 1]") == true)
        #expect(try EditorDesign(learningRate: 1).learningRate == 1 && EditorDesign(preset: .tiny).learningRate == EditorPreset.tiny.learningRate)
        #expect(refusal { try EditorDesign(flowRefinement: -1) } == "editor: the flow's refinement must be 0…100000 steps, got -1")
        #expect(refusal { try EditorDesign(flow: .hornSchunck, flowRefinement: 3) }?.contains("horn-schunck has nothing to learn") == true)
        #expect(refusal { try EditorDesign(flow: .hornSchunck, endToEnd: true) }?.contains("end-to-end training trains the learned flow") == true)
        #expect(refusal { try EditorDesign(pairing: .one2one, endToEnd: true) }?.contains("which a one2one editor does not use") == true)
        #expect(refusal { try EditorDesign(pairing: .structural, endToEnd: true, ablation: .noTransformation) }?.contains("no Mx to train end to end") == true)
        #expect(refusal { try EditorDesign(pairing: .pix2pix, ablation: .noSource) }?.contains("a pix2pix editor has none to take") == true)
        #expect(refusal { try EditorDesign(pairing: .pix2pix, transformChannels: true) }?.contains("a pix2pix editor has no reference") == true)
        #expect(refusal { try EditorDesign(pairing: .implicit, ablation: .noTransformation, transformChannels: true) }?
            .contains("no Mx to give the head as channels") == true)
        #expect(refusal { try EditorDesign(size: 40) } == "editor: the working size must be a multiple of 16 from 32 to 256 px, got 40")
        #expect(refusal { try EditorDesign(size: 272) }?.contains("got 272") == true)
        #expect(try EditorDesign(preset: .tiny).size == 32 && EditorDesign(preset: .tiny, size: 96).size == 96)
        // Left to auto, the n-to-n switches may still apply.
        _ = try EditorDesign(pairing: .auto, endToEnd: true, ablation: .noSource, transformChannels: true)
    }

    @Test func autoTurnsOffWhatTheChosenPairingCannotTakeAndSaysSo() throws {
        let asked = try EditorDesign(preset: .tiny, pairing: .auto, diffusion: true, seed: 9, endToEnd: true, ablation: .noSource, transformChannels: true)
        let (direct, turnedOff) = try asked.resolved(to: .one2one)
        #expect(direct.pairing == .one2one && !direct.endToEnd && !direct.transformChannels && direct.ablation == nil)
        #expect(direct.diffusion && direct.seed == 9 && direct.preset == .tiny)
        #expect(turnedOff == ["turned off: end-to-end training, transform channels, the no-xj ablation (one2one learns x → y directly, with no reference carried by Mx)"])
        let (nToN, nothing) = try asked.resolved(to: .implicit)
        #expect(nToN.pairing == .implicit && nToN.endToEnd && nToN.transformChannels && nToN.ablation == .noSource && nothing.isEmpty)
        #expect(refusal { try EditorDesign(pairing: .structural).resolved(to: .implicit).design } == "editor: a structural design cannot become implicit")
        // An auto design is resolved before an editor is built.
        let pairs = try SyntheticTask(.old).pairs(count: 2, size: 32, seed: 1)
        let unresolved = #expect(throws: EngineError.self) { try Editor(pairs: pairs, design: EditorDesign(preset: .tiny)) }
        #expect(unresolved?.description.contains("resolved to a pairing before an editor is built") == true)
    }

    @Test func aDesignSurvivesItsJSONAndADecodedOneIsCheckedAgain() throws {
        let designs = try Pairing.allCases.map { try EditorDesign(preset: .tiny, pairing: .fixed($0), seed: 1 << 40) } + [
            try EditorDesign(preset: .base, pairing: .auto, diffusion: true, learningRate: 3e-4, seed: 0, flowRefinement: 200, endToEnd: true,
                             ablation: .noSource, transformChannels: true, augments: false),
            try EditorDesign(pairing: .implicit, flow: .hornSchunck, ablation: .noTransformation),
            try EditorDesign(preset: .tiny, size: 48, lift: .grid, pairing: .one2one),
            try EditorDesign(preset: .tiny, view: .pad, pairing: .structural), try EditorDesign(preset: .tiny, view: .squeeze, pairing: .structural),
        ]
        for design in designs {
            let text = try JSONEncoder().encode(design)
            #expect(try JSONDecoder().decode(EditorDesign.self, from: text) == design)
        }
        func decoded(_ json: String) throws -> EditorDesign { try JSONDecoder().decode(EditorDesign.self, from: Data(json.utf8)) }
        // An older design lacks later knobs: they take their defaults.
        let old = try decoded(#"{"version": 1, "preset": "tiny", "pairing": "one2one"}"#)
        #expect(old == (try EditorDesign(preset: .tiny, view: .squeeze, pairing: .one2one)))
        #expect(old.size == 32 && old.lift == EditorDesign.defaultLift, "an effect saved before the working size works at its preset's")
        #expect(old.view == .squeeze, "an effect saved before the view was a knob squeezed its images, whatever the default now")
        #expect(throws: DecodingError.self) { try decoded(#"{"version": 1, "preset": "tiny", "pairing": "one2one", "view": "crop"}"#) }
        #expect(throws: EngineError.self) { try decoded(#"{"version": 1, "preset": "tiny", "pairing": "one2one", "size": 33}"#) }
        #expect(throws: DecodingError.self) { try decoded(#"{"version": 1, "preset": "tiny", "pairing": "one2one", "lift": "bicubic"}"#) }
        #expect(throws: DecodingError.self) { try decoded(#"{"version": 2, "preset": "tiny", "pairing": "one2one"}"#) }
        #expect(throws: EngineError.self) { try decoded(#"{"version": 1, "preset": "tiny", "pairing": "one2one", "end_to_end": true}"#) }
        #expect(throws: EngineError.self) { try decoded(#"{"version": 1, "preset": "huge", "pairing": "one2one"}"#) }
    }

    @Test func anEditorKeepsItsDesignThroughTheCheckpoint() throws {
        let pairs = try SyntheticTask(.blueEyes).pairs(count: 3, size: 32, seed: 5)
        let design = try EditorDesign(preset: .tiny, size: 48, lift: .detail, pairing: .structural, diffusion: true, learningRate: 1e-3, seed: 6,
                                      flow: .hornSchunck, transformChannels: true, augments: false)
        let editor = try Editor(pairs: pairs, design: design, flowEstimator: EditorTests.quickFlow, preparesCases: false)
        let checkpoint = try editor.checkpoint()
        #expect(checkpoint.metadata["editor.preset"] == nil && checkpoint.metadata["editor.design"] != nil)
        let loaded = try Editor.load(checkpoint, path: "memory")
        #expect(loaded.design == design && (loaded.flowEstimator as? HornSchunck) == EditorTests.quickFlow)
        #expect(loaded.pairs.allSatisfy { $0.source.width == 48 && $0.source.height == 48 }, "the pairs at the working size")
        // A design naming one flow cannot be built with an estimator of another.
        let wrong = #expect(throws: EngineError.self) { try Editor(pairs: pairs, design: EditorDesign(preset: .tiny, pairing: .one2one), flowEstimator: HornSchunck()) }
        #expect(wrong?.description == "editor: the design's flow is learned, and the estimator given is horn-schunck")
    }
}
