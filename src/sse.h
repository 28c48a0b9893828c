/*
 * sse.h - incremental parser for WHATWG server-sent events (text/event-stream),
 * the framing of every streamed Databricks / OpenAI reply.
 *
 * What it implements (HTML Living Standard, "Parsing an event stream"): CR, LF
 * and CRLF line ends, also when a CRLF is split between two feeds; one leading
 * UTF-8 BOM stripped; comment lines; the fields data (lines joined with LF),
 * event (empty means "message"), id (ignored when it contains NUL; persists
 * across events), retry (ASCII digits only); unknown fields ignored; an event is
 * dispatched on a blank line, and one without data lines is not dispatched.
 *
 * Rules:
 * - Pure and incremental: sse_feed() takes any split of the input, one byte at a
 *   time included, and dispatches exactly the same events as for the whole input.
 *   It never reads a socket and never allocates by itself: the one larger
 *   buffer it may use comes from the caller's allocator (sse_spill()).
 * - A zero-filled struct sse_parser is a ready parser with a data buffer of
 *   SSE_BUF_SIZE bytes; sse_init() resets it and may choose another size.
 * - Only the data of the event being built is kept. Field names and line ends
 *   are parsed as they stream past, comments and unknown fields are skipped
 *   without being stored, event and id values go to small fixed buffers, and
 *   data values are copied once into a linear buffer that starts at offset 0
 *   for every event. An event of one data line that arrives whole, with its
 *   blank line, in one sse_feed() (nearly every streamed chunk) is not copied:
 *   its data is handed out in place, in the caller's input. So the data handed
 *   out is always contiguous (there is no ring wrap to undo), the buffer bounds
 *   the data of one event and nothing else (in place or not, data longer than
 *   the buffer makes an oversize event), and no line length is ever an error:
 *   an over-long data line makes an oversize event, any other over-long line is
 *   skipped or ignored.
 * - Spill (sse_spill()): an event whose data outgrows the buffer moves into a
 *   buffer from the caller's allocator, grown (doubling) up to a maximum, and
 *   given back as soon as the event has been dispatched or dropped. So an
 *   ordinary stream never touches it, and a large event costs its own size
 *   (about) only while it is being read and handed out. A whole line of data
 *   that arrives with its blank line in one feed is handed out in place up to
 *   that maximum, without a copy.
 * - An event whose data does not fit (with a spill: is larger than its
 *   maximum, or the allocator failed), or whose event name is longer than
 *   SSE_TYPE_MAX, is an oversize event: the parser skips the rest of it, stays in
 *   sync, and dispatches it with oversize set, no data, and its type when known.
 *   The caller decides whether that is fatal. An id longer than SSE_ID_MAX is
 *   ignored like an id holding NUL (the previous id stays).
 * - At end of input call sse_finish(): an event without its terminating blank
 *   line is discarded, as the standard says.
 * - Callbacks return 0 to go on; any other value (by convention an enum dbx_err
 *   such as DBX_ERR_CANCELLED) stops sse_feed(), which returns it. The parser is
 *   then positioned just after the dispatched event and can resume with the
 *   unconsumed rest of the input. A callback MUST NOT feed the same parser.
 * - Pointers: struct sse_parser is owned by the caller (static storage or heap:
 *   it holds the 64 KiB buffer, too big for small thread stacks). An external
 *   buffer given to sse_init() is borrowed and must outlive the parser's use.
 *   The views in struct sse_event point into the parser, its data buffer, the
 *   input given to sse_feed() or static text; they are valid only during the
 *   callback.
 */
#ifndef SSE_H
#define SSE_H

#include <stddef.h>

#include "err.h"

/* Default size of the data buffer (the largest data of one event). A build may
 * change it (the whole build must agree: it sets the struct's size);
 * sse_init() may use less of it, or an external buffer of any size. */
#ifndef SSE_BUF_SIZE
#define SSE_BUF_SIZE (64 * 1024)
#endif
/* Longest event name kept; a longer one makes the event oversize. Responses API
 * names are under 64 bytes. */
#define SSE_TYPE_MAX 128
/* Longest id kept as the last event ID; a longer one is ignored. */
#define SSE_ID_MAX 256

/* One dispatched event. All views are valid only during the callback. */
struct sse_event {
	const char *type; /* "message" when no or an empty event field;
	                     NUL-terminated (a NUL inside is kept: use type_len) */
	size_t type_len;  /* 0 only for an oversize event with an over-long name */
	const char *data; /* lines joined with LF, not NUL-terminated; NULL when oversize */
	size_t data_len;
	const char *id; /* last event ID, "" when none; NUL-terminated, holds no NUL */
	size_t id_len;
	int oversize;     /* data (or the name) did not fit: data is NULL */
	size_t data_size; /* length the data had, also when oversize (saturates) */
};

/* The caller may read retry_ms and retry_count; every other member is private. */
struct sse_parser {
	unsigned long retry_ms;    /* the last valid retry field, in milliseconds */
	unsigned long retry_count; /* valid retry fields seen; 0: retry_ms unset */

	/* private */
	unsigned char *ext;        /* external data buffer, NULL: store[] */
	size_t cap;                /* bytes of data buffer in use, 0: SSE_BUF_SIZE */
	const unsigned char *view; /* the event's data (data_len bytes) in the
	                              input, not copied; NULL: in the buffer */
	size_t data_len;
	size_t data_size;
	unsigned char *spill; /* the larger event's buffer, NULL: none now */
	size_t spill_cap;
	size_t spill_max; /* largest data a spill may hold */
	void *(*grow)(void *ctx, void *old, size_t size);
	void *grow_ctx;
	size_t type_len;
	size_t id_len;  /* of id[id_cur] */
	size_t idn_len; /* of id[!id_cur], the id field being read */
	unsigned long retry_acc;
	unsigned char state;
	unsigned char field;
	unsigned char name_len;
	unsigned char bom;
	unsigned char cr;
	unsigned char has_data;
	unsigned char oversize;
	unsigned char type_over;
	unsigned char id_bad;
	unsigned char retry_bad;
	unsigned char retry_digits;
	unsigned char id_cur;
	char name[8];
	char type[SSE_TYPE_MAX + 1];
	char id[2][SSE_ID_MAX + 1];
	unsigned char store[SSE_BUF_SIZE];
};

/* Resets p for a new stream. buf NULL: use p's own buffer, cap bytes of it
 * (0: all SSE_BUF_SIZE; more is DBX_ERR_USAGE). buf non-NULL: use buf, cap bytes
 * (at least 1), borrowed. p MUST NOT be NULL. */
int sse_init(struct sse_parser *p, void *buf, size_t cap);

/* Lets an event larger than the buffer spill (see the rules) into a buffer of up
 * to max bytes that grow(ctx, old, size) gives: like realloc(old, size) (old
 * NULL for a new one; NULL when it cannot, old then still held), and size 0
 * frees old. grow NULL: no spill (the default, and what sse_init() sets).
 * Call it after sse_init(). A spill held when the parser is dropped mid-event
 * is given back by sse_finish(), which every stream MUST end with. */
void sse_spill(struct sse_parser *p, size_t max, void *(*grow)(void *ctx, void *old, size_t size),
               void *ctx);

/* Parses len bytes of buf (NULL allowed when len is 0), calling on_event (MUST
 * NOT be NULL) for each dispatched event. Returns DBX_OK when all was consumed,
 * or the callback's non-zero value. *used (NULL allowed) receives the bytes
 * consumed: len, or fewer when a callback stopped it. */
int sse_feed(struct sse_parser *p, const void *buf, size_t len,
             int (*on_event)(void *ctx, const struct sse_event *ev), void *ctx, size_t *used);

/* Ends the stream: a pending event (one without its blank line) is discarded
 * and a spill given back.
 * Returns DBX_OK, or DBX_ERR_TRUNCATED when an unfinished line or a pending
 * event with data was discarded (the caller may treat that as a cut stream).
 * The parser must be reset with sse_init() before another stream. */
int sse_finish(struct sse_parser *p);

#endif
