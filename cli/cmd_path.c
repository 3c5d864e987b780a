/* Placeholder until this command is built: it says so and exits 2 (SPEC). */
#include "cli.h"

int cmd_path(int argc, char **argv, struct cli_ctx *ctx)
{
	(void)argc;
	(void)argv;
	(void)ctx;
	cli_error("path", "not built yet in this version");
	return CLI_EXIT_USAGE;
}
