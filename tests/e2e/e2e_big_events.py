"""Stream events of any reasonable size (issue 15): one rule for chat and
Responses. A 1 MiB and a 4 MiB text delta and a 1 MiB tool-call argument, each
in one event, are delivered whole; 4 MiB + 1 byte is refused with exit 8 and a
line naming the size and the limit."""
import json

from lib import NO_RETRIES, MockCase, run, sse, sse_reply, needs

MIB = 1 << 20


def chat_text(text):
    return sse_reply([
        sse({"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]}),
        sse({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}),
        "data: [DONE]\n\n"])


def chat_tool(args):
    return sse_reply([
        sse({"choices": [{"index": 0, "delta": {"tool_calls": [{
            "index": 0, "id": "call_1", "type": "function",
            "function": {"name": "save", "arguments": args}}]}, "finish_reason": None}]}),
        sse({"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]}),
        "data: [DONE]\n\n"])


def resp_event(obj):
    return "event: %s\n%s" % (obj["type"], sse(obj))


def resp_text(text):
    return sse_reply([
        resp_event({"type": "response.output_text.delta", "output_index": 0, "delta": text}),
        # repeats the text whole: over the limit it is skipped, not fatal
        resp_event({"type": "response.output_text.done", "output_index": 0, "text": text}),
        resp_event({"type": "response.completed", "response": {"status": "completed"}})])


def resp_tool(args):
    item = {"type": "function_call", "call_id": "call_1", "name": "save", "arguments": ""}
    return sse_reply([
        resp_event({"type": "response.output_item.added", "output_index": 0, "item": item}),
        resp_event({"type": "response.function_call_arguments.delta", "output_index": 0,
                    "delta": args}),
        resp_event({"type": "response.output_item.done", "output_index": 0,
                    "item": dict(item, arguments=args)}),
        resp_event({"type": "response.completed", "response": {"status": "completed"}})])


class BigEvents(MockCase):
    ENV = NO_RETRIES
    SHARED = True
    MOCK = {"lifetime": 600}  # one mock for the class: slow runs (valgrind) need long

    def chat(self, api, reply, *args):
        self.mock.script(reply)
        return run(["chat", "--api", api] + list(args) + ["hi"], env=self.env(), timeout=60)

    @needs("responses")

    def test_text(self):
        for api, make in (("chat", chat_text), ("responses", resp_text)):
            for size in (MIB, 4 * MIB):
                text = ("abcdefghij" * (size // 10 + 1))[:size]
                res = self.chat(api, make(text))
                self.assertExit(res, 0)
                self.assertEqual(len(res.out), size + 1, "%s %d" % (api, size))
                self.assertEqual(res.out, text + "\n", "%s %d" % (api, size))

    @needs("responses")

    def test_over_the_limit(self):
        text = "x" * (4 * MIB + 1)
        for api, make in (("chat", chat_text), ("responses", resp_text)):
            res = self.chat(api, make(text))
            self.assertExit(res, 8)
            self.assertOneLineError(res, str(4 * MIB + 1), "4 MiB")
            self.assertEqual(res.out, "", api)
        # a whole event far past the limit: its size is named too
        res = self.chat("chat", chat_text("y" * (5 * MIB)))
        self.assertExit(res, 8)
        self.assertOneLineError(res, "bytes", "4 MiB")

    @needs("responses")

    def test_tool_argument(self):
        args = json.dumps({"data": "z" * (MIB - 12)})
        self.assertEqual(len(args), MIB)
        for api, make in (("chat", chat_tool), ("responses", resp_tool)):
            res = self.chat(api, make(args), "--json")
            self.assertExit(res, 0)
            calls = [e for e in map(json.loads, res.out.splitlines()) if e["type"] == "tool_call"]
            self.assertEqual(len(calls), 1, api)
            self.assertEqual(calls[0]["arguments"], args, api)
