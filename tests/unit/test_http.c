/*
 * test_http.c - the HTTP/1.1 response parser and request writer.
 *
 * Every parser input goes through drive(), which feeds it whole, one byte at a
 * time and in 7-byte pieces (each piece copied to end right before a PROT_NONE
 * page, so an over-read of any feed crashes) and checks that all three give the
 * same result. drive() acts like the connection layer: after a complete message
 * it resets the parser and goes on with the leftover bytes while the connection
 * may be reused, and drops what follows a message that ends the connection.
 *
 * Conformance: the llhttp cases in tests/data/http, compared verdict by verdict
 * to llhttp's; every deliberate difference is listed in `differences` with why.
 */
#include <stdint.h>

#include "dbxai.h"
#include "harness.h"
#include "http.h"

/* One parser for all runs: it holds the 16 KiB head buffer. */
static struct http_parser parser;

/* ---- a guard region: any feed is copied to end right before PROT_NONE ---- */

#define GUARD_MAX (256 * 1024)
static struct harness_guarded guard;

static const char *guarded(const char *src, size_t n)
{
	char *end;

	if (!guard.map) {
		char *tmp = calloc(1, GUARD_MAX);

		if (!tmp)
			exit(2);
		guard = harness_guard(tmp, GUARD_MAX);
		free(tmp);
	}
	if (n > GUARD_MAX) {
		fprintf(stderr, "input too large for the guard region\n");
		exit(2);
	}
	end = (char *)guard.data + GUARD_MAX;
	if (n)
		memcpy(end - n, src, n);
	return end - n;
}

/* ---- the driver ------------------------------------------------------- */

#define MAX_MSGS 8

struct result {
	int err; /* DBX_OK, or the first error (parse or finish) */
	const char *why;
	int pending;  /* input ended inside a message (no finish asked) */
	int messages; /* complete messages */
	int status[MAX_MSGS];
	int keep[MAX_MSGS];
	int framing[MAX_MSGS];
	size_t consumed; /* input bytes the parsers used */
	size_t excess;   /* bytes after a message that ends the connection */
	int heads;       /* on_head calls */
	int bad_head;    /* on_head saw body bytes already, or no head_done */
	char body[8192];
	size_t body_len;
	uint64_t body_total;
	int cancel_after; /* on_body returns DBX_ERR_CANCELLED after so many bytes */
	int cancel_head;  /* on_head returns DBX_ERR_CANCELLED */
};

static int on_head(void *ctx, const struct http_parser *p)
{
	struct result *r = ctx;

	r->heads++;
	if (!p->head_done || p->body_bytes != 0 || p->status < 200)
		r->bad_head++;
	return r->cancel_head ? DBX_ERR_CANCELLED : 0;
}

static int on_body(void *ctx, const char *data, size_t len)
{
	struct result *r = ctx;
	size_t room = sizeof r->body - r->body_len;

	if (len == 0)
		r->bad_head++;
	memcpy(r->body + r->body_len, data, len < room ? len : room);
	r->body_len += len < room ? len : room;
	r->body_total += len;
	if (r->cancel_after && r->body_total >= (uint64_t)r->cancel_after)
		return DBX_ERR_CANCELLED;
	return 0;
}

static void record(struct result *r, const struct http_parser *p)
{
	if (r->messages < MAX_MSGS) {
		r->status[r->messages] = p->status;
		r->keep[r->messages] = p->keep_alive;
		r->framing[r->messages] = (int)p->framing;
	}
	r->messages++;
}

/* Feeds in[0..len) in pieces of `piece` bytes (0: whole). */
static void drive(const char *in, size_t len, size_t piece, unsigned flags, int finish,
                  struct result *r)
{
	struct http_sink sink = {on_head, on_body, r};
	size_t off = 0;
	int stopped = 0;

	http_reset(&parser, flags);
	while (off < len && !stopped) {
		size_t n = piece && piece < len - off ? piece : len - off;
		const char *b = guarded(in + off, n);
		size_t k = 0;

		while (k < n) {
			size_t used = 0;
			int err = http_parse(&parser, b + k, n - k, &used, &sink);

			if (used > n - k) /* consumed more than given */
				r->bad_head++;
			k += used;
			r->consumed += used;
			if (err == ERR_NEED_MORE)
				break;
			if (err) {
				r->err = err;
				r->why = parser.error;
				stopped = 1;
				break;
			}
			record(r, &parser);
			if (!parser.keep_alive) {
				r->excess = len - off - k;
				stopped = 1;
				break;
			}
			http_reset(&parser, flags);
		}
		off += n;
	}
	if (stopped)
		return;
	/* A fresh parser after a complete message has nothing to finish. */
	if (parser.received == 0 && r->messages > 0)
		return;
	if (!finish) {
		r->pending = 1;
		return;
	}
	r->err = http_finish(&parser);
	if (r->err)
		r->why = parser.error;
	else
		record(r, &parser);
}

static int same_result(const struct result *a, const struct result *b)
{
	int k;

	if (a->err != b->err || a->pending != b->pending || a->messages != b->messages ||
	    a->excess != b->excess || a->heads != b->heads)
		return 0;
	/* a callback that stops sees as many bytes as the split gave it */
	if (a->err != DBX_ERR_CANCELLED &&
	    (a->body_total != b->body_total || a->body_len != b->body_len ||
	     memcmp(a->body, b->body, a->body_len) != 0))
		return 0;
	if ((a->why == NULL) != (b->why == NULL) || (a->why && strcmp(a->why, b->why) != 0))
		return 0;
	for (k = 0; k < a->messages && k < MAX_MSGS; k++) {
		if (a->status[k] != b->status[k] || a->keep[k] != b->keep[k] ||
		    a->framing[k] != b->framing[k])
			return 0;
	}
	/* where an error is found may depend on the split; success may not */
	return a->err || a->consumed == b->consumed;
}

/* Runs all three feeds into *r (the whole-input one) and checks they agree. */
static void drive_all(const char *name, const char *in, size_t len, unsigned flags, int finish,
                      struct result *r, const struct result *tmpl)
{
	static const size_t pieces[] = {1, 7};
	struct result other;
	size_t k;

	*r = *tmpl;
	drive(in, len, 0, flags, finish, r);
	CHECK(r->bad_head == 0, "%s: callback rules broken", name);
	for (k = 0; k < sizeof pieces / sizeof pieces[0]; k++) {
		other = *tmpl;
		drive(in, len, pieces[k], flags, finish, &other);
		CHECK(same_result(r, &other),
		      "%s: %zu-byte pieces differ from whole (err %d/%d, %s/%s)", name, pieces[k],
		      r->err, other.err, r->why ? r->why : "-", other.why ? other.why : "-");
	}
}

static const struct result zero_result;

/* ---- conformance against llhttp's cases ------------------------------- */

struct difference {
	const char *name;
	const char *why;
};

/* Where our verdict deliberately differs from llhttp's. */
static const struct difference differences[] = {
    /* llhttp's lenient modes: options we do not have */
    {"request-content-length-07", "lenient: CL with TE is always an error"},
    {"request-content-length-17", "lenient: a bare CR is always an error"},
    {"request-transfer-encoding-13", "lenient: CL with TE is always an error"},
    {"request-transfer-encoding-17", "lenient: chunked must be the last coding"},
    {"request-transfer-encoding-18", "lenient: chunked must be the last coding"},
    {"request-transfer-encoding-26", "lenient: a bare CR is always an error"},
    {"request-transfer-encoding-28", "lenient: chunk data must end in CRLF"},
    {"request-transfer-encoding-30", "lenient: no space after a chunk size"},
    {"response-invalid-08", "lenient: a bare CR is always an error"},
    {"response-invalid-16", "lenient: lines must end in CRLF"},
    {"response-invalid-18", "lenient: lines must end in CRLF"},
    {"response-lenient-version-00", "lenient: only HTTP/1.x"},
    {"response-sample-10", "lenient: lines must end in CRLF"},
    {"response-transfer-encoding-09", "lenient: obs-fold is always an error"},
    /* RTSP and ICE are not HTTP */
    {"response-sample-01", "RTSP/1.1 is not HTTP"},
    {"response-sample-02", "ICE/1.1 is not HTTP"},
    /* we are a client and stricter */
    {"request-transfer-encoding-19",
     "a coding other than chunked: we never send TE, so we could not decode it"},
    {"request-transfer-encoding-20",
     "a coding other than chunked: we never send TE, so we could not decode it"},
    {"response-transfer-encoding-01",
     "chunked not last: read-until-close would be a guess that desynchronises"},
    {"response-transfer-encoding-02",
     "chunked not last: read-until-close would be a guess that desynchronises"},
    {"response-transfer-encoding-03",
     "chunkedchunked is an unknown coding, not a body until close"},
    {"response-sample-16", "HTTP/0.9 has no status line: only HTTP/1.x"},
    {"response-connection-05", "bytes after a Connection: close response are the caller's to drop"},
    {"response-connection-07", "bytes after a Connection: close response are the caller's to drop"},
    /* the data file differs from llhttp's input (its trailing CRLFs were
     * lost), and llhttp judges some values byte by byte */
    {"request-content-length-02",
     "the .bin ends inside the value (no CRLF): we judge a Content-Length "
     "at the end of its line (the full input is \"CL huge\" below)"},
    {"request-content-length-03",
     "the .bin ends inside the second value: equal duplicates are allowed "
     "(RFC 9110 8.6), so we can only judge at its end (\"CL twice differ\")"},
    {"request-transfer-encoding-22",
     "the .bin lost the final CRLF, so input ends in the chunk: need more "
     "(the full input is an error in test_chunked)"},
    {"response-finish-00", "the .bin lost the empty line ending the head: EOF in the head is "
                           "truncation"},
    {"response-sample-05", "the .bin holds the markdown log after the body (extraction artifact): "
                           "the response parses, the junk after it is not HTTP"},
};

static const struct difference *find_difference(const char *name)
{
	size_t k;

	for (k = 0; k < sizeof differences / sizeof differences[0]; k++) {
		if (strcmp(differences[k].name, name) == 0)
			return &differences[k];
	}
	return NULL;
}

/* A request case as a response: its request line becomes a status line with
 * the same version, so the body framing after it is what gets tested. */
static size_t as_response(const char *in, size_t len, char *out, size_t cap)
{
	const char *lf = memchr(in, '\n', len);
	size_t line, rest, n;
	const char *ver = "HTTP/1.1";

	if (!lf)
		return 0;
	line = (size_t)(lf - in);
	if (line >= 9 && in[line - 1] == '\r' && memcmp(in + line - 9, "HTTP/1.0", 8) == 0)
		ver = "HTTP/1.0";
	rest = len - line - 1;
	n = (size_t)snprintf(out, cap, "%s 200 OK\r\n", ver);
	if (n + rest > cap)
		return 0;
	memcpy(out + n, lf + 1, rest);
	return n + rest;
}

static void test_conformance(void)
{
	static char out[GUARD_MAX];
	size_t idx_len, total = 0, same = 0, differ = 0, listed_used = 0;
	char *idx = harness_read(harness_data("http/index.tsv"), &idx_len);
	char *line, *next;

	CHECK(idx != NULL, "cannot read http/index.tsv");
	if (!idx)
		return;
	for (line = idx; line && *line; line = next) {
		char *f[4] = {0};
		char *s = line;
		char path[512];
		size_t len, k;
		char *data;
		int finish, llhttp_ok, ours_ok;
		struct result r;
		const struct difference *d;

		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		for (k = 0; k < 4 && s; k++) {
			f[k] = s;
			s = strchr(s, '\t');
			if (s)
				*s++ = 0;
		}
		if (!f[2])
			continue;
		snprintf(path, sizeof path, "http/%s.bin", f[0]);
		data = harness_read(harness_data(path), &len);
		CHECK(data != NULL, "%s: cannot read", path);
		if (!data)
			continue;
		if (strncmp(f[0], "request-", 8) == 0) {
			len = as_response(data, len, out, sizeof out);
			CHECK(len > 0, "%s: no request line", f[0]);
		} else {
			memcpy(out, data, len);
		}
		free(data);
		finish = strstr(f[1], "finish") != NULL;
		drive_all(f[0], out, len, 0, finish, &r, &zero_result);
		llhttp_ok = strcmp(f[2], "ok") == 0;
		ours_ok = r.err == DBX_OK;
		d = find_difference(f[0]);
		total++;
		if (llhttp_ok == ours_ok) {
			same++;
			CHECK(d == NULL, "%s: listed as a difference but agrees", f[0]);
		} else {
			differ++;
			CHECK(d != NULL, "%s (%s): llhttp says %s, we say %s (%s)", f[0], f[3],
			      f[2], ours_ok ? "ok" : "error", r.why ? r.why : "");
		}
		if (d)
			listed_used++;
		if (getenv("HTTP_TEST_VERBOSE"))
			printf("  %-30s llhttp %-5s ours %-5s %s\n", f[0],
			       llhttp_ok ? "ok" : "error", ours_ok ? "ok" : "error",
			       r.why ? r.why : (r.pending ? "(needs more)" : ""));
	}
	free(idx);
	CHECK(listed_used == sizeof differences / sizeof differences[0],
	      "a listed difference names no case");
	CHECK(total >= 120, "only %zu cases read", total);
	printf("http conformance: %zu cases, %zu same verdict as llhttp, %zu "
	       "differ (listed)\n",
	       total, same, differ);
}

/* ---- response cases of our own ---------------------------------------- */

struct rcase {
	const char *name;
	const char *in;
	unsigned flags;
	int finish;
	int err;     /* of the first failing step, else DBX_OK */
	int pending; /* input ends inside a message (no finish) */
	int messages;
	int status;       /* of the first message */
	int keep;         /* of the first message */
	const char *body; /* all bodies, concatenated; NULL: not checked */
	const char *why;  /* part of p->error; NULL: not checked */
};

#define OK DBX_OK
#define PROTO DBX_ERR_PROTOCOL
#define LIMIT DBX_ERR_LIMIT
#define TRUNC DBX_ERR_TRUNCATED

static const struct rcase rcases[] = {
    /* status line */
    {"simple", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 0, 0, OK, 0, 1, 200, 1, "hello",
     NULL},
    {"no reason", "HTTP/1.1 301\r\nContent-Length: 0\r\n\r\n", 0, 0, OK, 0, 1, 301, 1, "", NULL},
    {"empty reason", "HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n", 0, 0, OK, 0, 1, 200, 1, "",
     NULL},
    {"obs-text reason", "HTTP/1.1 200 \xc3\xa9t\xc3\xa9\r\nContent-Length: 0\r\n\r\n", 0, 0, OK, 0,
     1, 200, 1, "", NULL},
    {"HTTP/1.2 reads as 1.1", "HTTP/1.2 200 OK\r\nContent-Length: 0\r\n\r\n", 0, 0, OK, 0, 1, 200,
     1, "", NULL},
    {"lowercase http", "http/1.1 200 OK\r\n\r\n", 0, 0, PROTO, 0, 0, 0, 0, NULL, "expected HTTP/"},
    {"HTTP/2", "HTTP/2 200 OK\r\n\r\n", 0, 0, PROTO, 0, 0, 0, 0, NULL, "invalid HTTP version"},
    {"HTTP/2.0", "HTTP/2.0 200 OK\r\n\r\n", 0, 0, PROTO, 0, 0, 0, 0, NULL,
     "unsupported HTTP version"},
    {"status 099", "HTTP/1.1 099 x\r\n\r\n", 0, 0, PROTO, 0, 0, 0, 0, NULL, "invalid status code"},
    {"status 600", "HTTP/1.1 600 x\r\n\r\n", 0, 0, PROTO, 0, 0, 0, 0, NULL, "invalid status code"},
    {"status 2000", "HTTP/1.1 2000 x\r\n\r\n", 0, 0, PROTO, 0, 0, 0, 0, NULL,
     "invalid status code"},
    {"status 20x", "HTTP/1.1 20x OK\r\n\r\n", 0, 0, PROTO, 0, 0, 0, 0, NULL, "invalid status code"},
    {"control in reason", "HTTP/1.1 200 O\001K\r\n\r\n", 0, 0, PROTO, 0, 0, 0, 0, NULL,
     "reason phrase"},
    {"not HTTP, no LF", "\x16\x03\x01\x02\x00", 0, 0, PROTO, 0, 0, 0, 0, NULL, "expected HTTP/"},
    {"SSH banner", "SSH-2.0-OpenSSH_9.6", 0, 0, PROTO, 0, 0, 0, 0, NULL, "expected HTTP/"},
    {"empty lines first", "\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx", 0, 0, OK, 0, 1,
     200, 1, "x", NULL},
    {"too many empty lines", "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\nHTTP/1.1 200 OK\r\n\r\n", 0, 0,
     LIMIT, 0, 0, 0, 0, NULL, "empty lines"},
    {"bare LF empty line", "\nHTTP/1.1 200 OK\r\n\r\n", 0, 0, PROTO, 0, 0, 0, 0, NULL, "bare LF"},
    /* header fields */
    {"bare CR in value", "HTTP/1.1 200 OK\r\nA: b\rc\r\n\r\n", 0, 0, PROTO, 0, 0, 0, 0, NULL,
     "bare CR"},
    {"bare CR line end", "HTTP/1.1 200 OK\r\nA: b\r\rContent-Length: 0\r\n\r\n", 0, 0, PROTO, 0, 0,
     0, 0, NULL, "bare CR"},
    {"bare LF line end", "HTTP/1.1 200 OK\r\nA: b\nB: c\r\n\r\n", 0, 0, PROTO, 0, 0, 0, 0, NULL,
     "bare LF"},
    {"obs-fold", "HTTP/1.1 200 OK\r\nA: b\r\n c\r\n\r\n", 0, 0, PROTO, 0, 0, 0, 0, NULL,
     "obs-fold"},
    {"space before colon", "HTTP/1.1 200 OK\r\nA : b\r\n\r\n", 0, 0, PROTO, 0, 0, 0, 0, NULL,
     "header name"},
    {"empty name", "HTTP/1.1 200 OK\r\n: b\r\n\r\n", 0, 0, PROTO, 0, 0, 0, 0, NULL,
     "empty header name"},
    {"no colon", "HTTP/1.1 200 OK\r\nAbc\r\n\r\n", 0, 0, PROTO, 0, 0, 0, 0, NULL, "header name"},
    {"name not token", "HTTP/1.1 200 OK\r\nA(b): c\r\n\r\n", 0, 0, PROTO, 0, 0, 0, 0, NULL,
     "header name"},
    {"NUL in value", "HTTP/1.1 200 OK\r\nA: b\0c\r\n\r\n", 0, 0, PROTO, 0, 0, 0, 0, NULL,
     "header value"},
    {"DEL in value", "HTTP/1.1 200 OK\r\nA: b\177c\r\n\r\n", 0, 0, PROTO, 0, 0, 0, 0, NULL,
     "header value"},
    {"obs-text value", "HTTP/1.1 200 OK\r\nA: \xff\xfe\r\nContent-Length: 0\r\n\r\n", 0, 0, OK, 0,
     1, 200, 1, "", NULL},
    {"empty value", "HTTP/1.1 200 OK\r\nA:\r\nB: \t \r\nContent-Length: 0\r\n\r\n", 0, 0, OK, 0, 1,
     200, 1, "", NULL},
    /* Content-Length */
    {"CL leading zeros", "HTTP/1.1 200 OK\r\nContent-Length: 003\r\n\r\nabc", 0, 0, OK, 0, 1, 200,
     1, "abc", NULL},
    {"CL list equal", "HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\n\r\nabc", 0, 0, OK, 0, 1, 200, 1,
     "abc", NULL},
    {"CL twice equal", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\ncontent-length: 3\r\n\r\nabc", 0, 0,
     OK, 0, 1, 200, 1, "abc", NULL},
    {"CL twice differ", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 0,
     0, PROTO, 0, 0, 0, 0, NULL, "duplicate Content-Length"},
    {"CL list differ", "HTTP/1.1 200 OK\r\nContent-Length: 3,4\r\n\r\nabcd", 0, 0, PROTO, 0, 0, 0,
     0, NULL, "duplicate Content-Length"},
    {"CL list empty element", "HTTP/1.1 200 OK\r\nContent-Length: 3,\r\n\r\nabc", 0, 0, PROTO, 0, 0,
     0, 0, NULL, "empty Content-Length"},
    {"CL empty", "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", 0, 0, PROTO, 0, 0, 0, 0, NULL,
     "empty Content-Length"},
    {"CL plus", "HTTP/1.1 200 OK\r\nContent-Length: +3\r\n\r\nabc", 0, 0, PROTO, 0, 0, 0, 0, NULL,
     "invalid character in Content-Length"},
    {"CL minus", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", 0, 0, PROTO, 0, 0, 0, 0, NULL,
     "invalid character"},
    {"CL hex", "HTTP/1.1 200 OK\r\nContent-Length: 0x3\r\n\r\nabc", 0, 0, PROTO, 0, 0, 0, 0, NULL,
     "invalid character"},
    {"CL inner space", "HTTP/1.1 200 OK\r\nContent-Length: 1 2\r\n\r\n", 0, 0, PROTO, 0, 0, 0, 0,
     NULL, "invalid character"},
    {"CL max", "HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551615\r\n\r\nab", 0, 0, OK, 1, 0,
     0, 0, "ab", NULL},
    {"CL overflow", "HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551616\r\n\r\n", 0, 0, PROTO,
     0, 0, 0, 0, NULL, "Content-Length overflow"},
    {"CL huge", "HTTP/1.1 200 OK\r\nContent-Length: 1000000000000000000000\r\n\r\n", 0, 0, PROTO, 0,
     0, 0, 0, NULL, "overflow"},
    {"CL-X is not CL", "HTTP/1.1 200 OK\r\nContent-Length-X: 9\r\nContent-Length: 1\r\n\r\nz", 0, 0,
     OK, 0, 1, 200, 1, "z", NULL},
    /* Transfer-Encoding */
    {"TE and CL",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: "
     "3\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
     0, 0, PROTO, 0, 0, 0, 0, NULL, "Content-Length together with Transfer-Encoding"},
    {"CL and TE", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 0,
     0, PROTO, 0, 0, 0, 0, NULL, "together"},
    {"TE not last", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 0, 0, PROTO, 0,
     0, 0, 0, NULL, "does not end with chunked"},
    {"TE not last, 2 fields",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n", 0, 0,
     PROTO, 0, 0, 0, 0, NULL, "does not end with chunked"},
    {"TE gzip only", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxx", 0, 0, PROTO, 0, 0, 0,
     0, NULL, "unsupported transfer coding"},
    {"TE identity", "HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\n\r\nxx", 0, 0, PROTO, 0, 0,
     0, 0, NULL, "unsupported transfer coding"},
    {"TE chunkedchunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunkedchunked\r\n\r\nxx", 0, 0,
     PROTO, 0, 0, 0, 0, NULL, "unsupported transfer coding"},
    {"TE chunked twice", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 0, 0,
     PROTO, 0, 0, 0, 0, NULL, "more than once"},
    {"TE gzip, chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 0, 0, PROTO,
     0, 0, 0, 0, NULL, "unsupported transfer coding"},
    {"TE empty", "HTTP/1.1 200 OK\r\nTransfer-Encoding:\r\n\r\n", 0, 0, PROTO, 0, 0, 0, 0, NULL,
     "empty Transfer-Encoding"},
    {"TE empty elements", "HTTP/1.1 200 OK\r\nTransfer-Encoding: , chunked ,\r\n\r\n0\r\n\r\n", 0,
     0, OK, 0, 1, 200, 1, "", NULL},
    {"TE empty fields",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding:\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 0, 0,
     OK, 0, 1, 200, 1, "", NULL},
    {"TE empty before", "HTTP/1.1 200 OK\r\nTransfer-Encoding: ,Chunked\r\n\r\n0\r\n\r\n", 0, 0, OK,
     0, 1, 200, 1, "", NULL},
    {"TE in HTTP/1.0", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 0, 0,
     PROTO, 0, 0, 0, 0, NULL, "HTTP/1.0"},
    /* chunked */
    {"chunked",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
     0, 0, OK, 0, 1, 200, 1, "hello world", NULL},
    {"chunked hex case",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: "
     "chunked\r\n\r\na\r\n0123456789\r\nA\r\nabcdefghij\r\n0\r\n\r\n",
     0, 0, OK, 0, 1, 200, 1, "0123456789abcdefghij", NULL},
    {"chunked 000 end",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n001\r\nx\r\n000\r\n\r\n", 0, 0, OK, 0, 1,
     200, 1, "x", NULL},
    {"chunked extensions",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;a\r\nx\r\n1;a=b;c=\"d;e\"\r\ny\r\n1 ; "
     "a = b ; c\r\nz\r\n0;last\r\n\r\n",
     0, 0, OK, 0, 1, 200, 1, "xyz", NULL},
    {"chunked quoted escapes",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;a=\"I \\\"x\\\" "
     "\\\\\"\r\nx\r\n0\r\n\r\n",
     0, 0, OK, 0, 1, 200, 1, "x", NULL},
    {"chunked trailers",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\nVary: *\r\nX-T:\r\n\r\n",
     0, 0, OK, 0, 1, 200, 1, "x", NULL},
    {"chunk size overflow",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n", 0, 0, PROTO, 0,
     0, 0, 0, NULL, "chunk size overflow"},
    {"chunk size 2^64",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n", 0, 0, PROTO, 0,
     0, 0, 0, NULL, "chunk size overflow"},
    {"chunk size 2^64-1",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\nab", 0, 0, OK, 1, 0,
     0, 0, "ab", NULL},
    {"chunk size many zeros",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: "
     "chunked\r\n\r\n00000000000000000000000000000001\r\nx\r\n0\r\n\r\n",
     0, 0, OK, 0, 1, 200, 1, "x", NULL},
    {"chunk size empty", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n", 0, 0, PROTO,
     0, 0, 0, 0, NULL, "chunk size"},
    {"chunk size negative", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n", 0, 0,
     PROTO, 0, 0, 0, 0, NULL, "chunk size"},
    {"chunk size 0x", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\n", 0, 0, PROTO,
     0, 0, 0, 0, NULL, "chunk size"},
    {"chunk size leading space", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n 5\r\n", 0,
     0, PROTO, 0, 0, 0, 0, NULL, "chunk size"},
    {"chunk size trailing space",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5 \r\nhello\r\n", 0, 0, PROTO, 0, 0, 0,
     0, NULL, "chunk size"},
    {"chunk size bare LF", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n", 0,
     0, PROTO, 0, 0, 0, 0, NULL, "chunk size"},
    {"chunk size bare CR", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\rhello\r\n", 0,
     0, PROTO, 0, 0, 0, 0, NULL, "expected LF"},
    {"missing last-chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nfoo\r\n\r\n",
     0, 0, PROTO, 0, 0, 0, 0, NULL, "chunk size"},
    {"chunk data too long", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nABCDE0\r\n",
     0, 0, PROTO, 0, 0, 0, 0, NULL, "CRLF after chunk data"},
    {"chunk data LF only",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nABCDE\n0\r\n\r\n", 0, 0, PROTO, 0,
     0, 0, 0, NULL, "CRLF after chunk data"},
    {"chunk data CR only",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nABCDE\r0\r\n\r\n", 0, 0, PROTO, 0,
     0, 0, 0, NULL, "CRLF after chunk data"},
    {"ext empty name", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;\r\naa\r\n0\r\n\r\n",
     0, 0, PROTO, 0, 0, 0, 0, NULL, "chunk extension"},
    {"ext no semicolon",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2 erf\r\naa\r\n0\r\n\r\n", 0, 0, PROTO,
     0, 0, 0, 0, NULL, "chunk size"},
    {"ext empty value",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;a=\r\naa\r\n0\r\n\r\n", 0, 0, PROTO, 0,
     0, 0, 0, NULL, "chunk extension"},
    {"ext unbalanced quote",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;a=\"def; ghi\r\nhello\r\n0\r\n\r\n", 0,
     0, PROTO, 0, 0, 0, 0, NULL, "quoted chunk extension"},
    {"ext after quote",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;a=\"b\"c\r\nx\r\n0\r\n\r\n", 0, 0,
     PROTO, 0, 0, 0, 0, NULL, "chunk extension"},
    {"ext space then CR",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;a \r\nx\r\n0\r\n\r\n", 0, 0, PROTO, 0,
     0, 0, 0, NULL, "chunk extension"},
    {"trailer obs-fold",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: b\r\n c\r\n\r\n", 0, 0, PROTO, 0,
     0, 0, 0, NULL, "obs-fold"},
    {"trailer bare CR", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: b\rc\r\n\r\n",
     0, 0, PROTO, 0, 0, 0, 0, NULL, "bare CR"},
    {"trailer no colon", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA b\r\n\r\n", 0,
     0, PROTO, 0, 0, 0, 0, NULL, "trailer name"},
    {"trailer ctl", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: \001\r\n\r\n", 0,
     0, PROTO, 0, 0, 0, 0, NULL, "trailer value"},
    {"end bare LF", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\n", 0, 0, PROTO, 0,
     0, 0, 0, NULL, "trailer"},
    /* bodies that are not there */
    {"HEAD with CL", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", HTTP_F_HEAD, 0, OK, 0, 1, 200,
     1, "", NULL},
    {"HEAD with chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", HTTP_F_HEAD, 0,
     OK, 0, 1, 200, 1, "", NULL},
    {"HEAD, no framing", "HTTP/1.1 200 OK\r\n\r\n", HTTP_F_HEAD, 0, OK, 0, 1, 200, 1, "", NULL},
    {"204 with CL", "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n", 0, 0, OK, 0, 1, 204, 1,
     "", NULL},
    {"304 with chunked", "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n", 0, 0,
     OK, 0, 1, 304, 1, "", NULL},
    {"204 conflicting", "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
     0, 0, PROTO, 0, 0, 0, 0, NULL, "duplicate"},
    /* 1xx */
    {"100 then 200", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
     0, 0, OK, 0, 1, 200, 1, "ok", NULL},
    {"103 then 404",
     "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 404 Not "
     "Found\r\nContent-Length: 1\r\n\r\nx",
     0, 0, OK, 0, 1, 404, 1, "x", NULL},
    {"100, CRLF, 200",
     "HTTP/1.1 100 Continue\r\n\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0, 0, OK, 0,
     1, 200, 1, "", NULL},
    {"1xx with CL",
     "HTTP/1.1 100 Continue\r\nContent-Length: 5\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: "
     "0\r\n\r\n",
     0, 0, OK, 0, 1, 200, 1, "", NULL},
    {"8 x 100",
     "HTTP/1.1 100 A\r\n\r\nHTTP/1.1 100 A\r\n\r\nHTTP/1.1 100 A\r\n\r\nHTTP/1.1 100 "
     "A\r\n\r\nHTTP/1.1 100 A\r\n\r\nHTTP/1.1 100 A\r\n\r\nHTTP/1.1 100 A\r\n\r\nHTTP/1.1 100 "
     "A\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
     0, 0, OK, 0, 1, 200, 1, "", NULL},
    {"9 x 100",
     "HTTP/1.1 100 A\r\n\r\nHTTP/1.1 100 A\r\n\r\nHTTP/1.1 100 A\r\n\r\nHTTP/1.1 100 "
     "A\r\n\r\nHTTP/1.1 100 A\r\n\r\nHTTP/1.1 100 A\r\n\r\nHTTP/1.1 100 A\r\n\r\nHTTP/1.1 100 "
     "A\r\n\r\nHTTP/1.1 100 A\r\n\r\nHTTP/1.1 200 OK\r\n\r\n",
     0, 0, LIMIT, 0, 0, 0, 0, NULL, "1xx"},
    {"101", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n", 0, 0, PROTO, 0, 0, 0, 0,
     NULL, "101"},
    {"1xx bad header", "HTTP/1.1 100 Continue\r\nA b\r\n\r\nHTTP/1.1 200 OK\r\n\r\n", 0, 0, PROTO,
     0, 0, 0, 0, NULL, "header name"},
    /* keep-alive verdicts */
    {"1.1 default", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0, 0, OK, 0, 1, 200, 1, "",
     NULL},
    {"1.1 close", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", 0, 0, OK, 0,
     1, 200, 0, "", NULL},
    {"1.1 Close list",
     "HTTP/1.1 200 OK\r\nConnection: keep-alive, CLOSE\r\nContent-Length: 0\r\n\r\n", 0, 0, OK, 0,
     1, 200, 0, "", NULL},
    {"1.1 close 2nd field",
     "HTTP/1.1 200 OK\r\nConnection: upgrade\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", 0,
     0, OK, 0, 1, 200, 0, "", NULL},
    {"1.1 closed not close", "HTTP/1.1 200 OK\r\nConnection: closed\r\nContent-Length: 0\r\n\r\n",
     0, 0, OK, 0, 1, 200, 1, "", NULL},
    {"Proxy-Connection", "HTTP/1.1 200 OK\r\nProxy-Connection: close\r\nContent-Length: 0\r\n\r\n",
     0, 0, OK, 0, 1, 200, 1, "", NULL},
    {"1.0 default", "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", 0, 0, OK, 0, 1, 200, 0, "",
     NULL},
    {"1.0 keep-alive", "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n", 0,
     0, OK, 0, 1, 200, 1, "", NULL},
    {"1.0 keep-alive, close",
     "HTTP/1.0 200 OK\r\nConnection: keep-alive,close\r\nContent-Length: 0\r\n\r\n", 0, 0, OK, 0, 1,
     200, 0, "", NULL},
    {"1.0 keep-alive 204", "HTTP/1.0 204 No content\r\nConnection: keep-alive\r\n\r\n", 0, 0, OK, 0,
     1, 204, 1, "", NULL},
    /* close-delimited bodies and truncation */
    {"close-delimited", "HTTP/1.1 200 OK\r\n\r\nabc", 0, 1, OK, 0, 1, 200, 0, "abc", NULL},
    {"close-delimited empty", "HTTP/1.1 200 OK\r\n\r\n", 0, 1, OK, 0, 1, 200, 0, "", NULL},
    {"close-delimited 1.0", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\nabc", 0, 1, OK, 0, 1,
     200, 0, "abc", NULL},
    {"close-delimited pending", "HTTP/1.1 200 OK\r\n\r\nabc", 0, 0, OK, 1, 0, 0, 0, "abc", NULL},
    {"EOF in CL body", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabc", 0, 1, TRUNC, 0, 0, 0, 0,
     "abc", "before the end of the body"},
    {"EOF in chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabc", 0, 1, TRUNC,
     0, 0, 0, 0, "abc", "before the end of the body"},
    {"EOF before last-chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n",
     0, 1, TRUNC, 0, 0, 0, 0, "abc", "before the end of the body"},
    {"EOF in trailers", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: b\r\n", 0, 1,
     TRUNC, 0, 0, 0, 0, "", "before the end of the body"},
    {"EOF in head", "HTTP/1.1 200 OK\r\nContent-Le", 0, 1, TRUNC, 0, 0, 0, 0, NULL,
     "inside the response head"},
    {"EOF at once", "", 0, 1, TRUNC, 0, 0, 0, 0, NULL, "before any response"},
    /* pipelining: what follows a kept-alive response is the next one */
    {"pipelined",
     "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nAAAHTTP/1.1 201 Created\r\nTransfer-Encoding: "
     "chunked\r\n\r\n2\r\nBB\r\n0\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
     0, 0, OK, 0, 3, 200, 1, "AAABB", NULL},
    {"after close", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nAjunk", 0, 0,
     OK, 0, 1, 200, 0, "A", NULL},
};

static void test_responses(void)
{
	size_t k;

	for (k = 0; k < sizeof rcases / sizeof rcases[0]; k++) {
		const struct rcase *c = &rcases[k];
		size_t len = strlen(c->in);
		struct result r;

		/* the table holds one case with an embedded NUL */
		if (strcmp(c->name, "NUL in value") == 0)
			len = strlen("HTTP/1.1 200 OK\r\nA: b") + 1 + strlen("c\r\n\r\n");
		drive_all(c->name, c->in, len, c->flags, c->finish, &r, &zero_result);
		CHECK(r.err == c->err, "%s: err %d (%s), want %d", c->name, r.err,
		      r.why ? r.why : "-", c->err);
		CHECK(r.pending == c->pending, "%s: pending %d", c->name, r.pending);
		CHECK(r.messages == c->messages, "%s: %d messages, want %d", c->name, r.messages,
		      c->messages);
		if (c->messages > 0 && r.messages > 0) {
			CHECK(r.status[0] == c->status, "%s: status %d", c->name, r.status[0]);
			CHECK(r.keep[0] == c->keep, "%s: keep-alive %d", c->name, r.keep[0]);
		}
		if (c->body)
			CHECK(r.body_len == strlen(c->body) &&
			          memcmp(r.body, c->body, r.body_len) == 0,
			      "%s: body '%.*s'", c->name, (int)r.body_len, r.body);
		if (c->why)
			CHECK(r.why && strstr(r.why, c->why), "%s: why '%s'", c->name,
			      r.why ? r.why : "(null)");
		if (c->err == DBX_OK)
			CHECK(r.why == NULL, "%s: error text on success", c->name);
	}
}

/* ---- the head as the caller sees it ----------------------------------- */

static const char *find_value(const char *name)
{
	return http_header_value(&parser, name, NULL);
}

static void test_head_views(void)
{
	static const char in[] = "HTTP/1.1 429 Too Many Requests\r\n"
	                         "Content-Type: application/json \r\n"
	                         "Retry-After:\t 17\t\r\n"
	                         "WWW-Authenticate: Bearer realm=\"a\"\r\n"
	                         "www-authenticate: Basic\r\n"
	                         "X-Empty:\r\n"
	                         "Content-Length: 2\r\n"
	                         "\r\n"
	                         "{}";
	size_t used, pos = 0, len;
	const struct http_header *h;
	const char *v;
	int n = 0;

	http_reset(&parser, 0);
	CHECK(http_parse(&parser, in, sizeof in - 1, &used, NULL) == DBX_OK, "parse");
	CHECK(used == sizeof in - 1, "used %zu", used);
	CHECK(parser.status == 429 && parser.version_minor == 1, "status");
	CHECK(strcmp(parser.reason, "Too Many Requests") == 0 && parser.reason_len == 17,
	      "reason '%s'", parser.reason);
	CHECK(parser.num_headers == 6, "%zu headers", parser.num_headers);
	v = http_header_value(&parser, "retry-after", &len);
	CHECK(v && strcmp(v, "17") == 0 && len == 2, "Retry-After '%s'", v);
	v = find_value("CONTENT-TYPE");
	CHECK(v && strcmp(v, "application/json") == 0, "Content-Type '%s'", v);
	v = http_header_value(&parser, "x-empty", &len);
	CHECK(v && *v == 0 && len == 0, "empty value");
	CHECK(find_value("Location") == NULL, "no Location");
	CHECK(find_value("Content-Typ") == NULL, "prefix is not a match");
	CHECK(find_value("Content-Type2") == NULL, "longer is not a match");
	for (h = http_header_find(&parser, "WWW-Authenticate", &pos); h;
	     h = http_header_find(&parser, "WWW-Authenticate", &pos)) {
		CHECK(h->name[h->name_len] == 0 && h->value[h->value_len] == 0,
		      "NUL-terminated views");
		CHECK(strcmp(h->value, n == 0 ? "Bearer realm=\"a\"" : "Basic") == 0,
		      "WWW-Authenticate %d: '%s'", n, h->value);
		n++;
	}
	CHECK(n == 2, "%d WWW-Authenticate", n);
	CHECK(parser.framing == HTTP_BODY_LENGTH && parser.content_length == 2, "framing");
	CHECK(parser.body_bytes == 2 && parser.received == sizeof in - 1, "counters");
	/* once done, nothing more is taken */
	CHECK(http_parse(&parser, "x", 1, &used, NULL) == DBX_OK && used == 0,
	      "done parser consumes nothing");
	CHECK(http_finish(&parser) == DBX_OK, "finish after done");
	http_reset(&parser, 0);
	CHECK(parser.num_headers == 0 && !parser.head_done && !parser.done, "reset");
}

/* The 1xx head is forgotten: only the final head's fields are visible. */
static void test_interim(void)
{
	static const char in[] = "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
	                         "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
	size_t used;

	http_reset(&parser, 0);
	CHECK(http_parse(&parser, in, sizeof in - 1, &used, NULL) == DBX_OK, "parse");
	CHECK(parser.interim == 1, "interim %u", parser.interim);
	CHECK(parser.status == 200 && find_value("Link") == NULL &&
	          find_value("Content-Length") != NULL,
	      "final head only");
}

/* ---- limits ----------------------------------------------------------- */

static char big[200000];

static size_t build_headers(size_t count, size_t value_len)
{
	size_t n = (size_t)snprintf(big, sizeof big, "HTTP/1.1 200 OK\r\n");
	size_t k;

	for (k = 0; k < count && n + value_len + 40 < sizeof big; k++) {
		n += (size_t)snprintf(big + n, sizeof big - n, "X-%zu: ", k);
		memset(big + n, 'v', value_len);
		n += value_len;
		memcpy(big + n, "\r\n", 2);
		n += 2;
	}
	n += (size_t)snprintf(big + n, sizeof big - n, "Content-Length: 0\r\n\r\n");
	return n;
}

static void test_limits(void)
{
	struct result r;
	size_t n, k;

	/* 63 + Content-Length = 64 fields: fine; one more is too many */
	n = build_headers(HTTP_MAX_HEADERS - 1, 1);
	drive_all("64 headers", big, n, 0, 0, &r, &zero_result);
	CHECK(r.err == DBX_OK && r.messages == 1, "64 headers: %d", r.err);
	n = build_headers(HTTP_MAX_HEADERS, 1);
	drive_all("65 headers", big, n, 0, 0, &r, &zero_result);
	CHECK(r.err == DBX_ERR_LIMIT && r.why && strstr(r.why, "too many"), "65 headers: %d",
	      r.err);
	n = build_headers(10000, 0);
	drive_all("10000 headers", big, n, 0, 0, &r, &zero_result);
	CHECK(r.err == DBX_ERR_LIMIT, "10000 headers: %d", r.err);
	/* one huge line */
	n = build_headers(1, 100000);
	drive_all("huge header line", big, n, 0, 0, &r, &zero_result);
	CHECK(r.err == DBX_ERR_LIMIT && r.why && strstr(r.why, "too large"), "huge line: %d",
	      r.err);
	/* a huge status line without any LF */
	memcpy(big, "HTTP/1.1 200 ", 13);
	memset(big + 13, 'a', 50000);
	drive_all("huge status line", big, 50013, 0, 1, &r, &zero_result);
	CHECK(r.err == DBX_ERR_LIMIT, "huge status line: %d", r.err);

	/* a head of exactly HTTP_HEAD_MAX bytes fits; one byte more does not */
	for (k = 0; k < 2; k++) {
		size_t fixed = strlen("HTTP/1.1 200 OK\r\nX: \r\nContent-Length: 0\r\n\r\n");
		size_t vlen = HTTP_HEAD_MAX - fixed + k;

		n = (size_t)snprintf(big, sizeof big, "HTTP/1.1 200 OK\r\nX: ");
		memset(big + n, 'v', vlen);
		n += vlen;
		n += (size_t)snprintf(big + n, sizeof big - n, "\r\nContent-Length: 0\r\n\r\n");
		drive_all("head at the limit", big, n, 0, 0, &r, &zero_result);
		CHECK(r.err == (k ? DBX_ERR_LIMIT : DBX_OK), "head of %zu bytes: %d", n, r.err);
	}

	/* a long chunk-size line (extensions) and a big trailer section */
	n = (size_t)snprintf(big, sizeof big,
	                     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;a=");
	memset(big + n, 'x', HTTP_CHUNK_LINE_MAX);
	n += HTTP_CHUNK_LINE_MAX;
	n += (size_t)snprintf(big + n, sizeof big - n, "\r\nx\r\n0\r\n\r\n");
	drive_all("long chunk line", big, n, 0, 0, &r, &zero_result);
	CHECK(r.err == DBX_ERR_LIMIT && r.why && strstr(r.why, "chunk-size line"), "chunk line: %d",
	      r.err);
	n = (size_t)snprintf(big, sizeof big,
	                     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n");
	for (k = 0; k < HTTP_MAX_HEADERS + 1; k++)
		n += (size_t)snprintf(big + n, sizeof big - n, "T%zu: v\r\n", k);
	n += (size_t)snprintf(big + n, sizeof big - n, "\r\n");
	drive_all("many trailers", big, n, 0, 0, &r, &zero_result);
	CHECK(r.err == DBX_ERR_LIMIT && r.why && strstr(r.why, "trailer"), "many trailers: %d",
	      r.err);
	n = (size_t)snprintf(big, sizeof big,
	                     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: ");
	memset(big + n, 'v', HTTP_TRAILER_MAX);
	n += HTTP_TRAILER_MAX;
	n += (size_t)snprintf(big + n, sizeof big - n, "\r\n\r\n");
	drive_all("big trailer", big, n, 0, 0, &r, &zero_result);
	CHECK(r.err == DBX_ERR_LIMIT && r.why && strstr(r.why, "trailer"), "big trailer: %d",
	      r.err);
}

/* ---- truncation at every byte ----------------------------------------- */

static void truncate_everywhere(const char *name, const char *in, const char *body)
{
	size_t len = strlen(in), cut;
	struct result r;
	char label[64];

	for (cut = 0; cut <= len; cut++) {
		snprintf(label, sizeof label, "%s cut at %zu", name, cut);
		drive_all(label, in, cut, 0, 1, &r, &zero_result);
		if (cut < len) {
			CHECK(r.err == DBX_ERR_TRUNCATED && r.messages == 0, "%s: err %d", label,
			      r.err);
		} else {
			CHECK(r.err == DBX_OK && r.messages == 1, "%s: err %d", label, r.err);
		}
		/* what reached the caller is always a prefix of the body */
		CHECK(r.body_len <= strlen(body) && memcmp(r.body, body, r.body_len) == 0,
		      "%s: body not a prefix", label);
	}
}

static void test_truncation(void)
{
	truncate_everywhere("chunked",
	                    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	                    "5;x=\"y\"\r\nhello\r\n6\r\n world\r\n0\r\nT: v\r\n\r\n",
	                    "hello world");
	truncate_everywhere("content-length",
	                    "HTTP/1.1 100 Continue\r\n\r\n"
	                    "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world",
	                    "hello world");
}

/* ---- callbacks -------------------------------------------------------- */

static void test_callbacks(void)
{
	static const char in[] = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"
	                         "0123456789";
	struct result tmpl = zero_result, r;
	size_t used;

	tmpl.cancel_after = 4;
	drive_all("cancel in body", in, sizeof in - 1, 0, 1, &r, &tmpl);
	CHECK(r.err == DBX_ERR_CANCELLED && r.heads == 1, "body cancel: %d", r.err);
	CHECK(r.body_total >= 4 && r.body_total <= 10, "cancel: %llu bytes",
	      (unsigned long long)r.body_total);
	/* the parser stays dead and says so */
	CHECK(http_parse(&parser, "x", 1, &used, NULL) == DBX_ERR_CANCELLED && used == 0,
	      "dead parser");
	CHECK(http_finish(&parser) == DBX_ERR_CANCELLED, "dead finish");
	CHECK(!parser.keep_alive && !parser.done, "dead is not reusable");

	tmpl = zero_result;
	tmpl.cancel_head = 1;
	drive_all("cancel at head", in, sizeof in - 1, 0, 1, &r, &tmpl);
	CHECK(r.err == DBX_ERR_CANCELLED && r.body_total == 0, "head cancel: %d", r.err);
	CHECK(r.consumed == sizeof in - 1 - 10, "head cancel consumed %zu", r.consumed);

	/* a NULL sink drops the body but still frames it */
	http_reset(&parser, 0);
	CHECK(http_parse(&parser, in, sizeof in - 1, &used, NULL) == DBX_OK &&
	          used == sizeof in - 1 && parser.body_bytes == 10,
	      "NULL sink");
	/* empty input */
	http_reset(&parser, 0);
	CHECK(http_parse(&parser, NULL, 0, &used, NULL) == ERR_NEED_MORE && used == 0,
	      "empty input");
	CHECK(http_finish(&parser) == DBX_ERR_TRUNCATED && parser.received == 0,
	      "nothing received");
}

/* ---- the request writer ------------------------------------------------ */

static void test_writer(void)
{
	static char buf[1024];
	const char *why;
	size_t len, k;
	struct http_header fields[] = {
	    {"Authorization", 13, "Bearer dapi0123456789", 21},
	    {"Content-Type", 12, "application/json", 16},
	};
	struct http_request req = {0};
	int err;

	req.method = "POST";
	req.target = "/serving-endpoints/m/invocations";
	req.host = "adb-1.azuredatabricks.net";
	req.port = 443;
	req.accept = "text/event-stream";
	req.fields = fields;
	req.num_fields = 2;
	req.has_body = 1;
	req.body_len = 1234;
	err = http_write_request(&req, buf, sizeof buf, &len, &why);
	CHECK(err == DBX_OK, "POST: %d %s", err, why ? why : "");
	CHECK(strcmp(buf, "POST /serving-endpoints/m/invocations HTTP/1.1\r\n"
	                  "Host: adb-1.azuredatabricks.net\r\n"
	                  "User-Agent: dbxai/" DBX_VERSION "\r\n"
	                  "Accept: text/event-stream\r\n"
	                  "Authorization: Bearer dapi0123456789\r\n"
	                  "Content-Type: application/json\r\n"
	                  "Content-Length: 1234\r\n"
	                  "\r\n") == 0 &&
	          len == strlen(buf),
	      "POST head:\n%s", buf);

	/* the head round-trips through a tiny check: exactly one empty line */
	CHECK(strstr(buf, "\r\n\r\n") == buf + len - 4, "one end of head");

	/* defaults, non-default port, IPv6, Connection: close */
	memset(&req, 0, sizeof req);
	req.host = "::1";
	req.port = 8443;
	req.close = 1;
	err = http_write_request(&req, buf, sizeof buf, &len, &why);
	CHECK(err == DBX_OK && strcmp(buf, "GET / HTTP/1.1\r\nHost: [::1]:8443\r\n"
	                                   "User-Agent: dbxai/" DBX_VERSION "\r\n"
	                                   "Accept: */*\r\nConnection: close\r\n\r\n") == 0,
	      "GET head:\n%s", buf);
	req.host = "[fe80::1%25eth0]";
	req.port = 80;
	req.default_port = 80;
	req.close = 0;
	req.has_body = 1; /* an empty POST body still says so */
	req.method = "POST";
	err = http_write_request(&req, buf, sizeof buf, &len, &why);
	CHECK(err == DBX_OK && strstr(buf, "\r\nHost: [fe80::1%25eth0]\r\n") &&
	          strstr(buf, "\r\nContent-Length: 0\r\n"),
	      "IPv6 zone:\n%s", buf);

	/* the exact size: the NUL needs a byte too */
	memset(&req, 0, sizeof req);
	req.host = "h";
	err = http_write_request(&req, buf, sizeof buf, &len, &why);
	CHECK(err == DBX_OK, "small");
	for (k = 0; k <= len + 1; k++) {
		size_t l2;

		err = http_write_request(&req, buf, k, &l2, &why);
		CHECK(err == (k > len ? DBX_OK : DBX_ERR_LIMIT), "cap %zu: %d", k, err);
		if (err)
			CHECK(why && strstr(why, "fit") && (k == 0 || buf[0] == 0), "cap %zu: why",
			      k);
	}
}

struct bad_req {
	const char *name;
	const char *method, *target, *host;
	unsigned port;
	const char *fname;
	const char *fvalue;
	size_t fvalue_len; /* 0: strlen */
	const char *why;
};

static const struct bad_req bad_reqs[] = {
    {"CRLF in value", NULL, NULL, "h", 0, "X-A", "a\r\nHost: evil", 0, "CR, LF or NUL"},
    {"LF in value", NULL, NULL, "h", 0, "X-A", "a\nb", 0, "CR, LF or NUL"},
    {"CR in value", NULL, NULL, "h", 0, "X-A", "a\rb", 0, "CR, LF or NUL"},
    {"NUL in value", NULL, NULL, "h", 0, "X-A", "a\0b", 3, "CR, LF or NUL"},
    {"ESC in value", NULL, NULL, "h", 0, "X-A", "a\033b", 0, "control character"},
    {"CRLF in name", NULL, NULL, "h", 0, "X-A\r\nEvil", "v", 0, "header name"},
    {"space in name", NULL, NULL, "h", 0, "X A", "v", 0, "header name"},
    {"empty name", NULL, NULL, "h", 0, "", "v", 0, "header name"},
    {"Host field", NULL, NULL, "h", 0, "host", "evil", 0, "set by the writer"},
    {"CL field", NULL, NULL, "h", 0, "Content-Length", "5", 0, "set by the writer"},
    {"TE field", NULL, NULL, "h", 0, "Transfer-Encoding", "chunked", 0, "set by the writer"},
    {"CRLF in target", NULL, "/a\r\nX: y", "h", 0, NULL, NULL, 0, "request target"},
    {"space in target", NULL, "/a b", "h", 0, NULL, NULL, 0, "request target"},
    {"empty target", NULL, "", "h", 0, NULL, NULL, 0, "empty request target"},
    {"non-ASCII target", NULL, "/\xc3\xa9", "h", 0, NULL, NULL, 0, "request target"},
    {"bad method", "GE T", NULL, "h", 0, NULL, NULL, 0, "method"},
    {"CRLF method", "GET\r\n", NULL, "h", 0, NULL, NULL, 0, "method"},
    {"empty method", "", NULL, "h", 0, NULL, NULL, 0, "method"},
    {"no host", NULL, NULL, NULL, 0, NULL, NULL, 0, "no host"},
    {"empty host", NULL, NULL, "", 0, NULL, NULL, 0, "empty host"},
    {"CRLF in host", NULL, NULL, "h\r\nX: y", 0, NULL, NULL, 0, "host"},
    {"slash in host", NULL, NULL, "h/x", 0, NULL, NULL, 0, "host"},
    {"userinfo host", NULL, NULL, "u@h", 0, NULL, NULL, 0, "host"},
    {"bad port", NULL, NULL, "h", 70000, NULL, NULL, 0, "port"},
    {"half bracket", NULL, NULL, "[::1", 0, NULL, NULL, 0, "host"},
};

static void test_writer_rejects(void)
{
	static char buf[1024];
	size_t k, len;

	for (k = 0; k < sizeof bad_reqs / sizeof bad_reqs[0]; k++) {
		const struct bad_req *b = &bad_reqs[k];
		struct http_header f;
		struct http_request req = {0};
		const char *why = NULL;
		int err;

		req.method = b->method;
		req.target = b->target;
		req.host = b->host;
		req.port = b->port;
		if (b->fname) {
			f.name = b->fname;
			f.name_len = strlen(b->fname);
			f.value = b->fvalue;
			f.value_len = b->fvalue_len ? b->fvalue_len : strlen(b->fvalue);
			req.fields = &f;
			req.num_fields = 1;
		}
		memset(buf, 'x', sizeof buf);
		err = http_write_request(&req, buf, sizeof buf, &len, &why);
		CHECK(err == DBX_ERR_USAGE, "%s: err %d", b->name, err);
		CHECK(why && strstr(why, b->why), "%s: why '%s'", b->name, why ? why : "(null)");
		CHECK(len == 0 && buf[0] == 0, "%s: output left", b->name);
	}
	/* an Accept with CRLF is a header value too */
	{
		struct http_request req = {0};
		const char *why;

		req.host = "h";
		req.accept = "*/*\r\nX: y";
		CHECK(http_write_request(&req, buf, sizeof buf, &len, &why) == DBX_ERR_USAGE,
		      "Accept CRLF");
	}
}

/* ---- traces ----------------------------------------------------------- */

struct redact_case {
	const char *name;
	const char *in;
	const char *out;
	const char *secret; /* must not appear in any output */
};

static const struct redact_case redact_cases[] = {
    {"bearer", "POST / HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer dapiSECRET\r\n\r\n",
     "POST / HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer [redacted]\r\n\r\n", "SECRET"},
    {"basic lowercase", "authorization:basic dXNlcjpTRUNSRVQ=\r\n",
     "authorization: basic [redacted]\r\n", "dXNlcjpTRUNSRVQ"},
    {"no scheme", "Authorization: dapiSECRET\r\n", "Authorization: [redacted]\r\n", "SECRET"},
    {"token with space", "Authorization: SECRET more\r\n", "Authorization: [redacted]\r\n",
     "SECRET"},
    {"proxy", "Proxy-Authorization: Basic SECRET\r\n", "Proxy-Authorization: Basic [redacted]\r\n",
     "SECRET"},
    {"cookie", "Cookie: a=SECRET; b=c\r\n", "Cookie: [redacted]\r\n", "SECRET"},
    {"set-cookie", "Set-Cookie: sid=SECRET; HttpOnly\r\n", "Set-Cookie: [redacted]\r\n", "SECRET"},
    {"folded", "Authorization: Bearer\r\n SECRET\r\nX: y\r\n",
     "Authorization: [redacted]\r\n [redacted]\r\nX: y\r\n", "SECRET"},
    {"LF only, no end", "Authorization: Bearer SECRET\nX: y",
     "Authorization: Bearer [redacted]\nX: y", "SECRET"},
    {"others kept", "X-Authorization-Hint: ok\r\nAuthorizationX: ok\r\n",
     "X-Authorization-Hint: ok\r\nAuthorizationX: ok\r\n", NULL},
    {"control bytes", "X: a\033[2Jb\rc\r\n", "X: a?[2Jb?c\r\n", NULL},
};

static void test_redact(void)
{
	static char out[1024];
	size_t k, cap, len;

	for (k = 0; k < sizeof redact_cases / sizeof redact_cases[0]; k++) {
		const struct redact_case *c = &redact_cases[k];
		int err = http_redact(c->in, strlen(c->in), out, sizeof out, &len);

		CHECK(err == DBX_OK && strcmp(out, c->out) == 0 && len == strlen(out), "%s: '%s'",
		      c->name, out);
		/* any cut of the output is still free of the secret */
		for (cap = 0; cap <= strlen(c->out) + 1; cap++) {
			memset(out, 'Z', sizeof out);
			err = http_redact(c->in, strlen(c->in), out, cap, &len);
			CHECK(err == (cap > strlen(c->out) ? DBX_OK : DBX_ERR_LIMIT),
			      "%s cap %zu: err %d", c->name, cap, err);
			if (cap > 0)
				CHECK(memchr(out, 0, cap) != NULL && strlen(out) == len,
				      "%s cap %zu: not terminated", c->name, cap);
			if (cap > 0 && c->secret)
				CHECK(strstr(out, c->secret) == NULL, "%s cap %zu: secret shown",
				      c->name, cap);
		}
	}
}

static void test_render_head(void)
{
	static const char in[] = "HTTP/1.1 200 OK\r\nSet-Cookie: s=SECRET\r\n"
	                         "Content-Length: 0\r\nX-Ctl: a\377b\r\n\r\n";
	static char out[512];
	size_t used, len;

	http_reset(&parser, 0);
	CHECK(http_render_head(&parser, out, sizeof out, &len) == DBX_OK && len == 0 && out[0] == 0,
	      "nothing before the head");
	CHECK(http_parse(&parser, in, sizeof in - 1, &used, NULL) == DBX_OK, "parse");
	CHECK(http_render_head(&parser, out, sizeof out, &len) == DBX_OK &&
	          strcmp(out, "HTTP/1.1 200 OK\r\nSet-Cookie: [redacted]\r\n"
	                      "Content-Length: 0\r\nX-Ctl: a\377b\r\n\r\n") == 0,
	      "render: '%s'", out);
	CHECK(http_render_head(&parser, out, 10, &len) == DBX_ERR_LIMIT && strlen(out) == len &&
	          len < 10,
	      "render cut");
}

/* A full round: the writer's head parsed back by nobody but checked for
 * injection-free shape, and a request/response pair over one "connection". */
static void test_keepalive_reuse(void)
{
	static const char wire[] =
	    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nabHTTP/1.1 200 OK\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n1\r\nc\r\n0\r\n\r\nHTTP/1.1 200 OK\r\n"
	    "Connection: close\r\nContent-Length: 1\r\n\r\nd";
	struct result r;

	drive_all("reuse", wire, sizeof wire - 1, 0, 1, &r, &zero_result);
	CHECK(r.err == DBX_OK && r.messages == 3, "reuse: %d %d", r.err, r.messages);
	CHECK(r.keep[0] && r.keep[1] && !r.keep[2], "keep-alive verdicts");
	CHECK(r.framing[0] == HTTP_BODY_LENGTH && r.framing[1] == HTTP_BODY_CHUNKED, "framings");
	CHECK(r.body_len == 4 && memcmp(r.body, "abcd", 4) == 0, "bodies");
	CHECK(r.consumed == sizeof wire - 1 && r.excess == 0, "consumed");
}

int main(void)
{
	RUN(test_conformance);
	RUN(test_responses);
	RUN(test_head_views);
	RUN(test_interim);
	RUN(test_limits);
	RUN(test_truncation);
	RUN(test_callbacks);
	RUN(test_writer);
	RUN(test_writer_rejects);
	RUN(test_redact);
	RUN(test_render_head);
	RUN(test_keepalive_reuse);
	return harness_done("http");
}
