import Foundation
import Synchronization

/// What every fuzz test shares: a seed that can be replayed, and a watchdog that fails a hang.
public enum Fuzzing {
    /// `LIKEWISE_FUZZ_SEED` when set (to replay a failure or explore another sequence), else `fallback`.
    public static func seed(default fallback: UInt64) -> UInt64 {
        ProcessInfo.processInfo.environment["LIKEWISE_FUZZ_SEED"].flatMap(UInt64.init) ?? fallback
    }
}

/// Ends the test process with a message naming the fuzzer, its seed and the iteration when no
/// iteration finishes within `limit`.
///
/// A hung call cannot be cancelled from outside, and a fuzz loop that only measures its time at the
/// end never gets there: exiting is the only way a hang fails instead of stalling CI. `beat` is
/// called at the start of each iteration; `finish` stops the watch.
public final class Watchdog: Sendable {
    private struct State { var iteration = 0; var since = ContinuousClock.now; var finished = false }
    private let state = Mutex(State())
    private let name: String, seed: UInt64, limit: Duration

    public init(_ name: String, seed: UInt64, limit: Duration = .seconds(60)) {
        (self.name, self.seed, self.limit) = (name, seed, limit)
        let thread = Thread { [self] in watch() }
        thread.name = "watchdog \(name)"
        thread.start()
    }

    /// Marks the start of `iteration`: the watch restarts.
    public func beat(_ iteration: Int) {
        state.withLock { $0.iteration = iteration; $0.since = .now }
    }

    /// Stops watching (call it when the loop ends, also on the way out of an error).
    public func finish() { state.withLock { $0.finished = true } }

    private func watch() {
        while true {
            Thread.sleep(forTimeInterval: 0.2)
            let (finished, iteration, waited) = state.withLock { ($0.finished, $0.iteration, ContinuousClock.now - $0.since) }
            if finished { return }
            if waited > limit {
                FileHandle.standardError.write(Data("\(name) hung: iteration \(iteration) ran for more than \(limit) (replay with LIKEWISE_FUZZ_SEED=\(seed))\n".utf8))
                exit(70)
            }
        }
    }
}

/// Calls `action` once after `seconds` unless cancelled first — a user pressing stop on a cell
/// that runs too long. It waits on a thread of its own: a timer on Dispatch's global queue can
/// wait behind the engine's parallel loops, which keep that pool's few threads busy (with a
/// second test training beside it, a stop at one second arrived after more than sixty).
public final class Alarm: Sendable {
    private let condition = NSCondition()
    private let cancelled = Mutex(false)

    /// `action` runs on the alarm's thread: like the kernel's control thread calling
    /// `interrupt()`, it must only do what is safe from another thread.
    public init(after seconds: Double, _ action: @escaping () -> Void) {
        let deadline = Date(timeIntervalSinceNow: seconds)
        nonisolated(unsafe) let action = action
        let thread = Thread { [self] in
            condition.lock()
            while !cancelled.withLock({ $0 }), condition.wait(until: deadline) {}
            condition.unlock()
            if !cancelled.withLock({ $0 }) { action() }
        }
        thread.name = "alarm"
        thread.start()
    }

    /// Stops the alarm (it does nothing if it has already gone off).
    public func cancel() {
        condition.lock()
        cancelled.withLock { $0 = true }
        condition.signal()
        condition.unlock()
    }
}
