/*
 * shape.h - the caller's JSON inputs of a chat turn (earlier messages, tools,
 * a schema, extra body fields), parsed and checked once per turn, and the
 * pieces of a request body that every wire format writes the same way.
 * Both wire formats (chat.h, resp.h) build on it.
 *
 * Rules: return convention of err.h; token arrays are on the heap, owned by
 * the struct until shape_free(); the caller's strings are borrowed.
 */
#ifndef SHAPE_H
#define SHAPE_H

#include <stddef.h>

#include "attach.h"
#include "err.h"
#include "json.h"
#include "jsonw.h"

/* Where an image's base64 text goes in a body written without it: before the
 * byte at off of the written text. */
struct shape_hole {
	size_t off;
	const struct attach *a;
};

/* The caller's JSON inputs, parsed and checked once per turn: earlier messages
 * and tools (arrays), schema and extra body fields (objects). Token arrays are
 * on the heap; shape_free() releases them. An absent input is a document
 * with ntok 0. trace (may be NULL) hears which of dbxai's body fields the extra
 * fields override. */
struct shape {
	struct json_doc msgs, tools, schema, extra, custom;
	struct json_tok *msgs_tok, *tools_tok, *schema_tok, *extra_tok, *custom_tok;
	/* The attachments, opened (heap, natts of them); the holes the last
	 * shape_user() left for the images' base64 text. */
	struct attach *atts;
	size_t natts, text_bytes;
	struct shape_hole holes[DBX_ATTACH_IMAGES_MAX];
	size_t nholes;
	dbx_trace_fn trace;
	void *trace_ctx;
};

/* DBX_ERR_USAGE, with the input named, when one is not valid JSON of the right
 * kind or the options contradict each other (thinking below 1024 tokens or with
 * a temperature other than 1, an unknown reasoning effort, schema together with
 * json_object). */
int shape_parse(const struct dbx_chat_request *rq, struct shape *s, char *errbuf);
void shape_free(struct shape *s);

/* Writes the content of the turn's user message: the prompt as a string, or
 * with attachments an array of their parts and the prompt's (responses: the
 * Responses API's part types), each image's base64 text left out and its
 * place recorded in s->holes (restarted by each call). */
void shape_user(struct json_w *w, const struct dbx_chat_request *rq, struct shape *s,
                int responses);

/* Room shape_user() needs in a body beyond 6 bytes per prompt byte. */
size_t shape_user_cap(const struct shape *s);

/* The size of body (len bytes written with holes) once the holes are filled. */
size_t shape_body_size(const struct shape *s, size_t len);

/* Up to cap bytes of the filled body from offset off into out; *got how many. */
int shape_body_read(const struct shape *s, const char *body, size_t len, size_t off, char *out,
                    size_t cap, size_t *got, char *errbuf);

/* The filled body in one heap buffer (NUL-terminated; *out freed by the
 * caller). */
int shape_body_whole(const struct shape *s, const char *body, size_t len, char **out,
                     size_t *out_len, char *errbuf);

/* 1 when dbxai writes key itself, 0 when the extra fields set it (then the
 * extra value wins, written by shape_finish, and the trace says so). */
int shape_ours(const struct shape *s, const char *key);

/* Writes "name" (the schema's title made safe: [A-Za-z0-9_-], at most 64;
 * else "response"), "schema" and "strict": true of a json_schema format into
 * the open object. */
void shape_schema_fields(struct json_w *w, const struct shape *s);

/* Ends a body: the extra fields, the closing brace, the finished text in
 * *body (buf, which it frees on error) and its length. */
int shape_finish(struct json_w *w, const struct shape *s, char *buf, char **body, size_t *len,
                 char *errbuf);

/* The token of the content of the first system message in msgs, or -1. */
int shape_system_token(const struct json_doc *msgs);

/* Whether message m (an object token of msgs) has this role. */
int shape_role_is(const struct json_doc *msgs, int m, const char *role);

#endif
