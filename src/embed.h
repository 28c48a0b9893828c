/*
 * embed.h - embeddings (dbx_embed in dbxai.h): the request body, the batch
 * loop over the client's one kept-alive connection, and the reply decoder
 * that puts vectors back in input order.
 *
 * Rules:
 * - A request with no inputs makes no HTTP request. Inputs are not checked
 *   for emptiness (the endpoint rejects them: DBX_ERR_BAD_REQUEST).
 * - Inputs go out in batches of at most rq->batch (EMBED_BATCH_MAX at most);
 *   each batch is one client_call() with the client's retry policy. Vectors
 *   reach the caller only once their batch's reply is complete and valid, so
 *   a batch is retried whole; a failure after earlier batches were delivered
 *   ends the call (what was delivered stays delivered).
 * - The reply's data[] may come in any order: data[].index (0-based within the
 *   batch) says where each vector goes. A missing, duplicate or out-of-range
 *   index, a count other than the batch size, an embedding that is not a
 *   non-empty array of numbers, or a dimension that differs from the first
 *   vector of the call is DBX_ERR_PROTOCOL.
 * - Vectors near the wire: one pass over the reply finds every non-empty array
 *   that holds only JSON numbers, checks their grammar and counts them, and
 *   cuts it out ("[]" in its place); jsmn then tokenizes only that skeleton,
 *   a few tokens per vector, so no number gets a token. Doubles are made only
 *   for a caller that wants them (dbx_embed_request.text_only == 0), with
 *   json_double()'s conversion; otherwise only a number that might not convert
 *   (longer than JSON_NUM_MAX, or 1e300 or more) is converted, so a reply is
 *   refused for exactly the same numbers either way.
 * - Memory: a batch's reply body is held whole, in a buffer that grows up to
 *   EMBED_BODY_MAX (DBX_ERR_LIMIT past it); the skeleton's text and tokens are
 *   small (a vector is "[]"), within JSON_MAX_TOKENS (DBX_ERR_LIMIT past it);
 *   all freed before dbx_embed returns. Roughly: 64 inputs of 1536 dimensions
 *   take 2 MB of body, and 0.8 MB of doubles when they are wanted.
 * - Errors are enum dbx_err with one line in errbuf (char[DBX_ERRBUF_SIZE]).
 */
#ifndef EMBED_H
#define EMBED_H

#include <stddef.h>

#include "err.h"

#define EMBED_BATCH_MAX 2048          /* inputs in one request (OpenAI's limit) */
#define EMBED_BODY_MAX (64u << 20)    /* bytes of one batch's reply */
#define EMBED_REQUEST_MAX (64u << 20) /* bytes of one batch's request body */

/*
 * Builds {"input":[inputs[0], .., inputs[n-1]]} into a malloc'd,
 * NUL-terminated buffer: *out belongs to the caller (free()). Invalid UTF-8 is
 * sent as U+FFFD (the JSON writer's rule). n >= 1; no input may be NULL.
 * DBX_ERR_LIMIT when the body would exceed EMBED_REQUEST_MAX.
 */
int embed_request_body(const char *const *inputs, size_t n, char **out, size_t *len, char *errbuf);

/*
 * Decodes one batch's reply body[0..len) for n inputs and gives each vector
 * to cb in input order, as index base + i. *dim is the dimension every vector
 * must have (0: not known yet; set from the first vector). The raw JSON text
 * handed to cb is the server's, a view into body. values: 1 to get the doubles
 * too, 0 to get values NULL. DBX_ERR_CANCELLED when cb returns non-zero;
 * nothing is delivered unless the whole batch is valid.
 */
int embed_decode(const char *body, size_t len, size_t n, size_t base, size_t *dim, int values,
                 dbx_vector_fn cb, void *ctx, char *errbuf);

struct client;

/* dbx_embed (dbxai.h) on client c. */
int embed_run(struct client *c, const struct dbx_embed_request *rq, dbx_vector_fn cb, void *ctx,
              char *errbuf);

#endif
