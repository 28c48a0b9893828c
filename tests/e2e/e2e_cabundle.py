"""tools/ca_der.py, what make CA_BUNDLE="FILE..." embeds: PEM bundles or DER
certificates in, DER certificates end to end out (the binary that embeds them is
run by e2e_scratch.py and tests/image/run.py)."""
import base64
import os
import re
import shutil
import subprocess
import sys
import tempfile

from lib import TOP, Case, pki

TOOL = os.path.join(TOP, "tools", "ca_der.py")
SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


def pem_ders(path):
    with open(path) as f:
        text = f.read()
    return [base64.b64decode("".join(b.split()))
            for b in re.findall(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", text, re.S)]


class CaDer(Case):
    def convert(self, *files):
        out = tempfile.NamedTemporaryFile(suffix=".der", delete=False)
        out.close()
        self.addCleanup(os.unlink, out.name)
        p = subprocess.run([sys.executable, TOOL, out.name] + list(files), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=60)
        with open(out.name, "rb") as f:
            return p.returncode, p.stdout.decode(), p.stderr.decode(), f.read()

    def test_one_root(self):
        rc, out, err, der = self.convert(pki("ca.pem"))
        self.assertEqual(rc, 0, err)
        self.assertEqual(der, b"".join(pem_ders(pki("ca.pem"))))
        self.assertIn("1 root embedded as DER, %d bytes" % len(der), out)

    def test_short_list_pem_and_der_once_each(self):
        d = tempfile.mkdtemp(prefix="dbxai-der-")
        self.addCleanup(shutil.rmtree, d, ignore_errors=True)
        one = os.path.join(d, "root.der")
        with open(one, "wb") as f:
            f.write(pem_ders(pki("ca.pem"))[0])
        rc, out, err, der = self.convert(pki("ca.pem"), one, pki("other-ca.pem"))
        self.assertEqual(rc, 0, err)
        want = pem_ders(pki("ca.pem")) + pem_ders(pki("other-ca.pem"))
        self.assertEqual(der, b"".join(want), "the same root twice is embedded once")
        self.assertIn("2 roots embedded", out)

    def test_whole_system_bundle_fits_its_budget(self):
        if not os.path.exists(SYSTEM_BUNDLE):
            self.skipTest("no %s" % SYSTEM_BUNDLE)
        rc, out, err, der = self.convert(SYSTEM_BUNDLE)
        self.assertEqual(rc, 0, err)
        ders = pem_ders(SYSTEM_BUNDLE)
        self.assertEqual(len(der), sum(len(x) for x in set(ders)))
        self.assertLessEqual(len(der), 160 * 1024, "issue 18: at most 160 KiB")
        # each certificate parses where it starts, as tls.c walks them
        p = subprocess.run(["openssl", "x509", "-inform", "DER", "-noout", "-subject"], input=der,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_not_a_certificate(self):
        f = tempfile.NamedTemporaryFile("w", suffix=".pem", delete=False)
        f.write("hello\n")
        f.close()
        self.addCleanup(os.unlink, f.name)
        rc, out, err, _ = self.convert(pki("ca.pem"), f.name)
        self.assertEqual(rc, 1)
        self.assertIn(f.name, err)
        self.assertIn("holds no certificate", err)
        rc, out, err, _ = self.convert(f.name + ".missing")
        self.assertEqual(rc, 1)
        self.assertIn("cannot read", err)
