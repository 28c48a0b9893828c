/* cli_auth.c - dbxai auth status and auth token: which credentials a client
 * uses and where each setting came from, and a token for scripts. Built with
 * or without OAuth (a build without it knows the token alone). No secret is
 * printed but by `auth token`, whose purpose that is. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "crypto.h"

#define TOKEN_OUT_MAX 16384

static const char *method_name(enum dbx_auth_type t)
{
	switch (t) {
	case DBX_AUTH_PAT:
		return "pat";
	case DBX_AUTH_M2M:
		return "oauth-m2m";
	case DBX_AUTH_U2M:
		return "oauth-u2m";
	case DBX_AUTH_ENV_OIDC:
		return "env-oidc";
	case DBX_AUTH_FILE_OIDC:
		return "file-oidc";
	case DBX_AUTH_AZURE_SECRET:
		return "azure-client-secret";
	default:
		return "none";
	}
}

static void puts_out(struct cli_out *o, const char *s)
{
	cli_write(o, s, strlen(s));
}

/* dbxai auth token: the one command whose purpose is to print a secret. */
static int auth_token(const struct cli_globals *g, int json)
{
	char errbuf[DBX_ERRBUF_SIZE] = "", when[40], *tok = malloc(TOKEN_OUT_MAX);
	struct dbx_client *c = NULL;
	struct dbx_config *cfg = NULL;
	struct cli_out out = CLI_OUT_INIT;
	long long expiry = 0;
	int r, err;

	if (!tok)
		return cli_fail(DBX_ERR_NOMEM, "out of memory");
	r = cli_open_client(g, &cfg, &c);
	if (r)
		goto out;
	err = dbx_auth_token(c, tok, TOKEN_OUT_MAX, &expiry, errbuf);
	if (err) {
		r = cli_fail(err, errbuf);
		goto out;
	}
	text_utc(expiry, when, sizeof when);
	when[10] = 'T'; /* RFC 3339, as `databricks auth token` gives it */
	when[19] = 'Z';
	when[20] = '\0';
	if (json) {
		puts_out(&out, "{\"access_token\":\"");
		puts_out(&out, tok);
		puts_out(&out, "\",\"token_type\":\"Bearer\",\"expiry\":");
		if (expiry) {
			puts_out(&out, "\"");
			puts_out(&out, when);
			puts_out(&out, "\"}\n");
		} else {
			puts_out(&out, "null}\n");
		}
	} else {
		puts_out(&out, tok);
		puts_out(&out, "\n");
	}
	r = cli_finish(&out, 0);
out:
	crypto_wipe(tok, TOKEN_OUT_MAX);
	free(tok);
	dbx_client_free(c);
	dbx_config_free(cfg);
	return r;
}

int cli_auth(const struct cli_globals *g, int argc, char **argv)
{
	char errbuf[DBX_ERRBUF_SIZE] = "", text[2048], when[40];
	struct dbx_client *c = NULL;
	struct dbx_auth_info info;
	struct cli_out out = CLI_OUT_INIT;
	struct dbx_config *cfg = NULL;
	long long now = (long long)time(NULL);
	int r, err, n, k;

	if (argc >= 1 && strcmp(argv[0], "token") == 0 &&
	    (argc == 1 || (argc == 2 && strcmp(argv[1], "--json") == 0)))
		return auth_token(g, g->json || argc == 2);
	if (argc != 1 || strcmp(argv[0], "status") != 0)
		return cli_usage_error("usage: dbxai auth status | dbxai auth token [--json]");
	r = cli_open_client(g, &cfg, &c);
	if (r)
		goto out;
	err = dbx_auth_status(c, &info, errbuf);
	if (err) {
		r = cli_fail(err, errbuf);
		goto out;
	}
	text_utc(info.expiry, when, sizeof when);
	if (g->json) {
		n = snprintf(text, sizeof text,
		             "{\"method\":\"%s\",\"host\":\"%s\",\"logged_in\":%s,\"expiry\":%lld,"
		             "\"refresh_token\":%s}\n",
		             method_name(info.method), info.host,
		             info.logged_in || info.method == DBX_AUTH_PAT ? "true" : "false",
		             info.expiry, info.has_refresh ? "true" : "false");
	} else {
		n = snprintf(text, sizeof text, "method: %s\nhost: %s\n", method_name(info.method),
		             info.host);
		if (info.client_id && (size_t)n < sizeof text)
			n += snprintf(text + n, sizeof text - (size_t)n, "client id: %s\n",
			              info.client_id);
		if (info.cache && (size_t)n < sizeof text)
			n += snprintf(text + n, sizeof text - (size_t)n, "token cache: %s\n",
			              info.cache);
		if (info.method == DBX_AUTH_PAT && (size_t)n < sizeof text)
			n += snprintf(text + n, sizeof text - (size_t)n,
			              "token: personal access token (expiry not known here)\n");
		else if ((info.method == DBX_AUTH_U2M || info.method == DBX_AUTH_M2M) &&
		         !info.logged_in && (size_t)n < sizeof text)
			n += snprintf(text + n, sizeof text - (size_t)n, "token: none cached%s\n",
			              info.method == DBX_AUTH_U2M ? " (run `dbxai login`)" : "");
		else if (info.logged_in && (size_t)n < sizeof text)
			n += snprintf(text + n, sizeof text - (size_t)n,
			              "access token: %s %s\nrefresh token: %s\n",
			              info.expiry > now ? "expires" : "expired", when,
			              info.has_refresh ? "cached (used to renew the access token)"
			                               : "none");
	}
	/* where each setting came from, never its value */
	for (k = 0; !g->json && n > 0 && k < CFG_KEYS; k++) {
		char src[CFG_VALUE_MAX + 64];
		if (cfg_source(cfg, k, g->auth, src, sizeof src) && (size_t)n < sizeof text)
			n += snprintf(text + n, sizeof text - (size_t)n, "set: %s\n", src);
	}
	if (n > 0)
		cli_write(&out, text, (size_t)n < sizeof text ? (size_t)n : sizeof text - 1);
	/* scripts test with it: 3 unless a request would carry credentials (a PAT,
	 * an M2M secret, an identity token to exchange, or a login whose access token is valid or
	 * renewable) */
	r = cli_finish(&out, info.method == DBX_AUTH_PAT || info.method == DBX_AUTH_M2M ||
	                             info.method == DBX_AUTH_ENV_OIDC ||
	                             info.method == DBX_AUTH_FILE_OIDC ||
	                             info.method == DBX_AUTH_AZURE_SECRET ||
	                             (info.logged_in && (info.expiry > now || info.has_refresh))
	                         ? 0
	                         : 3);
out:
	dbx_client_free(c);
	dbx_config_free(cfg);
	return r;
}
