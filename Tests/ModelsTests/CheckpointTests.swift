import Engine
import Foundation
@testable import Models
import Synchronization
import Testing
import TestSupport

@Suite(.hangLimit)
struct CheckpointTests {
    static func scratch() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("likewise-ckpt-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func sample() throws -> Checkpoint {
        var rng = RandomGenerator(seed: 1)
        let odd = try Tensor(shape: [2, 3], scalars: [1.5, -0, .nan, .infinity, Float.leastNonzeroMagnitude, -3e38])
        return Checkpoint(tensors: [("a.weight", odd), ("scalar", try Tensor(shape: [], scalars: [7])),
                                    ("empty", try Tensor.zeros([0, 4])), ("b", try Tensor.randomUniform([2, 2, 3, 4], using: &rng))],
                          metadata: ["step": "12", "preset": "tiny", "note": "é 🙂"])
    }

    @Test func aCheckpointRoundTripsBitForBit() throws {
        let dir = try CheckpointTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let original = try CheckpointTests.sample()
        try original.write(to: dir + "/m.safetensors")
        let back = try Checkpoint(contentsOf: dir + "/m.safetensors")
        #expect(back.metadata == original.metadata)
        #expect(Set(back.tensors.map(\.name)) == Set(original.tensors.map(\.name)))
        for (name, tensor) in original.tensors {
            let read = try #require(back.tensor(name))
            #expect(read.shape == tensor.shape)
            #expect(read.scalars.map(\.bitPattern) == tensor.scalars.map(\.bitPattern), "\(name)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["m.safetensors"])  // no partial file left
    }

    @Test func theFileIsSafetensorsAsSpecified() throws {
        let bytes = try Checkpoint(tensors: [("w", Tensor(shape: [2], scalars: [1, -2]))], metadata: ["k": "v"]).encoded()
        let length = Int(bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        #expect((8 + length) % 8 == 0)  // the data starts aligned
        let header = try #require(try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + length)])) as? [String: Any])
        let w = try #require(header["w"] as? [String: Any])
        #expect(w["dtype"] as? String == "F32" && w["shape"] as? [Int] == [2] && w["data_offsets"] as? [Int] == [0, 8])
        // Beside the metadata given, each tensor's SHA-256 (of 1 and −2's eight bytes, from hashlib).
        #expect(header["__metadata__"] as? [String: String] == ["k": "v", "checkpoint.sha256": #"{"w":"ee4ac73c2bd27756ab82780f27c73a7bc4d3f0bb6acb37e008bc27eccd7e588b"}"#])
        #expect(Array(bytes[(8 + length)...]) == [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0])  // 1 and −2, little-endian
    }

    @Test func everyTruncationAndManyCorruptionsAreErrorsNamingTheFile() throws {
        let bytes = try CheckpointTests.sample().encoded()
        for cut in 0..<bytes.count {
            let error = #expect(throws: CheckpointError.self) { try Checkpoint(bytes: Array(bytes[..<cut]), path: "m.safetensors") }
            #expect(error?.description.hasPrefix("m.safetensors: not a usable checkpoint: ") == true)
        }
        #expect(throws: Never.self) { try Checkpoint(bytes: bytes, path: "m.safetensors") }
        // Flipped bytes anywhere: read or refused, never a crash.
        var rng = RandomGenerator(seed: 3)
        for _ in 0..<2000 {
            var mutant = bytes
            for _ in 0..<(1 + Int(rng.next() % 3)) { mutant[Int(rng.next() % UInt64(mutant.count))] ^= UInt8(1 << (rng.next() % 8)) }
            _ = try? Checkpoint(bytes: mutant, path: "m")
        }
        // Another kind of file is named as what it is.
        let png = #expect(throws: CheckpointError.self) { try Checkpoint(bytes: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + bytes, path: "p.png") }
        #expect(png?.description == "p.png: not a usable checkpoint: it is a PNG image, not a saved effect (likewise train --out, or save(m, …), writes one)")
        let text = #expect(throws: CheckpointError.self) { try Checkpoint(bytes: Array("a list of my photos, not an effect".utf8), path: "notes.txt") }
        #expect(text?.description == "notes.txt: not a usable checkpoint: not a safetensors file: its header is not a JSON object (likewise train --out, or save(m, …), writes one)")
        let missing = #expect(throws: CheckpointError.self) { try Checkpoint(contentsOf: "/no/such/m.safetensors") }
        #expect(missing?.description == "/no/such/m.safetensors: not a usable checkpoint: no such file")
    }

    @Test func aSaveIntoAMissingFolderSaysSo() throws {
        let error = #expect(throws: CheckpointError.self) { try CheckpointTests.sample().write(to: "/no/such/dir/m.safetensors") }
        #expect(error?.description.hasPrefix("/no/such/dir/m.safetensors: cannot save: cannot create /no/such/dir/.m.safetensors.partial") == true)
    }

    @Test func resumingFromASavedFileContinuesTheLossCurveExactly() throws {
        let dir = try CheckpointTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var rng = RandomGenerator(seed: 2)
        let data = try (0..<6).map { _ in try ToyNetwork.batch(count: 2, size: 8, using: &rng) }
        func trainer(_ network: ToyNetwork) throws -> Trainer {
            try Trainer(parameters: network.parameters, schedule: LearningRateSchedule(peak: 1e-2, warmupSteps: 2, totalSteps: 6), emaDecay: 0.9)
        }
        let straight = try ToyNetwork(channels: 4, seed: 1)
        let whole = try trainer(straight)
        try whole.train(until: 6) { try straight.loss(source: data[$0].0, target: data[$0].1) }

        let first = try ToyNetwork(channels: 4, seed: 1)
        let before = try trainer(first)
        try before.train(until: 3) { try first.loss(source: data[$0].0, target: data[$0].1) }
        try before.checkpoint(metadata: ["preset": "tiny"]).write(to: dir + "/run.safetensors")

        let second = try ToyNetwork(channels: 4, seed: 99)  // other weights, all overwritten
        let after = try trainer(second)
        let saved = try Checkpoint(contentsOf: dir + "/run.safetensors")
        #expect(saved.metadata["preset"] == "tiny" && saved.metadata["step"] == "3")
        try after.restore(from: saved, path: dir + "/run.safetensors")
        try after.train(until: 6) { try second.loss(source: data[$0].0, target: data[$0].1) }
        #expect(after.losses == whole.losses)
        #expect(after.parameters.tensors.map(\.scalars) == whole.parameters.tensors.map(\.scalars))
        #expect(after.ema?.shadows.map(\.scalars) == whole.ema?.shadows.map(\.scalars))
    }

    @Test func aCheckpointOfAnotherModelIsRefusedAndChangesNothing() throws {
        let small = try ToyNetwork(channels: 4, seed: 1), large = try ToyNetwork(channels: 8, seed: 1)
        let schedule = LearningRateSchedule(peak: 1e-2, warmupSteps: 0, totalSteps: 1)
        let saved = try Trainer(parameters: small.parameters, schedule: schedule).checkpoint()
        let target = try Trainer(parameters: large.parameters, schedule: schedule)
        let weights = large.parameters.tensors.map(\.scalars)
        let error = #expect(throws: CheckpointError.self) { try target.restore(from: saved, path: "small.safetensors") }
        #expect(error?.description == "small.safetensors: its 'model.conv1.weight' has shape [3, 3, 3, 4], this model's has [3, 3, 3, 8]: another preset?")
        #expect(large.parameters.tensors.map(\.scalars) == weights)
        var foreign = saved
        foreign.metadata["format"] = "something-else"
        let format = #expect(throws: CheckpointError.self) { try target.restore(from: foreign, path: "x") }
        #expect(format?.description == "x: its format is 'something-else', this Likewise reads 'likewise-checkpoint-1'")
    }

    /// The executable that saves in a loop, built beside this test bundle.
    static var writer: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("checkpoint-writer").path
    }

    @Test func aProcessKilledInTheMiddleOfASaveLeavesThePreviousCheckpointWhole() throws {
        let dir = try CheckpointTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/m.safetensors"
        var rng = RandomGenerator(seed: 8)
        let partial = dir + "/.m.safetensors.partial"
        var killedMidSave = 0
        for round in 0..<6 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: CheckpointTests.writer)
            process.arguments = [path, "1000"]
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            // Neither wait below may hang the suite: a writer that stops saving is killed after a
            // minute, which ends both waits, and the round fails saying so.
            let pid = process.processIdentifier
            let overdue = Mutex(false)
            let alarm = Alarm(after: 60) { overdue.withLock { $0 = true }; kill(pid, SIGKILL) }
            defer { alarm.cancel() }
            // Let it save a few times, then kill it at a moment that lands inside a save more often than not.
            var seen = ""
            while !seen.contains("saved \(2 + round)\n") {
                let chunk = output.fileHandleForReading.availableData
                guard !chunk.isEmpty else { break }
                seen += String(decoding: chunk, as: UTF8.self)
            }
            if round % 2 == 0 {
                usleep(UInt32(rng.next() % 20_000))  // anywhere
            } else {
                // Just after the next save has opened its partial file: in the middle of writing it.
                while !FileManager.default.fileExists(atPath: partial), process.isRunning { usleep(50) }
            }
            kill(pid, SIGKILL)
            process.waitUntilExit()
            #expect(!overdue.withLock { $0 }, "round \(round): the writer saved nothing more for a minute: killed")
            if FileManager.default.fileExists(atPath: partial) { killedMidSave += 1 }
            #expect(process.terminationReason == .uncaughtSignal, "round \(round): the writer ended before it was killed")
            let saved = try Checkpoint(contentsOf: path)
            let k = try #require(saved.metadata["k"].flatMap(Int.init), "round \(round)")
            let values = try #require(saved.tensor("values"))
            #expect(values.count == 1 << 20)
            #expect(values.scalars.allSatisfy { $0 == Float(k) }, "round \(round): a checkpoint mixing two saves")
        }
        // The partial file outlives the writer only when the kill came before the rename.
        #expect(killedMidSave >= 2, "only \(killedMidSave) of 6 kills landed inside a save")
    }

    /// Python's `safetensors` package (the test venv's, which `make test` makes: without it this
    /// fails, saying so) reads the edge cases of the format and a real saved effect: every tensor's
    /// shape and bytes, and the metadata, as Likewise wrote them.
    @Test func theSafetensorsPackageReadsEveryTensorOfASavedEffect() throws {
        let python = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../.venv/bin/python").standardized.path
        try #require(FileManager.default.isExecutableFile(atPath: python), "\(python) is missing: scripts/python-venv.sh makes it (make test runs it first)")
        let dir = try CheckpointTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try CheckpointTests.sample().write(to: dir + "/m.safetensors")
        let pairs = try SyntheticTask(.blueEyes).pairs(count: 3, size: 32, seed: 11)
        let effect = try Editor(pairs: pairs, design: EditorDesign(preset: .tiny, pairing: .structural, diffusion: true, seed: 2), flowEstimator: FlowNetwork.pretrained(), preparesCases: false)
        try effect.train(until: 2)
        try effect.save(to: dir + "/effect.safetensors")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", """
            import hashlib, json, sys
            import numpy as np
            from safetensors import safe_open
            with safe_open(sys.argv[1], framework="numpy") as f:
                meta = f.metadata()
                t = {k: f.get_tensor(k) for k in f.keys()}
            digests = json.loads(meta.pop("checkpoint.sha256"))
            assert meta == {"step": "12", "preset": "tiny", "note": "é 🙂"}, meta
            assert digests == {k: hashlib.sha256(v.tobytes()).hexdigest() for k, v in t.items()}, digests
            assert t["a.weight"].dtype == np.float32 and t["a.weight"].shape == (2, 3)
            assert t["a.weight"][0, 0] == 1.5 and np.isnan(t["a.weight"][0, 2]) and t["a.weight"][1, 0] == np.inf and t["scalar"].shape == () and t["scalar"] == 7
            assert t["empty"].shape == (0, 4) and t["b"].shape == (2, 2, 3, 4)
            with safe_open(sys.argv[2], framework="numpy") as f:
                effect = {"metadata": f.metadata(),
                          "tensors": {k: [list(f.get_tensor(k).shape), str(f.get_tensor(k).dtype), hashlib.sha256(f.get_tensor(k).tobytes()).hexdigest()] for k in f.keys()}}
            print(json.dumps(effect))
            """, dir + "/m.safetensors", dir + "/effect.safetensors"]
        let output = Pipe(), errors = Pipe()
        (process.standardOutput, process.standardError) = (output, errors)
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let problem = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        try #require(process.terminationStatus == 0, "\(problem)")
        let read = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let saved = try effect.checkpoint()
        let tensors = try #require(read["tensors"] as? [String: [Any]])
        #expect(Set(tensors.keys) == Set(saved.tensors.map(\.name)))
        for (name, tensor) in saved.tensors {
            let entry = try #require(tensors[name], "\(name)")
            #expect(entry[0] as? [Int] == tensor.shape && entry[1] as? String == "float32" && entry[2] as? String == Checkpoint.digest(of: tensor), "\(name)")
        }
        var metadata = try #require(read["metadata"] as? [String: String])
        #expect(metadata.removeValue(forKey: "checkpoint.sha256") != nil)
        #expect(metadata == saved.metadata)
    }
}
