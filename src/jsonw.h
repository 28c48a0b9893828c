/*
 * jsonw.h - the JSON writer: request bodies, transcripts and output lines built
 * into a caller's buffer, escaped correctly. The reader is json.h.
 *
 * Rules: return convention of err.h (the first error sticks, see below); no
 * allocation: the buffer is the caller's.
 */
#ifndef JSONW_H
#define JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "json.h"

#define JSON_W_MAX_DEPTH 32 /* nesting the writer tracks */

/*
 * Writer. Builds one JSON value into buf[0..cap). Calls go in document order:
 * json_w_key before each member value. The first error (DBX_ERR_LIMIT when the
 * buffer is full, DBX_ERR_USAGE for a call out of place, nesting past
 * JSON_W_MAX_DEPTH, NaN or infinity) sticks: later calls do nothing and return
 * it, and json_w_finish reports it, so a body can be built without a check
 * after every call. Strings are taken as UTF-8: invalid sequences are written
 * as U+FFFD (counted in json_w.replaced); control characters, '"' and '\' are
 * escaped. Output is compact: no spaces, no newline.
 */
struct json_w {
	size_t replaced; /* invalid UTF-8 sequences replaced so far (read only) */
	/* private: */
	char *buf;
	size_t cap;
	size_t len;
	enum dbx_err err;
	int depth;
	unsigned char st[JSON_W_MAX_DEPTH + 1];
};

/* buf (borrowed) must outlive the writer; cap >= 1 leaves room for the NUL. */
void json_w_init(struct json_w *w, char *buf, size_t cap);
enum dbx_err json_w_obj(struct json_w *w);
enum dbx_err json_w_obj_end(struct json_w *w);
enum dbx_err json_w_arr(struct json_w *w);
enum dbx_err json_w_arr_end(struct json_w *w);
enum dbx_err json_w_key(struct json_w *w, const char *key);
enum dbx_err json_w_keyn(struct json_w *w, const char *key, size_t n);
enum dbx_err json_w_str(struct json_w *w, const char *s);
enum dbx_err json_w_strn(struct json_w *w, const char *s, size_t n);
enum dbx_err json_w_int(struct json_w *w, int64_t v);
/* Shortest form that reads back as the same double: 0.7 -> 0.7, 1e-7 -> 1e-07. */
enum dbx_err json_w_double(struct json_w *w, double v);
enum dbx_err json_w_bool(struct json_w *w, bool v);
enum dbx_err json_w_null(struct json_w *w);
/* Copies value t of a parsed (hence validated) document verbatim, whitespace
 * and escapes as they were: tool definitions or messages read from a file. */
enum dbx_err json_w_raw(struct json_w *w, const struct json_doc *doc, int t);
/* Bytes written so far (a string just written ends at len - 1 with its '"'). */
size_t json_w_len(const struct json_w *w);
/* Checks the value is complete, NUL-terminates buf, sets *len (may be NULL)
 * and returns the first error, if any. */
enum dbx_err json_w_finish(struct json_w *w, size_t *len);

#endif
