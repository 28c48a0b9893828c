"""The rough edges a new user hits (issue 19): each message points the right way."""
import json
import os
import shutil
import tempfile

from lib import Case, MockCase, clean_env, reply_to, run, needs


def stream_head():
    return ("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
            "Transfer-Encoding: chunked\r\n\r\n")


class HelpText(Case):
    def test_no_stream_is_not_json(self):
        out = run(["help", "chat"]).out
        line = [l for l in out.splitlines() if "--no-stream" in l][0]
        self.assertNotIn("JSON", line)
        self.assertIn("not streamed", line)

    def test_output_block_is_not_under_save(self):
        out = run(["help"]).out.splitlines()
        i = [n for n, l in enumerate(out) if l.lstrip().startswith("Output:")][0]
        save = [l for l in out if l.lstrip().startswith("--save FILE")][0]
        # --save's description column is 23; Output is a paragraph of chat's own
        self.assertLess(len(out[i]) - len(out[i].lstrip()), len(save) - len(save.lstrip()) + 1)
        self.assertTrue(out[i].startswith("    Output:"), out[i])


class JsonUsageErrors(Case):
    def check(self, args, env, words):
        res = run(args, env=env)
        self.assertExit(res, 2)
        lines = res.out.splitlines()
        self.assertEqual(len(lines), 1, res)
        ev = json.loads(lines[0])
        self.assertEqual((ev["type"], ev["code"]), ("error", "usage"), res)
        for w in words:
            self.assertIn(w, ev["message"])
        self.assertIn(ev["message"], res.err)  # the same words on stderr

    def test_bad_flag(self):
        self.check(["--json", "chat", "--max-tokens", "many", "hi"], clean_env("https://x.invalid"),
                   ["--max-tokens"])

    def test_unknown_option_before_json(self):
        self.check(["chat", "--bogus", "--json", "hi"], clean_env("https://x.invalid"), ["--bogus"])

    def test_no_host(self):
        self.check(["--json", "chat", "hi"], clean_env(None), ["no workspace host"])

    def test_embed_and_models_too(self):
        self.check(["--json", "models"], clean_env(None), ["no workspace host"])
        self.check(["--json", "embed", ""], clean_env("https://x.invalid"), [])

    def test_no_command(self):
        self.check(["--json"], clean_env(None), ["no command", "dbxai help"])

    def test_once_only(self):
        # a request error still gives its own single line (code network, exit 7)
        res = run(["--json", "chat", "hi"], env=clean_env("https://127.0.0.1:1", DATABRICKS_MAX_RETRIES="0"))
        self.assertExit(res, 7)
        evs = [json.loads(l) for l in res.out.splitlines()]
        self.assertEqual([e["code"] for e in evs if e["type"] == "error"], ["network"])


class StallAfterHead(MockCase):
    """README: a stall after the status line and headers is not retried, even
    with nothing printed (the documented rule, checked)."""

    def test_not_retried(self):
        self.mock.script({"raw": stream_head(), "stall_at": len(stream_head()), "stall": 6})
        res = run(["--idle-timeout", "1", "chat", "hi"], env=self.env())
        self.assertExit(res, 7)
        self.assertEqual(res.out, "")
        self.assertEqual(len([r for r in self.reqs() if r["path"].endswith("/invocations")]), 1)
        with open(os.path.join(os.path.dirname(__file__), "..", "..", "README.md")) as f:
            self.assertIn("a stall (the idle timeout) after the status line and headers arrived",
                          " ".join(f.read().split()))

    def test_cut_before_head_is_retried(self):
        self.mock.script({"raw": "HTTP/1.1 200 OK\r\n", "cut_after": 5})
        res = run(["chat", "hi"], env=self.env(DATABRICKS_INITIAL_RETRY_INTERVAL_MS="10"))
        self.assertExit(res, 0)
        self.assertEqual(res.out, reply_to("hi") + "\n")
        self.assertIn("retry 1 of", res.err)


class BrowserHost(MockCase):
    SHARED = True

    def test_workspace_id_query_accepted(self):
        res = run(["-v", "chat", "hi"], env=self.env(DATABRICKS_HOST=self.mock.url + "/?o=1234567#ml/x"))
        self.assertExit(res, 0)
        self.assertEqual(res.out, reply_to("hi") + "\n")
        self.assertIn("?o=<workspace id> is left out", res.err)
        self.assertEqual(self.reqs()[-1]["path"], "/serving-endpoints/databricks-claude-sonnet-4/invocations")
        res = run(["chat", "hi"], env=self.env(DATABRICKS_HOST=self.mock.url + "?o=1"))
        self.assertNotIn("left out", res.err)

    def test_other_paths_refused(self):
        for tail in ("/browse?o=123", "/ml/endpoints", "/?x=1", "/?o=abc"):
            res = run(["chat", "hi"], env=self.env(DATABRICKS_HOST=self.mock.url + tail))
            self.assertExit(res, 2)
            self.assertOneLineError(res, "is a page or path, not a host", "give only " + self.mock.url)
        self.assertEqual(self.reqs(), [])


class Credentials(MockCase):
    SHARED = True

    @needs("oauth")

    def test_empty_root_no_home_no_token(self):
        res = run(["chat", "hi"], env={"DATABRICKS_HOST": self.mock.url, "HOME": ""})
        self.assertExit(res, 3)
        self.assertOneLineError(res, "no credentials: set DATABRICKS_TOKEN", "dbxai configure")
        self.assertNotIn("token cache", res.err.split("(")[0])

    def test_refused_env_token(self):
        res = run(["chat", "hi"], env=self.env(token="dapi-expired-000000000000", DATABRICKS_MAX_RETRIES="0"))
        self.assertExit(res, 3)
        self.assertOneLineError(res, "HTTP 401", "the token was refused (expired or revoked",
                                "dbxai configure")
        self.assertNotIn("run `dbxai login`", res.err)

    def test_no_host_names_file_and_profiles(self):
        d = tempfile.mkdtemp(prefix="dbxai-rough-")
        self.addCleanup(shutil.rmtree, d, True)
        cfg = os.path.join(d, "cfg")
        with open(cfg, "w") as f:
            f.write("[dev]\nhost = https://dev.example.com\n[ci]\ntoken = x\n")
        res = run(["chat", "hi"], env=clean_env(None, DATABRICKS_CONFIG_FILE=cfg))
        self.assertExit(res, 2)
        self.assertOneLineError(res, "no workspace host", "[DEFAULT] in " + cfg, "[dev] [ci]")
        res = run(["chat", "hi"], env=clean_env(None, DATABRICKS_CONFIG_FILE=cfg + ".none"))
        self.assertOneLineError(res, cfg + ".none", "does not exist")
        res = run(["chat", "hi"], env=clean_env(None, HOME=d))
        self.assertOneLineError(res, os.path.join(d, ".databrickscfg"))


class Wording(MockCase):
    SHARED = True

    def test_one_retry_singular(self):
        self.mock.script({"status": 503, "body": {"message": "busy"}},
                         {"status": 503, "body": {"message": "busy"}})
        res = run(["chat", "hi"], env=self.env(DATABRICKS_MAX_RETRIES="1",
                                               DATABRICKS_INITIAL_RETRY_INTERVAL_MS="10"))
        self.assertExit(res, 6)
        self.assertIn("gave up after 1 retry over", res.err)
        self.mock.script(*[{"status": 503, "body": {"message": "busy"}}] * 3)
        res = run(["chat", "hi"], env=self.env(DATABRICKS_MAX_RETRIES="2",
                                               DATABRICKS_INITIAL_RETRY_INTERVAL_MS="10"))
        self.assertIn("gave up after 2 retries over", res.err)

    @needs("proxy")

    def test_proxy_variable_named_as_set(self):
        for name in ("HTTPS_PROXY", "https_proxy"):
            res = run(["chat", "hi"], env=self.env(**{name: "socks5://p:1"}))
            self.assertExit(res, 2)
            self.assertOneLineError(res, name + ": only http:// proxies")
            self.assertTrue(res.err.startswith("dbxai: " + name + ":"), res)

    def test_models_task_null(self):
        res = run(["--json", "models"], env=self.env())
        self.assertExit(res, 0)
        got = {m["name"]: m for m in map(json.loads, res.out.splitlines())}
        self.assertIsNone(got["my-custom-model"]["task"])
        self.assertIn('"task":null', res.out)
        self.assertEqual(got["text-embedding-3-small"]["task"], "llm/v1/embeddings")
