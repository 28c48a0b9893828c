/*
 * fuzz_stream.h - the body of fuzz_chat.c and fuzz_resp.c: a streamed reply
 * (an SSE byte stream, so raw captures work as seeds) goes through the SSE
 * parser into the wire-format decoder (STREAM_EVENT) and the reply
 * accumulator (reply.h), as provider.c does; then reply_finish() when nothing failed.
 *
 * Checked: the input fed whole, in random chunks and one byte at a time gives
 * the same dbx_event sequence (a digest of every field), the same failure and
 * message, done flag and finish reason; every event keeps the dbx_event rules
 * (text non-empty unless a signature comes with it, names within their
 * buffers, nothing after DONE, DONE last with a finish reason, usage not
 * negative); the kept transcript text is exactly the TEXT events joined. The
 * input is also decoded as one non-streamed reply (STREAM_WHOLE) with the same
 * event checks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dbxai.h"
#include "fuzz_common.h"
#include "reply.h"
#include "sse.h"

static struct sse_parser parser;

struct digest {
	uint64_t events;    /* every field of every event */
	uint64_t text;      /* TEXT bytes only, joined (no boundaries) */
	uint64_t reasoning; /* REASONING bytes only, joined */
	unsigned long count;
	int done_seen;
	int responses;
};

static int on_event(void *ctx, const struct dbx_event *ev)
{
	struct digest *d = ctx;

	REQUIRE(!d->done_seen);
	fuzz_mix_int(&d->events, ev->type);
	switch (ev->type) {
	case DBX_EV_TEXT:
	case DBX_EV_REASONING:
		REQUIRE(ev->text != NULL);
		REQUIRE(ev->text_len > 0 || (ev->type == DBX_EV_REASONING && ev->signature));
		fuzz_mix(&d->events, ev->text, ev->text_len);
		fuzz_mix_str(&d->events, ev->signature);
		fuzz_mix_bytes(ev->type == DBX_EV_TEXT ? &d->text : &d->reasoning, ev->text,
		               ev->text_len);
		break;
	case DBX_EV_TOOL_CALL:
		REQUIRE(ev->id && ev->name && ev->arguments);
		REQUIRE(strlen(ev->id) < REPLY_ID_MAX && strlen(ev->name) < REPLY_ID_MAX);
		REQUIRE(ev->arguments_len < REPLY_TOOL_ARGS_MAX);
		fuzz_mix_str(&d->events, ev->id);
		fuzz_mix_str(&d->events, ev->name);
		fuzz_mix(&d->events, ev->arguments, ev->arguments_len);
		break;
	case DBX_EV_USAGE:
		REQUIRE(ev->prompt_tokens >= 0 && ev->completion_tokens >= 0);
		fuzz_mix_int(&d->events, ev->prompt_tokens);
		fuzz_mix_int(&d->events, ev->completion_tokens);
		fuzz_mix_int(&d->events, ev->total_tokens);
		break;
	case DBX_EV_DONE:
		REQUIRE(ev->finish_reason && strlen(ev->finish_reason) < 32);
		fuzz_mix_str(&d->events, ev->finish_reason);
		d->done_seen = 1;
		break;
	default:
		REQUIRE(0);
	}
	d->count++;
	return 0;
}

struct result {
	struct digest d;
	int err, failed, rerr, done, finish_rc;
	char msg[DBX_ERRBUF_SIZE];
	char finish[32];
};

/* What provider.c's turn_sse_event does. */
static int on_sse(void *ctx, const struct sse_event *ev)
{
	struct reply *r = ctx;
	int responses = ((struct digest *)r->ctx)->responses;

	if (ev->oversize) {
		if (responses &&
		    !(ev->type_len > 6 && strcmp(ev->type + ev->type_len - 6, ".delta") == 0))
			return DBX_OK;
		reply_fail(r, DBX_ERR_PROTOCOL, "oversize event");
		return ERR_STOP;
	}
	return STREAM_EVENT(r, ev->data, ev->data_len);
}

static void run(const uint8_t *data, size_t n, size_t max_piece, int keep, struct result *res)
{
	struct reply *r = calloc(1, sizeof *r);
	int delivered = 0;
	size_t off = 0, piece;
	int err = DBX_OK;

	REQUIRE(r != NULL);
	memset(res, 0, sizeof *res);
	res->d.events = res->d.text = res->d.reasoning = FUZZ_FNV_BASIS;
	res->d.responses = STREAM_RESPONSES;
	r->cb = on_event;
	r->ctx = &res->d;
	r->delivered = &delivered;
	r->keep = keep;
	sse_init(&parser, NULL, 0);
	while (off < n && !err) {
		piece = max_piece ? 1 + fuzz_rng() % max_piece : n - off;
		if (piece > n - off)
			piece = n - off;
		err = sse_feed(&parser, data + off, piece, on_sse, r, NULL);
		off += piece;
	}
	if (!err)
		(void)sse_finish(&parser);
	if (!err && !r->failed)
		res->finish_rc = reply_finish(r);
	REQUIRE(!(err && !r->failed)); /* only a failure stops the stream */
	REQUIRE(delivered == (res->d.count > 0));
	if (keep) {
		/* the kept text and reasoning are the events' pieces joined */
		uint64_t t = FUZZ_FNV_BASIS, k = FUZZ_FNV_BASIS;
		fuzz_mix_bytes(&t, r->text.p, r->text.len);
		fuzz_mix_bytes(&k, r->reasoning.p, r->reasoning.len);
		REQUIRE(t == res->d.text && k == res->d.reasoning);
		REQUIRE(r->text.len == 0 || r->text.p[r->text.len] == '\0');
	}
	res->err = err;
	res->failed = r->failed;
	res->rerr = r->err;
	res->done = r->done;
	memcpy(res->msg, r->msg, sizeof res->msg);
	memcpy(res->finish, r->finish, sizeof res->finish);
	reply_free(r);
	free(r);
}

static int same(const struct result *a, const struct result *b)
{
	return a->d.events == b->d.events && a->d.count == b->d.count && a->err == b->err &&
	       a->failed == b->failed && a->rerr == b->rerr && a->done == b->done &&
	       a->finish_rc == b->finish_rc && strcmp(a->msg, b->msg) == 0 &&
	       strcmp(a->finish, b->finish) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct result whole, other;
	struct reply *r;
	int delivered = 0;
	struct digest d;
	int keep;

	if (size > (1u << 20))
		return 0;
	fuzz_seed(data, size);
	keep = (int)(fuzz_rng() & 1);
	run(data, size, 0, keep, &whole);
	run(data, size, 1 + fuzz_rng() % 64, !keep, &other);
	REQUIRE(same(&whole, &other));
	run(data, size, 1, keep, &other);
	REQUIRE(same(&whole, &other));

	/* the same bytes as one non-streamed reply */
	r = calloc(1, sizeof *r);
	REQUIRE(r != NULL);
	memset(&d, 0, sizeof d);
	d.events = d.text = d.reasoning = FUZZ_FNV_BASIS;
	r->cb = on_event;
	r->ctx = &d;
	r->delivered = &delivered;
	r->keep = keep;
	if (STREAM_WHOLE(r, (const char *)data, size) == DBX_OK && !r->failed)
		(void)reply_finish(r);
	reply_free(r);
	free(r);
	return 0;
}
