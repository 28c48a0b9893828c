"""Fault injection: a streamed chat reply cut at every byte offset (status line,
headers, chunk sizes, chunk data, SSE lines, JSON). Every run must end with exit 7
or 8 and one clear line on stderr, never a crash, a hang or a success, and the
text that reached stdout before the cut must be intact."""
import json

from lib import RUN, TOKEN, Case, Mock, pki, run

TEXT = ["Hel", "lo, ", "world!"]


def sse(obj):
    return "data: %s\n\n" % json.dumps(obj, separators=(",", ":"))


def stream_raw():
    events = [sse({"choices": [{"index": 0, "delta": {"content": t}, "finish_reason": None}]}) for t in TEXT]
    events.append(sse({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
                       "usage": {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8}}))
    events.append("data: [DONE]\n\n")
    body = "".join("%x\r\n%s\r\n" % (len(e), e) for e in events) + "0\r\n\r\n"
    head = ("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
            "Transfer-Encoding: chunked\r\n\r\n")
    return head + body


class CutStream(Case):
    def test_every_byte_offset(self):
        raw = stream_raw()
        full = "".join(TEXT)
        # every offset natively; under qemu (10x slower) every 5th, ends included
        step = 1 if not RUN else 5
        offsets = sorted(set(range(0, len(raw), step)) | {len(raw) - 1})
        env = None
        seen = {7: 0, 8: 0}
        with Mock() as m:
            env = {"DATABRICKS_HOST": m.url, "DATABRICKS_TOKEN": TOKEN,
                   "SSL_CERT_FILE": pki("ca.pem"), "DATABRICKS_MAX_RETRIES": "0"}
            m.script({"raw": raw})
            res = run(["chat", "hi"], env=env)
            self.assertExit(res, 0)
            self.assertEqual(res.out, full + "\n")
            for cut in offsets:
                m.script({"raw": raw, "cut_after": cut})
                res = run(["chat", "hi"], env=env, timeout=20)
                self.assertIn(res.rc, (7, 8), "cut at %d of %d\n%r" % (cut, len(raw), res))
                seen[res.rc] += 1
                self.assertTrue(full.startswith(res.out.rstrip("\n")),
                                "cut at %d: stdout is not a prefix of the reply\n%r" % (cut, res))
                lines = [x for x in res.err.splitlines() if x.strip()]
                self.assertEqual(len(lines), 1, "cut at %d\n%r" % (cut, res))
                self.assertRegex(lines[0].lower(), "truncated|closed|cut|reset",
                                 "cut at %d\n%r" % (cut, res))
        print("\n  cut-stream: %d offsets of %d bytes: exit 7 x%d, exit 8 x%d"
              % (len(offsets), len(raw), seen[7], seen[8]))
