/*
 * fuzz_url.c - libFuzzer target for URLs (url.h): the first line of the input
 * is a URL or host as a user, a config file or a discovery document gives it,
 * the second a base for url_join. Checked:
 * - url_parse: on success every part keeps the url.h rules (scheme http/https
 *   agreeing with is_https, a non-empty lower-case host, a port in 1..65535,
 *   a path starting with '/', printable ASCII only), and the URL written back
 *   from its parts (url_authority, with and without the port) parses to the
 *   same parts; on failure *u is zeroed.
 * - url_normalize_host: a result parses, has no path and normalises to itself.
 * - url_join: a result parses; for a path reference it is the base's origin
 *   followed by that path.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dbxai.h"
#include "fuzz_common.h"
#include "url.h"

static void check_parts(const struct url *u)
{
	size_t i;

	REQUIRE(strcmp(u->scheme, "http") == 0 || strcmp(u->scheme, "https") == 0);
	REQUIRE(u->is_https == (strcmp(u->scheme, "https") == 0));
	REQUIRE(u->host[0] != '\0' && strlen(u->host) < URL_HOST_MAX);
	for (i = 0; u->host[i]; i++)
		REQUIRE(!(u->host[i] >= 'A' && u->host[i] <= 'Z'));
	REQUIRE(u->port >= 1 && u->port <= 65535);
	if (!u->port_explicit)
		REQUIRE(u->port == (u->is_https ? 443u : 80u));
	REQUIRE(u->path[0] == '/' && strlen(u->path) < URL_PATH_MAX);
	for (i = 0; u->path[i]; i++)
		REQUIRE(u->path[i] > 0x20 && u->path[i] < 0x7f && u->path[i] != '#');
}

static void same_parts(const struct url *a, const struct url *b, int port_explicit_too)
{
	REQUIRE(strcmp(a->scheme, b->scheme) == 0 && strcmp(a->host, b->host) == 0);
	REQUIRE(a->host_is_ipv6 == b->host_is_ipv6 && a->is_https == b->is_https);
	REQUIRE(a->port == b->port && strcmp(a->path, b->path) == 0);
	if (port_explicit_too)
		REQUIRE(a->port_explicit == b->port_explicit);
}

static void round_trip(const struct url *u, int always_port)
{
	static char auth[URL_MAX], again[URL_MAX + URL_PATH_MAX];
	static struct url back;

	REQUIRE(url_authority(u, always_port, auth, sizeof auth) == DBX_OK);
	snprintf(again, sizeof again, "%s://%s%s", u->scheme, auth, u->path);
	REQUIRE(url_parse(again, &back, NULL) == DBX_OK);
	same_parts(u, &back, 0);
	REQUIRE(back.port_explicit == (always_port || u->port != (u->is_https ? 443u : 80u)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct url u, v;
	static char out[URL_MAX], out2[URL_MAX], joined[URL_MAX];
	char *line[2], *block, errbuf[DBX_ERRBUF_SIZE];
	size_t i;
	int err;

	if (size > 3 * URL_MAX)
		return 0;
	fuzz_lines(data, size, line, 2, &block);

	err = url_parse(line[0], &u, errbuf);
	if (err == DBX_OK) {
		check_parts(&u);
		round_trip(&u, 0);
		round_trip(&u, 1);
		(void)url_is_loopback(u.host);
	} else {
		REQUIRE(err == DBX_ERR_USAGE || err == DBX_ERR_LIMIT);
		for (i = 0; i < sizeof u; i++)
			REQUIRE(((unsigned char *)&u)[i] == 0);
	}
	(void)url_is_loopback(line[0]);

	err = url_normalize_host(line[0], out, sizeof out, errbuf);
	if (err == DBX_OK) {
		REQUIRE(url_parse(out, &v, NULL) == DBX_OK);
		REQUIRE(strcmp(v.path, "/") == 0);
		REQUIRE(url_normalize_host(out, out2, sizeof out2, NULL) == DBX_OK);
		REQUIRE(strcmp(out, out2) == 0);
	}

	err = url_join(line[1][0] ? line[1] : NULL, line[0], joined, sizeof joined, errbuf);
	if (err == DBX_OK) {
		REQUIRE(url_parse(joined, &v, NULL) == DBX_OK);
		if (line[0][0] == '/') {
			size_t n;
			REQUIRE(url_parse(line[1], &u, NULL) == DBX_OK);
			n = strlen(joined) - strlen(line[0]);
			REQUIRE(strcmp(joined + n, line[0]) == 0);
			REQUIRE(strcmp(v.host, u.host) == 0 && v.port == u.port);
		}
	}
	free(block);
	return 0;
}
