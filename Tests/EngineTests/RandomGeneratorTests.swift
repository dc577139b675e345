@testable import Engine
import Testing

struct RandomGeneratorTests {
    @Test func randomTensorsRepeatForASeed() throws {
        var a = RandomGenerator(seed: 5), b = RandomGenerator(seed: 5), c = RandomGenerator(seed: 6)
        let x = try Tensor.randomNormal([100], using: &a), y = try Tensor.randomNormal([100], using: &b)
        #expect(x.scalars == y.scalars)
        #expect(try Tensor.randomNormal([100], using: &c).scalars != x.scalars)
        let mean = x.scalars.reduce(0, +) / 100
        #expect(abs(mean) < 0.3)
    }
}
