/// A dense Float32 array of rank 0 to 4 that can take part in automatic differentiation.
///
/// Images and activations are **NHWC** (channels last), chosen by measurement: `likewise bench ops`
/// times the GEMM a 3×3 convolution becomes in each layout (`conv3x3_gemm` lines). NHWC makes it one
/// `[N·H·W, 9·Cin] × [9·Cin, Cout]` product over the whole batch, NCHW one smaller product per image;
/// here NHWC's ran ~10 % faster at 16×16 (195 vs 178 GFLOP/s) and the two were level at 32×32. What
/// decides it is the rest: in NHWC, im2col copies contiguous runs of C floats, a GEMM writes NHWC
/// output directly, and a pixel's channels (what warp, bias and colour transforms touch) are adjacent.
///
/// Storage is contiguous and comes from `BufferPool`; `reshaped` and `rows` are views that share
/// it without copying. Weights of a convolution are `[KH, KW, Cin, Cout]`.
public final class Tensor {
    /// The extent of each axis, outermost first.
    public let shape: [Int]
    /// The number of elements.
    public let count: Int
    let storage: Storage
    let offset: Int

    /// Whether gradients flow to (a leaf) or through (a result) this tensor.
    public internal(set) var requiresGrad: Bool
    /// The gradient accumulated by `backward()`: set on leaves that require gradients.
    public var grad: Tensor?
    /// The op that produced this tensor, kept only while gradients are being recorded.
    var origin: Origin?
    /// Whether `backward()` has released `origin`: gradients can no longer flow through this result.
    var historyReleased = false

    /// A tensor of `shape` with unspecified contents: every engine op writes all of its output.
    init(uninitialized shape: [Int]) {
        self.shape = shape
        self.count = shape.reduce(1, *)
        self.storage = Storage(count: count)
        self.offset = 0
        self.requiresGrad = false
    }

    /// A view of `storage` from `offset`.
    init(shape: [Int], storage: Storage, offset: Int) {
        self.shape = shape
        self.count = shape.reduce(1, *)
        self.storage = storage
        self.offset = offset
        self.requiresGrad = false
    }

    /// The first element; engine kernels read and write through it.
    var pointer: UnsafeMutablePointer<Float> { storage.base + offset }

    /// The rank (number of axes).
    public var rank: Int { shape.count }

    /// The elements in row-major order.
    public var scalars: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    /// The single element of a one-element tensor (a loss, a norm).
    public var scalar: Float { pointer[0] }

    /// Reads the elements without copying.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: pointer, count: count))
    }

    /// Writes the elements in place (for optimisers and data loading; not recorded for gradients).
    public func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeMutableBufferPointer(start: pointer, count: count))
    }

    /// Marks a leaf (a parameter or an input) as one whose gradient `backward()` should compute.
    @discardableResult
    public func requiringGrad(_ flag: Bool = true) -> Tensor {
        requiresGrad = flag
        return self
    }

    /// A copy that shares no storage and records no history.
    public func copy() -> Tensor {
        let out = Tensor(uninitialized: shape)
        let (source, destination) = (pointer, out.pointer)
        // In parallel chunks: a leaf's first gradient is such a copy, and a serial one made an
        // addition's backward slower on two threads than on one.
        Threads.parallelFor(count, grain: 1 << 16) { r in (destination + r.lowerBound).update(from: source + r.lowerBound, count: r.count) }
        return out
    }

    /// The same values, cut from the graph: gradients do not flow through it.
    public func detached() -> Tensor { Tensor(shape: shape, storage: storage, offset: offset) }

    /// A copy with every value clamped to `range`, cut from the graph: for outputs (an image's
    /// [0, 1], a sampler's clipping), never for a value being trained.
    public func clamped(to range: ClosedRange<Float>) -> Tensor {
        let out = copy()
        out.withUnsafeMutableBufferPointer { values in
            for i in values.indices { values[i] = Swift.min(Swift.max(values[i], range.lowerBound), range.upperBound) }
        }
        return out
    }
}

// MARK: - Creation

extension Tensor {
    /// The most elements one tensor may hold (4 GiB): beyond it a request is a mistake, and an
    /// allocation that large would end the process instead of failing.
    static let maximumCount = 1 << 30

    /// Checks that `shape` has rank 0…4, no negative extent and at most `maximumCount` elements.
    static func validate(_ shape: [Int], op: String) throws {
        guard shape.count <= 4, shape.allSatisfy({ $0 >= 0 }) else {
            throw EngineError.invalidShape(op: op, shape: shape, expected: "rank 0 to 4 with no negative extent")
        }
        var total = 1
        for d in shape {
            let (product, overflow) = total.multipliedReportingOverflow(by: d)
            guard !overflow, product <= maximumCount else {
                throw EngineError.invalidShape(op: op, shape: shape, expected: "at most 2^30 elements (4 GiB)")
            }
            total = product
        }
    }

    /// An op's output of a shape computed from its arguments, checked before anything is allocated.
    convenience init(validated shape: [Int], op: String) throws {
        try Tensor.validate(shape, op: op)
        self.init(uninitialized: shape)
    }

    /// A tensor filled with `value`.
    public convenience init(shape: [Int], repeating value: Float) throws {
        try Tensor.validate(shape, op: "Tensor(shape:repeating:)")
        self.init(uninitialized: shape)
        pointer.update(repeating: value, count: count)
    }

    /// A tensor of zeros.
    public static func zeros(_ shape: [Int]) throws -> Tensor { try Tensor(shape: shape, repeating: 0) }

    /// A tensor holding `scalars` in row-major order.
    public convenience init(shape: [Int], scalars: [Float]) throws {
        try Tensor.validate(shape, op: "Tensor(shape:scalars:)")
        let expected = shape.reduce(1, *)
        guard scalars.count == expected else {
            throw EngineError.invalidShape(op: "Tensor(shape:scalars:)", shape: shape,
                                           expected: "\(expected) scalars for this shape, got \(scalars.count)")
        }
        self.init(uninitialized: shape)
        scalars.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { pointer.update(from: base, count: count) }
        }
    }

    /// A one-element tensor of shape `[1]`.
    public convenience init(_ value: Float) {
        self.init(uninitialized: [1])
        pointer[0] = value
    }

    /// Samples from N(mean, std²), deterministically for the generator's state.
    public static func randomNormal(_ shape: [Int], mean: Float = 0, std: Float = 1,
                                    using rng: inout RandomGenerator) throws -> Tensor {
        try validate(shape, op: "randomNormal")
        let t = Tensor(uninitialized: shape)
        Profile.phase("random") { rng.fill(t.pointer, count: t.count, drawsEach: 2) { mean + std * $0.normal() } }
        return t
    }

    /// Samples uniformly from [low, high), deterministically for the generator's state.
    public static func randomUniform(_ shape: [Int], low: Float = 0, high: Float = 1,
                                     using rng: inout RandomGenerator) throws -> Tensor {
        try validate(shape, op: "randomUniform")
        let t = Tensor(uninitialized: shape)
        Profile.phase("random") { rng.fill(t.pointer, count: t.count, drawsEach: 1) { $0.uniform(low, high) } }
        return t
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let shown = scalars.prefix(8).map { String($0) }.joined(separator: ", ")
        return "Tensor\(shape.shapeText)(\(shown)\(count > 8 ? ", …" : ""))"
    }
}
