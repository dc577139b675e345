import Engine

/// How a pairing conditions the editor's head — what the head reads for a case and what its
/// output is added to — one type per pairing (`Pairing.conditioning(ablation:transformChannels:)`
/// picks it). The direct pairings read x alone; the n-to-n pairings (`ReferenceConditioning`)
/// read x with a training pair carried into its frame by Mx, which is why only they keep a case
/// bank, choose references for an edit, and can train Mx.
protocol PairingConditioning: Sendable {
    /// Whether a case carries a training pair into x's frame as its reference.
    var carriesReferences: Bool { get }
    /// The channels of the head's input.
    var inputChannels: Int { get }
    /// The head's input, its images centred on zero, and what its output is added to (nil: the
    /// output is the prediction), for a batch of frames `x` and, when `carriesReferences`, the
    /// references carried into them.
    func headInput(x: Tensor, reference: CarriedBatch?) throws -> (input: Tensor, base: Tensor?)
}

// The head reads its images centred on zero (2v − 1): from [0, 1] every input shares a large
// mean that the first layers must first learn to remove (it halved the steps before one2one on
// blue_eyes began to edit).

/// pix2pix: the head regresses y from x, with no residual path.
struct Pix2PixConditioning: PairingConditioning {
    var carriesReferences: Bool { false }
    var inputChannels: Int { 3 }
    func headInput(x: Tensor, reference: CarriedBatch?) throws -> (input: Tensor, base: Tensor?) { (try x * 2 - 1, nil) }
}

/// one2one: the head learns a correction added to x.
struct OneToOneConditioning: PairingConditioning {
    var carriesReferences: Bool { false }
    var inputChannels: Int { 3 }
    func headInput(x: Tensor, reference: CarriedBatch?) throws -> (input: Tensor, base: Tensor?) { (try x * 2 - 1, x) }
}

/// What the two n-to-n pairings share: the carried reference's checks, the `.noSource`
/// ablation, and Mx's channels after the images.
protocol ReferenceConditioning: PairingConditioning {
    var pairing: Pairing { get }
    var ablation: EditorAblation? { get }
    var transformChannels: Bool { get }
    /// The images' channels the head reads with x.
    var imageChannels: Int { get }
    /// The images the head reads, and its base, from x and the reference's carried source and target.
    func images(x: Tensor, source: Tensor, target: Tensor) throws -> (images: [Tensor], base: Tensor)
}

extension ReferenceConditioning {
    var carriesReferences: Bool { true }

    /// Under `.noSource` the carried target alone; then, with `transformChannels`, Mx's flow and
    /// colour maps (`Transformation.channels`).
    var inputChannels: Int { (ablation == .noSource ? 3 : imageChannels) + (transformChannels ? Transformation.channelCount : 0) }

    func headInput(x: Tensor, reference: CarriedBatch?) throws -> (input: Tensor, base: Tensor?) {
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
        if ablation == .noSource { return (try centred([reference.target]), reference.target) }
        let (images, base) = try images(x: x, source: reference.source, target: reference.target)
        return (try centred(images), base)
    }
}

/// implicit: x with the carried reference source and target as conditions; the output starts from x.
struct ImplicitConditioning: ReferenceConditioning {
    let ablation: EditorAblation?, transformChannels: Bool
    var pairing: Pairing { .implicit }
    var imageChannels: Int { 9 }
    func images(x: Tensor, source: Tensor, target: Tensor) throws -> (images: [Tensor], base: Tensor) { ([x, source, target], x) }
}

/// structural: the output starts from the reference's edit carried onto x, x + C(W(y_i)) − C(W(x_i)),
/// which the head reads beside x and the carried pair.
struct StructuralConditioning: ReferenceConditioning {
    let ablation: EditorAblation?, transformChannels: Bool
    var pairing: Pairing { .structural }
    var imageChannels: Int { 12 }
    func images(x: Tensor, source: Tensor, target: Tensor) throws -> (images: [Tensor], base: Tensor) {
        let carriedEdit = try x + target - source
        return ([x, carriedEdit, source, target], carriedEdit)
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
