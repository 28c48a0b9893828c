/*
 * dbxai.c - the public library API (dbxai.h): the top of the library. Every
 * dbx_ function but dbx_strerror (err.c) is here, as a thin shell over the
 * layers below: it keeps the public promises in one place (errbuf filled on
 * every error and NULL accepted, internal statuses never returned, global
 * init done) and holds what a struct dbx_client owns.
 */
#include "dbxai.h"

#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "cfg.h"
#include "client.h"
#include "crypto.h"
#include "embed.h"
#include "models.h"
#include "provider.h"
#include "switches.h"
#include "url.h"
#if DBX_FEATURE_MCP
#include "agent.h"
#include "mcpsrv.h"
#endif

struct dbx_client {
	struct client *cl;      /* the connection, credentials hook and retry policy */
	struct provider prov;   /* what the chat turns of this client share */
	struct dbx_options opt; /* a copy (its strings are the caller's): MCP
	                           servers on other origins get clients like it */
};

#if DBX_FEATURE_MCP
struct dbx_mcp {
	struct dbx_client *c;
	struct mcp_set set;
};
#endif

/* The public side of every call. The layers below write into the call's own
 * line (so they never see the caller's NULL); on the way out an internal
 * status becomes a public code, an error always has its line (the layers fill
 * it; this is the guard), and the caller's errbuf gets it, or "" on success. */
static int done(int err, const char *line, char *errbuf)
{
	if (err < 0 || err >= DBX_ERR__COUNT) {
		errbuf_set(errbuf, "internal error: status %d escaped the library", err);
		return DBX_ERR_INTERNAL;
	}
	errbuf_set(errbuf, "%s", !err ? "" : line[0] ? line : dbx_strerror(err));
	return err;
}

const char *dbx_version(void)
{
	return DBX_VERSION;
}

void dbx_free(void *p)
{
	free(p);
}

int dbx_global_init(char *errbuf)
{
	char line[DBX_ERRBUF_SIZE] = "";
	return done(crypto_global_init(line), line, errbuf);
}

static const char *get_env(const char *name)
{
	return getenv(name);
}

int dbx_config_load(struct dbx_config **out, const struct dbx_config_input *in,
                    struct dbx_options *opt, char *errbuf)
{
	char line[DBX_ERRBUF_SIZE] = "";
	struct dbx_config_input none = {0};
	struct cfg_input ci;
	struct dbx_config *c;
	int err;

	*out = NULL;
	if (!in)
		in = &none;
	c = calloc(1, sizeof *c);
	if (!c) {
		errbuf_set(line, "out of memory for the configuration");
		return done(DBX_ERR_NOMEM, line, errbuf);
	}
	ci.host_flag = in->host;
	ci.profile_flag = in->profile;
	ci.auth_flag = in->auth_type;
	ci.ca_flag = in->ca_file;
	ci.getenv = get_env;
	err = cfg_load(c, &ci, line);
	if (!err)
		err = cfg_options(c, &ci, opt, line);
	if (err) {
		dbx_config_free(c);
		return done(err, line, errbuf);
	}
	*out = c;
	return done(DBX_OK, line, errbuf);
}

void dbx_config_free(struct dbx_config *cfg)
{
	if (!cfg)
		return;
	/* it holds the token and the client secret */
	crypto_wipe(cfg, sizeof *cfg);
	free(cfg);
}

int dbx_client_new(struct dbx_client **out, const struct dbx_options *o, char *errbuf)
{
	char line[DBX_ERRBUF_SIZE] = "";
	struct dbx_client *c;
	int err;

	*out = NULL;
	if (!o) {
		errbuf_set(
		    line,
		    "no options given: pass a struct dbx_options (dbx_config_load fills one)");
		return done(DBX_ERR_USAGE, line, errbuf);
	}
	err = crypto_global_init(line);
	if (err)
		return done(err, line, errbuf);
	c = calloc(1, sizeof *c);
	if (!c) {
		errbuf_set(line, "out of memory for a client");
		return done(DBX_ERR_NOMEM, line, errbuf);
	}
	err = client_open(&c->cl, o->host, o, line);
	if (err)
		goto fail;
	c->prov.client = c->cl;
	c->opt = *o;
	if (o->token && *o->token) {
		size_t cap = sizeof c->cl->auth;
		size_t n = strlen(o->token);
		if (n + 7 + 1 > cap) {
			errbuf_set(line, "the token is too long (%zu bytes, at most %zu)", n,
			           cap - 8);
			err = DBX_ERR_USAGE;
			goto fail;
		}
		memcpy(c->cl->auth, "Bearer ", 7);
		memcpy(c->cl->auth + 7, o->token, n + 1);
	}
	err = auth_setup(c->cl, o, line);
	if (err)
		goto fail;
	*out = c;
	return done(DBX_OK, line, errbuf);

fail:
	dbx_client_free(c);
	return done(err, line, errbuf);
}

void dbx_client_free(struct dbx_client *c)
{
	if (!c)
		return;
	if (c->cl)
		auth_free(c->cl);
	client_free(c->cl);
	free(c);
}

/* The request target for path_or_url, which must stay on the workspace. */
static int api_target(struct client *c, const char *path_or_url, struct url *u, char *errbuf)
{
	char joined[URL_MAX];
	int err;

	err = url_join(c->base_url, path_or_url, joined, sizeof joined, errbuf);
	if (!err)
		err = url_parse(joined, u, errbuf);
	if (err)
		return err;
	if (!url_same_origin(u, &c->base)) {
		errbuf_set(errbuf,
		           "refusing to send credentials to %s://%s:%u: the URL must be on the "
		           "workspace %s",
		           u->scheme, u->host, u->port, c->base_url);
		return DBX_ERR_USAGE;
	}
	return DBX_OK;
}

struct api_sink {
	dbx_data_fn on_data;
	void *ctx;
	int cancelled;
};

static int api_data(void *ctx, const char *data, size_t len)
{
	struct api_sink *s = ctx;
	if (s->on_data && s->on_data(s->ctx, data, len) != 0) {
		s->cancelled = 1;
		return DBX_ERR_CANCELLED;
	}
	return 0;
}

int dbx_api(struct dbx_client *c, const char *method, const char *path_or_url, const char *body,
            size_t body_len, dbx_data_fn on_data, void *ctx, int *status, char *errbuf)
{
	char line[DBX_ERRBUF_SIZE] = "";
	struct api_sink sink = {on_data, ctx, 0};
	struct client_call *k;
	struct url *u;
	int err;

	if (status)
		*status = 0;
	k = calloc(1, sizeof *k);
	u = malloc(sizeof *u);
	if (!k || !u) {
		errbuf_set(line, "out of memory for a request");
		err = DBX_ERR_NOMEM;
		goto out;
	}
	err = api_target(c->cl, path_or_url, u, line);
	if (err)
		goto out;
	k->method = method;
	k->path = u->path;
	k->body = body;
	k->body_len = body_len;
	k->max_retries = 0; /* a raw call does exactly what it says */
	k->on_data = api_data;
	k->ctx = &sink;
	err = client_call(c->cl, k, line);
	if (status)
		*status = k->status;
	if (err == DBX_ERR_CANCELLED && sink.cancelled)
		errbuf_set(line, "cancelled by the caller");
out:
	free(k);
	free(u);
	return done(err, line, errbuf);
}

int dbx_chat(struct dbx_client *c, const struct dbx_chat_request *rq, dbx_event_fn cb, void *ctx,
             char *errbuf)
{
	char line[DBX_ERRBUF_SIZE] = "";
	return done(provider_chat(&c->prov, rq, cb, ctx, line), line, errbuf);
}

int dbx_embed(struct dbx_client *c, const struct dbx_embed_request *rq, dbx_vector_fn cb, void *ctx,
              char *errbuf)
{
	char line[DBX_ERRBUF_SIZE] = "";
#if DBX_FEATURE_EMBEDDINGS
	return done(embed_run(c->cl, rq, cb, ctx, line), line, errbuf);
#else
	(void)c;
	(void)rq;
	(void)cb;
	(void)ctx;
	errbuf_set(line, "embeddings are " DBX_NOT_BUILT_IN("embeddings"));
	return done(DBX_ERR_USAGE, line, errbuf);
#endif
}

int dbx_list_models(struct dbx_client *c, dbx_model_fn cb, void *ctx, char *errbuf)
{
	char line[DBX_ERRBUF_SIZE] = "";
	return done(models_list(c->cl, cb, ctx, line), line, errbuf);
}

int dbx_login(struct dbx_client *c, const struct dbx_login_options *lo, char *errbuf)
{
	char line[DBX_ERRBUF_SIZE] = "";
	return done(auth_login(c->cl, lo, line), line, errbuf);
}

int dbx_logout(struct dbx_client *c, int all, int *removed, char *errbuf)
{
	char line[DBX_ERRBUF_SIZE] = "";
	return done(auth_logout(c->cl, all, removed, line), line, errbuf);
}

int dbx_auth_token(struct dbx_client *c, char *out, size_t cap, long long *expiry, char *errbuf)
{
	char line[DBX_ERRBUF_SIZE] = "";
	return done(auth_token(c->cl, out, cap, expiry, line), line, errbuf);
}

int dbx_auth_status(struct dbx_client *c, struct dbx_auth_info *info, char *errbuf)
{
	char line[DBX_ERRBUF_SIZE] = "";
	return done(auth_status(c->cl, info, line), line, errbuf);
}

/* ---- MCP ---- */

#if DBX_FEATURE_MCP

int dbx_mcp_new(struct dbx_mcp **out, struct dbx_client *c, const struct dbx_mcp_options *o,
                char *errbuf)
{
	char line[DBX_ERRBUF_SIZE] = "";
	struct dbx_mcp *m = calloc(1, sizeof *m);

	*out = m;
	if (!m) {
		errbuf_set(line, "out of memory for the MCP servers");
		return done(DBX_ERR_NOMEM, line, errbuf);
	}
	m->c = c;
	m->set.ws = c->cl;
	m->set.opt = &c->opt;
	m->set.notice = c->opt.notice;
	m->set.notice_ctx = c->opt.notice_ctx;
	if (o) {
		m->set.timeout_ms = o->tool_timeout_ms;
		m->set.verbose = o->verbose;
	}
	return done(DBX_OK, line, errbuf);
}

int dbx_mcp_add(struct dbx_mcp *m, const struct dbx_mcp_server *s, char *errbuf)
{
	char line[DBX_ERRBUF_SIZE] = "";
	return done(mcpsrv_add(&m->set, s->name, s->argv, s->env, s->cwd, s->url, line), line,
	            errbuf);
}

int dbx_mcp_start(struct dbx_mcp *m, char *errbuf)
{
	char line[DBX_ERRBUF_SIZE] = "";
	size_t i;
	int err = mcpsrv_start(&m->set, line);

	for (i = 0; i < m->set.n && !err; i++)
		if (m->set.srv[i].failed) {
			errbuf_set(line, "%s", m->set.srv[i].error);
			err = DBX_ERR_PROTOCOL;
		}
	return done(err, line, errbuf);
}

size_t dbx_mcp_count(const struct dbx_mcp *m)
{
	return m->set.n;
}

int dbx_mcp_info(const struct dbx_mcp *m, size_t i, struct dbx_mcp_info *info)
{
	const struct mcp_server *s;

	if (i >= m->set.n)
		return DBX_ERR_USAGE;
	s = &m->set.srv[i];
	info->name = s->name;
	info->what = s->what;
	info->started = s->started && !s->failed;
	info->protocol = s->protocol;
	info->error = s->failed ? s->error : "";
	info->tools = s->ntools;
	return DBX_OK;
}

int dbx_mcp_tool(const struct dbx_mcp *m, size_t i, size_t j, struct dbx_mcp_tool *t)
{
	const struct mcp_tool *x;

	if (i >= m->set.n || j >= m->set.srv[i].ntools)
		return DBX_ERR_USAGE;
	x = &m->set.srv[i].tools[j];
	t->server = m->set.srv[i].name;
	t->name = x->name;
	t->qualified = x->qualified;
	t->description = x->description;
	t->input_schema = x->schema;
	t->hints = x->hints;
	return DBX_OK;
}

void dbx_mcp_kill(struct dbx_mcp *m)
{
	if (m)
		mcpsrv_kill(&m->set);
}

void dbx_mcp_free(struct dbx_mcp *m)
{
	if (!m)
		return;
	mcpsrv_stop(&m->set);
	free(m);
}

int dbx_chat_agent(struct dbx_client *c, const struct dbx_chat_request *rq,
                   const struct dbx_agent_options *ao, dbx_event_fn cb, void *ctx, char *errbuf)
{
	char line[DBX_ERRBUF_SIZE] = "";
	struct dbx_agent_options none = {0};
	struct mcp_set empty = {0};

	if (!ao)
		ao = &none;
	return done(agent_run(&c->prov, ao->mcp ? &ao->mcp->set : &empty, rq, ao, cb, ctx, line),
	            line, errbuf);
}
#else /* make FEATURES=-mcp */

static int no_mcp(char *errbuf)
{
	char line[DBX_ERRBUF_SIZE];
	errbuf_set(line, "MCP is " DBX_NOT_BUILT_IN("mcp"));
	return done(DBX_ERR_USAGE, line, errbuf);
}

int dbx_mcp_new(struct dbx_mcp **out, struct dbx_client *c, const struct dbx_mcp_options *o,
                char *errbuf)
{
	(void)c;
	(void)o;
	*out = NULL;
	return no_mcp(errbuf);
}

int dbx_mcp_add(struct dbx_mcp *m, const struct dbx_mcp_server *s, char *errbuf)
{
	(void)m;
	(void)s;
	return no_mcp(errbuf);
}

int dbx_mcp_start(struct dbx_mcp *m, char *errbuf)
{
	(void)m;
	return no_mcp(errbuf);
}

size_t dbx_mcp_count(const struct dbx_mcp *m)
{
	(void)m;
	return 0;
}

int dbx_mcp_info(const struct dbx_mcp *m, size_t i, struct dbx_mcp_info *info)
{
	(void)m;
	(void)i;
	(void)info;
	return DBX_ERR_USAGE;
}

int dbx_mcp_tool(const struct dbx_mcp *m, size_t i, size_t j, struct dbx_mcp_tool *t)
{
	(void)m;
	(void)i;
	(void)j;
	(void)t;
	return DBX_ERR_USAGE;
}

void dbx_mcp_kill(struct dbx_mcp *m)
{
	(void)m;
}

void dbx_mcp_free(struct dbx_mcp *m)
{
	(void)m;
}

int dbx_chat_agent(struct dbx_client *c, const struct dbx_chat_request *rq,
                   const struct dbx_agent_options *ao, dbx_event_fn cb, void *ctx, char *errbuf)
{
	(void)c;
	(void)rq;
	(void)ao;
	(void)cb;
	(void)ctx;
	return no_mcp(errbuf);
}
#endif
