/* test_url.c - url_* parsing, host normalisation, loopback test, joins. */
#include "dbxai.h"
#include "harness.h"
#include "url.h"

struct parse_case {
	const char *in;
	int err;
	const char *scheme, *host;
	int ipv6;
	unsigned port;
	int port_explicit;
	const char *path;
};

static const struct parse_case parse_cases[] = {
    {"https://example.com", 0, "https", "example.com", 0, 443, 0, "/"},
    {"http://example.com", 0, "http", "example.com", 0, 80, 0, "/"},
    {"HTTPS://Example.COM/Api", 0, "https", "example.com", 0, 443, 0, "/Api"},
    {"https://example.com/", 0, "https", "example.com", 0, 443, 0, "/"},
    {"https://example.com:8443/x/y?z=1&w=2", 0, "https", "example.com", 0, 8443, 1, "/x/y?z=1&w=2"},
    {"https://example.com?o=123", 0, "https", "example.com", 0, 443, 0, "/?o=123"},
    {"https://example.com/a#frag", 0, "https", "example.com", 0, 443, 0, "/a"},
    {"https://example.com#frag", 0, "https", "example.com", 0, 443, 0, "/"},
    {"https://example.com:443/", 0, "https", "example.com", 0, 443, 1, "/"},
    {"http://h:1", 0, "http", "h", 0, 1, 1, "/"},
    {"http://h:65535", 0, "http", "h", 0, 65535, 1, "/"},
    {"http://h:00080/", 0, "http", "h", 0, 80, 1, "/"},
    {"http://127.0.0.1:8080/p", 0, "http", "127.0.0.1", 0, 8080, 1, "/p"},
    {"http://[::1]:8080/p", 0, "http", "::1", 1, 8080, 1, "/p"},
    {"https://[2001:DB8::1]/", 0, "https", "2001:db8::1", 1, 443, 0, "/"},
    {"https://[::ffff:1.2.3.4]", 0, "https", "::ffff:1.2.3.4", 1, 443, 0, "/"},
    {"https://adb-123.4.azuredatabricks.net/serving-endpoints/m/invocations", 0, "https",
     "adb-123.4.azuredatabricks.net", 0, 443, 0, "/serving-endpoints/m/invocations"},
    {"https://my_host.internal/", 0, "https", "my_host.internal", 0, 443, 0, "/"},
    {"https://h/a%20b", 0, "https", "h", 0, 443, 0, "/a%20b"},
    {"http://localhost:8020/?code=abc&state=xyz", 0, "http", "localhost", 0, 8020, 1,
     "/?code=abc&state=xyz"},

    {"", DBX_ERR_USAGE, 0, 0, 0, 0, 0, 0},
    {"example.com", DBX_ERR_USAGE, 0, 0, 0, 0, 0, 0},
    {"//example.com", DBX_ERR_USAGE, 0, 0, 0, 0, 0, 0},
    {"ftp://example.com", DBX_ERR_USAGE, 0, 0, 0, 0, 0, 0},
    {"https:/example.com", DBX_ERR_USAGE, 0, 0, 0, 0, 0, 0},
    {"httpss://example.com", DBX_ERR_USAGE, 0, 0, 0, 0, 0, 0},
    {"https://", DBX_ERR_USAGE, 0, 0, 0, 0, 0, 0},
    {"https:///path", DBX_ERR_USAGE, 0, 0, 0, 0, 0, 0},
    {"https://:443/", DBX_ERR_USAGE, 0, 0, 0, 0, 0, 0},
    {"https://user@example.com", DBX_ERR_USAGE, 0, 0, 0, 0, 0, 0},
    {"https://user:pw@example.com/", DBX_ERR_USAGE, 0, 0, 0, 0, 0, 0},
    {"https://exa mple.com", DBX_ERR_USAGE, 0, 0, 0, 0, 0, 0},
    {"https://example.com/a b", DBX_ERR_USAGE, 0, 0, 0, 0, 0, 0},
    {"https://example.com/\r\nX: y", DBX_ERR_USAGE, 0, 0, 0, 0, 0, 0},
    {"https://example.com/\t", DBX_ERR_USAGE, 0, 0, 0, 0, 0, 0},
    {"https://example.com/\x7f", DBX_ERR_USAGE, 0, 0, 0, 0, 0, 0},
    {"https://ex\xc3\xa4mple.com/", DBX_ERR_USAGE, 0, 0, 0, 0, 0, 0},
    {" https://example.com", DBX_ERR_USAGE, 0, 0, 0, 0, 0, 0},
    {"https://example.com:0/", DBX_ERR_USAGE, 0, 0, 0, 0, 0, 0},
    {"https://example.com:65536/", DBX_ERR_USAGE, 0, 0, 0, 0, 0, 0},
    {"https://example.com:99999999999999999999/", DBX_ERR_USAGE, 0, 0, 0, 0, 0, 0},
    {"https://example.com:/", DBX_ERR_USAGE, 0, 0, 0, 0, 0, 0},
    {"https://example.com:8a/", DBX_ERR_USAGE, 0, 0, 0, 0, 0, 0},
    {"https://example.com:-1/", DBX_ERR_USAGE, 0, 0, 0, 0, 0, 0},
    {"https://example.com:+80/", DBX_ERR_USAGE, 0, 0, 0, 0, 0, 0},
    {"https://example.com:80:81/", DBX_ERR_USAGE, 0, 0, 0, 0, 0, 0},
    {"https://::1/", DBX_ERR_USAGE, 0, 0, 0, 0, 0, 0},
    {"https://[::1/", DBX_ERR_USAGE, 0, 0, 0, 0, 0, 0},
    {"https://[::1]x/", DBX_ERR_USAGE, 0, 0, 0, 0, 0, 0},
    {"https://[::g]/", DBX_ERR_USAGE, 0, 0, 0, 0, 0, 0},
    {"https://[fe80::1%25eth0]/", DBX_ERR_USAGE, 0, 0, 0, 0, 0, 0},
    {"https://[]/", DBX_ERR_USAGE, 0, 0, 0, 0, 0, 0},
    {"https://[1.2.3.4]/", DBX_ERR_USAGE, 0, 0, 0, 0, 0, 0},
    {"https://a..b/", DBX_ERR_USAGE, 0, 0, 0, 0, 0, 0},
    {"https://.a/", DBX_ERR_USAGE, 0, 0, 0, 0, 0, 0},
    {"https://a./", DBX_ERR_USAGE, 0, 0, 0, 0, 0, 0},
    {"https://a%2eb/", DBX_ERR_USAGE, 0, 0, 0, 0, 0, 0},
    {"https://a\\b/", DBX_ERR_USAGE, 0, 0, 0, 0, 0, 0},
};

static void test_parse_table(void)
{
	size_t i;

	for (i = 0; i < sizeof parse_cases / sizeof parse_cases[0]; i++) {
		const struct parse_case *c = &parse_cases[i];
		char eb[DBX_ERRBUF_SIZE] = "";
		struct url u;
		struct harness_guarded g = harness_guard(c->in, strlen(c->in) + 1);
		int err = url_parse((const char *)g.data, &u, eb);

		CHECK(err == c->err, "'%s': got %d want %d (%s)", c->in, err, c->err, eb);
		if (err == 0 && c->err == 0) {
			CHECK(strcmp(u.scheme, c->scheme) == 0, "'%s' scheme %s", c->in, u.scheme);
			CHECK(strcmp(u.host, c->host) == 0, "'%s' host %s", c->in, u.host);
			CHECK(u.host_is_ipv6 == c->ipv6, "'%s' ipv6 %d", c->in, u.host_is_ipv6);
			CHECK(u.port == c->port, "'%s' port %u", c->in, u.port);
			CHECK(u.port_explicit == c->port_explicit, "'%s' explicit %d", c->in,
			      u.port_explicit);
			CHECK(strcmp(u.path, c->path) == 0, "'%s' path %s", c->in, u.path);
			CHECK(u.is_https == (strcmp(c->scheme, "https") == 0), "'%s' is_https",
			      c->in);
		}
		if (err) {
			CHECK(eb[0] != '\0', "'%s': no message", c->in);
			CHECK(u.host[0] == '\0' && u.port == 0, "'%s': not zeroed", c->in);
		}
		harness_unguard(&g);
	}
}

static void test_parse_details(void)
{
	char eb[DBX_ERRBUF_SIZE] = "";
	char big[URL_MAX + 64];
	struct url u;
	int err;

	/* host names are lower-cased (SNI, NO_PROXY and comparisons) */
	CHECK(url_parse("https://API.Example.COM/", &u, eb) == 0 &&
	          strcmp(u.host, "api.example.com") == 0,
	      "lower case: %s", u.host);
	/* messages never show the path or query: they may hold secrets */
	err = url_parse("https://h:0/?code=SECRET", &u, eb);
	CHECK(err == DBX_ERR_USAGE && !strstr(eb, "SECRET"), "secret in: %s", eb);
	err = url_parse("https://h/?code=SECRET x", &u, eb);
	CHECK(err == DBX_ERR_USAGE && !strstr(eb, "SECRET"), "secret in: %s", eb);
	err = url_parse("https://user:SECRET@h/", &u, eb);
	CHECK(err == DBX_ERR_USAGE && !strstr(eb, "SECRET"), "secret in: %s", eb);
	CHECK(url_parse(NULL, &u, eb) == DBX_ERR_USAGE, "NULL");
	CHECK(url_parse("https://h/", NULL, eb) == DBX_ERR_USAGE, "NULL out");
	CHECK(url_parse("https://h:99999/", &u, NULL) == DBX_ERR_USAGE, "NULL errbuf");
	CHECK(strstr((url_parse("https://h:99999/", &u, eb), eb), "99999") != NULL,
	      "port message: %s", eb);

	/* limits: host 255 fits, 256 does not; path URL_PATH_MAX - 1 fits */
	memcpy(big, "https://", 8);
	memset(big + 8, 'a', 255);
	big[8 + 255] = '\0';
	/* one 255-byte label is not a DNS name, but the limit is what is tested */
	CHECK(url_parse(big, &u, eb) == DBX_OK, "255-byte host: %s", eb);
	memset(big + 8, 'a', 256);
	big[8 + 256] = '\0';
	CHECK(url_parse(big, &u, eb) == DBX_ERR_LIMIT, "256-byte host");
	memcpy(big, "https://h", 9);
	memset(big + 9, '/', URL_PATH_MAX - 1);
	big[9 + URL_PATH_MAX - 1] = '\0';
	CHECK(url_parse(big, &u, eb) == DBX_OK && strlen(u.path) == URL_PATH_MAX - 1,
	      "longest path: %s", eb);
	big[9 + URL_PATH_MAX - 1] = '/';
	big[9 + URL_PATH_MAX] = '\0';
	CHECK(url_parse(big, &u, eb) == DBX_ERR_LIMIT, "path too long");
	/* "?q" grows by the '/' it gets: the limit counts that too */
	big[9] = '?';
	big[9 + URL_PATH_MAX - 1] = '\0';
	CHECK(url_parse(big, &u, eb) == DBX_ERR_LIMIT, "query too long");
}

static void test_authority(void)
{
	struct url u;
	char out[URL_HOST_MAX + 16];

	url_parse("https://h.com/x", &u, NULL);
	CHECK(url_authority(&u, 0, out, sizeof out) == 0 && !strcmp(out, "h.com"), "%s", out);
	CHECK(url_authority(&u, 1, out, sizeof out) == 0 && !strcmp(out, "h.com:443"), "%s", out);
	url_parse("https://h.com:443/x", &u, NULL);
	CHECK(url_authority(&u, 0, out, sizeof out) == 0 && !strcmp(out, "h.com"), "%s", out);
	url_parse("http://[::1]:8080/", &u, NULL);
	CHECK(url_authority(&u, 0, out, sizeof out) == 0 && !strcmp(out, "[::1]:8080"), "%s", out);
	url_parse("http://[::1]/", &u, NULL);
	CHECK(url_authority(&u, 0, out, sizeof out) == 0 && !strcmp(out, "[::1]"), "%s", out);
	CHECK(url_authority(&u, 1, out, sizeof out) == 0 && !strcmp(out, "[::1]:80"), "%s", out);
	CHECK(url_authority(&u, 1, out, 8) == DBX_ERR_LIMIT, "small buffer");
}

struct norm_case {
	const char *in;
	int err;
	const char *out;
};

static const struct norm_case norm_cases[] = {
    {"https://x.cloud.databricks.com", 0, "https://x.cloud.databricks.com"},
    {"x.cloud.databricks.com", 0, "https://x.cloud.databricks.com"},
    {"x.cloud.databricks.com/", 0, "https://x.cloud.databricks.com"},
    {"https://x.cloud.databricks.com/", 0, "https://x.cloud.databricks.com"},
    {"https://x.cloud.databricks.com///", 0, "https://x.cloud.databricks.com"},
    {"https://X.Cloud.Databricks.COM", 0, "https://x.cloud.databricks.com"},
    {"HTTPS://x.com", 0, "https://x.com"},
    {"https://x.com:8443", 0, "https://x.com:8443"},
    {"https://x.com:8443/", 0, "https://x.com:8443"},
    {"x.com:8443", 0, "https://x.com:8443"},
    {"https://x.com:443", 0, "https://x.com:443"},
    {"https://adb-1.2.azuredatabricks.net/?o=1234#job/5", 0, "https://adb-1.2.azuredatabricks.net"},
    {"https://x.com/some/path", DBX_ERR_USAGE, 0},
    {"  https://x.com/ \n", 0, "https://x.com"},
    {"\tx.com\r\n", 0, "https://x.com"},
    {"https://[2001:db8::1]:8443/", 0, "https://[2001:db8::1]:8443"},
    {"[2001:db8::1]", 0, "https://[2001:db8::1]"},
    {"10.0.0.5", 0, "https://10.0.0.5"},
    {"http://localhost:8080", 0, "http://localhost:8080"},
    {"http://localhost:8080/", 0, "http://localhost:8080"},
    {"http://LOCALHOST", 0, "http://localhost"},
    {"http://127.0.0.1:5000/", 0, "http://127.0.0.1:5000"},
    {"http://127.255.0.9", 0, "http://127.255.0.9"},
    {"http://[::1]:8080", 0, "http://[::1]:8080"},
    {"http://mock.localhost:9000", 0, "http://mock.localhost:9000"},

    {"https://adb-123.4.azuredatabricks.net/?o=123#folder/1", 0,
     "https://adb-123.4.azuredatabricks.net"},
    {"https://adb-123.4.azuredatabricks.net?o=123", 0, "https://adb-123.4.azuredatabricks.net"},

    {"https://x.com/browse?o=123", DBX_ERR_USAGE, 0},
    {"https://x.com/?o=abc", DBX_ERR_USAGE, 0},
    {"https://x.com/?o=", DBX_ERR_USAGE, 0},
    {"https://x.com/?x=1", DBX_ERR_USAGE, 0},
    {"https://x.com/api", DBX_ERR_USAGE, 0},
    {"", DBX_ERR_USAGE, 0},
    {"   ", DBX_ERR_USAGE, 0},
    {"http://x.cloud.databricks.com", DBX_ERR_USAGE, 0},
    {"http://10.0.0.5", DBX_ERR_USAGE, 0},
    {"http://128.0.0.1", DBX_ERR_USAGE, 0},
    {"http://[::2]", DBX_ERR_USAGE, 0},
    {"http://localhost.example.com", DBX_ERR_USAGE, 0},
    {"http://127.0.0.1.nip.io", DBX_ERR_USAGE, 0},
    {"ftp://x.com", DBX_ERR_USAGE, 0},
    {"wss://x.com", DBX_ERR_USAGE, 0},
    {"https://user:pw@x.com", DBX_ERR_USAGE, 0},
    {"https://x.com:0", DBX_ERR_USAGE, 0},
    {"https://x.com:70000", DBX_ERR_USAGE, 0},
    {"https://x.com:https", DBX_ERR_USAGE, 0},
    {"https://x .com", DBX_ERR_USAGE, 0},
    {"https://", DBX_ERR_USAGE, 0},
};

static void test_normalize_table(void)
{
	size_t i;

	for (i = 0; i < sizeof norm_cases / sizeof norm_cases[0]; i++) {
		const struct norm_case *c = &norm_cases[i];
		char eb[DBX_ERRBUF_SIZE] = "";
		char out[URL_MAX];
		int err = url_normalize_host(c->in, out, sizeof out, eb);

		CHECK(err == c->err, "'%s': got %d want %d (%s)", c->in, err, c->err, eb);
		if (!err && !c->err)
			CHECK(strcmp(out, c->out) == 0, "'%s' -> '%s' want '%s'", c->in, out,
			      c->out);
		if (err)
			CHECK(eb[0] && out[0] == '\0', "'%s': message or output", c->in);
	}
}

static void test_normalize_messages(void)
{
	char eb[DBX_ERRBUF_SIZE] = "";
	char out[URL_MAX];

	/* the message says what to write instead */
	url_normalize_host("http://x.cloud.databricks.com:8443/", out, sizeof out, eb);
	CHECK(strstr(eb, "https://x.cloud.databricks.com:8443") != NULL, "%s", eb);
	CHECK(strstr(eb, "localhost") != NULL, "%s", eb);
	url_normalize_host("ftp://x.com", out, sizeof out, eb);
	CHECK(strstr(eb, "ftp") && strstr(eb, "https://"), "%s", eb);
	url_normalize_host("", out, sizeof out, eb);
	CHECK(strstr(eb, "DATABRICKS_HOST") != NULL, "%s", eb);
	CHECK(url_normalize_host("x.com", out, 8, eb) == DBX_ERR_LIMIT, "small out");
	CHECK(url_normalize_host(NULL, out, sizeof out, eb) == DBX_ERR_USAGE, "NULL");
}

struct loop_case {
	const char *host;
	int want;
};

static const struct loop_case loop_cases[] = {
    {"localhost", 1},
    {"LocalHost", 1},
    {"localhost.", 1},
    {"a.localhost", 1},
    {"x.y.localhost", 1},
    {"127.0.0.1", 1},
    {"127.1.2.3", 1},
    {"127.255.255.255", 1},
    {"::1", 1},
    {"[::1]", 1},
    {"0:0:0:0:0:0:0:1", 1},
    {"::ffff:127.0.0.1", 1},
    {"[::ffff:127.9.9.9]", 1},
    {"localhost.com", 0},
    {"notlocalhost", 0},
    {"localhostx", 0},
    {"128.0.0.1", 0},
    {"126.255.255.255", 0},
    {"10.0.0.1", 0},
    {"0.0.0.0", 0},
    {"::", 0},
    {"::2", 0},
    {"::ffff:10.0.0.1", 0},
    {"127.1", 0},
    {"127.0.0.1.nip.io", 0},
    {"", 0},
    {"[", 0},
    {"[]", 0},
    {NULL, 0},
};

static void test_loopback_table(void)
{
	size_t i;

	for (i = 0; i < sizeof loop_cases / sizeof loop_cases[0]; i++) {
		const struct loop_case *c = &loop_cases[i];

		CHECK(url_is_loopback(c->host) == c->want, "'%s': want %d",
		      c->host ? c->host : "(null)", c->want);
	}
}

struct join_case {
	const char *base, *ref;
	int err;
	const char *out;
};

static const struct join_case join_cases[] = {
    {"https://x.com", "/api/2.0/serving-endpoints", 0, "https://x.com/api/2.0/serving-endpoints"},
    {"https://x.com/", "/api/2.0/serving-endpoints", 0, "https://x.com/api/2.0/serving-endpoints"},
    {"https://x.com:8443", "/serving-endpoints/m/invocations", 0,
     "https://x.com:8443/serving-endpoints/m/invocations"},
    {"http://[::1]:8080", "/a?b=c", 0, "http://[::1]:8080/a?b=c"},
    {"https://x.com/ignored/path", "/p", 0, "https://x.com/p"},
    {"https://x.com", "https://login.example.com/oidc/v1/token", 0,
     "https://login.example.com/oidc/v1/token"},
    {NULL, "https://login.example.com/token", 0, "https://login.example.com/token"},
    {"https://x.com", "HTTP://127.0.0.1:9/t", 0, "HTTP://127.0.0.1:9/t"},
    {"https://x.com", "api/2.0", DBX_ERR_USAGE, 0},
    {"https://x.com", "", DBX_ERR_USAGE, 0},
    {"https://x.com", "/a b", DBX_ERR_USAGE, 0},
    {"https://x.com", "/a\r\nHost: evil", DBX_ERR_USAGE, 0},
    {"https://x.com", "ftp://x.com/", DBX_ERR_USAGE, 0},
    {"https://x.com", "https://u:p@x.com/", DBX_ERR_USAGE, 0},
    {"x.com", "/p", DBX_ERR_USAGE, 0},
    {NULL, "/p", DBX_ERR_USAGE, 0},
};

static void test_join_table(void)
{
	size_t i;

	for (i = 0; i < sizeof join_cases / sizeof join_cases[0]; i++) {
		const struct join_case *c = &join_cases[i];
		char eb[DBX_ERRBUF_SIZE] = "";
		char out[URL_MAX];
		int err = url_join(c->base, c->ref, out, sizeof out, eb);

		CHECK(err == c->err, "'%s' + '%s': got %d want %d (%s)",
		      c->base ? c->base : "(null)", c->ref, err, c->err, eb);
		if (!err && !c->err)
			CHECK(strcmp(out, c->out) == 0, "got '%s' want '%s'", out, c->out);
		if (err)
			CHECK(out[0] == '\0', "output not cleared");
	}
}

static void test_join_limits(void)
{
	char eb[DBX_ERRBUF_SIZE] = "";
	char out[32];
	static char longpath[URL_PATH_MAX + 8];

	CHECK(url_join("https://x.com", "/012345678901234567", out, sizeof out, eb) ==
	          DBX_ERR_LIMIT,
	      "small out");
	CHECK(url_join("https://x.com", "/01234567890123456", out, sizeof out, eb) == 0 &&
	          strlen(out) == 31,
	      "exact fit: %s", eb);
	longpath[0] = '/';
	memset(longpath + 1, 'p', URL_PATH_MAX);
	{
		static char big[URL_MAX + URL_PATH_MAX];
		CHECK(url_join("https://x.com", longpath, big, sizeof big, eb) == DBX_ERR_LIMIT,
		      "path longer than URL_PATH_MAX: %s", eb);
	}
}

int main(void)
{
	RUN(test_parse_table);
	RUN(test_parse_details);
	RUN(test_authority);
	RUN(test_normalize_table);
	RUN(test_normalize_messages);
	RUN(test_loopback_table);
	RUN(test_join_table);
	RUN(test_join_limits);
	return harness_done("test_url");
}
