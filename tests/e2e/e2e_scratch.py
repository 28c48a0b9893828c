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

from lib import RUN, TOKEN, Case, Mock

BIN_CA = os.environ.get("DBXAI_BIN_CA", "")
CHROOT = shutil.which("chroot") or "/usr/sbin/chroot"


@unittest.skipUnless(BIN_CA and os.path.exists(BIN_CA), "no binary with an embedded CA (DBXAI_BIN_CA)")
@unittest.skipUnless(not RUN, "the empty-root test runs native binaries only")
@unittest.skipUnless(re.search(r"build/[^/]*-musl[^/]*/dbxai$", os.environ.get("DBXAI_BIN", "")),
                     "the empty root holds the binary alone: a static musl build only")
@unittest.skipUnless(os.geteuid() == 0 and os.path.exists(CHROOT), "chroot needs root")
class EmptyRoot(Case):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="dbxai-root-")
        shutil.copy(BIN_CA, os.path.join(self.root, "dbxai"))

    def tearDown(self):
        shutil.rmtree(self.root, ignore_errors=True)

    def run_in_root(self, args, env):
        p = subprocess.run([CHROOT, self.root, "/dbxai"] + args, env=env, timeout=30,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        return p.returncode, p.stdout.decode(), p.stderr.decode()

    def test_root_holds_only_the_binary(self):
        self.assertEqual(os.listdir(self.root), ["dbxai"])

    def test_tls_request_with_embedded_ca(self):
        with Mock() as m:
            rc, out, err = self.run_in_root(["-v", "api", "GET", "/api/2.0/serving-endpoints"],
                                            {"DATABRICKS_HOST": m.url, "DATABRICKS_TOKEN": TOKEN})
            self.assertEqual(rc, 0, err)
            self.assertIn("databricks-claude-sonnet-4", out)
            self.assertNotIn(TOKEN, out + err)

    def test_configure_then_chat(self):
        """The image's first run: configure writes the profile (no $HOME, no /tmp:
        DATABRICKS_CONFIG_FILE in a mounted folder), the next run uses it."""
        os.mkdir(os.path.join(self.root, "cfg"))
        env = {"DATABRICKS_CONFIG_FILE": "/cfg/databrickscfg"}
        with Mock() as m:
            p = subprocess.run([CHROOT, self.root, "/dbxai", "configure"], env=env, timeout=30,
                               input=("%s\n%s\n" % (m.url, TOKEN)).encode(),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            self.assertEqual(p.returncode, 0, p.stderr)
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
                                        {"DATABRICKS_HOST": "https://workspace.invalid",
                                         "DATABRICKS_TOKEN": TOKEN})
        self.assertEqual(rc, 7, err)
        self.assertIn("workspace.invalid", err)


BIN = os.environ.get("DBXAI_BIN", "")


@unittest.skipUnless(BIN and os.path.exists(BIN), "no binary (DBXAI_BIN)")
@unittest.skipUnless(not RUN, "the empty-root test runs native binaries only")
@unittest.skipUnless(re.search(r"build/[^/]*-musl[^/]*/dbxai$", os.environ.get("DBXAI_BIN", "")),
                     "the empty root holds the binary alone: a static musl build only")
@unittest.skipUnless(os.geteuid() == 0 and os.path.exists(CHROOT), "chroot needs root")
class EmptyRootWithCaFile(Case):
    """The plain binary and one CA file: no /etc/passwd, resolv.conf, /tmp, $HOME."""

    def setUp(self):
        from lib import pki
        self.root = tempfile.mkdtemp(prefix="dbxai-root-")
        shutil.copy(BIN, os.path.join(self.root, "dbxai"))
        shutil.copy(pki("ca.pem"), os.path.join(self.root, "ca.pem"))

    def tearDown(self):
        shutil.rmtree(self.root, ignore_errors=True)

    def run_in_root(self, args, env, stdin=b""):
        p = subprocess.run([CHROOT, self.root, "/dbxai"] + args, env=env, timeout=30, input=stdin,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        return p.returncode, p.stdout.decode(), p.stderr.decode()

    def test_version(self):
        rc, out, err = self.run_in_root(["--version"], {})
        self.assertEqual((rc, err), (0, ""))
        self.assertRegex(out, r"^dbxai \d")

    def test_chat_by_ip_address(self):
        with Mock() as m:
            rc, out, err = self.run_in_root(
                ["chat", "hello", "root"],
                {"DATABRICKS_HOST": "https://127.0.0.1:%d" % m.port, "DATABRICKS_TOKEN": TOKEN,
                 "SSL_CERT_FILE": "/ca.pem"})
            self.assertEqual(rc, 0, err)
            self.assertEqual(out, "Hello! You said: hello root\n")

    def test_no_ca_at_all_says_what_to_do(self):
        with Mock() as m:
            rc, out, err = self.run_in_root(
                ["chat", "hi"], {"DATABRICKS_HOST": "https://127.0.0.1:%d" % m.port,
                                 "DATABRICKS_TOKEN": TOKEN})
            self.assertEqual(rc, 2, err)
            self.assertIn("--cacert", err)
            self.assertEqual(len(err.strip().splitlines()), 1, err)

    def test_login_no_browser_with_token_cache(self):
        with Mock() as m:
            rc, out, err = self.run_in_root(
                ["login", "--no-browser", "--timeout", "2"],
                {"DATABRICKS_HOST": "https://127.0.0.1:%d" % m.port, "SSL_CERT_FILE": "/ca.pem",
                 "DBXAI_TOKEN_CACHE": "/cache/tokens.json"})
            # no browser, nothing pasted: the URL is shown, then a clear end
            self.assertNotEqual(rc, 0)
            self.assertIn("http", out + err)
            self.assertNotIn("Traceback", err)
            last = err.strip().splitlines()[-1]
            self.assertTrue(last.startswith("dbxai: "), err)
