"""Conversations that continue: every chat kept under $XDG_STATE_HOME/dbxai/
conversations/ (0600 files, 0700 directories), `chat -c` / `--conversation ID`
across processes, `dbxai log`, the 50 MiB cap, and a state directory that
cannot be written (logging off, a note under -v, never an error)."""
import json
import os
import shutil
import stat
import subprocess
import tempfile
import time

from lib import BIN, RUN, MockCase, reply_to, run, needs

CAP = 50 << 20


class Conversations(MockCase):
    SHARED = True
    MOCK = {"lifetime": 300}  # the whole class under valgrind

    def setUp(self):
        super().setUp()
        self.state = tempfile.mkdtemp(prefix="dbxai-state-")
        self.addCleanup(shutil.rmtree, self.state, True)
        self.dir = os.path.join(self.state, "dbxai", "conversations")

    def chat(self, *args, stdin=b"", **env):
        return run(["chat"] + list(args), env=self.env(**dict({"XDG_STATE_HOME": self.state}, **env)),
                   stdin=stdin)

    def files(self):
        return sorted(os.listdir(self.dir)) if os.path.isdir(self.dir) else []

    def load(self, name):
        with open(os.path.join(self.dir, name)) as f:
            return json.load(f)

    def test_every_chat_is_kept(self):
        res = self.chat("first question")
        self.assertExit(res, 0)
        [name] = self.files()
        conv = self.load(name)
        self.assertEqual(name, conv["id"] + ".json")
        self.assertEqual([m["role"] for m in conv["messages"]], ["system", "user", "assistant"])
        self.assertEqual(conv["messages"][2]["content"], reply_to("first question"))
        self.assertEqual(conv["model"], "databricks-claude-sonnet-4")
        [turn] = conv["turns"]
        self.assertEqual(set(turn), {"time", "model", "usage"})
        self.assertEqual(set(turn["usage"]), {"prompt_tokens", "completion_tokens", "total_tokens"})
        self.assertRegex(turn["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual(stat.S_IMODE(os.stat(os.path.join(self.dir, name)).st_mode), 0o600)
        for d in (self.dir, os.path.dirname(self.dir)):
            self.assertEqual(stat.S_IMODE(os.stat(d).st_mode), 0o700, d)
        # the messages are the --messages format: they continue a chat as they are
        msgs = os.path.join(self.state, "m.json")
        with open(msgs, "w") as f:
            json.dump(conv["messages"], f)
        self.assertExit(self.chat("--no-log", "--messages", msgs, "again"), 0)
        body = self.reqs()[-1]["body"]
        self.assertEqual(body["messages"][:3], conv["messages"])

    def test_continue_across_processes(self):
        self.assertExit(self.chat("one"), 0)
        self.assertExit(self.chat("-c", "two"), 0)
        res = self.chat("--continue", stdin=b"three")
        self.assertExit(res, 0)
        self.assertEqual(res.out, reply_to("three") + "\n")
        [name] = self.files()
        conv = self.load(name)
        self.assertEqual([m["content"] for m in conv["messages"] if m["role"] == "user"],
                         ["one", "two", "three"])
        self.assertEqual(len(conv["turns"]), 3)
        # the request of the third turn carried the first two
        body = self.reqs()[-1]["body"]
        self.assertEqual([m["content"] for m in body["messages"] if m["role"] == "user"],
                         ["one", "two", "three"])
        # a new chat starts a new conversation; --conversation picks the old one
        time.sleep(1.1)  # mtime resolution: the new one is the most recent
        self.assertExit(self.chat("other"), 0)
        self.assertEqual(len(self.files()), 2)
        self.assertExit(self.chat("--conversation", conv["id"], "four"), 0)
        self.assertEqual(len(self.load(name)["turns"]), 4)
        self.assertEqual(len(self.files()), 2)

    @needs("repl")

    def test_interactive_turns_are_kept(self):
        res = self.chat("-i", stdin=b"alpha\nbeta\n")
        self.assertExit(res, 0)
        [name] = self.files()
        conv = self.load(name)
        self.assertEqual([m["content"] for m in conv["messages"] if m["role"] == "user"], ["alpha", "beta"])
        self.assertEqual(len(conv["turns"]), 2)
        res = self.chat("-c", "-i", stdin=b"gamma\n")
        self.assertEqual(len(self.load(name)["turns"]), 3)
        # /reset: the next turns are a conversation of their own
        time.sleep(1.1)
        self.assertExit(self.chat("-c", "-i", stdin=b"delta\n/reset\nepsilon\n"), 0)
        self.assertEqual(len(self.load(name)["turns"]), 4)
        [new] = [f for f in self.files() if f != name]
        self.assertEqual([m["content"] for m in self.load(new)["messages"] if m["role"] == "user"], ["epsilon"])

    def test_off_switches(self):
        self.assertExit(self.chat("--no-log", "x"), 0)
        self.assertExit(self.chat("x", DBXAI_LOG="0"), 0)
        self.assertEqual(self.files(), [])
        self.assertExit(self.chat("x", DBXAI_LOG="1"), 0)
        self.assertEqual(len(self.files()), 1)

    def test_continue_without_any(self):
        res = self.chat("-c", "x")
        self.assertExit(res, 2)
        self.assertOneLineError(res, "no conversation to continue")
        res = self.chat("--conversation", "20200101T000000-abcd", "x")
        self.assertExit(res, 2)
        self.assertOneLineError(res, "no conversation '20200101T000000-abcd'", "dbxai log")
        res = self.chat("--conversation", "../../etc/passwd", "x")
        self.assertExit(res, 2)
        self.assertEqual(self.reqs(), [])

    def test_log(self):
        for p in ("apple pie", "banana bread", "cherry tart"):
            self.assertExit(self.chat(p), 0)
            time.sleep(1.05)
        env = self.env(XDG_STATE_HOME=self.state)
        res = run(["log"], env=env)
        self.assertExit(res, 0)
        lines = res.out.splitlines()
        self.assertEqual(len(lines), 3)
        self.assertTrue(lines[0].endswith("cherry tart"), lines)
        self.assertIn("1 turn", lines[0])
        res = run(["log", "-n", "2", "--json"], env=env)
        rows = [json.loads(l) for l in res.out.splitlines()]
        self.assertEqual([r["title"] for r in rows], ["cherry tart", "banana bread"])
        self.assertEqual(set(rows[0]), {"id", "updated", "model", "turns", "title"})
        res = run(["log", "show", rows[1]["id"]], env=env)
        self.assertExit(res, 0)
        self.assertIn("user:\nbanana bread\n", res.out)
        self.assertIn("assistant:\n" + reply_to("banana bread"), res.out)
        res = run(["--json", "log", "show", rows[1]["id"]], env=env)
        self.assertEqual(json.loads(res.out)["id"], rows[1]["id"])
        res = run(["log", "show", "nope"], env=env)
        self.assertExit(res, 2)
        res = run(["log", "-n", "0"], env=env)
        self.assertExit(res, 2)

    def test_cap(self):
        os.makedirs(self.dir, mode=0o700)
        old = []
        for i, size in enumerate((20, 20, 15)):  # 55 MiB of older conversations (sparse)
            name = "2020010%dT000000-0000.json" % (i + 1)
            with open(os.path.join(self.dir, name), "w") as f:
                f.truncate(size << 20)
            t = time.time() - 3600 * (3 - i)
            os.utime(os.path.join(self.dir, name), (t, t))
            old.append(name)
        self.assertExit(self.chat("new one"), 0)
        left = self.files()
        self.assertNotIn(old[0], left, "the oldest goes first")
        self.assertIn(old[1], left)
        self.assertIn(old[2], left)
        self.assertEqual(len(left), 3)
        self.assertLessEqual(sum(os.path.getsize(os.path.join(self.dir, f)) for f in left), CAP)

    def test_state_dir_not_writable(self):
        # a directory that cannot be made (a file in the way; read-only for root too)
        blocker = os.path.join(self.state, "file")
        open(blocker, "w").close()
        for state in (blocker, "/proc/self/nope"):
            res = self.chat("x", XDG_STATE_HOME=state)
            self.assertExit(res, 0)
            self.assertEqual((res.out, res.err), (reply_to("x") + "\n", ""))
            res = run(["-v", "chat", "x"], env=self.env(XDG_STATE_HOME=state))
            self.assertExit(res, 0)
            self.assertIn("conversation log off", res.err)
        if os.geteuid() != 0:
            os.makedirs(self.dir)
            os.chmod(self.dir, 0o500)
            self.addCleanup(os.chmod, self.dir, 0o700)
            res = self.chat("x")
            self.assertEqual((res.rc, res.err), (0, ""))

    def test_no_home_no_state(self):
        # scratch images: nowhere to keep it, and nothing said unless -v
        env = dict(self.env(), XDG_STATE_HOME=None, HOME="")
        res = run(["chat", "x"], env=env)
        self.assertEqual((res.rc, res.err), (0, ""))
        res = run(["-v", "chat", "x"], env=env)
        self.assertIn("conversation log off: neither XDG_STATE_HOME nor HOME", res.err)

    def test_home_default(self):
        home = tempfile.mkdtemp(prefix="dbxai-home-")
        self.addCleanup(shutil.rmtree, home, True)
        self.assertExit(run(["chat", "x"], env=dict(self.env(), XDG_STATE_HOME=None, HOME=home)), 0)
        d = os.path.join(home, ".local", "state", "dbxai", "conversations")
        self.assertEqual(len(os.listdir(d)), 1)
