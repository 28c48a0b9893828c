/*
 * main.c - the dbxai command line: global options, usage, dispatch to the
 * commands in cli_*.c.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

int main(int argc, char **argv)
{
	const struct cli_command *c;
	struct cli_globals g = {0};
	int i, r;

	/* A closed pipe must show up as a write error, not kill us silently. */
	signal(SIGPIPE, SIG_IGN);
	g.connect_timeout_s = DBX_CONNECT_TIMEOUT_MS / 1000.0;
	g.idle_timeout_s = DBX_IDLE_TIMEOUT_MS / 1000.0;
	for (i = 1; i < argc; i++) /* before anything can fail */
		if (strcmp(argv[i], "--json") == 0)
			cli_json = 1;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
			/* as curl --version: what this build can do (switches.h) */
			static const char v[] =
			    "dbxai " DBX_VERSION "\nFeatures:" DBX_FEATURES "\n";
			struct cli_out out = CLI_OUT_INIT;
			cli_write(&out, v, sizeof v - 1);
			return cli_finish(&out, 0);
		}
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
			return cli_help_of(NULL);
		r = cli_global_option(argc, argv, &i, &g);
		if (r >= 100)
			return r - 100;
		if (r)
			continue;
		if (a[0] == '-')
			return cli_usage_error("unknown option '%.40s' (see dbxai help)", a);
		c = cli_command(a);
		if (!c)
			break;
		for (r = i + 1; r < argc && strcmp(argv[r], "--") != 0; r++)
			if (strcmp(argv[r], "--help") == 0 || strcmp(argv[r], "-h") == 0)
				return cli_help_of(c);
		return c->run(&g, argc - i - 1, argv + i + 1);
	}
	if (i < argc)
		return cli_usage_error("unknown command '%.40s' (see dbxai help)", argv[i]);
	return cli_usage_error("no command: dbxai [GLOBAL OPTIONS] COMMAND [ARGS] (dbxai help "
	                       "lists them)");
}
