/* auth.c - see auth.h; also dbx_login, dbx_logout and dbx_auth_status. */
#include "auth.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "clock.h"
#include "client.h"
#include "oauth.h"
#include "redirect.h"

#define AUTH_LOGIN_TIMEOUT_S 300
#define AUTH_DEVICE_GRANT "urn:ietf:params:oauth:grant-type:device_code"
/* the AzureDatabricks application of Microsoft Entra ID */
#define AUTH_AZURE_SCOPE "2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default"
#define AUTH_AZURE_AUTHORITY "login.microsoftonline.com"

struct auth {
	enum dbx_auth_type type;         /* never AUTO */
	int optional;                    /* AUTO without credentials: no cached login
	                                    means no Authorization, not an error */
	struct dbx_options opt;          /* a copy, for clients to other hosts */
	const char *client_id;           /* borrowed, or OAUTH_U2M_CLIENT_ID */
	const char *client_secret;       /* borrowed; M2M only (secret) */
	const char *fed_client_id;       /* borrowed; OIDC: the service principal
	                                    of workload identity federation, or NULL */
	const char *oidc_env;            /* env-oidc: the variable's name */
	const char *oidc_file;           /* file-oidc: the file's path */
	char cache_id[256];              /* the cache key's client part: the client
	                                    id, for M2M with a hash of the secret */
	char cache_err[DBX_ERRBUF_SIZE]; /* why there is no cache path */
	int have;                        /* tok holds the token in c->auth */
	struct oauth_endpoints *ep;      /* discovered on first need */
	struct oauth_net net;
	/* Not zeroed by auth_setup() (AUTH_ZEROED): each is written before it is
	 * read, so the pages of what a PAT client never uses are never touched
	 * (about 24 KiB of a chat's peak RSS). */
	char azure_url[URL_MAX];         /* azure-client-secret: the Entra token
	                                    endpoint */
	char cache_path[CACHE_PATH_MAX]; /* "" when none could be made */
	struct cache_tokens tok;         /* secret; valid when have is set */
	struct cache_tokens scratch;     /* secret; what the cache or server gave */
};

#define AUTH_ZEROED offsetof(struct auth, azure_url)

int auth_stale(long long expiry, long long issued, long long now)
{
	long long ahead = AUTH_REFRESH_AHEAD;
	if (expiry == 0)
		return 0;
	if (issued > 0 && expiry > issued && (expiry - issued) / 2 < ahead)
		ahead = (expiry - issued) / 2;
	return expiry - now <= ahead;
}

static const char *get_env(const char *name)
{
	return getenv(name);
}

static int discover(struct client *c, struct auth *a, char *errbuf)
{
	int err;
	if (a->ep)
		return DBX_OK;
	a->ep = malloc(sizeof *a->ep);
	if (!a->ep)
		return DBX_ERR_NOMEM;
	a->net.ws = c;
	a->net.opt = &a->opt;
	err = oauth_discover(&a->net, a->ep, errbuf);
	if (err) {
		free(a->ep);
		a->ep = NULL;
	}
	return err;
}

static int set_bearer(struct client *c, struct auth *a, const struct cache_tokens *t, char *errbuf)
{
	if (snprintf(c->auth, sizeof c->auth, "Bearer %s", t->access) >= (int)sizeof c->auth) {
		c->auth[0] = '\0';
		a->have = 0;
		errbuf_set(errbuf, "the access token is too long (%zu bytes)", strlen(t->access));
		return DBX_ERR_LIMIT;
	}
	if (&a->tok != t)
		a->tok = *t;
	a->have = 1;
	return DBX_OK;
}

/* client_credentials with HTTP Basic authentication of the client. */
static int fetch_m2m(struct client *c, struct auth *a, struct cache_tokens *t, char *errbuf)
{
	size_t idl = strlen(a->client_id), sl = strlen(a->client_secret), flen = 0;
	size_t bcap = 6 + (idl + 1 + sl + 2) / 3 * 4 + 1;
	char *cred = malloc(idl + sl + 2), *basic = malloc(bcap), form[128];
	int err;

	if (!cred || !basic) {
		err = DBX_ERR_NOMEM;
		goto out;
	}
	err = discover(c, a, errbuf);
	if (err)
		goto out;
	memcpy(cred, a->client_id, idl);
	cred[idl] = ':';
	memcpy(cred + idl + 1, a->client_secret, sl);
	memcpy(basic, "Basic ", 6);
	err = crypto_base64(cred, idl + 1 + sl, basic + 6, bcap - 6);
	if (!err)
		err = oauth_form_add(form, sizeof form, &flen, "grant_type", "client_credentials");
	if (!err)
		err = oauth_form_add(form, sizeof form, &flen, "scope", OAUTH_M2M_SCOPE);
	if (err)
		goto out;
	memset(t, 0, sizeof *t);
	err = oauth_token(&a->net, a->ep->token, form, basic, t, NULL, errbuf);
	if (err == DBX_ERR_AUTH) {
		char why[DBX_ERRBUF_SIZE];
		snprintf(why, sizeof why, "%s", errbuf);
		errbuf_set(errbuf,
		           "OAuth M2M for client id %.80s failed (check DATABRICKS_CLIENT_ID / "
		           "DATABRICKS_CLIENT_SECRET): %s",
		           a->client_id, why);
	}
out:
	if (cred)
		crypto_wipe(cred, idl + sl + 2);
	if (basic)
		crypto_wipe(basic, bcap);
	free(cred);
	free(basic);
	return err;
}

/* refresh_token grant; t holds the cached tokens and gets the new ones (the
 * old refresh token is kept when none comes back). */
static int refresh(struct client *c, struct auth *a, struct cache_tokens *t, char *errbuf)
{
	char *form = malloc(OAUTH_FORM_MAX), oerr[OAUTH_ERROR_MAX];
	size_t flen = 0;
	int err;

	if (!form)
		return DBX_ERR_NOMEM;
	err = discover(c, a, errbuf);
	if (!err)
		err = oauth_form_add(form, OAUTH_FORM_MAX, &flen, "grant_type", "refresh_token");
	if (!err)
		err = oauth_form_add(form, OAUTH_FORM_MAX, &flen, "refresh_token", t->refresh);
	if (!err)
		err = oauth_form_add(form, OAUTH_FORM_MAX, &flen, "client_id", a->client_id);
	if (!err)
		err = oauth_token(&a->net, a->ep->token, form, NULL, t, oerr, errbuf);
	if (err == DBX_ERR_AUTH && oerr[0]) {
		errbuf_set(errbuf,
		           "the refresh token for %s was rejected (%s: revoked or expired): run "
		           "`dbxai login` to log in again",
		           c->base_url, oerr);
	}
	crypto_wipe(form, OAUTH_FORM_MAX);
	free(form);
	return err;
}

/* The subject token of env-oidc or file-oidc into jwt (OIDC_JWT_MAX),
 * trimmed; a missing, empty or malformed one is DBX_ERR_AUTH naming where it
 * was looked for. claims gets what a message may tell about it. */
static int read_jwt(const struct auth *a, char *jwt, char *claims, size_t ccap, char *errbuf)
{
	const char *where = a->type == DBX_AUTH_ENV_OIDC ? a->oidc_env : a->oidc_file;
	size_t n = 0, b = 0;
	int err = DBX_OK;

	if (a->type == DBX_AUTH_ENV_OIDC) {
		const char *v = get_env(a->oidc_env);
		n = v ? strlen(v) : 0;
		if (n < OAUTH_JWT_MAX)
			memcpy(jwt, v ? v : "", n + 1);
	} else {
		int fd = open(a->oidc_file, O_RDONLY | O_CLOEXEC);
		ssize_t got = 0;
		if (fd < 0) {
			errbuf_set(errbuf,
			           "file-oidc: cannot read the identity token file %.200s: %s",
			           where, strerror(errno));
			return DBX_ERR_AUTH;
		}
		while (n < OAUTH_JWT_MAX && (got = read(fd, jwt + n, OAUTH_JWT_MAX - n)) > 0)
			n += (size_t)got;
		close(fd);
		if (got < 0) {
			errbuf_set(errbuf, "file-oidc: cannot read the identity token file %.200s",
			           where);
			return DBX_ERR_AUTH;
		}
		if (n < OAUTH_JWT_MAX)
			jwt[n] = '\0';
	}
	if (n >= OAUTH_JWT_MAX) {
		errbuf_set(errbuf, "%s: the identity token in %.200s is longer than %d bytes",
		           a->type == DBX_AUTH_ENV_OIDC ? "env-oidc" : "file-oidc", where,
		           OAUTH_JWT_MAX - 1);
		err = DBX_ERR_AUTH;
	}
	while (
	    !err && n > 0 &&
	    (jwt[n - 1] == '\n' || jwt[n - 1] == '\r' || jwt[n - 1] == ' ' || jwt[n - 1] == '\t'))
		jwt[--n] = '\0';
	while (!err && (jwt[b] == ' ' || jwt[b] == '\t' || jwt[b] == '\n' || jwt[b] == '\r'))
		b++;
	if (!err && b)
		memmove(jwt, jwt + b, n - b + 1);
	if (!err && !jwt[0]) {
		errbuf_set(errbuf, "%s: %.200s is empty: no identity token (JWT) to exchange",
		           a->type == DBX_AUTH_ENV_OIDC ? "env-oidc" : "file-oidc", where);
		err = DBX_ERR_AUTH;
	} else if (!err && oauth_jwt_claims(jwt, strlen(jwt), claims, ccap) != DBX_OK) {
		errbuf_set(errbuf, "%s: the identity token in %.200s is not a JWT",
		           a->type == DBX_AUTH_ENV_OIDC ? "env-oidc" : "file-oidc", where);
		err = DBX_ERR_AUTH;
	}
	return err;
}

/* Tokens kept in memory only: env-oidc and file-oidc exchange a fresh JWT at
 * the workspace's token endpoint (RFC 8693); azure-client-secret asks
 * Microsoft Entra ID (client credentials, the secret in the form as Entra
 * takes it). */
static int authorize_mem(struct client *c, int force, char *errbuf)
{
	struct auth *a = c->auth_ctx;
	struct cache_tokens *t = &a->scratch;
	char *jwt = malloc(OAUTH_JWT_MAX), *form = malloc(OAUTH_FORM_MAX + OAUTH_JWT_MAX);
	char claims[400], oerr[OAUTH_ERROR_MAX] = "";
	size_t flen = 0, fcap = OAUTH_FORM_MAX + OAUTH_JWT_MAX;
	int err;

	if (!force && a->have && !auth_stale(a->tok.expiry, a->tok.issued, (long long)time(NULL))) {
		err = DBX_OK;
		goto out;
	}
	if (!jwt || !form) {
		err = DBX_ERR_NOMEM;
		goto out;
	}
	if (a->type == DBX_AUTH_AZURE_SECRET) {
		a->net.ws = c;
		a->net.opt = &a->opt;
		err = oauth_form_add(form, fcap, &flen, "grant_type", "client_credentials");
		if (!err)
			err = oauth_form_add(form, fcap, &flen, "client_id", a->client_id);
		if (!err)
			err = oauth_form_add(form, fcap, &flen, "client_secret", a->client_secret);
		if (!err)
			err = oauth_form_add(form, fcap, &flen, "scope", AUTH_AZURE_SCOPE);
		if (err)
			goto out;
		memset(t, 0, sizeof *t);
		err = oauth_token(&a->net, a->azure_url, form, NULL, t, oerr, errbuf);
		if (err == DBX_ERR_AUTH) {
			char why[DBX_ERRBUF_SIZE];
			snprintf(why, sizeof why, "%s", errbuf);
			errbuf_set(errbuf,
			           "azure-client-secret for client id %.80s failed (check "
			           "ARM_CLIENT_ID / ARM_CLIENT_SECRET / ARM_TENANT_ID): %s",
			           a->client_id, why);
		}
		goto got;
	}
	err = read_jwt(a, jwt, claims, sizeof claims, errbuf);
	if (!err)
		err = discover(c, a, errbuf);
	if (!err)
		err = oauth_form_add(form, fcap, &flen, "grant_type", OAUTH_EXCHANGE_GRANT);
	if (!err)
		err = oauth_form_add(form, fcap, &flen, "subject_token", jwt);
	if (!err)
		err = oauth_form_add(form, fcap, &flen, "subject_token_type", OAUTH_JWT_TYPE);
	if (!err)
		err = oauth_form_add(form, fcap, &flen, "scope", OAUTH_M2M_SCOPE);
	if (!err && a->fed_client_id)
		err = oauth_form_add(form, fcap, &flen, "client_id", a->fed_client_id);
	if (err == DBX_ERR_LIMIT)
		errbuf_set(errbuf, "the token exchange request is too long");
	if (err)
		goto out;
	memset(t, 0, sizeof *t);
	err = oauth_token(&a->net, a->ep->token, form, NULL, t, oerr, errbuf);
	if (err == DBX_ERR_AUTH) {
		char why[DBX_ERRBUF_SIZE];
		snprintf(why, sizeof why, "%s", errbuf);
		errbuf_set(errbuf, "%s: the token exchange%s%.80s was refused (%s); the JWT has %s",
		           a->type == DBX_AUTH_ENV_OIDC ? "env-oidc" : "file-oidc",
		           a->fed_client_id ? " for client id " : "",
		           a->fed_client_id ? a->fed_client_id : "", why, claims);
	}
got:
	if (!err)
		err = set_bearer(c, a, t, errbuf);
out:
	if (jwt)
		crypto_wipe(jwt, OAUTH_JWT_MAX);
	if (form)
		crypto_wipe(form, fcap);
	crypto_wipe(t, sizeof *t);
	free(jwt);
	free(form);
	return err;
}

static int authorize(struct client *c, int force, char *errbuf)
{
	struct auth *a = c->auth_ctx;
	struct cache_tokens *t = &a->scratch;
	struct cache cache;
	long long now = (long long)time(NULL);
	int err, found, cache_ok;

	if (!force && a->have && !auth_stale(a->tok.expiry, a->tok.issued, now))
		return DBX_OK;
	if (!a->cache_path[0] && a->optional) {
		c->auth[0] = '\0';
		return DBX_OK;
	}
	if (!a->cache_path[0] && a->opt.auth_type == DBX_AUTH_U2M) {
		/* nothing configured, nor anywhere a login could be cached */
		err = DBX_ERR_AUTH;
		errbuf_set(errbuf, "no credentials: set DATABRICKS_TOKEN or run `dbxai configure` "
		                   "(`dbxai login` needs HOME or DBXAI_TOKEN_CACHE for its cache)");
	} else if (!a->cache_path[0]) {
		err = DBX_ERR_USAGE;
		errbuf_set(errbuf, "%s", a->cache_err);
	} else {
		err = cache_open(&cache, a->cache_path, a->type == DBX_AUTH_M2M, errbuf);
	}
	cache_ok = err == DBX_OK;
	if (err && a->type == DBX_AUTH_M2M) {
		/* the secret is at hand: work without a cache rather than fail */
		client_notice(c, "%s; going on without the token cache", errbuf);
		err = DBX_OK;
	}
	if (err)
		return err;
	if (cache_ok && cache.note[0])
		client_notice(c, "%s", cache.note);
	found = cache_ok && cache_get(&cache, c->base_url, a->cache_id, t);
	if (found && !auth_stale(t->expiry, t->issued, now) &&
	    !(force && a->have && strcmp(t->access, a->tok.access) == 0)) {
		err = set_bearer(c, a, t, errbuf);
	} else if (a->type == DBX_AUTH_M2M) {
		err = fetch_m2m(c, a, t, errbuf);
		if (!err && cache_ok)
			err = cache_put(&cache, c->base_url, a->cache_id, t, NULL, errbuf);
		if (err == DBX_ERR_IO) {
			client_notice(c, "%s", errbuf);
			err = DBX_OK;
		}
		if (!err)
			err = set_bearer(c, a, t, errbuf);
	} else if (!found) {
		if (a->optional) {
			c->auth[0] = '\0';
			a->have = 0;
		} else {
			errbuf_set(errbuf,
			           "not logged in to %s: run `dbxai login` or set DATABRICKS_TOKEN",
			           c->base_url);
			err = DBX_ERR_AUTH;
		}
	} else if (!t->refresh[0]) {
		errbuf_set(
		    errbuf,
		    "the login for %s has expired and has no refresh token: run `dbxai login`",
		    c->base_url);
		err = DBX_ERR_AUTH;
	} else {
		err = refresh(c, a, t, errbuf);
		if (!err) {
			err = cache_put(&cache, c->base_url, a->cache_id, t, NULL, errbuf);
			if (err) {
				/* the new refresh token could not be saved: this run works,
				 * the next one will need a login */
				client_notice(c, "%s", errbuf);
				err = DBX_OK;
			}
			err = set_bearer(c, a, t, errbuf);
		}
	}
	if (cache_ok)
		cache_close(&cache);
	crypto_wipe(t, sizeof *t);
	return err;
}

/* M2M tokens are cached under the client id and a hash of the secret (never
 * the secret): after a rotation the old secret's tokens are not found, so a
 * wrong secret cannot keep working from the cache. 12 bytes of SHA-256 tell
 * secrets apart and say little about one. */
static int cache_key(struct auth *a)
{
	unsigned char h[CRYPTO_SHA256_LEN];
	char b64[CRYPTO_B64URL_LEN(12) + 1] = "";
	int err = DBX_OK, n;

	if (a->client_secret) {
		err = crypto_sha256(a->client_secret, strlen(a->client_secret), h);
		if (!err)
			err = crypto_base64url(h, 12, b64, sizeof b64);
		crypto_wipe(h, sizeof h);
	}
	n = snprintf(a->cache_id, sizeof a->cache_id, "%s%s%s", a->client_id, b64[0] ? "#" : "",
	             b64);
	return err || n >= (int)sizeof a->cache_id ? DBX_ERR_USAGE : DBX_OK;
}

static const char *const auth_names[] = {"auto", "pat",      "oauth-m2m", "databricks-cli",
                                         "none", "env-oidc", "file-oidc", "azure-client-secret"};

static const char *auth_name(enum dbx_auth_type t)
{
	return (unsigned)t < sizeof auth_names / sizeof *auth_names ? auth_names[t] : "?";
}

static const char *oidc_env_name(const struct dbx_options *o)
{
	return o->oidc_token_env && *o->oidc_token_env ? o->oidc_token_env
	                                               : "DATABRICKS_OIDC_TOKEN";
}

/* Whether o holds everything method t needs (U2M: always, the login is
 * looked for at the first request); else errbuf names what is missing. */
static int configured(const struct dbx_options *o, enum dbx_auth_type t, char *errbuf)
{
	const char *v;
	switch (t) {
	case DBX_AUTH_PAT:
		if (o->token && *o->token)
			return 1;
		errbuf_set(
		    errbuf,
		    "auth type pat needs a token: set DATABRICKS_TOKEN or token in the profile");
		return 0;
	case DBX_AUTH_M2M:
		if (o->client_id && *o->client_id && o->client_secret && *o->client_secret)
			return 1;
		errbuf_set(errbuf, "auth type oauth-m2m needs %s: set %s (or %s in the profile)",
		           o->client_id && *o->client_id ? "a client secret" : "a client id",
		           o->client_id && *o->client_id ? "DATABRICKS_CLIENT_SECRET"
		                                         : "DATABRICKS_CLIENT_ID",
		           o->client_id && *o->client_id ? "client_secret" : "client_id");
		return 0;
	case DBX_AUTH_ENV_OIDC:
		v = get_env(oidc_env_name(o));
		if (v && *v)
			return 1;
		errbuf_set(
		    errbuf,
		    "auth type env-oidc needs the identity token (JWT) in %.80s: set it, or "
		    "name another variable with DATABRICKS_OIDC_TOKEN_ENV (oidc_token_env in "
		    "the profile)",
		    oidc_env_name(o));
		return 0;
	case DBX_AUTH_AZURE_SECRET: {
		const char *have[] = {o->azure_client_id, o->azure_client_secret,
		                      o->azure_tenant_id};
		static const char *const env[] = {"ARM_CLIENT_ID", "ARM_CLIENT_SECRET",
		                                  "ARM_TENANT_ID"};
		static const char *const key[] = {"azure_client_id", "azure_client_secret",
		                                  "azure_tenant_id"};
		int i;
		for (i = 0; i < 3; i++) {
			if (!have[i] || !*have[i]) {
				errbuf_set(errbuf,
				           "auth type azure-client-secret needs %s (or %s in the "
				           "profile)",
				           env[i], key[i]);
				return 0;
			}
		}
		return 1;
	}
	case DBX_AUTH_FILE_OIDC:
		if (o->oidc_token_filepath && *o->oidc_token_filepath)
			return 1;
		errbuf_set(errbuf, "auth type file-oidc needs a token file: set "
		                   "DATABRICKS_OIDC_TOKEN_FILEPATH (or oidc_token_filepath in the "
		                   "profile)");
		return 0;
	default:
		return 1;
	}
}

int auth_setup(struct client *c, const struct dbx_options *o, char *errbuf)
{
	/* the unified-auth order of the Databricks SDKs and CLI */
	static const enum dbx_auth_type order[] = {DBX_AUTH_PAT, DBX_AUTH_M2M, DBX_AUTH_ENV_OIDC,
	                                           DBX_AUTH_FILE_OIDC, DBX_AUTH_AZURE_SECRET};
	struct auth *a;
	enum dbx_auth_type type = o->auth_type;
	unsigned i;
	int err = DBX_OK;

	if ((unsigned)type > DBX_AUTH_AZURE_SECRET) {
		errbuf_set(errbuf, "unknown auth type %d", (int)type);
		return DBX_ERR_USAGE;
	}
	if (type == DBX_AUTH_AUTO) {
		type = DBX_AUTH_U2M;
		for (i = 0; i < sizeof order / sizeof *order; i++) {
			if (!configured(o, order[i], NULL))
				continue;
			if (type == DBX_AUTH_U2M) {
				type = order[i];
			} else if (o->trace) {
				char line[160];
				snprintf(line, sizeof line,
				         "auth: %s and %s are both configured; using %s (the "
				         "unified-auth order; DATABRICKS_AUTH_TYPE chooses)",
				         auth_name(type), auth_name(order[i]), auth_name(type));
				o->trace(o->trace_ctx, line);
			}
		}
	} else if (!configured(o, type, errbuf)) {
		return DBX_ERR_USAGE;
	}
	if (type != DBX_AUTH_PAT)
		crypto_wipe(c->auth, sizeof c->auth);
	a = malloc(sizeof *a);
	if (!a)
		return DBX_ERR_NOMEM;
	memset(a, 0, AUTH_ZEROED);
	a->cache_path[0] = '\0';
	a->type = type;
	a->optional = o->auth_type == DBX_AUTH_AUTO && type == DBX_AUTH_U2M;
	a->opt = *o;
	a->client_id = type == DBX_AUTH_M2M ? o->client_id : OAUTH_U2M_CLIENT_ID;
	a->client_secret = type == DBX_AUTH_M2M ? o->client_secret : NULL;
	err = cache_key(a);
	if (err) {
		errbuf_set(errbuf, "the client id is too long for the token cache");
	} else if (o->token_cache && *o->token_cache) {
		if (snprintf(a->cache_path, sizeof a->cache_path, "%s", o->token_cache) >=
		    (int)sizeof a->cache_path) {
			errbuf_set(errbuf, "the token cache path is too long");
			err = DBX_ERR_USAGE;
		}
	} else if (cache_default_path(a->cache_path, sizeof a->cache_path, get_env, a->cache_err) !=
	           DBX_OK) {
		a->cache_path[0] = '\0';
	}
	if (err) {
		crypto_wipe(a, sizeof *a);
		free(a);
		return err;
	}
	/* the SDKs' order has databricks-cli, when this host has a cached login,
	 * before federation and Azure */
	if (o->auth_type == DBX_AUTH_AUTO && type >= DBX_AUTH_ENV_OIDC && a->cache_path[0]) {
		struct cache cache;
		if (cache_open(&cache, a->cache_path, 0, NULL) == DBX_OK) {
			if (cache_get(&cache, c->base_url, a->cache_id, &a->scratch)) {
				if (o->trace) {
					char line[160];
					snprintf(
					    line, sizeof line,
					    "auth: databricks-cli (a cached login) and %s are both "
					    "configured; using databricks-cli",
					    auth_name(type));
					o->trace(o->trace_ctx, line);
				}
				type = a->type = DBX_AUTH_U2M;
			}
			crypto_wipe(&a->scratch, sizeof a->scratch);
			cache_close(&cache);
		}
	}
	c->auth_ctx = a;
	if (type == DBX_AUTH_M2M || type == DBX_AUTH_U2M)
		c->authorize = authorize;
	if (type == DBX_AUTH_ENV_OIDC || type == DBX_AUTH_FILE_OIDC) {
		a->fed_client_id = o->client_id && *o->client_id ? o->client_id : NULL;
		a->oidc_env = oidc_env_name(o);
		a->oidc_file = o->oidc_token_filepath;
		c->authorize = authorize_mem;
	}
	if (type == DBX_AUTH_AZURE_SECRET) {
		const char *h = o->azure_authority_host && *o->azure_authority_host
		                    ? o->azure_authority_host
		                    : AUTH_AZURE_AUTHORITY;
		const char *t = o->azure_tenant_id;
		size_t hl = strlen(h);
		while (hl > 0 && h[hl - 1] == '/')
			hl--;
		/* the tenant goes into the URL's path: a GUID or a domain name */
		if (t[strspn(t,
		             "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.")] ||
		    snprintf(a->azure_url, sizeof a->azure_url, "%s%.*s/%s/oauth2/v2.0/token",
		             strstr(h, "://") ? "" : "https://", (int)hl, h,
		             t) >= (int)sizeof a->azure_url) {
			errbuf_set(errbuf, "ARM_TENANT_ID or AZURE_AUTHORITY_HOST does not make a "
			                   "token endpoint URL");
			auth_free(c);
			return DBX_ERR_USAGE;
		}
		a->client_id = o->azure_client_id;
		a->client_secret = o->azure_client_secret;
		c->authorize = authorize_mem;
	}
	return DBX_OK;
}

void auth_free(struct client *c)
{
	struct auth *a = c->auth_ctx;
	if (!a)
		return;
	oauth_net_close(&a->net);
	free(a->ep);
	crypto_wipe(a, sizeof *a);
	free(a);
	c->auth_ctx = NULL;
	c->authorize = NULL;
}

/* ---- dbx_login and friends ---- */

static struct auth *oauth_ctx(struct client *c, char *errbuf)
{
	struct auth *a = c->auth_ctx;
	if (!a || !a->cache_path[0]) {
		errbuf_set(errbuf, "%s",
		           a ? a->cache_err : "this client has no OAuth configuration");
		return NULL;
	}
	return a;
}

/* RFC 8628: show the code, then poll until approved, denied or expired. */
static int login_device(struct auth *a, const struct dbx_login_options *lo, struct cache_tokens *t,
                        char *errbuf)
{
	struct oauth_device *d = malloc(sizeof *d);
	struct dbx_login_info info = {0};
	char *form = malloc(OAUTH_FORM_MAX), oerr[OAUTH_ERROR_MAX];
	long long deadline;
	long interval;
	size_t flen = 0;
	int err;

	if (!d || !form) {
		err = DBX_ERR_NOMEM;
		goto out;
	}
	err = oauth_device_start(&a->net, a->ep->device, a->client_id, OAUTH_U2M_SCOPE, d, errbuf);
	if (err)
		goto out;
	info.step = DBX_LOGIN_DEVICE;
	info.url = d->verification_uri;
	info.url_complete = d->verification_uri_complete[0] ? d->verification_uri_complete : NULL;
	info.user_code = d->user_code;
	info.expires_s = d->expires_in;
	if (lo->show)
		lo->show(lo->ctx, &info);
	err = oauth_form_add(form, OAUTH_FORM_MAX, &flen, "grant_type", AUTH_DEVICE_GRANT);
	if (!err)
		err = oauth_form_add(form, OAUTH_FORM_MAX, &flen, "device_code", d->device_code);
	if (!err)
		err = oauth_form_add(form, OAUTH_FORM_MAX, &flen, "client_id", a->client_id);
	if (err)
		goto out;
	interval = d->interval;
	deadline =
	    (long long)time(NULL) +
	    (d->expires_in > 0 && d->expires_in < lo->timeout_s ? d->expires_in : lo->timeout_s);
	for (;;) {
		if ((long long)time(NULL) + interval > deadline) {
			snprintf(
			    errbuf, DBX_ERRBUF_SIZE,
			    "the device code was not approved in time: run `dbxai login` again");
			err = DBX_ERR_AUTH;
			break;
		}
		clock_sleep_ms(interval * 1000);
		err = oauth_token(&a->net, a->ep->token, form, NULL, t, oerr, errbuf);
		if (err != DBX_ERR_AUTH)
			break;
		if (strcmp(oerr, "authorization_pending") == 0)
			continue;
		if (strcmp(oerr, "slow_down") == 0) {
			/* RFC 8628 section 3.5, within the one clamp */
			interval =
			    interval + 5 < OAUTH_INTERVAL_MAX ? interval + 5 : OAUTH_INTERVAL_MAX;
			continue;
		}
		if (strcmp(oerr, "expired_token") == 0)
			snprintf(
			    errbuf, DBX_ERRBUF_SIZE,
			    "the device code expired before it was approved: run `dbxai login` "
			    "again");
		else if (strcmp(oerr, "access_denied") == 0)
			errbuf_set(errbuf, "the login was denied (access_denied)");
		break;
	}
out:
	if (d)
		crypto_wipe(d, sizeof *d);
	if (form)
		crypto_wipe(form, OAUTH_FORM_MAX);
	free(d);
	free(form);
	return err;
}

/* Authorization code + PKCE through the loopback listener or a pasted URL. */
static int login_browser(struct auth *a, const struct dbx_login_options *lo, struct cache_tokens *t,
                         char *errbuf)
{
	struct redirect_listener l = {{-1, -1}, 0};
	struct oauth_pkce p;
	struct dbx_login_info info = {0};
	char redirect[64], code[OAUTH_CODE_MAX];
	char *url = malloc(URL_MAX), *form = malloc(OAUTH_FORM_MAX);
	size_t flen = 0;
	int err;

	if (!url || !form) {
		err = DBX_ERR_NOMEM;
		goto out;
	}
	err = redirect_listen(&l, lo->port, errbuf);
	if (!err)
		err = oauth_pkce_new(&p);
	if (err)
		goto out;
	snprintf(redirect, sizeof redirect, "http://localhost:%u", l.port);
	err = oauth_authorize_url(a->ep, a->client_id, redirect, OAUTH_U2M_SCOPE, &p, url, URL_MAX,
	                          errbuf);
	if (err)
		goto out;
	info.step = DBX_LOGIN_BROWSER;
	info.url = url;
	info.port = l.port;
	info.expires_s = lo->timeout_s;
	if (lo->show)
		lo->show(lo->ctx, &info);
	err = redirect_wait(&l, lo->paste_fd, p.state, a->ep->iss_param ? a->ep->issuer : NULL,
	                    lo->timeout_s * 1000, code, sizeof code, errbuf);
	redirect_close(&l);
	if (err)
		goto out;
	err = oauth_form_add(form, OAUTH_FORM_MAX, &flen, "grant_type", "authorization_code");
	if (!err)
		err = oauth_form_add(form, OAUTH_FORM_MAX, &flen, "code", code);
	if (!err)
		err = oauth_form_add(form, OAUTH_FORM_MAX, &flen, "code_verifier", p.verifier);
	if (!err)
		err = oauth_form_add(form, OAUTH_FORM_MAX, &flen, "redirect_uri", redirect);
	if (!err)
		err = oauth_form_add(form, OAUTH_FORM_MAX, &flen, "client_id", a->client_id);
	if (!err)
		err = oauth_token(&a->net, a->ep->token, form, NULL, t, NULL, errbuf);
out:
	redirect_close(&l);
	crypto_wipe(&p, sizeof p);
	crypto_wipe(code, sizeof code);
	if (form)
		crypto_wipe(form, OAUTH_FORM_MAX);
	free(url);
	free(form);
	return err;
}

int auth_login(struct client *c, const struct dbx_login_options *lo_in, char *errbuf)
{
	struct dbx_login_options lo = *lo_in;
	struct auth *a = oauth_ctx(c, errbuf);
	struct cache_tokens *t = NULL;
	struct cache cache;
	int err;

	if (!a)
		return DBX_ERR_USAGE;
	if (a->type != DBX_AUTH_U2M) {
		errbuf_set(errbuf,
		           "dbxai login is for user (U2M) logins; this client uses %s credentials",
		           a->type == DBX_AUTH_M2M ? "M2M" : "other");
		return DBX_ERR_USAGE;
	}
	if (lo.timeout_s <= 0)
		lo.timeout_s = AUTH_LOGIN_TIMEOUT_S;
	t = calloc(1, sizeof *t);
	if (!t)
		return DBX_ERR_NOMEM;
	err = discover(c, a, errbuf);
	if (err)
		goto out;
	if (lo.device && !a->ep->device[0]) {
		errbuf_set(errbuf,
		           "the authorization server of %s offers no device code grant: use "
		           "`dbxai login --no-browser` and paste the redirect URL",
		           c->base_url);
		err = DBX_ERR_USAGE;
		goto out;
	}
	if (lo.device || (lo.headless && a->ep->device[0]))
		err = login_device(a, &lo, t, errbuf);
	else
		err = login_browser(a, &lo, t, errbuf);
	if (err)
		goto out;
	err = cache_open(&cache, a->cache_path, 1, errbuf);
	if (err)
		goto out;
	if (cache.note[0])
		client_notice(c, "%s", cache.note);
	err = cache_put(&cache, c->base_url, a->cache_id, t, NULL, errbuf);
	cache_close(&cache);
	if (!err)
		err = set_bearer(c, a, t, errbuf);
out:
	if (t)
		crypto_wipe(t, sizeof *t);
	free(t);
	return err;
}

int auth_logout(struct client *c, int all, int *removed, char *errbuf)
{
	struct auth *a = oauth_ctx(c, errbuf);
	struct cache_tokens *t = a ? &a->scratch : NULL;
	struct cache cache;
	int err;

	if (removed)
		*removed = 0;
	if (!a)
		return DBX_ERR_USAGE;
	err = cache_open(&cache, a->cache_path, 0, errbuf);
	if (err)
		return err;
	if (cache.note[0])
		client_notice(c, "%s", cache.note);
	/* RFC 7009: the server forgets the refresh token too, where it can; a
	 * failure is told, and the local tokens go anyway */
	if (!all && cache.lock_fd >= 0 && cache_get(&cache, c->base_url, a->cache_id, t) &&
	    t->refresh[0]) {
		char why[DBX_ERRBUF_SIZE] = "";
		int rerr = discover(c, a, why);
		if (!rerr && !a->ep->revocation[0])
			client_notice(c,
			              "%s lists no revocation_endpoint: the refresh token is "
			              "only forgotten here",
			              c->base_url);
		else if (!rerr)
			rerr =
			    oauth_revoke(&a->net, a->ep->revocation, a->client_id, t->refresh, why);
		if (rerr)
			client_notice(c,
			              "the refresh token could not be revoked (%s); the local "
			              "tokens are removed anyway",
			              why);
	}
	crypto_wipe(t, sizeof *t);
	if (cache.lock_fd >= 0)
		err = cache_put(&cache, all ? NULL : c->base_url, NULL, NULL, removed, errbuf);
	cache_close(&cache);
	crypto_wipe(c->auth, sizeof c->auth);
	a->have = 0;
	return err;
}

int auth_status(struct client *c, struct dbx_auth_info *info, char *errbuf)
{
	struct auth *a = c->auth_ctx;
	struct cache cache;
	int err = DBX_OK;

	memset(info, 0, sizeof *info);
	info->host = c->base_url;
	info->method = a ? a->type : (c->auth[0] ? DBX_AUTH_PAT : DBX_AUTH_NONE);
	if (!a || (a->type != DBX_AUTH_U2M && a->type != DBX_AUTH_M2M))
		return DBX_OK;
	info->client_id = a->client_id;
	info->cache = a->cache_path[0] ? a->cache_path : NULL;
	if (!info->cache)
		return DBX_OK;
	err = cache_open(&cache, a->cache_path, 0, errbuf);
	if (err)
		return err;
	if (cache_get(&cache, c->base_url, a->cache_id, &a->scratch)) {
		info->logged_in = 1;
		info->expiry = a->scratch.expiry;
		info->has_refresh = a->scratch.refresh[0] != '\0';
	}
	if (a->optional && !info->logged_in)
		info->method = DBX_AUTH_NONE;
	crypto_wipe(&a->scratch, sizeof a->scratch);
	cache_close(&cache);
	return DBX_OK;
}

int auth_token(struct client *c, char *out, size_t cap, long long *expiry, char *errbuf)
{
	struct auth *a = c->auth_ctx;
	size_t n;
	int err = DBX_OK;

	*expiry = 0;
	if (c->authorize)
		err = c->authorize(c, 0, errbuf);
	if (err)
		return err;
	if (strncmp(c->auth, "Bearer ", 7) != 0) {
		errbuf_set(errbuf,
		           "no credentials for %s: run `dbxai login` or set DATABRICKS_TOKEN",
		           c->base_url);
		return DBX_ERR_AUTH;
	}
	n = strlen(c->auth + 7);
	if (n >= cap) {
		errbuf_set(errbuf, "the access token is too long (%zu bytes)", n);
		return DBX_ERR_LIMIT;
	}
	memcpy(out, c->auth + 7, n + 1);
	if (a && a->have)
		*expiry = a->tok.expiry;
	return DBX_OK;
}
