/*
 * fuzz_proxy.c - libFuzzer target for proxy settings (proxy.h). The input is
 * four lines: NO_PROXY, the target host, the target port, the HTTPS_PROXY
 * value. Checked:
 * - proxy_parse: on success use is 1, the host is a non-empty lower-case C
 *   string, the port is 1..65535, auth is "" or "Basic " and base64; on
 *   failure *out is zeroed; no part of a user or password from the value ever
 *   shows in errbuf (the message names the host at most).
 * - proxy_no_proxy_match: "*" matches every (non-empty) target; an entry list matches
 *   the same way with the entries in reverse order and with extra spaces and
 *   empty entries between them (order and blanks do not matter).
 * - proxy_from_env agrees with the two above: direct when NO_PROXY matches,
 *   else as proxy_parse says (and with the same host and port).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dbxai.h"
#include "fuzz_common.h"
#include "proxy.h"

static const char *env_no_proxy, *env_proxy;

static const char *get(void *ctx, const char *name)
{
	(void)ctx;
	if (strcmp(name, "NO_PROXY") == 0)
		return env_no_proxy;
	if (strcmp(name, "HTTPS_PROXY") == 0)
		return env_proxy;
	return NULL;
}

/* The entries of list in reverse order, joined by " , ,". */
static void reversed(const char *list, char *out, size_t cap)
{
	size_t end = strlen(list), len = 0;
	int first = 1;

	out[0] = '\0';
	for (;;) {
		size_t start = end;
		while (start > 0 && list[start - 1] != ',')
			start--;
		len += (size_t)snprintf(out + len, cap - len, "%s%.*s", first ? "" : " , ,",
		                        (int)(end - start), list + start);
		first = 0;
		REQUIRE(len < cap);
		end = start ? start - 1 : 0;
		if (start == 0)
			break;
	}
}

static void check_secret_free(const char *value, const char *errbuf)
{
	const char *at = strrchr(value, '@'), *start = value;
	char cred[64];
	size_t n;

	if (!at)
		return;
	if (strstr(value, "://"))
		start = strstr(value, "://") + 3;
	if (start >= at)
		return;
	/* a credential of 6 or more characters must not be in the message */
	n = (size_t)(at - start);
	if (n < 6 || n >= sizeof cred)
		return;
	memcpy(cred, start, n);
	cred[n] = '\0';
	/* (the usage hint itself says "user:password") */
	REQUIRE(strstr(errbuf, cred) == NULL ||
	        strstr("[http://][user:password@]host[:port]", cred) != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct proxy p, q;
	static char rev[16384];
	char *line[4], *block, *end, errbuf[DBX_ERRBUF_SIZE] = "";
	unsigned long port;
	size_t i;
	int err, m, m2, perr;

	if (size > 4096)
		return 0;
	fuzz_lines(data, size, line, 4, &block);
	port = strtoul(line[2], &end, 10);
	if (port == 0 || port > 65535)
		port = 443;

	perr = proxy_parse(line[3], &p, errbuf);
	if (perr == DBX_OK) {
		REQUIRE(p.use == 1 && p.host[0] && strlen(p.host) < URL_HOST_MAX);
		for (i = 0; p.host[i]; i++)
			REQUIRE(!(p.host[i] >= 'A' && p.host[i] <= 'Z'));
		REQUIRE(p.port >= 1 && p.port <= 65535);
		REQUIRE(p.auth[0] == '\0' || strncmp(p.auth, "Basic ", 6) == 0);
		REQUIRE(strlen(p.auth) < PROXY_AUTH_MAX);
	} else {
		REQUIRE(perr == DBX_ERR_USAGE || perr == DBX_ERR_LIMIT);
		for (i = 0; i < sizeof p; i++)
			REQUIRE(((unsigned char *)&p)[i] == 0);
		check_secret_free(line[3], errbuf);
	}

	m = proxy_no_proxy_match(line[0], line[1], (unsigned)port);
	REQUIRE(m == 0 || m == 1);
	/* (a host that is empty once "[]" or a trailing dot is dropped matches nothing) */
	if (strcmp(line[0], "*") == 0 && line[1][0] && strcmp(line[1], ".") != 0 &&
	    strcmp(line[1], "[]") != 0 && strcmp(line[1], "[.]") != 0)
		REQUIRE(m == 1);
	if (strcmp(line[0], "*") != 0 && strlen(line[0]) < sizeof rev / 4) {
		reversed(line[0], rev, sizeof rev);
		if (strcmp(rev, "*") != 0) {
			m2 = proxy_no_proxy_match(rev, line[1], (unsigned)port);
			REQUIRE(m == m2);
		}
	}

	env_no_proxy = line[0];
	env_proxy = line[3];
	errbuf[0] = '\0';
	err = proxy_from_env(get, NULL, line[1], (unsigned)port, &q, errbuf);
	if (m) {
		REQUIRE(err == DBX_OK && q.use == 0);
	} else if (err == DBX_OK && q.use) {
		REQUIRE(perr == DBX_OK && strcmp(q.host, p.host) == 0 && q.port == p.port);
		REQUIRE(strcmp(q.auth, p.auth) == 0);
	} else if (err) {
		/* (the message starts with the variable's name, "HTTPS_PROXY: ",
		 * which a user part may happen to spell) */
		const char *detail = strstr(errbuf, ": ");
		check_secret_free(line[3], detail ? detail + 2 : errbuf);
	}
	proxy_clear(&p);
	proxy_clear(&q);
	free(block);
	return 0;
}
