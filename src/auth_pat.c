/*
 * auth_pat.c - auth.h for a build without OAuth (make FEATURES=-oauth or
 * MINIMAL=1; it stands in for auth.c, oauth.c, redirect.c and cache.c): the
 * token (PAT) or nothing. A method that needs OAuth, chosen or configured, is
 * DBX_ERR_USAGE "not built in (oauth)"; login and logout are too.
 */
#include "auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "switches.h"

static const char *const oauth_names[] = {"oauth-m2m", "databricks-cli", "env-oidc", "file-oidc",
                                          "azure-client-secret"};

static int not_built(const char *what, char *errbuf)
{
	errbuf_set(errbuf, "%s: OAuth is " DBX_NOT_BUILT_IN("oauth"), what);
	return DBX_ERR_USAGE;
}

/* The OAuth method o configures (in the unified-auth order), or NULL. */
static const char *oauth_configured(const struct dbx_options *o)
{
	const char *env =
	    o->oidc_token_env && *o->oidc_token_env ? o->oidc_token_env : "DATABRICKS_OIDC_TOKEN";
	const char *jwt = getenv(env);

	if (o->client_id && *o->client_id && o->client_secret && *o->client_secret)
		return oauth_names[0];
	if (jwt && *jwt)
		return oauth_names[2];
	if (o->oidc_token_filepath && *o->oidc_token_filepath)
		return oauth_names[3];
	if (o->azure_client_secret && *o->azure_client_secret)
		return oauth_names[4];
	return NULL;
}

int auth_setup(struct client *c, const struct dbx_options *o, char *errbuf)
{
	const char *m;
	char what[64];

	switch (o->auth_type) {
	case DBX_AUTH_PAT:
		if (c->auth[0])
			return DBX_OK;
		errbuf_set(
		    errbuf,
		    "auth type pat needs a token: set DATABRICKS_TOKEN or token in the profile");
		return DBX_ERR_USAGE;
	case DBX_AUTH_NONE:
		c->auth[0] = '\0';
		return DBX_OK;
	case DBX_AUTH_AUTO:
		m = c->auth[0] ? NULL : oauth_configured(o);
		if (!m)
			return DBX_OK; /* the token, or none (no Authorization) */
		snprintf(what, sizeof what, "auth type %s (configured, no token)", m);
		return not_built(what, errbuf);
	case DBX_AUTH_M2M:
		m = oauth_names[0];
		break;
	case DBX_AUTH_U2M:
		m = oauth_names[1];
		break;
	default:
		m = (unsigned)o->auth_type <= DBX_AUTH_AZURE_SECRET
		        ? oauth_names[o->auth_type - DBX_AUTH_ENV_OIDC + 2]
		        : "?";
		break;
	}
	snprintf(what, sizeof what, "auth type %s", m);
	return not_built(what, errbuf);
}

void auth_free(struct client *c)
{
	c->authorize = NULL;
}

int auth_login(struct client *c, const struct dbx_login_options *lo, char *errbuf)
{
	(void)c;
	(void)lo;
	return not_built("login", errbuf);
}

int auth_logout(struct client *c, int all, int *removed, char *errbuf)
{
	(void)c;
	(void)all;
	if (removed)
		*removed = 0;
	return not_built("logout", errbuf);
}

int auth_status(struct client *c, struct dbx_auth_info *info, char *errbuf)
{
	(void)errbuf;
	memset(info, 0, sizeof *info);
	info->host = c->base_url;
	info->method = c->auth[0] ? DBX_AUTH_PAT : DBX_AUTH_NONE;
	return DBX_OK;
}

int auth_token(struct client *c, char *out, size_t cap, long long *expiry, char *errbuf)
{
	size_t n;

	*expiry = 0;
	if (strncmp(c->auth, "Bearer ", 7) != 0) {
		errbuf_set(errbuf, "no credentials for %s: set DATABRICKS_TOKEN", c->base_url);
		return DBX_ERR_AUTH;
	}
	n = strlen(c->auth + 7);
	if (n >= cap) {
		errbuf_set(errbuf, "the access token is too long (%zu bytes)", n);
		return DBX_ERR_LIMIT;
	}
	memcpy(out, c->auth + 7, n + 1);
	return DBX_OK;
}
