/* issuegraph import FILE: replace the store's contents with a JSON snapshot. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static const char help_text[] =
    "usage: issuegraph [--db PATH] import [-q] FILE\n"
    "\n"
    "Replace the store's contents with the JSON snapshot FILE ('-' reads standard\n"
    "input): projects, issues, links and the instance, in one transaction. The\n"
    "crawl state (seeds, sync marks) is cleared. A snapshot with any problem is\n"
    "refused with exit 5 and the store is left as it was. The store is created\n"
    "if it does not exist.\n"
    "\n"
    "Options:\n"
    "  -q, --quiet      no summary on standard error\n"
    "  -v, --verbose    (accepted; nothing more to say)\n"
    "      --no-progress\n"
    "  -h, --help       this help\n";

int cmd_import(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
	    {"quiet", no_argument, NULL, 'q'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"no-progress", no_argument, NULL, 'P'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	bool quiet = false;
	int c;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":qvh", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			quiet = true;
			break;
		case 'v':
		case 'P':
			break;
		case 'h':
			fputs(help_text, stdout);
			return CLI_EXIT_OK;
		default:
			return cli_bad_option("import", c, argv);
		}
	}
	if (optind >= argc)
		return cli_usage("import",
				 "missing FILE (a JSON snapshot, or - for standard input)");
	if (argc - optind > 1)
		return cli_usage("import", "one FILE only, got '%s' too", argv[optind + 1]);
	const char *file = argv[optind];
	if (!*file)
		return cli_usage("import", "FILE is empty");
	bool from_stdin = strcmp(file, "-") == 0;
	const char *name = from_stdin ? "standard input" : file;

	/* Open the snapshot first: an unreadable file must not create a store. */
	FILE *fp = from_stdin ? stdin : fopen(file, "rb");
	if (!fp) {
		cli_error("import", "%s: cannot read: %s", name, strerror(errno));
		return CLI_EXIT_INPUT;
	}

	struct stat st;
	bool existed = stat(ctx->db_path, &st) == 0;
	struct store *s = NULL;
	int rc = cli_open_store(ctx, "import", STORE_OPEN_CREATE | STORE_OPEN_EXCLUSIVE, false, &s);
	if (rc) {
		if (!from_stdin)
			fclose(fp);
		return rc;
	}
	/* Streamed: memory is bounded by the largest record, not the file. */
	int src = store_import_json_file(s, fp);
	if (!from_stdin)
		fclose(fp);
	if (src == 0) {
		struct store_import_counts n;
		store_import_counts(s, &n);
		if ((rc = cli_close_store(ctx, "import", s, CLI_EXIT_OK)) != 0)
			return rc;
		if (!quiet)
			fprintf(stderr, "imported %lld projects, %lld issues, %lld links from %s\n",
				(long long)n.projects, (long long)n.issues, (long long)n.links,
				name);
		return CLI_EXIT_OK;
	}
	if (src == STORE_EINVAL) {
		cli_error("import", "%s: %s", name, store_errmsg(s));
		rc = CLI_EXIT_INPUT;
	} else {
		cli_error("import", "%s: %s", ctx->db_path, store_errmsg(s));
		rc = CLI_EXIT_STORE;
	}
	store_close(s);
	if (!existed) {
		/* A store this failed import created: leave no empty store behind. */
		unlink(ctx->db_path);
	}
	return rc;
}
