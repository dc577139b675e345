import Foundation

// The contents of the requests the kernel takes and of the replies it sends, as the protocol
// spells them (snake_case keys, through CodingKeys: a key strategy would also rename the keys of
// dictionaries, such as user expressions' names and comm ids). A field the protocol makes optional
// takes the protocol's default when it is missing or null; one of the wrong type fails decoding,
// and the request gets an error reply naming it.

/// A request whose content does not decode: `description` names the request and the field.
struct MalformedRequest: Error, CustomStringConvertible {
    let description: String

    init(_ type: String, _ error: DecodingError) {
        func field(_ path: [CodingKey]) -> String { (["content"] + path.map(\.stringValue)).joined(separator: ".") }
        switch error {
        case let .typeMismatch(expected, context), let .valueNotFound(expected, context):
            description = "\(type): \(field(context.codingPath)) must be \(Self.kind(expected))"
        case let .keyNotFound(key, context):
            description = "\(type): \(field(context.codingPath + [key])) is missing"
        case let .dataCorrupted(context):
            description = "\(type): \(field(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            description = "\(type): \(error)"
        }
    }

    private static func kind(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type: "an integer"
        case is Bool.Type: "true or false"
        case is [Any].Type: "an array"
        default: "an object"
        }
    }
}

extension WireMessage {
    /// The content as a `T`. Parsing keeps content as Foundation objects (display data and comm
    /// data pass through as they are), so it is written back to JSON here for the decoder.
    func decode<T: Decodable>(_: T.Type) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: WireMessage.json(content))
        } catch let error as DecodingError {
            throw MalformedRequest(type, error)
        }
    }

    /// `value` as the Foundation objects that `frames` and IOPub take.
    static func object(_ value: some Encodable) -> [String: Any] {
        let data = (try? JSONEncoder().encode(value)) ?? Data("{}".utf8)
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    }
}

extension KeyedDecodingContainer {
    /// The value at `key`, or `fallback` when the key is missing or null.
    func decode<T: Decodable>(_ key: Key, or fallback: @autoclosure () -> T) throws -> T {
        do {
            return try decodeIfPresent(T.self, forKey: key) ?? fallback()
        } catch let error as DecodingError {
            throw error
        } catch {
            // Foundation's decoder throws an error of its own for a number that is no Int (1.5,
            // 2^63), and reports it as "not valid JSON" with no place: it is this field's type.
            throw DecodingError.typeMismatch(T.self, .init(codingPath: codingPath + [key], debugDescription: "a number of another kind"))
        }
    }
}

// MARK: Requests

struct ExecuteRequest: Decodable {
    let code: String
    let silent, storeHistory, allowStdin, stopOnError: Bool
    let userExpressions: [String: UserExpression]

    enum CodingKeys: String, CodingKey {
        case code, silent, storeHistory = "store_history", allowStdin = "allow_stdin", stopOnError = "stop_on_error"
        case userExpressions = "user_expressions"
    }

    init(from decoder: any Decoder) throws {
        let content = try decoder.container(keyedBy: CodingKeys.self)
        code = try content.decode(String.self, forKey: .code)
        silent = try content.decode(.silent, or: false)
        storeHistory = try content.decode(.storeHistory, or: true)
        allowStdin = try content.decode(.allowStdin, or: false)
        stopOnError = try content.decode(.stopOnError, or: true)
        userExpressions = try content.decode(.userExpressions, or: [:])
    }

    /// What stop_on_error says in a request that does not decode: the default when it is itself
    /// the field at fault, or missing.
    static func stopsOnError(_ content: [String: Any]) -> Bool { content["stop_on_error"] as? Bool ?? true }
}

/// A user expression's code, or nil when it is not a string: that one expression gets an error
/// in the reply, and the others are still evaluated.
struct UserExpression: Decodable {
    let code: String?
    init(from decoder: any Decoder) throws { code = try? decoder.singleValueContainer().decode(String.self) }
}

/// The code and cursor of a complete or inspect request. The cursor counts code points (see
/// CodePoints.swift) and defaults to the end of the code.
struct CodeAtCursor: Decodable {
    let code: String
    let cursorPos: Int

    enum CodingKeys: String, CodingKey { case code, cursorPos = "cursor_pos" }

    init(from decoder: any Decoder) throws {
        let content = try decoder.container(keyedBy: CodingKeys.self)
        code = try content.decode(.code, or: "")
        cursorPos = try content.decode(.cursorPos, or: code.unicodeScalars.count)
    }

    /// The cursor as the language counts: in Characters.
    var characterOffset: Int { code.characterOffset(ofCodePoint: cursorPos) }
}

struct InspectRequest: Decodable {
    let place: CodeAtCursor
    let detailLevel: Int

    enum CodingKeys: String, CodingKey { case detailLevel = "detail_level" }

    init(from decoder: any Decoder) throws {
        place = try CodeAtCursor(from: decoder)
        detailLevel = try decoder.container(keyedBy: CodingKeys.self).decode(.detailLevel, or: 0)
    }
}

struct IsCompleteRequest: Decodable {
    let code: String
    init(from decoder: any Decoder) throws { code = try decoder.container(keyedBy: CodeAtCursor.CodingKeys.self).decode(.code, or: "") }
}

/// What history_request asks for; `ExecutionRecord.entries(for:)` reads it.
struct HistoryRequest: Decodable {
    /// tail, range or search; any other asks for nothing.
    let histAccessType: String?
    let output, unique: Bool
    /// How many entries, the last ones (tail and search): by default 10 for tail, all for search.
    let n: Int
    /// The range's cells, start ≤ count < stop.
    let start, stop: Int
    /// A glob for search.
    let pattern: String

    enum CodingKeys: String, CodingKey { case histAccessType = "hist_access_type", output, unique, n, start, stop, pattern }

    init(from decoder: any Decoder) throws {
        let content = try decoder.container(keyedBy: CodingKeys.self)
        histAccessType = try content.decodeIfPresent(String.self, forKey: .histAccessType)
        output = try content.decode(.output, or: false)
        unique = try content.decode(.unique, or: false)
        n = try content.decode(.n, or: histAccessType == "tail" ? 10 : Int.max)
        start = try content.decode(.start, or: 1)
        stop = try content.decode(.stop, or: Int.max)
        pattern = try content.decode(.pattern, or: "*")
    }
}

struct CommInfoRequest: Decodable {
    /// Only the comms of this target; nil lists them all.
    let targetName: String?
    enum CodingKeys: String, CodingKey { case targetName = "target_name" }
}

/// comm_open and comm_close: which comm. (comm_msg's data goes to the interpreter as the
/// Foundation object it arrived as: its shape is the widget's business, not the protocol's.)
struct CommRequest: Decodable {
    let commId: String
    enum CodingKeys: String, CodingKey { case commId = "comm_id" }
}

struct DeleteSubshellRequest: Decodable {
    let subshellId: String
    enum CodingKeys: String, CodingKey { case subshellId = "subshell_id" }
}

struct ShutdownRequest: Decodable {
    let restart: Bool
    init(from decoder: any Decoder) throws {
        restart = try decoder.container(keyedBy: CodingKeys.self).decode(.restart, or: false)
    }
    enum CodingKeys: String, CodingKey { case restart }
}

// MARK: Replies
// execute_reply stays a dictionary: its user_expressions hold display data, which are Foundation
// objects from IOPubSink.data. kernel_info_reply is KernelInfo.content.

struct OKReply: Encodable { let status = "ok" }

struct ErrorReply: Encodable {
    let status = "error"
    let ename, evalue: String
    var traceback: [String] = []
    /// Set in an execute_reply, which always has one.
    var executionCount: Int?

    enum CodingKeys: String, CodingKey { case status, ename, evalue, traceback, executionCount = "execution_count" }
}

struct CompleteReply: Encodable {
    let status = "ok"
    let matches: [String]
    let cursorStart, cursorEnd: Int
    let metadata: Metadata

    struct Metadata: Encodable {
        let types: [Match]
        enum CodingKeys: String, CodingKey { case types = "_jupyter_types_experimental" }
    }

    /// A match with its kind (command, variable, …), which JupyterLab shows beside it.
    struct Match: Encodable {
        let text, type: String
        let start, end: Int
    }

    enum CodingKeys: String, CodingKey { case status, matches, cursorStart = "cursor_start", cursorEnd = "cursor_end", metadata }
}

struct InspectReply: Encodable {
    let status = "ok"
    let found: Bool
    let data: [String: String]
    let metadata: [String: String] = [:]
}

struct IsCompleteReply: Encodable {
    let status: String
    /// Only when incomplete: the indent of the next line.
    var indent: String?
}

struct HistoryReply: Encodable {
    let status = "ok"
    let history: [Entry]

    /// [session, count, input], or with output [session, count, [input, output]]; the session is
    /// always 0, this one.
    struct Entry: Encodable {
        let count: Int
        let input: String
        let output: String?

        func encode(to encoder: any Encoder) throws {
            var fields = encoder.unkeyedContainer()
            try fields.encode(0)
            try fields.encode(count)
            if let output { try fields.encode([input, output]) } else { try fields.encode(input) }
        }
    }
}

struct CommInfoReply: Encodable {
    let status = "ok"
    let comms: [String: Target]

    struct Target: Encodable {
        let targetName: String
        enum CodingKeys: String, CodingKey { case targetName = "target_name" }
    }
}

/// create_subshell_reply (one id) and list_subshell_reply (every id).
struct SubshellReply<ID: Encodable>: Encodable {
    let status = "ok"
    let subshellId: ID
    enum CodingKeys: String, CodingKey { case status, subshellId = "subshell_id" }
}

struct ShutdownReply: Encodable {
    let status = "ok"
    let restart: Bool
}
