/* The scope of --milestone M and --label L (SPEC "Scope"): the one place
 * every command that takes a scope selects its issues and closes them
 * under blockers (declared in cli.h). */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

bool cli_scope_given(const struct cli_scope *sc)
{
	return sc && (sc->milestone || sc->n_labels);
}

/* The milestone title nearest to want (edit distance, ASCII case
 * ignored, then bytewise), among those a non-confidential issue carries:
 * a name only confidential issues carry is not suggested. */
struct near_milestone {
	const char *want;
	char *best;
	size_t dist;
};

static void ascii_lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

static int on_milestone(void *ctx, const struct store_issue *is)
{
	struct near_milestone *nm = ctx;
	if (!is->milestone_title || is->confidential)
		return 0;
	if (nm->best && strcmp(nm->best, is->milestone_title) == 0)
		return 0;
	char *a = strdup(nm->want), *b = strdup(is->milestone_title);
	int rc = a && b ? 0 : -1;
	if (rc == 0) {
		ascii_lower(a);
		ascii_lower(b);
		size_t d = cli_edit_distance(a, b);
		if (!nm->best || d < nm->dist ||
		    (d == nm->dist && strcmp(is->milestone_title, nm->best) < 0)) {
			char *c = strdup(is->milestone_title);
			if (!c) {
				rc = -1;
			} else {
				free(nm->best);
				nm->best = c;
				nm->dist = d;
			}
		}
	}
	free(a);
	free(b);
	return rc;
}

int cli_scope_select(struct store *s, const char *cmd, const struct cli_scope *sc, int64_t point,
		     struct store_selected *out)
{
	struct store_selection sel = {
	    .milestone = sc->milestone,
	    .labels = sc->labels,
	    .n_labels = sc->n_labels,
	};
	int rc = store_select_issues(s, point, &sel, out);
	if (rc == STORE_ENOMEM) {
		cli_error(cmd, "out of memory");
		return CLI_EXIT_NOMEM;
	}
	if (rc != 0) {
		cli_error(cmd, "%s", store_errmsg(s));
		return CLI_EXIT_STORE;
	}
	/* a point of the past may well predate a milestone or label: only the
	 * store as it is decides whether the name is known */
	if (point != 0)
		return 0;
	if (out->milestone_unknown) {
		struct near_milestone nm = {.want = sc->milestone};
		if (store_each_issue_brief(s, 0, on_milestone, &nm) == 0 && nm.best)
			cli_usage(cmd,
				  "--milestone: no issue in the store has milestone '%s' (titles "
				  "compare exactly: did you mean '%s'?)",
				  sc->milestone, nm.best);
		else
			cli_usage(cmd,
				  "--milestone: no issue in the store has milestone '%s' (titles "
				  "compare exactly; 'issuegraph export' shows each issue's)",
				  sc->milestone);
		free(nm.best);
		return CLI_EXIT_USAGE;
	}
	if (out->label_unknown < sc->n_labels && out->label_near)
		return cli_usage(cmd,
				 "--label: no issue in the store carries label '%s' (labels "
				 "compare exactly, case included: did you mean '%s'?)",
				 sc->labels[out->label_unknown], out->label_near);
	if (out->label_unknown < sc->n_labels)
		return cli_usage(cmd,
				 "--label: no issue in the store carries label '%s' (labels "
				 "compare exactly, case included; 'issuegraph export' shows "
				 "each issue's)",
				 sc->labels[out->label_unknown]);
	return 0;
}

int cli_scope_mark(const char *cmd, const struct store_selected *sel, const struct analyze_graph *g,
		   uint8_t **selected, uint8_t **keep)
{
	*selected = malloc(g->n ? g->n : 1);
	*keep = malloc(g->n ? g->n : 1);
	if (!*selected || !*keep) {
		free(*selected);
		free(*keep);
		*selected = *keep = NULL;
		return cli_analyze_error(cmd, ANALYZE_ENOMEM);
	}
	int arc = analyze_scope(g, sel->ids, sel->n, *selected, *keep, NULL);
	if (arc != 0) {
		free(*selected);
		free(*keep);
		*selected = *keep = NULL;
		return cli_analyze_error(cmd, arc);
	}
	return 0;
}

int cli_scope_nodes(struct store *s, const char *cmd, const struct cli_scope *sc, int64_t point,
		    const struct analyze_graph *g, uint8_t **selected, uint8_t **keep)
{
	*selected = *keep = NULL;
	if (!cli_scope_given(sc))
		return 0;
	struct store_selected sel;
	int rc = cli_scope_select(s, cmd, sc, point, &sel);
	if (rc == 0)
		rc = cli_scope_mark(cmd, &sel, g, selected, keep);
	store_selected_release(&sel);
	return rc;
}

void cli_scope_print(FILE *fp, const struct cli_scope *sc)
{
	if (!cli_scope_given(sc))
		return;
	if (sc->milestone) {
		fputs("milestone ", fp);
		cli_print_safe(fp, sc->milestone);
	}
	if (sc->n_labels) {
		fputs(sc->milestone ? " with " : "", fp);
		fputs(sc->n_labels == 1 ? "label '" : "labels '", fp);
		for (size_t i = 0; i < sc->n_labels; i++) {
			if (i)
				fputs(i + 1 == sc->n_labels ? "' and '" : "', '", fp);
			cli_print_safe(fp, sc->labels[i]);
		}
		fputc('\'', fp);
	}
}
