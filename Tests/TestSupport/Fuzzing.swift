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
