/* proxy.c - HTTPS proxy configuration; see proxy.h for the rules. */
#include "proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dbxai.h"
#include "crypto.h"
#include "err.h"
#include "text.h"

/* Longest NO_PROXY entry address we look at; longer ones cannot be IP
 * literals and names are compared in place. */
#define PROXY_IP_MAX 64

static int is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static int is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Trims s[0..*n) in place: returns the new start, *n the new length. */
static const char *trim(const char *s, size_t *n)
{
	while (*n && is_space((unsigned char)s[0])) {
		s++;
		(*n)--;
	}
	while (*n && is_space((unsigned char)s[*n - 1]))
		(*n)--;
	return s;
}

const char *proxy_getenv(void *ctx, const char *name)
{
	(void)ctx;
	return getenv(name);
}

void proxy_clear(struct proxy *p)
{
	if (p)
		crypto_wipe(p, sizeof *p);
}

/*
 * Percent-decodes s[0..n) into out (outsz bytes with the NUL). what names the
 * part in messages ("user name", "password"); the text itself never appears.
 * NUL would cut the string; control bytes have no place in a Basic credential
 * and hint at a mangled value: both are refused.
 */
static int pct_decode(const char *s, size_t n, char *out, size_t outsz, const char *what,
                      char *errbuf)
{
	long got = text_pct_decode(s, n, out, outsz, TEXT_PCT_NO_CONTROL);

	if (got >= 0)
		return DBX_OK;
	crypto_wipe(out, outsz);
	if (got == TEXT_PCT_LONG) {
		errbuf_set(errbuf, "proxy %s longer than %zu bytes", what, outsz - 1);
		return DBX_ERR_LIMIT;
	}
	errbuf_set(errbuf, "bad percent-encoding or a control character in the proxy %s", what);
	return DBX_ERR_USAGE;
}

/* Length of the scheme when s starts with "scheme://", else 0. */
static size_t scheme_len(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && (is_alpha((unsigned char)s[i]) ||
	                 (i && (text_is_digit((unsigned char)s[i]) || s[i] == '+' || s[i] == '-' ||
	                        s[i] == '.'))))
		i++;
	if (i && n - i >= 3 && memcmp(s + i, "://", 3) == 0)
		return i;
	return 0;
}

int proxy_parse(const char *value, struct proxy *out, char *errbuf)
{
	char user[PROXY_CRED_MAX], pass[PROXY_CRED_MAX];
	char cred[2 * PROXY_CRED_MAX];
	char hostbuf[URL_MAX];
	struct url u;
	const char *v, *at = NULL, *hp, *end;
	size_t n, sl, i, hlen;
	int have_cred = 0;
	int err = DBX_OK;

	user[0] = pass[0] = '\0';
	if (!out || !value) {
		err = DBX_ERR_USAGE;
		errbuf_set(errbuf, "proxy_parse: bad arguments");
		goto out;
	}
	memset(out, 0, sizeof *out);
	n = strlen(value);
	v = trim(value, &n);
	if (n == 0) {
		err = DBX_ERR_USAGE;
		errbuf_set(errbuf, "empty proxy URL");
		goto out;
	}
	sl = scheme_len(v, n);
	if (sl) {
		if (!(sl == 4 && strncasecmp(v, "http", 4) == 0)) {
			err = DBX_ERR_USAGE;
			errbuf_set(errbuf,
			           "only http:// proxies are supported (got "
			           "%.*s://); write http://host:port",
			           sl > 16 ? 16 : (int)sl, v);
			goto out;
		}
		v += sl + 3;
		n -= sl + 3;
	}
	/* The last '@' ends the credentials: unencoded '@' or '/' in a
	 * password is a common mistake and still means what it says. */
	for (i = 0; i < n; i++) {
		if (v[i] == '@')
			at = v + i;
	}
	hp = at ? at + 1 : v;
	end = hp;
	while (end < v + n && *end != '/' && *end != '?' && *end != '#')
		end++;
	hlen = (size_t)(end - hp);
	if (hlen == 0) {
		err = DBX_ERR_USAGE;
		errbuf_set(errbuf, "proxy URL has no host");
		goto out;
	}
	if (hlen + 8 >= sizeof hostbuf) {
		err = DBX_ERR_LIMIT;
		errbuf_set(errbuf, "proxy host too long");
		goto out;
	}
	/* The URL parser knows what a host and a port are. Its message is not
	 * passed on: in "http://user:secret" (host forgotten) the "port" it
	 * would quote is a password. */
	memcpy(hostbuf, "http://", 7);
	memcpy(hostbuf + 7, hp, hlen);
	hostbuf[7 + hlen] = '\0';
	err = url_parse(hostbuf, &u, NULL);
	if (err) {
		errbuf_set(errbuf, "invalid proxy host or port; expected "
		                   "[http://][user:password@]host[:port]");
		goto out;
	}
	if (at) {
		const char *ui = v;
		size_t ulen = (size_t)(at - v);
		const char *colon = memchr(ui, ':', ulen);
		size_t nlen = colon ? (size_t)(colon - ui) : ulen;

		err = pct_decode(ui, nlen, user, sizeof user, "user name", errbuf);
		if (err)
			goto out;
		if (colon) {
			err = pct_decode(colon + 1, ulen - nlen - 1, pass, sizeof pass, "password",
			                 errbuf);
			if (err)
				goto out;
		}
		/* "http://@host" carries nothing; "user@" alone is sent as
		 * "user:" like curl does. */
		have_cred = user[0] != '\0' || colon != NULL;
	}
	if (have_cred) {
		int k = snprintf(cred, sizeof cred, "%s:%s", user, pass);

		if (k < 0 || (size_t)k >= sizeof cred) {
			err = DBX_ERR_INTERNAL;
			errbuf_set(errbuf, "proxy credentials do not fit");
			goto out;
		}
		memcpy(out->auth, "Basic ", 6);
		err = crypto_base64(cred, (size_t)k, out->auth + 6, sizeof out->auth - 6);
		if (err) {
			err = DBX_ERR_INTERNAL;
			errbuf_set(errbuf, "proxy credentials do not fit");
			goto out;
		}
	}
	memcpy(out->host, u.host, sizeof out->host);
	out->host_is_ipv6 = u.host_is_ipv6;
	out->port = u.port_explicit ? u.port : PROXY_DEFAULT_PORT;
	out->use = 1;
out:
	crypto_wipe(user, sizeof user);
	crypto_wipe(pass, sizeof pass);
	crypto_wipe(cred, sizeof cred);
	if (err && out)
		crypto_wipe(out, sizeof *out);
	return err;
}

/* What a NO_PROXY target or entry address is. */
enum addr_kind { KIND_NAME, KIND_V4, KIND_V6 };

/* Classifies s[0..n) (no brackets), filling bin for IP literals. */
static enum addr_kind classify(const char *s, size_t n, unsigned char bin[16])
{
	char buf[PROXY_IP_MAX];

	if (n == 0 || n >= sizeof buf)
		return KIND_NAME;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, bin) == 1)
		return KIND_V4;
	if (inet_pton(AF_INET6, buf, bin) == 1)
		return KIND_V6;
	return KIND_NAME;
}

/* Parses all-digit s[0..n) into *v if it is at most max. */
static int parse_uint(const char *s, size_t n, unsigned max, unsigned *v)
{
	unsigned long x = 0;
	size_t i;

	if (n == 0 || n > 5)
		return 0;
	for (i = 0; i < n; i++) {
		if (!text_is_digit((unsigned char)s[i]))
			return 0;
		x = x * 10 + (unsigned long)(s[i] - '0');
	}
	if (x > max)
		return 0;
	*v = (unsigned)x;
	return 1;
}

static int prefix_match(const unsigned char *a, const unsigned char *b, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;

	if (memcmp(a, b, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((a[full] ^ b[full]) & (0xffu << (8 - rest)) & 0xffu) == 0;
}

struct target {
	const char *name; /* host without brackets or trailing dot */
	size_t len;
	enum addr_kind kind;
	unsigned char bin[16];
	unsigned port;
};

/* Does one trimmed, non-empty entry e[0..n) match the target? */
static int entry_match(const char *e, size_t n, const struct target *t)
{
	const char *addr = e;
	size_t alen = n;
	const char *slash;
	unsigned port = 0, bits;
	unsigned char bin[16];
	enum addr_kind kind;

	if (e[0] == '[') {
		const char *close = memchr(e, ']', n);
		size_t rest;

		if (!close)
			return 0;
		addr = e + 1;
		alen = (size_t)(close - e) - 1;
		rest = n - alen - 2;
		if (rest) {
			if (close[1] != ':' || !parse_uint(close + 2, rest - 1, 65535, &port) ||
			    !port)
				return 0;
		}
	} else {
		const char *colon = memchr(e, ':', n);

		/* One colon is host:port; more make a bare IPv6 address,
		 * which cannot carry a port without brackets. */
		if (colon && !memchr(colon + 1, ':', n - (size_t)(colon - e) - 1)) {
			alen = (size_t)(colon - e);
			if (!parse_uint(colon + 1, n - alen - 1, 65535, &port) || !port)
				return 0;
		}
	}
	if (port && port != t->port)
		return 0;
	if (alen == 0)
		return 0;

	slash = memchr(addr, '/', alen);
	if (slash) {
		size_t plen = (size_t)(slash - addr);

		kind = classify(addr, plen, bin);
		if (kind == KIND_NAME || kind != t->kind)
			return 0;
		if (!parse_uint(slash + 1, alen - plen - 1, kind == KIND_V4 ? 32 : 128, &bits))
			return 0;
		return prefix_match(bin, t->bin, bits);
	}
	kind = classify(addr, alen, bin);
	if (kind != KIND_NAME) {
		if (kind != t->kind)
			return 0;
		return memcmp(bin, t->bin, kind == KIND_V4 ? 4 : 16) == 0;
	}
	if (t->kind != KIND_NAME)
		return 0;
	/* ".example.com", "*.example.com" and "example.com" all mean the
	 * domain and everything under it. */
	if (alen >= 2 && addr[0] == '*' && addr[1] == '.') {
		addr += 2;
		alen -= 2;
	} else if (addr[0] == '.') {
		addr++;
		alen--;
	}
	if (alen && addr[alen - 1] == '.')
		alen--;
	if (alen == 0 || alen > t->len)
		return 0;
	if (alen == t->len)
		return strncasecmp(addr, t->name, alen) == 0;
	return t->name[t->len - alen - 1] == '.' &&
	       strncasecmp(addr, t->name + t->len - alen, alen) == 0;
}

int proxy_no_proxy_match(const char *no_proxy, const char *host, unsigned port)
{
	struct target t;
	const char *p, *whole;
	size_t wlen;

	if (!no_proxy || !host || !*host)
		return 0;
	memset(&t, 0, sizeof t);
	t.name = host;
	t.len = strlen(host);
	if (t.len >= 2 && host[0] == '[' && host[t.len - 1] == ']') {
		t.name++;
		t.len -= 2;
	}
	t.kind = classify(t.name, t.len, t.bin);
	if (t.kind == KIND_NAME && t.len && t.name[t.len - 1] == '.')
		t.len--;
	if (t.len == 0)
		return 0;
	t.port = port;

	wlen = strlen(no_proxy);
	whole = trim(no_proxy, &wlen);
	if (wlen == 1 && whole[0] == '*')
		return 1;
	p = no_proxy;
	while (*p) {
		size_t n = strcspn(p, ",");
		const char *e = trim(p, &n);

		if (n && entry_match(e, n, &t))
			return 1;
		p += strcspn(p, ",");
		if (*p == ',')
			p++;
	}
	return 0;
}

int proxy_from_env(proxy_getenv_fn get, void *ctx, const char *host, unsigned port,
                   struct proxy *out, char *errbuf)
{
	char detail[DBX_ERRBUF_SIZE];
	const char *name = "https_proxy";
	const char *value, *no_proxy;
	size_t n;
	int err = DBX_OK;

	if (!out || !host) {
		err = DBX_ERR_USAGE;
		errbuf_set(errbuf, "proxy_from_env: bad arguments");
		goto out;
	}
	memset(out, 0, sizeof *out);
	if (!get)
		get = proxy_getenv;
	value = get(ctx, "https_proxy");
	if (!value) {
		name = "HTTPS_PROXY";
		value = get(ctx, "HTTPS_PROXY");
	}
	if (!value)
		goto out;
	n = strlen(value);
	(void)trim(value, &n);
	if (n == 0)
		goto out;
	no_proxy = get(ctx, "no_proxy");
	if (!no_proxy)
		no_proxy = get(ctx, "NO_PROXY");
	if (proxy_no_proxy_match(no_proxy, host, port))
		goto out;
	detail[0] = '\0';
	err = proxy_parse(value, out, detail);
	if (err) {
		errbuf_set(errbuf, "%s: %s", name, detail);
		goto out;
	}
	out->source = name;
out:
	return err;
}
