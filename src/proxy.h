/*
 * proxy.h - HTTPS proxy configuration: decide from HTTPS_PROXY / NO_PROXY
 * whether a connection goes through a proxy, and parse the proxy URL into
 * host, port and a ready Proxy-Authorization value. The CONNECT tunnel
 * itself belongs to the connection layer; nothing here opens a socket.
 *
 * Behaviour follows curl, so a value that works for curl works here:
 * - https_proxy is read before HTTPS_PROXY, no_proxy before NO_PROXY; a
 *   lower-case variable that is set wins even when empty (so it can switch
 *   the upper-case one off). An empty or blank proxy value means no proxy.
 *   ALL_PROXY is not read: it often holds socks5:// values meant for other
 *   tools, which would make every run fail.
 * - The variables are for https:// targets; http:// targets (loopback only,
 *   see url.h) are always reached directly. Loopback targets are NOT
 *   bypassed implicitly (curl does not either): list them in NO_PROXY.
 * - Proxy values: "[http://][user[:password]@]host[:port][/]". No scheme
 *   means http://. https:// and socks proxies are refused. The default port
 *   is 1080, as in curl (Go and Python use 80; most HTTP proxies listen on
 *   3128 or 8080, so write the port). User and password are percent-decoded
 *   (RFC 3986); the last '@' ends them, so an unencoded '@' or '/' in a
 *   password still works. A path after the host is ignored, as in curl.
 * - NO_PROXY: see proxy_no_proxy_match().
 *
 * Secrets: the user, password and struct proxy.auth never reach errbuf; a
 * message names the variable and the proxy host at most. proxy_clear()
 * wipes a struct proxy when it is no longer needed.
 *
 * Functions that can fail return an enum dbx_err value (DBX_OK is 0):
 * DBX_ERR_USAGE for a malformed or unsupported value, DBX_ERR_LIMIT when a
 * part is too long. errbuf is char[DBX_ERRBUF_SIZE] or larger and MAY be
 * NULL. Strings passed in are borrowed for the call only; struct proxy holds
 * copies and is owned by the caller (stack or static storage is fine).
 */
#ifndef PROXY_H
#define PROXY_H

#include <stddef.h>

#include "err.h"

#include "url.h"

#define PROXY_DEFAULT_PORT 1080
#define PROXY_CRED_MAX 256 /* user or password after decoding, NUL included */
/* "Basic " + base64("user:password") + NUL for the longest credentials */
#define PROXY_AUTH_MAX (6 + 4 * ((2 * (PROXY_CRED_MAX - 1) + 1 + 2) / 3) + 1)

struct proxy {
	int use;                 /* 1: tunnel through host:port; 0: go direct */
	char host[URL_HOST_MAX]; /* lower case; IPv6 without brackets */
	int host_is_ipv6;        /* host is an IPv6 literal ("[host]" in CONNECT) */
	unsigned port;           /* explicit, else PROXY_DEFAULT_PORT */
	/* SECRET. "Basic <base64(user:password)>" for a Proxy-Authorization
	 * header, or "" when the URL had no credentials. Never log it. */
	char auth[PROXY_AUTH_MAX];
	/* Where the value came from, for messages and -v traces: a static
	 * string ("https_proxy", "HTTPS_PROXY"), or NULL after proxy_parse(). */
	const char *source;
};

/* How proxy_from_env() reads a variable: returns its value or NULL when
 * unset. The value is borrowed until proxy_from_env() returns. */
typedef const char *(*proxy_getenv_fn)(void *ctx, const char *name);

/* getenv() in proxy_getenv_fn form; ctx is ignored. */
const char *proxy_getenv(void *ctx, const char *name);

/*
 * Decides how to reach https://host:port. get NULL means proxy_getenv. host
 * is the target's host as in struct url (brackets around IPv6 are accepted
 * too). On DBX_OK, out->use says whether to tunnel; when it is 0 the other
 * fields are empty. NO_PROXY is checked before the proxy value is parsed, so
 * an excluded host is reached directly even when the value is malformed.
 * Errors name the variable: "HTTPS_PROXY: only http:// proxies are ...".
 */
int proxy_from_env(proxy_getenv_fn get, void *ctx, const char *host, unsigned port,
                   struct proxy *out, char *errbuf);

/*
 * Parses one proxy value (as from the environment or a --proxy flag) into
 * *out and sets out->use = 1. Surrounding whitespace is ignored; an empty
 * value is DBX_ERR_USAGE. On failure *out is zeroed.
 */
int proxy_parse(const char *value, struct proxy *out, char *errbuf);

/*
 * 1 if no_proxy excludes host:port from proxying, as curl decides:
 * - entries are separated by commas, surrounding whitespace is ignored,
 *   entries that do not parse are skipped (never an error);
 * - "*" as the whole value matches every host (inside a list it matches
 *   nothing, as in curl and Go);
 * - a name matches itself and its subdomains, with or without a leading
 *   "." (or "*.", as Go allows): "example.com" and ".example.com" match
 *   example.com and a.example.com, not badexample.com; case-insensitive,
 *   trailing dots ignored on both sides;
 * - an IP literal entry matches the same address only ("::1" equals
 *   "0:0::1"); "a.b.c.d/n" and "v6/n" match a range. IP entries never
 *   match names and name entries never match IP targets: nothing is
 *   resolved;
 * - an entry may end in ":port" ("[v6]:port" for IPv6) and then matches
 *   that port only.
 * NULL or empty no_proxy, or NULL/empty host, match nothing.
 */
int proxy_no_proxy_match(const char *no_proxy, const char *host, unsigned port);

/* Wipes *p, the credentials included, in a way the compiler keeps. */
void proxy_clear(struct proxy *p);

#endif
