@testable import Engine
import Foundation
import Testing
import TestSupport

/// The engine's worker pool: every chunk of every job runs exactly once, whoever runs it; jobs
/// from several tasks at once all complete; a loop inside a chunk stays on its thread; a sleeping
/// worker wakes for the next job.
@Suite(.hangLimit)
struct WorkerPoolTests {
    /// Runs `jobs` jobs of `chunks` chunks on `pool`, each chunk counting itself in its own slot.
    private func countRuns(on pool: WorkerPool, chunks: Int, jobs: Int) -> [Int] {
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: chunks)
        defer { counts.deallocate() }
        counts.initialize(repeating: 0, count: chunks)
        for _ in 0..<jobs {
            #expect(pool.run(chunks: chunks) { t in counts[t] += 1 })
        }
        return Array(UnsafeBufferPointer(start: counts, count: chunks))
    }

    @Test func everyChunkOfEveryJobRunsOnce() {
        let pool = WorkerPool()
        for chunks in [2, 3, 8, 64] {
            #expect(countRuns(on: pool, chunks: chunks, jobs: 300) == Array(repeating: 300, count: chunks), "\(chunks) chunks")
        }
    }

    @Test func aBusyPoolRefusesAJobWithoutRunningIt() {
        let pool = WorkerPool()
        var refused = false, ran = false
        #expect(pool.run(chunks: 2) { t in
            if t == 0 { refused = !pool.run(chunks: 2) { _ in ran = true } }
        })
        #expect(refused && !ran)
    }

    @Test func loopsFromSeveralTasksAtOnceAllAddUp() async {
        let n = 100_000
        await withTaskGroup(of: Double.self) { group in
            for task in 0..<6 {
                group.addTask {
                    Threads.within(Threads.Scope(count: 2 + task % 3)) {
                        let values = UnsafeMutablePointer<Double>.allocate(capacity: n)
                        defer { values.deallocate() }
                        var total = 0.0
                        for _ in 0..<50 {
                            Threads.parallelFor(n, grain: 1000) { r in for i in r { values[i] = Double(i) } }
                            total = (0..<n).reduce(0) { $0 + values[$1] }
                        }
                        return total
                    }
                }
            }
            for await total in group { #expect(total == Double(n) * Double(n - 1) / 2) }
        }
    }

    @Test func aLoopInsideAChunkRunsOnTheChunksThread() {
        let chunks = 4
        let sameThread = UnsafeMutablePointer<Bool>.allocate(capacity: chunks)
        defer { sameThread.deallocate() }
        sameThread.initialize(repeating: false, count: chunks)
        Threads.within(Threads.Scope(count: chunks)) {
            Threads.parallelFor(chunks, grain: 1) { outer in
                let thread = pthread_self()
                var inner = true
                Threads.parallelFor(10_000, grain: 1) { _ in inner = inner && pthread_equal(pthread_self(), thread) != 0 }
                for t in outer { sameThread[t] = inner }
            }
        }
        #expect(Array(UnsafeBufferPointer(start: sameThread, count: chunks)) == Array(repeating: true, count: chunks))
    }

    /// After a pause longer than a worker spins, its chunk is still run by it (not only by the
    /// caller, which would run every chunk itself if the worker never woke).
    @Test func aSleepingWorkerWakesForTheNextJob() {
        let pool = WorkerPool()
        let caller = pthread_self()
        var workerRan = false
        for _ in 0..<20 where !workerRan {
            Thread.sleep(forTimeInterval: 0.005)
            _ = pool.run(chunks: 2) { t in
                Thread.sleep(forTimeInterval: 0.002)
                if t == 1 && pthread_equal(pthread_self(), caller) == 0 { workerRan = true }
            }
        }
        #expect(workerRan)
    }
}
