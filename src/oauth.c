/* oauth.c - see oauth.h. */
#include "oauth.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "json.h"

#define OAUTH_JSON_TOKENS 512
#define OAUTH_REQ_MAX 8192 /* a redirect request head on the listener */
#define OAUTH_DESC_MAX 160

/* ---- pure parts ---- */

int oauth_challenge(const char *verifier, char *out, size_t outsz)
{
	unsigned char h[CRYPTO_SHA256_LEN];
	int err = crypto_sha256(verifier, strlen(verifier), h);
	if (!err)
		err = crypto_base64url(h, sizeof h, out, outsz);
	return err;
}

int oauth_pkce_new(struct oauth_pkce *p)
{
	unsigned char v[64], s[16];
	int err;

	err = crypto_random(v, sizeof v);
	if (!err)
		err = crypto_random(s, sizeof s);
	if (!err)
		err = crypto_base64url(v, sizeof v, p->verifier, sizeof p->verifier);
	if (!err)
		err = crypto_base64url(s, sizeof s, p->state, sizeof p->state);
	if (!err)
		err = oauth_challenge(p->verifier, p->challenge, sizeof p->challenge);
	crypto_wipe(v, sizeof v);
	return err;
}

static int unreserved(unsigned char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
	       ch == '-' || ch == '.' || ch == '_' || ch == '~';
}

/* Percent-encodes s onto buf at *o; 0 when it ran out of room. */
static int encode(char *buf, size_t cap, size_t *o, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (unreserved(ch)) {
			if (*o + 1 >= cap)
				return 0;
			buf[(*o)++] = (char)ch;
		} else {
			if (*o + 3 >= cap)
				return 0;
			buf[(*o)++] = '%';
			buf[(*o)++] = hex[ch >> 4];
			buf[(*o)++] = hex[ch & 15];
		}
	}
	return 1;
}

int oauth_form_add(char *buf, size_t cap, size_t *len, const char *name, const char *value)
{
	size_t o = *len;
	int ok = cap > 0;

	if (ok && o > 0) {
		ok = o + 1 < cap;
		if (ok)
			buf[o++] = '&';
	}
	ok = ok && encode(buf, cap, &o, name) && o + 1 < cap;
	if (ok)
		buf[o++] = '=';
	ok = ok && encode(buf, cap, &o, value);
	if (!ok) {
		if (cap > *len)
			buf[*len] = '\0';
		return DBX_ERR_LIMIT;
	}
	buf[o] = '\0';
	*len = o;
	return DBX_OK;
}

int oauth_authorize_url(const struct oauth_endpoints *ep, const char *client_id,
                        const char *redirect_uri, const char *scope, const struct oauth_pkce *p,
                        char *out, size_t outsz, char *errbuf)
{
	size_t n = strlen(ep->authorization), q;
	int err;

	if (n + 2 > outsz) {
		err = DBX_ERR_LIMIT;
		goto out;
	}
	memcpy(out, ep->authorization, n);
	out[n++] = strchr(ep->authorization, '?') ? '&' : '?';
	out[n] = '\0';
	q = 0;
	/* the form helper adds '&' only after its own start: build the query
	 * in place behind the separator */
	err = oauth_form_add(out + n, outsz - n, &q, "response_type", "code");
	if (!err)
		err = oauth_form_add(out + n, outsz - n, &q, "client_id", client_id);
	if (!err)
		err = oauth_form_add(out + n, outsz - n, &q, "redirect_uri", redirect_uri);
	if (!err)
		err = oauth_form_add(out + n, outsz - n, &q, "scope", scope);
	if (!err)
		err = oauth_form_add(out + n, outsz - n, &q, "state", p->state);
	if (!err)
		err = oauth_form_add(out + n, outsz - n, &q, "code_challenge", p->challenge);
	if (!err)
		err = oauth_form_add(out + n, outsz - n, &q, "code_challenge_method", "S256");
out:
	if (err)
		errbuf_set(errbuf, "the authorization URL is too long");
	return err;
}

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Percent-decodes s[0..n) ('+' is a space) into out[0..cap); -1 when it does
 * not fit or is malformed, else the length. NUL bytes are refused. */
static long decode(const char *s, size_t n, char *out, size_t cap)
{
	size_t i, o = 0;
	for (i = 0; i < n; i++) {
		int ch = (unsigned char)s[i];
		if (ch == '+') {
			ch = ' ';
		} else if (ch == '%') {
			if (i + 2 >= n)
				return -1;
			if (hexval(s[i + 1]) < 0 || hexval(s[i + 2]) < 0)
				return -1;
			ch = hexval(s[i + 1]) << 4 | hexval(s[i + 2]);
			i += 2;
		}
		if (ch == 0 || o + 1 >= cap)
			return -1;
		out[o++] = (char)ch;
	}
	if (cap == 0)
		return -1;
	out[o] = '\0';
	return (long)o;
}

/* Replaces anything but printable ASCII so server text cannot mess with a
 * terminal. */
static void printable(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			*s = '?';
}

int oauth_parse_redirect(const char *text, const char *expected_state, char *code, size_t cap,
                         char *errbuf)
{
	char state[128] = "", error[OAUTH_ERROR_MAX] = "", desc[OAUTH_DESC_MAX] = "";
	const char *p, *end;
	int have_code = 0, have_state = 0, err = DBX_OK;

	while (*text == ' ' || *text == '\t')
		text++;
	end = text + strlen(text);
	while (end > text &&
	       (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
		end--;
	p = memchr(text, '?', (size_t)(end - text));
	if (p) {
		p++;
	} else if (memchr(text, '=', (size_t)(end - text)) &&
	           !memchr(text, '/', (size_t)(end - text))) {
		p = text; /* a bare query */
	} else {
		err = ERR_NEED_MORE;
		goto out;
	}
	{
		const char *hash = memchr(p, '#', (size_t)(end - p));
		if (hash)
			end = hash;
	}
	while (p < end && !err) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *pe = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(pe - p));
		const char *v = eq ? eq + 1 : pe;
		size_t nlen = (size_t)((eq ? eq : pe) - p), vlen = (size_t)(pe - v);
		long got = 0;

		if (nlen == 4 && memcmp(p, "code", 4) == 0) {
			got = decode(v, vlen, code, cap);
			if (got < 0)
				err = DBX_ERR_LIMIT;
			have_code = got > 0;
		} else if (nlen == 5 && memcmp(p, "state", 5) == 0) {
			got = decode(v, vlen, state, sizeof state);
			have_state = got >= 0;
			if (got < 0)
				state[0] = '\0';
		} else if (nlen == 5 && memcmp(p, "error", 5) == 0) {
			if (decode(v, vlen, error, sizeof error) < 0)
				snprintf(error, sizeof error, "(unreadable)");
		} else if (nlen == 17 && memcmp(p, "error_description", 17) == 0) {
			if (decode(v, vlen, desc, sizeof desc) < 0)
				desc[0] = '\0';
		}
		p = amp ? amp + 1 : end;
	}
	if (err == DBX_ERR_LIMIT) {
		errbuf_set(errbuf, "the authorization code is too long or malformed");
		goto out;
	}
	if (error[0]) {
		printable(error);
		printable(desc);
		errbuf_set(errbuf, "login refused by the authorization server: %s%s%s", error,
		         desc[0] ? ": " : "", desc);
		err = DBX_ERR_AUTH;
		goto out;
	}
	if (!have_code) {
		err = ERR_NEED_MORE;
		errbuf_set(errbuf, "the redirect URL has no code");
		goto out;
	}
	if (!have_state || strcmp(state, expected_state) != 0) {
		errbuf_set(errbuf, "the redirect's state does not match this login (a stale or forged "
		         "redirect): run `dbxai login` again");
		err = DBX_ERR_AUTH;
	}
out:
	if (err && cap)
		crypto_wipe(code, cap);
	return err;
}

/* Parses json with a token array of its own (freed by the caller: *tok). */
static int parse_json(struct json_doc *d, struct json_tok **tok, const char *json, size_t len,
                      const char *what, char *errbuf)
{
	int err;

	*tok = calloc(OAUTH_JSON_TOKENS, sizeof **tok);
	if (!*tok)
		return DBX_ERR_NOMEM;
	err = json_parse(d, json, len, *tok, OAUTH_JSON_TOKENS);
	if (!err && json_type(d, 0) != JSON_OBJECT)
		err = DBX_ERR_PROTOCOL;
	if (err)
		errbuf_set(errbuf, "%s: not a JSON object (%s)", what,
		         d->err_what ? d->err_what : "unexpected shape");
	return err;
}

/* String member key of the root into buf; 0 when absent or not a string. */
static int get_str(const struct json_doc *d, const char *key, char *buf, size_t cap, int *err)
{
	int t = json_get(d, 0, key);
	if (json_type(d, t) != JSON_STRING)
		return 0;
	if (json_str(d, t, buf, cap, NULL) != DBX_OK || strlen(buf) != json_strlen(d, t)) {
		*err = DBX_ERR_LIMIT; /* too long, or a NUL inside */
		return 0;
	}
	return 1;
}

static long get_long(const struct json_doc *d, const char *key, long dflt)
{
	int64_t v;
	int t = json_get(d, 0, key);
	if (json_type(d, t) == JSON_STRING) {
		/* some servers send numbers as strings */
		char buf[24];
		char *e;
		long r;
		if (json_str(d, t, buf, sizeof buf, NULL) != DBX_OK)
			return dflt;
		r = strtol(buf, &e, 10);
		return (e != buf && *e == '\0' && r >= 0) ? r : dflt;
	}
	if (json_int(d, t, &v) != DBX_OK || v < 0 || v > 10LL * 365 * 86400)
		return dflt;
	return (long)v;
}

static int endpoint(const struct json_doc *d, const char *key, char *out, int required,
                    char *errbuf)
{
	struct url u;
	int err = DBX_OK;

	out[0] = '\0';
	if (!get_str(d, key, out, URL_MAX, &err)) {
		if (err || required) {
			errbuf_set(errbuf, "OAuth discovery: no usable %s", key);
			return DBX_ERR_PROTOCOL;
		}
		return DBX_OK;
	}
	err = url_parse(out, &u, NULL);
	if (err) {
		errbuf_set(errbuf, "OAuth discovery: %s is not an http(s) URL", key);
		out[0] = '\0';
		return DBX_ERR_PROTOCOL;
	}
	return DBX_OK;
}

int oauth_parse_discovery(const char *json, size_t len, struct oauth_endpoints *ep, char *errbuf)
{
	struct json_doc d;
	struct json_tok *tok = NULL;
	int err;

	err = parse_json(&d, &tok, json, len, "OAuth discovery", errbuf);
	if (!err)
		err = endpoint(&d, "authorization_endpoint", ep->authorization, 1, errbuf);
	if (!err)
		err = endpoint(&d, "token_endpoint", ep->token, 1, errbuf);
	if (!err)
		err = endpoint(&d, "device_authorization_endpoint", ep->device, 0, errbuf);
	free(tok);
	return err;
}

int oauth_parse_tokens(const char *json, size_t len, long long now, struct cache_tokens *t,
                       char *errbuf)
{
	struct json_doc d;
	struct json_tok *tok = NULL;
	int err, lim = DBX_OK;
	long expires_in;

	err = parse_json(&d, &tok, json, len, "token endpoint answer", errbuf);
	if (err)
		goto out;
	if (!get_str(&d, "access_token", t->access, sizeof t->access, &lim) || !t->access[0]) {
		errbuf_set(errbuf, "the token endpoint's answer has %s access_token",
		         lim ? "an over-long" : "no");
		err = lim ? lim : DBX_ERR_PROTOCOL;
		goto out;
	}
	/* no refresh_token in the answer: the old one stays valid (keep it) */
	if (json_type(&d, json_get(&d, 0, "refresh_token")) == JSON_STRING &&
	    !get_str(&d, "refresh_token", t->refresh, sizeof t->refresh, &lim)) {
		errbuf_set(errbuf, "the token endpoint's refresh_token is too long");
		err = DBX_ERR_LIMIT;
		goto out;
	}
	if (!get_str(&d, "token_type", t->type, sizeof t->type, &lim) || !t->type[0])
		snprintf(t->type, sizeof t->type, "Bearer");
	expires_in = get_long(&d, "expires_in", 3600);
	t->issued = now;
	t->expiry = now + expires_in;
out:
	free(tok);
	return err;
}

int oauth_parse_error(const char *json, size_t len, char *error, size_t error_cap, char *desc,
                      size_t desc_cap)
{
	struct json_doc d;
	struct json_tok *tok = NULL;
	char dummy[DBX_ERRBUF_SIZE];
	int err, lim = DBX_OK, found = 0;

	error[0] = '\0';
	desc[0] = '\0';
	err = parse_json(&d, &tok, json, len, "error", dummy);
	if (!err && get_str(&d, "error", error, error_cap, &lim) && error[0]) {
		found = 1;
		if (!get_str(&d, "error_description", desc, desc_cap, &lim))
			desc[0] = '\0';
		printable(error);
		printable(desc);
	}
	free(tok);
	return found;
}

int oauth_parse_device(const char *json, size_t len, struct oauth_device *d, char *errbuf)
{
	struct json_doc doc;
	struct json_tok *tok = NULL;
	int err, lim = DBX_OK;

	memset(d, 0, sizeof *d);
	err = parse_json(&doc, &tok, json, len, "device authorization answer", errbuf);
	if (err)
		goto out;
	if (!get_str(&doc, "device_code", d->device_code, sizeof d->device_code, &lim) ||
	    !get_str(&doc, "user_code", d->user_code, sizeof d->user_code, &lim) ||
	    !(get_str(&doc, "verification_uri", d->verification_uri, sizeof d->verification_uri,
	              &lim) ||
	      get_str(&doc, "verification_url", d->verification_uri, sizeof d->verification_uri,
	              &lim))) {
		errbuf_set(errbuf, "the device authorization answer lacks device_code, user_code or "
		         "verification_uri");
		err = DBX_ERR_PROTOCOL;
		goto out;
	}
	if (!get_str(&doc, "verification_uri_complete", d->verification_uri_complete,
	             sizeof d->verification_uri_complete, &lim))
		d->verification_uri_complete[0] = '\0';
	printable(d->user_code);
	printable(d->verification_uri);
	printable(d->verification_uri_complete);
	d->expires_in = get_long(&doc, "expires_in", 600);
	d->interval = get_long(&doc, "interval", 5);
	if (d->interval < 1)
		d->interval = 1;
out:
	free(tok);
	return err;
}

/* ---- network ---- */

void oauth_net_close(struct oauth_net *n)
{
	client_free(n->side);
	n->side = NULL;
	n->side_base[0] = '\0';
}

/* The client that reaches url, and url's path into path[URL_PATH_MAX]. */
static int net_for(struct oauth_net *n, const char *url, struct client **out, char *path,
                   char *errbuf)
{
	struct url *u = malloc(sizeof *u);
	char base[URL_MAX];
	int err;

	if (!u)
		return DBX_ERR_NOMEM;
	err = url_parse(url, u, errbuf);
	if (err)
		goto out;
	memcpy(path, u->path, strlen(u->path) + 1);
	if (url_same_origin(u, &n->ws->base)) {
		*out = n->ws;
		goto out;
	}
	if (!u->is_https) {
		errbuf_set(errbuf, "refusing to send OAuth credentials to http://%s:%u: an endpoint off the "
		         "workspace must use https",
		         u->host, u->port);
		err = DBX_ERR_USAGE;
		goto out;
	}
	if (u->host_is_ipv6)
		snprintf(base, sizeof base, "https://[%s]:%u", u->host, u->port);
	else
		snprintf(base, sizeof base, "https://%s:%u", u->host, u->port);
	if (!n->side || strcmp(base, n->side_base) != 0) {
		oauth_net_close(n);
		memcpy(n->side_base, base, strlen(base) + 1);
		/* a bare client: it carries no credentials of its own */
		err = client_open(&n->side, n->side_base, n->opt, errbuf);
		if (err) {
			n->side_base[0] = '\0';
			goto out;
		}
	}
	*out = n->side;
out:
	free(u);
	return err;
}

struct sink {
	char *buf;
	size_t cap, len;
};

static int sink_data(void *ctx, const char *data, size_t len)
{
	struct sink *s = ctx;
	if (len >= s->cap - s->len)
		return DBX_ERR_LIMIT;
	memcpy(s->buf + s->len, data, len);
	s->len += len;
	return 0;
}

/* One request to an OAuth endpoint; the body (2xx or error) lands in out.
 * *status is the HTTP status. */
static int request(struct oauth_net *n, const char *method, const char *url, const char *form,
                   const char *authorization, struct sink *out, int *status, char *errbuf)
{
	struct client_call *k = calloc(1, sizeof *k);
	char *path = malloc(URL_PATH_MAX);
	struct client *c = NULL;
	int err;

	*status = 0;
	out->len = 0;
	if (!k || !path) {
		err = DBX_ERR_NOMEM;
		goto out;
	}
	err = net_for(n, url, &c, path, errbuf);
	if (err)
		goto out;
	k->method = method;
	k->path = path;
	k->body = form;
	k->body_len = form ? strlen(form) : 0;
	k->content_type = form ? "application/x-www-form-urlencoded" : NULL;
	k->accept = "application/json";
	k->authorization = authorization;
	k->no_auth = authorization == NULL;
	k->max_retries = c->retry.max_retries;
	k->on_data = sink_data;
	k->ctx = out;
	err = client_call(c, k, errbuf);
	*status = k->status;
	if (err && k->status >= 400) {
		size_t m = k->err_len < out->cap - 1 ? k->err_len : out->cap - 1;
		memcpy(out->buf, k->err_body, m);
		out->len = m;
	}
	if (err == DBX_ERR_LIMIT && k->status / 100 == 2)
		errbuf_set(errbuf, "the OAuth server's answer is larger than %d bytes", OAUTH_BODY_MAX);
out:
	if (k)
		crypto_wipe(k->err_body, sizeof k->err_body);
	free(k);
	free(path);
	return err;
}

int oauth_discover(struct oauth_net *n, struct oauth_endpoints *ep, char *errbuf)
{
	struct sink s = {NULL, OAUTH_BODY_MAX, 0};
	char url[URL_MAX];
	int err, status;

	memset(ep, 0, sizeof *ep);
	snprintf(url, sizeof url, "%s/oidc/.well-known/oauth-authorization-server",
	         n->ws->base_url);
	s.buf = malloc(s.cap);
	if (!s.buf)
		return DBX_ERR_NOMEM;
	err = request(n, "GET", url, NULL, NULL, &s, &status, errbuf);
	if (err) {
		char why[DBX_ERRBUF_SIZE];
		snprintf(why, sizeof why, "%s", errbuf);
		errbuf_set(errbuf, "OAuth discovery on %s failed: %s",
		         n->ws->base_url, why);
	} else {
		err = oauth_parse_discovery(s.buf, s.len, ep, errbuf);
	}
	free(s.buf);
	return err;
}

int oauth_token(struct oauth_net *n, const char *url, const char *form, const char *basic,
                struct cache_tokens *t, char *oauth_error, char *errbuf)
{
	struct sink s = {NULL, OAUTH_BODY_MAX, 0};
	char error[OAUTH_ERROR_MAX], desc[OAUTH_DESC_MAX];
	int err, status;

	if (oauth_error)
		oauth_error[0] = '\0';
	s.buf = malloc(s.cap);
	if (!s.buf)
		return DBX_ERR_NOMEM;
	err = request(n, "POST", url, form, basic, &s, &status, errbuf);
	if (!err) {
		err = oauth_parse_tokens(s.buf, s.len, (long long)time(NULL), t, errbuf);
	} else if (status >= 400 && status < 500 &&
	           oauth_parse_error(s.buf, s.len, error, sizeof error, desc, sizeof desc)) {
		if (oauth_error)
			snprintf(oauth_error, OAUTH_ERROR_MAX, "%s", error);
		errbuf_set(errbuf, "the token endpoint refused: %s%s%s", error,
		         desc[0] ? ": " : "", desc);
		err = DBX_ERR_AUTH;
	}
	crypto_wipe(s.buf, s.cap);
	free(s.buf);
	return err;
}

int oauth_device_start(struct oauth_net *n, const char *url, const char *client_id,
                       const char *scope, struct oauth_device *d, char *errbuf)
{
	struct sink s = {NULL, OAUTH_BODY_MAX, 0};
	char form[1024], error[OAUTH_ERROR_MAX], desc[OAUTH_DESC_MAX];
	size_t flen = 0;
	int err, status;

	err = oauth_form_add(form, sizeof form, &flen, "client_id", client_id);
	if (!err)
		err = oauth_form_add(form, sizeof form, &flen, "scope", scope);
	if (err)
		return err;
	s.buf = malloc(s.cap);
	if (!s.buf)
		return DBX_ERR_NOMEM;
	err = request(n, "POST", url, form, NULL, &s, &status, errbuf);
	if (!err) {
		err = oauth_parse_device(s.buf, s.len, d, errbuf);
	} else if (status >= 400 && status < 500 &&
	           oauth_parse_error(s.buf, s.len, error, sizeof error, desc, sizeof desc)) {
		errbuf_set(errbuf, "the device authorization endpoint refused: %s%s%s", error,
		         desc[0] ? ": " : "", desc);
		err = DBX_ERR_AUTH;
	}
	crypto_wipe(s.buf, s.cap);
	free(s.buf);
	return err;
}

/* ---- the loopback redirect listener ---- */

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int listen_on(int family, unsigned port)
{
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0), r, one = 1;
	if (fd < 0)
		return -1;
	/* a login right after another must not trip over the TIME_WAIT of the
	 * last redirect; two listeners on one port stay impossible on Linux */
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (family == AF_INET) {
		struct sockaddr_in a;
		memset(&a, 0, sizeof a);
		a.sin_family = AF_INET;
		a.sin_port = htons((uint16_t)port);
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		r = bind(fd, (struct sockaddr *)&a, sizeof a);
	} else {
		struct sockaddr_in6 a;
		memset(&a, 0, sizeof a);
		a.sin6_family = AF_INET6;
		a.sin6_port = htons((uint16_t)port);
		a.sin6_addr = in6addr_loopback;
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
		r = bind(fd, (struct sockaddr *)&a, sizeof a);
	}
	if (r != 0 || listen(fd, 8) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int oauth_listen(struct oauth_listener *l, unsigned port, char *errbuf)
{
	unsigned p = port ? port : OAUTH_PORT_FIRST, last = port ? port : OAUTH_PORT_LAST;

	l->fd[0] = l->fd[1] = -1;
	l->port = 0;
	for (; p <= last; p++) {
		l->fd[0] = listen_on(AF_INET, p);
		if (l->fd[0] >= 0)
			break;
	}
	if (l->fd[0] < 0) {
		if (port)
			errbuf_set(errbuf, "cannot listen on 127.0.0.1:%u for the login redirect "
			         "(DATABRICKS_OAUTH_CALLBACK_PORT): %s",
			         port, strerror(errno));
		else
			snprintf(
			    errbuf, DBX_ERRBUF_SIZE,
			    "cannot listen for the login redirect: ports %u to %u on 127.0.0.1 "
			    "are all busy",
			    OAUTH_PORT_FIRST, OAUTH_PORT_LAST);
		return DBX_ERR_IO;
	}
	l->port = p;
	/* browsers may resolve localhost to ::1 first; best effort */
	l->fd[1] = listen_on(AF_INET6, p);
	return DBX_OK;
}

void oauth_listener_close(struct oauth_listener *l)
{
	int i;
	for (i = 0; i < 2; i++) {
		if (l->fd[i] >= 0)
			close(l->fd[i]);
		l->fd[i] = -1;
	}
}

static void reply(int fd, int status, const char *title, const char *text)
{
	char page[1024];
	int n =
	    snprintf(page, sizeof page,
	             "HTTP/1.1 %d %s\r\nContent-Type: text/html; charset=utf-8\r\n"
	             "Cache-Control: no-store\r\nConnection: close\r\nContent-Length: %zu\r\n\r\n"
	             "<!doctype html><title>dbxai</title><h1>%s</h1><p>%s</p>\n",
	             status,
	             status == 200   ? "OK"
	             : status == 404 ? "Not Found"
	                             : "Bad Request",
	             strlen("<!doctype html><title>dbxai</title><h1></h1><p></p>\n") +
	                 strlen(title) + strlen(text),
	             title, text);
	if (n > 0 && (size_t)n < sizeof page)
		(void)send(fd, page, (size_t)n, MSG_NOSIGNAL);
}

/* Reads one request head from an accepted connection and answers it. */
static int serve(int fd, const char *state, char *code, size_t cap, char *errbuf)
{
	char *req = malloc(OAUTH_REQ_MAX);
	char target[URL_PATH_MAX];
	size_t len = 0;
	long long deadline = now_ms() + 5000;
	int err = ERR_NEED_MORE;
	char *sp, *sp2;

	if (!req)
		return DBX_ERR_NOMEM;
	while (len + 1 < OAUTH_REQ_MAX) {
		struct pollfd p = {fd, POLLIN, 0};
		long long left = deadline - now_ms();
		ssize_t got;
		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			goto out;
		got = recv(fd, req + len, OAUTH_REQ_MAX - 1 - len, 0);
		if (got <= 0)
			goto out;
		len += (size_t)got;
		req[len] = '\0';
		if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n"))
			break;
	}
	req[len] = '\0';
	sp = strchr(req, ' ');
	sp2 = sp ? strchr(sp + 1, ' ') : NULL;
	if (!sp || !sp2 || (size_t)(sp2 - sp - 1) >= sizeof target ||
	    strncmp(req, "GET ", 4) != 0) {
		reply(fd, 400, "Bad request", "dbxai expected the login redirect here.");
		goto out;
	}
	memcpy(target, sp + 1, (size_t)(sp2 - sp - 1));
	target[sp2 - sp - 1] = '\0';
	err = oauth_parse_redirect(target, state, code, cap, errbuf);
	if (!err)
		reply(fd, 200, "Login complete",
		      "dbxai is now logged in. You can close this window.");
	else if (err == ERR_NEED_MORE)
		reply(fd, 404, "Not found", "Nothing here.");
	else
		reply(fd, 400, "Login failed", "See the terminal running dbxai login for why.");
	crypto_wipe(target, sizeof target);
out:
	crypto_wipe(req, OAUTH_REQ_MAX);
	free(req);
	return err;
}

/* One pasted line from fd into line (NUL-terminated); 1 at a full line, 0 for
 * more to come, -1 at EOF/error. */
static int read_paste(int fd, char *line, size_t cap, size_t *len)
{
	ssize_t got;
	if (*len + 1 >= cap)
		return -1;
	got = read(fd, line + *len, cap - 1 - *len);
	if (got <= 0)
		return -1;
	*len += (size_t)got;
	line[*len] = '\0';
	return memchr(line, '\n', *len) ? 1 : 0;
}

int oauth_wait_redirect(struct oauth_listener *l, int paste_fd, const char *state, int timeout_ms,
                        char *code, size_t cap, char *errbuf)
{
	char *line = malloc(URL_MAX + 2);
	size_t llen = 0;
	long long deadline = now_ms() + timeout_ms;
	int err = DBX_ERR_TIMEOUT;

	if (!line)
		return DBX_ERR_NOMEM;
	for (;;) {
		struct pollfd p[3];
		int np = 0, i, r;
		long long left = deadline - now_ms();

		if (left <= 0) {
			errbuf_set(errbuf, "no login redirect within %d s (try --timeout, or paste the URL "
			         "the browser ends on)",
			         timeout_ms / 1000);
			err = DBX_ERR_TIMEOUT;
			break;
		}
		for (i = 0; i < 2; i++)
			if (l->fd[i] >= 0)
				p[np++] = (struct pollfd){l->fd[i], POLLIN, 0};
		if (paste_fd >= 0)
			p[np++] = (struct pollfd){paste_fd, POLLIN, 0};
		r = poll(p, (nfds_t)np, left > 1000 ? 1000 : (int)left);
		if (r < 0 && errno != EINTR) {
			errbuf_set(errbuf, "waiting for the redirect: %s",
			         strerror(errno));
			err = DBX_ERR_IO;
			break;
		}
		err = ERR_NEED_MORE;
		for (i = 0; r > 0 && i < np && err == ERR_NEED_MORE; i++) {
			if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (p[i].fd == paste_fd) {
				int got = read_paste(paste_fd, line, URL_MAX + 2, &llen);
				if (got < 0) {
					paste_fd =
					    -1; /* stdin closed: keep waiting on the listener */
					if (llen == 0 || !strchr(line, '?'))
						continue;
				} else if (got == 0) {
					continue;
				}
				err = oauth_parse_redirect(line, state, code, cap, errbuf);
				if (err == ERR_NEED_MORE) {
					errbuf_set(errbuf, "the pasted line is not the redirect URL (it has "
					         "neither code nor error)");
					err = DBX_ERR_USAGE;
				}
			} else {
				int cfd = accept(p[i].fd, NULL, NULL);
				if (cfd < 0)
					continue;
				err = serve(cfd, state, code, cap, errbuf);
				close(cfd);
			}
		}
		if (err != ERR_NEED_MORE)
			break;
	}
	crypto_wipe(line, URL_MAX + 2);
	free(line);
	return err;
}
