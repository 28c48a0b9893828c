#!/usr/bin/env python3
"""End-to-end tests: the built dbxai binary against local servers on 127.0.0.1.

Environment: DBXAI_BIN (the binary), DBXAI_RUN (a prefix such as qemu-aarch64-static,
may be empty), DBXAI_E2E_ONLY (comma-separated substrings: only the tests whose
names contain one, e.g. "e2e_chat.Streams,e2e_faults."), DBXAI_E2E_SKIP
(comma-separated substrings: tests to leave out, e.g. timing-bound ones under valgrind).
Every server is started by the test, bounded in time, and stopped by it. The
last line is "e2e: N passed, N failed", after the wall times of the slowest tests.
"""
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


SLOWEST = 8  # the tests whose wall time is printed: what to look at when make check grows


class TimedResult(unittest.TextTestResult):
    """Keeps each test's wall time (times: [(test id, seconds)])."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.times = []

    def startTest(self, test):
        self._t0 = time.monotonic()
        super().startTest(test)

    def stopTest(self, test):
        super().stopTest(test)
        self.times.append((test.id(), time.monotonic() - self._t0))


def main():
    import importlib
    loader = unittest.TestLoader()
    suite = unittest.TestSuite()
    # every tests/e2e/e2e_*.py is a test module
    for name in sorted(f[:-3] for f in os.listdir(HERE) if f.startswith("e2e_") and f.endswith(".py")):
        suite.addTests(loader.loadTestsFromModule(importlib.import_module(name)))
    def walk(s):
        for t in s:
            if isinstance(t, unittest.TestSuite):
                yield from walk(t)
            else:
                yield t
    only = [s for s in os.environ.get("DBXAI_E2E_ONLY", "").split(",") if s]
    skip = [s for s in os.environ.get("DBXAI_E2E_SKIP", "").split(",") if s]
    if only or skip:
        suite = unittest.TestSuite(t for t in walk(suite)
                                   if (not only or any(s in t.id() for s in only))
                                   and not any(s in t.id() for s in skip))
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout, resultclass=TimedResult).run(suite)
    slow = sorted(result.times, key=lambda t: -t[1])[:SLOWEST]
    if slow:
        print("e2e: the %d slowest: %s" % (len(slow), ", ".join("%s %.1f s" % (n, d) for n, d in slow)))
    failed = len(result.failures) + len(result.errors)
    passed = result.testsRun - failed - len(result.skipped)
    why = {}
    for _, reason in result.skipped:
        why[reason] = why.get(reason, 0) + 1
    for reason in sorted(why):
        print("e2e: %d skipped: %s" % (why[reason], reason))
    print("e2e: %d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 and result.testsRun > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
