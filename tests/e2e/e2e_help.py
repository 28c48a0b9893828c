"""Help per command, one story told three times (README usage, `dbxai help`,
the man page: compared flag by flag), and completion scripts printed by the
binary, run in a real bash (and zsh and fish when installed)."""
import os
import re
import shutil
import subprocess
import unittest

from lib import BIN, PATH, RUN, TOP, Case, Mock, clean_env, run

FLAG = re.compile(r"(?<![\w-])(--?[a-zA-Z][\w-]*)")


def commands():
    text = run(["help"]).out.split("Global options:")[0]
    return sorted(set(re.findall(r"^  ([a-z]+)\b", text, re.M)))


def defined(section):
    """The options a help section defines, read as cli_help.c reads them: on
    synopsis lines (indent 2) and option lines (indent 4, starting with '-'),
    the words before the description column (two spaces)."""
    out = set()
    for line in section.splitlines():
        indent = len(line) - len(line.lstrip(" "))
        if indent == 2 or (indent == 4 and line.lstrip().startswith("-")):
            out |= set(FLAG.findall(line.lstrip().split("  ")[0]))
    return out


def help_flags(cmd):
    res = run(["help", cmd])
    assert res.rc == 0, res
    body = "  " + res.out.split("] ", 1)[1]  # the synopsis, as it stands in dbxai help
    return defined(body.split("\nGlobal options, environment")[0])


def global_flags():
    text = run(["help"]).out
    return defined(text.split("Global options:")[1].split("Environment:")[0])


def readme_flags():
    """README's usage block: per command the flags its entries name (a
    "dbxai ... CMD" line before its description, two spaces on; then the
    "GLOBAL:" and "chat OPTIONS:" paragraphs whole)."""
    with open(os.path.join(TOP, "README.md")) as f:
        readme = f.read()
    block = readme.split("## Usage\n\n```\n", 1)[1].split("```", 1)[0]
    got, cur = {}, None
    for line in block.splitlines():
        words = line.split()
        if not words:
            continue
        if not line.startswith(" "):
            if words[0] == "dbxai":
                words = [w for w in words if w != "[GLOBAL]"]
                cur = None if words[1].startswith("-") else words[1]
                line = line.split("  ")[0]
            else:
                cur = "GLOBAL" if words[0] == "GLOBAL:" else words[0]
        if cur:
            got.setdefault(cur, set()).update(FLAG.findall(line))
    return got


def man_flags():
    """The man page: per command the flags of the .TP headers in its part of
    COMMANDS and in its OPTIONS section; GLOBAL from GLOBAL OPTIONS."""
    with open(os.path.join(TOP, "doc", "dbxai.1")) as f:
        roff = re.sub(r"\\f[BIRP]", "", f.read().replace("\\-", "-"))
    got, section, cur = {}, None, None
    lines = roff.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(".SH "):
            section = line[4:].strip('"')
            cur = {"CHAT OPTIONS": "chat", "EMBED OPTIONS": "embed",
                   "GLOBAL OPTIONS": "GLOBAL"}.get(section)
            continue
        if i and lines[i - 1] == ".TP" and line.startswith((".B", ".I")):
            head = line.split(None, 1)[1] if " " in line else ""
            if section == "COMMANDS":
                first = head.strip('"').split()[0] if head.strip('"').split() else ""
                cur = first if re.match(r"^[a-z]+$", first) else None
            if cur:
                got.setdefault(cur, set()).update(FLAG.findall(head))
    return got


class HelpPerCommand(Case):
    def test_every_command(self):
        whole = run(["help"]).out
        for cmd in commands():
            for args in (["help", cmd], [cmd, "--help"], [cmd, "-h"], ["--profile", "x", cmd, "--help"]):
                res = run(args)
                self.assertExit(res, 0)
                self.assertTrue(res.out.startswith("usage: dbxai [GLOBAL OPTIONS] " + cmd), res)
                self.assertLess(len(res.out), len(whole) / 2, "%s printed the whole help" % args)
                self.assertNotIn("Exit status:", res.out)
        self.assertIn("--reasoning-effort", run(["help", "chat"]).out)
        self.assertNotIn("--reasoning-effort", run(["help", "embed"]).out)

    def test_unknown(self):
        res = run(["help", "nope"])
        self.assertExit(res, 2)
        self.assertOneLineError(res, "no command 'nope'", "dbxai help")
        self.assertEqual(res.out, "")

    def test_whole(self):
        for args in (["help"], ["--help"], ["-h"]):
            res = run(args)
            self.assertExit(res, 0)
            for cmd in commands():
                self.assertIn("\n  " + cmd, res.out)
            self.assertIn("Exit status:", res.out)
        self.assertEqual(set(commands()), {"chat", "embed", "models", "api", "login", "logout", "auth",
                                           "configure", "log", "help", "completion"} | set(commands()))


class ThreeSourcesAgree(Case):
    """README usage, dbxai help COMMAND and the man page name the same options
    for each command (and the same global options)."""

    def test_flag_by_flag(self):
        readme, man = readme_flags(), man_flags()
        want = {c: help_flags(c) for c in commands()}
        want["GLOBAL"] = global_flags()
        for cmd, flags in sorted(want.items()):
            if not flags:
                continue
            self.assertEqual(sorted(readme.get(cmd, set()) - {"-h", "--help"}), sorted(flags),
                             "README usage vs dbxai help for %s" % cmd)
            self.assertEqual(sorted(man.get(cmd, set()) - {"-h", "--help"}), sorted(flags),
                             "doc/dbxai.1 vs dbxai help for %s" % cmd)


def bash_complete(words, env=None, shell_env=None):
    script = ('source <("$1" completion bash); shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); '
              '__dbxai; printf "%s\\n" "${COMPREPLY[@]}"')
    e = clean_env(token=None, cacert=None, path=os.path.dirname(BIN) + ":" + PATH, **(env or {}))
    p = subprocess.run(["bash", "--norc", "--noprofile", "-c", script, "bash", BIN, "dbxai"] + list(words),
                       env=e, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    assert p.returncode == 0 and not p.stderr, p
    return [w for w in p.stdout.decode().splitlines() if w]


@unittest.skipIf(RUN, "completion scripts run the binary natively")
class Completion(Case):
    def test_bash_commands_and_options(self):
        self.assertEqual(bash_complete(["ch"]), ["chat"])
        self.assertEqual(sorted(bash_complete([""])), commands())
        self.assertEqual(bash_complete(["con"]), ["configure"])
        self.assertEqual(bash_complete(["--pro"]), ["--profile"])
        self.assertEqual(bash_complete(["--profile", "dev", "chat", "--reas"]), ["--reasoning-effort"])
        self.assertEqual(bash_complete(["chat", "--api", ""]), ["chat", "responses", "agent-chat", "agent-responses"])
        self.assertEqual(sorted(bash_complete(["api", "P"])), ["PATCH", "POST", "PUT"])
        self.assertEqual(bash_complete(["help", "emb"]), ["embed"])
        self.assertEqual(bash_complete(["completion", "f"]), ["fish"])
        self.assertIn("--interactive", bash_complete(["chat", "--int"]))
        self.assertEqual(bash_complete(["models", "--task", "e"]), ["embeddings"])
        self.assertEqual(bash_complete(["embed", "--re"]), ["--resolve"])  # no chat option here

    def test_bash_every_option_of_help(self):
        for cmd in commands():
            got = set(bash_complete([cmd, "-"]))
            for f in help_flags(cmd) | global_flags():
                self.assertIn(f, got, "%s %s" % (cmd, f))

    def test_bash_model_names_by_task(self):
        with Mock() as m:
            env = clean_env(m)
            got = bash_complete(["chat", "-m", "databricks-claude-s"], env=env)
            self.assertIn("databricks-claude-sonnet-4", got)
            self.assertTrue(all(g.startswith("databricks-claude-s") for g in got), got)
            self.assertEqual(bash_complete(["chat", "--model", "text-"], env=env), [])
            self.assertEqual(bash_complete(["embed", "-m", ""], env=env), ["text-embedding-3-small"])
            self.assertEqual(bash_complete(["chat", "-m", "d"], env=dict(env, DBXAI_COMPLETE_MODELS="0")), [])

    def test_models_task(self):
        with Mock() as m:
            chat = run(["models", "--task", "chat"], env=clean_env(m)).out.split()
            emb = run(["models", "--task", "embeddings"], env=clean_env(m)).out.split()
            every = run(["models"], env=clean_env(m)).out.split()
        self.assertIn("databricks-claude-sonnet-4", chat)
        self.assertNotIn("text-embedding-3-small", chat)
        self.assertEqual(emb, ["text-embedding-3-small"])
        self.assertGreater(len(every), len(chat) + len(emb))
        res = run(["models", "--task", "vision"])
        self.assertExit(res, 2)
        self.assertOneLineError(res, "--task", "chat or embeddings")

    def test_unknown_shell(self):
        res = run(["completion", "tcsh"])
        self.assertExit(res, 2)
        self.assertOneLineError(res, "bash, zsh or fish")

    def test_a_copied_binary_completes(self):
        d = os.path.join(os.environ.get("TMPDIR", "/tmp"), "dbxai-alone-%d" % os.getpid())
        os.makedirs(d, exist_ok=True)
        self.addCleanup(shutil.rmtree, d, True)
        shutil.copy(BIN, os.path.join(d, "dbxai"))
        p = subprocess.run([os.path.join(d, "dbxai"), "completion", "bash"], stdout=subprocess.PIPE,
                           timeout=30, cwd=d, env={})
        self.assertEqual(p.returncode, 0)
        self.assertIn(b"complete -F __dbxai dbxai", p.stdout)

    @unittest.skipUnless(shutil.which("zsh"), "no zsh (third_party/bootstrap.sh installs it)")
    def test_zsh(self):
        script = ('autoload -U compinit; compinit -u -D; source <("$1" completion zsh); '
                  'COMP_WORDS=(dbxai "$2"); COMP_CWORD=1; __dbxai; print -l -- $COMPREPLY')
        p = subprocess.run(["zsh", "-f", "-c", script, "zsh", BIN, "ch"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=30, env=clean_env(token=None, path=True))
        self.assertEqual((p.returncode, p.stderr), (0, b""))
        # zsh's compgen leaves the matching to compadd: the prefix picks chat alone
        words = p.stdout.decode().split()
        self.assertEqual([w for w in words if w.startswith("ch")], ["chat"])
        self.assertEqual(sorted(words), commands())
        # registered with zsh's completion system (compinit's table) through bashcompinit
        p = subprocess.run(["zsh", "-f", "-c", 'autoload -U compinit; compinit -u -D; '
                            'source <("$1" completion zsh); print -r -- "$_comps[dbxai]"', "zsh", BIN],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30,
                           env=clean_env(token=None, path=True))
        self.assertEqual((p.returncode, p.stdout.decode().strip()), (0, "_bash_complete -F __dbxai"))

    @unittest.skipUnless(shutil.which("fish"), "no fish (third_party/bootstrap.sh installs it)")
    def test_fish(self):
        def complete(line):
            p = subprocess.run(["fish", "-N", "-c", 'source ("$argv[1]" completion fish | psub); complete -C "$argv[2]"',
                                BIN, line], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30,
                               env=clean_env(token=None, path=True, HOME=os.environ.get("TMPDIR", "/tmp")))
            self.assertEqual(p.stderr, b"")
            return [l.split("\t")[0] for l in p.stdout.decode().splitlines()]
        self.assertEqual(complete("dbxai ch"), ["chat"])
        self.assertEqual(sorted(complete("dbxai chat --api ")), ["agent-chat", "agent-responses", "chat", "responses"])
        self.assertIn("--reasoning-effort", complete("dbxai chat --reas"))
