import Engine
@testable import Models
import Testing
import TestSupport

/// The ops, the tape, the optimiser and the trainer learning together.
@Suite(.hangLimit)
struct TrainerTests {
    func trainer(_ network: ToyNetwork, steps: Int = 150, emaDecay: Float? = nil) throws -> Trainer {
        try Trainer(parameters: network.parameters, schedule: LearningRateSchedule(peak: 1e-2, warmupSteps: 10, totalSteps: steps),
                    emaDecay: emaDecay)
    }

    @Test func aSmallConvNetLearnsTheToyMappingTenfold() throws {
        let network = try ToyNetwork(channels: 8, seed: 1)
        let trainer = try trainer(network)
        var rng = RandomGenerator(seed: 2)
        var reports: [TrainingProgress] = []
        try trainer.train(until: 150, progress: { reports.append($0) }) { _ in
            let (source, target) = try ToyNetwork.batch(count: 4, size: 8, using: &rng)
            return try network.loss(source: source, target: target)
        }
        let losses = trainer.losses
        let first = losses.prefix(5).reduce(0, +) / 5, last = losses.suffix(5).reduce(0, +) / 5
        #expect(first / last >= 10, "loss went from \(first) to \(last)")
        #expect(reports.map(\.step) == Array(1...150))
        #expect(reports.last?.secondsRemaining == 0)
        #expect(reports.map(\.loss) == losses)
    }

    @Test func aTrainingStepAfterTheFirstTakesNoFreshBuffers() throws {
        let pool = BufferPool(cacheLimitBytes: 1 << 30)
        try BufferPool.$current.withValue(pool) {
            let network = try ToyNetwork(channels: 4, seed: 1)
            let trainer = try trainer(network, emaDecay: 0.9)
            var rng = RandomGenerator(seed: 2)
            let (source, target) = try ToyNetwork.batch(count: 2, size: 8, using: &rng)
            var fresh: [Int] = []
            for _ in 0..<3 {
                let before = pool.statistics.freshAllocations
                try trainer.step { try network.loss(source: source, target: target) }
                fresh.append(pool.statistics.freshAllocations - before)
            }
            #expect(fresh[0] > 0)
            #expect(fresh[2] == 0)
        }
    }

    struct Stop: Error {}

    @Test func anInterruptStopsBeforeTheNextStepAndKeepsTheFinishedOnes() throws {
        let network = try ToyNetwork(channels: 4, seed: 1)
        let trainer = try trainer(network)
        var rng = RandomGenerator(seed: 2)
        let (source, target) = try ToyNetwork.batch(count: 2, size: 8, using: &rng)
        var weightsAtStep: [Int: [Float]] = [:]
        #expect(throws: Stop.self) {
            try trainer.train(until: 100, checkInterrupt: { if trainer.step == 7 { throw Stop() } },
                              progress: { weightsAtStep[$0.step] = network.parameters.tensors[0].scalars }) { _ in
                try network.loss(source: source, target: target)
            }
        }
        #expect(trainer.step == 7 && trainer.losses.count == 7)
        #expect(network.parameters.tensors[0].scalars == weightsAtStep[7])
        // Training goes on from there.
        try trainer.train(until: 9) { _ in try network.loss(source: source, target: target) }
        #expect(trainer.step == 9)
    }

    @Test func aNonFiniteLossStopsNamingTheStepAndKeepsTheLastGoodWeights() throws {
        let network = try ToyNetwork(channels: 4, seed: 1)
        let trainer = try trainer(network)
        var rng = RandomGenerator(seed: 2)
        let (source, target) = try ToyNetwork.batch(count: 2, size: 8, using: &rng)
        try trainer.train(until: 3) { _ in try network.loss(source: source, target: target) }
        let good = network.parameters.tensors.map(\.scalars)
        let poisoned = try source * Float.nan
        let error = #expect(throws: TrainingError.self) {
            try trainer.train(until: 10) { _ in try network.loss(source: poisoned, target: target) }
        }
        #expect(error?.description == "step 4: the loss is nan; training stopped and kept the weights of step 3 (try a lower learning rate)")
        #expect(network.parameters.tensors.map(\.scalars) == good)
        #expect(trainer.step == 3)
    }

    @Test func resumingFromTheOptimizersStateContinuesTheRunExactly() throws {
        // A run of 6 steps, against 3 steps, a copy of every piece of state into a fresh trainer, and 3 more.
        func batches() throws -> [(Tensor, Tensor)] {
            var rng = RandomGenerator(seed: 2)
            return try (0..<6).map { _ in try ToyNetwork.batch(count: 2, size: 8, using: &rng) }
        }
        let data = try batches()
        let straight = try ToyNetwork(channels: 4, seed: 1)
        let whole = try trainer(straight, steps: 6, emaDecay: 0.5)
        try whole.train(until: 6) { try straight.loss(source: data[$0].0, target: data[$0].1) }

        let first = try ToyNetwork(channels: 4, seed: 1)
        let half = try trainer(first, steps: 6, emaDecay: 0.5)
        try half.train(until: 3) { try first.loss(source: data[$0].0, target: data[$0].1) }
        let second = try ToyNetwork(channels: 4, seed: 9)
        let resumed = try trainer(second, steps: 6, emaDecay: 0.5)
        func copy(_ from: [Tensor], _ to: [Tensor]) { for (a, b) in zip(from, to) { b.withUnsafeMutableBufferPointer { _ = $0.update(from: a.scalars) } } }
        copy(half.parameters.tensors, resumed.parameters.tensors)
        copy(half.optimizer.firstMoments, resumed.optimizer.firstMoments)
        copy(half.optimizer.secondMoments, resumed.optimizer.secondMoments)
        copy(half.ema!.shadows, resumed.ema!.shadows)
        try resumed.optimizer.restore(step: half.step)
        try resumed.train(until: 6) { try second.loss(source: data[$0].0, target: data[$0].1) }

        #expect(resumed.parameters.tensors.map(\.scalars) == whole.parameters.tensors.map(\.scalars))
        #expect(resumed.ema!.shadows.map(\.scalars) == whole.ema!.shadows.map(\.scalars))
        #expect(Array(whole.losses.suffix(3)) == resumed.losses)
    }
}
