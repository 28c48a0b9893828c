/*
 * wire.h - a wire format: how one chat turn is written to a serving endpoint
 * and how its reply is read. The turn (provider.c) takes one from the table of
 * formats (chat_wire in chat.c, resp_wire in resp.c; the agent schemas join
 * them) and never asks which one it holds.
 *
 * Rules: return convention of err.h. Decoders record the server's own error
 * (an error event, a failed response) with reply_fail() and return ERR_STOP;
 * they never print and never touch the connection.
 */
#ifndef WIRE_H
#define WIRE_H

#include <stddef.h>

#include "err.h"
#include "reply.h"
#include "shape.h"

struct wire {
	const char *name; /* "chat", "responses" (for traces) */
	/* The request body for model into malloc'd *body (freed by the caller).
	 * stream_options: ask for usage in the stream, where the format has
	 * such an option. */
	int (*body)(const struct dbx_chat_request *rq, struct shape *s, const char *model,
	            int stream_options, char **body, size_t *len, char *errbuf);
	/* The path the body is posted to, NUL-terminated in out[0..cap). */
	void (*path)(const char *model, char *out, size_t cap);
	/* One SSE event's data; a whole (non-streamed) reply. */
	int (*event)(struct reply *r, const char *data, size_t len);
	int (*whole)(struct reply *r, const char *json, size_t len);
	int lossy_oversize; /* an event over the limit that is not a ".delta"
	                       repeats what the deltas gave: skip it */
	int stream_options; /* the body carries stream_options, which some
	                       endpoints reject (then sent once more without) */
};

extern const struct wire chat_wire, resp_wire;

#endif
