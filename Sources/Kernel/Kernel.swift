import CZMQ
import Foundation
import Script
import Synchronization

/// A Jupyter kernel (messaging protocol 5.5) over ZeroMQ, driving any `Interpreter`.
///
/// Threads: the router thread owns the shell socket and hands each request to its worker — the
/// main shell's, or a subshell's (JEP 91, `subshell_id` in the header) — whose replies come back
/// through an in-process socket for the router to send. Workers run requests one at a time (an
/// execute may take minutes); the control thread answers interrupt, shutdown, kernel_info and
/// subshell management meanwhile and serves IOPub subscriptions; the heartbeat thread echoes.
public final class Kernel: @unchecked Sendable {
    let interpreter: Interpreter
    let info: KernelInfo
    let session = UUID().uuidString.lowercased()
    private let context: UnsafeMutableRawPointer
    private let shell, control, heartbeat: Socket
    let stdin: StdinChannel
    let iopub: IOPub
    private let verifier: Verifier
    private let replySigner: Signer
    let running = Atomic<Bool>(true)
    /// Execution count and history, shared by the main shell and subshells.
    let record = Mutex(ExecutionRecord())
    /// Replies from workers arrive here for the router to send on the shell socket.
    private let outboxEndpoint = "inproc://likewise-shell-replies-\(UUID().uuidString)"
    private let replies: Socket
    private let mainShell = ShellWorker(id: nil)
    let subshells = Mutex<[String: ShellWorker]>([:])

    public init(connection: ConnectionFile, interpreter: Interpreter, info: KernelInfo) throws {
        guard let context = zmq_ctx_new() else { throw KernelError.zmq("cannot create a context") }
        self.context = context
        self.interpreter = interpreter
        self.info = info
        func bind(_ type: Int32, _ port: Int) throws -> Socket {
            try Socket(context: context, type: type, endpoint: connection.endpoint(port), curveSecretKey: connection.curveSecretKey)
        }
        shell = try bind(ZMQ_ROUTER, connection.shellPort)
        control = try bind(ZMQ_ROUTER, connection.controlPort)
        let stdinSocket = try bind(ZMQ_ROUTER, connection.stdinPort)
        heartbeat = try bind(ZMQ_REP, connection.hbPort)
        let iopubSocket = try bind(ZMQ_XPUB, connection.iopubPort)
        replies = try Socket(context: context, type: ZMQ_PULL, endpoint: outboxEndpoint)
        replySigner = Signer(key: connection.key)
        verifier = Verifier(key: connection.key)
        stdin = StdinChannel(socket: stdinSocket, verifier: verifier, signer: replySigner, session: session)
        iopub = IOPub(socket: iopubSocket, session: session, signer: replySigner)
    }

    /// Serves until a shutdown request (Jupyter restarts a kernel by starting a new process).
    public func run() throws {
        let heartbeatThread = Thread { [self] in
            while running.load(ordering: .relaxed) {
                if heartbeat.poll(milliseconds: 100), let ping = heartbeat.receive() { heartbeat.send(ping) }
            }
        }
        let controlThread = Thread { [self] in
            while running.load(ordering: .relaxed) {
                iopub.serveSubscriptions()
                if control.poll(milliseconds: 20), let frames = control.receive(),
                   let message = verifier.parse(frames) {
                    handle(Exchange(request: message, socket: control, worker: nil))
                }
            }
        }
        try startWorker(mainShell)
        heartbeatThread.start()
        controlThread.start()
        iopub.publish("status", ["execution_state": "starting"], parent: nil)
        // For 2 ms after routing a request, poll without sleeping: its reply usually comes back
        // within that time, and a sleeping thread takes a quarter of a millisecond to wake here.
        var spinUntil: UInt64 = 0
        while running.load(ordering: .relaxed) {
            let spinning = DispatchTime.now().uptimeNanoseconds < spinUntil
            let ready = Socket.poll([shell, replies], milliseconds: spinning ? 0 : 50)
            if spinning && !ready.contains(true) { sched_yield() }
            if ready[1] { spinUntil = 0 }
            if ready[0] { spinUntil = DispatchTime.now().uptimeNanoseconds + 2_000_000 }
            if ready[1], let frames = replies.receive() { shell.send(frames) }
            if ready[0], let frames = shell.receive(), let message = verifier.parse(frames) {
                route(message)
            }
        }
        stdin.stopped.store(true, ordering: .relaxed)
        mainShell.running.store(false, ordering: .relaxed)
        subshells.withLock { for worker in $0.values { worker.running.store(false, ordering: .relaxed) } }
        // Let the other loops notice, and forward the last replies (the shutdown reply among them).
        let deadline = Date().addingTimeInterval(0.15)
        while Date() < deadline {
            if replies.poll(milliseconds: 10), let frames = replies.receive() { shell.send(frames) }
        }
    }

    /// Hands a shell request to the worker of its subshell (or the main shell).
    private func route(_ request: WireMessage) {
        guard let id = request.header["subshell_id"] as? String else { return mainShell.enqueue(request) }
        if let worker = subshells.withLock({ $0[id] }) { return worker.enqueue(request) }
        reply(Exchange(request: request, socket: shell, worker: nil), ErrorReply(ename: "SubshellError", evalue: "no subshell \(id)"))
    }

    /// Starts a worker thread whose replies travel through its own outbox socket to the router.
    func startWorker(_ worker: ShellWorker) throws {
        let outbox = try Socket(context: context, type: ZMQ_PUSH, connect: outboxEndpoint)
        worker.start { [self] message, worker in handle(Exchange(request: message, socket: outbox, worker: worker)) }
    }

    /// Sends the reply to `exchange`'s request: its type is the request's with `_reply` for `_request`.
    func reply(_ exchange: Exchange, _ content: [String: Any]) {
        let request = exchange.request
        let type = request.type.replacingOccurrences(of: "_request", with: "_reply")
        exchange.socket.send(WireMessage.frames(type: type, content: content, parent: request, identities: request.identities,
                                                session: session, signer: replySigner))
    }

    func reply(_ exchange: Exchange, _ content: some Encodable) { reply(exchange, WireMessage.object(content)) }

    /// A line in the kernel's log (its standard error, which the Jupyter server shows).
    static func log(_ text: String) { FileHandle.standardError.write(Data("likewise kernel: \(text)\n".utf8)) }

    /// Every message is wrapped in busy … idle on IOPub, with the message as parent, and goes to
    /// the handler of its type (Handlers.swift).
    func handle(_ exchange: Exchange) {
        let request = exchange.request
        iopub.publish("status", ["execution_state": "busy"], parent: request)
        defer { iopub.publish("status", ["execution_state": "idle"], parent: request) }
        guard let handler = Kernel.handlers[request.type] else { return Kernel.log("no handler for \(request.type)") }
        do {
            try handler(self)(exchange)
        } catch {
            // A content that does not decode. Only requests have replies; a comm message belongs
            // to no cell, so the log is the one place to say it.
            if request.type.hasSuffix("_request") {
                reply(exchange, ErrorReply(ename: "TypeError", evalue: "\(error)"))
            } else {
                Kernel.log("\(error): ignored")
            }
        }
    }

    deinit { zmq_ctx_shutdown(context) }
}

/// A message being handled, and the way back for its reply: the socket it goes on (control, or
/// the outbox of the worker running it) and that worker, whose queue a failed execute drains
/// (nil on control).
struct Exchange {
    let request: WireMessage
    let socket: Socket
    let worker: ShellWorker?
}
