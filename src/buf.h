/*
 * buf.h - a byte buffer that grows on the heap up to a hard maximum given at
 * init (STYLE 8): reply bodies collected whole, reply text kept for a
 * transcript. Past the maximum an append fails cleanly; what is already in
 * the buffer stays.
 *
 * The struct is the caller's; p is owned by it (buf_free releases it) and is
 * NUL-terminated after every successful append (NULL while nothing was added).
 */
#ifndef BUF_H
#define BUF_H

#include <stddef.h>

#include "err.h"

struct buf {
	char *p;
	size_t len;
	size_t max;  /* hard maximum of len */
	int err;     /* the first failure: DBX_ERR_LIMIT (past max) or DBX_ERR_NOMEM */
	int secret;  /* set after buf_init: the contents are wiped when the buffer
	                grows, is cleared or freed (token endpoint answers) */
	size_t cap_; /* private */
};

void buf_init(struct buf *b, size_t max);

/* Appends len bytes; DBX_ERR_LIMIT past max, DBX_ERR_NOMEM when the heap says
 * no (both also kept in b->err). */
int buf_append(struct buf *b, const char *data, size_t len);

/* Empties the buffer but keeps its memory (a retried request starts again). */
void buf_clear(struct buf *b);

void buf_free(struct buf *b);

#endif
