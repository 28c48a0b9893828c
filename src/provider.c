/* provider.c - see provider.h. */
#include "provider.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "client.h"
#include "http.h"
#include "models.h"
#include "mlagent.h"
#include "resp.h"
#include "sse.h"
#include "switches.h"

#define PROVIDER_WHOLE_MAX (16u << 20) /* a non-streamed reply larger than this is refused */
/* The largest stream event taken, in every format: REPLY_EVENT_MAX of text or
 * arguments plus room for the JSON around them. */
#define PROVIDER_EVENT_MAX (REPLY_EVENT_MAX + SSE_BUF_SIZE)

struct turn {
	struct client *c;
	const struct wire *w; /* the wire format of this attempt */
	struct shape shape;   /* the request's parsed JSON inputs */
	struct reply r;
	struct client_call k;
	int sse; /* the reply is an event stream */
	struct sse_parser sse_parser;
	struct buf whole; /* a non-streamed reply, collected */
};

/* The allocator of the SSE parser's spill (sse.h): one event larger than its
 * buffer, held while it is read, freed once it has been handed out. */
static void *turn_grow(void *ctx, void *old, size_t size)
{
	(void)ctx;
	if (!size) {
		free(old);
		return NULL;
	}
	return realloc(old, size);
}

static int turn_head(void *ctx, const struct http_parser *p)
{
	struct turn *t = ctx;
	const char *ct = http_header_value(p, "Content-Type", NULL);

	t->sse = ct && strncmp(ct, "text/event-stream", 17) == 0;
	(void)sse_finish(&t->sse_parser); /* gives back a spill of an attempt cut mid-event */
	sse_init(&t->sse_parser, NULL, 0);
	sse_spill(&t->sse_parser, PROVIDER_EVENT_MAX, turn_grow, NULL);
	buf_clear(&t->whole);
	client_touch(t->c);
	return 0;
}

static int turn_sse_event(void *ctx, const struct sse_event *ev)
{
	struct turn *t = ctx;
	int err;

	client_touch(t->c);
	if (ev->oversize) {
		/* Such events other than deltas repeat what the deltas already
		 * gave: losing one loses nothing but (for completed) usage. */
		if (t->w->lossy_oversize &&
		    !(ev->type_len > 6 && strcmp(ev->type + ev->type_len - 6, ".delta") == 0)) {
			if (strcmp(ev->type, "response.completed") == 0 ||
			    strcmp(ev->type, "response.incomplete") == 0)
				t->k.complete = t->r.done = 1;
			return DBX_OK;
		}
		reply_fail(
		    &t->r, DBX_ERR_LIMIT,
		    "a stream event of %zu bytes is larger than the %u MiB limit of one event",
		    ev->data_size, REPLY_EVENT_MAX >> 20);
		return ERR_STOP;
	}
	err = t->w->event(&t->r, ev->data, ev->data_len);
	t->k.complete = t->r.done && !t->r.failed;
	return err;
}

static int turn_data(void *ctx, const char *data, size_t len)
{
	struct turn *t = ctx;

	if (t->sse)
		return sse_feed(&t->sse_parser, data, len, turn_sse_event, t, NULL);
	if (buf_append(&t->whole, data, len) == DBX_ERR_LIMIT) {
		reply_fail(&t->r, DBX_ERR_LIMIT, "the reply is larger than %u MiB",
		           PROVIDER_WHOLE_MAX >> 20);
		return ERR_STOP;
	}
	return t->whole.err;
}

/* The reply's own error (recorded by a decoder) in place of the stop. */
static int reply_error(struct turn *t, int err, char *errbuf)
{
	if (err == ERR_STOP && t->r.failed) {
		errbuf_set(errbuf, "%s", t->r.msg);
		return t->r.err;
	}
	return err;
}

/* Whether the endpoint refused the stream_options field (its error body names
 * it): then the request goes once more without it. */
static int refused_stream_options(const struct client_call *k)
{
	static const char name[] = "stream_options";
	size_t i;

	for (i = 0; i + sizeof name - 1 <= k->err_len; i++)
		if (memcmp(k->err_body + i, name, sizeof name - 1) == 0)
			return 1;
	return 0;
}

/* The body in pieces: the written text with the images' base64 in its holes. */
struct body_src {
	const struct shape *s;
	const char *body;
	size_t len;
};

static int turn_body_read(void *ctx, size_t off, char *out, size_t cap, size_t *got, char *errbuf)
{
	const struct body_src *b = ctx;

	return shape_body_read(b->s, b->body, b->len, off, out, cap, got, errbuf);
}

/* One model, one wire format, with the given retry budget. */
static int run_turn(struct turn *t, const struct dbx_chat_request *rq, const char *model,
                    int max_retries, dbx_event_fn cb, void *ctx, char *errbuf)
{
	char path[300];
	char *body = NULL;
	size_t body_len = 0, size;
	struct body_src src;
	int err, stream_options = t->w->stream_options, attempt;

	for (attempt = 0; attempt < 2; attempt++) {
		err = t->w->body(rq, &t->shape, model, stream_options, &body, &body_len, errbuf);
		if (err)
			return err;
		size = shape_body_size(&t->shape, body_len);
		if (size > DBX_BODY_MAX) {
			errbuf_set(errbuf,
			           "the request body of %zu bytes is larger than the %u MiB limit; "
			           "attach fewer or smaller files",
			           size, DBX_BODY_MAX >> 20);
			free(body);
			return DBX_ERR_USAGE;
		}
		src.s = &t->shape;
		src.body = body;
		src.len = body_len;
		t->w->path(model, path, sizeof path);
		reply_reset(&t->r);
		t->r.cb = cb;
		t->r.ctx = ctx;
		t->r.delivered = &t->k.delivered;
		t->r.keep = rq->transcript != NULL;
		memset(&t->k, 0, sizeof t->k);
		t->k.method = "POST";
		t->k.path = path;
		t->k.body = body;
		t->k.body_len = size;
		if (t->shape.nholes) {
			t->k.body_read = turn_body_read;
			t->k.body_ctx = &src;
		}
		t->k.accept = rq->no_stream ? "application/json" : "text/event-stream";
		t->k.max_retries = max_retries;
		t->k.on_head = turn_head;
		t->k.on_data = turn_data;
		t->k.ctx = t;
		err = client_call(t->c, &t->k, errbuf);
		free(body);
		body = NULL;
		if (err == DBX_ERR_BAD_REQUEST && !rq->no_stream && stream_options &&
		    !t->k.delivered && refused_stream_options(&t->k)) {
			stream_options = 0;
			continue;
		}
		break;
	}
	if (err)
		return reply_error(t, err, errbuf);
	if (t->sse) {
		err = sse_finish(&t->sse_parser);
		(void)err; /* an unterminated last event is dropped, as the standard says */
	} else {
		err = t->w->whole(&t->r, t->whole.p ? t->whole.p : "", t->whole.len);
		if (err)
			return reply_error(t, err, errbuf);
	}
	err = reply_finish(&t->r);
	if (err == DBX_ERR_CANCELLED)
		errbuf_set(errbuf, "cancelled by the caller");
	if (!err && rq->trace) {
		/* the trace the agent returned, or none */
		*rq->trace = NULL;
		if (t->r.trace.len) {
			*rq->trace = malloc(t->r.trace.len + 1);
			if (!*rq->trace) {
				errbuf_set(errbuf, "out of memory for the trace");
				return DBX_ERR_NOMEM;
			}
			memcpy(*rq->trace, t->r.trace.p, t->r.trace.len);
			(*rq->trace)[t->r.trace.len] = 0;
		}
		if (rq->trace_len)
			*rq->trace_len = *rq->trace ? t->r.trace.len : 0;
	}
	if (!err && rq->transcript) {
		size_t len = 0;
		err = chat_transcript(rq, &t->shape, &t->r, rq->transcript, &len);
		if (err)
			errbuf_set(errbuf, "cannot write the transcript: %s", dbx_strerror(err));
		else if (rq->transcript_len)
			*rq->transcript_len = len;
	}
	return err;
}

/* Without the Responses API (make FEATURES=-responses) its wire is NULL:
 * provider_chat() says it is not built in. */
#if DBX_FEATURE_RESPONSES
#define RESP_WIRE (&resp_wire)
#define AGENT_RESP_WIRE (&agent_resp_wire)
#else
#define RESP_WIRE NULL
#define AGENT_RESP_WIRE NULL
#endif

/* The wire format for model: as asked; else the Responses API for a "codex"
 * name; for a "gpt" or "agent" name (the family Databricks serves both ways,
 * and agents, which agents.deploy() names agents_...) what the endpoint's
 * metadata says, read once per model and client; else chat. Other names are
 * not looked up: that would cost every turn a round trip before the first
 * token. A failed lookup means chat (said in -v). */
static const struct wire *wire_for(struct provider *p, const struct dbx_chat_request *rq,
                                   const char *model)
{
	static const struct wire *const by_api[] = {&chat_wire, &chat_wire, RESP_WIRE,
	                                            &agent_chat_wire, AGENT_RESP_WIRE};
	char errbuf[DBX_ERRBUF_SIZE] = "";
	struct client *c = p->client;
	int api = DBX_API_CHAT;

	if (rq->api != DBX_API_AUTO)
		return by_api[rq->api];
	if (strstr(model, "codex"))
		return RESP_WIRE;
	if (!strstr(model, "gpt") && !strstr(model, "agent"))
		return &chat_wire;
	if (strcmp(p->api_model, model) != 0) {
		if (models_endpoint_api(c, model, &api, errbuf) != DBX_OK)
			err_say(c->conn.trace, c->conn.trace_ctx,
			        "* endpoint metadata for %s: %s; using the chat API", model,
			        errbuf);
		snprintf(p->api_model, sizeof p->api_model, "%s", model);
		p->api_kind = api;
	}
	return by_api[p->api_kind];
}

/* t->w for model, or DBX_ERR_USAGE when it needs what is not built in. */
static int pick_wire(struct provider *p, struct turn *t, const struct dbx_chat_request *rq,
                     const char *model, char *errbuf)
{
	t->w = wire_for(p, rq, model);
	if (t->w)
		return DBX_OK;
	errbuf_set(errbuf, "%s: the Responses API is " DBX_NOT_BUILT_IN("responses"), model);
	return DBX_ERR_USAGE;
}

int provider_chat(struct provider *p, const struct dbx_chat_request *rq, dbx_event_fn cb, void *ctx,
                  char *errbuf)
{
	const char *model = rq->model && *rq->model ? rq->model : DBX_DEFAULT_MODEL;
	struct turn *t;
	int err = DBX_OK;

	if ((unsigned)rq->api > DBX_API_AGENT_RESPONSES) {
		errbuf_set(errbuf, "api %d is not an enum dbx_api_kind", (int)rq->api);
		return DBX_ERR_USAGE;
	}
	if (!url_name_ok(model)) {
		errbuf_set(errbuf,
		           "model name '%.60s' is not valid (letters, digits, '.', '_', '-')",
		           model);
		return DBX_ERR_USAGE;
	}
	t = calloc(1, sizeof *t);
	if (!t) {
		errbuf_set(errbuf, "out of memory for a chat turn");
		return DBX_ERR_NOMEM;
	}
	t->c = p->client;
	buf_init(&t->whole, PROVIDER_WHOLE_MAX);
	t->shape.trace = t->c->conn.trace;
	t->shape.trace_ctx = t->c->conn.trace_ctx;
	err = shape_parse(rq, &t->shape, errbuf);
	if (err)
		goto out;
	if (rq->fast) {
		char why[DBX_ERRBUF_SIZE] = "";
		err = pick_wire(p, t, rq, DBX_FAST_MODEL, why);
		if (!err)
			err = run_turn(t, rq, DBX_FAST_MODEL, 0, cb, ctx, why);
		if (!err || t->k.delivered || err == DBX_ERR_CANCELLED || err == DBX_ERR_USAGE) {
			if (err)
				errbuf_set(errbuf, "%s", why);
			goto out;
		}
		client_notice(t->c, "fast model %s failed (%s); falling back to %s", DBX_FAST_MODEL,
		              why, model);
	}
	err = pick_wire(p, t, rq, model, errbuf);
	if (!err)
		err = run_turn(t, rq, model, t->c->retry.max_retries, cb, ctx, errbuf);
out:
	shape_free(&t->shape);
	reply_free(&t->r);
	(void)sse_finish(&t->sse_parser);
	buf_free(&t->whole);
	free(t);
	return err;
}
