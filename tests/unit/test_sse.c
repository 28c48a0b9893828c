/*
 * test_sse.c - the SSE parser against the web-platform-tests cases in
 * tests/data/sse and a table of our own, each fed whole, one byte at a time, in
 * given or pseudo-random chunks, with a callback that stops after every event
 * (and a resume), and split in two (and three, for short inputs) at every
 * position. Every piece is copied to end right before a PROT_NONE page, so an
 * over-read of any feed crashes.
 */
#include <dirent.h>
#include <stdint.h>

#include "dbxai.h"
#include "harness.h"
#include "sse.h"

/* One parser for all runs: it holds 64 KiB, too much for a test's stack frame. */
static struct sse_parser parser;

/* Events are recorded as length-prefixed records so that any two logs compare
 * with memcmp and data holding NUL, '|' or LF is unambiguous. */
struct log {
	unsigned char buf[1 << 19];
	size_t len;
	int overflow;
	int bad;  /* events breaking the struct sse_event invariants */
	int stop; /* the callback asks to stop after every event */
	unsigned long events;
};

static struct log got_log, want_log;

static void log_put(struct log *lg, const void *s, size_t n)
{
	if (n > sizeof lg->buf - lg->len) {
		lg->overflow = 1;
		return;
	}
	memcpy(lg->buf + lg->len, s, n);
	lg->len += n;
}

static void log_field(struct log *lg, const char *s, size_t n)
{
	char head[32];
	int k = snprintf(head, sizeof head, "%zu:", n);

	log_put(lg, head, (size_t)k);
	log_put(lg, s, n);
}

static void log_event(struct log *lg, int oversize, const char *type, size_t type_len,
                      const char *data, size_t data_len, const char *id, size_t id_len)
{
	log_put(lg, oversize ? "O" : "E", 1);
	log_field(lg, type, type_len);
	log_field(lg, oversize ? "" : data, oversize ? 0 : data_len);
	log_field(lg, id, id_len);
	lg->events++;
}

static void log_clear(struct log *lg)
{
	lg->len = 0;
	lg->overflow = 0;
	lg->bad = 0;
	lg->events = 0;
}

static int on_event(void *ctx, const struct sse_event *ev)
{
	struct log *lg = ctx;

	if (!ev->type || !ev->id || ev->id[ev->id_len] != 0 || strlen(ev->id) != ev->id_len)
		lg->bad++;
	if (ev->oversize && (ev->data || ev->data_len))
		lg->bad++;
	if (!ev->oversize && (!ev->data || ev->data_len != ev->data_size || ev->type_len == 0))
		lg->bad++;
	log_event(lg, ev->oversize, ev->type, ev->type_len, ev->data, ev->data_len, ev->id,
	          ev->id_len);
	return lg->stop ? DBX_ERR_CANCELLED : 0;
}

/* What one run of the parser gave besides the events. */
struct outcome {
	int feed_err; /* first unexpected sse_feed result */
	int finish;   /* sse_finish result */
	unsigned long retry_count;
	unsigned long retry_ms;
	unsigned long retry_seq[8]; /* exact only when fed one byte at a time */
	size_t nretry;
};

/* Feeds in[0..len) in pieces of sizes[] (their sum is len) into a parser with
 * a cap-byte buffer. Each piece is copied to end at the guard page first. */
static void feed_pieces(const unsigned char *in, size_t len, size_t cap, const size_t *sizes,
                        size_t nsizes, int stop, struct outcome *out)
{
	struct harness_guarded g = harness_guard(in, len);
	unsigned char *end = (unsigned char *)g.data + len;
	size_t off = 0, k, used, prev_retry;
	int rc;

	memset(out, 0, sizeof *out);
	log_clear(&got_log);
	got_log.stop = stop;
	sse_init(&parser, NULL, cap);
	for (k = 0; k < nsizes; k++) {
		unsigned char *piece = end - sizes[k];
		size_t left = sizes[k];

		memcpy(piece, in + off, sizes[k]);
		off += sizes[k];
		while (left > 0) {
			prev_retry = parser.retry_count;
			rc = sse_feed(&parser, piece, left, on_event, &got_log, &used);
			if (parser.retry_count != prev_retry &&
			    out->nretry < sizeof out->retry_seq / sizeof out->retry_seq[0])
				out->retry_seq[out->nretry++] = parser.retry_ms;
			if (rc == DBX_ERR_CANCELLED && stop && used <= left) {
				piece += used;
				left -= used;
				continue;
			}
			if (rc != DBX_OK || used != left)
				out->feed_err = rc ? rc : -1;
			break;
		}
		if (out->feed_err)
			break;
	}
	out->finish = sse_finish(&parser);
	out->retry_count = parser.retry_count;
	out->retry_ms = parser.retry_ms;
	harness_unguard(&g);
}

/* Prints a log readably for a failure message. */
static void show_log(const char *what, const struct log *lg)
{
	size_t k, n = lg->len < 400 ? lg->len : 400;

	fprintf(stderr, "    %s (%lu events): ", what, lg->events);
	for (k = 0; k < n; k++) {
		unsigned char c = lg->buf[k];
		if (c >= 0x20 && c < 0x7f && c != '\\')
			fputc(c, stderr);
		else
			fprintf(stderr, "\\x%02x", c);
	}
	fprintf(stderr, "%s\n", n < lg->len ? "..." : "");
}

/* What a case expects. */
struct want {
	unsigned long retry[8];
	size_t nretry;
	int finish; /* -1: whatever the first run gives, the same in every run */
};

/* One run compared with want_log and w; returns 1 when all matched. */
static int run_and_compare(const char *name, const char *mode, const unsigned char *in, size_t len,
                           size_t cap, const size_t *sizes, size_t nsizes, int stop, struct want *w,
                           int exact_retry)
{
	struct outcome o;
	int ok;

	feed_pieces(in, len, cap, sizes, nsizes, stop, &o);
	if (w->finish == -1)
		w->finish = o.finish;
	ok = !o.feed_err && !got_log.overflow && !got_log.bad && got_log.len == want_log.len &&
	     memcmp(got_log.buf, want_log.buf, want_log.len) == 0 && o.finish == w->finish &&
	     o.retry_count == w->nretry &&
	     (w->nretry == 0 || o.retry_ms == w->retry[w->nretry - 1]);
	if (ok && exact_retry)
		ok = o.nretry == w->nretry &&
		     memcmp(o.retry_seq, w->retry, w->nretry * sizeof w->retry[0]) == 0;
	if (!ok) {
		fprintf(stderr, "  %s [%s]: feed %d, finish %d (want %d), retry %lu/%lu, bad %d\n",
		        name, mode, o.feed_err, o.finish, w->finish, o.retry_count, o.retry_ms,
		        got_log.bad);
		show_log("got ", &got_log);
		show_log("want", &want_log);
	}
	return ok;
}

static uint32_t rng_state;

static uint32_t rng(void)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return rng_state >> 8;
}

/* Feeds one case in every mode; returns the number of modes that failed and
 * counts the feedings done. */
static int run_case(const char *name, const unsigned char *in, size_t len, size_t cap,
                    const size_t *chunks, size_t nchunks, struct want *w, unsigned long *feedings)
{
	static size_t sizes[1 << 16];
	size_t n, k, i, j, sum;
	int fails = 0;

	/* whole */
	sizes[0] = len;
	fails += !run_and_compare(name, "whole", in, len, cap, sizes, 1, 0, w, 0);
	/* one byte at a time */
	n = len < sizeof sizes / sizeof sizes[0] ? len : 0;
	for (k = 0; k < n; k++)
		sizes[k] = 1;
	if (n == len)
		fails += !run_and_compare(name, "bytes", in, len, cap, sizes, n, 0, w, 1);
	/* the given chunks, else pseudo-random ones */
	if (chunks) {
		fails += !run_and_compare(name, "chunks", in, len, cap, chunks, nchunks, 0, w, 0);
	} else {
		rng_state = (uint32_t)len * 2654435761u + 1;
		for (n = 0, sum = 0; sum < len; n++) {
			sizes[n] = 1 + rng() % 17;
			if (sizes[n] > len - sum)
				sizes[n] = len - sum;
			sum += sizes[n];
		}
		fails += !run_and_compare(name, "random", in, len, cap, sizes, n, 0, w, 0);
	}
	/* whole, stopping after every event and resuming */
	sizes[0] = len;
	fails += !run_and_compare(name, "stop", in, len, cap, sizes, 1, 1, w, 0);
	*feedings += 4;
	/* split in two at every position */
	for (i = 1; i < len; i++) {
		sizes[0] = i;
		sizes[1] = len - i;
		fails += !run_and_compare(name, "split2", in, len, cap, sizes, 2, 0, w, 0);
		(*feedings)++;
		if (fails > 4)
			break;
	}
	/* and in three, for short inputs */
	for (i = 1; len <= 96 && i < len && fails <= 4; i++) {
		for (j = i + 1; j < len && fails <= 4; j++) {
			sizes[0] = i;
			sizes[1] = j - i;
			sizes[2] = len - j;
			fails += !run_and_compare(name, "split3", in, len, cap, sizes, 3, 0, w, 0);
			(*feedings)++;
		}
	}
	return fails;
}

/* ---- tests/data/sse: a reader for the fixed shape of NAME.expect.json ---- */

struct jr {
	const char *s;
	size_t i, n;
	int bad;
};

static void jr_ws(struct jr *r)
{
	while (r->i < r->n && strchr(" \t\r\n", r->s[r->i]) && r->s[r->i])
		r->i++;
}

/* Consumes lit (after white space) when it comes next. */
static int jr_lit(struct jr *r, const char *lit)
{
	size_t n = strlen(lit);

	jr_ws(r);
	if (r->n - r->i >= n && memcmp(r->s + r->i, lit, n) == 0) {
		r->i += n;
		return 1;
	}
	return 0;
}

static void jr_expect(struct jr *r, const char *lit)
{
	if (!jr_lit(r, lit))
		r->bad = 1;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static unsigned long jr_hex4(struct jr *r)
{
	unsigned long v = 0;
	int k, h;

	for (k = 0; k < 4; k++) {
		h = r->i < r->n ? hexval(r->s[r->i]) : -1;
		if (h < 0) {
			r->bad = 1;
			return 0;
		}
		v = v * 16 + (unsigned long)h;
		r->i++;
	}
	return v;
}

static void put_utf8(char *out, size_t cap, size_t *len, unsigned long cp)
{
	unsigned char b[4];
	size_t n, k;

	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (unsigned char)(0xC0 | cp >> 6);
		b[1] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (unsigned char)(0xE0 | cp >> 12);
		b[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
		b[2] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		b[0] = (unsigned char)(0xF0 | cp >> 18);
		b[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
		b[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
		b[3] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	for (k = 0; k < n && *len < cap; k++)
		out[(*len)++] = (char)b[k];
}

/* A JSON string (escapes decoded, \u pairs to UTF-8) or null (*len = 0). */
static void jr_string(struct jr *r, char *out, size_t cap, size_t *len)
{
	unsigned long cp, lo;
	char c;

	*len = 0;
	if (jr_lit(r, "null"))
		return;
	jr_expect(r, "\"");
	while (!r->bad && r->i < r->n && r->s[r->i] != '"') {
		c = r->s[r->i++];
		if (c != '\\') {
			if (*len < cap)
				out[(*len)++] = c;
			continue;
		}
		c = r->i < r->n ? r->s[r->i++] : 0;
		switch (c) {
		case 'n':
			c = '\n';
			break;
		case 'r':
			c = '\r';
			break;
		case 't':
			c = '\t';
			break;
		case 'b':
			c = '\b';
			break;
		case 'f':
			c = '\f';
			break;
		case '"':
		case '\\':
		case '/':
			break;
		case 'u':
			cp = jr_hex4(r);
			if (cp >= 0xD800 && cp < 0xDC00 && jr_lit(r, "\\u")) {
				lo = jr_hex4(r);
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			}
			put_utf8(out, cap, len, cp);
			continue;
		default:
			r->bad = 1;
			break;
		}
		if (*len < cap)
			out[(*len)++] = c;
	}
	if (*len >= cap)
		r->bad = 1;
	jr_expect(r, "\"");
}

static unsigned long jr_uint(struct jr *r)
{
	unsigned long v = 0;
	int digits = 0;

	jr_ws(r);
	while (r->i < r->n && r->s[r->i] >= '0' && r->s[r->i] <= '9') {
		v = v * 10 + (unsigned long)(r->s[r->i++] - '0');
		digits++;
	}
	if (!digits)
		r->bad = 1;
	return v;
}

/* Reads a JSON array of unsigned integers into v[]; null gives -1. */
static long jr_uints(struct jr *r, unsigned long *v, size_t cap)
{
	size_t n = 0;

	if (jr_lit(r, "null"))
		return -1;
	jr_expect(r, "[");
	if (jr_lit(r, "]"))
		return 0;
	do {
		unsigned long x = jr_uint(r);
		if (n < cap)
			v[n++] = x;
		else
			r->bad = 1;
	} while (!r->bad && jr_lit(r, ","));
	jr_expect(r, "]");
	return (long)n;
}

static char type_buf[4096], data_buf[1 << 17], id_buf[4096];
static unsigned long chunk_vals[1 << 14];
static size_t chunk_sizes[1 << 14];

/* Fills want_log and w from an expect.json text; returns 0 when it is not of
 * the expected shape. *nchunks is -1 when chunks is null. */
static int read_expect(const char *text, size_t n, struct want *w, long *nchunks)
{
	struct jr r = {text, 0, n, 0};
	char key[32];
	size_t klen, tl, dl, il;
	long nr;

	memset(w, 0, sizeof *w);
	w->finish = -1;
	log_clear(&want_log);
	*nchunks = -1;
	jr_expect(&r, "{");
	do {
		jr_string(&r, key, sizeof key - 1, &klen);
		key[klen] = 0;
		jr_expect(&r, ":");
		if (strcmp(key, "events") == 0) {
			jr_expect(&r, "[");
			if (jr_lit(&r, "]"))
				continue;
			do {
				tl = dl = il = 0;
				jr_expect(&r, "{");
				do {
					jr_string(&r, key, sizeof key - 1, &klen);
					key[klen] = 0;
					jr_expect(&r, ":");
					if (strcmp(key, "type") == 0)
						jr_string(&r, type_buf, sizeof type_buf, &tl);
					else if (strcmp(key, "data") == 0)
						jr_string(&r, data_buf, sizeof data_buf, &dl);
					else if (strcmp(key, "id") == 0)
						jr_string(&r, id_buf, sizeof id_buf, &il);
					else
						r.bad = 1;
				} while (!r.bad && jr_lit(&r, ","));
				jr_expect(&r, "}");
				log_event(&want_log, 0, type_buf, tl, data_buf, dl, id_buf, il);
			} while (!r.bad && jr_lit(&r, ","));
			jr_expect(&r, "]");
		} else if (strcmp(key, "retry") == 0) {
			nr = jr_uints(&r, w->retry, sizeof w->retry / sizeof w->retry[0]);
			w->nretry = nr > 0 ? (size_t)nr : 0;
		} else if (strcmp(key, "chunks") == 0) {
			*nchunks =
			    jr_uints(&r, chunk_vals, sizeof chunk_vals / sizeof chunk_vals[0]);
		} else {
			r.bad = 1;
		}
	} while (!r.bad && jr_lit(&r, ","));
	jr_expect(&r, "}");
	jr_ws(&r);
	return !r.bad && r.i == r.n;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_conformance(void)
{
	static char names[128][256];
	char *order[128];
	char rel[300];
	size_t ncase = 0, k, in_len = 0, ex_len = 0, sum;
	long nchunks, c;
	unsigned long feedings = 0;
	int passed = 0, fails;
	struct dirent *de;
	struct want w;
	DIR *d = opendir(harness_data("sse"));

	CHECK(d != NULL, "cannot open %s", harness_data("sse"));
	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		if (n > 6 && n < 200 && strcmp(de->d_name + n - 6, ".input") == 0 && ncase < 128) {
			memcpy(names[ncase], de->d_name, n - 6);
			names[ncase][n - 6] = 0;
			order[ncase] = names[ncase];
			ncase++;
		}
	}
	closedir(d);
	qsort(order, ncase, sizeof order[0], cmp_names);
	CHECK(ncase > 0, "no cases in tests/data/sse");
	for (k = 0; k < ncase; k++) {
		char *in, *ex;

		snprintf(rel, sizeof rel, "sse/%s.input", order[k]);
		in = harness_read(harness_data(rel), &in_len);
		snprintf(rel, sizeof rel, "sse/%s.expect.json", order[k]);
		ex = harness_read(harness_data(rel), &ex_len);
		CHECK(in && ex, "%s: cannot read input or expectation", order[k]);
		if (!in || !ex) {
			free(in);
			free(ex);
			continue;
		}
		if (!read_expect(ex, ex_len, &w, &nchunks)) {
			CHECK(0, "%s: cannot read %s", order[k], rel);
			free(in);
			free(ex);
			continue;
		}
		for (c = 0, sum = 0; c < nchunks; c++) {
			chunk_sizes[c] = chunk_vals[c];
			sum += chunk_vals[c];
		}
		CHECK(nchunks < 0 || sum == in_len, "%s: chunks sum to %zu, not %zu", order[k], sum,
		      in_len);
		fails = run_case(order[k], (const unsigned char *)in, in_len, 0,
		                 nchunks >= 0 && sum == in_len ? chunk_sizes : NULL,
		                 nchunks >= 0 ? (size_t)nchunks : 0, &w, &feedings);
		CHECK(fails == 0, "%s: %d feedings differ", order[k], fails);
		passed += fails == 0;
		free(in);
		free(ex);
	}
	printf("sse conformance: %d/%zu cases x 4 feedings (whole, bytes, chunks, "
	       "stop+resume) + every 2- and 3-way split: %lu runs\n",
	       passed, ncase, feedings);
}

/* ---- our own cases ---- */

/* Expected events as "[!]type|data|id;" records ('!' marks an oversize event,
 * whose data is left empty); the text is counted, so it may hold NUL. */
static void want_from_text(const char *t, size_t n)
{
	const char *f[3];
	size_t fl[3], i = 0, k;
	int over;

	log_clear(&want_log);
	while (i < n) {
		over = t[i] == '!';
		i += (size_t)over;
		for (k = 0; k < 3; k++) {
			f[k] = t + i;
			while (i < n && t[i] != (k < 2 ? '|' : ';'))
				i++;
			fl[k] = (size_t)(t + i - f[k]);
			i++;
		}
		log_event(&want_log, over, f[0], fl[0], f[1], fl[1], f[2], fl[2]);
	}
}

#define TXT(x) x, sizeof(x) - 1

struct tcase {
	const char *name;
	const char *in;
	size_t in_len;
	const char *want;
	size_t want_len;
	size_t cap;
	unsigned long retry_count;
	unsigned long retry_last;
	int finish;
	unsigned long retry_first; /* for the cases with two */
};

static const struct tcase cases[] = {
    {"lf", TXT("data: a\n\n"), TXT("message|a|;"), 0, 0, 0, 0, 0},
    {"crlf", TXT("data: a\r\n\r\n"), TXT("message|a|;"), 0, 0, 0, 0, 0},
    {"cr", TXT("data: a\r\r"), TXT("message|a|;"), 0, 0, 0, 0, 0},
    {"mixed line ends", TXT("data:a\rdata:b\r\ndata:c\n\r\ndata:d\r\rdata:e\n\n"),
     TXT("message|a\nb\nc|;message|d|;message|e|;"), 0, 0, 0, 0, 0},
    {"cr then crlf", TXT("data:x\r\r\ndata:y\n\n"), TXT("message|x|;message|y|;"), 0, 0, 0, 0, 0},
    {"lf then cr", TXT("data:x\n\rdata:y\n\n"), TXT("message|x|;message|y|;"), 0, 0, 0, 0, 0},
    {"bom",
     TXT("\xEF\xBB\xBF"
         "data:1\n\n"),
     TXT("message|1|;"), 0, 0, 0, 0, 0},
    {"bom only once",
     TXT("\xEF\xBB\xBF\xEF\xBB\xBF"
         "data:1\n\ndata:2\n\n"),
     TXT("message|2|;"), 0, 0, 0, 0, 0},
    {"partial bom",
     TXT("\xEF\xBB"
         "data:1\n\ndata:2\n\n"),
     TXT("message|2|;"), 0, 0, 0, 0, 0},
    {"partial bom line", TXT("\xEF\n\ndata:2\n\n"), TXT("message|2|;"), 0, 0, 0, 0, 0},
    {"bom after start",
     TXT("data:1\n\n\xEF\xBB\xBF"
         "data:2\n\n"),
     TXT("message|1|;"), 0, 0, 0, 0, 0},
    {"bom alone", TXT("\xEF\xBB\xBF"), TXT(""), 0, 0, 0, 0, 0},
    {"partial bom alone", TXT("\xEF\xBB"), TXT(""), 0, 0, 0, DBX_ERR_TRUNCATED, 0},
    {"empty", TXT(""), TXT(""), 0, 0, 0, 0, 0},
    {"blank lines only", TXT("\n\r\n\r\n"), TXT(""), 0, 0, 0, 0, 0},
    {"comments", TXT(":hello\ndata:1\n: x\n:\n\n:bye\n"), TXT("message|1|;"), 0, 0, 0, 0, 0},
    {"data space", TXT("data:x\n\ndata: x\n\ndata:  x\n\ndata: \n\ndata:\n\ndata\n\n"),
     TXT("message|x|;message|x|;message| x|;message||;message||;message||;"), 0, 0, 0, 0, 0},
    {"colon in value", TXT("data: a:b\n\n"), TXT("message|a:b|;"), 0, 0, 0, 0, 0},
    {"nul in data", TXT("data:\0a\n\n"), TXT("message|\0a|;"), 0, 0, 0, 0, 0},
    {"done sentinel", TXT("data: {\"a\":1}\n\ndata: [DONE]\n\n"),
     TXT("message|{\"a\":1}|;message|[DONE]|;"), 0, 0, 0, 0, 0},
    {"event type", TXT("event: foo\ndata:x\n\ndata:y\n\n"), TXT("foo|x|;message|y|;"), 0, 0, 0, 0,
     0},
    {"event empty", TXT("event:\ndata:x\n\nevent\ndata:y\n\n"), TXT("message|x|;message|y|;"), 0, 0,
     0, 0, 0},
    {"event without data", TXT("event: foo\n\ndata:y\n\n"), TXT("message|y|;"), 0, 0, 0, 0, 0},
    {"last event wins", TXT("event: a\nevent: b\ndata:x\n\n"), TXT("b|x|;"), 0, 0, 0, 0, 0},
    {"event after data", TXT("data:x\nevent: late\n\n"), TXT("late|x|;"), 0, 0, 0, 0, 0},
    {"responses api",
     TXT("event: response.output_text.delta\ndata: {\"delta\":\"Hi\"}\n\n"
         "event: response.completed\ndata: {}\n\n"),
     TXT("response.output_text.delta|{\"delta\":\"Hi\"}|;response.completed|{}|;"), 0, 0, 0, 0, 0},
    {"id persists", TXT("id: 7\ndata:a\n\ndata:b\n\n"), TXT("message|a|7;message|b|7;"), 0, 0, 0, 0,
     0},
    {"id with nul", TXT("id: 1\ndata:a\n\nid: 2\0x\ndata:b\n\n"), TXT("message|a|1;message|b|1;"),
     0, 0, 0, 0, 0},
    {"id empty", TXT("id: 1\ndata:a\n\nid\ndata:b\n\nid: 2\ndata:c\n\nid:\ndata:d\n\n"),
     TXT("message|a|1;message|b|;message|c|2;message|d|;"), 0, 0, 0, 0, 0},
    {"id without event", TXT("id: 3\n\ndata:c\n\n"), TXT("message|c|3;"), 0, 0, 0, 0, 0},
    {"id keeps spaces", TXT("id:  x \ndata:a\n\n"), TXT("message|a| x ;"), 0, 0, 0, 0, 0},
    {"retry", TXT("retry: 1000\ndata:a\n\n"), TXT("message|a|;"), 0, 1, 1000, 0, 0},
    {"retry not digits",
     TXT("retry:10a\nretry: -1\nretry:\nretry\nretry: 1 \nretry:+5\nretry:  5\n"
         "retry:99999999999999999999999\ndata:a\n\n"),
     TXT("message|a|;"), 0, 0, 0, 0, 0},
    {"retry twice", TXT("retry:5\nretry:007\n"), TXT(""), 0, 2, 7, 0, 5},
    {"unknown fields",
     TXT("foo: bar\nDATA: no\ndatax: no\ndataxxxxxxxxxxxx: no\nfoo\ndat\n"
         "data:x\n\n"),
     TXT("message|x|;"), 0, 0, 0, 0, 0},
    {"unfinished event", TXT("data:x\n\ndata:y\n"), TXT("message|x|;"), 0, 0, 0, DBX_ERR_TRUNCATED,
     0},
    {"unfinished line", TXT("data:x\n\ndata:y"), TXT("message|x|;"), 0, 0, 0, DBX_ERR_TRUNCATED, 0},
    {"unfinished line cr", TXT("data:x\r\rdata:y\r"), TXT("message|x|;"), 0, 0, 0,
     DBX_ERR_TRUNCATED, 0},
    /* small buffers: oversize events and lines longer than the buffer */
    {"oversize line", TXT("event: big\ndata: 0123456789\ndata: more\n\ndata: small\n\n"),
     TXT("!big||;message|small|;"), 8, 0, 0, 0, 0},
    {"oversize joined", TXT("data:1234\ndata:5678\n\ndata:ok\n\n"), TXT("!message||;message|ok|;"),
     8, 0, 0, 0, 0},
    {"fits exactly", TXT("data:1234\ndata:567\n\ndata:12345678\n\n"),
     TXT("message|1234\n567|;message|12345678|;"), 8, 0, 0, 0, 0},
    {"oversize name after data",
     TXT("data: 0123456789\nevent: response.completed\nid: 9\n\ndata:ok\n\n"),
     TXT("!response.completed||9;message|ok|9;"), 8, 0, 0, 0, 0},
    {"oversize by empty lines", TXT("data\ndata\ndata\ndata\n\ndata\ndata\ndata\n\n"),
     TXT("!message||;message|\n\n|;"), 2, 0, 0, 0, 0},
    {"comment longer than buffer", TXT(":xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\ndata:ok\n\n"),
     TXT("message|ok|;"), 4, 0, 0, 0, 0},
    {"unknown longer than buffer", TXT("foo: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\ndata:ok\n\n"),
     TXT("message|ok|;"), 4, 0, 0, 0, 0},
    {"name and id longer than buffer",
     TXT("event: a-long-event-name\nid: a-long-identifier\ndata:ok\n\n"),
     TXT("a-long-event-name|ok|a-long-identifier;"), 2, 0, 0, 0, 0},
    {"oversize without blank line", TXT("data: 0123456789\n"), TXT(""), 4, 0, 0, DBX_ERR_TRUNCATED,
     0},
    {"one byte buffer", TXT("data:x\n\ndata:xy\n\ndata\n\n"),
     TXT("message|x|;!message||;message||;"), 1, 0, 0, 0, 0},
};

static void test_table(void)
{
	size_t k;
	int passed = 0, fails;
	unsigned long feedings = 0;
	struct want w;

	for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		const struct tcase *t = &cases[k];

		memset(&w, 0, sizeof w);
		w.nretry = t->retry_count;
		if (t->retry_count) {
			w.retry[t->retry_count - 1] = t->retry_last;
		}
		if (t->retry_count == 2)
			w.retry[0] = t->retry_first;
		w.finish = t->finish;
		want_from_text(t->want, t->want_len);
		fails = run_case(t->name, (const unsigned char *)t->in, t->in_len, t->cap, NULL, 0,
		                 &w, &feedings);
		CHECK(fails == 0, "%s: %d feedings differ", t->name, fails);
		passed += fails == 0;
	}
	printf("sse cases: %d/%zu cases, %lu runs\n", passed, sizeof cases / sizeof cases[0],
	       feedings);
}

/* Built at run time: inputs too long to write out. */
static unsigned char big_in[300000];

static size_t big_put(size_t at, const char *s, size_t n)
{
	if (n <= sizeof big_in - at) {
		memcpy(big_in + at, s, n);
		at += n;
	}
	return at;
}

static size_t big_fill(size_t at, char c, size_t n)
{
	if (n <= sizeof big_in - at) {
		memset(big_in + at, c, n);
		at += n;
	}
	return at;
}

static void test_generated(void)
{
	static char want[300000];
	struct want w;
	unsigned long feedings = 0;
	size_t n, wn;
	int fails;

	memset(&w, 0, sizeof w);

	/* the default buffer holds exactly SSE_BUF_SIZE bytes of data */
	n = big_put(0, TXT("data:"));
	n = big_fill(n, 'a', SSE_BUF_SIZE);
	n = big_put(n, TXT("\n\ndata:"));
	n = big_fill(n, 'b', SSE_BUF_SIZE + 1);
	n = big_put(n, TXT("\nevent: response.completed\n\ndata: [DONE]\n\n"));
	wn = 0;
	memcpy(want, "message|", 8);
	wn = 8;
	memset(want + wn, 'a', SSE_BUF_SIZE);
	wn += SSE_BUF_SIZE;
	memcpy(want + wn, TXT("|;!response.completed||;message|[DONE]|;"));
	wn += sizeof("|;!response.completed||;message|[DONE]|;") - 1;
	want_from_text(want, wn);
	{
		size_t one = n;
		CHECK(run_and_compare("default buffer", "whole", big_in, n, 0, &one, 1, 0, &w, 0),
		      "default buffer: whole");
		CHECK(run_and_compare("default buffer", "stop", big_in, n, 0, &one, 1, 1, &w, 0),
		      "default buffer: stop");
	}

	/* an event name longer than SSE_TYPE_MAX and an id longer than
	 * SSE_ID_MAX: the name makes the event oversize, the id is ignored */
	n = big_put(0, TXT("id: 1\nevent: "));
	n = big_fill(n, 'e', SSE_TYPE_MAX + 1);
	n = big_put(n, TXT("\ndata:x\n\nid: "));
	n = big_fill(n, 'i', SSE_ID_MAX + 1);
	n = big_put(n, TXT("\ndata:y\n\nevent: "));
	n = big_fill(n, 'e', SSE_TYPE_MAX);
	n = big_put(n, TXT("\nid: "));
	n = big_fill(n, 'i', SSE_ID_MAX);
	n = big_put(n, TXT("\ndata:z\n\n"));
	wn = 0;
	memcpy(want, TXT("!||1;message|y|1;"));
	wn = sizeof("!||1;message|y|1;") - 1;
	memset(want + wn, 'e', SSE_TYPE_MAX);
	wn += SSE_TYPE_MAX;
	memcpy(want + wn, "|z|", 3);
	wn += 3;
	memset(want + wn, 'i', SSE_ID_MAX);
	wn += SSE_ID_MAX;
	want[wn++] = ';';
	want_from_text(want, wn);
	fails = run_case("long name and id", big_in, n, 0, NULL, 0, &w, &feedings);
	CHECK(fails == 0, "long name and id: %d feedings differ", fails);

	/* a data line of 200 KB through a 16-byte buffer, and a comment line as
	 * long: neither is an error */
	n = big_put(0, TXT("data:"));
	n = big_fill(n, 'd', 200000);
	n = big_put(n, TXT("\n\n:"));
	n = big_fill(n, 'c', 90000);
	n = big_put(n, TXT("\r\ndata:ok\r\n\r\n"));
	want_from_text(TXT("!message||;message|ok|;"));
	{
		size_t one = n;
		CHECK(run_and_compare("long lines", "whole", big_in, n, 16, &one, 1, 0, &w, 0),
		      "long lines: whole");
	}
	printf("sse generated: %lu runs + 3\n", feedings);
}

/* ---- API details ---- */

struct stop_ctx {
	int calls;
	size_t data_size;
	int oversize;
};

static int on_stop(void *ctx, const struct sse_event *ev)
{
	struct stop_ctx *c = ctx;

	c->calls++;
	c->data_size = ev->data_size;
	c->oversize = ev->oversize;
	return DBX_ERR_CANCELLED;
}

static int on_count(void *ctx, const struct sse_event *ev)
{
	(void)ev;
	++*(int *)ctx;
	return 0;
}

static int on_where(void *ctx, const struct sse_event *ev)
{
	*(const char **)ctx = ev->data;
	return 0;
}

static size_t big_put_to(unsigned char *b, size_t at, const char *s)
{
	memcpy(b + at, s, strlen(s));
	return strlen(s);
}

static void test_api(void)
{
	static struct sse_parser zero; /* zero-filled: ready as it is */
	unsigned char ext[4];
	struct stop_ctx sc = {0, 0, 0};
	const char *in = "data: 1\r\n\r\ndata: 2\n\n";
	size_t used = 99, len = strlen(in);
	int n = 0;

	CHECK(sse_init(NULL, NULL, 0) == DBX_ERR_USAGE, "init NULL");
	CHECK(sse_init(&parser, NULL, SSE_BUF_SIZE + 1) == DBX_ERR_USAGE,
	      "init: more than the own buffer");
	CHECK(sse_init(&parser, ext, 0) == DBX_ERR_USAGE, "init: empty buffer");
	CHECK(sse_init(&parser, NULL, 0) == DBX_OK, "init default");
	CHECK(sse_feed(NULL, in, len, on_count, &n, &used) == DBX_ERR_USAGE && used == 0,
	      "feed NULL parser");
	CHECK(sse_feed(&parser, NULL, 1, on_count, &n, NULL) == DBX_ERR_USAGE, "feed NULL buf");
	CHECK(sse_feed(&parser, in, len, NULL, NULL, NULL) == DBX_ERR_USAGE, "feed NULL callback");
	CHECK(sse_feed(&parser, NULL, 0, on_count, &n, &used) == DBX_OK && used == 0,
	      "feed nothing");
	CHECK(sse_finish(NULL) == DBX_ERR_USAGE, "finish NULL");

	/* a zero-filled parser works without sse_init */
	CHECK(sse_feed(&zero, in, len, on_count, &n, &used) == DBX_OK && used == len && n == 2,
	      "zero-filled parser: %d events", n);

	/* cancellation: the callback's value comes back, and the parser resumes
	 * after the event (here after a CRLF blank line split by the stop) */
	sse_init(&parser, NULL, 0);
	CHECK(sse_feed(&parser, in, len, on_stop, &sc, &used) == DBX_ERR_CANCELLED,
	      "stop returns the callback's value");
	CHECK(sc.calls == 1 && used == 10, "stopped after 1 event at %zu", used);
	n = 0;
	CHECK(sse_feed(&parser, in + used, len - used, on_count, &n, &used) == DBX_OK && n == 1,
	      "resume: %d events", n);
	CHECK(sse_finish(&parser) == DBX_OK, "finish after resume");

	/* an external buffer, and the size of an oversize event */
	CHECK(sse_init(&parser, ext, sizeof ext) == DBX_OK, "init external");
	sc.calls = 0;
	sse_feed(&parser, "data: 1234\n\n", 12, on_stop, &sc, NULL);
	CHECK(sc.calls == 1 && !sc.oversize && sc.data_size == 4, "external fits");
	sse_feed(&parser, "data: 1234\ndata\n\n", 17, on_stop, &sc, NULL);
	CHECK(sc.calls == 2 && sc.oversize && sc.data_size == 5, "external oversize: size %zu",
	      sc.data_size);
	CHECK(sse_finish(&parser) == DBX_OK, "finish external");

	/* one data line with its blank line in one feed is handed out in place;
	 * (the split runs check that it is copied when the feed ends first) */
	{
		static const char one[] = "data: {\"a\":1}\n\n";
		const char *seen = NULL;

		sse_init(&parser, NULL, 0);
		sse_feed(&parser, one, sizeof one - 1, on_where, &seen, NULL);
		CHECK(seen == one + 6, "a one-line event was copied, not handed out in place");
	}

	/* a smaller part of the own buffer */
	CHECK(sse_init(&parser, NULL, 3) == DBX_OK, "init small");
	sc.calls = 0;
	sse_feed(&parser, "data: 1234\n\n", 12, on_stop, &sc, NULL);
	CHECK(sc.calls == 1 && sc.oversize && sc.data_size == 4, "small oversize");
}

/* The spill's allocator: realloc, counting what is held. */
struct spill_log {
	int live;  /* buffers held now */
	int grows; /* calls that asked for memory */
	size_t largest;
	int fail; /* refuse every request */
};

static void *spill_grow(void *ctx, void *old, size_t size)
{
	struct spill_log *sl = ctx;
	void *nb;

	if (!size) {
		free(old);
		sl->live--;
		return NULL;
	}
	sl->grows++;
	if (sl->fail)
		return NULL;
	nb = realloc(old, size);
	if (nb && !old)
		sl->live++;
	if (size > sl->largest)
		sl->largest = size;
	return nb;
}

/* Counts events; the first's size and whether its data was all 'x'. */
static int on_keep(void *ctx, const struct sse_event *ev)
{
	struct stop_ctx *c = ctx;
	size_t i;

	if (c->calls++ == 0) {
		c->data_size = ev->data_size;
		c->oversize = ev->oversize;
		for (i = 0; ev->data && i < ev->data_len; i++)
			if (ev->data[i] != 'x')
				c->oversize = 2;
	}
	return 0;
}

static void test_spill(void)
{
	static unsigned char big[1 << 20];
	struct spill_log sl = {0, 0, 0, 0};
	struct stop_ctx sc = {0, 0, 0};
	size_t n = 0, k, used = 0;
	int count = 0;

	/* one event of 200,000 bytes of data in pieces: spilled, whole, and
	 * given back once dispatched; a small event after it needs no spill */
	n += big_put_to(big, n, "data: ");
	memset(big + n, 'x', 200000);
	n += 200000;
	n += big_put_to(big, n, "\n\ndata: small\n\n");
	for (k = 1000; k <= n; k = k * 3 > n && k != n ? n : k * 3) {
		size_t at;

		sse_init(&parser, NULL, 0);
		sse_spill(&parser, 300000, spill_grow, &sl);
		sc.calls = 0;
		for (at = 0; at < n; at += k)
			sse_feed(&parser, big + at, n - at < k ? n - at : k, on_keep, &sc, NULL);
		CHECK(sc.calls == 2 && !sc.oversize && sc.data_size == 200000,
		      "spill, pieces of %zu: %d events", k, sc.calls);
		CHECK(sl.live == 0, "pieces of %zu: spill not given back (%d held)", k, sl.live);
		CHECK(sse_finish(&parser) == DBX_OK, "finish after spill");
		if (k == n)
			break;
	}
	CHECK(sl.largest <= 300000 && sl.largest >= 200000, "spill size %zu", sl.largest);

	/* whole in one feed: handed out in place, no spill at all */
	sl.grows = 0;
	sse_init(&parser, NULL, 0);
	sse_spill(&parser, 300000, spill_grow, &sl);
	count = 0;
	CHECK(sse_feed(&parser, big, n, on_count, &count, &used) == DBX_OK && count == 2,
	      "whole: %d events", count);
	CHECK(sl.grows == 0, "an event whole in one feed was copied (%d grows)", sl.grows);

	/* past the maximum: oversize, with its size, and nothing held */
	sse_init(&parser, NULL, 0);
	sse_spill(&parser, 150000, spill_grow, &sl);
	sc.calls = 0;
	for (k = 0; k < n; k += 4096)
		sse_feed(&parser, big + k, n - k < 4096 ? n - k : 4096, on_keep, &sc, NULL);
	CHECK(sc.calls == 2 && sl.live == 0, "over the maximum: %d events, %d held", sc.calls,
	      sl.live);
	sse_init(&parser, NULL, 0);
	sse_spill(&parser, 150000, spill_grow, &sl);
	sc.calls = 0;
	sse_feed(&parser, big, 100000, on_keep, &sc, NULL);
	CHECK(sl.live == 1, "mid-event: the spill is held");
	sse_feed(&parser, big + 100000, n - 100000, on_keep, &sc, NULL);
	CHECK(sc.calls == 2 && sc.oversize && sc.data_size == 200000 && sl.live == 0,
	      "over the maximum: oversize of %zu, %d held", sc.data_size, sl.live);

	/* a stream cut mid-event: sse_finish gives the spill back */
	sse_init(&parser, NULL, 0);
	sse_spill(&parser, 300000, spill_grow, &sl);
	sse_feed(&parser, big, 100000, on_keep, &sc, NULL);
	CHECK(sl.live == 1, "cut: held");
	CHECK(sse_finish(&parser) == DBX_ERR_TRUNCATED && sl.live == 0, "cut: given back");

	/* an allocator that fails: oversize, not a crash */
	sl.fail = 1;
	sse_init(&parser, NULL, 0);
	sse_spill(&parser, 300000, spill_grow, &sl);
	sc.calls = 0;
	for (k = 0; k < n; k += 4096)
		sse_feed(&parser, big + k, n - k < 4096 ? n - k : 4096, on_keep, &sc, NULL);
	CHECK(sc.calls == 2 && sl.live == 0, "failing allocator: %d events", sc.calls);
}

int main(void)
{
	RUN(test_api);
	RUN(test_spill);
	RUN(test_table);
	RUN(test_generated);
	RUN(test_conformance);
	return harness_done("sse");
}
