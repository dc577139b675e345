"""Start-up and round-trip times of the Likewise kernel beside ipykernel, measured in one run.

Start-up is from launching the process to the first kernel_info_reply (measured here by polling
kernel_info_request, not jupyter_client's wait_for_ready, which adds a quiet wait). A round trip
is a trivial execute_request until both its reply and the idle status have arrived.
Prints one JSON object a line. Usage: python bench/kernel.py [path/to/likewise] [rounds]
"""
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

import zmq
from jupyter_client.session import Session


def free_ports(n):
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def measure(name, argv_for, code, rounds):
    shell, iopub, stdin, control, hb = free_ports(5)
    info = {"transport": "tcp", "ip": "127.0.0.1", "shell_port": shell, "iopub_port": iopub, "stdin_port": stdin,
            "control_port": control, "hb_port": hb, "key": "bench-key", "signature_scheme": "hmac-sha256"}
    path = os.path.join(tempfile.mkdtemp(), "connection.json")
    with open(path, "w") as f:
        json.dump(info, f)
    context = zmq.Context()
    session = Session(key=b"bench-key", signature_scheme="hmac-sha256")
    dealer = context.socket(zmq.DEALER)
    # Retry the connection every millisecond: ZeroMQ's default 100 ms would hide the start-up time.
    dealer.setsockopt(zmq.RECONNECT_IVL, 1)
    dealer.connect(f"tcp://127.0.0.1:{shell}")
    sub = context.socket(zmq.SUB)
    sub.setsockopt(zmq.SUBSCRIBE, b"")
    sub.connect(f"tcp://127.0.0.1:{iopub}")

    started = time.perf_counter()
    process = subprocess.Popen(argv_for(path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        startup = None
        while startup is None and time.perf_counter() - started < 30:
            session.send(dealer, "kernel_info_request", {})
            if dealer.poll(5):
                session.recv(dealer)
                startup = time.perf_counter() - started
        while dealer.poll(50):  # answers to the extra polls
            session.recv(dealer)
        poller = zmq.Poller()
        poller.register(dealer, zmq.POLLIN)
        poller.register(sub, zmq.POLLIN)
        time.sleep(0.3)  # let the IOPub subscription settle before timing
        while sub.poll(0):
            session.recv(sub)
        times = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            msg = session.send(dealer, "execute_request", {"code": code, "silent": False, "store_history": True,
                                                           "user_expressions": {}, "allow_stdin": False})
            replied = idle = False
            while not (replied and idle):
                ready = dict(poller.poll(5000))
                if not ready:
                    raise RuntimeError(f"{name}: no answer to an execute_request within 5 s")
                if dealer in ready:
                    _, reply = session.recv(dealer)
                    replied = replied or reply["parent_header"].get("msg_id") == msg["header"]["msg_id"]
                if sub in ready:
                    _, m = session.recv(sub)
                    idle = idle or (m["msg_type"] == "status" and m["content"].get("execution_state") == "idle"
                                    and m["parent_header"].get("msg_id") == msg["header"]["msg_id"])
            times.append(time.perf_counter() - t0)
        times.sort()
        return {"kernel": name, "startup_ms": round(startup * 1000, 1) if startup else None,
                "round_trip_p50_ms": round(statistics.median(times) * 1000, 3),
                "round_trip_p99_ms": round(times[int(0.99 * (len(times) - 1))] * 1000, 3), "rounds": rounds}
    finally:
        process.kill()
        process.wait()
        context.destroy(linger=0)


def main():
    likewise = sys.argv[1] if len(sys.argv) > 1 else ".build/release/likewise"
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    print(json.dumps(measure("likewise", lambda p: [likewise, "kernel", "--connection-file", p], "1 + 1", rounds)))
    try:
        import ipykernel  # noqa: F401
        print(json.dumps(measure("ipykernel", lambda p: [sys.executable, "-m", "ipykernel_launcher", "-f", p], "1 + 1", rounds)))
    except ImportError:
        print(json.dumps({"kernel": "ipykernel", "skipped": "not installed (pip install ipykernel)"}))


if __name__ == "__main__":
    main()
