"""Fleet authentication: workload identity federation (env-oidc, file-oidc:
an identity provider's JWT exchanged for a workspace token, RFC 8693), the
explicit auth type and the unified-auth order, and `dbxai auth token`. No JWT
and no token may reach any output but `auth token`'s stdout."""
import base64
import json
import os
import secrets
import subprocess
import tempfile
import time

from lib import BIN, RUN, SECRETS, TOKEN, MockCase, clean_env, needs, reply_to, run

ENDPOINTS = "/api/2.0/serving-endpoints"
SP_ID = "mock-sp-client"
SP_SECRET = "mock-sp-secret-7f3c9a1b"
FLEET_SP = "fleet-sp"
EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def ctl(mock, cfg=None):
    if cfg is None:
        return json.loads(mock.control("GET", "/__mock/oauth"))
    return json.loads(mock.control("POST", "/__mock/oauth", json.dumps(cfg)))


class FleetCase(MockCase):
    def setUp(self):
        super().setUp()
        self.dir = tempfile.mkdtemp(prefix="dbxai-fleet-")
        self.outputs = []
        self.jwts = []

    def tearDown(self):
        for jwt in self.jwts:
            SECRETS.remove(jwt)
        issued = ctl(self.mock)["issued"]
        for text in self.outputs:
            for secret in issued + self.jwts:
                self.assertNotIn(secret, text, "a secret leaked into the output")
            for jwt in self.jwts:
                # the signature, and the payload as a whole
                self.assertNotIn(jwt.split(".")[2], text)
                self.assertNotIn(jwt.split(".")[1], text)

    def jwt(self, sub="device-17", iss="https://idp.example", aud="databricks", exp_in=600):
        header = b64url(json.dumps({"alg": "RS256", "typ": "JWT"}).encode())
        payload = b64url(json.dumps({"iss": iss, "sub": sub, "aud": aud,
                                     "exp": int(time.time()) + exp_in,
                                     "iat": int(time.time())}).encode())
        token = "%s.%s.%s" % (header, payload, b64url(secrets.token_bytes(64)))
        self.jwts.append(token)
        SECRETS.append(token)  # every run() checks it, and any 12-byte piece of it
        return token

    def env(self, **extra):
        return clean_env(self.mock, token=None,
                         DBXAI_TOKEN_CACHE=os.path.join(self.dir, "cache.json"), **extra)

    def dbxai(self, args, env=None, **kw):
        res = run(args, env=env or self.env(), **kw)
        self.outputs += [res.out, res.err]
        return res

    def api(self, env, *flags):
        return self.dbxai(list(flags) + ["api", "GET", ENDPOINTS], env=env)

    def token_file(self, text):
        path = os.path.join(self.dir, "token.jwt")
        with open(path + ".new", "w") as f:
            f.write(text)
        os.replace(path + ".new", path)  # as a kubelet rotates a projected token
        return path


@needs("oauth")
class EnvOidc(FleetCase):
    def test_exchange_with_client_id(self):
        env = self.env(DATABRICKS_OIDC_TOKEN=self.jwt(), DATABRICKS_CLIENT_ID=FLEET_SP)
        res = self.api(env, "-v")  # the trace shows neither the JWT nor the token
        self.assertExit(res, 0)
        self.assertIn("/oidc/v1/token", res.err)
        self.assertIn("databricks-claude-sonnet-4", res.out)
        st = ctl(self.mock)
        self.assertEqual(st["counts"].get(EXCHANGE), 1)
        self.assertEqual(st["exchanged"], ["device-17"])
        # the token lives in memory only: nothing was cached
        self.assertFalse(os.path.exists(os.path.join(self.dir, "cache.json")))
        res = self.dbxai(["-v", "auth", "status"], env=env)
        self.assertExit(res, 0)
        self.assertIn("method: env-oidc", res.out)

    def test_token_env_names_the_variable(self):
        ctl(self.mock, {"fed_client_id": None})  # account-wide federation
        env = self.env(DATABRICKS_OIDC_TOKEN_ENV="CI_ID_TOKEN", CI_ID_TOKEN=self.jwt("ci-job"),
                       DATABRICKS_AUTH_TYPE="env-oidc")
        self.assertExit(self.api(env), 0)
        self.assertEqual(ctl(self.mock)["exchanged"], ["ci-job"])

    def test_refused_exchanges_exit_3_with_reason_and_claims(self):
        cases = [
            ({"iss": "https://evil.example"}, {}, "issuer does not match"),
            ({"aud": "someone-else"}, {}, "audience does not match"),
            ({"exp_in": -60}, {}, "has expired"),
            ({"sub": "stranger"}, {"fed_subject": "device-17"}, "subject does not match"),
            ({}, {"fed_client_id": "other-sp"}, "no federation policy"),
        ]
        for claims, cfg, reason in cases:
            with self.subTest(reason=reason):
                ctl(self.mock, dict({"fed_subject": None, "fed_client_id": FLEET_SP}, **cfg))
                jwt = self.jwt(**claims)
                env = self.env(DATABRICKS_OIDC_TOKEN=jwt, DATABRICKS_CLIENT_ID=FLEET_SP)
                res = self.api(env)
                self.assertExit(res, 3)
                self.assertOneLineError(res, "env-oidc", "refused", reason)
                c = dict({"iss": "https://idp.example", "sub": "device-17",
                          "aud": "databricks"}, **claims)
                for k in ("iss", "sub", "aud"):
                    self.assertIn("%s=%s" % (k, c[k]), res.err)
                self.assertIn("exp=", res.err)
                if claims.get("exp_in", 1) < 0:
                    self.assertIn("(expired)", res.err)

    def test_not_a_jwt(self):
        env = self.env(DATABRICKS_OIDC_TOKEN="not-a-jwt-at-all", DATABRICKS_AUTH_TYPE="env-oidc")
        res = self.api(env)
        self.assertExit(res, 3)
        self.assertOneLineError(res, "DATABRICKS_OIDC_TOKEN", "not a JWT")
        self.assertNotIn("not-a-jwt-at-all", res.err)


@needs("oauth")
class FileOidc(FleetCase):
    def test_file_read_again_for_each_exchange_and_chat_i_across_expiry(self):
        """A 2 s token: a chat -i session whose second prompt comes after the
        token expired and after the file was rotated, then a 401."""
        ctl(self.mock, {"access_lifetime": 2, "fed_client_id": None})
        path = self.token_file(self.jwt("pod-a"))
        env = self.env(DATABRICKS_OIDC_TOKEN_FILEPATH=path)
        full = clean_env(token=None, cacert=None, path=True, home=self.dir, **env)
        p = subprocess.Popen(RUN + [BIN, "chat", "-i"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=full)
        try:
            def say(words, exchanges):
                p.stdin.write(words.encode() + b"\n")
                p.stdin.flush()
                deadline = time.time() + 10
                while time.time() < deadline:
                    if ctl(self.mock)["counts"].get(EXCHANGE, 0) >= exchanges and \
                            any(words in json.dumps(r.get("body", ""))
                                for r in self.mock.requests()):
                        return
                    time.sleep(0.05)
                self.fail("no request for %r" % words)
            say("first words", 1)
            self.token_file(self.jwt("pod-b"))
            time.sleep(2.2)  # the 2 s token is past its expiry
            say("second words", 2)
            self.token_file(self.jwt("pod-c"))
            time.sleep(0.3)
            ctl(self.mock, {"revoke_access": True})  # the next request gets a 401
            say("third words", 3)
            out, err = p.communicate(timeout=15)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        out, err = out.decode(), err.decode()
        self.outputs += [out, err]
        self.assertEqual(p.returncode, 0, err)
        for w in ("first words", "second words", "third words"):
            self.assertIn(reply_to(w), out)
        self.assertEqual(ctl(self.mock)["exchanged"], ["pod-a", "pod-b", "pod-c"])

    def test_missing_empty_and_not_a_jwt_name_the_path(self):
        missing = os.path.join(self.dir, "nowhere.jwt")
        for text, words in ((None, ("cannot read", missing)), ("", ("is empty",)),
                            ("\n  \n", ("is empty",)), ("garbage", ("not a JWT",)),
                            ("a.b.c", ("not a JWT",))):
            with self.subTest(text=text):
                path = missing if text is None else self.token_file(text)
                env = self.env(DATABRICKS_OIDC_TOKEN_FILEPATH=path)
                res = self.api(env)
                self.assertExit(res, 3)
                self.assertOneLineError(res, "file-oidc", path, *words)

    def test_profile_keys(self):
        path = self.token_file(self.jwt("from-profile") + "\n")
        cfg = os.path.join(self.dir, "databrickscfg")
        with open(cfg, "w") as f:
            f.write("[fleet]\nhost = %s\nauth_type = file-oidc\noidc_token_filepath = %s\n"
                    "client_id = %s\n" % (self.mock.url, path, FLEET_SP))
        env = self.env(DATABRICKS_CONFIG_FILE=cfg, DATABRICKS_HOST=None)
        self.assertExit(self.api(env, "--profile", "fleet"), 0)
        self.assertEqual(ctl(self.mock)["exchanged"], ["from-profile"])


@needs("oauth")
class Choice(FleetCase):
    # the unified-auth order
    METHODS = ["pat", "oauth-m2m", "env-oidc", "file-oidc", "azure-client-secret"]

    def configure(self, method):
        if method == "pat":
            return {"DATABRICKS_TOKEN": TOKEN}
        if method == "oauth-m2m":
            return {"DATABRICKS_CLIENT_ID": SP_ID, "DATABRICKS_CLIENT_SECRET": SP_SECRET}
        if method == "env-oidc":
            return {"DATABRICKS_OIDC_TOKEN": self.jwt()}
        if method == "azure-client-secret":
            return {"ARM_CLIENT_ID": AZ_ID, "ARM_CLIENT_SECRET": AZ_SECRET,
                    "ARM_TENANT_ID": AZ_TENANT}
        return {"DATABRICKS_OIDC_TOKEN_FILEPATH": self.token_file(self.jwt())}

    def test_every_pair_as_a_table(self):
        # the client id of M2M also names the federation's service principal
        ctl(self.mock, {"fed_client_id": None})
        for i, first in enumerate(self.METHODS):
            for second in self.METHODS[i + 1:]:
                with self.subTest(pair=(first, second)):
                    extra = dict(self.configure(first), **self.configure(second))
                    res = self.dbxai(["-v", "auth", "status"], env=self.env(**extra))
                    self.assertIn("method: %s" % first, res.out)
                    self.assertIn("%s and %s are both configured; using %s"
                                  % (first, second, first), res.err)

    def test_a_cached_login_comes_before_federation_and_azure(self):
        """As in the SDKs: databricks-cli (only with a cached login for this
        host) after pat and oauth-m2m, before env-oidc, file-oidc, Azure."""
        cache = os.path.join(self.dir, "cache.json")
        os.chmod(self.dir, 0o700)
        with open(os.open(cache, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
            json.dump({"version": 1, "entries": [
                {"host": self.mock.url, "client_id": "databricks-cli",
                 "access_token": "cached-at-5f1e2d3c4b5a", "token_type": "Bearer",
                 "expiry": int(time.time()) + 3600, "issued": int(time.time())}]}, f)
        SECRETS.append("cached-at-5f1e2d3c4b5a")
        self.addCleanup(SECRETS.remove, "cached-at-5f1e2d3c4b5a")
        for method in ("env-oidc", "file-oidc", "azure-client-secret"):
            with self.subTest(method=method):
                res = self.dbxai(["-v", "auth", "status"],
                                 env=self.env(**self.configure(method)))
                self.assertIn("method: oauth-u2m", res.out)
                self.assertIn("databricks-cli (a cached login) and %s are both configured; "
                              "using databricks-cli" % method, res.err)
        res = self.dbxai(["-v", "auth", "status"], env=self.env(**self.configure("oauth-m2m")))
        self.assertIn("method: oauth-m2m", res.out)

    def test_one_method_is_not_traced(self):
        res = self.dbxai(["-v", "auth", "status"], env=self.env(**self.configure("env-oidc")))
        self.assertExit(res, 0)
        self.assertIn("method: env-oidc", res.out)
        self.assertNotIn("both configured", res.err)

    def test_explicit_type_without_its_field_exits_2(self):
        cases = [("pat", {}, "DATABRICKS_TOKEN"),
                 ("oauth-m2m", {}, "DATABRICKS_CLIENT_ID"),
                 ("oauth-m2m", {"DATABRICKS_CLIENT_ID": SP_ID}, "DATABRICKS_CLIENT_SECRET"),
                 ("env-oidc", {}, "DATABRICKS_OIDC_TOKEN"),
                 ("env-oidc", {"DATABRICKS_OIDC_TOKEN_ENV": "MY_JWT"}, "MY_JWT"),
                 ("file-oidc", {}, "DATABRICKS_OIDC_TOKEN_FILEPATH"),
                 ("azure-client-secret", {"ARM_CLIENT_ID": "x", "ARM_CLIENT_SECRET": "y"},
                  "ARM_TENANT_ID")]
        for kind, extra, field in cases:
            with self.subTest(kind=kind, field=field):
                env = self.env(DATABRICKS_AUTH_TYPE=kind, **extra)
                res = self.api(env)
                self.assertExit(res, 2)
                self.assertOneLineError(res, kind, field)

    def test_explicit_type_beats_the_order(self):
        env = self.env(DATABRICKS_TOKEN=TOKEN, DATABRICKS_OIDC_TOKEN=self.jwt("chosen"),
                       DATABRICKS_AUTH_TYPE="env-oidc")
        ctl(self.mock, {"fed_client_id": None})
        self.assertExit(self.api(env), 0)
        self.assertEqual(ctl(self.mock)["exchanged"], ["chosen"])


class AuthToken(FleetCase):
    def token_run(self, args, env):
        full = clean_env(token=None, cacert=None, path=True, home=self.dir, **env)
        p = subprocess.run(RUN + [BIN] + args, env=full, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=30)
        self.outputs.append(p.stderr.decode())  # stdout is the one place for it
        return p.returncode, p.stdout.decode(), p.stderr.decode()

    @needs("oauth")
    def test_env_oidc_token_and_json(self):
        ctl(self.mock, {"fed_client_id": None})
        env = self.env(DATABRICKS_OIDC_TOKEN=self.jwt())
        rc, out, err = self.token_run(["auth", "token"], env)
        self.assertEqual(rc, 0, err)
        tok = out.strip()
        self.assertIn(tok, ctl(self.mock)["issued"])
        self.assertTrue(tok.startswith("mock-at-"))
        rc, out, err = self.token_run(["auth", "token", "--json"], env)
        self.assertEqual(rc, 0, err)
        doc = json.loads(out)
        self.assertEqual(doc["token_type"], "Bearer")
        self.assertIn(doc["access_token"], ctl(self.mock)["issued"])
        self.assertRegex(doc["expiry"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        # the token works for other calls, and no exchange was needed for it
        self.assertExit(self.api(self.env(DATABRICKS_TOKEN=doc["access_token"])), 0)
        self.assertEqual(ctl(self.mock)["counts"].get(EXCHANGE), 2)

    def test_pat(self):
        rc, out, err = self.token_run(["auth", "token", "--json"],
                                      self.env(DATABRICKS_TOKEN=TOKEN))
        self.assertEqual(rc, 0, err)
        doc = json.loads(out)
        self.assertEqual(doc["access_token"], TOKEN)
        self.assertIsNone(doc["expiry"])

    @needs("oauth")
    def test_refused_exchange_prints_no_token(self):
        ctl(self.mock, {"fed_client_id": None})
        env = self.env(DATABRICKS_OIDC_TOKEN=self.jwt(aud="nope"))
        rc, out, err = self.token_run(["auth", "token"], env)
        self.assertEqual(rc, 3)
        self.assertEqual(out, "")
        self.assertIn("audience does not match", err)

    def test_no_login(self):
        rc, out, err = self.token_run(["auth", "token"], self.env())
        self.assertEqual(rc, 3)
        self.assertEqual(out, "")


AZ_ID = "8c3f2d1e-aaaa-4bbb-8ccc-5e6f7a8b9c0d"
AZ_SECRET = "mock-az~secret.Q8x_2Kd4"
SECRETS.append(AZ_SECRET)
AZ_TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"


@needs("oauth")
class Azure(FleetCase):
    def azure_env(self, **extra):
        return self.env(**dict({"ARM_CLIENT_ID": AZ_ID, "ARM_CLIENT_SECRET": AZ_SECRET,
                                "ARM_TENANT_ID": AZ_TENANT,
                                "AZURE_AUTHORITY_HOST": self.mock.url + "/"}, **extra))

    def test_client_secret_at_entra(self):
        ctl(self.mock, {"access_lifetime": 2})
        env = self.azure_env()
        res = self.api(env, "-v")
        self.assertExit(res, 0)
        self.assertEqual(ctl(self.mock)["counts"].get("entra"), 1)
        self.assertIn("/%s/oauth2/v2.0/token" % AZ_TENANT, res.err)
        res = self.dbxai(["auth", "status"], env=env)
        self.assertExit(res, 0)
        self.assertIn("method: azure-client-secret", res.out)

    def test_renewed_before_expiry_in_a_session(self):
        ctl(self.mock, {"access_lifetime": 2})
        full = clean_env(token=None, cacert=None, path=True, home=self.dir, **self.azure_env())
        p = subprocess.Popen(RUN + [BIN, "chat", "-i"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=full)
        try:
            p.stdin.write(b"first words\n")
            p.stdin.flush()
            deadline = time.time() + 10
            while ctl(self.mock)["counts"].get("entra", 0) < 1 and time.time() < deadline:
                time.sleep(0.05)
            time.sleep(2.5)
            p.stdin.write(b"second words\n")
            out, err = p.communicate(timeout=15)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        self.outputs += [out.decode(), err.decode()]
        self.assertEqual(p.returncode, 0, err)
        self.assertIn(reply_to("second words"), out.decode())
        self.assertEqual(ctl(self.mock)["counts"].get("entra"), 2)

    def test_refusals_exit_3_without_the_secret(self):
        for extra, words in (({"ARM_CLIENT_SECRET": "wrong-az-secret-77"}, "AADSTS7000215"),
                             ({"ARM_TENANT_ID": "00000000-0000-0000-0000-000000000000"},
                              "AADSTS90002")):
            with self.subTest(words=words):
                res = self.api(self.azure_env(**extra))
                self.assertExit(res, 3)
                self.assertOneLineError(res, "azure-client-secret", AZ_ID, words)
                self.assertNotIn("wrong-az-secret-77", res.err)

    def test_profile_keys_and_missing_fields(self):
        cfg = os.path.join(self.dir, "databrickscfg")
        with open(cfg, "w") as f:
            f.write("[az]\nhost = %s\nazure_client_id = %s\nazure_client_secret = %s\n"
                    "azure_tenant_id = %s\n[half]\nhost = %s\nauth_type = azure-client-secret\n"
                    "azure_client_id = %s\n" % (self.mock.url, AZ_ID, AZ_SECRET, AZ_TENANT,
                                                self.mock.url, AZ_ID))
        env = self.env(DATABRICKS_CONFIG_FILE=cfg, DATABRICKS_HOST=None,
                       AZURE_AUTHORITY_HOST=self.mock.url)
        self.assertExit(self.api(env, "--profile", "az"), 0)
        res = self.api(env, "--profile", "half")
        self.assertExit(res, 2)
        self.assertOneLineError(res, "azure-client-secret", "ARM_CLIENT_SECRET",
                                "azure_client_secret")
        res = self.api(self.azure_env(ARM_TENANT_ID="evil/../x"))
        self.assertExit(res, 2)


class StatusSources(FleetCase):
    @needs("oauth")
    def test_where_each_setting_came_from(self):
        path = self.token_file(self.jwt())
        cfg = os.path.join(self.dir, "databrickscfg")
        with open(cfg, "w") as f:
            f.write("[DEFAULT]\n# the fleet\nhost = %s\noidc_token_filepath = %s\n"
                    "azure_client_secret = %s\n" % (self.mock.url, path, AZ_SECRET))
        env = self.env(DATABRICKS_CONFIG_FILE=cfg, DATABRICKS_HOST=None,
                       DATABRICKS_CLIENT_ID=FLEET_SP)
        res = self.dbxai(["auth", "status"], env=env)
        self.assertExit(res, 0)
        self.assertIn("method: file-oidc", res.out)
        self.assertIn("set: host from %s:3\n" % cfg, res.out)
        self.assertIn("set: oidc_token_filepath from %s:4\n" % cfg, res.out)
        self.assertIn("set: azure_client_secret from %s:5\n" % cfg, res.out)
        self.assertIn("set: client_id from DATABRICKS_CLIENT_ID\n", res.out)
        self.assertNotIn(path, res.out.replace("set: oidc_token_filepath from", ""))
        res = self.dbxai(["--host", self.mock.url, "--auth", "file-oidc", "auth", "status"],
                         env=env)
        self.assertIn("set: host from --host\n", res.out)
        self.assertIn("set: auth_type from --auth\n", res.out)
