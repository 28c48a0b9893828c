/* fuzz_json.c - libFuzzer target for src/json.c.
 *
 * For each input:
 * 1. json_parse (with one retry at the size count mode asks for) must agree
 *    with a small independent recursive-descent validator on accept/reject.
 * 2. An accepted document is walked with every getter and lookup, and written
 *    back with the writer (strings unescaped then re-escaped); that output must
 *    parse and hold the same tree.
 * 3. The input as one string through the writer must parse back to itself, or
 *    to the U+FFFD-replaced form when it is not UTF-8.
 * 4. json_token_bound is at least the token count of an accepted document.
 * Any disagreement aborts. Seeds: tests/data/json (make fuzz). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "json.h"
#include "jsonw.h"

#define FUZZ_TOK 4096  /* tokens; documents needing more are only counted */
#define FUZZ_BIG 16384 /* bytes; longer inputs are only parsed and compared */

/* Reference validator: RFC 8259, well-formed UTF-8 in strings, paired
 * surrogates, nesting at most JSON_MAX_DEPTH. */
struct ref {
	const uint8_t *s;
	size_t n, p;
};

static void ref_ws(struct ref *r)
{
	while (r->p < r->n && (r->s[r->p] == ' ' || r->s[r->p] == '\t' || r->s[r->p] == '\n' ||
	                       r->s[r->p] == '\r'))
		r->p++;
}

static int ref_hex4(struct ref *r, unsigned *v)
{
	unsigned i, c;

	*v = 0;
	if (r->p + 4 > r->n)
		return 0;
	for (i = 0; i < 4; i++) {
		c = r->s[r->p + i];
		if (c >= '0' && c <= '9')
			c -= '0';
		else if ((c | 32) >= 'a' && (c | 32) <= 'f')
			c = (c | 32) - 'a' + 10;
		else
			return 0;
		*v = *v * 16 + c;
	}
	r->p += 4;
	return 1;
}

/* A UTF-8 decoder written differently from json.c's: by code point ranges. */
static int ref_utf8(const uint8_t *s, size_t n, size_t *len)
{
	uint32_t cp;
	size_t k, i;

	if (s[0] < 0x80) {
		*len = 1;
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		k = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		k = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		k = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (k > n)
		return 0;
	for (i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((k == 2 && cp < 0x80) || (k == 3 && cp < 0x800) || (k == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*len = k;
	return 1;
}

static int ref_string(struct ref *r)
{
	unsigned v, lo;
	size_t k;

	r->p++;
	for (;;) {
		if (r->p >= r->n)
			return 0;
		uint8_t c = r->s[r->p];
		if (c == '"') {
			r->p++;
			return 1;
		}
		if (c < 0x20)
			return 0;
		if (c == '\\') {
			if (r->p + 1 >= r->n)
				return 0;
			c = r->s[r->p + 1];
			r->p += 2;
			if (c == 'u') {
				if (!ref_hex4(r, &v))
					return 0;
				if (v >= 0xdc00 && v <= 0xdfff)
					return 0;
				if (v >= 0xd800 && v <= 0xdbff) {
					if (r->p + 2 > r->n || r->s[r->p] != '\\' ||
					    r->s[r->p + 1] != 'u')
						return 0;
					r->p += 2;
					if (!ref_hex4(r, &lo) || lo < 0xdc00 || lo > 0xdfff)
						return 0;
				}
			} else if (!memchr("\"\\/bfnrt", c, 8)) {
				return 0;
			}
		} else if (c >= 0x80) {
			if (!ref_utf8(r->s + r->p, r->n - r->p, &k))
				return 0;
			r->p += k;
		} else {
			r->p++;
		}
	}
}

static int ref_digits(struct ref *r)
{
	size_t p0 = r->p;

	while (r->p < r->n && r->s[r->p] >= '0' && r->s[r->p] <= '9')
		r->p++;
	return r->p > p0;
}

static int ref_number(struct ref *r)
{
	if (r->s[r->p] == '-')
		r->p++;
	if (r->p < r->n && r->s[r->p] == '0')
		r->p++;
	else if (!ref_digits(r))
		return 0;
	if (r->p < r->n && r->s[r->p] == '.') {
		r->p++;
		if (!ref_digits(r))
			return 0;
	}
	if (r->p < r->n && (r->s[r->p] == 'e' || r->s[r->p] == 'E')) {
		r->p++;
		if (r->p < r->n && (r->s[r->p] == '+' || r->s[r->p] == '-'))
			r->p++;
		if (!ref_digits(r))
			return 0;
	}
	return 1;
}

static int ref_value(struct ref *r, int depth)
{
	static const char *lits[] = {"true", "false", "null"};
	size_t i, l;
	int close;

	ref_ws(r);
	if (r->p >= r->n)
		return 0;
	switch (r->s[r->p]) {
	case '"':
		return ref_string(r);
	case '{':
	case '[':
		if (depth >= JSON_MAX_DEPTH)
			return 0;
		close = r->s[r->p] == '{' ? '}' : ']';
		r->p++;
		ref_ws(r);
		if (r->p < r->n && r->s[r->p] == close) {
			r->p++;
			return 1;
		}
		for (;;) {
			if (close == '}') {
				ref_ws(r);
				if (r->p >= r->n || r->s[r->p] != '"' || !ref_string(r))
					return 0;
				ref_ws(r);
				if (r->p >= r->n || r->s[r->p] != ':')
					return 0;
				r->p++;
			}
			if (!ref_value(r, depth + 1))
				return 0;
			ref_ws(r);
			if (r->p >= r->n)
				return 0;
			if (r->s[r->p] == close) {
				r->p++;
				return 1;
			}
			if (r->s[r->p] != ',')
				return 0;
			r->p++;
		}
	default:
		for (i = 0; i < 3; i++) {
			l = strlen(lits[i]);
			if (r->n - r->p >= l && memcmp(r->s + r->p, lits[i], l) == 0) {
				r->p += l;
				return 1;
			}
		}
		return ref_number(r);
	}
}

static int ref_valid(const uint8_t *s, size_t n)
{
	struct ref r = {s, n, 0};

	if (!ref_value(&r, 0))
		return 0;
	ref_ws(&r);
	return r.p == n;
}

/* Writes value t of d with the writer, strings re-escaped from their
 * unescaped form; numbers go verbatim. */
static void rewrite(struct json_w *w, const struct json_doc *d, int t, char *buf, size_t cap)
{
	size_t len;
	int k;
	bool b;

	switch (json_type(d, t)) {
	case JSON_OBJECT:
		json_w_obj(w);
		for (k = json_child(d, t); k >= 0; k = json_next(d, k)) {
			REQUIRE(json_str(d, k, buf, cap, &len) == DBX_OK);
			json_w_keyn(w, buf, len);
			rewrite(w, d, k + 1, buf, cap);
		}
		json_w_obj_end(w);
		break;
	case JSON_ARRAY:
		json_w_arr(w);
		for (k = json_child(d, t); k >= 0; k = json_next(d, k))
			rewrite(w, d, k, buf, cap);
		json_w_arr_end(w);
		break;
	case JSON_STRING:
		REQUIRE(json_str(d, t, buf, cap, &len) == DBX_OK);
		json_w_strn(w, buf, len);
		break;
	case JSON_BOOL:
		REQUIRE(json_bool(d, t, &b) == DBX_OK);
		json_w_bool(w, b);
		break;
	case JSON_NULL:
		json_w_null(w);
		break;
	default:
		json_w_raw(w, d, t);
		break;
	}
}

/* The two documents hold the same tree (strings compared unescaped). Returns
 * the number of tokens compared. */
static int same(const struct json_doc *a, int ta, const struct json_doc *b, int tb, char *ba,
                char *bb, size_t cap)
{
	size_t la, lb, rla, rlb;
	const char *ra, *rb;
	int ka, kb, n = 1;

	REQUIRE(json_type(a, ta) == json_type(b, tb));
	REQUIRE(json_size(a, ta) == json_size(b, tb));
	switch (json_type(a, ta)) {
	case JSON_OBJECT:
	case JSON_ARRAY:
		for (ka = json_child(a, ta), kb = json_child(b, tb); ka >= 0;
		     ka = json_next(a, ka), kb = json_next(b, kb)) {
			REQUIRE(kb >= 0);
			n += same(a, ka, b, kb, ba, bb, cap);
			if (json_type(a, ta) == JSON_OBJECT)
				n += same(a, ka + 1, b, kb + 1, ba, bb, cap);
		}
		REQUIRE(kb < 0);
		break;
	case JSON_STRING:
		REQUIRE(json_str(a, ta, ba, cap, &la) == DBX_OK);
		REQUIRE(json_str(b, tb, bb, cap, &lb) == DBX_OK);
		REQUIRE(la == lb && memcmp(ba, bb, la) == 0);
		break;
	default:
		REQUIRE(json_raw(a, ta, &ra, &rla) == DBX_OK);
		REQUIRE(json_raw(b, tb, &rb, &rlb) == DBX_OK);
		REQUIRE(rla == rlb && memcmp(ra, rb, rla) == 0);
		break;
	}
	return n;
}

/* Every getter on every token; none may fail on the text. */
static int walk(const struct json_doc *d, int t, char *buf, size_t cap)
{
	size_t len;
	int k, n = 0, seen = 1, found;
	int64_t iv;
	double dv;
	bool bv;
	enum dbx_err e;

	REQUIRE(json_skip(d, t) > t && json_skip(d, t) <= d->ntok);
	switch (json_type(d, t)) {
	case JSON_OBJECT:
		for (k = json_child(d, t); k >= 0; k = json_next(d, k)) {
			REQUIRE(json_str(d, k, buf, cap, &len) == DBX_OK);
			REQUIRE(len == json_strlen(d, k));
			found = json_getn(d, t, buf, len);
			REQUIRE(found >= 0 && found <= k + 1);
			REQUIRE(json_streq(d, k, buf) == !memchr(buf, 0, len));
			seen += 1 + walk(d, k + 1, buf, cap);
			n++;
		}
		REQUIRE(n == json_size(d, t));
		break;
	case JSON_ARRAY:
		for (k = json_child(d, t); k >= 0; k = json_next(d, k)) {
			REQUIRE(json_at(d, t, n) == k);
			seen += walk(d, k, buf, cap);
			n++;
		}
		REQUIRE(n == json_size(d, t));
		break;
	case JSON_STRING:
		REQUIRE(json_str(d, t, buf, cap, &len) == DBX_OK && buf[len] == 0);
		REQUIRE(len == json_strlen(d, t));
		if (len > 0)
			REQUIRE(json_str(d, t, buf, len, &len) == DBX_ERR_LIMIT);
		break;
	case JSON_NUMBER:
		e = json_double(d, t, &dv);
		REQUIRE(e == DBX_OK || e == DBX_ERR_LIMIT);
		e = json_int(d, t, &iv);
		REQUIRE(e == DBX_OK || e == DBX_ERR_LIMIT || e == DBX_ERR_USAGE);
		break;
	case JSON_BOOL:
		REQUIRE(json_bool(d, t, &bv) == DBX_OK);
		break;
	case JSON_NULL:
		REQUIRE(json_is_null(d, t));
		break;
	default:
		REQUIRE(0);
	}
	return seen;
}

/* json_parse_prefix gives exactly json_parse's result for each document. */
static void same_as_parse(const char *js, size_t len, struct json_prefix *pc)
{
	static struct json_tok ta[FUZZ_TOK], tb[FUZZ_TOK];
	struct json_doc a, b;
	enum dbx_err ea = json_parse_prefix(&a, js, len, ta, FUZZ_TOK, pc);
	enum dbx_err eb = json_parse(&b, js, len, tb, FUZZ_TOK);

	REQUIRE(ea == eb && a.ntok == b.ntok && a.needed == b.needed && a.err_off == b.err_off &&
	        strcmp(a.err_what, b.err_what) == 0);
	REQUIRE(memcmp(ta, tb, (size_t)a.ntok * sizeof ta[0]) == 0);
}

/* A stream of documents that start alike: the input, the input again (its
 * start is now kept), and the input with one byte changed past the middle. */
static void prefix_streams(const uint8_t *data, size_t size)
{
	static struct json_prefix pc;
	static char changed[FUZZ_BIG];

	memset(&pc, 0, sizeof pc);
	same_as_parse((const char *)data, size, &pc);
	same_as_parse((const char *)data, size, &pc);
	if (size == 0 || size > sizeof changed)
		return;
	memcpy(changed, data, size);
	changed[size / 2 + (size - size / 2) * data[0] / 256] ^= (char)(data[size - 1] | 1);
	same_as_parse(changed, size, &pc);
	same_as_parse((const char *)data, size, &pc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* static buffers: malloc and free of large blocks per input under ASan
	 * cost more than the parsing */
	static struct json_tok tok[FUZZ_TOK], tok_back[FUZZ_TOK];
	static char buf[3 * FUZZ_BIG + 16], buf2[3 * FUZZ_BIG + 16], out[6 * FUZZ_BIG + 64];
	struct json_doc d, back;
	struct json_w w;
	char path[64];
	size_t cap = sizeof buf, len, i;
	int ref;
	enum dbx_err err;

	ref = ref_valid(data, size);
	prefix_streams(data, size);
	err = json_parse(&d, (const char *)data, size, tok, FUZZ_TOK);
	if (err == DBX_ERR_LIMIT && d.needed > 0) {
		/* too many tokens for our array: count mode must have counted */
		REQUIRE(d.needed > FUZZ_TOK);
		goto out;
	}
	REQUIRE(ref == (err == DBX_OK));
	if (size > FUZZ_BIG)
		goto out;
	if (err)
		goto string_check;

	REQUIRE(walk(&d, 0, buf, cap) == d.ntok);
	/* the bound embed_decode sizes its token array by */
	REQUIRE(json_token_bound((const char *)data, size) >= d.ntok);

	/* a path from the first line of the input: exercises json_path */
	for (i = 0; i < size && i + 1 < sizeof path && data[i] != '\n'; i++)
		path[i] = data[i] ? (char)data[i] : '.';
	path[i] = 0;
	(void)json_path(&d, 0, path);

	/* rewrite and compare */
	json_w_init(&w, out, sizeof out);
	rewrite(&w, &d, 0, buf, cap);
	err = json_w_finish(&w, &len);
	if (err == DBX_ERR_LIMIT && w.depth == JSON_W_MAX_DEPTH)
		goto string_check; /* deeper than the writer tracks */
	REQUIRE(err == DBX_OK && w.replaced == 0);
	REQUIRE(json_parse(&back, out, len, tok_back, d.ntok) == DBX_OK);
	REQUIRE(back.ntok == d.ntok);
	REQUIRE(same(&d, 0, &back, 0, buf, buf2, cap) == d.ntok);

string_check:
	/* the raw input as one string value */
	json_w_init(&w, out, sizeof out);
	json_w_strn(&w, (const char *)data, size);
	REQUIRE(json_w_finish(&w, &len) == DBX_OK);
	REQUIRE(json_parse(&back, out, len, tok_back, 1) == DBX_OK);
	/* each replaced byte grows to 3: cap is 3 * size + 16 or more */
	REQUIRE(json_str(&back, 0, buf, cap, &len) == DBX_OK);
	if (w.replaced == 0)
		REQUIRE(len == size && memcmp(buf, data, size) == 0);
out:
	return 0;
}
