"""dbxai embed and dbxai models against the mock: output format and order,
batching over one kept-alive connection, the request bodies, option errors,
malformed replies and HTTP errors with their exit statuses."""
import json
import os
import subprocess
import sys

from lib import BIN, NO_RETRIES, RUN, TOKEN, MockCase, needs, pki, run

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "mock"))
import embeddings  # noqa: E402  (the mock's vectors, to check the output)
import server  # noqa: E402  (the mock's endpoint list)

PATH = "/serving-endpoints/text-embedding-3-small/invocations"


def compact(values):
    """The mock's JSON text of a vector, as dbxai prints it."""
    return json.dumps(values, separators=(",", ":"))


@needs("embeddings")
class Embed(MockCase):
    ENV = NO_RETRIES

    def embed(self, args, stdin=b"", code=0, env=None):
        res = run(["embed"] + args, env=self.env(**(env or {})), stdin=stdin)
        self.assertExit(res, code)
        return res

    def assertVectors(self, res, texts):
        lines = res.out.split("\n")
        self.assertEqual(lines[-1], "", "output ends with a newline\n%r" % res)
        self.assertEqual(lines[:-1], [compact(embeddings.vector(t)) for t in texts], res)

    def test_args(self):
        res = self.embed(["hello", "world", "caf\u00e9 \u20ac"])
        self.assertVectors(res, ["hello", "world", "caf\u00e9 \u20ac"])
        self.assertEqual(res.err, "")
        reqs = self.mock.requests()
        self.assertEqual(len(reqs), 1)
        self.assertEqual((reqs[0]["method"], reqs[0]["path"]), ("POST", PATH))
        self.assertEqual(reqs[0]["body"], {"input": ["hello", "world", "caf\u00e9 \u20ac"]})
        self.assertEqual(reqs[0]["headers"]["authorization"], "Bearer " + TOKEN)
        self.assertEqual(reqs[0]["headers"]["content-type"], "application/json")

    def test_stdin_lines(self):
        res = self.embed([], stdin=b"one\r\ntwo words\n  spaced  \nlast without newline")
        texts = ["one", "two words", "  spaced  ", "last without newline"]
        self.assertVectors(res, texts)
        self.assertEqual(self.mock.requests()[0]["body"], {"input": texts})
        res = self.embed(["-"], stdin=b"x\n")
        self.assertVectors(res, ["x"])

    def test_stdin_empty_lines_are_errors(self):
        res = self.embed([], stdin=b"a\n\nb\n", code=2)
        self.assertOneLineError(res, "stdin line 2 is empty")
        res = self.embed([], stdin=b"a\r\n\r\n", code=2)
        self.assertOneLineError(res, "line 2")
        res = self.embed([], stdin=b"a\0b\n", code=2)
        self.assertOneLineError(res, "line 1", "NUL")
        res = self.embed(["a", ""], code=2)
        self.assertOneLineError(res, "TEXT 2 is empty")
        res = self.embed(["a", "-"], code=2)
        self.assertOneLineError(res, "not both")
        self.assertEqual(self.mock.requests(), [], "bad input costs no request")
        res = self.embed([], stdin=b"")
        self.assertEqual(res.out, "", "no input, no output")

    def test_double_dash(self):
        res = self.embed(["--", "-5 degrees", "--json", "-"])
        self.assertVectors(res, ["-5 degrees", "--json", "-"])
        res = self.embed(["-5 degrees"], code=2)
        self.assertOneLineError(res, "unknown option", "--")

    def test_order_with_shuffled_data(self):
        texts = ["first scenario:shuffle", "second", "third", "fourth"]
        res = self.embed(texts)
        self.assertVectors(res, texts)

    def test_batches_on_one_connection(self):
        texts = ["text %d" % i for i in range(130)]
        texts[70] = "text 70 scenario:shuffle"  # the middle batch comes back reversed
        res = self.embed(["--batch", "64"], stdin=("\n".join(texts) + "\n").encode())
        self.assertVectors(res, texts)
        reqs = self.mock.requests()
        self.assertEqual([len(r["body"]["input"]) for r in reqs], [64, 64, 2])
        self.assertEqual(sum((r["body"]["input"] for r in reqs), []), texts)
        self.assertEqual(len({r["conn"] for r in reqs}), 1, "one kept-alive connection")
        self.assertTrue(all(r["path"] == PATH for r in reqs))

    def test_default_batch_and_batch_one(self):
        texts = ["t%d" % i for i in range(65)]
        self.embed(texts)
        self.assertEqual([len(r["body"]["input"]) for r in self.mock.requests()], [64, 1])
        res = self.embed(["--batch=1", "a", "b", "c"])
        self.assertVectors(res, ["a", "b", "c"])
        self.assertEqual([r["body"]["input"] for r in self.mock.requests()[2:]], [["a"], ["b"], ["c"]])

    def test_json_lines(self):
        res = run(["--json", "embed", "a", "b scenario:shuffle"], env=self.env())
        self.assertExit(res, 0)
        lines = res.out.splitlines()
        self.assertEqual([json.loads(line) for line in lines],
                         [{"index": 0, "embedding": embeddings.vector("a")},
                          {"index": 1, "embedding": embeddings.vector("b scenario:shuffle")}])
        self.assertEqual(lines[0], '{"index":0,"embedding":%s}' % compact(embeddings.vector("a")))
        res = self.embed(["--json", "x"])
        self.assertEqual(json.loads(res.out)["index"], 0)

    def test_pretty_reply_printed_compact(self):
        texts = ["p scenario:pretty", "q"]
        res = self.embed(texts)
        self.assertVectors(res, texts)

    def test_large_vectors(self):
        texts = ["scenario:dim=1536 item %d" % i for i in range(64)]
        res = self.embed(texts)
        lines = res.out.splitlines()
        self.assertEqual(len(lines), 64)
        self.assertEqual([json.loads(line) for line in lines], [embeddings.vector(t, 1536) for t in texts])

    def test_model_option(self):
        res = self.embed(["-m", "nope", "x"], code=5)
        self.assertOneLineError(res, "404", "RESOURCE_DOES_NOT_EXIST", "nope")
        self.assertEqual(self.mock.requests()[-1]["path"], "/serving-endpoints/nope/invocations")
        res = self.embed(["--model", "databricks-claude-sonnet-4", "x"], code=5)
        self.assertOneLineError(res, "400")
        res = self.embed(["--model=text-embedding-3-small", "x"])
        self.assertVectors(res, ["x"])
        n = len(self.mock.requests())
        for bad in ("a/b", "../x", "a b", "a?b", ""):
            res = self.embed(["-m", bad, "x"], code=2)
            self.assertOneLineError(res, "model")
        res = self.embed(["-m"], code=2)
        self.assertEqual(len(self.mock.requests()), n, "a bad model name costs no request")

    def test_bad_batch(self):
        for bad in ("0", "2049", "-1", "abc", "1x", "", " 5", "+5", "99999999999999999999"):
            res = self.embed(["--batch", bad, "x"], code=2)
            self.assertOneLineError(res, "--batch", "1", "2048")
        res = self.embed(["x", "--batch"], code=2)
        self.assertOneLineError(res, "--batch")
        self.assertEqual(self.mock.requests(), [])
        self.embed(["--batch", "2048", "x"])

    def test_library_values_and_text_only(self):
        # dbx_embed through the public API (tests/e2e/driver.c): the doubles are the
        # nearest to the server's numbers; text_only gives the same text, no doubles
        driver = os.path.join(os.path.dirname(BIN), "tests", "e2e_driver")
        texts = ["alpha", "beta", "gamma"]
        out = {}
        for mode in ("values", "text"):
            p = subprocess.run(RUN + [driver, self.mock.url, pki("ca.pem"), "embed", mode] + texts,
                               env=self.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
            self.assertEqual(p.returncode, 0, p.stderr)
            out[mode] = p.stdout.decode().splitlines()
            self.assertEqual(len(out[mode]), 3, p.stdout)
        for i, t in enumerate(texts):
            want = embeddings.vector(t)
            index, dim, values, text = out["values"][i].split(" ", 3)
            self.assertEqual((int(index), int(dim)), (i, len(want)))
            self.assertEqual([float(v) for v in values.split(",")], [float(v) for v in want])
            self.assertEqual(json.loads(text), want)
            self.assertEqual(out["text"][i], "%s %s - %s" % (index, dim, text))

    def test_protocol_errors(self):
        for scen, words in (("bad-count", ("1 items for 2",)), ("dup-index", ("twice",)),
                            ("bad-index", ("index 2", "outside")), ("no-index", ("index",)),
                            ("string", ("base64",)), ("bad-dim", ("dimensions",)),
                            ("bad-number", ("not a number",))):
            res = self.embed(["x scenario:" + scen, "y"], code=8)
            self.assertOneLineError(res, "embeddings reply", *words)
            self.assertEqual(res.out, "", scen)

    def test_not_json_reply(self):
        self.mock.script({"status": 200, "headers": {"Content-Type": "text/html"},
                          "body": "<html>hello</html>"})
        res = self.embed(["x"], code=8)
        self.assertOneLineError(res, "not valid JSON")
        self.mock.script({"status": 200, "body": {"data": []}, "framing": "chunked", "write_size": 1})
        res = self.embed(["x"], code=8)
        self.assertOneLineError(res, "0 items for 1")
        self.mock.script({"status": 200, "body": '{"data":[{"index":0,"embedding":[1,2]}]}',
                          "cut_after": 20})
        res = self.embed(["x"], code=8)
        self.assertOneLineError(res)

    def test_reply_too_large(self):
        res = self.embed(["x scenario:huge"], code=8)
        self.assertOneLineError(res, "larger than 64 MiB", "--batch")

    def test_failure_after_earlier_batches(self):
        res = self.embed(["--batch", "2", "a", "b", "c scenario:bad-count", "d", "e"], code=8)
        self.assertVectors(res, ["a", "b"])
        self.assertOneLineError(res, "inputs 2 to 3")
        self.assertEqual(len(self.mock.requests()), 2, "no request after the failure")

    def test_http_errors(self):
        res = self.embed(["x"], env={"DATABRICKS_TOKEN": "dapi-wrong"}, code=3)
        self.assertOneLineError(res, "401")
        res = self.embed(["x scenario:401"], code=3)
        res = self.embed(["x scenario:429"], code=4)
        self.assertOneLineError(res, "429")
        res = self.embed(["x scenario:500"], code=6)
        self.assertOneLineError(res, "500")

    def test_retry_then_ok(self):
        env = {"DATABRICKS_MAX_RETRIES": "2", "DATABRICKS_INITIAL_RETRY_INTERVAL_MS": "10"}
        res = self.embed(["--batch", "1", "a", "b scenario:500-then-ok"], env=env)
        self.assertVectors(res, ["a", "b scenario:500-then-ok"])
        reqs = self.mock.requests()
        self.assertEqual([r["body"]["input"] for r in reqs], [["a"]] + [["b scenario:500-then-ok"]] * 2)
        self.assertIn("retrying", res.err)

    def test_verbose_trace_hides_token(self):
        res = self.embed(["-v", "x"])  # run() fails on any piece of the token
        self.assertIn("POST " + PATH, res.err)

    def test_stdout_full(self):
        with open("/dev/full", "wb") as full:
            p = subprocess.run(RUN + [BIN, "embed", "a", "b"], env=self.env(path=True),
                               stdout=full, stderr=subprocess.PIPE, timeout=30)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn(b"cannot write to stdout", p.stderr)
        self.assertNotIn(TOKEN.encode(), p.stderr)


class Models(MockCase):
    ENV = NO_RETRIES

    def test_plain(self):
        res = run(["models"], env=self.env())
        self.assertExit(res, 0)
        self.assertEqual(res.out, "".join(e["name"] + "\n" for e in server.ENDPOINTS))
        self.assertEqual(res.err, "")
        req = self.mock.requests()[0]
        self.assertEqual((req["method"], req["path"]), ("GET", "/api/2.0/serving-endpoints"))

    def test_json(self):
        res = run(["models", "--json"], env=self.env())
        self.assertExit(res, 0)
        got = [json.loads(line) for line in res.out.splitlines()]
        self.assertEqual(got, [{"name": e["name"], "task": e["task"], "ready": e["ready"] == "READY"}
                               for e in server.ENDPOINTS])
        self.assertIn({"name": "my-custom-model", "task": None, "ready": False}, got)
        res = run(["--json", "models"], env=self.env())
        self.assertEqual([json.loads(line) for line in res.out.splitlines()], got)

    def test_scripted_lists(self):
        self.mock.script({"status": 200, "body": {}})
        res = run(["models"], env=self.env())
        self.assertExit(res, 0)
        self.assertEqual(res.out, "", "no endpoints: the API leaves the list out")
        self.mock.script({"status": 200, "body": {"endpoints": [
            {"name": "ok-one", "state": {"ready": "READY"}}, {"task": "llm/v1/chat"}]}})
        res = run(["models"], env=self.env())
        self.assertExit(res, 8)
        self.assertEqual(res.out, "", "nothing from a bad list")
        self.assertOneLineError(res, "endpoints[1]", "name")
        self.mock.script({"status": 200, "body": {"endpoints": [{"name": "a\nb", "task": "t\u00e9"}]}})
        res = run(["models"], env=self.env())
        self.assertEqual(res.out, "a?b\n", "one line per endpoint")
        self.mock.script({"status": 200, "body": {"endpoints": [{"name": "a\nb", "task": "t\u00e9"}]}})
        res = run(["--json", "models"], env=self.env())
        self.assertEqual(json.loads(res.out), {"name": "a\nb", "task": "t\u00e9", "ready": False})

    def test_errors(self):
        res = run(["models"], env=self.env(DATABRICKS_TOKEN="dapi-wrong"))
        self.assertExit(res, 3)
        self.assertOneLineError(res, "401")
        res = run(["models", "extra"], env=self.env())
        self.assertExit(res, 2)
        self.assertOneLineError(res, "extra")
        self.mock.script({"status": 503, "body": {"error_code": "TEMPORARILY_UNAVAILABLE", "message": "busy"}})
        res = run(["models"], env=self.env())
        self.assertExit(res, 6)
        self.assertOneLineError(res, "503", "busy")
        self.mock.script({"status": 200, "body": "not json"})
        res = run(["models"], env=self.env())
        self.assertExit(res, 8)
        self.assertOneLineError(res, "serving-endpoints", "JSON")
