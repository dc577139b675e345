import Engine
import Foundation

/// Every knob of an effect, in one value: what the language's `model(…)`, `likewise train`,
/// `eval` and `bench`, `info` and a saved effect's checkpoint all describe an editor with.
///
/// The throwing initialiser is the one place the knobs' rules live — their ranges, what needs
/// what — so a design that exists can be built (memory aside: `EditorCost` says whether it fits
/// here). A design whose pairing is `auto` is resolved to the pairing chosen for the user's
/// pairs by `resolved(to:)`, which turns off, and says so, the switches that pairing cannot take.
public struct EditorDesign: Sendable, Equatable {
    /// The networks' widths, the batch, the default training length and working size.
    public let preset: EditorPreset
    /// The side of the square the networks work at: every training pair and every image to edit
    /// is fitted to it by `view`, and an edit comes back at its image's own size through `lift`.
    public let size: Int
    /// How an image of any aspect becomes the square.
    public let view: WorkingView
    /// How an edit made at `size` comes back at its image's own size.
    public let lift: Lift
    /// A fixed pairing, or `auto`: chosen on held-out pairs (`PairingChoice`).
    public let pairing: PairingRequest
    /// How Mx estimates flow.
    public let flow: FlowMethod
    /// Steps refining the learned flow on the pairs' sources, without labels, before anything else.
    public let flowRefinement: Int
    /// Whether the diffusion refiner is trained with the head (parameters `denoiser.…`).
    public let diffusion: Bool
    /// Whether a copy of the learned flow network trains with the head (see `Editor`).
    public let endToEnd: Bool
    /// Whether the head reads Mx's flow and colour maps as channels (see `Editor`).
    public let transformChannels: Bool
    /// The condition taken away, if any (an ablation: see `EditorAblation`).
    public let ablation: EditorAblation?
    /// The learning-rate schedule's peak.
    public let learningRate: Float
    /// Whether training cases are augmented (flip, crop, colour jitter).
    public let augments: Bool
    /// The seed of the weights and the training order.
    public let seed: UInt64

    /// The most refinement steps a design takes.
    public static let maximumFlowRefinement = 100_000
    /// The working sizes a design takes: multiples of 16 (the networks' coarsest level) from 32 px
    /// to 256 px, beyond which two cores would take hours to train.
    public static let sizes = stride(from: 32, through: 256, by: 16)
    /// The view a design takes unless told otherwise (chosen in docs/RESULTS.md).
    public static let defaultView = WorkingView.squeeze
    /// The lift an edit takes unless told otherwise (chosen in docs/RESULTS.md).
    public static let defaultLift = Lift.adaptive

    /// A design, checked: `size` (nil: the preset's) one of `sizes`; `learningRate` (nil: the preset's) in (0, 1]; `flowRefinement` in
    /// 0…`maximumFlowRefinement`, and only of the learned flow; end to end only with the learned
    /// flow and a pairing that uses Mx (n-to-n or auto), and not without flow and colour; an
    /// ablation or transform channels only with an n-to-n pairing or auto, and transform channels
    /// not without flow and colour.
    public init(preset: EditorPreset = .small, size: Int? = nil, view: WorkingView = defaultView, lift: Lift = defaultLift, pairing: PairingRequest = .auto,
                diffusion: Bool = false, learningRate: Float? = nil,
                seed: UInt64 = 1, flow: FlowMethod = .learned, flowRefinement: Int = 0, endToEnd: Bool = false,
                ablation: EditorAblation? = nil, transformChannels: Bool = false, augments: Bool = true) throws {
        func refuse(_ message: String) -> EngineError { .invalidArgument(op: "editor", message: message) }
        let side = size ?? preset.size
        guard EditorDesign.sizes.contains(side) else {
            throw refuse("the working size must be a multiple of 16 from 32 to 256 px, got \(side)")
        }
        let rate = learningRate ?? preset.learningRate
        guard rate.isFinite, rate > 0, rate <= 1 else { throw refuse("the learning rate must be in (0, 1], got \(rate)") }
        guard (0...EditorDesign.maximumFlowRefinement).contains(flowRefinement) else {
            throw refuse("the flow's refinement must be 0…\(EditorDesign.maximumFlowRefinement) steps, got \(flowRefinement)")
        }
        guard flowRefinement == 0 || flow == .learned else {
            throw refuse("only the learned flow can be refined on your pairs; \(flow.rawValue) has nothing to learn")
        }
        let direct = pairing.fixed.flatMap { $0.carriesReferences ? nil : $0.rawValue }
        if endToEnd {
            guard flow == .learned else { throw refuse("end-to-end training trains the learned flow; \(flow.rawValue) has nothing to learn") }
            if let direct { throw refuse("end-to-end training trains Mx, which a \(direct) editor does not use; choose structural, implicit or auto") }
            guard ablation != .noTransformation else { throw refuse("without flow or colour there is no Mx to train end to end") }
        }
        if let ablation, let direct {
            throw refuse("the \(ablation.rawValue) ablation takes a condition from an n-to-n editor; a \(direct) editor has none to take")
        }
        if ablation == .noSource, pairing == .combined {
            throw refuse("the \(EditorAblation.noSource.rawValue) ablation takes x_j away, and combined falls back to x_j's own correction; choose structural or implicit")
        }
        if transformChannels {
            if let direct { throw refuse("transform channels are Mx's between a reference and x; a \(direct) editor has no reference") }
            guard ablation != .noTransformation else { throw refuse("without flow or colour there is no Mx to give the head as channels") }
        }
        (self.preset, self.size, self.view, self.lift) = (preset, side, view, lift)
        (self.pairing, self.diffusion, self.learningRate, self.seed) = (pairing, diffusion, rate, seed)
        (self.flow, self.flowRefinement, self.endToEnd, self.ablation) = (flow, flowRefinement, endToEnd, ablation)
        (self.transformChannels, self.augments) = (transformChannels, augments)
    }

    /// This design with its pairing fixed to `chosen` (what `auto` chose), and a sentence for each
    /// switch that `chosen` cannot take and that is therefore off: a direct pairing has no Mx to
    /// train end to end, no reference to give the head as channels, no condition to ablate.
    public func resolved(to chosen: Pairing) throws -> (design: EditorDesign, turnedOff: [String]) {
        if let fixed = pairing.fixed, fixed != chosen {
            throw EngineError.invalidArgument(op: "editor", message: "a \(fixed.rawValue) design cannot become \(chosen.rawValue)")
        }
        let off = chosen.carriesReferences ? [] : [endToEnd ? "end-to-end training" : nil, transformChannels ? "transform channels" : nil,
                                                ablation.map { "the \($0.rawValue) ablation" }].compactMap { $0 }
        let design = try EditorDesign(preset: preset, size: size, view: view, lift: lift, pairing: .fixed(chosen), diffusion: diffusion, learningRate: learningRate, seed: seed,
                                      flow: flow, flowRefinement: flowRefinement, endToEnd: endToEnd && off.isEmpty,
                                      ablation: off.isEmpty ? ablation : nil, transformChannels: transformChannels && off.isEmpty,
                                      augments: augments)
        let sentence = "turned off: \(off.joined(separator: ", ")) (\(chosen.rawValue) learns x → y directly, with no reference carried by Mx)"
        return (design, off.isEmpty ? [] : [sentence])
    }

    /// The pairing an editor of this design has, or may have: `auto`'s costliest candidate,
    /// structural, until it is resolved (what `EditorCost` counts).
    var largestPairing: Pairing { pairing.fixed ?? .structural }

    /// The head's input channels (see `PairingConditioning`).
    var headInputChannels: Int { largestPairing.conditioning(ablation: ablation, transformChannels: transformChannels).inputChannels }
    /// The head's output channels (see `PairingConditioning`).
    var headOutputChannels: Int { largestPairing.conditioning(ablation: ablation, transformChannels: transformChannels).outputChannels }

    /// What the design is, in a few words: "structural, with diffusion, Mx end to end".
    public var summary: String {
        [pairing.name, diffusion ? "with diffusion" : nil, flow == .learned ? nil : "\(flow.rawValue) flow",
         endToEnd ? "Mx end to end" : nil, transformChannels ? "Mx as channels" : nil, ablation.map { "without \($0.rawValue)" }]
            .compactMap { $0 }.joined(separator: ", ")
    }
}

/// A design as JSON (the checkpoint's `editor.design`): a knob missing from an older file takes
/// its default, and a decoded design is checked by the same initialiser as a new one.
extension EditorDesign: Codable {
    /// The encoding's version; a file of a newer one is refused by name.
    public static let version = 1

    private enum Key: String, CodingKey {
        case version, preset, size, view, lift, pairing, flow, diffusion, ablation, augments, seed
        case flowRefinement = "flow_refinement", endToEnd = "end_to_end", transformChannels = "transform_channels"
        case learningRate = "learning_rate"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(EditorDesign.version, forKey: .version)
        try c.encode(preset.name, forKey: .preset)
        try c.encode(size, forKey: .size)
        try c.encode(view, forKey: .view)
        try c.encode(lift, forKey: .lift)
        try c.encode(pairing.name, forKey: .pairing)
        try c.encode(flow, forKey: .flow)
        try c.encode(flowRefinement, forKey: .flowRefinement)
        try c.encode(diffusion, forKey: .diffusion)
        try c.encode(endToEnd, forKey: .endToEnd)
        try c.encode(transformChannels, forKey: .transformChannels)
        try c.encodeIfPresent(ablation, forKey: .ablation)
        try c.encode(learningRate, forKey: .learningRate)
        try c.encode(augments, forKey: .augments)
        try c.encode(seed, forKey: .seed)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        let version = try c.decode(Int.self, forKey: .version)
        guard version <= EditorDesign.version else {
            throw DecodingError.dataCorruptedError(forKey: .version, in: c, debugDescription:
                "the design is of version \(version), newer than this Likewise's \(EditorDesign.version): update Likewise")
        }
        try self.init(preset: EditorPreset.named(c.decode(String.self, forKey: .preset)),
                      size: c.decodeIfPresent(Int.self, forKey: .size),
                      // Effects saved before the view was a knob squeezed their images.
                      view: c.decodeIfPresent(WorkingView.self, forKey: .view) ?? .squeeze,
                      lift: c.decodeIfPresent(Lift.self, forKey: .lift) ?? EditorDesign.defaultLift,
                      pairing: PairingRequest(named: c.decode(String.self, forKey: .pairing)),
                      diffusion: c.decodeIfPresent(Bool.self, forKey: .diffusion) ?? false,
                      learningRate: c.decodeIfPresent(Float.self, forKey: .learningRate),
                      seed: c.decodeIfPresent(UInt64.self, forKey: .seed) ?? 1,
                      flow: c.decodeIfPresent(FlowMethod.self, forKey: .flow) ?? .learned,
                      flowRefinement: c.decodeIfPresent(Int.self, forKey: .flowRefinement) ?? 0,
                      endToEnd: c.decodeIfPresent(Bool.self, forKey: .endToEnd) ?? false,
                      ablation: c.decodeIfPresent(EditorAblation.self, forKey: .ablation),
                      transformChannels: c.decodeIfPresent(Bool.self, forKey: .transformChannels) ?? false,
                      augments: c.decodeIfPresent(Bool.self, forKey: .augments) ?? true)
    }
}

/// The pairing a design asks for: one of `Pairing`, or `auto`.
public enum PairingRequest: Sendable, Equatable {
    case auto
    case fixed(Pairing)

    public static let structural = PairingRequest.fixed(.structural)
    public static let implicit = PairingRequest.fixed(.implicit)
    public static let combined = PairingRequest.fixed(.combined)
    public static let one2one = PairingRequest.fixed(.one2one)
    public static let pix2pix = PairingRequest.fixed(.pix2pix)

    /// `auto`, then every pairing's name.
    public static let names = ["auto"] + Pairing.allCases.map(\.rawValue)

    /// The request called `name` (one of `names`).
    public init(named name: String) throws {
        if name == "auto" { self = .auto; return }
        guard let pairing = Pairing(rawValue: name) else {
            throw EngineError.invalidArgument(op: "pairing", message: "the pairing must be one of \(PairingRequest.names.joined(separator: ", ")), got \"\(name)\"")
        }
        self = .fixed(pairing)
    }

    /// The pairing, when it is not left to `auto`.
    public var fixed: Pairing? {
        guard case let .fixed(pairing) = self else { return nil }
        return pairing
    }

    public var name: String { fixed?.rawValue ?? "auto" }
}

/// How Mx estimates the flow between two sources.
public enum FlowMethod: String, NamedChoice, Sendable, Codable {
    public static let choiceName = "flow estimator"

    /// The flow network (`FlowNetwork`), with the weights shipped in the package.
    case learned
    /// The classical Horn–Schunck estimator, with its default settings.
    case hornSchunck = "horn-schunck"

    /// The method of `estimator` (nil for an estimator of no method here).
    public init?(of estimator: any FlowEstimator) {
        switch estimator {
        case is FlowNetwork: self = .learned
        case is HornSchunck: self = .hornSchunck
        default: return nil
        }
    }

    /// A fresh estimator of this method; the learned one is first refined without labels for
    /// `refinementSteps` steps on `images` (a user's sources, at the size it will see: see
    /// `FlowNetwork.refine`). Horn–Schunck has nothing to refine.
    public func estimator(refinedOn images: [Image] = [], steps refinementSteps: Int = 0,
                          checkInterrupt: () throws -> Void = {}) throws -> any FlowEstimator {
        switch self {
        case .hornSchunck:
            guard refinementSteps == 0 else {
                throw EngineError.invalidArgument(op: "flow", message: "only the learned flow can be refined on your pairs; \(rawValue) has nothing to learn")
            }
            return HornSchunck()
        case .learned:
            let network = try FlowNetwork.pretrained()
            if refinementSteps > 0 { try network.refine(on: images, steps: refinementSteps, checkInterrupt: checkInterrupt) }
            return network
        }
    }
}
