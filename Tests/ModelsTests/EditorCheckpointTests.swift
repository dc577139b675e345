import Engine
import Foundation
@testable import Models
import Testing

struct EditorCheckpointTests {
    func editor(_ pairing: Pairing = .structural) throws -> Editor {
        let pairs = try SyntheticTask(.blueEyes).pairs(count: 3, size: 32, seed: 11)
        return try Editor(pairs: pairs, preset: .tiny, pairing: pairing, seed: 12, flowEstimator: EditorTests.quickFlow, preparesCases: false)
    }

    @Test func aSavedEditorEditsBitForBitAsBefore() throws {
        let dir = try CheckpointTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let original = try editor()
        try original.train(until: 3)
        try original.save(to: dir + "/effect.safetensors")
        let loaded = try Editor.load(from: dir + "/effect.safetensors")
        #expect(loaded.preset == .tiny && loaded.pairing == .structural && loaded.pairs == original.pairs)
        #expect(loaded.trainer.losses == original.trainer.losses)
        let x = try SyntheticTask(.blueEyes).pair(index: 0, size: 32, seed: 77).source
        #expect(try loaded.edit(x, references: 2).image == original.edit(x, references: 2).image)
    }

    @Test func anEditorWithAFlowNetworkSavesItsOwnWeights() throws {
        let pairs = try SyntheticTask(.old).pairs(count: 3, size: 32, seed: 13)
        let network = try FlowNetwork.pretrained()
        try network.refine(on: pairs.map(\.source), steps: 2)  // now unlike the shipped weights
        let original = try Editor(pairs: pairs, preset: .tiny, pairing: .implicit, seed: 14, flowEstimator: network, preparesCases: false)
        let checkpoint = try original.checkpoint()
        #expect(checkpoint.metadata["editor.flow"] == "learned" && checkpoint.tensor("flow.block.0.weight") != nil)
        let loaded = try Editor.load(checkpoint, path: "memory")
        let flow = try #require(loaded.flowEstimator as? FlowNetwork)
        #expect(flow.parameters.tensors.map(\.scalars) == network.parameters.tensors.map(\.scalars))
        #expect(try flow.parameters.tensors.map(\.scalars) != FlowNetwork.pretrained().parameters.tensors.map(\.scalars))
        let x = try SyntheticTask(.old).pair(index: 5, size: 32, seed: 77).source
        #expect(try loaded.edit(x, references: 2).image == original.edit(x, references: 2).image)
    }

    @Test func trainingResumedFromASaveEqualsTrainingStraightThrough() throws {
        let straight = try editor()
        try straight.train(until: 6)
        let first = try editor()
        try first.train(until: 3)
        let resumed = try Editor.load(first.checkpoint(), path: "memory")
        try resumed.train(until: 6)
        #expect(resumed.trainer.losses == straight.trainer.losses)
        #expect(resumed.parameters.tensors.map(\.scalars) == straight.parameters.tensors.map(\.scalars))
    }

    @Test func whatIsNotAWholeEditorIsRefusedNamingTheProblem() throws {
        let toy = try Trainer(parameters: ToyNetwork(channels: 4, seed: 1).parameters,
                              schedule: LearningRateSchedule(peak: 1e-3, warmupSteps: 0, totalSteps: 1)).checkpoint()
        let notEditor = #expect(throws: CheckpointError.self) { try Editor.load(toy, path: "toy.safetensors") }
        #expect(notEditor?.description == "toy.safetensors: it is not an editor's checkpoint (it has no editor.preset)")
        var damaged = try editor(.one2one).checkpoint()
        let index = try #require(damaged.tensors.firstIndex { $0.name == "pairs.target" })
        damaged.tensors[index].tensor.withUnsafeMutableBufferPointer { $0[5] += 0.25 }
        let hash = #expect(throws: CheckpointError.self) { try Editor.load(damaged, path: "e") }
        #expect(hash?.description == "e: its pairs' pixels do not match their hashes: the file is damaged")
        // An editor saved before the heads read centred images (no editor.format) would edit wrongly.
        var older = try editor(.one2one).checkpoint()
        older.metadata["editor.format"] = nil
        let format = #expect(throws: CheckpointError.self) { try Editor.load(older, path: "old.safetensors") }
        #expect(format?.description == "old.safetensors: it holds an editor of format 1, whose head reads its inputs differently from this version's (format 2); train it again")
    }
}
