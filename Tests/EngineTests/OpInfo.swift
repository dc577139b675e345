@testable import Engine
import TestSupport
import Testing

/// One input configuration of a differentiable op: its inputs and the call under test.
struct OpSample {
    let label: String
    let inputs: [Tensor]
    var epsilon: Float = 1e-2
    let call: ([Tensor]) throws -> Tensor
}

/// A differentiable op and the sample inputs its gradient is checked on, in the manner of
/// PyTorch's OpInfo: shapes odd and non-square, every axis, broadcasting on either side, rank 0
/// and zero-size tensors, several kernel, stride, padding and group settings. Samples are made on
/// demand because tensors are not `Sendable`.
struct OpInfo: Sendable, CustomTestStringConvertible {
    let name: String
    let samples: @Sendable () throws -> [OpSample]

    var testDescription: String { name }
}

// MARK: - Inputs

/// Values in ±[0.2, 2], alternating in sign: away from 0, where relu, abs and l1 have kinks.
private func signedAwayFromZero(_ shape: [Int], seed: UInt64) throws -> Tensor {
    let x = try random(shape, seed: seed, low: 0.2, high: 2)
    return try Tensor(shape: shape, scalars: x.scalars.enumerated().map { $0.offset % 2 == 0 ? $0.element : -$0.element })
}

/// A flow whose samples land at least 0.2 px from whole pixels (bilinear sampling has kinks
/// there), reaching up to `reach` pixels in either direction and so past the image's border.
private func flowAwayFromWholePixels(_ shape: [Int], seed: UInt64, reach: Float = 2) throws -> Tensor {
    var rng = RandomGenerator(seed: seed)
    let count = shape.reduce(1, *)
    return try Tensor(shape: shape, scalars: (0..<count).map { _ in
        Float(Int(rng.uniform(-reach, reach))) + rng.uniform(0.2, 0.8)
    })
}

// MARK: - The catalog

extension OpInfo {
    static let broadcastShapes: [(String, [Int], [Int])] = [
        ("same shape", [2, 3, 4], [2, 3, 4]),
        ("bias on the right", [2, 3, 4], [4]),
        ("bias on the left", [4], [2, 3, 4]),
        ("both broadcast", [2, 1, 4], [3, 1]),
        ("rank 0 on the right", [2, 3], []),
        ("rank 0 on the left", [], [2, 3]),
        ("zero-size", [2, 0, 3], [3]),
        ("rank 4, middle axes", [2, 1, 3, 2], [1, 4, 1, 2]),
    ]

    static func binary(_ name: String, _ f: @escaping @Sendable (Tensor, Tensor) throws -> Tensor) -> OpInfo {
        OpInfo(name: name) {
            try broadcastShapes.map { label, a, b in
                // The right operand stays in [0.5, 1.5] so that division is smooth.
                OpSample(label: label, inputs: [try random(a, seed: 1), try random(b, seed: 2, low: 0.5, high: 1.5)]) {
                    try f($0[0], $0[1])
                }
            }
        }
    }

    static func scalarOverloads(_ name: String, _ f: @escaping @Sendable (Tensor) throws -> Tensor) -> OpInfo {
        OpInfo(name: name) {
            try [[5], [2, 3], [2, 3, 4, 2], []].map { shape in
                OpSample(label: "\(shape)", inputs: [try random(shape, seed: 3)]) { try f($0[0]) }
            }
        }
    }

    static func pointwise(_ function: Pointwise) -> OpInfo {
        OpInfo(name: function.rawValue) {
            let positive = function == .log || function == .sqrt
            return try [[5], [2, 3, 5], [2, 3, 2, 3], [], [0, 3]].map { shape in
                let x = positive ? try random(shape, seed: 3, low: 0.2, high: 2) : try signedAwayFromZero(shape, seed: 3)
                return OpSample(label: "\(shape)", inputs: [x]) { try $0[0].applying(function) }
            }
        }
    }

    static let matmul = OpInfo(name: "matmul") {
        var samples: [OpSample] = []
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            let (m, k, n) = (3, 4, 5)
            let a = try random(ta ? [k, m] : [m, k], seed: 1), b = try random(tb ? [n, k] : [k, n], seed: 2)
            let ba = try random(ta ? [2, k, m] : [2, m, k], seed: 3), bb = try random(tb ? [2, n, k] : [2, k, n], seed: 4)
            let call: ([Tensor]) throws -> Tensor = { try Tensor.matmul($0[0], $0[1], transposeA: ta, transposeB: tb) }
            samples.append(OpSample(label: "2-D, transposes \(ta) \(tb)", inputs: [a, b], call: call))
            samples.append(OpSample(label: "batched, transposes \(ta) \(tb)", inputs: [ba, bb], call: call))
            samples.append(OpSample(label: "batch × shared, transposes \(ta) \(tb)", inputs: [ba, b], call: call))
        }
        samples.append(OpSample(label: "K = 1", inputs: [try random([3, 1], seed: 5), try random([1, 2], seed: 6)]) {
            try Tensor.matmul($0[0], $0[1])
        })
        return samples
    }

    static let conv2d = OpInfo(name: "conv2d") {
        // (kernel, stride, padding, height, width, Cin, Cout, bias)
        let settings: [(Int, Int, Int, Int, Int, Int, Int, Bool)] = [
            (3, 1, 1, 5, 5, 3, 2, true), (3, 2, 1, 5, 6, 3, 2, true), (3, 1, 0, 5, 7, 2, 3, false),
            (1, 1, 0, 4, 5, 3, 2, true), (1, 2, 0, 5, 4, 3, 2, false), (5, 1, 2, 5, 6, 2, 2, true),
            (5, 2, 2, 7, 5, 3, 1, true), (2, 2, 0, 4, 6, 2, 3, false), (3, 1, 2, 3, 4, 1, 2, true),
            // 16 and 32 outputs at stride 1: the direct kernels (with AVX-512), and through the
            // flipped kernel the input gradient's direct path for 16 inputs.
            (3, 1, 1, 4, 9, 3, 16, true), (3, 1, 0, 5, 4, 16, 32, false), (1, 1, 0, 3, 3, 16, 16, true),
        ]
        return try settings.map { kernel, stride, padding, h, w, cin, cout, hasBias in
            let x = try random([2, h, w, cin], seed: 3), weight = try random([kernel, kernel, cin, cout], seed: 4)
            let inputs = hasBias ? [x, weight, try random([cout], seed: 5)] : [x, weight]
            return OpSample(label: "k\(kernel) s\(stride) p\(padding) \(h)×\(w) \(cin)→\(cout)\(hasBias ? " bias" : "")", inputs: inputs) {
                try Tensor.conv2d($0[0], weight: $0[1], bias: hasBias ? $0[2] : nil, stride: stride, padding: padding)
            }
        }
    }

    static let groupNorm = OpInfo(name: "groupNorm") {
        // (shape, groups): one group, a group per channel, and between.
        let settings: [([Int], Int)] = [([2, 3, 2, 4], 2), ([2, 3, 2, 4], 1), ([2, 2, 3, 4], 4), ([1, 3, 5, 6], 3), ([2, 1, 1, 6], 2)]
        return try settings.map { shape, groups in
            let c = shape[3]
            let inputs = [try random(shape, seed: 1, low: -2, high: 3), try random([c], seed: 2), try random([c], seed: 3)]
            return OpSample(label: "\(shape) in \(groups) groups", inputs: inputs) {
                try Tensor.groupNorm($0[0], groups: groups, gamma: $0[1], beta: $0[2])
            }
        } + [false, true].map { shifted in
            // The fused form: a per-image shift (its own gradient) and SiLU.
            let inputs = [try random([2, 3, 2, 4], seed: 1, low: -2, high: 3), try random([4], seed: 2), try random([4], seed: 3)]
                + (shifted ? [try random([2, 4], seed: 4, low: -1, high: 1)] : [])
            return OpSample(label: "[2, 3, 2, 4] in 2 groups, then \(shifted ? "a shift and " : "")SiLU", inputs: inputs) {
                try Tensor.groupNorm($0[0], groups: 2, gamma: $0[1], beta: $0[2], shift: shifted ? $0[3] : nil, silu: true)
            }
        }
    }

    static let softmax = OpInfo(name: "softmax") {
        try [[5], [3, 5], [2, 3, 4], [2, 2, 3, 3], [4, 1]].map { shape in
            OpSample(label: "\(shape)", inputs: [try random(shape, seed: 1, low: -2, high: 2)]) { try $0[0].softmax() }
        }
    }

    static let attention = OpInfo(name: "scaledDotProductAttention") {
        // (batch, Lq, Lk, D, Dv)
        try [(2, 3, 5, 4, 3), (1, 1, 1, 2, 2), (1, 4, 2, 3, 5), (3, 2, 3, 1, 1)].map { b, lq, lk, d, dv in
            let inputs = [try random([b, lq, d], seed: 1), try random([b, lk, d], seed: 2), try random([b, lk, dv], seed: 3)]
            return OpSample(label: "B\(b) Lq\(lq) Lk\(lk) D\(d) Dv\(dv)", inputs: inputs) {
                try Tensor.scaledDotProductAttention(query: $0[0], key: $0[1], value: $0[2])
            }
        }
    }

    static let spatialSelfAttention = OpInfo(name: "spatialSelfAttention") {
        try [[2, 2, 3, 4], [1, 3, 2, 2], [1, 1, 1, 3], [2, 1, 4, 1]].map { shape in
            let c = shape[3]
            let weights = try (2...5).map { try random([c, c], seed: UInt64($0), low: -0.5, high: 0.5) }
            return OpSample(label: "\(shape)", inputs: [try random(shape, seed: 1)] + weights) {
                try Tensor.spatialSelfAttention($0[0], query: $0[1], key: $0[2], value: $0[3], output: $0[4])
            }
        }
    }

    static let warp = OpInfo(name: "warp") {
        // Flows reaching past the border sample the zero padding there.
        try [([2, 4, 5, 3], Float(2)), ([1, 3, 3, 1], 1), ([1, 2, 6, 2], 4), ([2, 5, 3, 1], 1)].map { shape, reach in
            var flowShape = shape
            flowShape[3] = 2
            let inputs = [try random(shape, seed: 1), try flowAwayFromWholePixels(flowShape, seed: 2, reach: reach)]
            return OpSample(label: "\(shape) reach \(reach)", inputs: inputs) { try Tensor.warp($0[0], by: $0[1]) }
        }
    }

    static let fitColourGrid = OpInfo(name: "fitColourGrid") {
        // Cells of one pixel's share and of many; a mask that leaves one cell nearly empty (its
        // ridge then dominates); a ridge too small to hide the data's own curvature.
        try [([2, 5, 6, 3], 2, 2, Float(1e-2), false), ([1, 4, 4, 3], 1, 1, 1e-3, false), ([1, 6, 5, 3], 3, 2, 1e-2, true),
             ([1, 3, 7, 3], 4, 1, 0.1, true)].map { shape, columns, rows, ridge, masked in
            let weights = masked ? try Tensor(shape: [shape[0], shape[1], shape[2], 1], scalars: (0..<(shape[1] * shape[2])).map { $0 % 3 == 0 ? 0 : 1.5 }) : nil
            let inputs = [try random(shape, seed: 1, low: 0, high: 1), try random(shape, seed: 2, low: 0, high: 1)]
            return OpSample(label: "\(shape) \(columns)×\(rows) ridge \(ridge)\(masked ? " masked" : "")", inputs: inputs) {
                try Tensor.fitColourGrid(from: $0[0], to: $0[1], weights: weights, columns: columns, rows: rows, ridge: ridge)
            }
        }
    }

    static let applyColourGrid = OpInfo(name: "applyColourGrid") {
        try [([2, 5, 6, 3], 2, 2), ([1, 4, 4, 3], 1, 1), ([1, 6, 5, 3], 3, 2), ([1, 2, 7, 3], 4, 1)].map { shape, columns, rows in
            let inputs = [try random([shape[0], rows, columns, 12], seed: 3), try random(shape, seed: 1, low: 0, high: 1)]
            return OpSample(label: "\(shape) \(columns)×\(rows)", inputs: inputs) { try Tensor.applyColourGrid($0[0], to: $0[1]) }
        }
    }

    static let correlation = OpInfo(name: "correlation") {
        try [([2, 4, 5, 3], 1), ([1, 3, 3, 1], 2), ([1, 2, 6, 2], 0), ([1, 5, 4, 2], 1)].map { shape, radius in
            OpSample(label: "\(shape) radius \(radius)", inputs: [try random(shape, seed: 1), try random(shape, seed: 2)]) {
                try Tensor.correlation($0[0], $0[1], radius: radius)
            }
        }
    }

    static let upsampledNearest = OpInfo(name: "upsampledNearest") {
        try [([2, 3, 4, 2], 2), ([1, 2, 3, 3], 3), ([1, 3, 2, 1], 1), ([2, 1, 2, 2], 4)].map { shape, factor in
            OpSample(label: "\(shape) ×\(factor)", inputs: [try random(shape, seed: 1)]) { try $0[0].upsampledNearest(factor: factor) }
        }
    }

    static let resizedBilinear = OpInfo(name: "resizedBilinear") {
        try [([2, 4, 6, 3], 7, 9), ([2, 4, 6, 3], 3, 4), ([1, 3, 5, 2], 3, 5), ([1, 5, 2, 1], 2, 7), ([1, 4, 4, 1], 1, 1)].map { shape, h, w in
            OpSample(label: "\(shape) → \(h)×\(w)", inputs: [try random(shape, seed: 1)]) { try $0[0].resizedBilinear(height: h, width: w) }
        }
    }

    static let averagePooled = OpInfo(name: "averagePooled") {
        try [([2, 4, 6, 3], 2), ([1, 6, 3, 2], 3), ([1, 3, 5, 1], 1), ([1, 4, 8, 2], 4)].map { shape, factor in
            OpSample(label: "\(shape) ÷\(factor)", inputs: [try random(shape, seed: 1)]) { try $0[0].averagePooled(factor: factor) }
        }
    }

    static func reduction(_ name: String, _ f: @escaping @Sendable (Tensor, [Int]?, Bool) throws -> Tensor) -> OpInfo {
        OpInfo(name: name) {
            let settings: [([Int], [Int]?, Bool)] = [
                ([2, 3, 4, 2], nil, false), ([2, 3, 4, 2], [0], false), ([2, 3, 4, 2], [-1], true),
                ([2, 3, 4, 2], [1, 2], true), ([2, 3, 4, 2], [-3, 3], false), ([3, 5], [1], false),
                ([4], [0], true), ([], nil, false),
            ]
            return try settings.map { shape, axes, keep in
                OpSample(label: "\(shape) over \(axes.map { "\($0)" } ?? "all")\(keep ? " keeping axes" : "")",
                         inputs: [try random(shape, seed: 1)]) { try f($0[0], axes, keep) }
            }
        }
    }

    static let reshaped = OpInfo(name: "reshaped") {
        try [([2, 3, 4, 2], [6, 8]), ([2, 3, 4, 2], [-1]), ([6], [1, 2, 3, 1]), ([2, 3], [3, -1])].map { shape, to in
            OpSample(label: "\(shape) → \(to)", inputs: [try random(shape, seed: 1)]) { try $0[0].reshaped(to: to) }
        }
    }

    static let rows = OpInfo(name: "rows") {
        try [([4, 3], 1..<3), ([3, 2, 2, 2], 0..<1), ([3, 2, 2, 2], 2..<3), ([5], 1..<5)].map { shape, range in
            OpSample(label: "\(shape) rows \(range)", inputs: [try random(shape, seed: 1)]) { try $0[0].rows(range) }
        }
    }

    static let permuted = OpInfo(name: "permuted") {
        try [([2, 3, 4, 2], [0, 3, 1, 2]), ([2, 3, 4, 2], [3, 2, 1, 0]), ([2, 3, 4], [1, 2, 0]), ([3, 5], [1, 0])].map { shape, order in
            OpSample(label: "\(shape) by \(order)", inputs: [try random(shape, seed: 1)]) { try $0[0].permuted(order) }
        }
    }

    static let concat = OpInfo(name: "concat") {
        try [-4, 0, 1, 2, 3, -1].map { axis in
            var other = [2, 3, 2, 4]
            other[axis < 0 ? axis + 4 : axis] = 1
            let inputs = [try random([2, 3, 2, 4], seed: 1), try random(other, seed: 2)]
            return OpSample(label: "axis \(axis)", inputs: inputs) { try Tensor.concat([$0[0], $0[1], $0[0]], axis: axis) }
        }
    }

    static let split = OpInfo(name: "split") {
        try [0, 1, 2, 3, -2].map { axis in
            let shape = [3, 4, 5, 3]
            let extent = shape[axis < 0 ? axis + 4 : axis]
            // Both pieces reach the output, swapped, so each piece's backward runs and the two add up.
            return OpSample(label: "axis \(axis)", inputs: [try random(shape, seed: 1)]) {
                let parts = try $0[0].split(sizes: [1, extent - 1], axis: axis)
                return try Tensor.concat([parts[1], parts[0]], axis: axis)
            }
        }
    }

    static let fourierTransform2D = OpInfo(name: "fourierTransform2D") {
        try [[1, 4, 3, 2], [2, 3, 3, 1], [1, 5, 2, 3], [1, 1, 4, 1]].map { shape in
            OpSample(label: "\(shape)", inputs: [try random(shape, seed: 1)]) {
                let (real, imaginary) = try $0[0].fourierTransform2D()
                return try Tensor.concat([real, imaginary])
            }
        }
    }

    static func loss(_ name: String, _ f: @escaping @Sendable (Tensor, Tensor) throws -> Tensor) -> OpInfo {
        OpInfo(name: name) {
            // Inputs of opposite signs keep |a − b| ≥ 0.4, away from l1's kink.
            try [[2, 3, 3, 2], [7], [2, 5], [1, 1, 1, 1]].map { shape in
                let a = try random(shape, seed: 1, low: 0.2, high: 1)
                let b = try random(shape, seed: 2, low: -2, high: -0.2)
                return OpSample(label: "\(shape)", inputs: [a, b]) { try f($0[0], $0[1]) }
            }
        }
    }

    static func weightedLoss(_ name: String, _ f: @escaping @Sendable (Tensor, Tensor, Tensor) throws -> Tensor) -> OpInfo {
        OpInfo(name: name) {
            // Per-pixel weights broadcast over channels; a and b of opposite signs keep |a − b| ≥ 0.4.
            try [([2, 3, 3, 2], [2, 3, 3, 1]), ([1, 4, 5, 3], [1, 4, 5, 1]), ([2, 3, 3, 2], [2, 3, 3, 2]), ([6], [1])].map { shape, weightShape in
                let inputs = [try random(shape, seed: 1, low: 0.2, high: 1), try random(shape, seed: 2, low: -2, high: -0.2),
                              try random(weightShape, seed: 3, low: 0.1, high: 3)]
                return OpSample(label: "\(shape) weighted by \(weightShape)", inputs: inputs) { try f($0[0], $0[1], $0[2]) }
            }
        }
    }

    static let frequencyLoss = OpInfo(name: "frequencyLoss") {
        // Independent random images: their DFT magnitudes differ by far more than a probe's step.
        try [[1, 4, 4, 2], [2, 3, 5, 1], [1, 6, 4, 3], [1, 2, 2, 1]].map { shape in
            OpSample(label: "\(shape)", inputs: [try random(shape, seed: 1), try random(shape, seed: 2)], epsilon: 1e-3) {
                try Tensor.frequencyLoss($0[0], $0[1])
            }
        }
    }

    /// Every public differentiable op of the engine.
    static let catalog: [OpInfo] = [
        binary("add") { try $0 + $1 }, binary("subtract") { try $0 - $1 },
        binary("multiply") { try $0 * $1 }, binary("divide") { try $0 / $1 },
        scalarOverloads("tensor + scalar") { try $0 + 1.5 }, scalarOverloads("tensor − scalar") { try $0 - 1.5 },
        scalarOverloads("tensor × scalar") { try $0 * 1.5 }, scalarOverloads("scalar × tensor") { try 1.5 * $0 },
        scalarOverloads("tensor ÷ scalar") { try $0 / 1.5 }, scalarOverloads("prefix −") { try -$0 },
    ] + Pointwise.allCases.map(pointwise) + [
        matmul, conv2d, groupNorm, softmax, attention, spatialSelfAttention, warp, correlation, fitColourGrid, applyColourGrid,
        upsampledNearest, resizedBilinear, averagePooled,
        reduction("sum") { try $0.sum(alongAxes: $1, keepingAxes: $2) },
        reduction("mean") { try $0.mean(alongAxes: $1, keepingAxes: $2) },
        reshaped, rows, permuted, concat, split, fourierTransform2D,
        loss("l1Loss") { try Tensor.l1Loss($0, $1) }, loss("mseLoss") { try Tensor.mseLoss($0, $1) },
        weightedLoss("weightedL1Loss") { try Tensor.weightedL1Loss($0, $1, weights: $2) },
        weightedLoss("weightedMSELoss") { try Tensor.weightedMSELoss($0, $1, weights: $2) },
        frequencyLoss,
    ]
}
