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

/* Builds the body into malloc'd memory (*body, freed by the caller).
 * stream_options adds {"include_usage": true} to a streamed request.
 * DBX_ERR_USAGE when messages or tools are not JSON arrays. */
int chat_body(const struct dbx_chat_request *rq, int stream_options, char **body, size_t *len,
	      char *errbuf);

/* One SSE data payload of a stream ("[DONE]" included). */
int chat_event(struct provider_reply *r, const char *data, size_t len);

/* A whole, non-streamed reply. */
int chat_whole(struct provider_reply *r, const char *json, size_t len);

/* Shared with resp.c. The earlier messages and the tools parsed and checked to
 * be arrays (documents with ntok 0 when absent); token arrays on the heap in
 * *msgs_tok / *tools_tok, freed by the caller with free(). */
int chat_inputs(const struct dbx_chat_request *rq, struct json_doc *msgs,
		struct json_tok **msgs_tok, struct json_doc *tools, struct json_tok **tools_tok,
		char *errbuf);

/* The token of the content of the first system message in msgs, or -1. */
int chat_system_token(const struct json_doc *msgs);

/* Whether message m (an object token of msgs) has this role. */
int chat_role_is(const struct json_doc *msgs, int m, const char *role);

#endif
