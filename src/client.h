/*
 * client.h - a bare client to one origin (URL, TLS trust, proxy, one kept-alive
 * connection; no credentials of its own) and the request engine every call
 * goes through: the Authorization value, retries with backoff, error mapping
 * (status.h) and the idle timeout. Credentials come from above through the
 * authorize hook (auth.h installs it); the public struct dbx_client (dbxai.c)
 * wraps one of these.
 *
 * Rules:
 * - client_call() retries 429, 5xx and network errors (up to the call's
 *   max_retries) only while nothing has reached the user: the caller's on_data
 *   sets call->delivered once it has passed output on, and from then on a
 *   failure is final. Other 4xx are never retried.
 * - The delay before retry n (1-based) is min(initial * multiplier^(n-1), max)
 *   with +-20 % jitter; a Retry-After header (seconds or HTTP-date) is a floor,
 *   capped by the max interval.
 * - Non-2xx bodies are collected (up to CLIENT_ERRBODY_MAX) and mapped by
 *   status_error(); 2xx bodies go to on_data as they arrive.
 * - Notices (a retry and its delay) go to the client's notice callback, one
 *   line each.
 * - With c->authorize set, credentials are asked for before each request and
 *   a 401 is retried once after a forced refresh (never after output).
 */
#ifndef CLIENT_H
#define CLIENT_H

#include <stddef.h>

#include "conn.h"
#include "err.h"
#include "proxy.h"
#include "url.h"

#define CLIENT_ERRBODY_MAX 8192
#define CLIENT_AUTH_MAX 4096
#define CLIENT_FIELDS_MAX 2 /* a call's own header fields */

struct tls_client;

struct client {
	struct conn conn;
	struct tls_client *tls; /* NULL for a plain-HTTP loopback workspace */
	struct url base;
	char base_url[URL_MAX];     /* "scheme://host[:port]" */
	char auth[CLIENT_AUTH_MAX]; /* "Bearer <token>" (secret) or "" */
	struct proxy proxy;
	struct dbx_retry retry;
	dbx_notice_fn notice;
	void *notice_ctx;
	/* Credentials that change (OAuth): called before each request to fill
	 * auth[] (refreshing ahead of expiry), and once more with force = 1 after
	 * a 401, to refresh and retry. NULL: auth[] is fixed (a token, or none). */
	int (*authorize)(struct client *c, int force, char *errbuf);
	void *auth_ctx;
};

/* A client for host (normalised as dbxai.h says for dbx_options.host) with the
 * trust, proxy, timeouts, retry policy, trace and notices of o; o's token and
 * OAuth fields are not looked at: auth[] starts empty. o's strings must outlive
 * the client. client_free(NULL) does nothing. */
int client_open(struct client **out, const char *host, const struct dbx_options *o, char *errbuf);
void client_free(struct client *c);

/* One logical request, retried as a whole. */
struct client_call {
	const char *method;
	const char *path; /* origin-form path on the workspace */
	const char *body; /* NULL: none; else sent as application/json */
	size_t body_len;
	/* Not NULL: the body is written in pieces read from it (conn.h) */
	int (*body_read)(void *ctx, size_t off, char *out, size_t cap, size_t *got, char *errbuf);
	void *body_ctx;
	const char *accept;               /* NULL: any */
	const char *content_type;         /* of body; NULL: application/json */
	const char *authorization;        /* Authorization value for this call only (the
	                                     OAuth token endpoint's Basic credentials);
	                                     NULL: the client's credentials */
	int no_auth;                      /* send no Authorization and do not call authorize */
	const struct http_header *fields; /* up to CLIENT_FIELDS_MAX more header fields */
	size_t num_fields;
	int max_retries; /* for this call; the client's policy is c->retry */

	/* A 2xx head arrived (status and headers in p); may be NULL. */
	int (*on_head)(void *ctx, const struct http_parser *p);
	/* 2xx body bytes; may be NULL. A non-zero return stops the call. */
	int (*on_data)(void *ctx, const char *data, size_t len);
	void *ctx;

	/* Set by the caller's handlers: output reached the user, no retry now. */
	int delivered;
	/* Set by the caller's handlers: the body reached its own end marker (a
	 * stream's [DONE], response.completed), so a cut after it (a close without
	 * TLS close_notify) loses nothing: the call succeeds, noted in the trace. */
	int complete;
	/* Results. */
	int status;   /* last HTTP status, 0 if none */
	int attempts; /* requests sent */
	char err_body[CLIENT_ERRBODY_MAX];
	size_t err_len;
};

/* Runs the call; DBX_OK when a 2xx response was read to its end. */
int client_call(struct client *c, struct client_call *k, char *errbuf);

struct buf;

/* The one whole-body collector: runs k (its on_head, on_data and ctx are
 * taken) with the 2xx body gathered into body (buf_init'ed by the caller with
 * its maximum; emptied when a retry starts over; the caller frees it). A body
 * past the maximum is DBX_ERR_LIMIT naming the request and the limit. */
int client_call_whole(struct client *c, struct client_call *k, struct buf *body, char *errbuf);

/* Milliseconds to wait before retry n (1-based) under policy r, given the
 * response's Retry-After value (NULL when none) and the time now (for
 * HTTP-dates). jitter is in [-1, 1]. Exposed for the unit test. */
long client_backoff_ms(const struct dbx_retry *r, int n, const char *retry_after, long now,
                       double jitter);

/* One line to the client's notice callback (if any): a retry, a fallback. */
#define client_notice(c, ...) err_say((c)->notice, (c)->notice_ctx, __VA_ARGS__)

/* Sets the idle deadline of the call in progress to now + the idle timeout:
 * called by stream decoders on each data-bearing event, so keep-alive comments
 * do not keep a stalled stream alive. */
void client_touch(struct client *c);

#endif
