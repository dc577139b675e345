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
    }

    /// N·(N−1).
    public var cases: Int { pairs * (pairs - 1) }

    /// The next case.
    public mutating func next() -> (reference: Int, target: Int) {
        if position == order.count {
            order = (0..<pairs).flatMap { i in (0..<pairs).filter { $0 != i }.map { (i, $0) } }
            order.shuffle(using: &rng)
            position = 0
        }
        defer { position += 1 }
        return order[position]
    }

    /// The next `size` cases.
    public mutating func batch(_ size: Int) -> [(reference: Int, target: Int)] {
        (0..<max(size, 0)).map { _ in next() }
    }
}
