"""A wire fuzzer: seeded malformed, truncated, unsigned, replayed and oversized messages on every
socket; after each burst the kernel must still answer a valid kernel_info_request."""
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


if __name__ == "__main__":
    unittest.main()
