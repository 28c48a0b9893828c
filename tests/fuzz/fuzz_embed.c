/*
 * fuzz_embed.c - libFuzzer target for the embeddings reply decoder
 * (embed_decode). The first byte of the input is the batch size (1..256), the
 * rest the reply body. Checked: on success the callback saw exactly n vectors,
 * indexes base..base+n-1 each once, all of one dimension (the one set in *dim),
 * every value finite, each with its raw JSON text a view inside the body that
 * starts with '['; on failure no vector was delivered, unless the callback
 * cancelled. The body is decoded twice, with doubles and text only: the same
 * result, the same error line, the same texts.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dbxai.h"
#include "embed.h"
#include "fuzz_common.h"

struct seen {
	const char *body;
	size_t len, n, base, dim, count;
	unsigned char got[256];
	size_t stop_at; /* cancel at this vector (0: never) */
	int values;     /* doubles asked for */
	const char *raw[256];
	size_t raw_len[256];
};

static int on_vector(void *ctx, size_t index, const double *values, size_t dim, const char *json,
                     size_t json_len)
{
	struct seen *s = ctx;
	size_t i;

	REQUIRE(index >= s->base && index < s->base + s->n);
	REQUIRE(!s->got[index - s->base]);
	s->got[index - s->base] = 1;
	REQUIRE(dim > 0 && (values != NULL) == s->values);
	if (s->dim == 0)
		s->dim = dim;
	REQUIRE(dim == s->dim);
	for (i = 0; values && i < dim; i++)
		REQUIRE(isfinite(values[i]));
	REQUIRE(json >= s->body && json + json_len <= s->body + s->len && json_len >= 2);
	REQUIRE(json[0] == '[' && json[json_len - 1] == ']');
	s->raw[index - s->base] = json;
	s->raw_len[index - s->base] = json_len;
	s->count++;
	return s->stop_at && s->count == s->stop_at;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct seen s, first;
	static char first_err[DBX_ERRBUF_SIZE];
	char errbuf[DBX_ERRBUF_SIZE], *body;
	size_t dim = 0, dim0 = 0, first_dim = 0;
	int err = DBX_OK, first_rc = DBX_OK, values;

	if (size < 1 || size > (1u << 20))
		return 0;
	fuzz_seed(data, size);
	memset(&s, 0, sizeof s);
	s.n = 1 + data[0] % 255;
	s.base = fuzz_rng() % 4 ? 0 : fuzz_rng();
	s.stop_at = fuzz_rng() % 8 ? 0 : 1 + fuzz_rng() % s.n;
	/* an exact-size copy: any over-read is past the heap block */
	body = malloc(size - 1 ? size - 1 : 1);
	REQUIRE(body != NULL);
	memcpy(body, data + 1, size - 1);
	s.body = body;
	s.len = size - 1;
	if (fuzz_rng() % 4 == 0)
		dim0 = 1 + fuzz_rng() % 8; /* a dimension set by an earlier batch */
	for (values = 1; values >= 0; values--) {
		memset(s.got, 0, sizeof s.got);
		s.count = 0;
		s.values = values;
		s.dim = dim = dim0;
		errbuf[0] = 0;
		err =
		    embed_decode(body, size - 1, s.n, s.base, &dim, values, on_vector, &s, errbuf);
		if (err == DBX_OK) {
			REQUIRE(s.count == s.n && dim == s.dim);
		} else if (err == DBX_ERR_CANCELLED) {
			REQUIRE(s.stop_at && s.count == s.stop_at);
		} else {
			REQUIRE(s.count == 0);
		}
		if (values) {
			first = s;
			first_rc = err;
			first_dim = dim;
			memcpy(first_err, errbuf, sizeof first_err);
		} else if (first_rc != DBX_ERR_NOMEM && err != DBX_ERR_NOMEM) {
			/* text only: the same outcome, word for word, the same texts */
			REQUIRE(err == first_rc && dim == first_dim && s.count == first.count);
			REQUIRE(strcmp(errbuf, first_err) == 0);
			REQUIRE(memcmp(s.raw, first.raw, sizeof s.raw) == 0);
			REQUIRE(memcmp(s.raw_len, first.raw_len, sizeof s.raw_len) == 0);
		}
	}
	free(body);
	return 0;
}
