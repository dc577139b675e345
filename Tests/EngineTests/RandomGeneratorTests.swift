@testable import Engine
import Testing
import TestSupport

@Suite(.hangLimit)
struct RandomGeneratorTests {
    @Test func randomTensorsRepeatForASeed() throws {
        var a = RandomGenerator(seed: 5), b = RandomGenerator(seed: 5), c = RandomGenerator(seed: 6)
        let x = try Tensor.randomNormal([100], using: &a), y = try Tensor.randomNormal([100], using: &b)
        #expect(x.scalars == y.scalars)
        #expect(try Tensor.randomNormal([100], using: &c).scalars != x.scalars)
        let mean = x.scalars.reduce(0, +) / 100
        #expect(abs(mean) < 0.3)
    }

    /// Large tensors are filled in parallel chunks; the values and the generator's state after
    /// must be exactly those of drawing one value at a time, on any thread count.
    @Test(arguments: [1, 2])
    func parallelFillsDrawTheSequence(threads: Int) throws {
        let count = 50_000
        var serial = RandomGenerator(seed: 9)
        let normals = (0..<count).map { _ in serial.normal() }, uniforms = (0..<count).map { _ in serial.uniform(-1, 3) }
        var filled = RandomGenerator(seed: 9)
        let scope = Threads.Scope(count: threads)
        let (x, y) = try Threads.within(scope) {
            (try Tensor.randomNormal([count], using: &filled), try Tensor.randomUniform([count], low: -1, high: 3, using: &filled))
        }
        #expect(x.scalars == normals)
        #expect(y.scalars == uniforms)
        #expect(filled.state == serial.state)
        #expect(scope.splitLoops.load(ordering: .relaxed) == (threads > 1 ? 2 : 0))
    }
}
