/* reply.c - see reply.h. */
#include "reply.h"

#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int emit(struct reply *r, const struct dbx_event *ev)
{
	*r->delivered = 1;
	if (r->cb && r->cb(r->ctx, ev) != 0)
		return DBX_ERR_CANCELLED;
	return DBX_OK;
}

static int text_event(struct reply *r, enum dbx_event_type type, const char *text, size_t len,
                      const char *signature)
{
	struct dbx_event ev;
	int err;

	if (len == 0 && !signature)
		return DBX_OK;
	if (len > REPLY_EVENT_MAX) {
		reply_fail(
		    r, DBX_ERR_LIMIT,
		    "a stream event's text of %zu bytes is larger than the %u MiB limit of one "
		    "event",
		    len, REPLY_EVENT_MAX >> 20);
		return ERR_STOP;
	}
	if (r->keep) {
		if (!r->text.max) {
			buf_init(&r->text, REPLY_KEEP_MAX);
			buf_init(&r->reasoning, REPLY_KEEP_MAX);
			buf_init(&r->signature, REPLY_KEEP_MAX);
		}
		err = buf_append(type == DBX_EV_TEXT ? &r->text : &r->reasoning, text, len);
		if (!err && signature) {
			buf_clear(&r->signature);
			err = buf_append(&r->signature, signature, strlen(signature));
		}
		if (err) {
			reply_fail(r, err, "the reply is too large to keep for the transcript");
			return ERR_STOP;
		}
	}
	if (len == 0)
		return DBX_OK;
	r->texts++;
	memset(&ev, 0, sizeof ev);
	ev.type = type;
	ev.text = text;
	ev.text_len = len;
	ev.signature = signature;
	return emit(r, &ev);
}

/* The JSON string at token t, unescaped into small or a heap buffer (*heap,
 * freed by the caller); NULL when t is not a string. */
static const char *json_text(const struct json_doc *d, int t, char *small, size_t cap, char **heap,
                             size_t *n)
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

int reply_text_json(struct reply *r, enum dbx_event_type type, const struct json_doc *d, int t)
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

int reply_reasoning_json(struct reply *r, const struct json_doc *d, int t, int sig)
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

int reply_remote(struct reply *r, enum dbx_event_type type, const struct json_doc *d, int id_t,
                 int name_t, int body_t)
{
	char id[REPLY_ID_MAX] = "", name[REPLY_ID_MAX] = "", small[1024], *heap = NULL;
	struct dbx_event ev;
	size_t n = 0;
	const char *body = json_text(d, body_t, small, sizeof small, &heap, &n);
	int err;

	if (!body && json_type(d, body_t) != JSON_STRING && json_type(d, body_t) != JSON_NONE)
		(void)json_raw(d, body_t, &body, &n); /* not a string: its JSON text */
	copy_str(d, id_t, id, sizeof id);
	copy_str(d, name_t, name, sizeof name);
	memset(&ev, 0, sizeof ev);
	ev.type = type;
	ev.remote = 1;
	ev.id = id;
	ev.name = name;
	if (type == DBX_EV_TOOL_CALL) {
		ev.arguments = body ? body : "";
		ev.arguments_len = body ? n : 0;
	} else {
		ev.text = body ? body : "";
		ev.text_len = body ? n : 0;
	}
	err = emit(r, &ev);
	free(heap);
	return err;
}

void reply_trace(struct reply *r, const struct json_doc *d, int t)
{
	const char *p = NULL;
	size_t n = 0;

	if (json_raw(d, t, &p, &n) != DBX_OK)
		return;
	if (!r->trace.max)
		buf_init(&r->trace, REPLY_KEEP_MAX);
	buf_clear(&r->trace);
	(void)buf_append(&r->trace, p, n);
}

struct reply_tool *reply_tool_find(struct reply *r, long key, const struct json_doc *d, int id_t,
                                   int name_t)
{
	struct reply_tool *tc = NULL;
	int i;

	for (i = 0; i < r->ntools; i++)
		if (r->tools[i].key == key)
			tc = &r->tools[i];
	if (!tc) {
		if (r->ntools == REPLY_MAX_TOOLS)
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

int reply_tool_args(struct reply_tool *tc, const struct json_doc *d, int t, int replace)
{
	size_t n = json_strlen(d, t), need;

	if (json_type(d, t) != JSON_STRING)
		return DBX_OK;
	if (replace)
		tc->len = 0;
	need = tc->len + n + 1;
	if (need - 1 > REPLY_TOOL_ARGS_MAX)
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

void reply_fail(struct reply *r, int err, const char *fmt, ...)
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

void reply_usage(struct reply *r, const struct json_doc *d, int t, const char *in, const char *out,
                 const char *total)
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

int reply_finish(struct reply *r)
{
	struct dbx_event ev;
	int i, err = DBX_OK;

	for (i = 0; i < r->ntools && !err; i++) {
		struct reply_tool *tc = &r->tools[i];
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
			snprintf(r->finish, sizeof r->finish, "%s",
			         r->ntools ? "tool_calls" : "stop");
		ev.finish_reason = r->finish;
		err = emit(r, &ev);
	}
	return err;
}

void reply_free(struct reply *r)
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
	buf_free(&r->trace);
}

void reply_reset(struct reply *r)
{
	reply_free(r);
	memset(r, 0, offsetof(struct reply, tools));
}

int reply_parse(struct reply *r, struct json_doc *d, const char *js, size_t len,
                struct json_tok *tok, struct json_tok **heap)
{
	int err;

	*heap = NULL;
	err = json_parse_prefix(d, js, len, tok, REPLY_TOKENS, &r->prefix);
	if (err == DBX_ERR_LIMIT && d->needed > REPLY_TOKENS && d->needed <= JSON_MAX_TOKENS) {
		int need = d->needed;
		*heap = malloc((size_t)need * sizeof **heap);
		if (!*heap)
			return DBX_ERR_NOMEM;
		err = json_parse(d, js, len, *heap, need);
	}
	return err;
}
