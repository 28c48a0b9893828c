/* test_cfg.c - configuration precedence, profiles and strict numbers. */
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "dbxai.h"
#include "harness.h"

/* A fake environment: NAME=VALUE strings, NULL-terminated. */
static const char *const *fake_env;

static const char *fake_getenv(const char *name)
{
	size_t n = strlen(name);
	const char *const *e;
	for (e = fake_env; e && *e; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

static char cfg_path[256];

static void write_cfg(const char *text)
{
	FILE *f;
	snprintf(cfg_path, sizeof cfg_path, "/tmp/dbxai-test-cfg-%d", (int)getpid());
	f = fopen(cfg_path, "w");
	fputs(text, f);
	fclose(f);
}

static int load(struct dbx_config *c, const char *const *envv, const char *host_flag,
                const char *profile_flag, char *errbuf)
{
	struct cfg_input in = {
	    .host_flag = host_flag, .profile_flag = profile_flag, .getenv = fake_getenv};
	fake_env = envv;
	errbuf[0] = 0;
	return cfg_load(c, &in, errbuf);
}

static const char *sample = "# comment\n"
                            "[DEFAULT]\n"
                            "host = https://default.cloud.databricks.com\n"
                            "token = dapi-default\n"
                            "\n"
                            "; another comment\n"
                            "[prod]\n"
                            "HOST=prod.cloud.databricks.com/\n"
                            "  client_id = abc  \n"
                            "client_secret = s3cret\n"
                            "auth_type = oauth-m2m\n"
                            "[fleet]\n"
                            "oidc_token_env = MY_JWT\n"
                            "oidc_token_filepath = /var/run/jwt\n"
                            "azure_client_id = az-id\n"
                            "azure_client_secret = az-secret\n"
                            "azure_tenant_id = tenant-1\n";

static void test_precedence(void)
{
	struct dbx_config c;
	char err[DBX_ERRBUF_SIZE];
	char fileenv[300];
	snprintf(fileenv, sizeof fileenv, "DATABRICKS_CONFIG_FILE=%s", cfg_path);
	{
		const char *e[] = {fileenv, NULL};
		CHECK(load(&c, e, NULL, NULL, err) == DBX_OK, "%s", err);
		CHECK(strcmp(c.host, "https://default.cloud.databricks.com") == 0, "%s", c.host);
		CHECK(strcmp(c.token, "dapi-default") == 0, "token from DEFAULT");
		CHECK(strcmp(c.host_from, "profile") == 0, "%s", c.host_from);
		CHECK(strcmp(c.profile, "DEFAULT") == 0, "%s", c.profile);
	}
	{
		const char *e[] = {fileenv, "DATABRICKS_HOST=env.example.com", NULL};
		CHECK(load(&c, e, NULL, NULL, err) == DBX_OK, "%s", err);
		CHECK(strcmp(c.host, "env.example.com") == 0, "env beats file: %s", c.host);
		CHECK(strcmp(c.token, "dapi-default") == 0, "token still from file");
	}
	{
		const char *e[] = {fileenv, "DATABRICKS_HOST=env.example.com", NULL};
		CHECK(load(&c, e, "flag.example.com", NULL, err) == DBX_OK, "%s", err);
		CHECK(strcmp(c.host, "flag.example.com") == 0, "flag beats env: %s", c.host);
		CHECK(strcmp(c.host_from, "--host") == 0, "%s", c.host_from);
	}
	{
		const char *e[] = {fileenv, "DATABRICKS_CONFIG_PROFILE=prod", NULL};
		CHECK(load(&c, e, NULL, NULL, err) == DBX_OK, "%s", err);
		CHECK(strcmp(c.host, "prod.cloud.databricks.com/") == 0, "%s", c.host);
		CHECK(c.token[0] == 0, "profiles do not inherit DEFAULT's token");
		CHECK(strcmp(c.client_id, "abc") == 0, "[%s]", c.client_id);
		CHECK(strcmp(c.client_secret, "s3cret") == 0, "secret read");
		CHECK(strcmp(c.auth_type, "oauth-m2m") == 0, "%s", c.auth_type);
	}
	{
		const char *e[] = {fileenv, "DATABRICKS_CONFIG_PROFILE=prod", NULL};
		CHECK(load(&c, e, NULL, "DEFAULT", err) == DBX_OK, "%s", err);
		CHECK(strcmp(c.profile, "DEFAULT") == 0, "--profile beats env: %s", c.profile);
	}
	{
		const char *e[] = {fileenv, NULL};
		CHECK(load(&c, e, NULL, "staging", err) == DBX_ERR_USAGE, "missing named profile");
		CHECK(strstr(err, "staging") && strstr(err, "not found"), "%s", err);
	}
	{
		const char *e[] = {"DATABRICKS_CONFIG_FILE=/nonexistent/cfg", NULL};
		CHECK(load(&c, e, NULL, NULL, err) == DBX_OK, "a missing file is fine: %s", err);
		CHECK(c.host[0] == 0 && c.file[0] == 0, "nothing configured");
		CHECK(load(&c, e, NULL, "prod", err) == DBX_ERR_USAGE,
		      "but a named profile is not");
	}
	{
		const char *e[] = {"DATABRICKS_CONFIG_FILE=/tmp", NULL};
		CHECK(load(&c, e, NULL, NULL, err) != DBX_OK, "a directory is not a config file");
	}
}

/* The unified-auth keys: the profile's, beaten by the environment's. */
static void test_fleet_keys(void)
{
	struct dbx_config c;
	char err[DBX_ERRBUF_SIZE], fileenv[300];
	snprintf(fileenv, sizeof fileenv, "DATABRICKS_CONFIG_FILE=%s", cfg_path);
	{
		const char *e[] = {fileenv, NULL};
		CHECK(load(&c, e, NULL, "fleet", err) == DBX_OK, "%s", err);
		CHECK(strcmp(c.oidc_token_env, "MY_JWT") == 0, "%s", c.oidc_token_env);
		CHECK(strcmp(c.oidc_token_filepath, "/var/run/jwt") == 0, "%s",
		      c.oidc_token_filepath);
		CHECK(strcmp(c.azure_client_id, "az-id") == 0, "%s", c.azure_client_id);
		CHECK(strcmp(c.azure_client_secret, "az-secret") == 0, "azure secret");
		CHECK(strcmp(c.azure_tenant_id, "tenant-1") == 0, "%s", c.azure_tenant_id);
	}
	{
		const char *e[] = {fileenv,
		                   "DATABRICKS_OIDC_TOKEN_ENV=CI_JWT",
		                   "DATABRICKS_OIDC_TOKEN_FILEPATH=/tmp/jwt",
		                   "ARM_CLIENT_ID=env-id",
		                   "ARM_CLIENT_SECRET=env-secret",
		                   "ARM_TENANT_ID=env-tenant",
		                   NULL};
		CHECK(load(&c, e, NULL, "fleet", err) == DBX_OK, "%s", err);
		CHECK(strcmp(c.oidc_token_env, "CI_JWT") == 0, "%s", c.oidc_token_env);
		CHECK(strcmp(c.oidc_token_filepath, "/tmp/jwt") == 0, "%s", c.oidc_token_filepath);
		CHECK(strcmp(c.azure_client_id, "env-id") == 0, "%s", c.azure_client_id);
		CHECK(strcmp(c.azure_client_secret, "env-secret") == 0, "azure secret");
		CHECK(strcmp(c.azure_tenant_id, "env-tenant") == 0, "%s", c.azure_tenant_id);
	}
}

static void test_malformed_file(void)
{
	struct dbx_config c;
	char err[DBX_ERRBUF_SIZE];
	char fileenv[300];
	const char *e[] = {fileenv, NULL};
	snprintf(fileenv, sizeof fileenv, "DATABRICKS_CONFIG_FILE=%s", cfg_path);
	write_cfg("[DEFAULT\nhost = x\n");
	CHECK(load(&c, e, NULL, NULL, err) == DBX_ERR_USAGE && strstr(err, ":1:"), "%s", err);
	write_cfg("[DEFAULT]\njust a line\n");
	CHECK(load(&c, e, NULL, NULL, err) == DBX_ERR_USAGE && strstr(err, ":2:"), "%s", err);
}

static void test_retry_numbers(void)
{
	static const struct {
		const char *var, *value;
		int ok;
	} cases[] = {
	    {"DATABRICKS_MAX_RETRIES", "5", 1},
	    {"DATABRICKS_MAX_RETRIES", "0", 1},
	    {"DATABRICKS_MAX_RETRIES", "-1", 0},
	    {"DATABRICKS_MAX_RETRIES", "1.5", 0},
	    {"DATABRICKS_MAX_RETRIES", " 3", 0},
	    {"DATABRICKS_MAX_RETRIES", "3x", 0},
	    {"DATABRICKS_MAX_RETRIES", "1e2", 0},
	    {"DATABRICKS_MAX_RETRIES", "0x10", 0},
	    {"DATABRICKS_MAX_RETRIES", "many", 0},
	    {"DATABRICKS_MAX_RETRIES", "99999", 0},
	    {"DATABRICKS_INITIAL_RETRY_INTERVAL_MS", "250", 1},
	    {"DATABRICKS_INITIAL_RETRY_INTERVAL_MS", "1s", 0},
	    {"DATABRICKS_BACKOFF_MULTIPLIER", "1.5", 1},
	    {"DATABRICKS_BACKOFF_MULTIPLIER", "2", 1},
	    {"DATABRICKS_BACKOFF_MULTIPLIER", ".5", 1},
	    {"DATABRICKS_BACKOFF_MULTIPLIER", "2.", 1},
	    {"DATABRICKS_BACKOFF_MULTIPLIER", "nan", 0},
	    {"DATABRICKS_BACKOFF_MULTIPLIER", "inf", 0},
	    {"DATABRICKS_BACKOFF_MULTIPLIER", "-2", 0},
	    {"DATABRICKS_MAX_RETRY_INTERVAL_MS", "60000", 1},
	    {"DATABRICKS_MAX_RETRY_INTERVAL_MS", "", 1}, /* empty = unset */
	};
	size_t i;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct dbx_config c;
		char err[DBX_ERRBUF_SIZE];
		char kv[128];
		const char *e[] = {"DATABRICKS_CONFIG_FILE=/nonexistent", kv, NULL};
		int rc;
		snprintf(kv, sizeof kv, "%s=%s", cases[i].var, cases[i].value);
		rc = load(&c, e, NULL, NULL, err);
		CHECK((rc == DBX_OK) == cases[i].ok, "%s -> %d (%s)", kv, rc, err);
		if (!cases[i].ok)
			CHECK(strstr(err, cases[i].var) != NULL, "message names the variable: %s",
			      err);
	}
	{
		struct dbx_config c;
		char err[DBX_ERRBUF_SIZE];
		const char *e[] = {"DATABRICKS_CONFIG_FILE=/nonexistent",
		                   "DATABRICKS_MAX_RETRIES=7", "DATABRICKS_BACKOFF_MULTIPLIER=1.5",
		                   NULL};
		CHECK(load(&c, e, NULL, NULL, err) == DBX_OK, "%s", err);
		CHECK(c.retry.max_retries == 7 && c.retry.multiplier == 1.5, "values taken");
		CHECK(c.retry.initial_ms == 1000 && c.retry.max_ms == 60000, "defaults kept");
	}
}

int main(void)
{
	write_cfg(sample);
	RUN(test_precedence);
	RUN(test_fleet_keys);
	RUN(test_malformed_file);
	RUN(test_retry_numbers);
	unlink(cfg_path);
	return harness_done("cfg");
}
