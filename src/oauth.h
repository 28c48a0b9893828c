/*
 * oauth.h - the OAuth 2.0 client pieces dbxai needs to authenticate against a
 * Databricks workspace without a personal access token: discovery, PKCE
 * (RFC 7636, S256), the authorization URL, the loopback redirect listener,
 * pasted redirect URLs, the token endpoint (authorization_code, refresh_token,
 * client_credentials, device_code grants) and the device authorization request
 * (RFC 8628). Credential choice and the token cache live in auth.h and cache.h.
 *
 * Rules:
 * - Functions return enum dbx_err with human detail in errbuf
 *   (char[DBX_ERRBUF_SIZE]). Messages never contain a token, a code, a
 *   verifier, a client secret or a redirect URL's query: only endpoint hosts,
 *   OAuth error codes and the server's error_description (made printable).
 * - Form bodies and query strings are percent-encoded (everything but
 *   A-Z a-z 0-9 - . _ ~).
 * - Credentials go to the token endpoint over https, or over http only to a
 *   loopback workspace (the test mock); an endpoint on another host than the
 *   workspace must be https (oauth_net refuses otherwise).
 * - Pure functions (PKCE, URLs, forms, parsers) touch no socket and allocate
 *   nothing. struct cache_tokens and oauth_pkce hold secrets: callers wipe
 *   them (oauth_wipe) when done.
 * - Pointers are borrowed for the call; none may be NULL unless stated.
 */
#ifndef OAUTH_H
#define OAUTH_H

#include <stddef.h>

#include "cache.h"
#include "crypto.h"
#include "err.h"
#include "url.h"

#define OAUTH_U2M_CLIENT_ID "databricks-cli"
#define OAUTH_U2M_SCOPE "all-apis offline_access"
#define OAUTH_M2M_SCOPE "all-apis"
#define OAUTH_EXCHANGE_GRANT "urn:ietf:params:oauth:grant-type:token-exchange"
#define OAUTH_JWT_TYPE "urn:ietf:params:oauth:token-type:jwt"
#define OAUTH_JWT_MAX 16384  /* a subject token (JWT), NUL included */
#define OAUTH_CODE_MAX 2048  /* authorization or device code, NUL included */
#define OAUTH_ERROR_MAX 64   /* an OAuth "error" code, NUL included */
#define OAUTH_DESC_MAX 160   /* an error_description kept for a message */
#define OAUTH_BODY_MAX 16384 /* a token endpoint answer */
#define OAUTH_FORM_MAX 12288 /* a request form */
/* What a server may set its timers to; anything outside is clamped. */
#define OAUTH_LIFETIME_MAX (365L * 86400) /* expires_in: a year at most */
#define OAUTH_INTERVAL_MAX 60L            /* device poll interval, seconds */

struct oauth_endpoints {
	char authorization[URL_MAX];
	char token[URL_MAX];
	char device[URL_MAX];     /* device_authorization_endpoint; "" when not offered */
	char revocation[URL_MAX]; /* revocation_endpoint (RFC 7009); "" when none */
	char issuer[URL_MAX];     /* "" when not given */
	int iss_param;            /* authorization_response_iss_parameter_supported (RFC 9207) */
};

/* One login attempt's PKCE values. SECRET: verifier. */
struct oauth_pkce {
	char verifier[CRYPTO_B64URL_LEN(64) + 1]; /* 64 random bytes, base64url */
	char challenge[CRYPTO_B64URL_LEN(CRYPTO_SHA256_LEN) + 1];
	char state[CRYPTO_B64URL_LEN(16) + 1]; /* 16 random bytes, base64url */
};

/* A device authorization answer (RFC 8628 section 3.2). */
struct oauth_device {
	char device_code[OAUTH_CODE_MAX]; /* SECRET */
	char user_code[128];
	char verification_uri[URL_MAX];
	char verification_uri_complete[URL_MAX]; /* "" when not sent */
	long expires_in;                         /* seconds, 0..OAUTH_LIFETIME_MAX */
	long interval; /* seconds between polls, 1..OAUTH_INTERVAL_MAX (5 when not sent) */
};

/* ---- pure parts ---- */

/* New verifier and state from the CSPRNG, and the S256 challenge. */
int oauth_pkce_new(struct oauth_pkce *p);

/* challenge = base64url(SHA-256(verifier)) into out (>= 44 bytes). */
int oauth_challenge(const char *verifier, char *out, size_t outsz);

/* Appends "name=value" (with '&' before it unless *len is 0), both
 * percent-encoded, to buf[0..cap) and NUL-terminates. DBX_ERR_LIMIT when it
 * does not fit (buf is then left as it was). */
int oauth_form_add(char *buf, size_t cap, size_t *len, const char *name, const char *value);

/* The authorization URL to open: authorization endpoint + response_type=code,
 * client_id, redirect_uri, scope, state, code_challenge,
 * code_challenge_method=S256. */
int oauth_authorize_url(const struct oauth_endpoints *ep, const char *client_id,
                        const char *redirect_uri, const char *scope, const struct oauth_pkce *p,
                        char *out, size_t outsz, char *errbuf);

/* The discovery document into ep. authorization_endpoint and token_endpoint
 * are required, device_authorization_endpoint optional; each must be an
 * http(s) URL. issuer and authorization_response_iss_parameter_supported are
 * read as they are. */
int oauth_parse_discovery(const char *json, size_t len, struct oauth_endpoints *ep, char *errbuf);

/* A successful token response into t: access_token (required), token_type
 * (default "Bearer"), expires_in (default 3600, clamped to 0..OAUTH_LIFETIME_MAX;
 * a number or a string), refresh_token (when absent,
 * t->refresh is left as it was: the old refresh token stays valid). */
int oauth_parse_tokens(const char *json, size_t len, long long now, struct cache_tokens *t,
                       char *errbuf);

/* The "error" and "error_description" of an OAuth error body (RFC 6749
 * 5.2), made printable. 0 when the body has no "error" string. */
int oauth_parse_error(const char *json, size_t len, char *error, size_t error_cap, char *desc,
                      size_t desc_cap);

/* What a message may say about a JWT (RFC 7519) without showing it: its
 * iss, sub, aud and exp claims, decoded and never verified, made printable
 * and cut, as "iss=... sub=... aud=... exp=2026-01-02 03:04:05 UTC (expired)"
 * into out. DBX_ERR_PROTOCOL when jwt (len bytes) is not three base64url
 * parts whose second is a JSON object. The signature is never looked at. */
int oauth_jwt_claims(const char *jwt, size_t len, char *out, size_t cap);

/* A device authorization response into d. */
int oauth_parse_device(const char *json, size_t len, struct oauth_device *d, char *errbuf);

/* ---- network ---- */

/* Where requests go: the workspace client, and a second client made on demand
 * for endpoints on another (https) host, with the same options (CA, proxy,
 * timeouts). Zero-fill, set ws and opt; oauth_net_close() frees the side
 * client. */
struct oauth_net {
	struct client *ws;             /* borrowed */
	const struct dbx_options *opt; /* borrowed; its strings too */
	struct client *side;           /* owned; private */
	char side_base[URL_MAX];       /* private */
};
void oauth_net_close(struct oauth_net *n);

/* GET {host}/oidc/.well-known/oauth-authorization-server (no credentials). */
int oauth_discover(struct oauth_net *n, struct oauth_endpoints *ep, char *errbuf);

/* POSTs form to the token endpoint url (basic: an "Authorization" value such
 * as "Basic ...", or NULL) and parses the answer into t (see
 * oauth_parse_tokens). A 4xx with an OAuth error is DBX_ERR_AUTH with
 * oauth_error (cap OAUTH_ERROR_MAX, may be NULL) set to its "error" code
 * ("invalid_grant", "authorization_pending", ...) and errbuf explaining. */
int oauth_token(struct oauth_net *n, const char *url, const char *form, const char *basic,
                struct cache_tokens *t, char *oauth_error, char *errbuf);

/* Revokes a refresh token at the revocation endpoint url (RFC 7009). */
int oauth_revoke(struct oauth_net *n, const char *url, const char *client_id, const char *token,
                 char *errbuf);

/* POSTs client_id and scope to the device authorization endpoint. */
int oauth_device_start(struct oauth_net *n, const char *url, const char *client_id,
                       const char *scope, struct oauth_device *d, char *errbuf);

#endif
