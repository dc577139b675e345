import Foundation
import Script

/// One handler per message type. Each decodes its content into its request struct (Messages.swift)
/// and answers with its reply; a content that does not decode throws, and `handle` answers it.
extension Kernel {
    typealias Handler = @Sendable (Kernel) -> (Exchange) throws -> Void

    /// The handler of each message type the kernel takes; `handle` logs any other.
    static let handlers: [String: Handler] = [
        "kernel_info_request": Kernel.kernelInfo,
        "execute_request": Kernel.execute,
        "complete_request": Kernel.complete,
        "inspect_request": Kernel.inspect,
        "is_complete_request": Kernel.isComplete,
        "history_request": Kernel.history,
        "comm_info_request": Kernel.commInfo,
        "comm_open": Kernel.commOpen,
        "comm_msg": Kernel.commMessage,
        "comm_close": Kernel.commClose,
        "interrupt_request": Kernel.interrupt,
        "create_subshell_request": Kernel.createSubshell,
        "delete_subshell_request": Kernel.deleteSubshell,
        "list_subshell_request": Kernel.listSubshells,
        "shutdown_request": Kernel.shutdown,
    ]

    /// What a cell queued behind a failed one shows instead of running.
    static let skippedNotice = "Not run: a cell before it failed, and running stops at the first error. Fix that cell, then run this one again.\n"

    private func kernelInfo(_ exchange: Exchange) { reply(exchange, info.content) }

    /// Runs a cell, then handles what must not run before it is answered (see `run`): the
    /// executes among them are aborted, the other requests handled as usual.
    private func execute(_ exchange: Exchange) {
        for request in run(exchange) {
            let queued = Exchange(request: request, socket: exchange.socket, worker: exchange.worker)
            guard request.type == "execute_request" else { handle(queued); continue }
            iopub.publish("status", ["execution_state": "busy"], parent: request)
            // Said in the skipped cell itself: a frontend shows an aborted cell blank.
            iopub.publish("stream", ["name": "stderr", "text": Kernel.skippedNotice], parent: request)
            reply(queued, ["status": "aborted", "execution_count": NSNull()])
            iopub.publish("status", ["execution_state": "idle"], parent: request)
        }
    }

    /// Runs a cell: its output on IOPub, its reply on the exchange's socket.
    ///
    /// Returns what must not run after it: when it fails with stop_on_error (or its request does
    /// not decode), as in ipykernel, the requests already queued behind it. They are taken before
    /// the error reply goes out, so that a cell the user runs after seeing the error runs: taken
    /// after, a busy machine could let that cell slip into the queue first.
    private func run(_ exchange: Exchange) -> [WireMessage] {
        func queuedBehindFailure(stopOnError: Bool) -> [WireMessage] { stopOnError ? exchange.worker?.drain() ?? [] : [] }
        let request: ExecuteRequest
        do {
            request = try exchange.request.decode(ExecuteRequest.self)
        } catch {
            // Not `handle`'s error reply: an execute_reply always has an execution count.
            let failure = ErrorReply(ename: "TypeError", evalue: "\(error)", executionCount: record.withLock { $0.count })
            let queued = queuedBehindFailure(stopOnError: ExecuteRequest.stopsOnError(exchange.request.content))
            reply(exchange, failure)
            return queued
        }
        let message = exchange.request, code = request.code
        let store = request.storeHistory && !request.silent
        let executionCount = record.withLock { state -> Int in
            if store { state.count += 1 }
            return state.count
        }
        if !request.silent { iopub.publish("execute_input", ["code": code, "execution_count": executionCount], parent: message) }
        stdin.interrupted.store(false, ordering: .relaxed)
        let sink = IOPubSink(iopub: iopub, parent: message, stdin: request.allowStdin ? stdin : nil)
        var output = ""
        var queued: [WireMessage] = []
        switch interpreter.execute(code, sink: sink) {
        case let .success(result):
            if let result, !request.silent {
                output = result.text
                iopub.publish("execute_result", ["execution_count": executionCount, "data": IOPubSink.data(result), "metadata": [String: Any]()],
                              parent: message)
            }
            reply(exchange, ["status": "ok", "execution_count": executionCount,
                             "user_expressions": userExpressions(request.userExpressions), "payload": [Any]()])
        case let .failure(error, traceback):
            var failure = ErrorReply(ename: error.kind.rawValue, evalue: error.description, traceback: traceback)
            iopub.publish("error", WireMessage.object(failure).filter { $0.key != "status" }, parent: message)
            failure.executionCount = executionCount
            queued = queuedBehindFailure(stopOnError: request.stopOnError)
            reply(exchange, failure)
            output = traceback.joined(separator: "\n")
        }
        if store { record.withLock { $0.history.append((executionCount, code, output)) } }
        return queued
    }

    /// Each named expression evaluated after the cell, quietly: its display data, or its error.
    private func userExpressions(_ expressions: [String: UserExpression]) -> [String: Any] {
        var results: [String: Any] = [:]
        for (name, expression) in expressions {
            guard let code = expression.code else {
                results[name] = WireMessage.object(ErrorReply(ename: "TypeError", evalue: "user expression '\(name)' is not a string"))
                continue
            }
            switch interpreter.execute(code, sink: SilentSink()) {
            case let .success(result):
                results[name] = ["status": "ok", "data": result.map(IOPubSink.data) ?? [:], "metadata": [String: Any]()]
            case let .failure(error, traceback):
                results[name] = WireMessage.object(ErrorReply(ename: error.kind.rawValue, evalue: error.description, traceback: traceback))
            }
        }
        return results
    }

    private func complete(_ exchange: Exchange) throws {
        let request = try exchange.request.decode(CodeAtCursor.self)
        let c = interpreter.complete(request.code, cursor: request.characterOffset)
        let start = request.code.codePointOffset(ofCharacter: c.start), end = request.code.codePointOffset(ofCharacter: c.end)
        let types = zip(c.matches, c.kinds).map { CompleteReply.Match(text: $0, type: $1, start: start, end: end) }
        reply(exchange, CompleteReply(matches: c.matches, cursorStart: start, cursorEnd: end, metadata: .init(types: types)))
    }

    private func inspect(_ exchange: Exchange) throws {
        let request = try exchange.request.decode(InspectRequest.self)
        let text = interpreter.inspect(request.place.code, cursor: request.place.characterOffset, detailLevel: request.detailLevel)
        reply(exchange, InspectReply(found: text != nil, data: text.map { ["text/plain": $0] } ?? [:]))
    }

    private func isComplete(_ exchange: Exchange) throws {
        let answer: IsCompleteReply = switch interpreter.isComplete(try exchange.request.decode(IsCompleteRequest.self).code) {
        case .complete: IsCompleteReply(status: "complete")
        case let .incomplete(indent): IsCompleteReply(status: "incomplete", indent: indent)
        case .invalid: IsCompleteReply(status: "invalid")
        }
        reply(exchange, answer)
    }

    private func history(_ exchange: Exchange) throws {
        let request = try exchange.request.decode(HistoryRequest.self)
        reply(exchange, HistoryReply(history: record.withLock { $0.entries(for: request) }))
    }

    private func commInfo(_ exchange: Exchange) throws {
        let target = try exchange.request.decode(CommInfoRequest.self).targetName
        let comms = interpreter.openComms().filter { target == nil || $0.value == target }.mapValues(CommInfoReply.Target.init)
        reply(exchange, CommInfoReply(comms: comms))
    }

    /// The kernel opens its widgets' comms itself and takes none from the frontend: it closes
    /// this one at once, as the protocol asks.
    private func commOpen(_ exchange: Exchange) throws {
        let id = try exchange.request.decode(CommRequest.self).commId
        iopub.publish("comm_close", ["comm_id": id, "data": [String: Any]()], parent: exchange.request)
    }

    /// A widget changed in the frontend (a slider moved). A message the kernel cannot take is
    /// logged where the server's log shows it: it belongs to no cell.
    private func commMessage(_ exchange: Exchange) throws {
        let id = try exchange.request.decode(CommRequest.self).commId
        guard let data = exchange.request.content["data"] as? [String: Any] else {
            return Kernel.log("comm_msg: content.data must be an object: ignored")
        }
        let sink = IOPubSink(iopub: iopub, parent: exchange.request, stdin: nil)
        if let problem = interpreter.receiveComm(id: id, data: data, sink: sink) { Kernel.log("comm_msg: \(problem)") }
    }

    private func commClose(_ exchange: Exchange) throws {
        interpreter.closeComm(id: try exchange.request.decode(CommRequest.self).commId)
    }

    private func interrupt(_ exchange: Exchange) {
        interpreter.interrupt()
        stdin.interrupted.store(true, ordering: .relaxed)
        reply(exchange, OKReply())
    }

    private func createSubshell(_ exchange: Exchange) {
        let id = UUID().uuidString.lowercased()
        let worker = ShellWorker(id: id)
        do {
            try startWorker(worker)
            subshells.withLock { $0[id] = worker }
            reply(exchange, SubshellReply(subshellId: id))
        } catch {
            reply(exchange, ErrorReply(ename: "SubshellError", evalue: "\(error)"))
        }
    }

    private func deleteSubshell(_ exchange: Exchange) throws {
        let id = try exchange.request.decode(DeleteSubshellRequest.self).subshellId
        if let worker = subshells.withLock({ $0.removeValue(forKey: id) }) {
            worker.running.store(false, ordering: .relaxed)
            reply(exchange, OKReply())
        } else {
            reply(exchange, ErrorReply(ename: "SubshellError", evalue: "no subshell \(id)"))
        }
    }

    private func listSubshells(_ exchange: Exchange) {
        reply(exchange, SubshellReply(subshellId: subshells.withLock { $0.keys.sorted() }))
    }

    private func shutdown(_ exchange: Exchange) throws {
        reply(exchange, ShutdownReply(restart: try exchange.request.decode(ShutdownRequest.self).restart))
        running.store(false, ordering: .relaxed)
    }
}
