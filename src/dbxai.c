/* dbxai.c - the public library API (dbxai.h): client, raw API calls, errors. */
#include "dbxai.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "client.h"
#include "provider.h"
#include "proxy.h"
#include "tls.h"
#include "url.h"


static const char *const err_names[DBX_ERR__COUNT] = {
	[DBX_OK] = "success",
	[DBX_ERR_INTERNAL] = "internal error",
	[DBX_ERR_USAGE] = "invalid usage or configuration",
	[DBX_ERR_IO] = "local file error",
	[DBX_ERR_LIMIT] = "size limit exceeded",
	[DBX_ERR_NOMEM] = "out of memory",
	[DBX_ERR_RESOLVE] = "host name lookup failed",
	[DBX_ERR_CONNECT] = "connection failed",
	[DBX_ERR_TIMEOUT] = "timed out",
	[DBX_ERR_NET] = "network error",
	[DBX_ERR_PROXY] = "proxy error",
	[DBX_ERR_TLS] = "TLS error",
	[DBX_ERR_TLS_VERIFY] = "server certificate not trusted",
	[DBX_ERR_PROTOCOL] = "protocol error",
	[DBX_ERR_TRUNCATED] = "response truncated",
	[DBX_ERR_NEED_MORE] = "incomplete input",
	[DBX_ERR_AUTH] = "authentication failed",
	[DBX_ERR_RATE_LIMITED] = "rate limited",
	[DBX_ERR_CONTEXT_LENGTH] = "context length exceeded",
	[DBX_ERR_BAD_REQUEST] = "request rejected",
	[DBX_ERR_SERVER] = "server error",
	[DBX_ERR_CANCELLED] = "cancelled",
};

const char *dbx_strerror(int err)
{
	if (err < 0 || err >= DBX_ERR__COUNT || !err_names[err])
		return "unknown error";
	return err_names[err];
}

int dbx_global_init(char *errbuf)
{
	return tls_global_init(errbuf);
}

/* proxy_getenv_fn over the options: the caller has already chosen between
 * https_proxy and HTTPS_PROXY, so only the lower-case names answer. */
static const char *options_env(void *ctx, const char *name)
{
	const struct dbx_options *o = ctx;
	if (strcmp(name, "https_proxy") == 0)
		return o->https_proxy ? o->https_proxy : "";
	if (strcmp(name, "no_proxy") == 0)
		return o->no_proxy ? o->no_proxy : "";
	return NULL;
}

static void wipe(void *p, size_t n)
{
	volatile unsigned char *v = p;
	while (n--)
		*v++ = 0;
}

int dbx_client_new(struct dbx_client **out, const struct dbx_options *o, char *errbuf)
{
	struct dbx_client *c;
	int err;

	*out = NULL;
	if (!o->host || !*o->host) {
		snprintf(errbuf, DBX_ERRBUF_SIZE, "no workspace host given");
		return DBX_ERR_USAGE;
	}
	c = calloc(1, sizeof *c);
	if (!c)
		return DBX_ERR_NOMEM;
	conn_init(&c->conn);
	err = url_normalize_host(o->host, c->base_url, sizeof c->base_url, errbuf);
	if (!err)
		err = url_parse(c->base_url, &c->base, errbuf);
	if (err)
		goto fail;
	if (o->retry) {
		c->retry = *o->retry;
	} else {
		struct dbx_retry def = DBX_RETRY_DEFAULT;
		c->retry = def;
	}
	c->notice = o->notice;
	c->notice_ctx = o->notice_ctx;
	if (o->token && *o->token) {
		if (snprintf(c->auth, sizeof c->auth, "Bearer %s", o->token) >= (int)sizeof c->auth) {
			snprintf(errbuf, DBX_ERRBUF_SIZE, "the token is too long (%zu bytes)",
				 strlen(o->token));
			err = DBX_ERR_USAGE;
			goto fail;
		}
	}
	err = auth_setup(c, o, errbuf);
	if (err)
		goto fail;
	if (c->base.is_https) {
		struct tls_options topt = {o->ca_file, o->ca_dir};
		err = tls_client_new(&c->tls, &topt, errbuf);
		if (err)
			goto fail;
		err = proxy_from_env(options_env, (void *)o, c->base.host, c->base.port,
				     &c->proxy, errbuf);
		if (err)
			goto fail;
		if (c->proxy.use) {
			c->conn.proxy_host = c->proxy.host;
			c->conn.proxy_port = c->proxy.port;
			c->conn.proxy_auth = c->proxy.auth[0] ? c->proxy.auth : NULL;
		}
	}
	c->conn.tls = c->tls;
	c->conn.connect_timeout_ms = o->connect_timeout_ms > 0 ? o->connect_timeout_ms
							       : DBX_CONNECT_TIMEOUT_MS;
	c->conn.idle_timeout_ms = o->idle_timeout_ms > 0 ? o->idle_timeout_ms : DBX_IDLE_TIMEOUT_MS;
	c->conn.trace = o->trace;
	c->conn.trace_ctx = o->trace_ctx;
	*out = c;
	return DBX_OK;

fail:
	dbx_client_free(c);
	return err;
}

void dbx_client_free(struct dbx_client *c)
{
	if (!c)
		return;
	auth_free(c);
	conn_close(&c->conn);
	tls_client_free(c->tls);
	proxy_clear(&c->proxy);
	wipe(c->auth, sizeof c->auth);
	free(c);
}

/* The request target for path_or_url, which must stay on the workspace. */
static int api_target(struct dbx_client *c, const char *path_or_url, struct url *u,
		      char *errbuf)
{
	char joined[URL_MAX];
	int err;

	err = url_join(c->base_url, path_or_url, joined, sizeof joined, errbuf);
	if (!err)
		err = url_parse(joined, u, errbuf);
	if (err)
		return err;
	if (u->is_https != c->base.is_https || u->port != c->base.port ||
	    strcmp(u->host, c->base.host) != 0) {
		snprintf(errbuf, DBX_ERRBUF_SIZE,
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

int dbx_api(struct dbx_client *c, const char *method, const char *path_or_url,
	    const char *body, size_t body_len, dbx_data_fn on_data, void *ctx, int *status,
	    char *errbuf)
{
	struct api_sink sink = {on_data, ctx, 0};
	struct client_call *k;
	struct url *u;
	int err;

	if (status)
		*status = 0;
	k = calloc(1, sizeof *k);
	u = malloc(sizeof *u);
	if (!k || !u) {
		err = DBX_ERR_NOMEM;
		goto out;
	}
	err = api_target(c, path_or_url, u, errbuf);
	if (err)
		goto out;
	k->method = method;
	k->path = u->path;
	k->body = body;
	k->body_len = body_len;
	k->max_retries = 0; /* a raw call does exactly what it says */
	k->on_data = api_data;
	k->ctx = &sink;
	err = client_call(c, k, errbuf);
	if (status)
		*status = k->status;
	if (err == DBX_ERR_CANCELLED && sink.cancelled)
		snprintf(errbuf, DBX_ERRBUF_SIZE, "cancelled by the caller");
out:
	free(k);
	free(u);
	return err;
}
