/*
 * chat.h - OpenAI chat completions as Databricks serves them at
 * POST /serving-endpoints/{model}/invocations: the request body, and the reply
 * (stream chunks or one JSON object) decoded into a struct provider_reply.
 *
 * Rules:
 * - The body has no "model" field (the endpoint is the model). messages are
 *   [system, the caller's earlier messages (raw, validated), the prompt as a
 *   user message]; tools are passed through verbatim.
 * - Stream chunks: choices[0].delta.content as a string or an array of
 *   {"type":"text"} / {"type":"reasoning","summary":[...]} items, delta
 *   reasoning_content, delta.tool_calls[] by index (id and name first, then
 *   argument fragments), finish_reason, usage on any chunk (the last wins), and
 *   an object with an "error" key is an error.
 * - Decoders never return the server's error through the HTTP layer: they
 *   record it with provider_fail() and return DBX_ERR_CANCELLED to stop.
 */
#ifndef CHAT_H
#define CHAT_H

#include <stddef.h>

#include "dbxai.h"
#include "provider.h"

/* The caller's JSON inputs, parsed and checked once per turn: earlier messages
 * and tools (arrays), schema and extra body fields (objects). Token arrays are
 * on the heap; chat_shape_free() releases them. An absent input is a document
 * with ntok 0. trace (may be NULL) hears which of dbxai's body fields the extra
 * fields override. */
struct chat_shape {
	struct json_doc msgs, tools, schema, extra;
	struct json_tok *msgs_tok, *tools_tok, *schema_tok, *extra_tok;
	dbx_trace_fn trace;
	void *trace_ctx;
};

/* DBX_ERR_USAGE, with the input named, when one is not valid JSON of the right
 * kind or the options contradict each other (thinking below 1024 tokens or with
 * a temperature other than 1, an unknown reasoning effort, schema together with
 * json_object). */
int chat_shape_parse(const struct dbx_chat_request *rq, struct chat_shape *s, char *errbuf);
void chat_shape_free(struct chat_shape *s);

/* 1 when dbxai writes key itself, 0 when the extra fields set it (then the
 * extra value wins, written by chat_shape_extra, and the trace says so). */
int chat_shape_ours(const struct chat_shape *s, const char *key);

/* Writes every extra field (key and raw value) into the open body object. */
void chat_shape_extra(struct json_w *w, const struct chat_shape *s);

/* The "name" a json_schema response format needs: the schema's title made
 * safe ([A-Za-z0-9_-], at most 64), else "response". */
void chat_schema_name(const struct chat_shape *s, char *out, size_t cap);

/* Writes "name", "schema" and "strict": true of a json_schema format into
 * the open object. */
void chat_schema_fields(struct json_w *w, const struct chat_shape *s);

/* Ends a body: the extra fields, the closing brace, the finished text in
 * *body (buf, which it frees on error) and its length. */
int chat_shape_finish(struct json_w *w, const struct chat_shape *s, char *buf, char **body,
		      size_t *len, char *errbuf);

/* Builds the body into malloc'd memory (*body, freed by the caller).
 * stream_options adds {"include_usage": true} to a streamed request. */
int chat_body(const struct dbx_chat_request *rq, const struct chat_shape *s, int stream_options,
	      char **body, size_t *len, char *errbuf);

/* The whole conversation after a turn: the messages sent and the assistant
 * reply (reasoning item with its signature, text, tool calls), as a JSON array
 * in malloc'd memory. r must have been kept (r->keep). */
int chat_transcript(const struct dbx_chat_request *rq, const struct chat_shape *s,
		    const struct provider_reply *r, char **out, size_t *len);

/* One SSE data payload of a stream ("[DONE]" included). */
int chat_event(struct provider_reply *r, const char *data, size_t len);

/* A whole, non-streamed reply. */
int chat_whole(struct provider_reply *r, const char *json, size_t len);

/* The token of the content of the first system message in msgs, or -1. */
int chat_system_token(const struct json_doc *msgs);

/* Whether message m (an object token of msgs) has this role. */
int chat_role_is(const struct json_doc *msgs, int m, const char *role);

#endif
