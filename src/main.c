/*
 * main.c - the dbxai command line: global options, usage, dispatch to the
 * commands in cli_*.c.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* Commands (cli_*.c). */
int cli_api(const struct cli_globals *g, int argc, char **argv);

static const char usage_text[] =
	"usage: dbxai [GLOBAL OPTIONS] COMMAND [ARGS]\n"
	"\n"
	"Commands:\n"
	"  api METHOD PATH_OR_URL [--data JSON|@FILE]\n"
	"                       raw REST call to the workspace; the response body goes\n"
	"                       to stdout as it arrives (e.g. dbxai api GET\n"
	"                       /api/2.0/serving-endpoints)\n"
	"  help [COMMAND]       this text\n"
	"  --version            print the version\n"
	"\n"
	"Global options:\n"
	"  --host URL           workspace URL (env DATABRICKS_HOST, or host in the profile)\n"
	"  --profile NAME       ~/.databrickscfg profile (env DATABRICKS_CONFIG_PROFILE;\n"
	"                       default [DEFAULT])\n"
	"  --cacert FILE        PEM file of CAs to trust (env SSL_CERT_FILE; SSL_CERT_DIR\n"
	"                       for a directory; default: the system bundle)\n"
	"  --connect-timeout S  seconds to connect and complete TLS (30)\n"
	"  --idle-timeout S     seconds without data before giving up (150)\n"
	"  -v, --verbose        trace requests and responses on stderr (secrets redacted)\n"
	"  --json               machine-readable output where a command has one\n"
	"\n"
	"Environment:\n"
	"  DATABRICKS_HOST, DATABRICKS_TOKEN (personal access token; never a flag, where\n"
	"  ps would show it), DATABRICKS_CONFIG_FILE, DATABRICKS_CONFIG_PROFILE,\n"
	"  HTTPS_PROXY / https_proxy (http://[user:pass@]host[:port]), NO_PROXY / no_proxy,\n"
	"  SSL_CERT_FILE, SSL_CERT_DIR, DATABRICKS_MAX_RETRIES,\n"
	"  DATABRICKS_INITIAL_RETRY_INTERVAL_MS, DATABRICKS_BACKOFF_MULTIPLIER,\n"
	"  DATABRICKS_MAX_RETRY_INTERVAL_MS\n"
	"\n"
	"Exit status:\n"
	"  0 ok, 1 internal error or stdout not writable, 2 usage or configuration,\n"
	"  3 authentication, 4 rate limited, 5 request rejected (4xx), 6 server error\n"
	"  (5xx), 7 network or TLS, 8 protocol error or truncated response\n";

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	struct cli_out out = {-1, 0};
	cli_write(&out, usage_text, sizeof usage_text - 1);
	return cli_finish(&out, 0);
}

int main(int argc, char **argv)
{
	struct cli_globals g = {0};
	int i, r;

	/* A closed pipe must show up as a write error, not kill us silently. */
	signal(SIGPIPE, SIG_IGN);
	g.connect_timeout_s = DBX_CONNECT_TIMEOUT_MS / 1000.0;
	g.idle_timeout_s = DBX_IDLE_TIMEOUT_MS / 1000.0;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
			struct cli_out out = {-1, 0};
			cli_write(&out, "dbxai " DBX_VERSION "\n", strlen("dbxai " DBX_VERSION "\n"));
			return cli_finish(&out, 0);
		}
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
			return cmd_help(0, NULL);
		r = cli_global_option(argc, argv, &i, &g);
		if (r >= 100)
			return r - 100;
		if (r)
			continue;
		if (a[0] == '-')
			return cli_usage_error("unknown option '%.40s' (see dbxai help)", a);
		if (strcmp(a, "api") == 0)
			return cli_api(&g, argc - i - 1, argv + i + 1);
		if (strcmp(a, "help") == 0)
			return cmd_help(argc - i - 1, argv + i + 1);
		return cli_usage_error("unknown command '%.40s' (see dbxai help)", a);
	}
	fputs(usage_text, stderr);
	return 2;
}
