/* cfg.c - see cfg.h. */
#include "cfg.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "switches.h"
#include "text.h"

#define CFG_LINE_MAX (CFG_VALUE_MAX + 256)

static const char *env(const struct cfg_input *in, const char *name)
{
	const char *v = in->getenv ? in->getenv(name) : NULL;
	return (v && *v) ? v : NULL;
}

/* The keys of a profile and their variables, in the order of struct
 * dbx_config's line[]: each profile key is the member's name. */
#define KEY(m, e)                                                                                  \
	{                                                                                          \
#m, e, offsetof(struct dbx_config, m), sizeof(((struct dbx_config *)0)->m)         \
	}
static const struct {
	const char *key, *env;
	unsigned short off, cap;
} keys[CFG_KEYS] = {KEY(host, "DATABRICKS_HOST"),
                    KEY(token, "DATABRICKS_TOKEN"),
                    KEY(client_id, "DATABRICKS_CLIENT_ID"),
                    KEY(client_secret, "DATABRICKS_CLIENT_SECRET"),
                    KEY(auth_type, "DATABRICKS_AUTH_TYPE"),
                    KEY(oidc_token_env, "DATABRICKS_OIDC_TOKEN_ENV"),
                    KEY(oidc_token_filepath, "DATABRICKS_OIDC_TOKEN_FILEPATH"),
                    KEY(azure_client_id, "ARM_CLIENT_ID"),
                    KEY(azure_client_secret, "ARM_CLIENT_SECRET"),
                    KEY(azure_tenant_id, "ARM_TENANT_ID")};

const char *cfg_source(const struct dbx_config *c, int k, const char *flag, char *buf, size_t cap)
{
	if (k < 0 || k >= CFG_KEYS || (!c->line[k] && !(k == 4 && flag)))
		return NULL;
	if (k == 4 && flag)
		snprintf(buf, cap, "auth_type from --auth");
	else if (c->line[k] == -2)
		snprintf(buf, cap, "host from --host");
	else if (c->line[k] < 0)
		snprintf(buf, cap, "%s from %s", keys[k].key, keys[k].env);
	else
		snprintf(buf, cap, "%s from %s:%d", keys[k].key, c->file, c->line[k]);
	return buf;
}

static int copy_value(char *dst, size_t cap, const char *src, const char *what, char *errbuf)
{
	size_t n = strlen(src);
	if (n >= cap) {
		errbuf_set(errbuf, "%s is too long (%zu bytes, at most %zu)", what, n, cap - 1);
		return DBX_ERR_USAGE;
	}
	memcpy(dst, src, n + 1);
	return DBX_OK;
}

int cfg_parse_number(const char *name, const char *s, int allow_fraction, double max, double *out,
                     char *errbuf)
{
	const char *p = s;
	double v;
	int digits = 0;

	/* text_double also takes "-1" and "1e3": check the grammar first. */
	while (text_is_digit(*p)) {
		p++;
		digits++;
	}
	if (allow_fraction && *p == '.') {
		p++;
		while (text_is_digit(*p)) {
			p++;
			digits++;
		}
	}
	if (digits == 0 || *p != '\0' || text_double(s, (size_t)(p - s), &v) != DBX_OK || v > max)
		goto bad;
	*out = v;
	return DBX_OK;
bad:
	errbuf_set(errbuf, "%s: '%.40s' is not a valid %s (0 to %.0f)", name, s,
	           allow_fraction ? "non-negative number" : "non-negative whole number", max);
	return DBX_ERR_USAGE;
}

static char *trim(char *s)
{
	char *e;
	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* Reads the keys of section `profile` from path. A missing file is not an error
 * (c->file stays empty); a missing section is reported through profile_found. */
static int read_file(struct dbx_config *c, const char *path, const char *profile, char *errbuf)
{
	char line[CFG_LINE_MAX];
	int in_section = 0, lineno = 0, err = DBX_OK, k;
	struct stat st;
	FILE *f = fopen(path, "r");

	if (!f) {
		if (errno == ENOENT)
			return DBX_OK;
		errbuf_set(errbuf, "cannot read config file %s: %s", path, strerror(errno));
		return DBX_ERR_USAGE;
	}
	/* A regular file, or /dev/null for "no configuration". */
	if (fstat(fileno(f), &st) != 0 || !(S_ISREG(st.st_mode) || S_ISCHR(st.st_mode))) {
		errbuf_set(errbuf, "config file %s is not a regular file", path);
		fclose(f);
		return DBX_ERR_USAGE;
	}
	err = copy_value(c->file, sizeof c->file, path, "DATABRICKS_CONFIG_FILE", errbuf);
	while (!err && fgets(line, sizeof line, f)) {
		char *s, *eq, *key, *val;
		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			errbuf_set(errbuf, "%s:%d: line too long", path, lineno);
			err = DBX_ERR_USAGE;
			break;
		}
		s = trim(line);
		if (*s == '\0' || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			char *close = strchr(s, ']');
			if (!close) {
				errbuf_set(errbuf, "%s:%d: section header without ']'", path,
				           lineno);
				err = DBX_ERR_USAGE;
				break;
			}
			*close = '\0';
			s = trim(s + 1);
			{
				size_t have = strlen(c->profiles);
				if (have < 150)
					snprintf(c->profiles + have, sizeof c->profiles - have,
					         "%s[%.40s]", have ? " " : "", s);
			}
			in_section = strcmp(s, profile) == 0;
			if (in_section)
				c->profile_found = 1;
			continue;
		}
		if (!in_section)
			continue;
		eq = strchr(s, '=');
		if (!eq) {
			errbuf_set(errbuf, "%s:%d: expected 'key = value'", path, lineno);
			err = DBX_ERR_USAGE;
			break;
		}
		*eq = '\0';
		key = trim(s);
		val = trim(eq + 1);
		for (k = 0; k < CFG_KEYS; k++) {
			if (strcasecmp(key, keys[k].key) == 0) {
				err = copy_value((char *)c + keys[k].off, keys[k].cap, val,
				                 keys[k].key, errbuf);
				c->line[k] = lineno;
			}
		}
	}
	fclose(f);
	return err;
}

static int retry_env(const struct cfg_input *in, struct dbx_retry *r, char *errbuf)
{
	const char *v;
	double d;
	int err = DBX_OK;

	struct dbx_retry def = DBX_RETRY_DEFAULT;

	*r = def;
	v = env(in, "DATABRICKS_MAX_RETRIES");
	if (v) {
		err = cfg_parse_number("DATABRICKS_MAX_RETRIES", v, 0, 100, &d, errbuf);
		if (err)
			return err;
		r->max_retries = (int)d;
	}
	v = env(in, "DATABRICKS_INITIAL_RETRY_INTERVAL_MS");
	if (v) {
		err = cfg_parse_number("DATABRICKS_INITIAL_RETRY_INTERVAL_MS", v, 0, 3600000, &d,
		                       errbuf);
		if (err)
			return err;
		r->initial_ms = (long)d;
	}
	v = env(in, "DATABRICKS_BACKOFF_MULTIPLIER");
	if (v) {
		err = cfg_parse_number("DATABRICKS_BACKOFF_MULTIPLIER", v, 1, 100, &d, errbuf);
		if (err)
			return err;
		r->multiplier = d;
	}
	v = env(in, "DATABRICKS_MAX_RETRY_INTERVAL_MS");
	if (v) {
		err =
		    cfg_parse_number("DATABRICKS_MAX_RETRY_INTERVAL_MS", v, 0, 3600000, &d, errbuf);
		if (err)
			return err;
		r->max_ms = (long)d;
	}
	return DBX_OK;
}

int cfg_load(struct dbx_config *c, const struct cfg_input *in, char *errbuf)
{
	char path[CFG_VALUE_MAX];
	const char *profile, *file, *home, *v;
	int err, named, k;

	memset(c, 0, sizeof *c);
	c->host_from = "";
	profile = in->profile_flag && *in->profile_flag ? in->profile_flag
	                                                : env(in, "DATABRICKS_CONFIG_PROFILE");
	named = profile != NULL;
	if (!profile)
		profile = "DEFAULT";
	err = copy_value(c->profile, sizeof c->profile, profile, "profile name", errbuf);
	if (err)
		return err;

	file = env(in, "DATABRICKS_CONFIG_FILE");
	if (file) {
		err = copy_value(path, sizeof path, file, "DATABRICKS_CONFIG_FILE", errbuf);
	} else {
		home = env(in, "HOME");
		path[0] = '\0';
		if (home &&
		    snprintf(path, sizeof path, "%s/.databrickscfg", home) >= (int)sizeof path)
			path[0] = '\0';
	}
	if (err)
		return err;
	if (path[0]) {
		snprintf(c->tried, sizeof c->tried, "%s", path);
		err = read_file(c, path, profile, errbuf);
		if (err)
			return err;
	}
	if (named && !c->profile_found) {
		errbuf_set(errbuf,
		           "profile '%.60s' not found in %.120s: check --profile / "
		           "DATABRICKS_CONFIG_PROFILE, or add a [%.60s] section",
		           profile, path[0] ? path : "~/.databrickscfg", profile);
		return DBX_ERR_USAGE;
	}
	if (c->host[0])
		c->host_from = "profile";

	/* The environment beats the file... */
	for (k = 0; !err && k < CFG_KEYS; k++) {
		v = env(in, keys[k].env);
		if (v) {
			err = copy_value((char *)c + keys[k].off, keys[k].cap, v, keys[k].env,
			                 errbuf);
			c->line[k] = -1;
		}
	}
	if (c->line[0] < 0)
		c->host_from = "DATABRICKS_HOST";
	/* ...and flags beat the environment. */
	if (!err && in->host_flag && *in->host_flag) {
		err = copy_value(c->host, sizeof c->host, in->host_flag, "--host", errbuf);
		c->host_from = "--host";
		c->line[0] = -2;
	}
	if (!err)
		err = retry_env(in, &c->retry, errbuf);
	return err;
}

/* --auth, else auth_type from DATABRICKS_AUTH_TYPE or the profile; NULL for
 * an unknown name. Without either: when some credentials are configured,
 * DBX_AUTH_AUTO (auth_setup() takes the first in the unified-auth order and
 * says so under -v); else a cached U2M login that must exist (exit 3 and
 * "run dbxai login" otherwise). */
static const char *auth_type(const struct cfg_input *in, const struct dbx_config *c,
                             enum dbx_auth_type *t)
{
	static const char *const names[] = {
	    "pat",       "oauth-m2m", "databricks-cli",     "env-oidc",
	    "file-oidc", "oauth-u2m", "azure-client-secret"};
	static const enum dbx_auth_type types[] = {
	    DBX_AUTH_PAT,       DBX_AUTH_M2M, DBX_AUTH_U2M,         DBX_AUTH_ENV_OIDC,
	    DBX_AUTH_FILE_OIDC, DBX_AUTH_U2M, DBX_AUTH_AZURE_SECRET};
	const char *v = in->auth_flag ? in->auth_flag : c->auth_type;
	unsigned i;

	if (!v[0]) {
		int m2m = c->client_id[0] && c->client_secret[0];
		int oidc = env(in, c->oidc_token_env[0] ? c->oidc_token_env
		                                        : "DATABRICKS_OIDC_TOKEN") != NULL;
		int azure =
		    c->azure_client_id[0] && c->azure_client_secret[0] && c->azure_tenant_id[0];
		/* a build without OAuth (switches.h) has no login to look for */
		*t = c->token[0] || m2m || oidc || azure || c->oidc_token_filepath[0] ||
		             !DBX_FEATURE_OAUTH
		         ? DBX_AUTH_AUTO
		         : DBX_AUTH_U2M;
		return v;
	}
	for (i = 0; i < sizeof names / sizeof *names; i++) {
		if (strcmp(v, names[i]) == 0) {
			*t = types[i];
			return v;
		}
	}
	return NULL;
}

/* Lower case first, as curl does: a set lower-case variable wins even when
 * empty, so it can switch the upper-case one off. */
static const char *env_pair(const struct cfg_input *in, const char *lower, const char *upper)
{
	const char *v = in->getenv ? in->getenv(lower) : NULL;
	if (!v && in->getenv)
		v = in->getenv(upper);
	return v;
}

static const char *or_null(const char *s)
{
	return s[0] ? s : NULL;
}

int cfg_options(const struct dbx_config *c, const struct cfg_input *in, struct dbx_options *o,
                char *errbuf)
{
	if (!c->host[0]) {
		if (!c->tried[0])
			errbuf_set(errbuf, "no workspace host: set DATABRICKS_HOST (e.g. "
			                   "https://adb-123.4.azuredatabricks.net) or pass --host "
			                   "(no config file read: HOME is not set)");
		else
			errbuf_set(
			    errbuf,
			    "no workspace host: set DATABRICKS_HOST (e.g. "
			    "https://adb-123.4.azuredatabricks.net), pass --host, or add host "
			    "to [%.40s] in %.200s (%s%s); `dbxai configure` writes it",
			    c->profile, c->tried,
			    !c->file[0]      ? "it does not exist"
			    : c->profiles[0] ? "its profiles: "
			                     : "it has no profiles",
			    c->file[0] ? c->profiles : "");
		return DBX_ERR_USAGE;
	}
	if (!auth_type(in, c, &o->auth_type)) {
		errbuf_set(errbuf,
		           "unknown auth type '%.40s' (%s): use pat, oauth-m2m, databricks-cli, "
		           "env-oidc, file-oidc or azure-client-secret",
		           in->auth_flag ? in->auth_flag : c->auth_type,
		           in->auth_flag ? "--auth" : "DATABRICKS_AUTH_TYPE / auth_type");
		return DBX_ERR_USAGE;
	}
	o->host = c->host;
	o->token = or_null(c->token);
	o->client_id = or_null(c->client_id);
	o->client_secret = or_null(c->client_secret);
	o->oidc_token_env = or_null(c->oidc_token_env);
	o->oidc_token_filepath = or_null(c->oidc_token_filepath);
	o->azure_client_id = or_null(c->azure_client_id);
	o->azure_client_secret = or_null(c->azure_client_secret);
	o->azure_tenant_id = or_null(c->azure_tenant_id);
	o->azure_authority_host = env(in, "AZURE_AUTHORITY_HOST");
	o->ca_file = in->ca_flag ? in->ca_flag : env(in, "SSL_CERT_FILE");
	o->ca_dir = env(in, "SSL_CERT_DIR");
	o->https_proxy = env_pair(in, "https_proxy", "HTTPS_PROXY");
	o->no_proxy = env_pair(in, "no_proxy", "NO_PROXY");
	o->resolve = env(in, "DBXAI_RESOLVE");
	o->retry = &c->retry;
	return DBX_OK;
}
