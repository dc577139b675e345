import Engine
import Foundation

/// Where a training run stands, reported after every step.
public struct TrainingProgress: Sendable {
    /// Steps finished so far, over all runs of this trainer.
    public let step: Int
    /// The step count the current run ends at.
    public let totalSteps: Int
    /// This step's loss and gradient norm (before clipping), and the rate it was taken at.
    public let loss: Float, gradientNorm: Float, learningRate: Float
    /// Steps per second in this run so far.
    public let stepsPerSecond: Double

    /// The time the remaining steps will take at the current speed.
    public var secondsRemaining: Double { Double(totalSteps - step) / max(stepsPerSecond, 1e-9) }
}

/// Why a training step was refused. The weights stay those of the last finished step.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    case nonFinite(step: Int, what: String, value: Float)

    public var description: String {
        switch self {
        case let .nonFinite(step, what, value):
            return "step \(step): the \(what) is \(value); training stopped and kept the weights of step \(step - 1) (try a lower learning rate)"
        }
    }
}

/// Trains a model's parameters with AdamW on a warm-up + cosine schedule, with global-norm
/// clipping and an optional EMA of the weights.
///
/// A step is: the caller's loss, backward, clipping, update, EMA. Before each step `train` calls
/// the caller's interrupt check, so a run stops within one step with the weights of the last
/// finished one; a loss or gradient that is NaN or infinite stops it before the update.
public final class Trainer {
    public let parameters: Parameters
    public let optimizer: AdamW
    /// The learning rate for each step, by its index over all runs.
    public var schedule: LearningRateSchedule
    /// The global gradient norm is clipped to this (nil: no clipping).
    public let clipNorm: Float?
    /// The averaged weights, when asked for.
    public let ema: ExponentialMovingAverage?
    /// The loss of every finished step.
    public private(set) var losses: [Float] = []

    /// Steps finished so far.
    public var step: Int { optimizer.step }

    /// The loss curve of a restored checkpoint.
    func restoreLosses(_ curve: [Float]) { losses = curve }

    /// `rateScale` gives each parameter, by its full name, its rate as a multiple of the
    /// schedule's (see `AdamW.rateScales`).
    public init(parameters: Parameters, schedule: LearningRateSchedule, weightDecay: Float = 0, clipNorm: Float? = 1,
                emaDecay: Float? = nil, rateScale: (String) -> Float = { _ in 1 }) throws {
        self.parameters = parameters
        self.schedule = schedule
        self.clipNorm = clipNorm
        optimizer = try AdamW(parameters: parameters.tensors, learningRate: schedule.rate(at: 0), weightDecay: weightDecay,
                              rateScales: parameters.named.map { rateScale($0.name) })
        ema = emaDecay.map { ExponentialMovingAverage(parameters: parameters.tensors, decay: $0) }
    }

    /// One step on the loss `loss()` computes; returns the loss and the gradient norm before clipping.
    @discardableResult
    public func step(_ loss: () throws -> Tensor) throws -> (loss: Float, gradientNorm: Float) {
        let number = step + 1
        let objective = try loss()
        guard objective.scalar.isFinite else { throw TrainingError.nonFinite(step: number, what: "loss", value: objective.scalar) }
        Profile.phase("zero gradients") { parameters.zeroGrad() }
        try objective.backward()
        let norm = Profile.phase("clip gradients") { clipGradientNorm(optimizer.parameters, maxNorm: clipNorm ?? .infinity) }
        guard norm.isFinite else { throw TrainingError.nonFinite(step: number, what: "gradient norm", value: norm) }
        optimizer.learningRate = schedule.rate(at: step)
        Profile.phase("AdamW") { optimizer.update() }
        if let ema { Profile.phase("EMA") { ema.update() } }
        losses.append(objective.scalar)
        return (objective.scalar, norm)
    }

    /// Trains until `totalSteps` steps are finished. Before each step `checkInterrupt` may throw
    /// to stop the run; after each, `progress` hears where it stands. `loss` gets the index of
    /// the step it computes.
    public func train(until totalSteps: Int, checkInterrupt: () throws -> Void = {},
                      progress: (TrainingProgress) -> Void = { _ in }, loss: (Int) throws -> Tensor) throws {
        let started = Date(), first = step
        while step < totalSteps {
            try checkInterrupt()
            let index = step
            let (value, norm) = try self.step { try loss(index) }
            let elapsed = Date().timeIntervalSince(started)
            progress(TrainingProgress(step: step, totalSteps: totalSteps, loss: value, gradientNorm: norm,
                                      learningRate: optimizer.learningRate, stepsPerSecond: Double(step - first) / max(elapsed, 1e-9)))
        }
    }
}
