@testable import Engine
import Testing

/// The ops, the tape and the optimiser learning together.
struct TrainingTests {
    @Test func aSmallConvNetLearnsTheToyMappingTenfold() throws {
        let network = try ToyNetwork(channels: 8, seed: 1)
        let adam = try AdamW(parameters: network.parameters.tensors, learningRate: 1e-2)
        var rng = RandomGenerator(seed: 2)
        var losses: [Float] = []
        for _ in 0..<150 {
            let (source, target) = try ToyNetwork.batch(count: 4, size: 8, using: &rng)
            losses.append(try network.trainingStep(source: source, target: target, optimizer: adam).loss)
        }
        let first = losses.prefix(5).reduce(0, +) / 5, last = losses.suffix(5).reduce(0, +) / 5
        #expect(first / last >= 10, "loss went from \(first) to \(last)")
    }

    @Test func aTrainingStepAfterTheFirstTakesNoFreshBuffers() throws {
        let pool = BufferPool(cacheLimitBytes: 1 << 30)
        try BufferPool.$current.withValue(pool) { try trainThreeSteps(countingIn: pool) }
    }

    private func trainThreeSteps(countingIn pool: BufferPool) throws {
        let network = try ToyNetwork(channels: 4, seed: 1)
        let adam = try AdamW(parameters: network.parameters.tensors)
        var rng = RandomGenerator(seed: 2)
        let (source, target) = try ToyNetwork.batch(count: 2, size: 8, using: &rng)
        var fresh: [Int] = []
        for _ in 0..<3 {
            let before = pool.statistics.freshAllocations
            try network.trainingStep(source: source, target: target, optimizer: adam)
            fresh.append(pool.statistics.freshAllocations - before)
        }
        #expect(fresh[0] > 0)
        #expect(fresh[2] == 0)
    }

    @Test func randomTensorsRepeatForASeed() throws {
        var a = RandomGenerator(seed: 5), b = RandomGenerator(seed: 5), c = RandomGenerator(seed: 6)
        let x = try Tensor.randomNormal([100], using: &a), y = try Tensor.randomNormal([100], using: &b)
        #expect(x.scalars == y.scalars)
        #expect(try Tensor.randomNormal([100], using: &c).scalars != x.scalars)
        let mean = x.scalars.reduce(0, +) / 100
        #expect(abs(mean) < 0.3)
    }
}
