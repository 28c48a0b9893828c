/* url.c - absolute http/https URLs; see url.h for the rules. */
#include "url.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dbxai.h"
#include "err.h"

static int is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int to_lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

/* Length of the scheme when s starts with "scheme://", else 0. */
static size_t scheme_len(const char *s)
{
	size_t n = 0;

	while (is_alpha((unsigned char)s[n]) ||
	       (n && (is_digit((unsigned char)s[n]) || s[n] == '+' || s[n] == '-' || s[n] == '.')))
		n++;
	if (n && strncmp(s + n, "://", 3) == 0)
		return n;
	return 0;
}

/* Letters, digits, '-', '_' and non-empty dot-separated labels. '_' is not
 * valid in DNS host names but appears in internal names and in Docker
 * service names, and harms nothing. */
static int valid_reg_name(const char *h, size_t n)
{
	size_t i, label = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)h[i];

		if (c == '.') {
			if (label == 0)
				return 0;
			label = 0;
			continue;
		}
		if (!is_alpha(c) && !is_digit(c) && c != '-' && c != '_')
			return 0;
		label++;
	}
	return label > 0;
}

/* Parses the port digits p[0..n) into *port. */
static int parse_port(const char *p, size_t n, unsigned *port, char *errbuf)
{
	unsigned long v = 0;
	size_t i;
	int err = DBX_OK;

	if (n == 0) {
		err = DBX_ERR_USAGE;
		errbuf_set(errbuf, "invalid URL: empty port after ':'");
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (!is_digit((unsigned char)p[i])) {
			err = DBX_ERR_USAGE;
			errbuf_set(errbuf, "invalid URL: port '%.*s' is not a number",
			           n > 16 ? 16 : (int)n, p);
			goto out;
		}
		/* Stop counting once out of range; more digits cannot help. */
		if (v <= 65535)
			v = v * 10 + (unsigned long)(p[i] - '0');
	}
	if (v == 0 || v > 65535) {
		err = DBX_ERR_USAGE;
		errbuf_set(errbuf, "invalid URL: port %.*s is out of range (1-65535)",
		           n > 16 ? 16 : (int)n, p);
		goto out;
	}
	*port = (unsigned)v;
out:
	return err;
}

/* Splits the authority a[0..n) into host and port. */
static int parse_authority(const char *a, size_t n, struct url *u, char *errbuf)
{
	const char *port = NULL;
	size_t hlen, plen = 0, i;
	int err = DBX_OK;

	if (memchr(a, '@', n)) {
		err = DBX_ERR_USAGE;
		errbuf_set(errbuf, "invalid URL: user names and passwords in the URL "
		                   "are not supported (use a token or OAuth)");
		goto out;
	}
	if (n && a[0] == '[') {
		const char *close = memchr(a, ']', n);
		unsigned char bin[sizeof(struct in6_addr)];

		if (!close) {
			err = DBX_ERR_USAGE;
			errbuf_set(errbuf, "invalid URL: missing ']' after IPv6 address");
			goto out;
		}
		hlen = (size_t)(close - a) - 1;
		if (hlen >= sizeof u->host) {
			err = DBX_ERR_LIMIT;
			errbuf_set(errbuf, "invalid URL: host longer than %d bytes",
			           URL_HOST_MAX - 1);
			goto out;
		}
		for (i = 0; i < hlen; i++)
			u->host[i] = (char)to_lower((unsigned char)a[i + 1]);
		u->host[hlen] = '\0';
		if (inet_pton(AF_INET6, u->host, bin) != 1) {
			err = DBX_ERR_USAGE;
			errbuf_set(errbuf, "invalid URL: '[%s]' is not an IPv6 address", u->host);
			goto out;
		}
		u->host_is_ipv6 = 1;
		i = (size_t)(close - a) + 1;
		if (i < n && a[i] != ':') {
			err = DBX_ERR_USAGE;
			errbuf_set(errbuf, "invalid URL: unexpected text after ']'");
			goto out;
		}
		if (i < n) {
			port = a + i + 1;
			plen = n - i - 1;
		}
	} else {
		const char *colon = memchr(a, ':', n);

		hlen = colon ? (size_t)(colon - a) : n;
		if (colon) {
			port = colon + 1;
			plen = n - hlen - 1;
		}
		if (hlen == 0) {
			err = DBX_ERR_USAGE;
			errbuf_set(errbuf, "invalid URL: no host");
			goto out;
		}
		if (hlen >= sizeof u->host) {
			err = DBX_ERR_LIMIT;
			errbuf_set(errbuf, "invalid URL: host longer than %d bytes",
			           URL_HOST_MAX - 1);
			goto out;
		}
		if (!valid_reg_name(a, hlen)) {
			err = DBX_ERR_USAGE;
			errbuf_set(errbuf, "invalid URL: '%.*s' is not a valid host name",
			           (int)hlen, a);
			goto out;
		}
		for (i = 0; i < hlen; i++)
			u->host[i] = (char)to_lower((unsigned char)a[i]);
		u->host[hlen] = '\0';
	}
	if (port) {
		err = parse_port(port, plen, &u->port, errbuf);
		if (err)
			goto out;
		u->port_explicit = 1;
	}
out:
	return err;
}

int url_parse(const char *s, struct url *u, char *errbuf)
{
	const char *auth, *rest, *end;
	size_t slen, alen, plen, i;
	int err = DBX_OK;

	if (!u) {
		err = DBX_ERR_USAGE;
		errbuf_set(errbuf, "url_parse: no output");
		goto out;
	}
	memset(u, 0, sizeof *u);
	if (!s || !*s) {
		err = DBX_ERR_USAGE;
		errbuf_set(errbuf, "invalid URL: empty");
		goto out;
	}
	for (i = 0; s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f) {
			err = DBX_ERR_USAGE;
			errbuf_set(errbuf, "invalid URL: %s at offset %zu",
			           c == ' '    ? "space"
			           : c >= 0x80 ? "non-ASCII byte"
			                       : "control character",
			           i);
			goto out;
		}
	}
	slen = scheme_len(s);
	if (slen == 0) {
		err = DBX_ERR_USAGE;
		errbuf_set(errbuf, "invalid URL: no scheme (expected http:// or https://)");
		goto out;
	}
	if (slen == 5 && strncasecmp(s, "https", 5) == 0) {
		u->is_https = 1;
		u->port = 443;
	} else if (slen == 4 && strncasecmp(s, "http", 4) == 0) {
		u->port = 80;
	} else {
		err = DBX_ERR_USAGE;
		errbuf_set(errbuf,
		           "invalid URL: scheme '%.*s' is not supported (only "
		           "http and https)",
		           slen > 16 ? 16 : (int)slen, s);
		goto out;
	}
	for (i = 0; i < slen; i++)
		u->scheme[i] = (char)to_lower((unsigned char)s[i]);
	u->scheme[slen] = '\0';

	auth = s + slen + 3;
	alen = strcspn(auth, "/?#");
	err = parse_authority(auth, alen, u, errbuf);
	if (err)
		goto out;

	rest = auth + alen;
	end = rest + strcspn(rest, "#");
	plen = (size_t)(end - rest);
	/* "http://h?q" has an empty path: the request target is "/?q". */
	if (plen == 0 || rest[0] == '?') {
		if (plen + 1 >= sizeof u->path)
			goto too_long;
		u->path[0] = '/';
		memcpy(u->path + 1, rest, plen);
		u->path[plen + 1] = '\0';
	} else {
		if (plen >= sizeof u->path)
			goto too_long;
		memcpy(u->path, rest, plen);
		u->path[plen] = '\0';
	}
	goto out;
too_long:
	err = DBX_ERR_LIMIT;
	errbuf_set(errbuf, "invalid URL: path and query longer than %d bytes", URL_PATH_MAX - 1);
out:
	if (err && u)
		memset(u, 0, sizeof *u);
	return err;
}

int url_authority(const struct url *u, int always_port, char *out, size_t outsz)
{
	unsigned dflt = u->is_https ? 443 : 80;
	int n;

	if (always_port || u->port != dflt)
		n = snprintf(out, outsz, u->host_is_ipv6 ? "[%s]:%u" : "%s:%u", u->host, u->port);
	else
		n = snprintf(out, outsz, u->host_is_ipv6 ? "[%s]" : "%s", u->host);
	if (n < 0 || (size_t)n >= outsz)
		return DBX_ERR_LIMIT;
	return DBX_OK;
}

/* scheme://authority with the port exactly when the URL named it. */
static int origin(const struct url *u, char *out, size_t outsz)
{
	int n;

	if (u->port_explicit)
		n = snprintf(out, outsz, u->host_is_ipv6 ? "%s://[%s]:%u" : "%s://%s:%u", u->scheme,
		             u->host, u->port);
	else
		n = snprintf(out, outsz, u->host_is_ipv6 ? "%s://[%s]" : "%s://%s", u->scheme,
		             u->host);
	if (n < 0 || (size_t)n >= outsz)
		return DBX_ERR_LIMIT;
	return DBX_OK;
}

static int is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

int url_normalize_host(const char *in, char *out, size_t outsz, char *errbuf)
{
	char buf[URL_MAX];
	struct url u;
	const char *b, *e;
	size_t n, slen;
	int err = DBX_OK;

	if (out && outsz)
		out[0] = '\0';
	if (!in || !out) {
		err = DBX_ERR_USAGE;
		errbuf_set(errbuf, "url_normalize_host: bad arguments");
		goto out;
	}
	b = in;
	while (is_space((unsigned char)*b))
		b++;
	e = b + strlen(b);
	while (e > b && is_space((unsigned char)e[-1]))
		e--;
	n = (size_t)(e - b);
	if (n == 0) {
		err = DBX_ERR_USAGE;
		errbuf_set(errbuf, "the workspace host is empty; set DATABRICKS_HOST "
		                   "to https://<workspace>.cloud.databricks.com");
		goto out;
	}
	slen = scheme_len(b);
	if (slen == 0) {
		/* "host", "host:8443", "host/": https is the only sane default */
		if (n + 8 >= sizeof buf)
			goto too_long;
		memcpy(buf, "https://", 8);
		memcpy(buf + 8, b, n);
		buf[n + 8] = '\0';
	} else {
		if (!(slen == 5 && strncasecmp(b, "https", 5) == 0) &&
		    !(slen == 4 && strncasecmp(b, "http", 4) == 0)) {
			err = DBX_ERR_USAGE;
			errbuf_set(errbuf,
			           "workspace host: scheme '%.*s://' is not "
			           "supported; use https://",
			           slen > 16 ? 16 : (int)slen, b);
			goto out;
		}
		if (n >= sizeof buf)
			goto too_long;
		memcpy(buf, b, n);
		buf[n] = '\0';
	}
	err = url_parse(buf, &u, errbuf);
	if (err)
		goto out;
	/* A URL copied from the browser: "/" and "?o=<workspace id>" are fine (the
	 * id names the workspace the host already names); any other path is not
	 * the workspace host (a URL of a page in it, or a proxy path we cannot
	 * honour), so it is refused rather than silently lost. */
	b = u.path + strspn(u.path, "/");
	if (*b == '?' && b[1] == 'o' && b[2] == '=' && b[3] &&
	    strspn(b + 3, "0123456789") == strlen(b + 3))
		b += strlen(b);
	if (*b) {
		char auth[URL_HOST_MAX + URL_PORT_MAX + 2];

		err = DBX_ERR_USAGE;
		if (url_authority(&u, 0, auth, sizeof auth) != DBX_OK)
			auth[0] = '\0';
		errbuf_set(errbuf,
		           "workspace host: '%.60s' is a page or path, not a host: give only "
		           "%s://%s (the part before the first /)",
		           u.path, u.scheme, auth);
		goto out;
	}
	if (!u.is_https && !url_is_loopback(u.host)) {
		char auth[URL_HOST_MAX + URL_PORT_MAX + 2];

		err = DBX_ERR_USAGE;
		if (url_authority(&u, 0, auth, sizeof auth) != DBX_OK)
			auth[0] = '\0';
		errbuf_set(errbuf,
		           "workspace host: http:// is only allowed for "
		           "localhost, 127.0.0.0/8 and ::1 (tokens must not "
		           "travel in clear text); use https://%s",
		           auth);
		goto out;
	}
	err = origin(&u, out, outsz);
	if (err)
		errbuf_set(errbuf, "workspace host: output buffer too small");
	goto out;
too_long:
	err = DBX_ERR_LIMIT;
	errbuf_set(errbuf, "workspace host longer than %d bytes", URL_MAX - 1);
out:
	return err;
}

static int is_localhost_name(const char *h, size_t n)
{
	if (n && h[n - 1] == '.')
		n--;
	if (n == 9 && strncasecmp(h, "localhost", 9) == 0)
		return 1;
	return n > 10 && strncasecmp(h + n - 10, ".localhost", 10) == 0;
}

int url_is_loopback(const char *host)
{
	char buf[64];
	unsigned char a4[4];
	struct in6_addr a6;
	size_t n;

	if (!host)
		return 0;
	n = strlen(host);
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
		host++;
		n -= 2;
	}
	if (is_localhost_name(host, n))
		return 1;
	if (n >= sizeof buf)
		return 0;
	memcpy(buf, host, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, a4) == 1)
		return a4[0] == 127;
	if (inet_pton(AF_INET6, buf, &a6) != 1)
		return 0;
	if (IN6_IS_ADDR_LOOPBACK(&a6))
		return 1;
	return IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127;
}

int url_join(const char *base, const char *ref, char *out, size_t outsz, char *errbuf)
{
	struct url u;
	size_t olen, rlen;
	int err = DBX_OK;

	if (out && outsz)
		out[0] = '\0';
	if (!ref || !out || !outsz) {
		err = DBX_ERR_USAGE;
		errbuf_set(errbuf, "url_join: bad arguments");
		goto out;
	}
	rlen = strlen(ref);
	if (ref[0] == '/') {
		if (!base) {
			err = DBX_ERR_USAGE;
			errbuf_set(errbuf, "url_join: no base host for a path");
			goto out;
		}
		err = url_parse(base, &u, errbuf);
		if (err)
			goto out;
		err = origin(&u, out, outsz);
		if (err)
			goto too_long;
		olen = strlen(out);
		if (olen + rlen >= outsz)
			goto too_long;
		memcpy(out + olen, ref, rlen + 1);
	} else if (scheme_len(ref)) {
		if (rlen >= outsz)
			goto too_long;
		memcpy(out, ref, rlen + 1);
	} else {
		err = DBX_ERR_USAGE;
		errbuf_set(errbuf, "request target must be a path starting with '/' "
		                   "or an http(s):// URL");
		goto out;
	}
	/* One check of the whole result covers the path's characters and
	 * length and an absolute ref's scheme and host. */
	err = url_parse(out, &u, errbuf);
	if (err)
		out[0] = '\0';
	goto out;
too_long:
	err = DBX_ERR_LIMIT;
	out[0] = '\0';
	errbuf_set(errbuf, "URL longer than %zu bytes", outsz - 1);
out:
	return err;
}

int url_name_ok(const char *name)
{
	const char *p;
	if (!name || !*name || strlen(name) > URL_NAME_MAX)
		return 0;
	for (p = name; *p; p++) {
		char ch = *p;
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-'))
			return 0;
	}
	return 1;
}

int url_same_origin(const struct url *a, const struct url *b)
{
	return a->is_https == b->is_https && a->port == b->port && strcmp(a->host, b->host) == 0;
}
