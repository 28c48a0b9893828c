/* buf.c - see buf.h. */
#include "buf.h"

#include <stdlib.h>
#include <string.h>

#include "crypto.h"

void buf_init(struct buf *b, size_t max)
{
	memset(b, 0, sizeof *b);
	b->max = max;
}

int buf_append(struct buf *b, const char *data, size_t len)
{
	if (len > b->max - b->len) {
		b->err = DBX_ERR_LIMIT;
		return DBX_ERR_LIMIT;
	}
	if (b->len + len + 1 > b->cap_) {
		size_t cap = b->cap_ ? b->cap_ : 1024;
		char *nb;
		while (cap < b->len + len + 1)
			cap *= 2;
		/* a secret is not left behind in the block realloc would free */
		nb = b->secret ? malloc(cap) : realloc(b->p, cap);
		if (!nb) {
			b->err = DBX_ERR_NOMEM;
			return DBX_ERR_NOMEM;
		}
		if (b->secret && b->p) {
			memcpy(nb, b->p, b->len);
			crypto_wipe(b->p, b->cap_);
			free(b->p);
		}
		b->p = nb;
		b->cap_ = cap;
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
	b->p[b->len] = '\0';
	return DBX_OK;
}

void buf_clear(struct buf *b)
{
	if (b->secret && b->p)
		crypto_wipe(b->p, b->len);
	b->len = 0;
	b->err = DBX_OK;
	if (b->p)
		b->p[0] = '\0';
}

void buf_free(struct buf *b)
{
	int secret = b->secret;

	if (secret && b->p)
		crypto_wipe(b->p, b->cap_);
	free(b->p);
	buf_init(b, b->max);
	b->secret = secret;
}
