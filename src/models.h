/*
 * models.h - the workspace's serving endpoints (dbx_list_models in dbxai.h):
 * GET /api/2.0/serving-endpoints and the decoder of its reply, and one
 * endpoint's metadata.
 *
 * Rules:
 * - The reply is held whole in a buffer that grows up to MODELS_BODY_MAX
 *   (DBX_ERR_LIMIT past it) and parsed with as many JSON tokens as it needs,
 *   up to JSON_MAX_TOKENS; all of it is freed before the call returns.
 * - A reply without "endpoints" is a workspace without endpoints (the API
 *   leaves empty lists out). An endpoint without a string "name" (or with a
 *   NUL in it), or a "task" that is neither a string, null nor absent, is
 *   DBX_ERR_PROTOCOL: nothing is delivered unless the whole list is valid.
 * - The strings handed to the callback are NUL-terminated copies that live
 *   until it returns.
 * - Errors are enum dbx_err with one line in errbuf (char[DBX_ERRBUF_SIZE]).
 * - Endpoint metadata (GET /api/2.0/serving-endpoints/{name}) is read only to
 *   learn whether the endpoint lists the Responses API.
 */
#ifndef MODELS_H
#define MODELS_H

#include <stddef.h>

#include "err.h"

struct client;

#define MODELS_BODY_MAX (32u << 20) /* bytes of the endpoint list */

/* Decodes the reply body[0..len) and gives each endpoint to cb, in the
 * reply's order. DBX_ERR_CANCELLED when cb returns non-zero. */
int models_decode(const char *body, size_t len, dbx_model_fn cb, void *ctx, char *errbuf);

#define MODELS_RESPONSES_API "openai/v1/responses"

/* Endpoint metadata, GET /api/2.0/serving-endpoints/{name}: *yes = 1 when it
 * lists the Responses API (MODELS_RESPONSES_API as any string of the reply).
 * models_lists_responses decodes a reply body; models_endpoint_responses
 * makes the call (name: letters, digits, '.', '_', '-'). */
int models_lists_responses(const char *body, size_t len, int *yes, char *errbuf);

/* The wire format the metadata body[0..len) calls for (an enum dbx_api_kind
 * into *api): the agent kinds by its "task" (agent/v1/chat and agent/v2/chat:
 * ChatAgent; agent/v1/responses: ResponsesAgent), else DBX_API_RESPONSES when
 * it lists the Responses API, else DBX_API_CHAT. models_endpoint_api makes
 * the call (name: letters, digits, '.', '_', '-'). */
int models_lists_api(const char *body, size_t len, int *api, char *errbuf);
int models_endpoint_api(struct client *c, const char *name, int *api, char *errbuf);

/* dbx_list_models (dbxai.h) on client c. */
int models_list(struct client *c, dbx_model_fn cb, void *ctx, char *errbuf);

#endif
