import Foundation
import Synchronization

/// A queue of shell requests for one worker thread: the main shell, or a subshell (JEP 91).
/// The router thread, which alone owns the shell socket, fills it; the worker takes from it and
/// sends its replies through an `outbox` socket that the router forwards to the shell socket.
final class ShellWorker: @unchecked Sendable {
    let id: String?
    private var queue: [WireMessage] = []
    private let condition = NSCondition()
    let running = Atomic<Bool>(true)

    init(id: String?) { self.id = id }

    func enqueue(_ message: WireMessage) {
        condition.lock()
        queue.append(message)
        condition.signal()
        condition.unlock()
    }

    /// The next request, or nil after `timeout` seconds. Right after a request the worker spins
    /// for 2 ms before sleeping: requests tend to follow each other closely (a notebook running
    /// its cells, a frontend's completion as the user types), and waking a sleeping thread costs
    /// a quarter of a millisecond on this kind of machine.
    func next(timeout: Double, spinning: Bool) -> WireMessage? {
        if spinning {
            let until = DispatchTime.now().uptimeNanoseconds + 2_000_000
            while DispatchTime.now().uptimeNanoseconds < until {
                condition.lock()
                if !queue.isEmpty { defer { condition.unlock() }; return queue.removeFirst() }
                condition.unlock()
                sched_yield()
            }
        }
        condition.lock()
        defer { condition.unlock() }
        if queue.isEmpty { _ = condition.wait(until: Date().addingTimeInterval(timeout)) }
        return queue.isEmpty ? nil : queue.removeFirst()
    }

    /// Takes every request waiting in the queue (after a failed cell with stop_on_error, the
    /// executes among them are aborted).
    func drain() -> [WireMessage] {
        condition.lock()
        defer { condition.unlock() }
        let taken = queue
        queue.removeAll()
        return taken
    }

    /// Starts the worker thread: it handles requests until stopped.
    func start(_ handle: @escaping @Sendable (WireMessage, ShellWorker) -> Void) {
        Thread { [self] in
            var busy = false
            while running.load(ordering: .relaxed) {
                let message = next(timeout: 0.1, spinning: busy)
                if let message { handle(message, self) }
                busy = message != nil
            }
        }.start()
    }
}
