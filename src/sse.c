/* sse.c - WHATWG event-stream parser; see sse.h for the rules. */
#include "sse.h"

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "dbxai.h"

/* Where in a line the parser stands. ST_NAME is 0 so that a zero-filled parser
 * starts at the beginning of a line. */
enum { ST_NAME, ST_SPACE, ST_VALUE, ST_SKIP };

/* The field whose value is being read. */
enum { F_OTHER, F_DATA, F_EVENT, F_ID, F_RETRY };

/* p->bom counts the BOM bytes matched at the start of the stream; BOM_DONE
 * means the start is behind us (with or without a BOM). */
#define BOM_DONE 3

static const unsigned char bom_bytes[3] = {0xEF, 0xBB, 0xBF};

__attribute__((cold)) /* once per call, not per chunk: built for size (Makefile HOT_OBJ) */
int sse_init(struct sse_parser *p, void *buf, size_t cap)
{
	int err = DBX_ERR_USAGE;

	if (!p)
		goto out;
	if (!buf && cap > SSE_BUF_SIZE)
		goto out;
	if (buf && cap == 0)
		goto out;
	/* store[] is last: no need to clear 64 KiB that is never read before
	 * it is written. */
	memset(p, 0, offsetof(struct sse_parser, store));
	p->ext = buf;
	p->cap = cap;
	err = DBX_OK;
out:
	return err;
}

static unsigned name_field(const struct sse_parser *p)
{
	static const struct {
		const char *name;
		unsigned char len;
		unsigned char field;
	} known[] = {
	    {"data", 4, F_DATA},
	    {"event", 5, F_EVENT},
	    {"id", 2, F_ID},
	    {"retry", 5, F_RETRY},
	};
	unsigned field = F_OTHER;
	size_t k;

	for (k = 0; k < sizeof known / sizeof known[0]; k++) {
		if (p->name_len == known[k].len &&
		    memcmp(p->name, known[k].name, known[k].len) == 0) {
			field = known[k].field;
			break;
		}
	}
	return field;
}

void sse_spill(struct sse_parser *p, size_t max, void *(*grow)(void *ctx, void *old, size_t size),
               void *ctx)
{
	p->spill_max = max;
	p->grow = grow;
	p->grow_ctx = ctx;
}

static size_t data_cap(const struct sse_parser *p)
{
	if (p->spill)
		return p->spill_cap;
	return p->cap ? p->cap : SSE_BUF_SIZE;
}

static unsigned char *data_buf(struct sse_parser *p)
{
	if (p->spill)
		return p->spill;
	return p->ext ? p->ext : p->store;
}

/* The most data one event may have: the buffer's, or the spill's maximum. */
static size_t data_room(const struct sse_parser *p)
{
	size_t cap = data_cap(p);

	return p->grow && p->spill_max > cap ? p->spill_max : cap;
}

static void spill_release(struct sse_parser *p)
{
	if (p->spill)
		p->grow(p->grow_ctx, p->spill, 0);
	p->spill = NULL;
	p->spill_cap = 0;
}

/* Makes room for need bytes of data in a spill: 1 when there is. */
static int spill_grow(struct sse_parser *p, size_t need)
{
	size_t cap = data_cap(p), size;
	unsigned char *nb;

	if (!p->grow || need > p->spill_max)
		return 0;
	size = cap > p->spill_max / 2 ? p->spill_max : cap * 2;
	if (size < need)
		size = need;
	nb = p->grow(p->grow_ctx, p->spill, size);
	if (!nb)
		return 0;
	if (!p->spill)
		memcpy(nb, data_buf(p), p->data_len);
	p->spill = nb;
	p->spill_cap = size;
	return 1;
}

static void data_append(struct sse_parser *p, const void *s, size_t n);

/* Copies the data held in place into the buffer: the input it points into is
 * the caller's only until sse_feed() returns. */
static void view_flush(struct sse_parser *p)
{
	const unsigned char *v = p->view;
	size_t n = p->data_len;

	p->view = NULL;
	p->data_len = 0;
	p->data_size -= n;
	data_append(p, v, n);
}

static void data_append(struct sse_parser *p, const void *s, size_t n)
{
	if (p->view)
		view_flush(p);

	/* The size is kept even past the buffer so that the caller can say how
	 * big the event it could not take was. */
	p->data_size = n > SIZE_MAX - p->data_size ? SIZE_MAX : p->data_size + n;
	if (p->oversize) {
		/* skipping to the end of the event */
	} else if (n > data_cap(p) - p->data_len &&
	           (n > SIZE_MAX - p->data_len || !spill_grow(p, p->data_len + n))) {
		p->oversize = 1;
		spill_release(p);
	} else {
		memcpy(data_buf(p) + p->data_len, s, n);
		p->data_len += n;
	}
}

static void field_begin(struct sse_parser *p, unsigned field)
{
	p->field = (unsigned char)field;
	switch (field) {
	case F_DATA:
		/* The standard appends value + LF per line and drops the last
		 * LF at dispatch; joining with LF is the same and needs no
		 * spare byte. */
		if (p->has_data)
			data_append(p, "\n", 1);
		p->has_data = 1;
		break;
	case F_EVENT:
		/* the last event field of an event wins */
		p->type_len = 0;
		p->type_over = 0;
		break;
	case F_ID:
		p->idn_len = 0;
		p->id_bad = 0;
		break;
	case F_RETRY:
		p->retry_acc = 0;
		p->retry_bad = 0;
		p->retry_digits = 0;
		break;
	default:
		break;
	}
}

static void retry_append(struct sse_parser *p, const unsigned char *s, size_t n)
{
	size_t k;

	for (k = 0; k < n && !p->retry_bad; k++) {
		unsigned d = (unsigned)s[k] - '0';
		/* A value that does not fit is as unusable as one with a
		 * non-digit: both are ignored. */
		if (d > 9 || p->retry_acc > (ULONG_MAX - d) / 10) {
			p->retry_bad = 1;
		} else {
			p->retry_acc = p->retry_acc * 10 + d;
			p->retry_digits = 1;
		}
	}
}

/* Appends n bytes of the current field's value. whole: they are the whole
 * value of the line and its line end is in this feed. */
static void value_append(struct sse_parser *p, const unsigned char *s, size_t n, int whole)
{
	char *idn;

	switch (p->field) {
	case F_DATA:
		/* The first data of an event, a whole line: kept in place, and
		 * copied only if the event does not end in this feed. */
		if (whole && p->data_size == 0 && !p->oversize && n <= data_room(p)) {
			p->view = s;
			p->data_len = n;
			p->data_size = n;
		} else {
			data_append(p, s, n);
		}
		break;
	case F_EVENT:
		if (p->type_over || n > SSE_TYPE_MAX - p->type_len) {
			p->type_over = 1;
		} else {
			memcpy(p->type + p->type_len, s, n);
			p->type_len += n;
		}
		break;
	case F_ID:
		/* Read into the spare slot: the current id must survive an id
		 * field that turns out to be invalid. */
		idn = p->id[!p->id_cur];
		if (p->id_bad || memchr(s, 0, n) || n > SSE_ID_MAX - p->idn_len) {
			p->id_bad = 1;
		} else {
			memcpy(idn + p->idn_len, s, n);
			p->idn_len += n;
		}
		break;
	case F_RETRY:
		retry_append(p, s, n);
		break;
	default:
		break;
	}
}

static void field_end(struct sse_parser *p)
{
	switch (p->field) {
	case F_ID:
		if (!p->id_bad) {
			p->id_cur ^= 1;
			p->id[p->id_cur][p->idn_len] = 0;
			p->id_len = p->idn_len;
		}
		break;
	case F_RETRY:
		if (!p->retry_bad && p->retry_digits) {
			p->retry_ms = p->retry_acc;
			p->retry_count++;
		}
		break;
	default:
		break;
	}
	p->field = F_OTHER;
}

/* Forgets the event being built; the id and retry persist across events. */
static void event_reset(struct sse_parser *p)
{
	p->data_len = 0;
	p->data_size = 0;
	p->view = NULL;
	p->has_data = 0;
	p->oversize = 0;
	p->type_len = 0;
	p->type_over = 0;
	spill_release(p);
}

static int dispatch(struct sse_parser *p, int (*on_event)(void *ctx, const struct sse_event *ev),
                    void *ctx)
{
	struct sse_event ev;
	int rc = 0;

	/* an event without data lines is not dispatched */
	if (!p->has_data)
		goto out;
	memset(&ev, 0, sizeof ev);
	ev.oversize = p->oversize || p->type_over;
	if (p->type_over) {
		ev.type = "";
	} else if (p->type_len == 0) {
		ev.type = "message";
		ev.type_len = 7;
	} else {
		p->type[p->type_len] = 0;
		ev.type = p->type;
		ev.type_len = p->type_len;
	}
	if (!ev.oversize) {
		ev.data = (const char *)(p->view ? p->view : data_buf(p));
		ev.data_len = p->data_len;
	}
	ev.data_size = p->data_size;
	ev.id = p->id[p->id_cur];
	ev.id_len = p->id_len;
	rc = on_event(ctx, &ev);
out:
	event_reset(p);
	return rc;
}

/* The line ends with byte c (CR or LF): finish its field, or dispatch when the
 * line was blank. */
static int line_end(struct sse_parser *p, unsigned char c,
                    int (*on_event)(void *ctx, const struct sse_event *ev), void *ctx)
{
	int rc = 0;

	if (p->state == ST_NAME && p->name_len == 0) {
		rc = dispatch(p, on_event, ctx);
	} else {
		/* a line without a colon is a field with an empty value */
		if (p->state == ST_NAME)
			field_begin(p, name_field(p));
		field_end(p);
	}
	p->state = ST_NAME;
	p->name_len = 0;
	p->field = F_OTHER;
	/* a CR may be the first half of a CRLF whose LF is in the next feed */
	p->cr = c == '\r';
	return rc;
}

/* s starts with "data: ", the line of nearly every event: one 4-byte load and
 * two byte compares (memcmp is a call in code built for size, ~45
 * instructions an event). */
static int data_line(const unsigned char *s)
{
	uint32_t a, b;

	memcpy(&a, s, 4);
	memcpy(&b, "data", 4);
	return a == b && s[4] == ':' && s[5] == ' ';
}

/* Offset of the first CR or LF in s[i, len), or len. */
static size_t find_eol(const unsigned char *s, size_t i, size_t len)
{
#if defined(__SSE2__)
	const __m128i lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');

	for (; len - i >= 16; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		unsigned m = (unsigned)_mm_movemask_epi8(
		    _mm_or_si128(_mm_cmpeq_epi8(v, lf), _mm_cmpeq_epi8(v, cr)));

		if (m)
			return i + (size_t)__builtin_ctz(m);
	}
#else
	/* a word at a time past words without CR or LF (a test on all bytes
	 * at once, exact for "any"); the loop below finds which byte */
	const size_t ones = (size_t)-1 / 0xFF, highs = ones * 0x80;

	for (; len - i >= sizeof(size_t); i += sizeof(size_t)) {
		size_t w, a, b;

		memcpy(&w, s + i, sizeof w);
		a = w ^ (ones * '\n');
		b = w ^ (ones * '\r');
		if ((((a - ones) & ~a) | ((b - ones) & ~b)) & highs)
			break;
	}
#endif
	while (i < len && s[i] != '\n' && s[i] != '\r')
		i++;
	return i;
}

int sse_feed(struct sse_parser *p, const void *buf, size_t len,
             int (*on_event)(void *ctx, const struct sse_event *ev), void *ctx, size_t *used)
{
	const unsigned char *s = buf;
	size_t i = 0, eol;
	unsigned char c;
	int err = DBX_OK;

	if (!p || !on_event || (!buf && len)) {
		err = DBX_ERR_USAGE;
		goto out;
	}
	while (i < len) {
		c = s[i];
		if (p->cr) {
			p->cr = 0;
			if (c == '\n') {
				i++;
				continue;
			}
		}
		if (p->bom != BOM_DONE) {
			if (c == bom_bytes[p->bom]) {
				p->bom++;
				i++;
				continue;
			}
			/* Not a BOM after all: the bytes matched so far are
			 * the start of the first line (a field name that can
			 * match no field, but the line is not blank). */
			memcpy(p->name, bom_bytes, p->bom);
			p->name_len = p->bom;
			p->bom = BOM_DONE;
		}
		switch (p->state) {
		case ST_NAME:
			if (c == '\n' || c == '\r') {
				i++;
				err = line_end(p, c, on_event, ctx);
				if (err)
					goto out;
			} else if (p->name_len == 0 && len - i >= 6 && data_line(s + i)) {
				/* the line of nearly every event */
				field_begin(p, F_DATA);
				p->state = ST_VALUE;
				i += 6;
			} else if (c == ':') {
				/* an empty name is a comment line */
				field_begin(p, name_field(p));
				p->state = p->field == F_OTHER ? ST_SKIP : ST_SPACE;
				i++;
			} else if (p->name_len == sizeof p->name) {
				/* longer than any field we know */
				p->field = F_OTHER;
				p->state = ST_SKIP;
			} else {
				p->name[p->name_len++] = (char)c;
				i++;
			}
			break;
		case ST_SPACE:
			/* one space after the colon is not part of the value */
			p->state = ST_VALUE;
			if (c == ' ')
				i++;
			break;
		default:
			/* ST_VALUE or ST_SKIP: take the rest of the line in
			 * one piece */
			eol = find_eol(s, i, len);
			if (p->state == ST_VALUE && eol > i)
				value_append(p, s + i, eol - i, eol < len);
			i = eol;
			if (i < len) {
				c = s[i];
				i++;
				err = line_end(p, c, on_event, ctx);
				if (err)
					goto out;
			}
			break;
		}
	}
out:
	if (p && p->view)
		view_flush(p);
	if (used)
		*used = i;
	return err;
}

__attribute__((cold)) /* once per call, not per chunk: built for size (Makefile HOT_OBJ) */
int sse_finish(struct sse_parser *p)
{
	int err = DBX_OK;

	if (!p) {
		err = DBX_ERR_USAGE;
		goto out;
	}
	if ((p->bom != 0 && p->bom != BOM_DONE) || p->state != ST_NAME || p->name_len != 0 ||
	    p->has_data)
		err = DBX_ERR_TRUNCATED;
	event_reset(p);
	p->state = ST_NAME;
	p->name_len = 0;
	p->field = F_OTHER;
	p->cr = 0;
out:
	return err;
}
