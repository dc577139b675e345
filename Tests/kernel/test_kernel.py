"""The Likewise kernel driven by jupyter_kernel_test and jupyter_client, as Jupyter drives it.

The kernelspec is installed by conftest.py into a temporary JUPYTER_PATH pointing at the built binary.
"""
import time
import unittest

import jupyter_kernel_test
from jupyter_client.manager import KernelManager, start_new_kernel


class LikewiseKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "likewise"
    language_name = "likewise"
    file_extension = ".lw"

    code_hello_world = 'print("hello, world")'
    code_stderr = 'print("oops", to: "stderr")'
    completion_samples = [
        {"text": "syn", "matches": {"synth"}},
        {"text": "let pairs = 1\npai", "matches": {"pairs"}},
    ]
    complete_code_samples = ["1 + 2", "let a = 1", 'print("x")']
    incomplete_code_samples = ["for x in [1, 2] {", "show(1,", "1 +"]
    invalid_code_samples = ["let = ]", "a $ b"]
    code_inspect_sample = "synth"
    code_generate_error = "trian(1)"
    code_execute_result = [{"code": "1 + 2", "result": "3"}, {"code": '"a" + "b"', "result": "ab"}]
    code_display_data = [{"code": 'show(synth("old", count: 1, size: 32))', "mime": "image/png"}]
    code_history_pattern = "1*"
    supported_history_operations = ("tail", "range", "search")
    code_clear_output = "clear()"


class IopubWelcome(jupyter_kernel_test.IopubWelcomeTests):
    kernel_name = "likewise"
    support_iopub_welcome = True


class LikewiseProtocolTests(unittest.TestCase):
    """What jupyter_kernel_test does not cover: interrupt, errors with positions, restart."""

    def setUp(self):
        self.km, self.kc = start_new_kernel(kernel_name="likewise")

    def tearDown(self):
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)

    def test_interrupt_stops_a_long_loop_and_the_kernel_lives_on(self):
        msg_id = self.kc.execute("var k = 0\nfor i in 0..<1000000000 { k += 1 }")
        time.sleep(1.0)
        self.km.interrupt_kernel()
        reply = self.kc.get_shell_msg(timeout=10)
        self.assertEqual(reply["parent_header"]["msg_id"], msg_id)
        self.assertEqual(reply["content"]["status"], "error")
        self.assertEqual(reply["content"]["ename"], "KeyboardInterrupt")
        after = self.kc.execute_interactive("k > 0", timeout=10)
        self.assertEqual(after["content"]["status"], "ok")

    def test_an_error_points_at_line_and_column_and_variables_survive(self):
        self.kc.execute_interactive("let n = 41", timeout=10)
        reply = self.kc.execute_interactive("let x = 1\nshwo(n)", timeout=10)
        content = reply["content"]
        self.assertEqual(content["status"], "error")
        self.assertEqual(content["ename"], "NameError")
        self.assertIn("2:1: unknown command 'shwo'", content["evalue"])
        self.assertIn("  ^^^^", content["traceback"])
        outputs = []
        self.kc.execute_interactive("n + 1", timeout=10, output_hook=outputs.append)
        results = [m for m in outputs if m["msg_type"] == "execute_result"]
        self.assertEqual(results[0]["content"]["data"]["text/plain"], "42")

    def test_progress_updates_a_display_in_place(self):
        outputs = []
        self.kc.execute_interactive('let many = synth("blue_eyes", count: 600, size: 32)', timeout=60, output_hook=outputs.append)
        kinds = [m["msg_type"] for m in outputs]
        self.assertIn("display_data", kinds)
        self.assertIn("update_display_data", kinds)
        first = next(m for m in outputs if m["msg_type"] == "display_data")
        update = next(m for m in outputs if m["msg_type"] == "update_display_data")
        self.assertEqual(first["content"]["transient"]["display_id"], update["content"]["transient"]["display_id"])
        # The same command in a later cell has a display of its own: Jupyter updates every output
        # of a display id, and the first cell's finished line must stay as it was.
        later = []
        self.kc.execute_interactive('let more = synth("blue_eyes", count: 600, size: 32)', timeout=60, output_hook=later.append)
        ids = {m["content"]["transient"]["display_id"] for m in later if m["msg_type"] in ("display_data", "update_display_data")}
        self.assertEqual(len(ids), 1, ids)
        self.assertNotIn(first["content"]["transient"]["display_id"], ids)

    def test_a_subshell_answers_while_the_main_shell_is_busy(self):
        self.kc.execute_interactive("var step = 0", timeout=10)
        msg = self.kc.session.msg("create_subshell_request", {})
        self.kc.control_channel.send(msg)
        created = self.kc.control_channel.get_msg(timeout=10)
        self.assertEqual(created["content"]["status"], "ok")
        subshell = created["content"]["subshell_id"]

        # A long cell on the main shell…
        main_id = self.kc.execute("for i in 0..<100000000 { step += 1 }")
        time.sleep(0.5)
        # …while the subshell reads the variable it is changing.
        request = self.kc.session.msg("execute_request", {"code": "step", "silent": False, "store_history": False,
                                                          "user_expressions": {}, "allow_stdin": False})
        request["header"]["subshell_id"] = subshell
        started = time.perf_counter()
        self.kc.shell_channel.send(request)
        while True:
            reply = self.kc.get_shell_msg(timeout=10)
            if reply["parent_header"]["msg_id"] == request["header"]["msg_id"]:
                break
        self.assertLess(time.perf_counter() - started, 5)
        self.assertEqual(reply["content"]["status"], "ok")
        # The main cell is still running: interrupt it, and it ends as interrupted.
        self.km.interrupt_kernel()
        while True:
            main_reply = self.kc.get_shell_msg(timeout=10)
            if main_reply["parent_header"]["msg_id"] == main_id:
                break
        self.assertEqual(main_reply["content"]["ename"], "KeyboardInterrupt")

        listing = self.kc.session.msg("list_subshell_request", {})
        self.kc.control_channel.send(listing)
        self.assertEqual(self.kc.control_channel.get_msg(timeout=10)["content"]["subshell_id"], [subshell])
        deletion = self.kc.session.msg("delete_subshell_request", {"subshell_id": subshell})
        self.kc.control_channel.send(deletion)
        self.assertEqual(self.kc.control_channel.get_msg(timeout=10)["content"]["status"], "ok")

    def test_input_goes_through_the_stdin_channel(self):
        answers = []

        def answer(msg):
            answers.append(msg["content"]["prompt"])
            self.kc.input("Ada")

        outputs = []
        reply = self.kc.execute_interactive('let name = input("name? ")\n"hello " + name', timeout=10, allow_stdin=True,
                                            stdin_hook=answer, output_hook=outputs.append)
        self.assertEqual(reply["content"]["status"], "ok")
        self.assertEqual(answers, ["name? "])
        self.assertIn("hello Ada", [m["content"]["data"]["text/plain"] for m in outputs if m["msg_type"] == "execute_result"])
        refused = self.kc.execute_interactive('input("x")', timeout=10, allow_stdin=False)
        self.assertIn("allow_stdin is false", refused["content"]["evalue"])

    def test_user_expressions_are_evaluated_after_the_cell(self):
        msg_id = self.kc.execute("let n = 20", user_expressions={"double": "n * 2", "bad": "m"})
        reply = self.kc.get_shell_msg(timeout=10)
        self.assertEqual(reply["parent_header"]["msg_id"], msg_id)
        expressions = reply["content"]["user_expressions"]
        self.assertEqual(expressions["double"]["status"], "ok")
        self.assertEqual(expressions["double"]["data"]["text/plain"], "40")
        self.assertEqual(expressions["bad"]["status"], "error")
        self.assertEqual(expressions["bad"]["ename"], "NameError")

    def test_kernel_info_is_answered_on_control_too(self):
        msg = self.kc.session.msg("kernel_info_request", {})
        self.kc.control_channel.send(msg)
        reply = self.kc.control_channel.get_msg(timeout=10)
        self.assertEqual(reply["msg_type"], "kernel_info_reply")
        self.assertEqual(reply["content"]["protocol_version"], "5.5")
        self.assertIn("kernel subshells", reply["content"]["supported_features"])
        self.assertEqual(reply["content"]["language_info"]["codemirror_mode"], "swift")

    def test_wrong_typed_fields_get_an_error_reply(self):
        msg = self.kc.session.msg("execute_request", {"code": 5, "silent": False})
        self.kc.shell_channel.send(msg)
        reply = self.kc.get_shell_msg(timeout=10)
        self.assertEqual(reply["content"]["status"], "error")
        self.assertIn("code must be a string", reply["content"]["evalue"])

    def shell_reply(self, msg_type, content, channel=None):
        channel = channel or self.kc.shell_channel
        msg = self.kc.session.msg(msg_type, content)
        channel.send(msg)
        while True:
            reply = channel.get_msg(timeout=10)
            if reply["parent_header"]["msg_id"] == msg["header"]["msg_id"]:
                return reply["content"]

    def test_a_field_of_the_wrong_type_gets_an_error_reply_naming_it(self):
        reply = self.shell_reply("execute_request", {"code": 5})
        self.assertEqual((reply["status"], reply["ename"]), ("error", "TypeError"))
        self.assertEqual(reply["evalue"], "execute_request: content.code must be a string")
        self.assertIn("execution_count", reply)
        for msg_type, content, evalue in [
                ("execute_request", {"silent": False}, "execute_request: content.code is missing"),
                ("execute_request", {"code": "1", "silent": "no"}, "execute_request: content.silent must be true or false"),
                ("execute_request", {"code": "1", "user_expressions": [1]}, "execute_request: content.user_expressions must be an object"),
                ("inspect_request", {"code": "synth", "detail_level": "full"}, "inspect_request: content.detail_level must be an integer"),
                ("complete_request", {"code": "syn", "cursor_pos": "x"}, "complete_request: content.cursor_pos must be an integer"),
                ("complete_request", {"code": "syn", "cursor_pos": 1.5}, "complete_request: content.cursor_pos must be an integer"),
                ("inspect_request", {"code": "synth", "cursor_pos": 2**63}, "inspect_request: content.cursor_pos must be an integer"),
                ("history_request", {"hist_access_type": "tail", "n": "3"}, "history_request: content.n must be an integer")]:
            reply = self.shell_reply(msg_type, content)
            self.assertEqual((reply["status"], reply["evalue"]), ("error", evalue), msg_type)
        reply = self.shell_reply("delete_subshell_request", {}, self.kc.control_channel)
        self.assertEqual(reply["evalue"], "delete_subshell_request: content.subshell_id is missing")
        # One user expression that is not a string fails alone.
        reply = self.shell_reply("execute_request", {"code": "let n = 2", "user_expressions": {"odd": 5, "n_squared": "n * n"}})
        self.assertEqual(reply["status"], "ok")
        self.assertEqual(reply["user_expressions"]["odd"]["evalue"], "user expression 'odd' is not a string")
        self.assertEqual(reply["user_expressions"]["n_squared"]["data"]["text/plain"], "4")

    def test_missing_optional_fields_take_the_protocol_defaults(self):
        # No cursor_pos: the end of the code, in code points (e + U+0301 is two, one Character).
        code = 'print("e\u0301")\nsyn'
        reply = self.shell_reply("complete_request", {"code": code})
        self.assertIn("synth", reply["matches"])
        self.assertEqual((reply["cursor_start"], reply["cursor_end"]), (len(code) - 3, len(code)))
        reply = self.shell_reply("inspect_request", {"code": "synth"})
        self.assertTrue(reply["found"])
        self.assertEqual(self.shell_reply("is_complete_request", {"code": "for i in 0..<3 {"})["status"], "incomplete")
        # Only code: not silent, stored in the history, which tail reads back 10 at most.
        for i in range(12):
            self.assertEqual(self.shell_reply("execute_request", {"code": f"{i} + 0"})["status"], "ok")
        history = self.shell_reply("history_request", {"hist_access_type": "tail"})["history"]
        self.assertEqual([entry[2] for entry in history], [f"{i} + 0" for i in range(2, 12)])
        self.assertEqual(self.shell_reply("history_request", {})["history"], [])

    def iopub_until_idle(self, parent):
        """Every IOPub message answering request `parent`, up to its idle status."""
        messages = []
        while True:
            msg = self.kc.get_iopub_msg(timeout=60)
            if msg["parent_header"].get("msg_id") != parent:
                continue
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                return messages
            messages.append(msg)

    def send_comm_msg(self, comm_id, data):
        msg = self.kc.session.msg("comm_msg", {"comm_id": comm_id, "data": data})
        self.kc.shell_channel.send(msg)
        return msg["header"]["msg_id"]

    def test_tune_shows_widgets_that_rerender_when_a_slider_moves(self):
        self.kc.execute_interactive('let m = model(synth("old", count: 3, size: 32, seed: 1), preset: "tiny", pairing: "structural", '
                                    'flow: "horn-schunck")\nlet x = synth("old", count: 1, size: 32, seed: 9)[0].source', timeout=120)
        messages = self.iopub_until_idle(self.kc.execute("let t = tune(m, x, strength: 0.5)"))
        opens = {m["content"]["comm_id"]: m for m in messages if m["msg_type"] == "comm_open"}
        views = [m["content"]["data"]["application/vnd.jupyter.widget-view+json"] for m in messages
                 if m["msg_type"] == "display_data" and "application/vnd.jupyter.widget-view+json" in m["content"]["data"]]
        self.assertEqual(len(views), 1)
        self.assertEqual((views[0]["version_major"], views[0]["version_minor"]), (2, 1))
        column = opens[views[0]["model_id"]]["content"]["data"]["state"]
        self.assertEqual(column["_model_name"], "VBoxModel")
        # Every widget a state refers to was opened before it, on the jupyter.widget target.
        order = list(opens)
        for comm_id, msg in opens.items():
            self.assertEqual(msg["content"]["target_name"], "jupyter.widget")
            self.assertEqual(msg["metadata"]["version"], "2.1.0")
            state = msg["content"]["data"]["state"]
            for value in [state.get("layout"), state.get("style")] + state.get("children", []):
                if isinstance(value, str) and value.startswith("IPY_MODEL_"):
                    self.assertLess(order.index(value[len("IPY_MODEL_"):]), order.index(comm_id))
        by_model = {}
        for comm_id, msg in opens.items():
            by_model.setdefault(msg["content"]["data"]["state"]["_model_name"], []).append((comm_id, msg))
        sliders = {m["content"]["data"]["state"]["description"]: cid for name in ["IntSliderModel", "FloatSliderModel"] for cid, m in by_model[name]}
        self.assertEqual(set(sliders), {"references", "strength"})
        image_id, image_open = by_model["ImageModel"][0]
        self.assertEqual(image_open["content"]["data"]["buffer_paths"], [["value"]])
        before = bytes(image_open["buffers"][0])
        self.assertTrue(before.startswith(b"\x89PNG"))
        info = self.kc.comm_info(target_name="jupyter.widget", reply=True)["content"]["comms"]
        self.assertTrue(set(opens) <= set(info))

        # The strength slider moves to 1: the picture is drawn again, and the session reads it.
        reply_to = self.send_comm_msg(sliders["strength"], {"method": "update", "state": {"value": 1.0}, "buffer_paths": []})
        updates = [m for m in self.iopub_until_idle(reply_to) if m["msg_type"] == "comm_msg" and m["content"]["comm_id"] == image_id]
        self.assertEqual(len(updates), 1)
        self.assertEqual(updates[0]["content"]["data"]["buffer_paths"], [["value"]])
        after = bytes(updates[0]["buffers"][0])
        self.assertTrue(after.startswith(b"\x89PNG"))
        self.assertNotEqual(before, after)
        self.assertEqual(self.kc.execute_interactive("t.strength", timeout=10)["content"]["status"], "ok")
        strength = [m for m in self.iopub_until_idle(self.kc.execute("t.strength")) if m["msg_type"] == "execute_result"]
        self.assertEqual(strength[0]["content"]["data"]["text/plain"], "1")

        # Messages the kernel cannot take are logged, and nothing else changes.
        for comm_id, data in [("no-such-comm", {"method": "update", "state": {"value": 0}}),
                              (sliders["strength"], {"method": "update", "state": "not an object"}),
                              (sliders["strength"], {"method": "update", "state": {"colour": 3}}),
                              (sliders["strength"], {"method": "explode"})]:
            self.iopub_until_idle(self.send_comm_msg(comm_id, data))
        strength = [m for m in self.iopub_until_idle(self.kc.execute("t.strength")) if m["msg_type"] == "execute_result"]
        self.assertEqual(strength[0]["content"]["data"]["text/plain"], "1")

    def test_tune_of_a_diffusion_model_has_steps_and_seed_sliders(self):
        self.kc.execute_interactive('let d = model(synth("blue_eyes", count: 3, size: 32, seed: 1), preset: "tiny", pairing: "one2one", '
                                    'diffusion: true)\ntrain(d, steps: 3, plot: false)\nlet y = synth("blue_eyes", count: 1, size: 32, seed: 9)[0].source',
                                    timeout=120)
        messages = self.iopub_until_idle(self.kc.execute("let u = tune(d, y, steps: 2)"))
        opens = {m["content"]["comm_id"]: m["content"]["data"]["state"] for m in messages if m["msg_type"] == "comm_open"}
        sliders = {state["description"]: cid for cid, state in opens.items() if state["_model_name"] in ("IntSliderModel", "FloatSliderModel")}
        self.assertEqual(set(sliders), {"strength", "DDIM steps", "seed"})  # a direct model has no references to choose
        self.assertEqual(opens[sliders["DDIM steps"]]["value"], 2)
        image_id = next(cid for cid, state in opens.items() if state["_model_name"] == "ImageModel")
        # A new seed is a new sample: the picture is drawn again, and the session reads the seed.
        reply_to = self.send_comm_msg(sliders["seed"], {"method": "update", "state": {"value": 7}, "buffer_paths": []})
        updates = [m for m in self.iopub_until_idle(reply_to) if m["msg_type"] == "comm_msg" and m["content"]["comm_id"] == image_id]
        self.assertEqual(len(updates), 1)
        seed = [m for m in self.iopub_until_idle(self.kc.execute("u.seed")) if m["msg_type"] == "execute_result"]
        self.assertEqual(seed[0]["content"]["data"]["text/plain"], "7")

    def test_executes_queued_behind_an_error_are_aborted(self):
        first = self.kc.execute("for i in 0..<200000 { }\nnot_a_name")
        second = self.kc.execute("1 + 1")
        third = self.kc.execute("2 + 2", stop_on_error=False)
        replies = {}
        while len(replies) < 3:
            msg = self.kc.get_shell_msg(timeout=20)
            replies[msg["parent_header"]["msg_id"]] = msg["content"]["status"]
        self.assertEqual(replies[first], "error")
        self.assertEqual(replies[second], "aborted")
        self.assertEqual(replies[third], "aborted")
        # A skipped cell says why in its own output, which a frontend would otherwise leave blank.
        notices = {}
        while len(notices) < 2:
            msg = self.kc.get_iopub_msg(timeout=10)
            if msg["msg_type"] == "stream" and msg["parent_header"]["msg_id"] in (second, third):
                notices[msg["parent_header"]["msg_id"]] = msg["content"]
        for notice in notices.values():
            self.assertEqual(notice["name"], "stderr")
            self.assertTrue(notice["text"].startswith("Not run: a cell before it failed, and running stops at the first error."))
        after = self.kc.execute_interactive("3 + 3", timeout=10)
        self.assertEqual(after["content"]["status"], "ok")

    def test_interrupt_reaches_a_cell_waiting_in_input(self):
        prompts = []
        msg_id = self.kc.execute('let answer = input("never answered? ")', allow_stdin=True)
        request = self.kc.get_stdin_msg(timeout=10)
        self.assertEqual(request["msg_type"], "input_request")
        prompts.append(request["content"]["prompt"])
        self.km.interrupt_kernel()
        reply = self.kc.get_shell_msg(timeout=10)
        self.assertEqual(reply["parent_header"]["msg_id"], msg_id)
        self.assertEqual(reply["content"]["ename"], "KeyboardInterrupt")
        self.assertEqual(prompts, ["never answered? "])
        # The session lives on, and the next input is answered normally.
        after = self.kc.execute_interactive('input("now? ")', timeout=10, allow_stdin=True, stdin_hook=lambda m: self.kc.input("yes"))
        self.assertEqual(after["content"]["status"], "ok")

    def test_cursor_positions_count_code_points_not_bytes_or_utf16(self):
        # 🙂 is two UTF-16 units and four UTF-8 bytes; e + U+0301 is two code points but one character.
        prefix = 'print("🙂 e\u0301")\n'
        code = prefix + "syn"
        self.kc.complete(code, cursor_pos=len(code))
        reply = self.kc.get_shell_msg(timeout=10)["content"]
        self.assertIn("synth", reply["matches"])
        self.assertEqual((reply["cursor_start"], reply["cursor_end"]), (len(prefix), len(code)))
        code = prefix + "synth"
        self.kc.inspect(code, cursor_pos=len(prefix) + 2)
        reply = self.kc.get_shell_msg(timeout=10)["content"]
        self.assertTrue(reply["found"])
        self.assertTrue(reply["data"]["text/plain"].startswith("synth("))
        # A cursor in the middle of the emoji's line still finds nothing to complete there, cleanly.
        self.kc.complete(code, cursor_pos=8)
        self.assertEqual(self.kc.get_shell_msg(timeout=10)["content"]["status"], "ok")

    def test_unknown_subshell_ids_get_an_error_reply(self):
        request = self.kc.session.msg("execute_request", {"code": "1", "silent": False, "store_history": False,
                                                          "user_expressions": {}, "allow_stdin": False})
        request["header"]["subshell_id"] = "no-such-subshell"
        self.kc.shell_channel.send(request)
        reply = self.kc.get_shell_msg(timeout=10)
        self.assertEqual(reply["parent_header"]["msg_id"], request["header"]["msg_id"])
        self.assertEqual(reply["content"]["status"], "error")
        self.assertEqual(reply["content"]["ename"], "SubshellError")
        self.assertIn("no-such-subshell", reply["content"]["evalue"])
        deletion = self.kc.session.msg("delete_subshell_request", {"subshell_id": "no-such-subshell"})
        self.kc.control_channel.send(deletion)
        self.assertEqual(self.kc.control_channel.get_msg(timeout=10)["content"]["ename"], "SubshellError")
        self.assertEqual(self.kc.execute_interactive("2", timeout=10)["content"]["status"], "ok")

    def test_restart_gives_a_fresh_session(self):
        self.kc.execute_interactive("let gone = 1", timeout=10)
        self.km.restart_kernel(now=False)
        self.kc.wait_for_ready(timeout=30)
        reply = self.kc.execute_interactive("gone", timeout=10)
        self.assertEqual(reply["content"]["ename"], "NameError")


class ShutdownTests(unittest.TestCase):
    def test_a_shutdown_request_is_answered_and_the_process_exits_cleanly(self):
        km, kc = start_new_kernel(kernel_name="likewise")
        try:
            kc.execute_interactive("let x = 1", timeout=10)
            msg = kc.session.msg("shutdown_request", {"restart": False})
            kc.control_channel.send(msg)
            reply = kc.control_channel.get_msg(timeout=10)
            self.assertEqual(reply["parent_header"]["msg_id"], msg["header"]["msg_id"])
            self.assertEqual(reply["content"], {"status": "ok", "restart": False})
            process = km.provisioner.process
            self.assertEqual(process.wait(timeout=10), 0)
        finally:
            kc.stop_channels()
            km.cleanup_resources()

    def test_the_manager_shuts_it_down_without_killing_it(self):
        km, kc = start_new_kernel(kernel_name="likewise")
        kc.stop_channels()
        process = km.provisioner.process
        started = time.perf_counter()
        km.shutdown_kernel(now=False)
        # jupyter_client waits up to shutdown_wait_time (5 s) before it kills; a clean exit is sooner.
        self.assertLess(time.perf_counter() - started, 4)
        self.assertEqual(process.returncode, 0)


class EncryptedSessionTests(unittest.TestCase):
    """CurveZMQ: with transport_encryption="required" jupyter_client gives the kernel server keys;
    every channel then runs encrypted, and a plain-text client cannot talk to it."""

    def test_an_encrypted_session_executes(self):
        km = KernelManager(kernel_name="likewise", transport_encryption="required")
        km.start_kernel()
        try:
            info = km.get_connection_info()
            self.assertIn("curve_publickey", info)
            kc = km.client()
            kc.start_channels()
            kc.wait_for_ready(timeout=30)
            outputs = []
            reply = kc.execute_interactive('print("secret")\n6 * 7', timeout=10, output_hook=outputs.append)
            self.assertEqual(reply["content"]["status"], "ok")
            self.assertIn("secret\n", [m["content"].get("text") for m in outputs if m["msg_type"] == "stream"])
            self.assertIn("42", [m["content"]["data"]["text/plain"] for m in outputs if m["msg_type"] == "execute_result"])
            kc.stop_channels()

            # Without the server key the handshake never completes: no reply comes back.
            import zmq
            from jupyter_client.session import Session
            context = zmq.Context()
            plain = context.socket(zmq.DEALER)
            plain.setsockopt(zmq.LINGER, 0)
            plain.connect(f"tcp://{info['ip']}:{info['shell_port']}")
            Session(key=info["key"]).send(plain, "kernel_info_request", {})
            self.assertFalse(plain.poll(1500))
            context.destroy(linger=0)
        finally:
            km.shutdown_kernel(now=True)


if __name__ == "__main__":
    unittest.main()
