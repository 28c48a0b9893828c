"""Agent endpoints (issue 15): MLflow ChatAgent and ResponsesAgent on the mock
(tests/mock/agents.py), streamed and not; chosen by --api or by the endpoint
metadata's task; the agent's own steps as --json tool_call/tool_result events
with "remote": true, on stderr under -v, never in the answer on stdout;
--custom-inputs; --trace FILE."""
import json
import os
import stat
import tempfile

from lib import NO_RETRIES, MockCase, reply_to, run, needs

CHAT_AGENT = "agents_main-default-helper"
CHAT_AGENT_V1 = "my-chat-agent"
RESP_AGENT = "agents_main-default-responder"
META = "/api/2.0/serving-endpoints/"
INVOKE = "/serving-endpoints/%s/invocations"


def events(res):
    return [json.loads(line) for line in res.out.splitlines() if line.strip()]


class Agents(MockCase):
    ENV = NO_RETRIES
    SHARED = True
    MOCK = {"lifetime": 600}  # one mock for the class: slow runs (valgrind) need long

    def chat(self, *args, glob=()):
        return run(list(glob) + ["chat"] + list(args), env=self.env(), timeout=30)

    def test_chat_agent_schema(self):
        for stream in ([], ["--no-stream"]):
            self.setUp()
            res = self.chat("--api", "agent-chat", "-m", CHAT_AGENT, *stream, "hello", "there")
            self.assertExit(res, 0)
            self.assertEqual(res.out, reply_to("hello there") + "\n", stream)
            req = self.reqs()[-1]
            self.assertEqual(req["path"], INVOKE % CHAT_AGENT)
            self.assertEqual(req["body"], {"messages": [{"role": "user", "content": "hello there"}],
                                           "stream": not stream})

    @needs("responses")

    def test_responses_agent_schema(self):
        for stream in ([], ["--no-stream"]):
            self.setUp()
            res = self.chat("--api", "agent-responses", "-m", RESP_AGENT, *stream, "hi")
            self.assertExit(res, 0)
            self.assertEqual(res.out, reply_to("hi") + "\n", stream)
            req = self.reqs()[-1]
            self.assertEqual(req["path"], INVOKE % RESP_AGENT)
            self.assertEqual(req["body"], {"input": [{"role": "user", "content": "hi"}],
                                           "stream": not stream})

    @needs("responses")

    def test_metadata_task_picks_the_schema(self):
        for name, key in ((CHAT_AGENT, "messages"), (CHAT_AGENT_V1, "messages"),
                          (RESP_AGENT, "input")):
            self.setUp()
            res = self.chat("-m", name, "hi")
            self.assertExit(res, 0)
            self.assertEqual(res.out, reply_to("hi") + "\n")
            self.assertEqual([(r["method"], r["path"]) for r in self.reqs()],
                             [("GET", META + name), ("POST", INVOKE % name)])
            self.assertIn(key, self.reqs()[-1]["body"])
        # read once per client: a conversation asks once
        self.setUp()
        res = run(["chat", "-i", "-m", CHAT_AGENT], env=self.env(), stdin=b"one\ntwo\n")
        self.assertExit(res, 0)
        self.assertEqual([r["method"] for r in self.reqs()], ["GET", "POST", "POST"])
        # --api skips the lookup; foundation model names are not looked up
        self.setUp()
        self.assertExit(self.chat("--api", "agent-chat", "-m", CHAT_AGENT, "hi"), 0)
        self.assertExit(self.chat("-m", "databricks-claude-sonnet-4", "hi"), 0)
        self.assertEqual([r["method"] for r in self.reqs()], ["POST", "POST"])

    @needs("responses")

    def test_remote_steps(self):
        prompt = "what is it scenario:agent-tool"
        args = json.dumps({"q": "what is it"})
        for api, name in (("agent-chat", CHAT_AGENT), ("agent-responses", RESP_AGENT)):
            for stream in ([], ["--no-stream"]):
                res = self.chat("--api", api, "-m", name, *stream, prompt, glob=["--json"])
                self.assertExit(res, 0)
                evs = events(res)
                self.assertEqual(evs[0], {"type": "tool_call", "id": "call_1", "name": "lookup",
                                          "arguments": args, "remote": True}, (api, stream))
                self.assertEqual(evs[1]["type"], "tool_result")
                self.assertEqual(evs[1]["id"], "call_1")
                self.assertEqual(evs[1]["text"], "42")
                self.assertIs(evs[1]["remote"], True)
                self.assertEqual("".join(e["text"] for e in evs if e["type"] == "text"),
                                 reply_to(prompt))
                self.assertEqual(evs[-1], {"type": "done", "finish_reason": "stop"})
                # plain: the answer alone on stdout; the steps on stderr under -v only
                res = self.chat("--api", api, "-m", name, *stream, prompt)
                self.assertExit(res, 0)
                self.assertEqual(res.out, reply_to(prompt) + "\n")
                self.assertNotIn("lookup", res.err)
                res = self.chat("--api", api, "-m", name, *stream, prompt, glob=["-v"])
                self.assertEqual(res.out, reply_to(prompt) + "\n")
                self.assertIn("remote tool_call call_1 lookup " + args, res.err)
                self.assertIn("remote tool_result call_1", res.err)

    def test_custom_inputs(self):
        path = os.path.join(tempfile.mkdtemp(), "ci.json")
        with open(path, "w") as f:
            f.write('{"user_id": "u7", "mode": {"fast": true}}')
        for value in ('{"user_id":"u7","mode":{"fast":true}}', "@" + path):
            res = self.chat("--api", "agent-chat", "-m", CHAT_AGENT, "--custom-inputs", value, "hi")
            self.assertExit(res, 0)
            self.assertEqual(self.reqs()[-1]["body"]["custom_inputs"],
                             {"user_id": "u7", "mode": {"fast": True}})
            self.assertIn('"user_id": "u7"', res.out)
        res = self.chat("-m", RESP_AGENT, "--custom-inputs", "[1]", "hi")
        self.assertExit(res, 2)
        self.assertOneLineError(res, "custom inputs")

    @needs("responses")

    def test_trace_file(self):
        d = tempfile.mkdtemp()
        for api, name in (("agent-chat", CHAT_AGENT), ("agent-responses", RESP_AGENT)):
            for stream in ([], ["--no-stream"]):
                path = os.path.join(d, "trace-%s%d.json" % (api, len(stream)))
                res = self.chat("--api", api, "-m", name, "--trace", path, *stream, "hi")
                self.assertExit(res, 0)
                self.assertEqual(res.out, reply_to("hi") + "\n")
                self.assertEqual(self.reqs()[-1]["body"]["databricks_options"],
                                 {"return_trace": True})
                with open(path) as f:
                    trace = json.load(f)
                self.assertEqual(trace["info"]["trace_id"], "tr-0123456789abcdef")
                self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        # no --trace: not asked for
        self.chat("--api", "agent-chat", "-m", CHAT_AGENT, "hi")
        self.assertNotIn("databricks_options", self.reqs()[-1]["body"])

    def test_bad_api_name(self):
        res = self.chat("--api", "agent", "hi")
        self.assertExit(res, 2)
        self.assertOneLineError(res, "agent-chat", "agent-responses")
