/*
 * test_golden.c - golden tests of the two stream decoders: every captured
 * stream in tests/data/chat (chat completions) and tests/data/resp (Responses
 * API) goes through the real SSE parser and chat_event / resp_event into the
 * reply accumulator, wired as provider.c wires them, and every dbx_event the
 * caller would see is rendered as one line of text (format below). Each
 * NAME.sse is fed whole, split in two at every byte offset, and one byte at a
 * time; each NAME.json (a whole, non-streamed reply) goes through chat_whole /
 * resp_whole. Every rendering must equal the expected file next to the input,
 * NAME.sse.events or NAME.json.events. Every feed is copied to end right
 * before a PROT_NONE page, so an over-read crashes.
 *
 * DBXAI_GOLDEN_UPDATE=1 writes the expected files from the whole feed instead
 * of reading them (the other feeds are still compared with it). A rewritten
 * file is a claim about the decoder: read its diff against the stream before
 * committing it.
 *
 * Rendering, one line per dbx_event in the order the callback saw them:
 *   text "S"
 *   reasoning "S"                       (signature "S" appended when one came)
 *   tool_call id "S" name "S" arguments "S"
 *   usage prompt N completion N total N
 *   done "FINISH_REASON"
 * then, when the decoder recorded a server or protocol error (reply_fail),
 *   error DBX_ERR_... "message"
 * and last
 *   end feed DBX_... sse_finish DBX_...|- done 0|1      (a stream)
 *   end whole DBX_... done 0|1                          (a whole reply)
 * where feed is what feeding returned (DBX_ERR_CANCELLED: the decoder stopped
 * the stream), sse_finish its result when the stream ran to its end, and done
 * whether the stream itself said it was complete ([DONE], response.completed).
 * In "S", '"' and '\' are escaped with '\', LF, CR and TAB as \n, \r, \t and
 * any other control byte as \xNN; other bytes (UTF-8) are kept.
 *
 * What split invariance means here. However the transport cuts the bytes (TCP
 * segments, TLS records, chunked framing: any offset), the SSE parser hands
 * the decoder the data of each event whole, so the decoder sees the same
 * payloads in the same order and the caller MUST get the same dbx_event
 * sequence, piece boundaries included. The rendering therefore does NOT merge
 * adjacent text or reasoning pieces: where one ends and the next begins is
 * the server's chunking (one delta per event), a property of the stream and
 * not of how it was read, and a cut that moved a boundary (an event
 * dispatched early or twice, data handed out of a stale buffer) is the kind
 * of bug these feeds are here to catch. Merging would be the right
 * normalisation only to compare two encodings of one reply (the .sse stream
 * against the .json whole reply), whose pieces legitimately differ.
 */
#include <dirent.h>
#include <stdarg.h>

#include "dbxai.h"
#include "harness.h"
#include "sse.h"

#include "chat.h"
#include "reply.h"
#include "resp.h"
#include "switches.h"

/* Which splits in two are tried. Each one decodes the whole stream again, so
 * the cost is quadratic in the input: every offset of all the captures took
 * 15 s under qemu-arm. An input up to GOLDEN_SPLIT_ALL bytes is split at every
 * offset. A longer one is split at every offset within GOLDEN_SPLIT_NEAR bytes
 * of a CR or LF (line ends, blank lines, field names, the colon and its space:
 * where the SSE parser changes state, and where a cut decides whether an
 * event's data is handed out in place or copied) and at every
 * GOLDEN_SPLIT_STRIDE-th offset inside the long data lines, where a cut finds
 * the parser in the same state at every byte (test_sse.c cuts its own inputs
 * at every offset). Past GOLDEN_SPLIT_MAX such offsets in one input (the
 * captures have at most 2,058, resp/02) only every so many of them is tried. */
#define GOLDEN_SPLIT_ALL 2048u
#define GOLDEN_SPLIT_NEAR 8u
#define GOLDEN_SPLIT_STRIDE 5u
#define GOLDEN_SPLIT_MAX 4096u

#define GOLDEN_MAX_FILES 256

/* Each wire format (wire.h) with its captures. */
struct api {
	const char *dir; /* under tests/data */
	const struct wire *w;
};

static const struct api apis[] = {
    {"chat", &chat_wire},
#if DBX_FEATURE_RESPONSES /* a build without it (switches.h) has no resp.c */
    {"resp", &resp_wire},
#endif
};

/* ---- rendering ---- */

struct render {
	char buf[1 << 16];
	size_t len;
	int overflow;
	unsigned long events;
	int bad_delivered; /* delivered disagrees with the events seen */
};

static void put(struct render *o, const char *s, size_t n)
{
	if (n > sizeof o->buf - o->len) {
		o->overflow = 1;
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

static void putf(struct render *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void putf(struct render *o, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof tmp)
		o->overflow = 1;
	else
		put(o, tmp, (size_t)n);
}

/* ' name "S"' (just ' "S"' when name is NULL), S escaped; a NULL s is
 * rendered as null (the dbx_event rules say it never is). */
static void put_str(struct render *o, const char *name, const char *s, size_t n)
{
	size_t i;

	if (name)
		putf(o, " %s", name);
	if (!s) {
		put(o, " null", 5);
		return;
	}
	put(o, " \"", 2);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			char e[2] = {'\\', (char)c};
			put(o, e, 2);
		} else if (c == '\n') {
			put(o, "\\n", 2);
		} else if (c == '\r') {
			put(o, "\\r", 2);
		} else if (c == '\t') {
			put(o, "\\t", 2);
		} else if (c < 0x20 || c == 0x7f) {
			putf(o, "\\x%02x", c);
		} else {
			put(o, (const char *)&c, 1);
		}
	}
	put(o, "\"", 1);
}

static int on_event(void *ctx, const struct dbx_event *ev)
{
	struct render *o = ctx;

	o->events++;
	switch (ev->type) {
	case DBX_EV_TEXT:
	case DBX_EV_REASONING:
		put(o, ev->type == DBX_EV_TEXT ? "text" : "reasoning",
		    ev->type == DBX_EV_TEXT ? 4 : 9);
		put_str(o, NULL, ev->text, ev->text_len);
		if (ev->signature)
			put_str(o, "signature", ev->signature, strlen(ev->signature));
		break;
	case DBX_EV_TOOL_CALL:
		put(o, "tool_call", 9);
		put_str(o, "id", ev->id, ev->id ? strlen(ev->id) : 0);
		put_str(o, "name", ev->name, ev->name ? strlen(ev->name) : 0);
		put_str(o, "arguments", ev->arguments, ev->arguments_len);
		break;
	case DBX_EV_USAGE:
		putf(o, "usage prompt %lld completion %lld total %lld", ev->prompt_tokens,
		     ev->completion_tokens, ev->total_tokens);
		break;
	case DBX_EV_DONE:
		put(o, "done", 4);
		put_str(o, NULL, ev->finish_reason,
		        ev->finish_reason ? strlen(ev->finish_reason) : 0);
		break;
	default:
		putf(o, "unknown event type %d", (int)ev->type);
	}
	put(o, "\n", 1);
	return 0;
}

/* ---- one run: the provider's wiring ---- */

/* Static: the reply holds 64 tool slots and the parser a 64 KiB buffer. */
static struct sse_parser parser;
static struct reply reply;
static int delivered; /* what the turn's client_call.delivered would say */

struct run {
	const struct api *api;
	struct reply *r;
};

/* What provider.c's turn_sse_event does with one SSE event (less
 * client_touch: there is no connection). */
static int on_sse(void *ctx, const struct sse_event *ev)
{
	struct run *run = ctx;

	if (ev->oversize) {
		if (run->api->w->lossy_oversize &&
		    !(ev->type_len > 6 && strcmp(ev->type + ev->type_len - 6, ".delta") == 0)) {
			if (strcmp(ev->type, "response.completed") == 0 ||
			    strcmp(ev->type, "response.incomplete") == 0)
				run->r->done = 1;
			return DBX_OK;
		}
		reply_fail(run->r, DBX_ERR_PROTOCOL,
		           "a stream event of %zu bytes is larger than the buffer", ev->data_size);
		return ERR_STOP;
	}
	return run->api->w->event(run->r, ev->data, ev->data_len);
}

static void reply_start(struct render *o)
{
	memset(&reply, 0, sizeof reply);
	delivered = 0;
	o->len = 0; /* not all of *o: clearing 64 KiB per run would cost more than the run */
	o->overflow = 0;
	o->events = 0;
	o->bad_delivered = 0;
	reply.cb = on_event;
	reply.ctx = o;
	reply.delivered = &delivered; /* set by the accumulator on the first event */
}

/* The error (if any) and the end line; then the reply is freed. */
static void reply_end(struct render *o, const char *what, int rc, const char *sse_finish)
{
	if (reply.failed) {
		putf(o, "error %s", harness_errname(reply.err));
		put_str(o, NULL, reply.msg, strlen(reply.msg));
		put(o, "\n", 1);
	}
	putf(o, "end %s %s%s%s done %d\n", what, harness_errname(rc),
	     sse_finish ? " sse_finish " : "", sse_finish ? sse_finish : "", reply.done);
	o->bad_delivered = delivered != (o->events > 0);
	reply_free(&reply);
}

/* Feeds in[0..n) in pieces that end at the cuts (ascending, each < n) and
 * then at n, each piece copied to end at scratch_end (a guard page), as
 * provider.c's turn_data does, then ends the turn as run_turn does: after a
 * stopped stream nothing more; else sse_finish and reply_finish. */
static void run_stream(const struct api *api, const unsigned char *in, size_t n,
                       unsigned char *scratch_end, const size_t *cuts, size_t ncuts,
                       struct render *o)
{
	struct run run = {api, &reply};
	size_t from = 0, k;
	int rc = DBX_OK, fin;

	reply_start(o);
	sse_init(&parser, NULL, 0);
	for (k = 0; k <= ncuts && !rc; k++) {
		size_t to = k < ncuts ? cuts[k] : n, len = to - from;
		unsigned char *at = scratch_end - len;

		memcpy(at, in + from, len);
		rc = sse_feed(&parser, at, len, on_sse, &run, NULL);
		from = to;
	}
	if (rc) {
		reply_end(o, "feed", rc, "-");
		return;
	}
	fin = sse_finish(&parser);
	rc = reply_finish(&reply);
	reply_end(o, "feed", rc, harness_errname(fin));
}

/* One byte at a time (its own loop: a cut list would be as long as the input). */
static void run_bytes(const struct api *api, const unsigned char *in, size_t n,
                      unsigned char *scratch_end, struct render *o)
{
	struct run run = {api, &reply};
	size_t i;
	int rc = DBX_OK, fin;

	reply_start(o);
	sse_init(&parser, NULL, 0);
	for (i = 0; i < n && !rc; i++) {
		scratch_end[-1] = in[i];
		rc = sse_feed(&parser, scratch_end - 1, 1, on_sse, &run, NULL);
	}
	if (rc) {
		reply_end(o, "feed", rc, "-");
		return;
	}
	fin = sse_finish(&parser);
	rc = reply_finish(&reply);
	reply_end(o, "feed", rc, harness_errname(fin));
}

/* A whole reply, as run_turn decodes a non-streamed one. */
static void run_whole(const struct api *api, const unsigned char *in, size_t n,
                      unsigned char *scratch_end, struct render *o)
{
	int rc;

	reply_start(o);
	memcpy(scratch_end - n, in, n);
	rc = api->w->whole(&reply, (const char *)scratch_end - n, n);
	if (!rc)
		rc = reply_finish(&reply);
	reply_end(o, "whole", rc, NULL);
}

/* ---- comparing ---- */

static int update_mode(void)
{
	const char *u = getenv("DBXAI_GOLDEN_UPDATE");
	return u && strcmp(u, "1") == 0;
}

/* Prints the first line where got and want differ. */
static void show_diff(const char *name, const char *mode, const struct render *got,
                      const char *want, size_t want_len)
{
	size_t i = 0, line = 1, start = 0, ge, we;

	while (i < got->len && i < want_len && got->buf[i] == want[i]) {
		if (got->buf[i] == '\n') {
			line++;
			start = i + 1;
		}
		i++;
	}
	for (ge = start; ge < got->len && got->buf[ge] != '\n'; ge++)
		;
	for (we = start; we < want_len && want[we] != '\n'; we++)
		;
	if (got->bad_delivered)
		fprintf(stderr, "  %s [%s]: delivered disagrees with the %lu events seen\n", name,
		        mode, got->events);
	if (got->overflow)
		fprintf(stderr, "  %s [%s]: the rendering overflowed\n", name, mode);
	if (i < got->len || i < want_len)
		fprintf(stderr, "  %s [%s]: line %zu differs\n    got:  %.*s\n    want: %.*s\n",
		        name, mode, line, (int)(ge - start), got->buf + start, (int)(we - start),
		        want + start);
}

static int same(const struct render *got, const char *want, size_t want_len)
{
	return !got->overflow && !got->bad_delivered && got->len == want_len &&
	       memcmp(got->buf, want, want_len) == 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), k = strlen(suf);
	return n >= k && strcmp(s + n - k, suf) == 0;
}

static struct render got, other;
static size_t splits_run, splits_all; /* of the current folder */

/* Whether the input is split in two at offset k (see GOLDEN_SPLIT_ALL). */
static int split_tried(const unsigned char *in, size_t n, size_t k)
{
	size_t i = k > GOLDEN_SPLIT_NEAR ? k - GOLDEN_SPLIT_NEAR : 0;
	size_t end = n - k > GOLDEN_SPLIT_NEAR ? k + GOLDEN_SPLIT_NEAR : n;

	if (n <= GOLDEN_SPLIT_ALL || k % GOLDEN_SPLIT_STRIDE == 0)
		return 1;
	for (; i < end; i++)
		if (in[i] == '\n' || in[i] == '\r')
			return 1;
	return 0;
}

/* Checks (or, in update mode, writes) the expected file of one input. */
static void golden_file(const struct api *api, const char *name)
{
	char rel[512], path[4096];
	unsigned char *in;
	char *want = NULL;
	size_t n = 0, want_len = 0, k, cand, step, tried = 0, bad = 0, first_bad = 0;
	struct harness_guarded g;
	unsigned char *end;
	int stream = has_suffix(name, ".sse");

	snprintf(rel, sizeof rel, "%s/%s", api->dir, name);
	in = (unsigned char *)harness_read(harness_data(rel), &n);
	CHECK(in != NULL, "cannot read %s", rel);
	if (!in)
		return;
	g = harness_guard(in, n);
	end = (unsigned char *)g.data + n;

	if (stream)
		run_stream(api, in, n, end, NULL, 0, &got);
	else
		run_whole(api, in, n, end, &got);
	snprintf(path, sizeof path, "%s.events", harness_data(rel));
	if (update_mode()) {
		FILE *f = fopen(path, "wb");
		int ok = f && !got.overflow && fwrite(got.buf, 1, got.len, f) == got.len;
		ok = f && fclose(f) == 0 && ok;
		CHECK(ok, "cannot write %s", path);
		fprintf(stderr, "  wrote %s\n", path);
		want = malloc(got.len + 1);
		if (want) {
			memcpy(want, got.buf, got.len);
			want_len = got.len;
		}
	} else {
		want = harness_read(path, &want_len);
		CHECK(want != NULL, "no expected file %s (DBXAI_GOLDEN_UPDATE=1 writes it)", path);
	}
	if (!want)
		goto out;
	CHECK(same(&got, want, want_len), "%s: whole feed differs from %s.events", rel, rel);
	if (!same(&got, want, want_len))
		show_diff(rel, "whole", &got, want, want_len);
	if (!stream)
		goto out;

	for (k = 1, cand = 0; k < n; k++)
		cand += split_tried(in, n, k);
	step = cand > GOLDEN_SPLIT_MAX ? (cand + GOLDEN_SPLIT_MAX - 1) / GOLDEN_SPLIT_MAX : 1;
	for (k = 1, cand = 0; k < n; k++) {
		if (!split_tried(in, n, k) || cand++ % step != 0)
			continue;
		run_stream(api, in, n, end, &k, 1, &other);
		tried++;
		splits_run++;
		if (!same(&other, want, want_len) && bad++ == 0) {
			first_bad = k;
			show_diff(rel, "split", &other, want, want_len);
		}
	}
	splits_all += n ? n - 1 : 0;
	CHECK(bad == 0, "%s: %zu of %zu splits in two differ (the first at offset %zu)", rel, bad,
	      tried, first_bad);

	run_bytes(api, in, n, end, &other);
	CHECK(same(&other, want, want_len), "%s: one byte at a time differs", rel);
	if (!same(&other, want, want_len))
		show_diff(rel, "bytes", &other, want, want_len);
out:
	free(want);
	harness_unguard(&g);
	free(in);
}

/* Every NAME.sse and NAME.json of one folder, in name order; and no expected
 * file without its input (a renamed capture must not leave a stale one). */
static void golden_dir(const struct api *api)
{
	static char names[GOLDEN_MAX_FILES][256], events[GOLDEN_MAX_FILES][256];
	size_t nnames = 0, nevents = 0, i, j, inputs = 0, wholes = 0;
	struct dirent *de;
	DIR *d = opendir(harness_data(api->dir));

	splits_run = splits_all = 0;
	CHECK(d != NULL, "cannot open %s", harness_data(api->dir));
	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		int input = has_suffix(de->d_name, ".sse") || has_suffix(de->d_name, ".json");
		int expect = has_suffix(de->d_name, ".events");
		size_t *count = input ? &nnames : &nevents;

		if (!input && !expect)
			continue;
		if (*count == GOLDEN_MAX_FILES || strlen(de->d_name) >= sizeof names[0]) {
			CHECK(0, "%s: too many files or too long a name (%s)", api->dir,
			      de->d_name);
			continue;
		}
		snprintf(input ? names[(*count)++] : events[(*count)++], sizeof names[0], "%s",
		         de->d_name);
	}
	closedir(d);
	qsort(names, nnames, sizeof names[0], cmp_names);
	for (i = 0; i < nnames; i++) {
		golden_file(api, names[i]);
		inputs += has_suffix(names[i], ".sse");
		wholes += has_suffix(names[i], ".json");
	}
	printf("golden %s: %zu streams (whole, bytes, %zu of %zu splits in two), %zu whole "
	       "replies\n",
	       api->dir, inputs, splits_run, splits_all, wholes);
	CHECK(inputs >= 10, "%s: only %zu streams found", api->dir, inputs);
	for (i = 0; i < nevents; i++) {
		size_t len = strlen(events[i]) - strlen(".events");
		int found = 0;
		for (j = 0; j < nnames && !found; j++)
			found = strlen(names[j]) == len && memcmp(names[j], events[i], len) == 0;
		CHECK(found, "%s/%s has no input", api->dir, events[i]);
	}
}

static void test_chat(void)
{
	golden_dir(&apis[0]);
}

#if DBX_FEATURE_RESPONSES
static void test_resp(void)
{
	golden_dir(&apis[1]);
}
#endif

int main(void)
{
	RUN(test_chat);
#if DBX_FEATURE_RESPONSES
	RUN(test_resp);
#endif
	return harness_done("golden");
}
