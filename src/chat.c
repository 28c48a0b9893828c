/* chat.c - see chat.h. */
#include "chat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "jsonw.h"
#include "status.h"

static void user_message(struct json_w *w, const char *role, const char *text)
{
	json_w_obj(w);
	json_w_key(w, "role");
	json_w_str(w, role);
	json_w_key(w, "content");
	json_w_str(w, text);
	json_w_obj_end(w);
}

/* The messages of the turn: system, the earlier ones, the prompt. An explicit
 * system prompt replaces the messages' own; without one the messages' system
 * message stays, or the default goes first. */
__attribute__((cold)) /* once per call, not per chunk: built for size (Makefile HOT_OBJ) */
static void
write_messages(struct json_w *w, const struct dbx_chat_request *rq, struct shape *s)
{
	int m, own_system = rq->system != NULL || shape_system_token(&s->msgs) < 0;

	if (own_system)
		user_message(w, "system", rq->system ? rq->system : DBX_DEFAULT_SYSTEM);
	if (s->msgs.ntok)
		for (m = json_child(&s->msgs, 0); m >= 0; m = json_next(&s->msgs, m))
			if (!(own_system && shape_role_is(&s->msgs, m, "system")))
				json_w_raw(w, &s->msgs, m);
	if (rq->prompt || s->natts) {
		json_w_obj(w);
		json_w_key(w, "role");
		json_w_str(w, "user");
		json_w_key(w, "content");
		shape_user(w, rq, s, 0);
		json_w_obj_end(w);
	}
}

__attribute__((cold)) /* once per call, not per chunk: built for size (Makefile HOT_OBJ) */
int chat_transcript(const struct dbx_chat_request *rq, struct shape *s, const struct reply *r,
                    char **out, size_t *len)
{
	struct json_w w;
	size_t cap;
	char *buf;
	int i, err;

	cap = 1024 + rq->messages_len + shape_user_cap(s) +
	      6 * (rq->prompt ? strlen(rq->prompt) : 0) +
	      6 * (rq->system ? strlen(rq->system) : strlen(DBX_DEFAULT_SYSTEM)) +
	      6 * (r->text.len + r->reasoning.len + r->signature.len);
	for (i = 0; i < r->ntools; i++)
		cap += 6 * r->tools[i].len +
		       6 * (strlen(r->tools[i].id) + strlen(r->tools[i].name)) + 96;
	buf = malloc(cap);
	if (!buf)
		return DBX_ERR_NOMEM;
	json_w_init(&w, buf, cap);
	json_w_arr(&w);
	write_messages(&w, rq, s);
	json_w_obj(&w);
	json_w_key(&w, "role");
	json_w_str(&w, "assistant");
	json_w_key(&w, "content");
	if (r->reasoning.len || r->signature.len) {
		/* Claude wants its reasoning (and signature) back on the next turn */
		json_w_arr(&w);
		json_w_obj(&w);
		json_w_key(&w, "type");
		json_w_str(&w, "reasoning");
		json_w_key(&w, "summary");
		json_w_arr(&w);
		json_w_obj(&w);
		json_w_key(&w, "type");
		json_w_str(&w, "summary_text");
		json_w_key(&w, "text");
		json_w_strn(&w, r->reasoning.p ? r->reasoning.p : "", r->reasoning.len);
		if (r->signature.len) {
			json_w_key(&w, "signature");
			json_w_strn(&w, r->signature.p, r->signature.len);
		}
		json_w_obj_end(&w);
		json_w_arr_end(&w);
		json_w_obj_end(&w);
		if (r->text.len) {
			json_w_obj(&w);
			json_w_key(&w, "type");
			json_w_str(&w, "text");
			json_w_key(&w, "text");
			json_w_strn(&w, r->text.p, r->text.len);
			json_w_obj_end(&w);
		}
		json_w_arr_end(&w);
	} else {
		json_w_strn(&w, r->text.p ? r->text.p : "", r->text.len);
	}
	if (r->ntools) {
		json_w_key(&w, "tool_calls");
		json_w_arr(&w);
		for (i = 0; i < r->ntools; i++) {
			json_w_obj(&w);
			json_w_key(&w, "id");
			json_w_str(&w, r->tools[i].id);
			json_w_key(&w, "type");
			json_w_str(&w, "function");
			json_w_key(&w, "function");
			json_w_obj(&w);
			json_w_key(&w, "name");
			json_w_str(&w, r->tools[i].name);
			json_w_key(&w, "arguments");
			json_w_strn(&w, r->tools[i].args ? r->tools[i].args : "", r->tools[i].len);
			json_w_obj_end(&w);
			json_w_obj_end(&w);
		}
		json_w_arr_end(&w);
	}
	json_w_obj_end(&w);
	json_w_arr_end(&w);
	err = json_w_finish(&w, len);
	if (!err && s->nholes) {
		/* the transcript keeps the images, as data URLs */
		char *whole = NULL;
		err = shape_body_whole(s, buf, *len, &whole, len, NULL);
		free(buf);
		buf = whole;
	}
	if (err) {
		free(buf);
		return err;
	}
	*out = buf;
	return DBX_OK;
}

/* The body (wire.h): no "model" field, the path names it; stream_options adds
 * {"include_usage": true} to a streamed request. */
__attribute__((cold)) /* once per call, not per chunk: built for size (Makefile HOT_OBJ) */
static int
chat_body(const struct dbx_chat_request *rq, struct shape *s, const char *model, int stream_options,
          char **body, size_t *len, char *errbuf)
{
	(void)model; /* the path names it */
	struct json_w w;
	size_t cap;
	char *buf = NULL;
	long max_tokens = rq->max_tokens;

	*body = NULL;
	/* Escaping grows text at most 6x (\u00XX); raw JSON is copied as it is. */
	cap = 768 + rq->messages_len + rq->tools_len + rq->schema_len + rq->extra_len +
	      shape_user_cap(s) + 6 * (rq->prompt ? strlen(rq->prompt) : 0) +
	      6 * (rq->system ? strlen(rq->system) : strlen(DBX_DEFAULT_SYSTEM));
	buf = malloc(cap);
	if (!buf)
		return DBX_ERR_NOMEM;
	json_w_init(&w, buf, cap);
	json_w_obj(&w);
	if (shape_ours(s, "messages")) {
		json_w_key(&w, "messages");
		json_w_arr(&w);
		write_messages(&w, rq, s);
		json_w_arr_end(&w);
	}
	if (s->tools.ntok && json_size(&s->tools, 0) > 0 && shape_ours(s, "tools")) {
		json_w_key(&w, "tools");
		json_w_raw(&w, &s->tools, 0);
	}
	if (rq->has_temperature && shape_ours(s, "temperature")) {
		json_w_key(&w, "temperature");
		json_w_double(&w, rq->temperature);
	}
	if (rq->thinking_budget) {
		/* max_tokens counts thinking and answer together: leave room for both */
		if (max_tokens <= rq->thinking_budget)
			max_tokens = rq->thinking_budget + (max_tokens > 0 ? max_tokens : 4096);
		if (shape_ours(s, "thinking")) {
			json_w_key(&w, "thinking");
			json_w_obj(&w);
			json_w_key(&w, "type");
			json_w_str(&w, "enabled");
			json_w_key(&w, "budget_tokens");
			json_w_int(&w, rq->thinking_budget);
			json_w_obj_end(&w);
		}
	}
	if (max_tokens > 0 && shape_ours(s, "max_tokens")) {
		json_w_key(&w, "max_tokens");
		json_w_int(&w, max_tokens);
	}
	if (rq->reasoning_effort && shape_ours(s, "reasoning_effort")) {
		json_w_key(&w, "reasoning_effort");
		json_w_str(&w, rq->reasoning_effort);
	}
	if ((s->schema.ntok || rq->json_object) && shape_ours(s, "response_format")) {
		json_w_key(&w, "response_format");
		json_w_obj(&w);
		json_w_key(&w, "type");
		if (s->schema.ntok) {
			json_w_str(&w, "json_schema");
			json_w_key(&w, "json_schema");
			json_w_obj(&w);
			shape_schema_fields(&w, s);
			json_w_obj_end(&w);
		} else {
			json_w_str(&w, "json_object");
		}
		json_w_obj_end(&w);
	}
	if (shape_ours(s, "stream")) {
		json_w_key(&w, "stream");
		json_w_bool(&w, !rq->no_stream);
	}
	if (!rq->no_stream && stream_options && shape_ours(s, "stream_options")) {
		json_w_key(&w, "stream_options");
		json_w_obj(&w);
		json_w_key(&w, "include_usage");
		json_w_bool(&w, 1);
		json_w_obj_end(&w);
	}
	return shape_finish(&w, s, buf, body, len, errbuf);
}

/* Content as a string or an array of text / reasoning items. */
static int content(struct reply *r, const struct json_doc *d, int t)
{
	int it, err = DBX_OK;

	if (json_type(d, t) == JSON_STRING)
		return reply_text_json(r, DBX_EV_TEXT, d, t);
	if (json_type(d, t) != JSON_ARRAY)
		return DBX_OK;
	for (it = json_child(d, t); it >= 0 && !err; it = json_next(d, it)) {
		int type = json_get(d, it, "type");
		if (json_streq(d, type, "text")) {
			err = reply_text_json(r, DBX_EV_TEXT, d, json_get(d, it, "text"));
		} else if (json_streq(d, type, "reasoning")) {
			int s, summary = json_get(d, it, "summary");
			for (s = json_child(d, summary); s >= 0 && !err; s = json_next(d, s))
				err = reply_reasoning_json(r, d, json_get(d, s, "text"),
				                           json_get(d, s, "signature"));
		}
	}
	return err;
}

/* tool_calls[] of a delta (fragments) or of a whole message. */
static int tool_calls(struct reply *r, const struct json_doc *d, int arr, int whole)
{
	int tc, n = 0;

	for (tc = json_child(d, arr); tc >= 0; tc = json_next(d, tc), n++) {
		int64_t index = n;
		int fn = json_get(d, tc, "function");
		struct reply_tool *t;
		int err;

		if (!whole)
			(void)json_int(d, json_get(d, tc, "index"), &index);
		t = reply_tool_find(r, (long)index, d, json_get(d, tc, "id"),
		                    json_get(d, fn, "name"));
		if (!t)
			return ERR_STOP;
		err = reply_tool_args(t, d, json_get(d, fn, "arguments"), whole);
		if (err) {
			reply_fail(r, err, "tool call arguments larger than the %u MiB limit",
			           REPLY_TOOL_ARGS_MAX >> 20);
			return ERR_STOP;
		}
	}
	return DBX_OK;
}

/* An {"error": ...} object (token e, -1 for none) from the server inside a 200
 * reply. */
static int error_object(struct reply *r, const struct json_doc *d, int e)
{
	char msg[STATUS_ERRTEXT_MAX + 1];

	if (e < 0)
		return 0;
	msg[0] = '\0'; /* not in the declaration: that zeroed all 161 bytes per chunk */
	if (json_type(d, e) == JSON_OBJECT)
		(void)json_str(d, json_get(d, e, "message"), msg, sizeof msg, NULL);
	else
		(void)json_str(d, e, msg, sizeof msg, NULL);
	reply_fail(r, DBX_ERR_SERVER, "the server reported an error: %s",
	           msg[0] ? msg : "(no message)");
	return 1;
}

static int finish_reason(struct reply *r, const struct json_doc *d, int t)
{
	if (json_type(d, t) == JSON_STRING)
		(void)json_str(d, t, r->finish, sizeof r->finish, NULL);
	return DBX_OK;
}

static int decode(struct reply *r, const char *js, size_t len, int whole)
{
	static const struct json_key top_keys[] = {JSON_KEY("error"), JSON_KEY("choices"),
	                                           JSON_KEY("usage")};
	static const struct json_key choice_keys[2][2] = {
	    {JSON_KEY("delta"), JSON_KEY("finish_reason")},
	    {JSON_KEY("message"), JSON_KEY("finish_reason")}};
	static const struct json_key part_keys[] = {
	    JSON_KEY("content"), JSON_KEY("reasoning_content"), JSON_KEY("tool_calls")};
	struct json_tok tok[REPLY_TOKENS];
	struct json_tok *heap = NULL;
	struct json_doc d;
	int err, top[3], choice[2], part[3];

	err = reply_parse(r, &d, js, len, tok, &heap);
	if (err) {
		reply_fail(r, DBX_ERR_PROTOCOL, "invalid JSON from the server: %s at byte %zu",
		           d.err_what ? d.err_what : dbx_strerror(err), d.err_off);
		err = ERR_STOP;
		goto out;
	}
	if (json_type(&d, 0) != JSON_OBJECT) {
		reply_fail(r, DBX_ERR_PROTOCOL, "the server sent JSON that is not an object");
		err = ERR_STOP;
		goto out;
	}
	/* each object's members are looked up in one walk: this runs per chunk */
	json_get_many(&d, 0, top_keys, 3, top);
	if (error_object(r, &d, top[0])) {
		err = ERR_STOP;
		goto out;
	}
	json_get_many(&d, json_at(&d, top[1], 0), choice_keys[whole != 0], 2, choice);
	json_get_many(&d, choice[0], part_keys, 3, part);
	err = content(r, &d, part[0]);
	if (!err)
		err = reply_text_json(r, DBX_EV_REASONING, &d, part[1]);
	if (!err)
		err = tool_calls(r, &d, part[2], whole);
	if (!err)
		err = finish_reason(r, &d, choice[1]);
	if (!err)
		reply_usage(r, &d, top[2], "prompt_tokens", "completion_tokens", "total_tokens");
out:
	free(heap);
	return err;
}

int chat_event(struct reply *r, const char *data, size_t len)
{
	if (len == 6 && memcmp(data, "[DONE]", 6) == 0) {
		r->done = 1;
		return DBX_OK;
	}
	return decode(r, data, len, 0);
}

int chat_whole(struct reply *r, const char *json, size_t len)
{
	int err = decode(r, json, len, 1);
	if (!err)
		r->done = 1;
	return err;
}

static void chat_path(const char *model, char *out, size_t cap)
{
	snprintf(out, cap, "/serving-endpoints/%s/invocations", model);
}

const struct wire chat_wire = {
    .name = "chat",
    .body = chat_body,
    .path = chat_path,
    .event = chat_event,
    .whole = chat_whole,
    .stream_options = 1,
};
