/*
 * The release section of report --milestone M (SPEC "report"), the first
 * thing the markdown and HTML reports show: M's due date and days left,
 * its issues, how many of the open ones are ready, blocked or in knots,
 * its conflicts and waves, and the open issues outside M that block it,
 * grouped by their milestone, each with its people and due date (and
 * where the date comes from). Everything is computed in cli/ and handed
 * over in struct render_release; this file only writes it.
 */
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlwriter.h>

#include "render.h"
#include "render_internal.h"

/* "Due 2027-01-15: 39 days left" and the like, as plain text. */
static void due_line(const struct render_release *x, char *buf, size_t len)
{
	if (!x->due) {
		snprintf(buf, len, "No due date: days left unknown");
		return;
	}
	long long d = (long long)x->days_left;
	if (!x->has_days_left)
		snprintf(buf, len, "Due %s", x->due);
	else if (d > 0)
		snprintf(buf, len, "Due %s: %lld day%s left", x->due, d, d == 1 ? "" : "s");
	else if (d == 0)
		snprintf(buf, len, "Due %s: due today", x->due);
	else
		snprintf(buf, len, "Due %s: overdue by %lld day%s", x->due, -d, d == -1 ? "" : "s");
}

/* The "Days left" cell: a number, or words; never empty. */
static void days_cell(const struct render_release *x, char *buf, size_t len)
{
	if (!x->due)
		snprintf(buf, len, "none (no due date)");
	else if (!x->has_days_left)
		snprintf(buf, len, "unknown (no completed fetch or import)");
	else
		snprintf(buf, len, "%lld%s", (long long)x->days_left,
			 x->days_left < 0 ? " (overdue)" : "");
}

/* The group's heading as plain text. */
static void group_head(const struct render_release_group *gr, char *buf, size_t len)
{
	if (!gr->milestone)
		snprintf(buf, len, "No milestone");
	else if (gr->due)
		snprintf(buf, len, "Milestone %s (due %s)", gr->milestone, gr->due);
	else
		snprintf(buf, len, "Milestone %s (no due date)", gr->milestone);
}

/* "due D (milestone M)" / "due D" / "no due date" */
static void issue_due(const struct render_release_issue *is, char *buf, size_t len)
{
	if (!is->due)
		snprintf(buf, len, "no due date");
	else if (is->due_milestone)
		snprintf(buf, len, "due %s (milestone %s)", is->due, is->due_milestone);
	else
		snprintf(buf, len, "due %s", is->due);
}

static uint32_t listed(const struct render_report *r, uint32_t n)
{
	return r->max_rows && n > r->max_rows ? r->max_rows : n;
}

static uint32_t outside_count(const struct render_release *x)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < x->n_groups; i++)
		n += x->groups[i].n;
	return n;
}

/* ---- markdown ---- */

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

static void md_issue(struct md *m, uint32_t v)
{
	const struct render_texts *t = m->r->g_text;
	char ref[512];
	analyze_ref(m->r->g, v, ref, sizeof ref);
	char *url = t && t->url[v] ? render_safe_url(t->url[v]) : NULL;
	if (url)
		fputc('[', m->fp);
	md_text(m, ref);
	if (url) {
		fprintf(m->fp, "](%s)", url);
		free(url);
	}
}

static void md_row(struct md *m, const char *label, const char *value)
{
	fprintf(m->fp, "| %s | ", label);
	md_text(m, value);
	fputs(" |\n", m->fp);
}

static void md_outside_issue(struct md *m, const struct render_release_issue *is)
{
	FILE *fp = m->fp;
	char buf[512];
	fputs("- ", fp);
	md_issue(m, is->node);
	bool hidden;
	const char *title = render_texts_title(m->r->g_text, is->node, &hidden);
	if (hidden) {
		fputs(" *(confidential)*", fp);
	} else if (title) {
		fputc(' ', fp);
		md_text(m, title);
	}
	fputs(" · ", fp);
	if (!is->n_people)
		fputs("unassigned", fp);
	for (uint32_t k = 0; k < is->n_people; k++) {
		fputs(k ? " @" : "@", fp);
		md_text(m, is->people[k]);
	}
	issue_due(is, buf, sizeof buf);
	fputs(" · ", fp);
	md_text(m, buf);
	fputs(" · blocks ", fp);
	for (uint32_t k = 0; k < is->n_blocks; k++) {
		if (k)
			fputs(", ", fp);
		md_issue(m, is->blocks[k]);
	}
	fputc('\n', fp);
}

int render_release_markdown(FILE *out, const struct render_report *r)
{
	const struct render_release *x = r->release;
	struct md m = {.fp = out, .r = r};
	char buf[512];
	fputs("## Release ", out);
	md_text(&m, x->milestone);
	fputs("\n\n", out);
	due_line(x, buf, sizeof buf);
	md_text(&m, buf);
	if (x->due && x->has_days_left && x->counted_from) {
		fputs(" (counted from ", out);
		md_text(&m, x->counted_from);
		fputs(", when the last completed fetch or import started)", out);
	}
	fputs(".\n\n| | |\n| :--- | ---: |\n", out);
	md_row(&m, "Due date", x->due ? x->due : "none");
	days_cell(x, buf, sizeof buf);
	md_row(&m, "Days left", buf);
	fprintf(out, "| Open issues | %lld |\n", (long long)x->opened);
	fprintf(out, "| Closed issues | %lld |\n", (long long)x->closed);
	fprintf(out, "| Ready now | %lld |\n", (long long)x->ready);
	fprintf(out, "| Blocked | %lld |\n", (long long)x->blocked);
	fprintf(out, "| In knots | %lld |\n", (long long)x->in_knots);
	fprintf(out, "| Due-date conflicts | %lld |\n", (long long)x->conflicts);
	fprintf(out, "| Waves left | %lld |\n", (long long)x->waves);
	uint32_t total = outside_count(x), shown = 0, cap = listed(r, total);
	fputs("\n### Blocking ", out);
	md_text(&m, x->milestone);
	fputs(" from outside\n\n", out);
	if (total == 0) {
		fputs("No open issue outside the milestone blocks its open issues.\n\n", out);
		return m.oom ? render_fail(RENDER_ENOMEM, "report: out of memory") : 0;
	}
	fprintf(out,
		"%u open issue%s outside the milestone block%s its open issues directly, by "
		"their own milestone:\n",
		total, total == 1 ? "" : "s", total == 1 ? "s" : "");
	for (uint32_t i = 0; i < x->n_groups && shown < cap; i++) {
		const struct render_release_group *gr = &x->groups[i];
		group_head(gr, buf, sizeof buf);
		fputs("\n#### ", out);
		md_text(&m, buf);
		fputs("\n\n", out);
		for (uint32_t j = 0; j < gr->n && shown < cap; j++, shown++)
			md_outside_issue(&m, &gr->issues[j]);
	}
	if (shown < total)
		fprintf(out,
			"\n… and %u more outside blockers (`issuegraph report --format json` lists "
			"them all).\n",
			total - shown);
	fputc('\n', out);
	return m.oom ? render_fail(RENDER_ENOMEM, "report: out of memory") : 0;
}

/* ---- html ---- */

struct ht {
	xmlTextWriterPtr w;
	const struct render_report *r;
	bool err;
};

static void chk(struct ht *h, int rc)
{
	if (rc < 0)
		h->err = true;
}

static void h_start(struct ht *h, const char *name)
{
	chk(h, xmlTextWriterStartElement(h->w, BAD_CAST name));
}

static void h_end(struct ht *h)
{
	chk(h, xmlTextWriterFullEndElement(h->w));
}

static void h_attr(struct ht *h, const char *name, const char *value)
{
	char *c = render_clean_text(value);
	if (!c) {
		h->err = true;
		return;
	}
	chk(h, xmlTextWriterWriteAttribute(h->w, BAD_CAST name, BAD_CAST c));
	free(c);
}

static void h_text(struct ht *h, const char *s)
{
	char *c = render_clean_text(s);
	if (!c) {
		h->err = true;
		return;
	}
	chk(h, xmlTextWriterWriteString(h->w, BAD_CAST c));
	free(c);
}

static void h_elem(struct ht *h, const char *name, const char *text)
{
	h_start(h, name);
	h_text(h, text);
	h_end(h);
}

static void h_span(struct ht *h, const char *cls, const char *text)
{
	h_start(h, "span");
	h_attr(h, "class", cls);
	h_text(h, text);
	h_end(h);
}

/* As the report's other issue links: the page's search finds them. */
static void h_issue(struct ht *h, uint32_t v, bool with_title)
{
	const struct render_texts *t = h->r->g_text;
	char ref[512];
	analyze_ref(h->r->g, v, ref, sizeof ref);
	bool hidden;
	const char *title = render_texts_title(t, v, &hidden);
	char *url = t && t->url[v] ? render_safe_url(t->url[v]) : NULL;
	h_start(h, "a");
	h_attr(h, "class", "ig-issue");
	if (url)
		h_attr(h, "href", url);
	h_attr(h, "data-ref", ref);
	if (title)
		h_attr(h, "data-title", title);
	h_text(h, ref);
	h_end(h);
	free(url);
	if (with_title && (title || hidden)) {
		h_text(h, " ");
		h_span(h, "ig-title", hidden ? "(confidential)" : title);
	}
}

static void h_row(struct ht *h, const char *label, const char *value)
{
	h_start(h, "tr");
	h_elem(h, "th", label);
	h_start(h, "td");
	h_attr(h, "class", "n");
	h_text(h, value);
	h_end(h);
	h_end(h);
}

static void h_row_n(struct ht *h, const char *label, int64_t n)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%lld", (long long)n);
	h_row(h, label, buf);
}

static void h_outside_issue(struct ht *h, const struct render_release_issue *is)
{
	char buf[512];
	h_start(h, "li");
	h_issue(h, is->node, true);
	h_text(h, " \u00b7 ");
	h_start(h, "span");
	h_attr(h, "class", "ig-people");
	if (!is->n_people)
		h_text(h, "unassigned");
	for (uint32_t k = 0; k < is->n_people; k++) {
		h_text(h, k ? " @" : "@");
		h_text(h, is->people[k]);
	}
	h_end(h);
	h_text(h, " \u00b7 ");
	issue_due(is, buf, sizeof buf);
	h_span(h, "ig-due", buf);
	h_text(h, " \u00b7 blocks ");
	for (uint32_t k = 0; k < is->n_blocks; k++) {
		if (k)
			h_text(h, ", ");
		h_issue(h, is->blocks[k], false);
	}
	h_end(h);
}

int render_release_html(struct _xmlTextWriter *w, const struct render_report *r)
{
	const struct render_release *x = r->release;
	struct ht h = {.w = w, .r = r};
	char buf[512];
	h_start(&h, "section");
	h_attr(&h, "id", "ig-release");
	snprintf(buf, sizeof buf, "Release %s", x->milestone);
	h_elem(&h, "h2", buf);
	h_start(&h, "p");
	h_attr(&h, "id", "ig-release-due");
	due_line(x, buf, sizeof buf);
	h_text(&h, buf);
	if (x->due && x->has_days_left && x->counted_from) {
		h_text(&h, " (counted from ");
		h_text(&h, x->counted_from);
		h_text(&h, ", when the last completed fetch or import started)");
	}
	h_text(&h, ".");
	h_end(&h);
	h_start(&h, "table");
	h_row(&h, "Due date", x->due ? x->due : "none");
	days_cell(x, buf, sizeof buf);
	h_row(&h, "Days left", buf);
	h_row_n(&h, "Open issues", x->opened);
	h_row_n(&h, "Closed issues", x->closed);
	h_row_n(&h, "Ready now", x->ready);
	h_row_n(&h, "Blocked", x->blocked);
	h_row_n(&h, "In knots", x->in_knots);
	h_row_n(&h, "Due-date conflicts", x->conflicts);
	h_row_n(&h, "Waves left", x->waves);
	h_end(&h);
	snprintf(buf, sizeof buf, "Blocking %s from outside", x->milestone);
	h_elem(&h, "h3", buf);
	uint32_t total = outside_count(x), shown = 0, cap = listed(r, total);
	if (total == 0)
		h_elem(&h, "p", "No open issue outside the milestone blocks its open issues.");
	for (uint32_t i = 0; i < x->n_groups && shown < cap; i++) {
		const struct render_release_group *gr = &x->groups[i];
		h_start(&h, "div");
		h_attr(&h, "class", "ig-release-group");
		group_head(gr, buf, sizeof buf);
		h_elem(&h, "h4", buf);
		h_start(&h, "ul");
		for (uint32_t j = 0; j < gr->n && shown < cap; j++, shown++)
			h_outside_issue(&h, &gr->issues[j]);
		h_end(&h);
		h_end(&h);
	}
	if (shown < total) {
		snprintf(buf, sizeof buf,
			 "\u2026 and %u more outside blockers (issuegraph report --format json "
			 "lists them all).",
			 total - shown);
		h_start(&h, "p");
		h_attr(&h, "class", "ig-note");
		h_text(&h, buf);
		h_end(&h);
	}
	h_end(&h); /* section */
	return h.err ? render_fail(RENDER_ENOMEM, "report: cannot write the HTML") : 0;
}
