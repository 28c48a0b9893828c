#!/usr/bin/env python3
"""make test-image: the OCI image layout of make image, checked with the OCI tools
of Debian (skopeo, umoci) and run.

Environment (the Makefile sets it): DBXAI_IMAGE (the layout), DBXAI_IMAGE_TAR (its
tarball), DBXAI_VERSION, DBXAI_REVISION, DBXAI_IMAGE_PLATFORMS (os/arch[/variant]
words). Checked: skopeo reads the layout and the
tarball (index of every platform, the labels, user 65534, entrypoint /dbxai, one
layer); umoci unpacks the amd64 and arm64 images, whose root holds the binary
alone (0755, owner 0), and the binary runs there as user 65534 in an empty root
(chroot) against the local mock: natively, and under qemu-user for arm64 (the
static qemu copied into the root); a second make image into another folder gives
the same bytes and digests. Every server is local and bounded in time. The last
line is "image: N passed, N failed".
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(TOP, "tests", "e2e"))

from lib import TOKEN, Case, Mock, clean_env, pki  # noqa: E402

LAYOUT = os.path.abspath(os.environ.get("DBXAI_IMAGE", os.path.join(TOP, "build", "image")))
TAR = os.path.abspath(os.environ.get("DBXAI_IMAGE_TAR", ""))
VERSION = os.environ.get("DBXAI_VERSION", "")
REVISION = os.environ.get("DBXAI_REVISION", "")
CHROOT = shutil.which("chroot") or "/usr/sbin/chroot"
QEMU_ARM64 = shutil.which("qemu-aarch64-static")
# the platforms of IMAGE_PLATFORMS (make passes them), as ARCH[/VARIANT]
PLATFORMS = [p.split("/", 1)[1] for p in
             os.environ.get("DBXAI_IMAGE_PLATFORMS", "linux/amd64 linux/arm64 linux/arm/v7").split()]


def tool(*args, timeout=60):
    p = subprocess.run(list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    if p.returncode != 0:
        raise AssertionError("%s failed (%d): %s" % (" ".join(args), p.returncode, p.stderr.decode()))
    return p.stdout.decode()


def blob(digest):
    with open(os.path.join(LAYOUT, "blobs", "sha256", digest.split(":", 1)[1]), "rb") as f:
        return f.read()


@unittest.skipUnless(shutil.which("skopeo"), "no skopeo (third_party/bootstrap.sh installs it)")
class Skopeo(Case):
    def test_index_lists_every_platform(self):
        raw = json.loads(tool("skopeo", "inspect", "--raw", "oci:%s:%s" % (LAYOUT, VERSION)))
        self.assertEqual(raw["mediaType"], "application/vnd.oci.image.index.v1+json")
        plats = ["/".join(filter(None, (m["platform"]["architecture"], m["platform"].get("variant"))))
                 for m in raw["manifests"]]
        self.assertEqual(sorted(plats), sorted(PLATFORMS))
        for m in raw["manifests"]:
            self.assertEqual(m["platform"]["os"], "linux")
            self.assertEqual(hashlib.sha256(blob(m["digest"])).hexdigest(), m["digest"][7:])

    def test_each_image(self):
        for plat in PLATFORMS:
            arch, _, variant = plat.partition("/")
            over = ["--override-arch", arch] + (["--override-variant", variant] if variant else [])
            with self.subTest(platform=plat):
                ref = "oci:%s:%s" % (LAYOUT, VERSION)
                info = json.loads(tool("skopeo", "inspect", *over, ref))
                self.assertEqual(info["Architecture"], arch)
                self.assertEqual(len(info["Layers"]), 1)
                labels = info["Labels"]
                self.assertEqual(labels["org.opencontainers.image.version"], VERSION)
                self.assertEqual(labels["org.opencontainers.image.revision"], REVISION)
                self.assertIn("org.opencontainers.image.source", labels)
                cfg = json.loads(tool("skopeo", "inspect", "--config", *over, ref))
                self.assertEqual(cfg["config"]["User"], "65534")
                self.assertEqual(cfg["config"]["Entrypoint"], ["/dbxai"])
                self.assertEqual(cfg["os"], "linux")
                self.assertEqual(cfg.get("variant", ""), variant)

    def test_tarball(self):
        info = json.loads(tool("skopeo", "inspect", "oci-archive:%s:%s-arm64" % (TAR, VERSION)))
        self.assertEqual(info["Architecture"], "arm64")
        self.assertEqual(os.path.basename(TAR), "dbxai-%s-oci.tar" % VERSION)


class Reproducible(Case):
    def test_same_digests_twice(self):
        out = tempfile.mkdtemp(prefix="dbxai-image-")
        self.addCleanup(shutil.rmtree, out, ignore_errors=True)
        tar2 = os.path.join(out, "again.tar")
        subprocess.run(["make", "-s", "--no-print-directory", "-C", TOP, "image",
                        "IMAGE_DIR=" + os.path.join(out, "image"), "IMAGE_TAR=" + tar2],
                       check=True, timeout=600, stdout=subprocess.DEVNULL)

        def digest(path):
            with open(path, "rb") as f:
                return hashlib.sha256(f.read()).hexdigest()
        self.assertEqual(digest(os.path.join(out, "image", "index.json")),
                         digest(os.path.join(LAYOUT, "index.json")))
        self.assertEqual(sorted(os.listdir(os.path.join(out, "image", "blobs", "sha256"))),
                         sorted(os.listdir(os.path.join(LAYOUT, "blobs", "sha256"))))
        self.assertEqual(digest(tar2), digest(TAR))


@unittest.skipUnless(shutil.which("umoci"), "no umoci (third_party/bootstrap.sh installs it)")
@unittest.skipUnless(os.geteuid() == 0 and os.path.exists(CHROOT), "umoci unpack and chroot need root")
class Run(Case):
    """An image unpacked by umoci, run as its user in the root it unpacked."""

    def unpack(self, tag):
        out = tempfile.mkdtemp(prefix="dbxai-bundle-")
        self.addCleanup(shutil.rmtree, out, ignore_errors=True)
        bundle = os.path.join(out, "bundle")
        tool("umoci", "unpack", "--image", "%s:%s" % (LAYOUT, tag), bundle, timeout=120)
        with open(os.path.join(bundle, "config.json")) as f:
            runtime = json.load(f)
        self.assertEqual(runtime["process"]["args"], ["/dbxai"])
        self.assertEqual(runtime["process"]["user"]["uid"], 65534)
        root = os.path.join(bundle, "rootfs")
        self.assertEqual(os.listdir(root), ["dbxai"])
        st = os.stat(os.path.join(root, "dbxai"))
        self.assertEqual((st.st_mode & 0o7777, st.st_uid, st.st_gid), (0o755, 0, 0))
        shutil.copy(pki("ca.pem"), os.path.join(root, "ca.pem"))
        return root

    def run_in(self, root, prefix, args, env):
        p = subprocess.run([CHROOT, "--userspec=65534:65534", root] + prefix + ["/dbxai"] + args,
                           env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        return p.returncode, p.stdout.decode(), p.stderr.decode()

    def chat(self, root, prefix=()):
        os.chmod(os.path.join(root, "ca.pem"), 0o644)
        with Mock() as m:
            env = clean_env("https://127.0.0.1:%d" % m.port, cacert="/ca.pem")
            rc, out, err = self.run_in(root, list(prefix), ["chat", "from", "the", "image"], env)
            self.assertEqual(rc, 0, err)
            self.assertEqual(out, "Hello! You said: from the image\n")
            self.assertNotIn(TOKEN, out + err)
            # no --cacert and no /etc/ssl: the embedded bundle (Debian's roots) is
            # trusted, and it does not hold the test root (a binary without one
            # would exit 2, "no CA certificates found")
            env = clean_env("https://127.0.0.1:%d" % m.port, cacert=None)
            rc, out, err = self.run_in(root, list(prefix), ["chat", "hi"], env)
            self.assertEqual(rc, 7, err)
            self.assertIn("not signed by a trusted CA", err)

    def test_amd64_native(self):
        if os.uname().machine != "x86_64":
            self.skipTest("the amd64 image runs natively on x86_64 only")
        self.chat(self.unpack(VERSION + "-amd64"))

    @unittest.skipUnless(QEMU_ARM64, "no qemu-aarch64-static (qemu-user-static)")
    def test_arm64_under_qemu(self):
        root = self.unpack(VERSION + "-arm64")
        shutil.copy(QEMU_ARM64, os.path.join(root, "qemu"))
        self.chat(root, ["/qemu"])


def main():
    if not VERSION or not TAR or not os.path.exists(os.path.join(LAYOUT, "index.json")):
        sys.exit("test-image: no image layout at %s (run make image, or make test-image)" % LAYOUT)
    suite = unittest.TestLoader().loadTestsFromModule(sys.modules[__name__])
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    failed = len(result.failures) + len(result.errors)
    print("image: %d passed, %d failed" % (result.testsRun - failed - len(result.skipped), failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
