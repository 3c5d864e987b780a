/* What check and report read: the graphs, the condensation, the knots, the
 * scope (--milestone, --label) and the findings in it (declared in cli.h). */
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

int cli_findings_load_c(struct cli_findings *fc, struct cli_ctx *ctx, const char *cmd,
			const struct cli_common *c)
{
	memset(fc, 0, sizeof *fc);
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
	if (cli_scope_given(&c->scope)) {
		/* one selection, by issue id, marked on both graphs; without
		 * --all-states it may hold closed issues only: then nothing of the
		 * analysed graph is in scope */
		struct store_selected sel;
		rc = cli_scope_select(fc->s, cmd, &c->scope, 0, &sel);
		if (rc == 0)
			rc = cli_scope_mark(cmd, &sel, fc->g, &fc->selected, &fc->keep);
		if (rc == 0)
			rc =
			    cli_scope_mark(cmd, &sel, fc->full, &fc->selected_full, &fc->keep_full);
		store_selected_release(&sel);
		if (rc)
			return rc;
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
	free(fc->selected);
	free(fc->keep);
	free(fc->selected_full);
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
