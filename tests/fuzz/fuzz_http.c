/*
 * fuzz_http.c - libFuzzer target for the HTTP response parser, the request
 * writer and the trace redactor. The input is the byte stream from the server
 * (so the seeds in tests/data/http work as they are); whether the request was
 * HEAD and how the stream is cut are drawn from a generator seeded by the input.
 *
 * The stream is parsed as the connection layer would (the next response follows
 * a kept-alive one; http_finish() at the end) three ways: whole, in random
 * chunks, and one byte at a time. All three must see the same heads, bodies,
 * keep-alive verdicts, consumed counts and final result; every view must keep
 * the rules of http.h. The writer must refuse any value holding CR, LF or NUL
 * and never emit a head with a bare CR or LF.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dbxai.h"
#include "http.h"

static struct http_parser parser;

struct digest {
	uint64_t heads;  /* status, version, every field, framing, keep-alive */
	uint64_t bodies; /* body bytes, with message boundaries */
	unsigned long messages;
	uint64_t consumed;
	int err;
	const char *why;
	int pending_done; /* http_finish() completed a close-delimited body */
};

static void mix(uint64_t *h, const void *s, size_t n)
{
	const unsigned char *b = s;
	size_t k;

	for (k = 0; k < n; k++) {
		*h ^= b[k];
		*h *= 0x100000001b3ull;
	}
	for (k = 0; k < sizeof n; k++) {
		*h ^= (unsigned char)(n >> (8 * k));
		*h *= 0x100000001b3ull;
	}
}

static int is_ows(char c)
{
	return c == ' ' || c == '\t';
}

static void check_head(const struct http_parser *p)
{
	static char out[HTTP_HEAD_MAX * 2];
	size_t k, len;

	if (!p->head_done || p->body_bytes != 0 || p->status < 200 || p->status > 599 ||
	    p->version_minor < 0 || p->version_minor > 1)
		abort();
	if (!p->reason || p->reason[p->reason_len] != 0 || strlen(p->reason) != p->reason_len)
		abort();
	if (p->num_headers > HTTP_MAX_HEADERS)
		abort();
	for (k = 0; k < p->num_headers; k++) {
		const struct http_header *h = &p->headers[k];

		if (h->name_len == 0 || h->name[h->name_len] != 0 ||
		    strlen(h->name) != h->name_len || h->value[h->value_len] != 0 ||
		    strlen(h->value) != h->value_len)
			abort();
		if (h->value_len && (is_ows(h->value[0]) || is_ows(h->value[h->value_len - 1])))
			abort();
		if (memchr(h->name, ':', h->name_len) || memchr(h->value, '\r', h->value_len) ||
		    memchr(h->value, '\n', h->value_len))
			abort();
		if (http_header_find(p, h->name, NULL) == NULL)
			abort();
	}
	if (p->framing == HTTP_BODY_CLOSE && p->keep_alive)
		abort();
	if (http_render_head(p, out, sizeof out, &len) != DBX_OK || strlen(out) != len)
		abort();
}

static int on_head(void *ctx, const struct http_parser *p)
{
	struct digest *d = ctx;
	int v[4] = {p->status, p->version_minor, (int)p->framing, p->keep_alive};
	size_t k;

	check_head(p);
	mix(&d->heads, v, sizeof v);
	mix(&d->heads, &p->content_length, sizeof p->content_length);
	mix(&d->heads, p->reason, p->reason_len);
	for (k = 0; k < p->num_headers; k++) {
		mix(&d->heads, p->headers[k].name, p->headers[k].name_len);
		mix(&d->heads, p->headers[k].value, p->headers[k].value_len);
	}
	return 0;
}

static int on_body(void *ctx, const char *data, size_t len)
{
	struct digest *d = ctx;
	size_t k;

	if (len == 0)
		abort();
	/* not mix(): chunk boundaries must not count, only the bytes */
	for (k = 0; k < len; k++) {
		d->bodies ^= (unsigned char)data[k];
		d->bodies *= 0x100000001b3ull;
	}
	return 0;
}

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* mode 0: whole; 1: random chunks; 2: one byte at a time */
static void drive(const uint8_t *in, size_t len, unsigned flags, int mode, uint64_t seed,
                  struct digest *d)
{
	struct http_sink sink = {on_head, on_body, d};
	size_t off = 0;
	int stopped = 0;

	memset(d, 0, sizeof *d);
	http_reset(&parser, flags);
	while (off < len && !stopped) {
		size_t n = len - off, k = 0;

		if (mode == 1)
			n = 1 + (size_t)(rng_next(&seed) % 64);
		else if (mode == 2)
			n = 1;
		if (n > len - off)
			n = len - off;
		while (k < n) {
			size_t used = 7777;
			int err =
			    http_parse(&parser, (const char *)in + off + k, n - k, &used, &sink);

			if (used > n - k)
				abort();
			k += used;
			d->consumed += used;
			if (err == ERR_NEED_MORE) {
				if (k != n)
					abort();
				break;
			}
			if (err) {
				if (!parser.error || parser.keep_alive || parser.done)
					abort();
				d->err = err;
				d->why = parser.error;
				stopped = 1;
				break;
			}
			if (!parser.done || parser.error)
				abort();
			if (parser.framing == HTTP_BODY_LENGTH &&
			    parser.body_bytes != parser.content_length)
				abort();
			if (parser.framing == HTTP_BODY_NONE && parser.body_bytes)
				abort();
			d->messages++;
			mix(&d->bodies, "|", 1);
			if (!parser.keep_alive) {
				stopped = 1;
				break;
			}
			http_reset(&parser, flags);
		}
		off += n;
	}
	if (stopped || (parser.received == 0 && d->messages > 0))
		return;
	d->err = http_finish(&parser);
	if (d->err == DBX_OK) {
		if (parser.framing != HTTP_BODY_CLOSE || parser.keep_alive)
			abort();
		d->pending_done = 1;
	} else if (d->err != DBX_ERR_TRUNCATED && d->err != DBX_ERR_PROTOCOL &&
	           d->err != DBX_ERR_LIMIT) {
		abort();
	}
	d->why = parser.error;
}

static int same(const struct digest *a, const struct digest *b)
{
	if (a->heads != b->heads || a->bodies != b->bodies || a->messages != b->messages ||
	    a->err != b->err || a->pending_done != b->pending_done)
		return 0;
	if ((a->why == NULL) != (b->why == NULL) || (a->why && strcmp(a->why, b->why) != 0))
		return 0;
	/* where an error is seen is the same byte for any split */
	return a->consumed == b->consumed;
}

/* The input as a header value and as a request target: refused exactly when
 * it holds a byte that could break the head. */
static void fuzz_writer(const uint8_t *in, size_t len)
{
	static char buf[8192];
	struct http_header f = {"X-Fuzz", 6, (const char *)in, len};
	struct http_request req = {0};
	const char *why;
	size_t k, out_len;
	int bad = 0, err;

	for (k = 0; k < len; k++) {
		if (in[k] < 0x20 ? in[k] != '\t' : in[k] == 0x7f)
			bad = 1;
	}
	req.host = "example.com";
	req.fields = &f;
	req.num_fields = 1;
	err = http_write_request(&req, buf, sizeof buf, &out_len, &why);
	if (bad ? err != DBX_ERR_USAGE : (err != DBX_OK && err != DBX_ERR_LIMIT))
		abort();
	if (err == DBX_OK) {
		const char *end = strstr(buf, "\r\n\r\n");

		if (strlen(buf) != out_len || !end || end != buf + out_len - 4)
			abort();
		for (k = 0; k < out_len; k++) {
			if (buf[k] == '\r' && buf[k + 1] != '\n')
				abort();
			if (buf[k] == '\n' && (k == 0 || buf[k - 1] != '\r'))
				abort();
		}
	}
}

static void fuzz_redact(const uint8_t *in, size_t len, uint64_t seed)
{
	static char out[4096];
	size_t cap = (size_t)(seed % sizeof out), out_len = 0;
	int err = http_redact((const char *)in, len, out, cap, &out_len);

	if (err != DBX_OK && err != DBX_ERR_LIMIT)
		abort();
	if (cap > 0 && (out_len >= cap || strlen(out) != out_len))
		abort();
	for (size_t k = 0; k < out_len; k++) {
		unsigned char c = (unsigned char)out[k];

		/* control bytes other than line ends and TAB never pass */
		if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct digest whole, chunks, bytes;
	uint64_t seed = 0xcbf29ce484222325ull;
	unsigned flags;

	mix(&seed, data, size);
	seed |= 1;
	flags = (seed >> 20) % 4 == 0 ? HTTP_F_HEAD : 0;
	drive(data, size, flags, 0, seed, &whole);
	drive(data, size, flags, 1, seed, &chunks);
	if (!same(&whole, &chunks))
		abort();
	if (size <= 8192) {
		drive(data, size, flags, 2, seed, &bytes);
		if (!same(&whole, &bytes))
			abort();
	}
	if (size <= 4096)
		fuzz_writer(data, size);
	fuzz_redact(data, size, seed);
	return 0;
}
