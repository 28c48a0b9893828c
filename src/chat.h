/*
 * chat.h - OpenAI chat completions as Databricks serves them at
 * POST /serving-endpoints/{model}/invocations: the request body, and the reply
 * (stream chunks or one JSON object) decoded into a struct reply.
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
 * - Decoders follow wire.h (server errors: reply_fail() and ERR_STOP).
 */
#ifndef CHAT_H
#define CHAT_H

#include <stddef.h>

#include "err.h"
#include "wire.h"

/* The whole conversation after a turn: the messages sent and the assistant
 * reply (reasoning item with its signature, text, tool calls), as a JSON array
 * in malloc'd memory. r must have been kept (r->keep). */
int chat_transcript(const struct dbx_chat_request *rq, struct shape *s, const struct reply *r,
                    char **out, size_t *len);

/* One SSE data payload of a stream ("[DONE]" included). */
int chat_event(struct reply *r, const char *data, size_t len);

/* A whole, non-streamed reply. */
int chat_whole(struct reply *r, const char *json, size_t len);

#endif
