"""`dbxai chat -i` (and `dbxai chat` on a terminal): the interactive session,
driven through a pseudo-terminal (os.openpty, stdlib only) against the mock.

The binary gets the pty as its controlling terminal, so b"\\x03" written to the
master raises SIGINT in it as a real Ctrl-C does, and b"\\x04" is Ctrl-D. Every
wait is bounded; a session left running is killed at the end of its test."""
import fcntl
import json
import os
import re
import select
import stat
import subprocess
import tempfile
import termios
import time

from lib import BIN, RUN, TOKEN, MockCase, needs, reply_to, run, sse_reply

MODEL = "databricks-claude-sonnet-4"
SLOW_WORDS = 60  # the scripted slow reply: one word every 0.1 s


def slow_stream():
    """A chat stream that takes SLOW_WORDS * 0.1 s: long enough to be cut."""
    def chunk(delta, finish=None):
        obj = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": MODEL,
               "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
        return "data: " + json.dumps(obj) + "\n\n"
    events = [chunk({"role": "assistant", "content": "slow0"})]
    events += [chunk({"content": " slow%d" % i}) for i in range(1, SLOW_WORDS)]
    events += [chunk({}, "stop"), "data: [DONE]\n\n"]
    return sse_reply(events, chunk_delay=0.1)


def _controlling_tty():
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class Session:
    """dbxai on a pty: stdin, stdout and (unless err_pipe) stderr."""

    def __init__(self, args, env, err_pipe=False):
        self.master, slave = os.openpty()
        self.err_r = None
        err = slave
        if err_pipe:
            self.err_r, err = os.pipe()
        self.p = subprocess.Popen(RUN + [BIN] + list(args), stdin=slave, stdout=slave, stderr=err,
                                  env=env, start_new_session=True, preexec_fn=_controlling_tty,
                                  close_fds=True)
        os.close(slave)
        if err_pipe:
            os.close(err)
        self.tty = b""   # what the terminal shows (echo, stdout, stderr if a tty)
        self.err = b""   # stderr when it is a pipe

    def text(self):
        return self.tty.replace(b"\r\n", b"\n").decode("utf-8", "replace")

    def _pump(self, timeout):
        fds = [self.master] + ([self.err_r] if self.err_r is not None else [])
        ready, _, _ = select.select(fds, [], [], timeout)
        got = False
        for fd in ready:
            try:
                data = os.read(fd, 65536)
            except OSError:  # EIO: the child closed the pty
                data = b""
            if fd == self.master:
                self.tty += data
            else:
                self.err += data
            got = got or bool(data)
        return got

    def expect(self, what, timeout=15, start=0):
        """Waits until what (bytes or a compiled regex) shows after offset start."""
        deadline = time.time() + timeout
        while True:
            hay = self.tty.replace(b"\r\n", b"\n")[start:]
            if (what.search(hay) if hasattr(what, "search") else what in hay):
                return
            left = deadline - time.time()
            if left <= 0 or (self.p.poll() is not None and not self._pump(0.05)):
                raise AssertionError("no %r on the terminal; it shows:\n%s\nstderr pipe: %r"
                                     % (what, self.text(), self.err))
            self._pump(min(left, 0.2))

    def mark(self):
        return len(self.tty.replace(b"\r\n", b"\n"))

    def send(self, data):
        os.write(self.master, data)

    def line(self, text, reply=None):
        """Sends one line; with reply, waits for it on the terminal."""
        at = self.mark()
        self.send(text.encode() + b"\n")
        if reply is not None:
            self.expect(reply.encode() + b"\n", start=at + len(text) + 1)

    def finish(self, timeout=15):
        """Waits for the exit, collecting the rest; returns the status."""
        deadline = time.time() + timeout
        while self.p.poll() is None and time.time() < deadline:
            self._pump(0.1)
        while self._pump(0.05):
            pass
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()
            raise AssertionError("the session did not end; it shows:\n%s" % self.text())
        return self.p.returncode

    def close(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()
        os.close(self.master)
        if self.err_r is not None:
            os.close(self.err_r)


@needs("repl")
class ReplCase(MockCase):
    SHARED = True
    MOCK = {"lifetime": 240}
    # a pty session is a child of this process, not of run(): PATH and HOME here
    # (no history file: e2e_ledit tests it, in a directory of its own)
    ENV = {"path": True, "home": tempfile.gettempdir(), "TERM": "xterm", "DBXAI_HISTORY": "0"}

    def setUp(self):
        super().setUp()
        self.sessions = []

    def tearDown(self):
        for s in self.sessions:
            s.close()

    def session(self, *args, err_pipe=False, **env):
        s = Session(["chat"] + list(args), self.env(**env), err_pipe=err_pipe)
        self.sessions.append(s)
        return s

    def bodies(self):
        return [r["body"] for r in self.reqs() if r["path"].startswith("/serving-endpoints/")]

    def test_two_turns_carry_the_conversation(self):
        s = self.session("-i")
        s.expect(b"> ")
        s.line("first question", reply_to("first question"))
        s.line("second question", reply_to("second question"))
        s.send(b"\x04")
        self.assertEqual(s.finish(), 0, s.text())
        b = self.bodies()
        self.assertEqual(len(b), 2)
        self.assertEqual([(m["role"], m["content"]) for m in b[1]["messages"]],
                         [("system", "You are a helpful assistant."), ("user", "first question"),
                          ("assistant", reply_to("first question")), ("user", "second question")])
        self.assertNotIn(TOKEN, s.text())

    def test_terminal_without_prompt_starts_a_session(self):
        s = self.session()
        s.line("hi there", reply_to("hi there"))
        s.line("/exit")
        self.assertEqual(s.finish(), 0, s.text())
        self.assertIn("/help", s.text())

    def test_pipe_stays_one_shot(self):
        res = run(["chat"], env=self.env(), stdin=b"piped words\n")
        self.assertExit(res, 0)
        self.assertEqual(res.out, reply_to("piped words") + "\n")
        self.assertNotIn("waiting", res.err)
        self.assertEqual(res.err, "")

    def test_reset_model_system(self):
        s = self.session("-i", "-m", "databricks-gpt-oss-120b")
        s.line("one", reply_to("one"))
        s.line("/reset")
        s.expect(b"new conversation")
        s.line("/model databricks-meta-llama-3-3-70b-instruct")
        s.expect(b"model databricks-meta-llama-3-3-70b-instruct")
        s.line("/system Answer in French.")
        s.expect(b"system prompt set")
        s.line("two", reply_to("two"))
        s.line("/model")
        s.expect(b"model databricks-meta-llama-3-3-70b-instruct\n", start=s.mark() - 60)
        s.line("/help")
        s.expect(b"/save FILE")
        s.line("/nonsense")
        s.expect(b"unknown command")
        s.send(b"\x04")
        self.assertEqual(s.finish(), 0, s.text())
        # the gpt endpoint's metadata was read once, before its first turn
        self.assertEqual([r["path"] for r in self.reqs()][:2],
                         ["/api/2.0/serving-endpoints/databricks-gpt-oss-120b",
                          "/serving-endpoints/databricks-gpt-oss-120b/invocations"])
        self.assertEqual(sum(r["path"].startswith("/api/") for r in self.reqs()), 1)
        reqs = [r for r in self.reqs() if r["path"].startswith("/serving-endpoints/")]
        self.assertEqual(reqs[1]["path"],
                         "/serving-endpoints/databricks-meta-llama-3-3-70b-instruct/invocations")
        self.assertEqual([(m["role"], m["content"]) for m in reqs[1]["body"]["messages"]],
                         [("system", "Answer in French."), ("user", "two")])

    def test_save_writes_the_conversation(self):
        d = tempfile.mkdtemp(prefix="dbxai-repl-")
        path = os.path.join(d, "conv.json")
        s = self.session("-i")
        s.line("/save " + path)
        s.expect(b"nothing to save yet")
        s.line("keep me", reply_to("keep me"))
        s.line("/save " + path)
        s.expect(b"saved to")
        s.line("/exit")
        self.assertEqual(s.finish(), 0, s.text())
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        with open(path) as f:
            conv = json.load(f)
        self.assertEqual([(m["role"], m["content"]) for m in conv],
                         [("system", "You are a helpful assistant."), ("user", "keep me"),
                          ("assistant", reply_to("keep me"))])
        # the file continues the conversation in a one-shot call
        res = run(["chat", "--messages", path, "next"], env=self.env())
        self.assertExit(res, 0)
        self.assertEqual(len(self.bodies()[-1]["messages"]), 4)

    def test_save_option_writes_after_each_turn(self):
        path = os.path.join(tempfile.mkdtemp(prefix="dbxai-repl-"), "auto.json")
        s = self.session("-i", "--save", path)
        s.line("auto", reply_to("auto"))
        s.send(b"\x04")
        self.assertEqual(s.finish(), 0, s.text())
        with open(path) as f:
            self.assertEqual(json.load(f)[-1]["content"], reply_to("auto"))

    def test_ctrl_c_cuts_the_reply_and_the_session_goes_on(self):
        self.mock.script(slow_stream())
        s = self.session("-i")
        s.line("tell a long story")
        s.expect(b"slow3")
        t0 = time.time()
        s.send(b"\x03")
        s.expect(b"reply cut")
        self.assertLess(time.time() - t0, 3, s.text())
        self.assertNotIn("slow%d" % (SLOW_WORDS - 1), s.text())
        s.line("and then", reply_to("and then"))
        s.send(b"\x04")
        self.assertEqual(s.finish(), 0, s.text())
        msgs = self.bodies()[-1]["messages"]
        self.assertEqual([m["role"] for m in msgs], ["system", "user", "assistant", "user"])
        self.assertEqual(msgs[1]["content"], "tell a long story")
        self.assertTrue(msgs[2]["content"].startswith("slow0 slow1 slow2 slow3"), msgs[2])
        self.assertTrue(msgs[2]["content"].endswith(" [cut]"), msgs[2])

    def test_ctrl_c_while_waiting_cuts_at_the_first_token(self):
        s = self.session("-i")
        s.line("wait scenario:slow-first")
        s.expect(b"waiting")
        s.send(b"\x03")
        s.expect(b"cancelling")
        s.expect(b"reply cut")
        s.line("after", reply_to("after"))
        s.send(b"\x04")
        self.assertEqual(s.finish(), 0, s.text())
        msgs = self.bodies()[-1]["messages"]
        self.assertEqual(msgs[2], {"role": "assistant", "content": "[cut]"})

    def test_ctrl_c_at_the_prompt(self):
        s = self.session("-i")
        s.expect(b"> ")
        s.send(b"half a line\x03")
        s.expect(b"Ctrl-C again")
        s.line("whole", reply_to("whole"))
        self.assertEqual(self.bodies()[-1]["messages"][-1]["content"], "whole")
        # the prompt after the reply (not the one echoed with the typed-ahead line)
        s.expect(re.compile(re.escape(reply_to("whole").encode()) + rb"\n.*> ", re.S))
        at = s.mark()
        s.send(b"\x03")
        s.expect(b"Ctrl-C again", start=at)
        s.send(b"\x03")
        self.assertEqual(s.finish(), 0, s.text())

    def test_spinner_on_a_terminal_with_colour(self):
        s = self.session("-i")
        s.line("spin scenario:slow-first", reply_to("spin"))
        s.send(b"\x04")
        self.assertEqual(s.finish(), 0, s.text())
        self.assertIn("waiting...", s.text())
        self.assertIn("\x1b[", s.text())

    def test_no_color(self):
        s = self.session("-i", NO_COLOR="1")
        s.line("plain scenario:slow-first", reply_to("plain"))
        s.send(b"\x04")
        self.assertEqual(s.finish(), 0, s.text())
        self.assertIn("waiting...", s.text())
        self.assertIsNone(re.search(r"\x1b\[[0-9;]*m", s.text()), s.text())  # no SGR

    def test_no_spinner_when_stderr_is_a_pipe(self):
        s = self.session("-i", err_pipe=True)
        s.line("quiet scenario:slow-first", reply_to("quiet"))
        s.send(b"\x04")
        self.assertEqual(s.finish(), 0, s.text())
        self.assertNotIn(b"waiting", s.err + s.tty)
        self.assertNotIn(b"\x1b", s.err)

    def test_piped_session_has_no_decoration(self):
        res = run(["chat", "-i"], env=self.env(), stdin=b"one\n/reset\ntwo\n")
        self.assertExit(res, 0)
        self.assertEqual(res.out, reply_to("one") + "\n" + reply_to("two") + "\n")
        self.assertEqual(res.err, "dbxai: new conversation\n")

    def test_history_budget_drops_the_oldest_turns(self):
        # each turn with scenario:long is ~100 KB of reply: the third goes past 256 KiB
        res = run(["chat", "-i"], env=self.env(),
                  stdin=b"a scenario:long\nb scenario:long\nc scenario:long\nd\n", timeout=60)
        self.assertExit(res, 0)
        self.assertIn("history over 256 KiB: dropped the", res.err)
        msgs = self.bodies()[-1]["messages"]
        self.assertEqual(msgs[0]["role"], "system")
        self.assertEqual(msgs[1]["role"], "user")
        self.assertLessEqual(len(json.dumps(msgs[:-1], separators=(",", ":"))), 256 << 10)
        self.assertEqual(msgs[-1]["content"], "d")
        self.assertNotIn("a scenario:long", [m["content"] for m in msgs])

    def test_json_refused(self):
        res = run(["chat", "-i", "--json"], env=self.env())
        self.assertExit(res, 2)

    def test_prompt_words_are_the_first_turn(self):
        res = run(["chat", "-i", "opening", "words"], env=self.env(), stdin=b"then this\n")
        self.assertExit(res, 0)
        self.assertEqual(res.out, reply_to("opening words") + "\n" + reply_to("then this") + "\n")
        self.assertEqual(len(self.bodies()[-1]["messages"]), 4)

    def test_help_shows_the_session(self):
        res = run(["help"])
        self.assertExit(res, 0)
        for words in ("-i, --interactive", "/reset, /model NAME, /system TEXT, /save FILE, /exit",
                      "Ctrl-C cuts a reply", "256 KiB", "NO_COLOR"):
            self.assertIn(words, res.out + res.err)

    def test_one_shot_spinner_on_a_terminal(self):
        s = Session(["chat", "once scenario:slow-first"], self.env())
        self.sessions.append(s)
        self.assertEqual(s.finish(), 0, s.text())
        self.assertIn("waiting...", s.text())
        self.assertTrue(s.text().endswith(reply_to("once") + "\n"), s.text())
