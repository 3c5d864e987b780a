/* issuegraph path: the critical path of the blocking graph (SPEC
 * "critical path"), knots counted as one step. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "render.h"
#include "json_stream.h"

static void help(void)
{
	printf("usage: issuegraph [--db PATH] path [--weight count|weight|estimate]\n"
	       "                  [--default-cost N] [--to REF | --milestone M --label L...]\n"
	       "                  [--all-states] [--format text|json] [-o FILE] [-q] [-v]\n\n"
	       "The critical path: the chain of blocking links with the largest total cost.\n"
	       "A knot (issues that block each other in a circle) counts as one step that\n"
	       "costs the sum of its issues. Among paths of equal cost, the one with the\n"
	       "most steps; then, step by step from the start, the smallest ref.\n\n"
	       "  --weight count|weight|estimate\n"
	       "                      cost of an issue: 1 (default); GitLab's weight;\n"
	       "                      remaining time (time estimate - time spent, seconds)\n"
	       "  --default-cost N    cost of an issue with no weight or estimate (default 1)\n"
	       "  --to REF            only paths that end at REF\n"
	       "  --milestone M       only paths that end at an issue of milestone M\n"
	       "  --label L           only paths that end at an issue carrying label L\n"
	       "                      (exactly, case included); repeat it for issues with\n"
	       "                      every L; with --milestone, issues of M with every L\n"
	       "  --show-confidential show the titles of confidential issues\n"
	       "  --all-states        analyse closed issues too (default: open issues "
	       "only)\n" CLI_DEPS_HELP "  --format text|json  output format (default text)\n"
	       "  -o FILE             write there (atomically) instead of stdout\n"
	       "  -q, --quiet         no messages on stderr\n"
	       "  -v, --verbose       timings on stderr\n"
	       "  --no-progress       accepted, as by every command; no effect here\n"
	       "  -h, --help          this help\n");
}

/* ---- output -------------------------------------------------------------------- */

/* false: a value could not be written (out of memory) */
static bool path_json(FILE *fp, const struct analyze_graph *g, const struct analyze_steps *p,
		      enum analyze_weight weight)
{
	struct cli_jw w;
	cli_jw_init(&w, fp);
	cli_jw_object_begin(&w, NULL);
	const char *name = cli_weight_name(weight);
	cli_jw_string(&w, "weight", name, strlen(name));
	cli_jw_int(&w, "cost", p->total);
	cli_jw_array_begin(&w, "path");
	for (uint32_t i = 0; i < p->count; i++) {
		cli_jw_object_begin(&w, NULL);
		cli_jw_refs(&w, "issues", g, p->nodes + p->off[i], p->off[i + 1] - p->off[i]);
		cli_jw_int(&w, "cost", p->cost[i]);
		cli_jw_object_end(&w);
	}
	cli_jw_array_end(&w);
	cli_jw_object_end(&w);
	return !cli_jw_failed(&w);
}

/* Node v's ref as safe text in buf; its length (as analyze_ref). */
static int safe_ref(const struct analyze_graph *g, uint32_t v, char *buf, size_t n)
{
	char raw[1024];
	analyze_ref(g, v, raw, sizeof raw);
	char *safe = render_safe_text_dup(raw, strlen(raw));
	snprintf(buf, n, "%s", safe ? safe : raw);
	free(safe);
	return (int)strlen(buf);
}

static void path_text(FILE *fp, const struct analyze_graph *g, const struct analyze_steps *p,
		      enum analyze_weight w, const struct render_texts *t, const char *to,
		      const struct cli_scope *scope)
{
	char buf[1024];
	int refw = 3;
	uint32_t nnodes = p->off[p->count];
	for (uint32_t j = 0; j < nnodes; j++) {
		int n = safe_ref(g, p->nodes[j], buf, sizeof buf);
		if (n > refw)
			refw = n;
	}
	if (p->count == 0 && cli_scope_given(scope)) {
		fputs("No critical path: no issue of ", fp);
		cli_scope_print(fp, scope);
		fprintf(fp, " is in the analysed graph%s.\n",
			g->all_states ? "" : " (add --all-states to include closed issues)");
		return;
	}
	if (p->count == 0) {
		fprintf(fp, "No critical path: the analysed graph has no issues.\n");
		return;
	}
	fprintf(fp, "Critical path (--weight %s)", cli_weight_name(w));
	if (to) {
		fputs(" to ", fp);
		cli_print_safe(fp, to);
	} else if (cli_scope_given(scope)) {
		fputs(" to ", fp);
		cli_scope_print(fp, scope);
	}
	fprintf(fp, ": %u step%s, cost %lld.\n\n", p->count, p->count == 1 ? "" : "s",
		(long long)p->total);
	fprintf(fp, "%5s  %10s  %10s  %-*s  %s\n", "step", "cost", "total", refw, "ref", "title");
	int64_t total = 0;
	for (uint32_t i = 0; i < p->count; i++) {
		total = analyze_add_cost(total, p->cost[i]);
		uint32_t size = p->off[i + 1] - p->off[i];
		for (uint32_t j = p->off[i]; j < p->off[i + 1]; j++) {
			uint32_t v = p->nodes[j];
			safe_ref(g, v, buf, sizeof buf);
			bool hidden;
			const char *title = render_texts_title(t, v, &hidden);
			if (hidden)
				title = "(confidential)";
			if (j == p->off[i])
				fprintf(fp, "%5u  %10lld  %10lld  %-*s  ", i + 1,
					(long long)p->cost[i], (long long)total, refw, buf);
			else
				fprintf(fp, "%5s  %10s  %10s  %-*s  ", "", "", "", refw, buf);
			cli_print_safe(fp, title);
			fputs(j == p->off[i] && size > 1 ? "  [knot]\n" : "\n", fp);
		}
	}
}

struct path_args {
	struct cli_common *c;
	const char *to;
	bool show_confidential;
};

static int path_option(void *ctx, int ch, const char *arg)
{
	struct path_args *x = ctx;
	switch (ch) {
	case 'w':
		if (cli_parse_weight(arg, &x->c->weight) != 0)
			return cli_usage(
			    "path", "--weight must be count, weight or estimate, not '%s'", arg);
		break;
	case 'd':
		if (cli_parse_int(arg, 0, INT64_MAX, &x->c->default_cost) != 0)
			return cli_usage("path", "--default-cost must be an integer >= 0, not '%s'",
					 arg);
		break;
	case 't':
		x->to = arg;
		break;
	case 'C':
		x->show_confidential = true;
		break;
	}
	return 0;
}

int cmd_path(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
	    {"weight", required_argument, NULL, 'w'},
	    {"default-cost", required_argument, NULL, 'd'},
	    {"to", required_argument, NULL, 't'},
	    CLI_SCOPE_LONGOPTS,
	    {"show-confidential", no_argument, NULL, 'C'},
	    CLI_COMMON_LONGOPTS,
	    {0},
	};
	struct cli_common c;
	struct path_args x = {.c = &c};
	int rc = cli_parse_options(&c, argc, argv, "path", opts, help, path_option, &x, 0);
	if (rc)
		return rc == CLI_HELP_SHOWN ? CLI_EXIT_OK : rc;
	const char *to = x.to;
	bool show_confidential = x.show_confidential;
	if (to && cli_scope_given(&c.scope))
		return cli_usage("path", "--to and --%s cannot be combined",
				 c.scope.milestone ? "milestone" : "label");
	if (to && (rc = cli_ref_check("path", "--to: ", to)) != 0)
		return rc;

	struct cli_analysis a;
	struct analyze_steps *p = NULL;
	struct render_texts t = {0};
	uint8_t *on_path = NULL;
	uint8_t *selected = NULL, *keep = NULL;
	struct analyze_path_opts po = {
	    .weight = c.weight,
	    .default_cost = c.default_cost,
	    .to = ANALYZE_NONE,
	    .milestone = ANALYZE_NONE,
	};
	if ((rc = cli_analysis_open(&a, ctx, "path", &c, CLI_ANALYSIS_CONDENSE)) != 0)
		goto done;
	const struct analyze_graph *g = a.g;
	if (to && (rc = cli_resolve_ref(a.s, g, "path", to, &po.to)) != 0)
		goto done;
	/* the scope's selected issues are where the path may end */
	if ((rc = cli_scope_nodes(a.s, "path", &c.scope, 0, g, &selected, &keep)) != 0)
		goto done;
	po.ends = selected;
	int arc = analyze_critical_path(g, a.cond, &po, &p);
	if (arc != 0) {
		rc = cli_analyze_error("path", arc);
		goto done;
	}
	double t2 = cli_now_ms();
	if (!c.json) {
		if (!(on_path = calloc(g->n ? g->n : 1, 1))) {
			rc = cli_analyze_error("path", ANALYZE_ENOMEM);
			goto done;
		}
		for (uint32_t j = 0; j < p->off[p->count]; j++)
			on_path[p->nodes[j]] = 1;
		int trc = cli_render_view(&t, a.s, g, on_path, show_confidential, false);
		if (trc == -2) {
			rc = cli_analyze_error("path", ANALYZE_ENOMEM);
			goto done;
		}
		if (trc) {
			cli_error("path", "%s: cannot read titles: %s", ctx->db_path,
				  store_errmsg(a.s));
			rc = CLI_EXIT_STORE;
			goto done;
		}
	}
	if ((rc = cli_analysis_out_open(&a)) != 0)
		goto done;
	bool ok = true;
	if (c.json)
		ok = path_json(a.out.fp, g, p, c.weight);
	else
		path_text(a.out.fp, g, p, c.weight, &t, to, &c.scope);
	rc = cli_analysis_out_close(&a, ok);
	cli_analysis_timings(&a, t2);
done:
	render_texts_release(&t);
	free(on_path);
	free(selected);
	free(keep);
	analyze_steps_free(p);
	return cli_analysis_close(&a, rc);
}
