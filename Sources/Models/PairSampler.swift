import Engine

/// The n-source-to-n-target training cases of N pairs: every ordered (reference i, target j) with
/// i ≠ j — N·(N−1) of them, where direct training has N — each learning y_j from y_i given how x_i
/// turns into x_j.
///
/// Cases come in epochs: each epoch is every case once, in an order shuffled from the seed, so
/// that a short run still sees the pairs evenly.
public struct PairSampler: Sendable {
    /// The number of pairs.
    public let pairs: Int
    private var rng: RandomGenerator
    private var order: [(Int, Int)] = []
    /// The generator's state before it shuffled the current epoch: with `position`, the whole
    /// state, so that a saved run resumes on the very next case.
    private var epochStart: UInt64
    private var position = 0

    /// A sampler over `pairs` pairs; there must be at least two.
    public init(pairs: Int, seed: UInt64) throws {
        guard pairs >= 2 else {
            throw EngineError.invalidArgument(op: "PairSampler", message: "n-to-n training needs at least 2 pairs, got \(pairs)")
        }
        guard pairs <= 4096 else {
            throw EngineError.invalidArgument(op: "PairSampler", message: "at most 4096 pairs (16 million cases), got \(pairs)")
        }
        self.pairs = pairs
        rng = RandomGenerator(seed: seed)
        epochStart = rng.state
    }

    /// Where the sampler stands, as `restore(_:)` takes it.
    public var state: (epochStart: UInt64, position: Int) { (epochStart, position) }

    /// Continues from a saved `state`.
    public mutating func restore(_ state: (epochStart: UInt64, position: Int)) throws {
        guard (0...cases).contains(state.position) else {
            throw EngineError.invalidArgument(op: "PairSampler", message: "position \(state.position) is outside an epoch of \(cases) cases")
        }
        rng = RandomGenerator(restoring: state.epochStart)
        epochStart = state.epochStart
        order = []
        position = 0
        if state.position > 0 {
            shuffleEpoch()
            position = state.position
        }
    }

    private mutating func shuffleEpoch() {
        epochStart = rng.state
        order = (0..<pairs).flatMap { i in (0..<pairs).filter { $0 != i }.map { (i, $0) } }
        order.shuffle(using: &rng)
        position = 0
    }

    /// N·(N−1).
    public var cases: Int { pairs * (pairs - 1) }

    /// The next case.
    public mutating func next() -> (reference: Int, target: Int) {
        if position == order.count { shuffleEpoch() }
        defer { position += 1 }
        return order[position]
    }

    /// The next `size` cases.
    public mutating func batch(_ size: Int) -> [(reference: Int, target: Int)] {
        (0..<max(size, 0)).map { _ in next() }
    }
}
