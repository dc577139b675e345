import Foundation
@testable import Kernel
import Testing
import TestSupport

/// The request structs decode the protocol's snake_case fields, fill in its defaults, and name the
/// field at fault; the reply structs encode what the protocol spells.
@Suite(.hangLimit)
struct MessagesTests {
    func message(_ type: String, _ json: String) -> WireMessage {
        let content = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] ?? [:]
        return WireMessage(identities: [], header: ["msg_type": type, "msg_id": "m"], parentHeader: [:], metadata: [:],
                           content: content, buffers: [])
    }

    func problem<T: Decodable>(_ type: T.Type, _ msgType: String, _ json: String) -> String? {
        do { _ = try message(msgType, json).decode(T.self) } catch { return "\(error)" }
        return nil
    }

    @Test func missingOptionalFieldsTakeTheProtocolDefaults() throws {
        let execute = try message("execute_request", #"{"code": "1"}"#).decode(ExecuteRequest.self)
        #expect(!execute.silent && execute.storeHistory && !execute.allowStdin && execute.stopOnError)
        #expect(execute.userExpressions.isEmpty)
        let nulls = try message("execute_request", #"{"code": "1", "silent": null, "stop_on_error": null}"#).decode(ExecuteRequest.self)
        #expect(!nulls.silent && nulls.stopOnError)
        // The cursor defaults to the end, in code points: e + U+0301 is two of them, one Character.
        let complete = try message("complete_request", #"{"code": "e\u0301x"}"#).decode(CodeAtCursor.self)
        #expect(complete.cursorPos == 3 && complete.characterOffset == 2)
        let inspect = try message("inspect_request", "{}").decode(InspectRequest.self)
        #expect(inspect.place.code == "" && inspect.place.cursorPos == 0 && inspect.detailLevel == 0)
        let history = try message("history_request", #"{"hist_access_type": "range"}"#).decode(HistoryRequest.self)
        #expect(history.start == 1 && history.stop == Int.max && history.n == Int.max && history.pattern == "*" && !history.output)
        #expect(try message("history_request", #"{"hist_access_type": "tail"}"#).decode(HistoryRequest.self).n == 10)
        #expect(try !message("shutdown_request", "{}").decode(ShutdownRequest.self).restart)
    }

    @Test func aFieldOfTheWrongTypeIsNamed() {
        #expect(problem(ExecuteRequest.self, "execute_request", #"{"code": 5}"#) == "execute_request: content.code must be a string")
        #expect(problem(ExecuteRequest.self, "execute_request", "{}") == "execute_request: content.code is missing")
        #expect(problem(InspectRequest.self, "inspect_request", #"{"detail_level": "x"}"#)
                == "inspect_request: content.detail_level must be an integer")
        #expect(problem(ShutdownRequest.self, "shutdown_request", #"{"restart": 1}"#) == "shutdown_request: content.restart must be true or false")
        // Numbers that are not Ints, which Foundation's decoder calls invalid JSON without a place.
        for number in ["1.5", "9223372036854775808", "1e308"] {
            #expect(problem(CodeAtCursor.self, "complete_request", #"{"cursor_pos": \#(number)}"#)
                    == "complete_request: content.cursor_pos must be an integer")
        }
        // A user expression that is not a string fails on its own, in the reply.
        let request = try? message("execute_request", #"{"code": "1", "user_expressions": {"a": 5, "b": "2"}}"#).decode(ExecuteRequest.self)
        #expect(request?.userExpressions["a"]?.code == nil && request?.userExpressions["b"]?.code == "2")
    }

    @Test func repliesSpellTheProtocolsKeys() {
        let complete = WireMessage.object(CompleteReply(matches: ["synth"], cursorStart: 0, cursorEnd: 3,
                                                        metadata: .init(types: [.init(text: "synth", type: "command", start: 0, end: 3)])))
        #expect(complete["status"] as? String == "ok" && complete["cursor_start"] as? Int == 0 && complete["cursor_end"] as? Int == 3)
        let types = (complete["metadata"] as? [String: Any])?["_jupyter_types_experimental"] as? [[String: Any]]
        #expect(types?.first?["type"] as? String == "command")
        let error = WireMessage.object(ErrorReply(ename: "TypeError", evalue: "v", executionCount: 4))
        #expect(error["status"] as? String == "error" && error["execution_count"] as? Int == 4 && (error["traceback"] as? [String])?.isEmpty == true)
        #expect(WireMessage.object(ErrorReply(ename: "E", evalue: "v"))["execution_count"] == nil)
        let history = WireMessage.object(HistoryReply(history: [.init(count: 2, input: "1", output: "1"), .init(count: 3, input: "x", output: nil)]))
        let entries = history["history"] as? [[Any]]
        #expect(entries?[0][1] as? Int == 2 && entries?[0][2] as? [String] == ["1", "1"] && entries?[1][2] as? String == "x")
        #expect(WireMessage.object(IsCompleteReply(status: "complete")).keys.sorted() == ["status"])
        #expect(WireMessage.object(SubshellReply(subshellId: ["a"]))["subshell_id"] as? [String] == ["a"])
    }
}
