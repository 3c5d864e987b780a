/* What check and report read: the graphs, the condensation, the knots, the
 * --milestone scope and the findings in it (declared in cli.h). */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_parse_fail_on(const char *cmd, const char *list, unsigned *mask)
{
	*mask = 0;
	const char *p = list;
	for (;;) {
		size_t len = strcspn(p, ",");
		int k = analyze_finding_kind_of(p, len);
		if (k < 0)
			return cli_usage(cmd,
					 "--fail-on: unknown finding '%.*s' (use a comma list of "
					 "knots, conflicts, closed-blocked, new-knots, "
					 "new-conflicts)",
					 (int)len, p);
		*mask |= ANALYZE_FINDING_BIT(k);
		if (p[len] == '\0')
			break;
		p += len + 1;
	}
	return 0;
}

int cli_findings_load(struct cli_findings *fc, struct cli_ctx *ctx, const char *cmd,
		      bool all_states, const char *milestone)
{
	struct cli_common c;
	cli_common_init(&c);
	c.all_states = all_states;
	return cli_findings_load_c(fc, ctx, cmd, &c, milestone);
}

int cli_findings_load_c(struct cli_findings *fc, struct cli_ctx *ctx, const char *cmd,
			const struct cli_common *c, const char *milestone)
{
	memset(fc, 0, sizeof *fc);
	fc->milestone = ANALYZE_NONE;
	/* One read of the store: the graph of every issue (closed-blocked is read
	 * on it), with c's evidence (--deps, --ignore-deps), and the analysed
	 * graph taken from it in memory. */
	struct cli_common every = *c;
	every.all_states = true;
	int rc = cli_load_analysed(ctx, cmd, &every, &fc->s, &fc->full);
	if (rc)
		return rc;
	if (c->all_states) {
		fc->g = fc->full;
	} else {
		int arc = analyze_graph_open_part(fc->full, &fc->g);
		if (arc != 0)
			return cli_analyze_error(cmd, arc);
	}
	if (milestone) {
		uint32_t mf = analyze_find_milestone(fc->full, milestone);
		if (mf == ANALYZE_NONE)
			return cli_usage(cmd,
					 "--milestone: no issue in the store has milestone '%s'",
					 milestone);
		fc->keep = calloc(fc->g->n ? fc->g->n : 1, 1);
		fc->keep_full = calloc(fc->full->n ? fc->full->n : 1, 1);
		if (!fc->keep || !fc->keep_full) {
			cli_error(cmd, "out of memory");
			return CLI_EXIT_NOMEM;
		}
		/* Without --all-states the milestone may have closed issues only: then
		 * nothing of the analysed graph is in scope. */
		fc->milestone = analyze_find_milestone(fc->g, milestone);
		if ((fc->milestone != ANALYZE_NONE &&
		     analyze_milestone_closure(fc->g, fc->milestone, fc->keep) != 0) ||
		    analyze_milestone_closure(fc->full, mf, fc->keep_full) != 0) {
			cli_error(cmd, "%s", analyze_errmsg());
			return CLI_EXIT_STORE;
		}
	}
	struct analyze_findings_in in = {
	    .g = fc->g,
	    .keep = fc->keep,
	    .full = fc->full,
	    .keep_full = fc->keep_full,
	};
	int arc = analyze_condense(fc->g, &fc->c);
	if (arc == 0)
		arc = analyze_knots(fc->g, fc->c, &fc->k);
	if (arc != 0)
		return cli_analyze_error(cmd, arc);
	in.knots = fc->k;
	if (analyze_findings(&in, &fc->f) != 0) {
		cli_error(cmd, "%s", analyze_errmsg());
		return CLI_EXIT_STORE;
	}
	if (fc->full->n == 0)
		cli_warn(cmd,
			 "%s: the store holds no issues (the last fetch found none: check "
			 "the seeds and what the token can read)",
			 ctx->db_path);
	return 0;
}

int cli_findings_release(struct cli_findings *fc, struct cli_ctx *ctx, const char *cmd, int rc)
{
	analyze_findings_free(fc->f);
	analyze_knots_free(fc->k);
	analyze_condensation_free(fc->c);
	if (fc->full != fc->g)
		analyze_graph_free(fc->full);
	analyze_graph_free(fc->g);
	free(fc->keep);
	free(fc->keep_full);
	rc = cli_close_store(ctx, cmd, fc->s, rc);
	memset(fc, 0, sizeof *fc);
	return rc;
}

bool cli_findings_fail(const struct cli_findings *fc, unsigned mask)
{
	for (int k = 0; k < ANALYZE_FINDING_ALL_KINDS; k++)
		if ((mask & ANALYZE_FINDING_BIT(k)) && fc->f->count[k] > 0)
			return true;
	return false;
}
