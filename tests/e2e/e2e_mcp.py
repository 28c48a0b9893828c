"""The agent loop: `dbxai chat` running the model's tool calls through MCP
servers, against the mock model (its call:NAME={JSON} words make it call tools,
one per turn, then answer "The tool said: ..." with the results it got back).

Servers: the MCP reference servers from npm (tests/mcp/package-lock.json,
installed by `make` with npm ci) over stdio and Streamable HTTP, a
purpose-built misbehaving one (tests/mcp/bad_server.py), and the mock
workspace's Databricks-managed path (tests/mock/mcp.py). Every test that starts
a local server checks that no process of it is left when dbxai has ended."""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from lib import TOKEN, TOP, Mock, MockCase, free_port, run, needs

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_repl import Session  # noqa: E402

NODE = shutil.which("node") or "node"
MODS = os.path.join(TOP, "tests", "mcp", "node_modules", "@modelcontextprotocol")
EVERYTHING = os.path.join(MODS, "server-everything", "dist", "index.js")
FILESYSTEM = os.path.join(MODS, "server-filesystem", "dist", "index.js")
BAD = os.path.join(TOP, "tests", "mcp", "bad_server.py")
EV = "mcp-servers_everything"  # serverInfo.name "mcp-servers/everything", sanitised


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is not alive; it is also not ours to reap
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def running_with(marker):
    """pids of processes whose command line holds marker."""
    found = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % d, "rb") as f:
                if marker.encode() in f.read() and alive(int(d)):
                    found.append(int(d))
        except OSError:
            pass
    return found


@needs("mcp")
class McpCase(MockCase):
    SHARED = True
    MOCK = {"lifetime": 600}
    ENV = {"path": True}

    def setUp(self):
        super().setUp()
        self.dir = tempfile.mkdtemp(prefix="dbxai-mcp-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.record = os.path.join(self.dir, "record.jsonl")
        # every local server gets the test's own directory in its command
        # line: after the test none may be left running
        self.addCleanup(self.assertNoneLeft)

    def assertNoneLeft(self):
        deadline = time.time() + 5
        while running_with(self.dir) and time.time() < deadline:
            time.sleep(0.1)
        left = running_with(self.dir)
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        self.assertEqual(left, [], "MCP server processes left running")

    def bad(self, *args):
        return "%s %s --record %s %s" % (sys.executable, BAD, self.record, " ".join(args))

    def everything(self):
        # the marker path as an argument the server ignores
        return "%s %s stdio %s" % (NODE, EVERYTHING, self.dir)

    def records(self):
        if not os.path.exists(self.record):
            return []
        with open(self.record) as f:
            return [json.loads(line) for line in f if line.strip()]

    def chat(self, *args, env=None, timeout=60):
        return run(["chat", "--no-mcp-config"] + list(args), self.env(**(env or {})), timeout=timeout)

    def chats(self):
        return [r for r in self.reqs() if r["path"].endswith("/invocations") or r["path"].endswith("/responses")]

    def bodies(self):
        return [r["body"] if isinstance(r["body"], dict) else json.loads(r["body"]) for r in self.chats()]


class Stdio(McpCase):
    def test_echo_and_sum_in_two_turns(self):
        res = self.chat("--mcp", self.everything(), "--allow-tools", "all",
                        'call:%s__echo={"message":"hi-there"} call:%s__get-sum={"a":2,"b":40}' % (EV, EV))
        self.assertExit(res, 0)
        self.assertEqual(res.out, "The tool said: The sum of 2 and 40 is 42.\n")
        self.assertIn('-> %s__echo {"message":"hi-there"}' % EV, res.err)
        self.assertIn("<- 14 B", res.err)
        bodies = self.bodies()
        self.assertEqual(len(bodies), 3)
        names = [t["function"]["name"] for t in bodies[0]["tools"]]
        self.assertIn(EV + "__echo", names)
        echo = [t for t in bodies[0]["tools"] if t["function"]["name"] == EV + "__echo"][0]
        self.assertEqual(echo["type"], "function")
        self.assertIn("message", echo["function"]["parameters"]["properties"])
        tool_msgs = [m for m in bodies[1]["messages"] if m["role"] == "tool"]
        self.assertEqual(tool_msgs, [{"role": "tool", "tool_call_id": "call_0001", "content": "Echo: hi-there"}])
        asked = [m for m in bodies[1]["messages"] if m["role"] == "assistant"][0]
        self.assertEqual(asked["tool_calls"][0]["function"]["name"], EV + "__echo")
        last = [m for m in bodies[2]["messages"] if m["role"] == "tool"]
        self.assertEqual(last[-1]["content"], "The sum of 2 and 40 is 42.")

    def test_json_events_and_save_then_continue(self):
        save = os.path.join(self.dir, "conv.json")
        res = run(["--json", "chat", "--no-mcp-config", "--mcp", self.everything(), "--allow-tools",
                   EV + "__*", "--save", save, 'call:%s__echo={"message":"ok"}' % EV], self.env())
        self.assertExit(res, 0)
        events = [json.loads(line) for line in res.out.splitlines()]
        kinds = [e["type"] for e in events]
        self.assertEqual(kinds.count("tool_result"), 1)
        call = [e for e in events if e["type"] == "tool_call"][0]
        self.assertEqual((call["server"], call["name"], call["id"]), (EV, EV + "__echo", "call_0001"))
        result = [e for e in events if e["type"] == "tool_result"][0]
        self.assertEqual(result, {"type": "tool_result", "id": "call_0001", "name": EV + "__echo",
                                  "server": EV, "is_error": False, "text": "Echo: ok"})
        self.assertLess(kinds.index("tool_call"), kinds.index("tool_result"))
        self.assertEqual(res.err, "")
        with open(save) as f:
            conv = json.load(f)
        self.assertEqual([m["role"] for m in conv], ["system", "user", "assistant", "tool", "assistant"])
        self.assertEqual(conv[3]["content"], "Echo: ok")
        self.assertEqual(os.stat(save).st_mode & 0o777, 0o600)
        # the saved exchange continues with --messages
        res = self.chat("--messages", save, "and now?")
        self.assertExit(res, 0)
        sent = self.bodies()[-1]["messages"]
        self.assertEqual([m["role"] for m in sent], ["system", "user", "assistant", "tool", "assistant", "user"])

    def test_responses_api_gets_function_call_output(self):
        res = self.chat("--api", "responses", "--mcp", self.everything(), "--allow-tools", "all",
                        'call:%s__echo={"message":"via-responses"}' % EV)
        self.assertExit(res, 0)
        self.assertEqual(res.out, "The tool said: Echo: via-responses\n")
        bodies = self.bodies()
        self.assertEqual(len(bodies), 2)
        tool = [t for t in bodies[0]["tools"] if t["name"] == EV + "__echo"][0]
        self.assertEqual(tool["type"], "function")
        outs = [i for i in bodies[1]["input"] if i.get("type") == "function_call_output"]
        self.assertEqual(outs, [{"type": "function_call_output", "call_id": "call_0001",
                                 "output": "Echo: via-responses"}])

    def test_filesystem_server_reads_a_file(self):
        data = os.path.join(self.dir, "data")
        os.mkdir(data)
        with open(os.path.join(data, "note.txt"), "w") as f:
            f.write("the door code is 4711")
        path = os.path.join(os.path.realpath(data), "note.txt")
        res = self.chat("--mcp", "%s %s %s" % (NODE, FILESYSTEM, data), "--allow-tools", "fs*",
                        "call:secure-filesystem-server__read_text_file=%s" % json.dumps({"path": path}).replace(" ", ""),
                        env={"HOME": self.dir})
        # the server is named secure-filesystem-server: fs* does not allow it
        self.assertExit(res, 2)
        self.assertIn("--allow-tools secure-filesystem-server__read_text_file", res.err)
        res = self.chat("--mcp", "%s %s %s" % (NODE, FILESYSTEM, data), "--allow-tools",
                        "secure-filesystem-server__read_*",
                        "call:secure-filesystem-server__read_text_file=%s" % json.dumps({"path": path}).replace(" ", ""))
        self.assertExit(res, 0)
        self.assertEqual(res.out, "The tool said: the door code is 4711\n")

    def test_environment_of_a_server_has_no_token(self):
        cfg = os.path.join(self.dir, "mcp.json")
        with open(cfg, "w") as f:
            json.dump({"mcpServers": {"ev": {"command": NODE, "args": [EVERYTHING, "stdio", self.dir],
                                             "env": {"MY_SETTING": "from-config"}}}}, f)
        res = self.chat("--mcp-config", cfg, "--allow-tools", "ev__get-env", "call:ev__get-env={}")
        self.assertExit(res, 0)
        self.assertIn("MY_SETTING", res.out)
        self.assertIn("from-config", res.out)
        self.assertNotIn("DATABRICKS", res.out)

    def test_default_config_file_and_no_mcp_config(self):
        conf = os.path.join(self.dir, "xdg")
        os.makedirs(os.path.join(conf, "dbxai"))
        with open(os.path.join(conf, "dbxai", "mcp.json"), "w") as f:
            json.dump({"mcpServers": {"b": {"command": sys.executable,
                                            "args": [BAD, "--record", self.record]}}}, f)
        res = run(["chat", "--allow-tools", "all", 'call:b__echo={"text":"cfg"}'],
                  self.env(XDG_CONFIG_HOME=conf))
        self.assertExit(res, 0)
        self.assertEqual(res.out, "The tool said: echo: cfg\n")
        res = run(["chat", "--no-mcp-config", "hello"], self.env(XDG_CONFIG_HOME=conf))
        self.assertExit(res, 0)
        self.assertNotIn("tools", self.bodies()[-1])
        # HOME/.config/dbxai/mcp.json when XDG_CONFIG_HOME is not set
        home = os.path.join(self.dir, "home")
        shutil.copytree(conf, os.path.join(home, ".config"))
        res = run(["chat", "--allow-tools", "all", 'call:b__echo={"text":"home"}'], self.env(HOME=home))
        self.assertEqual(res.out, "The tool said: echo: home\n")

    def test_command_words_and_quotes(self):
        spaced = os.path.join(self.dir, "a dir")
        os.mkdir(spaced)
        shutil.copy(BAD, os.path.join(spaced, "bad server.py"))
        cmd = "%s '%s' --name \"my server\" --record %s" % (sys.executable, os.path.join(spaced, "bad server.py"),
                                                          self.record)
        res = self.chat("--mcp", cmd, "--allow-tools", "all", 'call:my_server__echo={"text":"q"}')
        self.assertExit(res, 0)
        self.assertEqual(res.out, "The tool said: echo: q\n")
        res = self.chat("--mcp", "python3 'unclosed", "hi")
        self.assertExit(res, 2)
        self.assertOneLineError(res, "--mcp", "quote")

    def test_mcp_list(self):
        res = run(["mcp", "list", "--no-mcp-config", "--mcp", self.everything(), "--mcp", self.bad("--start paged")],
                  self.env())
        self.assertExit(res, 0)
        self.assertIn("%s  started  2025-06-18" % EV, res.out)
        self.assertIn("bad__echo", res.out)
        self.assertIn("the echo tool", res.out)
        self.assertNotIn("second line", res.out)
        self.assertIn("bad__image", res.out)  # all ten pages of tools/list
        res = run(["--json", "mcp", "list", "--no-mcp-config", "--mcp", self.bad(),
                   "--mcp", self.bad("--start exit", "--name gone")], self.env())
        self.assertNotEqual(res.rc, 0)
        rows = [json.loads(line) for line in res.out.splitlines()]
        self.assertEqual([(r["name"], r["started"]) for r in rows], [("bad", True), ("mcp2", False)])
        self.assertEqual(rows[0]["protocol"], "2025-06-18")
        self.assertIn({"name": "bad__echo", "tool": "echo", "description": "the echo tool"}, rows[0]["tools"])
        self.assertIn("exited with status 5", rows[1]["error"])
        self.assertIn("giving up at once", rows[1]["error"])  # its last stderr line


class Approval(McpCase):
    def test_refused_without_allow_tools_off_a_terminal(self):
        res = self.chat("--mcp", self.bad(), 'call:bad__echo={"text":"x"}')
        self.assertExit(res, 2)
        self.assertOneLineError(res, "bad__echo", "--allow-tools bad__echo")
        self.assertEqual(len(self.chats()), 1)
        res = self.chat("--mcp", self.bad(), "--allow-tools", "bad__x*,other", 'call:bad__echo={"text":"x"}')
        self.assertExit(res, 2)
        res = self.chat("--mcp", self.bad(), "--allow-tools", "other,bad__e?ho", 'call:bad__echo={"text":"x"}')
        self.assertExit(res, 0)

    def session(self, *args):
        s = Session(["chat", "--no-mcp-config", "--mcp", self.bad()] + list(args),
                    self.env(TERM="xterm", HOME=self.dir))
        self.addCleanup(s.close)
        return s

    def test_yes_no_always_on_a_terminal(self):
        s = self.session('call:bad__echo={"text":"one"}')
        s.expect(b"[y]es / [n]o / [a]lways for this tool:")
        self.assertIn("Run tool echo (server bad) [read-only hint]", s.text())
        self.assertIn('{"text":"one"}', s.text())
        s.send(b"y\n")
        s.expect(b"The tool said: echo: one")
        self.assertEqual(s.finish(), 0)

        s = self.session('call:bad__echo={"text":"two"}')
        s.expect(b"[a]lways for this tool:")
        s.send(b"n\n")
        s.expect(b"The tool said: The user declined to run this tool call.")
        self.assertEqual(s.finish(), 0)

        s = self.session('call:bad__echo={"text":"3"}', 'call:bad__echo={"text":"4"}', 'call:bad__log={}')
        s.expect(b"[a]lways for this tool:")
        s.send(b"a\n")
        # echo is not asked again; log is another tool
        s.expect(b"Run tool log")
        self.assertEqual(s.text().count("Run tool echo"), 1)
        s.send(b"y\n")
        s.expect(b"The tool said: logged")
        self.assertEqual(s.finish(), 0)

    def test_ctrl_c_during_a_call_ends_the_server(self):
        s = self.session("--allow-tools", "all", "call:bad__hang={}")
        s.expect(b"-> bad__hang")
        time.sleep(0.3)
        pids = [r["pid"] for r in self.records() if "pid" in r]
        self.assertEqual(len(pids), 1)
        self.assertTrue(alive(pids[0]))
        s.send(b"\x03")
        self.assertEqual(s.finish(), 130)
        self.assertFalse(alive(pids[0]), "the server outlived Ctrl-C")


    def test_interactive_session_keeps_its_servers(self):
        s = Session(["chat", "-i", "--no-mcp-config", "--mcp", self.bad()],
                    self.env(TERM="xterm", HOME=self.dir, DBXAI_HISTORY="0"))
        self.addCleanup(s.close)
        s.expect(b"> ")
        s.send(b'call:bad__echo={"text":"first"}\n')
        s.expect(b"[a]lways for this tool:")
        s.send(b"a\n")
        s.expect(b"The tool said: echo: first")
        at = s.mark()
        s.send(b'call:bad__echo={"text":"second"}\n')
        s.expect(b"The tool said: echo: second", start=at)
        self.assertNotIn("[a]lways", s.text()[at:])  # "always" holds for the session
        s.send(b"/exit\n")
        self.assertEqual(s.finish(), 0)
        self.assertEqual(len([r for r in self.records() if "pid" in r]), 1)  # started once


    def test_ctrl_c_in_a_session_cancels_the_call(self):
        s = Session(["chat", "-i", "--no-mcp-config", "--mcp", self.bad(), "--allow-tools", "all"],
                    self.env(TERM="xterm", HOME=self.dir, DBXAI_HISTORY="0"))
        self.addCleanup(s.close)
        s.expect(b"> ")
        s.send(b"call:bad__hang={}\n")
        s.expect(b"-> bad__hang")
        time.sleep(0.3)
        t0 = time.time()
        s.send(b"\x03")
        at = s.mark()
        s.expect(b"> ", start=at)
        self.assertLess(time.time() - t0, 5)  # not the 60 s tool timeout
        self.assertIn({"cancelled": 3}, self.records())
        s.send(b'call:bad__echo={"text":"still-here"}\n')
        s.expect(b"The tool said: echo: still-here")
        s.send(b"/exit\n")
        self.assertEqual(s.finish(), 0)


class Limits(McpCase):
    def test_tools_file_calls_end_the_run_as_without_mcp(self):
        tools = os.path.join(self.dir, "tools.json")
        with open(tools, "w") as f:
            json.dump([{"type": "function", "function": {"name": "get_weather", "parameters": {}}}], f)
        res = self.chat("--mcp", self.bad(), "--tools", tools, 'call:get_weather={"city":"Oslo"}')
        self.assertExit(res, 0)
        self.assertEqual(res.out, 'tool_call call_0001 get_weather {"city":"Oslo"}\n')
        names = [t["function"]["name"] for t in self.bodies()[0]["tools"]]
        self.assertEqual(names[0], "get_weather")
        self.assertIn("bad__echo", names)
        self.assertEqual(len(self.chats()), 1)

    def test_max_turns(self):
        save = os.path.join(self.dir, "conv.json")
        res = self.chat("--mcp", self.bad(), "--allow-tools", "all", "--max-turns", "3", "--save", save,
                        'loop:bad__echo={"text":"again"}')
        self.assertExit(res, 9)
        self.assertIn("3 turns", res.err)
        self.assertIn("--max-turns", res.err)
        self.assertEqual(len(self.chats()), 3)
        with open(save) as f:
            conv = json.load(f)
        self.assertEqual([m["role"] for m in conv].count("tool"), 2)
        res = self.chat("--max-turns", "0", "hi")
        self.assertExit(res, 2)
        res = self.chat("--tool-timeout", "soon", "hi")
        self.assertExit(res, 2)

    def test_timeout_cancels_and_the_model_is_told(self):
        t0 = time.time()
        res = self.chat("--mcp", self.bad(), "--allow-tools", "all", "--tool-timeout", "1",
                        "call:bad__hang={}", 'call:bad__echo={"text":"after"}')
        self.assertExit(res, 0)
        self.assertLess(time.time() - t0, 20)
        tools = [m for m in self.bodies()[1]["messages"] if m["role"] == "tool"]
        self.assertIn("no result within 1 s", tools[0]["content"])
        self.assertIn({"cancelled": 3}, self.records())  # 1: initialize, 2: tools/list
        self.assertEqual(res.out, "The tool said: echo: after\n")  # the server goes on

    def test_big_result_is_cut(self):
        res = self.chat("--mcp", self.bad(), "--allow-tools", "all", "call:bad__big={}")
        self.assertExit(res, 0)
        content = [m for m in self.bodies()[1]["messages"] if m["role"] == "tool"][0]["content"]
        self.assertTrue(content.startswith("x" * 1000))
        self.assertLess(len(content), 64 * 1024 + 200)
        self.assertIn("cut at 64 KiB of 10240.0 KiB", content)

    def test_image_becomes_a_placeholder_and_errors_are_results(self):
        res = self.chat("--mcp", self.bad(), "--allow-tools", "all", "call:bad__image={}", "call:bad__fail={}")
        self.assertExit(res, 0)
        tools = [m["content"] for m in self.bodies()[2]["messages"] if m["role"] == "tool"]
        self.assertEqual(tools[0], "[image: image/png, 0.9 KiB]\na picture")
        self.assertEqual(tools[1], "error: it went wrong (error -32000)")
        self.assertIn("<- 35 B, failed: error: it went wrong (error -32000)", res.err)


class Faults(McpCase):
    def test_crash_mid_call_then_the_run_goes_on(self):
        res = self.chat("--mcp", self.bad(), "--allow-tools", "all", "call:bad__crash={}",
                        'call:bad__echo={"text":"later"}')
        self.assertExit(res, 0)
        tools = [m["content"] for m in self.bodies()[2]["messages"] if m["role"] == "tool"]
        self.assertIn("MCP server bad", tools[0])
        self.assertIn("exited with status 3", tools[0])
        self.assertIn("crashing now", tools[0])
        self.assertEqual(tools[0], tools[1])  # its later call: the same error
        self.assertTrue(res.out.startswith("The tool said: MCP server bad"))

    def test_garbage_output(self):
        res = self.chat("--mcp", self.bad(), "--allow-tools", "all", "call:bad__garbage={}")
        self.assertExit(res, 0)
        tool = [m["content"] for m in self.bodies()[1]["messages"] if m["role"] == "tool"][0]
        self.assertIn("not JSON-RPC: 'this is not json'", tool)

    def test_server_requests_are_answered(self):
        res = self.chat("--mcp", self.bad(), "--allow-tools", "all", "call:bad__ask={}")
        self.assertExit(res, 0)
        answers = {r["asked"]: r["answer"] for r in self.records() if "asked" in r}
        self.assertEqual(answers["ping"], {"jsonrpc": "2.0", "id": 101, "result": {}})
        for req in ("sampling/createMessage", "roots/list", "elicitation/create"):
            self.assertEqual(answers[req]["error"]["code"], -32601, req)
        self.assertEqual(res.out, "The tool said: asked\n")

    def test_list_changed_lists_again_before_the_next_turn(self):
        res = self.chat("--mcp", self.bad(), "--allow-tools", "all", "call:bad__change={}", "call:bad__added={}")
        self.assertExit(res, 0)
        first, second = self.bodies()[0], self.bodies()[1]
        self.assertNotIn("bad__added", [t["function"]["name"] for t in first["tools"]])
        self.assertIn("bad__added", [t["function"]["name"] for t in second["tools"]])
        self.assertEqual(res.out, "The tool said: added works\n")

    def test_stderr_and_log_messages_under_verbose_only(self):
        res = self.chat("--mcp", self.bad(), "--allow-tools", "all", "call:bad__log={}")
        self.assertExit(res, 0)
        self.assertNotIn("disk nearly full", res.err)
        self.assertNotIn("bad: started", res.err)
        res = run(["-v", "chat", "--no-mcp-config", "--mcp", self.bad(), "--allow-tools", "all",
                   "call:bad__log={}"], self.env())
        self.assertIn("bad: warning: disk nearly full", res.err)
        self.assertIn("mcp1: bad: started", res.err)  # named once it has answered

    def test_servers_that_do_not_start(self):
        for args, words in ((["--start exit"], "exited with status 5"),
                            (["--start junk"], "not JSON-RPC: 'Server starting"),
                            (["--version 1999-01-01"], "revision '1999-01-01'")):
            res = self.chat("--mcp", self.bad(*args), "hello")
            self.assertExit(res, 0)  # the run goes on without it
            self.assertIn(words, res.err)
            self.assertIn("going on without it", res.err)
            self.assertEqual(res.out, "Hello! You said: hello\n")
        res = self.chat("--mcp", "/nonexistent/server --flag", "hello")
        self.assertExit(res, 0)
        self.assertIn("cannot run '/nonexistent/server': No such file or directory", res.err)
        res = self.chat("--mcp", self.bad("--version 2024-11-05"), "--allow-tools", "all",
                        'call:bad__echo={"text":"old"}')
        self.assertEqual(res.out, "The tool said: echo: old\n")

    def test_two_tools_with_one_name(self):
        res = self.chat("--mcp", self.bad(), "--mcp", self.bad(), "hi")
        self.assertExit(res, 2)
        self.assertOneLineError(res, "bad__echo")


class Http(McpCase):
    def test_everything_over_streamable_http(self):
        port = free_port()
        env = dict(os.environ, PORT=str(port))
        srv = subprocess.Popen([NODE, EVERYTHING, "streamableHttp", self.dir], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.addCleanup(lambda: (srv.kill(), srv.wait(), srv.stderr.close()))
        for _ in range(20):  # it says so on stderr once it listens
            line = srv.stderr.readline()
            if b"listening" in line or not line:
                break
        self.assertIn(b"listening", line)
        res = self.chat("--mcp-url", "http://127.0.0.1:%d/mcp" % port, "--allow-tools", "all",
                        'call:%s__echo={"message":"over-http"}' % EV)
        self.assertExit(res, 0)
        self.assertEqual(res.out, "The tool said: Echo: over-http\n")

    def test_workspace_path_gets_the_token_another_host_does_not(self):
        res = self.chat("--mcp-url", "/api/2.0/mcp/functions/main/default", "--allow-tools", "all",
                        'call:uc_functions__lookup={"key":"k1"}', "call:uc_functions__count={}")
        self.assertExit(res, 0)
        self.assertEqual(res.out, "The tool said: calls: 2\n")
        mcp = [r for r in self.reqs() if r["path"].startswith("/api/2.0/mcp/")]
        self.assertGreaterEqual(len(mcp), 5)  # initialize, initialized, list, 2 calls, DELETE
        self.assertTrue(all(r["headers"].get("authorization") == "Bearer " + TOKEN for r in mcp))
        self.assertEqual(mcp[-1]["method"], "DELETE")
        self.assertTrue(all(r["headers"].get("mcp-session-id") for r in mcp[1:]))
        self.assertEqual(mcp[2]["headers"].get("mcp-protocol-version"), "2025-06-18")
        with Mock(token=None) as other:
            res = self.chat("--mcp-url", other.url + "/api/2.0/mcp/genie/space1", "--allow-tools", "all",
                            'call:uc_functions__lookup={"key":"k2"}')
            self.assertExit(res, 0)
            self.assertEqual(res.out, "The tool said: found: k2\n")
            seen = other.requests()
            self.assertTrue(seen)
            self.assertFalse([r for r in seen if "authorization" in r["headers"]])

    def test_ended_session_starts_again(self):
        res = self.chat("--mcp-url", "/api/2.0/mcp/functions/main/default", "--allow-tools", "all",
                        "call:uc_functions__expire={}", "call:uc_functions__count={}")
        self.assertExit(res, 0)
        inits = [r for r in self.reqs() if r["path"].startswith("/api/2.0/mcp/") and
                 (r["body"] if isinstance(r["body"], dict) else json.loads(r["body"] or "{}")).get("method") == "initialize"]
        self.assertEqual(len(inits), 2)
        self.assertEqual(res.out, "The tool said: calls: 1\n")

    def test_plain_http_elsewhere_is_refused(self):
        res = self.chat("--mcp-url", "http://example.com/mcp", "hello")
        self.assertExit(res, 0)
        self.assertIn("http://", res.err)
        self.assertIn("going on without it", res.err)
