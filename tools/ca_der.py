#!/usr/bin/env python3
"""ca_der.py OUT FILE...: the certificates of FILEs, concatenated as DER, into OUT.

What `make CA_BUNDLE="FILE..."` embeds (src/tls_ca.c). Each FILE is a PEM bundle
(every -----BEGIN CERTIFICATE----- block is taken; other text is skipped, as
update-ca-certificates' bundle has none) or one DER certificate. A whole system
bundle or a short list of roots (a workspace's one or two) are both fine. DER
needs no base64 or PEM armour: a quarter less than the PEM text. Prints one line:
the number of roots and the bytes added. Exit 1, naming the file, when a FILE
is unreadable or holds no certificate. Python stdlib only.
"""
import base64
import binascii
import os
import re
import sys

PEM = re.compile(rb"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", re.S)


def der_len(der):
    """Length of the DER SEQUENCE at der[0:], header included, or 0."""
    if len(der) < 2 or der[0] != 0x30:
        return 0
    n = der[1]
    if n < 0x80:
        return 2 + n
    k = n & 0x7F
    if k == 0 or k > 3 or len(der) < 2 + k:
        return 0
    return 2 + k + int.from_bytes(der[2:2 + k], "big")


def certs(path):
    with open(path, "rb") as f:
        data = f.read()
    blocks = PEM.findall(data)
    if not blocks:
        n = der_len(data)
        return [data] if n and n == len(data) else []
    out = []
    for b in blocks:
        try:
            der = base64.b64decode(b"".join(b.split()), validate=True)
        except (binascii.Error, ValueError):
            sys.exit("ca_der: %s: a certificate's base64 does not decode" % path)
        if der_len(der) != len(der):
            sys.exit("ca_der: %s: a certificate is not one DER SEQUENCE" % path)
        out.append(der)
    return out


def main(argv):
    if len(argv) < 3:
        sys.exit("usage: ca_der.py OUT FILE...")
    out, seen = [], set()
    for path in argv[2:]:
        try:
            got = certs(path)
        except OSError as e:
            sys.exit("ca_der: cannot read %s: %s (CA_BUNDLE names PEM or DER files)"
                     % (path, e.strerror))
        if not got:
            sys.exit("ca_der: %s holds no certificate (want PEM -----BEGIN CERTIFICATE----- "
                     "blocks or one DER certificate)" % path)
        for der in got:
            if der not in seen:  # a root listed twice is embedded once
                seen.add(der)
                out.append(der)
    blob = b"".join(out)
    with open(argv[1] + ".tmp", "wb") as f:
        f.write(blob)
    os.replace(argv[1] + ".tmp", argv[1])
    print("CA_BUNDLE: %d root%s embedded as DER, %d bytes (%.1f KiB)"
          % (len(out), "" if len(out) == 1 else "s", len(blob), len(blob) / 1024.0))


if __name__ == "__main__":
    main(sys.argv)
