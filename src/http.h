/*
 * http.h - HTTP/1.1 for a client: an incremental response parser and a request
 * head writer. No sockets here: the connection layer reads bytes from TLS or TCP,
 * hands them to http_parse() and writes what http_write_request() produced.
 *
 * Rules:
 * - The parser is pure and incremental: any split of the input (one byte at a
 *   time included) gives the same result. A zero-filled struct http_parser is a
 *   ready parser for a response to a non-HEAD request; http_reset() makes it one
 *   again (for the next response on a kept-alive connection).
 * - No allocation. The response head (status line and header section) is copied
 *   into a fixed buffer inside the parser; the limits below are the only limits,
 *   and going past one is DBX_ERR_LIMIT, never a crash or a silent cut.
 * - Strict framing, because a guess could desynchronise a reused connection:
 *   conflicting Content-Length values, Content-Length together with
 *   Transfer-Encoding, Transfer-Encoding whose last coding is not chunked (or
 *   any coding other than chunked: we never send TE, so we could not decode it),
 *   bad or overflowing chunk sizes, bare CR, bare LF, obs-fold, header names
 *   that are not tokens and control characters in values are DBX_ERR_PROTOCOL.
 * - Functions return an enum dbx_err value (src/dbxai.h) as int; a callback's
 *   non-zero return is passed through unchanged (so it should be an enum dbx_err
 *   too, typically DBX_ERR_CANCELLED or the error of a parser fed by the body).
 * - After an error the parser is dead: every later call returns the same error
 *   until http_reset(). p->error holds the cause in words for the user.
 * - Pointers: buffers passed in are borrowed for the call only. Views handed out
 *   (struct http_header, p->reason) point into the parser itself and live until
 *   http_reset() or until the parser is overwritten; body bytes given to on_body
 *   point into the caller's input and live only during the callback.
 * - No pointer argument may be NULL unless its comment says so.
 */
#ifndef HTTP_H
#define HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Limits, all in one place. A response head above these is refused (LIMIT). */
#define HTTP_HEAD_MAX 16384      /* status line + header fields, CRLFs included */
#define HTTP_MAX_HEADERS 64      /* header fields in one head (and in trailers) */
#define HTTP_TRAILER_MAX 8192    /* bytes of the trailer section (checked, dropped) */
#define HTTP_CHUNK_LINE_MAX 1024 /* bytes of one chunk-size line with extensions */
#define HTTP_MAX_INTERIM 8       /* 1xx responses skipped before the final one */
#define HTTP_MAX_EMPTY_LINES 8   /* CRLFs tolerated before a status line */

/* One header field: a view. In the parser's output name and value are also
 * NUL-terminated (the parser owns the bytes), so they can go to strtol() as they
 * are. As input to http_write_request() they need not be terminated. */
struct http_header {
	const char *name;
	size_t name_len;
	const char *value; /* without leading and trailing whitespace */
	size_t value_len;
};

/* How the body of the current response is delimited (valid once head_done). */
enum http_framing {
	HTTP_BODY_NONE = 0, /* response to HEAD, 204, 304 */
	HTTP_BODY_LENGTH,   /* Content-Length (0 included) */
	HTTP_BODY_CHUNKED,  /* Transfer-Encoding: chunked */
	HTTP_BODY_CLOSE     /* until the server closes: only http_finish() ends it */
};

/* Flags for http_reset(). */
/* The request was HEAD: the response has no body (the rule is also right for a
 * 2xx answer to CONNECT). */
#define HTTP_F_HEAD 1u

struct http_parser;

/* Callbacks; the whole struct and each member may be NULL (a NULL on_body
 * drops the body). Returning non-zero stops the parse: http_parse() returns that
 * value and the parser is dead. */
struct http_sink {
	/* The final (non-1xx) head is complete: status, reason, headers, framing,
	 * content_length and keep_alive are valid now, before any body byte. */
	int (*on_head)(void *ctx, const struct http_parser *p);
	/* Body bytes as they arrive, de-chunked; len > 0. */
	int (*on_body)(void *ctx, const char *data, size_t len);
	void *ctx;
};

struct http_parser {
	/* Set through http_reset() (or directly on a zero-filled struct). */
	unsigned flags; /* HTTP_F_* */

	/* Results; read-only for the caller. */
	const char *error;  /* why it failed, in words; NULL while fine */
	int status;         /* the final status, 200..599, once head_done */
	int version_minor;  /* HTTP/1.x: 0 or 1 (higher minors read as 1.1) */
	const char *reason; /* reason phrase, NUL-terminated, may be "" */
	size_t reason_len;
	struct http_header headers[HTTP_MAX_HEADERS];
	size_t num_headers;
	enum http_framing framing;
	uint64_t content_length;  /* the declared Content-Length, 0 when none */
	uint64_t body_bytes;      /* body bytes given to on_body so far */
	uint64_t received;        /* input bytes consumed since the last reset */
	unsigned interim;         /* 1xx responses skipped */
	unsigned char head_done;  /* the final head is complete */
	unsigned char done;       /* the whole message is complete */
	unsigned char keep_alive; /* valid when done: the connection may be reused */

	/* Private: the parser's own state. */
	unsigned char state_;
	unsigned char sub_;
	unsigned char te_; /* framing and Connection fields seen */
	int err_;
	uint64_t remaining_; /* of the Content-Length body or current chunk */
	size_t line_start_;  /* start of the current head line in buf_ */
	size_t buf_len_;
	size_t count_;   /* bytes of the chunk line / trailer section */
	unsigned lines_; /* empty lines before status / trailer fields */
	char buf_[HTTP_HEAD_MAX];
};

/* Makes p a ready parser again (forgets the previous response and its views);
 * flags is HTTP_F_HEAD or 0. */
void http_reset(struct http_parser *p, unsigned flags);

/* Feeds len bytes (buf may be NULL when len is 0). *consumed gets how many were
 * used. Returns:
 * - DBX_OK: the message is complete (p->done); bytes after *consumed belong to
 *   whatever follows (the next response if p->keep_alive, else junk to drop).
 *   Further calls consume nothing and return DBX_OK until http_reset().
 * - ERR_NEED_MORE: all input used, the message goes on; feed more, or call
 *   http_finish() at end of stream.
 * - DBX_ERR_PROTOCOL, DBX_ERR_LIMIT (cause in p->error) or a callback's value;
 *   *consumed then tells how far the parser got, for diagnostics only.
 * 1xx responses (100 Continue, 103 Early Hints) are skipped; 101 is an error. */
int http_parse(struct http_parser *p, const char *buf, size_t len, size_t *consumed,
               const struct http_sink *sink);

/* The connection reached end of stream. DBX_OK when that completes the message
 * (a close-delimited body, or a message already done); DBX_ERR_TRUNCATED when
 * the message was cut (p->received == 0 tells that nothing at all arrived, e.g.
 * a kept-alive connection the server had closed, safe to retry); a dead
 * parser's error otherwise. */
int http_finish(struct http_parser *p);

/* The first header named name (ASCII case-insensitive) at index >= *pos, or
 * NULL; *pos is then set past it, so a loop walks repeated fields. pos may be
 * NULL (search from the start). Valid once head_done. */
const struct http_header *http_header_find(const struct http_parser *p, const char *name,
                                           size_t *pos);

/* The value of the first header named name, NUL-terminated, or NULL; *len gets
 * its length when len is not NULL. */
const char *http_header_value(const struct http_parser *p, const char *name, size_t *len);

/* What http_write_request() writes. Zero-filled means "GET / HTTP/1.1" with
 * Host (which MUST be set), User-Agent: dbxai/DBX_VERSION and the wildcard
 * Accept. */
struct http_request {
	const char *method;               /* a token; NULL means GET */
	const char *target;               /* origin-form "/path?query" (or absolute-form for a
	                                   * proxy); NULL means "/" */
	const char *host;                 /* name, IPv4 or IPv6 literal (brackets optional) */
	unsigned port;                    /* written after the host unless 0 or default_port */
	unsigned default_port;            /* the scheme's port; 0 means 443 */
	const char *accept;               /* Accept value; NULL means the wildcard */
	const struct http_header *fields; /* more fields, written in order */
	size_t num_fields;
	uint64_t body_len;
	unsigned char has_body; /* write Content-Length: body_len */
	unsigned char close;    /* write Connection: close */
};

/* Writes the request head (request line, fields, the empty line) to buf,
 * NUL-terminated; *len gets its length without the NUL. The body, if any, is
 * the caller's to send after it. DBX_ERR_USAGE when a method, target, host,
 * name or value is malformed, in particular CR, LF or NUL anywhere (header
 * injection), or a field names what the writer owns (Host, User-Agent, Accept,
 * Content-Length, Transfer-Encoding, Connection); DBX_ERR_LIMIT when cap is too
 * small. *why (may be NULL) gets the cause in words; buf holds nothing usable
 * after an error. */
int http_write_request(const struct http_request *req, char *buf, size_t cap, size_t *len,
                       const char **why);

/* For traces: copies a head (request or response, as raw text) to out with the
 * values of Authorization, Proxy-Authorization, Cookie and Set-Cookie replaced
 * by "[redacted]" (a leading Basic/Bearer/Digest/Negotiate scheme is kept) and
 * every control byte other than TAB and CRLF / LF line ends shown as '?'. out is always
 * NUL-terminated when cap > 0; DBX_ERR_LIMIT when it had to be cut (what was
 * written is still safe to show). *out_len (may be NULL) gets the length. */
int http_redact(const char *head, size_t len, char *out, size_t cap, size_t *out_len);

/* The same for the parsed response head of p (valid once head_done). */
int http_render_head(const struct http_parser *p, char *out, size_t cap, size_t *out_len);

#endif
