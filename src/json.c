/*
 * json.c - strict JSON over jsmn, and the writer (see json.h).
 *
 * jsmn is compiled here and nowhere else (JSMN_STATIC). It runs in its
 * non-strict mode: JSMN_STRICT rejects a lone top-level number such as `42`
 * (JSMN_ERROR_PART), and our validation pass checks the whole grammar anyway.
 * JSMN_PARENT_LINKS keeps jsmn linear: without it every ',' after an object
 * member and every closing bracket scans back over the tokens, which is
 * quadratic in the number of members.
 *
 * After validation the token fields are ours and mean:
 *   type    enum json_type (cast into jsmn's enum field)
 *   start   offset of the first byte (strings: after the opening quote)
 *   end     offset past the last byte (strings: of the closing quote)
 *   size    members / elements of a container; unescaped length of a string
 *   parent  index of the next key / element of the same parent, or -1
 */
#include "json.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define JSMN_STATIC
#define JSMN_PARENT_LINKS
#include "jsmn.h"
#include "switches.h"
#include "text.h"

/* Callers declare struct json_tok arrays without seeing jsmn. Only this file
 * touches their contents, and always through jsmntok_t, so no token is ever
 * accessed through two different types. */
_Static_assert(sizeof(struct json_tok) == sizeof(jsmntok_t),
               "struct json_tok must be the size of jsmntok_t");
_Static_assert(_Alignof(struct json_tok) >= _Alignof(jsmntok_t),
               "struct json_tok must be aligned like jsmntok_t");
_Static_assert(JSON_MAX_LEN < INT_MAX, "jsmn offsets are int");

#define next_ parent /* the field we reuse for sibling links */

static jsmntok_t *tok_array(const struct json_doc *d)
{
	return (jsmntok_t *)(void *)d->tok;
}

/* The token t, or NULL when t is not a token of d. */
static const jsmntok_t *tok_get(const struct json_doc *d, int t)
{
	const jsmntok_t *r = NULL;

	if (d && t >= 0 && t < d->ntok)
		r = tok_array(d) + t;
	return r;
}

static bool is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static size_t skip_ws(const unsigned char *s, size_t len, size_t p)
{
	while (p < len && is_ws(s[p]))
		p++;
	return p;
}

/* The value of four hex digits at s, or -1. */
static long hex4(const unsigned char *s)
{
	long v = 0;
	int i, h;

	for (i = 0; i < 4; i++) {
		h = text_hex_value(s[i]);
		if (h < 0) {
			v = -1;
			break;
		}
		v = v * 16 + h;
	}
	return v;
}

static size_t utf8_put(unsigned long cp, unsigned char *out)
{
	size_t n;

	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		out[0] = (unsigned char)(0xc0 | (cp >> 6));
		out[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		out[0] = (unsigned char)(0xe0 | (cp >> 12));
		out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		out[0] = (unsigned char)(0xf0 | (cp >> 18));
		out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		out[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return n;
}

/* RFC 8259: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? and nothing else. */
static bool is_number(const unsigned char *s, size_t n)
{
	size_t i = 0;
	bool ok = false;

	if (i < n && s[i] == '-')
		i++;
	if (i >= n)
		goto out;
	if (s[i] == '0') {
		i++;
	} else if (s[i] >= '1' && s[i] <= '9') {
		while (i < n && text_is_digit(s[i]))
			i++;
	} else {
		goto out;
	}
	if (i < n && s[i] == '.') {
		i++;
		if (i >= n || !text_is_digit(s[i]))
			goto out;
		while (i < n && text_is_digit(s[i]))
			i++;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= n || !text_is_digit(s[i]))
			goto out;
		while (i < n && text_is_digit(s[i]))
			i++;
	}
	ok = i == n;
out:
	return ok;
}

/* Decodes the escape at s[0] == '\\' of a validated string into out; *used
 * gets the bytes of text it took. Returns the bytes written to out (1..4). */
static size_t unescape_one(const unsigned char *s, size_t *used, unsigned char *out)
{
	unsigned long cp, lo;
	size_t n = 1;

	*used = 2;
	switch (s[1]) {
	case 'b':
		out[0] = '\b';
		break;
	case 'f':
		out[0] = '\f';
		break;
	case 'n':
		out[0] = '\n';
		break;
	case 'r':
		out[0] = '\r';
		break;
	case 't':
		out[0] = '\t';
		break;
	case 'u':
		cp = (unsigned long)hex4(s + 2);
		*used = 6;
		if (cp >= 0xd800 && cp <= 0xdbff) {
			/* validation guarantees the low half follows */
			lo = (unsigned long)hex4(s + 8);
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			*used = 12;
		}
		n = utf8_put(cp, out);
		break;
	default: /* '"', '\\', '/' stand for themselves */
		out[0] = s[1];
		break;
	}
	return n;
}

/* Validation. */

struct vframe {
	int tok;   /* the container */
	int last;  /* its last element or key so far, -1 if none */
	int count; /* elements or members so far */
	bool obj;  /* an object (else an array) */
};

struct vstate {
	const unsigned char *s;
	size_t len;
	jsmntok_t *t;
	int n;
	size_t err_off;
	const char *err_what;
};

static enum dbx_err vfail(struct vstate *v, size_t off, const char *what)
{
	v->err_off = off;
	v->err_what = what;
	return DBX_ERR_PROTOCOL;
}

/* Index (0 to 8) of the first of the 8 bytes at s that is not plain string
 * text - a control character, a backslash or a byte over 0x7f - or 8 when all
 * are plain. One test on the whole word: it can flag a byte after a true hit,
 * never miss one, so on little-endian machines the index is exact; on
 * big-endian ones it may be early, which only sends a plain byte to the
 * byte-at-a-time path. */
static unsigned plain_run8(const unsigned char *s)
{
	const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
	uint64_t w, bs, m;

	memcpy(&w, s, 8);
	bs = w ^ (ones * '\\');
	m = (w | ((w - ones * 0x20) & ~w) | ((bs - ones) & ~bs)) & highs;
	if (!m)
		return 8;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return (unsigned)__builtin_clzll(m) / 8;
#else
	return (unsigned)__builtin_ctzll(m) / 8;
#endif
}

/* String token tk from byte i on, ulen bytes of its value before i: checks
 * the contents and records the unescaped length. */
static enum dbx_err check_string_rest(struct vstate *v, jsmntok_t *tk, size_t i, size_t ulen)
{
	const unsigned char *s = v->s;
	size_t b = (size_t)tk->end, step, bad;
	long cp, lo;
	enum dbx_err err = DBX_OK;

	while (i < b) {
		unsigned char c;

		/* 8 bytes a step, reading past the closing quote when the text
		 * goes on (never past its end) */
		if (v->len - i >= 8) {
			size_t run = plain_run8(s + i);

			if (run >= b - i) {
				ulen += b - i;
				break;
			}
			ulen += run;
			i += run;
			if (run == 8)
				continue;
		}
		c = s[i];
		if (c >= 0x20 && c < 0x80 && c != '\\') {
			ulen++;
			i++;
		} else if (c < 0x20) {
			err = vfail(v, i, "control character in string");
			goto out;
		} else if (c >= 0x80) {
			step = text_utf8_seq(s + i, b - i, &bad);
			if (step == 0) {
				err = vfail(v, i, "invalid UTF-8 in string");
				goto out;
			}
			ulen += step;
			i += step;
		} else if (i + 1 >= b) {
			err = vfail(v, i, "incomplete escape");
			goto out;
		} else if (s[i + 1] != 0 && strchr("\"\\/bfnrt", s[i + 1])) {
			ulen++;
			i += 2;
		} else if (s[i + 1] != 'u') {
			err = vfail(v, i, "invalid escape");
			goto out;
		} else {
			cp = i + 6 <= b ? hex4(s + i + 2) : -1;
			if (cp < 0) {
				err = vfail(v, i, "invalid \\u escape");
				goto out;
			}
			if (cp >= 0xdc00 && cp <= 0xdfff) {
				err = vfail(v, i, "lone low surrogate");
				goto out;
			}
			if (cp >= 0xd800 && cp <= 0xdbff) {
				lo = i + 12 <= b && s[i + 6] == '\\' && s[i + 7] == 'u'
				         ? hex4(s + i + 8)
				         : -1;
				if (lo < 0xdc00 || lo > 0xdfff) {
					err = vfail(v, i, "lone high surrogate");
					goto out;
				}
				ulen += 4;
				i += 12;
			} else {
				ulen += cp < 0x80 ? 1 : cp < 0x800 ? 2 : 3;
				i += 6;
			}
		}
	}
	tk->type = (jsmntype_t)JSON_STRING;
	tk->size = (int)ulen;
	tk->next_ = -1;
out:
	return err;
}

/* Checks string token j (its opening quote at p). Plain text is taken here,
 * inline, 8 bytes a step; from the first other byte on, check_string_rest. */
static inline enum dbx_err check_string(struct vstate *v, int j, size_t p)
{
	jsmntok_t *tk;
	size_t i, b;

	if (j >= v->n)
		return vfail(v, p, "malformed string");
	tk = &v->t[j];
	if (tk->type != JSMN_STRING || (size_t)tk->start != p + 1 || tk->end < tk->start ||
	    (size_t)tk->end >= v->len || v->s[tk->end] != '"')
		return vfail(v, p, "malformed string");
	i = (size_t)tk->start;
	b = (size_t)tk->end;
	while (v->len - i >= 8) {
		size_t run = plain_run8(v->s + i);

		if (run >= b - i) {
			tk->type = (jsmntype_t)JSON_STRING;
			tk->size = (int)(b - (size_t)tk->start);
			tk->next_ = -1;
			return DBX_OK;
		}
		i += run;
		if (run < 8)
			break;
	}
	return check_string_rest(v, tk, i, i - (size_t)tk->start);
}

/* Checks primitive token j (starting at p): a number or a literal. */
static enum dbx_err check_primitive(struct vstate *v, int j, size_t p)
{
	const unsigned char *s = v->s;
	jsmntok_t *tk;
	size_t n;
	enum json_type type = JSON_NONE;
	enum dbx_err err = DBX_OK;

	if (j >= v->n || v->t[j].type != JSMN_PRIMITIVE || (size_t)v->t[j].start != p ||
	    v->t[j].end <= v->t[j].start || (size_t)v->t[j].end > v->len) {
		err = vfail(v, p, "value expected");
		goto out;
	}
	tk = &v->t[j];
	n = (size_t)(tk->end - tk->start);
	if (is_number(s + p, n))
		type = JSON_NUMBER;
	else if ((n == 4 && memcmp(s + p, "true", 4) == 0) ||
	         (n == 5 && memcmp(s + p, "false", 5) == 0))
		type = JSON_BOOL;
	else if (n == 4 && memcmp(s + p, "null", 4) == 0)
		type = JSON_NULL;
	if (type == JSON_NONE) {
		err = vfail(v, p,
		            text_is_digit(s[p]) || s[p] == '-' ? "invalid number"
		                                               : "invalid literal");
		goto out;
	}
	tk->type = (jsmntype_t)type;
	tk->size = 0;
	tk->next_ = -1;
out:
	return err;
}

/* Walks the text and jsmn's tokens side by side: every byte between tokens
 * must be whitespace or the one punctuation mark the grammar allows there, and
 * every token must sit where the grammar expects a value or a key. jsmn's
 * structure is trusted for nothing but offsets, and those are checked. */
static enum dbx_err validate(struct vstate *v)
{
	enum { S_VALUE, S_KEY, S_AFTER, S_DONE } state = S_VALUE;
	struct vframe st[JSON_MAX_DEPTH];
	struct vframe *f = NULL;
	const unsigned char *s = v->s;
	size_t p = 0;
	int depth = 0, j = 0;
	unsigned char c;
	bool obj;
	enum dbx_err err = DBX_OK;

	while (state != S_DONE) {
		p = skip_ws(s, v->len, p);
		switch (state) {
		case S_KEY:
			if (p >= v->len || s[p] != '"') {
				err = vfail(v, p, "object key expected");
				goto out;
			}
			err = check_string(v, j, p);
			if (err)
				goto out;
			if (f->last >= 0)
				v->t[f->last].next_ = j;
			f->last = j;
			f->count++;
			p = skip_ws(s, v->len, (size_t)v->t[j].end + 1);
			j++;
			if (p >= v->len || s[p] != ':') {
				err = vfail(v, p, "':' expected");
				goto out;
			}
			p++;
			state = S_VALUE;
			break;
		case S_VALUE:
			if (p >= v->len) {
				err = vfail(v, p, "value expected");
				goto out;
			}
			if (f && !f->obj) {
				if (f->last >= 0 && j < v->n)
					v->t[f->last].next_ = j;
				f->last = j;
				f->count++;
			}
			c = s[p];
			if (c == '"') {
				err = check_string(v, j, p);
				if (err)
					goto out;
				p = (size_t)v->t[j].end + 1;
				j++;
				state = S_AFTER;
			} else if (c == '{' || c == '[') {
				obj = c == '{';
				if (j >= v->n || (size_t)v->t[j].start != p ||
				    v->t[j].type != (obj ? JSMN_OBJECT : JSMN_ARRAY)) {
					err = vfail(v, p, "malformed container");
					goto out;
				}
				if (depth == JSON_MAX_DEPTH) {
					err = vfail(v, p, "nesting too deep");
					err = DBX_ERR_LIMIT;
					goto out;
				}
				v->t[j].type = (jsmntype_t)(obj ? JSON_OBJECT : JSON_ARRAY);
				v->t[j].next_ = -1;
				f = &st[depth++];
				f->tok = j;
				f->last = -1;
				f->count = 0;
				f->obj = obj;
				j++;
				p = skip_ws(s, v->len, p + 1);
				if (p < v->len && s[p] == (obj ? '}' : ']'))
					state = S_AFTER; /* empty: S_AFTER closes it */
				else
					state = obj ? S_KEY : S_VALUE;
			} else {
				err = check_primitive(v, j, p);
				if (err)
					goto out;
				p = (size_t)v->t[j].end;
				j++;
				state = S_AFTER;
			}
			break;
		case S_AFTER:
			if (!f) {
				if (p != v->len) {
					err = vfail(v, p, "text after the value");
					goto out;
				}
				state = S_DONE;
				break;
			}
			obj = f->obj;
			if (p < v->len && s[p] == ',' && f->count > 0) {
				p++;
				state = obj ? S_KEY : S_VALUE;
			} else if (p < v->len && s[p] == (obj ? '}' : ']')) {
				if ((size_t)v->t[f->tok].end != p + 1) {
					err = vfail(v, p, "mismatched bracket");
					goto out;
				}
				v->t[f->tok].size = f->count;
				depth--;
				f = depth ? &st[depth - 1] : NULL;
				p++;
			} else {
				err = vfail(v, p,
				            obj ? "',' or '}' expected" : "',' or ']' expected");
				goto out;
			}
			break;
		case S_DONE:
			break;
		}
	}
	if (j != v->n) {
		err = vfail(v, p, "token count mismatch");
		err = DBX_ERR_INTERNAL;
	}
out:
	return err;
}

/* jsmn's parser state, outside jsmn's struct so that json.h need not show it. */
struct jstate {
	unsigned int pos, toknext;
	int toksuper;
};

/* The state of a fresh parse (jsmn_init's). */
static struct jstate jstate_fresh(void)
{
	jsmn_parser jp;

	jsmn_init(&jp);
	return (struct jstate){jp.pos, jp.toknext, jp.toksuper};
}

/* One jsmn run over js[0..len) from state *st (jstate_fresh() for a new
 * parse), which it updates. Everything jsmn calls is inlined here and
 * its parser is a local that does not escape, so the compiler keeps the
 * position in a register: called through a pointer, jsmn stored it to memory
 * at every byte (a char load may alias it). */
__attribute__((flatten)) static int run_jsmn(const char *js, size_t len, jsmntok_t *tok,
                                             unsigned int cap, struct jstate *st)
{
	jsmn_parser jp;
	int r;

	jp.pos = st->pos;
	jp.toknext = st->toknext;
	jp.toksuper = st->toksuper;
	r = jsmn_parse(&jp, js, len, tok, cap);
	st->pos = jp.pos;
	st->toknext = jp.toknext;
	st->toksuper = jp.toksuper;
	return r;
}

/* json_parse, with jsmn resumed after pc's prefix when from_prefix (the
 * caller has checked that js starts with it and that cap holds its tokens). */
static enum dbx_err parse(struct json_doc *doc, const char *js, size_t len, struct json_tok *tok,
                          int cap, const struct json_prefix *pc, bool from_prefix)
{
	struct jstate st = jstate_fresh();
	struct vstate v;
	int r;
	enum dbx_err err = DBX_OK;

	memset(doc, 0, sizeof *doc);
	doc->js = js;
	doc->len = len;
	doc->tok = tok;
	doc->err_what = "";
	if (!js || cap < 0 || (!tok && cap > 0)) {
		doc->err_what = "bad arguments";
		err = DBX_ERR_USAGE;
		goto out;
	}
	if (len > JSON_MAX_LEN) {
		doc->err_what = "document too long";
		err = DBX_ERR_LIMIT;
		goto out;
	}
	if (cap > JSON_MAX_TOKENS)
		cap = JSON_MAX_TOKENS;

	if (from_prefix) {
		/* jsmn is deterministic: after the same bytes it is in the same
		 * state, with the same tokens */
		memcpy(tok, pc->tok, pc->toknext_ * sizeof *tok);
		st.pos = (unsigned int)pc->len_;
		st.toknext = pc->toknext_;
		st.toksuper = pc->toksuper_;
	}
	r = JSMN_ERROR_NOMEM;
	if (cap > 0)
		r = run_jsmn(js, len, tok_array(doc), (unsigned int)cap, &st);
	if (r == JSMN_ERROR_NOMEM) {
		/* jsmn's count mode: one more pass without tokens */
		st = jstate_fresh();
		r = run_jsmn(js, len, NULL, 0, &st);
		if (r > cap) {
			doc->needed = r;
			doc->err_off = 0;
			doc->err_what = r > JSON_MAX_TOKENS ? "more tokens than JSON_MAX_TOKENS"
			                                    : "more tokens needed";
			err = DBX_ERR_LIMIT;
			goto out;
		}
		if (r >= 0)
			r = JSMN_ERROR_INVAL; /* counted fewer than it failed on: broken */
	}
	if (r < 0) {
		doc->err_off = st.pos;
		doc->err_what =
		    r == JSMN_ERROR_PART ? "unexpected end of text" : "invalid character";
		err = DBX_ERR_PROTOCOL;
		goto out;
	}

	v.s = (const unsigned char *)js;
	v.len = len;
	v.t = tok_array(doc);
	v.n = (int)st.toknext;
	v.err_off = 0;
	v.err_what = "";
	err = validate(&v);
	doc->err_off = v.err_off;
	doc->err_what = v.err_what;
	if (err)
		goto out;
	doc->ntok = v.n;
out:
	return err;
}

enum dbx_err json_parse(struct json_doc *doc, const char *js, size_t len, struct json_tok *tok,
                        int cap)
{
	return parse(doc, js, len, tok, cap, NULL, false);
}

/* Do the n bytes at a and b match? A word at a time (musl's memcmp goes byte
 * by byte). */
static bool same_bytes(const char *a, const char *b, size_t n)
{
	uint64_t x, y;

	for (; n >= 8; n -= 8, a += 8, b += 8) {
		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		if (x != y)
			return false;
	}
	return memcmp(a, b, n) == 0;
}

/* Keeps the start of doc, up to the opening quote of its last string value
 * (one right after a ':', so the cut is between two tokens), with jsmn's state
 * there, found by running jsmn over just those bytes. */
static void prefix_take(struct json_prefix *pc, const struct json_doc *doc)
{
	const jsmntok_t *t = tok_array(doc);
	struct jstate st = jstate_fresh();
	size_t k = 0;
	int i, r;

	pc->len_ = 0;
	for (i = doc->ntok - 1; i > 0 && !k; i--) {
		if (t[i].type == (jsmntype_t)JSON_STRING && t[i].start >= 2 &&
		    doc->js[t[i].start - 2] == ':')
			k = (size_t)t[i].start - 1;
	}
	if (!k || k > JSON_PREFIX_MAX)
		return;
	r = run_jsmn(doc->js, k, (jsmntok_t *)(void *)pc->tok, JSON_PREFIX_TOKENS, &st);
	/* open containers make it a part; a text jsmn rejects, or one with more
	 * tokens than kept, is not taken */
	if ((r != JSMN_ERROR_PART && r < 0) || st.pos != k)
		return;
	memcpy(pc->text, doc->js, k);
	pc->toknext_ = st.toknext;
	pc->toksuper_ = st.toksuper;
	pc->len_ = k;
}

enum dbx_err json_parse_prefix(struct json_doc *doc, const char *js, size_t len,
                               struct json_tok *tok, int cap, struct json_prefix *pc)
{
	bool hit = js && tok && pc->len_ && len > pc->len_ && cap >= (int)pc->toknext_ &&
	           same_bytes(js, pc->text, pc->len_);
	enum dbx_err err = parse(doc, js, len, tok, cap, pc, hit);

	if (err)
		pc->len_ = 0;
	else if (!hit)
		prefix_take(pc, doc);
	return err;
}

__attribute__((cold)) /* once per call, not per chunk: built for size (Makefile HOT_OBJ) */
enum dbx_err
json_parse_alloc(struct json_doc *doc, const char *js, size_t len, struct json_tok **tok)
{
	enum dbx_err err = json_parse(doc, js, len, NULL, 0); /* count mode */
	int need = doc->needed;

	*tok = NULL;
	if (err == DBX_ERR_LIMIT && need > 0 && need <= JSON_MAX_TOKENS) {
		*tok = malloc((size_t)need * sizeof **tok);
		if (!*tok) {
			doc->err_what = "out of memory";
			return DBX_ERR_NOMEM;
		}
		err = json_parse(doc, js, len, *tok, need);
	}
	return err;
}

int json_token_bound(const char *js, size_t len)
{
	const unsigned char *s = (const unsigned char *)js;
	size_t i = 0, end, n = 1;

	while (i < len && n <= JSON_MAX_TOKENS) {
		/* blocks without an early exit: the compiler vectorises them */
		end = len - i > 4096 ? i + 4096 : len;
		for (; i < end; i++)
			n += (s[i] == ',') + (s[i] == ':') + ((s[i] | 0x20) == '{');
	}
	return n > JSON_MAX_TOKENS ? JSON_MAX_TOKENS + 1 : (int)n;
}

/* Navigation. */

enum json_type json_type(const struct json_doc *doc, int t)
{
	const jsmntok_t *tk = tok_get(doc, t);

	return tk ? (enum json_type)tk->type : JSON_NONE;
}

int json_size(const struct json_doc *doc, int t)
{
	enum json_type ty = json_type(doc, t);

	return ty == JSON_OBJECT || ty == JSON_ARRAY ? tok_get(doc, t)->size : 0;
}

int json_child(const struct json_doc *doc, int t)
{
	return json_size(doc, t) > 0 ? t + 1 : -1;
}

int json_next(const struct json_doc *doc, int t)
{
	const jsmntok_t *tk = tok_get(doc, t);

	return tk ? tk->next_ : -1;
}

int json_skip(const struct json_doc *doc, int t)
{
	const jsmntok_t *tk = tok_get(doc, t), *a;
	int lo = -1, hi, mid;

	if (!tk)
		goto out;
	/* Tokens are in text order, so the first one starting past t's text ends
	 * its subtree: a binary search finds it. */
	a = tok_array(doc);
	lo = t + 1;
	hi = doc->ntok;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (a[mid].start < tk->end)
			lo = mid + 1;
		else
			hi = mid;
	}
out:
	return lo;
}

/* Does string token tk unescape to key[0..n)? */
static bool str_eq(const struct json_doc *doc, const jsmntok_t *tk, const char *key, size_t n)
{
	const unsigned char *s = (const unsigned char *)doc->js + tk->start;
	const unsigned char *k = (const unsigned char *)key;
	size_t raw = (size_t)(tk->end - tk->start), i = 0, o = 0, used, m;
	unsigned char buf[4];
	const unsigned char *bs;
	bool eq = false;

	if ((size_t)tk->size != n)
		goto out;
	if (raw == n) { /* same length: no escapes */
		eq = memcmp(s, k, n) == 0;
		goto out;
	}
	while (i < raw) {
		bs = memchr(s + i, '\\', raw - i);
		m = bs ? (size_t)(bs - (s + i)) : raw - i;
		if (memcmp(s + i, k + o, m) != 0)
			goto out;
		i += m;
		o += m;
		if (i < raw) {
			m = unescape_one(s + i, &used, buf);
			if (memcmp(buf, k + o, m) != 0)
				goto out;
			i += used;
			o += m;
		}
	}
	eq = true;
out:
	return eq;
}

int json_getn(const struct json_doc *doc, int obj, const char *key, size_t keylen)
{
	struct json_key k = {key, keylen};
	int found = -1;

	if (key)
		json_get_many(doc, obj, &k, 1, &found);
	return found;
}

void json_get_many(const struct json_doc *doc, int obj, const struct json_key *keys, int n,
                   int *out)
{
	const jsmntok_t *kt;
	int i, k, left;

	if (n > JSON_GET_MANY_MAX)
		n = JSON_GET_MANY_MAX;
	for (i = 0; i < n; i++)
		out[i] = -1;
	if (json_type(doc, obj) != JSON_OBJECT)
		return;
	left = n;
	for (k = json_child(doc, obj); k >= 0 && left > 0; k = kt->next_) {
		const char *name;
		size_t len;
		bool plain;

		kt = tok_array(doc) + k;
		name = doc->js + kt->start;
		len = (size_t)kt->size;
		plain = (size_t)(kt->end - kt->start) == len;
		for (i = 0; i < n; i++) {
			/* the first member of a name wins; the unescaped length
			 * and, without escapes, the first byte rule out most
			 * names before any call */
			if (out[i] >= 0 || len != keys[i].len ||
			    (plain && len && name[0] != keys[i].name[0]))
				continue;
			if (str_eq(doc, kt, keys[i].name, len)) {
				out[i] = k + 1;
				left--;
			}
		}
	}
}

int json_get(const struct json_doc *doc, int obj, const char *key)
{
	return key ? json_getn(doc, obj, key, strlen(key)) : -1;
}

int json_at(const struct json_doc *doc, int arr, int idx)
{
	int e = -1, i;

	if (json_type(doc, arr) != JSON_ARRAY || idx < 0 || idx >= json_size(doc, arr))
		goto out;
	e = arr + 1;
	for (i = 0; i < idx; i++)
		e = tok_array(doc)[e].next_;
out:
	return e;
}

__attribute__((cold)) /* once per call, not per chunk: built for size (Makefile HOT_OBJ) */
int json_path(const struct json_doc *doc, int t, const char *path)
{
	const char *c = path, *dot;
	size_t n, i;
	long idx;
	bool digits;

	if (!path)
		t = -1;
	while (t >= 0 && *c) {
		dot = strchr(c, '.');
		n = dot ? (size_t)(dot - c) : strlen(c);
		digits = n > 0 && n <= 9 && (c[0] != '0' || n == 1);
		idx = 0;
		for (i = 0; i < n && digits; i++) {
			digits = text_is_digit((unsigned char)c[i]);
			idx = idx * 10 + (c[i] - '0');
		}
		if (n == 0)
			t = -1;
		else if (json_type(doc, t) == JSON_ARRAY)
			t = digits ? json_at(doc, t, (int)idx) : -1;
		else
			t = json_getn(doc, t, c, n);
		c += n;
		if (dot) {
			c++;
			if (!*c) /* a trailing dot names nothing */
				t = -1;
		}
	}
	return t;
}

/* Getters. */

size_t json_strlen(const struct json_doc *doc, int t)
{
	return json_type(doc, t) == JSON_STRING ? (size_t)tok_get(doc, t)->size : 0;
}

const char *json_str_view(const struct json_doc *doc, int t, size_t *len)
{
	const jsmntok_t *tk;

	if (json_type(doc, t) != JSON_STRING)
		return NULL;
	tk = tok_get(doc, t);
	/* every escape is longer than what it stands for */
	if (tk->size != tk->end - tk->start)
		return NULL;
	*len = (size_t)tk->size;
	return doc->js + tk->start;
}

bool json_streq(const struct json_doc *doc, int t, const char *s)
{
	return s && json_type(doc, t) == JSON_STRING && str_eq(doc, tok_get(doc, t), s, strlen(s));
}

enum dbx_err json_str(const struct json_doc *doc, int t, char *buf, size_t cap, size_t *len)
{
	const jsmntok_t *tk = tok_get(doc, t);
	const unsigned char *s, *bs;
	unsigned char *o = (unsigned char *)buf;
	size_t raw, ulen, i = 0, m, used;
	enum dbx_err err = DBX_OK;

	if (!tk || tk->type != (jsmntype_t)JSON_STRING) {
		err = DBX_ERR_USAGE;
		goto out;
	}
	ulen = (size_t)tk->size;
	if (len)
		*len = ulen;
	if (!buf || cap < ulen + 1) {
		err = DBX_ERR_LIMIT;
		goto out;
	}
	s = (const unsigned char *)doc->js + tk->start;
	raw = (size_t)(tk->end - tk->start);
	if (raw == ulen) {
		memcpy(o, s, raw);
		o += raw;
	} else {
		while (i < raw) {
			bs = memchr(s + i, '\\', raw - i);
			m = bs ? (size_t)(bs - (s + i)) : raw - i;
			memcpy(o, s + i, m);
			o += m;
			i += m;
			if (i < raw) {
				o += unescape_one(s + i, &used, o);
				i += used;
			}
		}
	}
	*o = 0;
out:
	return err;
}

enum dbx_err json_raw(const struct json_doc *doc, int t, const char **p, size_t *n)
{
	const jsmntok_t *tk = tok_get(doc, t);
	int q;
	enum dbx_err err = DBX_OK;

	if (!tk) {
		err = DBX_ERR_USAGE;
		goto out;
	}
	q = tk->type == (jsmntype_t)JSON_STRING; /* include the quotes */
	*p = doc->js + tk->start - q;
	*n = (size_t)(tk->end - tk->start + 2 * q);
out:
	return err;
}

/* Clinger's fast path: a number of at most 15 significant digits whose decimal
 * exponent is within 22 of zero converts exactly with one IEEE multiply or
 * divide of two exact doubles, so the result is the correctly rounded one
 * text_double would give, at a fraction of the cost. Embedding replies are
 * thousands of such numbers; a make MINIMAL=1 build, which has no embeddings,
 * leaves it out (0.5 KB). s is a validated JSON number; 0: use text_double. */
static int fast_double(const char *s, size_t n, double *out)
{
	static const double p10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
	                             1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
	                             1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
	uint64_t m = 0;
	int digits = 0, exp10 = 0, e = 0, eneg = 0, neg = 0;
	size_t i = 0;
	double d;

	if (i < n && s[i] == '-') {
		neg = 1;
		i++;
	}
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
		if ((m || s[i] != '0') && ++digits > 15)
			return 0;
		m = m * 10 + (uint64_t)(s[i] - '0');
	}
	if (i < n && s[i] == '.') {
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
			if ((m || s[i] != '0') && ++digits > 15)
				return 0;
			m = m * 10 + (uint64_t)(s[i] - '0');
			exp10--;
		}
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			eneg = s[i++] == '-';
		for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
			if (e > 1000)
				return 0;
			e = e * 10 + (s[i] - '0');
		}
		exp10 += eneg ? -e : e;
	}
	if (i != n || exp10 < -22 || exp10 > 22)
		return 0;
	/* exact: m < 10^15 < 2^53; in 32-bit halves, as a 64-bit integer's
	 * conversion is a library routine on 32-bit ARM (see json_int) */
	d = (double)(uint32_t)(m >> 32) * 4294967296.0 + (double)(uint32_t)m;
	d = exp10 < 0 ? d / p10[-exp10] : d * p10[exp10];
	*out = neg ? -d : d;
	return 1;
}

enum dbx_err json_number_double(const char *s, size_t n, double *v)
{
	double d;
	enum dbx_err err;

	if (!DBX_MINIMAL && fast_double(s, n, v))
		return DBX_OK;
	if (n > JSON_NUM_MAX)
		return DBX_ERR_LIMIT;
	err = text_double(s, n, &d);
	if (!err)
		*v = d;
	return err == DBX_ERR_USAGE ? DBX_ERR_INTERNAL : err; /* s was checked */
}

enum dbx_err json_double(const struct json_doc *doc, int t, double *v)
{
	const jsmntok_t *tk = tok_get(doc, t);

	if (!tk || tk->type != (jsmntype_t)JSON_NUMBER)
		return DBX_ERR_USAGE;
	return json_number_double(doc->js + tk->start, (size_t)(tk->end - tk->start), v);
}

/* The whole value d (|d| <= 2^53) into *v; 0 when d has a fraction. In 32-bit
 * halves: on 32-bit ARM a conversion between double and a 64-bit integer is a
 * soft-float routine of libgcc's (1 KB), the 32-bit ones are instructions. */
static int whole_double(double d, int64_t *v)
{
	double a = d < 0 ? -d : d;
	uint32_t hi = (uint32_t)(a / 4294967296.0); /* truncated: a / 2^32 <= 2^21 */
	double lo = a - (double)hi * 4294967296.0;  /* exact, in [0, 2^32) */
	int64_t w;

	if ((double)(uint32_t)lo != lo)
		return 0;
	w = (int64_t)(((uint64_t)hi << 32) | (uint32_t)lo);
	*v = d < 0 ? -w : w;
	return 1;
}

enum dbx_err json_int(const struct json_doc *doc, int t, int64_t *v)
{
	const jsmntok_t *tk = tok_get(doc, t);
	const unsigned char *s;
	size_t n, i = 0;
	uint64_t u = 0, d, lim;
	bool neg;
	double dv;
	enum dbx_err err = DBX_OK;

	if (!tk || tk->type != (jsmntype_t)JSON_NUMBER) {
		err = DBX_ERR_USAGE;
		goto out;
	}
	s = (const unsigned char *)doc->js + tk->start;
	n = (size_t)(tk->end - tk->start);
	neg = s[0] == '-';
	i = neg;
	while (i < n && text_is_digit(s[i]))
		i++;
	if (i < n) {
		/* fraction or exponent: accept whole values a double holds exactly */
		err = json_double(doc, t, &dv);
		if (err)
			goto out;
		if (dv > 9007199254740992.0 || dv < -9007199254740992.0) {
			err = DBX_ERR_LIMIT;
			goto out;
		}
		if (!whole_double(dv, v))
			err = DBX_ERR_USAGE;
		goto out;
	}
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (i = neg; i < n; i++) {
		d = (uint64_t)(s[i] - '0');
		if (u > (lim - d) / 10) {
			err = DBX_ERR_LIMIT;
			goto out;
		}
		u = u * 10 + d;
	}
	if (neg)
		*v = u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
	else
		*v = (int64_t)u;
out:
	return err;
}

enum dbx_err json_bool(const struct json_doc *doc, int t, bool *v)
{
	const jsmntok_t *tk = tok_get(doc, t);
	enum dbx_err err = DBX_OK;

	if (!tk || tk->type != (jsmntype_t)JSON_BOOL)
		err = DBX_ERR_USAGE;
	else
		*v = doc->js[tk->start] == 't';
	return err;
}

bool json_is_null(const struct json_doc *doc, int t)
{
	return json_type(doc, t) == JSON_NULL;
}

bool json_is_number(const char *s, size_t n)
{
	return is_number((const unsigned char *)s, n);
}
