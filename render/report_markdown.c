/*
 * The report as GitLab-flavoured Markdown, ready to paste into an issue or
 * a merge request comment. Every issue is a link to its web_url; every
 * piece of text from GitLab goes through render_escape_markdown().
 */
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "render_internal.h"

struct md {
	FILE *fp;
	const struct render_report *r;
	bool oom;
};

static void md_text(struct md *m, const char *s)
{
	char *e = render_escape_markdown(s);
	if (!e) {
		m->oom = true;
		return;
	}
	fputs(e, m->fp);
	free(e);
}

/* Node v of g (full: of r->full) as a link "[ref](web_url)". */
static void md_issue(struct md *m, bool full, uint32_t v)
{
	const struct analyze_graph *g = full ? m->r->full : m->r->g;
	const struct render_texts *t = full ? m->r->full_text : m->r->g_text;
	char ref[512];
	analyze_ref(g, v, ref, sizeof ref);
	char *url = t && t->url[v] ? render_safe_url(t->url[v]) : NULL;
	if (url)
		fputc('[', m->fp);
	md_text(m, ref);
	if (url) {
		fprintf(m->fp, "](%s)", url);
		free(url);
	}
}

static void md_title(struct md *m, bool full, uint32_t v)
{
	bool hidden;
	const char *title = render_texts_title(full ? m->r->full_text : m->r->g_text, v, &hidden);
	if (hidden)
		fputs("*(confidential)*", m->fp);
	else if (title)
		md_text(m, title);
}

static void md_issue_titled(struct md *m, bool full, uint32_t v)
{
	md_issue(m, full, v);
	fputc(' ', m->fp);
	md_title(m, full, v);
}

/* How many of n to list, and the line that says what was left out. */
static uint32_t md_rows(const struct md *m, uint32_t n)
{
	return m->r->max_rows && n > m->r->max_rows ? m->r->max_rows : n;
}

static void md_more(struct md *m, uint32_t n, const char *what)
{
	uint32_t shown = md_rows(m, n);
	if (shown < n)
		fprintf(m->fp,
			"\n… and %u more %s (`issuegraph report --format json` lists them all).\n",
			n - shown, what);
}

static const char *finding_label(int kind)
{
	switch (kind) {
	case ANALYZE_FINDING_KNOTS:
		return "Knots (blocking cycles)";
	case ANALYZE_FINDING_CONFLICTS:
		return "Due-date conflicts";
	default:
		return "Closed but still blocked";
	}
}

static void md_summary(struct md *m)
{
	const struct render_report *r = m->r;
	FILE *fp = m->fp;
	fputs("# issuegraph report\n\n", fp);
	if (r->instance) {
		fputs("Instance: ", fp);
		char *u = render_safe_url(r->instance);
		if (u) {
			fprintf(fp, "<%s>", u);
			free(u);
		} else {
			md_text(m, r->instance);
		}
	}
	if (r->fetched_at) {
		fputs(r->instance ? " · last fetch started " : "Last fetch started ", fp);
		md_text(m, r->fetched_at);
	}
	if (r->instance || r->fetched_at)
		fputs("\n\n", fp);
	if (r->milestone || r->n_labels) {
		fputs("Scope: the issues", fp);
		if (r->milestone) {
			fputs(" of milestone **", fp);
			md_text(m, r->milestone);
			fputs("**", fp);
		}
		for (size_t i = 0; i < r->n_labels; i++) {
			fputs(i			? " and **"
			      : r->n_labels > 1 ? " with labels **"
						: " with label **",
			      fp);
			md_text(m, r->labels[i]);
			fputs("**", fp);
		}
		fputs(" and their transitive blockers.\n\n", fp);
	}
	if (r->release && render_release_markdown(fp, r) != 0)
		m->oom = true; /* the report opens with the release */
	fputs("## Summary\n\n| | |\n| :--- | ---: |\n", fp);
	fprintf(fp, "| Projects | %lld |\n", (long long)r->projects);
	fprintf(fp, "| Open issues | %lld |\n", (long long)r->issues_opened);
	fprintf(fp, "| Closed issues | %lld |\n", (long long)r->issues_closed);
	fprintf(fp, "| Blocking links | %lld |\n", (long long)r->links_blocks);
	fprintf(fp, "| Related links | %lld |\n", (long long)r->links_relates);
	for (int k = 0; k < ANALYZE_FINDING_KINDS; k++) {
		uint32_t n = r->findings->count[k];
		bool gate = (r->fail_on & ANALYZE_FINDING_BIT(k)) != 0;
		fprintf(fp, "| %s | %s%u%s |\n", finding_label(k), n && gate ? "**" : "", n,
			n && gate ? "** :x:" : "");
	}
	if (r->path && r->path->count)
		fprintf(fp, "| Critical path (%s) | %u steps, cost %lld |\n",
			r->weight == ANALYZE_WEIGHT_WEIGHT     ? "weight"
			: r->weight == ANALYZE_WEIGHT_ESTIMATE ? "estimate, seconds"
							       : "count",
			r->path->count, (long long)r->path->total);
	else
		fputs("| Critical path | none |\n", fp);
	if (r->fail_on) {
		/* new-knots and new-conflicts gate too (counted by the ratchet) */
		bool failed = false;
		for (int k = 0; k < ANALYZE_FINDING_ALL_KINDS; k++)
			if ((r->fail_on & ANALYZE_FINDING_BIT(k)) && r->findings->count[k])
				failed = true;
		fprintf(fp, "\n**Result: %s** (fails on", failed ? "failed :x:" : "passed");
		bool first = true;
		for (int k = 0; k < ANALYZE_FINDING_ALL_KINDS; k++) {
			if (!(r->fail_on & ANALYZE_FINDING_BIT(k)))
				continue;
			fprintf(fp, "%s %s", first ? "" : ",", analyze_finding_name(k));
			first = false;
		}
		fputs(")\n", fp);
	}
}

static void md_knots(struct md *m)
{
	const struct render_report *r = m->r;
	const struct analyze_knots *k = r->knots;
	FILE *fp = m->fp;
	fputs("\n## Knots\n\n", fp);
	uint32_t n = r->findings->count[ANALYZE_FINDING_KNOTS];
	if (n == 0) {
		fputs("No knots: no issue blocks itself through a chain of blocking links.\n", fp);
		return;
	}
	fputs("A knot is a set of open issues that block each other in a cycle: none of "
	      "them can be finished first. Removing the suggested links breaks every cycle.\n",
	      fp);
	for (uint32_t i = 0; i < md_rows(m, n); i++) {
		uint32_t kn = r->findings->knots[i];
		uint32_t size = k->member_off[kn + 1] - k->member_off[kn];
		fprintf(fp, "\n### Knot %u: %u issue%s\n\n", i + 1, size, size == 1 ? "" : "s");
		fprintf(fp, "Cycle%s: ",
			k->witness_shortest[kn] ? "" : " (not necessarily the shortest)");
		for (uint32_t w = k->witness_off[kn]; w < k->witness_off[kn + 1]; w++) {
			md_issue(m, false, k->witness[w]);
			fputs(" → ", fp);
		}
		md_issue(m, false, k->witness[k->witness_off[kn]]);
		fputs("\n\nSuggested cut: remove ", fp);
		for (uint32_t c = k->cut_off[kn]; c < k->cut_off[kn + 1]; c++) {
			if (c > k->cut_off[kn])
				fputs(c + 1 == k->cut_off[kn + 1] ? " and " : ", ", fp);
			fputs(analyze_edge_origin(r->g, k->cut[c].from, k->cut[c].to) &
				      ANALYZE_ORIGIN_LINK
				  ? "the link "
				  : "the dependency ",
			      fp);
			md_issue(m, false, k->cut[c].from);
			fputs(" blocks ", fp);
			md_issue(m, false, k->cut[c].to);
		}
		fputs(".\n\n", fp);
		uint32_t total = 0, text = render_report_text_edges(r, kn, &total);
		if (text)
			fprintf(fp, "%u of the cycle's %u links come from description text.\n\n",
				text, total);
		for (uint32_t c = k->cut_off[kn]; c < k->cut_off[kn + 1]; c++) {
			struct rbuf b = {0};
			if (render_report_edge_action(&b, r, k->cut[c].from, k->cut[c].to) != 0) {
				free(b.data);
				m->oom = true;
				continue;
			}
			char *act = rbuf_finish(&b);
			if (!act) {
				m->oom = true;
				continue;
			}
			fputs("- To cut: ", fp);
			md_text(m, act);
			fputc('\n', fp);
			free(act);
		}
		fputs("\n| Issue | Title |\n| --- | --- |\n", fp);
		for (uint32_t j = 0; j < md_rows(m, size); j++) {
			fputs("| ", fp);
			md_issue(m, false, k->members[k->member_off[kn] + j]);
			fputs(" | ", fp);
			md_title(m, false, k->members[k->member_off[kn] + j]);
			fputs(" |\n", fp);
		}
		md_more(m, size, "issues in this knot");
	}
	md_more(m, n, "knots");
}

static void md_path(struct md *m)
{
	const struct render_report *r = m->r;
	const struct analyze_steps *p = r->path;
	FILE *fp = m->fp;
	fputs("\n## Critical path\n\n", fp);
	if (!p || p->count == 0) {
		fputs("No open issue in scope.\n", fp);
		return;
	}
	fprintf(fp,
		"The longest chain of blocking work: %u step%s, total cost %lld (cost: %s). "
		"Each step blocks the next.\n\n",
		p->count, p->count == 1 ? "" : "s", (long long)p->total,
		r->weight == ANALYZE_WEIGHT_WEIGHT     ? "issue weight"
		: r->weight == ANALYZE_WEIGHT_ESTIMATE ? "remaining estimate in seconds"
						       : "1 per issue");
	for (uint32_t s = 0; s < md_rows(m, p->count); s++) {
		uint32_t size = p->off[s + 1] - p->off[s];
		fprintf(fp, "%u. ", s + 1);
		if (size == 1) {
			md_issue_titled(m, false, p->nodes[p->off[s]]);
		} else {
			fprintf(fp, "knot of %u issues: ", size);
			for (uint32_t j = p->off[s]; j < p->off[s + 1]; j++) {
				if (j > p->off[s])
					fputs(", ", fp);
				md_issue(m, false, p->nodes[j]);
			}
		}
		fprintf(fp, " — cost %lld\n", (long long)(p->cost ? p->cost[s] : 0));
	}
	md_more(m, p->count, "steps");
}

static void md_conflicts(struct md *m)
{
	const struct render_report *r = m->r;
	FILE *fp = m->fp;
	uint32_t n = r->findings->count[ANALYZE_FINDING_CONFLICTS];
	fputs("\n## Due-date conflicts\n\n", fp);
	if (n == 0) {
		fputs("None: every blocker is due no later than what it blocks.\n", fp);
		return;
	}
	fputs("The blocked issue is due before its blocker (or the blocker has no due date): "
	      "it cannot ship as planned.\n\n"
	      "| Blocker | Due | Blocks | Due |\n| --- | --- | --- | --- |\n",
	      fp);
	for (uint32_t i = 0; i < md_rows(m, n); i++) {
		struct analyze_edge e = r->findings->conflicts[i];
		char xd[16], yd[16];
		analyze_format_date(r->g->due[e.from], xd, sizeof xd);
		analyze_format_date(r->g->due[e.to], yd, sizeof yd);
		fputs("| ", fp);
		md_issue_titled(m, false, e.from);
		fprintf(fp, " | %s | ", *xd ? xd : "none");
		md_issue_titled(m, false, e.to);
		fprintf(fp, " | %s |\n", yd);
	}
	md_more(m, n, "conflicts");
}

static void md_closed_blocked(struct md *m)
{
	const struct render_report *r = m->r;
	FILE *fp = m->fp;
	uint32_t n = r->findings->count[ANALYZE_FINDING_CLOSED_BLOCKED];
	fputs("\n## Closed but still blocked\n\n", fp);
	if (n == 0) {
		fputs("None: no closed issue is blocked by an open one.\n", fp);
		return;
	}
	fputs("A closed issue that an open issue still blocks: closed too early, or a stale "
	      "link.\n\n| Open blocker | Closed issue |\n| --- | --- |\n",
	      fp);
	for (uint32_t i = 0; i < md_rows(m, n); i++) {
		struct analyze_edge e = r->findings->closed_blocked[i];
		fputs("| ", fp);
		md_issue_titled(m, true, e.from);
		fputs(" | ", fp);
		md_issue_titled(m, true, e.to);
		fputs(" |\n", fp);
	}
	md_more(m, n, "closed issues still blocked");
}

static void md_bottlenecks(struct md *m)
{
	const struct render_report *r = m->r;
	const struct analyze_bottlenecks *b = r->bottlenecks;
	FILE *fp = m->fp;
	fputs("\n## Bottlenecks\n\n", fp);
	if (!b || b->count == 0) {
		fputs("No open issue blocks another one.\n", fp);
		return;
	}
	fprintf(fp, "The open issues that block the most open issues: unblock these first.%s\n\n",
		b->estimated ? " On a graph this large the candidates were picked by an estimate "
			       "of their reach (a HyperLogLog sketch); the counts shown are exact, "
			       "but an issue with a close count may be missing."
			     : "");
	fputs("| Issue | Blocks directly | Blocks transitively | On critical path |\n"
	      "| --- | ---: | ---: | :---: |\n",
	      fp);
	for (uint32_t i = 0; i < b->count; i++) {
		const struct analyze_bottleneck *x = &b->items[i];
		fputs("| ", fp);
		md_issue_titled(m, false, x->node);
		fprintf(fp, " | %u | %u | %s |\n", x->blocks_directly, x->blocks_transitively,
			x->on_critical_path ? "yes" : "");
	}
}

static void md_ready(struct md *m)
{
	const struct render_report *r = m->r;
	FILE *fp = m->fp;
	if (!r->ready_node && !r->waiting_node)
		return;
	fputs("\n## Ready now\n\n", fp);
	if (r->n_ready == 0)
		fputs("No open issue can start now.\n", fp);
	else
		fprintf(
		    fp,
		    "%u open issue%s can start now (not in a knot, blocked by no open issue), "
		    "most unblocking first%s.\n\n| Issue | Blocks transitively |\n| --- | ---: |\n",
		    r->n_ready, r->n_ready == 1 ? "" : "s",
		    r->ready_estimated ? " (counts estimated: the graph is large)" : "");
	uint32_t shown = md_rows(m, r->n_ready);
	for (uint32_t i = 0; i < shown; i++) {
		fputs("| ", fp);
		md_issue_titled(m, false, r->ready_node[i]);
		fprintf(fp, " | %u |\n", r->ready_count[i]);
	}
	md_more(m, r->n_ready, "ready issues");
	if (r->n_waiting == 0)
		return;
	fputs("\nWaiting on a blocker named in a description that could not be read "
	      "(403/404 or no such issue):\n\n",
	      fp);
	uint32_t w = md_rows(m, r->n_waiting);
	for (uint32_t i = 0; i < w; i++) {
		fputs("- ", fp);
		md_issue_titled(m, false, r->waiting_node[i]);
		fprintf(fp, " (%u reference%s)\n", r->waiting_refs[i],
			r->waiting_refs[i] == 1 ? "" : "s");
	}
	md_more(m, r->n_waiting, "waiting issues");
}

/* An issue of the "Since" section: linked and titled when it is in the
 * store now, else its ref alone. */
static void md_since_issue(struct md *m, const struct render_since_issue *x)
{
	if (x->full != ANALYZE_NONE) {
		md_issue_titled(m, true, x->full);
		return;
	}
	char ref[600];
	render_since_ref(x, ref, sizeof ref);
	md_text(m, ref);
}

static void md_since_list(struct md *m, int kind)
{
	const struct render_since_list *l = &m->r->since->lists[kind];
	FILE *fp = m->fp;
	bool conflict =
	    kind == RENDER_SINCE_CONFLICTS_NEW || kind == RENDER_SINCE_CONFLICTS_RESOLVED;
	fprintf(fp, "\n### %s: %u\n\n", render_since_label(kind), l->n);
	for (uint32_t i = 0; i < md_rows(m, l->n); i++) {
		/* a knot's issues are capped too; a conflict is its two */
		uint32_t size = l->off[i + 1] - l->off[i],
			 shown = conflict ? size : md_rows(m, size);
		fputs("- ", fp);
		for (uint32_t j = 0; j < shown; j++) {
			if (j)
				fputs(conflict ? " blocks " : " · ", fp);
			md_since_issue(m, &l->v[l->off[i] + j]);
		}
		if (shown < size)
			fprintf(fp, " … and %u more", size - shown);
		fputc('\n', fp);
	}
	md_more(m, l->n,
		conflict			      ? "conflicts"
		: kind <= RENDER_SINCE_KNOTS_RESOLVED ? "knots"
						      : "issues");
}

/* "Since <date>": the changes command's answer, for people. */
static void md_since(struct md *m)
{
	const struct render_since *x = m->r->since;
	FILE *fp = m->fp;
	char then[64], now[64];
	if (!x)
		return;
	if (!x->then_at) {
		fputs("\n## Since the previous point\n\nNothing to compare with: ", fp);
		md_text(m, x->why);
		fputs(".\n", fp);
		return;
	}
	render_since_time(x->then_at, then, sizeof then);
	render_since_time(x->now_at, now, sizeof now);
	fputs("\n## Since ", fp);
	md_text(m, then);
	fputs("\n\nWhat changed in the blocking graph between the history point of ", fp);
	md_text(m, then);
	fputs(" and now (", fp);
	md_text(m, now);
	fprintf(fp, "). Critical path: then cost %lld in %u step%s, now cost %lld in %u step%s.\n",
		(long long)x->cost_then, x->steps_then, x->steps_then == 1 ? "" : "s",
		(long long)x->cost_now, x->steps_now, x->steps_now == 1 ? "" : "s");
	bool any_empty = false;
	for (int k = 0; k < RENDER_SINCE_KINDS; k++) {
		if (x->lists[k].n)
			md_since_list(m, k);
		else
			any_empty = true;
	}
	if (!any_empty)
		return;
	fputs("\nEmpty: ", fp);
	bool first = true;
	for (int k = 0; k < RENDER_SINCE_KINDS; k++) {
		if (x->lists[k].n)
			continue;
		fprintf(fp, "%s%s", first ? "" : "; ", render_since_label(k));
		first = false;
	}
	fputs(".\n", fp);
}

/* The Mermaid block: GitLab draws it inline in issues and merge requests.
 * render_escape_mermaid writes '`' as an entity, so nothing inside can
 * close the fence. */
static void md_diagram(struct md *m)
{
	const struct render_report *r = m->r;
	if (!r->mermaid)
		return;
	fputs("\n## Diagram\n\nKnots (their witness cycles, red) and the critical path (blue). "
	      "An arrow A \u2192 B means A blocks B.\n\n```mermaid\n",
	      m->fp);
	fputs(r->mermaid, m->fp);
	fputs("```\n", m->fp);
	if (r->mermaid_note) {
		fputs("\n", m->fp);
		md_text(m, r->mermaid_note);
		fputs("\n", m->fp);
	}
}

int render_report_markdown(FILE *out, const struct render_report *r)
{
	struct md m = {.fp = out, .r = r};
	md_summary(&m);
	md_since(&m);
	md_diagram(&m);
	md_knots(&m);
	md_path(&m);
	md_conflicts(&m);
	md_closed_blocked(&m);
	md_bottlenecks(&m);
	md_ready(&m);
	fputs("\n---\n*Generated by issuegraph.*\n", out);
	if (m.oom)
		return render_fail(RENDER_ENOMEM, "report: out of memory");
	if (ferror(out))
		return render_fail(RENDER_EIO, "report: cannot write");
	return 0;
}
