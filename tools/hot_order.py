#!/usr/bin/env python3
"""Writes tools/hot.order: the functions a plain chat runs, in the order they
first run, for the linker (lld --symbol-ordering-file) to lay them out
together at the start of .text.

Why: the kernel maps a file-backed page on a read fault together with the
pages around it that are in the page cache (fault-around, 64 KiB), so every
64 KiB of code that one function in it runs is resident. Spread over the whole
binary, a chat's code made all of .text resident (340 KiB of the 2,000-chunk
chat's 710 KiB peak); packed together, the code a chat never runs (MCP, OAuth,
the REPL, help, login, embeddings, ...) stays on disk: 130 KiB less. The same
bytes, laid out otherwise; a function missing from the list (renamed, new) is
only placed after the listed ones, and make budget's RSS row shows the cost.

How: make hot-order links an unstripped x86_64 binary and runs the everyday
commands under qemu-user with -d in_asm, whose log names the function of each
translated block: --version, a streamed chat over TLS 1.3 and 1.2 (RSA and
ECDSA servers, the whole system CA bundle), a chat without streaming, and
`api`, each against the local mock (tests/mock).

  tools/hot_order.py BINARY OUT
"""
import bisect
import os
import subprocess
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "tests", "e2e"))
sys.path.insert(0, os.path.join(TOP, "tests"))

from budget import stream  # noqa: E402  (make budget's 2,000-chunk chat)
from lib import Mock, clean_env, make_pki, pki, sse_reply  # noqa: E402

QEMU = "qemu-x86_64-static"
SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


def symbols(binary):
    """(address, name) of the binary's functions, sorted: to name a block qemu
    could not (the assembly functions of libc have no size, e.g. memcpy)."""
    out = subprocess.run(["nm", "-n", binary], stdout=subprocess.PIPE, check=True,
                         universal_newlines=True, timeout=60).stdout
    return [(int(f[0], 16), f[2]) for f in (line.split() for line in out.splitlines())
            if len(f) == 3 and f[1] in "tTwW"]


def traced(binary, syms, args, env, log):
    """Runs binary under qemu with its translated blocks logged; the names of
    the functions run, in order."""
    p = subprocess.run([QEMU, "-d", "in_asm", "-D", log, binary] + args, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    if p.returncode != 0:
        raise SystemExit("hot_order: dbxai %s failed: %s"
                         % (" ".join(args), p.stderr.decode(errors="replace").strip()))
    names, unnamed = [], False
    addrs = [a for a, _ in syms]
    with open(log, errors="replace") as f:
        for line in f:
            if line.startswith("IN:"):
                name = line[3:].strip()
                if name:
                    names.append(name)
                unnamed = not name
            elif unnamed and line.startswith("0x"):
                i = bisect.bisect_right(addrs, int(line.split(":")[0], 16)) - 1
                if i >= 0:
                    names.append(syms[i][1])
                unnamed = False
    return names


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    binary, out = os.path.abspath(sys.argv[1]), sys.argv[2]
    make_pki()
    work = tempfile.mkdtemp(prefix="dbxai-order-")
    log = os.path.join(work, "qemu.log")
    bundle = os.path.join(work, "bundle.pem")
    with open(bundle, "w") as f:
        if os.path.exists(SYSTEM_BUNDLE):
            with open(SYSTEM_BUNDLE) as s:
                f.write(s.read())
        with open(pki("ca.pem")) as s:
            f.write(s.read())
    seen = {}
    syms = symbols(binary)
    try:
        for name in traced(binary, syms, ["--version"], clean_env(None, path=True, home=work), log):
            seen.setdefault(name, len(seen))
        for tls, cert in (("1.3", "server.pem"), ("1.2", "server.pem"), ("1.3", "ecdsa.pem")):
            with Mock(tls=tls, cert=cert, lifetime=120) as m:
                env = clean_env(m, cacert=bundle, path=True, home=work)
                for args, reply in ((["chat", "go"], sse_reply(stream(2000))),
                                    (["chat", "--no-stream", "go"], None),
                                    (["api", "GET", "/api/2.0/serving-endpoints"], None)):
                    if reply:
                        m.script(reply)
                    for name in traced(binary, syms, args, env, log):
                        seen.setdefault(name, len(seen))
    finally:
        subprocess.run(["rm", "-rf", work])
    with open(out, "w") as f:
        f.write("# The functions a plain chat runs, in the order they first run (lld\n"
                "# --symbol-ordering-file): written by `make hot-order` (tools/hot_order.py).\n")
        for name in sorted(seen, key=seen.get):
            f.write(name + "\n")
    print("hot_order: %d functions in %s" % (len(seen), out))


if __name__ == "__main__":
    main()
