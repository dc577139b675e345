import Engine
import Foundation

/// An editor saved whole: its trainer's state (weights, AdamW's moments and step, the loss curve),
/// its training pairs — so a saved effect edits without the folder it was made from, and
/// `likewise apply` needs nothing else — and how to rebuild it.
///
/// Beyond the trainer's tensors: `pairs.source` and `pairs.target` `[N, S, S, 3]`. Metadata:
/// `editor.format`; `editor.design`, the `EditorDesign` as JSON (with its own version; files saved
/// before it hold the knobs as keys of their own — `editor.preset`, `editor.pairing`,
/// `editor.diffusion`, `editor.seed`, `editor.augments`, `editor.end_to_end`, `editor.ablation`,
/// `editor.transform_channels`, `editor.learning_rate` — which `load` migrates); `editor.flow`,
/// the estimator's own state (`learned`, with the network's weights as tensors `flow.<parameter>`,
/// or end to end among the trainer's, `model.flow.…`; or Horn–Schunck's settings as JSON);
/// `editor.pairs` (their names, JSON), `editor.hashes` (a 64-bit FNV-1a hash of each pair's
/// pixels as saved, JSON), and `editor.rng`, `editor.sampler` (where the random streams stand)
/// and `editor.schedule_steps`, the schedule's length, so that training resumes exactly.
extension Editor {
    /// What a checkpoint's `editor.format` must say: 2 since the heads read images centred on
    /// zero (a format-1 editor's weights would edit wrongly here, so it is refused).
    static let checkpointFormat = 2

    /// The editor's whole state.
    public func checkpoint() throws -> Checkpoint {
        func json<T: Encodable>(_ value: T) throws -> String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys  // the same effect, the same bytes
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        }
        var state = try trainer.checkpoint(metadata: [
            "editor.format": String(Editor.checkpointFormat), "editor.design": try json(design), "editor.flow": try flowDescription(),
            "editor.pairs": try json(pairs.map(\.name)), "editor.hashes": try json(pairs.map { damagedPairHashes[$0.name] ?? Editor.hash($0) }),
            "editor.rng": String(rng.state), "editor.sampler": "\(sampler.state.epochStart) \(sampler.state.position)",
            "editor.schedule_steps": String(trainer.schedule.totalSteps),
        ])
        if let network = flowEstimator as? FlowNetwork, !endToEnd {
            state.tensors += network.parameters.named.map { (EditorScope.flow + "." + $0.name, $0.tensor) }
        }
        state.tensors.append(("pairs.source", try Image.batch(pairs.map(\.source))))
        state.tensors.append(("pairs.target", try Image.batch(pairs.map(\.target))))
        return state
    }

    /// Saves the editor to `path` (atomically; see `Checkpoint.write`).
    public func save(to path: String) throws { try checkpoint().write(to: path) }

    /// The editor saved at `path` (see `load(_:path:pairs:)`).
    public static func load(from path: String, pairs given: [Pair]? = nil) throws -> Editor {
        try load(Checkpoint(contentsOf: path, mayBeDamaged: { $0.hasPrefix("pairs.") || TrainingState.isResumptionState($0) }),
                 path: path, pairs: given)
    }

    /// The editor saved in `checkpoint`; `path` names it in errors. Damaged weights refuse to
    /// load; damaged training pairs do not — the weights are whole and edit as they did, with the
    /// other pairs as references — but such an editor lists them in `damagedPairs` and will not
    /// train until it is loaded again with `pairs` given: the same names, in the same order (each
    /// scaled to the preset's size as `Editor.init` does), which then replace the stored ones. A
    /// given pair whose pixels differ from the saved one's is trained on all the same, and named
    /// in `differingPairs`. A damaged training state (AdamW's moments, the loss curve: read with
    /// `load(from:pairs:)`, which tolerates their damage) leaves an editor that edits and does not
    /// train (`damagedTrainingState`).
    public static func load(_ checkpoint: Checkpoint, path: String, pairs given: [Pair]? = nil) throws -> Editor {
        func mismatch(_ reason: String) -> CheckpointError { .mismatch(path: path, reason: reason) }
        let meta = checkpoint.metadata
        guard meta["editor.design"] != nil || meta["editor.preset"] != nil else {
            throw mismatch("it is not an editor's checkpoint (it has no editor.design)")
        }
        let format = meta["editor.format"].flatMap(Int.init) ?? 1
        guard format == Editor.checkpointFormat else {
            throw mismatch("it holds an editor of format \(format), whose head reads its inputs differently from this version's (format \(Editor.checkpointFormat)); train it again")
        }
        func decode<T: Decodable>(_ key: String, as type: T.Type) throws -> T {
            guard let text = meta[key] else { throw mismatch("its \(key) is missing") }
            do { return try JSONDecoder().decode(T.self, from: Data(text.utf8)) } catch {
                throw mismatch("its \(key) is unreadable: \(Editor.reason(error))")
            }
        }
        let design = try meta["editor.design"] != nil ? decode("editor.design", as: EditorDesign.self) : Editor.migratedDesign(meta, mismatch)
        guard design.pairing.fixed != nil else { throw mismatch("its editor.design leaves the pairing to auto") }
        guard let rngState = meta["editor.rng"].flatMap(UInt64.init) else { throw mismatch("its editor.rng is missing") }
        let samplerState = (meta["editor.sampler"] ?? "").split(separator: " ").compactMap { UInt64($0) }
        guard samplerState.count == 2 else { throw mismatch("its editor.sampler is missing") }
        let names = try decode("editor.pairs", as: [String].self), hashes = try decode("editor.hashes", as: [String].self)
        guard let sources = checkpoint.tensor("pairs.source"), let targets = checkpoint.tensor("pairs.target"),
              sources.shape == [names.count, design.size, design.size, 3], targets.shape == sources.shape, hashes.count == names.count else {
            throw mismatch("its pairs do not match its \(names.count) names at its working size, \(design.size)×\(design.size)")
        }
        // The hashes are of the pixels as they were saved, so they are checked on the stored
        // values themselves, before `Image(tensor:)` clamps what damage may have put outside [0, 1].
        let side = design.size * design.size * 3
        let (sourceValues, targetValues) = (sources.scalars, targets.scalars)
        let damagedIndices = names.indices.filter { i in
            Editor.hash(sourceValues[(i * side)..<((i + 1) * side)], targetValues[(i * side)..<((i + 1) * side)]) != hashes[i]
        }
        var pairs = try names.indices.map { Pair(name: names[$0], source: try Image(tensor: sources, index: $0), target: try Image(tensor: targets, index: $0)) }
        var differing: [String] = []
        if let given {
            guard given.map(\.name) == names else {
                throw mismatch("it was trained on the pairs \(names.joined(separator: ", ")), not on \(given.map(\.name).joined(separator: ", "))")
            }
            let scaled = try given.map { pair in
                guard pair.source.width == pair.target.width, pair.source.height == pair.target.height else {
                    throw mismatch("pair '\(pair.name)': source \(pair.source.width)×\(pair.source.height) and target \(pair.target.width)×\(pair.target.height) differ in size")
                }
                return try design.view.fitted(pair, to: design.size)
            }
            differing = scaled.indices.filter { Editor.hash(scaled[$0]) != hashes[$0] }.map { names[$0] }
            pairs = scaled
        }
        let flowEstimator: any FlowEstimator
        switch design.flow {
        case .learned:
            guard meta["editor.flow"] == FlowMethod.learned.rawValue else { throw mismatch("its editor.flow is not the learned flow its design names") }
            let network = try FlowNetwork()
            // End to end, the flow's weights are the trainer's (`model.flow.…`).
            let scope = EditorScope.flow + "."
            try network.restore(from: checkpoint, prefix: design.endToEnd ? TrainingState.model + scope : scope, path: path)
            flowEstimator = network
        case .hornSchunck:
            flowEstimator = try decode("editor.flow", as: HornSchunck.self)
        }
        let editor = try Editor(pairs: pairs, design: design, flowEstimator: flowEstimator, preparesCases: false)
        try editor.trainer.restore(from: checkpoint, path: path)
        if given == nil { editor.damagedPairHashes = Dictionary(uniqueKeysWithValues: damagedIndices.map { (names[$0], hashes[$0]) }) }
        editor.differingPairs = differing
        editor.damagedTrainingState = checkpoint.damaged.filter { !$0.hasPrefix("pairs.") }
        if let steps = meta["editor.schedule_steps"].flatMap(Int.init), steps > 0 { editor.trainer.schedule.totalSteps = steps }
        editor.rng = RandomGenerator(restoring: rngState)
        try editor.sampler.restore((samplerState[0], Int(samplerState[1])))
        return editor
    }

    /// What a user loading the editor should be told: its damaged training pairs, or the given
    /// pairs that differ from the saved ones (see `load(_:path:pairs:)`).
    public var loadWarnings: [String] {
        var warnings: [String] = []
        if !damagedPairs.isEmpty {
            warnings.append("the training pairs saved with this effect are damaged (\(damagedPairs.joined(separator: ", "))): it edits with the other pairs as references, and training it again needs them — loadModel(path, pairs: loadPairs(folder))")
        }
        if !damagedTrainingState.isEmpty {
            warnings.append("its saved training state is damaged (\(damagedTrainingState.joined(separator: ", "))): it edits, but training cannot resume")
        }
        if !differingPairs.isEmpty {
            warnings.append("the pairs given differ from those it was saved with (\(differingPairs.joined(separator: ", "))): training goes on with the pairs given (scaled as for training, the same photographs give the same pixels)")
        }
        return warnings
    }

    /// `editor.flow`: `learned`, or the classical estimator's settings as JSON.
    private func flowDescription() throws -> String {
        switch flowEstimator {
        case is FlowNetwork: return FlowMethod.learned.rawValue
        case let classical as HornSchunck: return String(decoding: try JSONEncoder().encode(classical), as: UTF8.self)
        default: throw CheckpointError.invalid(path: "(writing)", reason: "a flow estimator of type \(type(of: flowEstimator)) cannot be saved")
        }
    }

    /// The design of an effect saved before `editor.design`, from the knobs' own keys.
    private static func migratedDesign(_ meta: [String: String], _ mismatch: (String) -> CheckpointError) throws -> EditorDesign {
        guard let pairing = meta["editor.pairing"].flatMap(Pairing.init(rawValue:)) else { throw mismatch("its editor.pairing is missing or unknown") }
        guard let seed = meta["editor.seed"].flatMap(UInt64.init), let augments = meta["editor.augments"].flatMap(Bool.init) else {
            throw mismatch("its editor.seed or editor.augments is missing")
        }
        guard let diffusion = Bool(meta["editor.diffusion"] ?? "false"), let endToEnd = Bool(meta["editor.end_to_end"] ?? "false"),
              let transformChannels = Bool(meta["editor.transform_channels"] ?? "false") else {
            throw mismatch("its editor.diffusion, editor.end_to_end or editor.transform_channels is neither true nor false")
        }
        let ablationName = meta["editor.ablation"] ?? "none"
        guard ablationName == "none" || EditorAblation(rawValue: ablationName) != nil else {
            throw mismatch("its editor.ablation '\(ablationName)' is none of none, \(EditorAblation.names)")
        }
        let rate = try meta["editor.learning_rate"].map { text in
            guard let rate = Float(text) else { throw mismatch("its editor.learning_rate is not a number") }
            return rate
        }
        return try EditorDesign(preset: EditorPreset.named(meta["editor.preset"] ?? ""), pairing: .fixed(pairing), diffusion: diffusion,
                                learningRate: rate, seed: seed, flow: meta["editor.flow"] == FlowMethod.learned.rawValue ? .learned : .hornSchunck,
                                endToEnd: endToEnd, ablation: EditorAblation(rawValue: ablationName), transformChannels: transformChannels,
                                augments: augments)
    }

    /// What a decoding error says, in a sentence.
    private static func reason(_ error: Error) -> String {
        switch error {
        case let DecodingError.dataCorrupted(context), let DecodingError.keyNotFound(_, context), let DecodingError.typeMismatch(_, context),
             let DecodingError.valueNotFound(_, context):
            return context.underlyingError.map { "\($0)" } ?? context.debugDescription
        default: return "\(error)"
        }
    }

    /// A 64-bit FNV-1a hash of a pair's pixels, as hex: what the pairs were, without the pixels.
    static func hash(_ pair: Pair) -> String { hash(pair.source.pixels[...], pair.target.pixels[...]) }

    /// The hash of a pair whose source samples are `source` and target samples `target`.
    static func hash(_ source: ArraySlice<Float>, _ target: ArraySlice<Float>) -> String {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for samples in [source, target] {
            for value in samples {
                var bits = value.bitPattern.littleEndian
                for _ in 0..<4 { h = (h ^ UInt64(bits & 0xFF)) &* 0x100_0000_01B3; bits >>= 8 }
            }
        }
        return String(h, radix: 16)
    }
}
