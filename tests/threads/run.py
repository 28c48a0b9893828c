#!/usr/bin/env python3
"""make test-threads: many threads, each with its own clients, streaming chats at
once from two local mocks over TLS (1.3 and 1.2), through tests/threads/threads.c.

    run.py PROGRAM [share]

Environment: DBXAI_RUN, a prefix for the program (make passes the target's
TC_RUN; for TARGET=tsan that sets TSAN_OPTIONS so that any ThreadSanitizer
report stops the run with exit status 66). THREADS_N, THREADS_CHATS and
THREADS_RENEW override the shape (8 threads, 50 chats each, a new client every
10 chats). "share" makes pairs of threads share a client, which must fail.

Passes when the program exits 0, every chat got its reply, stderr holds no
ThreadSanitizer report, and the mocks saw one request per chat over one
connection per client.
"""
import os
import shlex
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))

from lib import TOKEN, Mock, make_pki, pki  # noqa: E402

TSAN_EXIT = 66


def main():
    if len(sys.argv) not in (2, 3) or (len(sys.argv) == 3 and sys.argv[2] != "share"):
        print(__doc__)
        return 2
    program = os.path.abspath(sys.argv[1])
    share = len(sys.argv) == 3
    prefix = shlex.split(os.environ.get("DBXAI_RUN", ""))
    threads = int(os.environ.get("THREADS_N", "8"))
    chats = int(os.environ.get("THREADS_CHATS", "50"))
    renew = int(os.environ.get("THREADS_RENEW", "10"))
    make_pki()
    start = time.time()
    with Mock(tls="1.3", lifetime=600) as m13, Mock(tls="1.2", lifetime=600) as m12:
        args = [program, m13.url, m12.url, pki("ca.pem"), str(threads), str(chats), str(renew)]
        if share:
            args.append("share")
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DATABRICKS_TOKEN": TOKEN}
        p = subprocess.run(prefix + args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=600)
        seconds = time.time() - start
        logs = [m13.requests(), m12.requests()]
    out = p.stdout.decode("utf-8", "replace")
    err = p.stderr.decode("utf-8", "replace")
    sys.stdout.write("".join("  " + line + "\n" for line in out.splitlines()))
    reports = err.count("WARNING: ThreadSanitizer")
    problems = []
    if p.returncode == TSAN_EXIT or reports:
        problems.append("ThreadSanitizer reported %d problem(s) (exit %d)" % (max(reports, 1), p.returncode))
    elif p.returncode != 0:
        problems.append("the program exited %d" % p.returncode)
    want = "threads: %d of %d chats passed" % (threads * chats, threads * chats)
    if want not in out:
        problems.append("expected '%s'" % want)
    if not share and not problems:
        # threads alternate between the servers: even ones on TLS 1.3, odd on 1.2
        per = [(threads + 1) // 2, threads // 2]
        clients = -(-chats // renew)
        for name, log, n in zip(("TLS 1.3", "TLS 1.2"), logs, per):
            chat_posts = [r for r in log if r["path"].endswith("/invocations")]
            conns = {r["conn"] for r in log}
            if len(chat_posts) != n * chats or len(conns) != n * clients:
                problems.append("%s mock saw %d chats over %d connections, want %d over %d" %
                                (name, len(chat_posts), len(conns), n * chats, n * clients))
    if problems:
        if err.strip():
            sys.stdout.write(err if len(err) < 20000 else err[:20000] + "\n[... cut]\n")
        for line in problems:
            print("threads: " + line)
        print("test-threads: FAILED in %.1f s" % seconds)
        return 1
    tsan = ", 0 ThreadSanitizer reports" if "TSAN_OPTIONS" in os.environ.get("DBXAI_RUN", "") else ""
    print("test-threads: %d threads x %d chats (a new client every %d)%s, %.1f s" %
          (threads, chats, renew, tsan, seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
