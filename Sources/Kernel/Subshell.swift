import Foundation
import Synchronization

/// A queue of shell requests for one worker thread: the main shell, or a subshell (JEP 91).
/// The router thread, which alone owns the shell socket, fills it; the worker takes from it and
/// sends its replies through an `outbox` socket that the router forwards to the shell socket.
final class ShellWorker: @unchecked Sendable {
    let id: String?
    private let queue = Mutex<[WireMessage]>([])
    private let available = DispatchSemaphore(value: 0)
    let running = Atomic<Bool>(true)

    init(id: String?) { self.id = id }

    func enqueue(_ message: WireMessage) {
        queue.withLock { $0.append(message) }
        available.signal()
    }

    /// The next request, or nil after `timeout` seconds.
    func next(timeout: Double) -> WireMessage? {
        guard available.wait(timeout: .now() + timeout) == .success else { return nil }
        return queue.withLock { $0.isEmpty ? nil : $0.removeFirst() }
    }

    /// Takes every request waiting in the queue (after a failed cell with stop_on_error, the
    /// executes among them are aborted).
    func drain() -> [WireMessage] {
        let taken = queue.withLock { queue -> [WireMessage] in
            defer { queue.removeAll() }
            return queue
        }
        for _ in taken { _ = available.wait(timeout: .now()) }
        return taken
    }

    /// Starts the worker thread: it handles requests until stopped.
    func start(_ handle: @escaping @Sendable (WireMessage, ShellWorker) -> Void) {
        Thread { [self] in
            while running.load(ordering: .relaxed) {
                if let message = next(timeout: 0.1) { handle(message, self) }
            }
        }.start()
    }
}
