"""Build-time feature switches (make FEATURES=-NAME, MINIMAL=1): --version names
the features built in on its "Features:" line, and whatever needs one that was
left out exits 2 with "not built in (NAME)" before any request. The tests of a
feature that is built in run on every build; those of one left out, on a build
without it (make check runs the suite on the MINIMAL=1 build too)."""
import unittest

from lib import ALL_FEATURES, FEATURES, TOKEN, MockCase, lacks, run


class Features(MockCase):
    def off(self, feature, args, env=None):
        res = run(args, env=env if env is not None else self.env())
        self.assertExit(res, 2)
        self.assertOneLineError(res, "not built in (%s)" % feature)
        self.assertEqual(res.out, "")
        self.assertEqual(self.reqs(), [], "a feature not built in costs no request")
        return res

    def test_version_lists_the_features(self):
        res = run(["--version"])
        self.assertExit(res, 0)
        lines = res.out.splitlines()
        self.assertRegex(lines[0], r"^dbxai \d+\.\d+\.\d+$")
        self.assertEqual(len(lines), 2, res)
        self.assertTrue(lines[1].startswith("Features:"), res)
        named = lines[1][len("Features:"):].split()
        self.assertEqual(named, [f for f in ALL_FEATURES if f in named], "known names, in order")
        self.assertEqual(set(named), FEATURES)

    @lacks("oauth")
    def test_without_oauth(self):
        for args in (["login"], ["login", "--device"], ["logout"], ["logout", "--all"],
                     ["--auth", "oauth-m2m", "chat", "hi"], ["--auth", "databricks-cli", "chat", "hi"],
                     ["--auth", "env-oidc", "api", "GET", "/x"]):
            with self.subTest(args=args):
                self.off("oauth", args)
        # configured, with no token to use instead
        self.off("oauth", ["chat", "hi"],
                 self.env(token=None, DATABRICKS_CLIENT_ID="id", DATABRICKS_CLIENT_SECRET="s"))
        # a token still wins, as in the unified-auth order
        res = run(["chat", "hi"], env=self.env(DATABRICKS_CLIENT_ID="id",
                                               DATABRICKS_CLIENT_SECRET="s"))
        self.assertExit(res, 0)
        # nothing configured: no Authorization (as DBX_AUTH_AUTO says), refused: exit 3
        self.mark = len(self.mock.requests())
        res = run(["chat", "hi"], env=self.env(token=None))
        self.assertExit(res, 3)
        self.assertOneLineError(res, "DATABRICKS_TOKEN")
        for r in self.reqs():
            self.assertNotIn("authorization", r["headers"])
        # auth status and auth token work with the token alone
        res = run(["auth", "status"], env=self.env())
        self.assertExit(res, 0)
        self.assertIn("pat", res.out)

    @lacks("responses")
    def test_without_responses(self):
        self.off("responses", ["chat", "--api", "responses", "hi"])
        self.off("responses", ["chat", "-m", "gpt-5-codex", "hi"])
        res = run(["chat", "--api", "chat", "hi"], env=self.env())
        self.assertExit(res, 0)

    @lacks("embeddings")
    def test_without_embeddings(self):
        self.off("embeddings", ["embed", "hello"])

    @lacks("repl")
    def test_without_repl(self):
        self.off("repl", ["chat", "-i"])
        self.off("repl", ["chat", "--interactive", "hi"])

    @lacks("proxy")
    def test_without_proxy(self):
        self.off("proxy", ["chat", "hi"], self.env(HTTPS_PROXY="http://127.0.0.1:9"))
        res = self.off("proxy", ["chat", "hi"],
                       self.env(https_proxy="http://user:pw-secret@127.0.0.1:9"))
        self.assertNotIn("pw-secret", res.err)
        self.assertNotIn(TOKEN, res.err)


if __name__ == "__main__":
    unittest.main()
