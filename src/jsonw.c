/* jsonw.c - see jsonw.h. */
#include "jsonw.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

/* Writer. Each level of st[] holds these flags; st[0] is the top level. */
enum {
	W_OBJ = 1,   /* an object is open at this level */
	W_ITEMS = 2, /* something was written at this level: next needs a ',' */
	W_KEY = 4,   /* a key was written: its value comes next */
};

void json_w_init(struct json_w *w, char *buf, size_t cap)
{
	memset(w, 0, sizeof *w);
	w->buf = buf;
	w->cap = cap;
	if (!buf || cap == 0)
		w->err = DBX_ERR_LIMIT;
	else
		buf[0] = 0;
}

static void w_put(struct json_w *w, const void *s, size_t n)
{
	/* one byte stays free for the NUL json_w_finish adds */
	if (!w->err && n >= w->cap - w->len)
		w->err = DBX_ERR_LIMIT;
	if (!w->err) {
		memcpy(w->buf + w->len, s, n);
		w->len += n;
	}
}

/* Bookkeeping before any value: the ',' between elements, the key an object
 * member needs, a single top-level value. */
static void w_value(struct json_w *w)
{
	unsigned char *f = &w->st[w->depth];

	if (w->err)
		goto out;
	if (*f & W_OBJ) {
		if (!(*f & W_KEY))
			w->err = DBX_ERR_USAGE;
		*f &= (unsigned char)~W_KEY;
	} else if (*f & W_ITEMS) {
		if (w->depth == 0)
			w->err = DBX_ERR_USAGE;
		w_put(w, ",", 1);
	}
	*f |= W_ITEMS;
out:
	return;
}

static void w_string(struct json_w *w, const char *str, size_t n)
{
	static const char hexd[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)(str ? str : "");
	size_t i = 0, run = 0, step, bad = 1;
	char esc[6];
	unsigned char c;

	if (!str && n > 0 && !w->err)
		w->err = DBX_ERR_USAGE;
	w_put(w, "\"", 1);
	while (i < n && !w->err) {
		c = s[i];
		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			i++;
			continue;
		}
		if (c >= 0x80) {
			step = text_utf8_seq(s + i, n - i, &bad);
			if (step) {
				i += step;
				continue;
			}
		}
		w_put(w, s + run, i - run);
		if (c >= 0x80) {
			w_put(w, "\xef\xbf\xbd", 3);
			w->replaced++;
			i += bad;
		} else {
			esc[0] = '\\';
			esc[1] = (char)c;
			step = 2;
			switch (c) {
			case '\b':
				esc[1] = 'b';
				break;
			case '\f':
				esc[1] = 'f';
				break;
			case '\n':
				esc[1] = 'n';
				break;
			case '\r':
				esc[1] = 'r';
				break;
			case '\t':
				esc[1] = 't';
				break;
			case '"':
			case '\\':
				break;
			default:
				esc[1] = 'u';
				esc[2] = '0';
				esc[3] = '0';
				esc[4] = hexd[c >> 4];
				esc[5] = hexd[c & 15];
				step = 6;
				break;
			}
			w_put(w, esc, step);
			i++;
		}
		run = i;
	}
	w_put(w, s + run, i - run);
	w_put(w, "\"", 1);
}

static enum dbx_err w_open(struct json_w *w, bool obj)
{
	w_value(w);
	if (!w->err && w->depth == JSON_W_MAX_DEPTH)
		w->err = DBX_ERR_LIMIT;
	w_put(w, obj ? "{" : "[", 1);
	if (!w->err)
		w->st[++w->depth] = obj ? W_OBJ : 0;
	return w->err;
}

static enum dbx_err w_close(struct json_w *w, bool obj)
{
	unsigned char f = w->st[w->depth];

	if (!w->err && (w->depth == 0 || !(f & W_OBJ) != !obj || (f & W_KEY)))
		w->err = DBX_ERR_USAGE;
	w_put(w, obj ? "}" : "]", 1);
	if (!w->err)
		w->depth--;
	return w->err;
}

enum dbx_err json_w_obj(struct json_w *w)
{
	return w_open(w, true);
}

enum dbx_err json_w_obj_end(struct json_w *w)
{
	return w_close(w, true);
}

enum dbx_err json_w_arr(struct json_w *w)
{
	return w_open(w, false);
}

enum dbx_err json_w_arr_end(struct json_w *w)
{
	return w_close(w, false);
}

enum dbx_err json_w_keyn(struct json_w *w, const char *key, size_t n)
{
	unsigned char *f = &w->st[w->depth];

	if (!w->err && (!(*f & W_OBJ) || (*f & W_KEY)))
		w->err = DBX_ERR_USAGE;
	if (!w->err && (*f & W_ITEMS))
		w_put(w, ",", 1);
	w_string(w, key, n);
	w_put(w, ":", 1);
	if (!w->err)
		*f |= W_ITEMS | W_KEY;
	return w->err;
}

enum dbx_err json_w_key(struct json_w *w, const char *key)
{
	if (!key && !w->err)
		w->err = DBX_ERR_USAGE;
	return json_w_keyn(w, key, key ? strlen(key) : 0);
}

enum dbx_err json_w_strn(struct json_w *w, const char *s, size_t n)
{
	w_value(w);
	w_string(w, s, n);
	return w->err;
}

enum dbx_err json_w_str(struct json_w *w, const char *s)
{
	if (!s && !w->err)
		w->err = DBX_ERR_USAGE;
	return json_w_strn(w, s, s ? strlen(s) : 0);
}

enum dbx_err json_w_int(struct json_w *w, int64_t v)
{
	char num[24];
	int n = snprintf(num, sizeof num, "%lld", (long long)v);

	w_value(w);
	w_put(w, num, (size_t)n);
	return w->err;
}

enum dbx_err json_w_double(struct json_w *w, double v)
{
	char num[40];
	int n = 0, prec;

	if (!w->err && !isfinite(v))
		w->err = DBX_ERR_USAGE;
	if (w->err)
		goto out;
	/* The shortest of %.15g..%.17g that reads back equal: 17 digits always
	 * do, but print 0.7 as 0.69999999999999996. */
	for (prec = 15; prec <= 17; prec++) {
		double back;
		n = snprintf(num, sizeof num, "%.*g", prec, v);
		if (n > 0 && (size_t)n < sizeof num &&
		    text_double(num, (size_t)n, &back) == DBX_OK && back == v)
			break;
	}
	if (n <= 0 || (size_t)n >= sizeof num || !json_is_number(num, (size_t)n)) {
		w->err = DBX_ERR_INTERNAL; /* LC_NUMERIC is not "C" */
		goto out;
	}
	w_value(w);
	w_put(w, num, (size_t)n);
out:
	return w->err;
}

enum dbx_err json_w_bool(struct json_w *w, bool v)
{
	w_value(w);
	if (v)
		w_put(w, "true", 4);
	else
		w_put(w, "false", 5);
	return w->err;
}

enum dbx_err json_w_null(struct json_w *w)
{
	w_value(w);
	w_put(w, "null", 4);
	return w->err;
}

enum dbx_err json_w_raw(struct json_w *w, const struct json_doc *doc, int t)
{
	const char *p = NULL;
	size_t n = 0;

	if (!w->err && json_raw(doc, t, &p, &n))
		w->err = DBX_ERR_USAGE;
	w_value(w);
	w_put(w, p, n);
	return w->err;
}

size_t json_w_len(const struct json_w *w)
{
	return w->len;
}

enum dbx_err json_w_finish(struct json_w *w, size_t *len)
{
	if (!w->err && (w->depth != 0 || !(w->st[0] & W_ITEMS)))
		w->err = DBX_ERR_USAGE;
	if (w->buf && w->cap > 0)
		w->buf[w->len < w->cap ? w->len : w->cap - 1] = 0;
	if (len)
		*len = w->len;
	return w->err;
}
