import Engine
import Foundation
@testable import Models
import Testing
import TestSupport

/// Mx trained with the editor: the flow network's weights move with the head's, and what it
/// carries in a training step is what the fixed path carries.
@Suite(.hangLimit)
struct EndToEndTests {
    @Test func theCarryWithGradientsIsTheFixedCarry() throws {
        let pairs = try SyntheticTask(.old).pairs(count: 3, size: 32, seed: 21)
        let network = try FlowNetwork.pretrained()
        let carried = try Transformation.carriedWithGradients(sources: [pairs[0].source, pairs[2].source], targets: [pairs[0].target, pairs[2].target],
                                                              onto: [pairs[1].source, pairs[0].source], network: network)
        for (item, (i, j)) in [(0, 1), (2, 0)].enumerated() {
            let mx = try Transformation.estimate(reference: pairs[i].source, target: pairs[j].source, flowEstimator: network)
            let (source, target) = (try mx.carry(pairs[i].source), try mx.carry(pairs[i].target))
            let plane = 32 * 32 * 3
            let batchSource = Array(carried.source.scalars[(item * plane)..<((item + 1) * plane)])
            let batchTarget = Array(carried.target.scalars[(item * plane)..<((item + 1) * plane)])
            #expect(zip(batchSource, source.pixels).allSatisfy { Swift.abs($0 - $1) < 1e-5 }, "case \(i)→\(j)")
            #expect(zip(batchTarget, target.pixels).allSatisfy { Swift.abs($0 - $1) < 1e-5 }, "case \(i)→\(j)")
        }
        #expect(carried.photometric.scalar.isFinite && carried.photometric.scalar > 0)
    }

    @Test func anEndToEndEditorTrainsItsOwnCopyOfTheFlow() throws {
        let pairs = try SyntheticTask(.blueEyes).pairs(count: 3, size: 32, seed: 22)
        let given = try FlowNetwork.pretrained()
        let before = given.parameters.tensors.map(\.scalars)
        let editor = try Editor(pairs: pairs, design: EditorDesign(preset: .tiny, pairing: .structural, seed: 23, endToEnd: true), flowEstimator: given)
        let flow = try #require(editor.flowEstimator as? FlowNetwork)
        #expect(flow !== given && flow.parameters.tensors.map(\.scalars) == before)
        #expect(editor.parameters.named.filter { $0.name.hasPrefix("flow.") }.map(\.name)
            == given.parameters.named.map { "flow." + $0.name })
        #expect(try EditorCost(design: EditorDesign(preset: .tiny, pairing: .structural, endToEnd: true), pairs: 3).parameters == editor.parameters.scalarCount)
        #expect(editor.trainer.optimizer.rateScales.filter { $0 == Editor.flowRateScale }.count == given.parameters.tensors.count)
        try editor.train(until: 3)
        // The editor's loss reached every layer of the flow; the caller's network is untouched.
        for (index, tensor) in flow.parameters.tensors.enumerated() {
            #expect(tensor.scalars != before[index], "flow parameter \(index) did not move")
        }
        #expect(given.parameters.tensors.map(\.scalars) == before)
    }

    @Test func anEndToEndEditorSavesAndResumesExactly() throws {
        let pairs = try SyntheticTask(.old).pairs(count: 3, size: 32, seed: 24)
        func editor() throws -> Editor { try Editor(pairs: pairs, design: EditorDesign(preset: .tiny, pairing: .implicit, seed: 25, endToEnd: true)) }
        let straight = try editor()
        try straight.train(until: 4)
        let first = try editor()
        try first.train(until: 2)
        let checkpoint = try first.checkpoint()
        #expect(checkpoint.metadata["editor.design"]?.contains(#""end_to_end":true"#) == true)
        #expect(checkpoint.tensors.filter { $0.name.hasSuffix("flow.block.0.weight") }.map(\.name)
            == ["model.flow.block.0.weight", "optimizer.exp_avg.flow.block.0.weight", "optimizer.exp_avg_sq.flow.block.0.weight"])
        let resumed = try Editor.load(checkpoint, path: "memory")
        #expect(resumed.endToEnd)
        try resumed.train(until: 4)
        #expect(resumed.trainer.losses == straight.trainer.losses)
        #expect(resumed.parameters.tensors.map(\.scalars) == straight.parameters.tensors.map(\.scalars))
        let x = try SyntheticTask(.old).pair(index: 7, size: 32, seed: 77).source
        #expect(try resumed.edit(x, references: 2).image == straight.edit(x, references: 2).image)
        // The effect's trained flow is what `likewise bench flow --weights EFFECT` measures.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-\(UUID()).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try straight.save(to: path)
        let trained = try #require(straight.flowEstimator as? FlowNetwork)
        #expect(try FlowNetwork.load(from: path).parameters.tensors.map(\.scalars) == trained.parameters.tensors.map(\.scalars))
    }

    @Test func endToEndNeedsTheLearnedFlowAndAReference() throws {
        let pairs = try SyntheticTask(.old).pairs(count: 2, size: 32, seed: 26)
        let direct = #expect(throws: EngineError.self) { try Editor(pairs: pairs, design: EditorDesign(preset: .tiny, pairing: .one2one, endToEnd: true)) }
        #expect(direct?.description.contains("a one2one editor does not use") == true)
        let classical = #expect(throws: EngineError.self) {
            try Editor(pairs: pairs, design: EditorDesign(preset: .tiny, pairing: .structural, flow: .hornSchunck, endToEnd: true), flowEstimator: EditorTests.quickFlow)
        }
        #expect(classical?.description.contains("horn-schunck has nothing to learn") == true, "\(String(describing: classical))")
    }
}
