import Foundation
import Script
import Synchronization

/// The stdin channel: `input(…)` in a cell sends an input_request to the frontend that sent the
/// execute_request (same identities) and waits for its input_reply. An interrupt ends the wait.
final class StdinChannel: @unchecked Sendable {
    private let socket: Socket
    private let lock = Mutex(())
    private let verifier: Verifier
    private let replySigner: Signer
    private let session: String
    /// Set by interrupt_request, cleared when a cell starts: a pending input gives up.
    let interrupted = Atomic<Bool>(false)
    /// Set when the kernel shuts down.
    let stopped = Atomic<Bool>(false)

    init(socket: Socket, verifier: Verifier, signer: Signer, session: String) {
        self.socket = socket
        self.verifier = verifier
        self.replySigner = signer
        self.session = session
    }

    func ask(_ prompt: String, password: Bool, parent: WireMessage) throws -> String {
        try lock.withLock { _ in
            socket.send(WireMessage.frames(type: "input_request", content: ["prompt": prompt, "password": password],
                                           parent: parent, identities: parent.identities, session: session, signer: replySigner))
            while !stopped.load(ordering: .relaxed) {
                if interrupted.load(ordering: .relaxed) { throw ScriptError(.interrupted, "interrupted while waiting for input") }
                guard socket.poll(milliseconds: 50), let frames = socket.receive(),
                      let reply = verifier.parse(frames), reply.type == "input_reply" else { continue }
                return reply.content["value"] as? String ?? ""
            }
            throw ScriptError(.interrupted, "the kernel is shutting down")
        }
    }
}
