/* test_oauth.c - PKCE (RFC 7636 appendix B), base64url, form encoding,
 * redirect parsing, discovery / token / error / device answers, the refresh
 * policy. */
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "crypto.h"
#include "dbxai.h"
#include "harness.h"
#include "oauth.h"
#include "redirect.h"

static void test_rfc7636_vector(void)
{
	static const unsigned char octets[32] = {
	    116, 24,  223, 180, 151, 153, 224, 37,  79, 250, 96, 125, 216, 173, 187, 186,
	    22,  212, 37,  77,  105, 214, 191, 240, 91, 88,  5,  88,  83,  132, 141, 121};
	char verifier[64], challenge[64];

	CHECK(crypto_base64url(octets, sizeof octets, verifier, sizeof verifier) == DBX_OK, "b64");
	CHECK(strcmp(verifier, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == 0, "verifier %s",
	      verifier);
	CHECK(oauth_challenge(verifier, challenge, sizeof challenge) == DBX_OK, "challenge");
	CHECK(strcmp(challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM") == 0, "challenge %s",
	      challenge);
	CHECK(oauth_challenge(verifier, challenge, 43) == DBX_ERR_LIMIT, "room for the NUL");
}

static void test_base64url(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},          {"foo", "Zm9v"},
	    {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}, {"\xfb\xff", "-_8"}};
	char out[32];
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		CHECK(crypto_base64url(cases[i].in, strlen(cases[i].in), out, sizeof out) == DBX_OK,
		      "%zu", i);
		CHECK(strcmp(out, cases[i].out) == 0, "%zu: %s", i, out);
	}
	CHECK(crypto_base64url("foo", 3, out, 4) == DBX_ERR_LIMIT, "too small");
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t n = 99, len = strlen(cases[i].out);
		CHECK(crypto_base64url_decode(cases[i].out, len, out, sizeof out, &n) == DBX_OK,
		      "decode %zu", i);
		CHECK(n == strlen(cases[i].in) && memcmp(out, cases[i].in, n) == 0, "decode %zu",
		      i);
	}
	{
		size_t n;
		CHECK(crypto_base64url_decode("Zg=", 3, out, sizeof out, &n) == DBX_ERR_PROTOCOL,
		      "padding");
		CHECK(crypto_base64url_decode("Zm9v+", 5, out, sizeof out, &n) == DBX_ERR_PROTOCOL,
		      "std alphabet");
		CHECK(crypto_base64url_decode("Zm9vY", 5, out, sizeof out, &n) == DBX_ERR_PROTOCOL,
		      "length 4n+1");
		CHECK(crypto_base64url_decode("Zm9vYmFy", 8, out, 5, &n) == DBX_ERR_LIMIT, "cap");
	}
}

/* JWT claims for messages: decoded, never verified, the token never copied. */
static void test_jwt_claims(void)
{
	/* {"iss":"https://idp.example","sub":"dev\u0001ice","aud":["a","b"],"exp":1700000000} */
	static const char payload[] =
	    "{\"iss\":\"https://idp.example\",\"sub\":\"dev\\u0001ice\",\"aud\":[\"a\",\"b\"],"
	    "\"exp\":1700000000}";
	static const char *const bad[] = {
	    "", "abc", "a.b", "a..c", ".b.c", "a.b.c.d", "eyJhbGciOiJub25lIn0.W10.sig", "a.!!!.c"};
	char jwt[512], b64[256], out[400];
	size_t i;
	int err;

	crypto_base64url(payload, strlen(payload), b64, sizeof b64);
	snprintf(jwt, sizeof jwt, "eyJhbGciOiJSUzI1NiJ9.%s.c2lnbmF0dXJl", b64);
	err = oauth_jwt_claims(jwt, strlen(jwt), out, sizeof out);
	CHECK(err == DBX_OK, "%d", err);
	CHECK(strcmp(out, "iss=https://idp.example sub=dev?ice aud=[\"a\",\"b\"] exp=2023-11-14 "
	                  "22:13:20 UTC (expired)") == 0,
	      "%s", out);
	CHECK(!strstr(out, "c2lnbmF0dXJl") && !strstr(out, b64), "no token in %s", out);
	snprintf(jwt, sizeof jwt, "e30.%s.", "e30");
	CHECK(oauth_jwt_claims(jwt, strlen(jwt), out, sizeof out) == DBX_OK, "empty signature");
	CHECK(strcmp(out, "iss=- sub=- aud=- exp=-") == 0, "%s", out);
	for (i = 0; i < sizeof bad / sizeof *bad; i++)
		CHECK(oauth_jwt_claims(bad[i], strlen(bad[i]), out, sizeof out) == DBX_ERR_PROTOCOL,
		      "%s", bad[i]);
}

static void test_pkce_new(void)
{
	struct oauth_pkce a, b;
	char ch[64];

	CHECK(dbx_global_init(NULL) == DBX_OK, "init");
	CHECK(oauth_pkce_new(&a) == DBX_OK && oauth_pkce_new(&b) == DBX_OK, "new");
	CHECK(strlen(a.verifier) == 86, "64 bytes give 86 characters: %zu", strlen(a.verifier));
	CHECK(strlen(a.state) == 22, "16 bytes give 22 characters");
	CHECK(strlen(a.challenge) == 43, "challenge");
	CHECK(strcmp(a.verifier, b.verifier) != 0 && strcmp(a.state, b.state) != 0, "random");
	oauth_challenge(a.verifier, ch, sizeof ch);
	CHECK(strcmp(ch, a.challenge) == 0, "S256 of the verifier");
	CHECK(strspn(a.verifier,
	             "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == 86,
	      "unreserved characters only");
}

static void test_form(void)
{
	char buf[64];
	size_t len = 0;

	CHECK(oauth_form_add(buf, sizeof buf, &len, "grant_type", "refresh_token") == DBX_OK, "1");
	CHECK(oauth_form_add(buf, sizeof buf, &len, "scope", "all-apis offline_access") == DBX_OK,
	      "2");
	CHECK(strcmp(buf, "grant_type=refresh_token&scope=all-apis%20offline_access") == 0, "%s",
	      buf);
	len = 0;
	CHECK(oauth_form_add(buf, sizeof buf, &len, "r", "http://localhost:8020/?a=b&c=~d+é") ==
	          DBX_OK,
	      "3");
	CHECK(strcmp(buf, "r=http%3A%2F%2Flocalhost%3A8020%2F%3Fa%3Db%26c%3D~d%2B%C3%A9") == 0,
	      "%s", buf);
	len = strlen(buf);
	CHECK(oauth_form_add(buf, sizeof buf, &len, "more", "0123456789012345678901234567890") ==
	          DBX_ERR_LIMIT,
	      "does not fit");
	CHECK(strlen(buf) == len, "left as it was");
}

static void test_authorize_url(void)
{
	static struct oauth_endpoints ep;
	struct oauth_pkce p;
	char url[URL_MAX], err[DBX_ERRBUF_SIZE];

	snprintf(ep.authorization, sizeof ep.authorization, "https://h.example/oidc/v1/authorize");
	memset(&p, 0, sizeof p);
	memcpy(p.state, "st", 3);
	memcpy(p.challenge, "ch", 3);
	CHECK(oauth_authorize_url(&ep, "databricks-cli", "http://localhost:8020",
	                          "all-apis offline_access", &p, url, sizeof url, err) == DBX_OK,
	      "url");
	CHECK(strcmp(url,
	             "https://h.example/oidc/v1/authorize?response_type=code&client_id="
	             "databricks-cli&redirect_uri=http%3A%2F%2Flocalhost%3A8020&scope=all-apis%"
	             "20offline_access&state=st&code_challenge=ch&code_challenge_method=S256") == 0,
	      "%s", url);
	CHECK(oauth_authorize_url(&ep, "x", "y", "z", &p, url, 40, err) == DBX_ERR_LIMIT, "small");
}

struct redirect_case {
	const char *in;
	int err;
	const char *code;
	const char *msg; /* a word of errbuf */
};

static const struct redirect_case redirect_cases[] = {
    {"http://localhost:8020/?code=abc&state=S1", DBX_OK, "abc", NULL},
    {"  http://localhost:8020/?state=S1&code=a%2Fb+c \r\n", DBX_OK, "a/b c", NULL},
    {"/?code=xyz&state=S1", DBX_OK, "xyz", NULL},
    {"code=xyz&state=S1", DBX_OK, "xyz", NULL},
    {"http://localhost:8020/?code=abc&state=S1#frag", DBX_OK, "abc", NULL},
    {"http://localhost:8020/?code=abc&state=S2", DBX_ERR_AUTH, NULL, "state"},
    {"http://localhost:8020/?code=abc", DBX_ERR_AUTH, NULL, "state"},
    {"http://localhost:8020/?error=access_denied&error_description=No+way%0A&state=S1",
     DBX_ERR_AUTH, NULL, "access_denied: No way?"},
    {"/favicon.ico", ERR_NEED_MORE, NULL, NULL},
    {"http://localhost:8020/?state=S1", ERR_NEED_MORE, NULL, NULL},
    {"/?code=%zz&state=S1", DBX_ERR_LIMIT, NULL, "code"},
    {"/?code=%00&state=S1", DBX_ERR_LIMIT, NULL, "code"},
    {"/?code=0123456789abcdef0123456789&state=S1", DBX_ERR_LIMIT, NULL, "too long"},
};

static void test_redirect(void)
{
	size_t i;
	for (i = 0; i < sizeof redirect_cases / sizeof redirect_cases[0]; i++) {
		const struct redirect_case *t = &redirect_cases[i];
		char code[16] = "", err[DBX_ERRBUF_SIZE] = "";
		int r = redirect_parse(t->in, "S1", NULL, code, sizeof code, err);
		CHECK(r == t->err, "%zu: %d, want %d (%s)", i, r, t->err, err);
		if (t->code)
			CHECK(strcmp(code, t->code) == 0, "%zu: code %s", i, code);
		else
			CHECK(code[0] == '\0', "%zu: no code left behind", i);
		if (t->msg)
			CHECK(strstr(err, t->msg) != NULL, "%zu: %s", i, err);
		CHECK(strstr(err, "abc") == NULL, "%zu: the code is never in a message", i);
	}
}

/* RFC 9207: with an issuer to check, iss must be there and equal it; the
 * state still comes first (a forged redirect is no mix-up). */
static void test_redirect_iss(void)
{
	static const struct {
		const char *in;
		int err;
		const char *msg;
	} cases[] = {
	    {"/?code=abc&state=S1&iss=https%3A%2F%2Fh%2Foidc", DBX_OK, NULL},
	    {"/?code=abc&state=S1", DBX_ERR_AUTH, "lacks the iss"},
	    {"/?code=abc&state=S1&iss=https%3A%2F%2Fevil%2Foidc", DBX_ERR_AUTH, "another"},
	    {"/?code=abc&state=S1&iss=https://h/oidc/", DBX_ERR_AUTH, "another"},
	    {"/?code=abc&state=S1&iss=%zz", DBX_ERR_AUTH, "another"},
	    {"/?error=access_denied&state=S1&iss=https://evil/oidc", DBX_ERR_AUTH, "another"},
	    {"/?error=access_denied&state=S1&iss=https://h/oidc", DBX_ERR_AUTH, "access_denied"},
	    {"/?code=abc&state=S2&iss=https://evil/oidc", DBX_ERR_AUTH, "state"},
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char code[16] = "", err[DBX_ERRBUF_SIZE] = "";
		int r = redirect_parse(cases[i].in, "S1", "https://h/oidc", code, sizeof code, err);
		CHECK(r == cases[i].err, "%zu: %d (%s)", i, r, err);
		CHECK(!cases[i].msg || strstr(err, cases[i].msg), "%zu: %s", i, err);
		CHECK(r == DBX_OK || code[0] == '\0', "%zu: no code left behind", i);
	}
	/* no issuer to check (not announced): iss is not looked at */
	{
		char code[16] = "";
		CHECK(redirect_parse("/?code=abc&state=S1&iss=x", "S1", NULL, code, sizeof code,
		                     NULL) == DBX_OK,
		      "iss ignored");
	}
}

static void test_discovery(void)
{
	struct oauth_endpoints ep;
	char err[DBX_ERRBUF_SIZE];
	const char *ok = "{\"authorization_endpoint\":\"https://h/oidc/v1/authorize\","
	                 "\"token_endpoint\":\"https://h/oidc/v1/token\",\"scopes\":[\"a\",\"b\"]}";
	const char *dev = "{\"authorization_endpoint\":\"https://h/a\",\"token_endpoint\":"
	                  "\"https://h/t\",\"device_authorization_endpoint\":\"https://h/d\"}";

	CHECK(oauth_parse_discovery(ok, strlen(ok), &ep, err) == DBX_OK, "%s", err);
	CHECK(strcmp(ep.token, "https://h/oidc/v1/token") == 0 && ep.device[0] == '\0', "fields");
	CHECK(oauth_parse_discovery(dev, strlen(dev), &ep, err) == DBX_OK, "%s", err);
	CHECK(strcmp(ep.device, "https://h/d") == 0, "device");
	CHECK(oauth_parse_discovery("{\"token_endpoint\":\"https://h/t\"}", 31, &ep, err) ==
	          DBX_ERR_PROTOCOL,
	      "no authorization endpoint");
	CHECK(oauth_parse_discovery("{\"authorization_endpoint\":\"ftp://h/a\",\"token_endpoint\":"
	                            "\"https://h/t\"}",
	                            70, &ep, err) == DBX_ERR_PROTOCOL,
	      "not http(s)");
	CHECK(oauth_parse_discovery("[]", 2, &ep, err) == DBX_ERR_PROTOCOL, "not an object");
	CHECK(ep.iss_param == 0, "not announced");
	{
		const char *iss = "{\"issuer\":\"https://h/oidc\",\"authorization_endpoint\":"
		                  "\"https://h/a\",\"token_endpoint\":\"https://h/t\","
		                  "\"authorization_response_iss_parameter_supported\":true}";
		const char *noiss =
		    "{\"authorization_endpoint\":\"https://h/a\",\"token_endpoint\":"
		    "\"https://h/t\",\"authorization_response_iss_parameter_"
		    "supported\":true}";
		CHECK(oauth_parse_discovery(iss, strlen(iss), &ep, err) == DBX_OK, "%s", err);
		CHECK(ep.iss_param && strcmp(ep.issuer, "https://h/oidc") == 0, "issuer");
		CHECK(oauth_parse_discovery(noiss, strlen(noiss), &ep, err) == DBX_ERR_PROTOCOL,
		      "iss promised without an issuer");
	}
}

static void test_tokens(void)
{
	struct cache_tokens t;
	char err[DBX_ERRBUF_SIZE], e[OAUTH_ERROR_MAX], d[64];
	const char *full = "{\"access_token\":\"AT\",\"token_type\":\"Bearer\",\"expires_in\":3600,"
	                   "\"refresh_token\":\"RT2\"}";
	const char *norefresh = "{\"access_token\":\"AT3\",\"expires_in\":\"60\"}";
	const char *oerr = "{\"error\":\"invalid_grant\",\"error_description\":\"bad\\u0007\"}";

	memset(&t, 0, sizeof t);
	memcpy(t.refresh, "RT1", 4);
	CHECK(oauth_parse_tokens(full, strlen(full), 1000, &t, err) == DBX_OK, "%s", err);
	CHECK(strcmp(t.access, "AT") == 0 && strcmp(t.refresh, "RT2") == 0, "rotated");
	CHECK(t.expiry == 4600 && t.issued == 1000, "expiry %lld", t.expiry);
	CHECK(oauth_parse_tokens(norefresh, strlen(norefresh), 1000, &t, err) == DBX_OK, "%s", err);
	CHECK(strcmp(t.refresh, "RT2") == 0, "the old refresh token is kept");
	CHECK(t.expiry == 1060 && strcmp(t.type, "Bearer") == 0, "defaults");
	CHECK(oauth_parse_tokens("{\"token_type\":\"Bearer\"}", 23, 0, &t, err) == DBX_ERR_PROTOCOL,
	      "no access token");
	CHECK(strstr(err, "access_token") != NULL, "%s", err);
	CHECK(oauth_parse_error(oerr, strlen(oerr), e, sizeof e, d, sizeof d) == 1, "error");
	CHECK(strcmp(e, "invalid_grant") == 0 && strcmp(d, "bad?") == 0, "%s %s", e, d);
	CHECK(oauth_parse_error("{\"error_code\":\"X\"}", 18, e, sizeof e, d, sizeof d) == 0,
	      "Databricks API error is not an OAuth error");
}

static void test_device(void)
{
	struct oauth_device d;
	char err[DBX_ERRBUF_SIZE];
	const char *ok = "{\"device_code\":\"DC\",\"user_code\":\"AB-CD\",\"verification_uri\":"
	                 "\"https://h/device\",\"expires_in\":900}";

	CHECK(oauth_parse_device(ok, strlen(ok), &d, err) == DBX_OK, "%s", err);
	CHECK(d.interval == 5 && d.expires_in == 900 && d.verification_uri_complete[0] == '\0',
	      "defaults");
	CHECK(oauth_parse_device("{\"device_code\":\"DC\"}", 20, &d, err) == DBX_ERR_PROTOCOL,
	      "incomplete");
}

/* Server timers: one parser and one clamp, numbers and strings alike. */
static void test_timer_clamp(void)
{
	static const struct {
		const char *v;
		long life, interval;
	} cases[] = {
	    {"0", 0, 1},
	    {"\"0\"", 0, 1},
	    {"-5", 0, 1},
	    {"\"-5\"", 0, 1},
	    {"7", 7, 7},
	    {"\"7\"", 7, 7},
	    {"2.9", 2, 2},
	    {"9223372036854775807", OAUTH_LIFETIME_MAX, OAUTH_INTERVAL_MAX},
	    {"\"9223372036854775807\"", OAUTH_LIFETIME_MAX, OAUTH_INTERVAL_MAX},
	    {"1e309", OAUTH_LIFETIME_MAX, OAUTH_INTERVAL_MAX},
	    {"\"1e309\"", OAUTH_LIFETIME_MAX, OAUTH_INTERVAL_MAX},
	    {"-1e309", 0, 1},
	    {"\"abc\"", 3600, 5},
	    {"\"\"", 3600, 5},
	    {"\" 5\"", 3600, 5},
	    {"null", 3600, 5},
	    {"true", 3600, 5},
	};
	const long long now = 1700000000;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char json[256], err[DBX_ERRBUF_SIZE] = "";
		struct cache_tokens t;
		struct oauth_device d;
		int n;

		memset(&t, 0, sizeof t);
		n = snprintf(json, sizeof json, "{\"access_token\":\"AT\",\"expires_in\":%s}",
		             cases[i].v);
		CHECK(oauth_parse_tokens(json, (size_t)n, now, &t, err) == DBX_OK, "%s", err);
		CHECK(t.expiry - now == cases[i].life, "expires_in %s: %lld", cases[i].v,
		      t.expiry - now);
		n = snprintf(json, sizeof json,
		             "{\"device_code\":\"DC\",\"user_code\":\"U\",\"verification_uri\":"
		             "\"https://h/d\",\"interval\":%s,\"expires_in\":%s}",
		             cases[i].v, cases[i].v);
		CHECK(oauth_parse_device(json, (size_t)n, &d, err) == DBX_OK, "%s", err);
		CHECK(d.interval == cases[i].interval, "interval %s: %ld", cases[i].v, d.interval);
		CHECK(d.expires_in == (cases[i].life == 3600 ? 600 : cases[i].life),
		      "device expires_in %s: %ld", cases[i].v, d.expires_in);
	}
}

static void test_stale(void)
{
	CHECK(!auth_stale(0, 0, 5000), "unknown expiry");
	CHECK(!auth_stale(10000, 6400, 9000), "1000 s left of an hour");
	CHECK(auth_stale(10000, 6400, 9700), "300 s left: refresh");
	CHECK(auth_stale(10000, 6400, 10001), "expired");
	CHECK(!auth_stale(1060, 1000, 1020), "40 s left of a minute");
	CHECK(auth_stale(1060, 1000, 1030), "half of a short lifetime gone");
}

int main(void)
{
	RUN(test_rfc7636_vector);
	RUN(test_base64url);
	RUN(test_jwt_claims);
	RUN(test_pkce_new);
	RUN(test_form);
	RUN(test_authorize_url);
	RUN(test_redirect);
	RUN(test_redirect_iss);
	RUN(test_discovery);
	RUN(test_tokens);
	RUN(test_device);
	RUN(test_timer_clamp);
	RUN(test_stale);
	return harness_done("oauth");
}
