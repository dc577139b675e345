@testable import Engine
import TestSupport
import Testing

/// A case for comparing one thread with two: inputs above the op's split threshold and the call.
struct ThreadedCase: Sendable, CustomTestStringConvertible {
    let name: String
    let make: @Sendable () throws -> (inputs: [Tensor], call: ([Tensor]) throws -> Tensor)
    var testDescription: String { name }

    static func unary(_ name: String, _ shape: [Int], low: Float = -2, _ f: @escaping @Sendable (Tensor) throws -> Tensor) -> ThreadedCase {
        ThreadedCase(name: name) { ([try random(shape, seed: 1, low: low, high: 2)], { try f($0[0]) }) }
    }

    static func binary(_ name: String, _ a: [Int], _ b: [Int], _ f: @escaping @Sendable (Tensor, Tensor) throws -> Tensor) -> ThreadedCase {
        ThreadedCase(name: name) { ([try random(a, seed: 1), try random(b, seed: 2, low: 0.5, high: 1.5)], { try f($0[0], $0[1]) }) }
    }

    /// Every op with a parallel loop, at sizes where each of two threads gets at least its grain.
    static let all: [ThreadedCase] = [
        unary("silu", [2, 64, 64, 16]) { try $0.silu() },
        unary("log", [2, 64, 64, 16], low: 0.1) { try $0.log() },
        binary("add, equal shapes", [2, 64, 64, 16], [2, 64, 64, 16]) { try $0 + $1 },
        binary("multiply by a bias", [2, 64, 64, 16], [16]) { try $0 * $1 },
        binary("divide a bias by a batch", [16], [2, 64, 64, 16]) { try $0 / $1 },
        unary("softmax", [64, 256]) { try $0.softmax() },
        ThreadedCase(name: "groupNorm") {
            ([try random([4, 32, 64, 8], seed: 1), try random([8], seed: 2), try random([8], seed: 3)],
             { try Tensor.groupNorm($0[0], groups: 2, gamma: $0[1], beta: $0[2]) })
        },
        ThreadedCase(name: "conv2d 3×3") {
            ([try random([4, 16, 16, 8], seed: 1), try random([3, 3, 8, 8], seed: 2), try random([8], seed: 3)],
             { try Tensor.conv2d($0[0], weight: $0[1], bias: $0[2], padding: 1) })
        },
        ThreadedCase(name: "groupNorm, shift and SiLU fused") {
            ([try random([4, 32, 64, 8], seed: 1), try random([8], seed: 2), try random([8], seed: 3), try random([4, 8], seed: 4)],
             { try Tensor.groupNorm($0[0], groups: 2, gamma: $0[1], beta: $0[2], shift: $0[3], silu: true) })
        },
        ThreadedCase(name: "conv2d 3×3 to 16 channels (direct with AVX-512; its weight gradient sums every pixel in one order)") {
            ([try random([4, 16, 16, 8], seed: 1), try random([3, 3, 8, 16], seed: 2), try random([16], seed: 3)],
             { try Tensor.conv2d($0[0], weight: $0[1], bias: $0[2], padding: 1) })
        },
        ThreadedCase(name: "conv2d 3×3 stride 2") {
            ([try random([4, 16, 16, 8], seed: 1), try random([3, 3, 8, 4], seed: 2)],
             { try Tensor.conv2d($0[0], weight: $0[1], stride: 2, padding: 1) })
        },
        // A U-Net's skip join: its backward splits the gradient again.
        binary("concat of channels", [2, 64, 64, 16], [2, 64, 64, 8]) { try Tensor.concat([$0, $1], axis: 3) },
        ThreadedCase(name: "warp") {
            ([try random([4, 16, 16, 3], seed: 1), try random([4, 16, 16, 2], seed: 2, low: -3, high: 3)],
             { try Tensor.warp($0[0], by: $0[1]) })
        },
        // GEMM split by rows of C, and by columns when C has few rows (backward: both transposes).
        binary("matmul, rows split", [512, 128], [128, 128]) { try Tensor.matmul($0, $1) },
        binary("matmul, columns split", [8, 512], [512, 2048]) { try Tensor.matmul($0, $1) },
        unary("upsampledNearest", [2, 32, 32, 4]) { try $0.upsampledNearest(factor: 2) },
        unary("resizedBilinear", [2, 32, 32, 4]) { try $0.resizedBilinear(height: 48, width: 40) },
        unary("averagePooled", [2, 64, 64, 4]) { try $0.averagePooled(factor: 2) },
        // A tensor used twice: its two gradients are added by gradient accumulation.
        unary("gradient accumulation", [2, 64, 64, 16]) { try $0 * $0.silu() },
    ]
}

@Suite(.hangLimit)
struct ThreadsTests {
    /// Forward and backward with `count` threads; returns the output, the inputs' gradients, and how
    /// many loops were split across threads.
    private func run(_ test: ThreadedCase, threads count: Int) throws -> (values: [[Float]], splits: Int) {
        let (inputs, call) = try test.make()
        for input in inputs { input.requiringGrad() }
        let scope = Threads.Scope(count: count)
        let output = try Threads.within(scope) {
            let output = try call(inputs)
            try output.backward(seed: random(output.shape, seed: 7))
            return output
        }
        return ([output.scalars] + inputs.map { $0.grad?.scalars ?? [] }, scope.splitLoops.load(ordering: .relaxed))
    }

    @Test(arguments: ThreadedCase.all)
    func twoThreadsGiveBitwiseTheResultsOfOne(_ test: ThreadedCase) throws {
        let serial = try run(test, threads: 1), threaded = try run(test, threads: 2)
        #expect(serial.splits == 0)
        #expect(threaded.splits > 0, "\(test.name) never took its parallel path: the sizes are below its grain")
        // Every parallel loop gives each thread whole rows, images or groups, so no sum is reordered.
        for (n, (a, b)) in zip(serial.values, threaded.values).enumerated() {
            #expect(a == b, "\(test.name): \(n == 0 ? "output" : "gradient of input \(n - 1)") differs between 1 and 2 threads")
        }
    }

    @Test func adamWUpdatesBitwiseTheSameOnOneAndTwoThreads() throws {
        func train(threads: Int) throws -> [Float] {
            let w = try random([300_000], seed: 1).requiringGrad()
            let optimizer = try AdamW(parameters: [w], learningRate: 1e-2, weightDecay: 0.1)
            let scope = Threads.Scope(count: threads)
            try Threads.within(scope) {
                for step in 0..<3 {
                    w.grad = try random([300_000], seed: UInt64(10 + step))
                    optimizer.update()
                }
            }
            #expect((scope.splitLoops.load(ordering: .relaxed) > 0) == (threads > 1))
            return w.scalars
        }
        #expect(try train(threads: 1) == train(threads: 2))
    }

    @Test func theScopeOverridesTheProcessWideCount() {
        #expect(Threads.within(Threads.Scope(count: 3)) { Threads.count } == 3)
        #expect(Threads.count >= 1)
    }
}
