/* provider.c - see provider.h. */
#include "provider.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "client.h"
#include "http.h"
#include "models.h"
#include "resp.h"
#include "sse.h"
#include "switches.h"

#define PROVIDER_WHOLE_MAX (16u << 20) /* a non-streamed reply larger than this is refused */

struct turn {
	struct client *c;
	const struct wire *w; /* the wire format of this attempt */
	struct shape shape;   /* the request's parsed JSON inputs */
	struct reply r;
	struct client_call k;
	int sse; /* the reply is an event stream */
	struct sse_parser sse_parser;
	char *big_events; /* a larger event buffer (heap) for a format that wants one */
	size_t big_size;
	struct buf whole; /* a non-streamed reply, collected */
};

static int turn_head(void *ctx, const struct http_parser *p)
{
	struct turn *t = ctx;
	const char *ct = http_header_value(p, "Content-Type", NULL);

	t->sse = ct && strncmp(ct, "text/event-stream", 17) == 0;
	if (t->sse && t->w->event_max && t->big_size != t->w->event_max) {
		free(t->big_events);
		t->big_events = malloc(t->w->event_max);
		t->big_size = t->big_events ? t->w->event_max : 0;
	}
	if (t->sse && t->w->event_max && t->big_events)
		sse_init(&t->sse_parser, t->big_events, t->big_size);
	else
		sse_init(&t->sse_parser, NULL, 0);
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
		reply_fail(&t->r, DBX_ERR_PROTOCOL,
		           "a stream event of %zu bytes is larger than the %zu-byte buffer",
		           ev->data_size, t->big_size ? t->big_size : (size_t)SSE_BUF_SIZE);
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

/* One model, one wire format, with the given retry budget. */
static int run_turn(struct turn *t, const struct dbx_chat_request *rq, const char *model,
                    int max_retries, dbx_event_fn cb, void *ctx, char *errbuf)
{
	char path[300];
	char *body = NULL;
	size_t body_len = 0;
	int err, stream_options = t->w->stream_options, attempt;

	for (attempt = 0; attempt < 2; attempt++) {
		err = t->w->body(rq, &t->shape, model, stream_options, &body, &body_len, errbuf);
		if (err)
			return err;
		t->w->path(model, path, sizeof path);
		reply_free(&t->r);
		memset(&t->r, 0, sizeof t->r);
		t->r.cb = cb;
		t->r.ctx = ctx;
		t->r.delivered = &t->k.delivered;
		t->r.keep = rq->transcript != NULL;
		memset(&t->k, 0, sizeof t->k);
		t->k.method = "POST";
		t->k.path = path;
		t->k.body = body;
		t->k.body_len = body_len;
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
#else
#define RESP_WIRE NULL
#endif

/* The wire format for model: as asked; else the Responses API for a "codex"
 * name; for a "gpt" name (the family Databricks serves both ways) what the
 * endpoint's metadata lists, read once per model and client; else chat.
 * Other names are not looked up: that would cost every turn a round trip
 * before the first token. A failed lookup means chat (said in -v). */
static const struct wire *wire_for(struct provider *p, const struct dbx_chat_request *rq,
                                   const char *model)
{
	char errbuf[DBX_ERRBUF_SIZE] = "", line[DBX_ERRBUF_SIZE + 300];
	struct client *c = p->client;
	int yes = 0;

	if (rq->api != DBX_API_AUTO)
		return rq->api == DBX_API_RESPONSES ? RESP_WIRE : &chat_wire;
	if (strstr(model, "codex"))
		return RESP_WIRE;
	if (!DBX_FEATURE_RESPONSES || !strstr(model, "gpt"))
		return &chat_wire;
	if (strcmp(p->api_model, model) != 0) {
		if (models_endpoint_responses(c, model, &yes, errbuf) != DBX_OK && c->conn.trace) {
			snprintf(line, sizeof line,
			         "* endpoint metadata for %s: %s; using the chat API", model,
			         errbuf);
			c->conn.trace(c->conn.trace_ctx, line);
		}
		snprintf(p->api_model, sizeof p->api_model, "%s", model);
		p->api_responses = yes;
	}
	return p->api_responses ? RESP_WIRE : &chat_wire;
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
	free(t->big_events);
	buf_free(&t->whole);
	free(t);
	return err;
}
