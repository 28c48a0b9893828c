/* test_proxy.c - NO_PROXY matching, proxy URL parsing, environment
 * precedence, base64. */
#include "dbxai.h"
#include "harness.h"
#include "crypto.h"
#include "proxy.h"

struct b64_case {
	const char *in;
	size_t len;
	const char *out;
};

static const struct b64_case b64_cases[] = {
    /* RFC 4648 section 10 */
    {"", 0, ""},
    {"f", 1, "Zg=="},
    {"fo", 2, "Zm8="},
    {"foo", 3, "Zm9v"},
    {"foob", 4, "Zm9vYg=="},
    {"fooba", 5, "Zm9vYmE="},
    {"foobar", 6, "Zm9vYmFy"},
    /* RFC 7617's Basic example, and bytes that need every bit */
    {"Aladdin:open sesame", 19, "QWxhZGRpbjpvcGVuIHNlc2FtZQ=="},
    {"\x00\xff\xfe\x10\x80", 5, "AP/+EIA="},
    {"\xfb\xff\xbf", 3, "+/+/"},
};

static void test_base64(void)
{
	size_t i;

	for (i = 0; i < sizeof b64_cases / sizeof b64_cases[0]; i++) {
		const struct b64_case *c = &b64_cases[i];
		char out[64];
		size_t need = strlen(c->out) + 1;
		struct harness_guarded g = harness_guard(c->in, c->len);
		int err;

		err = crypto_base64(g.data, c->len, out, sizeof out);
		CHECK(err == 0 && strcmp(out, c->out) == 0, "b64 #%zu: %d '%s' want '%s'", i, err,
		      out, c->out);
		/* exact fit works, one byte less does not and leaves "" */
		err = crypto_base64(g.data, c->len, out, need);
		CHECK(err == 0 && strcmp(out, c->out) == 0, "b64 #%zu exact fit", i);
		memset(out, 'x', sizeof out);
		err = crypto_base64(g.data, c->len, out, need - 1);
		CHECK(need == 1 ? err == DBX_ERR_LIMIT : err == DBX_ERR_LIMIT && out[0] == '\0',
		      "b64 #%zu short buffer: %d", i, err);
		harness_unguard(&g);
	}
	CHECK(crypto_base64(NULL, 0, (char[4]){0}, 4) == 0, "NULL, 0");
	CHECK(crypto_base64(NULL, 1, (char[4]){0}, 4) == DBX_ERR_USAGE, "NULL, 1");
	/* a length whose encoded size would overflow size_t must not wrap */
	CHECK(crypto_base64("x", (size_t)-1, (char[8]){0}, 8) == DBX_ERR_LIMIT, "huge length");
}

/* the decoder (PEM certificates): the same cases back, then what it refuses */
static void test_base64_decode(void)
{
	static const char *bad[] = {"Zg=",       "Zg",           "Z===", "Zm9v-A==", "Zm9v_A==",
	                            "Zm9 vYmE=", "Zm9vYmE=Zm9v", "====", "Zm=v"};
	unsigned char out[64];
	size_t i, n;

	for (i = 0; i < sizeof b64_cases / sizeof b64_cases[0]; i++) {
		const struct b64_case *c = &b64_cases[i];
		struct harness_guarded g = harness_guard(c->out, strlen(c->out));
		int err =
		    crypto_base64_decode((const char *)g.data, strlen(c->out), out, sizeof out, &n);
		CHECK(err == 0 && n == c->len && memcmp(out, c->in, n) == 0, "decode #%zu: %d %zu",
		      i, err, n);
		if (c->len) {
			err = crypto_base64_decode((const char *)g.data, strlen(c->out), out,
			                           c->len - 1, &n);
			CHECK(err == DBX_ERR_LIMIT, "decode #%zu short buffer: %d", i, err);
		}
		harness_unguard(&g);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK(crypto_base64_decode(bad[i], strlen(bad[i]), out, sizeof out, &n) ==
		          DBX_ERR_PROTOCOL,
		      "'%s' refused", bad[i]);
}

struct np_case {
	const char *no_proxy, *host;
	unsigned port;
	int want;
};

static const struct np_case np_cases[] = {
    {"*", "example.com", 443, 1},
    {" * ", "example.com", 443, 1},
    {"*", "10.1.2.3", 443, 1},
    {"localhost,*", "example.com", 443, 0}, /* "*" only alone, as curl */
    {"example.com", "example.com", 443, 1},
    {"example.com", "a.example.com", 443, 1},
    {"example.com", "a.b.example.com", 443, 1},
    {"example.com", "badexample.com", 443, 0},
    {"example.com", "example.co", 443, 0},
    {"example.com", "xample.com", 443, 0},
    {"example.com", "com", 443, 0},
    {"a.example.com", "example.com", 443, 0},
    {".example.com", "example.com", 443, 1},
    {".example.com", "a.example.com", 443, 1},
    {".example.com", "badexample.com", 443, 0},
    {"*.example.com", "a.example.com", 443, 1},
    {"*.example.com", "example.com", 443, 1},
    {".com", "example.com", 443, 1},
    {"EXAMPLE.Com", "example.COM", 443, 1},
    {"example.com.", "example.com", 443, 1},
    {"example.com", "example.com.", 443, 1},
    {"cloud.databricks.com", "dbc-1234.cloud.databricks.com", 443, 1},
    {"foo, example.com ,bar", "a.example.com", 443, 1},
    {"\texample.com\n", "example.com", 443, 1},
    {"foo,,bar,", "example.com", 443, 0},
    {",", "example.com", 443, 0},
    {"", "example.com", 443, 0},
    {"  ", "example.com", 443, 0},
    {NULL, "example.com", 443, 0},
    {"example.com", "", 443, 0},
    {"example.com", NULL, 443, 0},
    {"localhost,127.0.0.1", "localhost", 443, 1},
    {"localhost,127.0.0.1", "127.0.0.1", 443, 1},
    {"127.0.0.1", "127.0.0.2", 443, 0},
    {"127.0.0.1", "localhost", 443, 0}, /* nothing is resolved */
    {"localhost", "127.0.0.1", 443, 0},
    {"1.2.3.4", "1.2.3.4", 443, 1},
    {"example.com", "93.184.216.34", 443, 0},
    {"192.168.0.0/16", "192.168.5.4", 443, 1},
    {"192.168.0.0/16", "192.169.0.1", 443, 0},
    {"192.168.0.0/16", "example.com", 443, 0},
    {"10.0.0.0/8", "10.255.255.255", 443, 1},
    {"10.0.0.0/8", "11.0.0.0", 443, 0},
    {"172.16.0.0/12", "172.31.255.1", 443, 1},
    {"172.16.0.0/12", "172.32.0.1", 443, 0},
    {"0.0.0.0/0", "8.8.8.8", 443, 1},
    {"192.168.1.7/32", "192.168.1.7", 443, 1},
    {"192.168.1.7/32", "192.168.1.8", 443, 0},
    {"192.168.0.0/33", "192.168.0.1", 443, 0},
    {"192.168.0.0/abc", "192.168.0.1", 443, 0},
    {"192.168.0.0/", "192.168.0.1", 443, 0},
    {"192.168.0.0/16", "::ffff:192.168.0.1", 443, 0},
    {"::1", "::1", 443, 1},
    {"::1", "[::1]", 443, 1},
    {"[::1]", "::1", 443, 1},
    {"0:0::1", "::1", 443, 1},
    {"::1", "::2", 443, 0},
    {"::1", "127.0.0.1", 443, 0},
    {"fd00::/8", "fd12:3456::1", 443, 1},
    {"fd00::/8", "fe80::1", 443, 0},
    {"2001:db8::/32", "2001:db8:ffff::1", 443, 1},
    {"2001:db8::/33", "2001:db8:8000::1", 443, 0},
    {"2001:db8::/33", "2001:db8:7fff::1", 443, 1},
    {"[2001:db8::/32]", "2001:db8::5", 443, 1},
    {"::/0", "2001:db8::1", 443, 1},
    {"::/129", "::1", 443, 0},
    {"example.com:443", "example.com", 443, 1},
    {"example.com:443", "example.com", 8443, 0},
    {"example.com:443", "a.example.com", 443, 1},
    {"example.com:abc", "example.com", 443, 0},
    {"example.com:0", "example.com", 443, 0},
    {"example.com:", "example.com", 443, 0},
    {"example.com:70000", "example.com", 443, 0},
    {"127.0.0.1:8080", "127.0.0.1", 8080, 1},
    {"127.0.0.1:8080", "127.0.0.1", 80, 0},
    {"[::1]:8443", "::1", 8443, 1},
    {"[::1]:8443", "::1", 443, 0},
    {"[::1]x", "::1", 443, 0},
    {"other.com:443, 192.168.0.0/16 ,.corp", "x.corp", 443, 1},
    {"other.com, .corp:8443", "x.corp", 443, 0},
};

static void test_no_proxy_table(void)
{
	size_t i;

	for (i = 0; i < sizeof np_cases / sizeof np_cases[0]; i++) {
		const struct np_case *c = &np_cases[i];
		int got;

		if (c->no_proxy) {
			struct harness_guarded g =
			    harness_guard(c->no_proxy, strlen(c->no_proxy) + 1);
			got = proxy_no_proxy_match((const char *)g.data, c->host, c->port);
			harness_unguard(&g);
		} else {
			got = proxy_no_proxy_match(NULL, c->host, c->port);
		}
		CHECK(got == c->want, "NO_PROXY='%s' host '%s':%u: got %d want %d",
		      c->no_proxy ? c->no_proxy : "(null)", c->host ? c->host : "(null)", c->port,
		      got, c->want);
	}
}

struct parse_case {
	const char *in;
	int err;
	const char *host;
	int ipv6;
	unsigned port;
	const char *auth;
};

static const struct parse_case parse_cases[] = {
    {"http://proxy.corp:3128", 0, "proxy.corp", 0, 3128, ""},
    {"proxy.corp:3128", 0, "proxy.corp", 0, 3128, ""},
    {"proxy.corp", 0, "proxy.corp", 0, 1080, ""},
    {"http://proxy.corp", 0, "proxy.corp", 0, 1080, ""},
    {"HTTP://Proxy.Corp:8080/", 0, "proxy.corp", 0, 8080, ""},
    {"http://proxy.corp:3128/some/path?x#y", 0, "proxy.corp", 0, 3128, ""},
    {"  http://proxy.corp:3128 \n", 0, "proxy.corp", 0, 3128, ""},
    {"http://[::1]:3128", 0, "::1", 1, 3128, ""},
    {"[fd00::5]", 0, "fd00::5", 1, 1080, ""},
    {"http://10.0.0.1:8080", 0, "10.0.0.1", 0, 8080, ""},
    {"localhost:3128", 0, "localhost", 0, 3128, ""},
    {"http://user:pass@proxy:3128", 0, "proxy", 0, 3128, "Basic dXNlcjpwYXNz"},
    {"user:pass@proxy:3128", 0, "proxy", 0, 3128, "Basic dXNlcjpwYXNz"},
    {"http://user@proxy", 0, "proxy", 0, 1080, "Basic dXNlcjo="},
    {"http://user:@proxy", 0, "proxy", 0, 1080, "Basic dXNlcjo="},
    {"http://:pass@proxy", 0, "proxy", 0, 1080, "Basic OnBhc3M="},
    {"http://@proxy", 0, "proxy", 0, 1080, ""},
    {"http://us%40er:p%3Ass%2F@proxy", 0, "proxy", 0, 1080, "Basic dXNAZXI6cDpzcy8="},
    {"http://user:p@ss@proxy:3128", 0, "proxy", 0, 3128, "Basic dXNlcjpwQHNz"},
    {"http://user:p/ss@proxy", 0, "proxy", 0, 1080, "Basic dXNlcjpwL3Nz"},
    {"http://user:p%2fss@proxy", 0, "proxy", 0, 1080, "Basic dXNlcjpwL3Nz"},
    {"http://Aladdin:open%20sesame@[::1]:8080", 0, "::1", 1, 8080,
     "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="},
    {"http://user:pa%zzss@proxy", DBX_ERR_USAGE, 0, 0, 0, 0},
    {"http://user:pass%4@proxy", DBX_ERR_USAGE, 0, 0, 0, 0},
    {"http://user:pass%@proxy", DBX_ERR_USAGE, 0, 0, 0, 0},
    {"http://user:pa%00ss@proxy", DBX_ERR_USAGE, 0, 0, 0, 0},
    {"http://us%0Aer:pass@proxy", DBX_ERR_USAGE, 0, 0, 0, 0},
    {"https://proxy:3128", DBX_ERR_USAGE, 0, 0, 0, 0},
    {"socks5://proxy:1080", DBX_ERR_USAGE, 0, 0, 0, 0},
    {"socks5h://proxy", DBX_ERR_USAGE, 0, 0, 0, 0},
    {"socks4://proxy", DBX_ERR_USAGE, 0, 0, 0, 0},
    {"", DBX_ERR_USAGE, 0, 0, 0, 0},
    {" \t", DBX_ERR_USAGE, 0, 0, 0, 0},
    {"http://", DBX_ERR_USAGE, 0, 0, 0, 0},
    {"http:///path", DBX_ERR_USAGE, 0, 0, 0, 0},
    {"http://user:pass@", DBX_ERR_USAGE, 0, 0, 0, 0},
    {"http://user:secret", DBX_ERR_USAGE, 0, 0, 0, 0},
    {"http://proxy:0", DBX_ERR_USAGE, 0, 0, 0, 0},
    {"http://proxy:99999", DBX_ERR_USAGE, 0, 0, 0, 0},
    {"http://proxy:3128:1", DBX_ERR_USAGE, 0, 0, 0, 0},
    {"http://proxy:", DBX_ERR_USAGE, 0, 0, 0, 0},
    {"http://pro xy:3128", DBX_ERR_USAGE, 0, 0, 0, 0},
    {"http://[::1:3128", DBX_ERR_USAGE, 0, 0, 0, 0},
};

static void test_parse_table(void)
{
	size_t i;

	for (i = 0; i < sizeof parse_cases / sizeof parse_cases[0]; i++) {
		const struct parse_case *c = &parse_cases[i];
		char eb[DBX_ERRBUF_SIZE] = "";
		struct proxy p;
		struct harness_guarded g = harness_guard(c->in, strlen(c->in) + 1);
		int err = proxy_parse((const char *)g.data, &p, eb);

		CHECK(err == c->err, "'%s': got %d want %d (%s)", c->in, err, c->err, eb);
		if (!err && !c->err) {
			CHECK(p.use == 1, "'%s' use", c->in);
			CHECK(strcmp(p.host, c->host) == 0, "'%s' host %s", c->in, p.host);
			CHECK(p.host_is_ipv6 == c->ipv6, "'%s' ipv6", c->in);
			CHECK(p.port == c->port, "'%s' port %u", c->in, p.port);
			CHECK(strcmp(p.auth, c->auth) == 0, "'%s' auth '%s'", c->in, p.auth);
			CHECK(p.source == NULL, "'%s' source", c->in);
		}
		if (err) {
			CHECK(eb[0] != '\0', "'%s': no message", c->in);
			CHECK(p.use == 0 && p.auth[0] == '\0', "'%s': not zeroed", c->in);
		}
		proxy_clear(&p);
		harness_unguard(&g);
	}
}

static void test_parse_messages(void)
{
	static const char *const bad[] = {
	    "http://user:SECRET", /* host forgotten: the password is the "port" */
	    "http://user:SECRET@",         "http://user:SECRET%zz@proxy",
	    "http://user:SECR%00ET@proxy", "https://user:SECRET@proxy",
	    "socks5://user:SECRET@proxy",  "http://user:SECRET@proxy:99999",
	    "http://user:SECRET@pro xy",   "SECRET:SECRET@proxy:bad",
	};
	char eb[DBX_ERRBUF_SIZE];
	struct proxy p;
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(eb, 0, sizeof eb);
		CHECK(proxy_parse(bad[i], &p, eb) != DBX_OK, "'%s' accepted", bad[i]);
		CHECK(!strstr(eb, "SECRET") && !strstr(eb, "SECR"), "secret in '%s'", eb);
	}
	proxy_parse("socks5://proxy:1080", &p, eb);
	CHECK(strstr(eb, "only http:// proxies are supported") && strstr(eb, "socks5"), "%s", eb);
	proxy_parse("https://proxy:1080", &p, eb);
	CHECK(strstr(eb, "only http:// proxies are supported") != NULL, "%s", eb);

	CHECK(proxy_parse(NULL, &p, eb) == DBX_ERR_USAGE, "NULL value");
	CHECK(proxy_parse("proxy", NULL, eb) == DBX_ERR_USAGE, "NULL out");
	CHECK(proxy_parse("socks5://x", &p, NULL) == DBX_ERR_USAGE, "NULL errbuf");
}

static void test_parse_limits(void)
{
	static char v[1200];
	char eb[DBX_ERRBUF_SIZE];
	struct proxy p;
	size_t o;

	/* 255-byte user and password: the longest; Basic value fills auth */
	o = (size_t)snprintf(v, sizeof v, "http://");
	memset(v + o, 'u', 255);
	o += 255;
	v[o++] = ':';
	memset(v + o, 'p', 255);
	o += 255;
	snprintf(v + o, sizeof v - o, "@proxy:8080");
	CHECK(proxy_parse(v, &p, eb) == DBX_OK, "longest credentials: %s", eb);
	CHECK(strlen(p.auth) == 6 + 684 && strlen(p.auth) + 1 == PROXY_AUTH_MAX, "auth length %zu",
	      strlen(p.auth));
	CHECK(strncmp(p.auth, "Basic dXV1", 10) == 0, "auth prefix");
	proxy_clear(&p);
	/* one more byte of password is too long */
	o = (size_t)snprintf(v, sizeof v, "http://u:");
	memset(v + o, 'p', 256);
	o += 256;
	snprintf(v + o, sizeof v - o, "@proxy:8080");
	CHECK(proxy_parse(v, &p, eb) == DBX_ERR_LIMIT, "256-byte password");
	CHECK(strstr(eb, "ppp") == NULL, "password in message: %s", eb);
	/* percent-encoding counts decoded bytes: 255 x "%41" fits */
	o = (size_t)snprintf(v, sizeof v, "http://");
	for (int i = 0; i < 255; i++)
		o += (size_t)snprintf(v + o, sizeof v - o, "%%41");
	snprintf(v + o, sizeof v - o, "@proxy");
	CHECK(proxy_parse(v, &p, eb) == DBX_OK, "encoded 255-byte user: %s", eb);
	CHECK(p.port == PROXY_DEFAULT_PORT, "default port");

	/* proxy_clear wipes the secret */
	proxy_parse("http://u:p@proxy", &p, eb);
	CHECK(p.auth[0] != '\0', "auth set");
	proxy_clear(&p);
	{
		static const struct proxy zero;
		CHECK(memcmp(&p, &zero, sizeof p) == 0, "proxy_clear left bytes");
	}
	proxy_clear(NULL);
}

/* A fake environment: NULL-terminated name/value pairs. */
struct fake_env {
	const char *kv[12];
};

static const char *fake_get(void *ctx, const char *name)
{
	const struct fake_env *e = ctx;
	size_t i;

	for (i = 0; e->kv[i]; i += 2) {
		if (strcmp(e->kv[i], name) == 0)
			return e->kv[i + 1];
	}
	return NULL;
}

struct env_case {
	struct fake_env env;
	const char *host;
	int err, use;
	const char *proxy_host, *source;
};

static const struct env_case env_cases[] = {
    {{{NULL}}, "x.com", 0, 0, NULL, NULL},
    {{{"HTTPS_PROXY", "http://up:3128", NULL}}, "x.com", 0, 1, "up", "HTTPS_PROXY"},
    {{{"https_proxy", "http://low:3128", NULL}}, "x.com", 0, 1, "low", "https_proxy"},
    {{{"https_proxy", "low:1", "HTTPS_PROXY", "up:1", NULL}}, "x.com", 0, 1, "low", "https_proxy"},
    /* set but empty: the lower-case one still wins, and means "none" */
    {{{"https_proxy", "", "HTTPS_PROXY", "up:1", NULL}}, "x.com", 0, 0, NULL, NULL},
    {{{"HTTPS_PROXY", "  ", NULL}}, "x.com", 0, 0, NULL, NULL},
    /* neither http_proxy nor ALL_PROXY is read for https targets */
    {{{"http_proxy", "p:1", "HTTP_PROXY", "p:1", "ALL_PROXY", "socks5://p", NULL}},
     "x.com",
     0,
     0,
     NULL,
     NULL},
    {{{"HTTPS_PROXY", "p:1", "NO_PROXY", "x.com", NULL}}, "a.x.com", 0, 0, NULL, NULL},
    {{{"HTTPS_PROXY", "p:1", "no_proxy", "x.com", NULL}}, "x.com", 0, 0, NULL, NULL},
    {{{"HTTPS_PROXY", "p:1", "no_proxy", "y.com", "NO_PROXY", "x.com", NULL}},
     "x.com",
     0,
     1,
     "p",
     "HTTPS_PROXY"},
    {{{"HTTPS_PROXY", "p:1", "no_proxy", "", "NO_PROXY", "*", NULL}},
     "x.com",
     0,
     1,
     "p",
     "HTTPS_PROXY"},
    {{{"HTTPS_PROXY", "p:1", "NO_PROXY", "*", NULL}}, "x.com", 0, 0, NULL, NULL},
    {{{"HTTPS_PROXY", "p:1", "NO_PROXY", "badx.com", NULL}}, "x.com", 0, 1, "p", "HTTPS_PROXY"},
    {{{"HTTPS_PROXY", "socks5://p:1", NULL}}, "x.com", DBX_ERR_USAGE, 0, NULL, NULL},
    /* excluded hosts never look at the (bad) proxy value, as in curl */
    {{{"HTTPS_PROXY", "socks5://p:1", "NO_PROXY", "x.com", NULL}}, "x.com", 0, 0, NULL, NULL},
    {{{"https_proxy", "http://p:0", NULL}}, "x.com", DBX_ERR_USAGE, 0, NULL, NULL},
    {{{"HTTPS_PROXY", "p:1", "NO_PROXY", "::1", NULL}}, "[::1]", 0, 0, NULL, NULL},
    {{{"HTTPS_PROXY", "p:1", "NO_PROXY", "10.0.0.0/8", NULL}}, "10.1.1.1", 0, 0, NULL, NULL},
    {{{"HTTPS_PROXY", "p:1", "NO_PROXY", "x.com:8443", NULL}}, "x.com", 0, 1, "p", "HTTPS_PROXY"},
};

static void test_env_table(void)
{
	size_t i;

	for (i = 0; i < sizeof env_cases / sizeof env_cases[0]; i++) {
		const struct env_case *c = &env_cases[i];
		char eb[DBX_ERRBUF_SIZE] = "";
		struct proxy p;
		int err = proxy_from_env(fake_get, (void *)&c->env, c->host, 443, &p, eb);

		CHECK(err == c->err, "env #%zu: got %d want %d (%s)", i, err, c->err, eb);
		CHECK(p.use == c->use, "env #%zu: use %d want %d", i, p.use, c->use);
		if (!err && c->use) {
			CHECK(strcmp(p.host, c->proxy_host) == 0, "env #%zu host %s", i, p.host);
			CHECK(p.source && strcmp(p.source, c->source) == 0, "env #%zu source", i);
		}
		if (!c->use)
			CHECK(p.host[0] == '\0' && p.source == NULL, "env #%zu: fields set", i);
		proxy_clear(&p);
	}
}

static void test_env_messages(void)
{
	struct fake_env e1 = {{"HTTPS_PROXY", "socks5://u:SECRET@p:1", NULL}};
	struct fake_env e2 = {{"https_proxy", "http://u:SECRET@p:bad", NULL}};
	char eb[DBX_ERRBUF_SIZE] = "";
	struct proxy p;

	CHECK(proxy_from_env(fake_get, &e1, "x.com", 443, &p, eb) == DBX_ERR_USAGE, "e1");
	CHECK(strncmp(eb, "HTTPS_PROXY: only http:// proxies are supported", 47) == 0,
	      "message: %s", eb);
	CHECK(!strstr(eb, "SECRET"), "secret: %s", eb);
	CHECK(proxy_from_env(fake_get, &e2, "x.com", 443, &p, eb) == DBX_ERR_USAGE, "e2");
	CHECK(strncmp(eb, "https_proxy: ", 13) == 0 && !strstr(eb, "SECRET"), "message: %s", eb);
	CHECK(proxy_from_env(fake_get, &e2, NULL, 443, &p, eb) == DBX_ERR_USAGE, "NULL host");
	CHECK(proxy_from_env(fake_get, &e2, "x.com", 443, NULL, eb) == DBX_ERR_USAGE, "NULL out");
}

/* get == NULL reads the real environment through getenv() */
static void test_env_real(void)
{
	char eb[DBX_ERRBUF_SIZE] = "";
	struct proxy p;
	int err;

	unsetenv("https_proxy");
	unsetenv("no_proxy");
	unsetenv("NO_PROXY");
	setenv("HTTPS_PROXY", "http://a:b@envproxy:3128", 1);
	err = proxy_from_env(NULL, NULL, "x.com", 443, &p, eb);
	CHECK(err == 0 && p.use && strcmp(p.host, "envproxy") == 0 && p.port == 3128 &&
	          strcmp(p.auth, "Basic YTpi") == 0,
	      "real env: %d %s", err, eb);
	setenv("NO_PROXY", "x.com", 1);
	err = proxy_from_env(NULL, NULL, "x.com", 443, &p, eb);
	CHECK(err == 0 && !p.use, "real NO_PROXY: %d %s", err, eb);
	unsetenv("HTTPS_PROXY");
	unsetenv("NO_PROXY");
	proxy_clear(&p);
}

int main(void)
{
	RUN(test_base64);
	RUN(test_base64_decode);
	RUN(test_no_proxy_table);
	RUN(test_parse_table);
	RUN(test_parse_messages);
	RUN(test_parse_limits);
	RUN(test_env_table);
	RUN(test_env_messages);
	RUN(test_env_real);
	return harness_done("test_proxy");
}
