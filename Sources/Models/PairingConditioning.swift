import Engine

/// How a pairing conditions the editor's head — what the head reads for a case and what its
/// output becomes (`PredictionStart`) — one type per pairing (`Pairing.conditioning(ablation:transformChannels:)`
/// picks it). The direct pairings read x alone; the n-to-n pairings (`ReferenceConditioning`)
/// read x with a training pair carried into its frame by Mx, which is why only they keep a case
/// bank, choose references for an edit, and can train Mx.
protocol PairingConditioning: Sendable {
    /// Whether a case carries a training pair into x's frame as its reference.
    var carriesReferences: Bool { get }
    /// The channels of the head's input.
    var inputChannels: Int { get }
    /// The channels of the head's output: 3, or 4 with `PredictionStart.trusting`'s trust.
    var outputChannels: Int { get }
    /// The head's input, its images centred on zero, and where its prediction starts, for a batch
    /// of frames `x` and, when `carriesReferences`, the references carried into them.
    func headInput(x: Tensor, reference: CarriedBatch?) throws -> (input: Tensor, start: PredictionStart)
}

/// Where the head's prediction starts, and so what its output means.
enum PredictionStart {
    /// pix2pix: the output is the prediction.
    case nothing
    /// The output is a correction added to this.
    case from(Tensor)
    /// combined: the output's fourth channel is a trust t = σ(·) per pixel in the carried edit;
    /// the prediction is (1 − t)·direct + t·carried plus the output's first three channels.
    case trusting(direct: Tensor, carried: Tensor)

    /// The prediction the head's `output` makes from here.
    func prediction(from output: Tensor) throws -> Tensor {
        switch self {
        case .nothing: return output
        case let .from(start): return try start + output
        case let .trusting(direct, carried):
            let (correction, trust) = try PredictionStart.parts(of: output)
            return try direct + trust * (carried - direct) + correction
        }
    }

    /// A trusting head's output as its correction `[N, H, W, 3]` and its trust in the carried
    /// edit `[N, H, W, 1]`, in (0, 1).
    static func parts(of output: Tensor) throws -> (correction: Tensor, trust: Tensor) {
        let parts = try output.split(sizes: [3, 1])
        return (parts[0], try parts[1].sigmoid())
    }
}

// The head reads its images centred on zero (2v − 1): from [0, 1] every input shares a large
// mean that the first layers must first learn to remove (it halved the steps before one2one on
// blue_eyes began to edit).

/// pix2pix: the head regresses y from x, with no residual path.
struct Pix2PixConditioning: PairingConditioning {
    var carriesReferences: Bool { false }
    var inputChannels: Int { 3 }
    var outputChannels: Int { 3 }
    func headInput(x: Tensor, reference: CarriedBatch?) throws -> (input: Tensor, start: PredictionStart) { (try x * 2 - 1, .nothing) }
}

/// one2one: the head learns a correction added to x.
struct OneToOneConditioning: PairingConditioning {
    var carriesReferences: Bool { false }
    var inputChannels: Int { 3 }
    var outputChannels: Int { 3 }
    func headInput(x: Tensor, reference: CarriedBatch?) throws -> (input: Tensor, start: PredictionStart) { (try x * 2 - 1, .from(x)) }
}

/// What the n-to-n pairings share: the carried reference's checks, the `.noSource`
/// ablation, and Mx's channels after the images.
protocol ReferenceConditioning: PairingConditioning {
    var pairing: Pairing { get }
    var ablation: EditorAblation? { get }
    var transformChannels: Bool { get }
    /// The images' channels the head reads with x.
    var imageChannels: Int { get }
    /// The images the head reads, and where its prediction starts, from x and the reference's
    /// carried source and target.
    func images(x: Tensor, source: Tensor, target: Tensor) throws -> (images: [Tensor], start: PredictionStart)
}

extension ReferenceConditioning {
    var carriesReferences: Bool { true }

    /// Under `.noSource` the carried target alone; then, with `transformChannels`, Mx's flow and
    /// colour maps (`Transformation.channels`).
    var inputChannels: Int { (ablation == .noSource ? 3 : imageChannels) + (transformChannels ? Transformation.channelCount : 0) }

    var outputChannels: Int { 3 }

    func headInput(x: Tensor, reference: CarriedBatch?) throws -> (input: Tensor, start: PredictionStart) {
        guard let reference else {
            throw EngineError.invalidArgument(op: "editor", message: "a \(pairing.rawValue) editor's head needs a carried reference")
        }
        guard (reference.channels != nil) == transformChannels else {
            throw EngineError.invalidArgument(op: "editor", message: "the head reads transform channels \(transformChannels ? "and was given none" : "and was given some")")
        }
        // The images are centred on zero; the transform channels already are.
        func centred(_ images: [Tensor]) throws -> Tensor {
            let centred = try Tensor.concat(images) * 2 - 1
            return try reference.channels.map { try Tensor.concat([centred, $0]) } ?? centred
        }
        // Without x_j the head sees the carried y_i alone and starts from it.
        if ablation == .noSource { return (try centred([reference.target]), .from(reference.target)) }
        let (images, start) = try images(x: x, source: reference.source, target: reference.target)
        return (try centred(images), start)
    }
}

/// implicit: x with the carried reference source and target as conditions; the output starts from x.
struct ImplicitConditioning: ReferenceConditioning {
    let ablation: EditorAblation?, transformChannels: Bool
    var pairing: Pairing { .implicit }
    var imageChannels: Int { 9 }
    func images(x: Tensor, source: Tensor, target: Tensor) throws -> (images: [Tensor], start: PredictionStart) { ([x, source, target], .from(x)) }
}

/// structural: the output starts from the reference's edit carried onto x, x + C(W(y_i)) − C(W(x_i)),
/// which the head reads beside x and the carried pair.
struct StructuralConditioning: ReferenceConditioning {
    let ablation: EditorAblation?, transformChannels: Bool
    var pairing: Pairing { .structural }
    var imageChannels: Int { 12 }
    func images(x: Tensor, source: Tensor, target: Tensor) throws -> (images: [Tensor], start: PredictionStart) {
        let carriedEdit = try x + target - source
        return ([x, carriedEdit, source, target], .from(carriedEdit))
    }
}

/// combined: structural's inputs, and both paths trusted per pixel — the head also outputs its
/// trust t in the carried edit, and the prediction starts from (1 − t)·x + t·(x + C(W(y_i)) −
/// C(W(x_i))): the direct correction of x where the reference does not line up, the carried
/// edit where it does (`PredictionStart.trusting`). Its trust starts at ½ (the output starts at
/// zero). Under `.noSource` there is no x to fall back to, so the design refuses it.
struct CombinedConditioning: ReferenceConditioning {
    let ablation: EditorAblation?, transformChannels: Bool
    var pairing: Pairing { .combined }
    var imageChannels: Int { 12 }
    var outputChannels: Int { 4 }
    func images(x: Tensor, source: Tensor, target: Tensor) throws -> (images: [Tensor], start: PredictionStart) {
        let carriedEdit = try x + target - source
        return ([x, carriedEdit, source, target], .trusting(direct: x, carried: carriedEdit))
    }
}

extension Pairing {
    /// This pairing's conditioning of the head, with `ablation` and Mx's channels as asked.
    func conditioning(ablation: EditorAblation? = nil, transformChannels: Bool = false) -> any PairingConditioning {
        switch self {
        case .pix2pix: return Pix2PixConditioning()
        case .one2one: return OneToOneConditioning()
        case .implicit: return ImplicitConditioning(ablation: ablation, transformChannels: transformChannels)
        case .structural: return StructuralConditioning(ablation: ablation, transformChannels: transformChannels)
        case .combined: return CombinedConditioning(ablation: ablation, transformChannels: transformChannels)
        }
    }

    /// Whether its cases carry a training pair into x's frame (the n-to-n pairings: see
    /// `PairingConditioning`).
    public var carriesReferences: Bool { conditioning().carriesReferences }
}

/// A batch's carried references as the head takes them: `[N, H, W, 3]` each, and Mx's
/// channels `[N, H, W, 14]` for a head that reads them.
struct CarriedBatch {
    let source: Tensor, target: Tensor, channels: Tensor?

    init(source: Tensor, target: Tensor, channels: Tensor?) {
        (self.source, self.target, self.channels) = (source, target, channels)
    }

    /// `references` batched, with their transformations' channels when `transformChannels`.
    init(_ references: [CarriedReference], transformChannels: Bool) throws {
        source = try Image.batch(references.map(\.source))
        target = try Image.batch(references.map(\.target))
        channels = transformChannels ? try Tensor.concat(references.map { reference in
            guard let transformation = reference.transformation else {
                throw EngineError.invalidArgument(op: "editor", message: "a reference was carried without the transformation the head reads")
            }
            return try transformation.channels
        }, axis: 0) : nil
    }
}
