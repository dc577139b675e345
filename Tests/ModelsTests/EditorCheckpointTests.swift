import Engine
import Foundation
@testable import Models
import Testing
import TestSupport

@Suite(.hangLimit)
struct EditorCheckpointTests {
    func editor(_ pairing: Pairing = .structural) throws -> Editor {
        let pairs = try SyntheticTask(.blueEyes).pairs(count: 3, size: 32, seed: 11)
        return try Editor(pairs: pairs, design: EditorDesign(preset: .tiny, pairing: .fixed(pairing), seed: 12, flow: .hornSchunck), flowEstimator: EditorTests.quickFlow, preparesCases: false)
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
        let original = try Editor(pairs: pairs, design: EditorDesign(preset: .tiny, pairing: .implicit, seed: 14), flowEstimator: network, preparesCases: false)
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
        #expect(notEditor?.description == "toy.safetensors: it is not an editor's checkpoint (it has no editor.design)")
        // An editor saved before the heads read centred images (no editor.format) would edit wrongly.
        var older = try editor(.one2one).checkpoint()
        older.metadata["editor.format"] = nil
        let format = #expect(throws: CheckpointError.self) { try Editor.load(older, path: "old.safetensors") }
        #expect(format?.description == "old.safetensors: it holds an editor of format 1, whose head reads its inputs differently from this version's (format 2); train it again")
    }

    /// The byte range of tensor `name`'s data in a safetensors file's `bytes`.
    static func dataRange(of name: String, in bytes: [UInt8]) throws -> Range<Int> {
        let length = Int(bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        let header = try #require(try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + length)])) as? [String: Any])
        let offsets = try #require((header[name] as? [String: Any])?["data_offsets"] as? [Int])
        return (8 + length + offsets[0])..<(8 + length + offsets[1])
    }

    @Test func damagedPairsStillEditAndTrainAgainOnceGiven() throws {
        let original = try editor()
        try original.train(until: 2)
        let damaged = try original.checkpoint()
        let index = try #require(damaged.tensors.firstIndex { $0.name == "pairs.target" })
        damaged.tensors[index].tensor.withUnsafeMutableBufferPointer { $0[32 * 32 * 3 + 5] += 0.25 }  // pair 1's
        let loaded = try Editor.load(damaged, path: "e")
        #expect(loaded.damagedPairs == [original.pairs[1].name])
        #expect(loaded.loadWarnings.count == 1 && loaded.loadWarnings[0].contains("damaged (\(original.pairs[1].name))"))
        // The weights are whole: an edit from an intact reference is the one before the save.
        let x = try SyntheticTask(.blueEyes).pair(index: 0, size: 32, seed: 77).source
        #expect(try loaded.edit(x, using: [0]) == original.edit(x, using: [0]))
        // The damaged pair is no reference while another is left, and a file saved from this
        // editor is as damaged as the one it came from.
        #expect(try loaded.edit(x, references: 3).references.sorted() == [0, 2])
        #expect(try Editor.load(loaded.checkpoint(), path: "again").damagedPairs == [original.pairs[1].name])
        let refused = #expect(throws: EngineError.self) { try loaded.train(until: 3) }
        #expect(refused?.description.contains("loadModel(path, pairs: loadPairs(folder))") == true)
        // Given again, the pairs replace the stored ones, and training resumes exactly.
        let restored = try Editor.load(damaged, path: "e", pairs: original.pairs)
        #expect(restored.damagedPairs == [] && restored.differingPairs == [] && restored.loadWarnings == [])
        try restored.train(until: 4)
        try original.train(until: 4)
        #expect(restored.parameters.tensors.map(\.scalars) == original.parameters.tensors.map(\.scalars))
        // Other pixels under the same names train, with a warning; other names are refused.
        var other = original.pairs
        other[2].target = try SyntheticTask(.old).pair(index: 0, size: 32, seed: 5).target
        #expect(try Editor.load(damaged, path: "e", pairs: other).differingPairs == [other[2].name])
        other[2].name = "someone-else"
        let wrong = #expect(throws: CheckpointError.self) { try Editor.load(damaged, path: "e", pairs: other) }
        #expect(wrong?.description.contains("not on \(other[0].name), \(other[1].name), someone-else") == true)
    }

    @Test func onlyDamagedWeightsRefuseToLoad() throws {
        let dir = try CheckpointTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let original = try editor(.one2one)
        try original.save(to: dir + "/effect.safetensors")
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/effect.safetensors")))
        var pixels = bytes, weights = bytes, moments = bytes
        pixels[try EditorCheckpointTests.dataRange(of: "pairs.source", in: bytes).lowerBound + 401] ^= 0x10
        weights[try EditorCheckpointTests.dataRange(of: "model.head.attention.key.weight", in: bytes).lowerBound + 2] ^= 0x01
        moments[try EditorCheckpointTests.dataRange(of: "optimizer.exp_avg_sq.head.attention.key.weight", in: bytes).lowerBound + 3] ^= 0x40
        try Data(pixels).write(to: URL(fileURLWithPath: dir + "/pixels.safetensors"))
        try Data(weights).write(to: URL(fileURLWithPath: dir + "/weights.safetensors"))
        try Data(moments).write(to: URL(fileURLWithPath: dir + "/moments.safetensors"))
        #expect(try Editor.load(from: dir + "/pixels.safetensors").damagedPairs == [original.pairs[0].name])
        // AdamW's moments are not needed to edit: the effect edits as before, and will not resume.
        let resumable = try Editor.load(from: dir + "/moments.safetensors")
        #expect(resumable.damagedTrainingState == ["optimizer.exp_avg_sq.head.attention.key.weight"] && resumable.loadWarnings.count == 1)
        let x = try SyntheticTask(.blueEyes).pair(index: 0, size: 32, seed: 77).source
        #expect(try resumable.edit(x).image == original.edit(x).image)
        #expect(throws: EngineError.self) { try resumable.train(until: 1) }
        let refused = #expect(throws: CheckpointError.self) { try Editor.load(from: dir + "/weights.safetensors") }
        let count = try original.checkpoint().tensors.count
        #expect(refused?.description == "\(dir)/weights.safetensors: not a usable checkpoint: 1 of its \(count) tensors does not match the SHA-256 saved with it ('model.head.attention.key.weight' first): the file is damaged")
    }
}
