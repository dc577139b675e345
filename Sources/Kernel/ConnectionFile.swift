import Foundation

/// The connection file Jupyter writes for a kernel: transport, address, five ports and the key
/// that signs every message.
public struct ConnectionFile: Decodable, Sendable {
    public let transport: String
    public let ip: String
    public let shellPort: Int
    public let iopubPort: Int
    public let stdinPort: Int
    public let controlPort: Int
    public let hbPort: Int
    public let key: String
    public let signatureScheme: String
    /// CurveZMQ server keys (Z85, 40 characters each): when present every socket is encrypted.
    public let curvePublicKey: String?
    public let curveSecretKey: String?

    enum CodingKeys: String, CodingKey {
        case transport, ip, key
        case curvePublicKey = "curve_publickey", curveSecretKey = "curve_secretkey"
        case shellPort = "shell_port", iopubPort = "iopub_port", stdinPort = "stdin_port"
        case controlPort = "control_port", hbPort = "hb_port", signatureScheme = "signature_scheme"
    }

    /// Reads and checks a connection file; every problem is an error naming the file and the field.
    public static func load(_ path: String) throws -> ConnectionFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw KernelError.connectionFile(path, "cannot be read")
        }
        let file: ConnectionFile
        do {
            file = try JSONDecoder().decode(ConnectionFile.self, from: data)
        } catch let DecodingError.keyNotFound(key, _) {
            throw KernelError.connectionFile(path, "missing \"\(key.stringValue)\"")
        } catch let DecodingError.typeMismatch(_, context) {
            throw KernelError.connectionFile(path, "\"\(context.codingPath.map(\.stringValue).joined(separator: "."))\" has the wrong type")
        } catch {
            throw KernelError.connectionFile(path, "is not valid JSON")
        }
        guard ["tcp", "ipc"].contains(file.transport) else {
            throw KernelError.connectionFile(path, "transport must be tcp or ipc, got \"\(file.transport)\"")
        }
        guard file.signatureScheme == "hmac-sha256" else {
            throw KernelError.connectionFile(path, "signature_scheme must be hmac-sha256, got \"\(file.signatureScheme)\"")
        }
        if let secret = file.curveSecretKey, secret.utf8.count != 40 {
            throw KernelError.connectionFile(path, "curve_secretkey must be 40 Z85 characters, got \(secret.utf8.count)")
        }
        for (name, port) in [("shell_port", file.shellPort), ("iopub_port", file.iopubPort), ("stdin_port", file.stdinPort),
                             ("control_port", file.controlPort), ("hb_port", file.hbPort)] where !(0...65535).contains(port) {
            throw KernelError.connectionFile(path, "\(name) \(port) is not a port")
        }
        return file
    }

    /// The ZeroMQ endpoint for `port`: `tcp://ip:port`, or `ipc://ip-port` (ipykernel's convention).
    func endpoint(_ port: Int) -> String {
        transport == "tcp" ? "tcp://\(ip):\(port)" : "ipc://\(ip)-\(port)"
    }
}

/// Problems that stop a kernel from starting.
public enum KernelError: Error, CustomStringConvertible {
    case connectionFile(String, String)
    case zmq(String)

    public var description: String {
        switch self {
        case let .connectionFile(path, problem): return "connection file \(path): \(problem)"
        case let .zmq(problem): return "ZeroMQ: \(problem)"
        }
    }
}
