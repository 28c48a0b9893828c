/* embed.c - see embed.h. */
#include "embed.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

/* A cut: a leaf array of numbers taken out of the reply before it is tokenized
 * (the skeleton has "[]" in its place), checked and counted while found. */
struct cut {
	size_t at;    /* where its "[]" is in the skeleton */
	size_t from;  /* where its '[' is in the body */
	size_t len;   /* its bytes in the body, brackets included */
	size_t count; /* its numbers */
	size_t odd;   /* numbers that may not convert (too long or >= 1e300), + 1 per each */
};

static inline __attribute__((always_inline)) int is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

static inline __attribute__((always_inline)) int is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/* The end of the run of digits from s[i], below n: eight bytes at a time
 * where it can (a vector is mostly digits), the last few one by one. */
static inline __attribute__((always_inline)) size_t digits_end(const char *s, size_t i, size_t n)
{
#if defined(__SSE2__)
	/* sixteen at a time: a fraction of up to 15 digits in one step */
	for (; i + 16 <= n; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		__m128i d = _mm_sub_epi8(x, _mm_set1_epi8('0' - 128));
		int bad = ~_mm_movemask_epi8(_mm_cmplt_epi8(d, _mm_set1_epi8(-128 + 10))) & 0xFFFF;
		if (bad)
			return i + (size_t)__builtin_ctz((unsigned)bad);
	}
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t high = 0xF0F0F0F0F0F0F0F0u, zeros = 0x3030303030303030u;

	for (; i + 8 <= n; i += 8) {
		uint64_t x, bad;
		memcpy(&x, s + i, 8);
		/* a digit is 0x30..0x39: high nibble 3, and still 3 after adding 6; a
		 * carry out of a byte comes only from a byte that is not a digit, and
		 * goes up, so the lowest byte flagged is the first non-digit */
		bad = ((x & high) ^ zeros) | (((x + 0x0606060606060606u) & high) ^ zeros);
		if (bad)
			return i + (size_t)__builtin_ctzll(bad) / 8;
	}
#endif
	while (i < n && is_digit(s[i]))
		i++;
	return i;
}

/* The length of the JSON number at s[0..n) (RFC 8259 grammar), 0 if there is
 * none (inlined: it runs once per number of every vector). *odd is set when json_number_double()
 * could fail on it: written in more than JSON_NUM_MAX bytes, or 1e300 or more in magnitude. Any
 * other number converts (fast_double or text_double, within range). */
static inline __attribute__((always_inline)) size_t number_at(const char *s, size_t n, int *odd)
{
	size_t i = 0, digits = 0, j;
	long e = 0;
	int eneg = 0;

	if (i < n && s[i] == '-')
		i++;
	if (i < n && s[i] == '0') {
		i++;
	} else if (i < n && s[i] >= '1' && s[i] <= '9') {
		j = digits_end(s, i + 1, n);
		digits = j - i;
		i = j;
	} else {
		return 0;
	}
	if (i < n && s[i] == '.') {
		j = digits_end(s, i + 1, n);
		if (j == i + 1)
			return 0;
		i = j;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		if (++i < n && (s[i] == '+' || s[i] == '-'))
			eneg = s[i++] == '-';
		if (i >= n || !is_digit(s[i]))
			return 0;
		for (; i < n && is_digit(s[i]); i++)
			if (e < 100000)
				e = e * 10 + (s[i] - '0');
	}
	*odd = i > JSON_NUM_MAX || (long)digits + (eneg ? -e : e) > 300;
	return i;
}

/* When s[0] == '[' opens a non-empty array of numbers only (whitespace allowed
 * where JSON allows it), its length up to its ']' and c->count, c->odd; else 0. */
static size_t number_array(const char *s, size_t n, struct cut *c)
{
	size_t i = 1, l;
	int odd = 0;

	c->count = c->odd = 0;
	for (;;) {
		while (i < n && is_space(s[i]))
			i++;
		l = number_at(s + i, n - i, &odd);
		if (!l)
			return 0;
		i += l;
		c->count++;
		if (odd && !c->odd)
			c->odd = c->count; /* the first that may not convert, + 1 */
		while (i < n && is_space(s[i]))
			i++;
		if (i >= n)
			return 0;
		if (s[i] == ']')
			return i + 1;
		if (s[i++] != ',')
			return 0;
	}
}

/* The reply with every non-empty array of numbers cut out: what jsmn reads,
 * a few tokens per vector instead of one per number. */
struct skeleton {
	char *text;
	size_t len;
	struct cut *cuts;
	size_t ncuts, cap;
};

static int skeleton_build(struct skeleton *sk, const char *body, size_t len)
{
	size_t i = 0, seg = 0;
	struct cut c;

	sk->text = malloc(len + 1);
	if (!sk->text)
		return DBX_ERR_NOMEM;
	sk->len = 0;
	while (i < len) {
		char ch = body[i];
		size_t l;

		if (ch == '"') { /* strings are copied as they are */
			for (i++; i < len && body[i] != '"'; i++)
				if (body[i] == '\\')
					i++;
			i++;
			continue;
		}
		if (ch != '[' || !(l = number_array(body + i, len - i, &c))) {
			i++;
			continue;
		}
		if (sk->ncuts == sk->cap) {
			size_t cap = sk->cap ? 2 * sk->cap : 64;
			struct cut *nc = realloc(sk->cuts, cap * sizeof *nc);
			if (!nc)
				return DBX_ERR_NOMEM;
			sk->cuts = nc;
			sk->cap = cap;
		}
		memcpy(sk->text + sk->len, body + seg, i - seg);
		sk->len += i - seg;
		c.at = sk->len;
		c.from = i;
		c.len = l;
		sk->cuts[sk->ncuts++] = c;
		memcpy(sk->text + sk->len, "[]", 2);
		sk->len += 2;
		i += l;
		seg = i;
	}
	memcpy(sk->text + sk->len, body + seg, len - seg);
	sk->len += len - seg;
	return DBX_OK;
}

/* The cut whose "[]" starts at skeleton offset at, or NULL. */
static const struct cut *cut_at(const struct skeleton *sk, size_t at)
{
	size_t lo = 0, hi = sk->ncuts;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (sk->cuts[mid].at < at)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < sk->ncuts && sk->cuts[lo].at == at ? &sk->cuts[lo] : NULL;
}

/* A skeleton offset as an offset in the body. */
static size_t body_offset(const struct skeleton *sk, size_t off)
{
	size_t shift = 0, k;

	for (k = 0; k < sk->ncuts && sk->cuts[k].at < off; k++) {
		if (off == sk->cuts[k].at + 1)
			return sk->cuts[k].from + sk->cuts[k].len - 1; /* its ']' */
		shift += sk->cuts[k].len - 2;
	}
	return off + shift;
}

/* The numbers of cut c: checked (any that may not convert is converted) and,
 * when vals is not NULL, converted into vals[0..c->count). */
static int cut_values(const char *body, const struct cut *c, double *vals, int k, size_t base,
                      size_t n, char *errbuf)
{
	const char *s = body + c->from + 1, *end = body + c->from + c->len - 1;
	size_t j;
	int odd = 0;

	if (!vals && !c->odd)
		return DBX_OK;
	for (j = 0; j < c->count; j++) {
		size_t l;
		double v;

		while (is_space(*s) || *s == ',')
			s++;
		l = number_at(s, (size_t)(end - s), &odd);
		if ((vals || odd) && json_number_double(s, l, vals ? &vals[j] : &v) != DBX_OK)
			return bad_reply(errbuf, base, n,
			                 "data[%d].embedding[%zu] is out of the range of a double",
			                 k, j);
		s += l;
	}
	return DBX_OK;
}

/* The embedding of data[k] (token emb of the skeleton) checked and, when vals
 * is not NULL, converted into vals[0..*dim); its text in the body is put in
 * *raw, *raw_len. */
static int take_vector(const struct skeleton *sk, const char *body, const struct json_doc *d,
                       int emb, int k, size_t *dim, double *vals, const char **raw, size_t *raw_len,
                       size_t base, size_t n, char *errbuf)
{
	const struct cut *c = NULL;
	const char *p;
	size_t pn;
	int size, j, t;

	if (json_type(d, emb) != JSON_ARRAY)
		return bad_reply(errbuf, base, n,
		                 "data[%d].embedding is not an array of numbers (a base64 "
		                 "encoding is not supported)",
		                 k);
	json_raw(d, emb, &p, &pn);
	c = cut_at(sk, (size_t)(p - sk->text));
	size = c ? (int)c->count : json_size(d, emb);
	if (size == 0)
		return bad_reply(errbuf, base, n, "data[%d].embedding is empty", k);
	if ((size_t)size != *dim)
		return bad_reply(errbuf, base, n,
		                 "data[%d].embedding has %d dimensions, the first vector had %zu",
		                 k, size, *dim);
	if (c) {
		*raw = body + c->from;
		*raw_len = c->len;
		return cut_values(body, c, vals, k, base, n, errbuf);
	}
	/* Not cut, so not all numbers: the first that is not is named. */
	for (j = 0, t = json_child(d, emb); t != -1; j++, t = json_next(d, t))
		if (json_type(d, t) != JSON_NUMBER)
			break;
	return bad_reply(errbuf, base, n, "data[%d].embedding[%d] is not a number", k, j);
}

int embed_decode(const char *body, size_t len, size_t n, size_t base, size_t *dim, int values,
                 dbx_vector_fn cb, void *ctx, char *errbuf)
{
	struct skeleton sk = {0};
	struct json_doc d;
	struct json_tok *tok = NULL;
	struct vec {
		const char *raw;
		size_t len;
	} *slot = NULL; /* slot[i]: the vector for input base + i */
	double *vals = NULL;
	int data, item, k, err, need;
	size_t i;

	if (n == 0)
		return DBX_OK;
	err = skeleton_build(&sk, body, len);
	if (err)
		goto out;
	/* one jsmn pass with a bound on the tokens (a reply of vectors holds
	 * few strings, so the bound is close); jsmn's exact count only when
	 * the bound is over the cap */
	need = json_token_bound(sk.text, sk.len);
	if (need > JSON_MAX_TOKENS) {
		err = json_parse(&d, sk.text, sk.len, NULL, 0);
		need = err == DBX_ERR_LIMIT && d.needed <= JSON_MAX_TOKENS ? d.needed : 0;
	}
	if (need > 0) {
		tok = malloc((size_t)need * sizeof *tok);
		if (!tok) {
			err = DBX_ERR_NOMEM;
			goto out;
		}
		err = json_parse(&d, sk.text, sk.len, tok, need);
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
		                body_offset(&sk, d.err_off));
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
	slot = calloc(n, sizeof *slot);
	if (!slot) {
		err = DBX_ERR_NOMEM;
		goto out;
	}
	/* First the whole batch is checked (and converted), so that a bad item
	 * anywhere delivers nothing of it. */
	for (k = 0, item = json_child(&d, data); item != -1; k++, item = json_next(&d, item)) {
		int emb = json_get(&d, item, "embedding");
		const struct cut *c;
		const char *p;
		size_t pn;
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
		if (slot[idx].raw) {
			err =
			    bad_reply(errbuf, base, n, "index %lld appears twice", (long long)idx);
			goto out;
		}
		if (*dim == 0 && json_type(&d, emb) == JSON_ARRAY) {
			json_raw(&d, emb, &p, &pn);
			c = cut_at(&sk, (size_t)(p - sk.text));
			*dim = c ? c->count : (size_t)json_size(&d, emb);
		}
		if (values && !vals && *dim > 0) {
			if (*dim > SIZE_MAX / sizeof *vals / n) {
				err = DBX_ERR_NOMEM;
				goto out;
			}
			vals = malloc(n * *dim * sizeof *vals);
			if (!vals) {
				err = DBX_ERR_NOMEM;
				goto out;
			}
		}
		err =
		    take_vector(&sk, body, &d, emb, k, dim, vals ? vals + (size_t)idx * *dim : NULL,
		                &slot[idx].raw, &slot[idx].len, base, n, errbuf);
		if (err)
			goto out;
	}
	/* n items with distinct indices in 0..n-1: every slot is filled */
	for (i = 0; i < n; i++) {
		if (cb(ctx, base + i, vals ? vals + i * *dim : NULL, *dim, slot[i].raw,
		       slot[i].len) != 0) {
			errbuf_set(errbuf, "cancelled by the caller");
			err = DBX_ERR_CANCELLED;
			goto out;
		}
	}
out:
	free(vals);
	free(slot);
	free(tok);
	free(sk.text);
	free(sk.cuts);
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
		err = embed_decode(s->body.p ? s->body.p : "", s->body.len, n, base, &dim,
		                   !rq->text_only, cb, ctx, errbuf);
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
