"""An empty root, as in a FROM scratch image: only the binary (built with the test
CA embedded), no /etc (no resolv.conf, hosts, passwd, CA bundle), no /dev, no /tmp.
Needs root for chroot(2); runs with the x86_64 binary only (qemu would need to be
inside the root)."""
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from lib import RUN, TOKEN, Case, Mock, clean_env, needs, pki

BIN_CA = os.environ.get("DBXAI_BIN_CA", "")
BIN = os.environ.get("DBXAI_BIN", "")
CHROOT = shutil.which("chroot") or "/usr/sbin/chroot"


def empty_root(binary, what):
    """Skips the class unless binary can run alone in an empty root here (the
    reason given is the first that applies)."""
    def wrap(cls):
        for skip in (
                unittest.skipUnless(os.geteuid() == 0 and os.path.exists(CHROOT), "chroot needs root"),
                unittest.skipUnless(re.search(r"build/[^/]*-musl[^/]*/dbxai$", BIN),
                                    "the empty root holds the binary alone: a static musl build only"),
                unittest.skipUnless(not RUN, "the empty-root test runs native binaries only"),
                unittest.skipUnless(binary and os.path.exists(binary), "no binary %s" % what)):
            cls = skip(cls)
        return cls
    return wrap


class RootCase(Case):
    """A fresh root holding BINARY as /dbxai and FILES (test PKI names) at its top."""

    BINARY = ""
    FILES = ()

    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="dbxai-root-")
        self.addCleanup(shutil.rmtree, self.root, ignore_errors=True)
        shutil.copy(self.BINARY, os.path.join(self.root, "dbxai"))
        for name in self.FILES:
            shutil.copy(pki(name), os.path.join(self.root, name))

    def run_in_root(self, args, env, stdin=None):
        """(exit status, stdout, stderr) of /dbxai ARGS in the root; stdin None
        leaves this process's stdin to it."""
        p = subprocess.run([CHROOT, self.root, "/dbxai"] + args, env=env, timeout=30, input=stdin,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        return p.returncode, p.stdout.decode(), p.stderr.decode()


@empty_root(BIN_CA, "with an embedded CA (DBXAI_BIN_CA)")
class EmptyRoot(RootCase):
    BINARY = BIN_CA

    def test_root_holds_only_the_binary(self):
        self.assertEqual(os.listdir(self.root), ["dbxai"])

    def test_tls_request_with_embedded_ca(self):
        with Mock() as m:
            rc, out, err = self.run_in_root(["-v", "api", "GET", "/api/2.0/serving-endpoints"],
                                            clean_env(m, cacert=None))
            self.assertEqual(rc, 0, err)
            self.assertIn("databricks-claude-sonnet-4", out)
            self.assertNotIn(TOKEN, out + err)

    def test_configure_then_chat(self):
        """The image's first run: configure writes the profile (no $HOME, no /tmp:
        DATABRICKS_CONFIG_FILE in a mounted folder), the next run uses it."""
        os.mkdir(os.path.join(self.root, "cfg"))
        env = clean_env(token=None, cacert=None, DATABRICKS_CONFIG_FILE="/cfg/databrickscfg")
        with Mock() as m:
            rc, out, err = self.run_in_root(["configure"], env, ("%s\n%s\n" % (m.url, TOKEN)).encode())
            self.assertEqual(rc, 0, err)
            cfg = os.path.join(self.root, "cfg", "databrickscfg")
            self.assertEqual(os.stat(cfg).st_mode & 0o777, 0o600)
            rc, out, err = self.run_in_root(["chat", "from", "scratch"], env)
            self.assertEqual(rc, 0, err)
            self.assertEqual(out, "Hello! You said: from scratch\n")

    def test_missing_host_message(self):
        rc, out, err = self.run_in_root(["api", "GET", "/x"], {})
        self.assertEqual(rc, 2)
        self.assertIn("DATABRICKS_HOST", err)

    def test_unknown_name_fails_fast(self):
        rc, out, err = self.run_in_root(["--connect-timeout", "5", "api", "GET", "/x"],
                                        clean_env("https://workspace.invalid", cacert=None))
        self.assertEqual(rc, 7, err)
        self.assertIn("workspace.invalid", err)


@empty_root(BIN, "(DBXAI_BIN)")
class EmptyRootWithCaFile(RootCase):
    """The plain binary and one CA file: no /etc/passwd, resolv.conf, /tmp, $HOME."""

    BINARY = BIN
    FILES = ("ca.pem",)

    def run_in_root(self, args, env, stdin=b""):
        return super().run_in_root(args, env, stdin)

    def test_version(self):
        rc, out, err = self.run_in_root(["--version"], {})
        self.assertEqual((rc, err), (0, ""))
        self.assertRegex(out, r"^dbxai \d")

    def test_chat_by_ip_address(self):
        with Mock() as m:
            rc, out, err = self.run_in_root(
                ["chat", "hello", "root"], clean_env("https://127.0.0.1:%d" % m.port, cacert="/ca.pem"))
            self.assertEqual(rc, 0, err)
            self.assertEqual(out, "Hello! You said: hello root\n")

    def test_no_ca_at_all_says_what_to_do(self):
        with Mock() as m:
            rc, out, err = self.run_in_root(
                ["chat", "hi"], clean_env("https://127.0.0.1:%d" % m.port, cacert=None))
            self.assertEqual(rc, 2, err)
            self.assertIn("--cacert", err)
            self.assertEqual(len(err.strip().splitlines()), 1, err)

    @needs("oauth")
    def test_login_no_browser_with_token_cache(self):
        with Mock() as m:
            rc, out, err = self.run_in_root(
                ["login", "--no-browser", "--timeout", "2"],
                clean_env("https://127.0.0.1:%d" % m.port, token=None, cacert="/ca.pem",
                          DBXAI_TOKEN_CACHE="/cache/tokens.json"))
            # no browser, nothing pasted: the URL is shown, then a clear end
            self.assertNotEqual(rc, 0)
            self.assertIn("http", out + err)
            self.assertNotIn("Traceback", err)
            last = err.strip().splitlines()[-1]
            self.assertTrue(last.startswith("dbxai: "), err)
