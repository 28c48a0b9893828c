/* agent.c - see agent.h. */
#include "agent.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "jsonw.h"
#include "mcpsrv.h"
#include "provider.h"

#define AGENT_MAX_TURNS 10
#define AGENT_MSGS_MAX (256u << 20) /* the conversation the loop carries */
#define AGENT_CALLS_MAX 128         /* tool calls in one turn */

/* A tool call of the turn, copied from its event. */
struct call {
	char *id, *name, *args;
	size_t alen;
};

struct turn {
	dbx_event_fn cb;
	void *ctx;
	struct mcp_set *set;
	struct call calls[AGENT_CALLS_MAX];
	size_t n;
	int foreign; /* a call of a tool that is not an MCP tool */
	int err;
};

static void calls_free(struct turn *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		free(t->calls[i].id);
		free(t->calls[i].name);
		free(t->calls[i].args);
	}
	t->n = 0;
	t->foreign = 0;
}

static int on_event(void *ctx, const struct dbx_event *ev)
{
	struct turn *t = ctx;
	struct dbx_event e = *ev;
	size_t si, ti;

	if (ev->type == DBX_EV_TOOL_CALL && !ev->remote) { /* not an agent endpoint's own */
		struct call *c = &t->calls[t->n];
		if (mcpsrv_find(t->set, ev->name, &si, &ti))
			e.server = t->set->srv[si].name;
		else
			t->foreign = 1;
		if (t->n == AGENT_CALLS_MAX) {
			t->err = DBX_ERR_LIMIT;
			return 1;
		}
		c->id = strdup(ev->id);
		c->name = strdup(ev->name);
		c->args = strndup(ev->arguments ? ev->arguments : "", ev->arguments_len);
		c->alen = ev->arguments_len;
		t->n++;
		if (!c->id || !c->name || !c->args) {
			t->err = DBX_ERR_NOMEM;
			return 1;
		}
	}
	return t->cb ? t->cb(t->ctx, &e) : 0;
}

/* Appends s as a JSON string. */
static int put_str(struct buf *b, const char *s, size_t n)
{
	size_t cap = 6 * n + 3, len = 0;
	char *tmp = malloc(cap);
	struct json_w w;
	int err;

	if (!tmp)
		return DBX_ERR_NOMEM;
	json_w_init(&w, tmp, cap);
	json_w_strn(&w, s, n);
	err = json_w_finish(&w, &len);
	if (!err)
		err = buf_append(b, tmp, len);
	free(tmp);
	return err;
}

static void put(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

/* The tools offered: the caller's, then every MCP tool as a chat function. */
static int build_tools(const struct mcp_set *set, const struct dbx_chat_request *rq,
                       struct buf *out, char *errbuf)
{
	struct json_tok *tok = NULL;
	struct json_doc d;
	size_t a, i;
	int t, first = 1, err;

	buf_clear(out);
	put(out, "[");
	if (rq->tools_json && rq->tools_len) {
		err = json_parse_alloc(&d, rq->tools_json, rq->tools_len, &tok);
		if (err || json_type(&d, 0) != JSON_ARRAY) {
			free(tok);
			if (err == DBX_ERR_NOMEM)
				return err;
			errbuf_set(errbuf, "tools (--tools): not a JSON array of tools");
			return DBX_ERR_USAGE;
		}
		for (t = json_child(&d, 0); t >= 0; t = json_next(&d, t)) {
			const char *p;
			size_t n;
			json_raw(&d, t, &p, &n);
			if (!first)
				put(out, ",");
			first = 0;
			buf_append(out, p, n);
		}
		free(tok);
	}
	for (a = 0; a < set->n; a++)
		for (i = 0; i < set->srv[a].ntools; i++) {
			const struct mcp_tool *x = &set->srv[a].tools[i];
			if (!first)
				put(out, ",");
			first = 0;
			put(out, "{\"type\":\"function\",\"function\":{\"name\":");
			put_str(out, x->qualified, strlen(x->qualified));
			if (x->description[0]) {
				put(out, ",\"description\":");
				put_str(out, x->description, strlen(x->description));
			}
			put(out, ",\"parameters\":");
			put(out, x->schema);
			put(out, "}}");
		}
	put(out, "]");
	if (out->err)
		errbuf_set(errbuf, "out of memory for the tools");
	return out->err;
}

/* Runs call c (approved or not) and appends its tool message to msgs. */
static int run_call(struct mcp_set *set, const struct dbx_agent_options *ao, const struct call *c,
                    struct turn *t, struct buf *msgs, char *errbuf)
{
	size_t si = 0, ti = 0;
	struct dbx_tool_call tc;
	struct dbx_event ev;
	struct buf text;
	int err = DBX_OK, verdict = DBX_TOOL_RUN, is_error = 1;

	mcpsrv_find(set, c->name, &si, &ti);
	memset(&tc, 0, sizeof tc);
	tc.id = c->id;
	tc.name = c->name;
	tc.server = set->srv[si].name;
	tc.tool = set->srv[si].tools[ti].name;
	tc.arguments = c->args;
	tc.arguments_len = c->alen;
	tc.hints = set->srv[si].tools[ti].hints;
	if (ao->approve) {
		errbuf[0] = '\0';
		verdict = ao->approve(ao->approve_ctx, &tc, errbuf);
		if (verdict == DBX_TOOL_STOP) {
			if (!errbuf[0])
				errbuf_set(errbuf, "the tool call %s was not approved", c->name);
			return DBX_ERR_USAGE;
		}
	}
	buf_init(&text, MCP_RESULT_MAX + 128);
	if (verdict == DBX_TOOL_DECLINE)
		put(&text, "The user declined to run this tool call.");
	else
		err = mcpsrv_call(set, si, ti, c->args, c->alen, &text, &is_error);
	if (!err && text.err)
		err = text.err;
	if (!err) {
		memset(&ev, 0, sizeof ev);
		ev.type = DBX_EV_TOOL_RESULT;
		ev.id = c->id;
		ev.name = c->name;
		ev.server = tc.server;
		ev.text = text.p ? text.p : "";
		ev.text_len = text.len;
		ev.is_error = is_error;
		if (t->cb && t->cb(t->ctx, &ev))
			err = DBX_ERR_CANCELLED;
	}
	if (!err) {
		put(msgs, ",{\"role\":\"tool\",\"tool_call_id\":");
		put_str(msgs, c->id, strlen(c->id));
		put(msgs, ",\"content\":");
		put_str(msgs, text.p ? text.p : "", text.len);
		put(msgs, "}");
		err = msgs->err;
	}
	if (err == DBX_ERR_CANCELLED)
		errbuf_set(errbuf, "cancelled by the caller");
	else if (err)
		errbuf_set(errbuf, "%s while running the tool %s", dbx_strerror(err), c->name);
	buf_free(&text);
	return err;
}

int agent_run(struct provider *p, struct mcp_set *set, const struct dbx_chat_request *rq,
              const struct dbx_agent_options *ao, dbx_event_fn cb, void *ctx, char *errbuf)
{
	int max = ao->max_turns > 0 ? ao->max_turns : AGENT_MAX_TURNS, turn, err = DBX_OK;
	struct dbx_chat_request r = *rq;
	struct turn *t = calloc(1, sizeof *t);
	struct buf tools, msgs;
	char *tr = NULL;
	size_t trlen = 0, i;

	if (!t)
		return DBX_ERR_NOMEM;
	t->cb = cb;
	t->ctx = ctx;
	t->set = set;
	set->cancel = ao->cancel;
	buf_init(&tools, AGENT_MSGS_MAX);
	buf_init(&msgs, AGENT_MSGS_MAX);
	r.transcript = &tr;
	r.transcript_len = &trlen;
	for (turn = 1; !err; turn++) {
		int relist = turn == 1;
		for (i = 0; i < set->n && !err; i++)
			if (set->srv[i].list_changed) {
				err = mcpsrv_relist(set, &set->srv[i], errbuf);
				relist = 1;
			}
		if (!err && relist)
			err = build_tools(set, rq, &tools, errbuf);
		if (err)
			break;
		r.tools_json = tools.p;
		r.tools_len = tools.len;
		if (turn > 1) {
			r.prompt = NULL;
			r.messages_json = msgs.p;
			r.messages_len = msgs.len;
		}
		calls_free(t);
		err = provider_chat(p, &r, on_event, t, errbuf);
		if (t->err) {
			err = t->err;
			errbuf_set(errbuf, "%s",
			           t->err == DBX_ERR_LIMIT
			               ? "the model asked for too many tool calls at once"
			               : "out of memory for the tool calls");
		}
		if (err)
			break;
		/* the conversation so far, without its closing ']' to append to */
		buf_clear(&msgs);
		if (buf_append(&msgs, tr, trlen > 0 ? trlen - 1 : 0)) {
			err = msgs.err;
			break;
		}
		free(tr);
		tr = NULL;
		if (t->n == 0 || t->foreign)
			break;
		if (turn == max) {
			errbuf_set(errbuf,
			           "the model still asked for tools after %d turns; its last calls "
			           "were not run (raise --max-turns to allow more)",
			           max);
			err = DBX_ERR_MAX_TURNS;
			break;
		}
		for (i = 0; i < t->n && !err; i++)
			err = run_call(set, ao, &t->calls[i], t, &msgs, errbuf);
		put(&msgs, "]"); /* whole again for the next turn */
		if (!err && msgs.err)
			err = msgs.err;
	}
	if ((!err || err == DBX_ERR_MAX_TURNS) && rq->transcript && msgs.p) {
		put(&msgs, "]"); /* the loop ended after a model turn */
		if (!msgs.err) {
			*rq->transcript = msgs.p;
			if (rq->transcript_len)
				*rq->transcript_len = msgs.len;
			msgs.p = NULL;
		}
	}
	free(tr);
	calls_free(t);
	free(t);
	buf_free(&tools);
	buf_free(&msgs);
	return err;
}
