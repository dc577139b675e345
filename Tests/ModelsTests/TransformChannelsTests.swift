import Engine
import Foundation
@testable import Models
import Testing
import TestSupport

/// Mx as channels of the head's input: what the channels hold, how an augmentation changes them
/// with the images, and an editor that reads them.
@Suite(.hangLimit)
struct TransformChannelsTests {
    /// A constant flow and a 1×1 grid of one colour map, as a `Transformation` at `side` px.
    static func uniform(flow: (Float, Float), colour matrix: [Float], side: Int = 16) throws -> Transformation {
        let flowTensor = try Tensor(shape: [1, side, side, 2], scalars: Array(repeating: [flow.0, flow.1], count: side * side).joined().map { $0 })
        var grid = try ColourGrid(columns: 1, rows: 1)
        grid.matrices = matrix
        return Transformation(flow: flowTensor, colour: grid)
    }

    static let grade: [Float] = [1.1, 0.05, 0, 0.02, 0, 0.9, 0.1, -0.03, 0.05, 0, 1.2, 0.01]

    @Test func theChannelsHoldTheFlowInEighthsOfTheSideAndTheColourMapLessTheIdentity() throws {
        let channels = try TransformChannelsTests.uniform(flow: (4, -2), colour: TransformChannelsTests.grade, side: 32).channels
        #expect(channels.shape == [1, 32, 32, Transformation.channelCount])
        let pixel = Array(channels.scalars[(17 * 32 + 5) * 14..<((17 * 32 + 5) * 14 + 14)])
        #expect(pixel[0] == 1 && pixel[1] == -0.5)
        let less = zip(TransformChannelsTests.grade, ColourGrid.identity).map { $0 - $1 }
        #expect(zip(pixel[2...], less).allSatisfy { Swift.abs($0 - $1) < 1e-6 })
        // No motion and no colour change read zero.
        #expect(try TransformChannelsTests.uniform(flow: (0, 0), colour: ColourGrid.identity).channels.scalars.allSatisfy { $0 == 0 })
    }

    @Test func aCellsMapIsSlicedAsTheGridAppliesIt() throws {
        let image = try SyntheticTask(.old).pairs(count: 1, size: 32, seed: 3)[0].source
        var grid = try ColourGrid(columns: 2, rows: 2)
        var rng = RandomGenerator(seed: 4)
        grid.matrices = grid.matrices.map { $0 + rng.uniform(-0.2, 0.2) }
        let channels = try Transformation(flow: Tensor.zeros([1, 32, 32, 2]), colour: grid).channels.scalars
        let applied = try grid.applied(to: image).pixels
        for p in 0..<(32 * 32) {
            let s = [image.pixels[3 * p], image.pixels[3 * p + 1], image.pixels[3 * p + 2], 1]
            for row in 0..<3 {
                let mapped = (0..<4).reduce(Float(0)) { $0 + (channels[p * 14 + 2 + row * 4 + $1] + ColourGrid.identity[row * 4 + $1]) * s[$1] }
                #expect(Swift.abs(mapped - applied[3 * p + row]) < 1e-5)
            }
        }
    }

    @Test func noAugmentationLeavesTheChannelsAsTheyAre() throws {
        let channels = try TransformChannelsTests.uniform(flow: (1.5, -0.25), colour: TransformChannelsTests.grade).channels
        #expect(try Augmentation.none.applied(toTransformation: channels).scalars == channels.scalars)
    }

    @Test func aFlipMirrorsTheFlowAndAZoomScalesIt() throws {
        let channels = try TransformChannelsTests.uniform(flow: (2, 1), colour: ColourGrid.identity).channels
        var flip = Augmentation()
        flip.flip = true
        var zoom = Augmentation()
        zoom.scale = 1.5
        zoom.offsetX = 0.4
        for (augmentation, expected) in [(flip, (Float(-2), Float(1))), (zoom, (3, 1.5))] {
            let out = try augmentation.applied(toTransformation: channels).scalars
            for p in 0..<(16 * 16) {
                #expect(Swift.abs(out[p * 14] - expected.0 * 0.5) < 1e-6 && Swift.abs(out[p * 14 + 1] - expected.1 * 0.5) < 1e-6)
                #expect(out[(p * 14 + 2)..<(p * 14 + 14)].allSatisfy { $0 == 0 })
            }
        }
    }

    @Test func aColourJitterConjugatesTheColourMap() throws {
        var jitter = Augmentation()
        (jitter.brightness, jitter.contrast, jitter.gains) = (0.04, 1.08, SIMD3(0.95, 1.03, 1.06))
        let channels = try TransformChannelsTests.uniform(flow: (0, 0), colour: TransformChannelsTests.grade).channels
        let out = try jitter.applied(toTransformation: channels).scalars
        let map = (0..<12).map { out[2 + $0] + ColourGrid.identity[$0] }
        func jittered(_ v: [Float]) -> [Float] { (0..<3).map { ((v[$0] - 0.5) * jitter.contrast + 0.5 + jitter.brightness) * jitter.gains[$0] } }
        func mapped(_ m: [Float], _ v: [Float]) -> [Float] { (0..<3).map { r in m[r * 4] * v[0] + m[r * 4 + 1] * v[1] + m[r * 4 + 2] * v[2] + m[r * 4 + 3] } }
        // The jittered images' map takes a jittered colour where the original map took the colour.
        for colour in [[0.2, 0.5, 0.7], [0.9, 0.1, 0.4], [0.5, 0.5, 0.5]] as [[Float]] {
            let viaOriginal = jittered(mapped(TransformChannelsTests.grade, colour)), viaJittered = mapped(map, jittered(colour))
            #expect(zip(viaOriginal, viaJittered).allSatisfy { Swift.abs($0 - $1) < 1e-5 }, "\(viaOriginal) \(viaJittered)")
        }
    }

    func editor(_ pairing: Pairing = .structural, ablation: EditorAblation? = nil, diffusion: Bool = false) throws -> Editor {
        let pairs = try SyntheticTask(.blueEyes).pairs(count: 3, size: 32, seed: 41)
        return try Editor(pairs: pairs, design: EditorDesign(preset: .tiny, pairing: .fixed(pairing), diffusion: diffusion, seed: 42, flow: .hornSchunck, ablation: ablation, transformChannels: true), flowEstimator: EditorTests.quickFlow, preparesCases: false)
    }

    @Test(arguments: [(Pairing.structural, nil), (.implicit, nil), (.structural, EditorAblation.noSource)])
    func theHeadReadsTheCasesTransformationAfterItsImages(_ pairing: Pairing, _ ablation: EditorAblation?) throws {
        let editor = try editor(pairing, ablation: ablation)
        let reference = try editor.carriedReference(0, onto: 1)
        let transformation = try #require(reference.transformation)
        let (input, _) = try editor.headInput([(editor.pairs[1].source, reference)])
        let images = pairing.conditioning(ablation: ablation).inputChannels
        #expect(input.shape == [1, 32, 32, images + 14])
        let channels = try transformation.channels.scalars, all = input.scalars
        #expect((0..<(32 * 32)).allSatisfy { p in Array(all[(p * (images + 14) + images)..<((p + 1) * (images + 14))]) == Array(channels[(p * 14)..<(p * 14 + 14)]) })
        // The flow the head reads is the one that carried the reference.
        #expect(try Transformation.estimate(reference: editor.pairs[0].source, target: editor.pairs[1].source,
                                            flowEstimator: editor.flowEstimator).flow.scalars == transformation.flow.scalars)
    }

    @Test func anEditorWithTransformChannelsCountsTrainsSavesAndLoadsAsItself() throws {
        for diffusion in [false, true] {
            let original = try editor(diffusion: diffusion)
            #expect(try EditorCost(design: EditorDesign(preset: .tiny, pairing: .structural, diffusion: diffusion, transformChannels: true), pairs: 3).parameters
                == original.parameters.scalarCount)
            try original.train(until: 2)
            let checkpoint = try original.checkpoint()
            #expect(checkpoint.metadata["editor.design"]?.contains(#""transform_channels":true"#) == true)
            let loaded = try Editor.load(checkpoint, path: "memory")
            #expect(loaded.design == original.design && loaded.transformChannels)
            let x = original.pairs[2].source
            #expect(try loaded.edit(x, references: 2).image == original.edit(x, references: 2).image)
            try original.train(until: 4)
            try loaded.train(until: 4)
            #expect(loaded.parameters.tensors.map(\.scalars) == original.parameters.tensors.map(\.scalars))
        }
    }

    @Test func endToEndTheChannelsComeFromTheFlowBeingTrained() throws {
        let pairs = try SyntheticTask(.old).pairs(count: 3, size: 32, seed: 43)
        let editor = try Editor(pairs: pairs, design: EditorDesign(preset: .tiny, pairing: .structural, seed: 44, endToEnd: true, transformChannels: true))
        let flow = try #require(editor.flowEstimator as? FlowNetwork)
        let before = flow.parameters.tensors.map(\.scalars)
        try editor.train(until: 2)
        #expect(flow.parameters.tensors.map(\.scalars) != before)
        #expect(try editor.edit(pairs[2].source, references: 1).image.pixels.allSatisfy(\.isFinite))
    }

    @Test func transformChannelsNeedAReferenceAndMx() throws {
        let direct = #expect(throws: EngineError.self) { try editor(.one2one) }
        #expect(direct?.description.contains("a one2one editor has no reference") == true)
        let withoutMx = #expect(throws: EngineError.self) { try editor(ablation: .noTransformation) }
        #expect(withoutMx?.description.contains("no Mx to give the head as channels") == true)
        // A pairing not chosen yet may still turn out n-to-n.
        _ = try EditorDesign(pairing: .auto, endToEnd: true, transformChannels: true)
    }
}
