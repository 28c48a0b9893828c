"""Half-broken edge networks (issue 21): Happy Eyeballs past a black-holed
address, a DNS lookup bounded by --connect-timeout, --resolve, and kept-alive
connections that died while idle.

The first two need addresses that swallow SYNs and a name server of the test's
own, so they run in a network and mount namespace that the test makes
(`unshare`, as root or with a user namespace): lo up, and a tun device that no
process reads, routed for 192.0.2.0/24 and 2001:db8::/32 (TEST-NET-1 and the
IPv6 documentation prefix), so every packet sent there is dropped without an
answer, as a black-holed route drops it. The DNS tests bind-mount their own
resolv.conf over /etc/resolv.conf inside the namespace; the host's files and
network are never touched. The rest runs on the host's loopback."""
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest

from lib import (BIN, HERE, HOME, NO_RETRIES, RUN, Case, Mock, MockCase, clean_env, needs, reply_to,
                 run, wait_file)

DNS = os.path.join(os.path.dirname(HERE), "mock", "dns.py")
# qemu (DBXAI_RUN) starts slower: timing bounds get its slack
SLACK = 2.0 if RUN else 0.0


class Netns:
    """A network + mount namespace held open by a sleeping process; enter is
    the command prefix that runs a program inside it. Raises SkipTest only
    when namespaces cannot be made here at all."""

    def __init__(self):
        root = os.geteuid() == 0
        cmd = ["unshare", "--net", "--mount"] + ([] if root else ["--map-root-user"])
        try:
            self.proc = subprocess.Popen(cmd + ["sleep", "300"], stderr=subprocess.PIPE)
        except FileNotFoundError:
            raise unittest.SkipTest("unshare (util-linux) is not installed")
        mine = os.readlink("/proc/self/ns/net")
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.proc.poll() is not None:
                why = self.proc.stderr.read().decode("utf-8", "replace").strip()
                raise unittest.SkipTest("cannot make a network namespace here: %s" % why)
            try:
                if os.readlink("/proc/%d/ns/net" % self.proc.pid) != mine:
                    break
            except OSError:
                pass
            time.sleep(0.01)
        self.enter = ["nsenter", "-t", str(self.proc.pid), "--net", "--mount"]
        if not root:
            self.enter += ["--user", "--preserve-credentials"]
        self.sh("ip link set lo up && ip tuntap add t0 mode tun && ip link set t0 up && "
                "ip route add 192.0.2.0/24 dev t0 && ip -6 route add 2001:db8::/32 dev t0")

    def sh(self, script):
        p = subprocess.run(self.enter + ["sh", "-c", script], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=20)
        if p.returncode != 0:
            raise AssertionError("in the namespace: %s\n%s" % (script, p.stdout.decode()))

    def close(self):
        self.proc.kill()
        self.proc.wait()
        self.proc.stderr.close()


class NsCase(Case):
    """One namespace for the class; mocks started inside it with ns_mock()."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ns = Netns()
        cls.addClassCleanup(cls.ns.close)

    def ns_mock(self, **kw):
        m = Mock(prefix=self.ns.enter, **kw)
        self.addCleanup(m.close)
        return m

    def run_ns(self, args, env, timeout=30):
        t0 = time.time()
        res = run(args, env=env, prefix=self.ns.enter, timeout=timeout)
        res.took = time.time() - t0
        return res


def traced(res):
    return [line for line in res.err.splitlines() if line.startswith("* ")]


class HappyEyeballs(NsCase):
    """--resolve lists a black-holed address before a working one."""

    def hello(self, mock, resolve):
        env = clean_env("https://localhost:%d" % mock.port, **NO_RETRIES)
        res = self.run_ns(["-v", "--connect-timeout", "10", "--resolve", resolve, "chat", "hi"],
                          env)
        self.assertExit(res, 0)
        self.assertEqual(res.out.strip(), reply_to("hi"))
        # the 250 ms head start of the dead address, one TLS handshake, a
        # reply: far below the 5 s (half the timeout) that slicing would cost
        self.assertLess(res.took, 1.0 + SLACK, res)
        return traced(res)

    def test_ipv6_black_holed_before_ipv4(self):
        m = self.ns_mock()
        tr = self.hello(m, "localhost:%d:[2001:db8::1],127.0.0.1" % m.port)
        self.assertIn("* trying 2001:db8::1 (1 of 2)", tr)
        self.assertIn("* trying 127.0.0.1 (2 of 2)", tr)
        self.assertIn("* connected to 127.0.0.1 (attempt 2 of 2 won)", tr)

    def test_ipv4_black_holed_before_ipv6(self):
        m = self.ns_mock(args=["--ipv6"])
        tr = self.hello(m, "localhost:%d:192.0.2.1,[::1]" % m.port)
        self.assertIn("* trying 192.0.2.1 (1 of 2)", tr)
        self.assertIn("* connected to ::1 (attempt 2 of 2 won)", tr)

    def test_families_interleaved(self):
        """Two dead IPv6 addresses first: IPv4 is tried second, not third."""
        m = self.ns_mock()
        tr = self.hello(m, "localhost:%d:[2001:db8::1],[2001:db8::2],127.0.0.1" % m.port)
        self.assertIn("* trying 127.0.0.1 (2 of 3)", tr)
        self.assertNotIn("* trying 2001:db8::2 (3 of 3)", tr)

    def test_all_dead(self):
        env = clean_env("https://localhost:8443", **NO_RETRIES)
        res = self.run_ns(["--connect-timeout", "2", "--resolve",
                           "localhost:8443:[2001:db8::1],192.0.2.1,[2001:db8::2]",
                           "chat", "hi"], env)
        self.assertExit(res, 7)
        self.assertLess(res.took, 3.0 + SLACK, res)
        self.assertGreaterEqual(res.took, 2.0, res)
        self.assertOneLineError(res, "cannot connect to localhost:8443",
                                "2001:db8::1 timed out after 2 s",
                                "192.0.2.1 timed out after 2 s",
                                "2001:db8::2 timed out after 2 s")


class BoundedDns(NsCase):
    """The namespace's /etc/resolv.conf names a server on its loopback."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        d = tempfile.mkdtemp(prefix="dbxai-dns-")
        conf = os.path.join(d, "resolv.conf")
        with open(conf, "w") as f:
            f.write("nameserver 127.0.0.1\n")
        cls.ns.sh("mount --bind %s /etc/resolv.conf" % conf)
        cls.dns_log = os.path.join(d, "queries")
        ready = os.path.join(d, "ready")
        cls.dns = subprocess.Popen(cls.ns.enter + [sys.executable, DNS, "--delay", "1",
                                                   "--log", cls.dns_log, "--ready", ready])
        cls.addClassCleanup(cls.dns.wait)
        cls.addClassCleanup(cls.dns.kill)
        wait_file(ready, cls.dns)

    def test_dead_name_server(self):
        env = clean_env("https://dead.example", **NO_RETRIES)
        res = self.run_ns(["-v", "--connect-timeout", "2", "chat", "hi"], env)
        self.assertExit(res, 7)
        self.assertLess(res.took, 3.0 + SLACK, res)
        self.assertIn("dbxai: DNS lookup of dead.example timed out after 2 s", res.err)
        self.assertIn("* name server asked (/etc/resolv.conf): 127.0.0.1", traced(res))
        with open(self.dns_log) as f:
            self.assertIn("A dead.example", f.read())  # it did ask our server

    def test_slow_name_server_within_the_bound(self):
        m = self.ns_mock(cert="wronghost.pem")  # valid for other.example
        env = clean_env("https://other.example:%d" % m.port)
        res = self.run_ns(["--connect-timeout", "5", "chat", "hi"], env)
        self.assertExit(res, 0)
        self.assertEqual(res.out.strip(), reply_to("hi"))
        self.assertGreaterEqual(res.took, 1.0, res)  # the answer's delay

    def test_resolve_skips_dns(self):
        """--resolve for the dead name: no query, and TLS still checks the name."""
        m = self.ns_mock(cert="wronghost.pem")
        with open(self.dns_log) as f:
            before = f.read().count(" other.example\n")
        env = clean_env("https://other.example:%d" % m.port,
                        DBXAI_RESOLVE="other.example:%d:127.0.0.1" % m.port)
        res = self.run_ns(["--connect-timeout", "2", "chat", "hi"], env)
        self.assertExit(res, 0)
        self.assertLess(res.took, 1.0 + SLACK, res)
        env = clean_env("https://localhost:%d" % m.port, **NO_RETRIES)
        res = self.run_ns(["--resolve", "localhost:%d:127.0.0.1" % m.port, "chat", "hi"], env)
        self.assertExit(res, 7)  # the certificate is for other.example, not localhost
        self.assertIn("localhost", res.err)
        with open(self.dns_log) as f:
            self.assertEqual(f.read().count(" other.example\n"), before)


class ResolveOption(MockCase):
    SHARED = True

    def test_flag_beats_environment_and_repeats(self):
        host = "https://api.example.test:%d" % self.mock.port
        env = self.env(DATABRICKS_HOST=host,
                       DBXAI_RESOLVE="api.example.test:%d:127.0.0.2" % self.mock.port)
        # api.example.test is under a reserved TLD: only --resolve makes it
        # reach the mock, whose certificate names localhost: exit 7 on TLS
        res = run(["--resolve", "other.test:1:127.0.0.1", "--resolve",
                   "api.example.test:%d:[::1],127.0.0.1" % self.mock.port, "-v", "chat", "hi"],
                  env=env)
        self.assertExit(res, 7)
        self.assertIn("api.example.test:%d from --resolve: 2 addresses" % self.mock.port,
                      res.err)
        self.assertIn("TLS", res.err)

    def test_bad_entries_exit_2(self):
        for bad in ["api.example.test", "h:443:", "h:0:127.0.0.1", "h:443:[::1",
                    "h:443:not-an-ip", "h:443:127.0.0.1,"]:
            res = run(["--resolve", bad, "chat", "hi"], env=self.env())
            self.assertExit(res, 2)
            self.assertOneLineError(res, "--resolve", bad, "HOST:PORT:ADDR")
            res = run(["chat", "hi"], env=self.env(DBXAI_RESOLVE=bad))
            self.assertExit(res, 2)
            self.assertOneLineError(res, "DBXAI_RESOLVE", bad)


def asks(req, word):
    """The request asks about word: its last message (a chat) or its body."""
    body = req.get("body")
    if isinstance(body, dict) and body.get("messages"):
        body = body["messages"][-1]
    return word in json.dumps(body)


def count(reqs, word):
    """How many requests asked about word."""
    return sum(1 for r in reqs if asks(r, word))


class IdleConnections(Case):
    """A server that drops kept-alive connections after 1 s of silence."""

    def start(self, *args):
        self.mock = Mock(args=list(args))
        self.addCleanup(self.mock.close)
        # no retries of the client's policy: the connection's resend alone
        return run_env(clean_env(self.mock, **NO_RETRIES))

    def repl(self, env):
        """chat -i with two prompts, 2 s of silence between the first reply
        and the second prompt; returns (stdout, stderr)."""
        p = subprocess.Popen(RUN + [BIN, "-v", "chat", "-i"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        try:
            p.stdin.write(b"first words\n")
            p.stdin.flush()
            deadline = time.time() + 10 + SLACK
            while not count(self.mock.requests(), "first words") and time.time() < deadline:
                time.sleep(0.05)
            time.sleep(2.5)  # the reply (a few ms), then 2 s and more of silence
            p.stdin.write(b"second words\n")
            out, err = p.communicate(timeout=15)  # closes stdin: the end
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        self.assertEqual(p.returncode, 0, err)
        return out.decode(), err.decode()

    @needs("repl")
    def test_chat_i_after_the_server_closed(self):
        out, err = self.repl(self.start("--idle-close", "1"))
        self.assertIn(reply_to("first words"), out)
        self.assertIn(reply_to("second words"), out)
        self.assertIn("closed the kept-alive connection while it was idle", err)
        self.assertEqual(count(self.mock.requests(), "second words"), 1)

    @needs("repl")
    def test_chat_i_after_the_connection_was_forgotten(self):
        """The request goes out on a connection that is gone: sent once more."""
        out, err = self.repl(self.start("--idle-reset", "1"))
        self.assertIn(reply_to("second words"), out)
        self.assertIn("sending the request again on a new connection", err)
        reqs = self.mock.requests()
        self.assertEqual(count(reqs, "first words"), 1)
        self.assertEqual(count(reqs, "second words"), 2)
        conns = [r["conn"] for r in reqs if asks(r, "second words")]
        self.assertNotEqual(conns[0], conns[1])

    @needs("embeddings")
    def test_embed_batches_spaced_out(self):
        """Vectors of ~70 KB each and a reader that reads nothing for 2.5 s
        after the first request: two batches' output overflow the pipe (64 KB)
        and stdout's buffer, so a later batch waits on stdout with its
        connection idle > 1 s, whatever the scheduling."""
        env = self.start("--idle-reset", "1")
        texts = ["scenario:dim=6000 text %d" % i for i in range(3)]
        p = subprocess.Popen(RUN + [BIN, "-v", "embed", "--batch", "1"] + texts,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        out = b""
        try:
            deadline = time.time() + 30
            while not count(self.mock.requests(), texts[0]) and time.time() < deadline:
                time.sleep(0.05)
            time.sleep(2.5)
            while time.time() < deadline:
                chunk = os.read(p.stdout.fileno(), 1 << 20)
                if not chunk:
                    break
                out += chunk
            err = p.stderr.read().decode()
            p.wait(10)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        self.assertEqual(p.returncode, 0, err)
        self.assertEqual(len(out.splitlines()), 3)
        reqs = self.mock.requests()
        sent = [count(reqs, t) for t in texts]
        self.assertEqual(sent[0], 1)
        self.assertTrue(all(1 <= n <= 2 for n in sent), sent)
        self.assertIn(2, sent[1:], "no batch met a forgotten connection: %s" % sent)
        self.assertIn("sending the request again on a new connection", err)

    @needs("embeddings")
    def test_started_response_never_resent(self):
        env = self.start()
        self.mock.script({"body": {"data": [{"index": 0, "embedding": [0.5]}]}},
                         {"raw": "HTTP/1.1 200 OK\r\nContent-Length: 200\r\n\r\n{\"data\":",
                          "cut_after": 48})
        p = subprocess.run(RUN + [BIN, "-v", "embed", "--batch", "1", "one", "two"],
                           env=dict(env, **NO_RETRIES), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=30)
        self.assertEqual(p.returncode, 8, p.stderr)
        self.assertIn(b"reusing connection", p.stderr)
        self.assertEqual(count(self.mock.requests(), "two"), 1)


def run_env(env):
    """What lib.run() gives a process: env on top of PATH and HOME."""
    return clean_env(token=None, cacert=None, path=True, home=HOME, **env)


if __name__ == "__main__":
    unittest.main()
