/* cli_login.c - dbxai login and logout: OAuth from the command line (left out
 * of a build without OAuth: make FEATURES=-oauth). The library does the
 * protocol; this file shows URLs and codes, opens a browser when there is a
 * display, and reports. No secret is ever printed. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cfgedit.h"
#include "cli.h"
#include "crypto.h"

/* Opens url with xdg-open, else open: detached, without a shell, stdin, stdout
 * and stderr on /dev/null. fork and execvp (as MCP servers are started) rather
 * than posix_spawnp: 1.9 KB less of libc in the binary. */
static void open_browser(const char *url)
{
	char *argv[3] = {(char *)"xdg-open", (char *)url, NULL};
	int fd;

	if (fork() != 0)
		return;
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0 && dup2(fd, 0) >= 0 && dup2(fd, 1) >= 0 && dup2(fd, 2) >= 0) {
		if (fd > 2)
			close(fd);
		execvp(argv[0], argv);
		argv[0] = (char *)"open";
		execvp(argv[0], argv);
	}
	_exit(127);
}

struct show_ctx {
	int browser;
};

static void show(void *ctx, const struct dbx_login_info *info)
{
	struct show_ctx *s = ctx;

	if (info->step == DBX_LOGIN_DEVICE) {
		fprintf(stderr, "To log in, open %s and enter the code %s\n", info->url,
		        info->user_code);
		if (info->url_complete)
			fprintf(stderr, "(or open %s)\n", info->url_complete);
		fprintf(stderr, "Waiting for the approval...\n");
		return;
	}
	fprintf(stderr, "Open this URL in a browser to log in:\n\n  %s\n\n", info->url);
	fprintf(stderr,
	        "Waiting for the redirect to http://localhost:%u (forward that port over SSH when "
	        "the browser is elsewhere), or paste the URL the browser ends on and press "
	        "Enter.\n",
	        info->port);
	if (s->browser)
		open_browser(info->url);
}

static int parse_port(unsigned *port)
{
	const char *v = getenv("DATABRICKS_OAUTH_CALLBACK_PORT");
	char *end;
	long p;

	*port = 0;
	if (!v || !*v)
		return 0;
	p = strtol(v, &end, 10);
	if (*end || p < 1 || p > 65535)
		return cli_usage_error("DATABRICKS_OAUTH_CALLBACK_PORT: '%.20s' is not a port", v);
	*port = (unsigned)p;
	return 0;
}

/* The globals with the credential choice forced to OAuth U2M. */
static int open_u2m(const struct cli_globals *g, struct dbx_config **cfg, struct dbx_client **c)
{
	struct cli_globals u = *g;
	u.auth = "oauth-u2m";
	return cli_open_client(&u, cfg, c);
}

static const char *get_env(const char *name)
{
	return getenv(name);
}

/* Whether the profile --profile names is in the config file already. */
static int profile_found(const struct cli_globals *g)
{
	struct cfg_input in = {NULL, g->profile, NULL, NULL, get_env};
	struct dbx_config *c = calloc(1, sizeof *c);
	int found = !c || cfg_load(c, &in, NULL) == DBX_OK || c->profile_found;
	if (c)
		crypto_wipe(c, sizeof *c);
	free(c);
	return found;
}

/* `login --profile NAME` and `--host H login`: the profile, so that the next
 * `dbxai --profile NAME chat` logs in the same way. */
static int save_profile(const char *profile, const char *host)
{
	const struct cfgedit_kv kv[] = {{"host", host}, {"auth_type", "databricks-cli"}};
	char path[CFG_VALUE_MAX];
	int exists, rc = cli_profile_path(path, sizeof path, &exists);
	if (!rc)
		rc = cli_profile_write(path, exists, profile, kv, 2);
	if (!rc)
		fprintf(stderr,
		        "dbxai: profile [%s] saved in %s (host, auth_type = databricks-cli)\n",
		        profile, path);
	return rc;
}

int cli_login(const struct cli_globals *g0, int argc, char **argv)
{
	struct cli_globals gl = *g0, *g = &gl;
	const char *profile;
	int save;
	char errbuf[DBX_ERRBUF_SIZE] = "";
	struct dbx_login_options lo = {0};
	struct show_ctx sc = {0};
	struct dbx_client *c = NULL;
	struct dbx_auth_info info;
	struct cli_out out = CLI_OUT_INIT;
	struct dbx_config *cfg = NULL;
	int i, no_browser = 0, r, err;
	const char *display;

	lo.paste_fd = 0;
	for (i = 0; i < argc; i++) {
		const char *v = NULL;
		r = strcmp(argv[i], "--no-browser") == 0 || strcmp(argv[i], "--device") == 0
		        ? 0
		        : cli_opt_value(argc, argv, &i, "--timeout", NULL, &v);
		if (strcmp(argv[i], "--no-browser") == 0) {
			no_browser = 1;
		} else if (strcmp(argv[i], "--device") == 0) {
			lo.device = 1;
		} else if (r == 0 && (r = cli_global_option(argc, argv, &i, g)) != 0) {
			if (r >= 100)
				return r - 100;
		} else if (r != 0) {
			double d;
			if (r < 0 ||
			    cfg_parse_number("--timeout", v, 0, 86400, &d, errbuf) != DBX_OK ||
			    d < 1)
				return cli_usage_error(
				    "--timeout needs a number of seconds (1 to 86400)");
			lo.timeout_s = (int)d;
		} else {
			return cli_usage_error("login: unknown argument '%.40s' (see dbxai help)",
			                       argv[i]);
		}
	}
	if (parse_port(&lo.port))
		return 2;
	display = getenv("DISPLAY");
	if (!display || !*display)
		display = getenv("WAYLAND_DISPLAY");
	sc.browser = !no_browser && display && *display;
	lo.headless = !sc.browser;
	lo.show = show;
	lo.ctx = &sc;
	profile = g->profile ? g->profile : getenv("DATABRICKS_CONFIG_PROFILE");
	save = g->profile || g->host;
	if (g->profile && !profile_found(g)) {
		/* a new profile: the host comes from --host or DATABRICKS_HOST */
		if (!g->host && !getenv("DATABRICKS_HOST"))
			return cli_usage_error(
			    "profile '%.60s' does not exist yet: pass --host URL "
			    "to create it with `dbxai login`",
			    g->profile);
		g->profile = "";
	}
	r = open_u2m(g, &cfg, &c);
	if (r)
		goto out;
	err = dbx_login(c, &lo, errbuf);
	if (!err)
		err = dbx_auth_status(c, &info, errbuf);
	if (err) {
		r = cli_fail(err, errbuf);
		goto out;
	}
	{
		char when[40], line[512];
		int n;
		text_utc(info.expiry, when, sizeof when);
		n = snprintf(line, sizeof line, "Logged in to %s (access token valid until %s)\n%s",
		             info.host, when,
		             info.has_refresh ? ""
		                              : "The server gave no refresh token: this login ends "
		                                "then; run `dbxai login` again after it.\n");
		cli_write(&out, line, (size_t)n);
	}
	r = 0;
	if (save)
		r = save_profile(profile && *profile ? profile : "DEFAULT", info.host);
	r = cli_finish(&out, r);
out:
	dbx_client_free(c);
	dbx_config_free(cfg);
	return r;
}

int cli_logout(const struct cli_globals *g, int argc, char **argv)
{
	char errbuf[DBX_ERRBUF_SIZE] = "", line[512];
	struct dbx_client *c = NULL;
	struct cli_out out = CLI_OUT_INIT;
	struct dbx_config *cfg = NULL;
	int i, all = 0, removed = 0, r, err, n;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--all") == 0)
			all = 1;
		else
			return cli_usage_error("logout: unknown argument '%.40s' (see dbxai help)",
			                       argv[i]);
	}
	if (all && !g->host && !getenv("DATABRICKS_HOST")) {
		/* --all needs no workspace: any host will do to reach the cache */
		struct cli_globals u = *g;
		u.host = "https://localhost";
		r = open_u2m(&u, &cfg, &c);
	} else {
		r = open_u2m(g, &cfg, &c);
	}
	if (r)
		goto out;
	err = dbx_logout(c, all, &removed, errbuf);
	if (err) {
		r = cli_fail(err, errbuf);
		goto out;
	}
	if (all)
		n = snprintf(line, sizeof line, "Removed %d cached login%s\n", removed,
		             removed == 1 ? "" : "s");
	else
		n = snprintf(line, sizeof line, "%s %s\n",
		             removed ? "Logged out of" : "There was no cached login for",
		             cfg->host);
	cli_write(&out, line, (size_t)n);
	r = cli_finish(&out, 0);
out:
	dbx_client_free(c);
	dbx_config_free(cfg);
	return r;
}
