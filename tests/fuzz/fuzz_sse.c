/*
 * fuzz_sse.c - libFuzzer target for the SSE parser. The input is the stream
 * itself (so the seeds in tests/data/sse work as they are); the chunking and
 * where the callback stops are drawn from a generator seeded by the input.
 *
 * For two buffer sizes (the default and 7 bytes) it checks that whole input,
 * random chunks with stops and resumes, and one byte at a time dispatch the
 * same events (a digest of every field), the same retry values and the same
 * sse_finish() result; that every event keeps the struct sse_event rules; and
 * that both sizes see the same events apart from which ones are oversize; and
 * that a 7-byte buffer spilling up to 64 bytes (sse_spill) dispatches exactly
 * what a 64-byte buffer does, giving every spill back.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dbxai.h"
#include "sse.h"

static struct sse_parser parser;

struct digest {
	uint64_t all;   /* every field */
	uint64_t shape; /* type, id and data size: the same for any buffer */
	unsigned long events;
	unsigned long retry_count;
	unsigned long retry_ms;
	int finish;
	size_t cap;
	unsigned stop_every; /* 0: never stop */
};

static void mix(uint64_t *h, const void *s, size_t n)
{
	const unsigned char *b = s;
	size_t k;

	for (k = 0; k < n; k++) {
		*h ^= b[k];
		*h *= 0x100000001b3ull;
	}
	/* the length too, so that field boundaries count */
	for (k = 0; k < sizeof n; k++) {
		*h ^= (unsigned char)(n >> (8 * k));
		*h *= 0x100000001b3ull;
	}
}

static int on_event(void *ctx, const struct sse_event *ev)
{
	struct digest *d = ctx;
	unsigned char over = (unsigned char)ev->oversize;

	if (!ev->type || !ev->id || ev->id[ev->id_len] != 0 || strlen(ev->id) != ev->id_len ||
	    ev->id_len > SSE_ID_MAX || ev->type_len > SSE_TYPE_MAX)
		abort();
	if (ev->oversize) {
		if (ev->data || ev->data_len)
			abort();
		/* only a name too long or data too big makes an oversize event */
		if (ev->type_len && ev->data_size <= d->cap)
			abort();
	} else if (!ev->data || ev->data_len != ev->data_size || ev->data_len > d->cap ||
	           ev->type_len == 0) {
		abort();
	}
	mix(&d->all, &over, 1);
	mix(&d->all, ev->type, ev->type_len);
	mix(&d->all, ev->data ? ev->data : "", ev->data_len);
	mix(&d->all, ev->id, ev->id_len);
	mix(&d->shape, ev->type, ev->type_len);
	mix(&d->shape, ev->id, ev->id_len);
	mix(&d->shape, &ev->data_size, sizeof ev->data_size);
	d->events++;
	return d->stop_every && d->events % d->stop_every == 0 ? DBX_ERR_CANCELLED : 0;
}

static uint64_t rng_state;

static uint32_t rng(void)
{
	rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(rng_state >> 33);
}

/* The spill's allocator (sse_spill): realloc, counting the buffers held. */
static int spill_live;

static void *spill_grow(void *ctx, void *old, size_t size)
{
	void *nb;

	(void)ctx;
	if (!size) {
		free(old);
		spill_live--;
		return NULL;
	}
	nb = realloc(old, size);
	if (nb && !old)
		spill_live++;
	return nb;
}

/* Feeds data[0..n) in pieces: whole when max_piece is 0, else random sizes in
 * 1..max_piece. spill: a spill of up to that many bytes (0: none). */
static void run_spill(const uint8_t *data, size_t n, size_t cap, size_t spill, size_t max_piece,
                      unsigned stop_every, struct digest *d)
{
	size_t off = 0, piece, used;
	int rc;

	memset(d, 0, sizeof *d);
	d->all = d->shape = 0xcbf29ce484222325ull;
	d->cap = cap ? cap : SSE_BUF_SIZE;
	d->stop_every = stop_every;
	if (sse_init(&parser, NULL, cap) != DBX_OK)
		abort();
	if (spill) {
		sse_spill(&parser, spill, spill_grow, NULL);
		if (spill > d->cap)
			d->cap = spill;
	}
	while (off < n) {
		piece = max_piece ? 1 + rng() % max_piece : n - off;
		if (piece > n - off)
			piece = n - off;
		rc = sse_feed(&parser, data + off, piece, on_event, d, &used);
		if (used > piece)
			abort();
		if (rc == DBX_ERR_CANCELLED && stop_every) {
			/* resume where it stopped */
		} else if (rc != DBX_OK || used != piece) {
			abort();
		}
		off += used;
	}
	d->finish = sse_finish(&parser);
	d->retry_count = parser.retry_count;
	d->retry_ms = parser.retry_ms;
	if (spill_live != 0) /* a spill outlived its event or the stream */
		abort();
}

static void run(const uint8_t *data, size_t n, size_t cap, size_t max_piece, unsigned stop_every,
                struct digest *d)
{
	run_spill(data, n, cap, 0, max_piece, stop_every, d);
}

static int same(const struct digest *a, const struct digest *b)
{
	return a->all == b->all && a->shape == b->shape && a->events == b->events &&
	       a->retry_count == b->retry_count && a->retry_ms == b->retry_ms &&
	       a->finish == b->finish;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t caps[2] = {0, 7};
	struct digest whole[2], other;
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	size_t k;

	mix(&seed, data, size);
	for (k = 0; k < 2; k++) {
		rng_state = seed + k;
		run(data, size, caps[k], 0, 0, &whole[k]);
		run(data, size, caps[k], 1 + rng() % 64, 1 + rng() % 3, &other);
		if (!same(&whole[k], &other))
			abort();
		run(data, size, caps[k], 1, 0, &other);
		if (!same(&whole[k], &other))
			abort();
	}
	/* a 7-byte buffer that spills up to 64 bytes takes exactly the events a
	 * 64-byte buffer takes, whole or in pieces */
	rng_state = seed + 2;
	run(data, size, 64, 0, 0, &whole[1]);
	run_spill(data, size, 7, 64, 0, 0, &other);
	if (!same(&whole[1], &other))
		abort();
	run_spill(data, size, 7, 64, 1 + rng() % 64, 1 + rng() % 3, &other);
	if (!same(&whole[1], &other))
		abort();
	run(data, size, caps[1], 0, 0, &whole[1]);
	/* the buffer size changes which events are oversize, nothing else */
	if (whole[0].shape != whole[1].shape || whole[0].events != whole[1].events ||
	    whole[0].retry_count != whole[1].retry_count ||
	    whole[0].retry_ms != whole[1].retry_ms || whole[0].finish != whole[1].finish)
		abort();
	return 0;
}
