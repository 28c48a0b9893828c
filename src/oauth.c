/* oauth.c - see oauth.h. */
#include "oauth.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "client.h"
#include "json.h"
#include "text.h"

#define OAUTH_JSON_TOKENS 512

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

/* A duration the server gives, in seconds: a JSON number or a string holding
 * one ("3600"), clamped to lo..hi, so that now + it never overflows and no
 * server can make us sleep past a deadline; dflt when absent or not a number.
 * Every server timer of this file goes through here. */
static long get_secs(const struct json_doc *d, const char *key, long dflt, long lo, long hi)
{
	char buf[JSON_NUM_MAX + 1];
	const char *p = buf;
	size_t n = 0;
	double v;
	int t = json_get(d, 0, key);

	if (json_type(d, t) == JSON_STRING) {
		if (json_str(d, t, buf, sizeof buf, &n) != DBX_OK || !json_is_number(buf, n))
			return dflt;
	} else if (json_type(d, t) != JSON_NUMBER || json_raw(d, t, &p, &n) != DBX_OK ||
	           n > JSON_NUM_MAX) {
		return dflt;
	}
	if (text_double(p, n, &v) == DBX_ERR_USAGE) /* +-HUGE_VAL past DBL_MAX: clamped */
		return dflt;
	return v < (double)lo ? lo : v > (double)hi ? hi : (long)v;
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
	if (!err)
		err = endpoint(&d, "revocation_endpoint", ep->revocation, 0, errbuf);
	if (!err && !get_str(&d, "issuer", ep->issuer, sizeof ep->issuer, &err)) {
		ep->issuer[0] = '\0';
		if (err)
			errbuf_set(errbuf, "OAuth discovery: the issuer is too long");
	}
	if (!err) {
		bool b = false;
		(void)json_bool(
		    &d, json_get(&d, 0, "authorization_response_iss_parameter_supported"), &b);
		ep->iss_param = b;
		if (b && !ep->issuer[0]) {
			/* fail closed: the check it promises cannot be made */
			errbuf_set(errbuf,
			           "OAuth discovery: iss promised (RFC 9207) but no issuer");
			err = DBX_ERR_PROTOCOL;
		}
	}
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
	expires_in = get_secs(&d, "expires_in", 3600, 0, OAUTH_LIFETIME_MAX);
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
		text_printable(error);
		text_printable(desc);
	}
	free(tok);
	return found;
}

/* One claim for a message: a string as it is, anything else (an audience
 * array, a number) as its JSON text; "-" when absent. */
static void claim(const struct json_doc *d, const char *key, char *buf, size_t cap)
{
	int t = json_get(d, 0, key);
	const char *p;
	size_t n = 0;

	buf[0] = '\0';
	if (json_type(d, t) == JSON_STRING)
		json_str(d, t, buf, cap, NULL);
	else if (t >= 0 && json_raw(d, t, &p, &n) == DBX_OK)
		snprintf(buf, cap, "%.*s", (int)n, p);
	text_printable(buf);
	if (!buf[0])
		snprintf(buf, cap, "-");
}

int oauth_jwt_claims(const char *jwt, size_t len, char *out, size_t cap)
{
	const char *dot1 = memchr(jwt, '.', len), *dot2;
	char iss[96], sub[96], aud[96], exp[40] = "-", *payload = NULL;
	struct json_doc d;
	struct json_tok *tok = NULL;
	size_t n = 0;
	int64_t e;
	int err = DBX_ERR_PROTOCOL;

	dot2 = dot1 ? memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - jwt)) : NULL;
	if (!dot1 || !dot2 || dot1 == jwt || dot2 == dot1 + 1 ||
	    memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - jwt)))
		goto out;
	payload = malloc(len);
	if (!payload) {
		err = DBX_ERR_NOMEM;
		goto out;
	}
	err = crypto_base64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), payload, len, &n);
	if (!err)
		err = parse_json(&d, &tok, payload, n, "JWT", NULL);
	if (err) {
		err = DBX_ERR_PROTOCOL;
		goto out;
	}
	claim(&d, "iss", iss, sizeof iss);
	claim(&d, "sub", sub, sizeof sub);
	claim(&d, "aud", aud, sizeof aud);
	if (json_int(&d, json_get(&d, 0, "exp"), &e) == DBX_OK) {
		text_utc((long long)e, exp, sizeof exp);
		if (e <= (int64_t)time(NULL))
			snprintf(exp + strlen(exp), sizeof exp - strlen(exp), " (expired)");
	}
	snprintf(out, cap, "iss=%s sub=%s aud=%s exp=%s", iss, sub, aud, exp);
out:
	if (payload)
		crypto_wipe(payload, len);
	free(payload);
	free(tok);
	return err;
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
		errbuf_set(errbuf,
		           "the device authorization answer lacks device_code, user_code or "
		           "verification_uri");
		err = DBX_ERR_PROTOCOL;
		goto out;
	}
	if (!get_str(&doc, "verification_uri_complete", d->verification_uri_complete,
	             sizeof d->verification_uri_complete, &lim))
		d->verification_uri_complete[0] = '\0';
	text_printable(d->user_code);
	text_printable(d->verification_uri);
	text_printable(d->verification_uri_complete);
	d->expires_in = get_secs(&doc, "expires_in", 600, 0, OAUTH_LIFETIME_MAX);
	d->interval = get_secs(&doc, "interval", 5, 1, OAUTH_INTERVAL_MAX);
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
		errbuf_set(
		    errbuf,
		    "refusing to send OAuth credentials to http://%s:%u: an endpoint off the "
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

/* An OAuth endpoint's answer: at most OAUTH_BODY_MAX bytes, wiped when done
 * (it may hold tokens). */
static void answer_init(struct buf *s)
{
	buf_init(s, OAUTH_BODY_MAX);
	s->secret = 1;
}

static const char *answer_text(const struct buf *s)
{
	return s->p ? s->p : "";
}

/* One request to an OAuth endpoint; the body (2xx or error) lands in out, a
 * secret buffer of at most OAUTH_BODY_MAX bytes. *status is the HTTP status. */
static int request(struct oauth_net *n, const char *method, const char *url, const char *form,
                   const char *authorization, struct buf *out, int *status, char *errbuf)
{
	struct client_call *k = calloc(1, sizeof *k);
	char *path = malloc(URL_PATH_MAX);
	struct client *c = NULL;
	int err;

	*status = 0;
	buf_clear(out);
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
	err = client_call_whole(c, k, out, errbuf);
	*status = k->status;
	if (err && k->status >= 400) {
		buf_clear(out);
		(void)buf_append(out, k->err_body, k->err_len); /* cut at the maximum */
	}
out:
	if (k)
		crypto_wipe(k->err_body, sizeof k->err_body);
	free(k);
	free(path);
	return err;
}

int oauth_discover(struct oauth_net *n, struct oauth_endpoints *ep, char *errbuf)
{
	struct buf s;
	char url[URL_MAX];
	int err, status;

	memset(ep, 0, sizeof *ep);
	snprintf(url, sizeof url, "%s/oidc/.well-known/oauth-authorization-server",
	         n->ws->base_url);
	answer_init(&s);
	err = request(n, "GET", url, NULL, NULL, &s, &status, errbuf);
	if (err) {
		char why[DBX_ERRBUF_SIZE];
		snprintf(why, sizeof why, "%s", errbuf);
		errbuf_set(errbuf, "OAuth discovery on %s failed: %s", n->ws->base_url, why);
	} else {
		err = oauth_parse_discovery(answer_text(&s), s.len, ep, errbuf);
	}
	buf_free(&s);
	return err;
}

int oauth_token(struct oauth_net *n, const char *url, const char *form, const char *basic,
                struct cache_tokens *t, char *oauth_error, char *errbuf)
{
	struct buf s;
	char error[OAUTH_ERROR_MAX], desc[OAUTH_DESC_MAX];
	int err, status;

	if (oauth_error)
		oauth_error[0] = '\0';
	answer_init(&s);
	err = request(n, "POST", url, form, basic, &s, &status, errbuf);
	if (!err) {
		err = oauth_parse_tokens(answer_text(&s), s.len, (long long)time(NULL), t, errbuf);
	} else if (status >= 400 && status < 500 &&
	           oauth_parse_error(answer_text(&s), s.len, error, sizeof error, desc,
	                             sizeof desc)) {
		if (oauth_error)
			snprintf(oauth_error, OAUTH_ERROR_MAX, "%s", error);
		errbuf_set(errbuf, "the token endpoint refused: %s%s%s", error, desc[0] ? ": " : "",
		           desc);
		err = DBX_ERR_AUTH;
	}
	buf_free(&s);
	return err;
}

int oauth_revoke(struct oauth_net *n, const char *url, const char *client_id, const char *token,
                 char *errbuf)
{
	struct buf s;
	char *form = malloc(OAUTH_FORM_MAX);
	size_t flen = 0;
	int err = form ? DBX_OK : DBX_ERR_NOMEM, status;

	if (!err)
		err = oauth_form_add(form, OAUTH_FORM_MAX, &flen, "token", token);
	if (!err)
		err =
		    oauth_form_add(form, OAUTH_FORM_MAX, &flen, "token_type_hint", "refresh_token");
	if (!err)
		err = oauth_form_add(form, OAUTH_FORM_MAX, &flen, "client_id", client_id);
	answer_init(&s);
	if (!err)
		err = request(n, "POST", url, form, NULL, &s, &status, errbuf);
	buf_free(&s);
	if (form)
		crypto_wipe(form, OAUTH_FORM_MAX);
	free(form);
	return err;
}

int oauth_device_start(struct oauth_net *n, const char *url, const char *client_id,
                       const char *scope, struct oauth_device *d, char *errbuf)
{
	struct buf s;
	char form[1024], error[OAUTH_ERROR_MAX], desc[OAUTH_DESC_MAX];
	size_t flen = 0;
	int err, status;

	err = oauth_form_add(form, sizeof form, &flen, "client_id", client_id);
	if (!err)
		err = oauth_form_add(form, sizeof form, &flen, "scope", scope);
	if (err)
		return err;
	answer_init(&s);
	err = request(n, "POST", url, form, NULL, &s, &status, errbuf);
	if (!err) {
		err = oauth_parse_device(answer_text(&s), s.len, d, errbuf);
	} else if (status >= 400 && status < 500 &&
	           oauth_parse_error(answer_text(&s), s.len, error, sizeof error, desc,
	                             sizeof desc)) {
		errbuf_set(errbuf, "the device authorization endpoint refused: %s%s%s", error,
		           desc[0] ? ": " : "", desc);
		err = DBX_ERR_AUTH;
	}
	buf_free(&s);
	return err;
}
