"""OAuth: login through the loopback listener, a pasted URL and the device code
grant; the token cache (refresh, rotation under 20 concurrent processes,
refusals); M2M; logout and auth status. No secret may ever reach the output."""
import http.client
import json
import os
import socket
import ssl
import stat
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

from lib import BIN, CA, RUN, MockCase, clean_env, free_port, needs, run

ENDPOINTS = "/api/2.0/serving-endpoints"
SP_ID = "mock-sp-client"
SP_SECRET = "mock-sp-secret-7f3c9a1b"


def ctl(mock, cfg=None):
    """GET (or POST cfg to) the mock's OAuth control endpoint."""
    if cfg is None:
        return json.loads(mock.control("GET", "/__mock/oauth"))
    return json.loads(mock.control("POST", "/__mock/oauth", json.dumps(cfg)))


def fetch(url, follow):
    """GETs url the way a browser would: the mock's authorize endpoint over
    TLS, then (follow) the redirect to the listener. Returns (status, location, body)."""
    u = urllib.parse.urlsplit(url)
    ctx = ssl.create_default_context(cafile=CA)
    c = http.client.HTTPSConnection(u.hostname, u.port, context=ctx, timeout=10)
    c.request("GET", u.path + "?" + u.query)
    r = c.getresponse()
    r.read()
    loc = r.getheader("Location")
    c.close()
    if not follow or r.status != 302:
        return r.status, loc, b""
    with urllib.request.urlopen(loc, timeout=10) as page:
        return page.status, loc, page.read()


@needs("oauth")
class OAuthCase(MockCase):
    def setUp(self):
        super().setUp()
        self.dir = tempfile.mkdtemp(prefix="dbxai-oauth-")
        self.cache = os.path.join(self.dir, "cache", "token-cache.json")
        self.outputs = []

    def tearDown(self):
        # Nothing the server issued (tokens, refresh tokens, codes, device
        # codes) nor the client secret may show in any output of the test.
        try:
            issued = ctl(self.mock)["issued"]
        except OSError:
            return
        for text in self.outputs:
            for secret in issued:
                self.assertNotIn(secret, text, "a secret leaked into the output")

    def env(self, **extra):
        return clean_env(self.mock, token=None, DBXAI_TOKEN_CACHE=self.cache,
                         DATABRICKS_OAUTH_CALLBACK_PORT=str(self.port()), **extra)

    def port(self):
        if not hasattr(self, "_port"):
            self._port = free_port()
        return self._port

    def dbxai(self, args, **kw):
        env = kw.pop("env", None) or self.env()
        res = run(args, env=env, **kw)
        self.outputs += [res.out, res.err]
        return res

    def start_login(self, args=(), env=None):
        p = subprocess.Popen(RUN + [BIN, "-v", "login"] + list(args), env=self.full_env(env),
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        self.addCleanup(lambda: p.poll() is None and p.kill())
        return p

    def full_env(self, env):
        return clean_env(token=None, cacert=None, path=True, home=self.dir, **(env or self.env()))

    def auth_url(self, p):
        """Reads stderr until the authorization URL line and returns it."""
        seen = b""
        deadline = time.time() + 10
        while time.time() < deadline:
            line = p.stderr.readline()
            if not line:
                break
            seen += line
            s = line.decode().strip()
            if s.startswith("http") and "/oidc/v1/authorize?" in s:
                self.outputs.append(seen.decode())
                return s
        self.fail("no authorization URL in %r" % seen)

    def finish(self, p, stdin=b""):
        out, err = p.communicate(stdin, timeout=30)
        self.outputs += [out.decode(), err.decode()]
        return p.returncode, out.decode(), err.decode()

    def login(self):
        """A complete login through the listener."""
        p = self.start_login(["--no-browser"])
        url = self.auth_url(p)
        status, _, page = fetch(url, follow=True)
        self.assertEqual(status, 200)
        self.assertIn(b"Login complete", page)
        rc, out, err = self.finish(p)
        self.assertEqual(rc, 0, err)
        return out

    def api(self, *extra, env=None):
        return self.dbxai(["api", "GET", ENDPOINTS] + list(extra), env=env)


class Login(OAuthCase):
    def test_listener_login_then_api_with_cached_token(self):
        out = self.login()
        self.assertIn("Logged in to " + self.mock.url, out)
        st = os.stat(self.cache)
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o600)
        self.assertEqual(stat.S_IMODE(os.stat(os.path.dirname(self.cache)).st_mode), 0o700)
        with open(self.cache) as f:
            entry = json.load(f)["entries"][0]
        self.assertEqual(entry["host"], self.mock.url)
        self.assertEqual(entry["client_id"], "databricks-cli")
        self.assertTrue(entry["refresh_token"])
        res = self.api()
        self.assertExit(res, 0)
        self.assertIn("databricks-claude-sonnet-4", res.out)
        res = self.dbxai(["chat", "say hello"])
        self.assertExit(res, 0)
        self.assertTrue(res.out.strip())
        res = self.dbxai(["-v", "api", "GET", ENDPOINTS])
        self.assertExit(res, 0)
        self.assertIn("Authorization: Bearer", res.err)  # shown redacted
        counts = ctl(self.mock)["counts"]
        self.assertEqual(counts.get("authorization_code"), 1)
        self.assertNotIn("refresh_token", counts)

    def browser_login(self, tool):
        """A login with a display: dbxai runs tool (a script here that notes its
        argument and where its stdio goes) with the authorization URL."""
        bindir = os.path.join(self.dir, "bin-" + tool)
        os.mkdir(bindir)
        note = os.path.join(self.dir, tool + ".note")
        with open(os.path.join(bindir, tool), "w") as f:
            f.write("#!/bin/sh\nfds=$(readlink /proc/$$/fd/0 /proc/$$/fd/1 /proc/$$/fd/2)\n"
                    "printf '%%s\\n%%s\\n' \"$1\" \"$fds\" >%s.tmp && mv %s.tmp %s\n" % (note, note, note))
        os.chmod(os.path.join(bindir, tool), 0o755)
        path = bindir + ":" + clean_env(path=True)["PATH"]
        p = self.start_login(env=self.env(DISPLAY=":0", PATH=path))
        url = self.auth_url(p)
        deadline = time.time() + 10
        while not os.path.exists(note) and time.time() < deadline:
            time.sleep(0.05)
        with open(note) as f:
            self.assertEqual(f.read().split("\n"), [url] + ["/dev/null"] * 3 + [""])
        status, _, page = fetch(url, follow=True)
        self.assertEqual(status, 200)
        rc, out, err = self.finish(p)
        self.assertEqual(rc, 0, err)

    def test_browser_opened_with_xdg_open(self):
        self.browser_login("xdg-open")

    def test_browser_opened_with_open_without_xdg_open(self):
        self.browser_login("open")

    def test_pasted_redirect_url(self):
        p = self.start_login(["--no-browser"])
        url = self.auth_url(p)
        status, loc, _ = fetch(url, follow=False)
        self.assertEqual(status, 302)
        rc, out, err = self.finish(p, (loc + "\n").encode())
        self.assertEqual(rc, 0, err)
        self.assertExit(self.api(), 0)

    def test_pasted_url_with_wrong_state_is_refused(self):
        p = self.start_login(["--no-browser"])
        url = self.auth_url(p)
        _, loc, _ = fetch(url, follow=False)
        forged = loc.replace("state=", "state=x")
        rc, out, err = self.finish(p, (forged + "\n").encode())
        self.assertEqual(rc, 3, err)
        self.assertIn("state", err)
        self.assertFalse(os.path.exists(self.cache))

    def test_access_denied_is_refused(self):
        ctl(self.mock, {"deny": True})
        p = self.start_login(["--no-browser"])
        url = self.auth_url(p)
        _, loc, _ = fetch(url, follow=False)
        rc, out, err = self.finish(p, (loc + "\n").encode())
        self.assertEqual(rc, 3, err)
        self.assertIn("access_denied", err)
        self.assertIn("The user said no", err)

    def test_listener_error_redirect(self):
        ctl(self.mock, {"deny": True})
        p = self.start_login(["--no-browser"])
        url = self.auth_url(p)
        try:
            fetch(url, follow=True)
        except urllib.error.HTTPError as e:
            self.assertEqual(e.code, 400)
        rc, out, err = self.finish(p)
        self.assertEqual(rc, 3, err)
        self.assertIn("access_denied", err)

    def test_forged_and_idle_connections_do_not_end_the_login(self):
        # Any local program can reach the listener: requests without this
        # login's state (error replies included) get a page and are ignored;
        # silent connections hold nothing up.
        p = self.start_login(["--no-browser"])
        url = self.auth_url(p)
        port = self.port()
        idle = []
        for host, fam in (("127.0.0.1", socket.AF_INET), ("::1", socket.AF_INET6)) * 3:
            s = socket.socket(fam)
            s.settimeout(5)
            s.connect((host, port))
            idle.append(s)
        self.addCleanup(lambda: [s.close() for s in idle])
        for host, target in (("127.0.0.1", "/?error=access_denied&state=guess"),
                             ("127.0.0.1", "/?error=access_denied"),
                             ("[::1]", "/?code=x&state=guess"),
                             ("127.0.0.1", "/?code=x"),
                             ("127.0.0.1", "/favicon.ico")):
            t0 = time.time()
            with self.assertRaises(urllib.error.HTTPError) as cm:
                urllib.request.urlopen("http://%s:%d%s" % (host, port, target), timeout=10)
            self.assertIn(cm.exception.code, (400, 404))
            self.assertLess(time.time() - t0, 2.5 if not RUN else 8)
            self.assertIsNone(p.poll(), "a forged request ended the login")
        status, _, page = fetch(url, follow=True)
        self.assertEqual(status, 200)
        self.assertIn(b"Login complete", page)
        rc, out, err = self.finish(p)
        self.assertEqual(rc, 0, err)
        self.assertExit(self.api(), 0)

    def test_ipv6_half_of_the_port_taken(self):
        # another program on [::1]:PORT would get the code from a browser that
        # tries ::1 first: that port is not ours
        s = socket.socket(socket.AF_INET6)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.bind(("::1", self.port()))
        s.listen(1)
        self.addCleanup(s.close)
        res = self.dbxai(["login", "--no-browser", "--timeout", "2"])
        self.assertExit(res, 2)
        self.assertOneLineError(res, "cannot listen on localhost:%d" % self.port(), "::1")

    def test_iss_checked_when_announced(self):
        # RFC 9207: the server announces iss, so a redirect without it, or with
        # another issuer, is refused (listener and pasted URL alike)
        ctl(self.mock, {"iss": True})
        out = self.login()
        self.assertIn("Logged in", out)
        ctl(self.mock, {"iss_value": ""})
        p = self.start_login(["--no-browser"])
        url = self.auth_url(p)
        try:
            fetch(url, follow=True)
        except urllib.error.HTTPError as e:
            self.assertEqual(e.code, 400)
        rc, out, err = self.finish(p)
        self.assertEqual(rc, 3, err)
        self.assertIn("lacks the iss", err)
        ctl(self.mock, {"iss_value": "https://attacker.example/oidc"})
        p = self.start_login(["--no-browser"])
        _, loc, _ = fetch(self.auth_url(p), follow=False)
        rc, out, err = self.finish(p, (loc + "\n").encode())
        self.assertEqual(rc, 3, err)
        self.assertIn("another authorization server", err)
        self.assertEqual(ctl(self.mock)["counts"].get("authorization_code"), 1)

    def test_login_timeout(self):
        p = self.start_login(["--no-browser", "--timeout", "1"])
        self.auth_url(p)
        rc, out, err = self.finish(p)
        self.assertEqual(rc, 3, err)  # authentication, not network (7)
        self.assertIn("no login redirect within 1 s", err)

    def test_device_code_with_pending_and_slow_down(self):
        ctl(self.mock, {"device": True})
        res = self.dbxai(["login", "--device"], timeout=60)
        self.assertExit(res, 0)
        self.assertIn("WDJB-MJHT", res.err)
        self.assertIn("/device", res.err)
        polls = [r for r in self.mock.requests() if r["path"] == "/oidc/v1/token"]
        self.assertEqual(len(polls), 3)
        # slow_down (second answer) adds 5 s to the 1 s interval
        self.assertGreaterEqual(polls[2]["time"] - polls[1]["time"], 5.5)
        self.assertLess(polls[1]["time"] - polls[0]["time"], 3)
        self.assertExit(self.api(), 0)

    def test_device_code_denied(self):
        ctl(self.mock, {"device": True, "device_script": ["authorization_pending", "access_denied"]})
        res = self.dbxai(["login", "--device"], timeout=30)
        self.assertExit(res, 3)
        self.assertIn("denied", res.err)

    def test_device_code_expired(self):
        ctl(self.mock, {"device": True, "device_script": ["expired_token"]})
        res = self.dbxai(["login", "--device"], timeout=30)
        self.assertExit(res, 3)
        self.assertIn("expired", res.err)

    def test_headless_uses_device_code_when_offered(self):
        ctl(self.mock, {"device": True, "device_script": []})
        res = self.dbxai(["login", "--no-browser"], timeout=30)
        self.assertExit(res, 0)
        self.assertIn("WDJB-MJHT", res.err)

    def test_device_flag_without_device_endpoint(self):
        res = self.dbxai(["login", "--device"])
        self.assertExit(res, 2)
        self.assertIn("no device code grant", res.err)


class Tokens(OAuthCase):
    def test_no_login_exit_3(self):
        res = self.api()
        self.assertExit(res, 3)
        self.assertOneLineError(res, "dbxai login", "DATABRICKS_TOKEN")

    def test_refresh_on_expiry(self):
        ctl(self.mock, {"access_lifetime": 1})
        self.login()
        ctl(self.mock, {"access_lifetime": 3600})
        time.sleep(1.2)
        res = self.api()
        self.assertExit(res, 0)
        self.assertEqual(ctl(self.mock)["counts"].get("refresh_token"), 1)
        res = self.api()
        self.assertExit(res, 0)
        self.assertEqual(ctl(self.mock)["counts"].get("refresh_token"), 1)

    def test_refresh_after_401(self):
        self.login()
        ctl(self.mock, {"revoke_access": True})
        res = self.api()
        self.assertExit(res, 0)
        self.assertEqual(ctl(self.mock)["counts"].get("refresh_token"), 1)

    def test_revoked_refresh_token_exit_3(self):
        ctl(self.mock, {"access_lifetime": 1})
        self.login()
        ctl(self.mock, {"revoke_refresh": True})
        time.sleep(1.2)
        res = self.api()
        self.assertExit(res, 3)
        self.assertOneLineError(res, "refresh token", "rejected", "dbxai login")

    def test_rotation_with_20_concurrent_processes(self):
        ctl(self.mock, {"access_lifetime": 1})
        self.login()
        ctl(self.mock, {"access_lifetime": 3600, "refresh_delay": 0.3})
        time.sleep(1.2)
        env = self.full_env(self.env())
        procs = [subprocess.Popen(RUN + [BIN, "chat", "say hello"], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for _ in range(20)]
        for p in procs:
            out, err = p.communicate(timeout=60)
            self.outputs += [out.decode(), err.decode()]
            self.assertEqual(p.returncode, 0, err)
        self.assertEqual(ctl(self.mock)["counts"].get("refresh_token"), 1)
        with open(self.cache) as f:
            entry = json.load(f)["entries"][0]
        self.assertIn(entry["refresh_token"], ctl(self.mock)["issued"])
        self.assertExit(self.api(), 0)

    def test_m2m(self):
        env = self.env(DATABRICKS_CLIENT_ID=SP_ID, DATABRICKS_CLIENT_SECRET=SP_SECRET)
        for _ in range(2):
            res = self.dbxai(["-v", "api", "GET", ENDPOINTS], env=env)
            self.assertExit(res, 0)
        counts = ctl(self.mock)["counts"]
        self.assertEqual(counts.get("client_credentials"), 1)  # the second run used the cache
        with open(self.cache) as f:
            text = f.read()
        self.assertNotIn(SP_SECRET, text)
        self.assertIn(SP_ID, text)
        res = self.dbxai(["auth", "status"], env=env)
        self.assertExit(res, 0)
        self.assertIn("method: oauth-m2m", res.out)

    def test_m2m_cache_is_keyed_by_the_secret(self):
        # after a rotation, a wrong secret must not keep working from the cache
        env = self.env(DATABRICKS_CLIENT_ID=SP_ID, DATABRICKS_CLIENT_SECRET=SP_SECRET)
        self.assertExit(self.dbxai(["api", "GET", ENDPOINTS], env=env), 0)
        env = self.env(DATABRICKS_CLIENT_ID=SP_ID, DATABRICKS_CLIENT_SECRET="old-secret-5e1d")
        res = self.dbxai(["api", "GET", ENDPOINTS], env=env)
        self.assertExit(res, 3)
        self.assertIn("invalid_client", res.err)
        with open(self.cache) as f:
            text = f.read()
        self.assertNotIn(SP_SECRET, text)
        self.assertNotIn("old-secret-5e1d", text)

    def test_m2m_wrong_secret(self):
        env = self.env(DATABRICKS_CLIENT_ID=SP_ID, DATABRICKS_CLIENT_SECRET="nope-wrong-1234")
        res = self.dbxai(["api", "GET", ENDPOINTS], env=env)
        self.assertExit(res, 3)
        self.assertIn("invalid_client", res.err)
        self.assertNotIn("nope-wrong-1234", res.err)

    def test_forced_auth_type(self):
        res = self.dbxai(["--auth", "pat", "api", "GET", ENDPOINTS])
        self.assertExit(res, 2)
        self.assertIn("DATABRICKS_TOKEN", res.err)
        res = self.dbxai(["--auth", "magic", "api", "GET", ENDPOINTS])
        self.assertExit(res, 2)
        res = self.dbxai(["api", "GET", ENDPOINTS], env=self.env(DATABRICKS_AUTH_TYPE="oauth-m2m"))
        self.assertExit(res, 2)
        self.assertIn("DATABRICKS_CLIENT_ID", res.err)


class CacheFile(OAuthCase):
    def test_group_readable_refused(self):
        self.login()
        os.chmod(self.cache, 0o644)
        res = self.api()
        self.assertExit(res, 2)
        self.assertOneLineError(res, "group/others", "chmod 600")

    def test_symlink_refused(self):
        self.login()
        real = self.cache + ".real"
        os.rename(self.cache, real)
        os.symlink(real, self.cache)
        res = self.api()
        self.assertExit(res, 2)
        self.assertOneLineError(res, "symbolic link")

    def test_foreign_owner_refused(self):
        if os.geteuid() != 0:
            self.skipTest("needs root to chown")
        self.login()
        os.chown(self.cache, 12345, 12345)
        res = self.api()
        self.assertExit(res, 2)
        self.assertOneLineError(res, "uid 12345")

    def test_corrupt_file_kept_aside(self):
        os.makedirs(os.path.dirname(self.cache), mode=0o700)
        fd = os.open(self.cache, os.O_CREAT | os.O_WRONLY, 0o600)
        os.write(fd, b"{not json")
        os.close(fd)
        res = self.api()
        self.assertExit(res, 3)
        self.assertIn("not valid", res.err)
        aside = [f for f in os.listdir(os.path.dirname(self.cache)) if ".corrupt-" in f]
        self.assertEqual(len(aside), 1)
        self.login()
        self.assertExit(self.api(), 0)

    def test_umask_000(self):
        old = os.umask(0)  # inherited by the dbxai processes
        try:
            self.login()
        finally:
            os.umask(old)
        self.assertEqual(stat.S_IMODE(os.stat(self.cache).st_mode), 0o600)
        self.assertEqual(stat.S_IMODE(os.stat(os.path.dirname(self.cache)).st_mode), 0o700)
        self.assertEqual(stat.S_IMODE(os.stat(self.cache + ".lock").st_mode), 0o600)

    def test_logout_and_status(self):
        res = self.dbxai(["auth", "status"])
        self.assertExit(res, 3)  # no usable credentials: scripts test with it
        self.assertIn("method: oauth-u2m", res.out)
        self.assertIn("none cached", res.out)
        self.login()
        res = self.dbxai(["auth", "status"])
        self.assertExit(res, 0)
        self.assertIn("host: " + self.mock.url, res.out)
        self.assertIn("access token: expires", res.out)
        res = self.dbxai(["--json", "auth", "status"])
        self.assertEqual(json.loads(res.out)["method"], "oauth-u2m")
        res = self.dbxai(["logout"])
        self.assertExit(res, 0)
        self.assertIn("Logged out of", res.out)
        res = self.api()
        self.assertExit(res, 3)
        self.assertExit(self.dbxai(["auth", "status"]), 3)
        self.login()
        res = self.dbxai(["logout", "--all"])
        self.assertExit(res, 0)
        self.assertIn("Removed 1 cached login", res.out)
        with open(self.cache) as f:
            self.assertEqual(json.load(f)["entries"], [])

    def test_logout_revokes_the_refresh_token(self):
        self.login()
        with open(self.cache) as f:
            rt = json.load(f)["entries"][0]["refresh_token"]
        res = self.dbxai(["logout"])
        self.assertExit(res, 0)
        self.assertEqual(res.err, "")
        self.assertEqual(ctl(self.mock)["counts"].get("revoke"), 1)
        req = [r for r in self.mock.requests() if r["path"] == "/oidc/v1/revoke"][0]
        self.assertIn("token_type_hint=refresh_token", req["body"])
        # a failed revocation is told; the local tokens go anyway
        self.login()
        ctl(self.mock, {"revoke_status": 503})
        res = self.dbxai(["logout"], env=self.env(DATABRICKS_MAX_RETRIES="0"))
        self.assertExit(res, 0)
        self.assertIn("could not be revoked", res.err)
        with open(self.cache) as f:
            self.assertEqual(json.load(f)["entries"], [])

    def test_login_without_refresh_token_says_so(self):
        ctl(self.mock, {"no_refresh": True})
        out = self.login()
        self.assertIn("no refresh token", out)
        self.assertIn("valid until", out)

    def test_pat_status(self):
        res = self.dbxai(["auth", "status"], env=self.env(DATABRICKS_TOKEN="dapi-status-secret-1"))
        self.assertExit(res, 0)
        self.assertIn("method: pat", res.out)
        self.assertNotIn("dapi-status-secret-1", res.out + res.err)


class LoginProfile(OAuthCase):
    """`dbxai login --profile NAME` and `--host H login` save the profile (host,
    auth_type = databricks-cli) so that the next `--profile NAME` run works."""

    def login_with(self, args, env):
        p = self.start_login(["--no-browser"] + args, env=env)
        status, _, _ = fetch(self.auth_url(p), follow=True)
        self.assertEqual(status, 200)
        return self.finish(p)

    def test_new_profile_saved_and_used(self):
        cfg = os.path.join(self.dir, "databrickscfg")
        with open(cfg, "w") as f:
            f.write("# mine\n[DEFAULT]\nhost = https://other.example\n")
        os.chmod(cfg, 0o600)
        env = self.env(DATABRICKS_CONFIG_FILE=cfg)
        rc, out, err = self.login_with(["--profile", "work"], env)
        self.assertEqual(rc, 0, err)
        self.assertIn("profile [work] saved in " + cfg, err)
        with open(cfg) as f:
            text = f.read()
        self.assertTrue(text.startswith("# mine\n[DEFAULT]\nhost = https://other.example\n"))
        self.assertIn("[work]\nhost = %s\nauth_type = databricks-cli\n" % self.mock.url, text)
        self.assertEqual(stat.S_IMODE(os.stat(cfg).st_mode), 0o600)
        res = self.api("--profile", "work", env=self.env(DATABRICKS_CONFIG_FILE=cfg,
                                                         DATABRICKS_HOST=None))
        self.assertExit(res, 0)

    def test_host_flag_saves_the_default_profile(self):
        cfg = os.path.join(self.dir, "databrickscfg")
        env = self.env(DATABRICKS_CONFIG_FILE=cfg, DATABRICKS_HOST=None)
        rc, out, err = self.login_with(["--host", self.mock.url], env)
        self.assertEqual(rc, 0, err)
        with open(cfg) as f:
            self.assertIn("[DEFAULT]\nhost = %s\nauth_type = databricks-cli\n" % self.mock.url,
                          f.read())
        self.assertExit(self.api(env=env), 0)

    def test_new_profile_needs_a_host(self):
        cfg = os.path.join(self.dir, "databrickscfg")
        res = self.dbxai(["login", "--profile", "work"],
                         env=self.env(DATABRICKS_CONFIG_FILE=cfg, DATABRICKS_HOST=None))
        self.assertExit(res, 2)
        self.assertOneLineError(res, "work", "--host")
        self.assertFalse(os.path.exists(cfg))
