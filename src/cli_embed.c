/* cli_embed.c - `dbxai embed` (in progress). */
#include "cli.h"

int cli_embed(const struct cli_globals *g, int argc, char **argv)
{
	(void)g;
	(void)argc;
	(void)argv;
	return cli_usage_error("embed: not available yet");
}
