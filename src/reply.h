/*
 * reply.h - the reply accumulator: what one model reply has produced so far,
 * filled by the wire-format decoders (chat.c, resp.c) and handed to the
 * caller's event callback. Text and reasoning go to the caller as they arrive;
 * tool calls, usage and the finish reason are gathered and given at the end
 * (a tool call is only useful whole).
 *
 * Rules:
 * - The struct is the caller's (zero-filled, then cb, ctx, delivered and keep
 *   set); reply_free() releases what it holds and leaves it reusable.
 * - Functions return DBX_OK, DBX_ERR_CANCELLED when the caller's callback
 *   asked to stop, ERR_STOP after reply_fail() recorded why the reply cannot
 *   go on (the server's error, a limit), or another enum dbx_err.
 * - Everything grows up to a fixed maximum (REPLY_*); nothing prints.
 */
#ifndef REPLY_H
#define REPLY_H

#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "json.h"

#define REPLY_MAX_TOOLS 64                  /* tool calls in one reply */
#define REPLY_EVENT_MAX (4u << 20)          /* text of one delta, in every format */
#define REPLY_TOOL_ARGS_MAX REPLY_EVENT_MAX /* bytes of one call's arguments */
#define REPLY_ID_MAX 256                    /* tool call id and function name */
#define REPLY_TOKENS 512                    /* JSON tokens on the stack per event */

struct reply_tool {
	long key; /* index (chat) or output_index (Responses) */
	char id[REPLY_ID_MAX];
	char name[REPLY_ID_MAX];
	char *args; /* heap, grows up to REPLY_TOOL_ARGS_MAX */
	size_t len, cap;
};

#define REPLY_KEEP_MAX (16u << 20) /* reply text kept for a transcript */

/* What one reply has produced so far; the decoders fill it. */
struct reply {
	dbx_event_fn cb;
	void *ctx;
	int *delivered; /* set to 1 by the first event to the caller
	                   (from then on nothing may be retried) */
	int ntools;     /* in use: tools[0 .. ntools) */
	int has_usage;
	long long prompt_tokens, completion_tokens, total_tokens;
	char finish[32];
	int done;   /* the stream said it is complete */
	int failed; /* an error event arrived: err, msg */
	int err;
	char msg[DBX_ERRBUF_SIZE];
	/* For a transcript (keep set): the reply text, the reasoning text and
	 * its last signature. */
	int keep;
	struct buf text, reasoning, signature; /* bounded by REPLY_KEEP_MAX */
	struct json_prefix prefix;             /* what this stream's events start with */
	long texts;                            /* text events given to the caller */
	struct buf trace; /* an agent's returned trace (JSON), when it sent one */
	/* Last: reply_reset() leaves the slots past ntools as they are. */
	struct reply_tool tools[REPLY_MAX_TOOLS];
};

/* The JSON string at token t of d as text or reasoning (unescaped). */
int reply_text_json(struct reply *r, enum dbx_event_type type, const struct json_doc *d, int t);

/* Reasoning text at token t with the signature at token sig (-1: none). */
int reply_reasoning_json(struct reply *r, const struct json_doc *d, int t, int sig);

/* The tool call with this key, created on first use (id and name, when not
 * NULL, are set from the JSON strings at those tokens). NULL when there are
 * already REPLY_MAX_TOOLS. */
struct reply_tool *reply_tool_find(struct reply *r, long key, const struct json_doc *d, int id_t,
                                   int name_t);

/* Appends the JSON string at token t to the call's arguments (replace: set
 * them to it instead). DBX_ERR_LIMIT past REPLY_TOOL_ARGS_MAX. */
int reply_tool_args(struct reply_tool *tc, const struct json_doc *d, int t, int replace);

/* A step an agent ran itself, to the caller at once with remote set: a tool
 * call (type DBX_EV_TOOL_CALL: the JSON strings at id_t, name_t, and the
 * arguments at body_t) or its result (DBX_EV_TOOL_RESULT: the output at body_t
 * as text; a non-string value is given as its JSON text). -1: absent. */
int reply_remote(struct reply *r, enum dbx_event_type type, const struct json_doc *d, int id_t,
                 int name_t, int body_t);

/* Keeps the JSON value at t as the agent's trace (the last one wins). */
void reply_trace(struct reply *r, const struct json_doc *d, int t);

/* An error reported inside a 200 response: keeps the first. */
void reply_fail(struct reply *r, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Usage from the JSON object at t: names for prompt, completion, total. */
void reply_usage(struct reply *r, const struct json_doc *d, int t, const char *in, const char *out,
                 const char *total);

/* The end: tool calls, usage, done to the caller. */
int reply_finish(struct reply *r);

/* Frees what the reply holds (tool arguments). */
void reply_free(struct reply *r);

/* Frees what the reply holds and makes it as new (all zero) for another
 * attempt, without writing the tool slots it did not use: each is cleared when
 * reply_tool_find() hands it out, and the 34 KB of them stay untouched (no page
 * faulted in) in a reply without tool calls. */
void reply_reset(struct reply *r);

/* Parses one JSON text of r's stream into d with tok (REPLY_TOKENS entries)
 * or, when more are needed, a heap array in *heap (freed by the caller with
 * free()). The start the stream's events share is read once (r->prefix). */
int reply_parse(struct reply *r, struct json_doc *d, const char *js, size_t len,
                struct json_tok *tok, struct json_tok **heap);

#endif
