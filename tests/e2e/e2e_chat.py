"""`dbxai chat` against the mock serving endpoint (tests/mock/chat.py): request
bodies, streamed and whole replies, tool calls, reasoning, usage, JSON Lines,
the Responses API, retries and their spacing, the stream_options retry, the
fast-model fallback, errors and exit statuses.

Scenarios are picked per request by words in the prompt ("scenario:NAME", see
tests/mock/chat.py); one mock serves each test class, and each test looks only
at the requests it caused."""
import json
import os
import re
import subprocess
import tempfile
import time

from lib import BIN, RUN, TOKEN, MockCase, built, clean_env, needs, pki, reply_to, run, tmpfile

SYSTEM = "You are a helpful assistant."
MODEL = "databricks-claude-sonnet-4"
FAST = "databricks-claude-haiku-4-5"
INVOKE = "/serving-endpoints/%s/invocations"
RESPONSES = "/serving-endpoints/responses"
REASONING = "The user greets me. A short, friendly reply fits."
LONG_TEXT = " ".join("w%d" % i for i in range(16000))  # the mock's scenario:long
ARGS_PARIS = json.dumps({"city": "Paris", "unit": "celsius"})
ARGS_TOKYO = json.dumps({"city": "Tokyo", "note": "say \"hi\" \u2713"})
TOOLS = [
    {"type": "function", "function": {
        "name": "get_weather", "description": "Current weather for a city (\u00b0C) \u2014 \"quoted\"",
        "parameters": {"type": "object", "properties": {
            "city": {"type": "string"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
            "required": ["city"], "additionalProperties": False}}},
    {"type": "function", "function": {
        "name": "get_time", "description": "Local time", "strict": True,
        "parameters": {"type": "object", "properties": {"city": {"type": "string"},
                                                        "precision": {"type": "number", "minimum": 0.5}}}}},
]
# time for the work between two attempts (reading the reply, reconnecting);
# qemu runs TLS about 10x slower
SLACK = 0.35 if not RUN else 1.5
# fast retries: 100 ms, then 200, 400, ... capped at 1 s
RETRY_ENV = {"DATABRICKS_MAX_RETRIES": "3", "DATABRICKS_INITIAL_RETRY_INTERVAL_MS": "100",
             "DATABRICKS_BACKOFF_MULTIPLIER": "2", "DATABRICKS_MAX_RETRY_INTERVAL_MS": "1000"}


def words(text):
    return len(re.sub(r"scenario:\S+", " ", text).split())


def json_file(value):
    return tmpfile(value, ".json", "dbxai-chat-")


def events(res):
    """The JSON Lines of a --json run, each checked for its exact keys."""
    keys = {"text": {"type", "text"}, "reasoning": {"type", "text"},
            "tool_call": {"type", "id", "name", "arguments"},
            "usage": {"type", "prompt_tokens", "completion_tokens", "total_tokens"},
            "done": {"type", "finish_reason"}, "error": {"type", "code", "message"}}
    out = []
    for line in res.out.splitlines():
        ev = json.loads(line)
        assert ev.get("type") in keys, "unknown event %r\n%r" % (line, res)
        assert set(ev) == keys[ev["type"]], "event keys %r\n%r" % (line, res)
        out.append(ev)
    return out


def joined(evs, kind):
    return "".join(e["text"] for e in evs if e["type"] == kind)


def of_type(evs, kind):
    return [e for e in evs if e["type"] == kind]


class ChatCase(MockCase):
    """One mock per class; self.reqs() gives the requests of this test only."""

    SHARED = True
    MOCK = {"lifetime": 180}
    ENV = RETRY_ENV

    def chat(self, *args, env=None, stdin=b"", glob=(), timeout=30):
        return run(list(glob) + ["chat"] + list(args), env=self.env(**(env or {})), stdin=stdin,
                   timeout=timeout)

    def assertReply(self, res, prompt):
        self.assertExit(res, 0)
        self.assertEqual(res.out, reply_to(prompt) + "\n", res)

    def assertRetryLines(self, res, n):
        lines = [x for x in res.err.splitlines() if re.search("retrying", x, re.I)]
        self.assertEqual(len(lines), n, "expected %d retry lines\n%r" % (n, res))
        for x in lines:
            self.assertTrue(x.startswith("dbxai: "), x)

    def assertGaps(self, reqs, expected):
        """Spacing of the attempts (log times): each delay +-20 % plus slack."""
        times = [r["time"] for r in reqs]
        gaps = [b - a for a, b in zip(times, times[1:])]
        self.assertEqual(len(gaps), len(expected), gaps)
        for gap, want in zip(gaps, expected):
            self.assertGreaterEqual(gap, want * 0.8 - 0.02, "gaps %r, expected %r" % (gaps, expected))
            self.assertLess(gap, want * 1.2 + SLACK, "gaps %r, expected %r" % (gaps, expected))


class Requests(ChatCase):
    """What goes on the wire."""

    def test_streamed_reply_and_request_body(self):
        res = self.chat("hello", "world")
        self.assertReply(res, "hello world")
        self.assertEqual(res.err, "")
        reqs = self.reqs()
        self.assertEqual(len(reqs), 1)
        r = reqs[0]
        self.assertEqual((r["method"], r["path"]), ("POST", INVOKE % MODEL))
        self.assertEqual(r["headers"]["authorization"], "Bearer " + TOKEN)
        self.assertTrue(r["headers"]["content-type"].startswith("application/json"), r["headers"])
        self.assertEqual(r["body"], {
            "messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "hello world"}],
            "stream": True, "stream_options": {"include_usage": True}})

    def test_prompt_from_stdin(self):
        for args in ([], ["-"]):
            self.setUp()
            res = self.chat(*args, stdin="two lines\nfrom stdin \u2713\n".encode())
            self.assertExit(res, 0)
            self.assertEqual(res.out, "Hello! You said: two lines from stdin \u2713\n")
            body = self.reqs()[0]["body"]
            self.assertEqual(body["messages"][-1]["role"], "user")
            self.assertEqual(body["messages"][-1]["content"].rstrip("\n"), "two lines\nfrom stdin \u2713")

    def test_words_joined_by_spaces(self):
        res = self.chat("a", "b  c", "d")
        self.assertReply(res, "a b c d")
        self.assertEqual(self.reqs()[0]["body"]["messages"][-1]["content"], "a b  c d")

    def test_options_in_body(self):
        res = self.chat("-m", "databricks-claude-sonnet-4-5", "-s", "Be terse.", "-t", "0.5",
                        "--max-tokens", "64", "hi")
        self.assertReply(res, "hi")
        r = self.reqs()[0]
        self.assertEqual(r["path"], INVOKE % "databricks-claude-sonnet-4-5")
        b = r["body"]
        self.assertNotIn("model", b)
        self.assertEqual(b["messages"], [{"role": "system", "content": "Be terse."},
                                         {"role": "user", "content": "hi"}])
        self.assertEqual(b["temperature"], 0.5)
        self.assertEqual(b["max_tokens"], 64)
        self.assertIs(b["stream"], True)
        # long spellings
        self.setUp()
        res = self.chat("--model", "databricks-claude-sonnet-4-5", "--system", "Sys", "--temperature", "0",
                        "hi")
        self.assertExit(res, 0)
        b = self.reqs()[0]["body"]
        self.assertEqual(b["messages"][0], {"role": "system", "content": "Sys"})
        self.assertEqual(b["temperature"], 0)
        self.assertNotIn("max_tokens", b)

    def test_model_from_env_and_flag_beats_env(self):
        res = self.chat("hi", env={"DBXAI_MODEL": "databricks-meta-llama-3-3-70b-instruct"})
        self.assertReply(res, "hi")
        self.assertEqual(self.reqs()[0]["path"], INVOKE % "databricks-meta-llama-3-3-70b-instruct")
        self.setUp()
        res = self.chat("-m", "databricks-claude-sonnet-4-5", "hi",
                        env={"DBXAI_MODEL": "databricks-meta-llama-3-3-70b-instruct"})
        self.assertExit(res, 0)
        self.assertEqual(self.reqs()[0]["path"], INVOKE % "databricks-claude-sonnet-4-5")

    def test_tools_passed_through(self):
        res = self.chat("--tools", json_file(TOOLS), "hi")
        self.assertReply(res, "hi")
        self.assertEqual(self.reqs()[0]["body"]["tools"], TOOLS)

    def test_messages_file_then_prompt(self):
        history = [
            {"role": "user", "content": "What is the weather in Paris?"},
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": "call_a1", "type": "function",
                 "function": {"name": "get_weather", "arguments": ARGS_PARIS}}]},
            {"role": "tool", "tool_call_id": "call_a1", "content": "18 degrees, sunny"},
            {"role": "assistant", "content": "It is 18 \u00b0C and sunny in Paris."},
        ]
        res = self.chat("--messages", json_file(history), "--tools", json_file(TOOLS), "and", "tomorrow?")
        self.assertReply(res, "and tomorrow?")
        b = self.reqs()[0]["body"]
        self.assertEqual(b["messages"], [{"role": "system", "content": SYSTEM}] + history +
                         [{"role": "user", "content": "and tomorrow?"}])
        self.assertEqual(b["tools"], TOOLS)

    def test_messages_file_ending_in_tool_results(self):
        # no PROMPT: the conversation is continued as it stands (README:
        # `dbxai chat --messages history.json`), the tool results go last
        history = [
            {"role": "user", "content": "Weather in Paris and Tokyo?"},
            {"role": "assistant", "content": "Let me check.", "tool_calls": [
                {"id": "call_a1", "type": "function", "function": {"name": "get_weather", "arguments": ARGS_PARIS}},
                {"id": "call_b2", "type": "function", "function": {"name": "get_weather", "arguments": ARGS_TOKYO}}]},
            {"role": "tool", "tool_call_id": "call_a1", "content": "18 degrees"},
            {"role": "tool", "tool_call_id": "call_b2", "content": "25 degrees"},
        ]
        res = self.chat("--messages", json_file(history), "--tools", json_file(TOOLS))
        self.assertExit(res, 0)
        self.assertEqual(res.out, "The tool said: 18 degrees; 25 degrees\n")
        b = self.reqs()[0]["body"]
        self.assertEqual(b["messages"], [{"role": "system", "content": SYSTEM}] + history)

    def test_unicode_and_escapes_round_trip(self):
        prompt = "h\u00e9llo w\u00f6rld \u2713 \U0001F600 \"quoted\" back\\slash \u65e5\u672c"
        res = self.chat(prompt)
        self.assertReply(res, prompt)
        self.assertEqual(self.reqs()[0]["body"]["messages"][-1]["content"], prompt)

    def test_no_stream(self):
        res = self.chat("--no-stream", "hi")
        self.assertReply(res, "hi")
        b = self.reqs()[0]["body"]
        self.assertIs(b["stream"], False)
        self.assertNotIn("stream_options", b)

    def test_secrets_stay_out_of_verbose_output(self):
        # run() fails the test if the token (or 12 bytes of it) is printed
        res = self.chat("hi", glob=["-v"])
        self.assertReply(res, "hi")
        self.assertIn("[redacted]", res.err)
        res = self.chat("hi scenario:401", glob=["-v"])
        self.assertExit(res, 3)
        res = self.chat("--json", "hi scenario:error-event", glob=["-v"])
        self.assertExit(res, 6)


class Output(ChatCase):
    """Plain and JSON Lines output of each reply shape."""

    def test_json_lines(self):
        prompt = "hello there"
        res = self.chat("hello", "there", glob=["--json"])
        self.assertExit(res, 0)
        evs = events(res)
        self.assertEqual(joined(evs, "text"), reply_to(prompt))
        self.assertGreater(len(of_type(evs, "text")), 1, "the reply came in several deltas")
        p = words(SYSTEM) + words(prompt)
        c = words(reply_to(prompt))
        self.assertEqual(of_type(evs, "usage"), [{"type": "usage", "prompt_tokens": p, "completion_tokens": c,
                                                  "total_tokens": p + c}])
        self.assertEqual(evs[-1], {"type": "done", "finish_reason": "stop"})
        self.assertEqual(of_type(evs, "tool_call") + of_type(evs, "reasoning") + of_type(evs, "error"), [])

    def test_usage_on_every_chunk_or_only_the_last(self):
        # default: usage on every chunk, counts growing; usage-last: one last
        # chunk with empty choices; --no-stream: in the reply. Once, final values.
        for extra, args in (("", []), (" scenario:usage-last", []), ("", ["--no-stream"])):
            prompt = "count me" + extra
            res = self.chat(*(args + ["--json", prompt]))
            self.assertExit(res, 0)
            p = words(SYSTEM) + words(prompt)
            c = words(reply_to(prompt))
            self.assertEqual(of_type(events(res), "usage"),
                             [{"type": "usage", "prompt_tokens": p, "completion_tokens": c,
                               "total_tokens": p + c}], "%r %r\n%r" % (extra, args, res))

    def test_no_usage(self):
        res = self.chat("--json", "hi scenario:no-usage")
        self.assertExit(res, 0)
        evs = events(res)
        self.assertEqual(of_type(evs, "usage"), [])
        self.assertEqual(evs[-1], {"type": "done", "finish_reason": "stop"})

    def test_reasoning_never_on_stdout(self):
        for args in ([], ["--no-stream"]):
            prompt = "think scenario:reasoning"
            res = self.chat(*(args + [prompt]))
            self.assertReply(res, prompt)
            self.assertNotIn("greets", res.out + res.err)
            res = self.chat(*(args + ["--show-reasoning", prompt]))
            self.assertReply(res, prompt)
            self.assertIn(REASONING, res.err)
            res = self.chat(*(args + ["--json", prompt]))
            self.assertExit(res, 0)
            evs = events(res)
            self.assertEqual(joined(evs, "reasoning"), REASONING)
            self.assertEqual(joined(evs, "text"), reply_to(prompt))

    def test_content_as_array_of_items(self):
        for args in ([], ["--no-stream"]):
            prompt = "items scenario:array-content"
            self.assertReply(self.chat(*(args + [prompt])), prompt)

    def test_tool_call_plain(self):
        prompt = "weather? scenario:tool_call"
        for args in ([], ["--no-stream"]):
            res = self.chat(*(args + ["--tools", json_file(TOOLS), prompt]))
            self.assertExit(res, 0)
            self.assertEqual(res.out, "%s\ntool_call call_0001 get_weather %s\n" % (reply_to(prompt), ARGS_PARIS))

    def test_parallel_tool_calls(self):
        prompt = "both? scenario:parallel-tools"
        for args in ([], ["--no-stream"]):
            res = self.chat(*(args + ["--tools", json_file(TOOLS), prompt]))
            self.assertExit(res, 0)
            self.assertEqual(res.out.splitlines(), [
                reply_to(prompt),
                "tool_call call_0001 get_weather " + ARGS_PARIS,
                "tool_call call_0002 get_time " + ARGS_TOKYO])
            res = self.chat(*(args + ["--json", "--tools", json_file(TOOLS), prompt]))
            self.assertExit(res, 0)
            evs = events(res)
            self.assertEqual(of_type(evs, "tool_call"), [
                {"type": "tool_call", "id": "call_0001", "name": "get_weather", "arguments": ARGS_PARIS},
                {"type": "tool_call", "id": "call_0002", "name": "get_time", "arguments": ARGS_TOKYO}])
            for e in of_type(evs, "tool_call"):
                json.loads(e["arguments"])
            self.assertEqual(evs[-1], {"type": "done", "finish_reason": "tool_calls"})
            self.assertEqual(joined(evs, "text"), reply_to(prompt))

    def test_tool_calls_without_text(self):
        for args in built([], ["--no-stream"], ["--api", "responses"]):
            res = self.chat(*(args + ["--tools", json_file(TOOLS), "scenario:tool_call scenario:tool-only"]))
            self.assertExit(res, 0)
            self.assertEqual(res.out, "tool_call call_0001 get_weather %s\n" % ARGS_PARIS, args)
            res = self.chat(*(args + ["--json", "--tools", json_file(TOOLS), "scenario:parallel-tools scenario:tool-only"]))
            self.assertExit(res, 0)
            evs = events(res)
            self.assertEqual([e["type"] for e in evs], ["tool_call", "tool_call", "usage", "done"], args)
            self.assertEqual(evs[-1]["finish_reason"], "tool_calls")

    def test_wire_variants(self):
        """Line endings, 1-byte writes, 7-byte HTTP chunks, a body ended by
        EOF, no [DONE], a slow first event, a JSON reply to a stream request."""
        variants = ["crlf", "cr", "bytewise", "bytewise scenario:crlf", "split", "split scenario:cr",
                    "eof-framing", "no-done", "eof-framing scenario:no-done", "ignore-stream",
                    "array-content scenario:cr scenario:usage-last"]
        for v in variants:
            prompt = "variant scenario:" + v
            res = self.chat(prompt)
            self.assertExit(res, 0)
            self.assertEqual(res.out, reply_to(prompt) + "\n", "%s\n%r" % (v, res))
            res = self.chat("--json", prompt)
            self.assertExit(res, 0)
            evs = events(res)
            self.assertEqual(joined(evs, "text"), reply_to(prompt), v)
            self.assertEqual(evs[-1]["type"], "done", v)

    def test_long_reply(self):
        # about 100 KB: the Responses API's *.done and response.completed
        # events repeat it whole and are larger than a 64 KiB event buffer
        prompt = "go on scenario:long"
        want = reply_to(prompt) + " " + LONG_TEXT
        p = words(SYSTEM) + words(prompt)
        c = words(want)
        for args in built([], ["--no-stream"], ["--api", "responses"], ["--api", "responses", "--no-stream"]):
            res = self.chat(*(args + [prompt]))
            self.assertExit(res, 0)
            self.assertEqual(res.out, want + "\n", args)
            res = self.chat(*(args + ["--json", prompt]))
            self.assertExit(res, 0)
            evs = events(res)
            self.assertEqual(joined(evs, "text"), want, args)
            self.assertEqual(of_type(evs, "usage"), [{"type": "usage", "prompt_tokens": p, "completion_tokens": c,
                                                      "total_tokens": p + c}], args)
            self.assertEqual(evs[-1], {"type": "done", "finish_reason": "stop"}, args)

    def test_text_ending_in_newline_gets_no_second_one(self):
        for args in built([], ["--no-stream"], ["--api", "responses"]):
            res = self.chat(*(args + ["hi scenario:newline-end"]))
            self.assertReply(res, "hi")

    def test_finish_reason_length(self):
        for args in built([], ["--no-stream"], ["--api", "responses"]):
            res = self.chat(*(args + ["--json", "hi scenario:length scenario:usage-last"]))
            self.assertExit(res, 0)
            self.assertEqual(events(res)[-1], {"type": "done", "finish_reason": "length"}, args)

    def test_slow_first_event_within_idle_timeout(self):
        prompt = "slowly scenario:slow-first"
        t0 = time.time()
        res = self.chat(prompt, glob=["--idle-timeout", "3"])
        self.assertReply(res, prompt)
        self.assertGreaterEqual(time.time() - t0, 1.4)


class Errors(ChatCase):
    """Rejected requests: exit status, one line, the --json error event, no retry."""

    def check(self, scenario, code, json_code, words_, requests=1, env=None):
        res = self.chat("hi scenario:" + scenario, env=env)
        self.assertExit(res, code)
        final = [x for x in res.err.splitlines() if x.strip() and "retrying" not in x]
        self.assertEqual(len(final), 1, "one line besides the retry notices\n%r" % res)
        for w in words_:
            self.assertIn(w.lower(), final[0].lower(), res)
        self.assertEqual(res.out, "")
        self.assertEqual(len(self.reqs()), requests, "no retry for %s" % scenario)
        res = self.chat("--json", "hi scenario:" + scenario, env=env)
        self.assertExit(res, code)
        evs = events(res)
        self.assertEqual(len(evs), 1, res)
        self.assertEqual(evs[0]["code"], json_code, res)
        return res

    def test_401(self):
        self.check("401", 3, "auth", ["401", "token was refused", "dbxai configure", "DATABRICKS_TOKEN"])

    def test_403(self):
        self.check("403", 3, "auth", ["403", "PERMISSION_DENIED"])

    def test_wrong_token(self):
        res = self.chat("hi", env={"DATABRICKS_TOKEN": "dapi-wrong-token-000"})
        self.assertExit(res, 3)
        self.assertOneLineError(res, "401")
        self.assertEqual(len(self.reqs()), 1)

    def test_no_credentials(self):
        home = tempfile.mkdtemp(prefix="dbxai-home-")
        res = self.chat("hi", env={"DATABRICKS_TOKEN": None, "HOME": home,
                                   "DATABRICKS_CONFIG_FILE": os.path.join(home, "none.cfg")})
        self.assertExit(res, 3)
        lines = [x for x in res.err.splitlines() if x.strip()]
        self.assertEqual(len(lines), 1, res)
        self.assertRegex(lines[0], "dbxai login|DATABRICKS_TOKEN")
        for r in self.reqs():
            self.assertNotIn("authorization", r["headers"])

    def test_context_length(self):
        res = self.check("400-context", 5, "context_length", ["too long"])
        self.assertIn("too long", events(res)[0]["message"])

    def test_413(self):
        self.check("413", 5, "context_length", ["413"])

    def test_400(self):
        self.check("400", 5, "bad_request", ["400", "BAD_REQUEST"])

    def test_unknown_model(self):
        res = self.chat("-m", "no-such-endpoint", "hi")
        self.assertExit(res, 5)
        self.assertOneLineError(res, "404", "RESOURCE_DOES_NOT_EXIST")
        self.assertEqual([r["path"] for r in self.reqs()], [INVOKE % "no-such-endpoint"])

    def test_rate_limited_after_retries(self):
        res = self.check("429", 4, "rate_limited", ["429"], requests=4,
                         env={"DATABRICKS_MAX_RETRIES": "3"})
        self.assertRetryLines(res, 3)

    def test_server_error_after_retries(self):
        res = self.check("503", 6, "server", ["503"], requests=2, env={"DATABRICKS_MAX_RETRIES": "1"})
        self.assertRetryLines(res, 1)


class Retries(ChatCase):
    def test_backoff_spacing(self):
        # delays 100, 300, 900 -> capped at 400 ms; +-20 % jitter
        t0 = time.time()
        res = self.chat("hi scenario:500", env={"DATABRICKS_MAX_RETRIES": "3",
                                                "DATABRICKS_BACKOFF_MULTIPLIER": "3",
                                                "DATABRICKS_MAX_RETRY_INTERVAL_MS": "400"})
        self.assertExit(res, 6)
        self.assertRetryLines(res, 3)
        reqs = self.reqs()
        self.assertEqual(len(reqs), 4)
        self.assertGaps(reqs, [0.1, 0.3, 0.4])
        self.assertLess(time.time() - t0, 5 if not RUN else 15)

    def test_429_then_ok(self):
        res = self.chat("hi scenario:429x2-then-ok")
        self.assertReply(res, "hi scenario:429x2-then-ok")
        self.assertRetryLines(res, 2)
        reqs = self.reqs()
        self.assertEqual(len(reqs), 3)
        self.assertGaps(reqs, [0.1, 0.2])
        # the same request each time
        self.assertEqual(reqs[0]["body"], reqs[2]["body"])

    def test_retry_after_is_a_floor(self):
        res = self.chat("hi scenario:429-retry-after-then-ok")
        self.assertExit(res, 0)
        self.assertRetryLines(res, 1)
        reqs = self.reqs()
        self.assertEqual(len(reqs), 2)
        gap = reqs[1]["time"] - reqs[0]["time"]
        self.assertGreaterEqual(gap, 0.9, "Retry-After: 1 honoured")
        self.assertLess(gap, 1.2 + SLACK)

    def test_retry_after_http_date(self):
        res = self.chat("hi scenario:429-retry-date-then-ok")
        self.assertExit(res, 0)
        reqs = self.reqs()
        self.assertEqual(len(reqs), 2)
        # the date is 2 s ahead in whole seconds: at least 1 s to wait
        gap = reqs[1]["time"] - reqs[0]["time"]
        self.assertGreaterEqual(gap, 0.9)
        self.assertLess(gap, 2.2 + SLACK)

    def test_retry_after_capped_by_max_interval(self):
        res = self.chat("hi scenario:429-retry-after-then-ok",
                        env={"DATABRICKS_MAX_RETRY_INTERVAL_MS": "300"})
        self.assertExit(res, 0)
        reqs = self.reqs()
        self.assertEqual(len(reqs), 2)
        self.assertLess(reqs[1]["time"] - reqs[0]["time"], 0.36 + SLACK, "Retry-After capped at 300 ms")

    def test_503_then_ok(self):
        res = self.chat("hi scenario:503-then-ok")
        self.assertReply(res, "hi scenario:503-then-ok")
        self.assertRetryLines(res, 1)
        self.assertEqual(len(self.reqs()), 2)

    def test_bad_gateway_html_then_ok(self):
        res = self.chat("hi scenario:502-then-ok")
        self.assertExit(res, 0)
        self.assertRetryLines(res, 1)

    def test_connection_closed_then_ok(self):
        res = self.chat("hi scenario:network-then-ok")
        self.assertReply(res, "hi scenario:network-then-ok")
        self.assertRetryLines(res, 1)
        self.assertEqual(len(self.reqs()), 2)

    def test_no_retries(self):
        res = self.chat("hi scenario:429", env={"DATABRICKS_MAX_RETRIES": "0"})
        self.assertExit(res, 4)
        self.assertOneLineError(res, "429")
        self.assertEqual(len(self.reqs()), 1)

    def test_default_retry_settings(self):
        # no retry variables: 3 retries from 1 s; one failure costs about 1 s
        env = {k: None for k in RETRY_ENV}
        res = self.chat("hi scenario:503-then-ok", env=env)
        self.assertExit(res, 0)
        reqs = self.reqs()
        self.assertEqual(len(reqs), 2)
        self.assertGaps(reqs, [1.0])

    def test_bad_retry_variables(self):
        bad = [("DATABRICKS_MAX_RETRIES", "abc"), ("DATABRICKS_MAX_RETRIES", "-1"),
               ("DATABRICKS_MAX_RETRIES", "2x"), ("DATABRICKS_INITIAL_RETRY_INTERVAL_MS", "10ms"),
               ("DATABRICKS_BACKOFF_MULTIPLIER", "two"), ("DATABRICKS_MAX_RETRY_INTERVAL_MS", "1e999x")]
        for name, value in bad:
            res = self.chat("hi", env={name: value})
            self.assertExit(res, 2)
            self.assertOneLineError(res, name)
        self.assertEqual(self.reqs(), [])

    def test_stream_options_rejected(self):
        prompt = "hi scenario:400-stream-options"
        res = self.chat(prompt)
        self.assertReply(res, prompt)
        reqs = self.reqs()
        self.assertEqual(len(reqs), 2)
        self.assertEqual(reqs[0]["body"]["stream_options"], {"include_usage": True})
        self.assertNotIn("stream_options", reqs[1]["body"])
        self.assertIs(reqs[1]["body"]["stream"], True)
        self.assertEqual(reqs[0]["body"]["messages"], reqs[1]["body"]["messages"])

    def test_fast_model_answers(self):
        res = self.chat("--fast", "hi")
        self.assertReply(res, "hi")
        self.assertEqual(res.err, "")
        self.assertEqual([r["path"] for r in self.reqs()], [INVOKE % FAST])

    def test_fast_model_falls_back(self):
        prompt = "hi scenario:fast-fails"
        res = self.chat("--fast", prompt)
        self.assertReply(res, prompt)
        self.assertOneLineError(res, FAST)
        # 503 is retryable, but the fast model gets no retries
        self.assertEqual([r["path"] for r in self.reqs()], [INVOKE % FAST, INVOKE % MODEL])
        self.setUp()
        res = self.chat("--fast", "-m", "databricks-claude-sonnet-4-5", prompt)
        self.assertReply(res, prompt)
        self.assertEqual([r["path"] for r in self.reqs()],
                         [INVOKE % FAST, INVOKE % "databricks-claude-sonnet-4-5"])

    def test_fast_model_no_fallback_after_output(self):
        # text from the fast model reached stdout: no second answer after it
        res = self.chat("--fast", "hi scenario:cut")
        self.assertExit(res, 8)
        self.assertEqual([r["path"] for r in self.reqs()], [INVOKE % FAST])

    def test_fast_fallback_keeps_the_main_models_retries(self):
        res = self.chat("--fast", "hi scenario:503x2-then-ok")
        self.assertExit(res, 0)
        # haiku once (the first failure), then the model: one more failure, one retry
        self.assertEqual([r["path"] for r in self.reqs()], [INVOKE % FAST, INVOKE % MODEL, INVOKE % MODEL])


class Streams(ChatCase):
    """Streams that break after text reached stdout: never retried, text kept."""

    def test_error_event_mid_stream(self):
        prompt = "hi scenario:error-event"
        res = self.chat(prompt)
        self.assertExit(res, 6)
        self.assertOneLineError(res, "Upstream model overloaded")
        self.assertTrue(res.out.endswith("\n"), res)
        self.assertTrue(reply_to(prompt).startswith(res.out[:-1]) and len(res.out) > 6, res)
        self.assertEqual(len(self.reqs()), 1)
        res = self.chat("--json", prompt)
        self.assertExit(res, 6)
        evs = events(res)
        self.assertTrue(reply_to(prompt).startswith(joined(evs, "text")))
        self.assertEqual(evs[-1]["type"], "error")
        self.assertEqual(evs[-1]["code"], "server")
        self.assertIn("Upstream model overloaded", evs[-1]["message"])

    def test_cut_mid_stream(self):
        prompt = "hi scenario:cut"
        res = self.chat(prompt)
        self.assertExit(res, 8)
        lines = [x for x in res.err.splitlines() if x.strip()]
        self.assertEqual(len(lines), 1, res)
        self.assertTrue(res.out.endswith("\n") and len(res.out) > 6, res)
        self.assertTrue(reply_to(prompt).startswith(res.out[:-1]), res)
        self.assertEqual(len(self.reqs()), 1, "never retried once text reached stdout")
        res = self.chat("--json", prompt)
        self.assertExit(res, 8)
        self.assertEqual(events(res)[-1]["code"], "protocol")

    def test_cut_whole_reply(self):
        res = self.chat("--no-stream", "hi scenario:cut", env={"DATABRICKS_MAX_RETRIES": "0"})
        self.assertExit(res, 8)
        self.assertEqual(res.out, "")

    def test_idle_timeout_with_keepalive_comments(self):
        t0 = time.time()
        res = self.chat("hi scenario:keepalive", glob=["--idle-timeout", "1"],
                        env={"DATABRICKS_MAX_RETRIES": "0"})
        took = time.time() - t0
        self.assertExit(res, 7)
        self.assertOneLineError(res, "idle")
        self.assertEqual(res.out, "")
        self.assertGreaterEqual(took, 0.95)
        self.assertLess(took, 2.5 if not RUN else 4.0, "took %.2f s" % took)
        res = self.chat("--json", "hi scenario:keepalive", glob=["--idle-timeout", "1"],
                        env={"DATABRICKS_MAX_RETRIES": "0"})
        self.assertExit(res, 7)
        self.assertEqual(events(res)[-1]["code"], "network")

    def test_slow_first_event_past_idle_timeout(self):
        res = self.chat("hi scenario:slow-first", glob=["--idle-timeout", "1"],
                        env={"DATABRICKS_MAX_RETRIES": "0"})
        self.assertExit(res, 7)
        self.assertOneLineError(res, "idle")


class Usage(ChatCase):
    """Usage and configuration errors: exit 2, one line, no request."""

    def test_bad_arguments(self):
        bad_json = json_file("[{\"type\": \"function\",")
        cases = [
            (["--bogus", "hi"], ["--bogus"]),
            (["-m"], ["-m"]),
            (["--tools", "/nonexistent/tools.json", "hi"], ["/nonexistent/tools.json"]),
            (["--messages", "/nonexistent/history.json", "hi"], ["/nonexistent/history.json"]),
            (["--tools", bad_json, "hi"], ["tools"]),
            (["--messages", bad_json, "hi"], ["messages"]),
            (["--tools", json_file({"not": "an array"}), "hi"], ["tools"]),
            (["--temperature", "warm", "hi"], ["--temperature"]),
            (["--max-tokens", "many", "hi"], ["--max-tokens"]),
            (["--api", "soap", "hi"], ["--api"]),
        ]
        for args, words_ in cases:
            res = self.chat(*args)
            self.assertExit(res, 2)
            self.assertOneLineError(res, *words_)
        self.assertEqual(self.reqs(), [])

    def test_model_name_cannot_change_the_path(self):
        for name in ("../../api/2.0/token/create", "a/b", "m?x=1", "m#f", "m%2F", "m n"):
            res = self.chat("-m", name, "hi")
            self.assertExit(res, 2)
            self.assertOneLineError(res, "model")
        self.assertEqual(self.reqs(), [])

    def test_stdout_not_writable(self):
        with open("/dev/full", "w") as full:
            p = subprocess.run(RUN + [BIN, "chat", "hi"], env=self.env(path=True),
                               stdout=full, stderr=subprocess.PIPE, timeout=30)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertEqual(len(p.stderr.decode().strip().splitlines()), 1, p.stderr)
        self.assertNotIn(TOKEN, p.stderr.decode())

    def test_missing_host(self):
        res = run(["chat", "hi"], env=clean_env(cacert=None, home=tempfile.mkdtemp()))
        self.assertExit(res, 2)
        self.assertOneLineError(res, "DATABRICKS_HOST")

    def test_cacert_flag(self):
        env = self.env(SSL_CERT_FILE=None)
        res = run(["--cacert", pki("ca.pem"), "chat", "hi"], env=env)
        self.assertReply(res, "hi")


@needs("responses")
class Responses(ChatCase):
    """The Responses API: --api responses, or a model name with "codex"."""

    def test_streamed_reply_and_request_body(self):
        res = self.chat("--api", "responses", "-m", "databricks-gpt-5", "hello")
        self.assertReply(res, "hello")
        reqs = self.reqs()
        self.assertEqual(len(reqs), 1)
        r = reqs[0]
        self.assertEqual((r["method"], r["path"]), ("POST", RESPONSES))
        self.assertEqual(r["headers"]["authorization"], "Bearer " + TOKEN)
        b = r["body"]
        self.assertEqual(b["model"], "databricks-gpt-5")
        self.assertEqual(b["instructions"], SYSTEM)
        self.assertIs(b["stream"], True)
        self.assertEqual(b["input"][-1]["role"], "user")
        self.assertEqual(b["input"][-1]["content"], "hello")
        self.assertNotIn("messages", b)

    def test_codex_model_name(self):
        res = self.chat("-m", "my-codex-endpoint", "-s", "Be brief.", "hi")
        self.assertReply(res, "hi")
        r = self.reqs()[0]
        self.assertEqual(r["path"], RESPONSES)
        self.assertEqual(r["body"]["model"], "my-codex-endpoint")
        self.assertEqual(r["body"]["instructions"], "Be brief.")
        # --api chat overrides the name (and the mock's codex endpoint refuses it)
        self.setUp()
        res = self.chat("--api", "chat", "-m", "my-codex-endpoint", "hi")
        self.assertExit(res, 5)
        self.assertEqual([r["path"] for r in self.reqs()], [INVOKE % "my-codex-endpoint"])

    def test_gpt_names_follow_the_endpoint_metadata(self):
        meta = "/api/2.0/serving-endpoints/"
        # databricks-gpt-5 lists openai/v1/responses: one GET, then the Responses API
        res = self.chat("-m", "databricks-gpt-5", "hi")
        self.assertReply(res, "hi")
        self.assertEqual([(r["method"], r["path"]) for r in self.reqs()],
                         [("GET", meta + "databricks-gpt-5"), ("POST", RESPONSES)])
        self.assertEqual(self.reqs()[1]["body"]["model"], "databricks-gpt-5")
        # gpt-oss lists chat only
        self.setUp()
        res = self.chat("-m", "databricks-gpt-oss-120b", "hi")
        self.assertReply(res, "hi")
        self.assertEqual([(r["method"], r["path"]) for r in self.reqs()],
                         [("GET", meta + "databricks-gpt-oss-120b"),
                          ("POST", INVOKE % "databricks-gpt-oss-120b")])
        # no metadata (404): chat, the reason in -v only; the chat error is the one shown
        self.setUp()
        res = self.chat("-m", "my-gpt-agent", "hi")
        self.assertExit(res, 5)
        self.assertOneLineError(res, "does not exist")
        self.assertEqual([r["path"] for r in self.reqs()],
                         [meta + "my-gpt-agent", INVOKE % "my-gpt-agent"])
        res = self.chat("-m", "my-gpt-agent", "hi", glob=["-v"])
        self.assertIn("endpoint metadata for my-gpt-agent", res.err)
        self.assertIn("using the chat API", res.err)
        # other names are not looked up; --api skips the lookup
        self.setUp()
        self.assertReply(self.chat("-m", "databricks-meta-llama-3-3-70b-instruct", "hi"), "hi")
        self.assertReply(self.chat("--api", "chat", "-m", "databricks-gpt-5", "hi"), "hi")
        self.assertEqual([r["path"] for r in self.reqs()],
                         [INVOKE % "databricks-meta-llama-3-3-70b-instruct",
                          INVOKE % "databricks-gpt-5"])

    def test_json_lines_and_usage(self):
        prompt = "count me"
        for args in ([], ["--no-stream"]):
            res = self.chat(*(args + ["--json", "-m", "gpt-5-codex", prompt]))
            self.assertExit(res, 0)
            evs = events(res)
            self.assertEqual(joined(evs, "text"), reply_to(prompt))
            p = words(SYSTEM) + words(prompt)
            c = words(reply_to(prompt))
            self.assertEqual(of_type(evs, "usage"), [{"type": "usage", "prompt_tokens": p,
                                                      "completion_tokens": c, "total_tokens": p + c}])
            self.assertEqual(evs[-1], {"type": "done", "finish_reason": "stop"})
        self.assertIs(self.reqs()[1]["body"]["stream"], False)

    def test_tool_calls(self):
        prompt = "both? scenario:parallel-tools"
        for args in ([], ["--no-stream"]):
            self.setUp()
            res = self.chat(*(args + ["--json", "--api", "responses", "--tools", json_file(TOOLS), prompt]))
            self.assertExit(res, 0)
            evs = events(res)
            self.assertEqual(of_type(evs, "tool_call"), [
                {"type": "tool_call", "id": "call_0001", "name": "get_weather", "arguments": ARGS_PARIS},
                {"type": "tool_call", "id": "call_0002", "name": "get_time", "arguments": ARGS_TOKYO}])
            self.assertEqual(evs[-1], {"type": "done", "finish_reason": "tool_calls"})
            # tools in the Responses form: {"type": "function", "name": .., ..}
            tools = self.reqs()[0]["body"]["tools"]
            self.assertEqual(tools, [dict(t["function"], type="function") for t in TOOLS])
        res = self.chat("--api", "responses", "--tools", json_file(TOOLS), prompt)
        self.assertEqual(res.out.splitlines(), [
            reply_to(prompt),
            "tool_call call_0001 get_weather " + ARGS_PARIS,
            "tool_call call_0002 get_time " + ARGS_TOKYO])

    def test_messages_as_input_items(self):
        history = [
            {"role": "user", "content": "Weather in Paris?"},
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": "call_a1", "type": "function", "function": {"name": "get_weather", "arguments": ARGS_PARIS}}]},
            {"role": "tool", "tool_call_id": "call_a1", "content": "18 degrees"},
        ]
        res = self.chat("--api", "responses", "--messages", json_file(history), "--tools", json_file(TOOLS))
        self.assertExit(res, 0)
        self.assertEqual(res.out, "The tool said: 18 degrees\n")
        inp = self.reqs()[0]["body"]["input"]
        self.assertEqual(inp[0], {"role": "user", "content": "Weather in Paris?"})
        self.assertEqual(inp[1]["type"], "function_call")
        self.assertEqual((inp[1]["call_id"], inp[1]["name"], inp[1]["arguments"]),
                         ("call_a1", "get_weather", ARGS_PARIS))
        self.assertEqual(inp[2], {"type": "function_call_output", "call_id": "call_a1", "output": "18 degrees"})

    def test_messages_with_content_parts(self):
        # OpenAI chat content arrays become Responses parts (input_text for
        # user, output_text for assistant) or strings; none may be dropped
        history = [
            {"role": "user", "content": [{"type": "text", "text": "first question"}]},
            {"role": "assistant", "content": [{"type": "text", "text": "first answer"}]},
            {"role": "user", "content": [{"type": "text", "text": "second"}, {"type": "text", "text": "part"}]},
            {"role": "assistant", "content": "second answer"},
        ]
        res = self.chat("--messages", json_file(history), "third")
        self.assertReply(res, "third")
        self.assertEqual(self.reqs()[0]["body"]["messages"][1:-1], history)
        self.setUp()
        res = self.chat("--api", "responses", "--messages", json_file(history), "third")
        self.assertReply(res, "third")
        inp = self.reqs()[0]["body"]["input"]

        def text(item):
            c = item["content"]
            if isinstance(c, str):
                return c
            kind = "output_text" if item["role"] == "assistant" else "input_text"
            self.assertEqual({p["type"] for p in c}, {kind}, item)
            return " ".join(p["text"] for p in c)
        self.assertEqual([(i["role"], text(i)) for i in inp],
                         [("user", "first question"), ("assistant", "first answer"),
                          ("user", "second part"), ("assistant", "second answer"), ("user", "third")])

    def test_reasoning(self):
        prompt = "think scenario:reasoning"
        for args in ([], ["--no-stream"]):
            res = self.chat(*(args + ["--api", "responses", prompt]))
            self.assertReply(res, prompt)
            self.assertEqual(res.err, "")
            res = self.chat(*(args + ["--api", "responses", "--show-reasoning", prompt]))
            self.assertReply(res, prompt)
            self.assertIn(REASONING, res.err)
            evs = events(self.chat(*(args + ["--json", "--api", "responses", prompt])))
            self.assertEqual(joined(evs, "reasoning"), REASONING)

    def test_long_instructions_and_tools(self):
        # the Responses API echoes instructions and tools in response.created,
        # response.in_progress and response.completed: events over 64 KiB
        system = "Answer briefly and kindly. " * 2700
        tools = TOOLS + [{"type": "function", "function": {
            "name": "tool_%d" % i, "description": "A tool with a long description. " * 40,
            "parameters": {"type": "object", "properties": {}}}} for i in range(60)]
        self.assertGreater(len(system), 65536)
        self.assertGreater(len(json.dumps(tools)), 65536)
        for args in (["-s", system], ["--tools", json_file(tools)]):
            res = self.chat(*(["--api", "responses"] + args + ["hi"]))
            self.assertReply(res, "hi")
            res = self.chat(*(["--json", "--api", "responses"] + args + ["hi"]))
            self.assertExit(res, 0)
            self.assertEqual(len(of_type(events(res), "usage")), 1, res)

    def test_wire_variants(self):
        for v in ["crlf", "cr", "bytewise", "split", "eof-framing", "ignore-stream"]:
            prompt = "variant scenario:" + v
            res = self.chat("--api", "responses", prompt)
            self.assertEqual(res.out, reply_to(prompt) + "\n", "%s\n%r" % (v, res))
            self.assertExit(res, 0)

    def test_error_event(self):
        for scen, word in (("error-event", "Upstream model overloaded"), ("failed", "The model failed")):
            prompt = "hi scenario:" + scen
            res = self.chat("--api", "responses", prompt)
            self.assertExit(res, 6)
            self.assertOneLineError(res, word)
            self.assertTrue(res.out.endswith("\n") and reply_to(prompt).startswith(res.out[:-1]), res)
            evs = events(self.chat("--json", "--api", "responses", prompt))
            self.assertEqual(evs[-1]["type"], "error")
            self.assertEqual(evs[-1]["code"], "server")

    def test_cut(self):
        res = self.chat("--api", "responses", "hi scenario:cut")
        self.assertExit(res, 8)
        self.assertTrue(len(res.out) > 6 and reply_to("hi").startswith(res.out[:-1]), res)
        self.assertEqual(len(self.reqs()), 1)

    def test_retries_and_errors(self):
        res = self.chat("--api", "responses", "hi scenario:429-then-ok")
        self.assertExit(res, 0)
        self.assertRetryLines(res, 1)
        self.assertEqual(len(self.reqs()), 2)
        res = self.chat("--api", "responses", "hi scenario:400-context")
        self.assertExit(res, 5)
        self.assertOneLineError(res, "too long")
        res = self.chat("--api", "responses", "-m", "no-such-model", "hi")
        self.assertExit(res, 5)
        self.assertOneLineError(res, "RESOURCE_DOES_NOT_EXIST")
