import Engine
import Foundation
@testable import Models
import Testing
import TestSupport

/// The PyTorch bridge (python/likewise_torch) builds each saved effect's networks from its
/// design, loads its weights, and computes what Likewise computes: for every pairing, with the
/// refiner, with Mx's channels, end to end, the head's, the denoiser's and the flow network's
/// outputs on the same inputs agree within 1e-4 (and the flow's input normalisation with them),
/// the edit at the working size — Mx carrying each reference, the head, the fusion of 1 or 4
/// references, with the refiner's DDIM steps from Likewise's own noise — and the whole edit of an
/// image at its own size — the view, the references chosen (the same), the lift — within 1/255;
/// and a training step's loss on the same cases, augmentations and diffusion draws, and its
/// gradient's norm, each within 1e-5 of itself (3e-7 seen).
/// PyTorch comes from .venv-torch (scripts/torch-venv.sh; make test makes it): without it this
/// fails, saying how to make it.
@Suite(.hangLimit)
struct TorchBridgeTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized.path
    static let python = root + "/.venv-torch/bin/python"

    /// Runs `python -m likewise_torch.MODULE arguments…` with the package from the source tree;
    /// its exit status and what it printed.
    static func bridge(_ module: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        try #require(FileManager.default.isExecutableFile(atPath: python),
                     "\(python) is missing: scripts/torch-venv.sh makes it (make test runs it first)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-m", "likewise_torch.\(module)"] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(["PYTHONPATH": root + "/python/likewise_torch"]) { $1 }
        let output = Pipe()
        (process.standardOutput, process.standardError) = (output, output)
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    /// The designs compared: every pairing, with and without the refiner, Mx's channels, Mx end
    /// to end, both ablations, both views, every lift, and the small preset's four levels.
    static func design(_ index: Int) throws -> EditorDesign {
        switch index {
        case 0: return try EditorDesign(preset: .tiny, pairing: .structural, diffusion: true, seed: 3)
        case 1: return try EditorDesign(preset: .tiny, lift: .residual, pairing: .implicit, diffusion: true, seed: 4)
        case 2: return try EditorDesign(preset: .tiny, lift: .grid, pairing: .one2one, diffusion: true, seed: 5)
        case 3: return try EditorDesign(preset: .tiny, view: .pad, lift: .detail, pairing: .pix2pix, seed: 6)
        case 4: return try EditorDesign(preset: .tiny, lift: .upsample, pairing: .structural, seed: 7, transformChannels: true)
        case 5: return try EditorDesign(preset: .tiny, view: .pad, pairing: .implicit, seed: 8, endToEnd: true)
        case 6: return try EditorDesign(preset: .tiny, pairing: .structural, seed: 10, ablation: .noTransformation)
        case 7: return try EditorDesign(preset: .tiny, pairing: .implicit, seed: 11, ablation: .noSource)
        case 8: return try EditorDesign(preset: .tiny, lift: .residual, pairing: .combined, diffusion: true, seed: 12, transformChannels: true)
        default: return try EditorDesign(preset: .small, pairing: .structural, diffusion: true, seed: 9)
        }
    }

    @Test(arguments: 0..<10)
    func theBridgesNetworksComputeWhatLikewisesDo(index: Int) throws {
        let design = try TorchBridgeTests.design(index)
        let dir = try CheckpointTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pairs = try SyntheticTask(.old).pairs(count: 5, size: design.size, seed: 11)
        let editor = try Editor(pairs: pairs, design: design, flowEstimator: FlowNetwork.pretrained(), preparesCases: false)
        // Every weight moved off its initial value, as training moves it, so that zeroed outputs
        // and unit norms hide nothing: by a fifth of itself and a little more, which keeps the
        // outputs at the size a trained effect's are (a few units).
        var rng = RandomGenerator(seed: UInt64(index))
        for tensor in editor.parameters.tensors {
            tensor.withUnsafeMutableBufferPointer { values in
                for k in values.indices { values[k] = values[k] * (1 + 0.2 * rng.normal()) + 0.01 * rng.normal() }
            }
        }
        try editor.save(to: dir + "/effect.safetensors")

        let (n, side, channels) = (2, design.size, editor.conditioning.inputChannels)
        var io: [(name: String, tensor: Tensor)] = []
        try Autodiff.withoutGradients {
            let input = try Tensor.randomUniform([n, side, side, channels], low: -1, high: 1, using: &rng)
            io += [("head.input", input), ("head.output", try editor.head(input))]
            if let refiner = editor.refiner {
                let noisy = try Tensor.randomUniform([n, side, side, refiner.denoiser.configuration.inputChannels], low: -1, high: 1, using: &rng)
                let times: [Float] = [0.07, 0.83]
                io += [("denoiser.input", noisy), ("denoiser.times", try Tensor(shape: [n], scalars: times)),
                       ("denoiser.output", try refiner.denoiser(noisy, times: times))]
            }
            if let flow = editor.flowEstimator as? FlowNetwork {
                let (first, second) = (pairs[0].source, pairs[1].source)
                let (a, b) = (try FlowNetwork.normalised(first), try FlowNetwork.normalised(second))
                io += [("flow.first", try Image.batch([first])), ("flow.second", try Image.batch([second])),
                       ("flow.first.normalised", a), ("flow.output", try flow.finestFlow(a, b))]
            }
        }
        // Edits at the working size of an image no pair holds: with 1 and 4 references for the
        // n-to-n pairings (nearest first, as an edit chooses them), the head alone for the direct ones.
        let x = try SyntheticTask(.old).pairs(count: 1, size: design.size, seed: 12)[0].source
        let referenceCounts = editor.conditioning.carriesReferences ? [1, 4] : [0]
        for k in referenceCounts {
            let references = try editor.nearest(to: x, count: k)
            let edited = try editor.edit(x, using: references, sampling: .headOnly)
            io += [("edit.\(k).x", try Image.batch([x])),
                   ("edit.\(k).references", try Tensor(shape: [max(references.count, 1)], scalars: references.isEmpty ? [-1] : references.map(Float.init))),
                   ("edit.\(k).output", try Image.batch([edited]))]
        }
        // With diffusion, the same edits sampled by the refiner: DDIM from the seed's noise, with η's fresh noise.
        let sampling = try Sampling(steps: 4, eta: 0.5, seed: 9)
        for k in editor.hasDiffusion ? referenceCounts : [] {
            let references = try editor.nearest(to: x, count: k)
            let edited = try editor.edit(x, using: references, sampling: sampling)
            io += [("sampled.\(k).x", try Image.batch([x])), ("sampled.\(k).output", try Image.batch([edited])),
                   ("sampled.\(k).references", try Tensor(shape: [max(references.count, 1)], scalars: references.isEmpty ? [-1] : references.map(Float.init))),
                   ("sampled.\(k).sampling", try Tensor(shape: [3], scalars: [Float(sampling.steps), Float(sampling.eta), Float(sampling.seed)]))]
        }
        // Whole edits of photo-like images at their own odd sizes, larger and smaller than the
        // working size: the view, the references chosen, the networks, the lift.
        // The first with the effect's default sampling (10 DDIM steps with diffusion), the others the head's.
        for (k, (width, height)) in [(1, (45, 71)), (4, (97, 50)), (2, (21, 17))] {
            let photo = try Image(width: width, height: height,
                                  pixels: SavedEffectTests.photoLike(width: width, height: height, using: &rng).map { Float($0) / 255 })
            let (edited, references) = try editor.edit(photo, references: k, sampling: k == 1 ? nil : .headOnly)
            io += [("photo.\(k).x", try Image.batch([photo])), ("photo.\(k).output", try Image.batch([edited])),
                   ("photo.\(k).steps", try Tensor(shape: [1], scalars: [k == 1 ? -1 : 0])),
                   ("photo.\(k).references", try Tensor(shape: [max(references.count, 1)], scalars: references.isEmpty ? [-1] : references.map(Float.init)))]
        }
        io += try TorchBridgeTests.trainingLoss(of: editor, seed: UInt64(index))
        try Checkpoint(tensors: io).write(to: dir + "/outputs.safetensors")
        let (status, output) = try TorchBridgeTests.bridge("parity", [dir + "/effect.safetensors", dir + "/outputs.safetensors"])
        #expect(status == 0, "\(design.summary), \(design.preset.name): \(output)")
        let compared = output.split(separator: "\n").filter { $0.contains("largest |difference|") }.count
        let expected = 1 + (design.diffusion ? 1 : 0) + (editor.flowEstimator is FlowNetwork ? 2 : 0) + referenceCounts.count * (design.diffusion ? 2 : 1) + 3 + 2
        #expect(compared == expected, "\(design.summary): compared \(compared) outputs: \(output)")
    }

    /// A training step's loss on fixed cases, each augmented (when the design augments), and
    /// fixed diffusion draws, and the global norm of its gradient: `train.cases` (reference,
    /// target), `train.augmentations` (flip, scale, offsets, brightness, contrast, three gains),
    /// `train.times` and `train.noise` → `train.loss` and `train.gradient_norm`.
    static func trainingLoss(of editor: Editor, seed: UInt64) throws -> [(name: String, tensor: Tensor)] {
        var rng = RandomGenerator(seed: 100 + seed)
        let cases = [(0, 1), (2, 0), (4, 3)].map {
            TrainingCase(reference: $0.0, target: $0.1, augmentation: editor.augments ? .random(using: &rng) : .none)
        }
        let draws = try DiffusionRefiner.Draws(count: cases.count, side: editor.size, using: &rng)
        editor.parameters.zeroGrad()
        let loss = try editor.loss(of: cases, draws: editor.hasDiffusion ? draws : nil)
        try loss.backward()
        let squares = editor.parameters.tensors.reduce(0.0) { sum, tensor in
            sum + (tensor.grad?.scalars.reduce(0.0) { $0 + Double($1) * Double($1) } ?? 0)
        }
        let augmentations = cases.flatMap { c -> [Float] in
            let a = c.augmentation
            return [a.flip ? 1 : 0, a.scale, a.offsetX, a.offsetY, a.brightness, a.contrast, a.gains.x, a.gains.y, a.gains.z]
        }
        return [("train.cases", try Tensor(shape: [cases.count, 2], scalars: cases.flatMap { [Float($0.reference), Float($0.target)] })),
                ("train.augmentations", try Tensor(shape: [cases.count, 9], scalars: augmentations)),
                ("train.times", try Tensor(shape: [cases.count], scalars: draws.times)), ("train.noise", draws.noise),
                ("train.loss", try Tensor(shape: [1], scalars: [loss.scalar])),
                ("train.gradient_norm", try Tensor(shape: [1], scalars: [Float(squares.squareRoot())]))]
    }
}
