"""Agent endpoints of the mock (Mosaic AI Agent Framework on Model Serving),
in MLflow's schemas, at POST /serving-endpoints/{name}/invocations:

  ChatAgent (task agent/v1/chat, agent/v2/chat)
    request  {"messages": [{"role", "content": str}], "stream"?, "custom_inputs"?,
              "context"?, "databricks_options"?}
    stream   {"id", "delta": {"role": "assistant", "content", "id"}} text pieces;
             server-side steps as {"delta": {"role": "assistant", "content": "",
             "id", "tool_calls": [...]}} and {"delta": {"role": "tool", "content",
             "name", "tool_call_id", "id"}}; no [DONE]
    whole    {"messages": [...]}
  ResponsesAgent (task agent/v1/responses)
    request  {"input": [...], "stream"?, "custom_inputs"?, "context"?,
              "databricks_options"?}
    stream   response.output_item.done (function_call, function_call_output,
             message) and response.output_text.delta (with item_id)
    whole    {"output": [items]}

The answer is "Hello! You said: <last user text>" (scenario words left out),
and, when custom_inputs came, " (custom_inputs: <their JSON, sorted keys>)".
Scenario "scenario:agent-tool" in the prompt: the agent first runs a tool
itself (lookup, arguments {"q": <prompt>}, output "42"). With
databricks_options.return_trace the reply carries "databricks_output":
{"trace": {...}} (streamed: in a last event of its own).
"""
import json

import chat

AGENTS = {
    "agents_main-default-helper": "agent/v2/chat",
    "my-chat-agent": "agent/v1/chat",
    "agents_main-default-responder": "agent/v1/responses",
}

TRACE = {"info": {"trace_id": "tr-0123456789abcdef", "state": "OK"},
         "data": {"spans": [{"name": "agent", "span_id": "s1"}]}}


def answer(prompt, req):
    said = chat.strip_scenarios(prompt)
    text = "Hello! You said: " + said if said else "Hello! You said nothing."
    if "custom_inputs" in req:
        text += " (custom_inputs: %s)" % json.dumps(req["custom_inputs"], sort_keys=True)
    return text


def check(req, kind):
    allowed = {"messages" if kind == "chat" else "input", "stream", "custom_inputs", "context",
               "databricks_options"}
    extra = sorted(set(req) - allowed)
    if extra:
        return chat.bad_request("unexpected field(s) for a %s agent: %s" % (kind, ", ".join(extra)))
    items = req.get("messages" if kind == "chat" else "input")
    if not isinstance(items, list) or not items:
        return chat.bad_request("%s is required" % ("messages" if kind == "chat" else "input"))
    for i, m in enumerate(items):
        if not isinstance(m, dict):
            return chat.bad_request("item %d must be an object" % i)
        if kind == "chat" and not isinstance(m.get("content"), str):
            return chat.bad_request("messages[%d].content must be a string" % i)
    if "custom_inputs" in req and not isinstance(req["custom_inputs"], dict):
        return chat.bad_request("custom_inputs must be an object")
    return None


def last_user(items):
    for m in reversed(items):
        if isinstance(m, dict) and m.get("role") == "user":
            return chat.text_of(m.get("content"))
    return ""


def sse(obj):
    return "data: %s\n\n" % json.dumps(obj, separators=(",", ":"))


def invocations(state, name, req):
    kind = "chat" if AGENTS[name].endswith("/chat") else "responses"
    refused = check(req, kind)
    if refused:
        return refused
    prompt = last_user(req["messages"] if kind == "chat" else req["input"])
    text = answer(prompt, req)
    tool = "scenario:agent-tool" in prompt
    args = json.dumps({"q": chat.strip_scenarios(prompt)})
    trace = (req.get("databricks_options") or {}).get("return_trace") is True
    stream = req.get("stream") is True
    if kind == "chat":
        msgs = []
        if tool:
            msgs.append({"role": "assistant", "content": "", "id": "msg-t",
                         "tool_calls": [{"id": "call_1", "type": "function",
                                         "function": {"name": "lookup", "arguments": args}}]})
            msgs.append({"role": "tool", "content": "42", "name": "lookup",
                         "tool_call_id": "call_1", "id": "msg-r"})
        if not stream:
            msgs.append({"role": "assistant", "content": text, "id": "msg-a"})
            body = {"messages": msgs}
            if trace:
                body["databricks_output"] = {"trace": TRACE}
            return {"status": 200, "body": body}
        events = [sse({"id": "chunk-%d" % i, "delta": m}) for i, m in enumerate(msgs)]
        for piece in chat.split_text(text):
            events.append(sse({"id": "chunk-t", "delta": {"role": "assistant", "content": piece,
                                                          "id": "msg-a"}}))
        if trace:
            events.append(sse({"id": "chunk-end", "delta": {"role": "assistant", "content": "",
                                                            "id": "msg-a"},
                               "databricks_output": {"trace": TRACE}}))
        return chat.stream_spec(events, prompt)
    items = []
    if tool:
        items.append({"type": "function_call", "id": "fc_1", "call_id": "call_1",
                      "name": "lookup", "arguments": args})
        items.append({"type": "function_call_output", "call_id": "call_1", "output": "42"})
    message = {"type": "message", "id": "msg_1", "role": "assistant", "status": "completed",
               "content": [{"type": "output_text", "text": text, "annotations": []}]}
    if not stream:
        body = {"output": items + [message]}
        if trace:
            body["databricks_output"] = {"trace": TRACE}
        return {"status": 200, "body": body}
    events = [sse({"type": "response.output_item.done", "item": it}) for it in items]
    for piece in chat.split_text(text):
        events.append(sse({"type": "response.output_text.delta", "item_id": "msg_1",
                           "delta": piece}))
    events.append(sse({"type": "response.output_item.done", "item": message}))
    if trace:
        events.append(sse({"databricks_output": {"trace": TRACE}}))
    return chat.stream_spec(events, prompt)
