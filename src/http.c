/*
 * http.c - HTTP/1.1 response parser and request writer (see http.h for the
 * rules). Grammar references are to RFC 9110 and RFC 9112.
 *
 * The head is copied into p->buf_ one line at a time (up to each LF) and each
 * line is checked once complete, so a line is judged the same whatever the split
 * of the input. The body is passed straight from the caller's buffer to on_body;
 * chunk-size lines and trailers go through a byte-at-a-time state machine that
 * keeps nothing but counters, so they need no buffer.
 */
#include "http.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "text.h"

/* p->state_ */
enum {
	S_STATUS = 0, /* zero-filled parser: waiting for the status line */
	S_HEADERS,
	S_LENGTH,     /* Content-Length body */
	S_CLOSE,      /* close-delimited body */
	S_CHUNK_LINE, /* chunk-size line; p->sub_ is one of CS_* */
	S_CHUNK_DATA,
	S_CHUNK_CRLF, /* CRLF after chunk data; p->sub_ 0: CR, 1: LF */
	S_TRAILER,    /* trailer section; p->sub_ is one of TR_* */
	S_DONE,
	S_ERROR
};

/* p->sub_ in S_CHUNK_LINE: chunk-size [ chunk-ext ] CRLF, where
 * chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ) */
enum {
	CS_SIZE0 = 0, /* first hex digit */
	CS_SIZE,      /* more hex digits */
	CS_BWS,       /* whitespace that must lead to ';' or '=' */
	CS_NAME0,     /* after ';' */
	CS_NAME,
	CS_AFTER_NAME, /* whitespace after a name: '=' or ';' must follow */
	CS_VALUE0,     /* after '=' */
	CS_TOKEN,
	CS_QUOTED,
	CS_QUOTED_ESC,
	CS_AFTER_QUOTED,
	CS_LF
};

/* p->sub_ in S_STATUS */
enum { ST_LINE = 0, ST_CR, ST_EMPTY_CR };

/* p->sub_ in S_HEADERS */
enum { HL_START = 0, HL_NAME, HL_VALUE, HL_CR, HL_END_CR };

/* p->te_: what the framing fields said so far */
enum {
	TE_SEEN = 1,    /* a Transfer-Encoding field */
	TE_CHUNKED = 2, /* chunked, which was the last coding */
	TE_LENGTH = 4,  /* a Content-Length, in p->content_length */
	CONN_CLOSE = 8,
	CONN_KEEP = 16
};

/* p->sub_ in S_TRAILER */
enum { TR_START = 0, TR_NAME, TR_VALUE, TR_LF, TR_END_LF };

static int is_tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static int is_ows(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* field-vchar / SP / HTAB: what a field value and a reason phrase may hold. */
static int is_text(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static unsigned char lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

/* a[0..alen) equals the NUL-terminated b, ASCII case-insensitively. */
static int ieq(const char *a, size_t alen, const char *b)
{
	size_t i = 0;

	while (i < alen && b[i] != 0 && lower((unsigned char)a[i]) == lower((unsigned char)b[i]))
		i++;
	return i == alen && b[alen] == 0;
}

static int fail(struct http_parser *p, int err, const char *why)
{
	p->state_ = S_ERROR;
	p->err_ = err;
	p->error = why;
	p->keep_alive = 0;
	p->done = 0;
	return err;
}

void http_reset(struct http_parser *p, unsigned flags)
{
	/* The head buffer needs no clearing: nothing reads past buf_len_. */
	memset(p, 0, offsetof(struct http_parser, buf_));
	p->flags = flags;
}

/* ---- the head ---------------------------------------------------------- */

/* Each byte of the head is judged as it arrives, so that an error is reported
 * as soon as the input can no longer be a valid head (a peer speaking TLS or
 * HTTP/2 is caught at its first byte, not after HTTP_HEAD_MAX bytes or a
 * timeout) and at the same byte whatever the split of the input. Views are
 * made once a line is complete. */

/* status_byte() and field_byte() set *why when byte c cannot continue the
 * head and return the error to report then.
 *
 * status-line = HTTP-version SP status-code SP [ reason-phrase ]; the SP after
 * the code may be missing (RFC 9112 4: a client SHOULD accept that). k is the
 * byte's offset in the line. */
static int status_byte(struct http_parser *p, unsigned char c, const char **why)
{
	size_t k = p->buf_len_;

	if (p->sub_ != ST_LINE) {
		if (c != '\n')
			*why = "bare CR in the response head";
	} else if (c == '\n') {
		*why = "line ends in a bare LF";
	} else if (k == 0 && c == '\r') {
		p->sub_ = ST_EMPTY_CR;
	} else if (k < 5) {
		if (c != (unsigned char)"HTTP/"[k])
			*why = "expected HTTP/";
	} else if (k == 5 || k == 7) {
		if (!text_is_digit(c))
			*why = "invalid HTTP version";
	} else if (k == 6) {
		if (c != '.')
			*why = "invalid HTTP version";
	} else if (k == 8) {
		if (text_is_digit(c))
			*why = "invalid HTTP version";
		else if (c != ' ')
			*why = "expected one space after the HTTP version";
		else if (p->buf_[5] != '1')
			/* 0.9 has no status line and 2+ is not this wire
			 * format: reading either with 1.x framing is a guess */
			*why = "unsupported HTTP version";
	} else if (k < 12) {
		if (!text_is_digit(c))
			*why = "invalid status code";
	} else if (k == 12) {
		p->status =
		    (p->buf_[9] - '0') * 100 + (p->buf_[10] - '0') * 10 + (p->buf_[11] - '0');
		if (p->status < 100 || p->status > 599 || (c != ' ' && c != '\r'))
			*why = "invalid status code";
		else if (c == '\r')
			p->sub_ = ST_CR;
	} else if (c == '\r') {
		p->sub_ = ST_CR;
	} else if (!is_text(c)) {
		*why = "invalid character in the reason phrase";
	}
	return DBX_ERR_PROTOCOL;
}

/* field-line = field-name ":" OWS field-value OWS */
static int field_byte(struct http_parser *p, unsigned char c, const char **why)
{
	int err = DBX_ERR_PROTOCOL;

	switch (p->sub_) {
	case HL_START:
		if (c == '\r') {
			p->sub_ = HL_END_CR;
		} else if (is_tchar(c)) {
			if (p->num_headers == HTTP_MAX_HEADERS) {
				err = DBX_ERR_LIMIT;
				*why = "too many header fields";
			}
			p->sub_ = HL_NAME;
		} else if (is_ows(c)) {
			*why = "line folding (obs-fold) is not allowed";
		} else if (c == ':') {
			*why = "empty header name";
		} else if (c == '\n') {
			*why = "line ends in a bare LF";
		} else {
			*why = "invalid character in a header name";
		}
		break;
	case HL_NAME:
		if (c == ':')
			p->sub_ = HL_VALUE;
		else if (c == '\n')
			*why = "line ends in a bare LF";
		else if (!is_tchar(c))
			*why = "invalid character in a header name";
		break;
	case HL_VALUE:
		if (c == '\r')
			p->sub_ = HL_CR;
		else if (c == '\n')
			*why = "line ends in a bare LF";
		else if (!is_text(c))
			*why = "invalid character in a header value";
		break;
	default: /* HL_CR, HL_END_CR */
		if (c != '\n')
			*why = "bare CR in the response head";
		break;
	}
	return err;
}

/* Calls fn on each element of a comma-separated list, OWS trimmed, empty
 * elements included (the callers decide about those). Stops at fn's error. */
static const char *each_element(struct http_parser *p, const struct http_header *h,
                                const char *(*fn)(struct http_parser *, const char *, size_t))
{
	const char *s = h->value, *end = h->value + h->value_len;
	const char *why = NULL;

	for (;;) {
		const char *c = memchr(s, ',', (size_t)(end - s));
		const char *a = s, *b = c ? c : end;

		while (a < b && is_ows((unsigned char)*a))
			a++;
		while (b > a && is_ows((unsigned char)b[-1]))
			b--;
		why = fn(p, a, (size_t)(b - a));
		if (why || !c)
			break;
		s = c + 1;
	}
	return why;
}

/* Content-Length = 1*DIGIT; a list of equal values is one value (RFC 9110
 * 8.6), any difference is an error. */
static const char *cl_element(struct http_parser *p, const char *s, size_t n)
{
	const char *why = NULL;
	uint64_t v = 0;
	size_t k;

	if (n == 0)
		why = "empty Content-Length";
	for (k = 0; k < n && !why; k++) {
		unsigned d = (unsigned)((unsigned char)s[k] - '0');

		if (d > 9)
			why = "invalid character in Content-Length";
		else if (v > (UINT64_MAX - d) / 10)
			why = "Content-Length overflow";
		else
			v = v * 10 + d;
	}
	if (!why && (p->te_ & TE_LENGTH) && v != p->content_length)
		why = "duplicate Content-Length with a different value";
	if (!why) {
		p->te_ |= TE_LENGTH;
		p->content_length = v;
	}
	return why;
}

/* Only chunked is accepted: we never send TE, so any other coding is one we
 * could not undo, and chunked must come last and once (RFC 9112 6.1). */
static const char *te_element(struct http_parser *p, const char *s, size_t n)
{
	const char *why = NULL;

	if (n == 0) {
		/* empty list elements are ignored (RFC 9110 5.6.1) */
	} else if (!ieq(s, n, "chunked")) {
		why = (p->te_ & TE_CHUNKED) ? "Transfer-Encoding does not end with chunked"
		                            : "unsupported transfer coding";
	} else if (p->te_ & TE_CHUNKED) {
		why = "chunked applied more than once";
	} else {
		p->te_ |= TE_CHUNKED;
	}
	return why;
}

static const char *conn_element(struct http_parser *p, const char *s, size_t n)
{
	if (ieq(s, n, "close"))
		p->te_ |= CONN_CLOSE;
	else if (ieq(s, n, "keep-alive"))
		p->te_ |= CONN_KEEP;
	return NULL;
}

/* The framing fields are judged as each arrives, so a conflict is reported at
 * the field that causes it. */
static const char *field_framing(struct http_parser *p, const struct http_header *h)
{
	const char *why = NULL;

	if (ieq(h->name, h->name_len, "content-length")) {
		why = each_element(p, h, cl_element);
		if (!why && (p->te_ & TE_SEEN))
			why = "Content-Length together with Transfer-Encoding";
	} else if (ieq(h->name, h->name_len, "transfer-encoding")) {
		p->te_ |= TE_SEEN;
		if (p->te_ & TE_LENGTH)
			why = "Content-Length together with Transfer-Encoding";
		else if (p->version_minor == 0)
			why = "Transfer-Encoding in an HTTP/1.0 response";
		else
			why = each_element(p, h, te_element);
	} else if (ieq(h->name, h->name_len, "connection")) {
		why = each_element(p, h, conn_element);
	}
	return why;
}

static void message_done(struct http_parser *p)
{
	p->state_ = S_DONE;
	p->done = 1;
}

/* The empty line: decides how the body is delimited (RFC 9112 6.3). */
static int head_end(struct http_parser *p, const struct http_sink *sink)
{
	int err = DBX_OK;

	if (p->status < 200) {
		/* We never ask to upgrade, so a 101 can only be an error. */
		if (p->status == 101) {
			err = fail(p, DBX_ERR_PROTOCOL, "unexpected 101 Switching Protocols");
			goto out;
		}
		if (++p->interim > HTTP_MAX_INTERIM) {
			err = fail(p, DBX_ERR_LIMIT, "too many 1xx responses");
			goto out;
		}
		p->status = 0;
		p->version_minor = 0;
		p->reason = NULL;
		p->reason_len = 0;
		p->num_headers = 0;
		p->content_length = 0;
		p->te_ = 0;
		p->buf_len_ = 0;
		p->line_start_ = 0;
		p->lines_ = 0;
		p->state_ = S_STATUS;
		p->sub_ = ST_LINE;
		goto out;
	}
	if ((p->te_ & TE_SEEN) && !(p->te_ & TE_CHUNKED)) {
		err = fail(p, DBX_ERR_PROTOCOL, "empty Transfer-Encoding");
		goto out;
	}
	if ((p->flags & HTTP_F_HEAD) || p->status == 204 || p->status == 304)
		p->framing = HTTP_BODY_NONE;
	else if (p->te_ & TE_CHUNKED)
		p->framing = HTTP_BODY_CHUNKED;
	else if (p->te_ & TE_LENGTH)
		p->framing = HTTP_BODY_LENGTH;
	else
		p->framing = HTTP_BODY_CLOSE;
	if (p->version_minor >= 1)
		p->keep_alive = !(p->te_ & CONN_CLOSE);
	else
		p->keep_alive = (p->te_ & CONN_KEEP) && !(p->te_ & CONN_CLOSE);
	if (p->framing == HTTP_BODY_CLOSE)
		p->keep_alive = 0;
	p->head_done = 1;
	if (sink->on_head) {
		err = sink->on_head(sink->ctx, p);
		if (err) {
			fail(p, err, "stopped by the head callback");
			goto out;
		}
	}
	switch (p->framing) {
	case HTTP_BODY_NONE:
		message_done(p);
		break;
	case HTTP_BODY_LENGTH:
		p->remaining_ = p->content_length;
		p->state_ = S_LENGTH;
		if (p->remaining_ == 0)
			message_done(p);
		break;
	case HTTP_BODY_CHUNKED:
		p->state_ = S_CHUNK_LINE;
		p->sub_ = CS_SIZE0;
		p->count_ = 0;
		p->remaining_ = 0;
		break;
	case HTTP_BODY_CLOSE:
		p->state_ = S_CLOSE;
		break;
	}
out:
	return err;
}

/* A complete, already valid line ending in CRLF sits at
 * buf_[line_start_..buf_len_): make its views. */
static int head_line(struct http_parser *p, const struct http_sink *sink)
{
	char *line = p->buf_ + p->line_start_;
	size_t n = p->buf_len_ - p->line_start_ - 2;
	struct http_header *h;
	const char *colon, *why;
	size_t v, e;
	int err = DBX_OK;

	if (p->state_ == S_STATUS) {
		p->sub_ = ST_LINE;
		if (n == 0) {
			/* RFC 9112 2.2 robustness; some servers send a stray
			 * CRLF after a body. */
			if (++p->lines_ > HTTP_MAX_EMPTY_LINES)
				err = fail(p, DBX_ERR_LIMIT,
				           "too many empty lines before the status line");
			p->buf_len_ = 0;
			goto out;
		}
		p->version_minor = line[7] == '0' ? 0 : 1;
		p->reason = line + (n > 12 ? 13 : 12);
		p->reason_len = n > 12 ? n - 13 : 0;
		line[n] = 0; /* was the CR */
		p->state_ = S_HEADERS;
		p->sub_ = HL_START;
		p->line_start_ = p->buf_len_;
		goto out;
	}
	p->sub_ = HL_START;
	if (n == 0) {
		err = head_end(p, sink);
		goto out;
	}
	colon = memchr(line, ':', n);
	v = (size_t)(colon - line) + 1;
	while (v < n && is_ows((unsigned char)line[v]))
		v++;
	e = n;
	while (e > v && is_ows((unsigned char)line[e - 1]))
		e--;
	h = &p->headers[p->num_headers++];
	h->name = line;
	h->name_len = (size_t)(colon - line);
	h->value = line + v;
	h->value_len = e - v;
	line[h->name_len] = 0;
	line[e] = 0;
	p->line_start_ = p->buf_len_;
	why = field_framing(p, h);
	if (why)
		err = fail(p, DBX_ERR_PROTOCOL, why);
out:
	return err;
}

static int head_bytes(struct http_parser *p, const char *buf, size_t len, size_t *pos,
                      const struct http_sink *sink)
{
	int err = DBX_OK;

	while (*pos < len && (p->state_ == S_STATUS || p->state_ == S_HEADERS)) {
		unsigned char c = (unsigned char)buf[*pos];
		const char *why = NULL;

		if (p->buf_len_ == HTTP_HEAD_MAX) {
			err = fail(p, DBX_ERR_LIMIT, "response head too large");
			break;
		}
		if (p->state_ == S_STATUS)
			err = status_byte(p, c, &why);
		else
			err = field_byte(p, c, &why);
		if (why) {
			fail(p, err, why);
			break;
		}
		err = DBX_OK;
		p->buf_[p->buf_len_++] = (char)c;
		++*pos;
		if (c == '\n') {
			err = head_line(p, sink);
			if (err)
				break;
		}
	}
	return err;
}

/* ---- the body ---------------------------------------------------------- */

static int deliver(struct http_parser *p, const struct http_sink *sink, const char *data, size_t n)
{
	int err = DBX_OK;

	p->body_bytes += n;
	if (n && sink->on_body) {
		err = sink->on_body(sink->ctx, data, n);
		if (err)
			fail(p, err, "stopped by the body callback");
	}
	return err;
}

static int chunk_line_byte(struct http_parser *p, unsigned char c)
{
	const char *why = NULL;
	int err = DBX_ERR_PROTOCOL;
	int v;

	if (++p->count_ > HTTP_CHUNK_LINE_MAX) {
		err = DBX_ERR_LIMIT;
		why = "chunk-size line too long";
		goto out;
	}
	switch (p->sub_) {
	case CS_SIZE0:
	case CS_SIZE:
		v = text_hex_value(c);
		if (v >= 0) {
			if (p->remaining_ > (UINT64_MAX >> 4)) {
				why = "chunk size overflow";
				goto out;
			}
			p->remaining_ = (p->remaining_ << 4) | (unsigned)v;
			p->sub_ = CS_SIZE;
			break;
		}
		if (p->sub_ == CS_SIZE0) {
			why = "invalid character in chunk size";
			goto out;
		}
		if (c == '\r')
			p->sub_ = CS_LF;
		else if (c == ';')
			p->sub_ = CS_NAME0;
		else if (is_ows(c))
			p->sub_ = CS_BWS;
		else {
			why = "invalid character in chunk size";
			goto out;
		}
		break;
	case CS_BWS:
		if (c == ';') {
			p->sub_ = CS_NAME0;
		} else if (!is_ows(c)) {
			why = "invalid character in chunk size";
			goto out;
		}
		break;
	case CS_NAME0:
		if (is_tchar(c)) {
			p->sub_ = CS_NAME;
		} else if (!is_ows(c)) {
			why = "invalid character in chunk extension";
			goto out;
		}
		break;
	case CS_NAME:
		if (is_tchar(c))
			break;
		if (c == '\r')
			p->sub_ = CS_LF;
		else if (c == ';')
			p->sub_ = CS_NAME0;
		else if (c == '=')
			p->sub_ = CS_VALUE0;
		else if (is_ows(c))
			p->sub_ = CS_AFTER_NAME;
		else {
			why = "invalid character in chunk extension";
			goto out;
		}
		break;
	case CS_AFTER_NAME:
		if (c == ';')
			p->sub_ = CS_NAME0;
		else if (c == '=')
			p->sub_ = CS_VALUE0;
		else if (!is_ows(c)) {
			why = "invalid character in chunk extension";
			goto out;
		}
		break;
	case CS_VALUE0:
		if (c == '"')
			p->sub_ = CS_QUOTED;
		else if (is_tchar(c))
			p->sub_ = CS_TOKEN;
		else if (!is_ows(c)) {
			why = "invalid character in chunk extension";
			goto out;
		}
		break;
	case CS_TOKEN:
		if (is_tchar(c))
			break;
		if (c == '\r')
			p->sub_ = CS_LF;
		else if (c == ';')
			p->sub_ = CS_NAME0;
		else if (is_ows(c))
			p->sub_ = CS_BWS;
		else {
			why = "invalid character in chunk extension";
			goto out;
		}
		break;
	case CS_QUOTED:
		/* qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text */
		if (c == '"')
			p->sub_ = CS_AFTER_QUOTED;
		else if (c == '\\')
			p->sub_ = CS_QUOTED_ESC;
		else if (!is_text(c)) {
			why = "invalid character in a quoted chunk extension";
			goto out;
		}
		break;
	case CS_QUOTED_ESC:
		if (!is_text(c)) {
			why = "invalid character in a quoted chunk extension";
			goto out;
		}
		p->sub_ = CS_QUOTED;
		break;
	case CS_AFTER_QUOTED:
		if (c == '\r')
			p->sub_ = CS_LF;
		else if (c == ';')
			p->sub_ = CS_NAME0;
		else if (is_ows(c))
			p->sub_ = CS_BWS;
		else {
			why = "invalid character in chunk extension";
			goto out;
		}
		break;
	case CS_LF:
		if (c != '\n') {
			why = "expected LF after the chunk size";
			goto out;
		}
		if (p->remaining_ == 0) {
			p->state_ = S_TRAILER;
			p->sub_ = TR_START;
			p->count_ = 0;
			p->lines_ = 0;
		} else {
			p->state_ = S_CHUNK_DATA;
		}
		break;
	}
	err = DBX_OK;
out:
	if (err)
		fail(p, err, why);
	return err;
}

/* Trailer fields are checked like header fields, then dropped: nothing we talk
 * to sends any, and keeping them would need a second head buffer. */
static int trailer_byte(struct http_parser *p, unsigned char c)
{
	const char *why = NULL;
	int err = DBX_ERR_PROTOCOL;

	if (++p->count_ > HTTP_TRAILER_MAX) {
		err = DBX_ERR_LIMIT;
		why = "trailer section too large";
		goto out;
	}
	switch (p->sub_) {
	case TR_START:
		if (c == '\r') {
			p->sub_ = TR_END_LF;
		} else if (is_tchar(c)) {
			if (++p->lines_ > HTTP_MAX_HEADERS) {
				err = DBX_ERR_LIMIT;
				why = "too many trailer fields";
				goto out;
			}
			p->sub_ = TR_NAME;
		} else if (is_ows(c)) {
			why = "line folding (obs-fold) is not allowed";
			goto out;
		} else {
			why = "invalid character in a trailer name";
			goto out;
		}
		break;
	case TR_NAME:
		if (c == ':') {
			p->sub_ = TR_VALUE;
		} else if (!is_tchar(c)) {
			why = "invalid character in a trailer name";
			goto out;
		}
		break;
	case TR_VALUE:
		if (c == '\r') {
			p->sub_ = TR_LF;
		} else if (!is_text(c)) {
			why = "invalid character in a trailer value";
			goto out;
		}
		break;
	case TR_LF:
	case TR_END_LF:
		if (c != '\n') {
			why = "bare CR in the trailer section";
			goto out;
		}
		if (p->sub_ == TR_END_LF)
			message_done(p);
		else
			p->sub_ = TR_START;
		break;
	}
	err = DBX_OK;
out:
	if (err)
		fail(p, err, why);
	return err;
}

int http_parse(struct http_parser *p, const char *buf, size_t len, size_t *consumed,
               const struct http_sink *sink)
{
	static const struct http_sink no_sink;
	size_t i = 0, n;
	int err = DBX_OK;

	if (!sink)
		sink = &no_sink;
	if (p->state_ == S_ERROR) {
		err = p->err_;
		goto out;
	}
	while (i < len && p->state_ != S_DONE) {
		switch (p->state_) {
		case S_STATUS:
		case S_HEADERS:
			err = head_bytes(p, buf, len, &i, sink);
			break;
		case S_LENGTH:
		case S_CHUNK_DATA:
			n = len - i;
			if (n > p->remaining_)
				n = (size_t)p->remaining_;
			p->remaining_ -= n;
			err = deliver(p, sink, buf + i, n);
			i += n;
			if (err || p->remaining_)
				break;
			if (p->state_ == S_LENGTH) {
				message_done(p);
			} else {
				p->state_ = S_CHUNK_CRLF;
				p->sub_ = 0;
			}
			break;
		case S_CLOSE:
			err = deliver(p, sink, buf + i, len - i);
			i = len;
			break;
		case S_CHUNK_LINE:
			err = chunk_line_byte(p, (unsigned char)buf[i++]);
			break;
		case S_CHUNK_CRLF:
			if (buf[i] != (p->sub_ ? '\n' : '\r')) {
				err = fail(p, DBX_ERR_PROTOCOL, "expected CRLF after chunk data");
				break;
			}
			i++;
			if (p->sub_) {
				p->state_ = S_CHUNK_LINE;
				p->sub_ = CS_SIZE0;
				p->count_ = 0;
			} else {
				p->sub_ = 1;
			}
			break;
		case S_TRAILER:
			err = trailer_byte(p, (unsigned char)buf[i++]);
			break;
		default:
			err = fail(p, DBX_ERR_INTERNAL, "bad parser state");
			break;
		}
		if (err)
			goto out;
	}
	err = p->state_ == S_DONE ? DBX_OK : ERR_NEED_MORE;
out:
	p->received += i;
	*consumed = i;
	return err;
}

int http_finish(struct http_parser *p)
{
	int err = DBX_OK;

	switch (p->state_) {
	case S_ERROR:
		err = p->err_;
		break;
	case S_DONE:
		break;
	case S_CLOSE:
		message_done(p);
		p->keep_alive = 0;
		break;
	case S_STATUS:
	case S_HEADERS:
		err = fail(p, DBX_ERR_TRUNCATED,
		           p->received ? "connection closed inside the response head"
		                       : "connection closed before any response");
		break;
	default:
		err = fail(p, DBX_ERR_TRUNCATED, "connection closed before the end of the body");
		break;
	}
	return err;
}

const struct http_header *http_header_find(const struct http_parser *p, const char *name,
                                           size_t *pos)
{
	const struct http_header *found = NULL;
	size_t i = pos ? *pos : 0;

	for (; i < p->num_headers; i++) {
		if (ieq(p->headers[i].name, p->headers[i].name_len, name)) {
			found = &p->headers[i];
			i++;
			break;
		}
	}
	if (pos)
		*pos = i;
	return found;
}

const char *http_header_value(const struct http_parser *p, const char *name, size_t *len)
{
	const struct http_header *h = http_header_find(p, name, NULL);

	if (len)
		*len = h ? h->value_len : 0;
	return h ? h->value : NULL;
}

/* ---- the request writer ------------------------------------------------ */

/* An append-only buffer that refuses a piece that does not fit, keeping one
 * byte for the final NUL. */
struct wbuf {
	char *p;
	size_t cap, len;
	int over;
};

static void put(struct wbuf *w, const char *s, size_t n)
{
	if (w->over || w->cap == 0 || n > w->cap - 1 - w->len) {
		w->over = 1;
		return;
	}
	memcpy(w->p + w->len, s, n);
	w->len += n;
	w->p[w->len] = 0;
}

static void put_str(struct wbuf *w, const char *s)
{
	put(w, s, strlen(s));
}

static void put_u64(struct wbuf *w, uint64_t v)
{
	char tmp[24];
	size_t k = sizeof tmp;

	do {
		tmp[--k] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put(w, tmp + k, sizeof tmp - k);
}

static int all_tchar(const char *s, size_t n)
{
	size_t k = 0;

	while (k < n && is_tchar((unsigned char)s[k]))
		k++;
	return n > 0 && k == n;
}

/* Names the writer sets itself; a caller copy would duplicate or, for the
 * framing fields, contradict them. */
static int writer_owned(const char *name, size_t n)
{
	static const char *const owned[] = {
	    "host", "user-agent", "accept", "content-length", "transfer-encoding", "connection",
	};
	size_t k;
	int found = 0;

	for (k = 0; k < sizeof owned / sizeof owned[0] && !found; k++)
		found = ieq(name, n, owned[k]);
	return found;
}

static const char *check_value(const char *s, size_t n)
{
	const char *why = NULL;
	size_t k;

	for (k = 0; k < n && !why; k++) {
		unsigned char c = (unsigned char)s[k];

		if (c == '\r' || c == '\n' || c == 0)
			why = "CR, LF or NUL in a header value";
		else if (!is_text(c))
			why = "control character in a header value";
	}
	return why;
}

/* reg-name or IP literal; an IPv6 address (it has ':') gets brackets. */
static const char *check_host(const char *h, size_t n, int *bracket)
{
	const char *why = NULL;
	size_t k, a = 0, b = n;

	*bracket = 0;
	if (n == 0) {
		why = "empty host";
	} else if (h[0] == '[') {
		if (n < 3 || h[n - 1] != ']')
			why = "invalid host";
		a = 1;
		b = n - 1;
	}
	for (k = a; k < b && !why; k++) {
		unsigned char c = (unsigned char)h[k];

		if (c == ':')
			*bracket = h[0] != '[';
		else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		           (c >= 'A' && c <= 'Z') || c == '-' || c == '.' || c == '_' || c == '~' ||
		           c == '%'))
			why = "invalid character in the host";
	}
	return why;
}

int http_write_request(const struct http_request *req, char *buf, size_t cap, size_t *len,
                       const char **why_out)
{
	struct wbuf w = {buf, cap, 0, 0};
	const char *method = req->method ? req->method : "GET";
	const char *target = req->target ? req->target : "/";
	const char *accept = req->accept ? req->accept : "*/*";
	unsigned defport = req->default_port ? req->default_port : 443;
	const char *why = NULL;
	int err = DBX_ERR_USAGE, bracket = 0;
	size_t k;

	*len = 0;
	if (!all_tchar(method, strlen(method))) {
		why = "invalid method";
		goto out;
	}
	if (!*target) {
		why = "empty request target";
		goto out;
	}
	for (k = 0; target[k]; k++) {
		unsigned char c = (unsigned char)target[k];

		if (c <= 0x20 || c >= 0x7f) {
			why = "invalid character in the request target";
			goto out;
		}
	}
	if (!req->host) {
		why = "no host";
		goto out;
	}
	why = check_host(req->host, strlen(req->host), &bracket);
	if (why)
		goto out;
	if (req->port > 65535) {
		why = "invalid port";
		goto out;
	}
	why = check_value(accept, strlen(accept));
	if (why)
		goto out;
	for (k = 0; k < req->num_fields; k++) {
		const struct http_header *f = &req->fields[k];

		if (!all_tchar(f->name, f->name_len)) {
			why = "invalid header name";
			goto out;
		}
		if (writer_owned(f->name, f->name_len)) {
			why = "header field set by the writer itself";
			goto out;
		}
		why = check_value(f->value, f->value_len);
		if (why)
			goto out;
	}

	put_str(&w, method);
	put(&w, " ", 1);
	put_str(&w, target);
	put_str(&w, " HTTP/1.1\r\nHost: ");
	if (bracket)
		put(&w, "[", 1);
	put_str(&w, req->host);
	if (bracket)
		put(&w, "]", 1);
	if (req->port && req->port != defport) {
		put(&w, ":", 1);
		put_u64(&w, req->port);
	}
	put_str(&w, "\r\nUser-Agent: dbxai/" DBX_VERSION "\r\nAccept: ");
	put_str(&w, accept);
	put(&w, "\r\n", 2);
	for (k = 0; k < req->num_fields; k++) {
		const struct http_header *f = &req->fields[k];

		put(&w, f->name, f->name_len);
		put(&w, ": ", 2);
		put(&w, f->value, f->value_len);
		put(&w, "\r\n", 2);
	}
	if (req->has_body) {
		put_str(&w, "Content-Length: ");
		put_u64(&w, req->body_len);
		put(&w, "\r\n", 2);
	}
	if (req->close)
		put_str(&w, "Connection: close\r\n");
	put(&w, "\r\n", 2);
	if (w.over) {
		err = DBX_ERR_LIMIT;
		why = "request head does not fit the buffer";
		goto out;
	}
	*len = w.len;
	err = DBX_OK;
out:
	if (err && cap > 0)
		buf[0] = 0;
	if (why_out)
		*why_out = err ? why : NULL;
	return err;
}

/* ---- traces ------------------------------------------------------------ */

static int is_secret_field(const char *name, size_t n)
{
	return ieq(name, n, "authorization") || ieq(name, n, "proxy-authorization") ||
	       ieq(name, n, "cookie") || ieq(name, n, "set-cookie");
}

/* Copies s with control bytes (a terminal could act on them) shown as '?'. */
static void put_safe(struct wbuf *w, const char *s, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++) {
		unsigned char c = (unsigned char)s[k];
		char o = (c == '\t' || (c >= 0x20 && c != 0x7f)) ? (char)c : '?';

		put(w, &o, 1);
	}
}

/* The value of a secret field: only a well-known scheme word survives, since
 * anything else in front of the credentials could be the credentials. */
static void put_redacted(struct wbuf *w, const char *v, size_t n)
{
	static const char *const schemes[] = {"basic", "bearer", "digest", "negotiate"};
	const char *sp = memchr(v, ' ', n);
	size_t k;

	if (sp) {
		for (k = 0; k < sizeof schemes / sizeof schemes[0]; k++) {
			if (ieq(v, (size_t)(sp - v), schemes[k])) {
				put(w, v, (size_t)(sp - v) + 1);
				break;
			}
		}
	}
	put_str(w, "[redacted]");
}

int http_redact(const char *head, size_t len, char *out, size_t cap, size_t *out_len)
{
	struct wbuf w = {out, cap, 0, 0};
	size_t pos = 0;
	int secret = 0;

	if (cap > 0)
		out[0] = 0;
	while (pos < len && !w.over) {
		const char *line = head + pos;
		const char *lf = memchr(line, '\n', len - pos);
		size_t n = lf ? (size_t)(lf - line) : len - pos;
		size_t body = n, k = 0;
		const char *eol = lf ? "\n" : "";

		pos += lf ? n + 1 : n;
		if (body > 0 && line[body - 1] == '\r') {
			body--;
			eol = "\r\n";
		}
		if (body > 0 && is_ows((unsigned char)line[0])) {
			/* a folded continuation belongs to the field above */
			if (secret) {
				put_str(&w, " [redacted]");
				put_str(&w, eol);
				continue;
			}
		} else {
			while (k < body && is_tchar((unsigned char)line[k]))
				k++;
			secret = k < body && line[k] == ':' && is_secret_field(line, k);
		}
		if (secret) {
			size_t v = k + 1;

			while (v < body && is_ows((unsigned char)line[v]))
				v++;
			put(&w, line, k);
			put(&w, ": ", 2);
			put_redacted(&w, line + v, body - v);
		} else {
			put_safe(&w, line, body);
		}
		put_str(&w, eol);
	}
	if (out_len)
		*out_len = w.len;
	return w.over ? DBX_ERR_LIMIT : DBX_OK;
}

int http_render_head(const struct http_parser *p, char *out, size_t cap, size_t *out_len)
{
	struct wbuf w = {out, cap, 0, 0};
	size_t k;

	if (cap > 0)
		out[0] = 0;
	if (p->head_done) {
		put_str(&w, p->version_minor ? "HTTP/1.1 " : "HTTP/1.0 ");
		put_u64(&w, (uint64_t)p->status);
		put(&w, " ", 1);
		put_safe(&w, p->reason, p->reason_len);
		put(&w, "\r\n", 2);
		for (k = 0; k < p->num_headers; k++) {
			const struct http_header *h = &p->headers[k];

			put(&w, h->name, h->name_len);
			put(&w, ": ", 2);
			if (is_secret_field(h->name, h->name_len))
				put_redacted(&w, h->value, h->value_len);
			else
				put_safe(&w, h->value, h->value_len);
			put(&w, "\r\n", 2);
		}
		put(&w, "\r\n", 2);
	}
	if (out_len)
		*out_len = w.len;
	return w.over ? DBX_ERR_LIMIT : DBX_OK;
}
