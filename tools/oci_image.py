#!/usr/bin/env python3
"""oci_image.py: the OCI image layout (and its tarball) that `make image` makes,
with the Python standard library alone (no docker, no daemon).

  oci_image.py --layout DIR --tar FILE --version V --revision R --source URL
               --epoch SECONDS PLATFORM=BINARY...

PLATFORM is an OCI platform, os/architecture[/variant] (linux/amd64,
linux/arm/v7, linux/mipsle, ...); BINARY the static dbxai built for it (with the
CA bundle embedded). Each platform gets an image of one layer holding BINARY as
/dbxai (mode 0755, owner 0:0), entrypoint /dbxai, user 65534 (nobody), and the
labels org.opencontainers.image.{title,version,revision,source,created}. The
layout (DIR: oci-layout, index.json, blobs/sha256/) tags the multi-platform
index V, and each platform's image V-ARCH[-VARIANT] (e.g. 0.1.0-arm-v7) for tools
that take one image (umoci unpack). FILE is the layout as one tar (the
oci-archive: transport of skopeo reads it).

Reproducible: every tar has its entries sorted, mtime SECONDS, owner 0:0 and no
user or group names; gzip writes no name and mtime 0; JSON is written with
sorted keys. The same binaries, version, revision and SECONDS give the same
bytes and digests. Prints the index digest and one line per platform.
"""
import argparse
import gzip
import hashlib
import io
import json
import os
import shutil
import sys
import tarfile
import time

INDEX = "application/vnd.oci.image.index.v1+json"
MANIFEST = "application/vnd.oci.image.manifest.v1+json"
CONFIG = "application/vnd.oci.image.config.v1+json"
LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
REF = "org.opencontainers.image.ref.name"


def jbytes(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


class Layout:
    def __init__(self, path):
        self.path = path
        self.blobs = os.path.join(path, "blobs", "sha256")
        os.makedirs(self.blobs)

    def put(self, data, media):
        """Stores data as a blob; its descriptor."""
        digest = hashlib.sha256(data).hexdigest()
        with open(os.path.join(self.blobs, digest), "wb") as f:
            f.write(data)
        return {"mediaType": media, "digest": "sha256:" + digest, "size": len(data)}


def tar_bytes(entries, epoch):
    """A tar of entries [(name, mode, bytes or None for a directory)], sorted."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for name, mode, data in sorted(entries, key=lambda e: e[0]):
            info = tarfile.TarInfo(name)
            info.mtime = epoch
            info.mode = mode
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            if data is None:
                info.type = tarfile.DIRTYPE
                t.addfile(info)
            else:
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))
    return out.getvalue()


def gzip_bytes(data):
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0, compresslevel=9) as g:
        g.write(data)
    return out.getvalue()


def platform_of(text):
    parts = text.split("/")
    if len(parts) not in (2, 3) or not all(parts):
        sys.exit("oci_image: '%s' is not os/architecture[/variant] (e.g. linux/arm/v7)" % text)
    p = {"os": parts[0], "architecture": parts[1]}
    if len(parts) == 3:
        p["variant"] = parts[2]
    return p


def image(lay, plat, binary, a, labels, created):
    with open(binary, "rb") as f:
        exe = f.read()
    layer_tar = tar_bytes([("dbxai", 0o755, exe)], a.epoch)
    layer = lay.put(gzip_bytes(layer_tar), LAYER)
    config = dict(plat)
    config.update({
        "created": created,
        "config": {
            "User": "65534",
            "Entrypoint": ["/dbxai"],
            "Env": ["PATH=/"],
            "WorkingDir": "/",
            "Labels": labels,
        },
        "rootfs": {"type": "layers",
                   "diff_ids": ["sha256:" + hashlib.sha256(layer_tar).hexdigest()]},
        "history": [{"created": created, "created_by": "make image (tools/oci_image.py)"}],
    })
    cfg = lay.put(jbytes(config), CONFIG)
    manifest = {"schemaVersion": 2, "mediaType": MANIFEST, "config": cfg, "layers": [layer],
                "annotations": labels}
    desc = lay.put(jbytes(manifest), MANIFEST)
    desc["platform"] = plat
    return desc, len(exe)


def main():
    ap = argparse.ArgumentParser(description="the dbxai OCI image layout (make image)")
    ap.add_argument("--layout", required=True)
    ap.add_argument("--tar", required=True)
    ap.add_argument("--version", required=True)
    ap.add_argument("--revision", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--epoch", required=True, type=int)
    ap.add_argument("images", nargs="+", metavar="PLATFORM=BINARY")
    a = ap.parse_args()

    created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(a.epoch))
    labels = {
        "org.opencontainers.image.title": "dbxai",
        "org.opencontainers.image.version": a.version,
        "org.opencontainers.image.revision": a.revision,
        "org.opencontainers.image.source": a.source,
        "org.opencontainers.image.created": created,
    }
    if os.path.exists(a.layout):
        shutil.rmtree(a.layout)
    lay = Layout(a.layout)
    descs, seen = [], set()
    for spec in a.images:
        plat_text, sep, binary = spec.partition("=")
        if not sep or not binary:
            sys.exit("oci_image: '%s' is not PLATFORM=BINARY" % spec)
        if plat_text in seen:
            sys.exit("oci_image: platform %s given twice" % plat_text)
        seen.add(plat_text)
        if not os.path.isfile(binary):
            sys.exit("oci_image: no binary %s for %s (make TARGET=... CA_BUNDLE=... first)"
                     % (binary, plat_text))
        desc, size = image(lay, platform_of(plat_text), binary, a, labels, created)
        descs.append((plat_text, desc, size))

    index = {"schemaVersion": 2, "mediaType": INDEX, "manifests": [d for _, d, _ in descs],
             "annotations": labels}
    top = lay.put(jbytes(index), INDEX)
    refs = [dict(top, annotations={REF: a.version})]
    for plat_text, desc, _ in descs:
        tag = a.version + "-" + plat_text.split("/", 1)[1].replace("/", "-")
        refs.append(dict(desc, annotations={REF: tag}))
    with open(os.path.join(a.layout, "index.json"), "wb") as f:
        f.write(jbytes({"schemaVersion": 2, "mediaType": INDEX, "manifests": refs}))
    with open(os.path.join(a.layout, "oci-layout"), "wb") as f:
        f.write(jbytes({"imageLayoutVersion": "1.0.0"}))

    # the layout as one tar, built from what was just written
    entries = [("blobs", 0o755, None), ("blobs/sha256", 0o755, None)]
    for root, _, files in os.walk(a.layout):
        for name in files:
            path = os.path.join(root, name)
            with open(path, "rb") as f:
                entries.append((os.path.relpath(path, a.layout), 0o644, f.read()))
    tmp = a.tar + ".tmp"
    with open(tmp, "wb") as f:
        f.write(tar_bytes(entries, a.epoch))
    os.replace(tmp, a.tar)

    print("image: %s:%s  index %s" % (a.layout, a.version, top["digest"]))
    for plat_text, desc, size in descs:
        print("image:   %-14s %s  (binary %d bytes)" % (plat_text, desc["digest"], size))
    print("image: %s" % a.tar)


if __name__ == "__main__":
    main()
