/*
 * fuzz_models.c - libFuzzer target for the serving-endpoints list decoder
 * (models_decode). The input is the reply body. Checked: every model given to
 * the callback has a non-empty NUL-terminated name and a task (possibly "");
 * on failure other than a cancel nothing was delivered; the count of
 * delivered models matches a second decode (deterministic) and a cancel at
 * model k stops there. The same input as endpoint metadata
 * (models_lists_responses): a verdict, "listed" only for a valid object.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dbxai.h"
#include "fuzz_common.h"
#include "models.h"

struct seen {
	size_t count, stop_at;
	uint64_t h;
};

static int on_model(void *ctx, const struct dbx_model *m)
{
	struct seen *s = ctx;

	REQUIRE(m->name && m->name[0] && m->task);
	REQUIRE(m->ready == 0 || m->ready == 1);
	fuzz_mix_str(&s->h, m->name);
	fuzz_mix_str(&s->h, m->task);
	fuzz_mix_int(&s->h, m->ready);
	s->count++;
	return s->stop_at && s->count == s->stop_at;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen a, b;
	char errbuf[DBX_ERRBUF_SIZE], *body;
	int err, err2, yes;

	if (size > (1u << 20))
		return 0;
	body = malloc(size ? size : 1);
	REQUIRE(body != NULL);
	if (size)
		memcpy(body, data, size);
	memset(&a, 0, sizeof a);
	a.h = FUZZ_FNV_BASIS;
	err = models_decode(body, size, on_model, &a, errbuf);
	REQUIRE(err != DBX_ERR_CANCELLED);
	if (err)
		REQUIRE(a.count == 0);
	if (!err && a.count > 0) {
		memset(&b, 0, sizeof b);
		b.h = FUZZ_FNV_BASIS;
		b.stop_at = 1 + (a.h % a.count);
		err2 = models_decode(body, size, on_model, &b, errbuf);
		REQUIRE(err2 == DBX_ERR_CANCELLED && b.count == b.stop_at);
	}
	/* the same bytes as one endpoint's metadata: a verdict, listed only on
	 * success, and only when the name's bytes are in the text at all (as
	 * they are, or with escapes) */
	yes = -1;
	err = models_lists_responses(body, size, &yes, errbuf);
	REQUIRE(err == DBX_OK || err == DBX_ERR_PROTOCOL || err == DBX_ERR_LIMIT);
	REQUIRE(yes == 0 || (yes == 1 && err == DBX_OK));
	if (yes)
		REQUIRE(memchr(body, '/', size) || memchr(body, '\\', size));
	free(body);
	return 0;
}
