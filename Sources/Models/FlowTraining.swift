import Engine

/// Training the flow network: supervised on the built-in tasks, whose sources come with their
/// true displacement (the FlyingChairs idea — unlimited labelled pairs from a renderer), and
/// without labels on a user's own pairs.
extension FlowNetwork {
    /// The supervised loss of a batch: at every level, the L1 distance between the estimated
    /// flow and the truth (average-pooled to that level and scaled to its pixels) over the pixels
    /// where the truth is valid. `truth` is `[N, H, W, 2]`, `valid` `[N, H, W, 1]` (1 or 0).
    public func supervisedLoss(_ first: Tensor, _ second: Tensor, truth: Tensor, valid: Tensor) throws -> Tensor {
        let flows = try pyramidFlows(first, second)
        var total: Tensor?
        for flow in flows {
            let factor = truth.shape[1] / flow.shape[1]
            let (levelTruth, levelValid) = factor == 1 ? (truth, valid)
                : (try truth.averagePooled(factor: factor) / Float(factor), try valid.averagePooled(factor: factor))
            let term = try Tensor.weightedL1Loss(flow, levelTruth, weights: levelValid)
            total = try total.map { try $0 + term } ?? term
        }
        guard let total else { throw EngineError.invalidShape(op: "supervisedLoss", shape: first.shape, expected: "a non-empty batch") }
        return total
    }

    /// The unsupervised loss of a batch: the Charbonnier photometric error between `first` and
    /// `second` warped by the estimated flow (where the flow lands inside the image), plus
    /// `smoothness` × the flow's first differences, down-weighted across the first image's edges
    /// (flow may jump where the image does).
    public func photometricLoss(_ first: Tensor, _ second: Tensor, smoothness: Float = 0.1) throws -> Tensor {
        try FlowNetwork.photometricLoss(first, second, flow: finestFlow(first, second), smoothness: smoothness)
    }

    /// `photometricLoss` of a flow already estimated from `first` to `second` (`[N, H, W, 2]`).
    public static func photometricLoss(_ first: Tensor, _ second: Tensor, flow: Tensor, smoothness: Float = 0.1) throws -> Tensor {
        let inside = try Tensor.flowLandsInside(flow)
        let difference = try first - Tensor.warp(second, by: flow)
        let photometric = try ((difference.squared() + 1e-4).sqrt() * inside).mean()
        var smooth: Tensor?
        for (dy, dx) in [(0, 1), (1, 0)] {
            let gradient = try Tensor.conv2d(flow, weight: FlowNetwork.difference(dy: dy, dx: dx, channels: 2), padding: 0)
            let edges = try FlowNetwork.edgeWeights(first, dy: dy, dx: dx)
            let term = try (gradient.abs() * edges).mean()
            smooth = try smooth.map { try $0 + term } ?? term
        }
        guard let smooth else { throw EngineError.invalidShape(op: "photometricLoss", shape: first.shape, expected: "a non-empty batch") }
        return try photometric + smooth * smoothness
    }

    /// A `[1+dy, 1+dx, C, C]` kernel taking each channel's forward difference along one axis.
    static func difference(dy: Int, dx: Int, channels: Int) throws -> Tensor {
        var k = [Float](repeating: 0, count: (1 + dy) * (1 + dx) * channels * channels)
        for c in 0..<channels {
            k[c * channels + c] = -1
            k[((dy + dx) * channels + c) * channels + c] = 1
        }
        return try Tensor(shape: [1 + dy, 1 + dx, channels, channels], scalars: k)
    }

    /// exp(−mean over channels |forward difference of `image`|) along one axis, `[N, H−dy, W−dx, 1]`.
    static func edgeWeights(_ image: Tensor, dy: Int, dx: Int) throws -> Tensor {
        try Autodiff.withoutGradients {
            let c = image.shape[3]
            let mean = try Tensor(shape: [1, 1, c, 1], repeating: 1 / Float(c))
            return try Tensor.conv2d(Tensor.conv2d(image, weight: difference(dy: dy, dx: dx, channels: c), padding: 0).abs(), weight: mean, padding: 0)
                .applying(.negate).exp()
        }
    }
}

/// Labelled flow from the built-in tasks: a pool of sources from each task, and cases of two
/// kinds, half and half. Two random sources of one task with the true displacement between them
/// teach the motion of subjects that differ in look; one source and itself moved by a random
/// similarity transform (shift up to an eighth of the side, turn up to 0.25 rad, scale ±10 %)
/// teach plain matching, which the tasks' priors alone do not: a network trained on task pairs
/// only missed a uniform 3 px shift of a texture by 3.8 px.
public struct FlowTrainingSet {
    struct Pool {
        let task: SyntheticTask
        let seed: UInt64
        let images: [Image]
        let sources: [Tensor]
    }

    let pools: [Pool]
    public let size: Int

    /// `count` sources of each of `tasks` at `size`, from `seed` (keep it apart from the seeds
    /// flow is measured on).
    public init(tasks: [SyntheticTask.Kind] = SyntheticTask.Kind.allCases, count: Int, size: Int, seed: UInt64) throws {
        guard count >= 2 else { throw EngineError.invalidArgument(op: "FlowTrainingSet", message: "needs at least 2 sources a task, got \(count)") }
        pools = try tasks.map { kind in
            let task = SyntheticTask(kind)
            let images = try task.pairs(count: count, size: size, seed: seed).map(\.source)
            return Pool(task: task, seed: seed, images: images, sources: try images.map(FlowNetwork.normalised))
        }
        self.size = size
    }

    /// A batch of `count` cases: first and second sources `[N, S, S, 3]`, the true flow from
    /// first to second `[N, S, S, 2]` and where it is valid `[N, S, S, 1]`.
    public func batch(_ count: Int, using rng: inout RandomGenerator) throws -> (first: Tensor, second: Tensor, truth: Tensor, valid: Tensor) {
        var firsts: [Tensor] = [], seconds: [Tensor] = [], truths: [Float] = [], valids: [Float] = []
        for _ in 0..<count {
            let pool = pools[Int(rng.next() % UInt64(pools.count))]
            let i = Int(rng.next() % UInt64(pool.sources.count))
            let truth: Displacement
            if rng.next() % 2 == 0 {
                let j = (i + 1 + Int(rng.next() % UInt64(pool.sources.count - 1))) % pool.sources.count
                truth = try pool.task.displacement(from: i, to: j, seed: pool.seed, size: size)
                seconds.append(pool.sources[j])
            } else {
                let motion = Pose(scale: rng.uniform(0.9, 1.1), rotation: rng.uniform(-0.25, 0.25),
                                  offset: SIMD2(rng.uniform(-0.25, 0.25), rng.uniform(-0.25, 0.25)))
                let (moved, flow) = try FlowTrainingSet.moved(pool.images[i], by: motion)
                truth = flow
                seconds.append(try FlowNetwork.normalised(moved))
            }
            firsts.append(pool.sources[i])
            for p in 0..<(size * size) {
                truths += [truth.dx[p], truth.dy[p]]
                valids.append(truth.valid[p] ? 1 : 0)
            }
        }
        return (try Tensor.concat(firsts, axis: 0), try Tensor.concat(seconds, axis: 0),
                try Tensor(shape: [count, size, size, 2], scalars: truths), try Tensor(shape: [count, size, size, 1], scalars: valids))
    }

    /// `image` moved by `motion` (in the tasks' coordinates: [−1, 1] across the image, the
    /// transform taking a point of `image` to where it lands), and the displacement from `image`
    /// to the moved one, valid where the point stays inside.
    static func moved(_ image: Image, by motion: Pose) throws -> (Image, Displacement) {
        let (w, h) = (image.width, image.height)
        var flow = Displacement(width: w, height: h)
        var back = [Float](repeating: 0, count: w * h * 2)
        let half = SIMD2(Float(w), Float(h)) / 2
        for y in 0..<h {
            for x in 0..<w {
                let p = y * w + x
                let u = (SIMD2(Float(x), Float(y)) + 0.5) / half - 1
                let landed = motion.apply(u), source = motion.inverse(u)
                flow.dx[p] = (landed.x - u.x) * half.x
                flow.dy[p] = (landed.y - u.y) * half.y
                flow.valid[p] = abs(landed.x) < 1 && abs(landed.y) < 1
                // The moved image at u shows the point of `image` that lands there.
                back[2 * p] = (source.x - u.x) * half.x
                back[2 * p + 1] = (source.y - u.y) * half.y
            }
        }
        let moved = try Autodiff.withoutGradients { try Tensor.warp(image.tensor, by: Tensor(shape: [1, h, w, 2], scalars: back)) }
        return (try Image(tensor: moved), flow)
    }
}

extension FlowNetwork {
    /// Trains the network for `steps` steps of `batch` cases from `set` with the supervised loss
    /// (AdamW, warm-up and cosine decay from `learningRate`); returns the trainer, whose losses
    /// are the curve.
    @discardableResult
    public func pretrain(on set: FlowTrainingSet, steps: Int, batch: Int = 8, learningRate: Float = 3e-3, seed: UInt64 = 1,
                         checkInterrupt: () throws -> Void = {}, progress: (TrainingProgress) -> Void = { _ in }) throws -> Trainer {
        let trainer = try Trainer(parameters: parameters,
                                  schedule: LearningRateSchedule(peak: learningRate, floor: learningRate / 20,
                                                                 warmupSteps: steps / 20, totalSteps: steps),
                                  weightDecay: 1e-4, clipNorm: 1)
        var rng = RandomGenerator(seed: seed)
        try trainer.train(until: steps, checkInterrupt: checkInterrupt, progress: progress) { _ in
            let cases = try set.batch(batch, using: &rng)
            return try supervisedLoss(cases.first, cases.second, truth: cases.truth, valid: cases.valid)
        }
        return trainer
    }
}

extension FlowNetwork {
    /// Refines the network without labels on `images` (a user's sources): `steps` steps of
    /// `batch` random ordered pairs with the photometric loss, at a low constant rate so that it
    /// adapts to the images rather than forgetting what pretraining taught. Returns the losses.
    @discardableResult
    public func refine(on images: [Image], steps: Int, batch: Int = 4, learningRate: Float = 1e-4, seed: UInt64 = 1,
                       checkInterrupt: () throws -> Void = {}) throws -> [Float] {
        guard images.count >= 2 else { throw EngineError.invalidArgument(op: "refine", message: "needs at least 2 images, got \(images.count)") }
        let normalised = try images.map(FlowNetwork.normalised)
        let trainer = try Trainer(parameters: parameters, schedule: LearningRateSchedule(peak: learningRate, floor: learningRate, warmupSteps: 0, totalSteps: steps),
                                  clipNorm: 1)
        var rng = RandomGenerator(seed: seed)
        try trainer.train(until: steps, checkInterrupt: checkInterrupt) { _ in
            var firsts: [Tensor] = [], seconds: [Tensor] = []
            for _ in 0..<batch {
                let i = Int(rng.next() % UInt64(images.count))
                let j = (i + 1 + Int(rng.next() % UInt64(images.count - 1))) % images.count
                firsts.append(normalised[i])
                seconds.append(normalised[j])
            }
            return try photometricLoss(Tensor.concat(firsts, axis: 0), Tensor.concat(seconds, axis: 0))
        }
        return trainer.losses
    }
}
