@testable import Engine
import Foundation
@testable import Models
import TestSupport
import Testing

@Suite(.hangLimit)
struct FlowNetworkTests {
    @Test func itEstimatesAFlowAtEveryLevelDownToFourPixels() throws {
        let network = try FlowNetwork(seed: 1)
        let flows = try network.pyramidFlows(random([2, 32, 32, 3], seed: 1), random([2, 32, 32, 3], seed: 2))
        #expect(flows.map(\.shape) == [[2, 4, 4, 2], [2, 8, 8, 2], [2, 16, 16, 2], [2, 32, 32, 2]])
        // The last layer starts at zero: an untrained network estimates no motion.
        #expect(flows.allSatisfy { $0.scalars.allSatisfy { $0 == 0 } })
        #expect(parametersAreNamedByLayer(network))
        let odd = #expect(throws: EngineError.self) { try network.pyramidFlows(random([1, 8, 8, 3]), random([1, 8, 6, 3])) }
        #expect(odd?.description.contains("two [N, H, W, 3] batches of one shape") == true)
    }

    private func parametersAreNamedByLayer(_ network: FlowNetwork) -> Bool {
        network.parameters.named.map(\.name) == (0..<FlowNetwork.widths.count).flatMap { ["block.\($0).weight", "block.\($0).bias"] }
    }

    @Test func theNetworkHasFiniteDifferenceGradients() throws {
        let network = try FlowNetwork(seed: 3)
        // Leave the zero start, so that every layer's gradient is non-zero, but keep each level's
        // flow off whole pixels: bilinear sampling has a kink at each, where a finite difference
        // would straddle two slopes. A residual of 0.3 px makes the flow 0.3 px at the 4 px level
        // and 2 × 0.3 + 0.3 = 0.9 px at the 8 px one. (The losses are compositions of ops whose
        // gradients OpInfo checks.)
        var rng = RandomGenerator(seed: 4)
        let last = network.parameters.tensors.count - 2
        for (index, tensor) in network.parameters.tensors.enumerated() {
            let scale: Float = index == last ? 0.02 : 0.05
            tensor.withUnsafeMutableBufferPointer { for i in $0.indices { $0[i] += scale * rng.normal() } }
        }
        network.parameters.tensors[last + 1].withUnsafeMutableBufferPointer { $0.update(repeating: 0.3) }
        let (a, b) = (try random([1, 8, 8, 3], seed: 5), try random([1, 8, 8, 3], seed: 6))
        // On the im2col convolutions, as UNetTests says why; the direct kernels are held to the
        // same gradients below.
        let mismatches = try ConvolutionGeometry.$allowsDirect.withValue(false) {
            try gradientMismatches([a, b] + network.parameters.tensors, maximumProbes: 8) { inputs in
                try network.finestFlow(inputs[0], inputs[1])
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(3))")
        guard ConvolutionGeometry.directKernelsAvailable else { return }
        func gradients() throws -> [[Float]] {
            for t in [a, b] + network.parameters.tensors { t.grad = nil }
            try network.finestFlow(a, b).backward(seed: random([1, 8, 8, 2], seed: 7))
            return ([a, b] + network.parameters.tensors).map { $0.grad?.scalars ?? [] }
        }
        let direct = try gradients(), im2col = try ConvolutionGeometry.$allowsDirect.withValue(false) { try gradients() }
        for (n, (x, y)) in zip(direct, im2col).enumerated() {
            let scale = y.map(abs).max() ?? 0
            #expect(zip(x, y).allSatisfy { abs($0 - $1) <= 1e-4 * max(scale, 1e-3) }, "input \(n) differs between the direct and im2col convolutions")
        }
    }

    @Test func bothLossesTrainTheNetwork() throws {
        // A few steps on one textured pair and its shift lower each loss.
        let size = 16
        var rng = RandomGenerator(seed: 9)
        let texture = try Tensor.randomUniform([1, size / 4, size / 4, 3], low: -1, high: 1, using: &rng).resizedBilinear(height: size, width: size)
        let shift = try Tensor(shape: [1, size, size, 2], scalars: (0..<(size * size)).flatMap { _ in [Float(-1.5), 1] })
        let shifted = try Tensor.warp(texture, by: shift)
        let truth = try shift * -1, valid = try Tensor(shape: [1, size, size, 1], repeating: 1)
        for loss in [{ (n: FlowNetwork) in try n.supervisedLoss(texture, shifted, truth: truth, valid: valid) },
                     { (n: FlowNetwork) in try n.photometricLoss(texture, shifted) }] {
            let network = try FlowNetwork(seed: 10)
            let trainer = try Trainer(parameters: network.parameters, schedule: LearningRateSchedule(peak: 3e-3, floor: 3e-3, warmupSteps: 0, totalSteps: 30))
            try trainer.train(until: 30) { _ in try loss(network) }
            let first: Float = trainer.losses.prefix(3).reduce(0, +), last: Float = trainer.losses.suffix(3).reduce(0, +)
            #expect(last < 0.8 * first, "\(trainer.losses)")
        }
    }

    @Test func theShippedWeightsRecoverAKnownTranslationWithinAPixel() throws {
        // A textured image and the same shifted by (3, −2): the flow from the first to the second
        // is (3, −2) everywhere away from the border.
        let size = 32
        var rng = RandomGenerator(seed: 8)
        let texture = try Tensor.randomUniform([1, size / 4, size / 4, 3], low: 0, high: 1, using: &rng).resizedBilinear(height: size, width: size)
        let shift = try Tensor(shape: [1, size, size, 2], scalars: (0..<(size * size)).flatMap { _ in [Float(-3), 2] })
        let first = try Image(tensor: texture), second = try Image(tensor: Tensor.warp(texture, by: shift))
        let flow = try FlowNetwork.pretrained().flow(from: first, to: second).scalars
        var error: Float = 0, count: Float = 0
        for y in 8..<(size - 8) {
            for x in 8..<(size - 8) {
                let p = y * size + x
                error += ((flow[2 * p] - 3) * (flow[2 * p] - 3) + (flow[2 * p + 1] + 2) * (flow[2 * p + 1] + 2)).squareRoot()
                count += 1
            }
        }
        #expect(error / count < 1, "end-point error \(error / count) px")
    }

    @Test func theShippedWeightsBeatHornSchunckOnAFaceTask() throws {
        let task = SyntheticTask(.bigSmile), size = 32
        var learned: Float = 0, classical: Float = 0
        let network = try FlowNetwork.pretrained()
        for i in 0..<4 {
            let (a, b) = (try task.pair(index: 2 * i, size: size, seed: 777).source, try task.pair(index: 2 * i + 1, size: size, seed: 777).source)
            let truth = try task.displacement(from: 2 * i, to: 2 * i + 1, seed: 777, size: size)
            learned += try truth.endPointError(of: network.flow(from: a, to: b))
            classical += try truth.endPointError(of: HornSchunck().flow(from: a, to: b))
        }
        #expect(learned < classical, "mean end-point error: learned \(learned / 4) px, Horn–Schunck \(classical / 4) px")
    }

    @Test func weightsRoundTripAndAForeignFileIsRefused() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("flow-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let network = try FlowNetwork.pretrained(), path = directory.appendingPathComponent("f.safetensors").path
        try network.save(to: path)
        let back = try FlowNetwork.load(from: path)
        #expect(back.parameters.tensors.map(\.scalars) == network.parameters.tensors.map(\.scalars))
        try Checkpoint(tensors: [("block.0.weight", Tensor.zeros([1]))]).write(to: path)
        let error = #expect(throws: CheckpointError.self) { try FlowNetwork.load(from: path) }
        #expect(error?.description.contains("block.0.weight") == true)
    }
}

@Suite(.hangLimit)
struct FlowTrainingSetTests {
    @Test func aMovedImageAndItsFlowAgree() throws {
        // Warping the moved image by the true flow gives the image back where the flow is valid.
        let image = try SyntheticTask(.sleepy).pair(index: 0, size: 32, seed: 3).source
        let (moved, flow) = try FlowTrainingSet.moved(image, by: Pose(scale: 1.05, rotation: 0.2, offset: SIMD2(0.1, -0.15)))
        let back = try Tensor.warp(moved.tensor, by: flow.tensor).scalars
        var error: Float = 0, count = 0
        for p in 0..<(32 * 32) where flow.valid[p] {
            let (x, y) = (p % 32, p / 32)
            guard (4..<28).contains(x), (4..<28).contains(y) else { continue }
            for c in 0..<3 { error += abs(back[3 * p + c] - image.pixels[3 * p + c]) }
            count += 3
        }
        #expect(count > 1000 && error / Float(count) < 0.03, "mean error \(error / Float(count)) over \(count)")
        // A pure shift of a quarter of the half-side is 4 px at 32 px, everywhere.
        let (_, shift) = try FlowTrainingSet.moved(image, by: Pose(scale: 1, rotation: 0, offset: SIMD2(0.25, 0)))
        #expect(shift.dx.allSatisfy { abs($0 - 4) < 1e-4 } && shift.dy.allSatisfy { abs($0) < 1e-4 })
        #expect(shift.valid.filter { $0 }.count == 28 * 32)
    }

    @Test func aBatchHasBothKindsOfCase() throws {
        let set = try FlowTrainingSet(tasks: [.old], count: 3, size: 32, seed: 5)
        var rng = RandomGenerator(seed: 6)
        let batch = try set.batch(8, using: &rng)
        #expect(batch.first.shape == [8, 32, 32, 3] && batch.second.shape == [8, 32, 32, 3])
        #expect(batch.truth.shape == [8, 32, 32, 2] && batch.valid.shape == [8, 32, 32, 1])
        #expect(batch.valid.scalars.contains(0) && batch.valid.scalars.contains(1))
    }

    /// The summed-area tables give each pixel its 7×7 window's mean and spread, as the window
    /// read one value at a time does — at the borders, where the window is cut, too.
    @Test func normalisationIsTheLocalContrastOfTheDefinition() throws {
        var rng = RandomGenerator(seed: 12)
        let (w, h) = (13, 9)
        let image = try Image(width: w, height: h, pixels: (0..<(w * h * 3)).map { _ in rng.nextUnit() })
        let fast = try FlowNetwork.normalised(image).scalars
        for y in 0..<h {
            for x in 0..<w {
                for c in 0..<3 {
                    var values: [Double] = []
                    for yy in max(y - 3, 0)...min(y + 3, h - 1) { for xx in max(x - 3, 0)...min(x + 3, w - 1) { values.append(Double(image.pixels[3 * (yy * w + xx) + c])) } }
                    let mean = values.reduce(0, +) / Double(values.count)
                    let spread = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()
                    let expected = (Double(image.pixels[3 * (y * w + x) + c]) - mean) / (spread + 0.02)
                    #expect(abs(Double(fast[3 * (y * w + x) + c]) - expected) < 1e-4 * max(1, abs(expected)), "pixel (\(x), \(y)) channel \(c)")
                }
            }
        }
    }
}
