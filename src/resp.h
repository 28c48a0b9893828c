/*
 * resp.h - the OpenAI Responses API as Databricks serves it for Codex / GPT-5
 * models at POST /serving-endpoints/responses: the request body, and the reply
 * (typed stream events or one response object) decoded into a struct reply.
 *
 * Rules:
 * - The body names the model; the system prompt goes in "instructions"; the
 *   caller's earlier messages (OpenAI chat format) are converted to input
 *   items: user/assistant text messages, assistant tool_calls to function_call
 *   items, role "tool" messages to function_call_output items. Chat-format
 *   tools ({"type":"function","function":{...}}) are flattened to the
 *   Responses form ({"type":"function","name":...}).
 * - Events: response.output_text.delta, response.reasoning_summary_text.delta
 *   (and response.reasoning_text.delta), response.output_item.added /
 *   response.function_call_arguments.delta / response.output_item.done for
 *   function calls, response.completed (usage, status), response.incomplete,
 *   response.failed and error. Others are ignored.
 * - As in chat.h, server errors are recorded with reply_fail() and the
 *   decoder returns DBX_ERR_CANCELLED to stop.
 */
#ifndef RESP_H
#define RESP_H

#include <stddef.h>

#include "err.h"
#include "wire.h"

/* The "input" array: system (NULL: none) as a system message, the earlier
 * messages converted, the user message (prompt, attachments). */
void resp_input(struct json_w *w, const struct dbx_chat_request *rq, struct shape *s,
                const char *system);

/* One SSE event: its data (the JSON carries its own "type"). */
int resp_event(struct reply *r, const char *data, size_t len);

/* A whole, non-streamed response object. */
int resp_whole(struct reply *r, const char *json, size_t len);

#endif
