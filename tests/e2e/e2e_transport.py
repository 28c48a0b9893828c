"""Transport: `dbxai api` over TLS, trust sources, certificate failures, proxies,
keep-alive, exit codes and the redacting trace."""
import json
import os
import re
import subprocess
import tempfile
import unittest

from lib import (BIN, RUN, TOKEN, Case, Mock, Tinyproxy, built, clean_env, free_port, needs, pki,
                 run, tmpfile)

ENDPOINTS = "/api/2.0/serving-endpoints"


def env_for(host=None, **extra):
    """clean_env() without SSL_CERT_FILE: these tests name the CA with --cacert,
    or try the trust sources themselves."""
    return clean_env(host, cacert=None, **extra)


def elf_program_headers(path):
    """(type, ...) of each program header of an ELF file, 32 or 64 bit."""
    import struct
    with open(path, "rb") as f:
        data = f.read()
    assert data[:4] == b"\x7fELF", "not an ELF file"
    is64 = data[4] == 2
    end = "<" if data[5] == 1 else ">"
    if is64:
        phoff, = struct.unpack_from(end + "Q", data, 0x20)
        phentsize, phnum = struct.unpack_from(end + "HH", data, 0x36)
    else:
        phoff, = struct.unpack_from(end + "I", data, 0x1C)
        phentsize, phnum = struct.unpack_from(end + "HH", data, 0x2A)
    return [struct.unpack_from(end + "I", data, phoff + i * phentsize)[0] for i in range(phnum)]


class Basics(Case):
    @unittest.skipUnless(re.search(r"build/[^/]*-musl[^/]*/dbxai$", BIN),
                         "DBXAI_BIN is not a musl release build (an ASan or memcheck build is dynamic)")
    def test_binary_is_static(self):
        types = elf_program_headers(BIN)
        self.assertNotIn(3, types, "PT_INTERP: the binary needs a dynamic loader")
        self.assertNotIn(2, types, "PT_DYNAMIC: the binary is dynamically linked")

    def test_version(self):
        res = run(["--version"])
        self.assertExit(res, 0)
        self.assertRegex(res.out, r"^dbxai \d+\.\d+\.\d+")

    def test_help_lists_commands(self):
        res = run(["--help"])
        self.assertExit(res, 0)
        for word in ("api", "--cacert", "--verbose", "Exit status"):
            self.assertIn(word, res.out)

    def test_unknown_command_is_usage_error(self):
        res = run(["frobnicate"])
        self.assertExit(res, 2)
        self.assertOneLineError(res, "frobnicate", "dbxai help")

    def test_missing_host(self):
        res = run(["api", "GET", ENDPOINTS], env=env_for())
        self.assertExit(res, 2)
        self.assertOneLineError(res, "DATABRICKS_HOST")

    def test_plain_http_only_for_loopback(self):
        res = run(["api", "GET", ENDPOINTS],
                  env=env_for("http://example.com"))
        self.assertExit(res, 2)
        self.assertOneLineError(res, "http://", "https://")

    def test_bad_timeout_flag(self):
        res = run(["--connect-timeout", "soon", "api", "GET", ENDPOINTS],
                  env=env_for("https://localhost:1", token=None))
        self.assertExit(res, 2)
        self.assertOneLineError(res, "--connect-timeout")

    def test_api_needs_method_and_path(self):
        res = run(["api", "GET"], env=env_for("https://localhost:1", token=None))
        self.assertExit(res, 2)
        self.assertOneLineError(res, "api")


class Api(Case):
    def test_get_tls13_with_cacert(self):
        with Mock(tls="1.3") as m:
            res = run(["--cacert", pki("ca.pem"), "api", "GET", ENDPOINTS], env=env_for(m))
            self.assertExit(res, 0)
            names = [e["name"] for e in json.loads(res.out)["endpoints"]]
            self.assertIn("databricks-claude-sonnet-4", names)
            req = m.requests()[0]
            self.assertEqual(req["headers"]["authorization"], "Bearer " + TOKEN)
            self.assertRegex(req["headers"]["user-agent"], r"^dbxai/\d")
            self.assertEqual(req["headers"]["host"], "localhost:%d" % m.port)

    def test_get_tls12_with_ssl_cert_file(self):
        with Mock(tls="1.2") as m:
            res = run(["api", "get", ENDPOINTS + "/databricks-gpt-5"],
                      env=env_for(m, SSL_CERT_FILE=pki("ca.pem")))
            self.assertExit(res, 0)
            self.assertEqual(json.loads(res.out)["name"], "databricks-gpt-5")

    def test_ssl_cert_dir(self):
        d = tempfile.mkdtemp(prefix="dbxai-cadir-")
        with open(pki("ca.pem")) as src, open(os.path.join(d, "test-root.pem"), "w") as dst:
            dst.write(src.read())
        with Mock() as m:
            res = run(["api", "GET", ENDPOINTS], env=env_for(m, SSL_CERT_DIR=d))
            self.assertExit(res, 0)

    def test_host_without_scheme_and_trailing_slash(self):
        with Mock() as m:
            res = run(["--cacert", pki("ca.pem"), "api", "GET", ENDPOINTS],
                      env=env_for(m, DATABRICKS_HOST="localhost:%d/" % m.port))
            self.assertExit(res, 0)
            self.assertEqual(m.requests()[0]["path"], ENDPOINTS)

    def test_full_url_and_host_flag(self):
        with Mock() as m:
            res = run(["--cacert", pki("ca.pem"), "--host", m.url, "api", "GET",
                       m.url + ENDPOINTS + "?x=1"], env=env_for())
            self.assertExit(res, 0)
            self.assertEqual(m.requests()[0]["path"], ENDPOINTS + "?x=1")

    def test_post_data_inline_and_from_file(self):
        with Mock() as m:
            res = run(["--cacert", pki("ca.pem"), "api", "POST", "/api/2.0/echo",
                       "--data", '{"a": 1}'], env=env_for(m))
            self.assertExit(res, 0)
            self.assertEqual(json.loads(res.out)["body"], '{"a": 1}')
            req = m.requests()[0]
            self.assertEqual(req["headers"]["content-type"], "application/json")
            res = run(["--cacert", pki("ca.pem"), "api", "POST", "/api/2.0/echo",
                       "--data", "@" + tmpfile('{"from": "file"}', ".json")], env=env_for(m))
            self.assertExit(res, 0)
            self.assertEqual(json.loads(res.out)["body"], '{"from": "file"}')

    def test_data_file_missing(self):
        res = run(["api", "POST", "/x", "--data", "@/nonexistent/body.json"],
                  env=env_for("https://localhost:1", token=None))
        self.assertExit(res, 2)
        self.assertOneLineError(res, "/nonexistent/body.json")

    def test_chunked_one_byte_writes(self):
        body = json.dumps({"payload": "x" * 3000, "n": list(range(50))})
        with Mock() as m:
            m.script({"status": 200, "framing": "chunked", "write_size": 1, "body": body})
            res = run(["--cacert", pki("ca.pem"), "api", "GET", "/anything"], env=env_for(m),
                      timeout=60)
            self.assertExit(res, 0)
            self.assertEqual(res.out.rstrip("\n"), body)

    def test_close_delimited_body(self):
        with Mock() as m:
            m.script({"status": 200, "framing": "close", "body": '{"ok": true}'})
            res = run(["--cacert", pki("ca.pem"), "api", "GET", "/x"], env=env_for(m))
            self.assertExit(res, 0)
            self.assertEqual(json.loads(res.out), {"ok": True})

    def test_close_delimited_without_close_notify(self):
        # the whole body arrives, then a TCP close without TLS close_notify: an
        # attacker (or a broken proxy) could have cut it, so it is not success
        body = '{"ok": true}'
        with Mock() as m:
            m.script({"status": 200, "framing": "close", "body": body, "cut_after": len(body)})
            res = run(["--cacert", pki("ca.pem"), "api", "GET", "/x"], env=env_for(m))
            self.assertExit(res, 8)
            self.assertOneLineError(res, "truncated", "close_notify")

    def test_finished_stream_without_close_notify(self):
        # a close-delimited stream cut (no close_notify) after its own end
        # marker is complete: exit 0, noted under -v; before the marker: exit 8
        chat = ('data: {"choices":[{"index":0,"delta":{"content":"Hello"}}]}\n\n'
                'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n')
        resp = ('data: {"type":"response.output_text.delta","delta":"Hello"}\n\n'
                'data: {"type":"response.completed","response":{"status":"completed",'
                '"output":[]}}\n\n')
        cases = [([], chat + "data: [DONE]\n\n", 0),
                 (["--api", "responses"], resp, 0),
                 ([], chat, 8),
                 (["--api", "responses"], resp.split("data: {\"type\":\"response.completed")[0], 8)]
        cases = [c for c in cases if c[0] in built(*[c[0] for c in cases])]
        with Mock() as m:
            for args, body, code in cases:
                m.script({"status": 200, "framing": "close", "body": body,
                          "cut_after": len(body),
                          "headers": {"Content-Type": "text/event-stream"}})
                res = run(["-v", "--cacert", pki("ca.pem"), "chat"] + args + ["hi"],
                          env=env_for(m))
                self.assertExit(res, code)
                self.assertEqual(res.out.strip(), "Hello")
                if code == 0:
                    self.assertIn("cut after the end of the stream", res.err)
                else:
                    self.assertIn("close_notify", res.err)

    def test_burst_of_records_shown_before_a_pause(self):
        # The server's TLS records, written by hand: five events in five
        # records and the first bytes of a sixth, back to back, then 3 s of
        # silence, then the rest. A terminal shows the five during the silence
        # (the records a read brought are handed over without waiting for the
        # one cut short); piped, where reads go in bursts, the whole text.
        import pty
        import select
        import socket
        import ssl
        import threading
        import time
        import lib
        words = ["one ", "two ", "three ", "four ", "five ", "six ", "seven"]
        evs = [b"data: %s\n\n" % json.dumps({"choices": [{"index": 0, "delta": {"content": w}}]}).encode()
               for w in words] + [b"data: [DONE]\n\n"]
        ls = socket.socket()
        ls.bind(("127.0.0.1", 0))
        ls.listen(4)
        ls.settimeout(60)
        url = "https://127.0.0.1:%d" % ls.getsockname()[1]
        errors = []

        def serve_one():
            conn, _ = ls.accept()
            conn.settimeout(60)
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(pki("server.pem"))
            inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
            tls = ctx.wrap_bio(inc, out, server_side=True)

            def pump(step):  # step() until it needs no more bytes from the client
                while True:
                    try:
                        return step()
                    except ssl.SSLWantReadError:
                        conn.sendall(out.read())
                        d = conn.recv(65536)
                        if not d:
                            raise EOFError
                        inc.write(d)
            pump(tls.do_handshake)
            conn.sendall(out.read())
            req = b""
            while b"\r\n\r\n" not in req or len(req) < req.index(b"\r\n\r\n") + 4 + int(
                    re.search(rb"(?i)content-length: *(\d+)", req).group(1)):
                req += pump(lambda: tls.read(65536))
            out.read()  # (session tickets: already sent with the handshake's flight or dropped)
            tls.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                      b"Transfer-Encoding: chunked\r\n\r\n")
            wire = [out.read()]
            for e in evs:
                tls.write(b"%x\r\n%s\r\n" % (len(e), e) + (b"0\r\n\r\n" if e is evs[-1] else b""))
                wire.append(out.read())
            burst = b"".join(wire[:6]) + wire[6][:9]
            conn.sendall(burst)
            time.sleep(3.0)
            conn.sendall(wire[6][9:] + b"".join(wire[7:]))
            try:
                conn.recv(65536)  # until the client closes
            except OSError:
                pass
            conn.close()

        def server():
            try:
                for _ in range(2):
                    serve_one()
            except Exception as e:  # noqa: BLE001 (reported by the test)
                errors.append(repr(e))
        th = threading.Thread(target=server, daemon=True)
        th.start()
        try:
            master, slave = pty.openpty()
            env = clean_env(token=TOKEN, cacert=None, path=True, home=lib.HOME, **env_for(url))
            p = subprocess.Popen(RUN + [BIN, "--cacert", pki("ca.pem"), "chat", "hi"], env=env,
                                 stdout=slave, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
            os.close(slave)
            out, t_burst = b"", None
            try:
                while select.select([master], [], [], 60)[0]:
                    try:
                        chunk = os.read(master, 4096)
                    except OSError:
                        break
                    if not chunk:
                        break
                    out += chunk
                    if t_burst is None and b"five" in out:
                        t_burst = time.monotonic()
                        self.assertNotIn(b"six", out)
                p.wait(timeout=60)
            finally:
                if p.poll() is None:
                    p.kill()
                    p.wait()
                os.close(master)
            t_end = time.monotonic()
            self.assertEqual(p.returncode, 0, p.stderr.read())
            p.stderr.close()
            self.assertIn("".join(words).encode(), out)
            self.assertIsNotNone(t_burst)
            self.assertGreater(t_end - t_burst, 2.0, "the burst was held back until the pause ended")
            res = run(["--cacert", pki("ca.pem"), "chat", "hi"], env=env_for(url))
            self.assertExit(res, 0)
            self.assertEqual(res.out, "".join(words) + "\n")
        finally:
            th.join(30)
            ls.close()
        self.assertEqual(errors, [])

    def test_terminal_safe_output(self):
        # model text with escape sequences: shown escaped on a terminal, sent
        # as is with --raw or into a pipe; error text is always made safe
        import pty
        import lib
        evil = "\x1b]52;c;aGk=\x07 hi \u009b31m \u00e9"
        body = ("data: %s\n\ndata: [DONE]\n\n"
                % json.dumps({"choices": [{"index": 0, "delta": {"content": evil}}]}))
        sse = {"status": 200, "body": body, "headers": {"Content-Type": "text/event-stream"}}

        def on_pty(m, *flags):
            master, slave = pty.openpty()
            env = clean_env(token=None, cacert=None, path=True, home=lib.HOME, **env_for(m))
            p = subprocess.Popen(RUN + [BIN, "--cacert", pki("ca.pem")] + list(flags)
                                 + ["chat", "hi"], env=env, stdout=slave,
                                 stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
            os.close(slave)
            out = b""
            while True:
                try:
                    chunk = os.read(master, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                out += chunk
            p.wait(timeout=30)
            os.close(master)
            self.assertEqual(p.returncode, 0, p.stderr.read())
            p.stderr.close()
            return out

        with Mock() as m:
            m.script(sse)
            out = on_pty(m)
            self.assertNotIn(b"\x1b", out)
            self.assertNotIn(b"\x07", out)
            self.assertNotIn(b"\xc2\x9b", out)
            self.assertIn(b"^[]52;c;aGk=^G hi M-^[31m \xc3\xa9", out)
            m.script(sse)
            out = on_pty(m, "--raw")
            self.assertIn(evil.encode(), out)
            m.script(sse)
            res = run(["--cacert", pki("ca.pem"), "chat", "hi"], env=env_for(m))
            self.assertExit(res, 0)
            self.assertEqual(res.out.rstrip("\n"), evil)  # a pipe: byte for byte
            m.script({"status": 400, "body": {"error_code": "BAD_REQUEST",
                                              "message": "no \x1b]0;pwned\x07 \u009b2J"}})
            res = run(["--cacert", pki("ca.pem"), "chat", "hi"], env=env_for(m))
            self.assertExit(res, 5)
            self.assertNotIn("\x1b", res.err)
            self.assertNotIn("\u009b", res.err)
            self.assertIn("M-^[2J", res.err)

    def test_truncated_body_is_protocol_error(self):
        with Mock() as m:
            m.script({"status": 200, "framing": "length", "body": '{"long": "%s"}' % ("y" * 500),
                      "cut_after": 100})
            res = run(["--cacert", pki("ca.pem"), "api", "GET", "/x"], env=env_for(m))
            self.assertExit(res, 8)
            self.assertIn("truncated", res.err.lower())

    def test_status_exit_codes(self):
        cases = [
            (401, {"error_code": "UNAUTHENTICATED", "message": "bad token"}, 3, "token was refused"),
            (403, {"error_code": "PERMISSION_DENIED", "message": "no"}, 3, "PERMISSION_DENIED"),
            (404, {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "nope"}, 5, "RESOURCE_DOES_NOT_EXIST"),
            (429, {"error_code": "REQUEST_LIMIT_EXCEEDED", "message": "slow down"}, 4, "rate"),
            (500, {"error_code": "INTERNAL_ERROR", "message": "boom"}, 6, "boom"),
            (503, "upstream unavailable", 6, "upstream unavailable"),
        ]
        with Mock() as m:
            for status, body, code, word in cases:
                m.script({"status": status, "body": body})
                res = run(["--cacert", pki("ca.pem"), "api", "GET", "/x"], env=env_for(m))
                self.assertExit(res, code)
                self.assertOneLineError(res, str(status), word)

    def test_verbose_trace_redacts_token(self):
        with Mock() as m:
            res = run(["-v", "--cacert", pki("ca.pem"), "api", "GET", ENDPOINTS], env=env_for(m))
            self.assertExit(res, 0)
            self.assertIn("GET " + ENDPOINTS, res.err)
            self.assertIn("Authorization: Bearer [redacted]", res.err)
            self.assertIn("HTTP/1.1 200", res.err)
            self.assertNotIn(TOKEN, res.err + res.out)
            self.assertNotIn(TOKEN[5:20], res.err + res.out)

    def test_connection_refused(self):
        port = free_port()
        res = run(["--cacert", pki("ca.pem"), "api", "GET", ENDPOINTS],
                  env=env_for("https://127.0.0.1:%d" % port))
        self.assertExit(res, 7)
        self.assertOneLineError(res, "127.0.0.1:%d" % port)

    def test_plain_http_loopback(self):
        with Mock(plain=True) as m:
            res = run(["api", "GET", ENDPOINTS], env=env_for(m))
            self.assertExit(res, 0)
            self.assertIn("endpoints", res.out)


class Certificates(Case):
    """Only valid chains succeed; each failure names its cause."""

    def check_fails(self, cert, words, tls="any", host="localhost", weak=False):
        with Mock(cert=cert, tls=tls, weak=weak) as m:
            res = run(["--cacert", pki("ca.pem"), "api", "GET", ENDPOINTS],
                      env=env_for("https://%s:%d" % (host, m.port)))
            self.assertExit(res, 7)
            self.assertOneLineError(res, *words)
            self.assertEqual(m.requests(), [], "no request may be sent over a bad connection")

    def test_valid_chain_with_intermediate(self):
        with Mock(cert="chain.pem") as m:
            res = run(["--cacert", pki("ca.pem"), "api", "GET", ENDPOINTS], env=env_for(m))
            self.assertExit(res, 0)

    def test_ecdsa_leaf(self):
        for tls in ("1.2", "1.3"):
            with Mock(cert="ecdsa.pem", tls=tls) as m:
                res = run(["--cacert", pki("ca.pem"), "api", "GET", ENDPOINTS], env=env_for(m))
                self.assertExit(res, 0)

    def test_ip_san(self):
        with Mock() as m:
            res = run(["--cacert", pki("ca.pem"), "api", "GET", ENDPOINTS],
                      env=env_for("https://127.0.0.1:%d" % m.port))
            self.assertExit(res, 0)

    def test_expired(self):
        self.check_fails("expired.pem", ["expired"])

    def test_not_yet_valid(self):
        self.check_fails("future.pem", ["not yet valid"])

    def test_wrong_host(self):
        self.check_fails("wronghost.pem", ["does not match"])

    def test_ip_san_mismatch(self):
        self.check_fails("ipmismatch.pem", ["does not match"], host="127.0.0.1")

    def test_self_signed(self):
        self.check_fails("selfsigned.pem", ["not signed by a trusted CA"])

    def test_untrusted_root(self):
        self.check_fails("untrusted.pem", ["not signed by a trusted CA"])

    def test_incomplete_chain(self):
        self.check_fails("leaf-only-inter.pem", ["not signed by a trusted CA"])

    def test_sha1_leaf(self):
        self.check_fails("sha1.pem", ["weak hash"], weak=True)

    def test_rsa1024_leaf(self):
        self.check_fails("rsa1024.pem", ["too weak"], weak=True)

    def test_tls10_only_server(self):
        self.check_fails("server.pem", ["TLS 1.2"], tls="1.0", weak=True)

    def test_tls11_only_server(self):
        self.check_fails("server.pem", ["TLS 1.2"], tls="1.1", weak=True)

    def test_cacert_missing(self):
        res = run(["--cacert", "/nonexistent/ca.pem", "api", "GET", ENDPOINTS],
                  env=env_for("https://localhost:1"))
        self.assertExit(res, 2)
        self.assertOneLineError(res, "/nonexistent/ca.pem")

    def test_cacert_not_pem(self):
        res = run(["--cacert", tmpfile("not a certificate\n", ".pem"), "api", "GET", ENDPOINTS],
                  env=env_for("https://localhost:1"))
        self.assertExit(res, 2)
        self.assertOneLineError(res, "no PEM certificate")


@needs("proxy")
class Proxy(Case):
    def test_connect_through_tinyproxy(self):
        with Mock() as m, Tinyproxy() as p:
            res = run(["--cacert", pki("ca.pem"), "api", "GET", ENDPOINTS],
                      env=env_for(m, HTTPS_PROXY="http://127.0.0.1:%d" % p.port))
            self.assertExit(res, 0)
            self.assertIn("endpoints", res.out)
            connects = p.connects()
            self.assertEqual(len(connects), 1, connects)
            self.assertIn("CONNECT localhost:%d" % m.port, connects[0])

    def test_lowercase_proxy_and_no_proxy(self):
        with Mock() as m, Tinyproxy() as p:
            res = run(["--cacert", pki("ca.pem"), "api", "GET", ENDPOINTS],
                      env=env_for(m, https_proxy="127.0.0.1:%d" % p.port, NO_PROXY="example.com,localhost"))
            self.assertExit(res, 0)
            self.assertEqual(p.connects(), [])

    def test_proxy_down(self):
        port = free_port()
        with Mock() as m:
            res = run(["--cacert", pki("ca.pem"), "api", "GET", ENDPOINTS],
                      env=env_for(m, HTTPS_PROXY="http://127.0.0.1:%d" % port))
            self.assertExit(res, 7)
            self.assertOneLineError(res, "proxy", "127.0.0.1:%d" % port)

    def test_socks_proxy_rejected(self):
        res = run(["api", "GET", ENDPOINTS],
                  env=clean_env("https://localhost:1", HTTPS_PROXY="socks5://127.0.0.1:1080"))
        self.assertExit(res, 2)
        self.assertOneLineError(res, "socks5")


class KeepAlive(Case):
    DRIVER = os.path.join(os.path.dirname(BIN), "tests", "e2e_driver")

    def drive(self, m, path, n, timeout=60):
        """tests/e2e/driver.c: n requests for path through one client."""
        return subprocess.run(RUN + [self.DRIVER, m.url, pki("ca.pem"), path, str(n)], env=env_for(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)

    def test_two_requests_one_connection(self):
        with Mock() as m:
            p = self.drive(m, ENDPOINTS, 2)
            self.assertEqual(p.returncode, 0, p.stderr)
            reqs = m.requests()
            self.assertEqual(len(reqs), 2)
            self.assertEqual(reqs[0]["conn"], reqs[1]["conn"], "the second request reused the connection")

    def test_thousand_requests_no_growth(self):
        # 1,000 sequential requests through one client: one connection, and no
        # growth in descriptors or memory between request 10 and the end
        n = 1000 if not RUN else 200
        with Mock(lifetime=120) as m:
            p = self.drive(m, ENDPOINTS + "/databricks-gpt-5", n, timeout=300)
            self.assertEqual(p.returncode, 0, p.stderr)
            conns = {r["conn"] for r in m.requests()}
            self.assertEqual(len(m.requests()), n)
            self.assertEqual(len(conns), 1, "all requests on one kept-alive connection")
            last = p.stdout.decode().strip().splitlines()[-1].split()
            self.assertEqual(last[0], "resources")
            fds10, fds_end, rss10, rss_end = (int(x) for x in last[1:])
            self.assertEqual(fds_end, fds10, "file descriptors grew")
            if not RUN:
                self.assertLess(rss_end - rss10, 64, "RSS grew by %d KiB" % (rss_end - rss10))
                print("\n  %d requests: fds %d -> %d, RSS %d -> %d KiB" % (n, fds10, fds_end, rss10, rss_end))

    def test_reconnects_after_server_close(self):
        with Mock() as m:
            m.script({"status": 200, "body": "{}", "close": True})
            p = self.drive(m, ENDPOINTS, 3)
            self.assertEqual(p.returncode, 0, p.stderr)
            conns = [r["conn"] for r in m.requests()]
            self.assertEqual(len(conns), 3)
            self.assertNotEqual(conns[0], conns[1])
            self.assertEqual(conns[1], conns[2])
