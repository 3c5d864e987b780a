/* issuegraph: command dispatch. One table of commands, one file per command. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "version.h"

struct cli_command {
	const char *name;
	cli_cmd_fn fn;
	const char *summary;
};

static const struct cli_command commands[] = {
    {"fetch", cmd_fetch, "crawl a GitLab instance into the store"},
    {"import", cmd_import, "replace the store's contents with a JSON snapshot"},
    {"export", cmd_export, "write the store as a JSON snapshot"},
    {"stats", cmd_stats, "counts of projects, issues, links and knots; last fetch"},
    {"cycles", cmd_cycles, "knots (blocking cycles), witnesses and suggested cuts"},
    {"path", cmd_path, "the critical path"},
    {"blockers", cmd_blockers, "every issue that transitively blocks an issue"},
    {"order", cmd_order, "a topological work order (knots as one step)"},
    {"ready", cmd_ready, "the open issues that can start now, by how much they unblock"},
    {"render", cmd_render, "draw the graph as DOT, SVG, PNG or Mermaid"},
    {"changes", cmd_changes, "what changed in the blocking graph since an earlier point"},
    {"check", cmd_check, "list findings; exit 1 on those named by --fail-on"},
    {"report", cmd_report, "one document with everything (markdown, json, junit, html)"},
};

static void usage(FILE *fp)
{
	fprintf(fp, "usage: issuegraph [--db PATH] COMMAND [OPTIONS]\n"
		    "       issuegraph --version\n"
		    "       issuegraph COMMAND --help\n\n"
		    "Find blocking cycles and critical paths in GitLab issue links.\n\n"
		    "Commands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(fp, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(fp, "\nThe store is --db PATH, else $ISSUEGRAPH_DB, else ./issuegraph.db.\n"
		    "Exit codes: 0 ok, 1 findings (check), 2 usage, 3 remote, 4 store, 5 bad input "
		    "file.\n");
}

/* Take --db PATH / --db=PATH out of argv wherever it stands (before or
 * after the command). Returns 0, or 2 on a missing value. */
static int take_db_option(int *argc, char **argv, const char **db)
{
	int w = 1;
	for (int r = 1; r < *argc; r++) {
		if (strcmp(argv[r], "--") == 0) {
			while (r < *argc)
				argv[w++] = argv[r++];
			break;
		}
		if (strcmp(argv[r], "--db") == 0) {
			if (r + 1 >= *argc || argv[r + 1][0] == '\0') {
				cli_error("usage", "--db needs a PATH");
				return CLI_EXIT_USAGE;
			}
			*db = argv[++r];
			continue;
		}
		if (strncmp(argv[r], "--db=", 5) == 0) {
			if (argv[r][5] == '\0') {
				cli_error("usage", "--db needs a PATH");
				return CLI_EXIT_USAGE;
			}
			*db = argv[r] + 5;
			continue;
		}
		argv[w++] = argv[r];
	}
	argv[w] = NULL;
	*argc = w;
	return 0;
}

static int finish(int rc)
{
	/* A full disk or closed pipe on stdout is an error, not silence; but a
	 * command that failed has said why already (cli_out_close reports a
	 * failed write), and one failure gets one message. */
	if ((fflush(stdout) != 0 || ferror(stdout)) &&
	    (rc == CLI_EXIT_OK || rc == CLI_EXIT_FINDINGS)) {
		cli_error("output", "cannot write to standard output");
		rc = CLI_EXIT_STORE;
	}
	return rc;
}

int main(int argc, char **argv)
{
	struct cli_ctx ctx = {0};
	const char *db = NULL;
	int rc = take_db_option(&argc, argv, &db);
	if (rc)
		return rc;
	if (!db) {
		const char *env = getenv("ISSUEGRAPH_DB");
		db = (env && *env) ? env : "issuegraph.db";
	}
	ctx.db_path = db;
	opterr = 0; /* getopt's own messages lack our prefix: see cli_bad_option() */

	if (argc < 2) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	const char *name = argv[1];
	if (strcmp(name, "--version") == 0) {
		if (argc != 2)
			return cli_usage("usage", "--version takes no other argument");
		printf("issuegraph %s\n", ISSUEGRAPH_VERSION);
		return finish(CLI_EXIT_OK);
	}
	if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "help") == 0) {
		usage(stdout);
		return finish(CLI_EXIT_OK);
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		if (strcmp(name, commands[i].name) == 0)
			return finish(commands[i].fn(argc - 1, argv + 1, &ctx));
	}
	cli_error("usage", "unknown command '%s'", name);
	fprintf(stderr, "Try 'issuegraph --help' for the list of commands.\n");
	return CLI_EXIT_USAGE;
}
