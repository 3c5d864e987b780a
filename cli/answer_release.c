/* The release answer (see answer_release.h): the counts of M's issues,
 * the open issues outside M that block it grouped by their milestone,
 * M's conflicts and its waves. */
#include <stdlib.h>
#include <string.h>

#include "answer_release.h"
#include "json_stream.h"

/* Days since 1970-01-01 of "YYYY-MM-DD..." (the first 10 characters), or
 * false when s does not start with such a date. */
static bool date_days(const char *s, int64_t *out)
{
	if (!s || strlen(s) < 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return false;
	int64_t y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	int64_t m = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
	if (m < 1 || m > 12 || d < 1 || d > 31)
		return false;
	/* days from civil (proleptic Gregorian) */
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	*out = era * 146097 + doe - 719468;
	return true;
}

/* The earliest due date of the milestones of each wanted title (the
 * milestones every issue of the store carries). */
struct due_walk {
	const char **titles; /* sorted bytewise, unique */
	uint32_t n;
	char **due; /* per title: the earliest, malloc'd, or NULL */
	bool oom;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int on_issue(void *ctx, const struct store_issue *is)
{
	struct due_walk *dw = ctx;
	if (!is->milestone_title || !is->milestone_due)
		return 0;
	const char **hit =
	    bsearch(&is->milestone_title, dw->titles, dw->n, sizeof *dw->titles, cmp_str);
	if (!hit)
		return 0;
	char **due = &dw->due[hit - dw->titles];
	if (*due && strcmp(is->milestone_due, *due) >= 0)
		return 0;
	free(*due);
	if (!(*due = strdup(is->milestone_due))) {
		dw->oom = true;
		return -1;
	}
	return 0;
}

/* The date of the latest history point: when the last completed fetch
 * started, or the last import ran. */
struct last_point {
	char *at;
	bool oom;
};

static int on_point(void *ctx, const struct store_history_point *p)
{
	struct last_point *lp = ctx;
	free(lp->at);
	lp->at = p->at ? strdup(p->at) : NULL;
	if (p->at && !lp->at) {
		lp->oom = true;
		return -1;
	}
	return 0;
}

/* Outside issue i's group: the milestone as shown (NULL: none). */
static const char *shown_milestone(const struct cli_issue_info *in)
{
	if (!in || !in->milestone)
		return NULL;
	return in->milestone_hidden ? "(confidential)" : in->milestone;
}

struct sort_ctx {
	const struct analyze_graph *g;
	const char **key;  /* per issue: group title shown */
	const char **gdue; /* per issue: the group's due date */
};
static struct sort_ctx *sort_with;

/* Groups by due date, then title, undated after, no milestone last;
 * then by ref (node order). */
static int cmp_group(const char *ta, const char *da, const char *tb, const char *db)
{
	if (!ta || !tb)
		return (ta == NULL) - (tb == NULL);
	if (!da || !db) {
		if (da || db)
			return da ? -1 : 1;
	} else {
		int c = strcmp(da, db);
		if (c)
			return c;
	}
	return strcmp(ta, tb);
}

static int cmp_issue(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	const struct sort_ctx *s = sort_with;
	int c = cmp_group(s->key[x], s->gdue[x], s->key[y], s->gdue[y]);
	if (c)
		return c;
	return (x > y) - (x < y); /* indices follow the nodes, in ref order */
}

static int oom(void)
{
	cli_error("report", "out of memory");
	return CLI_EXIT_NOMEM;
}

/* M's counts, conflicts and waves into r->view. 0 or an exit code. */
static int counts(struct cli_release *r, const struct cli_findings *fc, const struct cli_ready *rd)
{
	const struct analyze_graph *g = fc->g, *full = fc->full;
	struct render_release *x = &r->view;
	for (uint32_t v = 0; v < full->n; v++) {
		if (!fc->selected_full[v])
			continue;
		if (full->flags[v] & ANALYZE_NODE_OPEN)
			x->opened++;
		else
			x->closed++;
	}
	for (uint32_t v = 0; v < g->n; v++)
		if (fc->selected[v] && (g->flags[v] & ANALYZE_NODE_OPEN) &&
		    fc->k->knot_of[v] != ANALYZE_NONE)
			x->in_knots++;
	for (uint32_t i = 0; i < rd->n_ready; i++)
		x->ready += fc->selected[rd->ready[i].node] != 0;
	x->blocked = x->opened - x->ready - x->in_knots;
	const struct analyze_edge *cf = fc->f->conflicts;
	for (uint32_t i = 0; i < fc->f->count[ANALYZE_FINDING_CONFLICTS]; i++)
		x->conflicts += fc->selected[cf[i].to] != 0;
	/* the waves of order --milestone M: the largest wave of a step in
	 * the scope (a scope holds every blocker, so waves stay) */
	struct analyze_steps *o = NULL;
	int arc = analyze_order(g, fc->c, &o);
	if (arc != 0)
		return cli_analyze_error("report", arc);
	for (uint32_t i = 0; i < o->count; i++)
		if (fc->keep[o->nodes[o->off[i]]] && o->wave[i] > x->waves)
			x->waves = o->wave[i];
	analyze_steps_free(o);
	return 0;
}

int cli_release_compute(struct cli_release *r, const struct cli_findings *fc,
			const struct cli_ready *rd, const char *milestone, bool show_confidential,
			const char *db_path)
{
	const struct analyze_graph *g = fc->g;
	struct render_release *x = &r->view;
	memset(r, 0, sizeof *r);
	x->milestone = milestone;
	int rc = counts(r, fc, rd);
	if (rc)
		return rc;

	/* the open issues outside M that directly block an open issue of M */
	uint32_t n_out = 0, n_blocks = 0;
#define OPEN(v) ((g->flags[v] & ANALYZE_NODE_OPEN) != 0)
	for (uint32_t v = 0; v < g->n; v++) {
		if (fc->selected[v] || !OPEN(v))
			continue;
		uint32_t b = 0;
		for (uint32_t e = g->out_off[v]; e < g->out_off[v + 1]; e++)
			b += fc->selected[g->out_adj[e]] && OPEN(g->out_adj[e]);
		n_out += b > 0;
		n_blocks += b;
	}
	uint32_t *node = malloc((n_out ? n_out : 1) * sizeof *node);
	int64_t *ids = malloc((n_out ? n_out : 1) * sizeof *ids);
	r->issues = calloc(n_out ? n_out : 1, sizeof *r->issues);
	r->blocks = malloc((n_blocks ? n_blocks : 1) * sizeof *r->blocks);
	r->people = calloc(n_out ? n_out : 1, sizeof *r->people);
	const char **key = calloc(n_out ? n_out : 1, sizeof *key);
	const char **gdue = calloc(n_out ? n_out : 1, sizeof *gdue);
	uint32_t *order = malloc((n_out ? n_out : 1) * sizeof *order);
	const char **titles = calloc(n_out + 1, sizeof *titles);
	struct due_walk dw = {0};
	struct last_point lp = {0};
	rc = 0;
	if (!node || !ids || !r->issues || !r->blocks || !r->people || !key || !gdue || !order ||
	    !titles) {
		rc = oom();
		goto done;
	}
	n_out = 0;
	for (uint32_t v = 0; v < g->n; v++) {
		if (fc->selected[v] || !OPEN(v))
			continue;
		bool any = false;
		for (uint32_t e = g->out_off[v]; e < g->out_off[v + 1]; e++)
			any |= fc->selected[g->out_adj[e]] && OPEN(g->out_adj[e]);
		if (any) {
			ids[n_out] = g->issue_id[v];
			node[n_out++] = v;
		}
	}
	if (cli_details_load(&r->details, fc->s, ids, n_out, show_confidential) != 0) {
		cli_error("report", "%s: cannot read the issues' details: %s", db_path,
			  store_errmsg(fc->s));
		rc = CLI_EXIT_STORE;
		goto done;
	}

	/* the due dates of M and of the outside blockers' milestones, in one
	 * walk of the store */
	uint32_t nt = 0;
	titles[nt++] = milestone;
	for (uint32_t i = 0; i < n_out; i++) {
		const struct cli_issue_info *in = cli_titles_info(&r->details, ids[i]);
		if (in && in->milestone)
			titles[nt++] = in->milestone;
	}
	qsort(titles, nt, sizeof *titles, cmp_str);
	dw.titles = titles;
	for (uint32_t i = 0; i < nt; i++)
		if (dw.n == 0 || strcmp(titles[dw.n - 1], titles[i]) != 0)
			titles[dw.n++] = titles[i];
	if (!(dw.due = calloc(dw.n, sizeof *dw.due))) {
		rc = oom();
		goto done;
	}
	if (store_each_issue_brief(fc->s, 0, on_issue, &dw) != 0 || dw.oom) {
		if (dw.oom) {
			rc = oom();
		} else {
			cli_error("report", "%s: %s", db_path, store_errmsg(fc->s));
			rc = CLI_EXIT_STORE;
		}
		goto done;
	}
#define DUE_OF(t)                                                                                  \
	(dw.due[(const char **)bsearch(&(t), dw.titles, dw.n, sizeof *dw.titles, cmp_str) -        \
		dw.titles])
	if (DUE_OF(milestone) && !(r->due = strdup(DUE_OF(milestone)))) {
		rc = oom();
		goto done;
	}
	x->due = r->due;

	/* days left, from the date the last completed fetch or import started */
	if (store_history_each_point(fc->s, on_point, &lp) != 0 || lp.oom) {
		if (lp.oom) {
			rc = oom();
		} else {
			cli_error("report", "%s: %s", db_path, store_errmsg(fc->s));
			rc = CLI_EXIT_STORE;
		}
		goto done;
	}
	int64_t due_day, from_day;
	if (lp.at && date_days(lp.at, &from_day)) {
		if (!(r->counted_from = malloc(11))) {
			rc = oom();
			goto done;
		}
		memcpy(r->counted_from, lp.at, 10);
		r->counted_from[10] = '\0';
		x->counted_from = r->counted_from;
		if (r->due && date_days(r->due, &due_day)) {
			x->has_days_left = true;
			x->days_left = due_day - from_day;
		}
	}

	/* each blocker's group: its milestone as shown, with the earliest due
	 * date among the milestones of that title ("(confidential)": among
	 * every hidden title of the group) */
	for (uint32_t i = 0; i < n_out; i++) {
		const struct cli_issue_info *in = cli_titles_info(&r->details, ids[i]);
		key[i] = shown_milestone(in);
		gdue[i] = key[i] ? DUE_OF(in->milestone) : NULL;
		order[i] = i;
	}
	const char *hidden_due = NULL;
	for (uint32_t pass = 0; pass < 2; pass++)
		for (uint32_t i = 0; i < n_out; i++) {
			const struct cli_issue_info *in = cli_titles_info(&r->details, ids[i]);
			if (!in || !in->milestone_hidden)
				continue;
			if (pass == 1)
				gdue[i] = hidden_due;
			else if (gdue[i] && (!hidden_due || strcmp(gdue[i], hidden_due) < 0))
				hidden_due = gdue[i];
		}
#undef DUE_OF
	struct sort_ctx sc = {g, key, gdue};
	sort_with = &sc;
	qsort(order, n_out, sizeof *order, cmp_issue);
	sort_with = NULL;

	/* the view: issues in group order, groups over them */
	if (!(r->groups = calloc(n_out ? n_out : 1, sizeof *r->groups)) ||
	    !(r->group_due = calloc(n_out ? n_out : 1, sizeof *r->group_due))) {
		rc = oom();
		goto done;
	}
	uint32_t at = 0;
	r->n_issues = n_out;
	for (uint32_t k = 0; k < n_out; k++) {
		uint32_t i = order[k], v = node[i];
		struct render_release_issue *is = &r->issues[k];
		const struct cli_issue_info *in = cli_titles_info(&r->details, ids[i]);
		is->node = v;
		is->blocks = r->blocks + at;
		for (uint32_t e = g->out_off[v]; e < g->out_off[v + 1]; e++)
			if (fc->selected[g->out_adj[e]] && OPEN(g->out_adj[e]))
				r->blocks[at++] = g->out_adj[e];
		is->n_blocks = (uint32_t)(r->blocks + at - is->blocks);
		if (in) {
			uint32_t np = 0;
			if (cli_people_of(&r->details, &ids[i], 1, &r->people[k], &np) != 0) {
				rc = oom();
				goto done;
			}
			is->people = r->people[k];
			is->n_people = np;
			is->due = in->due;
			if (in->due && in->due_from == CLI_DUE_MILESTONE)
				is->due_milestone = shown_milestone(in);
		}
		struct render_release_group *gr;
		if (k == 0 || cmp_group(key[order[k - 1]], gdue[order[k - 1]], key[i], gdue[i])) {
			gr = &r->groups[r->view.n_groups++];
			gr->milestone = key[i];
			if (gdue[i] && !(r->group_due[r->view.n_groups - 1] = strdup(gdue[i]))) {
				rc = oom();
				goto done;
			}
			gr->due = r->group_due[r->view.n_groups - 1];
			gr->issues = is;
		} else {
			gr = &r->groups[r->view.n_groups - 1];
		}
		gr->n++;
	}
#undef OPEN
	x->groups = r->groups;
done:
	for (uint32_t i = 0; dw.due && i < dw.n; i++)
		free(dw.due[i]);
	free(dw.due);
	free(lp.at);
	free(node);
	free(ids);
	free(key);
	free(gdue);
	free(order);
	free(titles);
	return rc;
}

static void str_or_null(struct cli_jw *w, const char *key, const char *s)
{
	if (s)
		cli_jw_string(w, key, s, strlen(s));
	else
		cli_jw_json(w, key, NULL);
}

void cli_release_jw(struct cli_jw *w, const struct analyze_graph *g, const struct cli_release *r)
{
	const struct render_release *x = &r->view;
	cli_jw_object_begin(w, "release");
	str_or_null(w, "milestone", x->milestone);
	str_or_null(w, "due_date", x->due);
	if (x->has_days_left)
		cli_jw_int(w, "days_left", x->days_left);
	else
		cli_jw_json(w, "days_left", NULL);
	cli_jw_object_begin(w, "issues");
	cli_jw_int(w, "opened", x->opened);
	cli_jw_int(w, "closed", x->closed);
	cli_jw_object_end(w);
	cli_jw_int(w, "ready", x->ready);
	cli_jw_int(w, "blocked", x->blocked);
	cli_jw_int(w, "in_knots", x->in_knots);
	cli_jw_array_begin(w, "outside_blockers");
	for (uint32_t i = 0; i < x->n_groups; i++) {
		const struct render_release_group *gr = &x->groups[i];
		cli_jw_object_begin(w, NULL);
		str_or_null(w, "milestone", gr->milestone);
		str_or_null(w, "due_date", gr->due);
		cli_jw_array_begin(w, "issues");
		for (uint32_t j = 0; j < gr->n; j++) {
			cli_jw_object_begin(w, NULL);
			cli_jw_ref(w, "ref", g, gr->issues[j].node);
			cli_jw_refs(w, "blocks", g, gr->issues[j].blocks, gr->issues[j].n_blocks);
			cli_jw_object_end(w);
		}
		cli_jw_array_end(w);
		cli_jw_object_end(w);
	}
	cli_jw_array_end(w);
	cli_jw_int(w, "conflicts", x->conflicts);
	cli_jw_int(w, "waves", x->waves);
	cli_jw_object_end(w);
}

void cli_release_free(struct cli_release *r)
{
	for (uint32_t i = 0; r->people && i < r->n_issues; i++)
		free((void *)r->people[i]);
	free(r->people);
	for (uint32_t i = 0; r->group_due && i < r->view.n_groups; i++)
		free(r->group_due[i]);
	free(r->group_due);
	free(r->groups);
	free(r->issues);
	free(r->blocks);
	free(r->due);
	free(r->counted_from);
	cli_titles_release(&r->details);
	memset(r, 0, sizeof *r);
}
