/*
 * test_api.c - the public API's promises (dbxai.h) that need no server: a NULL
 * errbuf is accepted everywhere, an error always comes with its line and
 * success leaves "", the version, dbx_free, the error names, and
 * dbx_config_load resolving flags, environment and ~/.databrickscfg as the
 * command does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dbxai.h"
#include "harness.h"
#include "switches.h"

static void test_version(void)
{
	char want[32];

	CHECK(strcmp(dbx_version(), DBX_VERSION) == 0, "dbx_version %s", dbx_version());
	snprintf(want, sizeof want, "%d.%d.%d", DBX_VERSION_NUM / 10000,
	         DBX_VERSION_NUM / 100 % 100, DBX_VERSION_NUM % 100);
	CHECK(strcmp(want, DBX_VERSION) == 0, "DBX_VERSION_NUM %d is not %s", DBX_VERSION_NUM,
	      DBX_VERSION);
	dbx_free(NULL);
	dbx_free(malloc(16));
}

static void test_error_names(void)
{
	int e;

	for (e = 0; e < DBX_ERR__COUNT; e++)
		CHECK(dbx_strerror(e) && strcmp(dbx_strerror(e), "unknown error") != 0,
		      "code %d has no name", e);
	CHECK(strcmp(dbx_strerror(-1), "unknown error") == 0, "-1");
	CHECK(strcmp(dbx_strerror(DBX_ERR__COUNT), "unknown error") == 0, "COUNT");
}

/* Every failing call with a NULL errbuf returns its code and does not crash;
 * the same call with a buffer fills it with one line. */
static void test_errbuf(void)
{
	static const struct dbx_retry no_retry = {0, 1000, 2.0, 60000};
	struct dbx_options o = {0};
	struct dbx_client *c = (struct dbx_client *)&o; /* must be reset to NULL */
	char errbuf[DBX_ERRBUF_SIZE];

	CHECK(dbx_global_init(NULL) == DBX_OK, "global init, NULL errbuf");
	memset(errbuf, 'x', sizeof errbuf);
	CHECK(dbx_global_init(errbuf) == DBX_OK && errbuf[0] == '\0', "success leaves \"\"");

	CHECK(dbx_client_new(&c, &o, NULL) == DBX_ERR_USAGE && c == NULL, "no host, NULL errbuf");
	CHECK(dbx_client_new(&c, NULL, NULL) == DBX_ERR_USAGE && c == NULL, "NULL options");
	memset(errbuf, 0, sizeof errbuf);
	CHECK(dbx_client_new(&c, &o, errbuf) == DBX_ERR_USAGE && strstr(errbuf, "host"),
	      "no host: '%s'", errbuf);

	o.host = "ftp://example.com";
	CHECK(dbx_client_new(&c, &o, NULL) != DBX_OK && c == NULL, "bad scheme, NULL errbuf");
	errbuf[0] = '\0';
	CHECK(dbx_client_new(&c, &o, errbuf) != DBX_OK && errbuf[0], "bad scheme: a line");

	/* plain http is for loopback only */
	o.host = "http://example.com";
	errbuf[0] = '\0';
	CHECK(dbx_client_new(&c, &o, errbuf) == DBX_ERR_USAGE && errbuf[0],
	      "http off loopback: '%s'", errbuf);

	/* a client on a closed loopback port: the calls fail with a line, at once
	 * (no retries: the default policy would wait 14 s in back-offs, which the
	 * end-to-end suite tests) */
	o.host = "http://127.0.0.1:1";
	o.connect_timeout_ms = 2000;
	o.retry = &no_retry;
	CHECK(dbx_client_new(&c, &o, NULL) == DBX_OK && c, "loopback client");
	if (c) {
		struct dbx_chat_request rq = {0};
		int status = -1, err;

		rq.prompt = "hi";
		err = dbx_chat(c, &rq, NULL, NULL, NULL);
		CHECK(err == DBX_ERR_CONNECT, "chat, NULL errbuf: %s", dbx_strerror(err));
		errbuf[0] = '\0';
		err = dbx_chat(c, &rq, NULL, NULL, errbuf);
		CHECK(err == DBX_ERR_CONNECT && strstr(errbuf, "127.0.0.1"), "chat: '%s'", errbuf);
		err = dbx_api(c, "GET", "/api/2.0/x", NULL, 0, NULL, NULL, &status, NULL);
		CHECK(err == DBX_ERR_CONNECT && status == 0, "api, NULL errbuf");
		errbuf[0] = '\0';
		err = dbx_api(c, "GET", "https://elsewhere.example/x", NULL, 0, NULL, NULL, NULL,
		              errbuf);
		CHECK(err == DBX_ERR_USAGE && strstr(errbuf, "refusing"), "api off-origin: '%s'",
		      errbuf);
		rq.model = "bad name/..";
		errbuf[0] = '\0';
		err = dbx_chat(c, &rq, NULL, NULL, errbuf);
		CHECK(err == DBX_ERR_USAGE && strstr(errbuf, "model name"), "bad model: '%s'",
		      errbuf);
		dbx_client_free(c);
	}
	dbx_client_free(NULL);
}

/* MCP: the set's promises without a server running (e2e_mcp.py runs them);
 * without MCP built in (FEATURES=-mcp) each says so. */
static void test_mcp(void)
{
#if !DBX_FEATURE_MCP
	struct dbx_mcp *none = NULL;
	char line[DBX_ERRBUF_SIZE];
	CHECK(dbx_mcp_new(&none, NULL, NULL, line) == DBX_ERR_USAGE &&
	          strstr(line, "not built in (mcp)"),
	      "no MCP: '%s'", line);
	return;
#else
	struct dbx_options o = {0};
	struct dbx_client *c = NULL;
	struct dbx_mcp *m = NULL;
	struct dbx_mcp_info info;
	struct dbx_mcp_tool t;
	char errbuf[DBX_ERRBUF_SIZE];
	const char *argv[] = {"/nonexistent/mcp-server", "--x", NULL};
	const char *bad_env[] = {"NOEQUALS", NULL};
	struct dbx_mcp_server s = {0};
	int err;

	o.host = "http://127.0.0.1:1";
	if (dbx_client_new(&c, &o, NULL) != DBX_OK)
		return;
	CHECK(dbx_mcp_new(&m, c, NULL, NULL) == DBX_OK && m, "new, NULL options and errbuf");
	errbuf[0] = '\0';
	CHECK(dbx_mcp_add(m, &s, errbuf) == DBX_ERR_USAGE && strstr(errbuf, "no command"),
	      "neither argv nor url: '%s'", errbuf);
	s.argv = argv;
	s.env = bad_env;
	CHECK(dbx_mcp_add(m, &s, errbuf) == DBX_ERR_USAGE && strstr(errbuf, "NAME=value"),
	      "env entry: '%s'", errbuf);
	s.env = NULL;
	CHECK(dbx_mcp_add(m, &s, NULL) == DBX_OK && dbx_mcp_count(m) == 1, "added");
	errbuf[0] = '\0';
	err = dbx_mcp_start(m, errbuf);
	CHECK(err != DBX_OK && strstr(errbuf, "cannot run '/nonexistent/mcp-server'") &&
	          strstr(errbuf, "mcp1"),
	      "a server that cannot run: %s '%s'", dbx_strerror(err), errbuf);
	CHECK(dbx_mcp_info(m, 0, &info) == DBX_OK && !info.started && info.tools == 0 &&
	          strcmp(info.name, "mcp1") == 0 && strstr(info.error, "No such file") &&
	          strcmp(info.what, "/nonexistent/mcp-server --x") == 0,
	      "its info");
	CHECK(dbx_mcp_info(m, 1, &info) == DBX_ERR_USAGE, "info past the end");
	CHECK(dbx_mcp_tool(m, 0, 0, &t) == DBX_ERR_USAGE, "tool past the end");
	dbx_mcp_kill(m); /* nothing running: returns at once */
	dbx_mcp_free(m);
	dbx_mcp_free(NULL);
	dbx_client_free(c);
#endif
}

/* dbx_config_load: the environment and a profile of the config file, as the
 * command resolves them. */
static void test_config(void)
{
	char path[] = "/tmp/dbxai-test-api-XXXXXX", errbuf[DBX_ERRBUF_SIZE];
	static const char text[] = "[DEFAULT]\nhost = https://default.example\n"
	                           "token = dapi-default\n\n[prod]\nhost = prod.example/\n"
	                           "client_id = sp-id\nclient_secret = sp-secret\n";
	struct dbx_config_input in = {0};
	struct dbx_config *cfg = NULL;
	struct dbx_options o = {0};
	int fd = mkstemp(path), err;

	CHECK(fd >= 0 && write(fd, text, sizeof text - 1) == (ssize_t)(sizeof text - 1), "temp");
	close(fd);
	unsetenv("DATABRICKS_HOST");
	unsetenv("DATABRICKS_TOKEN");
	unsetenv("DATABRICKS_CONFIG_PROFILE");
	unsetenv("DATABRICKS_AUTH_TYPE");
	unsetenv("DATABRICKS_CLIENT_ID");
	unsetenv("DATABRICKS_CLIENT_SECRET");
	unsetenv("https_proxy");
	setenv("DATABRICKS_CONFIG_FILE", path, 1);
	setenv("HTTPS_PROXY", "http://proxy.example:3128", 1);

	err = dbx_config_load(&cfg, NULL, &o, errbuf);
	CHECK(err == DBX_OK, "DEFAULT: %s", errbuf);
	CHECK(o.host && strcmp(o.host, "https://default.example") == 0, "host %s", o.host);
	CHECK(o.token && strcmp(o.token, "dapi-default") == 0, "token");
	/* credentials configured: the client takes the first in the unified-auth order */
	CHECK(o.auth_type == DBX_AUTH_AUTO, "the order when a token is set");
	CHECK(o.https_proxy && strcmp(o.https_proxy, "http://proxy.example:3128") == 0, "proxy");
	CHECK(o.retry && o.retry->max_retries == 3, "retry policy");
	dbx_config_free(cfg);

	memset(&o, 0, sizeof o);
	in.profile = "prod";
	err = dbx_config_load(&cfg, &in, &o, errbuf);
	CHECK(err == DBX_OK, "prod: %s", errbuf);
	CHECK(o.host && strcmp(o.host, "prod.example/") == 0, "profile host %s", o.host);
	CHECK(!o.token && o.auth_type == DBX_AUTH_AUTO, "M2M from the profile");
	CHECK(o.client_secret && strcmp(o.client_secret, "sp-secret") == 0, "secret");
	dbx_config_free(cfg);

	/* the environment beats the file, the input beats the environment */
	setenv("DATABRICKS_HOST", "https://env.example", 1);
	memset(&o, 0, sizeof o);
	in.host = "https://flag.example";
	err = dbx_config_load(&cfg, &in, &o, errbuf);
	CHECK(err == DBX_OK && strcmp(o.host, "https://flag.example") == 0, "flag wins: %s",
	      o.host ? o.host : errbuf);
	dbx_config_free(cfg);
	in.host = NULL;
	memset(&o, 0, sizeof o);
	err = dbx_config_load(&cfg, &in, &o, errbuf);
	CHECK(err == DBX_OK && strcmp(o.host, "https://env.example") == 0, "env wins: %s",
	      o.host ? o.host : errbuf);
	dbx_config_free(cfg);
	unsetenv("DATABRICKS_HOST");

	/* the command's errors, NULL errbuf included */
	in.profile = "nope";
	cfg = (struct dbx_config *)&o;
	CHECK(dbx_config_load(&cfg, &in, &o, NULL) == DBX_ERR_USAGE && cfg == NULL,
	      "missing profile, NULL errbuf");
	errbuf[0] = '\0';
	CHECK(dbx_config_load(&cfg, &in, &o, errbuf) == DBX_ERR_USAGE && strstr(errbuf, "nope"),
	      "missing profile: '%s'", errbuf);
	in.profile = "prod";
	in.auth_type = "kerberos";
	errbuf[0] = '\0';
	CHECK(dbx_config_load(&cfg, &in, &o, errbuf) == DBX_ERR_USAGE && strstr(errbuf, "kerberos"),
	      "unknown auth type: '%s'", errbuf);
	setenv("DATABRICKS_MAX_RETRIES", "three", 1);
	in.auth_type = NULL;
	errbuf[0] = '\0';
	CHECK(dbx_config_load(&cfg, &in, &o, errbuf) == DBX_ERR_USAGE &&
	          strstr(errbuf, "DATABRICKS_MAX_RETRIES"),
	      "bad number: '%s'", errbuf);
	unsetenv("DATABRICKS_MAX_RETRIES");
	setenv("DATABRICKS_CONFIG_FILE", "/nonexistent/dbxai-cfg", 1);
	in.profile = NULL;
	errbuf[0] = '\0';
	CHECK(dbx_config_load(&cfg, &in, &o, errbuf) == DBX_ERR_USAGE && strstr(errbuf, "host"),
	      "no host anywhere: '%s'", errbuf);
	dbx_config_free(NULL);
	unsetenv("DATABRICKS_CONFIG_FILE");
	unsetenv("HTTPS_PROXY");
	unlink(path);
}

int main(void)
{
	RUN(test_version);
	RUN(test_error_names);
	RUN(test_errbuf);
	RUN(test_config);
	RUN(test_mcp);
	return harness_done("api");
}
