"""Conformance suite for the convlab kernel: jupyter_kernel_test's checks with TypeScript samples, plus checks of
the behaviours the protocol allows kernels to get wrong (interrupts, floods, malformed frames, stdin, ...).

Usage: JUPYTER_PATH=<dir with kernels/convlab> python3 conformance.py RESULT.json
Writes {check name: {"status": "pass"|"fail"|"skip", "detail": str}}; the vitest suite turns each into a test.
"""
import json
import os
import random
import signal
import sys
import tempfile
import time
import unittest
from queue import Empty

import jupyter_kernel_test as jkt
import zmq
from jupyter_client.manager import start_new_kernel

TIMEOUT = 30
DISPLAYABLE = (
    '({ [Symbol.for("Jupyter.display")]() { return { "application/vnd.convlab.v1+json": '
    '{ version: 1, kind: "tensor", shape: [1], dtype: "float32", data: "AACAPw==", stats: { min: 1, max: 1, mean: 1, std: 0 } }, '
    '"text/plain": "tensor [1]" }; } })'
)


def make_notebook_folder():
    """A folder outside the project, with its own npm package, as a notebook's folder would be."""
    root = tempfile.mkdtemp(prefix="convlab-nb-")
    pkg = os.path.join(root, "node_modules", "local-greeter")
    os.makedirs(pkg)
    with open(os.path.join(pkg, "package.json"), "w") as f:
        json.dump({"name": "local-greeter", "version": "1.0.0", "main": "index.js", "types": "index.d.ts"}, f)
    with open(os.path.join(pkg, "index.js"), "w") as f:
        f.write("exports.greet = (name) => 'hello ' + name;\n")
    with open(os.path.join(pkg, "index.d.ts"), "w") as f:
        f.write("export declare function greet(name: string): string;\n")
    esm = os.path.join(root, "node_modules", "local-esm")
    os.makedirs(esm)
    with open(os.path.join(esm, "package.json"), "w") as f:
        json.dump({"name": "local-esm", "version": "1.0.0", "type": "module", "exports": "./index.js",
                   "types": "index.d.ts"}, f)
    with open(os.path.join(esm, "index.js"), "w") as f:
        f.write("export const twice = (x) => 2 * x;\n")
    with open(os.path.join(esm, "index.d.ts"), "w") as f:
        f.write("export declare function twice(x: number): number;\n")
    return root


TIMINGS = {}
KERNEL_LOG = None  # the kernel's stderr, opened in main()


class ConvlabKernelTests(jkt.KernelTests):
    kernel_name = "convlab"
    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world")'
    code_stderr = 'console.error("to stderr")'
    completion_samples = [{"text": "Math.flo", "matches": {"floor"}}, {"text": "JSON.str", "matches": {"stringify"}}]
    complete_code_samples = ["1 + 1", 'console.log("x")', "function f() { return 1; }"]
    incomplete_code_samples = ["function f() {", "const xs = [1,", "if (true) {"]
    invalid_code_samples = ["let x = );", "const = 5;"]
    code_generate_error = 'throw new Error("boom")'
    code_execute_result = [{"code": "6*7", "result": "42"}, {"code": '"con" + "vlab"', "result": "'convlab'"}]
    code_display_data = [
        {"code": f"display({DISPLAYABLE})", "mime": "application/vnd.convlab.v1+json"},
        {"code": 'import * as tslab from "tslab"; tslab.display.html("<b>hi</b>")', "mime": "text/html"},
    ]
    code_history_pattern = "6*7"
    supported_history_operations = ("tail", "range", "search")
    code_inspect_sample = "Math.max"
    code_clear_output = "clearOutput()"

    @classmethod
    def setUpClass(cls):
        cls.folder = make_notebook_folder()
        cls.km, cls.kc = start_new_kernel(kernel_name=cls.kernel_name, cwd=cls.folder, stdout=KERNEL_LOG, stderr=KERNEL_LOG)

    def get_non_kernel_info_reply(self, timeout=None):
        # jupyter_kernel_test waits forever by default; a missing reply should fail the check, not hang the suite.
        return super().get_non_kernel_info_reply(timeout=TIMEOUT if timeout is None else timeout)

    # helpers -------------------------------------------------------------------------------------------------
    def run_cell(self, code, timeout=TIMEOUT, **kw):
        """Executes code; returns (reply content, [(msg_type, content)] of iopub children up to idle)."""
        self.flush_channels()
        msg_id = self.kc.execute(code, **kw)
        return self.collect(msg_id, timeout)

    def collect(self, msg_id, timeout=TIMEOUT):
        reply = None
        deadline = time.time() + timeout
        while reply is None:
            m = self.kc.get_shell_msg(timeout=max(0.1, deadline - time.time()))
            if m["parent_header"].get("msg_id") == msg_id:
                reply = m
        outputs = []
        while True:
            m = self.kc.get_iopub_msg(timeout=max(0.1, deadline - time.time()))
            if m["parent_header"].get("msg_id") != msg_id:
                continue
            if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
                break
            outputs.append((m["msg_type"], m["content"]))
        return reply["content"], outputs

    def result_text(self, code):
        reply, outputs = self.run_cell(code)
        self.assertEqual(reply["status"], "ok", reply)
        results = [c for t, c in outputs if t == "execute_result"]
        self.assertEqual(len(results), 1, outputs)
        return results[0]["data"]["text/plain"]

    # own checks ----------------------------------------------------------------------------------------------
    def test_execute_input(self):
        reply, outputs = self.run_cell("const shown = 1")
        inputs = [c for t, c in outputs if t == "execute_input"]
        self.assertEqual(inputs, [{"code": "const shown = 1", "execution_count": reply["execution_count"]}])

    def test_type_error(self):
        reply, outputs = self.run_cell('const n: number = "one"')
        self.assertEqual(reply["status"], "error")
        self.assertEqual(reply["ename"], "TypeScriptError")
        self.assertIn("1:7", reply["evalue"])
        self.assertIn("not assignable to type 'number'", reply["evalue"])
        # The traceback quotes the line and puts a caret under the column.
        self.assertIn('    const n: number = "one"', reply["traceback"])
        self.assertIn("          ^", reply["traceback"])
        self.assertIn("error", [t for t, _ in outputs])

    def test_error_reply_fields(self):
        reply, outputs = self.run_cell('function fail() { throw new RangeError("out of range"); }\nfail()')
        self.assertEqual((reply["ename"], reply["evalue"]), ("RangeError", "out of range"))
        self.assertTrue(any("fail" in line for line in reply["traceback"]), reply["traceback"])

    def test_state(self):
        self.run_cell("let counter = 41")
        self.assertEqual(self.result_text("counter + 1"), "42")

    def test_redeclaration(self):
        self.run_cell("const twice = 1")
        self.assertEqual(self.result_text('const twice = "two"; twice'), "'two'")

    def test_top_level_await(self):
        self.assertEqual(self.result_text("await new Promise((r) => setTimeout(() => r(7), 50))"), "7")

    def test_import_convlab(self):
        self.assertEqual(self.result_text('import { randn } from "convlab"; randn([2, 3]).shape'), "[ 2, 3 ]")

    def test_import_local_esm_package(self):
        self.assertEqual(self.result_text('import { twice } from "local-esm"; twice(21)'), "42")

    def test_import_local_package(self):
        self.assertEqual(self.result_text('import { greet } from "local-greeter"; greet("ada")'), "'hello ada'")

    def test_execute_result_rich(self):
        reply, outputs = self.run_cell(DISPLAYABLE)
        results = [c for t, c in outputs if t == "execute_result"]
        self.assertIn("application/vnd.convlab.v1+json", results[0]["data"])
        self.assertEqual(results[0]["data"]["text/plain"], "tensor [1]")

    def test_tensor_display(self):
        # A convlab tensor as a cell's value arrives as its own bundle: the vendor type, a PNG and a text summary.
        reply, outputs = self.run_cell('import { randn, manualSeed } from "convlab"; manualSeed(0); randn([1, 4, 4])')
        self.assertEqual(reply["status"], "ok", reply)
        data = [c for t, c in outputs if t == "execute_result"][0]["data"]
        self.assertEqual(sorted(data), ["application/vnd.convlab.v1+json", "image/png", "text/plain"])
        self.assertEqual(data["application/vnd.convlab.v1+json"]["shape"], [1, 4, 4])

    def test_update_display_data(self):
        code = 'display("0%", { displayId: "bar" }); display("100%", { displayId: "bar", update: true })'
        reply, outputs = self.run_cell(code)
        kinds = [(t, c["transient"]["display_id"], c["data"]["text/plain"]) for t, c in outputs if "display" in t]
        self.assertEqual(kinds, [("display_data", "bar", "'0%'"), ("update_display_data", "bar", "'100%'")])

    def test_comm_info(self):
        self.flush_channels()
        msg_id = self.kc.comm_info()
        reply = self.get_non_kernel_info_reply(timeout=TIMEOUT)
        self.assertEqual(reply["parent_header"]["msg_id"], msg_id)
        self.assertEqual(reply["content"], {"status": "ok", "comms": {}})

    def test_stop_on_error_false(self):
        self.flush_channels()
        first = self.kc.execute("await new Promise((r) => setTimeout(r, 300)); throw new Error('first')",
                                stop_on_error=False)
        second = self.kc.execute("'second ran'")
        r1, _ = self.collect(first)
        r2, out2 = self.collect(second)
        self.assertEqual(r1["status"], "error")
        self.assertEqual(r2["status"], "ok")

    def test_stop_on_error_aborts_queue(self):
        self.flush_channels()
        first = self.kc.execute("await new Promise((r) => setTimeout(r, 300)); throw new Error('first')")
        second = self.kc.execute("'second ran'")
        r1, _ = self.collect(first)
        r2, _ = self.collect(second)
        self.assertEqual((r1["status"], r2["status"]), ("error", "aborted"))

    def test_silent(self):
        before = self.run_cell("1")[0]["execution_count"]
        reply, outputs = self.run_cell("2", silent=True)
        self.assertEqual([t for t, _ in outputs if t != "status"], [])
        after = self.run_cell("3")[0]["execution_count"]
        self.assertEqual(after, before + 1)

    def test_store_history_false(self):
        before = self.run_cell("1")[0]["execution_count"]
        self.run_cell("'not stored'", store_history=False)
        self.assertEqual(self.run_cell("1")[0]["execution_count"], before + 1)

    def test_user_expressions(self):
        self.run_cell("let base = 20")
        reply, _ = self.run_cell("", user_expressions={"next": "base + 1", "bad": "nope.x"})
        ue = reply["user_expressions"]
        self.assertEqual(ue["next"]["data"]["text/plain"], "21")
        self.assertEqual(ue["bad"]["status"], "error")

    def interrupt_cell(self, code, how):
        self.run_cell("let survivor = 'still here'")
        self.flush_channels()
        msg_id = self.kc.execute(code)
        time.sleep(1.0)
        start = time.time()
        if how == "message":
            self.km.interrupt_kernel()
        else:
            self.km.signal_kernel(signal.SIGINT)
        reply, _ = self.collect(msg_id)
        elapsed = time.time() - start
        TIMINGS[f"interrupt {how}: {code}"] = round(elapsed, 3)
        self.assertEqual(reply["status"], "error")
        self.assertEqual(reply["ename"], "KeyboardInterrupt")
        # The target is 1 s; the bound here leaves room for a loaded machine.
        self.assertLess(elapsed, 5.0)
        self.assertEqual(self.result_text("survivor"), "'still here'")
        return elapsed

    def test_interrupt_message_busy_loop(self):
        self.interrupt_cell("while (true) {}", "message")

    def test_interrupt_message_await(self):
        self.interrupt_cell("await new Promise(() => {})", "message")

    def test_interrupt_sigint_busy_loop(self):
        self.interrupt_cell("for (;;) {}", "signal")

    def test_interrupt_sigint_await(self):
        self.interrupt_cell("await new Promise(() => {})", "signal")

    def test_input_request(self):
        self.flush_channels()
        msg_id = self.kc.execute('const who = prompt("name?"); "hi " + who', allow_stdin=True)
        req = self.kc.get_stdin_msg(timeout=TIMEOUT)
        self.assertEqual(req["msg_type"], "input_request")
        self.assertEqual(req["content"]["prompt"], "name?")
        self.kc.input("Ada")
        reply, outputs = self.collect(msg_id)
        self.assertEqual(reply["status"], "ok")
        self.assertEqual([c["data"]["text/plain"] for t, c in outputs if t == "execute_result"], ["'hi Ada'"])

    def test_stdout_flood(self):
        n = 50000
        start = time.time()
        reply, outputs = self.run_cell(f"for (let i = 0; i < {n}; i++) console.log(i)", timeout=120)
        TIMINGS["flood 50000 lines, seconds"] = round(time.time() - start, 3)
        self.assertEqual(reply["status"], "ok")
        text = "".join(c["text"] for t, c in outputs if t == "stream" and c["name"] == "stdout")
        self.assertEqual(text.split("\n")[:-1], [str(i) for i in range(n)])
        TIMINGS["flood 50000 lines, messages"] = sum(1 for t, _ in outputs if t == "stream")

    def test_fuzzed_frames(self):
        info = self.km.get_connection_info()
        ctx = zmq.Context.instance()
        rng = random.Random(1234)
        key = info["key"]
        key = key.encode() if isinstance(key, str) else key
        socks = []
        for port in ("shell_port", "control_port", "stdin_port"):
            s = ctx.socket(zmq.DEALER)
            s.setsockopt(zmq.LINGER, 0)
            s.connect(f"{info['transport']}://{info['ip']}:{info[port]}")
            socks.append(s)
        header = json.dumps({"msg_id": "x", "session": "s", "username": "u", "date": "", "msg_type":
                             "execute_request", "version": "5.3"}).encode()
        content = json.dumps({"code": "process.exit(3)", "silent": False}).encode()
        for i in range(10000):
            kind = i % 5
            if kind == 0:  # random bytes
                frames = [rng.randbytes(rng.randint(0, 64)) for _ in range(rng.randint(1, 8))]
            elif kind == 1:  # well formed, wrong signature
                frames = [b"<IDS|MSG>", rng.randbytes(32).hex().encode(), header, b"{}", b"{}", content]
            elif kind == 2:  # no signature at all
                frames = [b"<IDS|MSG>", b"", header, b"{}", b"{}", content]
            elif kind == 3:  # too few frames
                frames = [b"<IDS|MSG>", b"abc", header][: rng.randint(1, 3)]
            else:  # correctly signed but not JSON / wrong shapes
                import hmac, hashlib
                parts = [rng.choice([b"not json", b"[]", b"null", header]), b"{}", rng.choice([b"1", b"{}"]), b"{"]
                sig = hmac.new(key, b"".join(parts), hashlib.sha256).hexdigest().encode()
                frames = [b"<IDS|MSG>", sig, *parts]
            socks[i % 3].send_multipart(frames)
        for s in socks:
            s.close()
        time.sleep(0.5)
        leaked = []
        while True:
            try:
                m = self.kc.get_iopub_msg(timeout=0.3)
            except Empty:
                break
            if m["msg_type"] == "stream" and "[convlab kernel]" in m["content"]["text"]:
                leaked.append(m["content"]["text"][:80])
        # Drops are logged to the kernel's own log, never into a notebook's output.
        self.assertEqual(leaked, [])
        with open(KERNEL_LOG.name) as f:
            self.assertIn("dropped message", f.read())
        # Alive and answering on every channel, and the would-be `process.exit(3)` never ran.
        self.assertTrue(self.km.is_alive())
        self.flush_channels()
        self.kc.kernel_info()
        reply = self.kc.get_shell_msg(timeout=TIMEOUT)
        self.assertEqual(reply["msg_type"], "kernel_info_reply")
        self.assertEqual(self.result_text("40 + 2"), "42")

    def test_kernel_info_details(self):
        self.flush_channels()
        self.kc.kernel_info()
        c = self.kc.get_shell_msg(timeout=TIMEOUT)["content"]
        self.assertEqual(c["status"], "ok")
        self.assertEqual(c["protocol_version"], "5.3")
        self.assertRegex(c["language_info"]["version"], r"^\d+\.\d+")

    def test_heartbeat(self):
        # is_beating reports the last one-second ping cycle; a cycle that began before the kernel bound its
        # sockets reads False until the next one completes.
        deadline = time.time() + 5
        while not self.kc.hb_channel.is_beating() and time.time() < deadline:
            time.sleep(0.1)
        self.assertTrue(self.kc.hb_channel.is_beating())


class LifecycleTests(unittest.TestCase):
    """Shutdown and restart on a kernel of its own."""

    def test_restart_and_shutdown(self):
        km, kc = start_new_kernel(kernel_name="convlab", cwd=make_notebook_folder(), stdout=KERNEL_LOG, stderr=KERNEL_LOG)
        try:
            kc.execute_interactive("let kept = 1", timeout=TIMEOUT)
            km.restart_kernel(now=False)
            kc.wait_for_ready(timeout=TIMEOUT)
            reply = kc.execute_interactive("kept", timeout=TIMEOUT)
            self.assertEqual(reply["content"]["status"], "error")  # state is gone: 'kept' is not defined
            self.assertTrue(km.is_alive())
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=False)
        self.assertFalse(km.is_alive())


class JsonResult(unittest.TestResult):
    def __init__(self):
        super().__init__()
        self.results = {}

    def _name(self, test):
        return test.id().split(".")[-1]

    def addSuccess(self, test):
        self.results.setdefault(self._name(test), {"status": "pass", "detail": ""})

    def _fail(self, test, err):
        self.results[self._name(test)] = {"status": "fail", "detail": self._exc_info_to_string(err, test)}

    addFailure = _fail
    addError = _fail

    def addSkip(self, test, reason):
        self.results[self._name(test)] = {"status": "skip", "detail": reason}

    def addSubTest(self, test, subtest, err):
        if err is not None:
            name = self._name(test)
            prev = self.results.get(name, {"status": "fail", "detail": ""})
            if issubclass(err[0], unittest.SkipTest):
                return
            self.results[name] = {"status": "fail", "detail": prev["detail"] + self._exc_info_to_string(err, subtest)}


def main():
    global KERNEL_LOG
    out = sys.argv[1]
    KERNEL_LOG = open(out + ".kernel.log", "w")
    only = sys.argv[2:]
    loader = unittest.TestLoader()
    suite = unittest.TestSuite()
    for cls in (ConvlabKernelTests, LifecycleTests):
        for name in loader.getTestCaseNames(cls):
            if not only or name in only:
                suite.addTest(cls(name))
    result = JsonResult()
    suite.run(result)
    for err_test, err in result.errors:  # setUpClass failures are not attributed to a test
        result.results.setdefault(str(err_test), {"status": "fail", "detail": err})
    with open(out, "w") as f:
        json.dump(result.results, f, indent=1)
    with open(out + ".timings.json", "w") as f:
        json.dump(TIMINGS, f, indent=1)
    for name, r in sorted(result.results.items()):
        print(f"{r['status']:4} {name}")


if __name__ == "__main__":
    main()
