/*
 * provider.h - what is specific to Databricks Model Serving: error mapping,
 * URL routing, the chat turn (dbx_chat: which API, the fast-model fallback,
 * the stream_options retry), and the reply accumulator that the two wire
 * formats (chat.c: chat completions, resp.c: Responses API) decode into.
 * Prints nothing.
 *
 * Rules: functions return enum dbx_err; messages go to errbuf
 * (char[DBX_ERRBUF_SIZE]) as one line, with any text from the server cleaned of
 * control characters and cut to a readable length. Text and reasoning go to
 * the caller as they arrive; tool calls, usage and the finish reason are
 * gathered and given at the end (a tool call is only useful whole).
 */
#ifndef PROVIDER_H
#define PROVIDER_H

#include <stddef.h>

#include "buf.h"
#include "dbxai.h"
#include "json.h"

struct client_call;

#define PROVIDER_MAX_TOOLS 64            /* tool calls in one reply */
#define PROVIDER_TOOL_ARGS_MAX (1 << 20) /* bytes of one call's arguments */
#define PROVIDER_ID_MAX 256              /* tool call id and function name */
#define PROVIDER_TOKENS 512              /* JSON tokens on the stack per event */

struct provider_tool {
	long key;                   /* index (chat) or output_index (Responses) */
	char id[PROVIDER_ID_MAX];
	char name[PROVIDER_ID_MAX];
	char *args;                 /* heap, grows up to PROVIDER_TOOL_ARGS_MAX */
	size_t len, cap;
};

#define PROVIDER_KEEP_MAX (16u << 20) /* reply text kept for a transcript */

/* What one reply has produced so far; the decoders fill it. */
struct provider_reply {
	dbx_event_fn cb;
	void *ctx;
	struct client_call *call;   /* ->delivered is set on the first event */
	struct dbx_client *client;  /* for the idle deadline */
	struct provider_tool tools[PROVIDER_MAX_TOOLS];
	int ntools;
	int has_usage;
	long long prompt_tokens, completion_tokens, total_tokens;
	char finish[32];
	int done;                   /* the stream said it is complete */
	int failed;                 /* an error event arrived: err, msg */
	int err;
	char msg[DBX_ERRBUF_SIZE];
	/* For a transcript (keep set): the reply text, the reasoning text and
	 * its last signature. */
	int keep;
	struct buf text, reasoning, signature; /* bounded by PROVIDER_KEEP_MAX */
	struct json_prefix prefix; /* what this stream's events start with */
};

/* Text or reasoning (type DBX_EV_TEXT / DBX_EV_REASONING) to the caller now.
 * Returns DBX_ERR_CANCELLED when the callback asks to stop. */
int provider_text(struct provider_reply *r, enum dbx_event_type type, const char *text,
		  size_t len);

/* The JSON string at token t of d as text or reasoning (unescaped). */
int provider_text_json(struct provider_reply *r, enum dbx_event_type type,
		       const struct json_doc *d, int t);

/* Reasoning text at token t with the signature at token sig (-1: none). */
int provider_reasoning_json(struct provider_reply *r, const struct json_doc *d, int t, int sig);

/* The tool call with this key, created on first use (id and name, when not
 * NULL, are set from the JSON strings at those tokens). NULL when there are
 * already PROVIDER_MAX_TOOLS. */
struct provider_tool *provider_tool(struct provider_reply *r, long key,
				    const struct json_doc *d, int id_t, int name_t);

/* Appends the JSON string at token t to the call's arguments (replace: set
 * them to it instead). DBX_ERR_LIMIT past PROVIDER_TOOL_ARGS_MAX. */
int provider_tool_args(struct provider_tool *tc, const struct json_doc *d, int t, int replace);

/* An error reported inside a 200 response: keeps the first. */
void provider_fail(struct provider_reply *r, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Usage from the JSON object at t: names for prompt, completion, total. */
void provider_usage(struct provider_reply *r, const struct json_doc *d, int t, const char *in,
		    const char *out, const char *total);

/* The end: tool calls, usage, done to the caller. */
int provider_finish(struct provider_reply *r);

/* Frees what the reply holds (tool arguments). */
void provider_reply_free(struct provider_reply *r);

/* Parses one JSON text of r's stream into d with tok (PROVIDER_TOKENS entries)
 * or, when more are needed, a heap array in *heap (freed by the caller with
 * free()). The start the stream's events share is read once (r->prefix). */
int provider_parse(struct provider_reply *r, struct json_doc *d, const char *js, size_t len,
		   struct json_tok *tok, struct json_tok **heap);

/* A model name is safe to put in a URL path: letters, digits, '.', '_', '-'. */
int provider_model_ok(const char *model);

/* Longest part of a server's error text repeated in a message. */
#define PROVIDER_ERRTEXT_MAX 160

/*
 * Maps a non-2xx response (status and its collected body, which may be cut) to
 * an error code and a one-line message naming the status, the error_code and
 * the server's message, plus what to do:
 *   401, 403                         DBX_ERR_AUTH
 *   429                              DBX_ERR_RATE_LIMITED
 *   413, 400 about context length    DBX_ERR_CONTEXT_LENGTH
 *   other 4xx                        DBX_ERR_BAD_REQUEST
 *   5xx                              DBX_ERR_SERVER
 *   anything else                    DBX_ERR_PROTOCOL
 * Understood bodies: {"error_code": C, "message": M}, {"error": {"message": M,
 * "code"/"type": C}}, {"error": M}, {"message": M}, or plain text.
 */
int provider_http_error(int status, const char *body, size_t len, char *errbuf);

#endif
