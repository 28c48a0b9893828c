/* models.c - see models.h. */
#include "models.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "client.h"
#include "json.h"

/* Checks endpoint k (token ep); *need grows to the longest of its strings
 * (+1 for the NUL). */
static int check_endpoint(const struct json_doc *d, int ep, int k, size_t *need, char *errbuf)
{
	int name = json_get(d, ep, "name"), task = json_get(d, ep, "task");
	size_t len;

	if (json_type(d, ep) != JSON_OBJECT) {
		errbuf_set(errbuf,
		           "bad serving-endpoints reply: endpoints[%d] is not "
		           "an object",
		           k);
		return DBX_ERR_PROTOCOL;
	}
	len = json_strlen(d, name);
	if (json_type(d, name) != JSON_STRING || len == 0) {
		errbuf_set(errbuf,
		           "bad serving-endpoints reply: endpoints[%d] has no "
		           "\"name\"",
		           k);
		return DBX_ERR_PROTOCOL;
	}
	if (len + 1 > *need)
		*need = len + 1;
	if (task != -1 && json_type(d, task) != JSON_STRING && !json_is_null(d, task)) {
		errbuf_set(errbuf,
		           "bad serving-endpoints reply: endpoints[%d].task is "
		           "not a string",
		           k);
		return DBX_ERR_PROTOCOL;
	}
	len = json_strlen(d, task);
	if (len + 1 > *need)
		*need = len + 1;
	return DBX_OK;
}

/* String t into buf (cap bytes, enough by check_endpoint), "" when t is not a
 * string; DBX_ERR_PROTOCOL when it holds a NUL, which a C string cannot. */
static int copy_str(const struct json_doc *d, int t, char *buf, size_t cap, const char *what, int k,
                    char *errbuf)
{
	size_t len = 0;

	buf[0] = '\0';
	if (json_type(d, t) != JSON_STRING)
		return DBX_OK;
	json_str(d, t, buf, cap, &len);
	if (strlen(buf) != len) {
		errbuf_set(errbuf,
		           "bad serving-endpoints reply: endpoints[%d].%s holds a NUL character", k,
		           what);
		return DBX_ERR_PROTOCOL;
	}
	return DBX_OK;
}

int models_decode(const char *body, size_t len, dbx_model_fn cb, void *ctx, char *errbuf)
{
	struct json_doc d;
	struct json_tok *tok = NULL;
	char *name = NULL, *task = NULL;
	size_t need = 1;
	int eps, ep, k, pass, err;

	err = json_parse_alloc(&d, body, len, &tok);
	if (err == DBX_ERR_NOMEM)
		goto out;
	if (err == DBX_ERR_LIMIT) {
		errbuf_set(errbuf, "the serving-endpoints reply is too large to parse (%s)",
		           d.err_what);
		goto out;
	}
	if (err) {
		errbuf_set(errbuf, "bad serving-endpoints reply: not valid JSON: %s at byte %zu",
		           d.err_what, d.err_off);
		err = DBX_ERR_PROTOCOL;
		goto out;
	}
	if (json_type(&d, 0) != JSON_OBJECT) {
		errbuf_set(errbuf, "bad serving-endpoints reply: not a JSON object");
		err = DBX_ERR_PROTOCOL;
		goto out;
	}
	eps = json_get(&d, 0, "endpoints");
	if (eps == -1 || json_is_null(&d, eps))
		goto out; /* no endpoints at all */
	if (json_type(&d, eps) != JSON_ARRAY) {
		errbuf_set(errbuf, "bad serving-endpoints reply: \"endpoints\" is not an array");
		err = DBX_ERR_PROTOCOL;
		goto out;
	}
	/* Nothing is delivered from a bad list: pass 0 checks the types and sizes
	 * the string buffers, pass 1 decodes every string (a NUL shows only then),
	 * pass 2 delivers. */
	for (pass = 0; pass < 3; pass++) {
		if (pass == 1) {
			name = malloc(need);
			task = malloc(need);
			if (!name || !task) {
				err = DBX_ERR_NOMEM;
				goto out;
			}
		}
		for (k = 0, ep = json_child(&d, eps); ep != -1; k++, ep = json_next(&d, ep)) {
			struct dbx_model m;
			if (pass == 0) {
				err = check_endpoint(&d, ep, k, &need, errbuf);
				if (err)
					goto out;
				continue;
			}
			err = copy_str(&d, json_get(&d, ep, "name"), name, need, "name", k, errbuf);
			if (!err)
				err = copy_str(&d, json_get(&d, ep, "task"), task, need, "task", k,
				               errbuf);
			if (err)
				goto out;
			if (pass == 1)
				continue;
			m.name = name;
			m.task = task;
			m.ready = json_streq(&d, json_path(&d, ep, "state.ready"), "READY");
			if (cb(ctx, &m) != 0) {
				errbuf_set(errbuf, "cancelled by the caller");
				err = DBX_ERR_CANCELLED;
				goto out;
			}
		}
	}
out:
	free(name);
	free(task);
	free(tok);
	return err;
}

/* The reply, collected whole. */
struct models_state {
	struct client_call k;
	struct buf body; /* bounded by MODELS_BODY_MAX */
};

/* GET path with the reply collected whole into s->body (freed by the caller
 * with buf_free, also on failure). */
static int get_whole(struct client *c, const char *path, struct models_state *s, char *errbuf)
{
	buf_init(&s->body, MODELS_BODY_MAX);
	s->k.method = "GET";
	s->k.path = path;
	s->k.accept = "application/json";
	s->k.max_retries = c->retry.max_retries;
	return client_call_whole(c, &s->k, &s->body, errbuf);
}

int models_list(struct client *c, dbx_model_fn cb, void *ctx, char *errbuf)
{
	struct models_state *s = NULL;
	int err;

	if (!c || !cb) {
		errbuf_set(errbuf, "dbx_list_models: missing client or callback");
		err = DBX_ERR_USAGE;
		goto out;
	}
	s = calloc(1, sizeof *s);
	if (!s) {
		err = DBX_ERR_NOMEM;
		goto out;
	}
	err = get_whole(c, "/api/2.0/serving-endpoints", s, errbuf);
	if (!err)
		err = models_decode(s->body.p ? s->body.p : "", s->body.len, cb, ctx, errbuf);
out:
	if (s)
		buf_free(&s->body);
	free(s);
	return err;
}

int models_lists_api(const char *body, size_t len, int *api, char *errbuf)
{
	struct json_doc d;
	struct json_tok *tok;
	int t, task, err;

	*api = DBX_API_CHAT;
	err = json_parse_alloc(&d, body, len, &tok);
	if (err == DBX_ERR_LIMIT)
		errbuf_set(errbuf, "the endpoint metadata has too many JSON tokens");
	if (err == DBX_ERR_NOMEM || err == DBX_ERR_LIMIT) {
		free(tok);
		return err;
	}
	if (err || json_type(&d, 0) != JSON_OBJECT) {
		errbuf_set(errbuf, "the endpoint metadata is not a JSON object (%s)",
		           err ? d.err_what : "another value");
		err = DBX_ERR_PROTOCOL;
	}
	task = err ? -1 : json_get(&d, 0, "task");
	if (json_streq(&d, task, "agent/v1/chat") || json_streq(&d, task, "agent/v2/chat"))
		*api = DBX_API_AGENT_CHAT;
	else if (json_streq(&d, task, "agent/v1/responses"))
		*api = DBX_API_AGENT_RESPONSES;
	for (t = 1; !err && t < d.ntok && *api == DBX_API_CHAT; t++)
		if (json_streq(&d, t, MODELS_RESPONSES_API))
			*api = DBX_API_RESPONSES;
	free(tok);
	return err;
}

int models_lists_responses(const char *body, size_t len, int *yes, char *errbuf)
{
	int api, err = models_lists_api(body, len, &api, errbuf);

	*yes = api == DBX_API_RESPONSES;
	return err;
}

int models_endpoint_api(struct client *c, const char *name, int *api, char *errbuf)
{
	struct models_state *s;
	char path[320];
	int err;

	*api = DBX_API_CHAT;
	if (snprintf(path, sizeof path, "/api/2.0/serving-endpoints/%s", name) >=
	    (int)sizeof path) {
		errbuf_set(errbuf, "endpoint name too long");
		return DBX_ERR_USAGE;
	}
	s = calloc(1, sizeof *s);
	if (!s)
		return DBX_ERR_NOMEM;
	err = get_whole(c, path, s, errbuf);
	if (!err)
		err = models_lists_api(s->body.p ? s->body.p : "", s->body.len, api, errbuf);
	buf_free(&s->body);
	free(s);
	return err;
}
