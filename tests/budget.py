#!/usr/bin/env python3
"""make budget: each footprint figure next to its budget; exit 1 if one is over.

- stripped static size of build/<target>/dbxai for the three targets;
- peak RSS (GNU time) of a 2,000-chunk streamed chat over TLS from the local mock,
  with the whole Debian CA bundle (plus the test root) as the trust store.
"""
import os
import subprocess
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "tests", "e2e"))

from lib import Mock, clean_env, make_pki, pki, sse_reply  # noqa: E402

SIZES = [("x86_64-linux-musl", 400), ("aarch64-linux-musl", 448), ("armv7-linux-musleabihf", 320),
         ("mipsel-linux-musl", 480), ("mips-linux-musl", 480), ("riscv64-linux-musl", 448),
         ("armv5te-linux-musleabi", 320)]
RSS_BUDGET_KIB = 1024
SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


def chunk(text):
    return ('data: {"id":"chatcmpl-b","object":"chat.completion.chunk","created":1730000000,'
            '"model":"databricks-claude-sonnet-4","choices":[{"index":0,"delta":{"content":"%s"},'
            '"finish_reason":null}]}\n\n' % text)


def main():
    over = []
    print("%-44s %12s %12s" % ("figure", "value", "budget"))
    for target, budget in SIZES:
        path = os.path.join(TOP, "build", target, "dbxai")
        kib = os.path.getsize(path) / 1024.0
        print("%-44s %8.1f KiB %8d KiB" % ("stripped size " + target, kib, budget))
        if kib > budget:
            over.append("size " + target)

    make_pki()
    bundle = tempfile.NamedTemporaryFile("w", suffix=".pem", delete=False)
    roots = 0
    if os.path.exists(SYSTEM_BUNDLE):
        with open(SYSTEM_BUNDLE) as f:
            text = f.read()
        roots = text.count("BEGIN CERTIFICATE")
        bundle.write(text)
    with open(pki("ca.pem")) as f:
        bundle.write(f.read())  # last: the lookup has to scan past every root
    bundle.close()
    chunks = [chunk("word%d " % i) for i in range(2000)]
    chunks.append('data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],'
                  '"usage":{"prompt_tokens":9,"completion_tokens":2000,"total_tokens":2009}}\n\n')
    chunks.append("data: [DONE]\n\n")
    rss_file = tempfile.NamedTemporaryFile(delete=False)
    rss_file.close()
    with Mock(lifetime=120) as m:
        m.script(sse_reply(chunks))
        env = clean_env(m, cacert=bundle.name, path=True, home="/nonexistent")
        p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss_file.name,
                            os.path.join(TOP, "build", "x86_64-linux-musl", "dbxai"), "chat", "go"],
                           env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    os.unlink(bundle.name)
    if p.returncode != 0 or p.stdout.count(b"word") != 2000:
        print("budget: the 2,000-chunk chat failed: %s" % p.stderr.decode(errors="replace"))
        return 1
    with open(rss_file.name) as f:
        rss = int(f.read().split()[-1])
    os.unlink(rss_file.name)
    print("%-44s %8d KiB %8d KiB" % ("peak RSS, 2,000-chunk chat, %d+1 roots" % roots, rss, RSS_BUDGET_KIB))
    if rss > RSS_BUDGET_KIB:
        over.append("peak RSS")
    if over:
        print("budget: over budget: " + ", ".join(over))
        return 1
    print("budget: all figures within budget")
    return 0


if __name__ == "__main__":
    sys.exit(main())
