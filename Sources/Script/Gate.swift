import Foundation
import Synchronization

/// Turn-taking for cells that share one session: whoever holds the gate runs; a long cell hands
/// the gate to a waiting cell (a subshell's) at each loop step and takes it back when that cell
/// is done. So a user can look at a model between two steps of its training, and no two cells
/// ever touch the session at the same time.
final class Gate: @unchecked Sendable {
    private let condition = NSCondition()
    private var busy = false
    private let waiting = Atomic<Int>(0)

    /// Whether another cell waits for a turn (cheap: checked at every step).
    var isWaitedFor: Bool { waiting.load(ordering: .relaxed) > 0 }

    func enter() {
        condition.lock()
        waiting.add(1, ordering: .relaxed)
        while busy { condition.wait() }
        waiting.subtract(1, ordering: .relaxed)
        busy = true
        condition.broadcast()
        condition.unlock()
    }

    func leave() {
        condition.lock()
        busy = false
        condition.broadcast()
        condition.unlock()
    }

    /// Lets a waiting cell take the gate, waits for it to finish, and takes the gate back.
    func handOff() {
        condition.lock()
        guard waiting.load(ordering: .relaxed) > 0 else { condition.unlock(); return }
        busy = false
        condition.broadcast()
        // Until a waiter has actually taken the gate, do not compete for it again.
        while !busy && waiting.load(ordering: .relaxed) > 0 { condition.wait() }
        condition.unlock()
        enter()
    }
}
