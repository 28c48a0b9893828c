/*
 * json.h - strict JSON reading over caller-supplied token arrays, and a bounded
 * writer for request bodies and JSON Lines.
 *
 * Reading. json_parse() runs jsmn (compiled into json.c only) over a complete
 * document and then a validation pass that checks what jsmn lets through: the
 * grammar between tokens (commas, colons, brackets, a single top-level value),
 * numbers (RFC 8259 grammar), literals, and string contents (no raw control
 * characters, only the eight short escapes and \uXXXX, surrogates paired, UTF-8
 * well formed). A document json_parse() accepted is trusted by every function
 * below, so none of them can fail on the text itself.
 *
 * Tokens are indices into the caller's array: the root value is token 0; an
 * object's children are its keys, and the value of key k is token k + 1; an
 * array's children are its elements. Navigation functions return -1 for "not
 * there" (missing key, index past the end, wrong type, or t == -1), so lookups
 * chain without checks in between: json_get(d, json_get(d, 0, "a"), "b").
 *
 * Rules:
 * - No function here allocates. Token arrays, string buffers and the writer's
 *   buffer all belong to the caller.
 * - struct json_doc borrows the text and the token array: both MUST outlive it
 *   and MUST NOT change while it is used. Views returned (json_raw) point into
 *   the text.
 * - Token arguments MUST come from the same document (or be -1); pointer
 *   arguments MUST NOT be NULL unless a comment says so.
 * - Numbers are read without the locale (text_double); the writer formats them
 *   with snprintf(), which follows LC_NUMERIC: the program MUST leave it at "C"
 *   (the writer checks its output).
 * - Errors are enum dbx_err: DBX_ERR_PROTOCOL for invalid JSON, DBX_ERR_LIMIT
 *   for a limit below (or a value that does not fit the type asked for),
 *   DBX_ERR_USAGE for a getter asked for the wrong type or a writer call out of
 *   place.
 */
#ifndef JSON_H
#define JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Limits, all in one place. */
#define JSON_MAX_TOKENS (1 << 20) /* hard cap on the token array json_parse uses */
#define JSON_MAX_DEPTH 128        /* nesting of arrays/objects accepted */
#define JSON_MAX_LEN 0x7ffffffe   /* bytes of text (jsmn keeps offsets in int) */
#define JSON_NUM_MAX 256          /* longest number json_double/json_int convert */

/* Storage for one token: callers declare arrays of it (on the stack, statically
 * or allocated) and hand them to json_parse. The contents are private to json.c
 * (it is jsmn's token, checked there at compile time); read tokens only through
 * the functions below. 20 bytes each. */
struct json_tok {
	int priv_[5];
};

enum json_type {
	JSON_NONE = 0, /* not a token (index -1 or out of range) */
	JSON_OBJECT,
	JSON_ARRAY,
	JSON_STRING,
	JSON_NUMBER,
	JSON_BOOL,
	JSON_NULL
};

/* A parsed document. Filled by json_parse; callers read the fields, never
 * write them. */
struct json_doc {
	const char *js;       /* the text (borrowed) */
	size_t len;           /* its length in bytes */
	struct json_tok *tok; /* the caller's token array (borrowed) */
	int ntok;             /* tokens in use; 0 unless json_parse succeeded */
	/* Set when json_parse fails: */
	int needed;           /* DBX_ERR_LIMIT for tokens: how many the text needs
	                         (may exceed JSON_MAX_TOKENS), else 0 */
	size_t err_off;       /* byte offset where the problem was seen */
	const char *err_what; /* static English reason, never NULL after a call */
};

/* Parses and validates the whole of js[0..len) (no NUL needed; a NUL byte in
 * the text is invalid) into tok[0..cap).
 * DBX_ERR_LIMIT with doc->needed > cap: the array is too small; retry with
 * doc->needed tokens if that is at most JSON_MAX_TOKENS (cap is clamped to
 * it), else give up. DBX_ERR_LIMIT with needed == 0: too deep or too long.
 * DBX_ERR_PROTOCOL: not valid JSON (err_off, err_what say where and why). */
enum dbx_err json_parse(struct json_doc *doc, const char *js, size_t len, struct json_tok *tok,
                        int cap);

/* What json_parse_prefix() keeps between the documents of a stream whose
 * documents start alike (every chunk of a chat stream repeats its id, model and
 * path down to the delta): the first bytes of the last document, up to its last
 * string value, and jsmn's state after them. A zero-filled struct is empty.
 * About 1.2 KB: keep it with the stream, not on a small stack. */
#define JSON_PREFIX_MAX 512
#define JSON_PREFIX_TOKENS 32
struct json_prefix {
	/* private */
	size_t len_;
	unsigned int toknext_;
	int toksuper_;
	char text[JSON_PREFIX_MAX];
	struct json_tok tok[JSON_PREFIX_TOKENS];
};

/* json_parse() for the next document of a stream: when js starts with pc's
 * bytes, jsmn resumes after them instead of reading them again (the whole text
 * is still validated). Results, tokens and errors are exactly json_parse()'s.
 * pc MUST NOT be NULL; it is updated for the next document. */
enum dbx_err json_parse_prefix(struct json_doc *doc, const char *js, size_t len,
                               struct json_tok *tok, int cap, struct json_prefix *pc);

/* json_parse into a token array of the exact size, counted by jsmn first
 * (*tok: the caller frees it; NULL when nothing was allocated). Errors as
 * json_parse, and DBX_ERR_NOMEM. */
enum dbx_err json_parse_alloc(struct json_doc *doc, const char *js, size_t len,
                              struct json_tok **tok);

/* At least as many tokens as valid JSON js[0..len) needs, found with one cheap
 * pass instead of jsmn's counting pass: every token but the first follows its
 * own ',', ':', '[' or '{'. Capped at JSON_MAX_TOKENS + 1. A text that needs
 * more tokens than this is not valid JSON. */
int json_token_bound(const char *js, size_t len);

/* Navigation. All return a token index or -1 (see the rules above). */
enum json_type json_type(const struct json_doc *doc, int t);
int json_size(const struct json_doc *doc, int t);  /* members / elements; 0 otherwise */
int json_child(const struct json_doc *doc, int t); /* first key / element */
int json_next(const struct json_doc *doc, int t); /* next key (t a key) or element (t an element) */
int json_skip(const struct json_doc *doc,
              int t); /* first index after t's subtree (t a key: its value) */
int json_get(const struct json_doc *doc, int obj, const char *key);
int json_getn(const struct json_doc *doc, int obj, const char *key, size_t keylen);
/* n keys of object obj in one walk over its members (n at most
 * JSON_GET_MANY_MAX): out[i] gets what json_get(doc, obj, keys[i].name)
 * returns. For a decoder that needs several members of one object, e.g. per
 * chunk; keys are written JSON_KEY("name"), so no length is counted at run time. */
#define JSON_GET_MANY_MAX 8
struct json_key {
	const char *name;
	size_t len;
};
/* clang-format off */
#define JSON_KEY(s) {s, sizeof(s) - 1}
/* clang-format on */
void json_get_many(const struct json_doc *doc, int obj, const struct json_key *keys, int n,
                   int *out);
int json_at(const struct json_doc *doc, int arr, int idx);
/* Dotted path from t: "choices.0.delta.content". A component of digits indexes
 * an array (and is a key in an object); keys containing '.' cannot be named. */
int json_path(const struct json_doc *doc, int t, const char *path);

/* Getters. DBX_ERR_USAGE if t is not of the type asked (or -1). */

/* Unescapes string t (a value or a key) into buf as UTF-8 and NUL-terminates
 * it; *len (may be NULL) gets the length without the NUL. The text may hold
 * U+0000, so trust *len over strlen. DBX_ERR_LIMIT if cap < length + 1, with
 * *len set to the length. */
enum dbx_err json_str(const struct json_doc *doc, int t, char *buf, size_t cap, size_t *len);
size_t json_strlen(const struct json_doc *doc, int t); /* unescaped length; 0 if not a string */
/* String t when it holds no escape: its value is its text, and this returns a
 * view of it in the document (not NUL-terminated), *len its length. NULL when t
 * is not a string or has an escape (then json_str() is needed). */
const char *json_str_view(const struct json_doc *doc, int t, size_t *len);
bool json_streq(const struct json_doc *doc, int t, const char *s); /* string t equals s */
/* The exact text of value t (a string with its quotes, a whole object...). */
enum dbx_err json_raw(const struct json_doc *doc, int t, const char **p, size_t *n);
/* An integer: a number written without fraction or exponent, or one whose
 * value is a whole number below 2^53 in magnitude (3.0, 1e3). DBX_ERR_USAGE for
 * 1.5, DBX_ERR_LIMIT outside int64_t. */
enum dbx_err json_int(const struct json_doc *doc, int t, int64_t *v);
/* The nearest double; DBX_ERR_LIMIT if beyond DBL_MAX or written in more than
 * JSON_NUM_MAX bytes. Underflow gives 0 or a subnormal, not an error. */
enum dbx_err json_double(const struct json_doc *doc, int t, double *v);
/* json_double() for the number text s[0..n), which MUST be one JSON number
 * (json_is_number): the same conversion, for a number found without a token. */
enum dbx_err json_number_double(const char *s, size_t n, double *v);
enum dbx_err json_bool(const struct json_doc *doc, int t, bool *v);
bool json_is_null(const struct json_doc *doc, int t);

/* Whether s[0..n) is exactly one JSON number (RFC 8259 grammar). */
bool json_is_number(const char *s, size_t n);

#endif
