/*
 * auth.h - which credentials a client uses, and keeping OAuth tokens fresh:
 * the client's authorize hook (client.h) for U2M and M2M, and what is behind
 * the public dbx_login(), dbx_logout() and dbx_auth_status() (dbxai.h).
 *
 * Selection (DBX_AUTH_AUTO), the Databricks unified-auth order: the token
 * (PAT); else client id + secret (M2M); else this host's cached U2M login
 * (databricks-cli), when there is one; else the JWT variable (env-oidc);
 * else the JWT file (file-oidc); else an Azure service principal's secret
 * (azure-client-secret, at Entra ID); else this host's cached U2M login, when
 * there is one; else nothing. (The cached login's place is looked up in the
 * cache only when one of the last three is what would be chosen.) When two are configured the first
 * is used and the choice traced. env-oidc and file-oidc exchange the JWT (RFC 8693) for a token
 * kept in memory only (no cache), exchanged again when stale or after a 401; so is the Entra token
 * of azure-client-secret. An explicit type uses that method only and fails when its credentials are
 * missing (U2M: at the first request, with "run `dbxai login`").
 *
 * Refresh policy: a token is refreshed before a request when less than
 * AUTH_REFRESH_AHEAD seconds remain, or less than half its lifetime for
 * tokens shorter-lived than twice that; and once after a 401 (unless another
 * process already replaced the token that was refused). Each refresh runs
 * under the cache lock, after re-reading the cache: of N processes that find
 * the same expired token, one refreshes and the others use its result.
 * A refresh token the server rejects is DBX_ERR_AUTH saying `dbxai login` is
 * needed; no login is ever started from here.
 *
 * Rules: the context is owned by the client (c->auth_ctx), made by
 * auth_setup() (dbx_client_new() calls it) and freed by auth_free(). Options'
 * strings are borrowed for the client's life (dbxai.h). Secrets are wiped
 * when freed and never reach errbuf, a notice or a trace.
 */
#ifndef AUTH_H
#define AUTH_H

#include "err.h"

#define AUTH_REFRESH_AHEAD 300 /* seconds */

struct client;

/* Chooses the credentials of c from o (c->auth already holds o->token's
 * Bearer value, if any) and installs the authorize hook for OAuth. */
int auth_setup(struct client *c, const struct dbx_options *o, char *errbuf);

void auth_free(struct client *c);

/* dbx_login, dbx_logout and dbx_auth_status (dbxai.h) on client c. */
int auth_login(struct client *c, const struct dbx_login_options *lo, char *errbuf);
int auth_logout(struct client *c, int all, int *removed, char *errbuf);
int auth_status(struct client *c, struct dbx_auth_info *info, char *errbuf);
int auth_token(struct client *c, char *out, size_t cap, long long *expiry, char *errbuf);

/* Whether a token with this expiry and issue time needs refreshing at now
 * (exposed for the unit test). expiry 0 (unknown) never does. */
int auth_stale(long long expiry, long long issued, long long now);

#endif
