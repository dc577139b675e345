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
    private let stdin: StdinChannel
    private let iopub: IOPub
    private let verifier: Verifier
    private let replySigner: Signer
    private let running = Atomic<Bool>(true)
    /// Execution count and history, shared by the main shell and subshells.
    private let record = Mutex(ExecutionRecord())
    /// Replies from workers arrive here for the router to send on the shell socket.
    private let outboxEndpoint = "inproc://likewise-shell-replies-\(UUID().uuidString)"
    private let replies: Socket
    private let mainShell = ShellWorker(id: nil)
    private let subshells = Mutex<[String: ShellWorker]>([:])

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
                    handle(message, on: control)
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
        reply(request, on: shell, Kernel.failure("SubshellError", "no subshell \(id)"))
    }

    /// Starts a worker thread whose replies travel through its own outbox socket to the router.
    private func startWorker(_ worker: ShellWorker) throws {
        let outbox = try Socket(context: context, type: ZMQ_PUSH, connect: outboxEndpoint)
        worker.start { [self] message, worker in handle(message, on: outbox, worker: worker) }
    }

    /// The content of an error reply (and, without "status", of an error message on IOPub).
    static func failure(_ name: String, _ value: String, traceback: [String] = []) -> [String: Any] {
        ["status": "error", "ename": name, "evalue": value, "traceback": traceback]
    }

    private func reply(_ request: WireMessage, on socket: Socket, _ content: [String: Any]) {
        let type = request.type.replacingOccurrences(of: "_request", with: "_reply")
        socket.send(WireMessage.frames(type: type, content: content, parent: request, identities: request.identities,
                                       session: session, signer: replySigner))
    }

    /// A line in the kernel's log (its standard error, which the Jupyter server shows).
    static func log(_ text: String) { FileHandle.standardError.write(Data("likewise kernel: \(text)\n".utf8)) }

    /// What a cell queued behind a failed one shows instead of running.
    static let skippedNotice = "Not run: a cell before it failed, and running stops at the first error. Fix that cell, then run this one again.\n"

    /// Every request is wrapped in busy … idle on IOPub, with the request as parent.
    private func handle(_ request: WireMessage, on socket: Socket, worker: ShellWorker? = nil) {
        iopub.publish("status", ["execution_state": "busy"], parent: request)
        defer { iopub.publish("status", ["execution_state": "idle"], parent: request) }
        let content = request.content
        switch request.type {
        case "kernel_info_request":
            reply(request, on: socket, info.content)
        case "execute_request":
            for queued in execute(request, on: socket, worker: worker) {
                guard queued.type == "execute_request" else { handle(queued, on: socket, worker: worker); continue }
                iopub.publish("status", ["execution_state": "busy"], parent: queued)
                // Said in the skipped cell itself: a frontend shows an aborted cell blank.
                iopub.publish("stream", ["name": "stderr", "text": Kernel.skippedNotice], parent: queued)
                reply(queued, on: socket, ["status": "aborted", "execution_count": NSNull()])
                iopub.publish("status", ["execution_state": "idle"], parent: queued)
            }
        case "complete_request":
            let code = content["code"] as? String ?? "", cursor = content["cursor_pos"] as? Int ?? code.count
            let c = interpreter.complete(code, cursor: code.characterOffset(ofCodePoint: cursor))
            let types = zip(c.matches, c.kinds).map { ["text": $0.0, "type": $0.1, "start": c.start, "end": c.end] as [String: Any] }
            reply(request, on: socket, ["status": "ok", "matches": c.matches, "cursor_start": code.codePointOffset(ofCharacter: c.start),
                                        "cursor_end": code.codePointOffset(ofCharacter: c.end),
                                        "metadata": ["_jupyter_types_experimental": types]])
        case "inspect_request":
            let code = content["code"] as? String ?? "", cursor = content["cursor_pos"] as? Int ?? code.count
            let text = interpreter.inspect(code, cursor: code.characterOffset(ofCodePoint: cursor), detailLevel: content["detail_level"] as? Int ?? 0)
            reply(request, on: socket, ["status": "ok", "found": text != nil, "data": text.map { ["text/plain": $0] } ?? [:], "metadata": [:]])
        case "is_complete_request":
            switch interpreter.isComplete(content["code"] as? String ?? "") {
            case .complete: reply(request, on: socket, ["status": "complete"])
            case let .incomplete(indent): reply(request, on: socket, ["status": "incomplete", "indent": indent])
            case .invalid: reply(request, on: socket, ["status": "invalid"])
            }
        case "history_request":
            reply(request, on: socket, ["status": "ok", "history": record.withLock { $0 }.entries(for: content)])
        case "comm_info_request":
            let target = content["target_name"] as? String
            let comms = interpreter.openComms().filter { target == nil || $0.value == target }.mapValues { ["target_name": $0] }
            reply(request, on: socket, ["status": "ok", "comms": comms])
        case "comm_open":
            // The kernel opens its widgets' comms itself and takes none from the frontend: close
            // it at once, as the protocol asks.
            iopub.publish("comm_close", ["comm_id": content["comm_id"] as? String ?? "", "data": [String: Any]()], parent: request)
        case "comm_msg":
            // A widget changed in the frontend (a slider moved). A message the kernel cannot
            // take is logged where the server's log shows it: it belongs to no cell.
            let sink = IOPubSink(iopub: iopub, parent: request, stdin: nil)
            guard let id = content["comm_id"] as? String, let data = content["data"] as? [String: Any] else {
                Kernel.log("comm_msg without a comm_id string and a data object: ignored")
                break
            }
            if let problem = interpreter.receiveComm(id: id, data: data, sink: sink) { Kernel.log("comm_msg: \(problem)") }
        case "comm_close":
            if let id = content["comm_id"] as? String { interpreter.closeComm(id: id) }
        case "interrupt_request":
            interpreter.interrupt()
            stdin.interrupted.store(true, ordering: .relaxed)
            reply(request, on: socket, ["status": "ok"])
        case "create_subshell_request":
            let id = UUID().uuidString.lowercased()
            let worker = ShellWorker(id: id)
            do {
                try startWorker(worker)
                subshells.withLock { $0[id] = worker }
                reply(request, on: socket, ["status": "ok", "subshell_id": id])
            } catch {
                reply(request, on: socket, Kernel.failure("SubshellError", "\(error)"))
            }
        case "delete_subshell_request":
            let id = content["subshell_id"] as? String ?? ""
            if let worker = subshells.withLock({ $0.removeValue(forKey: id) }) {
                worker.running.store(false, ordering: .relaxed)
                reply(request, on: socket, ["status": "ok"])
            } else {
                reply(request, on: socket, Kernel.failure("SubshellError", "no subshell \(id)"))
            }
        case "list_subshell_request":
            reply(request, on: socket, ["status": "ok", "subshell_id": subshells.withLock { Array($0.keys).sorted() }])
        case "shutdown_request":
            reply(request, on: socket, ["status": "ok", "restart": content["restart"] as? Bool ?? false])
            running.store(false, ordering: .relaxed)
        default:
            Kernel.log("no handler for \(request.type)")
        }
    }

    /// Runs a cell: its output on IOPub, its reply on `socket`.
    ///
    /// Returns what must not run after it: when it fails with stop_on_error, as in ipykernel, the
    /// requests already queued behind it (the executes among them are aborted). They are taken
    /// before the error reply goes out, so that a cell the user runs after seeing the error runs:
    /// taken after, a busy machine could let that cell slip into the queue first.
    private func execute(_ request: WireMessage, on socket: Socket, worker: ShellWorker?) -> [WireMessage] {
        func queuedBehindFailure() -> [WireMessage] {
            request.content["stop_on_error"] as? Bool ?? true ? worker?.drain() ?? [] : []
        }
        guard let code = request.content["code"] as? String else {
            var content = Kernel.failure("TypeError", "execute_request: content.code must be a string")
            content["execution_count"] = record.withLock { $0.count }
            let queued = queuedBehindFailure()
            reply(request, on: socket, content)
            return queued
        }
        let silent = request.content["silent"] as? Bool ?? false
        let store = (request.content["store_history"] as? Bool ?? true) && !silent
        let executionCount = record.withLock { state -> Int in
            if store { state.count += 1 }
            return state.count
        }
        if !silent { iopub.publish("execute_input", ["code": code, "execution_count": executionCount], parent: request) }
        stdin.interrupted.store(false, ordering: .relaxed)
        let sink = IOPubSink(iopub: iopub, parent: request, stdin: request.content["allow_stdin"] as? Bool ?? false ? stdin : nil)
        var output = ""
        var queued: [WireMessage] = []
        switch interpreter.execute(code, sink: sink) {
        case let .success(result):
            if let result, !silent {
                output = result.text
                iopub.publish("execute_result", ["execution_count": executionCount, "data": IOPubSink.data(result), "metadata": [String: Any]()],
                              parent: request)
            }
            reply(request, on: socket, ["status": "ok", "execution_count": executionCount,
                                        "user_expressions": userExpressions(request.content["user_expressions"]), "payload": [Any]()])
        case let .failure(error, traceback):
            var content = Kernel.failure(error.kind.rawValue, error.description, traceback: traceback)
            iopub.publish("error", content.filter { $0.key != "status" }, parent: request)
            content["execution_count"] = executionCount
            queued = queuedBehindFailure()
            reply(request, on: socket, content)
            output = traceback.joined(separator: "\n")
        }
        if store { record.withLock { $0.history.append((executionCount, code, output)) } }
        return queued
    }

    /// Each named expression evaluated after the cell, quietly: its display data, or its error.
    private func userExpressions(_ requested: Any?) -> [String: Any] {
        guard let expressions = requested as? [String: Any] else { return [:] }
        var results: [String: Any] = [:]
        for (name, value) in expressions {
            guard let code = value as? String else {
                results[name] = Kernel.failure("TypeError", "user expression '\(name)' is not a string")
                continue
            }
            switch interpreter.execute(code, sink: SilentSink()) {
            case let .success(result):
                results[name] = ["status": "ok", "data": result.map(IOPubSink.data) ?? [:], "metadata": [String: Any]()]
            case let .failure(error, traceback):
                results[name] = Kernel.failure(error.kind.rawValue, error.description, traceback: traceback)
            }
        }
        return results
    }

    deinit { zmq_ctx_shutdown(context) }
}
