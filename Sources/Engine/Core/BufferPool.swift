import Synchronization

/// A caching allocator for tensor storage, so that a training step reuses last step's buffers.
///
/// A training loop asks for the same sizes every step; a freed buffer goes back to a bucket of its
/// exact size and the next request of that size takes it, so after the first step no memory is
/// requested from the system at all (`likewise bench ops` prints the counts). Buffers are 64-byte
/// aligned for AVX-512 loads. Cached bytes are capped so that a user sweeping many sizes does not
/// hold memory forever; `trim()` returns all of them.
public final class BufferPool: Sendable {
    /// The pool the engine allocates from unless a piece of work binds another to `current`.
    public static let shared = BufferPool(cacheLimitBytes: 4 << 30)

    /// The pool new tensors take their storage from (a test or benchmark can measure its own work
    /// in a pool of its own); a buffer always returns to the pool it came from.
    @TaskLocal public static var current = BufferPool.shared

    /// What the pool has done since start-up; differences between two readings tell what a piece of
    /// work cost.
    public struct Statistics: Sendable, Equatable {
        /// Buffers obtained from the system.
        public var freshAllocations = 0
        /// Bytes obtained from the system.
        public var freshBytes = 0
        /// Requests served from the cache.
        public var reuses = 0
        /// Bytes currently cached, waiting for reuse.
        public var cachedBytes = 0
    }

    private struct State {
        var free: [Int: [UInt]] = [:]  // element count → addresses of cached buffers
        var stats = Statistics()
    }

    private let state = Mutex(State())
    private let cacheLimitBytes: Int

    /// A pool that caches at most `cacheLimitBytes` of freed buffers.
    public init(cacheLimitBytes: Int) { self.cacheLimitBytes = cacheLimitBytes }

    deinit { trim() }

    public var statistics: Statistics { state.withLock { $0.stats } }

    /// A buffer of `count` floats with unspecified contents.
    func take(_ count: Int) -> UnsafeMutablePointer<Float> {
        let reused: UInt? = state.withLock { s in
            guard var list = s.free[count], let address = list.popLast() else { return nil }
            s.free[count] = list
            s.stats.reuses += 1
            s.stats.cachedBytes -= count * 4
            return address
        }
        if let reused, let pointer = UnsafeMutablePointer<Float>(bitPattern: reused) { return pointer }
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64)
        state.withLock { s in
            s.stats.freshAllocations += 1
            s.stats.freshBytes += count * 4
        }
        return raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    /// Returns a buffer obtained from `take(count)`.
    func give(_ pointer: UnsafeMutablePointer<Float>, count: Int) {
        let cached = state.withLock { s in
            guard s.stats.cachedBytes + count * 4 <= cacheLimitBytes else { return false }
            s.free[count, default: []].append(UInt(bitPattern: pointer))
            s.stats.cachedBytes += count * 4
            return true
        }
        if !cached { pointer.deallocate() }
    }

    /// Frees every cached buffer.
    public func trim() {
        let addresses = state.withLock { s in
            let all = s.free.values.flatMap { $0 }
            s.free = [:]
            s.stats.cachedBytes = 0
            return all
        }
        for address in addresses { UnsafeMutablePointer<Float>(bitPattern: address)?.deallocate() }
    }
}

/// The memory behind one or more tensors (views share it). Returned to the pool when the last
/// tensor using it goes away.
final class Storage {
    let base: UnsafeMutablePointer<Float>
    let count: Int
    private let pool: BufferPool

    init(count: Int) {
        self.count = count
        pool = BufferPool.current
        base = pool.take(count)
    }

    deinit { pool.give(base, count: count) }
}
