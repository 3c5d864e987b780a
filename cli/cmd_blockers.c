/* issuegraph blockers REF: every issue that transitively blocks REF, with its
 * distance in links; --reverse: every issue REF blocks. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json_stream.h"

static void help(void)
{
	printf("usage: issuegraph [--db PATH] blockers REF [--reverse] [--milestone M]\n"
	       "                  [--label L]... [--all-states] [--format text|json]\n"
	       "                  [-o FILE] [-q] [-v]\n\n"
	       "Every issue that transitively blocks REF (must be finished before it) in the\n"
	       "analysed graph, with its distance: the fewest blocking links between them.\n"
	       "Sorted by distance, then ref. REF itself is not listed.\n\n"
	       "  --reverse           every issue that REF blocks instead (its dependents)\n" CLI_SCOPE_HELP
	       "                      (with a scope: only the issues listed that are in it;\n"
	       "                      REF itself may lie outside)\n"
	       "  --all-states        analyse closed issues too (default: open issues "
	       "only)\n" CLI_DEPS_HELP "  --format text|json  output format (default text)\n"
	       "  -o FILE             write there (atomically) instead of stdout\n"
	       "  -q, -v, --no-progress  accepted, as by every command; no effect here\n"
	       "  -h, --help          this help\n");
}

/* false: a value could not be written (out of memory) */
static bool blockers_json(FILE *fp, const struct analyze_graph *g, uint32_t v,
			  const struct analyze_reach *r, bool reverse)
{
	struct cli_jw w;
	cli_jw_init(&w, fp);
	cli_jw_object_begin(&w, NULL);
	cli_jw_ref(&w, "issue", g, v);
	cli_jw_array_begin(&w, reverse ? "dependents" : "blockers");
	for (uint32_t i = 0; i < r->count; i++) {
		cli_jw_object_begin(&w, NULL);
		cli_jw_ref(&w, "ref", g, r->node[i]);
		cli_jw_int(&w, "distance", r->dist[i]);
		cli_jw_object_end(&w);
	}
	cli_jw_array_end(&w);
	cli_jw_object_end(&w);
	return !cli_jw_failed(&w);
}

static void blockers_text(FILE *fp, const struct analyze_graph *g, uint32_t v,
			  const struct analyze_reach *r, bool reverse)
{
	cli_print_ref(fp, g, v);
	if (r->count == 0) {
		fprintf(fp, reverse ? " blocks no %sissue.\n" : " is blocked by no %sissue.\n",
			g->all_states ? "" : "open ");
		return;
	}
	fprintf(fp, reverse ? " blocks %u %sissue%s:\n" : " is blocked by %u %sissue%s:\n",
		r->count, g->all_states ? "" : "open ", r->count == 1 ? "" : "s");
	fprintf(fp, "%8s  %s\n", "distance", "ref");
	for (uint32_t i = 0; i < r->count; i++) {
		fprintf(fp, "%8u  ", r->dist[i]);
		cli_print_ref(fp, g, r->node[i]);
		fputc('\n', fp);
	}
}

static int blockers_option(void *ctx, int ch, const char *arg)
{
	(void)arg;
	if (ch == 'r')
		*(bool *)ctx = true;
	return 0;
}

int cmd_blockers(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
	    {"reverse", no_argument, NULL, 'r'},
	    CLI_SCOPE_LONGOPTS,
	    CLI_COMMON_LONGOPTS,
	    {0},
	};
	struct cli_common c;
	bool reverse = false;
	int rc =
	    cli_parse_options(&c, argc, argv, "blockers", opts, help, blockers_option, &reverse, 1);
	if (rc)
		return rc == CLI_HELP_SHOWN ? CLI_EXIT_OK : rc;
	if (optind >= argc)
		return cli_usage("blockers", "missing REF (e.g. group/app#14)");
	const char *ref = argv[optind];
	if ((rc = cli_ref_check("blockers", "", ref)) != 0)
		return rc;

	struct cli_analysis a;
	struct analyze_reach *r = NULL;
	uint8_t *selected = NULL, *keep = NULL;
	uint32_t v;
	if ((rc = cli_analysis_open(&a, ctx, "blockers", &c, CLI_ANALYSIS_GRAPH)) != 0)
		goto done;
	if ((rc = cli_resolve_ref(a.s, a.g, "blockers", ref, &v)) != 0)
		goto done;
	if ((rc = cli_scope_nodes(a.s, "blockers", &c.scope, 0, a.g, &selected, &keep)) != 0)
		goto done;
	int arc = analyze_blockers(a.g, v, reverse, &r);
	if (arc != 0) {
		rc = cli_analyze_error("blockers", arc);
		goto done;
	}
	if (keep) { /* the scope: the issues listed that lie in it */
		uint32_t n = 0;
		for (uint32_t i = 0; i < r->count; i++) {
			if (!keep[r->node[i]])
				continue;
			r->node[n] = r->node[i];
			r->dist[n++] = r->dist[i];
		}
		r->count = n;
	}
	if ((rc = cli_analysis_out_open(&a)) != 0)
		goto done;
	bool ok = true;
	if (c.json)
		ok = blockers_json(a.out.fp, a.g, v, r, reverse);
	else
		blockers_text(a.out.fp, a.g, v, r, reverse);
	rc = cli_analysis_out_close(&a, ok);
done:
	free(selected);
	free(keep);
	analyze_reach_free(r);
	return cli_analysis_close(&a, rc);
}
