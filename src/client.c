/* client.c - see client.h. */
#include "client.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "clock.h"
#include "crypto.h"
#include "net.h"
#include "status.h"
#include "switches.h"
#include "text.h"
#include "tls.h"

#define CLIENT_RETRY_AFTER_MAX 64

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil), so HTTP-dates need neither timegm() nor the locale. */
static long days_from_civil(long y, unsigned m, unsigned d)
{
	long era;
	unsigned yoe, doy, doe;
	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long)doe - 719468;
}

/* n digits at s as a number, or -1. */
static long digits(const char *s, int n)
{
	long v = 0;
	int i;
	for (i = 0; i < n; i++) {
		if (!text_is_digit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* Seconds from a Retry-After value: delta-seconds or an IMF-fixdate
 * ("Sun, 06 Nov 1994 08:49:37 GMT", exactly 29 bytes); -1 when it is
 * neither. Parsed by hand: sscanf would pull 4 KB of scanf into the binary. */
static long retry_after_seconds(const char *v, long now)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	const char *p;
	long secs = 0, day, year, hh, mm, ss;
	int mon;

	if (text_is_digit(*v)) {
		for (p = v; text_is_digit(*p); p++) {
			if (secs > 86400L * 365)
				return -1;
			secs = secs * 10 + (*p - '0');
		}
		return *p == '\0' ? secs : -1;
	}
	if (strlen(v) != 29 || v[3] != ',' || v[4] != ' ' || v[7] != ' ' || v[11] != ' ' ||
	    v[16] != ' ' || v[19] != ':' || v[22] != ':' || strcmp(v + 25, " GMT") != 0)
		return -1;
	for (mon = 0; mon < 12; mon++)
		if (memcmp(v + 8, months + 3 * mon, 3) == 0)
			break;
	day = digits(v + 5, 2);
	year = digits(v + 12, 4);
	hh = digits(v + 17, 2);
	mm = digits(v + 20, 2);
	ss = digits(v + 23, 2);
	if (mon == 12 || day < 1 || day > 31 || year < 1970 || hh < 0 || hh > 23 || mm < 0 ||
	    mm > 59 || ss < 0 || ss > 60)
		return -1;
	secs = days_from_civil(year, (unsigned)mon + 1, (unsigned)day) * 86400L + hh * 3600L +
	       mm * 60L + ss;
	return secs > now ? secs - now : 0;
}

long client_backoff_ms(const struct dbx_retry *r, int n, const char *retry_after, long now,
                       double jitter)
{
	double d = (double)r->initial_ms;
	long floor_ms = -1;
	int i;

	/* multiplier^(n-1) by hand: pow() would add 8 KB of tables to the binary */
	for (i = 1; i < n && d <= (double)r->max_ms; i++)
		d *= r->multiplier;
	if (d > (double)r->max_ms)
		d = (double)r->max_ms;
	d += d * 0.2 * jitter;
	if (d > (double)r->max_ms)
		d = (double)r->max_ms;
	if (d < 0)
		d = 0;
	if (retry_after) {
		long s = retry_after_seconds(retry_after, now);
		if (s >= 0)
			floor_ms = s > r->max_ms / 1000 ? r->max_ms : s * 1000;
	}
	if (floor_ms > d)
		d = (double)floor_ms;
	return (long)d;
}

void client_touch(struct client *c)
{
	conn_touch(&c->conn);
}

static double jitter(void)
{
	unsigned short r = 0;
	if (crypto_random(&r, sizeof r) != DBX_OK)
		return 0;
	return (double)r / 32767.5 - 1.0;
}

struct attempt {
	struct client_call *k;
	int err_full; /* the error body filled err_body: the rest is not read */
	char retry_after[CLIENT_RETRY_AFTER_MAX];
};

static int on_head(void *ctx, const struct http_parser *p)
{
	struct attempt *a = ctx;
	const char *ra;

	a->k->status = p->status;
	if (p->status / 100 == 2)
		return a->k->on_head ? a->k->on_head(a->k->ctx, p) : 0;
	ra = http_header_value(p, "Retry-After", NULL);
	if (ra)
		snprintf(a->retry_after, sizeof a->retry_after, "%s", ra);
	return 0;
}

static int on_body(void *ctx, const char *data, size_t len)
{
	struct attempt *a = ctx;
	struct client_call *k = a->k;

	if (k->status / 100 == 2)
		return k->on_data ? k->on_data(k->ctx, data, len) : 0;
	if (len > sizeof k->err_body - k->err_len)
		len = sizeof k->err_body - k->err_len;
	memcpy(k->err_body + k->err_len, data, len);
	k->err_len += len;
	if (k->err_len == sizeof k->err_body) {
		/* Enough to explain the error; an endless error body must not
		 * keep us reading. The connection is dropped. */
		a->err_full = 1;
		return DBX_ERR_LIMIT;
	}
	return 0;
}

static int call(struct client *c, struct client_call *k, char *errbuf);

static int retryable(int err)
{
	switch (err) {
	case DBX_ERR_RATE_LIMITED:
	case DBX_ERR_SERVER:
	case DBX_ERR_CONNECT:
	case DBX_ERR_NET:
	case DBX_ERR_TIMEOUT:
	case DBX_ERR_TRUNCATED:
		return 1;
	default:
		return 0;
	}
}

int client_call(struct client *c, struct client_call *k, char *errbuf)
{
	char line[DBX_ERRBUF_SIZE] = "";
	int err = call(c, k, line);

	if (err)
		errbuf_set(errbuf, "%s", line[0] ? line : dbx_strerror(err));
	return err;
}

/* client_call with errbuf a real buffer: the retry notices repeat its line. */
static int call(struct client *c, struct client_call *k, char *errbuf)
{
	struct attempt a;
	struct http_header fields[2 + CLIENT_FIELDS_MAX];
	struct conn_target t;
	struct conn_request rq = {0};
	struct conn_handlers h = {on_head, on_body, &a};
	const char *ctype = k->content_type ? k->content_type : "application/json";
	long waited_ms = 0;
	size_t n = 0;
	int err, refreshed = 0;

	memset(&a, 0, sizeof a);
	a.k = k;
	/* fields[0] is Authorization, filled per attempt (credentials may change) */
	fields[n].name = "Authorization";
	fields[n].name_len = 13;
	n++;
	if (k->body) {
		fields[n].name = "Content-Type";
		fields[n].name_len = 12;
		fields[n].value = ctype;
		fields[n].value_len = strlen(ctype);
		n++;
	}
	if (k->num_fields > CLIENT_FIELDS_MAX) {
		errbuf_set(errbuf, "internal error: %zu header fields for one call", k->num_fields);
		return DBX_ERR_INTERNAL;
	}
	if (k->num_fields)
		memcpy(fields + n, k->fields, k->num_fields * sizeof *fields);
	n += k->num_fields;
	t.https = c->base.is_https;
	t.host = c->base.host;
	t.port = c->base.port;
	t.path = k->path;
	rq.method = k->method;
	rq.body = k->body;
	rq.body_len = k->body_len;
	rq.body_read = k->body_read;
	rq.body_ctx = k->body_ctx;
	rq.accept = k->accept;
	k->attempts = 0;
	for (;;) {
		long delay;
		const char *auth = k->authorization;
		if (!auth && !k->no_auth) {
			if (c->authorize) {
				err = c->authorize(c, 0, errbuf);
				if (err)
					return err;
			}
			auth = c->auth[0] ? c->auth : NULL;
		}
		rq.fields = auth ? fields : fields + 1;
		rq.num_fields = auth ? n : n - 1;
		fields[0].value = auth;
		fields[0].value_len = auth ? strlen(auth) : 0;
		k->status = 0;
		k->err_len = 0;
		a.err_full = 0;
		a.retry_after[0] = '\0';
		k->complete = 0;
		err = conn_request(&c->conn, &t, &rq, &h, errbuf);
		k->attempts++;
		if (err == DBX_ERR_TRUNCATED && k->complete && k->status / 100 == 2) {
			if (c->conn.trace)
				c->conn.trace(
				    c->conn.trace_ctx,
				    "* the connection was cut after the end of the stream "
				    "(no TLS close_notify): the reply is complete");
			err = DBX_OK;
		}
		if (err == DBX_ERR_LIMIT && a.err_full)
			err = DBX_OK; /* the status and the start of the body tell enough */
		if (!err && k->status / 100 == 2)
			return DBX_OK;
		if (!err)
			err = status_error(k->status, k->err_body, k->err_len, errbuf);
		if (k->status == 401 && !c->authorize && !k->authorization && c->auth[0]) {
			/* a fixed token (DATABRICKS_TOKEN, token in the profile) */
			char *hint = strstr(errbuf, "; run `dbxai login`");
			if (hint)
				snprintf(
				    hint, DBX_ERRBUF_SIZE - (size_t)(hint - errbuf),
				    "; the token was refused (expired or revoked?): create a "
				    "new one (workspace Settings > Developer > Access tokens) "
				    "and run `dbxai configure`, or set DATABRICKS_TOKEN to it");
		}
		/* An expired or revoked token: refresh once and try again. */
		if (k->status == 401 && c->authorize && !k->authorization && !k->no_auth &&
		    !refreshed && !k->delivered) {
			refreshed = 1;
			err = c->authorize(c, 1, errbuf);
			if (err)
				return err;
			continue;
		}
		/* A stream that stalled after its head was accepted is not a flaky
		 * link: retrying would only wait the idle timeout again. */
		if (!retryable(err) || k->delivered || k->attempts > k->max_retries ||
		    (err == DBX_ERR_TIMEOUT && k->status != 0))
			break;
		delay = client_backoff_ms(&c->retry, k->attempts,
		                          a.retry_after[0] ? a.retry_after : NULL, (long)time(NULL),
		                          jitter());
		client_notice(c, "%s; retrying in %.1f s (retry %d of %d)", errbuf, delay / 1000.0,
		              k->attempts, k->max_retries);
		clock_sleep_ms(delay);
		waited_ms += delay;
	}
	if (k->attempts > 1) {
		size_t len = strlen(errbuf);
		snprintf(errbuf + len, DBX_ERRBUF_SIZE - len,
		         " (gave up after %d retr%s over %.1f s)", k->attempts - 1,
		         k->attempts == 2 ? "y" : "ies", waited_ms / 1000.0);
	}
	return err;
}

static int whole_head(void *ctx, const struct http_parser *p)
{
	(void)p;
	buf_clear(ctx); /* a retried request starts a new body */
	return 0;
}

static int whole_data(void *ctx, const char *data, size_t len)
{
	return buf_append(ctx, data, len);
}

int client_call_whole(struct client *c, struct client_call *k, struct buf *body, char *errbuf)
{
	int err;

	buf_clear(body);
	k->on_head = whole_head;
	k->on_data = whole_data;
	k->ctx = body;
	err = client_call(c, k, errbuf);
	if (err && body->err == DBX_ERR_LIMIT) {
		errbuf_set(errbuf, "the reply to %s %.200s is larger than %zu %s", k->method,
		           k->path, body->max >= (1u << 20) ? body->max >> 20 : body->max,
		           body->max >= (1u << 20) ? "MiB" : "bytes");
		err = DBX_ERR_LIMIT;
	} else if (err && body->err == DBX_ERR_NOMEM) {
		errbuf_set(errbuf,
		           "out of memory holding the reply to %s %.200s (%zu bytes so far)",
		           k->method, k->path, body->len);
		err = DBX_ERR_NOMEM;
	}
	return err;
}

#if DBX_FEATURE_PROXY
/* proxy_getenv_fn over the options: the caller has already chosen between
 * https_proxy and HTTPS_PROXY; the value answers under the lower-case name
 * when it is that variable's (so a message names the variable the user set),
 * else under the upper-case one. */
static const char *options_env(void *ctx, const char *name)
{
	const struct dbx_options *o = ctx;
	const char *p = o->https_proxy ? o->https_proxy : "";
	if (strcmp(name, "https_proxy") == 0)
		return p == getenv("https_proxy") ? p : NULL;
	if (strcmp(name, "HTTPS_PROXY") == 0)
		return p;
	if (strcmp(name, "no_proxy") == 0)
		return o->no_proxy ? o->no_proxy : "";
	return NULL;
}
#endif

/* The tunnel through o's HTTPS proxy, if any; without proxy support (make
 * FEATURES=-proxy) a proxy set is an error rather than a silent detour. */
static int proxy_setup(struct client *c, const struct dbx_options *o, char *errbuf)
{
#if DBX_FEATURE_PROXY
	int err =
	    proxy_from_env(options_env, (void *)o, c->base.host, c->base.port, &c->proxy, errbuf);
	if (!err && c->proxy.use) {
		c->conn.proxy_host = c->proxy.host;
		c->conn.proxy_port = c->proxy.port;
		c->conn.proxy_auth = c->proxy.auth[0] ? c->proxy.auth : NULL;
	}
	return err;
#else
	(void)c;
	if (!o->https_proxy || !*o->https_proxy)
		return DBX_OK;
	errbuf_set(errbuf, "HTTPS_PROXY is set, but proxy support is " DBX_NOT_BUILT_IN("proxy"));
	return DBX_ERR_USAGE;
#endif
}

int client_open(struct client **out, const char *host, const struct dbx_options *o, char *errbuf)
{
	struct client *c;
	int err;

	*out = NULL;
	if (!host || !*host) {
		errbuf_set(errbuf,
		           "no workspace host given: set DATABRICKS_HOST or the host option");
		return DBX_ERR_USAGE;
	}
	/* not calloc: musl's would write all of it, conn's buffers too (conn is
	 * the first field: the rest is cleared here, conn by conn_init()) */
	c = malloc(sizeof *c);
	if (!c) {
		errbuf_set(errbuf, "out of memory for a client");
		return DBX_ERR_NOMEM;
	}
	_Static_assert(offsetof(struct client, conn) == 0, "conn first in struct client");
	memset((char *)c + sizeof c->conn, 0, sizeof *c - sizeof c->conn);
	conn_init(&c->conn);
	err = url_normalize_host(host, c->base_url, sizeof c->base_url, errbuf);
	if (!err && strchr(host, '?') && o->trace) /* the only query let through */
		o->trace(o->trace_ctx, "* host: the browser's ?o=<workspace id> is left out; "
		                       "the host alone names the workspace");
	if (!err)
		err = url_parse(c->base_url, &c->base, errbuf);
	if (!err)
		err = net_resolve_check(o->resolve, errbuf);
	if (err)
		goto fail;
	if (o->retry) {
		c->retry = *o->retry;
	} else {
		struct dbx_retry def = DBX_RETRY_DEFAULT;
		c->retry = def;
	}
	c->notice = o->notice;
	c->notice_ctx = o->notice_ctx;
	if (c->base.is_https) {
		struct tls_options topt = {o->ca_file, o->ca_dir};
		err = tls_client_new(&c->tls, &topt, errbuf);
		if (err)
			goto fail;
		err = proxy_setup(c, o, errbuf);
		if (err)
			goto fail;
	}
	c->conn.tls = c->tls;
	c->conn.resolve = o->resolve;
	c->conn.connect_timeout_ms =
	    o->connect_timeout_ms > 0 ? o->connect_timeout_ms : DBX_CONNECT_TIMEOUT_MS;
	c->conn.idle_timeout_ms = o->idle_timeout_ms > 0 ? o->idle_timeout_ms : DBX_IDLE_TIMEOUT_MS;
	c->conn.read_batch_ms = o->read_batch_ms > 0 ? o->read_batch_ms : 0;
	c->conn.trace = o->trace;
	c->conn.trace_ctx = o->trace_ctx;
	*out = c;
	return DBX_OK;

fail:
	client_free(c);
	return err;
}

void client_free(struct client *c)
{
	if (!c)
		return;
	conn_close(&c->conn);
	tls_client_free(c->tls);
#if DBX_FEATURE_PROXY
	proxy_clear(&c->proxy);
#endif
	crypto_wipe(c->auth, sizeof c->auth);
	free(c);
}
