import Foundation
import Synchronization
import VectorKernels

/// The engine's own worker threads: the parallel loops of one op after another, each split into
/// at most 64 chunks, chunk 0 on the calling thread and chunk t on worker t − 1.
///
/// Two things Dispatch's `concurrentPerform` could not give (`likewise bench ops`, a loop over
/// 2 × 64 KB): a hand-off of a quarter of a microsecond instead of one or two, and the same
/// thread for the same chunk of consecutive ops. A U-Net's passes split their NHWC tensors into
/// the same halves, so each half stays in one core's cache from the convolution to the group
/// norm after it: the loop took 1.4 µs here against 5.6 µs on Dispatch (2.2 µs on one thread).
/// A worker spins for a short while after a chunk (so the next op finds it awake), then sleeps
/// until the next job; a caller that finds a chunk unclaimed when its own is done runs it
/// itself, so a sleeping worker costs latency, never correctness.
///
/// One job at a time: a loop that finds the pool busy (another task's op, as tests run in
/// parallel) takes Dispatch instead, and a loop inside a chunk runs on its own thread.
final class WorkerPool: @unchecked Sendable {
    static let shared = WorkerPool()
    /// At most this many chunks a job (the claimed set is one 64-bit mask).
    static let maximumChunks = 64
    /// How long an idle worker spins before it sleeps.
    private static let spinNanoseconds: UInt64 = 500_000

    private let busy = Atomic<Bool>(false)
    /// Odd while a job is open; workers wait for it to change.
    private let generation = Atomic<Int>(0)
    /// Bit t set: chunk t is taken.
    private let claimed = Atomic<UInt64>(0)
    /// Workers between seeing an open job and leaving it. The caller, once every chunk is taken,
    /// closes the job and waits for this to fall to zero: then every chunk has run, and no
    /// worker reads the job again.
    private let inside = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    private let wake = NSCondition()
    /// Written by the caller before it opens a job; read by workers only while it is open.
    nonisolated(unsafe) private var job: ((Int) -> Void)?
    nonisolated(unsafe) private var chunks = 0
    private let workers = Mutex(0)

    /// Whether the current thread is running a chunk (a pool worker, or a caller inside its job).
    private static let runningChunkKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()
    static var isRunningChunk: Bool { pthread_getspecific(runningChunkKey) != nil }
    static func markRunningChunk(_ on: Bool) {
        pthread_setspecific(runningChunkKey, on ? UnsafeRawPointer(bitPattern: 1) : nil)
    }

    /// Runs `body(t)` for every t in `0..<chunks` and returns when all have run; false (nothing
    /// run) when another job holds the pool.
    func run(chunks count: Int, _ body: (Int) -> Void) -> Bool {
        precondition(count >= 2 && count <= WorkerPool.maximumChunks, "a pool job has 2…64 chunks")
        guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return false }
        startWorkers(count - 1)
        withoutActuallyEscaping(body) { body in
            job = body
            chunks = count
            claimed.store(1, ordering: .relaxed)
            generation.add(1, ordering: .sequentiallyConsistent)  // open
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                wake.lock()
                wake.broadcast()
                wake.unlock()
            }
            WorkerPool.markRunningChunk(true)
            body(0)
            // Chunks no worker has taken yet: a sleeping or descheduled worker's.
            for t in 1..<count where claim(t) { body(t) }
            WorkerPool.markRunningChunk(false)
            generation.add(1, ordering: .sequentiallyConsistent)  // closed
            while inside.load(ordering: .sequentiallyConsistent) > 0 { likewise_spin_pause() }
            job = nil
        }
        busy.store(false, ordering: .releasing)
        return true
    }

    /// Takes chunk `t` unless somebody has.
    private func claim(_ t: Int) -> Bool {
        let bit = UInt64(1) << UInt64(t)
        return claimed.bitwiseOr(bit, ordering: .acquiringAndReleasing).oldValue & bit == 0
    }

    private func startWorkers(_ needed: Int) {
        workers.withLock { started in
            while started < needed {
                let index = started
                let thread = Thread { [self] in work(chunk: index + 1) }
                thread.name = "likewise-worker-\(index + 1)"
                thread.start()
                started += 1
            }
        }
    }

    /// A worker's life: wait for a job, run its own chunk if the job has one and nobody took it.
    private func work(chunk t: Int) {
        WorkerPool.markRunningChunk(true)
        var seen = generation.load(ordering: .acquiring)
        while true {
            seen = awaitChange(from: seen)
            guard seen % 2 == 1 else { continue }
            inside.add(1, ordering: .sequentiallyConsistent)
            if generation.load(ordering: .sequentiallyConsistent) == seen, t < chunks, claim(t) { runChunk(t) }
            inside.subtract(1, ordering: .sequentiallyConsistent)
        }
    }

    /// Kept apart so that the worker's reference to the job is released before it leaves the job.
    @inline(never)
    private func runChunk(_ t: Int) { job?(t) }

    /// Spins until the generation moves from `seen`, then sleeps until it does; returns the new one.
    private func awaitChange(from seen: Int) -> Int {
        let deadline = DispatchTime.now().uptimeNanoseconds + WorkerPool.spinNanoseconds
        var spins = 0
        while true {
            let now = generation.load(ordering: .acquiring)
            if now != seen { return now }
            likewise_spin_pause()
            spins += 1
            if spins % 256 == 0, DispatchTime.now().uptimeNanoseconds > deadline { break }
        }
        wake.lock()
        sleepers.add(1, ordering: .sequentiallyConsistent)
        while generation.load(ordering: .sequentiallyConsistent) == seen { wake.wait() }
        sleepers.subtract(1, ordering: .sequentiallyConsistent)
        wake.unlock()
        return generation.load(ordering: .acquiring)
    }
}
