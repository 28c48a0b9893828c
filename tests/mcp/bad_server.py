#!/usr/bin/env python3
"""A purpose-built MCP server over stdio that misbehaves on request (the e2e
tests of dbxai's MCP client). Python 3 standard library only.

  bad_server.py [--version REV] [--start MODE] [--record FILE] [--name NAME]

--start: ok (default) | exit (ends before answering initialize) | junk (writes
  a line that is not JSON-RPC first) | paged (tools/list in pages of one tool,
  nextCursor between them)
--version: the protocolVersion it answers (default 2025-06-18)
--record: one JSON line per thing worth checking is appended there: its pid
  at start, the answers dbxai gave to its own requests, notifications/cancelled

Tools (each call's arguments are echoed back by "echo"):
  echo {text}      "echo: TEXT"
  crash            the process exits (status 3) in the middle of the call
  garbage          a line that is not JSON-RPC, then nothing
  hang             never answers (dbxai must time out and cancel)
  big              a text result of 10 MiB
  ask              first asks dbxai: ping, sampling/createMessage, roots/list,
                   elicitation/create (one after the other, each answer
                   recorded), then answers "asked"
  change           sends notifications/tools/list_changed and from then on
                   lists one more tool, "added"; answers "changed"
  log              sends a notifications/message (level warning), then "logged"
  fail             answers with a JSON-RPC error (-32000, "it went wrong")
  image            an image content part and a text part
"""
import argparse
import json
import os
import sys
import time

TOOLS = ["echo", "crash", "garbage", "hang", "big", "ask", "change", "log", "fail", "image"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--version", default="2025-06-18")
    ap.add_argument("--start", default="ok")
    ap.add_argument("--record")
    ap.add_argument("--name", default="bad")
    args = ap.parse_args()
    changed = [False]

    def record(obj):
        if args.record:
            with open(args.record, "a") as f:
                f.write(json.dumps(obj) + "\n")

    def send(obj):
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    def read():
        line = sys.stdin.readline()
        if not line:
            sys.exit(0)
        return json.loads(line)

    def tools():
        names = TOOLS + (["added"] if changed[0] else [])
        return [{"name": n, "description": "the %s tool\nsecond line" % n,
                 "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}}},
                 "annotations": {"readOnlyHint": n == "echo"}} for n in names]

    record({"pid": os.getpid()})
    sys.stderr.write("bad: started\n")
    sys.stderr.flush()
    if args.start == "exit":
        sys.stderr.write("bad: giving up at once\n")
        sys.exit(5)
    if args.start == "junk":
        sys.stdout.write("Server starting, please wait...\n")
        sys.stdout.flush()
    asked = 100
    while True:
        msg = read()
        method, mid = msg.get("method"), msg.get("id")
        if method == "notifications/cancelled":
            record({"cancelled": msg.get("params", {}).get("requestId")})
            continue
        if mid is None or method is None:
            continue  # other notifications, and answers not waited for
        if method == "initialize":
            send({"jsonrpc": "2.0", "id": mid, "result": {
                "protocolVersion": args.version, "capabilities": {"tools": {"listChanged": True}},
                "serverInfo": {"name": args.name, "version": "1.0"}}})
        elif method == "tools/list":
            all_tools = tools()
            if args.start == "paged":
                k = int(msg.get("params", {}).get("cursor", "0"))
                page = {"tools": all_tools[k:k + 1]}
                if k + 1 < len(all_tools):
                    page["nextCursor"] = str(k + 1)
                send({"jsonrpc": "2.0", "id": mid, "result": page})
            else:
                send({"jsonrpc": "2.0", "id": mid, "result": {"tools": all_tools}})
        elif method == "tools/call":
            name = msg["params"]["name"]
            arg = msg["params"].get("arguments") or {}
            text = None
            if name == "echo":
                text = "echo: %s" % arg.get("text", "")
            elif name == "crash":
                sys.stderr.write("bad: crashing now\n")
                sys.stderr.flush()
                os._exit(3)
            elif name == "garbage":
                sys.stdout.write("this is not json\n")
                sys.stdout.flush()
                continue
            elif name == "hang":
                continue
            elif name == "big":
                text = "x" * (10 << 20)
            elif name == "ask":
                for req in ("ping", "sampling/createMessage", "roots/list", "elicitation/create"):
                    asked += 1
                    send({"jsonrpc": "2.0", "id": asked, "method": req, "params": {}})
                    answer = read()
                    while "method" in answer:  # not ours: a notification
                        answer = read()
                    record({"asked": req, "answer": answer})
                text = "asked"
            elif name == "change":
                changed[0] = True
                send({"jsonrpc": "2.0", "method": "notifications/tools/list_changed"})
                text = "changed"
            elif name == "log":
                send({"jsonrpc": "2.0", "method": "notifications/message",
                      "params": {"level": "warning", "data": "disk nearly full"}})
                text = "logged"
            elif name == "fail":
                send({"jsonrpc": "2.0", "id": mid, "error": {"code": -32000, "message": "it went wrong"}})
                continue
            elif name == "image":
                send({"jsonrpc": "2.0", "id": mid, "result": {"content": [
                    {"type": "image", "mimeType": "image/png", "data": "iVBORw0KGgo=" * 100},
                    {"type": "text", "text": "a picture"}]}})
                continue
            elif name == "added":
                text = "added works"
            send({"jsonrpc": "2.0", "id": mid, "result": {"content": [{"type": "text", "text": text}]}})
        else:
            send({"jsonrpc": "2.0", "id": mid, "error": {"code": -32601, "message": "no " + method}})


if __name__ == "__main__":
    try:
        main()
    except (BrokenPipeError, KeyboardInterrupt):
        pass
