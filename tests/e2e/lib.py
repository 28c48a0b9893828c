"""Shared pieces of the end-to-end tests: the test PKI, the mock server, tinyproxy,
the one environment builder (clean_env) and running the dbxai binary in it (run),
scripted replies, and the base classes Case (assertions) and MockCase (tests
against the mock serving endpoint)."""
import atexit
import http.client
import json
import os
import re
import shlex
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
BIN = os.path.abspath(os.environ.get("DBXAI_BIN", os.path.join(TOP, "build/x86_64-linux-musl/dbxai")))
RUN = shlex.split(os.environ.get("DBXAI_RUN", ""))
PKI = os.path.join(TOP, "build", "pki")
CA = os.path.join(PKI, "ca.pem")  # the test root
MOCK = os.path.join(TOP, "tests", "mock", "server.py")
TOKEN = "dapi-e2e-secret-0123456789abcdef"
# Every run() checks that none of these reached stdout or stderr; tests that use
# other secrets (client secrets, refresh tokens, codes) add them here.
SECRETS = [TOKEN]
# what clean_env(path=True) and run() take over from the caller's environment
PATH = os.environ.get("PATH", "/usr/bin:/bin")
HOME = os.environ.get("DBXAI_TEST_HOME", tempfile.gettempdir())
# conversations (and line-editor history) go here, never under a HOME: a
# clean_env() with a HOME sets XDG_STATE_HOME to it unless the test names its own
STATE = tempfile.mkdtemp(prefix="dbxai-e2e-state-")
atexit.register(shutil.rmtree, STATE, True)
NO_RETRIES = {"DATABRICKS_MAX_RETRIES": "0"}


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


def tmpfile(content, suffix=".txt", prefix="tmp"):
    """A new file holding content (a str as it is, any other value as JSON);
    returns its path. The test removes it or leaves it in the temp folder."""
    f = tempfile.NamedTemporaryFile("w", prefix=prefix, suffix=suffix, delete=False)
    f.write(content if isinstance(content, str) else json.dumps(content))
    f.close()
    return f.name


def reply_to(prompt):
    """What the mock's chat answers: the prompt without its scenario words."""
    said = " ".join(re.sub(r"scenario:\S+", " ", prompt).split())
    return "Hello! You said: " + said if said else "Hello! You said nothing."


def sse(obj):
    """One server-sent event carrying obj as compact JSON."""
    return "data: %s\n\n" % json.dumps(obj, separators=(",", ":"))


def sse_reply(chunks, **spec):
    """A scripted 200 event-stream reply (see tests/mock/server.py): chunks
    written as HTTP chunks, spec the other keys (chunk_delay, ...)."""
    return dict({"status": 200, "headers": {"Content-Type": "text/event-stream"},
                 "framing": "chunked", "chunks": chunks}, **spec)


class Server:
    """A server subprocess of a test (self.proc): close() or the end of a with
    block stops it, SIGTERM first, SIGKILL after 5 s."""

    proc = None

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


class Mock(Server):
    """The mock serving endpoint in a subprocess (tests/mock/server.py): url,
    port, script() to queue replies, requests() to read what it was sent."""

    def __init__(self, cert="server.pem", tls="any", plain=False, token=TOKEN, lifetime=60,
                 weak=False, args=(), prefix=()):
        """args: more options of tests/mock/server.py (--idle-close 1, --ipv6);
        prefix: a command that runs it elsewhere (a Netns' enter). With a
        prefix, script() and control() cannot reach it: only the default routes
        answer."""
        self.dir = tempfile.mkdtemp(prefix="dbxai-mock-")
        self.log = os.path.join(self.dir, "requests.jsonl")
        port_file = os.path.join(self.dir, "port")
        cmd = [sys.executable, MOCK, "--port-file", port_file, "--log", self.log,
               "--lifetime", str(lifetime), "--tls", tls]
        cmd += ["--plain"] if plain else ["--cert", pki(cert)]
        if weak:
            cmd.append("--weak")
        if token is not None:
            cmd += ["--token", token]
        cmd = list(prefix) + cmd + list(args)
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_file(port_file, self.proc)
        with open(port_file) as f:
            self.port = int(f.read())
        self.scheme = "http" if plain else "https"
        self.url = "%s://localhost:%d" % (self.scheme, self.port)

    def control(self, method, path, body=None):
        """One request to the mock's own /__mock/ endpoints; returns the reply body."""
        if self.scheme == "https":
            ctx = ssl.create_default_context(cafile=CA)
            c = http.client.HTTPSConnection("localhost", self.port, context=ctx, timeout=10)
        else:
            c = http.client.HTTPConnection("localhost", self.port, timeout=10)
        try:
            c.request(method, path, body=body)
            return c.getresponse().read()
        finally:
            c.close()

    def script(self, *responses):
        """Queues scripted responses for the next requests."""
        self.control("POST", "/__mock/script", json.dumps(list(responses)))

    def requests(self):
        if not os.path.exists(self.log):
            return []
        with open(self.log) as f:
            return [json.loads(line) for line in f if line.strip()]

    def close(self):
        super().close()
        if self.proc.stderr:
            self.proc.stderr.close()


class Tinyproxy(Server):
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


def clean_env(host=None, *, token=TOKEN, cacert=CA, path=False, home=None, **extra):
    """The whole environment of a process under test, built from nothing: no
    variable of the caller's (proxies, XDG dirs, the developer's own DATABRICKS_*
    or SSL_* settings) reaches dbxai unless the test names it here.

    host    DATABRICKS_HOST: a Mock (its url) or a URL; None leaves it unset
    token   DATABRICKS_TOKEN; None leaves it unset
    cacert  SSL_CERT_FILE (the test root by default); None leaves it unset
    path    PATH: True for the caller's (PATH above), or the value itself
    home    HOME; None leaves it unset (with one, XDG_STATE_HOME is STATE)
    extra   any other variables (HTTPS_PROXY=..., XDG_CACHE_HOME=...); a value of
            None removes one of the above"""
    env = {}
    if path:
        env["PATH"] = PATH if path is True else path
    if home is not None:
        env["HOME"] = home
        env["XDG_STATE_HOME"] = STATE
    if host is not None:
        env["DATABRICKS_HOST"] = getattr(host, "url", host)
    if token is not None:
        env["DATABRICKS_TOKEN"] = token
    if cacert is not None:
        env["SSL_CERT_FILE"] = cacert
    for k, v in extra.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    return env


# The build-time features (make FEATURES=..., MINIMAL=1) that dbxai can leave out,
# as `dbxai --version` names them on its "Features:" line.
ALL_FEATURES = ("oauth", "responses", "embeddings", "repl", "mcp", "proxy")


def built_features(binary=None):
    """The features the binary says it has built in (its --version "Features:"
    line); all of them when it cannot be asked (no such binary yet)."""
    binary = binary or BIN
    if not os.path.exists(binary):
        return set(ALL_FEATURES)
    out = subprocess.run(RUN + [binary, "--version"], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, timeout=60).stdout.decode()
    for line in out.splitlines():
        if line.startswith("Features:"):
            return set(line[len("Features:"):].split())
    return set(ALL_FEATURES)  # a binary from before the switches


FEATURES = built_features()


def needs(*names):
    """Skips the test or class unless dbxai has these features built in; the
    reason names them (a FEATURES=-NAME or MINIMAL=1 build leaves them out)."""
    missing = [n for n in names if n not in FEATURES]
    return unittest.skipUnless(not missing, "not built in (%s)" % ", ".join(missing))


def built(*arg_lists):
    """The argument lists a test loops over, less those of a feature not built
    in (["--api", "responses"] in a build without the Responses API)."""
    return [a for a in arg_lists if "responses" in FEATURES or "responses" not in a]


def lacks(name):
    """Runs the test only on a build without feature name."""
    return unittest.skipUnless(name not in FEATURES, "%s is built in" % name)


class Result:
    def __init__(self, rc, out, err):
        self.rc, self.out, self.err = rc, out, err

    def __repr__(self):
        return "rc=%r\nstdout=%r\nstderr=%r" % (self.rc, self.out[:2000], self.err[:2000])


def run(args, env=None, stdin=b"", timeout=30, binary=None, prefix=()):
    """Runs dbxai with only the environment given (a clean_env(), or a dict)
    on top of PATH and HOME, and fails if any piece of a secret is printed.
    prefix: a command that runs it elsewhere (a Netns' enter)."""
    full = clean_env(token=None, cacert=None, path=True, home=HOME, **(env or {}))
    p = subprocess.run(list(prefix) + RUN + [binary or BIN] + list(args), input=stdin, env=full,
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


class MockCase(Case):
    """Base class of the tests against the mock serving endpoint.

    self.mock is a Mock started with the keywords MOCK: one for the whole class
    when SHARED (setUp then marks where this test's requests begin), else a fresh
    one for each test. A cleanup stops it, even when a test or its setUp fails.
    self.reqs() gives the requests of the running test (since the last setUp);
    self.env(**extra) is clean_env() for the mock with ENV (variables or
    clean_env keywords, for every run of the class) and extra on top."""

    MOCK = {}
    SHARED = False
    ENV = {}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if cls.SHARED:
            cls.mock = Mock(**cls.MOCK)
            cls.addClassCleanup(cls.mock.close)

    def setUp(self):
        if not self.SHARED:
            self.mock = Mock(**self.MOCK)
            self.addCleanup(self.mock.close)
        self.mark = len(self.mock.requests())

    def reqs(self):
        return self.mock.requests()[self.mark:]

    def env(self, **extra):
        return clean_env(self.mock, **dict(self.ENV, **extra))
