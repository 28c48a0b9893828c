/* mlagent.c - see mlagent.h. */
#include "mlagent.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "jsonw.h"
#include "resp.h"
#include "switches.h"

/* The fields both agent requests end with: stream, custom_inputs,
 * databricks_options; then --param fields and the closing brace. */
static int agent_end(struct json_w *w, const struct dbx_chat_request *rq, struct shape *s,
                     char *buf, char **body, size_t *len, char *errbuf)
{
	if (shape_ours(s, "stream")) {
		json_w_key(w, "stream");
		json_w_bool(w, !rq->no_stream);
	}
	if (s->custom.ntok && shape_ours(s, "custom_inputs")) {
		json_w_key(w, "custom_inputs");
		json_w_raw(w, &s->custom, 0);
	}
	if (rq->trace && shape_ours(s, "databricks_options")) {
		json_w_key(w, "databricks_options");
		json_w_obj(w);
		json_w_key(w, "return_trace");
		json_w_bool(w, 1);
		json_w_obj_end(w);
	}
	return shape_finish(w, s, buf, body, len, errbuf);
}

static char *agent_buf(const struct dbx_chat_request *rq, struct shape *s, struct json_w *w)
{
	size_t cap = 1024 + 2 * rq->messages_len + rq->extra_len + rq->custom_inputs_len +
	             shape_user_cap(s) + 6 * (rq->prompt ? strlen(rq->prompt) : 0) +
	             6 * (rq->system ? strlen(rq->system) : 0);
	char *buf = malloc(cap);

	if (buf)
		json_w_init(w, buf, cap);
	return buf;
}

static int chat_agent_body(const struct dbx_chat_request *rq, struct shape *s, const char *model,
                           int stream_options, char **body, size_t *len, char *errbuf)
{
	struct json_w w;
	char *buf;
	int m;

	(void)model; /* the path names it */
	(void)stream_options;
	*body = NULL;
	if (s->natts) {
		errbuf_set(errbuf,
		           "a ChatAgent takes text only: no attachments with --api agent-chat");
		return DBX_ERR_USAGE;
	}
	buf = agent_buf(rq, s, &w);
	if (!buf)
		return DBX_ERR_NOMEM;
	json_w_obj(&w);
	if (shape_ours(s, "messages")) {
		/* The agent has its own instructions: a system message only when
		 * asked for (-s), in place of the earlier messages' own. */
		json_w_key(&w, "messages");
		json_w_arr(&w);
		if (rq->system) {
			json_w_obj(&w);
			json_w_key(&w, "role");
			json_w_str(&w, "system");
			json_w_key(&w, "content");
			json_w_str(&w, rq->system);
			json_w_obj_end(&w);
		}
		for (m = json_child(&s->msgs, 0); s->msgs.ntok && m >= 0;
		     m = json_next(&s->msgs, m))
			if (!(rq->system && shape_role_is(&s->msgs, m, "system")))
				json_w_raw(&w, &s->msgs, m);
		if (rq->prompt) {
			json_w_obj(&w);
			json_w_key(&w, "role");
			json_w_str(&w, "user");
			json_w_key(&w, "content");
			json_w_str(&w, rq->prompt);
			json_w_obj_end(&w);
		}
		json_w_arr_end(&w);
	}
	return agent_end(&w, rq, s, buf, body, len, errbuf);
}

static void agent_path(const char *model, char *out, size_t cap)
{
	snprintf(out, cap, "/serving-endpoints/%s/invocations", model);
}

/* One message of a ChatAgent (a streamed delta or one of the answer's). */
static int chat_message(struct reply *r, const struct json_doc *d, int m)
{
	int tc, fn, err = DBX_OK;

	if (shape_role_is(d, m, "tool"))
		return reply_remote(r, DBX_EV_TOOL_RESULT, d, json_get(d, m, "tool_call_id"),
		                    json_get(d, m, "name"), json_get(d, m, "content"));
	if (!shape_role_is(d, m, "assistant"))
		return DBX_OK;
	for (tc = json_child(d, json_get(d, m, "tool_calls")); tc >= 0 && !err;
	     tc = json_next(d, tc)) {
		fn = json_get(d, tc, "function");
		err = reply_remote(r, DBX_EV_TOOL_CALL, d, json_get(d, tc, "id"),
		                   json_get(d, fn, "name"), json_get(d, fn, "arguments"));
	}
	if (!err)
		err = reply_text_json(r, DBX_EV_TEXT, d, json_get(d, m, "content"));
	return err;
}

#if DBX_FEATURE_RESPONSES
/* A Responses output item the agent produced (whole): its steps and, when
 * text: a message whose text no delta gave. */
static int resp_item(struct reply *r, const struct json_doc *d, int item, int text)
{
	int c, err = DBX_OK;

	if (json_streq(d, json_get(d, item, "type"), "function_call"))
		return reply_remote(r, DBX_EV_TOOL_CALL, d, json_get(d, item, "call_id"),
		                    json_get(d, item, "name"), json_get(d, item, "arguments"));
	if (json_streq(d, json_get(d, item, "type"), "function_call_output"))
		return reply_remote(r, DBX_EV_TOOL_RESULT, d, json_get(d, item, "call_id"), -1,
		                    json_get(d, item, "output"));
	if (!text || !json_streq(d, json_get(d, item, "type"), "message"))
		return DBX_OK;
	for (c = json_child(d, json_get(d, item, "content")); c >= 0 && !err; c = json_next(d, c))
		if (json_streq(d, json_get(d, c, "type"), "output_text"))
			err = reply_text_json(r, DBX_EV_TEXT, d, json_get(d, c, "text"));
	return err;
}
#endif

/* One agent event or answer: kind 'c' ChatAgent chunk, 'C' ChatAgent answer,
 * 'r' Responses event (*pass: hand it on to the Responses decoder), 'R' the
 * Responses answer (these two only with the Responses API built in). */
static int agent_decode(struct reply *r, const char *js, size_t len, int kind, int *pass)
{
	struct json_tok tok[REPLY_TOKENS], *heap = NULL;
	struct json_doc d;
	int err, t;

	err = reply_parse(r, &d, js, len, tok, &heap);
	if (err || json_type(&d, 0) != JSON_OBJECT) {
		reply_fail(r, DBX_ERR_PROTOCOL, "invalid JSON from the agent: %s at byte %zu",
		           err ? (d.err_what ? d.err_what : dbx_strerror(err)) : "not an object",
		           d.err_off);
		err = ERR_STOP;
		goto out;
	}
	reply_trace(r, &d, json_path(&d, 0, "databricks_output.trace"));
	switch (kind) {
	case 'c':
		err = chat_message(r, &d, json_get(&d, 0, "delta"));
		break;
	case 'C':
		for (t = json_child(&d, json_get(&d, 0, "messages")); t >= 0 && !err;
		     t = json_next(&d, t))
			err = chat_message(r, &d, t);
		break;
#if DBX_FEATURE_RESPONSES
	case 'r':
		t = json_get(&d, 0, "type");
		if (json_streq(&d, t, "response.output_item.done"))
			err = resp_item(r, &d, json_get(&d, 0, "item"), r->texts == 0);
		else if (!json_streq(&d, t, "response.output_item.added") &&
		         !json_streq(&d, t, "response.function_call_arguments.delta"))
			*pass = 1;
		break;
	default:
		for (t = json_child(&d, json_get(&d, 0, "output")); t >= 0 && !err;
		     t = json_next(&d, t))
			err = resp_item(r, &d, t, 1);
		break;
#else
	default: /* no 'r' or 'R' without the Responses API */
		(void)pass;
		break;
#endif
	}
out:
	free(heap);
	return err;
}

static int chat_agent_event(struct reply *r, const char *data, size_t len)
{
	if (len == 6 && memcmp(data, "[DONE]", 6) == 0) {
		r->done = 1;
		return DBX_OK;
	}
	return agent_decode(r, data, len, 'c', NULL);
}

static int chat_agent_whole(struct reply *r, const char *json, size_t len)
{
	r->done = 1;
	return agent_decode(r, json, len, 'C', NULL);
}

const struct wire agent_chat_wire = {
    .name = "agent-chat",
    .body = chat_agent_body,
    .path = agent_path,
    .event = chat_agent_event,
    .whole = chat_agent_whole,
};

#if DBX_FEATURE_RESPONSES /* ResponsesAgent speaks the Responses API's items and events */
static int resp_agent_body(const struct dbx_chat_request *rq, struct shape *s, const char *model,
                           int stream_options, char **body, size_t *len, char *errbuf)
{
	struct json_w w;
	char *buf;

	(void)model;
	(void)stream_options;
	*body = NULL;
	buf = agent_buf(rq, s, &w);
	if (!buf)
		return DBX_ERR_NOMEM;
	json_w_obj(&w);
	if (shape_ours(s, "input")) {
		json_w_key(&w, "input");
		resp_input(&w, rq, s, rq->system);
	}
	return agent_end(&w, rq, s, buf, body, len, errbuf);
}

static int resp_agent_event(struct reply *r, const char *data, size_t len)
{
	int pass = 0, err;

	if (len == 6 && memcmp(data, "[DONE]", 6) == 0) {
		r->done = 1;
		return DBX_OK;
	}
	err = agent_decode(r, data, len, 'r', &pass);
	return !err && pass ? resp_event(r, data, len) : err;
}

static int resp_agent_whole(struct reply *r, const char *json, size_t len)
{
	r->done = 1;
	return agent_decode(r, json, len, 'R', NULL);
}

const struct wire agent_resp_wire = {
    .name = "agent-responses",
    .body = resp_agent_body,
    .path = agent_path,
    .event = resp_agent_event,
    .whole = resp_agent_whole,
    .lossy_oversize = 1,
};
#endif
