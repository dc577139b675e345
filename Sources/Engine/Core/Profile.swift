import Foundation

/// Where a piece of work spends its time, by op kind and pass: what `likewise bench train
/// --profile` prints, and what says which kernel to make faster next.
///
/// While a profile is active (`Profile.measuring`), every op adds to its kind's forward time
/// the time since the previous op (or phase) ended — so the Swift between two ops, building the
/// second one's arguments, counts as the second's — and `backward()` adds to each op kind's
/// backward time its closure and the summing of its gradients into its inputs'. Work that is not
/// an op (an optimiser update, clipping) is timed as a named phase. Inactive, each op pays one
/// task-local read.
public final class Profile: @unchecked Sendable {
    /// Which part of a step a time belongs to.
    public enum Pass: String, Sendable, CaseIterable {
        case forward, backward, phase
    }

    /// The time, calls and arithmetic of one (kind, pass).
    public struct Entry: Sendable, Equatable {
        public var calls = 0
        public var seconds = 0.0
        /// Floating-point operations, counted for convolutions and matrix products only.
        public var flops = 0.0
    }

    /// Times by (op kind or phase name, pass), in the order they were first seen.
    public private(set) var entries: [(kind: String, pass: Pass, entry: Entry)] = []
    private var index: [String: Int] = [:]
    /// When the last op or phase ended: the start of the next op's forward time.
    private var mark = Profile.now()

    public init() {}

    /// The profile the ops of the current task add to, if any.
    @TaskLocal static var active: Profile?

    /// Runs `body` with every op's time added to this profile.
    @discardableResult
    public func measuring<R>(_ body: () throws -> R) rethrows -> R {
        mark = Profile.now()
        return try Profile.$active.withValue(self, operation: body)
    }

    /// Runs `body` and, while a profile is active, adds its time to `name`'s phase.
    public static func phase<R>(_ name: String, _ body: () throws -> R) rethrows -> R {
        guard let profile = active else { return try body() }
        let start = now()
        defer { profile.add(name, .phase, since: start) }
        return try body()
    }

    /// The total of every entry, in seconds.
    public var totalSeconds: Double { entries.reduce(0) { $0 + $1.entry.seconds } }

    /// The floating-point operations counted, over every entry.
    public var totalFlops: Double { entries.reduce(0) { $0 + $1.entry.flops } }

    /// Called by `Autodiff.record` when an op has made its output.
    func opFinished(_ kind: String, flops: Double) { add(kind, .forward, since: mark, flops: flops) }

    /// Called by `backward()` when an op's gradients are in its inputs'.
    func backwardFinished(_ kind: String, since start: UInt64, flops: Double) { add(kind, .backward, since: start, flops: flops) }

    private func add(_ kind: String, _ pass: Pass, since start: UInt64, flops: Double = 0) {
        let end = Profile.now()
        let key = pass.rawValue + " " + kind
        let position: Int
        if let existing = index[key] {
            position = existing
        } else {
            position = entries.count
            index[key] = position
            entries.append((kind, pass, Entry()))
        }
        entries[position].entry.calls += 1
        entries[position].entry.seconds += Double(end &- start) / 1e9
        entries[position].entry.flops += flops
        mark = end
    }

    /// Monotonic nanoseconds.
    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
}
