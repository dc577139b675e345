import Foundation
import VectorKernels

/// Adam with decoupled weight decay (Loshchilov & Hutter's AdamW; `weightDecay: 0` is Adam).
///
/// The moment buffers are allocated once, at construction; a step allocates nothing and updates
/// every parameter in place, in parallel chunks.
public final class AdamW {
    public let parameters: [Tensor]
    public var learningRate: Float
    public let beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float
    /// Steps taken so far (bias correction depends on it).
    public private(set) var step = 0
    /// The running means of each parameter's gradient and squared gradient (PyTorch's `exp_avg`
    /// and `exp_avg_sq`), in the parameters' order: the state a checkpoint saves and restores in
    /// place, with `restore(step:)`.
    public let firstMoments: [Tensor], secondMoments: [Tensor]
    /// Each parameter's rate as a multiple of `learningRate` (PyTorch's parameter groups, by
    /// tensor): a pretrained part fine-tuned with the rest moves more slowly than fresh weights.
    public let rateScales: [Float]
    /// The parameters' elements in pieces for the threads, fixed with the parameters.
    private let sweep: ParameterSweep

    /// `rateScales` defaults to 1 for every parameter.
    public init(parameters: [Tensor], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, weightDecay: Float = 0, rateScales: [Float]? = nil) throws {
        if let rateScales, rateScales.count != parameters.count || !rateScales.allSatisfy({ $0.isFinite && $0 >= 0 }) {
            throw EngineError.invalidArgument(op: "AdamW", message: "one finite rate scale ≥ 0 per parameter: \(parameters.count), got \(rateScales)")
        }
        self.parameters = parameters
        self.rateScales = rateScales ?? Array(repeating: 1, count: parameters.count)
        self.learningRate = learningRate
        (self.beta1, self.beta2, self.epsilon, self.weightDecay) = (beta1, beta2, epsilon, weightDecay)
        firstMoments = try parameters.map { try Tensor.zeros($0.shape) }
        secondMoments = try parameters.map { try Tensor.zeros($0.shape) }
        sweep = ParameterSweep(parameters)
    }

    /// Sets the step count of a restored state (after its moments were written back), so that
    /// the next update's bias correction continues where the saved run left off.
    public func restore(step: Int) throws {
        guard step >= 0 else { throw EngineError.invalidArgument(op: "AdamW.restore", message: "step must be ≥ 0, got \(step)") }
        self.step = step
    }

    /// Applies one update from the parameters' accumulated gradients (parameters without a
    /// gradient are left alone), all parameters as one sweep split across threads: most of a
    /// network's tensors are too small to split on their own.
    public func update() {
        step += 1
        let correction1 = 1 - Foundation.pow(beta1, Float(step)), correction2 = 1 - Foundation.pow(beta2, Float(step))
        let (b1, b2, eps, decay) = (beta1, beta2, epsilon, weightDecay)
        let vector = VectorLoops.active
        let rates = parameters.indices.map { learningRate * rateScales[$0] }
        sweep.run { _, i, range in
            guard let grad = parameters[i].grad else { return }
            let lr = rates[i], n = range.count
            let w = parameters[i].pointer + range.lowerBound, g = grad.pointer + range.lowerBound
            let m = firstMoments[i].pointer + range.lowerBound, v = secondMoments[i].pointer + range.lowerBound
            if vector { return likewise_adamw(w, g, m, v, n, b1, b2, correction1, correction2, lr, eps, decay) }
            for j in 0..<n {
                m[j] = b1 * m[j] + (1 - b1) * g[j]
                v[j] = b2 * v[j] + (1 - b2) * g[j] * g[j]
                let mHat = m[j] / correction1, vHat = v[j] / correction2
                w[j] -= lr * (mHat / (vHat.squareRoot() + eps) + decay * w[j])
            }
        }
    }
}

/// The elements of a list of tensors walked as one array: pieces of at most `grain` elements,
/// each within one tensor, split across threads — so a network's hundred small tensors share
/// the threads as one large one would.
struct ParameterSweep {
    /// (tensor, elements) of each piece, in order.
    let pieces: [(tensor: Int, elements: Range<Int>)]

    init(_ tensors: [Tensor], grain: Int = 32768) {
        pieces = tensors.indices.flatMap { i in
            stride(from: 0, to: tensors[i].count, by: grain).map { (i, $0..<min($0 + grain, tensors[i].count)) }
        }
    }

    /// Calls `body(piece, tensor, elements)` for every piece, in parallel.
    func run(_ body: (Int, Int, Range<Int>) -> Void) {
        let pieces = self.pieces
        Threads.parallelFor(pieces.count, grain: 1) { r in for p in r { body(p, pieces[p].tensor, pieces[p].elements) } }
    }
}

/// Scales all gradients together so that their global L2 norm is at most `maxNorm`; returns the
/// norm before clipping (worth plotting: spikes show instability before the loss does). The
/// squares are summed in eight running sums a piece (`ParameterSweep`), pieces added in order:
/// the same norm on any thread count.
@discardableResult
public func clipGradientNorm(_ parameters: [Tensor], maxNorm: Float) -> Float {
    let sweep = ParameterSweep(parameters)
    let vector = VectorLoops.active
    var lanes = [SIMD8<Double>](repeating: .zero, count: sweep.pieces.count)
    lanes.withUnsafeMutableBufferPointer { lanes in
        guard let lanes = lanes.baseAddress else { return }  // no elements at all
        sweep.run { piece, i, range in
            guard let g = parameters[i].grad?.pointer else { return }
            let x = g + range.lowerBound
            if vector {
                return UnsafeMutableRawPointer(lanes + piece).withMemoryRebound(to: Double.self, capacity: 8) {
                    likewise_sum_of_squares(x, range.count, $0)
                }
            }
            var sums = SIMD8<Double>.zero
            for j in 0..<range.count { let v = Double(x[j]); sums[j % 8] += v * v }
            lanes[piece] = sums
        }
    }
    var total: Double = 0
    for piece in lanes { for j in 0..<8 { total += piece[j] } }
    let norm = Float(total.squareRoot())
    if norm > maxNorm, norm.isFinite {
        let scale = maxNorm / norm
        sweep.run { _, i, range in
            guard let g = parameters[i].grad?.pointer else { return }
            for j in range { g[j] *= scale }
        }
    }
    return norm
}

/// An exponential moving average of parameters (`shadow ← decay·shadow + (1−decay)·param`),
/// whose smoother weights usually sample better than the raw ones.
public final class ExponentialMovingAverage {
    public let decay: Float
    /// The averaged copies, one per parameter, in the same order.
    public let shadows: [Tensor]
    private let parameters: [Tensor]

    public init(parameters: [Tensor], decay: Float = 0.999) {
        self.parameters = parameters
        self.decay = decay
        shadows = parameters.map { $0.copy() }
    }

    /// Moves each shadow towards its parameter.
    public func update() {
        for (p, s) in zip(parameters, shadows) {
            let pp = p.pointer, sp = s.pointer, d = decay
            for i in 0..<p.count { sp[i] = d * sp[i] + (1 - d) * pp[i] }
        }
    }

    /// Copies the averaged values into the parameters (for evaluation or saving).
    public func copyToParameters() {
        for (p, s) in zip(parameters, shadows) { p.pointer.update(from: s.pointer, count: p.count) }
    }
}

/// Linear warm-up from 0 to `peak` over `warmupSteps`, then cosine decay to `floor` at `totalSteps`.
public struct LearningRateSchedule: Sendable {
    public var peak: Float, floor: Float
    public var warmupSteps: Int, totalSteps: Int

    public init(peak: Float, floor: Float = 0, warmupSteps: Int, totalSteps: Int) {
        (self.peak, self.floor, self.warmupSteps, self.totalSteps) = (peak, floor, warmupSteps, totalSteps)
    }

    /// The rate for step `step` (counting from 0).
    public func rate(at step: Int) -> Float {
        if step < warmupSteps { return peak * Float(step + 1) / Float(warmupSteps) }
        let span = max(totalSteps - warmupSteps, 1)
        let progress = min(Float(step - warmupSteps) / Float(span), 1)
        return floor + (peak - floor) * 0.5 * (1 + Foundation.cos(Float.pi * progress))
    }
}
