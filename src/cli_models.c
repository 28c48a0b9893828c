/* cli_models.c - `dbxai models` (in progress). */
#include "cli.h"

int cli_models(const struct cli_globals *g, int argc, char **argv)
{
	(void)g;
	(void)argc;
	(void)argv;
	return cli_usage_error("models: not available yet");
}
