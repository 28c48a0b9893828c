/*
 * conn.h - one keep-alive HTTP/1.1 connection and the request/response exchange
 * over it: plain TCP (loopback only, checked by the caller) or TLS, direct or
 * through an HTTP proxy's CONNECT tunnel.
 *
 * Rules:
 * - struct conn is the caller's (stack or static); conn_init() before use,
 *   conn_close() after. It holds the parser and a read buffer, so it is large
 *   (about 40 KB): do not put it on a small thread stack.
 * - Configuration members are set after conn_init() and before the first
 *   request; strings and the tls client are borrowed and must outlive the conn.
 * - A connection is reused when the next request goes to the same scheme, host
 *   and port and the previous response allowed it. If a reused connection turns
 *   out to be dead before any byte of the response arrived, the request is sent
 *   once more on a new connection (what curl does for a stale keep-alive).
 * - The trace (when set) gets the request head with secrets redacted, the
 *   response head, and connection events; never body bytes.
 * - Errors are enum dbx_err with the cause in errbuf (char[DBX_ERRBUF_SIZE]).
 */
#ifndef CONN_H
#define CONN_H

#include <stddef.h>

#include "err.h"
#include "http.h"

#define CONN_READ_MAX 16384 /* bytes asked of the socket per read */
#define CONN_HOST_MAX 256

struct tls_client;
struct tls_conn;

/* Where a request goes. */
struct conn_target {
	int https;
	const char *host; /* name or IP literal, without brackets */
	unsigned port;
	const char *path; /* origin-form: "/api/2.0/x?y=z" */
};

struct conn_request {
	const char *method;
	const struct http_header *fields; /* extra request fields (Authorization...) */
	size_t num_fields;
	const char *body; /* NULL: no body */
	size_t body_len;
	const char *accept; /* NULL: any */
	/* Not NULL: the body_len bytes of the body are written as they are
	 * read from it, in pieces (off counts up from 0; *got 0 is an error);
	 * body must still be non-NULL. */
	int (*body_read)(void *ctx, size_t off, char *out, size_t cap, size_t *got, char *errbuf);
	void *body_ctx;
};

/* on_head sees the final response head before any body byte; on_body gets the
 * de-chunked body as it arrives. Either may be NULL; a non-zero return stops the
 * exchange (the connection is then closed) and is returned by conn_request(). */
struct conn_handlers {
	int (*on_head)(void *ctx, const struct http_parser *p);
	int (*on_body)(void *ctx, const char *data, size_t len);
	void *ctx;
};

/* The byte stream under a connection once it is set up (after the proxy
 * tunnel and the TLS handshake). Every function gets ctx. Results as
 * net_read() and net_write_all(): an enum dbx_err, DBX_ERR_TIMEOUT when
 * nothing moved within timeout_ms, detail in errbuf (which may be NULL).
 * clean_close MAY be NULL (no close_notify to tell: every end is clean); the
 * other members MUST be set. */
struct conn_io {
	/* Up to len bytes; *got == 0 with DBX_OK is the end of the stream. */
	int (*read)(void *ctx, void *buf, size_t len, int timeout_ms, size_t *got, char *errbuf);
	int (*write)(void *ctx, const void *buf, size_t len, int timeout_ms, char *errbuf);
	/* After the end: the peer ended cleanly (TLS close_notify), not cut. */
	int (*clean_close)(void *ctx);
	/* Without blocking: an idle kept-alive stream still looks usable. */
	int (*alive)(void *ctx);
	/* Releases the stream; ctx is not used again. */
	void (*close)(void *ctx);
	void *ctx;
};

struct conn {
	/* Configuration. */
	int connect_timeout_ms;
	int idle_timeout_ms;
	int read_batch_ms;      /* > 0: tls_conn_batch() on each TLS connection */
	struct tls_client *tls; /* needed for https targets */
	const char *proxy_host; /* NULL: connect directly */
	unsigned proxy_port;
	const char *proxy_auth; /* Proxy-Authorization value (secret) or NULL */
	const char *resolve;    /* --resolve entries (net.h) or NULL */
	dbx_trace_fn trace;
	void *trace_ctx;
	/* NULL: connect over the network. Else called instead (tests): fills *io
	 * with a ready stream to t, or fails with errbuf set. */
	int (*connect)(void *ctx, const struct conn_target *t, struct conn_io *io, char *errbuf);
	void *connect_ctx;

	/* Private. */
	struct conn_io io_; /* io_.read == NULL: no connection */
	int fd_;
	struct tls_conn *tls_;
	int https_;
	unsigned port_;
	char host_[CONN_HOST_MAX];
	unsigned long served_; /* responses completed on this connection */
	long long deadline_;   /* conn_touch(): monotonic ms, 0 = none */
	int touched_;          /* conn_touch() since the last read: restart deadline_ */
	struct http_parser parser_;
	char rbuf_[CONN_READ_MAX];
};

void conn_init(struct conn *c);

/* Sends one request and reads its response to the end. */
int conn_request(struct conn *c, const struct conn_target *t, const struct conn_request *rq,
                 const struct conn_handlers *h, char *errbuf);

/* Called from a handler of the request in progress: the response must go on
 * delivering meaningful data within the idle timeout, counted from the next
 * read (so time the handlers spend, e.g. on a slow stdout, is not counted against
 * the server). Until the first
 * call only the socket's idle timeout applies; after it, bytes that carry no
 * meaning (keep-alive comments) no longer hold the request open. */
void conn_touch(struct conn *c);

/* Closes the connection (if any); the conn can be used again. */
void conn_close(struct conn *c);

#endif
