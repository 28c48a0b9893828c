/* embed.c - see embed.h. */
#include "embed.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "client.h"
#include "json.h"
#include "jsonw.h"
#include "provider.h"

#define EMBED_PATH_MAX 256

int embed_request_body(const char *const *inputs, size_t n, char **out, size_t *len, char *errbuf)
{
	struct json_w w;
	size_t worst = 16, cap, i;
	char *buf = NULL;
	int err;

	*out = NULL;
	*len = 0;
	/* The writer needs its whole buffer up front: size it for the worst case
	 * (every byte a \u00XX escape), which stays far from overflow because
	 * each step is checked against EMBED_REQUEST_MAX first. */
	for (i = 0; i < n; i++) {
		size_t l = strlen(inputs[i]);
		if (l > EMBED_REQUEST_MAX || worst > EMBED_REQUEST_MAX) {
			worst = EMBED_REQUEST_MAX;
			break;
		}
		worst += 6 * l + 3;
	}
	cap = (worst < EMBED_REQUEST_MAX ? worst : EMBED_REQUEST_MAX) + 1;
	buf = malloc(cap);
	if (!buf) {
		err = DBX_ERR_NOMEM;
		goto out;
	}
	json_w_init(&w, buf, cap);
	json_w_obj(&w);
	json_w_key(&w, "input");
	json_w_arr(&w);
	for (i = 0; i < n; i++)
		json_w_str(&w, inputs[i]);
	json_w_arr_end(&w);
	json_w_obj_end(&w);
	err = json_w_finish(&w, len);
	if (err == DBX_ERR_LIMIT) {
		errbuf_set(errbuf,
		           "%zu inputs make a request body larger than %u MiB; use a smaller batch "
		           "(--batch)",
		           n, EMBED_REQUEST_MAX >> 20);
		goto out;
	}
	if (err) {
		errbuf_set(errbuf, "cannot build the embeddings request: %s", dbx_strerror(err));
		goto out;
	}
	*out = buf;
	buf = NULL;
out:
	free(buf);
	return err;
}

/* "input 7" or "inputs 64 to 127": which inputs a batch holds. */
static const char *batch_name(char *buf, size_t cap, size_t base, size_t n)
{
	if (n == 1)
		snprintf(buf, cap, "input %zu", base);
	else
		snprintf(buf, cap, "inputs %zu to %zu", base, base + n - 1);
	return buf;
}

/* One line in errbuf naming the batch's inputs, then the problem. */
__attribute__((format(printf, 4, 5))) static int bad_reply(char *errbuf, size_t base, size_t n,
                                                           const char *fmt, ...)
{
	char what[DBX_ERRBUF_SIZE], name[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	errbuf_set(errbuf, "bad embeddings reply for %s: %s",
	           batch_name(name, sizeof name, base, n), what);
	return DBX_ERR_PROTOCOL;
}

/* The embedding of data[k] (token item) checked and converted into
 * vals[0..*dim); *dim is set when still 0. */
static int take_vector(const struct json_doc *d, int emb, int k, size_t *dim, double *vals,
                       size_t base, size_t n, char *errbuf)
{
	int size = json_size(d, emb), j, t;

	if (json_type(d, emb) != JSON_ARRAY)
		return bad_reply(errbuf, base, n,
		                 "data[%d].embedding is not an array of numbers (a base64 "
		                 "encoding is not supported)",
		                 k);
	if (size == 0)
		return bad_reply(errbuf, base, n, "data[%d].embedding is empty", k);
	if ((size_t)size != *dim)
		return bad_reply(errbuf, base, n,
		                 "data[%d].embedding has %d dimensions, the first vector had %zu",
		                 k, size, *dim);
	for (j = 0, t = json_child(d, emb); t != -1; j++, t = json_next(d, t)) {
		if (json_type(d, t) != JSON_NUMBER)
			return bad_reply(errbuf, base, n, "data[%d].embedding[%d] is not a number",
			                 k, j);
		if (json_double(d, t, &vals[j]) != DBX_OK)
			return bad_reply(errbuf, base, n,
			                 "data[%d].embedding[%d] is out of the range of a double",
			                 k, j);
	}
	return DBX_OK;
}

int embed_decode(const char *body, size_t len, size_t n, size_t base, size_t *dim, dbx_vector_fn cb,
                 void *ctx, char *errbuf)
{
	struct json_doc d;
	struct json_tok *tok = NULL;
	int *slot = NULL; /* slot[i]: the embedding token for input base + i */
	double *vals = NULL;
	int data, item, k, err, need;
	size_t i;

	if (n == 0)
		return DBX_OK;
	/* one jsmn pass with a bound on the tokens (a reply of vectors holds
	 * few strings, so the bound is close); jsmn's exact count only when
	 * the bound is over the cap */
	need = json_token_bound(body, len);
	if (need > JSON_MAX_TOKENS) {
		err = json_parse(&d, body, len, NULL, 0);
		need = err == DBX_ERR_LIMIT && d.needed <= JSON_MAX_TOKENS ? d.needed : 0;
	}
	if (need > 0) {
		tok = malloc((size_t)need * sizeof *tok);
		if (!tok) {
			err = DBX_ERR_NOMEM;
			goto out;
		}
		err = json_parse(&d, body, len, tok, need);
		if (err == DBX_ERR_LIMIT && d.needed > need) {
			err = DBX_ERR_PROTOCOL; /* more than valid JSON can need */
			d.err_what = "malformed structure";
		}
	}
	if (err == DBX_ERR_LIMIT) {
		errbuf_set(errbuf,
		           "the embeddings reply for %zu inputs is too large to parse (%s); use a "
		           "smaller batch (--batch)",
		           n, d.err_what);
		goto out;
	}
	if (err) {
		err = bad_reply(errbuf, base, n, "not valid JSON: %s at byte %zu", d.err_what,
		                d.err_off);
		goto out;
	}
	data = json_get(&d, 0, "data");
	if (json_type(&d, data) != JSON_ARRAY) {
		err = bad_reply(errbuf, base, n, "no \"data\" array");
		goto out;
	}
	if ((size_t)json_size(&d, data) != n) {
		err = bad_reply(errbuf, base, n, "\"data\" has %d items for %zu inputs",
		                json_size(&d, data), n);
		goto out;
	}
	slot = malloc(n * sizeof *slot);
	if (!slot) {
		err = DBX_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < n; i++)
		slot[i] = -1;
	/* First the whole batch is checked and converted, so that a bad item
	 * anywhere delivers nothing of it. */
	for (k = 0, item = json_child(&d, data); item != -1; k++, item = json_next(&d, item)) {
		int emb = json_get(&d, item, "embedding");
		int64_t idx;

		if (json_type(&d, item) != JSON_OBJECT) {
			err = bad_reply(errbuf, base, n, "data[%d] is not an object", k);
			goto out;
		}
		if (json_int(&d, json_get(&d, item, "index"), &idx) != DBX_OK) {
			err = bad_reply(errbuf, base, n, "data[%d] has no integer \"index\"", k);
			goto out;
		}
		if (idx < 0 || (uint64_t)idx >= n) {
			err =
			    bad_reply(errbuf, base, n, "data[%d] has index %lld, outside 0 to %zu",
			              k, (long long)idx, n - 1);
			goto out;
		}
		if (slot[idx] != -1) {
			err =
			    bad_reply(errbuf, base, n, "index %lld appears twice", (long long)idx);
			goto out;
		}
		if (*dim == 0 && json_type(&d, emb) == JSON_ARRAY)
			*dim = (size_t)json_size(&d, emb);
		if (!vals && *dim > 0) {
			/* n * dim numbers are n * dim tokens: no overflow */
			vals = malloc(n * *dim * sizeof *vals);
			if (!vals) {
				err = DBX_ERR_NOMEM;
				goto out;
			}
		}
		err = take_vector(&d, emb, k, dim, vals ? vals + (size_t)idx * *dim : NULL, base, n,
		                  errbuf);
		if (err)
			goto out;
		slot[idx] = emb;
	}
	/* n items with distinct indices in 0..n-1: every slot is filled */
	for (i = 0; i < n; i++) {
		const char *raw;
		size_t raw_len;
		json_raw(&d, slot[i], &raw, &raw_len);
		if (cb(ctx, base + i, vals + i * *dim, *dim, raw, raw_len) != 0) {
			errbuf_set(errbuf, "cancelled by the caller");
			err = DBX_ERR_CANCELLED;
			goto out;
		}
	}
out:
	free(vals);
	free(slot);
	free(tok);
	return err;
}

/* One batch's reply, collected whole. */
struct embed_state {
	struct client_call k;
	struct buf body; /* bounded by EMBED_BODY_MAX */
};

int embed_run(struct client *c, const struct dbx_embed_request *rq, dbx_vector_fn cb, void *ctx,
              char *errbuf)
{
	const char *model;
	struct embed_state *s = NULL;
	char path[EMBED_PATH_MAX];
	char *body = NULL;
	size_t batch, base, i, dim = 0;
	int err = DBX_OK;

	if (!c || !rq || !cb || (rq->count > 0 && !rq->inputs)) {
		errbuf_set(errbuf, "dbx_embed: missing client, request or callback");
		err = DBX_ERR_USAGE;
		goto out;
	}
	model = rq->model && *rq->model ? rq->model : DBX_EMBED_MODEL;
	batch = rq->batch ? rq->batch : DBX_EMBED_BATCH;
	if (!url_name_ok(model)) {
		errbuf_set(errbuf,
		           "model name '%.60s' is not valid (letters, digits, '.', '_', '-')",
		           model);
		err = DBX_ERR_USAGE;
		goto out;
	}
	if (batch > EMBED_BATCH_MAX) {
		errbuf_set(errbuf, "batch size %zu is above the most, %d", batch, EMBED_BATCH_MAX);
		err = DBX_ERR_USAGE;
		goto out;
	}
	for (i = 0; i < rq->count; i++) {
		if (!rq->inputs[i]) {
			errbuf_set(errbuf, "input %zu is NULL", i);
			err = DBX_ERR_USAGE;
			goto out;
		}
	}
	snprintf(path, sizeof path, "/serving-endpoints/%s/invocations", model);
	s = calloc(1, sizeof *s);
	if (!s) {
		err = DBX_ERR_NOMEM;
		goto out;
	}
	buf_init(&s->body, EMBED_BODY_MAX);
	for (base = 0; base < rq->count; base += batch) {
		size_t n = rq->count - base < batch ? rq->count - base : batch, body_len;

		err = embed_request_body(rq->inputs + base, n, &body, &body_len, errbuf);
		if (err)
			goto out;
		memset(&s->k, 0, sizeof s->k);
		s->k.method = "POST";
		s->k.path = path;
		s->k.body = body;
		s->k.body_len = body_len;
		s->k.accept = "application/json";
		s->k.max_retries = c->retry.max_retries;
		err = client_call_whole(c, &s->k, &s->body, errbuf);
		if (err == DBX_ERR_LIMIT && s->body.err == DBX_ERR_LIMIT) {
			char name[64];
			errbuf_set(
			    errbuf,
			    "the embeddings reply for %s is larger than %u MiB; use a smaller "
			    "batch (--batch)",
			    batch_name(name, sizeof name, base, n), EMBED_BODY_MAX >> 20);
		}
		if (err)
			goto out;
		err = embed_decode(s->body.p ? s->body.p : "", s->body.len, n, base, &dim, cb, ctx,
		                   errbuf);
		free(body);
		body = NULL;
		if (err)
			goto out;
	}
out:
	free(body);
	if (s)
		buf_free(&s->body);
	free(s);
	return err;
}
