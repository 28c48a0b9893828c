"""The line editor of `dbxai chat -i` (src/cli/ledit.c) on a pseudo-terminal
against the mock: each editing key (what the mock receives is the edited
line), the cursor column after wide characters, history across sessions
(file, mode, cap, DBXAI_HISTORY=0, a state directory that cannot be used),
Ctrl-R, bracketed paste, '\\' continuation, TERM=dumb and piped stdin (plain
reads), and the terminal mode on each way out."""
import fcntl
import os
import shutil
import signal
import stat
import struct
import tempfile
import termios
import time
import unittest

from e2e_repl import Session
from lib import RUN, MockCase, reply_to, run, sse_reply, needs

LEFT, RIGHT, UP, DOWN = "\x1b[D", "\x1b[C", "\x1b[A", "\x1b[B"
PASTE_ON, PASTE_OFF = b"\x1b[?2004h", b"\x1b[?2004l"


@needs("repl")
class LeditCase(MockCase):
    SHARED = True
    MOCK = {"lifetime": 240}
    ENV = {"path": True, "TERM": "xterm", "NO_COLOR": "1"}

    def setUp(self):
        super().setUp()
        self.sessions = []
        self.state = tempfile.mkdtemp(prefix="dbxai-ledit-")
        self.hist = os.path.join(self.state, "dbxai", "history")

    def tearDown(self):
        for s in self.sessions:
            s.close()
        shutil.rmtree(self.state, ignore_errors=True)

    def session(self, *args, **env):
        env.setdefault("XDG_STATE_HOME", self.state)
        env.setdefault("home", self.state)
        s = Session(["chat", "-i"] + list(args), self.env(**env))
        self.sessions.append(s)
        s.expect(PASTE_ON)  # the editor is reading
        return s

    def prompts(self):
        return [r["body"]["messages"][-1]["content"] for r in self.reqs()
                if r["path"].startswith("/serving-endpoints/")]

    def enter(self, s, keys, sent):
        """Types keys and Enter; the mock must receive sent. Returns once the
        editor reads again (raw mode, then bracketed paste on): keys typed
        before that would meet the terminal's own line discipline."""
        at = s.mark()
        s.send(keys.encode() + b"\r")
        s.expect(reply_to(sent).encode() + b"\n", start=at)
        self.assertEqual(self.prompts()[-1], sent)
        s.expect(PASTE_ON, start=s.tty.replace(b"\r\n", b"\n").rfind(reply_to(sent).encode()))

    def write_hist(self, lines, mode=0o600):
        os.makedirs(os.path.dirname(self.hist), mode=0o700, exist_ok=True)
        with open(self.hist, "w") as f:
            f.write("".join(x + "\n" for x in lines))
        os.chmod(self.hist, mode)

    def read_hist(self):
        with open(self.hist) as f:
            return f.read().split("\n")[:-1]

    def test_editing_keys(self):
        s = self.session()
        for keys, sent in (
                ("abc" + LEFT + LEFT + "X", "aXbc"),
                ("abc" + LEFT + LEFT + RIGHT + "X", "abXc"),
                ("abc\x1b[HX\x1b[FY", "XabcY"),
                ("abc\x1b[1~X\x1b[4~Y\x1bOHZ", "ZXabcY"),
                ("abc\x01X\x05Y", "XabcY"),
                ("abc\x02\x02X\x06Y", "aXbYc"),
                ("abc def\x01\x06\x0b", "a"),
                ("drop this" + LEFT + LEFT + "\x15kept ", "kept is"),
                ("one two three\x17\x17four", "one four"),
                ("abcd\x7f\x08e", "abe"),
                ("abcd\x01\x1b[3~\x04", "cd"),
                ("\u4e2d\u6587\u5b57" + LEFT + "\x7f", "\u4e2d\u5b57"),
                ("e\u0301t\u00e9" + LEFT + LEFT + "\x7fx", "xt\u00e9"),
                ("\U0001F600!" + LEFT + LEFT + "\x1b[3~ok", "ok!"),
                ("keep\x0c", "keep")):
            self.enter(s, keys, sent)
        self.assertIn("\x1b[H\x1b[2J", s.text())  # Ctrl-L cleared the screen
        s.send(b"\x04")
        self.assertEqual(s.finish(), 0, s.text())

    def test_help_lists_the_keys(self):
        s = self.session()
        s.send(b"/help\r")
        s.expect(b"Ctrl-R search")
        s.send(b"\x04")
        self.assertEqual(s.finish(), 0, s.text())
        for words in ("Ctrl-K/U/W", "Up/Down history", "ending in \\ goes on"):
            self.assertIn(words, s.text())
        res = run(["help"])
        for words in ("line editing", "$XDG_STATE_HOME/dbxai/history",
                      "~/.local/state/dbxai/history", "DBXAI_HISTORY=0", "1,000 entries"):
            self.assertIn(words, res.out)

    def test_wide_characters_cursor(self):
        s = self.session()
        # each redraw ends "erase to the end, CR, cursor to its column"
        for keys, line, col in (("\u4e2d\u6587", "\u4e2d\u6587", 6),
                                (LEFT, "\u4e2d\u6587", 4),
                                ("a", "\u4e2da\u6587", 5),
                                ("\x05\U0001F600", "\u4e2da\u6587\U0001F600", 9),
                                ("e\u0301", "\u4e2da\u6587\U0001F600e\u0301", 10),
                                (LEFT + LEFT, "\u4e2da\u6587\U0001F600e\u0301", 7),
                                ("\x01", "\u4e2da\u6587\U0001F600e\u0301", 2)):
            at = s.mark()
            s.send(keys.encode())
            s.expect(("\r> %s\x1b[0K\r\x1b[%dC" % (line, col)).encode(), start=at)
        s.send(b"\x05\x15\x04")
        self.assertEqual(s.finish(), 0, s.text())

    def test_long_line_scrolls(self):
        s = self.session()
        text = "".join(chr(ord("a") + i % 26) for i in range(100))
        at = s.mark()
        s.send(text.encode())
        # no size known: 80 columns; the prompt, the 76 characters before the cursor
        s.expect(("\r> %s\x1b[0K\r\x1b[78C" % text[-76:]).encode(), start=at)
        self.enter(s, "\x01", text)
        fcntl.ioctl(s.master, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 40, 0, 0))
        at = s.mark()
        s.send(text.encode() + b"\x01\x06\x06")
        # 40 columns: the start of the line, the cursor in its third column
        s.expect(("\r> %s\x1b[0K\r\x1b[4C" % text[:37]).encode(), start=at)
        at = s.mark()
        s.send(b"\x05")
        s.expect(("\r> %s\x1b[0K\r\x1b[38C" % text[-36:]).encode(), start=at)
        self.enter(s, "", text)
        s.send(b"\x04")
        self.assertEqual(s.finish(), 0, s.text())

    def test_history_across_sessions(self):
        s = self.session()
        self.enter(s, "first entry", "first entry")
        self.enter(s, "second entry", "second entry")
        self.enter(s, "second entry", "second entry")  # once in the history
        s.send(b"   \r")  # blank: no turn, not kept
        s.send(b"\x04")
        self.assertEqual(s.finish(), 0, s.text())
        self.assertEqual(self.read_hist(), ["first entry", "second entry"])
        self.assertEqual(stat.S_IMODE(os.stat(self.hist).st_mode), 0o600)
        self.assertEqual(stat.S_IMODE(os.stat(os.path.dirname(self.hist)).st_mode), 0o700)
        s = self.session()
        self.enter(s, UP + UP, "first entry")
        self.enter(s, UP + UP + UP + DOWN, "second entry")
        self.enter(s, "\x10\x10\x0e" + " again", "second entry again")
        s.send(b"\x04")
        self.assertEqual(s.finish(), 0, s.text())
        self.assertEqual(self.read_hist(), ["first entry", "second entry", "first entry",
                                            "second entry", "second entry again"])

    def test_history_in_home_without_xdg(self):
        home = os.path.join(self.state, "home")
        s = self.session(XDG_STATE_HOME=None, home=home)
        self.enter(s, "at home", "at home")
        s.send(b"\x04")
        self.assertEqual(s.finish(), 0, s.text())
        path = os.path.join(home, ".local", "state", "dbxai", "history")
        with open(path) as f:
            self.assertEqual(f.read(), "at home\n")
        for d in (".local", ".local/state", ".local/state/dbxai"):
            self.assertEqual(stat.S_IMODE(os.stat(os.path.join(home, d)).st_mode), 0o700, d)

    def test_history_keeps_1000_entries(self):
        self.write_hist(["entry %d" % i for i in range(1000)])
        s = self.session()
        self.enter(s, UP, "entry 999")
        self.enter(s, "newest", "newest")
        s.send(b"\x04")
        self.assertEqual(s.finish(), 0, s.text())
        lines = self.read_hist()
        self.assertEqual(len(lines), 1000)
        self.assertEqual(lines[0], "entry 1")
        self.assertEqual(lines[-2:], ["entry 999", "newest"])
        self.assertEqual(stat.S_IMODE(os.stat(self.hist).st_mode), 0o600)

    def test_ctrl_r(self):
        self.write_hist(["alpha one", "beta two", "say alpha three"])
        s = self.session()
        s.send(b"\x12alpha")
        s.expect(b"(reverse-i-search)`alpha': say alpha three")
        s.send(b"\x12")
        s.expect(b"(reverse-i-search)`alpha': alpha one")
        s.send(b"\x12")
        s.expect(b"(failed reverse-i-search)`alpha': alpha one")
        self.enter(s, "", "alpha one")
        s.send(b"typed\x12beta")
        s.expect(b"`beta': beta two")
        s.send(b"\x07")  # Ctrl-G: back to what was typed
        self.enter(s, "!", "typed!")
        self.enter(s, "\x12two" + RIGHT + "\x05 more", "beta two more")
        s.send(b"\x04")
        self.assertEqual(s.finish(), 0, s.text())

    def test_bracketed_paste_is_one_prompt(self):
        s = self.session()
        s.send(b"\x1b[200~line one\r\nline two\rline \\\r\x1b[201~")
        self.enter(s, "end", "line one\nline two\nline \\\nend")
        self.assertEqual(len(self.prompts()), 1)
        s.send(b"\x04")
        self.assertEqual(s.finish(), 0, s.text())
        self.assertEqual(self.read_hist(), ["line one\\nline two\\nline \\\\\\nend"])
        self.assertGreater(s.tty.rfind(PASTE_OFF), s.tty.rfind(PASTE_ON))
        s = self.session()  # a multi-line entry comes back whole
        self.enter(s, UP, "line one\nline two\nline \\\nend")
        s.send(b"\x04")
        self.assertEqual(s.finish(), 0, s.text())

    def test_backslash_continues(self):
        s = self.session()
        s.send(b"first \\\r")
        s.expect("\n\r\u2026 ".encode())  # the continuation prompt
        s.send(b"second\\\r")
        s.send(b"drop\x15third\x01\x7f")  # edits stay on the line they are on
        self.enter(s, "", "first \nsecond\nthird")
        self.assertEqual(len(self.prompts()), 1)
        s.send(b"\x04")
        self.assertEqual(s.finish(), 0, s.text())

    def test_ctrl_c_drops_continued_lines(self):
        s = self.session()
        s.send(b"one\\\rtwo\x03")
        s.expect(b"Ctrl-C again")
        self.enter(s, "three", "three")
        s.send(b"\x04")
        self.assertEqual(s.finish(), 0, s.text())
        self.assertEqual(self.prompts(), ["three"])

    def test_sigint_from_elsewhere_is_ctrl_c(self):
        s = self.session()
        s.send(b"partial")
        s.expect(b"partial")
        os.kill(s.p.pid, signal.SIGINT)
        s.expect(b"Ctrl-C again")
        self.enter(s, "after", "after")
        s.send(b"\x04")
        self.assertEqual(s.finish(), 0, s.text())
        self.assertEqual(self.prompts(), ["after"])

    def test_dumb_terminal_reads_plain_lines(self):
        s = Session(["chat", "-i"], self.env(TERM="dumb", XDG_STATE_HOME=self.state, home=self.state))
        self.sessions.append(s)
        s.expect(b"> ")
        at = s.mark()
        s.send(b"abcd\x7fe" + LEFT.encode() + b"\n")  # the terminal's own erase; no editor
        s.expect(b"You said", start=at)
        s.send(b"\x04")
        self.assertEqual(s.finish(), 0, s.text())
        self.assertEqual(self.prompts(), ["abce\x1b[D"])
        self.assertNotIn(PASTE_ON, s.tty)
        self.assertFalse(os.path.exists(self.hist))  # no history (the conversation log is another file)

    def test_piped_stdin_reads_plain_lines(self):
        res = run(["chat", "-i"], env=self.env(XDG_STATE_HOME=self.state),
                  stdin=b"one \\\ntwo\x1b[D\n")
        self.assertExit(res, 0)
        self.assertEqual(self.prompts(), ["one \\", "two\x1b[D"])
        self.assertEqual(res.err, "")
        self.assertFalse(os.path.exists(self.hist))  # no history (the conversation log is another file)

    def test_dbxai_history_0(self):
        self.write_hist(["old entry"])
        s = self.session(DBXAI_HISTORY="0")
        self.enter(s, UP + "new", "new")
        s.send(b"\x04")
        self.assertEqual(s.finish(), 0, s.text())
        self.assertEqual(self.read_hist(), ["old entry"])

    def test_unusable_state_dir_turns_history_off(self):
        blocker = os.path.join(self.state, "file")
        with open(blocker, "w") as f:
            f.write("not a directory\n")
        for verbose in ([], ["-v"]):
            s = self.session(*verbose, XDG_STATE_HOME=blocker)
            self.enter(s, "still works", "still works")
            s.send(b"\x04")
            self.assertEqual(s.finish(), 0, s.text())
            self.assertEqual("history off" in s.text(), bool(verbose), s.text())

    def test_insecure_history_file_is_refused(self):
        self.write_hist(["secret-ish"], mode=0o644)
        s = self.session()
        s.expect(b"history off")
        self.enter(s, UP + "x", "x")
        s.send(b"\x04")
        self.assertEqual(s.finish(), 0, s.text())
        self.assertIn("chmod 600", s.text())
        self.assertEqual(self.read_hist(), ["secret-ish"])

    @unittest.skipIf(RUN and "qemu" in RUN[0], "a signal at the prompt under qemu-user: checked natively")
    def test_terminal_mode_on_each_way_out(self):
        def lflag(s):
            return termios.tcgetattr(s.master)[3]
        slow = ["data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"w%d \"}}]}\n\n" % i
                for i in range(30)] + ["data: [DONE]\n\n"]
        self.mock.script(sse_reply(slow, chunk_delay=0.1))
        s = self.session()
        self.assertFalse(lflag(s) & (termios.ECHO | termios.ICANON | termios.ISIG))
        s.send(b"go\r")
        s.expect(b"w3 ")
        # a reply streams with the terminal as it was: echo, lines, Ctrl-C as a signal
        mode = lflag(s)
        self.assertTrue(mode & termios.ECHO and mode & termios.ICANON and mode & termios.ISIG)
        s.expect(b"w29 ")
        s.expect(PASTE_ON, start=s.mark() - 20)
        s.p.send_signal(signal.SIGTERM)  # killed at the prompt
        s.finish()
        self.assertEqual(s.p.returncode, -signal.SIGTERM)
        mode = lflag(s)
        self.assertTrue(mode & termios.ECHO and mode & termios.ICANON, mode)
        self.assertTrue(s.tty.endswith(PASTE_OFF), s.tty[-40:])
        # Ctrl-D at the prompt
        s = self.session()
        s.send(b"\x04")
        self.assertEqual(s.finish(), 0, s.text())
        self.assertTrue(lflag(s) & termios.ICANON)
        self.assertEqual(s.tty.count(PASTE_ON), s.tty.count(PASTE_OFF))

    def test_ctrl_z_keeps_the_entry(self):
        # (the session is an orphaned process group here, so the stop itself
        # is discarded by the kernel; in a shell it stops until fg)
        s = self.session()
        s.send(b"half\x1a")
        self.enter(s, " done", "half done")
        s.send(b"\x04")
        self.assertEqual(s.finish(), 0, s.text())
