@testable import Engine
import TestSupport
import Testing

@Suite(.hangLimit)
struct GroupNormTests {
    @Test func normalisesEachGroupToZeroMeanAndUnitVariance() throws {
        let x = try random([2, 3, 3, 4], low: -3, high: 5)
        let y = try Tensor.groupNorm(x, groups: 2, gamma: Tensor(shape: [4], repeating: 1), beta: Tensor.zeros([4]))
        for b in 0..<2 {
            for g in 0..<2 {
                var values: [Float] = []
                for p in 0..<9 { for k in 0..<2 { values.append(y.pointer[(b * 9 + p) * 4 + g * 2 + k]) } }
                let mean = values.reduce(0, +) / Float(values.count)
                let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(values.count)
                #expect(abs(mean) < 1e-5)
                #expect(abs(variance - 1) < 1e-3)
            }
        }
    }

    @Test func channelsMustSplitIntoGroups() throws {
        let error = #expect(throws: EngineError.self) {
            try Tensor.groupNorm(random([1, 2, 2, 6]), groups: 4, gamma: random([6]), beta: random([6]))
        }
        #expect(error?.description == "groupNorm: 6 channels cannot be split into 4 groups")
    }

    /// The fused norm, shift and SiLU against the three ops it replaces, forward and every gradient.
    @Test(arguments: [false, true])
    func fusedEqualsNormThenShiftThenSiLU(shifted: Bool) throws {
        let x = try random([3, 4, 5, 8], seed: 1, low: -2, high: 3).requiringGrad()
        let gamma = try random([8], seed: 2).requiringGrad(), beta = try random([8], seed: 3).requiringGrad()
        let shift = try random([3, 8], seed: 4, low: -1, high: 1).requiringGrad()
        let seed = try random([3, 4, 5, 8], seed: 5)
        func run(_ f: () throws -> Tensor) throws -> [[Float]] {
            for t in [x, gamma, beta, shift] { t.grad = nil }
            let y = try f()
            try y.backward(seed: seed)
            return [y.scalars] + [x, gamma, beta].map { $0.grad?.scalars ?? [] } + (shifted ? [shift.grad?.scalars ?? []] : [])
        }
        let fused = try run { try Tensor.groupNorm(x, groups: 4, gamma: gamma, beta: beta, shift: shifted ? shift : nil, silu: true) }
        let unfused = try run {
            let normed = try Tensor.groupNorm(x, groups: 4, gamma: gamma, beta: beta)
            return try (shifted ? normed + shift.reshaped(to: [3, 1, 1, 8]) : normed).silu()
        }
        for (a, b) in zip(fused, unfused) { expectClose(a, b) }
    }

    /// The vector kernels (SiLU alone and after group norm, group norm's sums; forward and
    /// gradient) against the Swift loops, bit for bit: channels in whole and partial vectors,
    /// counts with a tail, and values past the exponential's clamp, zeros of both signs,
    /// infinities and NaN.
    @Test(.enabled(if: VectorLoops.available, "this CPU has no AVX-512: these loops run in Swift only"), arguments: [8, 16, 20, 96])
    func siluVectorKernelsEqualTheSwiftLoops(channels: Int) throws {
        let shape = [2, 3, 7, channels]
        var values = try random(shape, seed: 6, low: -12, high: 12).scalars
        for (i, special) in [Float(-0.0), 0, 100, -100, 88.5, -87, .infinity, -.infinity, .nan, 1e-30].enumerated() { values[i * 7] = special }
        let x = try Tensor(shape: shape, scalars: values).requiringGrad()
        let gamma = try random([channels], seed: 7).requiringGrad(), beta = try random([channels], seed: 8).requiringGrad()
        let seed = try random(shape, seed: 9)
        func run() throws -> [[Float]] {
            var results: [[Float]] = []
            for f in [{ try x.silu() }, { try Tensor.groupNorm(x, groups: 4, gamma: gamma, beta: beta, silu: true) },
                      { try Tensor.groupNorm(x, groups: 4, gamma: gamma, beta: beta) }] as [() throws -> Tensor] {
                for t in [x, gamma, beta] { t.grad = nil }
                let y = try f()
                try y.backward(seed: seed)
                results += [y.scalars] + [x, gamma, beta].map { $0.grad?.scalars ?? [] }
            }
            return results
        }
        let vector = try run(), swift = try VectorLoops.$allowed.withValue(false) { try run() }
        // Every value bit for bit, but a NaN as any NaN: IEEE 754 leaves a NaN result's sign and
        // payload open, and the optimiser's reordering of the Swift loops picks either.
        func bits(_ values: [Float]) -> [UInt32] { values.map { $0.isNaN ? Float.nan.bitPattern : $0.bitPattern } }
        for (a, b) in zip(vector, swift) { #expect(bits(a) == bits(b)) }
    }

    @Test func aShiftMustBeOnePerImageAndChannel() throws {
        let error = #expect(throws: EngineError.self) {
            try Tensor.groupNorm(random([2, 2, 2, 4]), groups: 2, gamma: random([4]), beta: random([4]), shift: random([4]), silu: true)
        }
        #expect(error?.description == "groupNorm+SiLU: shapes [2×2×2×4] and [4] do not fit: a shift of shape [2×4], one per image and channel")
    }
}
