#!/usr/bin/env python3
"""The bench endpoint: TLS on 127.0.0.1, keep-alive, one thread per connection.

POST /serving-endpoints/{model}/invocations, /serving-endpoints/chat/completions
(OpenAI SDK and AI SDK provider) and /serving-endpoints/embeddings. A body with
"messages" is a chat; the prompt says what to stream: "bench n=2000", optionally
"delay=250" (ms before the first chunk; the head goes out at once), and "paced" (one
write, so one TLS record, per SSE event, as a model sends them) or "paced=US" (the
same with a pause of US microseconds before each event after the first). A body with
"input" is an embeddings request, answered with Content-Length. Replies are rendered
once per shape; unpaced ones are written with large sendall calls. Each request is logged as one
JSON line (monotonic times, connection number, negotiated cipher) for the harness.
The server ends after --lifetime seconds, or when its parent goes away.
"""
import argparse
import json
import os
import re
import socket
import ssl
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import workload  # noqa: E402

PATHS = re.compile(rb"^/serving-endpoints/(?:[A-Za-z0-9._-]+/invocations|chat/completions|embeddings)$")
PROMPT = re.compile(rb"bench n=(\d+)(?: delay=(\d+))?(?: (paced)(?:=(\d+))?)?")
SLICE = 1 << 20

_cache = {}
_cache_lock = threading.Lock()
_log_lock = threading.Lock()
_conn_seq = [0]


def cached(key, make):
    with _cache_lock:
        v = _cache.get(key)
    if v is None:
        v = make()
        with _cache_lock:
            _cache[key] = v
    return v


def records(n):
    """TLS records OpenSSL makes of one write of n bytes (16 KiB of plaintext each)."""
    return (n + 16383) // 16384


def send(sock, data):
    mv = memoryview(data)
    for off in range(0, len(mv), SLICE):
        sock.sendall(mv[off:off + SLICE])
    return sum(records(min(SLICE, len(mv) - off)) for off in range(0, len(mv), SLICE))


def simple(status, reason, body, close=False):
    return (b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n%s\r\n"
            % (status, reason, len(body), b"Connection: close\r\n" if close else b"")) + body


class Conn:
    def __init__(self, sock, args, log):
        self.sock, self.args, self.log = sock, args, log
        self.buf = b""

    def read_more(self):
        d = self.sock.recv(65536)
        if not d:
            raise EOFError
        self.buf += d

    def read_request(self):
        while b"\r\n\r\n" not in self.buf:
            if len(self.buf) > 65536:
                raise ValueError("head too large")
            self.read_more()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.split(b"\r\n")
        method, path, _ = lines[0].split(b" ", 2)
        hdrs = {}
        for line in lines[1:]:
            k, _, v = line.partition(b":")
            hdrs[k.strip().lower()] = v.strip()
        if b"chunked" in hdrs.get(b"transfer-encoding", b"").lower():
            body = b""
            while True:
                while b"\r\n" not in self.buf:
                    self.read_more()
                size_line, self.buf = self.buf.split(b"\r\n", 1)
                size = int(size_line.split(b";")[0], 16)
                while len(self.buf) < size + 2:
                    self.read_more()
                body += self.buf[:size]
                self.buf = self.buf[size + 2:]
                if size == 0:
                    break  # (no trailers from our clients)
        else:
            n = int(hdrs.get(b"content-length", b"0"))
            while len(self.buf) < n:
                self.read_more()
            body, self.buf = self.buf[:n], self.buf[n:]
        return method, path, hdrs, body

    def paced(self, n, pause, rec):
        """An n-chunk stream as a model sends it: one write (one TLS record) per
        SSE event, with `pause` seconds before each event after the first."""
        chunks = cached(("paced", n), lambda: workload.chat_chunks(n))
        rec["t_first"] = time.monotonic()
        self.sock.sendall(workload.STREAM_HEAD + chunks[0])
        for c in chunks[1:]:
            if pause:
                time.sleep(pause)
            self.sock.sendall(c)
        rec.update(status=200, kind="chat", chunks=n, events=len(chunks), records=len(chunks),
                   paced_us=round(pause * 1e6), bytes=sum(len(c) for c in chunks))

    def serve(self, conn_no):
        cipher = self.sock.cipher()
        version = self.sock.version()
        while True:
            try:
                method, path, hdrs, body = self.read_request()
            except (EOFError, ConnectionError, ssl.SSLError, OSError):
                return
            t_req = time.monotonic()
            cpu0 = time.thread_time()
            rec = {"conn": conn_no, "path": path.decode("latin-1"), "t_req": t_req,
                   "tls": version, "cipher": cipher[0] if cipher else None}
            close = hdrs.get(b"connection", b"").lower() == b"close"
            if hdrs.get(b"authorization") != b"Bearer " + self.args.token.encode():
                send(self.sock, simple(401, b"Unauthorized",
                                       b'{"error_code":"UNAUTHENTICATED","message":"bad token"}'))
                rec["status"] = 401
            elif method != b"POST" or not PATHS.match(path.split(b"?")[0]):
                send(self.sock, simple(404, b"Not Found",
                                       b'{"error_code":"ENDPOINT_NOT_FOUND","message":"no such path"}'))
                rec["status"] = 404
            else:
                try:
                    req = json.loads(body)
                except ValueError:
                    req = None
                if isinstance(req, dict) and isinstance(req.get("input"), list):
                    k = len(req["input"])
                    data = cached(("embed", k), lambda: workload.embed_body(k, self.args.embed_dim))
                    head = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                            b"Content-Length: %d\r\n\r\n" % len(data))
                    send(self.sock, head + data)
                    rec.update(status=200, kind="embed", inputs=k, bytes=len(data))
                elif isinstance(req, dict) and isinstance(req.get("messages"), list):
                    m = PROMPT.search(body)
                    n = int(m.group(1)) if m else 20
                    delay = int(m.group(2)) / 1000.0 if m and m.group(2) else 0.0
                    if m and m.group(3):
                        self.paced(n, int(m.group(4) or 0) / 1e6, rec)
                    else:
                        head, first, rest = cached(("chat", n), lambda: workload.chat_stream(n))
                        if delay:
                            nrec = send(self.sock, head)
                            time.sleep(max(0.0, t_req + delay - time.monotonic()))
                            rec["t_first"] = time.monotonic()
                            nrec += send(self.sock, first + rest)
                        else:
                            rec["t_first"] = time.monotonic()
                            nrec = send(self.sock, head + first + rest)
                        rec.update(status=200, kind="chat", chunks=n, events=n + 2, records=nrec,
                                   bytes=len(first) + len(rest))
                else:
                    send(self.sock, simple(400, b"Bad Request",
                                           b'{"error_code":"BAD_REQUEST","message":"neither messages nor input"}'))
                    rec["status"] = 400
            rec["t_done"] = time.monotonic()
            rec["cpu_ms"] = (time.thread_time() - cpu0) * 1000.0
            with _log_lock:
                self.log.write(json.dumps(rec) + "\n")
                self.log.flush()
            if close:
                return


def handle(raw, ctx, args, log, conn_no):
    try:
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        raw.settimeout(args.idle)
        sock = ctx.wrap_socket(raw, server_side=True)
    except (ssl.SSLError, OSError):
        raw.close()
        return
    try:
        Conn(sock, args, log).serve(conn_no)
    except (ConnectionError, ssl.SSLError, OSError):
        pass
    finally:
        try:
            sock.close()
        except OSError:
            pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert", required=True, help="PEM with certificate and key")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--lifetime", type=float, default=600)
    ap.add_argument("--idle", type=float, default=60, help="seconds a connection may stay silent")
    ap.add_argument("--embed-dim", type=int, default=1024)
    ap.add_argument("--prerender", default="", help="comma-separated chunk counts to render at start")
    ap.add_argument("--prerender-paced", default="", help="the same for paced streams")
    args = ap.parse_args()

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert)
    for n in filter(None, args.prerender.split(",")):
        cached(("chat", int(n)), lambda: workload.chat_stream(int(n)))
    for n in filter(None, args.prerender_paced.split(",")):
        cached(("paced", int(n)), lambda: workload.chat_chunks(int(n)))

    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(64)
    ls.settimeout(0.5)
    log = open(args.log, "a")
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(ls.getsockname()[1]))
    os.rename(tmp, args.port_file)

    parent = os.getppid()
    deadline = time.monotonic() + args.lifetime
    while time.monotonic() < deadline and os.getppid() == parent:
        try:
            raw, _ = ls.accept()
        except socket.timeout:
            continue
        _conn_seq[0] += 1
        threading.Thread(target=handle, args=(raw, ctx, args, log, _conn_seq[0]), daemon=True).start()
    ls.close()
    os._exit(0)


if __name__ == "__main__":
    main()
