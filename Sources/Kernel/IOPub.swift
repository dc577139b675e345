import Foundation
import Script
import Synchronization

/// The IOPub channel: every status, stream, display and result goes out here, from the shell and
/// control threads alike, so sends are serialised by a lock.
final class IOPub: @unchecked Sendable {
    private let socket: Socket
    private let lock = Mutex(())
    private let session: String
    private let signer: Signer

    init(socket: Socket, session: String, signer: Signer) {
        (self.socket, self.session, self.signer) = (socket, session, signer)
    }

    func publish(_ type: String, _ content: [String: Any], parent: WireMessage?, metadata: [String: Any] = [:], buffers: [Data] = []) {
        let frames = WireMessage.frames(type: type, content: content, parent: parent, identities: [Data("kernel.\(type)".utf8)],
                                        session: session, signer: signer, metadata: metadata, buffers: buffers)
        lock.withLock { _ in socket.send(frames) }
    }

    /// With XPUB, a new subscriber's subscription arrives here; each gets an `iopub_welcome`
    /// (protocol 5.5), so that a client knows its subscription is live.
    func serveSubscriptions() {
        let subscription: [Data]? = lock.withLock { _ in socket.poll(milliseconds: 0) ? socket.receive() : nil }
        guard let frame = subscription?.first, frame.first == 1 else { return }
        let topic = String(decoding: frame.dropFirst(), as: UTF8.self)
        publish("iopub_welcome", ["subscription": topic], parent: nil)
    }
}

/// Shows a cell's output on IOPub, each message answering the request being executed.
final class IOPubSink: DisplaySink {
    let iopub: IOPub
    let parent: WireMessage
    /// Nil when the request said allow_stdin: false.
    let stdin: StdinChannel?

    init(iopub: IOPub, parent: WireMessage, stdin: StdinChannel?) { (self.iopub, self.parent, self.stdin) = (iopub, parent, stdin) }

    static func data(_ bundle: DisplayBundle) -> [String: Any] {
        var data: [String: Any] = ["text/plain": bundle.text]
        if let png = bundle.png { data["image/png"] = Data(png).base64EncodedString() }
        if let html = bundle.html { data["text/html"] = html }
        if let widget = bundle.widget {
            data["application/vnd.jupyter.widget-view+json"] = ["model_id": widget, "version_major": 2, "version_minor": 1]
        }
        return data
    }

    func display(_ bundle: DisplayBundle, id: String?) {
        var content: [String: Any] = ["data": IOPubSink.data(bundle), "metadata": [String: Any]()]
        if let id { content["transient"] = ["display_id": id] }
        iopub.publish("display_data", content, parent: parent)
    }

    func update(_ bundle: DisplayBundle, id: String) {
        iopub.publish("update_display_data", ["data": IOPubSink.data(bundle), "metadata": [String: Any](), "transient": ["display_id": id]],
                      parent: parent)
    }

    private var shownProgress: Set<String> = []

    /// A progress line is a display updated in place. Its display id is the command's ("train")
    /// made this request's own: Jupyter updates every output with a display id, so a shared one
    /// would rewrite an earlier cell's finished line with a later cell's progress.
    func progress(_ text: String, id: String) {
        let bundle = DisplayBundle(text: text, html: "<pre>\(text)</pre>")
        let own = "\(id)-\(parent.header["msg_id"] as? String ?? "")"
        if shownProgress.insert(own).inserted { display(bundle, id: own) } else { update(bundle, id: own) }
    }

    func stream(_ text: String, toStandardError: Bool) {
        iopub.publish("stream", ["name": toStandardError ? "stderr" : "stdout", "text": text], parent: parent)
    }

    func clear(wait: Bool) { iopub.publish("clear_output", ["wait": wait], parent: parent) }

    func input(_ prompt: String, password: Bool) throws -> String {
        guard let stdin else { throw ScriptError(.io, "input: this frontend does not take input (allow_stdin is false)") }
        return try stdin.ask(prompt, password: password, parent: parent)
    }

    var comms: CommChannel? { self }
}

/// Widgets' comms go out on IOPub under the request being answered.
extension IOPubSink: CommChannel {
    func open(comm id: String, target: String, data: [String: Any], metadata: [String: Any], buffers: [[UInt8]]) {
        iopub.publish("comm_open", ["comm_id": id, "target_name": target, "data": data], parent: parent, metadata: metadata,
                      buffers: buffers.map { Data($0) })
    }

    func send(comm id: String, data: [String: Any], buffers: [[UInt8]]) {
        iopub.publish("comm_msg", ["comm_id": id, "data": data], parent: parent, buffers: buffers.map { Data($0) })
    }
}

