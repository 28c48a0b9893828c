"""Shared pieces of the end-to-end tests: the test PKI, the mock server, tinyproxy,
and running the dbxai binary with a clean, bounded environment."""
import json
import os
import shlex
import socket
import subprocess
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
BIN = os.path.abspath(os.environ.get("DBXAI_BIN", os.path.join(TOP, "build/x86_64-linux-musl/dbxai")))
RUN = shlex.split(os.environ.get("DBXAI_RUN", ""))
PKI = os.path.join(TOP, "build", "pki")
MOCK = os.path.join(TOP, "tests", "mock", "server.py")
TOKEN = "dapi-e2e-secret-0123456789abcdef"
# Every run() checks that none of these reached stdout or stderr; tests that use
# other secrets (client secrets, refresh tokens, codes) add them here.
SECRETS = [TOKEN]


def pki(name):
    return os.path.join(PKI, name)


def make_pki():
    subprocess.run(["sh", os.path.join(HERE, "certs.sh"), PKI], check=True, timeout=120)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_file(path, proc, seconds=10.0):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if os.path.exists(path):
            return
        if proc.poll() is not None:
            raise RuntimeError("server exited early with %s" % proc.returncode)
        time.sleep(0.02)
    raise RuntimeError("server did not start within %s s" % seconds)


class Mock:
    """The mock serving endpoint in a subprocess; use as a context manager."""

    def __init__(self, cert="server.pem", tls="any", plain=False, token=TOKEN, lifetime=60,
                 weak=False):
        self.dir = tempfile.mkdtemp(prefix="dbxai-mock-")
        self.log = os.path.join(self.dir, "requests.jsonl")
        port_file = os.path.join(self.dir, "port")
        cmd = [sys_python(), MOCK, "--port-file", port_file, "--log", self.log,
               "--lifetime", str(lifetime), "--tls", tls]
        cmd += ["--plain"] if plain else ["--cert", pki(cert)]
        if weak:
            cmd.append("--weak")
        if token is not None:
            cmd += ["--token", token]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_file(port_file, self.proc)
        with open(port_file) as f:
            self.port = int(f.read())
        self.scheme = "http" if plain else "https"
        self.url = "%s://localhost:%d" % (self.scheme, self.port)

    def script(self, *responses):
        """Queues scripted responses for the next requests."""
        import http.client
        import ssl
        if self.scheme == "https":
            ctx = ssl.create_default_context(cafile=pki("ca.pem"))
            c = http.client.HTTPSConnection("localhost", self.port, context=ctx, timeout=10)
        else:
            c = http.client.HTTPConnection("localhost", self.port, timeout=10)
        c.request("POST", "/__mock/script", body=json.dumps(list(responses)))
        r = c.getresponse()
        r.read()
        c.close()

    def requests(self):
        if not os.path.exists(self.log):
            return []
        with open(self.log) as f:
            return [json.loads(line) for line in f if line.strip()]

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stderr:
            self.proc.stderr.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Tinyproxy:
    """Debian's tinyproxy on a loopback port, in the foreground."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="dbxai-proxy-")
        self.port = free_port()
        self.log = os.path.join(self.dir, "tinyproxy.log")
        conf = os.path.join(self.dir, "tinyproxy.conf")
        with open(conf, "w") as f:
            f.write("Port %d\nListen 127.0.0.1\nTimeout 30\nAllow 127.0.0.1\n"
                    "LogFile \"%s\"\nLogLevel Connect\nMaxClients 20\n" % (self.port, self.log))
        self.proc = subprocess.Popen(["timeout", "60", "tinyproxy", "-d", "-c", conf],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        self.close()
        raise RuntimeError("tinyproxy did not start")

    def connects(self):
        try:
            with open(self.log) as f:
                return [line for line in f if "CONNECT " in line and "Request" in line]
        except FileNotFoundError:
            return []

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def sys_python():
    import sys
    return sys.executable


class Result:
    def __init__(self, rc, out, err):
        self.rc, self.out, self.err = rc, out, err

    def __repr__(self):
        return "rc=%r\nstdout=%r\nstderr=%r" % (self.rc, self.out[:2000], self.err[:2000])


def run(args, env=None, stdin=b"", timeout=30, binary=None):
    """Runs dbxai with only the environment given (plus PATH/HOME/TMPDIR)."""
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("DBXAI_TEST_HOME", tempfile.gettempdir())}
    base.update(env or {})
    p = subprocess.run(RUN + [binary or BIN] + list(args), input=stdin, env=base,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    res = Result(p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace"))
    for secret in SECRETS:
        # the whole value, and any 12-byte piece of it (a partial leak is a leak)
        pieces = {secret} | {secret[i:i + 12] for i in range(0, max(1, len(secret) - 11), 4)}
        for piece in pieces:
            if piece in res.out or piece in res.err:
                raise AssertionError("a secret reached the output of dbxai %s\n%r" % (" ".join(args), res))
    return res


class Case(unittest.TestCase):
    """Base class: assertions that print the whole run on failure."""

    @classmethod
    def setUpClass(cls):
        make_pki()

    def assertExit(self, res, code):
        self.assertEqual(res.rc, code, "wrong exit status\n%r" % res)

    def assertOneLineError(self, res, *words):
        lines = [line for line in res.err.splitlines() if line.strip()]
        self.assertEqual(len(lines), 1, "expected one line on stderr\n%r" % res)
        for w in words:
            self.assertIn(w.lower(), lines[0].lower(), "missing %r\n%r" % (w, res))
