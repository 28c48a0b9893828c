/* provider.c - see provider.h. */
#include "provider.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbxai.h"
#include "client.h"
#include "chat.h"
#include "http.h"
#include "json.h"
#include "models.h"
#include "resp.h"
#include "sse.h"

#define PROVIDER_ERR_TOKENS 256

/* Copies text into out as one printable line: control bytes become spaces,
 * runs of spaces fold, and the result is cut at PROVIDER_ERRTEXT_MAX with "...". */
static void one_line(const char *text, size_t len, char *out, size_t cap)
{
	size_t i, n = 0;
	int space = 1;

	for (i = 0; i < len && n + 4 < cap; i++) {
		unsigned char ch = (unsigned char)text[i];
		if (ch < 0x20 || ch == 0x7f)
			ch = ' ';
		if (ch == ' ' && space)
			continue;
		space = ch == ' ';
		if (n >= PROVIDER_ERRTEXT_MAX) {
			memcpy(out + n, "...", 3);
			n += 3;
			break;
		}
		out[n++] = (char)ch;
	}
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}

static void str_or_raw(const struct json_doc *d, int t, char *out, size_t cap)
{
	char tmp[PROVIDER_ERRTEXT_MAX * 2];
	size_t n = 0;
	const char *raw;

	out[0] = '\0';
	if (t < 0)
		return;
	if (json_type(d, t) == JSON_STRING && json_str(d, t, tmp, sizeof tmp, &n) == DBX_OK) {
		one_line(tmp, n, out, cap);
	} else if (json_raw(d, t, &raw, &n) == DBX_OK) {
		/* Not a string, or a string too long to unescape here (json_str
		 * then writes nothing to tmp): its text, cut by one_line, without
		 * the quotes. */
		if (json_type(d, t) == JSON_STRING && n >= 2) {
			raw++;
			n -= 2;
		}
		one_line(raw, n, out, cap);
	}
}

/* Finds the code and message in a JSON error body; 0 if it is not one. */
static int json_error(const char *body, size_t len, char *code, size_t code_cap, char *msg,
		      size_t msg_cap)
{
	struct json_tok tok[PROVIDER_ERR_TOKENS];
	struct json_doc d;
	int err_t;

	if (json_parse(&d, body, len, tok, PROVIDER_ERR_TOKENS) != DBX_OK ||
	    json_type(&d, 0) != JSON_OBJECT)
		return 0;
	str_or_raw(&d, json_get(&d, 0, "error_code"), code, code_cap);
	str_or_raw(&d, json_get(&d, 0, "message"), msg, msg_cap);
	err_t = json_get(&d, 0, "error");
	if (json_type(&d, err_t) == JSON_OBJECT) {
		if (!msg[0])
			str_or_raw(&d, json_get(&d, err_t, "message"), msg, msg_cap);
		if (!code[0])
			str_or_raw(&d, json_get(&d, err_t, "code"), code, code_cap);
		if (!code[0])
			str_or_raw(&d, json_get(&d, err_t, "type"), code, code_cap);
	} else if (err_t >= 0 && !msg[0]) {
		str_or_raw(&d, err_t, msg, msg_cap);
	}
	return code[0] || msg[0];
}

static int contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle), i, j;
	for (i = 0; hay[i]; i++) {
		for (j = 0; j < n; j++) {
			char a = hay[i + j], b = needle[j];
			if (a >= 'A' && a <= 'Z')
				a = (char)(a - 'A' + 'a');
			if (a != b)
				break;
		}
		if (j == n)
			return 1;
	}
	return 0;
}

static int about_context_length(const char *code, const char *msg)
{
	static const char *const words[] = {"context length", "context_length", "context window",
					    "prompt is too long", "too many tokens",
					    "maximum context", "prompt too long", "input is too long"};
	size_t i;
	for (i = 0; i < sizeof words / sizeof words[0]; i++)
		if (contains_ci(msg, words[i]) || contains_ci(code, words[i]))
			return 1;
	return 0;
}

int provider_http_error(int status, const char *body, size_t len, char *errbuf)
{
	char code[64] = "", msg[PROVIDER_ERRTEXT_MAX + 8] = "", what[PROVIDER_ERRTEXT_MAX + 80];
	const char *hint = "";
	int err;

	if (!json_error(body, len, code, sizeof code, msg, sizeof msg)) {
		code[0] = '\0';
		one_line(body, len, msg, sizeof msg);
	}
	if (status == 401 || status == 403) {
		err = DBX_ERR_AUTH;
		hint = status == 401 ? "; run `dbxai login` or set DATABRICKS_TOKEN"
				     : "; the credentials lack permission for this endpoint "
				       "(or run `dbxai login` / set DATABRICKS_TOKEN)";
	} else if (status == 429) {
		err = DBX_ERR_RATE_LIMITED;
		hint = " (rate limited)";
	} else if (status == 413 || (status == 400 && about_context_length(code, msg))) {
		err = DBX_ERR_CONTEXT_LENGTH;
		hint = " (the prompt is too long for the model's context)";
	} else if (status >= 400 && status < 500) {
		err = DBX_ERR_BAD_REQUEST;
	} else if (status >= 500 && status < 600) {
		err = DBX_ERR_SERVER;
	} else {
		err = DBX_ERR_PROTOCOL;
	}
	if (code[0] && msg[0])
		snprintf(what, sizeof what, "%s: %s", code, msg);
	else
		snprintf(what, sizeof what, "%s", code[0] ? code : msg[0] ? msg : "(no message)");
	snprintf(errbuf, DBX_ERRBUF_SIZE, "HTTP %d %s%s", status, what, hint);
	return err;
}

/* ---- the reply accumulator ---- */

static int emit(struct provider_reply *r, const struct dbx_event *ev)
{
	r->call->delivered = 1;
	if (r->cb && r->cb(r->ctx, ev) != 0)
		return DBX_ERR_CANCELLED;
	return DBX_OK;
}

static int text_event(struct provider_reply *r, enum dbx_event_type type, const char *text,
		      size_t len, const char *signature)
{
	struct dbx_event ev;
	int err;

	if (len == 0 && !signature)
		return DBX_OK;
	if (r->keep) {
		if (!r->text.max) {
			buf_init(&r->text, PROVIDER_KEEP_MAX);
			buf_init(&r->reasoning, PROVIDER_KEEP_MAX);
			buf_init(&r->signature, PROVIDER_KEEP_MAX);
		}
		err = buf_append(type == DBX_EV_TEXT ? &r->text : &r->reasoning, text, len);
		if (!err && signature) {
			buf_clear(&r->signature);
			err = buf_append(&r->signature, signature, strlen(signature));
		}
		if (err) {
			provider_fail(r, err, "the reply is too large to keep for the transcript");
			return DBX_ERR_CANCELLED;
		}
	}
	if (len == 0)
		return DBX_OK;
	memset(&ev, 0, sizeof ev);
	ev.type = type;
	ev.text = text;
	ev.text_len = len;
	ev.signature = signature;
	return emit(r, &ev);
}

int provider_text(struct provider_reply *r, enum dbx_event_type type, const char *text,
		  size_t len)
{
	return text_event(r, type, text, len, NULL);
}

/* The JSON string at token t, unescaped into small or a heap buffer (*heap,
 * freed by the caller); NULL when t is not a string. */
static const char *json_text(const struct json_doc *d, int t, char *small, size_t cap,
			     char **heap, size_t *n)
{
	char *buf = small;

	*heap = NULL;
	*n = json_strlen(d, t);
	if (json_type(d, t) != JSON_STRING)
		return NULL;
	if (*n + 1 > cap) {
		buf = malloc(*n + 1);
		if (!buf)
			return NULL;
		*heap = buf;
		cap = *n + 1;
	}
	(void)json_str(d, t, buf, cap, n);
	return buf;
}

int provider_text_json(struct provider_reply *r, enum dbx_event_type type,
		       const struct json_doc *d, int t)
{
	char small[1024], *heap = NULL;
	size_t n = 0;
	/* without escapes (nearly every delta) the text is handed on in place */
	const char *text = json_str_view(d, t, &n);
	int err;

	if (!text)
		text = json_text(d, t, small, sizeof small, &heap, &n);
	if (!text)
		return json_type(d, t) == JSON_STRING ? DBX_ERR_NOMEM : DBX_OK;
	err = text_event(r, type, text, n, NULL);
	free(heap);
	return err;
}

int provider_reasoning_json(struct provider_reply *r, const struct json_doc *d, int t, int sig)
{
	char small[1024], sig_small[1024], *heap, *sig_heap;
	size_t n = 0, sn = 0;
	const char *text = json_text(d, t, small, sizeof small, &heap, &n);
	const char *signature = json_text(d, sig, sig_small, sizeof sig_small, &sig_heap, &sn);
	int err;

	err = text_event(r, DBX_EV_REASONING, text ? text : "", text ? n : 0,
			 signature && sn ? signature : NULL);
	free(heap);
	free(sig_heap);
	return err;
}

static void copy_str(const struct json_doc *d, int t, char *out, size_t cap)
{
	size_t n = 0;
	if (json_type(d, t) != JSON_STRING)
		return;
	if (json_str(d, t, out, cap, &n) == DBX_ERR_LIMIT)
		out[cap - 1] = '\0';
}

struct provider_tool *provider_tool(struct provider_reply *r, long key,
				    const struct json_doc *d, int id_t, int name_t)
{
	struct provider_tool *tc = NULL;
	int i;

	for (i = 0; i < r->ntools; i++)
		if (r->tools[i].key == key)
			tc = &r->tools[i];
	if (!tc) {
		if (r->ntools == PROVIDER_MAX_TOOLS)
			return NULL;
		tc = &r->tools[r->ntools++];
		memset(tc, 0, sizeof *tc);
		tc->key = key;
	}
	if (id_t >= 0 && !tc->id[0])
		copy_str(d, id_t, tc->id, sizeof tc->id);
	if (name_t >= 0 && !tc->name[0])
		copy_str(d, name_t, tc->name, sizeof tc->name);
	return tc;
}

int provider_tool_args(struct provider_tool *tc, const struct json_doc *d, int t, int replace)
{
	size_t n = json_strlen(d, t), need;

	if (json_type(d, t) != JSON_STRING)
		return DBX_OK;
	if (replace)
		tc->len = 0;
	need = tc->len + n + 1;
	if (need > PROVIDER_TOOL_ARGS_MAX)
		return DBX_ERR_LIMIT;
	if (need > tc->cap) {
		size_t cap = tc->cap ? tc->cap : 256;
		char *nb;
		while (cap < need)
			cap *= 2;
		nb = realloc(tc->args, cap);
		if (!nb)
			return DBX_ERR_NOMEM;
		tc->args = nb;
		tc->cap = cap;
	}
	(void)json_str(d, t, tc->args + tc->len, tc->cap - tc->len, &n);
	tc->len += n;
	return DBX_OK;
}

void provider_fail(struct provider_reply *r, int err, const char *fmt, ...)
{
	va_list ap;
	if (r->failed)
		return;
	r->failed = 1;
	r->err = err;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof r->msg, fmt, ap);
	va_end(ap);
}

static long long get_count(const struct json_doc *d, int obj, const char *key)
{
	int64_t v = 0;
	if (json_int(d, json_get(d, obj, key), &v) != DBX_OK)
		return -1;
	return v;
}

void provider_usage(struct provider_reply *r, const struct json_doc *d, int t, const char *in,
		    const char *out, const char *total)
{
	long long p, c, s;

	if (json_type(d, t) != JSON_OBJECT)
		return;
	p = get_count(d, t, in);
	c = get_count(d, t, out);
	s = get_count(d, t, total);
	if (p < 0 && c < 0 && s < 0)
		return;
	r->has_usage = 1;
	r->prompt_tokens = p < 0 ? 0 : p;
	r->completion_tokens = c < 0 ? 0 : c;
	if (s < 0) /* the sum, saturated: counts come from the server */
		s = r->prompt_tokens > LLONG_MAX - r->completion_tokens
			    ? LLONG_MAX
			    : r->prompt_tokens + r->completion_tokens;
	r->total_tokens = s;
}

int provider_finish(struct provider_reply *r)
{
	struct dbx_event ev;
	int i, err = DBX_OK;

	for (i = 0; i < r->ntools && !err; i++) {
		struct provider_tool *tc = &r->tools[i];
		memset(&ev, 0, sizeof ev);
		ev.type = DBX_EV_TOOL_CALL;
		ev.id = tc->id;
		ev.name = tc->name;
		ev.arguments = tc->args ? tc->args : "";
		ev.arguments_len = tc->len;
		err = emit(r, &ev);
	}
	if (!err && r->has_usage) {
		memset(&ev, 0, sizeof ev);
		ev.type = DBX_EV_USAGE;
		ev.prompt_tokens = r->prompt_tokens;
		ev.completion_tokens = r->completion_tokens;
		ev.total_tokens = r->total_tokens;
		err = emit(r, &ev);
	}
	if (!err) {
		memset(&ev, 0, sizeof ev);
		ev.type = DBX_EV_DONE;
		if (!r->finish[0])
			snprintf(r->finish, sizeof r->finish, "%s", r->ntools ? "tool_calls" : "stop");
		ev.finish_reason = r->finish;
		err = emit(r, &ev);
	}
	return err;
}

void provider_reply_free(struct provider_reply *r)
{
	int i;
	for (i = 0; i < r->ntools; i++) {
		free(r->tools[i].args);
		r->tools[i].args = NULL;
	}
	r->ntools = 0;
	buf_free(&r->text);
	buf_free(&r->reasoning);
	buf_free(&r->signature);
}

int provider_parse(struct provider_reply *r, struct json_doc *d, const char *js, size_t len,
		   struct json_tok *tok, struct json_tok **heap)
{
	int err;

	*heap = NULL;
	err = json_parse_prefix(d, js, len, tok, PROVIDER_TOKENS, &r->prefix);
	if (err == DBX_ERR_LIMIT && d->needed > PROVIDER_TOKENS && d->needed <= JSON_MAX_TOKENS) {
		int need = d->needed;
		*heap = malloc((size_t)need * sizeof **heap);
		if (!*heap)
			return DBX_ERR_NOMEM;
		err = json_parse(d, js, len, *heap, need);
	}
	return err;
}

int provider_model_ok(const char *model)
{
	const char *p;
	if (!model || !*model || strlen(model) > 200)
		return 0;
	for (p = model; *p; p++) {
		char ch = *p;
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      ch == '.' || ch == '_' || ch == '-'))
			return 0;
	}
	return 1;
}

/* ---- one chat turn ---- */

#define PROVIDER_WHOLE_MAX (16u << 20) /* a non-streamed reply larger than this is refused */
#define PROVIDER_RESP_EVENT_MAX (4u << 20) /* largest Responses API event kept whole */

struct turn {
	struct chat_shape shape; /* the request's parsed JSON inputs */
	struct provider_reply r;
	struct client_call k;
	int responses; /* Responses API */
	int sse;       /* the reply is an event stream */
	struct sse_parser sse_parser;
	char *big_events; /* Responses API: a larger event buffer (heap) */
	struct buf whole; /* a non-streamed reply, collected */
};

static int turn_head(void *ctx, const struct http_parser *p)
{
	struct turn *t = ctx;
	const char *ct = http_header_value(p, "Content-Type", NULL);

	t->sse = ct && strncmp(ct, "text/event-stream", 17) == 0;
	/* Responses API events repeat the request's instructions and tools and
	 * (response.completed) the whole output: give them room. The heap buffer
	 * costs memory only for the pages an event really fills. */
	if (t->sse && t->responses && !t->big_events)
		t->big_events = malloc(PROVIDER_RESP_EVENT_MAX);
	if (t->sse && t->responses && t->big_events)
		sse_init(&t->sse_parser, t->big_events, PROVIDER_RESP_EVENT_MAX);
	else
		sse_init(&t->sse_parser, NULL, 0);
	buf_clear(&t->whole);
	client_touch(t->r.client);
	return 0;
}

static int turn_sse_event(void *ctx, const struct sse_event *ev)
{
	struct turn *t = ctx;

	client_touch(t->r.client);
	if (ev->oversize) {
		/* Responses API events other than deltas repeat what the deltas
		 * already gave: losing one loses nothing but (for completed) usage. */
		if (t->responses &&
		    !(ev->type_len > 6 && strcmp(ev->type + ev->type_len - 6, ".delta") == 0)) {
			if (strcmp(ev->type, "response.completed") == 0 ||
			    strcmp(ev->type, "response.incomplete") == 0)
				t->r.done = 1;
			return DBX_OK;
		}
		provider_fail(&t->r, DBX_ERR_PROTOCOL,
			      "a stream event of %zu bytes is larger than the %u-byte buffer",
			      ev->data_size,
			      (unsigned)(t->responses ? PROVIDER_RESP_EVENT_MAX : SSE_BUF_SIZE));
		return DBX_ERR_CANCELLED;
	}
	return t->responses ? resp_event(&t->r, ev->data, ev->data_len)
			    : chat_event(&t->r, ev->data, ev->data_len);
}

static int turn_data(void *ctx, const char *data, size_t len)
{
	struct turn *t = ctx;

	if (t->sse)
		return sse_feed(&t->sse_parser, data, len, turn_sse_event, t, NULL);
	if (buf_append(&t->whole, data, len) == DBX_ERR_LIMIT) {
		provider_fail(&t->r, DBX_ERR_LIMIT, "the reply is larger than %u MiB",
			      PROVIDER_WHOLE_MAX >> 20);
		return DBX_ERR_CANCELLED;
	}
	return t->whole.err;
}

/* One model, one API, with the given retry budget. */
static int run_turn(struct dbx_client *c, struct turn *t, const struct dbx_chat_request *rq,
		    const char *model, int max_retries, dbx_event_fn cb, void *ctx, char *errbuf)
{
	char path[300];
	char *body = NULL;
	size_t body_len = 0;
	int err, stream_options = 1, attempt;

	for (attempt = 0; attempt < 2; attempt++) {
		err = t->responses ? resp_body(rq, &t->shape, model, &body, &body_len, errbuf)
				   : chat_body(rq, &t->shape, stream_options, &body, &body_len, errbuf);
		if (err)
			return err;
		if (t->responses)
			snprintf(path, sizeof path, "/serving-endpoints/responses");
		else
			snprintf(path, sizeof path, "/serving-endpoints/%s/invocations", model);
		provider_reply_free(&t->r);
		memset(&t->r, 0, sizeof t->r);
		t->r.cb = cb;
		t->r.ctx = ctx;
		t->r.call = &t->k;
		t->r.client = c;
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
		err = client_call(c, &t->k, errbuf);
		free(body);
		body = NULL;
		/* Some endpoints reject stream_options: once more without it. */
		if (err == DBX_ERR_BAD_REQUEST && !t->responses && !rq->no_stream && stream_options &&
		    !t->k.delivered && strstr(errbuf, "stream_options")) {
			stream_options = 0;
			continue;
		}
		break;
	}
	if (err == DBX_ERR_CANCELLED && t->r.failed) {
		snprintf(errbuf, DBX_ERRBUF_SIZE, "%s", t->r.msg);
		return t->r.err;
	}
	if (err)
		return err;
	if (t->sse) {
		err = sse_finish(&t->sse_parser);
		(void)err; /* an unterminated last event is dropped, as the standard says */
	} else {
		err = t->responses ? resp_whole(&t->r, t->whole.p ? t->whole.p : "", t->whole.len)
				   : chat_whole(&t->r, t->whole.p ? t->whole.p : "", t->whole.len);
		if (err == DBX_ERR_CANCELLED && t->r.failed) {
			snprintf(errbuf, DBX_ERRBUF_SIZE, "%s", t->r.msg);
			return t->r.err;
		}
		if (err)
			return err;
	}
	err = provider_finish(&t->r);
	if (err == DBX_ERR_CANCELLED)
		snprintf(errbuf, DBX_ERRBUF_SIZE, "cancelled by the caller");
	if (!err && rq->transcript) {
		size_t len = 0;
		err = chat_transcript(rq, &t->shape, &t->r, rq->transcript, &len);
		if (err)
			snprintf(errbuf, DBX_ERRBUF_SIZE, "cannot write the transcript: %s",
				 dbx_strerror(err));
		else if (rq->transcript_len)
			*rq->transcript_len = len;
	}
	return err;
}

/* The API for model: as asked; else the Responses API for a "codex" name;
 * for a "gpt" name (the family Databricks serves both ways) what the
 * endpoint's metadata lists, read once per model and client; else chat.
 * Other names are not looked up: that would cost every turn a round trip
 * before the first token. A failed lookup means chat (said in -v). */
static int wants_responses(struct dbx_client *c, const struct dbx_chat_request *rq,
			   const char *model)
{
	char errbuf[DBX_ERRBUF_SIZE] = "", line[DBX_ERRBUF_SIZE + 300];
	int yes = 0;

	if (rq->api != DBX_API_AUTO)
		return rq->api == DBX_API_RESPONSES;
	if (strstr(model, "codex"))
		return 1;
	if (!strstr(model, "gpt"))
		return 0;
	if (strcmp(c->api_model, model) != 0) {
		if (models_endpoint_responses(c, model, &yes, errbuf) != DBX_OK &&
		    c->conn.trace) {
			snprintf(line, sizeof line,
				 "* endpoint metadata for %s: %s; using the chat API", model,
				 errbuf);
			c->conn.trace(c->conn.trace_ctx, line);
		}
		snprintf(c->api_model, sizeof c->api_model, "%s", model);
		c->api_responses = yes;
	}
	return c->api_responses;
}

int dbx_chat(struct dbx_client *c, const struct dbx_chat_request *rq, dbx_event_fn cb,
	     void *ctx, char *errbuf)
{
	const char *model = rq->model && *rq->model ? rq->model : DBX_DEFAULT_MODEL;
	struct turn *t;
	int err = DBX_OK;

	if (!provider_model_ok(model)) {
		snprintf(errbuf, DBX_ERRBUF_SIZE,
			 "model name '%.60s' is not valid (letters, digits, '.', '_', '-')", model);
		return DBX_ERR_USAGE;
	}
	t = calloc(1, sizeof *t);
	if (!t)
		return DBX_ERR_NOMEM;
	buf_init(&t->whole, PROVIDER_WHOLE_MAX);
	t->shape.trace = c->conn.trace;
	t->shape.trace_ctx = c->conn.trace_ctx;
	err = chat_shape_parse(rq, &t->shape, errbuf);
	if (err)
		goto out;
	if (rq->fast) {
		t->responses = wants_responses(c, rq, DBX_FAST_MODEL);
		err = run_turn(c, t, rq, DBX_FAST_MODEL, 0, cb, ctx, errbuf);
		if (!err || t->k.delivered || err == DBX_ERR_CANCELLED || err == DBX_ERR_USAGE)
			goto out;
		client_notice(c, "fast model %s failed (%s); falling back to %s", DBX_FAST_MODEL,
			      errbuf, model);
	}
	t->responses = wants_responses(c, rq, model);
	err = run_turn(c, t, rq, model, c->retry.max_retries, cb, ctx, errbuf);
out:
	chat_shape_free(&t->shape);
	provider_reply_free(&t->r);
	free(t->big_events);
	buf_free(&t->whole);
	free(t);
	return err;
}
