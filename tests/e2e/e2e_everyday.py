"""Everyday use: `dbxai configure` (piped and on a pseudo-terminal), `make install`
into a DESTDIR, the example program built against the installed tree, the man page
against `dbxai help`, shell completion, and the FROM scratch recipe."""
import fcntl
import os
import re
import select
import shutil
import stat
import subprocess
import tempfile
import termios
import time
import unittest

from lib import BIN, PATH, RUN, TOKEN, TOP, Case, Mock, MockCase, clean_env, run

WRONG = "dapi-wrong-token-00000000000000"
OTHERS = ("# my workspaces\n"
          "[DEFAULT]\n"
          "host = https://default.example.com\n"
          "token = dapi-default-keep\n"
          "\n"
          "; staging, do not touch\n"
          "[staging]\r\n"
          "host=https://staging.example.com\r\n"
          "cluster_id = 0101-abc\n")


def mode(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


class Configure(MockCase):
    SHARED = True

    def setUp(self):
        super().setUp()
        self.dir = tempfile.mkdtemp(prefix="dbxai-cfg-")
        self.cfg = os.path.join(self.dir, "databrickscfg")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def env(self, **extra):
        # host and token are the answers to configure, not variables
        return clean_env(token=None, DATABRICKS_CONFIG_FILE=self.cfg, **extra)

    def answers(self, token=TOKEN):
        return ("%s\n%s\n" % (self.mock.url, token)).encode()

    def read(self):
        with open(self.cfg, "rb") as f:
            return f.read().decode()

    def write(self, text, perm=0o600):
        with open(self.cfg, "w", newline="") as f:
            f.write(text)
        os.chmod(self.cfg, perm)

    def profile_text(self, name):
        return "[%s]\nhost = %s\ntoken = %s\n" % (name, self.mock.url, TOKEN)

    def test_piped_answers_new_file(self):
        res = run(["configure", "--profile", "dev"], env=self.env(), stdin=self.answers())
        self.assertExit(res, 0)
        self.assertEqual(res.out, "")
        self.assertIn("[dev]", res.err)
        self.assertEqual(self.read(), self.profile_text("dev"))
        self.assertEqual(mode(self.cfg), 0o600)
        self.assertEqual(os.listdir(self.dir), ["databrickscfg"])  # no temp file left
        # the one check call, with the new token
        req = self.mock.requests()[-1]
        self.assertEqual(req["path"], "/api/2.0/serving-endpoints")
        # and the profile works
        res = run(["--profile", "dev", "models"], env=self.env())
        self.assertExit(res, 0)
        self.assertIn("databricks-claude-sonnet-4", res.out)

    def test_other_profiles_and_comments_kept_byte_for_byte(self):
        self.write(OTHERS, 0o644)
        res = run(["configure", "--profile", "dev"], env=self.env(), stdin=self.answers())
        self.assertExit(res, 0)
        self.assertEqual(self.read(), OTHERS + "\n" + self.profile_text("dev"))
        self.assertEqual(mode(self.cfg), 0o600)

    def test_existing_profile_lines_replaced_other_keys_kept(self):
        self.write(OTHERS)
        res = run(["configure"], env=self.env(DATABRICKS_CONFIG_PROFILE="staging"),
                  stdin=self.answers())
        self.assertExit(res, 0)
        # host replaced in place, token added after the section's last key, with the
        # section's line ends
        want = OTHERS.replace("host=https://staging.example.com\r\ncluster_id = 0101-abc\n",
                              "host = %s\r\ncluster_id = 0101-abc\ntoken = %s\r\n"
                              % (self.mock.url, TOKEN))
        self.assertEqual(self.read(), want)
        # DEFAULT, the default profile
        res = run(["configure"], env=self.env(), stdin=self.answers())
        self.assertExit(res, 0)
        want = want.replace("host = https://default.example.com\ntoken = dapi-default-keep\n",
                            "host = %s\ntoken = %s\n" % (self.mock.url, TOKEN))
        self.assertEqual(self.read(), want)

    def test_mode_0600_with_umask_000(self):
        p = subprocess.run(RUN + [BIN, "configure"], input=self.answers(),
                           env=self.env(path=True),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30,
                           preexec_fn=lambda: os.umask(0))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(mode(self.cfg), 0o600)

    def test_host_flag_asks_only_the_token(self):
        res = run(["configure", "--host", self.mock.url], env=self.env(), stdin=(TOKEN + "\n").encode())
        self.assertExit(res, 0)
        self.assertEqual(self.read(), self.profile_text("DEFAULT"))

    def test_symlink_refused(self):
        real = os.path.join(self.dir, "real")
        with open(real, "w", newline="") as f:
            f.write(OTHERS)
        os.symlink(real, self.cfg)
        asked = len(self.mock.requests())
        res = run(["configure"], env=self.env(), stdin=self.answers())
        self.assertExit(res, 2)
        self.assertOneLineError(res, "symbolic link")
        self.assertTrue(os.path.islink(self.cfg))
        with open(real, newline="") as f:
            self.assertEqual(f.read(), OTHERS)
        self.assertEqual(len(self.mock.requests()), asked, "refused before any request")

    @unittest.skipUnless(os.geteuid() == 0, "chown needs root")
    def test_file_of_another_user_refused(self):
        self.write(OTHERS)
        os.chown(self.cfg, 4321, 4321)
        res = run(["configure"], env=self.env(), stdin=self.answers())
        self.assertExit(res, 2)
        self.assertOneLineError(res, "another user")
        self.assertEqual(self.read(), OTHERS)

    def test_wrong_token_exit_3_file_untouched(self):
        self.write(OTHERS, 0o640)
        before = os.stat(self.cfg)
        res = run(["configure", "--profile", "dev"], env=self.env(), stdin=self.answers(WRONG))
        self.assertExit(res, 3)
        self.assertOneLineError(res, "refused the token", "401", "not changed")
        self.assertNotIn(WRONG, res.err)
        self.assertEqual(self.read(), OTHERS)
        after = os.stat(self.cfg)
        self.assertEqual((before.st_ino, before.st_mtime_ns, mode(self.cfg)),
                         (after.st_ino, after.st_mtime_ns, 0o640))
        self.assertEqual(sorted(os.listdir(self.dir)), ["databrickscfg"])

    def test_unreachable_host_writes_nothing(self):
        res = run(["--connect-timeout", "2", "configure"], env=self.env(),
                  stdin=("https://127.0.0.1:1\n%s\n" % TOKEN).encode())
        self.assertExit(res, 7)
        self.assertIn("not changed", res.err)
        self.assertFalse(os.path.exists(self.cfg))

    def test_missing_answers_are_usage_errors(self):
        for stdin, words in ((b"", "no host"), (("%s\n" % self.mock.url).encode(), "no token"),
                             (("%s\n\n" % self.mock.url).encode(), "token is empty")):
            res = run(["configure"], env=self.env(), stdin=stdin)
            self.assertExit(res, 2)
            self.assertOneLineError(res, words)
        self.assertFalse(os.path.exists(self.cfg))
        res = run(["configure", "extra"], env=self.env())
        self.assertExit(res, 2)

    def test_on_a_terminal_the_token_is_not_echoed(self):
        master, slave = os.openpty()
        env = self.env(path=True, TERM="xterm")
        p = subprocess.Popen(RUN + [BIN, "configure", "--profile", "tty"], stdin=slave,
                             stdout=slave, stderr=slave, env=env, start_new_session=True,
                             preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0))
        os.close(slave)
        seen = b""

        def wait_for(what, timeout=15):
            nonlocal seen
            deadline = time.time() + timeout
            while what not in seen:
                left = deadline - time.time()
                if left <= 0:
                    raise AssertionError("no %r on the terminal: %r" % (what, seen))
                if select.select([master], [], [], min(left, 0.2))[0]:
                    try:
                        data = os.read(master, 4096)
                    except OSError:
                        data = b""
                    if not data and p.poll() is not None:
                        raise AssertionError("exited before %r: %r" % (what, seen))
                    seen += data

        try:
            wait_for(b"host")
            os.write(master, self.mock.url.encode() + b"\n")
            wait_for(b"token (not shown): ")
            os.write(master, TOKEN.encode() + b"\n")
            wait_for(b"saved in")
            self.assertEqual(p.wait(15), 0, seen)
            echo_after = termios.tcgetattr(master)[3] & termios.ECHO
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            os.close(master)
        self.assertIn(self.mock.url.encode(), seen)  # the host is echoed, the token not
        for i in range(0, len(TOKEN) - 7, 4):
            self.assertNotIn(TOKEN[i:i + 8].encode(), seen)
        self.assertTrue(echo_after, "terminal echo left off")
        self.assertEqual(self.read(), self.profile_text("tty"))
        self.assertEqual(mode(self.cfg), 0o600)


def target_of(binary):
    """The TARGET of build/<t>/dbxai, or None for a binary elsewhere."""
    d = os.path.dirname(os.path.abspath(binary))
    t = os.path.basename(d)
    if os.path.dirname(d) != os.path.join(TOP, "build"):
        return None
    if not os.path.exists(os.path.join(TOP, "toolchains", t + ".mk")):
        return None
    return t


def make_env():
    env = dict(os.environ)
    for k in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"):
        env.pop(k, None)
    return env


INSTALLED = ["usr/bin/dbxai", "usr/include/dbxai.h", "usr/lib/libdbxai.a",
             "usr/lib/pkgconfig/dbxai.pc", "usr/share/bash-completion/completions/dbxai",
             "usr/share/fish/vendor_completions.d/dbxai.fish",
             "usr/share/man/man1/dbxai.1", "usr/share/zsh/site-functions/_dbxai"]


@unittest.skipUnless(target_of(BIN), "DBXAI_BIN is not a build/<target>/dbxai")
class Install(Case):
    """make install DESTDIR=tmp PREFIX=/usr for the target of the binary under test
    (which is not rebuilt: -o), then the example program built against that tree."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dest = tempfile.mkdtemp(prefix="dbxai-destdir-")
        cls.exe_dir = tempfile.mkdtemp(prefix="dbxai-example-")
        t = target_of(BIN)
        p = subprocess.run(["make", "--no-print-directory", "-o", os.path.relpath(BIN, TOP),
                            "TARGET=" + t, "DESTDIR=" + cls.dest, "PREFIX=/usr", "install"],
                           cwd=TOP, env=make_env(), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=600)
        cls.make_out = p.stdout.decode("utf-8", "replace")
        cls.make_rc = p.returncode

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dest, ignore_errors=True)
        shutil.rmtree(cls.exe_dir, ignore_errors=True)

    def test_tree(self):
        self.assertEqual(self.make_rc, 0, self.make_out)
        files = sorted(os.path.relpath(os.path.join(d, f), self.dest)
                       for d, _, fs in os.walk(self.dest) for f in fs)
        self.assertEqual(files, INSTALLED)
        self.assertEqual(mode(os.path.join(self.dest, "usr/bin/dbxai")), 0o755)
        for f in INSTALLED[1:]:
            self.assertEqual(mode(os.path.join(self.dest, f)), 0o644, f)
        with open(BIN, "rb") as a, open(os.path.join(self.dest, "usr/bin/dbxai"), "rb") as b:
            self.assertTrue(a.read() == b.read(), "the installed binary is not the one tested")
        for shell, f in (("bash", INSTALLED[4]), ("zsh", INSTALLED[7]), ("fish", INSTALLED[5])):
            with open(os.path.join(self.dest, f)) as c:  # the binary's own script
                self.assertEqual(c.read(), run(["completion", shell]).out, f)

    def test_archive_has_mbedtls_inside(self):
        self.assertEqual(self.make_rc, 0, self.make_out)
        p = subprocess.run(["ar", "t", os.path.join(self.dest, "usr/lib/libdbxai.a")],
                           stdout=subprocess.PIPE, check=True)
        members = p.stdout.decode().split()
        for m in ("chat.o", "client.o", "ssl_tls.o", "x509_crt.o"):
            self.assertIn(m, members)
        self.assertNotIn("main.o", members)
        self.assertNotIn("cli.o", members)

    def pkg_config(self, *args):
        env = dict(os.environ, PKG_CONFIG_LIBDIR=os.path.join(self.dest, "usr/lib/pkgconfig"),
                   PKG_CONFIG_SYSROOT_DIR=self.dest)
        env.pop("PKG_CONFIG_PATH", None)
        p = subprocess.run(["pkg-config"] + list(args) + ["dbxai"], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout.decode().split()

    @unittest.skipUnless(shutil.which("pkg-config"), "no pkg-config")
    def test_pkg_config(self):
        self.assertEqual(self.make_rc, 0, self.make_out)
        self.assertEqual(self.pkg_config("--modversion"), [self.version()])
        self.assertEqual(self.pkg_config("--cflags"),
                         ["-I" + os.path.join(self.dest, "usr/include")])
        self.assertEqual(self.pkg_config("--libs"),
                         ["-L" + os.path.join(self.dest, "usr/lib"), "-ldbxai", "-lm", "-pthread"])

    def version(self):
        res = run(["--version"])
        return res.out.split()[1]

    @unittest.skipUnless(shutil.which("pkg-config") and shutil.which("musl-gcc"),
                         "no pkg-config or musl-gcc")
    @unittest.skipUnless(not RUN and target_of(BIN) == "x86_64-linux-musl",
                         "the example is built and run for x86_64 only")
    def test_example_builds_against_the_tree_and_streams(self):
        self.assertEqual(self.make_rc, 0, self.make_out)
        exe = os.path.join(self.exe_dir, "stream")
        flags = self.pkg_config("--cflags", "--libs")
        p = subprocess.run(["musl-gcc", "-static", "-std=c11", "-Wall", "-Wextra", "-Werror",
                            "-Os", os.path.join(TOP, "examples", "stream.c")] + flags +
                           ["-o", exe], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=120)
        self.assertEqual(p.returncode, 0, p.stdout.decode())
        with Mock() as m:
            p = subprocess.run([exe, "hello from the example"], env=clean_env(m),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(p.stdout.decode(), "Hello! You said: hello from the example\n")
            self.assertEqual(m.requests()[-1]["path"],
                             "/serving-endpoints/databricks-claude-sonnet-4/invocations")
            p = subprocess.run([exe], env=clean_env(m, token="x"),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
            self.assertEqual(p.returncode, 1)
            self.assertIn(b"stream: ", p.stderr)

    def test_readme_shows_the_example(self):
        with open(os.path.join(TOP, "examples", "stream.c")) as f:
            src = f.read()
        with open(os.path.join(TOP, "README.md")) as f:
            readme = f.read()
        self.assertIn("```c\n" + src + "```\n", readme)


def help_words():
    """Commands, options and environment variables that `dbxai help` names."""
    res = run(["help"])
    assert res.rc == 0, res
    text = res.out
    commands = set(re.findall(r"^  ([a-z]+)\b", text.split("Global options:")[0], re.M))
    options = set(re.findall(r"(?<![\w-])(--?[a-zA-Z][\w-]*)", text))
    env = set(re.findall(r"\b((?:DATABRICKS|DBXAI|SSL|NO|HTTPS|XDG)_[A-Z_]+)", text))
    return commands, options, env


class Docs(Case):
    def man_text(self):
        with open(os.path.join(TOP, "doc", "dbxai.1")) as f:
            roff = f.read()
        # roff escapes that matter for matching: \- is '-', fonts vanish
        return re.sub(r"\\f[BIRP]", "", roff.replace("\\-", "-"))

    def test_man_page_names_everything_help_does(self):
        commands, options, env = help_words()
        self.assertIn("configure", commands)
        self.assertIn("--interactive", options)
        man = self.man_text()
        for w in sorted(commands):
            self.assertRegex(man, r"\.(?:B|BI|TP)[^\n]*\b%s\b|^\.B %s" % (w, w),
                             "command %r of dbxai help is not in doc/dbxai.1" % w)
        for w in sorted(options | env):
            self.assertRegex(man, r"(?<![\w-])%s(?![\w-])" % re.escape(w),
                             "%r of dbxai help is not in doc/dbxai.1" % w)

    def test_man_page_version_is_the_binary_version(self):
        version = run(["--version"]).out.split()[1]
        self.assertIn('"dbxai %s"' % version, self.man_text())

    @unittest.skipUnless(shutil.which("groff"), "no groff")
    def test_man_page_renders_without_warnings(self):
        p = subprocess.run(["groff", "-man", "-Tutf8", "-ww", os.path.join(TOP, "doc", "dbxai.1")],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        self.assertEqual((p.returncode, p.stderr.decode()), (0, ""))
        self.assertIn("configure", p.stdout.decode())


class ScratchRecipe(Case):
    """examples/Dockerfile builds what the empty-root test (e2e_scratch.py) runs:
    the -ca binary of make CA_BUNDLE=..., alone in a FROM scratch stage."""

    def test_dockerfile(self):
        with open(os.path.join(TOP, "examples", "Dockerfile")) as f:
            lines = [l.strip() for l in f if l.strip() and not l.lstrip().startswith("#")]
        froms = [l for l in lines if l.startswith("FROM ")]
        self.assertEqual(froms, ["FROM debian:12 AS build", "FROM scratch"])
        text = "\n".join(lines)
        self.assertIn("./third_party/bootstrap.sh", text)
        self.assertIn("make CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt", text)
        final = lines[lines.index("FROM scratch") + 1:]
        self.assertEqual(final, ["COPY --from=build /src/build/x86_64-linux-musl-ca/dbxai /dbxai",
                                 'ENTRYPOINT ["/dbxai"]'])
        # the Makefile puts a CA_BUNDLE build where the COPY takes it from (make -p
        # would not do: parsing the Makefile writes the option stamps)
        with open(os.path.join(TOP, "Makefile")) as f:
            self.assertIn("B := build/$(TARGET)$(FEATURE_DIR)$(if $(CA_BUNDLE),-ca)\n", f.read())
        with open(os.path.join(TOP, "toolchains", "x86_64-linux-musl.mk")) as f:
            self.assertIn("TC_CC := musl-gcc", f.read())

    def test_readme_points_to_it(self):
        with open(os.path.join(TOP, "README.md")) as f:
            readme = f.read()
        self.assertIn("examples/Dockerfile", readme)


DEBIAN_SOURCES = """Types: deb
# a comment inside the stanza
URIs: http://mirror.example.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.example.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
"""
NOT_THE_ARCHIVE = """deb http://security.example.org/debian-security bookworm-security main
deb http://mirror.example.org/debian bookworm-updates main
deb http://mirror.example.org/debian bookworm-backports main
deb http://old.example.org/debian bookworm contrib  # main is commented out
"""
THIRD_PARTY = """# vendors that reuse Debian's suite names
deb [arch=amd64 signed-by=/etc/apt/keyrings/docker.gpg] https://download.example.com/linux/debian bookworm stable
deb https://download.example.com/linux/debian bookworm stable
deb [signed-by=/usr/share/keyrings/vendor-prod.gpg] https://packages.example.com/debian/12/prod bookworm main
"""
NODESOURCE = """Types: deb
URIs: https://node.example.com/node_20.x
Suites: nodistro
Components: main
Signed-By: /usr/share/keyrings/nodesource.gpg
"""


class AptSources(Case):
    """third_party/bootstrap.sh takes the URI of its deb-src entry for trixie from
    the machine's own Debian archive entry: `bootstrap.sh --archive-uri ROOT`
    reads ROOT/etc/apt and prints it, or fails with one line."""

    def archive_uri(self, files):
        root = tempfile.mkdtemp(prefix="dbxai-apt-")
        self.addCleanup(shutil.rmtree, root, ignore_errors=True)
        for name, text in files.items():
            path = os.path.join(root, "etc", name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
        p = subprocess.run(["sh", os.path.join(TOP, "third_party", "bootstrap.sh"), "--archive-uri", root],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        return p.returncode, p.stdout.decode(), p.stderr.decode()

    def assertUri(self, files, uri):
        self.assertEqual(self.archive_uri(files), (0, uri + "\n", ""))

    def assertNone(self, files):
        rc, out, err = self.archive_uri(files)
        self.assertEqual((rc, out), (1, ""), err)
        self.assertEqual(len(err.splitlines()), 1, err)
        self.assertIn("no Debian archive entry", err)

    def test_deb822(self):
        self.assertUri({"apt/sources.list.d/debian.sources": DEBIAN_SOURCES}, "http://mirror.example.org/debian")
        # security first, disabled and our own entry skipped, first of several URIs
        main = DEBIAN_SOURCES.split("\n\n")
        self.assertUri({"apt/sources.list.d/a.sources": main[1] + "\nTypes: deb-src\nEnabled: no\n"
                        "URIs: http://off.example.org/debian\nSuites: bookworm\nComponents: main\n",
                        "apt/sources.list.d/b.sources": main[0].replace(
                            "URIs: http://mirror.example.org/debian",
                            "URIs: mirror+file:///etc/apt/mirrors/debian.list http://two.example.org/debian"),
                        "apt/sources.list.d/dbxai-trixie-src.sources": main[0].replace("mirror.", "ours.")},
                       "mirror+file:///etc/apt/mirrors/debian.list")

    def test_deb822_continuation_lines_and_embedded_key(self):
        self.assertUri({"apt/sources.list.d/debian.sources":
                        "Types: deb deb-src\nURIs: http://a.example.org/debian\nSuites: bookworm-updates\n"
                        " stable\nComponents: contrib\n main\n"}, "http://a.example.org/debian")
        self.assertNone({"apt/sources.list.d/vendor.sources":
                         "Types: deb\nURIs: http://v.example.org/debian\nSuites: bookworm\nComponents: main\n"
                         "Signed-By:\n -----BEGIN PGP PUBLIC KEY BLOCK-----\n .\n abc\n"})

    def test_one_line(self):
        self.assertUri({"apt/sources.list": NOT_THE_ARCHIVE + "# deb http://old.example.org/debian bookworm main\n"
                        "deb http://ftp.example.org/debian/ bookworm main contrib  # the mirror\n"},
                       "http://ftp.example.org/debian/")
        self.assertUri({"apt/sources.list.d/debian.list":
                        "deb [ arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg ] "
                        "http://b.example.org/debian trixie main\n"}, "http://b.example.org/debian")

    def test_sources_list_first_then_the_folder_in_name_order(self):
        self.assertUri({"apt/sources.list": "deb http://first.example.org/debian bookworm main\n",
                        "apt/sources.list.d/a.sources": DEBIAN_SOURCES}, "http://first.example.org/debian")
        self.assertUri({"apt/sources.list.d/b.list": "deb http://b.example.org/debian bookworm main\n",
                        "apt/sources.list.d/a.sources": DEBIAN_SOURCES}, "http://mirror.example.org/debian")

    def test_third_party_and_security_only_fail(self):
        self.assertNone({"apt/sources.list": NOT_THE_ARCHIVE + THIRD_PARTY,
                         "apt/sources.list.d/nodesource.sources": NODESOURCE,
                         "apt/sources.list.d/debian.sources.disabled": DEBIAN_SOURCES,
                         "apt/sources.list.d/dbxai-trixie-src.sources": DEBIAN_SOURCES})
        self.assertNone({})

    def test_own_release_from_os_release(self):
        entry = {"apt/sources.list": "deb http://c.example.org/debian excalibur main\n"}
        self.assertNone(entry)
        self.assertUri(dict(entry, **{"os-release": 'ID=debian\nVERSION_CODENAME="excalibur"\n'}),
                       "http://c.example.org/debian")
        self.assertNone(dict(entry, **{"os-release": "ID=ubuntu\nVERSION_CODENAME=excalibur\n"}))


class FreshMachine(Case):
    """README's quick start is two commands; each installs what it lacks
    through third_party/need.sh, which runs bootstrap.sh only when a tool is
    missing (here against a stand-in bootstrap that records its run)."""

    def need(self, goal, tools):
        d = tempfile.mkdtemp(prefix="dbxai-need-")
        self.addCleanup(shutil.rmtree, d, True)
        os.makedirs(os.path.join(d, "tp", "src", "mbedtls-3.6.6"))
        shutil.copy(os.path.join(TOP, "third_party", "need.sh"), os.path.join(d, "tp"))
        with open(os.path.join(d, "tp", "bootstrap.sh"), "w") as f:
            f.write("#!/bin/sh\necho bootstrap ran as $(id -u)\n")
        os.chmod(os.path.join(d, "tp", "bootstrap.sh"), 0o755)
        bin_dir = os.path.join(d, "bin")
        os.mkdir(bin_dir)
        for t in tools + ["id"]:
            os.symlink(shutil.which(t) or "/bin/true", os.path.join(bin_dir, t))
        p = subprocess.run(["/bin/sh", os.path.join(d, "tp", "need.sh"), goal], env={"PATH": bin_dir},
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        return p.returncode, p.stdout.decode(), p.stderr.decode()

    DEMO = ["make", "gcc", "musl-gcc", "ld.lld", "python3", "openssl", "dirname"]
    CHECK = DEMO + ["aarch64-linux-gnu-gcc", "arm-linux-gnueabihf-gcc", "qemu-aarch64-static",
                    "qemu-arm-static", "clang", "llvm-symbolizer", "valgrind", "tinyproxy", "unshare",
                    "ip", "zsh", "fish", "file", "aarch64-linux-musl-gcc", "arm-linux-musleabihf-gcc",
                    "mipsel-linux-gnu-gcc", "mips-linux-gnu-gcc", "riscv64-linux-gnu-gcc",
                    "arm-linux-gnueabi-gcc", "qemu-mipsel-static", "skopeo", "umoci", "npm"]

    def test_nothing_missing_nothing_done(self):
        self.assertEqual(self.need("demo", self.DEMO), (0, "", ""))
        self.assertEqual(self.need("check", self.CHECK), (0, "", ""))

    def test_missing_tools_named_then_bootstrap(self):
        rc, out, err = self.need("demo", [t for t in self.DEMO if t != "musl-gcc"])
        self.assertEqual(rc, 0)
        self.assertIn("bootstrap ran", out)
        self.assertIn("missing: musl-gcc;", err)
        self.assertIn("third_party/bootstrap.sh (%s)" % ("apt-get" if os.geteuid() == 0 else "sudo apt-get"),
                      err)
        rc, out, err = self.need("check", [t for t in self.CHECK if t not in ("valgrind", "fish")])
        self.assertIn("missing: valgrind fish;", err)
        self.assertIn("bootstrap ran", out)
        # demo needs none of check's tools
        self.assertEqual(self.need("demo", self.DEMO)[2], "")

    def test_makefile_runs_it_for_demo_and_check(self):
        with open(os.path.join(TOP, "Makefile")) as f:
            mk = f.read()
        self.assertIn("NEED_GOAL := $(firstword $(filter check demo,$(MAKECMDGOALS)))", mk)
        self.assertIn("sh third_party/need.sh $(NEED_GOAL)", mk)
        # before the fetch's include: a fresh machine needs apt-get source first
        self.assertLess(mk.index("third_party/need.sh $(NEED_GOAL)"), mk.index("include build/mbedtls-sources.mk"))
        with open(os.path.join(TOP, "third_party", "bootstrap.sh")) as f:
            boot = f.read()
        for pkg in ("musl-tools", "lld", "qemu-user-static", "clang", "valgrind", "tinyproxy", "zsh", "fish"):
            self.assertIn(pkg, boot)

    def test_readme_quick_start_is_two_commands(self):
        with open(os.path.join(TOP, "README.md")) as f:
            readme = f.read()
        quick = readme.split("## Quick start\n", 1)[1].split("\n## ", 1)[0]
        blocks = re.findall(r"```sh\n(.*?)```", quick, re.S)
        commands = [l.split("#")[0].strip() for b in blocks[:2] for l in b.splitlines() if l.strip()]
        self.assertEqual(commands, ["make demo", "make check"])
