/*
 * url.h - absolute http/https URLs: parse one into its parts, normalise a
 * workspace host (DATABRICKS_HOST, --host, the config file), tell loopback
 * hosts apart, and join a host with an API path.
 *
 * Rules:
 * - Functions that can fail return an enum dbx_err value (DBX_OK is 0):
 *   DBX_ERR_USAGE for a malformed or refused URL, DBX_ERR_LIMIT when a part
 *   or the output does not fit. Human detail goes to errbuf
 *   (char[DBX_ERRBUF_SIZE] or larger); errbuf MAY be NULL.
 * - Messages name the scheme, host and port but never the path or query:
 *   those may carry an OAuth code or other secrets.
 * - Only printable ASCII is accepted (no spaces, control characters or
 *   raw UTF-8): whatever passes may go into a request line verbatim.
 * - No user names or passwords in URLs: credentials come from the token or
 *   OAuth, never from the host string (proxy.h parses its own userinfo).
 * - Input strings MUST be NUL-terminated and non-NULL unless stated; they are
 *   borrowed for the call only. Unlike the parsers (STYLE 5), struct url
 *   holds copies, so it can outlive its input and its host is a C string
 *   ready for getaddrinfo() and SNI.
 */
#ifndef URL_H
#define URL_H

#include <stddef.h>

#include "err.h"

#define URL_SCHEME_MAX 8  /* "https" and a NUL, with room */
#define URL_HOST_MAX 256  /* a 253-byte DNS name or an IPv6 literal, NUL */
#define URL_PATH_MAX 4096 /* path and query, NUL (OAuth URLs are long) */
#define URL_PORT_MAX 6    /* ":65535" */
/* Room for any URL these functions produce, NUL included. */
#define URL_MAX (URL_SCHEME_MAX + 3 + URL_HOST_MAX + 2 + URL_PORT_MAX + URL_PATH_MAX)

struct url {
	char scheme[URL_SCHEME_MAX]; /* "http" or "https", lower case */
	char host[URL_HOST_MAX];     /* lower case; IPv6 without brackets */
	int host_is_ipv6;            /* host was an [IPv6] literal */
	int is_https;                /* scheme is https */
	unsigned port;               /* the URL's port, else 80 / 443 */
	int port_explicit;           /* the URL named the port */
	char path[URL_PATH_MAX];     /* path and query, at least "/"; the
	                              * fragment is dropped (never sent) */
};

/*
 * Parses an absolute http:// or https:// URL (scheme case-insensitive) into
 * *u. Refused: other schemes, userinfo ("user@"), an empty host, a host with
 * characters other than letters, digits, '-', '_' and '.', empty labels
 * ("a..b", ".a", "a."), an IPv6 literal that inet_pton() rejects (zone ids
 * included), a port that is empty, not all digits, 0 or above 65535, and any
 * part longer than its buffer (DBX_ERR_LIMIT). On failure *u is zeroed.
 */
int url_parse(const char *s, struct url *u, char *errbuf);

/*
 * Writes u's authority to out: "host", "[v6]" and ":port" when always_port
 * is set or the port is not the scheme's default. Host headers want
 * always_port = 0, CONNECT lines 1. DBX_ERR_LIMIT if out is too small.
 */
int url_authority(const struct url *u, int always_port, char *out, size_t outsz);

/*
 * Normalises a workspace host as the Databricks SDKs do, into
 * "scheme://host[:port]" (at most URL_MAX bytes with the NUL):
 * - surrounding whitespace is trimmed (values pasted into a shell or file);
 * - no scheme means https://;
 * - the path, query and fragment are dropped, trailing '/' included (a URL
 *   copied from the browser, "https://x.cloud.databricks.com/?o=123");
 * - an explicit port is kept as written, the host is lower-cased;
 * - schemes other than http/https are refused, and http:// is accepted only
 *   for loopback hosts (url_is_loopback), for local test servers: tokens
 *   MUST NOT cross a network in clear text.
 * Errors are DBX_ERR_USAGE with a message that says what to write instead;
 * DBX_ERR_LIMIT if outsz is too small.
 */
int url_normalize_host(const char *in, char *out, size_t outsz, char *errbuf);

/*
 * 1 if host is "localhost" or a name under ".localhost" (with an optional
 * trailing dot; net.h connects those to loopback without DNS), an IPv4
 * address in 127.0.0.0/8 in dotted-quad form, "::1" or "::ffff:127.x.y.z"
 * (brackets allowed). 0 otherwise, NULL included. Short IPv4 forms such as
 * "127.1" count as not loopback: refusing is the safe mistake.
 */
int url_is_loopback(const char *host);

/*
 * Joins a workspace host and a request target into out:
 * - ref starting with '/' ("/api/2.0/serving-endpoints") is appended to
 *   base's scheme and authority (base's own path, if any, is ignored);
 * - ref that is an absolute http(s) URL (an OAuth endpoint from discovery)
 *   is validated with url_parse() and copied as it is; base is then not used
 *   and MAY be NULL.
 * Anything else is DBX_ERR_USAGE; the result must parse (url_parse rules).
 * out should have URL_MAX bytes; DBX_ERR_LIMIT if it is too small.
 */
int url_join(const char *base, const char *ref, char *out, size_t outsz, char *errbuf);

/* A name (a serving endpoint's) is safe to put in a URL path segment as it
 * is: 1 to URL_NAME_MAX letters, digits, '.', '_', '-'. */
#define URL_NAME_MAX 200
int url_name_ok(const char *name);

/* Whether a and b have the same origin (scheme, host, port): the test before
 * credentials go to a URL. */
int url_same_origin(const struct url *a, const struct url *b);

#endif
