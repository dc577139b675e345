import Foundation

/// A Jupyter message as it crosses the wire: routing identities, `<IDS|MSG>`, the signature, four
/// JSON dictionaries and any binary buffers. Unchecked Sendable: its JSON values are plain
/// Foundation objects, never mutated after parsing, and handed from the router to one worker.
struct WireMessage: @unchecked Sendable {
    static let delimiter = Data("<IDS|MSG>".utf8)

    var identities: [Data]
    var header: [String: Any]
    var parentHeader: [String: Any]
    var metadata: [String: Any]
    var content: [String: Any]
    var buffers: [Data]

    var type: String { header["msg_type"] as? String ?? "" }

    /// Parses frames, verifying the signature; nil (and a line on stderr saying why) for anything
    /// malformed, unsigned or replayed.
    static func parse(_ frames: [Data], signer: inout Signer) -> WireMessage? {
        guard let split = frames.firstIndex(of: delimiter) else { return reject("no <IDS|MSG> delimiter") }
        let rest = Array(frames[(split + 1)...])
        guard rest.count >= 5 else { return reject("\(rest.count) frames after the delimiter, expected at least 5") }
        let signature = String(decoding: rest[0], as: UTF8.self)
        guard signer.accept(signature, for: Array(rest[1...4])) else { return reject("bad, missing or replayed signature") }
        func dictionary(_ data: Data, _ name: String) -> [String: Any]? {
            (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        }
        guard let header = dictionary(rest[1], "header"), let parent = dictionary(rest[2], "parent_header"),
              let metadata = dictionary(rest[3], "metadata"), let content = dictionary(rest[4], "content") else {
            return reject("a part is not a JSON object")
        }
        guard header["msg_type"] is String, header["msg_id"] is String else { return reject("header without msg_type or msg_id") }
        return WireMessage(identities: Array(frames[..<split]), header: header, parentHeader: parent,
                           metadata: metadata, content: content, buffers: Array(rest.dropFirst(5)))
    }

    private static func reject(_ why: String) -> WireMessage? {
        FileHandle.standardError.write(Data("likewise kernel: dropped a message: \(why)\n".utf8))
        return nil
    }

    /// Frames for a new message of `type` answering `parent`, signed.
    static func frames(type: String, content: [String: Any], parent: WireMessage?, identities: [Data], session: String,
                       signer: Signer, metadata: [String: Any] = [:], buffers: [Data] = []) -> [Data] {
        var header: [String: Any] = [
            "msg_id": UUID().uuidString.lowercased(), "session": session, "username": "likewise",
            "date": WireMessage.timestamp(), "msg_type": type, "version": "5.5",
        ]
        if let subshell = parent?.header["subshell_id"] { header["subshell_id"] = subshell }
        let parts = [header, parent?.header ?? [:], metadata, content].map(json)
        // The signature covers the four JSON parts; binary buffers follow them unsigned.
        return identities + [delimiter, Data(signer.sign(parts).utf8)] + parts + buffers
    }

    static func json(_ object: [String: Any]) -> Data {
        (try? JSONSerialization.data(withJSONObject: object)) ?? Data("{}".utf8)
    }

    /// Now as ISO 8601 UTC with microseconds (`2026-11-25T19:02:11.123456Z`), formatted by hand:
    /// Foundation's ISO8601DateFormatter cost a tenth of a millisecond per message here.
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var parts = tm()
        var seconds = now.tv_sec
        gmtime_r(&seconds, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                      parts.tm_hour, parts.tm_min, parts.tm_sec, Int32(now.tv_nsec / 1000))
    }
}
