"""Databricks-managed MCP servers on the mock workspace (Streamable HTTP):

  POST   /api/2.0/mcp/functions/{catalog}/{schema}   Unity Catalog functions
  POST   /api/2.0/mcp/vector-search/{catalog}/{schema}, /api/2.0/mcp/genie/{space},
         /api/2.0/mcp/external/{connection}          the same tools, other names
  DELETE the same path                               ends the session

The workspace's bearer token is checked before this (server.py's route). Each
answer is one JSON body; the session id is "mock-session-N" from initialize on,
and a request with an unknown session id gets 404 (a session ended: the client
starts another). Tools: "lookup" (answers "found: " + its "key" argument),
"count" (answers the calls so far) and "expire" (ends the session after its
answer)."""
import itertools
import json

SESSIONS = {}
_seq = itertools.count(1)

TOOLS = [
    {"name": "lookup", "description": "Looks a key up in the catalog.",
     "inputSchema": {"type": "object", "properties": {"key": {"type": "string"}}, "required": ["key"]}},
    {"name": "count", "description": "Counts the calls of this session.",
     "inputSchema": {"type": "object", "properties": {}}},
    {"name": "expire", "description": "Ends the session.",
     "inputSchema": {"type": "object", "properties": {}}},
]


def answer(mid, result, headers=None):
    return {"status": 200, "headers": dict({"Content-Type": "application/json"}, **(headers or {})),
            "body": {"jsonrpc": "2.0", "id": mid, "result": result}}


def route(state, method, path, headers, body):
    sid = headers.get("mcp-session-id")
    if method == "DELETE":
        SESSIONS.pop(sid, None)
        return {"status": 200, "body": ""}
    if method != "POST":
        return {"status": 405, "body": ""}
    try:
        msg = json.loads(body or b"null")
    except ValueError:
        return {"status": 400, "body": {"jsonrpc": "2.0", "id": None,
                                        "error": {"code": -32700, "message": "parse error"}}}
    mid, m = msg.get("id"), msg.get("method")
    if m == "initialize":
        sid = "mock-session-%d" % next(_seq)
        SESSIONS[sid] = 0
        return answer(mid, {"protocolVersion": "2025-06-18", "capabilities": {"tools": {}},
                            "serverInfo": {"name": "uc functions", "version": "1"}},
                      {"Mcp-Session-Id": sid})
    if sid not in SESSIONS:
        return {"status": 404, "body": {"jsonrpc": "2.0", "id": mid,
                                        "error": {"code": -32001, "message": "Session not found"}}}
    if mid is None:
        return {"status": 202, "body": ""}
    if m == "tools/list":
        return answer(mid, {"tools": TOOLS})
    if m == "tools/call":
        SESSIONS[sid] += 1
        name = msg["params"]["name"]
        args = msg["params"].get("arguments") or {}
        text = "found: %s" % args.get("key") if name == "lookup" else "calls: %d" % SESSIONS[sid]
        if name == "expire":
            del SESSIONS[sid]
            text = "expired"
        return answer(mid, {"content": [{"type": "text", "text": text}], "isError": False})
    return {"status": 200, "body": {"jsonrpc": "2.0", "id": mid,
                                    "error": {"code": -32601, "message": "Method not found"}}}
