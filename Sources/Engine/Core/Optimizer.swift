import Foundation

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
    }

    /// Sets the step count of a restored state (after its moments were written back), so that
    /// the next update's bias correction continues where the saved run left off.
    public func restore(step: Int) throws {
        guard step >= 0 else { throw EngineError.invalidArgument(op: "AdamW.restore", message: "step must be ≥ 0, got \(step)") }
        self.step = step
    }

    /// Applies one update from the parameters' accumulated gradients (parameters without a
    /// gradient are left alone).
    public func update() {
        step += 1
        let correction1 = 1 - Foundation.pow(beta1, Float(step)), correction2 = 1 - Foundation.pow(beta2, Float(step))
        let (b1, b2, eps, decay) = (beta1, beta2, epsilon, weightDecay)
        for (i, p) in parameters.enumerated() {
            guard let grad = p.grad else { continue }
            let lr = learningRate * rateScales[i]
            let w = p.pointer, g = grad.pointer, m = firstMoments[i].pointer, v = secondMoments[i].pointer
            Threads.parallelFor(p.count, grain: 65536) { range in
                for j in range {
                    m[j] = b1 * m[j] + (1 - b1) * g[j]
                    v[j] = b2 * v[j] + (1 - b2) * g[j] * g[j]
                    let mHat = m[j] / correction1, vHat = v[j] / correction2
                    w[j] -= lr * (mHat / (vHat.squareRoot() + eps) + decay * w[j])
                }
            }
        }
    }
}

/// Scales all gradients together so that their global L2 norm is at most `maxNorm`; returns the
/// norm before clipping (worth plotting: spikes show instability before the loss does).
@discardableResult
public func clipGradientNorm(_ parameters: [Tensor], maxNorm: Float) -> Float {
    var total: Double = 0
    for p in parameters {
        guard let g = p.grad else { continue }
        for i in 0..<g.count { total += Double(g.pointer[i]) * Double(g.pointer[i]) }
    }
    let norm = Float(total.squareRoot())
    if norm > maxNorm, norm.isFinite {
        let scale = maxNorm / norm
        for p in parameters {
            guard let g = p.grad else { continue }
            for i in 0..<g.count { g.pointer[i] *= scale }
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
