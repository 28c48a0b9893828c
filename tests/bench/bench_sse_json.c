/*
 * bench_sse_json.c - the streaming hot path of a chat reply: SSE framing, JSON
 * parsing of every chunk and unescaping of choices[0].delta.content.
 *
 * The stream is built in memory in the shape Databricks sends for a chat
 * completion (100,000 chunks of one word or so, the last with finish_reason and
 * usage, then "data: [DONE]") and fed in 16 KiB reads, as a TLS record layer
 * would hand it over. Prints the best of 5 runs in MB/s of stream and ns per
 * chunk, for SSE alone and for SSE + JSON, and a checksum of the text so the
 * work cannot be optimised away.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dbxai.h"
#include "json.h"
#include "sse.h"

#define CHUNKS 100000
#define READ_SIZE (16 * 1024)
#define RUNS 5

static struct sse_parser parser;

struct sink {
	int json; /* parse the data, or only count it */
	unsigned long events;
	unsigned long text_len;
	uint32_t text_sum; /* of the unescaped text */
	int done;
	int errors;
};

static int on_event(void *ctx, const struct sse_event *ev)
{
	struct sink *s = ctx;
	struct json_tok tok[64];
	struct json_doc doc;
	char text[1024];
	size_t n = 0, k;
	int t;

	s->events++;
	if (ev->oversize) {
		s->errors++;
		goto out;
	}
	if (ev->data_len == 6 && memcmp(ev->data, "[DONE]", 6) == 0) {
		s->done = 1;
		goto out;
	}
	if (!s->json) {
		s->text_len += ev->data_len;
		goto out;
	}
	if (json_parse(&doc, ev->data, ev->data_len, tok, 64) != DBX_OK) {
		s->errors++;
		goto out;
	}
	t = json_get(&doc, json_at(&doc, json_get(&doc, 0, "choices"), 0), "delta");
	t = json_get(&doc, t, "content");
	if (json_type(&doc, t) == JSON_STRING &&
	    json_str(&doc, t, text, sizeof text, &n) == DBX_OK) {
		s->text_len += n;
		for (k = 0; k < n; k++)
			s->text_sum = s->text_sum * 31 + (unsigned char)text[k];
	}
out:
	return 0;
}

/* Words as a model writes them, some needing escapes in JSON. */
static const char *const words[] = {
    "The ",     "quick ",      "answer ",  "is ",           "that ",       "we ",
    "should ",  "consider ",   "the ",     "\\\"edge\\\" ", "cases",       ":\\n\\n",
    "- ",       "first, ",     "a ",       "buffer ",       "of ",         "64 ",
    "KiB ",     "holds ",      "one ",     "event; ",       "caf\\u00e9 ", "na\\u00efve ",
    "\\u2014 ", "`sse_feed` ", "returns ", "when ",         "done.",       "\\n",
};

static char *build_stream(size_t *len)
{
	size_t cap = (size_t)CHUNKS * 320 + 4096, n = 0, nw = sizeof words / sizeof words[0];
	char *buf = malloc(cap);
	long created = 1732460000;
	int i, k;

	if (!buf)
		return NULL;
	for (i = 0; i < CHUNKS; i++) {
		const char *w = words[(unsigned)i * 7u % nw];
		if (i + 1 < CHUNKS)
			k = snprintf(buf + n, cap - n,
			             "data: {\"id\":\"chatcmpl-3f9c2a1e-7b4d-4e8a-9c61-%012d\","
			             "\"object\":\"chat.completion.chunk\",\"created\":%ld,"
			             "\"model\":\"databricks-claude-sonnet-4\",\"choices\":"
			             "[{\"index\":0,\"delta\":{\"content\":\"%s\"},"
			             "\"finish_reason\":null}],\"usage\":null}\n\n",
			             1234, created + i / 50, w);
		else
			k = snprintf(buf + n, cap - n,
			             "data: {\"id\":\"chatcmpl-3f9c2a1e-7b4d-4e8a-9c61-%012d\","
			             "\"object\":\"chat.completion.chunk\",\"created\":%ld,"
			             "\"model\":\"databricks-claude-sonnet-4\",\"choices\":"
			             "[{\"index\":0,\"delta\":{\"content\":\"%s\"},"
			             "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":"
			             "1834,\"completion_tokens\":%d,\"total_tokens\":%d}}\n\n",
			             1234, created + i / 50, w, CHUNKS, CHUNKS + 1834);
		if (k < 0 || (size_t)k >= cap - n) {
			free(buf);
			return NULL;
		}
		n += (size_t)k;
	}
	k = snprintf(buf + n, cap - n, "data: [DONE]\n\n");
	n += (size_t)k;
	*len = n;
	return buf;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One pass over the stream; returns seconds, or -1 on a parse failure. */
static double run(const char *stream, size_t len, struct sink *s)
{
	size_t off, piece;
	double t0 = now();
	int err = DBX_OK;

	sse_init(&parser, NULL, 0);
	for (off = 0; off < len && !err; off += piece) {
		piece = len - off < READ_SIZE ? len - off : READ_SIZE;
		err = sse_feed(&parser, stream + off, piece, on_event, s, NULL);
	}
	if (!err)
		err = sse_finish(&parser);
	if (err || s->errors || !s->done || s->events != CHUNKS + 1)
		return -1;
	return now() - t0;
}

int main(void)
{
	static const char *const names[2] = {"sse", "sse+json"};
	size_t len = 0;
	char *stream = build_stream(&len);
	struct sink s;
	double best, t;
	int mode, r, status = 0;

	if (!stream) {
		fprintf(stderr, "bench_sse_json: cannot build the stream\n");
		return 1;
	}
	for (mode = 0; mode < 2; mode++) {
		best = 0;
		for (r = 0; r < RUNS; r++) {
			memset(&s, 0, sizeof s);
			s.json = mode;
			t = run(stream, len, &s);
			if (t < 0) {
				fprintf(stderr,
				        "bench_sse_json: %s: failed (%d errors, %lu events)\n",
				        names[mode], s.errors, s.events);
				status = 1;
				goto out;
			}
			if (r == 0 || t < best)
				best = t;
		}
		printf("bench %-8s %d chunks, %.1f MB: %8.1f MB/s %7.1f ns/chunk  "
		       "(%s %lu bytes, sum %08lx)\n",
		       names[mode], CHUNKS, (double)len / 1e6, (double)len / best / 1e6,
		       best * 1e9 / CHUNKS, mode ? "text" : "data", s.text_len,
		       (unsigned long)s.text_sum);
	}
out:
	free(stream);
	return status;
}
