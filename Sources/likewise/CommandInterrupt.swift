import Foundation
import Synchronization

/// Ctrl-C for a command that writes files as it goes (`apply`). Killed at once, a process can
/// die inside an atomic write and leave its temporary file beside the pictures; so the first
/// SIGINT only asks the job to stop at its next check — before the next file, or inside an edit —
/// and a second one ends the process at once, for a job that does not stop.
enum CommandInterrupt {
    private static let requested = Atomic<Bool>(false)

    /// What `check` throws once Ctrl-C was pressed.
    struct Requested: Error {}

    /// Catches SIGINT from now on.
    static func install() {
        signal(SIGINT) { _ in
            if CommandInterrupt.requested.exchange(true, ordering: .relaxed) { _exit(130) }
        }
    }

    /// Throws `Requested` once Ctrl-C was pressed: a job's `checkInterrupt`.
    static func check() throws {
        if requested.load(ordering: .relaxed) { throw Requested() }
    }
}
