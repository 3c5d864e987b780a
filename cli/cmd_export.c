/* issuegraph export [-o FILE]: write the store as a JSON snapshot. */
#include <getopt.h>
#include <string.h>

#include "cli.h"

static const char help_text[] =
    "usage: issuegraph [--db PATH] export [-o FILE]\n"
    "\n"
    "Write the store as a JSON snapshot (the format 'issuegraph import' reads):\n"
    "every array sorted by id, each link once, so that export, import, export\n"
    "gives the same bytes.\n"
    "\n"
    "Options:\n"
    "  -o, --output FILE  write to FILE (atomically: a temporary file renamed\n"
    "                     into place) instead of standard output; '-' is stdout\n"
    "  -q, -v, --no-progress  accepted, as by every command; export prints\n"
    "                     nothing else\n"
    "  -h, --help         this help\n";

int cmd_export(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
	    {"output", required_argument, NULL, 'o'}, {"quiet", no_argument, NULL, 'q'},
	    {"verbose", no_argument, NULL, 'v'},      {"no-progress", no_argument, NULL, 'P'},
	    {"help", no_argument, NULL, 'h'},	      {NULL, 0, NULL, 0},
	};
	const char *output = NULL;
	int c;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":o:qvh", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			if (!*optarg)
				return cli_usage("export", "-o needs a FILE");
			output = optarg;
			break;
		case 'q':
		case 'v':
		case 'P':
			break;
		case 'h':
			fputs(help_text, stdout);
			return CLI_EXIT_OK;
		default:
			return cli_bad_option("export", c, argv);
		}
	}
	if (optind < argc)
		return cli_usage("export", "unexpected argument '%s'", argv[optind]);

	struct store *s = NULL;
	int rc = cli_open_store(ctx, "export", 0, true, &s);
	if (rc)
		return rc;
	struct cli_out out;
	if ((rc = cli_out_open(&out, "export", output)) != 0) {
		store_close(s);
		return rc;
	}
	int src = store_export_json(s, out.fp);
	if (src)
		cli_error("export", "%s", store_errmsg(s));
	rc = cli_out_close(&out, "export", src == 0);
	if (src && !rc)
		rc = CLI_EXIT_STORE;
	return cli_close_store(ctx, "export", s, rc);
}
