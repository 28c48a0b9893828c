#!/usr/bin/env python3
"""A local Databricks Model Serving look-alike for dbxai's tests and demo.

Python 3 standard library only. Listens on 127.0.0.1 or ::1 (never anything else), speaks
HTTP/1.1 with keep-alive over TLS (a test certificate made at test time) or plain
TCP, and stops by itself after --lifetime seconds.

The HTTP layer is written by hand on raw sockets so that tests control framing
exactly: chunked bodies written one byte at a time, connections cut at a given
byte, stalls, Content-Length or close-delimited bodies.

Behaviour:
  default routes answer like a Databricks workspace (see ROUTES below);
  POST /__mock/script with a JSON list of response specs queues scripted
  responses: each following request (other than /__mock/*) takes the next one.

A response spec (all keys optional):
  status      int (200)          headers   {name: value}
  body        str or JSON value  framing   "length" | "chunked" | "close"
  chunks      list of str: the body written piece by piece (each piece its own
              HTTP chunk when chunked), chunk_delay seconds apart (streams)
  write_size  bytes per write (0: all at once)     delay  seconds before the head
  cut_after   close the socket after this many body bytes (no terminator)
  stall       seconds to sleep before the body
  close       true: "Connection: close" and close after the response
  raw         the whole response as latin-1 text, written as it is (with
              cut_after: only its first bytes, then the connection closes;
              with stall_at: silence for "stall" seconds after that many bytes)

Every request is appended to --log as one JSON line:
  {"conn": N, "method": .., "path": .., "headers": {lowercased: value}, "body": ..}
"""
import argparse
import json
import os
import socket
import ssl
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serving  # noqa: E402  (the model endpoints: chat, Responses API, embeddings)
import oauth  # noqa: E402  (the /oidc authorization server)
import mcp  # noqa: E402  (Databricks-managed MCP servers)

MAX_HEAD = 65536

ENDPOINTS = [
    {"name": "databricks-claude-sonnet-4", "task": "llm/v1/chat", "ready": "READY"},
    {"name": "databricks-claude-sonnet-4-5", "task": "llm/v1/chat", "ready": "READY"},
    {"name": "databricks-claude-haiku-4-5", "task": "llm/v1/chat", "ready": "READY"},
    {"name": "databricks-meta-llama-3-3-70b-instruct", "task": "llm/v1/chat", "ready": "READY"},
    {"name": "databricks-gpt-5", "task": "llm/v1/chat", "ready": "READY",
     "apis": ["openai/v1/chat/completions", "openai/v1/responses"]},
    {"name": "databricks-gpt-oss-120b", "task": "llm/v1/chat", "ready": "READY",
     "apis": ["openai/v1/chat/completions"]},
    {"name": "text-embedding-3-small", "task": "llm/v1/embeddings", "ready": "READY"},
    {"name": "my-custom-model", "task": None, "ready": "NOT_READY"},
    # agents (tests/mock/agents.py)
    {"name": "agents_main-default-helper", "task": "agent/v2/chat", "ready": "READY"},
    {"name": "my-chat-agent", "task": "agent/v1/chat", "ready": "READY"},
    {"name": "agents_main-default-responder", "task": "agent/v1/responses", "ready": "READY"},
]


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.script = []
        self.conn_seq = 0
        self.log = open(args.log, "a", buffering=1) if args.log else None

    def next_conn(self):
        with self.lock:
            self.conn_seq += 1
            return self.conn_seq

    def pop_script(self):
        with self.lock:
            return self.script.pop(0) if self.script else None

    def record(self, entry):
        if self.log:
            with self.lock:
                self.log.write(json.dumps(entry) + "\n")


def endpoint_json(e):
    out = {
        "name": e["name"],
        "creator": "someone@example.com",
        "creation_timestamp": 1730000000000,
        "state": {"ready": e["ready"], "config_update": "NOT_UPDATING"},
        "endpoint_type": "FOUNDATION_MODEL_API" if e["name"].startswith("databricks-") else "CUSTOM",
    }
    if e["task"]:
        out["task"] = e["task"]
    if e.get("apis"):
        # the APIs the endpoint serves (dbxai looks for "openai/v1/responses"
        # as any string of the metadata, wherever the workspace lists it)
        out["config"] = {"served_entities": [{"name": e["name"], "apis": e["apis"]}]}
    return out


def error(status, code, message):
    return {"status": status, "body": {"error_code": code, "message": message}}


def route(state, method, path, headers, body):
    """The default, workspace-like answers."""
    spec = oauth.route(state, method, path, headers, body)
    if spec is not None:
        return spec
    token = state.args.token
    if token is not None and headers.get("authorization") != "Bearer " + token and \
            not oauth.get(state).valid_access(headers.get("authorization")):
        return error(401, "UNAUTHENTICATED", "Credential was not sent or was of an unsupported type for this API.")
    bare = path.split("?", 1)[0]
    if bare.startswith("/api/2.0/mcp/"):
        return mcp.route(state, method, path, headers, body)
    if method == "GET" and bare == "/api/2.0/serving-endpoints":
        return {"status": 200, "body": {"endpoints": [endpoint_json(e) for e in ENDPOINTS]}}
    if method == "GET" and bare.startswith("/api/2.0/serving-endpoints/"):
        name = bare[len("/api/2.0/serving-endpoints/"):]
        for e in ENDPOINTS:
            if e["name"] == name:
                return {"status": 200, "body": endpoint_json(e)}
        return error(404, "RESOURCE_DOES_NOT_EXIST", "Endpoint with name '%s' does not exist." % name)
    if method == "POST" and bare == "/serving-endpoints/responses":
        return serving.responses(state, headers, body)
    if method == "POST" and bare.startswith("/serving-endpoints/") and bare.endswith("/invocations"):
        name = bare[len("/serving-endpoints/"):-len("/invocations")]
        return serving.invocations(state, name, headers, body)
    if bare == "/api/2.0/echo":
        return {"status": 200, "body": {"method": method, "body": body.decode("utf-8", "replace")}}
    return error(404, "ENDPOINT_NOT_FOUND", "No API found for '%s %s'" % (method, bare))


def read_request(sock, buf):
    """Returns (method, path, headers, body, rest) or None on EOF."""
    while b"\r\n\r\n" not in buf:
        if len(buf) > MAX_HEAD:
            return None
        data = sock.recv(65536)
        if not data:
            return None
        buf += data
    head, rest = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    method, path, _version = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    n = int(headers.get("content-length", "0"))
    rest = bytearray(rest)  # grown in place: bytes += would copy the body so far on each recv
    while len(rest) < n:
        data = sock.recv(65536)
        if not data:
            return None
        rest += data
    return method, path, headers, bytes(rest[:n]), bytes(rest[n:])


def send(sock, data, write_size):
    if not write_size:
        sock.sendall(data)
        return
    for i in range(0, len(data), write_size):
        sock.sendall(data[i:i + write_size])


def respond(sock, spec):
    """Writes one response; returns False when the connection must close."""
    if "raw" in spec:
        return respond_raw(sock, spec)
    status = spec.get("status", 200)
    body = spec.get("body", b"")
    if not isinstance(body, (bytes, str)):
        body = json.dumps(body)
    if isinstance(body, str):
        body = body.encode()
    framing = spec.get("framing", "length")
    write_size = spec.get("write_size", 0)
    close = spec.get("close", False) or framing == "close"
    headers = {"Content-Type": "application/json", "Server": "dbxai-mock"}
    headers.update(spec.get("headers", {}))
    if framing == "length":
        total = sum(len(p.encode() if isinstance(p, str) else p) for p in spec["chunks"]) \
            if "chunks" in spec else len(body)
        headers["Content-Length"] = str(total)
    elif framing == "chunked":
        headers["Transfer-Encoding"] = "chunked"
    if close:
        headers["Connection"] = "close"
    if spec.get("delay"):
        time.sleep(spec["delay"])
    head = "HTTP/1.1 %d %s\r\n" % (status, REASONS.get(status, "Status"))
    head += "".join("%s: %s\r\n" % kv for kv in headers.items()) + "\r\n"
    send(sock, head.encode("latin-1"), write_size)
    if spec.get("stall"):
        time.sleep(spec["stall"])
    if "chunks" in spec:
        return respond_pieces(sock, spec, framing, close)
    if framing == "chunked":
        piece = write_size or len(body) or 1
        wire = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + piece]), body[i:i + piece])
                        for i in range(0, len(body), piece)) + b"0\r\n\r\n"
    else:
        wire = body
    cut = spec.get("cut_after")
    if cut is not None:
        send(sock, wire[:cut], write_size)
        return False
    send(sock, wire, write_size)
    return not close


def respond_raw(sock, spec):
    """Exactly these bytes (latin-1 text), cut after cut_after bytes if given."""
    data = spec["raw"].encode("latin-1")
    cut = spec.get("cut_after")
    if "stall_at" in spec:  # these bytes, then silence for "stall" seconds
        send(sock, data[:spec["stall_at"]], 0)
        time.sleep(spec.get("stall", 0))
        data = data[spec["stall_at"]:]
    send(sock, data if cut is None else data[:cut], spec.get("write_size", 0))
    return cut is None and not spec.get("close", False)


def respond_pieces(sock, spec, framing, close):
    """The body of a streamed response, one piece at a time (head already sent)."""
    write_size = spec.get("write_size", 0)
    delay = spec.get("chunk_delay", 0)
    cut = spec.get("cut_after")
    sent = 0
    for piece in spec["chunks"]:
        data = piece.encode() if isinstance(piece, str) else piece
        if cut is not None and sent + len(data) > cut:
            send(sock, data[:cut - sent] if framing != "chunked" else
                 b"%x\r\n%s" % (len(data), data[:cut - sent]), write_size)
            return False
        sent += len(data)
        if framing == "chunked":
            data = b"%x\r\n%s\r\n" % (len(data), data)
        send(sock, data, write_size)
        if delay:
            time.sleep(delay)
    if cut is not None:
        return False
    if framing == "chunked":
        send(sock, b"0\r\n\r\n", write_size)
    return not close


REASONS = {200: "OK", 302: "Found", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
           404: "Not Found", 413: "Payload Too Large", 429: "Too Many Requests",
           500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}


def serve_conn(state, sock):
    conn = state.next_conn()
    buf = b""
    idle_close, idle_reset = state.args.idle_close, state.args.idle_reset
    answered = None  # when the last response ended
    try:
        while True:
            if idle_close and answered:
                sock.settimeout(idle_close)  # silence: close (FIN) as servers do
            req = read_request(sock, buf)
            if req is None:
                return
            sock.settimeout(30)
            method, path, headers, body, buf = req
            if path == "/__mock/script" and method == "POST":
                with state.lock:
                    state.script.extend(json.loads(body))
                respond(sock, {"status": 200, "body": {"queued": True}})
                continue
            try:
                parsed = json.loads(body) if body else None
            except ValueError:
                parsed = body.decode("utf-8", "replace")
            state.record({"conn": conn, "method": method, "path": path,
                          "headers": headers, "body": parsed, "time": time.time()})
            if idle_reset and answered and time.time() - answered > idle_reset:
                # the request arrived on a connection already forgotten (a NAT
                # that dropped it, a server that closed it as it went out)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                return
            spec = state.pop_script() or route(state, method, path, headers, body)
            keep = respond(sock, spec)
            answered = time.time()
            if not keep:
                if spec.get("cut_after") is None and hasattr(sock, "unwrap"):
                    try:  # close_notify: the clean end of a close-delimited body
                        sock.settimeout(2)
                        sock.unwrap()
                    except (OSError, ssl.SSLError, ValueError):
                        pass
                return
    except (OSError, ssl.SSLError, ValueError):
        return
    finally:
        try:
            sock.close()
        except OSError:
            pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", help="write the port here once listening")
    ap.add_argument("--cert", help="PEM with certificate chain and key (omit with --plain)")
    ap.add_argument("--plain", action="store_true", help="no TLS")
    ap.add_argument("--tls", default="any", choices=["any", "1.0", "1.1", "1.2", "1.3"])
    ap.add_argument("--weak", action="store_true",
                    help="OpenSSL security level 0, to serve SHA-1 or RSA-1024 test certificates")
    ap.add_argument("--token", help="require 'Authorization: Bearer TOKEN'")
    ap.add_argument("--log", help="append one JSON line per request here")
    ap.add_argument("--lifetime", type=float, default=120.0, help="stop after this many seconds")
    ap.add_argument("--ipv6", action="store_true", help="listen on ::1 instead of 127.0.0.1")
    ap.add_argument("--idle-close", type=float, default=0,
                    help="close a kept-alive connection after this many seconds of silence")
    ap.add_argument("--idle-reset", type=float, default=0,
                    help="reset, unanswered, a request that comes after this many seconds "
                    "of silence on a kept-alive connection")
    args = ap.parse_args()

    ctx = None
    if not args.plain:
        if not args.cert:
            ap.error("--cert is required unless --plain")
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        if args.weak:
            ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        ctx.load_cert_chain(args.cert)
        if args.tls in ("1.0", "1.1"):
            ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
            ctx.minimum_version = ssl.TLSVersion.TLSv1 if args.tls == "1.0" else ssl.TLSVersion.TLSv1_1
            ctx.maximum_version = ctx.minimum_version
        elif args.tls in ("1.2", "1.3"):
            v = ssl.TLSVersion.TLSv1_2 if args.tls == "1.2" else ssl.TLSVersion.TLSv1_3
            ctx.minimum_version = ctx.maximum_version = v

    state = State(args)
    lsock = socket.socket(socket.AF_INET6 if args.ipv6 else socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("::1" if args.ipv6 else "127.0.0.1", args.port))
    lsock.listen(64)
    lsock.settimeout(0.2)
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(lsock.getsockname()[1]))
        os.rename(tmp, args.port_file)
    deadline = time.time() + args.lifetime
    while time.time() < deadline:
        try:
            sock, _ = lsock.accept()
        except socket.timeout:
            continue
        sock.settimeout(30)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def handle(s=sock):
            if ctx is not None:
                try:
                    s = ctx.wrap_socket(s, server_side=True)
                except (OSError, ssl.SSLError):
                    s.close()
                    return
            serve_conn(state, s)

        threading.Thread(target=handle, daemon=True).start()
    lsock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
