import Crypto
import Foundation
import Synchronization

/// HMAC-SHA256 signatures of Jupyter messages (over header, parent header, metadata and content),
/// checked in constant time, with replays of a signature already seen refused, as ipykernel does.
struct Signer {
    private let key: SymmetricKey?
    private var seen: Set<String> = []
    private var order: [String] = []
    private static let remembered = 65536

    /// An empty key disables signing (Jupyter's convention for unauthenticated kernels).
    init(key: String) { self.key = key.isEmpty ? nil : SymmetricKey(data: Data(key.utf8)) }

    func sign(_ parts: [Data]) -> String {
        guard let key else { return "" }
        var mac = HMAC<SHA256>(key: key)
        for part in parts { mac.update(data: part) }
        return Data(mac.finalize()).map { String(format: "%02x", $0) }.joined()
    }

    /// Whether `signature` is right for `parts` and has not been seen before (then remembers it).
    mutating func accept(_ signature: String, for parts: [Data]) -> Bool {
        guard key != nil else { return true }
        let expected = Array(sign(parts).utf8), given = Array(signature.utf8)
        guard expected.count == given.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(expected, given) { difference |= a ^ b }
        guard difference == 0, !seen.contains(signature) else { return false }
        seen.insert(signature)
        order.append(signature)
        if order.count > Signer.remembered { seen.remove(order.removeFirst()) }
        return true
    }
}

/// One replay cache for every channel: a message captured on shell and replayed on control (or
/// stdin) is refused too. Channels verify from their own threads, so the cache is locked.
final class Verifier: Sendable {
    private let signer: Mutex<Signer>

    init(key: String) { signer = Mutex(Signer(key: key)) }

    /// The parsed message, or nil (logged) when it is malformed, unsigned or replayed.
    func parse(_ frames: [Data]) -> WireMessage? {
        signer.withLock { WireMessage.parse(frames, signer: &$0) }
    }
}
