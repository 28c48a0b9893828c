/* conn.c - see conn.h. */
#include "conn.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "err.h"
#include "net.h"
#include "switches.h"
#include "tls.h"

#define CONN_TRACE_MAX 4096

/* A line of the -v trace. */
#define say(c, ...) err_say((c)->trace, (c)->trace_ctx, __VA_ARGS__)

/* Traces a head (already redacted) line by line with a prefix. */
static void trace_head(const struct conn *c, const char *prefix, const char *text, size_t len)
{
	char line[CONN_TRACE_MAX];
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		size_t k = n;
		if (k && p[k - 1] == '\r')
			k--;
		if (k) {
			snprintf(line, sizeof line, "%s%.*s", prefix, (int)k, p);
			c->trace(c->trace_ctx, line);
		}
		p += n + 1;
	}
}

void conn_init(struct conn *c)
{
	/* All but the parser's head buffer and the read buffer, which nothing
	 * reads before it is written (http_reset() readies the parser): their 32
	 * KiB are not written here, so a connection's pages are touched as used. */
	memset(c, 0, offsetof(struct conn, parser_) + offsetof(struct http_parser, buf_));
	c->fd_ = -1;
	c->connect_timeout_ms = DBX_CONNECT_TIMEOUT_MS;
	c->idle_timeout_ms = DBX_IDLE_TIMEOUT_MS;
}

/* Out of line: -O2 would copy it into each of its call sites (~600 bytes). */
__attribute__((noinline)) void conn_close(struct conn *c)
{
	if (c->io_.read) {
		c->io_.close(c->io_.ctx);
		c->io_.read = NULL;
		say(c, "* closed connection to %s:%u", c->host_, c->port_);
	}
	c->host_[0] = '\0';
	c->served_ = 0;
}

/* The clock is read before the next read, not here: this runs for every event
 * of a stream (thousands per record), that once per record. */
void conn_touch(struct conn *c)
{
	c->touched_ = 1;
}

/* The socket transports: ctx is the conn, which holds the fd and the TLS
 * session; one close serves both. */
static int tcp_read(void *ctx, void *buf, size_t len, int timeout_ms, size_t *got, char *errbuf)
{
	return net_read(((struct conn *)ctx)->fd_, buf, len, timeout_ms, got, errbuf);
}

static int tcp_write(void *ctx, const void *buf, size_t len, int timeout_ms, char *errbuf)
{
	return net_write_all(((struct conn *)ctx)->fd_, buf, len, timeout_ms, errbuf);
}

static int tlsc_read(void *ctx, void *buf, size_t len, int timeout_ms, size_t *got, char *errbuf)
{
	return tls_read(((struct conn *)ctx)->tls_, buf, len, timeout_ms, got, errbuf);
}

static int tlsc_write(void *ctx, const void *buf, size_t len, int timeout_ms, char *errbuf)
{
	return tls_write_all(((struct conn *)ctx)->tls_, buf, len, timeout_ms, errbuf);
}

static int tlsc_clean_close(void *ctx)
{
	return tls_conn_clean_close(((struct conn *)ctx)->tls_);
}

/* The fd, not the TLS session: a pending record (a session ticket) is alive. */
static int sock_alive(void *ctx)
{
	return net_alive(((struct conn *)ctx)->fd_);
}

static void sock_close(void *ctx)
{
	struct conn *c = ctx;

	tls_conn_free(c->tls_);
	c->tls_ = NULL;
	net_close(c->fd_);
	c->fd_ = -1;
}

static const struct conn_io tcp_io = {
    .read = tcp_read,
    .write = tcp_write,
    .alive = sock_alive,
    .close = sock_close,
};

static const struct conn_io tls_io = {
    .read = tlsc_read,
    .write = tlsc_write,
    .clean_close = tlsc_clean_close,
    .alive = sock_alive,
    .close = sock_close,
};

static int io_write(struct conn *c, const char *buf, size_t len, int timeout_ms, char *errbuf)
{
	return c->io_.write(c->io_.ctx, buf, len, timeout_ms, errbuf);
}

static int io_read(struct conn *c, char *buf, size_t len, int timeout_ms, size_t *got, char *errbuf)
{
	return c->io_.read(c->io_.ctx, buf, len, timeout_ms, got, errbuf);
}

#if DBX_FEATURE_PROXY
/* host:port for request lines and messages; IPv6 literals in brackets. */
static void authority(char *out, size_t cap, const char *host, unsigned port)
{
	if (strchr(host, ':'))
		snprintf(out, cap, "[%s]:%u", host, port);
	else
		snprintf(out, cap, "%s:%u", host, port);
}

/* Asks the proxy (already connected on c->fd_) for a tunnel to t. */
static int tunnel(struct conn *c, const struct conn_target *t, char *errbuf)
{
	char target[CONN_HOST_MAX + 16], proxy[CONN_HOST_MAX + 16], redacted[CONN_TRACE_MAX];
	struct http_header auth = {"Proxy-Authorization", 19, c->proxy_auth,
	                           c->proxy_auth ? strlen(c->proxy_auth) : 0};
	struct http_request r = {0};
	struct http_parser *p = &c->parser_;
	const char *why = NULL;
	size_t len = 0, consumed = 0, got = 0;
	int err;

	authority(target, sizeof target, t->host, t->port);
	authority(proxy, sizeof proxy, c->proxy_host, c->proxy_port);
	r.method = "CONNECT";
	r.target = target;
	r.host = t->host;
	r.port = t->port;
	r.default_port = 1; /* always write the port in Host */
	r.fields = c->proxy_auth ? &auth : NULL;
	r.num_fields = c->proxy_auth ? 1 : 0;
	err = http_write_request(&r, c->rbuf_, sizeof c->rbuf_, &len, &why);
	if (err) {
		errbuf_set(errbuf, "cannot build the proxy request: %s", why ? why : "bad value");
		return DBX_ERR_USAGE;
	}
	if (c->trace) {
		size_t rlen = 0;
		(void)http_redact(c->rbuf_, len, redacted, sizeof redacted, &rlen);
		trace_head(c, "> ", redacted, rlen);
	}
	err = net_write_all(c->fd_, c->rbuf_, len, c->connect_timeout_ms, errbuf);
	if (err)
		return err == DBX_ERR_TIMEOUT ? err : DBX_ERR_PROXY;
	/* A 2xx answer to CONNECT has no body; HEAD's rule says just that. */
	http_reset(p, HTTP_F_HEAD);
	for (;;) {
		err = net_read(c->fd_, c->rbuf_, sizeof c->rbuf_, c->connect_timeout_ms, &got,
		               errbuf);
		if (err)
			return err == DBX_ERR_TIMEOUT ? err : DBX_ERR_PROXY;
		if (got == 0) {
			errbuf_set(errbuf,
			           "proxy %s closed the connection instead of answering CONNECT",
			           proxy);
			return DBX_ERR_PROXY;
		}
		err = http_parse(p, c->rbuf_, got, &consumed, NULL);
		if (err != ERR_NEED_MORE)
			break;
	}
	if (err) {
		errbuf_set(errbuf, "proxy %s: bad answer to CONNECT: %s", proxy,
		           p->error ? p->error : dbx_strerror(err));
		return DBX_ERR_PROXY;
	}
	if (c->trace) {
		size_t rlen = 0;
		(void)http_render_head(p, redacted, sizeof redacted, &rlen);
		trace_head(c, "< ", redacted, rlen);
	}
	if (p->status / 100 != 2) {
		errbuf_set(errbuf, "proxy %s refused the tunnel to %s: %d %s%s", proxy, target,
		           p->status, p->reason,
		           p->status == 407 ? " (set user:password in HTTPS_PROXY)" : "");
		return DBX_ERR_PROXY;
	}
	if (consumed < got) {
		errbuf_set(errbuf, "proxy %s sent data before the TLS handshake", proxy);
		return DBX_ERR_PROXY;
	}
	return DBX_OK;
}

/* Connects to c's proxy and through its tunnel to t: c->fd_ is open on
 * success, closed on failure. */
static int dial_proxy(struct conn *c, const struct conn_target *t, const struct net_dial *d,
                      char *errbuf)
{
	char msg[DBX_ERRBUF_SIZE];
	int err;

	err = net_connect(c->proxy_host, c->proxy_port, d, &c->fd_, msg);
	if (err) {
		errbuf_set(errbuf, "proxy: %s (check HTTPS_PROXY)", msg);
		return err == DBX_ERR_RESOLVE || err == DBX_ERR_CONNECT ? DBX_ERR_PROXY : err;
	}
	say(c, "* connected to proxy %s (%s)", c->proxy_host, "CONNECT tunnel");
	err = tunnel(c, t, errbuf);
	if (err) {
		net_close(c->fd_);
		c->fd_ = -1;
	}
	return err;
}
#endif

/* Connects to t (through the proxy when set), with TLS for https, and makes
 * the socket c's transport. Without proxy support (FEATURES=-proxy) the client
 * never sets a proxy: the tunnel code is left out. */
static int open_socket(struct conn *c, const struct conn_target *t, char *errbuf)
{
	struct net_dial d = {c->connect_timeout_ms, c->resolve, c->trace, c->trace_ctx};
	int err;

	if (t->https && !c->tls) {
		errbuf_set(errbuf, "internal: https without a TLS client");
		return DBX_ERR_INTERNAL;
	}
#if DBX_FEATURE_PROXY
	if (c->proxy_host)
		err = dial_proxy(c, t, &d, errbuf);
	else
#endif
		err = net_connect(t->host, t->port, &d, &c->fd_, errbuf);
	if (err)
		return err;
	if (t->https) {
		err = tls_connect(c->tls, c->fd_, t->host, c->connect_timeout_ms, &c->tls_, errbuf);
		if (err == ERR_TLS12_RETRY) {
			say(c, "* %s", errbuf);
			net_close(c->fd_);
			c->fd_ = -1;
			return open_socket(c, t, errbuf);
		}
		if (err)
			goto fail;
		tls_conn_batch(c->tls_, c->read_batch_ms);
		say(c, "* connected to %s:%u, %s, %s", t->host, t->port, tls_conn_version(c->tls_),
		    tls_conn_cipher(c->tls_));
		if (tls_gcm_note())
			say(c, "* %s", tls_gcm_note());
	} else {
		say(c, "* connected to %s:%u (plain HTTP)", t->host, t->port);
	}
	c->io_ = t->https ? tls_io : tcp_io;
	c->io_.ctx = c;
	return DBX_OK;

fail:
	net_close(c->fd_);
	c->fd_ = -1;
	return err;
}

static int open_conn(struct conn *c, const struct conn_target *t, char *errbuf)
{
	int err;

	if (strlen(t->host) >= sizeof c->host_) {
		errbuf_set(errbuf, "host name too long");
		return DBX_ERR_USAGE;
	}
	if (c->connect)
		err = c->connect(c->connect_ctx, t, &c->io_, errbuf);
	else
		err = open_socket(c, t, errbuf);
	if (err) {
		c->io_.read = NULL; /* whatever a failed hook left there */
		return err;
	}
	snprintf(c->host_, sizeof c->host_, "%s", t->host);
	c->port_ = t->port;
	c->https_ = t->https;
	c->served_ = 0;
	return DBX_OK;
}

struct exchange {
	struct conn *c;
	const struct conn_handlers *h;
};

static int on_head(void *ctx, const struct http_parser *p)
{
	struct exchange *x = ctx;
	if (x->c->trace) {
		char text[CONN_TRACE_MAX];
		size_t len = 0;
		(void)http_render_head(p, text, sizeof text, &len);
		trace_head(x->c, "< ", text, len);
	}
	return x->h && x->h->on_head ? x->h->on_head(x->h->ctx, p) : 0;
}

static int on_body(void *ctx, const char *data, size_t len)
{
	struct exchange *x = ctx;
	return x->h && x->h->on_body ? x->h->on_body(x->h->ctx, data, len) : 0;
}

static int send_request(struct conn *c, const struct conn_target *t, const struct conn_request *rq,
                        char *errbuf)
{
	struct http_request r = {0};
	const char *why = NULL;
	size_t len = 0;
	int err;

	r.method = rq->method;
	r.target = t->path;
	r.host = t->host;
	r.port = t->port;
	r.default_port = t->https ? 443 : 80;
	r.accept = rq->accept;
	r.fields = rq->fields;
	r.num_fields = rq->num_fields;
	r.has_body = rq->body != NULL;
	r.body_len = rq->body_len;
	err = http_write_request(&r, c->rbuf_, sizeof c->rbuf_, &len, &why);
	if (err) {
		errbuf_set(errbuf, "cannot build the request: %s", why ? why : "bad value");
		return err;
	}
	if (c->trace) {
		char text[CONN_TRACE_MAX];
		size_t tlen = 0;
		(void)http_redact(c->rbuf_, len, text, sizeof text, &tlen);
		trace_head(c, "> ", text, tlen);
	}
	if (rq->body_read) {
		/* written in pieces through the read buffer, idle until the reply */
		size_t off = 0, got = 0;

		err = io_write(c, c->rbuf_, len, c->idle_timeout_ms, errbuf);
		while (!err && off < rq->body_len) {
			size_t want = rq->body_len - off;
			err = rq->body_read(rq->body_ctx, off, c->rbuf_,
			                    want < sizeof c->rbuf_ ? want : sizeof c->rbuf_, &got,
			                    errbuf);
			if (!err && !got) {
				errbuf_set(errbuf, "the request body ended after %zu of %zu bytes",
				           off, rq->body_len);
				err = DBX_ERR_IO;
			}
			if (!err)
				err = io_write(c, c->rbuf_, got, c->idle_timeout_ms, errbuf);
			off += got;
		}
		return err;
	}
	/* Small bodies go in the same write (one TLS record, one packet). */
	if (rq->body && rq->body_len <= sizeof c->rbuf_ - len) {
		memcpy(c->rbuf_ + len, rq->body, rq->body_len);
		return io_write(c, c->rbuf_, len + rq->body_len, c->idle_timeout_ms, errbuf);
	}
	err = io_write(c, c->rbuf_, len, c->idle_timeout_ms, errbuf);
	if (!err && rq->body && rq->body_len)
		err = io_write(c, rq->body, rq->body_len, c->idle_timeout_ms, errbuf);
	return err;
}

static int read_response(struct conn *c, const struct conn_request *rq,
                         const struct conn_handlers *h, int reused, char *errbuf)
{
	struct exchange x = {c, h};
	struct http_sink sink = {on_head, on_body, &x};
	struct http_parser *p = &c->parser_;
	size_t got = 0, consumed = 0;
	int err;

	http_reset(p, strcmp(rq->method, "HEAD") == 0 ? HTTP_F_HEAD : 0);
	c->deadline_ = 0;
	c->touched_ = 0;
	for (;;) {
		int wait = c->idle_timeout_ms;
		if (c->deadline_ || c->touched_) {
			long long now = clock_ms(), left;

			if (c->touched_)
				c->deadline_ = now + c->idle_timeout_ms;
			c->touched_ = 0;
			left = c->deadline_ - now;
			if (left <= 0) {
				err = DBX_ERR_TIMEOUT;
				errbuf_set(
				    errbuf,
				    "no data from %s for %.0f s (the --idle-timeout); the stream "
				    "stalled",
				    c->host_, c->idle_timeout_ms / 1000.0);
				return err;
			}
			if (left < wait)
				wait = (int)left;
		}
		err = io_read(c, c->rbuf_, sizeof c->rbuf_, wait, &got, errbuf);
		if (err == DBX_ERR_TIMEOUT && c->deadline_ && wait < c->idle_timeout_ms)
			continue; /* the deadline check above reports it */
		if (err) {
			if (reused && p->received == 0 && err != DBX_ERR_TIMEOUT)
				return ERR_STALE;
			if (err == DBX_ERR_TIMEOUT)
				errbuf_set(
				    errbuf,
				    "no data from %s for %.0f s (the --idle-timeout); the server "
				    "or the network stalled",
				    c->host_, c->idle_timeout_ms / 1000.0);
			return err;
		}
		if (got == 0) {
			if (reused && p->received == 0)
				return ERR_STALE;
			if (c->io_.clean_close && p->head_done && p->framing == HTTP_BODY_CLOSE &&
			    !c->io_.clean_close(c->io_.ctx)) {
				errbuf_set(
				    errbuf,
				    "response truncated: %s closed the connection without TLS "
				    "close_notify after %llu body bytes",
				    c->host_, (unsigned long long)p->body_bytes);
				return DBX_ERR_TRUNCATED;
			}
			err = http_finish(p);
			if (err == DBX_OK) /* a close-delimited body: the end is the close */
				conn_close(c);
			if (err == DBX_ERR_TRUNCATED)
				errbuf_set(errbuf,
				           "response truncated: %s closed the connection %s",
				           c->host_,
				           !p->head_done ? "before the response head ended"
				           : p->framing == HTTP_BODY_CHUNKED
				               ? "in the middle of the chunked body"
				               : "before Content-Length bytes arrived");
			else if (err)
				errbuf_set(errbuf, "bad response from %s: %s", c->host_,
				           p->error ? p->error : dbx_strerror(err));
			return err;
		}
		err = http_parse(p, c->rbuf_, got, &consumed, &sink);
		if (err == ERR_NEED_MORE)
			continue;
		if (err == DBX_OK) {
			if (consumed < got)
				say(c, "* %zu unexpected bytes after the response", got - consumed);
			if (p->keep_alive && consumed == got)
				c->served_++;
			else
				conn_close(c);
			return DBX_OK;
		}
		if ((err == DBX_ERR_PROTOCOL || err == DBX_ERR_LIMIT) && p->error)
			errbuf_set(errbuf, "bad response from %s: %s", c->host_, p->error);
		return err;
	}
}

int conn_request(struct conn *c, const struct conn_target *t, const struct conn_request *rq,
                 const struct conn_handlers *h, char *errbuf)
{
	char msg[DBX_ERRBUF_SIZE];
	int attempt, err = DBX_OK;

	for (attempt = 0; attempt < 2; attempt++) {
		int reused = 0;
		if (c->io_.read && c->https_ == t->https && c->port_ == t->port &&
		    strcmp(c->host_, t->host) == 0) {
			reused = c->io_.alive(c->io_.ctx);
			if (reused)
				say(c, "* reusing connection to %s:%u (%lu earlier responses)",
				    c->host_, c->port_, c->served_);
			else
				say(c, "* the server closed the kept-alive connection while "
				       "it was idle");
		}
		if (!reused) {
			conn_close(c);
			err = open_conn(c, t, errbuf);
			if (err)
				return err;
		}
		msg[0] = '\0';
		err = send_request(c, t, rq, msg);
		/* A connection that died while idle: the write may fail (reset,
		 * broken pipe) or, more often, the read finds EOF or a reset
		 * before any byte of the response (ERR_STALE). The server never
		 * answered: send the request once more, on a new connection. */
		if (reused && (err == DBX_ERR_NET || err == DBX_ERR_TLS))
			err = ERR_STALE;
		if (!err)
			err = read_response(c, rq, h, reused, msg);
		if (err == ERR_STALE && attempt == 0) {
			say(c,
			    "* the kept-alive connection died before the response began (%s); "
			    "sending the request again on a new connection",
			    msg[0] ? msg : "closed by the server");
			conn_close(c);
			continue;
		}
		if (err)
			conn_close(c);
		break;
	}
	if (err && err != ERR_STALE && msg[0])
		errbuf_set(errbuf, "%s", msg);
	if (err == ERR_STALE) {
		errbuf_set(errbuf, "%s closed the connection without answering", t->host);
		err = DBX_ERR_NET;
	}
	return err;
}
