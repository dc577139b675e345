import CBLAS
import Dispatch
import Foundation
import Synchronization

/// The one place that decides how many threads the engine uses.
///
/// One pool: the engine's parallel loops run on its `WorkerPool`, and so does GEMM — OpenBLAS is
/// kept single-threaded and `Kernels.gemm` splits each product into blocks, one sgemm a thread. (With
/// OpenBLAS's own pool beside Dispatch's, its idle workers spun in `sched_yield` while the
/// engine's loops ran: a third of a training step's CPU time went to the kernel, and two threads
/// were barely faster than one.) The default is the number of active cores, or `LIKEWISE_THREADS`
/// when set.
public enum Threads {
    private static let current = Atomic<Int>(0)

    /// A thread count for the engine's parallel loops in one scope, and a tally of the loops that
    /// were split in it: tests run an op with 1 and with 2 threads, compare, and check that the
    /// sizes really took the parallel path (GEMM splits on the same scope).
    final class Scope: Sendable {
        let count: Int
        let splitLoops = Atomic<Int>(0)
        init(count: Int) { self.count = count }
    }

    @TaskLocal static var scope: Scope?

    /// Runs `body` with the engine's parallel loops on `scope.count` threads.
    static func within<R>(_ scope: Scope, _ body: () throws -> R) rethrows -> R {
        try $scope.withValue(scope, operation: body)
    }

    /// The number of threads for GEMM and for parallel loops.
    public static var count: Int {
        if let scope { return scope.count }
        let n = current.load(ordering: .relaxed)
        if n > 0 { return n }
        let initial = ProcessInfo.processInfo.environment["LIKEWISE_THREADS"].flatMap(Int.init)
            ?? ProcessInfo.processInfo.activeProcessorCount
        setCount(initial)
        return current.load(ordering: .relaxed)
    }

    /// Sets the thread count for the engine's loops and GEMM (clamped to 1…cores×4).
    public static func setCount(_ n: Int) {
        let clamped = min(max(n, 1), max(ProcessInfo.processInfo.activeProcessorCount * 4, 1))
        openblas_set_num_threads(1)
        current.store(clamped, ordering: .relaxed)
    }

    /// Runs `body` over `0..<n` split into contiguous chunks, in parallel when each thread would get
    /// at least `grain` iterations (below that, the hand-off costs more than it gains). Chunks go to
    /// the engine's `WorkerPool`; a loop inside a chunk runs serially on its thread, and a loop
    /// that finds the pool held by another task's op runs on Dispatch. The chunks are the same on
    /// every path, so results do not depend on which one ran.
    @inline(__always)
    static func parallelFor(_ n: Int, grain: Int, _ body: (Range<Int>) -> Void) {
        let threads = min(count, n / max(grain, 1), WorkerPool.maximumChunks)
        if threads <= 1 || WorkerPool.isRunningChunk {
            if n > 0 { body(0..<n) }
            return
        }
        scope?.splitLoops.add(1, ordering: .relaxed)
        let chunk = (n + threads - 1) / threads
        let chunkBody: (Int) -> Void = { t in
            let start = t * chunk
            let end = min(start + chunk, n)
            if start < end { body(start..<end) }
        }
        if WorkerPool.shared.run(chunks: threads, chunkBody) { return }
        withoutActuallyEscaping(chunkBody) { chunkBody in
            nonisolated(unsafe) let run = chunkBody
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                let nested = WorkerPool.isRunningChunk
                WorkerPool.markRunningChunk(true)
                run(t)
                WorkerPool.markRunningChunk(nested)
            }
        }
    }
}
