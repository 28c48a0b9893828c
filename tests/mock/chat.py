"""Chat completions and the Responses API for the mock (see serving.py), shaped
like Databricks Foundation Model APIs.

  POST /serving-endpoints/{model}/invocations   OpenAI chat body, no "model"
  POST /serving-endpoints/responses             OpenAI Responses body, with "model"

The reply is deterministic: "Hello! You said: <the last user message>" (its
scenario words left out), or "The tool said: <output>" when the conversation
ends with tool results. Streamed when the body says "stream": true.

Scenarios: words "scenario:NAME" in the last user message (several may be
combined, e.g. "hi scenario:crlf scenario:usage-last"). Failures (both APIs):
  429                 always 429 REQUEST_LIMIT_EXCEEDED, no Retry-After
  429-retry-after     always 429 with "Retry-After: 1"
  500, 503            always that status
  K-then-ok, KxN-then-ok   K (429, 429-retry-after, 429-retry-date: Retry-After
                      as an HTTP-date 2 s ahead, 500, 502 (an HTML body), 503 or
                      network: the connection closed without an answer) N times (1),
                      then success; the count is kept per mock and per scenario
                      word and starts over after the success
  401 (UNAUTHENTICATED), 403 (PERMISSION_DENIED), 400 (BAD_REQUEST),
  400-context (prompt too long), 413
  400-stream-options  400 naming stream_options when the body has it, else success
  fast-fails          503 from databricks-claude-haiku-4-5 only
Reply shapes:
  tool_call           text, then one tool call (the first tool of the request,
                      else get_weather); finish_reason "tool_calls"
  parallel-tools      two tool calls, their chunks interleaved by index
  tool-only           with tool_call or parallel-tools: no text at all (chat:
                      the first delta is {"role", "content": null, "tool_calls"})
  reasoning           reasoning first (chat: content items of type "reasoning";
                      Responses: reasoning summary deltas), then the text
  array-content       chat: content as [{"type":"text","text":..}] items
  usage-last          chat: usage only in a last chunk with empty choices (and
                      only when stream_options.include_usage), "usage": null on
                      the others, as OpenAI does; the default is usage on
                      every chunk, counts growing
  no-usage            no usage at all
  no-done             chat: no "data: [DONE]" (the stream just ends)
  ignore-stream       a whole JSON reply although a stream was asked for
  newline-end         the reply text ends with a newline
  long                the reply goes on with LONG_TEXT (about 100 KB, in
                      200-character deltas), so *.done and response.completed
                      events are larger than 64 KiB
  length              finish_reason "length" (Responses: status "incomplete")
Agent loop (the MCP tests): words call:NAME={JSON} (no spaces in them) in the
last user message make the model call tool NAME with those arguments, one
call per turn in their order (no text in those turns); then the reply is "The
tool said: <the results>". A word loop:NAME={JSON} calls NAME in every turn.
Stream faults:
  error-event         some text, then an error event (chat: data: {"error":..};
                      Responses: event: error)
  failed              Responses: some text, then response.failed
  cut                 some text, then the connection is cut mid-chunk
  keepalive           ": keep-alive" comments every 0.1 s for 6 s after the
                      head, before any event; then the reply
  slow-first          1.5 s of silence between the head and the first event
Wire variants:
  bytewise (1-byte writes), split (7-byte HTTP chunks), crlf, cr (line
  endings of the events), eof-framing (no chunked encoding: the body ends when
  the connection closes)

Usage counts: prompt = words in every text of the request (system prompt and
instructions included, scenario words not), completion = words of the reply
text + 5 per tool call, total = their sum.

Unknown endpoint names answer 404 RESOURCE_DOES_NOT_EXIST; names containing
"codex" serve the Responses API only (400 on /invocations).
"""
import email.utils
import json
import re
import time
import zlib

CHAT_MODELS = {
    "databricks-claude-sonnet-4", "databricks-claude-sonnet-4-5", "databricks-claude-haiku-4-5",
    "databricks-claude-3-7-sonnet", "databricks-meta-llama-3-3-70b-instruct",
    "databricks-meta-llama-3-1-405b-instruct", "databricks-gpt-5", "databricks-gpt-oss-120b",
}
FAST_MODEL = "databricks-claude-haiku-4-5"
CREATED = 1730000000
ROLES = ("system", "user", "assistant", "tool")
THEN_OK = re.compile(r"^(429-retry-after|429-retry-date|429|500|502|503|network)(?:x(\d+))?-then-ok$")
SCENARIO = re.compile(r"scenario:(\S+)")
KEEPALIVE_SECONDS = 6.0
SLOW_FIRST_SECONDS = 1.5


# ---- helpers ----

def error(status, code, message, headers=None):
    spec = {"status": status, "body": {"error_code": code, "message": message}}
    if headers:
        spec["headers"] = headers
    return spec


def bad_request(message):
    return error(400, "BAD_REQUEST", message)


def words(text):
    return len(SCENARIO.sub(" ", text or "").split())


def strip_scenarios(text):
    return " ".join(SCENARIO.sub(" ", text or "").split())


def text_of(content):
    """The text of a message content: a string, or a list of text parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(p.get("text", "") for p in content
                        if isinstance(p, dict) and isinstance(p.get("text"), str))
    return ""


def counter(state, key, delta):
    """A per-mock counter (for "fail N times then succeed"); returns its value."""
    with state.lock:
        counters = state.__dict__.setdefault("chat_counters", {})
        counters[key] = 0 if delta is None else counters.get(key, 0) + delta
        return counters[key]


def split_text(text, size=6):
    """The reply in several deltas: pieces of about `size` characters (200
    for a long reply)."""
    if len(text) > 10000:
        size = 200
    return [text[i:i + size] for i in range(0, len(text), size)] or [""]


def failure(state, scen, model, body_has_stream_options):
    """The error response the scenarios ask for, or None."""
    if "fast-fails" in scen and model == FAST_MODEL:
        return error(503, "TEMPORARILY_UNAVAILABLE", "The fast model is unavailable (mock scenario fast-fails)")
    for s in sorted(scen):
        m = THEN_OK.match(s)
        if not m:
            continue
        n = int(m.group(2) or 1)
        if counter(state, s, 1) <= n:
            return failing(m.group(1))
        counter(state, s, None)
    for s in ("429", "429-retry-after", "500", "503"):
        if s in scen:
            return failing(s)
    if "401" in scen:
        return error(401, "UNAUTHENTICATED", "Invalid access token.")
    if "403" in scen:
        return error(403, "PERMISSION_DENIED", "User does not have permission to query this endpoint.")
    if "400-context" in scen:
        return bad_request("Input is too long for requested model. prompt is too long: "
                           "250000 tokens > 200000 maximum")
    if "413" in scen:
        return error(413, "REQUEST_ENTITY_TOO_LARGE", "Request payload size exceeds the limit.")
    if "400" in scen:
        return bad_request("Invalid parameter: the request was rejected (mock scenario 400)")
    if "400-stream-options" in scen and body_has_stream_options:
        return bad_request("stream_options is not supported for this endpoint")
    return None


def failing(kind):
    if kind == "429":
        return error(429, "REQUEST_LIMIT_EXCEEDED",
                     "Exceeded workspace rate limit for this endpoint. Please try again later.")
    if kind == "429-retry-after":
        return error(429, "REQUEST_LIMIT_EXCEEDED",
                     "Exceeded workspace rate limit for this endpoint. Please try again later.",
                     {"Retry-After": "1"})
    if kind == "429-retry-date":
        when = email.utils.formatdate(time.time() + 2, usegmt=True)
        return error(429, "REQUEST_LIMIT_EXCEEDED",
                     "Exceeded workspace rate limit for this endpoint. Please try again later.",
                     {"Retry-After": when})
    if kind == "network":
        return {"raw": "", "close": True}
    if kind == "500":
        return error(500, "INTERNAL_ERROR", "The server encountered an internal error (mock).")
    if kind == "502":
        return {"status": 502, "headers": {"Content-Type": "text/html"},
                "body": "<html><body>502 Bad Gateway</body></html>"}
    return error(503, "TEMPORARILY_UNAVAILABLE", "The service is temporarily unavailable (mock).")


def stream_spec(events, scen, eol="\n", cut_in=None):
    """The response spec for a list of SSE event texts, with the wire variants;
    "cut" cuts in the middle of events[cut_in] (default: the fourth)."""
    spec = {"status": 200, "headers": {"Content-Type": "text/event-stream; charset=utf-8",
                                       "Cache-Control": "no-cache"},
            "framing": "close" if "eof-framing" in scen else "chunked", "chunks": events}
    if "cut" in scen:
        # text arrived, then the cut inside a later event
        cut_in = min(3 if cut_in is None else cut_in, len(events) - 1)
        sizes = [len(e.encode()) for e in events]
        spec["cut_after"] = sum(sizes[:cut_in]) + sizes[cut_in] // 2
    if "keepalive" in scen:
        comment = ": keep-alive" + eol + eol
        n = int(KEEPALIVE_SECONDS / 0.1)
        spec["chunks"] = [comment] * n + events
        spec["chunk_delay"] = 0.1
        if "cut_after" in spec:
            spec["cut_after"] += n * len(comment)
    if "slow-first" in scen:
        spec["stall"] = SLOW_FIRST_SECONDS
    if "split" in scen:
        whole = "".join(spec["chunks"])
        spec["chunks"] = [whole[i:i + 7] for i in range(0, len(whole), 7)]
    if "bytewise" in scen:
        spec["write_size"] = 1
    return spec


def whole_spec(obj, scen):
    spec = {"status": 200, "body": obj}
    if "slow-first" in scen:
        spec["delay"] = SLOW_FIRST_SECONDS
    if "bytewise" in scen:
        spec["write_size"] = 1
    if "cut" in scen:
        spec["cut_after"] = len(json.dumps(obj)) // 2
    return spec


def eol_of(scen):
    return "\r\n" if "crlf" in scen else "\r" if "cr" in scen else "\n"


def tool_plan(tools, scen, responses_api):
    """[(call_id, name, arguments)] the scenarios ask for."""
    names = []
    for t in tools or []:
        if not isinstance(t, dict):
            continue
        name = t.get("name") if responses_api else (t.get("function") or {}).get("name")
        if isinstance(name, str):
            names.append(name)
    first = names[0] if names else "get_weather"
    second = names[1] if len(names) > 1 else first
    if "parallel-tools" in scen or "tool_calls" in scen:
        return [("call_0001", first, json.dumps({"city": "Paris", "unit": "celsius"})),
                ("call_0002", second, json.dumps({"city": "Tokyo", "note": "say \"hi\" \u2713"}))]
    if "tool_call" in scen:
        return [("call_0001", first, json.dumps({"city": "Paris", "unit": "celsius"}))]
    return []


AGENT_CALL = re.compile(r"\b(call|loop):([A-Za-z0-9_-]+)=(\{\S*\})")


def agent_plan(last_user, turns_done):
    """[(call_id, name, arguments)] of the agent-loop words (see the top)."""
    found = AGENT_CALL.findall(last_user)
    loops = [(n, a) for k, n, a in found if k == "loop"]
    calls = [(n, a) for k, n, a in found if k == "call"]
    if loops:
        pick = loops[0]
    elif turns_done < len(calls):
        pick = calls[turns_done]
    else:
        return []
    return [("call_%04d" % (turns_done + 1), pick[0], pick[1])]


def turns_since_user(items, is_call):
    """The model turns with tool calls since the last user message."""
    n = 0
    for it in reversed(items):
        if it.get("role") == "user" and it.get("type", "message") == "message":
            break
        n += 1 if is_call(it) else 0
    return n


def last_user_text(items):
    for it in reversed(items):
        if it.get("role") == "user" and it.get("type", "message") == "message":
            return text_of(it.get("content"))
    return ""


def fragments(s, n=3):
    """A tool call's arguments in n pieces (cut anywhere, as servers do)."""
    step = max(1, (len(s) + n - 1) // n)
    return [s[i:i + step] for i in range(0, len(s), step)]


REASONING = "The user greets me. A short, friendly reply fits."
LONG_TEXT = " ".join("w%d" % i for i in range(16000))


# ---- chat completions ----

def check_chat(req):
    """A strict endpoint's validation; returns an error message or None."""
    msgs = req.get("messages")
    if not isinstance(msgs, list) or not msgs:
        return "messages must be a non-empty list"
    call_ids = set()
    for i, m in enumerate(msgs):
        if not isinstance(m, dict) or m.get("role") not in ROLES:
            return "messages[%d]: role must be one of %s" % (i, ", ".join(ROLES))
        c = m.get("content")
        if not (c is None or isinstance(c, (str, list))):
            return "messages[%d].content must be a string or a list" % i
        for j, part in enumerate(c if isinstance(c, list) else []):
            if not isinstance(part, dict) or part.get("type") not in ("text", "image_url"):
                return "messages[%d].content[%d].type must be text or image_url" % (i, j)
        if c is None and not (m["role"] == "assistant" and m.get("tool_calls")):
            return "messages[%d].content is required" % i
        for j, tc in enumerate(m.get("tool_calls") or []):
            fn = tc.get("function") if isinstance(tc, dict) else None
            if m["role"] != "assistant" or not isinstance(tc.get("id"), str) or not isinstance(fn, dict) \
                    or not isinstance(fn.get("name"), str) or not isinstance(fn.get("arguments"), str):
                return "messages[%d].tool_calls[%d] must have id, function.name, function.arguments" % (i, j)
            try:
                json.loads(fn["arguments"])
            except ValueError:
                return "messages[%d].tool_calls[%d].function.arguments is not valid JSON" % (i, j)
            call_ids.add(tc["id"])
        if m["role"] == "tool" and m.get("tool_call_id") not in call_ids:
            return "messages[%d]: tool_call_id %r does not match an earlier tool call" % (i, m.get("tool_call_id"))
    tools = req.get("tools")
    if tools is not None:
        if not isinstance(tools, list):
            return "tools must be a list"
        for i, t in enumerate(tools):
            if not isinstance(t, dict) or t.get("type") != "function" or \
                    not isinstance((t.get("function") or {}).get("name"), str):
                return "tools[%d] must be {\"type\": \"function\", \"function\": {\"name\": ..}}" % i
    if "stream" in req and not isinstance(req["stream"], bool):
        return "stream must be a boolean"
    t = req.get("temperature")
    if t is not None and (isinstance(t, bool) or not isinstance(t, (int, float)) or not 0 <= t <= 2):
        return "temperature must be a number from 0 to 2"
    mt = req.get("max_tokens")
    if mt is not None and (isinstance(mt, bool) or not isinstance(mt, int) or mt < 1):
        return "max_tokens must be a positive integer"
    so = req.get("stream_options")
    if so is not None and not (isinstance(so, dict) and isinstance(so.get("include_usage", False), bool)):
        return "stream_options must be an object"
    return None


def chat_turn(msgs):
    """(scenario words, reply text) for a chat conversation."""
    last_user = ""
    for m in reversed(msgs):
        if m.get("role") == "user":
            last_user = text_of(m.get("content"))
            break
    scen = set(SCENARIO.findall(last_user))
    tail = []
    for m in reversed(msgs):
        if m.get("role") != "tool":
            break
        tail.insert(0, text_of(m.get("content")))
    if tail:
        return scen, "The tool said: " + "; ".join(tail)
    said = strip_scenarios(last_user)
    return scen, ("Hello! You said: " + said) if said else "Hello! You said nothing."


def invocations(state, name, headers, req):
    if "codex" in name:
        return bad_request("Endpoint '%s' supports the Responses API only "
                           "(POST /serving-endpoints/responses)" % name)
    if name not in CHAT_MODELS:
        return error(404, "RESOURCE_DOES_NOT_EXIST", "The given endpoint does not exist, please retry "
                     "after checking the specified model and version deployment exists.")
    problem = check_chat(req)
    if problem:
        return bad_request(problem)
    msgs = req["messages"]
    scen, reply = chat_turn(msgs)
    if "long" in scen:
        reply += " " + LONG_TEXT
    if "newline-end" in scen:
        reply += "\n"
    if msgs[-1].get("role") == "tool":
        scen -= {"tool_call", "tool_calls", "parallel-tools"}
    fail = failure(state, scen, name, "stream_options" in req)
    if fail:
        return fail
    calls = tool_plan(req.get("tools"), scen, False)
    agent = agent_plan(last_user_text(msgs),
                       turns_since_user(msgs, lambda m: m.get("role") == "assistant" and m.get("tool_calls")))
    if agent:
        calls, reply = agent, ""
    if calls and "tool-only" in scen:
        reply = ""
    prompt = sum(words(text_of(m.get("content"))) for m in msgs)
    completion = words(reply) + 5 * len(calls)
    usage = {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
    cid = "chatcmpl-mock%08x" % zlib.crc32((name + reply).encode())
    finish = "tool_calls" if calls else "length" if "length" in scen else "stop"
    if req.get("stream") and "ignore-stream" not in scen:
        return chat_stream(cid, name, reply, calls, usage, finish, scen,
                           (req.get("stream_options") or {}).get("include_usage") is True)
    message = {"role": "assistant", "content": reply or None}
    if ("reasoning" in scen or "array-content" in scen) and reply:
        items = [{"type": "text", "text": reply}]
        if "reasoning" in scen:
            items.insert(0, {"type": "reasoning", "summary": [
                {"type": "summary_text", "text": REASONING, "signature": "c2lnbmF0dXJl"}]})
        message["content"] = items
    if calls:
        message["tool_calls"] = [{"id": i, "type": "function", "function": {"name": n, "arguments": a}}
                                 for i, n, a in calls]
    obj = {"id": cid, "object": "chat.completion", "created": CREATED, "model": name,
           "choices": [{"index": 0, "message": message, "finish_reason": finish}]}
    if "no-usage" not in scen:
        obj["usage"] = usage
    return whole_spec(obj, scen)


def chat_stream(cid, name, reply, calls, usage, finish, scen, include_usage):
    eol = eol_of(scen)

    def chunk(delta, finish_reason=None, done_words=0, choices=True):
        obj = {"id": cid, "object": "chat.completion.chunk", "created": CREATED, "model": name,
               "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}] if choices else []}
        if "usage-last" in scen:
            obj["usage"] = None
        elif "no-usage" not in scen:
            c = min(done_words, usage["completion_tokens"])
            obj["usage"] = {"prompt_tokens": usage["prompt_tokens"], "completion_tokens": c,
                            "total_tokens": usage["prompt_tokens"] + c}
        return "data: " + json.dumps(obj, separators=(",", ":")) + eol + eol

    events = []
    sent = 0
    deltas = []
    if "reasoning" in scen:
        for piece in split_text(REASONING, 12):
            deltas.append({"content": [{"type": "reasoning", "summary": [
                {"type": "summary_text", "text": piece, "signature": ""}]}]})
        deltas.append({"content": [{"type": "reasoning", "summary": [
            {"type": "summary_text", "text": "", "signature": "c2lnbmF0dXJl"}]}]})
    for piece in split_text(reply) if reply else []:
        if "reasoning" in scen or "array-content" in scen:
            deltas.append({"content": [{"type": "text", "text": piece}]})
        else:
            deltas.append({"content": piece})
    if deltas:
        deltas[0] = dict(deltas[0], role="assistant")
    for d in deltas:
        c = d["content"]
        if isinstance(c, str) or c[0]["type"] == "text":
            sent += len(c if isinstance(c, str) else c[0]["text"])
        events.append(chunk(d, done_words=words(reply[:sent])))
    # tool calls: a head per call (id, type, name, empty arguments), then the
    # argument fragments, interleaved by index when there are several
    heads = [{"index": k, "id": i, "type": "function", "function": {"name": n, "arguments": ""}}
             for k, (i, n, a) in enumerate(calls)]
    for k, h in enumerate(heads):
        d = {"content": None, "tool_calls": [h]}
        if not deltas and k == 0:
            d = dict(d, role="assistant")
        events.append(chunk(d, done_words=words(reply)))
    frags = [fragments(a) for _, _, a in calls]
    for step in range(max([len(f) for f in frags] or [0])):
        for k, f in enumerate(frags):
            if step < len(f):
                events.append(chunk({"tool_calls": [{"index": k, "function": {"arguments": f[step]}}]},
                                    done_words=words(reply)))
    events.append(chunk({}, finish, done_words=usage["completion_tokens"]))
    if "usage-last" in scen and include_usage and "no-usage" not in scen:
        obj = {"id": cid, "object": "chat.completion.chunk", "created": CREATED, "model": name,
               "choices": [], "usage": usage}
        events.append("data: " + json.dumps(obj, separators=(",", ":")) + eol + eol)
    if "error-event" in scen:
        err = {"error": {"message": "Upstream model overloaded (mock scenario error-event)",
                         "type": "server_error", "code": "overloaded"}}
        events = events[:3] + ["data: " + json.dumps(err) + eol + eol]
    elif "no-done" not in scen:
        events.append("data: [DONE]" + eol + eol)
    return stream_spec(events, scen, eol)


# ---- the Responses API ----

def check_responses(req):
    if not isinstance(req.get("model"), str) or not req["model"]:
        return "Missing required parameter: 'model'."
    inp = req.get("input")
    if isinstance(inp, str) and inp:
        inp = [{"role": "user", "content": inp}]
    if not isinstance(inp, list) or not inp:
        return "Missing required parameter: 'input'."
    call_ids = set()
    for i, it in enumerate(inp):
        if not isinstance(it, dict):
            return "input[%d] must be an object" % i
        kind = it.get("type", "message")
        if kind == "message":
            if it.get("role") not in ("system", "developer", "user", "assistant"):
                return "Invalid value for 'input[%d].role'." % i
            if not isinstance(it.get("content"), (str, list)):
                return "Missing required parameter: 'input[%d].content'." % i
            allowed = ("output_text", "refusal") if it["role"] == "assistant" else \
                ("input_text", "input_image", "input_file")
            for j, part in enumerate(it["content"] if isinstance(it["content"], list) else []):
                if not isinstance(part, dict) or part.get("type") not in allowed:
                    return ("Invalid value: %r. Supported values are: %s. (input[%d].content[%d].type)"
                            % (part.get("type") if isinstance(part, dict) else part,
                               ", ".join("'%s'" % a for a in allowed), i, j))
        elif kind == "function_call":
            if not all(isinstance(it.get(k), str) for k in ("call_id", "name", "arguments")):
                return "input[%d]: a function_call needs call_id, name and arguments" % i
            try:
                json.loads(it["arguments"])
            except ValueError:
                return "input[%d].arguments is not valid JSON" % i
            call_ids.add(it["call_id"])
        elif kind == "function_call_output":
            if not isinstance(it.get("output"), str):
                return "Missing required parameter: 'input[%d].output'." % i
            if it.get("call_id") not in call_ids:
                return "No tool call found for function call output with call_id %s." % it.get("call_id")
        else:
            return "Invalid value for 'input[%d].type': %r" % (i, kind)
    tools = req.get("tools")
    if tools is not None:
        if not isinstance(tools, list):
            return "tools must be a list"
        for i, t in enumerate(tools):
            if not isinstance(t, dict) or t.get("type") != "function" or not isinstance(t.get("name"), str):
                return "Missing required parameter: 'tools[%d].name'." % i
    if "stream" in req and not isinstance(req["stream"], bool):
        return "stream must be a boolean"
    if "instructions" in req and not isinstance(req["instructions"], str):
        return "instructions must be a string"
    return None


def responses_turn(req):
    inp = req["input"]
    if isinstance(inp, str):
        inp = [{"role": "user", "content": inp}]
    last_user = ""
    for it in reversed(inp):
        if it.get("type", "message") == "message" and it.get("role") == "user":
            last_user = text_of(it.get("content"))
            break
    scen = set(SCENARIO.findall(last_user))
    tail = []
    for it in reversed(inp):
        if it.get("type") != "function_call_output":
            break
        tail.insert(0, it["output"])
    prompt = words(req.get("instructions")) + sum(
        words(text_of(it.get("content"))) for it in inp if it.get("type", "message") == "message") + sum(
        words(it.get("output")) for it in inp if it.get("type") == "function_call_output")
    if tail:
        scen -= {"tool_call", "tool_calls", "parallel-tools"}
        return scen, "The tool said: " + "; ".join(tail), prompt
    said = strip_scenarios(last_user)
    return scen, ("Hello! You said: " + said) if said else "Hello! You said nothing.", prompt


def responses(state, headers, req):
    problem = check_responses(req)
    if problem:
        return bad_request(problem)
    model = req["model"]
    if model not in CHAT_MODELS and "codex" not in model:
        return error(404, "RESOURCE_DOES_NOT_EXIST", "Endpoint '%s' does not exist." % model)
    scen, reply, prompt = responses_turn(req)
    if "long" in scen:
        reply += " " + LONG_TEXT
    if "newline-end" in scen:
        reply += "\n"
    fail = failure(state, scen, model, False)
    if fail:
        return fail
    calls = tool_plan(req.get("tools"), scen, True)
    inp = req["input"] if isinstance(req["input"], list) else []
    agent = agent_plan(last_user_text(inp), turns_since_user(inp, lambda it: it.get("type") == "function_call"))
    if agent:
        calls, reply = agent, ""
    if calls and "tool-only" in scen:
        reply = ""
    completion = words(reply) + 5 * len(calls)
    usage = {"input_tokens": prompt, "input_tokens_details": {"cached_tokens": 0},
             "output_tokens": completion, "output_tokens_details": {"reasoning_tokens": 0},
             "total_tokens": prompt + completion}
    rid = "resp_mock%08x" % zlib.crc32((model + reply).encode())
    output = []
    if "reasoning" in scen:
        output.append({"type": "reasoning", "id": "rs_0001",
                       "summary": [{"type": "summary_text", "text": REASONING}]})
    if reply:
        output.append({"type": "message", "id": "msg_0001", "status": "completed", "role": "assistant",
                       "content": [{"type": "output_text", "text": reply, "annotations": []}]})
    for k, (cid, name, args) in enumerate(calls):
        output.append({"type": "function_call", "id": "fc_%04d" % (k + 1), "call_id": cid, "name": name,
                       "arguments": args, "status": "completed"})
    incomplete = "length" in scen and not calls
    resp = {"id": rid, "object": "response", "created_at": CREATED,
            "status": "incomplete" if incomplete else "completed",
            "model": model, "output": output, "error": None,
            "incomplete_details": {"reason": "max_output_tokens"} if incomplete else None,
            "instructions": req.get("instructions"), "tools": req.get("tools") or [],
            "usage": None if "no-usage" in scen else usage}
    if req.get("stream") and "ignore-stream" not in scen:
        return responses_stream(resp, reply, scen)
    return whole_spec(resp, scen)


def responses_stream(resp, reply, scen):
    eol = eol_of(scen)
    seq = [0]
    events = []
    cut_in = None

    def ev(kind, **fields):
        obj = {"type": kind, "sequence_number": seq[0]}
        obj.update(fields)
        seq[0] += 1
        events.append("event: " + kind + eol + "data: " + json.dumps(obj) + eol + eol)

    start = dict(resp, status="in_progress", output=[], usage=None)
    ev("response.created", response=start)
    ev("response.in_progress", response=start)
    for idx, item in enumerate(resp["output"]):
        if item["type"] == "reasoning":
            ev("response.output_item.added", output_index=idx, item=dict(item, summary=[]))
            ev("response.reasoning_summary_part.added", item_id=item["id"], output_index=idx,
               summary_index=0, part={"type": "summary_text", "text": ""})
            for piece in split_text(REASONING, 12):
                ev("response.reasoning_summary_text.delta", item_id=item["id"], output_index=idx,
                   summary_index=0, delta=piece)
            ev("response.reasoning_summary_text.done", item_id=item["id"], output_index=idx,
               summary_index=0, text=REASONING)
            ev("response.reasoning_summary_part.done", item_id=item["id"], output_index=idx,
               summary_index=0, part={"type": "summary_text", "text": REASONING})
            ev("response.output_item.done", output_index=idx, item=item)
        elif item["type"] == "message":
            ev("response.output_item.added", output_index=idx,
               item=dict(item, status="in_progress", content=[]))
            ev("response.content_part.added", item_id=item["id"], output_index=idx, content_index=0,
               part={"type": "output_text", "text": "", "annotations": []})
            pieces = split_text(reply)
            for i, piece in enumerate(pieces):
                ev("response.output_text.delta", item_id=item["id"], output_index=idx, content_index=0,
                   delta=piece)
                if i == 1:
                    cut_in = len(events)
                if i == 1 and "error-event" in scen:
                    ev("error", code="server_error",
                       message="Upstream model overloaded (mock scenario error-event)", param=None)
                    return stream_spec(events, scen, eol)
                if i == 1 and "failed" in scen:
                    ev("response.failed", response=dict(resp, status="failed", usage=None, error={
                        "code": "server_error", "message": "The model failed (mock scenario failed)"}))
                    return stream_spec(events, scen, eol)
            ev("response.output_text.done", item_id=item["id"], output_index=idx, content_index=0,
               text=reply)
            ev("response.content_part.done", item_id=item["id"], output_index=idx, content_index=0,
               part=item["content"][0])
            ev("response.output_item.done", output_index=idx, item=item)
        else:
            ev("response.output_item.added", output_index=idx,
               item=dict(item, arguments="", status="in_progress"))
            for frag in fragments(item["arguments"]):
                ev("response.function_call_arguments.delta", item_id=item["id"], output_index=idx,
                   delta=frag)
            ev("response.function_call_arguments.done", item_id=item["id"], output_index=idx,
               arguments=item["arguments"])
            ev("response.output_item.done", output_index=idx, item=item)
    ev("response.incomplete" if resp["status"] == "incomplete" else "response.completed", response=resp)
    return stream_spec(events, scen, eol, cut_in)
