"""Request shaping (issue 9): the exact request bodies for each option, the
structured-output check, files for prompts, and the usage line."""
import json
import os
import tempfile

from lib import NO_RETRIES, MockCase, needs, run, sse, sse_reply, tmpfile


def stream(text, usage=None):
    chunks = [sse({"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]})]
    if usage:
        chunks.append(sse({"choices": [], "usage": usage}))
    chunks.append("data: [DONE]\n\n")
    return sse_reply(chunks)


class Shaping(MockCase):
    ENV = NO_RETRIES

    def chat(self, args, reply='{"a": 1}', usage=None, code=0):
        self.mock.script(stream(reply, usage))
        res = run(["chat"] + args, env=self.env())
        self.assertExit(res, code)
        return res, self.mock.requests()[-1]["body"]

    def test_thinking(self):
        _, body = self.chat(["--thinking", "2048", "hi"])
        self.assertEqual(body["thinking"], {"type": "enabled", "budget_tokens": 2048})
        self.assertEqual(body["max_tokens"], 2048 + 4096)
        _, body = self.chat(["--thinking", "2048", "--max-tokens", "500", "hi"])
        self.assertEqual(body["max_tokens"], 2548)
        _, body = self.chat(["--thinking", "2048", "--max-tokens", "9000", "-t", "1", "hi"])
        self.assertEqual(body["max_tokens"], 9000)
        self.assertEqual(body["temperature"], 1)

    def test_thinking_rules(self):
        for args, word in ((["--thinking", "1000"], "1024"), (["--thinking", "2048", "-t", "0.5"], "temperature")):
            res = run(["chat"] + args + ["hi"], env=self.env())
            self.assertExit(res, 2)
            self.assertOneLineError(res, word)
        self.assertEqual(self.mock.requests(), [], "bad options cost no request")

    @needs("responses")
    def test_reasoning_effort(self):
        _, body = self.chat(["--reasoning-effort", "high", "hi"])
        self.assertEqual(body["reasoning_effort"], "high")
        self.mock.script(sse_reply([
            "event: response.output_text.delta\n" + sse({"type": "response.output_text.delta", "delta": "ok"}),
            "event: response.completed\n" + sse({"type": "response.completed", "response": {"status": "completed"}})]))
        res = run(["chat", "--api", "responses", "-m", "databricks-gpt-5", "--reasoning-effort", "low", "hi"], env=self.env())
        self.assertExit(res, 0)
        self.assertEqual(res.out, "ok\n")
        body = self.mock.requests()[-1]["body"]
        self.assertEqual(body["reasoning"], {"effort": "low", "summary": "auto"})
        res = run(["chat", "--reasoning-effort", "max", "hi"], env=self.env())
        self.assertExit(res, 2)

    def test_schema(self):
        schema = {"title": "Person record", "type": "object",
                  "properties": {"name": {"type": "string"}}, "required": ["name"]}
        path = tmpfile(json.dumps(schema), ".json")
        res, body = self.chat(["--schema", path, "hi"], reply='{"name": "Ada"}')
        self.assertEqual(body["response_format"], {"type": "json_schema", "json_schema": {
            "name": "Person_record", "schema": schema, "strict": True}})
        self.assertEqual(json.loads(res.out), {"name": "Ada"})
        res, _ = self.chat(["--schema", path, "hi"], reply="Sorry, I cannot.", code=8)
        self.assertEqual(res.out, "Sorry, I cannot.\n", "the raw text stays on stdout")
        self.assertOneLineError(res, "not valid JSON")
        res = run(["chat", "--schema", tmpfile("[1,2]"), "hi"], env=self.env())
        self.assertExit(res, 2)
        self.assertOneLineError(res, "schema", "object")

    def test_json_object(self):
        _, body = self.chat(["--json-object", "hi"], reply='{"ok": true}')
        self.assertEqual(body["response_format"], {"type": "json_object"})
        self.chat(["--json-object", "hi"], reply="{broken", code=8)

    def test_param_merges_and_overrides(self):
        res, body = self.chat(["-v", "-t", "0.7", "--param", "top_p=0.9", "--param", "temperature=0.2",
                               "--param", 'stop=["END"]', "--param", 'client_request_id="abc"', "hi"])
        self.assertEqual(body["top_p"], 0.9)
        self.assertEqual(body["temperature"], 0.2)
        self.assertEqual(body["stop"], ["END"])
        self.assertEqual(body["client_request_id"], "abc")
        self.assertIn("--param temperature overrides", res.err)
        for bad, word in (("top_p", "KEY=JSON"), ("a=b", "not JSON")):
            res = run(["chat", "--param", bad, "hi"], env=self.env())
            self.assertExit(res, 2)
            self.assertOneLineError(res, word)

    def test_files_for_prompt_and_system(self):
        system = tmpfile("Be terse.\n")
        prompt = tmpfile("What is 2+2?")
        _, body = self.chat(["-s", "@" + system, "@" + prompt])
        self.assertEqual(body["messages"][0], {"role": "system", "content": "Be terse.\n"})
        self.assertEqual(body["messages"][-1], {"role": "user", "content": "What is 2+2?"})
        self.mock.script(stream("4"))
        res = run(["chat", "--system-file", system, "-"], env=self.env(), stdin=b"From stdin")
        self.assertExit(res, 0)
        body = self.mock.requests()[-1]["body"]
        self.assertEqual(body["messages"][0]["content"], "Be terse.\n")
        self.assertEqual(body["messages"][-1]["content"], "From stdin")
        res = run(["chat", "-"], env=self.env(), stdin=b"  \n")
        self.assertExit(res, 2)
        self.assertOneLineError(res, "empty")
        res = run(["chat", "@/nonexistent/prompt.txt"], env=self.env())
        self.assertExit(res, 2)
        self.assertOneLineError(res, "/nonexistent/prompt.txt")
        os.unlink(system)
        os.unlink(prompt)

    def test_usage_line(self):
        res, _ = self.chat(["--usage", "hi"], reply="4",
                           usage={"prompt_tokens": 21, "completion_tokens": 30, "total_tokens": 51})
        self.assertEqual(res.out, "4\n")
        self.assertEqual(res.err, "prompt 21 \u00b7 completion 30 \u00b7 total 51 tokens\n")

    def test_usage_total_missing_is_the_saturated_sum(self):
        big = 2**63 - 1
        res, _ = self.chat(["--usage", "hi"], reply="4",
                           usage={"prompt_tokens": 21, "completion_tokens": 30})
        self.assertEqual(res.err, "prompt 21 \u00b7 completion 30 \u00b7 total 51 tokens\n")
        res, _ = self.chat(["--usage", "hi"], reply="4",
                           usage={"prompt_tokens": big, "completion_tokens": big})
        self.assertEqual(res.out, "4\n")
        self.assertEqual(res.err, "prompt %d \u00b7 completion %d \u00b7 total %d tokens\n" % (big, big, big))


class SaveConversation(MockCase):
    """--save writes the conversation; --messages continues it; Claude's
    reasoning items keep their signatures across the round trip."""

    def test_reasoning_and_tool_calls_round_trip(self):
        reasoning = {"choices": [{"index": 0, "delta": {"content": [
            {"type": "reasoning", "summary": [{"type": "summary_text", "text": "Think ", "signature": ""}]}]}}]}
        reasoning2 = {"choices": [{"index": 0, "delta": {"content": [
            {"type": "reasoning", "summary": [{"type": "summary_text", "text": "hard.", "signature": "sig-abc=="}]}]}}]}
        text = {"choices": [{"index": 0, "delta": {"content": [{"type": "text", "text": "Let me check."}]}}]}
        call = {"choices": [{"index": 0, "delta": {"tool_calls": [
            {"index": 0, "id": "toolu_1", "type": "function", "function": {"name": "lookup", "arguments": '{"q":'}}]}}]}
        call2 = {"choices": [{"index": 0, "delta": {"tool_calls": [
            {"index": 0, "function": {"arguments": '"x"}'}}]}, "finish_reason": "tool_calls"}]}
        spec = sse_reply([sse(reasoning), sse(reasoning2), sse(text), sse(call), sse(call2), "data: [DONE]\n\n"])
        save = tempfile.mktemp(suffix=".json")
        self.mock.script(spec)
        res = run(["chat", "-s", "Be brief.", "--save", save, "--show-reasoning", "Find x"], env=self.env())
        self.assertExit(res, 0)
        self.assertEqual(res.out, 'Let me check.\ntool_call toolu_1 lookup {"q":"x"}\n')
        self.assertIn("Think hard.", res.err)
        self.assertEqual(os.stat(save).st_mode & 0o777, 0o600)
        with open(save) as f:
            conv = json.load(f)
        self.assertEqual([msg["role"] for msg in conv], ["system", "user", "assistant"])
        reply = conv[2]
        self.assertEqual(reply["content"][0], {"type": "reasoning", "summary": [
            {"type": "summary_text", "text": "Think hard.", "signature": "sig-abc=="}]})
        self.assertEqual(reply["content"][1], {"type": "text", "text": "Let me check."})
        self.assertEqual(reply["tool_calls"], [{"id": "toolu_1", "type": "function",
                                                "function": {"name": "lookup", "arguments": '{"q":"x"}'}}])
        # the next turn: the tool result appended by the caller, sent back as saved
        conv.append({"role": "tool", "tool_call_id": "toolu_1", "content": "x = 42"})
        with open(save, "w") as f:
            json.dump(conv, f)
        self.mock.script(sse_reply([sse({"choices": [{"index": 0, "delta": {"content": "x is 42."}}]}),
                                    "data: [DONE]\n\n"]))
        res = run(["chat", "--messages", save, "--save", save], env=self.env())
        self.assertExit(res, 0)
        sent = self.mock.requests()[-1]["body"]["messages"]
        self.assertEqual(sent, conv, "the saved conversation goes back as it was")
        with open(save) as f:
            conv2 = json.load(f)
        self.assertEqual(conv2[:-1], conv)
        self.assertEqual(conv2[-1], {"role": "assistant", "content": "x is 42."})
        os.unlink(save)
