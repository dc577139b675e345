import Foundation
@testable import Kernel
import Testing
import TestSupport

@Suite(.hangLimit)
struct SignerTests {
    @Test func signsWithHMACSHA256() {
        // RFC 4231, test case 2: key "Jefe", data "what do ya want for nothing?".
        let signer = Signer(key: "Jefe")
        #expect(signer.sign([Data("what do ya want ".utf8), Data("for nothing?".utf8)])
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test func acceptsAGoodSignatureOnceAndRefusesBadOnes() {
        var signer = Signer(key: "secret")
        let parts = [Data("{}".utf8), Data("{}".utf8), Data("{}".utf8), Data("{\"a\":1}".utf8)]
        let good = signer.sign(parts)
        let flipped = String(good.dropLast()) + (good.hasSuffix("0") ? "1" : "0")
        let wrongSignature = signer.accept(flipped, for: parts)
        let noSignature = signer.accept("", for: parts)
        let otherContent = signer.accept(good, for: [Data("{}".utf8), Data("{}".utf8), Data("{}".utf8), Data("{\"a\":2}".utf8)])
        let first = signer.accept(good, for: parts)
        let replay = signer.accept(good, for: parts)
        #expect(!wrongSignature && !noSignature && !otherContent)
        #expect(first)
        #expect(!replay)
    }

    @Test func anEmptyKeyMeansUnsigned() {
        var signer = Signer(key: "")
        #expect(signer.sign([Data("x".utf8)]) == "")
        let accepted = signer.accept("", for: [])
        #expect(accepted)
    }
}

@Suite(.hangLimit)
struct WireMessageTests {
    func frames(_ signer: Signer, type: String = "kernel_info_request", extra: [Data] = []) -> [Data] {
        let header = WireMessage.json(["msg_id": "1", "msg_type": type, "session": "s", "username": "u", "version": "5.5"])
        let parts = [header, Data("{}".utf8), Data("{}".utf8), Data("{}".utf8)]
        return [Data("client-id".utf8), WireMessage.delimiter, Data(signer.sign(parts).utf8)] + parts + extra
    }

    @Test func parsesIdentitiesPartsAndBuffers() throws {
        var signer = Signer(key: "k")
        let message = try #require(WireMessage.parse(frames(signer, extra: [Data([1, 2, 3])]), signer: &signer))
        #expect(message.identities == [Data("client-id".utf8)])
        #expect(message.type == "kernel_info_request")
        #expect(message.buffers == [Data([1, 2, 3])])
    }

    @Test func repliesAreSignedAndAddressedToTheRequester() throws {
        var signer = Signer(key: "k")
        let request = try #require(WireMessage.parse(frames(signer), signer: &signer))
        let reply = WireMessage.frames(type: "kernel_info_reply", content: ["status": "ok"], parent: request,
                                       identities: request.identities, session: "kernel", signer: signer)
        var verifier = Signer(key: "k")
        let parsed = try #require(WireMessage.parse(reply, signer: &verifier))
        #expect(parsed.identities == request.identities)
        #expect(parsed.parentHeader["msg_id"] as? String == "1")
        #expect(parsed.content["status"] as? String == "ok")
        #expect(parsed.header["version"] as? String == "5.5")
    }

    @Test func malformedMessagesAreDropped() {
        var signer = Signer(key: "k")
        let good = frames(signer)
        #expect(WireMessage.parse(Array(good.prefix(5)), signer: &signer) == nil)                 // truncated
        #expect(WireMessage.parse(good.filter { $0 != WireMessage.delimiter }, signer: &signer) == nil)  // no delimiter
        // Correctly signed, so that it is the JSON check that refuses each of these.
        for (part, bad) in [(0, "not json"), (3, "[1, 2]"), (1, "null"), (2, "{")] {
            var parts = Array(good[3...6])
            parts[part] = Data(bad.utf8)
            let signed = [good[0], WireMessage.delimiter, Data(signer.sign(parts).utf8)] + parts
            #expect(WireMessage.parse(signed, signer: &signer) == nil, "part \(part) = \(bad)")
        }
        let noType = [WireMessage.json(["msg_id": "2"]), Data("{}".utf8), Data("{}".utf8), Data("{}".utf8)]
        #expect(WireMessage.parse([good[0], WireMessage.delimiter, Data(signer.sign(noType).utf8)] + noType, signer: &signer) == nil)
        var forged = good
        forged[6] = Data("{\"code\": 1}".utf8)
        #expect(WireMessage.parse(forged, signer: &signer) == nil)                                // fails the signature
        var unsigned = good
        unsigned[2] = Data()
        #expect(WireMessage.parse(unsigned, signer: &signer) == nil)
        #expect(WireMessage.parse(good, signer: &signer) != nil)
        #expect(WireMessage.parse(good, signer: &signer) == nil)                                  // replayed
    }
}

@Suite(.hangLimit)
struct ConnectionFileTests {
    func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("likewise-cf-\(UInt32.random(in: 0...UInt32.max)).json").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    let valid = #"{"transport": "tcp", "ip": "127.0.0.1", "shell_port": 1, "iopub_port": 2, "stdin_port": 3, "control_port": 4, "hb_port": 5, "key": "abc", "signature_scheme": "hmac-sha256"}"#

    @Test func readsAValidFile() throws {
        let file = try ConnectionFile.load(try write(valid))
        #expect(file.endpoint(file.shellPort) == "tcp://127.0.0.1:1")
        #expect(file.key == "abc")
    }

    @Test(arguments: [
        (#"{"transport": "tcp"}"#, "missing \"ip\""),
        ("not json", "is not valid JSON"),
        (#"{"transport": "udp", "ip": "x", "shell_port": 1, "iopub_port": 2, "stdin_port": 3, "control_port": 4, "hb_port": 5, "key": "", "signature_scheme": "hmac-sha256"}"#, "transport must be tcp or ipc, got \"udp\""),
        (#"{"transport": "tcp", "ip": "x", "shell_port": "one", "iopub_port": 2, "stdin_port": 3, "control_port": 4, "hb_port": 5, "key": "", "signature_scheme": "hmac-sha256"}"#, "\"shell_port\" has the wrong type"),
        (#"{"transport": "tcp", "ip": "x", "shell_port": 1, "iopub_port": 2, "stdin_port": 3, "control_port": 4, "hb_port": 99999, "key": "", "signature_scheme": "hmac-sha256"}"#, "hb_port 99999 is not a port"),
        (#"{"transport": "tcp", "ip": "x", "shell_port": 1, "iopub_port": 2, "stdin_port": 3, "control_port": 4, "hb_port": 5, "key": "", "signature_scheme": "hmac-md5"}"#, "signature_scheme must be hmac-sha256, got \"hmac-md5\""),
    ])
    func problemsNameTheFileAndTheField(text: String, problem: String) throws {
        let path = try write(text)
        let error = #expect(throws: KernelError.self) { try ConnectionFile.load(path) }
        #expect(error?.description == "connection file \(path): \(problem)")
    }

    @Test func aMissingFileIsAnError() {
        let error = #expect(throws: KernelError.self) { try ConnectionFile.load("/no/such/file.json") }
        #expect(error?.description == "connection file /no/such/file.json: cannot be read")
    }
}
