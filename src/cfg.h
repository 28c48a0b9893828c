/*
 * cfg.h - runtime configuration: which workspace, which credentials, which retry
 * policy, from command-line flags, the environment and ~/.databrickscfg.
 *
 * Rules:
 * - Flags beat the environment, the environment beats the config file.
 * - The profile comes from the --profile flag, DATABRICKS_CONFIG_PROFILE, else
 *   [DEFAULT]. A named profile that does not exist is an error; a missing
 *   [DEFAULT] (or a missing file) is not. Profiles do not inherit from [DEFAULT]:
 *   a token must never travel to another profile's host.
 * - The file is DATABRICKS_CONFIG_FILE, else $HOME/.databrickscfg; INI with
 *   `[NAME]` sections, `key = value` lines, `#` and `;` comments, keys compared
 *   case-insensitively.
 * - Numeric environment values are parsed strictly: a bad value is an error that
 *   names the variable, never silently replaced by the default.
 * - Values are copied into fixed buffers in struct dbx_config (a too-long value is an
 *   error). token and client_secret are secrets: never print them.
 * - The environment is read through the getenv function in struct cfg_input, so
 *   tests pass their own.
 */
#ifndef CFG_H
#define CFG_H

#include "err.h"

#define CFG_VALUE_MAX 2048
#define CFG_NAME_MAX 128
#define CFG_KEYS 10 /* the profile keys below, host to azure_tenant_id */

struct cfg_input {
	const char *host_flag;    /* --host, or NULL */
	const char *profile_flag; /* --profile, or NULL */
	const char *auth_flag;    /* --auth, or NULL */
	const char *ca_flag;      /* --cacert, or NULL */
	const char *(*getenv)(const char *name);
};

struct dbx_config {
	char host[CFG_VALUE_MAX];  /* as given; empty when not configured */
	char token[CFG_VALUE_MAX]; /* secret; empty when none */
	char client_id[CFG_VALUE_MAX];
	char client_secret[CFG_VALUE_MAX]; /* secret */
	char auth_type[CFG_NAME_MAX];
	char oidc_token_env[CFG_NAME_MAX];       /* env-oidc: the JWT's variable */
	char oidc_token_filepath[CFG_VALUE_MAX]; /* file-oidc: the JWT's file */
	char azure_client_id[CFG_NAME_MAX];
	char azure_client_secret[CFG_VALUE_MAX]; /* secret */
	char azure_tenant_id[CFG_NAME_MAX];
	char profile[CFG_NAME_MAX]; /* the profile in effect */
	char file[CFG_VALUE_MAX];   /* the config file read, or "" */
	char tried[CFG_VALUE_MAX];  /* the config file looked for, or "" (no HOME) */
	char profiles[160];         /* its sections: "[A] [B]", cut at 150 bytes */
	const char *host_from;      /* "--host", "DATABRICKS_HOST", "profile" or "" */
	int profile_found;          /* the profile's section exists in the file */
	int line[CFG_KEYS];         /* where each key came from: its line in file,
	                               -1 its variable, -2 --host; 0 not set */
	struct dbx_retry retry;     /* from the DATABRICKS_*_RETRY* variables */
};

/* Fills c. DBX_ERR_USAGE with a message in errbuf for a missing named profile,
 * an unreadable file, a bad number or an over-long value. */
int cfg_load(struct dbx_config *c, const struct cfg_input *in, char *errbuf);

/* Where key k (0 host, 1 token, ... in cfg.c's order; flag: --auth, which
 * beats auth_type) came from, as "host from DATABRICKS_HOST",
 * "token from /home/u/.databrickscfg:3" or "host from --host", into buf;
 * NULL when it is not set. Never the value. */
const char *cfg_source(const struct dbx_config *c, int k, const char *flag, char *buf, size_t cap);

/* Parses a non-negative decimal number from s (strict: digits with an optional
 * fraction when allow_fraction, nothing else around it) into *out; name is used
 * in the error message. */
int cfg_parse_number(const char *name, const char *s, int allow_fraction, double max, double *out,
                     char *errbuf);

/* The client options of c (strings point into c, which must outlive them)
 * and of the environment: host (required: a missing one is DBX_ERR_USAGE
 * saying where to set it), token, client id and secret, the auth type
 * (in->auth_flag, else auth_type; unknown names refused), CA file
 * (in->ca_flag, else SSL_CERT_FILE) and directory (SSL_CERT_DIR), proxy
 * (https_proxy, else HTTPS_PROXY; no_proxy, else NO_PROXY), --resolve entries
 * (DBXAI_RESOLVE) and retry policy.
 * Trace, notices and timeouts are left as they were. */
int cfg_options(const struct dbx_config *c, const struct cfg_input *in, struct dbx_options *o,
                char *errbuf);

#endif
