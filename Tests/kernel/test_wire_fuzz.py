"""Wire fuzzers: seeded malformed, truncated, unsigned, replayed and oversized messages on every
socket; correctly signed messages whose parts are invalid JSON, or whose header and content fields
are missing or of the wrong type, for every message type; garbage on the heartbeat. After each
burst the kernel must still answer a valid kernel_info_request and echo a heartbeat."""
import hashlib
import hmac
import json
import random
import time
import unittest

import zmq
from jupyter_client.manager import start_new_kernel
from jupyter_client.session import Session


class WireFuzzTests(unittest.TestCase):
    def setUp(self):
        self.km, self.kc = start_new_kernel(kernel_name="likewise")
        self.info = self.km.get_connection_info()
        self.context = zmq.Context()
        self.session = Session(key=self.info["key"], signature_scheme="hmac-sha256")

    def tearDown(self):
        self.context.destroy(linger=0)
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)

    def endpoint(self, port):
        return f"tcp://{self.info['ip']}:{self.info[port]}"

    def valid_frames(self, msg_type="kernel_info_request", content=None):
        msg = self.session.msg(msg_type, content or {})
        return self.session.serialize(msg)

    def mutated(self, rng):
        frames = self.valid_frames(rng.choice(["kernel_info_request", "execute_request", "complete_request", "no_such_request"]),
                                   rng.choice([{}, {"code": "1 +"}, {"code": 5}, {"cursor_pos": "x"}]))
        kind = rng.randrange(8)
        if kind == 0:
            frames = frames[: 1 + rng.randrange(len(frames) - 1)]              # truncated
        elif kind == 1:
            frames[1] = b"0" * 64                                              # bad signature
        elif kind == 2:
            frames[1] = b""                                                    # unsigned
        elif kind == 3:
            i = rng.randrange(2, len(frames))
            frames[i] = bytes(rng.randrange(256) for _ in range(rng.randrange(40)))  # garbage part
        elif kind == 4:
            frames = [b"<IDS|MSG>"] + [bytes(rng.randrange(256) for _ in range(8)) for _ in range(rng.randrange(10))]
        elif kind == 5:
            frames[-1] = b"x" * (1 << 20)                                      # oversized content
        elif kind == 6:
            frames = frames + [b"buffer"] * rng.randrange(5)                   # extra buffers
        else:
            frames = [json.dumps({"not": "framed"}).encode()]
        return frames

    def test_the_kernel_survives_malformed_traffic_on_every_socket(self):
        rng = random.Random(20261125)
        sockets = {}
        for name, kind in [("shell_port", zmq.DEALER), ("control_port", zmq.DEALER), ("stdin_port", zmq.DEALER), ("hb_port", zmq.REQ)]:
            s = self.context.socket(kind)
            s.setsockopt(zmq.LINGER, 0)
            s.connect(self.endpoint(name))
            sockets[name] = s
        sent = 0
        replayed = []
        for burst in range(20):
            for _ in range(100):
                name = rng.choice(["shell_port", "control_port", "stdin_port"])
                sockets[name].send_multipart(self.mutated(rng))
                sent += 1
            # A replay of a message already answered must be dropped, on its channel or another,
            # and a fresh one answered.
            frames = self.valid_frames()
            replayed.append(json.loads(frames[2])["msg_id"])
            sockets["shell_port"].send_multipart(frames)
            sockets["shell_port"].send_multipart(frames)
            sockets["control_port"].send_multipart(frames)
            self.kc.kernel_info()
            reply = self.kc.get_shell_msg(timeout=10)
            self.assertEqual(reply["msg_type"], "kernel_info_reply", f"burst {burst}")
        # Heartbeat still echoes.
        sockets["hb_port"].send(b"ping")
        self.assertTrue(sockets["hb_port"].poll(5000))
        self.assertEqual(sockets["hb_port"].recv(), b"ping")
        self.assertEqual(sent, 2000)
        # Each message sent three times (twice on shell, once on control) was answered exactly
        # once: whichever channel read it first; the other copies are replays.
        answered = {}
        for name in ["shell_port", "control_port"]:
            while sockets[name].poll(200):
                msg = self.session.deserialize(self.session.feed_identities(sockets[name].recv_multipart())[1])
                parent = msg["parent_header"].get("msg_id")
                answered.setdefault(parent, []).append(name)
        for msg_id in replayed:
            self.assertEqual(len(answered.get(msg_id, [])), 1, f"{msg_id}: {answered.get(msg_id)}")
        self.assertTrue(self.km.is_alive())


# A valid content for every message type a client may send (shutdown_request is left out: a
# well-formed one ends the kernel, as it should).
CONTENTS = {
    "kernel_info_request": {},
    "execute_request": {"code": "1 + 1", "silent": False, "store_history": True, "user_expressions": {"a": "2"},
                        "allow_stdin": False, "stop_on_error": True},
    "complete_request": {"code": "syn", "cursor_pos": 3},
    "inspect_request": {"code": "synth", "cursor_pos": 2, "detail_level": 1},
    "is_complete_request": {"code": "for i in 0..<3 {"},
    "history_request": {"output": True, "raw": True, "hist_access_type": "tail", "n": 3, "session": 0, "start": 1,
                        "stop": 4, "pattern": "*", "unique": True},
    "comm_info_request": {"target_name": "x"},
    "comm_open": {"comm_id": "c1", "target_name": "x", "data": {}},
    "comm_msg": {"comm_id": "c1", "data": {}},
    "comm_close": {"comm_id": "c1", "data": {}},
    "interrupt_request": {},
    "create_subshell_request": {},
    "delete_subshell_request": {"subshell_id": "nope"},
    "list_subshell_request": {},
    "input_reply": {"value": "x"},
    "no_such_request": {},
}
ODD_VALUES = [None, 5, -1, 2**63, -(2**70), 1e308, -0.0, 1.5, "x", "", "日本🙂\u0301", [], [1, "a"], {}, {"k": [None]}, True, False]
BAD_JSON = [b"", b"{", b"[1, 2]", b"null", b"5", b'"text"', b"\xff\xfe\x00", b'{"a": }', b"{}" * 3, b'{"msg_type": NaN}']
REPLY_STATUSES = {"ok", "error", "aborted", "complete", "incomplete", "invalid", "unknown"}


class SignedFuzzTests(unittest.TestCase):
    """Correctly signed messages get past the signature check, so they reach parsing and the handlers."""

    def setUp(self):
        self.km, self.kc = start_new_kernel(kernel_name="likewise")
        self.info = self.km.get_connection_info()
        self.key = self.info["key"].encode() if isinstance(self.info["key"], str) else self.info["key"]
        self.context = zmq.Context()
        self.session = Session(key=self.key, signature_scheme="hmac-sha256")

    def tearDown(self):
        self.context.destroy(linger=0)
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)

    def socket(self, port, kind=zmq.DEALER):
        s = self.context.socket(kind)
        s.setsockopt(zmq.LINGER, 0)
        s.connect(f"tcp://{self.info['ip']}:{self.info[port]}")
        return s

    def signed(self, parts):
        mac = hmac.new(self.key, digestmod=hashlib.sha256)
        for part in parts:
            mac.update(part)
        return [b"<IDS|MSG>", mac.hexdigest().encode()] + parts

    def mutant(self, rng):
        """A message of a random type with one part, field or value made wrong; then signed."""
        msg_type = rng.choice(list(CONTENTS))
        header = self.session.msg_header(msg_type)
        header["date"] = str(header["date"])
        content = json.loads(json.dumps(CONTENTS[msg_type]))
        parts = [header, {}, {}, content]
        kind = rng.randrange(7)
        if kind == 0:                                   # a header field missing
            del header[rng.choice(list(header))]
        elif kind == 1:                                 # a header field of the wrong type
            header[rng.choice(list(header) + ["subshell_id"])] = rng.choice(ODD_VALUES)
        elif kind == 2 and content:                     # a content field missing
            del content[rng.choice(list(content))]
        elif kind in (2, 3):                            # a content field of the wrong type
            content[rng.choice(list(content) + ["code", "cursor_pos", "restart"])] = rng.choice(ODD_VALUES)
        elif kind == 4:                                 # a whole part that is not an object
            parts[rng.randrange(4)] = rng.choice(ODD_VALUES)
        encoded = [json.dumps(part).encode() for part in parts]
        if kind == 5:                                   # a part that is not JSON at all
            encoded[rng.randrange(4)] = rng.choice(BAD_JSON)
        return msg_type, self.signed(encoded)

    def test_signed_messages_with_invalid_parts_and_fields_are_answered_or_dropped(self):
        rng = random.Random(20261126)
        shell, control, stdin = self.socket("shell_port"), self.socket("control_port"), self.socket("stdin_port")
        heartbeat = self.socket("hb_port", zmq.REQ)
        sent = 0
        for burst in range(15):
            for _ in range(100):
                msg_type, frames = self.mutant(rng)
                if msg_type == "input_reply":
                    target = stdin
                elif msg_type in ("interrupt_request", "create_subshell_request", "delete_subshell_request", "list_subshell_request"):
                    target = control
                else:
                    target = rng.choice([shell, shell, control])
                target.send_multipart(frames)
                sent += 1
            self.kc.kernel_info()
            reply = self.kc.get_shell_msg(timeout=20)
            self.assertEqual(reply["msg_type"], "kernel_info_reply", f"burst {burst}")
            heartbeat.send(b"ping")
            self.assertTrue(heartbeat.poll(5000), f"no heartbeat after burst {burst}")
            self.assertEqual(heartbeat.recv(), b"ping")
        # Every reply is itself a well-formed, signed message with a status.
        replies = 0
        for s in (shell, control):
            while s.poll(500):
                msg = self.session.deserialize(self.session.feed_identities(s.recv_multipart())[1])
                self.assertIn(msg["content"].get("status"), REPLY_STATUSES, msg)
                replies += 1
        self.assertEqual(sent, 1500)
        # About half the mutants keep a valid header and reach a handler, which answers (comm
        # messages and unknown types are ignored, as the protocol allows; broken parts are dropped).
        self.assertGreater(replies, 500, f"only {replies} replies to {sent} signed mutants")
        self.assertTrue(self.km.is_alive())

    def test_the_heartbeat_survives_garbage_and_echoes_what_it_gets(self):
        rng = random.Random(7)
        raw = self.socket("hb_port")
        echoed = 0
        for _ in range(300):
            kind = rng.randrange(4)
            if kind == 0:   # a proper request envelope: echoed back, after the echoes of earlier ones
                payload = bytes(rng.randrange(256) for _ in range(rng.randrange(64)))
                raw.send_multipart([b"", payload])
                for _ in range(10):
                    self.assertTrue(raw.poll(5000))
                    if raw.recv_multipart() == [b"", payload]:
                        echoed += 1
                        break
            elif kind == 1:  # no envelope delimiter: the REP socket drops it
                raw.send_multipart([bytes(rng.randrange(256) for _ in range(rng.randrange(1, 32)))])
            elif kind == 2:  # several frames, some large: echoed whole
                raw.send_multipart([b""] + [b"x" * rng.randrange(1 << 16) for _ in range(rng.randrange(1, 6))])
            else:            # empty frames only
                raw.send_multipart([b""] * rng.randrange(1, 4))
        while raw.poll(300):
            raw.recv_multipart()
        ping = self.socket("hb_port", zmq.REQ)
        ping.send(b"still there?")
        self.assertTrue(ping.poll(5000))
        self.assertEqual(ping.recv(), b"still there?")
        self.assertGreater(echoed, 50)
        self.kc.kernel_info()
        self.assertEqual(self.kc.get_shell_msg(timeout=10)["msg_type"], "kernel_info_reply")


if __name__ == "__main__":
    unittest.main()
