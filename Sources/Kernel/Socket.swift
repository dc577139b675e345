import CZMQ
import Foundation

/// A ZeroMQ socket: bind, send and receive multipart messages, poll. Each socket is used by one
/// thread at a time (IOPub, shared by the shell and control threads, behind a lock).
final class Socket: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer

    /// With `curveSecretKey` (Z85) the socket is a CurveZMQ server: clients must know its public key.
    init(context: UnsafeMutableRawPointer, type: Int32, endpoint: String, curveSecretKey: String? = nil) throws {
        guard let handle = zmq_socket(context, type) else { throw KernelError.zmq("cannot create a socket: \(Socket.lastError)") }
        self.handle = handle
        var linger: Int32 = 0
        zmq_setsockopt(handle, ZMQ_LINGER, &linger, MemoryLayout<Int32>.size)
        // A peer that sends a message over 512 MiB is disconnected instead of exhausting memory.
        var largest: Int64 = 512 << 20
        zmq_setsockopt(handle, ZMQ_MAXMSGSIZE, &largest, MemoryLayout<Int64>.size)
        if let curveSecretKey {
            var server: Int32 = 1
            let accepted = zmq_setsockopt(handle, ZMQ_CURVE_SERVER, &server, MemoryLayout<Int32>.size) == 0
                && curveSecretKey.withCString { zmq_setsockopt(handle, ZMQ_CURVE_SECRETKEY, $0, 41) } == 0
            guard accepted else {
                zmq_close(handle)
                throw KernelError.zmq("cannot make \(endpoint) a CurveZMQ server: \(Socket.lastError)")
            }
        }
        guard zmq_bind(handle, endpoint) == 0 else {
            zmq_close(handle)
            throw KernelError.zmq("cannot bind \(endpoint): \(Socket.lastError)")
        }
    }

    /// A socket connected (not bound) to `endpoint`: a worker's outbox to the shell router.
    init(context: UnsafeMutableRawPointer, type: Int32, connect endpoint: String) throws {
        guard let handle = zmq_socket(context, type) else { throw KernelError.zmq("cannot create a socket: \(Socket.lastError)") }
        self.handle = handle
        var linger: Int32 = 0
        zmq_setsockopt(handle, ZMQ_LINGER, &linger, MemoryLayout<Int32>.size)
        guard zmq_connect(handle, endpoint) == 0 else {
            zmq_close(handle)
            throw KernelError.zmq("cannot connect \(endpoint): \(Socket.lastError)")
        }
    }

    deinit { zmq_close(handle) }

    /// Which of `sockets` have a message within `milliseconds`.
    static func poll(_ sockets: [Socket], milliseconds: Int) -> [Bool] {
        var items = sockets.map { zmq_pollitem_t(socket: $0.handle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0) }
        guard zmq_poll(&items, Int32(items.count), milliseconds) > 0 else { return sockets.map { _ in false } }
        return items.map { $0.revents & Int16(ZMQ_POLLIN) != 0 }
    }

    static var lastError: String { String(cString: zmq_strerror(zmq_errno())) }

    /// Whether a message arrives within `milliseconds`.
    func poll(milliseconds: Int) -> Bool {
        var item = zmq_pollitem_t(socket: handle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0)
        return zmq_poll(&item, 1, milliseconds) > 0 && item.revents & Int16(ZMQ_POLLIN) != 0
    }

    /// All frames of the next message (waits for it).
    func receive() -> [Data]? {
        var frames: [Data] = []
        while true {
            var message = zmq_msg_t()
            zmq_msg_init(&message)
            defer { zmq_msg_close(&message) }
            guard zmq_msg_recv(&message, handle, 0) >= 0 else { return nil }
            frames.append(Data(bytes: zmq_msg_data(&message), count: zmq_msg_size(&message)))
            guard zmq_msg_more(&message) != 0 else { return frames }
            guard frames.count < 4096 else { return nil }  // a sender cannot make us hold unbounded frames
        }
    }

    func send(_ frames: [Data]) {
        for (i, frame) in frames.enumerated() {
            let flags: Int32 = i < frames.count - 1 ? ZMQ_SNDMORE : 0
            _ = frame.withUnsafeBytes { zmq_send(handle, $0.baseAddress, frame.count, flags) }
        }
    }
}
