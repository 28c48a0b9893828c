/* resp.c - see resp.h. */
#include "resp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "jsonw.h"
#include "status.h"

/* Value t of msgs under key as a string value (raw copy keeps escapes). */
static void raw_or_empty(struct json_w *w, const struct json_doc *d, int t)
{
	if (json_type(d, t) == JSON_STRING)
		json_w_raw(w, d, t);
	else
		json_w_str(w, "");
}

static int has_text_part(const struct json_doc *d, int content)
{
	int p;
	for (p = json_child(d, content); p >= 0; p = json_next(d, p))
		if (json_streq(d, json_get(d, p, "type"), "text"))
			return 1;
	return 0;
}

/* The text parts of a content array as one string (a tool result). */
static void joined_text(struct json_w *w, const struct json_doc *d, int content)
{
	size_t total = 0, n = 0, k;
	char *buf;
	int p;

	for (p = json_child(d, content); p >= 0; p = json_next(d, p))
		if (json_streq(d, json_get(d, p, "type"), "text"))
			total += json_strlen(d, json_get(d, p, "text"));
	buf = malloc(total + 1);
	for (p = json_child(d, content); buf && p >= 0; p = json_next(d, p)) {
		if (!json_streq(d, json_get(d, p, "type"), "text"))
			continue;
		k = 0;
		(void)json_str(d, json_get(d, p, "text"), buf + n, total + 1 - n, &k);
		n += k;
	}
	json_w_strn(w, buf ? buf : "", n); /* out of memory: the writer sees "" */
	free(buf);
}

/* One earlier chat message as Responses input items. */
static void input_items(struct json_w *w, const struct json_doc *d, int m)
{
	int content = json_get(d, m, "content");
	int calls = json_get(d, m, "tool_calls");
	int tc;

	if (shape_role_is(d, m, "system"))
		return; /* carried by "instructions" */
	if (shape_role_is(d, m, "tool")) {
		json_w_obj(w);
		json_w_key(w, "type");
		json_w_str(w, "function_call_output");
		json_w_key(w, "call_id");
		raw_or_empty(w, d, json_get(d, m, "tool_call_id"));
		json_w_key(w, "output");
		if (json_type(d, content) == JSON_ARRAY)
			joined_text(w, d, content);
		else
			raw_or_empty(w, d, content);
		json_w_obj_end(w);
		return;
	}
	if (json_type(d, content) == JSON_STRING && json_strlen(d, content) > 0) {
		json_w_obj(w);
		json_w_key(w, "role");
		json_w_raw(w, d, json_get(d, m, "role"));
		json_w_key(w, "content");
		json_w_raw(w, d, content);
		json_w_obj_end(w);
	} else if (json_type(d, content) == JSON_ARRAY && has_text_part(d, content)) {
		/* chat content parts: text parts become input_text (user) or
		 * output_text (assistant); reasoning items stay behind: the Responses
		 * API has its own reasoning items, which chat history does not carry */
		const char *part = shape_role_is(d, m, "assistant") ? "output_text" : "input_text";
		int p;
		json_w_obj(w);
		json_w_key(w, "role");
		json_w_raw(w, d, json_get(d, m, "role"));
		json_w_key(w, "content");
		json_w_arr(w);
		for (p = json_child(d, content); p >= 0; p = json_next(d, p)) {
			if (json_streq(d, json_get(d, p, "type"), "image_url")) {
				/* an attachment kept by a transcript */
				json_w_obj(w);
				json_w_key(w, "type");
				json_w_str(w, "input_image");
				json_w_key(w, "image_url");
				raw_or_empty(w, d, json_path(d, p, "image_url.url"));
				json_w_obj_end(w);
				continue;
			}
			if (!json_streq(d, json_get(d, p, "type"), "text"))
				continue;
			json_w_obj(w);
			json_w_key(w, "type");
			json_w_str(w, part);
			json_w_key(w, "text");
			raw_or_empty(w, d, json_get(d, p, "text"));
			json_w_obj_end(w);
		}
		json_w_arr_end(w);
		json_w_obj_end(w);
	}
	for (tc = json_child(d, calls); tc >= 0; tc = json_next(d, tc)) {
		int fn = json_get(d, tc, "function");
		json_w_obj(w);
		json_w_key(w, "type");
		json_w_str(w, "function_call");
		json_w_key(w, "call_id");
		raw_or_empty(w, d, json_get(d, tc, "id"));
		json_w_key(w, "name");
		raw_or_empty(w, d, json_get(d, fn, "name"));
		json_w_key(w, "arguments");
		raw_or_empty(w, d, json_get(d, fn, "arguments"));
		json_w_obj_end(w);
	}
}

/* A chat-format tool flattened; a tool already in Responses form is copied. */
static void tool_item(struct json_w *w, const struct json_doc *d, int t)
{
	int fn = json_get(d, t, "function");
	int k;

	if (json_type(d, fn) != JSON_OBJECT) {
		json_w_raw(w, d, t);
		return;
	}
	json_w_obj(w);
	json_w_key(w, "type");
	json_w_str(w, "function");
	for (k = json_child(d, fn); k >= 0; k = json_next(d, k)) {
		char key[64];
		size_t n = 0;
		if (json_str(d, k, key, sizeof key, &n) != DBX_OK)
			continue;
		json_w_keyn(w, key, n);
		json_w_raw(w, d, k + 1);
	}
	json_w_obj_end(w);
}

/* The body (wire.h): model, instructions, input items, flattened tools. */
void resp_input(struct json_w *w, const struct dbx_chat_request *rq, struct shape *s,
                const char *system)
{
	int m;

	json_w_arr(w);
	if (system) {
		json_w_obj(w);
		json_w_key(w, "role");
		json_w_str(w, "system");
		json_w_key(w, "content");
		json_w_str(w, system);
		json_w_obj_end(w);
	}
	if (s->msgs.ntok)
		for (m = json_child(&s->msgs, 0); m >= 0; m = json_next(&s->msgs, m))
			input_items(w, &s->msgs, m);
	if (rq->prompt || s->natts) {
		json_w_obj(w);
		json_w_key(w, "role");
		json_w_str(w, "user");
		json_w_key(w, "content");
		shape_user(w, rq, s, 1);
		json_w_obj_end(w);
	}
	json_w_arr_end(w);
}

static int resp_body(const struct dbx_chat_request *rq, struct shape *s, const char *model,
                     int stream_options, char **body, size_t *len, char *errbuf)
{
	(void)stream_options; /* the Responses API has no such field */
	struct json_w w;
	size_t cap;
	char *buf = NULL;
	int sys, t;

	*body = NULL;
	if (rq->thinking_budget) {
		errbuf_set(errbuf,
		           "--thinking is for Claude models on chat completions; for the Responses "
		           "API use --reasoning-effort");
		return DBX_ERR_USAGE;
	}
	/* Conversion adds a few keys per message on top of the raw copies. */
	cap = 1024 + 2 * (rq->messages_len + rq->tools_len) + rq->schema_len + rq->extra_len +
	      strlen(model) + shape_user_cap(s) + 6 * (rq->prompt ? strlen(rq->prompt) : 0) +
	      6 * (rq->system ? strlen(rq->system) : strlen(DBX_DEFAULT_SYSTEM));
	buf = malloc(cap);
	if (!buf)
		return DBX_ERR_NOMEM;
	json_w_init(&w, buf, cap);
	json_w_obj(&w);
	if (shape_ours(s, "model")) {
		json_w_key(&w, "model");
		json_w_str(&w, model);
	}
	if (shape_ours(s, "instructions")) {
		json_w_key(&w, "instructions");
		sys = shape_system_token(&s->msgs);
		if (rq->system || sys < 0)
			json_w_str(&w, rq->system ? rq->system : DBX_DEFAULT_SYSTEM);
		else
			raw_or_empty(&w, &s->msgs, sys);
	}
	if (shape_ours(s, "input")) {
		json_w_key(&w, "input");
		resp_input(&w, rq, s, NULL);
	}
	if (s->tools.ntok && json_size(&s->tools, 0) > 0 && shape_ours(s, "tools")) {
		json_w_key(&w, "tools");
		json_w_arr(&w);
		for (t = json_child(&s->tools, 0); t >= 0; t = json_next(&s->tools, t))
			tool_item(&w, &s->tools, t);
		json_w_arr_end(&w);
	}
	if (rq->has_temperature && shape_ours(s, "temperature")) {
		json_w_key(&w, "temperature");
		json_w_double(&w, rq->temperature);
	}
	if (rq->max_tokens > 0 && shape_ours(s, "max_output_tokens")) {
		json_w_key(&w, "max_output_tokens");
		json_w_int(&w, rq->max_tokens);
	}
	if (rq->reasoning_effort && shape_ours(s, "reasoning")) {
		json_w_key(&w, "reasoning");
		json_w_obj(&w);
		json_w_key(&w, "effort");
		json_w_str(&w, rq->reasoning_effort);
		json_w_key(&w, "summary");
		json_w_str(&w, "auto");
		json_w_obj_end(&w);
	}
	if ((s->schema.ntok || rq->json_object) && shape_ours(s, "text")) {
		json_w_key(&w, "text");
		json_w_obj(&w);
		json_w_key(&w, "format");
		json_w_obj(&w);
		json_w_key(&w, "type");
		if (s->schema.ntok) {
			json_w_str(&w, "json_schema");
			shape_schema_fields(&w, s);
		} else {
			json_w_str(&w, "json_object");
		}
		json_w_obj_end(&w);
		json_w_obj_end(&w);
	}
	if (shape_ours(s, "stream")) {
		json_w_key(&w, "stream");
		json_w_bool(&w, !rq->no_stream);
	}
	return shape_finish(&w, s, buf, body, len, errbuf);
}

static int error_message(struct reply *r, const struct json_doc *d, int e)
{
	char msg[STATUS_ERRTEXT_MAX + 1] = "";
	(void)json_str(d, json_get(d, e, "message"), msg, sizeof msg, NULL);
	reply_fail(r, DBX_ERR_SERVER, "the server reported an error in the stream: %s",
	           msg[0] ? msg : "(no message)");
	return ERR_STOP;
}

/* A function_call output item (added, done, or inside a whole response). */
static int function_item(struct reply *r, const struct json_doc *d, int item, long key, int whole)
{
	struct reply_tool *t;
	int args = json_get(d, item, "arguments");

	t = reply_tool_find(r, key, d, json_get(d, item, "call_id"), json_get(d, item, "name"));
	if (!t)
		return ERR_STOP;
	/* The done item carries the whole arguments: they replace the deltas. */
	if (args >= 0 && (whole || json_strlen(d, args) > 0) &&
	    reply_tool_args(t, d, args, 1) != DBX_OK) {
		reply_fail(r, DBX_ERR_LIMIT, "tool call arguments too large");
		return ERR_STOP;
	}
	return DBX_OK;
}

static long output_index(const struct json_doc *d)
{
	int64_t v = 0;
	(void)json_int(d, json_get(d, 0, "output_index"), &v);
	return (long)v;
}

static void completed(struct reply *r, const struct json_doc *d, int resp)
{
	reply_usage(r, d, json_get(d, resp, "usage"), "input_tokens", "output_tokens",
	            "total_tokens");
	if (json_streq(d, json_get(d, resp, "status"), "incomplete"))
		snprintf(r->finish, sizeof r->finish, "length");
	r->done = 1;
}

static int stream_event(struct reply *r, const struct json_doc *d)
{
	int type = json_get(d, 0, "type");
	int item = json_get(d, 0, "item");

	if (json_streq(d, type, "response.output_text.delta"))
		return reply_text_json(r, DBX_EV_TEXT, d, json_get(d, 0, "delta"));
	if (json_streq(d, type, "response.reasoning_summary_text.delta") ||
	    json_streq(d, type, "response.reasoning_text.delta"))
		return reply_text_json(r, DBX_EV_REASONING, d, json_get(d, 0, "delta"));
	if ((json_streq(d, type, "response.output_item.added") ||
	     json_streq(d, type, "response.output_item.done")) &&
	    json_streq(d, json_get(d, item, "type"), "function_call"))
		return function_item(r, d, item, output_index(d), 0);
	if (json_streq(d, type, "response.function_call_arguments.delta")) {
		struct reply_tool *t = reply_tool_find(r, output_index(d), d, -1, -1);
		if (!t)
			return ERR_STOP;
		if (reply_tool_args(t, d, json_get(d, 0, "delta"), 0) != DBX_OK) {
			reply_fail(r, DBX_ERR_LIMIT,
			           "tool call arguments larger than the %u MiB limit",
			           REPLY_TOOL_ARGS_MAX >> 20);
			return ERR_STOP;
		}
		return DBX_OK;
	}
	if (json_streq(d, type, "response.completed") ||
	    json_streq(d, type, "response.incomplete")) {
		completed(r, d, json_get(d, 0, "response"));
		return DBX_OK;
	}
	if (json_streq(d, type, "response.failed"))
		return error_message(r, d, json_path(d, 0, "response.error"));
	if (json_streq(d, type, "error"))
		return error_message(r, d,
		                     json_get(d, 0, "error") >= 0 ? json_get(d, 0, "error") : 0);
	return DBX_OK;
}

static int whole_response(struct reply *r, const struct json_doc *d)
{
	int out = json_get(d, 0, "output"), it, n = 0, err = DBX_OK;

	if (json_get(d, 0, "error") >= 0 && !json_is_null(d, json_get(d, 0, "error")))
		return error_message(r, d, json_get(d, 0, "error"));
	for (it = json_child(d, out); it >= 0 && !err; it = json_next(d, it), n++) {
		int type = json_get(d, it, "type"), c;
		if (json_streq(d, type, "message")) {
			for (c = json_child(d, json_get(d, it, "content")); c >= 0 && !err;
			     c = json_next(d, c))
				if (json_streq(d, json_get(d, c, "type"), "output_text"))
					err = reply_text_json(r, DBX_EV_TEXT, d,
					                      json_get(d, c, "text"));
		} else if (json_streq(d, type, "reasoning")) {
			for (c = json_child(d, json_get(d, it, "summary")); c >= 0 && !err;
			     c = json_next(d, c))
				err =
				    reply_text_json(r, DBX_EV_REASONING, d, json_get(d, c, "text"));
		} else if (json_streq(d, type, "function_call")) {
			err = function_item(r, d, it, n, 1);
		}
	}
	if (!err)
		completed(r, d, 0);
	return err;
}

static int decode(struct reply *r, const char *js, size_t len, int whole)
{
	struct json_tok tok[REPLY_TOKENS];
	struct json_tok *heap = NULL;
	struct json_doc d;
	int err;

	err = reply_parse(r, &d, js, len, tok, &heap);
	if (err || json_type(&d, 0) != JSON_OBJECT) {
		reply_fail(r, DBX_ERR_PROTOCOL, "invalid JSON from the server: %s at byte %zu",
		           err ? (d.err_what ? d.err_what : dbx_strerror(err)) : "not an object",
		           d.err_off);
		err = ERR_STOP;
		goto out;
	}
	err = whole ? whole_response(r, &d) : stream_event(r, &d);
out:
	free(heap);
	return err;
}

int resp_event(struct reply *r, const char *data, size_t len)
{
	if (len == 6 && memcmp(data, "[DONE]", 6) == 0) { /* not in the API, but harmless */
		r->done = 1;
		return DBX_OK;
	}
	return decode(r, data, len, 0);
}

int resp_whole(struct reply *r, const char *json, size_t len)
{
	return decode(r, json, len, 1);
}

static void resp_path(const char *model, char *out, size_t cap)
{
	(void)model; /* the body names it */
	snprintf(out, cap, "/serving-endpoints/responses");
}

/* Responses API events repeat the request's instructions and tools and
 * (response.completed) the whole output: one over the event limit that is not
 * a delta repeats what the deltas gave, and is skipped. */

const struct wire resp_wire = {
    .name = "responses",
    .body = resp_body,
    .path = resp_path,
    .event = resp_event,
    .whole = resp_whole,
    .lossy_oversize = 1,
};
