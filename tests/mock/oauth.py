"""The mock workspace's OAuth authorization server (Databricks' /oidc endpoints).

Python 3 standard library only; hooked into server.py's route(). One OAuth
object per mock (state.oauth). Everything it issues is random and recorded in
`issued` so tests can check no secret ever reaches dbxai's output.

Endpoints:
  GET  /oidc/.well-known/oauth-authorization-server   discovery; lists
       device_authorization_endpoint only when config "device" is true
  GET  /oidc/v1/authorize   auto-approves: 302 to redirect_uri with code and
       state (config "deny": error=access_denied instead); config "iss": the
       discovery announces authorization_response_iss_parameter_supported and
       the redirect carries iss (config "iss_value": that instead, "" none)
  POST /oidc/v1/token       grants authorization_code (PKCE S256 checked),
       refresh_token (rotating: the old refresh token dies), client_credentials
       (HTTP Basic checked), device_code (answers from config "device_script"
       first: authorization_pending, slow_down, ..., then tokens)
  POST /oidc/v1/device/code device authorization (RFC 8628)
  POST /oidc/v1/revoke      revokes a token (RFC 7009; listed in discovery
                            unless config "revocation" is false; config
                            "revoke_status" other than 200 makes it fail);
                            config "no_refresh": logins get no refresh token
  POST /oidc/v1/token       also grant_type token-exchange (RFC 8693, workload
       identity federation): subject_token_type jwt, scope all-apis, a JWT
       (unsigned; its claims checked: iss == config "fed_issuer", aud ==
       config "fed_audience", exp in the future, sub == config "fed_subject"
       for client_id config "fed_client_id" (or any, config "fed_client_id"
       None, for account-wide federation)); refusals carry the server's
       reason; tokens live config "access_lifetime" seconds; each accepted
       JWT's sub is appended to "exchanged"
  POST /{tenant}/oauth2/v2.0/token   Microsoft Entra ID's token endpoint
       (reached through AZURE_AUTHORITY_HOST): client credentials with
       client_id, client_secret in the form, tenant AZ_TENANT and scope
       AZURE_SCOPE checked; Entra-style AADSTS errors
Control (tests): POST /__mock/oauth with a JSON object: config keys to set,
  and "revoke_refresh": true / "revoke_access": true to kill every token so far;
  GET /__mock/oauth: {"counts": {...}, "issued": [...], "config": {...}}.
"""
import base64
import hashlib
import json
import secrets
import threading
import time
import urllib.parse

CLIENT_ID = "databricks-cli"
SP_ID = "mock-sp-client"
SP_SECRET = "mock-sp-secret-7f3c9a1b"
AZ_ID = "8c3f2d1e-aaaa-4bbb-8ccc-5e6f7a8b9c0d"
AZ_SECRET = "mock-az~secret.Q8x_2Kd4"
AZ_TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
AZURE_SCOPE = "2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default"


class OAuth:
    def __init__(self):
        self.lock = threading.Lock()
        self.codes = {}
        self.access = {}    # token -> expiry (time.time())
        self.refresh = {}   # token -> True while valid
        self.devices = {}   # device_code -> remaining scripted answers
        self.counts = {}
        self.issued = [SP_SECRET, AZ_SECRET]
        self.config = {"access_lifetime": 3600, "rotate": True, "device": False,
                       "device_script": ["authorization_pending", "slow_down"],
                       "device_interval": 1, "deny": False, "refresh_delay": 0,
                       "iss": False, "iss_value": None, "revocation": True,
                       "revoke_status": 200, "no_refresh": False,
                       "fed_issuer": "https://idp.example", "fed_audience": "databricks",
                       "fed_subject": None, "fed_client_id": "fleet-sp"}
        self.exchanged = []

    def count(self, what):
        self.counts[what] = self.counts.get(what, 0) + 1

    def new(self, prefix):
        v = prefix + secrets.token_hex(16)
        self.issued.append(v)
        return v

    def tokens(self, with_refresh=True):
        at = self.new("mock-at-")
        life = self.config["access_lifetime"]
        self.access[at] = time.time() + life
        out = {"access_token": at, "token_type": "Bearer", "expires_in": life}
        if with_refresh:
            rt = self.new("mock-rt-")
            self.refresh[rt] = True
            out["refresh_token"] = rt
        return out

    def valid_access(self, authorization):
        if not authorization or not authorization.startswith("Bearer "):
            return False
        with self.lock:
            exp = self.access.get(authorization[7:])
            return exp is not None and exp > time.time()


def get(state):
    with state.lock:
        if not hasattr(state, "oauth"):
            state.oauth = OAuth()
        return state.oauth


def err(status, code, desc):
    return {"status": status, "body": {"error": code, "error_description": desc},
            "headers": {"Cache-Control": "no-store"}}


def ok(body):
    return {"status": 200, "body": body, "headers": {"Cache-Control": "no-store"}}


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def route(state, method, path, headers, body):
    """A response spec for an OAuth or control path, or None."""
    bare, _, query = path.partition("?")
    entra = bare.endswith("/oauth2/v2.0/token") and bare.count("/") == 4
    if not (bare.startswith("/oidc/") or bare == "/__mock/oauth" or entra):
        return None
    o = get(state)
    base = ("http" if state.args.plain else "https") + "://" + headers.get("host", "localhost")
    with o.lock:
        if bare == "/__mock/oauth":
            if method == "POST":
                cfg = json.loads(body or b"{}")
                if cfg.pop("revoke_refresh", False):
                    o.refresh = {k: False for k in o.refresh}
                if cfg.pop("revoke_access", False):
                    o.access = {}
                o.config.update(cfg)
            return ok({"counts": o.counts, "issued": o.issued, "config": o.config,
                       "exchanged": o.exchanged})
        if bare == "/oidc/.well-known/oauth-authorization-server":
            o.count("discovery")
            doc = {"issuer": base + "/oidc", "authorization_endpoint": base + "/oidc/v1/authorize",
                   "token_endpoint": base + "/oidc/v1/token",
                   "response_types_supported": ["code"],
                   "code_challenge_methods_supported": ["S256"],
                   "grant_types_supported": ["authorization_code", "refresh_token",
                                             "client_credentials"]}
            if o.config["device"]:
                doc["device_authorization_endpoint"] = base + "/oidc/v1/device/code"
            if o.config["iss"]:
                doc["authorization_response_iss_parameter_supported"] = True
            if o.config["revocation"]:
                doc["revocation_endpoint"] = base + "/oidc/v1/revoke"
            return ok(doc)
        form = {k: v[0] for k, v in urllib.parse.parse_qs(
            query if method == "GET" else body.decode("utf-8", "replace"),
            keep_blank_values=True).items()}
        if bare == "/oidc/v1/authorize" and method == "GET":
            return authorize(o, form, base + "/oidc")
        if entra and method == "POST":
            return entra_token(o, bare.split("/")[1], form)
        if bare == "/oidc/v1/token" and method == "POST":
            if headers.get("content-type") != "application/x-www-form-urlencoded":
                return err(400, "invalid_request", "form body expected")
            return token(o, form, headers)
        if bare == "/oidc/v1/device/code" and method == "POST":
            o.count("device_authorization")
            if form.get("client_id") != CLIENT_ID:
                return err(400, "invalid_client", "unknown client")
            dc = o.new("mock-dc-")
            o.devices[dc] = list(o.config["device_script"])
            return ok({"device_code": dc, "user_code": "WDJB-MJHT",
                       "verification_uri": base + "/device",
                       "verification_uri_complete": base + "/device?user_code=WDJB-MJHT",
                       "expires_in": 600, "interval": o.config["device_interval"]})
        if bare == "/oidc/v1/revoke" and method == "POST":
            o.count("revoke")
            if o.config["revoke_status"] != 200:
                return err(o.config["revoke_status"], "temporarily_unavailable", "try later")
            if form.get("client_id") != CLIENT_ID:
                return err(401, "invalid_client", "unknown client")
            o.refresh.pop(form.get("token"), None)
            o.access.pop(form.get("token"), None)
            return ok({})
    return err(404, "not_found", "no such OAuth endpoint")


def authorize(o, q, issuer):
    o.count("authorize")
    redirect = q.get("redirect_uri", "")
    if (q.get("response_type") != "code" or q.get("client_id") != CLIENT_ID
            or not redirect.startswith("http://localhost:")
            or q.get("code_challenge_method") != "S256" or len(q.get("code_challenge", "")) != 43
            or not q.get("state") or q.get("scope") != "all-apis offline_access"):
        return err(400, "invalid_request", "bad authorization request")
    if o.config["deny"]:
        args = {"error": "access_denied", "error_description": "The user said no",
                "state": q["state"]}
    else:
        code = o.new("mock-code-")
        o.codes[code] = {"challenge": q["code_challenge"], "redirect_uri": redirect}
        args = {"code": code, "state": q["state"]}
    if o.config["iss"]:
        iss = o.config["iss_value"]
        if iss is None:
            iss = issuer
        if iss:
            args["iss"] = iss
    return {"status": 302, "headers": {"Location": redirect + "/?" + urllib.parse.urlencode(args)},
            "body": ""}


def token(o, f, headers):
    grant = f.get("grant_type", "")
    o.count(grant or "none")
    if grant == "authorization_code":
        c = o.codes.pop(f.get("code", ""), None)
        if c is None:
            return err(400, "invalid_grant", "unknown or used code")
        if f.get("redirect_uri") != c["redirect_uri"] or f.get("client_id") != CLIENT_ID:
            return err(400, "invalid_grant", "redirect_uri or client_id mismatch")
        if b64url(hashlib.sha256(f.get("code_verifier", "").encode()).digest()) != c["challenge"]:
            return err(400, "invalid_grant", "PKCE verification failed")
        return ok(o.tokens(with_refresh=not o.config["no_refresh"]))
    if grant == "refresh_token":
        rt = f.get("refresh_token", "")
        if not o.refresh.get(rt) or f.get("client_id") != CLIENT_ID:
            return err(400, "invalid_grant", "Refresh token is invalid or revoked")
        if o.config["refresh_delay"]:
            time.sleep(o.config["refresh_delay"])
        if o.config["rotate"]:
            o.refresh[rt] = False
            return ok(o.tokens())
        return ok(o.tokens(with_refresh=False))
    if grant == "client_credentials":
        want = "Basic " + base64.b64encode(("%s:%s" % (SP_ID, SP_SECRET)).encode()).decode()
        if headers.get("authorization") != want:
            return err(401, "invalid_client", "Client authentication failed")
        if f.get("scope") != "all-apis":
            return err(400, "invalid_scope", "scope must be all-apis")
        return ok(o.tokens(with_refresh=False))
    if grant == "urn:ietf:params:oauth:grant-type:token-exchange":
        return exchange(o, f)
    if grant == "urn:ietf:params:oauth:grant-type:device_code":
        script = o.devices.get(f.get("device_code", ""))
        if script is None:
            return err(400, "invalid_grant", "unknown device code")
        if script:
            return err(400, script.pop(0), "scripted")
        del o.devices[f["device_code"]]
        return ok(o.tokens())
    return err(400, "unsupported_grant_type", "unsupported grant_type")


def jwt_claims(token):
    """The payload of an (unverified) JWT, or None."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        pad = "=" * (-len(parts[1]) % 4)
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + pad))
    except ValueError:
        return None
    return claims if isinstance(claims, dict) else None


def exchange(o, f):
    """RFC 8693: a federated JWT for a workspace token."""
    cfg = o.config
    if f.get("subject_token_type") != "urn:ietf:params:oauth:token-type:jwt":
        return err(400, "invalid_request", "subject_token_type must be jwt")
    if f.get("scope") != "all-apis":
        return err(400, "invalid_scope", "scope must be all-apis")
    want_client = cfg["fed_client_id"]
    if want_client is not None and f.get("client_id") != want_client:
        return err(400, "invalid_client", "no federation policy for client_id %r"
                   % f.get("client_id"))
    if want_client is None and "client_id" in f:
        return err(400, "invalid_request", "account-wide federation takes no client_id")
    claims = jwt_claims(f.get("subject_token", ""))
    if claims is None:
        return err(400, "invalid_request", "subject_token is not a JWT")
    if claims.get("iss") != cfg["fed_issuer"]:
        return err(400, "invalid_grant", "issuer does not match the federation policy")
    if claims.get("aud") != cfg["fed_audience"]:
        return err(400, "invalid_grant", "audience does not match the federation policy")
    if not isinstance(claims.get("exp"), (int, float)) or claims["exp"] <= time.time():
        return err(400, "invalid_grant", "the subject token has expired")
    if cfg["fed_subject"] is not None and claims.get("sub") != cfg["fed_subject"]:
        return err(400, "invalid_grant", "subject does not match the federation policy")
    o.exchanged.append(claims.get("sub"))
    o.issued.append(f["subject_token"])
    return ok(o.tokens(with_refresh=False))


def entra_token(o, tenant, f):
    """Microsoft Entra ID's client credentials grant (v2.0 endpoint)."""
    o.count("entra")
    if tenant != AZ_TENANT:
        return err(400, "invalid_request", "AADSTS90002: Tenant '%s' not found." % tenant)
    if f.get("grant_type") != "client_credentials":
        return err(400, "unsupported_grant_type", "AADSTS70003: unsupported grant type")
    if f.get("client_id") != AZ_ID:
        return err(400, "unauthorized_client", "AADSTS700016: Application not found.")
    if f.get("client_secret") != AZ_SECRET:
        return err(401, "invalid_client", "AADSTS7000215: Invalid client secret provided.")
    if f.get("scope") != AZURE_SCOPE:
        return err(400, "invalid_scope", "AADSTS70011: The provided scope is not valid.")
    out = o.tokens(with_refresh=False)
    out["ext_expires_in"] = out["expires_in"]
    return ok(out)
