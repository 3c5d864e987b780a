/*
 * The report as one self-contained HTML file: the summary, the diagram as
 * inline SVG (clickable nodes, from render_to_buffer), a search box that
 * finds and highlights an issue, and the knots, the critical path, the
 * conflicts and the bottlenecks beside it. No external resources.
 *
 * Written with libxml2's xmlTextWriter so every piece of text and every
 * attribute is escaped by the library; only the SVG (already XML from
 * Graphviz) and our own constant CSS and script go in raw. Non-void
 * elements are closed with xmlTextWriterFullEndElement: "<div/>" is not an
 * empty element in HTML.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlwriter.h>

#include "render.h"
#include "render_internal.h"

static const char css[] =
    "*{box-sizing:border-box}"
    "body{margin:0;font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;"
    "color:#1f1f1f;background:#fafafa}"
    "header{padding:12px 20px;background:#2f2a6b;color:#fff}"
    "header h1{margin:0;font-size:20px}header p{margin:4px 0 0;opacity:.85}"
    "#ig-bar{position:sticky;top:0;z-index:2;padding:8px 20px;background:#eee;"
    "border-bottom:1px solid #ccc;display:flex;gap:12px;align-items:center}"
    "#ig-search{width:28em;max-width:60vw;padding:6px 8px;font-size:14px}"
    "#ig-status{color:#555}"
    "main{display:grid;grid-template-columns:minmax(0,1fr) 30em;gap:16px;padding:16px 20px}"
    "@media (max-width:1000px){main{grid-template-columns:1fr}}"
    "section{background:#fff;border:1px solid #ddd;border-radius:6px;padding:10px 14px;"
    "margin-bottom:14px}"
    "h2{font-size:16px;margin:0 0 8px}"
    "#ig-diagram{overflow:auto;max-height:85vh}"
    "#ig-diagram svg{max-width:none;height:auto}"
    ".ig-note{background:#fff6d6;border:1px solid #e8d48a;padding:6px 8px;border-radius:4px}"
    "table{border-collapse:collapse;width:100%}"
    "td,th{border-bottom:1px solid #eee;padding:3px 6px;text-align:left;vertical-align:top}"
    "td.n{text-align:right}"
    ".ig-bad{color:#b00020;font-weight:bold}"
    "ol,ul{padding-left:1.6em;margin:4px 0}"
    "a.ig-issue{font-family:ui-monospace,Menlo,Consolas,monospace;white-space:nowrap}"
    ".ig-title{color:#444}"
    ".ig-hit{background:#ffe066;outline:2px solid #e0a800}"
    "g.node.ig-hit polygon,g.node.ig-hit ellipse,g.node.ig-hit path"
    "{stroke:#e00000 !important;stroke-width:5px !important}"
    "g.node.ig-hit text{font-weight:bold}";

/* Our own constant script: no "</" inside, so it cannot end the element. */
static const char script[] =
    "(function(){'use strict';\n"
    "var box=document.getElementById('ig-search'),st=document.getElementById('ig-status');\n"
    "var nodes=[].slice.call(document.querySelectorAll('#ig-diagram g.node:not(.legend)'));\n"
    "var items=[].slice.call(document.querySelectorAll('[data-ref]'));\n"
    "function nref(g){var t=g.querySelector('title');return t?t.textContent.trim():'';}\n"
    "function ntext(g){var s=g.textContent,a=g.querySelector('a');\n"
    " if(a){s+=' '+(a.getAttribute('xlink:title')||a.getAttribute('title')||'');}\n"
    " return s.toLowerCase();}\n"
    "var nrefs=nodes.map(nref),ntexts=nodes.map(ntext);\n"
    "var irefs=items.map(function(e){return e.getAttribute('data-ref');});\n"
    "var itexts=items.map(function(e){return (e.getAttribute('data-ref')+' '+"
    "(e.getAttribute('data-title')||'')).toLowerCase();});\n"
    "function search(){\n"
    " var q=box.value.trim(),lq=q.toLowerCase(),hits=0,first=null;\n"
    " var exact=q!==''&&(nrefs.indexOf(q)>=0||irefs.indexOf(q)>=0);\n"
    " function m(ref,text){return q!==''&&(exact?ref===q:text.indexOf(lq)>=0);}\n"
    " nodes.forEach(function(g,i){var on=m(nrefs[i],ntexts[i]);g.classList.toggle('ig-hit',on);\n"
    "  if(on){hits++;if(!first)first=g;}});\n"
    " var listed=0;items.forEach(function(e,i){var on=m(irefs[i],itexts[i]);"
    "e.classList.toggle('ig-hit',on);if(on){listed++;if(!first)first=e;}});\n"
    " st.textContent=q===''?'':(hits+' in the diagram, '+listed+' in the lists'+"
    "(hits+listed?'':' (no issue matches)'));\n"
    " if(first&&first.scrollIntoView){first.scrollIntoView({block:'center',inline:'center'});}\n"
    "}\n"
    "box.addEventListener('input',search);\n"
    "box.addEventListener('keydown',function(ev){if(ev.key==='Enter'){ev.preventDefault();"
    "search();}});\n"
    "items.forEach(function(e){e.addEventListener('mouseenter',function(){"
    "var r=e.getAttribute('data-ref');nodes.forEach(function(g,i){"
    "g.classList.toggle('ig-hit',nrefs[i]===r);});});});\n"
    "if(location.hash.length>1){box.value=decodeURIComponent(location.hash.slice(1));search();}\n"
    "})();\n";

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

/* A void element (<meta>, <input>, <link>) ends as "<x .../>", fine in HTML. */
static void h_end_void(struct ht *h)
{
	chk(h, xmlTextWriterEndElement(h->w));
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

static void h_textf(struct ht *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void h_textf(struct ht *h, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	h_text(h, buf);
}

static void h_elem(struct ht *h, const char *name, const char *text)
{
	h_start(h, name);
	h_text(h, text);
	h_end(h);
}

static uint32_t h_rows(const struct ht *h, uint32_t n)
{
	return h->r->max_rows && n > h->r->max_rows ? h->r->max_rows : n;
}

/* After a list cut at h_rows(): say what was left out. */
static void h_more(struct ht *h, uint32_t n, const char *what)
{
	uint32_t shown = h_rows(h, n);
	if (shown >= n)
		return;
	h_start(h, "p");
	h_attr(h, "class", "ig-note");
	h_textf(h, "\u2026 and %u more %s (issuegraph report --format json lists them all).",
		n - shown, what);
	h_end(h);
}

static const char *title_of(const struct render_report *r, bool full, uint32_t v)
{
	const struct analyze_graph *g = full ? r->full : r->g;
	const char *const *titles = full ? r->full_title : r->g_title;
	if ((g->flags[v] & ANALYZE_NODE_CONFIDENTIAL) && !r->show_confidential)
		return NULL;
	return titles ? titles[v] : NULL;
}

/* <a class="ig-issue" href=web_url data-ref=ref data-title=title>ref</a> */
static void h_issue(struct ht *h, bool full, uint32_t v, bool with_title)
{
	const struct render_report *r = h->r;
	const struct analyze_graph *g = full ? r->full : r->g;
	const char *const *urls = full ? r->full_url : r->g_url;
	char ref[512];
	analyze_ref(g, v, ref, sizeof ref);
	const char *title = title_of(r, full, v);
	bool hidden = (g->flags[v] & ANALYZE_NODE_CONFIDENTIAL) && !r->show_confidential;
	char *url = urls && urls[v] ? render_safe_url(urls[v]) : NULL;
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
		h_start(h, "span");
		h_attr(h, "class", "ig-title");
		h_text(h, hidden ? "(confidential)" : title);
		h_end(h);
	}
}

static void h_row(struct ht *h, const char *label, long long n, bool bad)
{
	h_start(h, "tr");
	h_elem(h, "th", label);
	h_start(h, "td");
	h_attr(h, "class", bad ? "n ig-bad" : "n");
	h_textf(h, "%lld", n);
	h_end(h);
	h_end(h);
}

static void h_summary(struct ht *h)
{
	const struct render_report *r = h->r;
	h_start(h, "section");
	h_attr(h, "id", "ig-summary");
	h_elem(h, "h2", "Summary");
	h_start(h, "table");
	h_row(h, "Projects", r->projects, false);
	h_row(h, "Open issues", r->issues_opened, false);
	h_row(h, "Closed issues", r->issues_closed, false);
	h_row(h, "Blocking links", r->links_blocks, false);
	h_row(h, "Related links", r->links_relates, false);
	static const char *const labels[] = {"Knots", "Due-date conflicts",
					     "Closed but still blocked"};
	for (int k = 0; k < ANALYZE_FINDING_KINDS; k++)
		h_row(h, labels[k], r->findings->count[k],
		      r->findings->count[k] && (r->fail_on & ANALYZE_FINDING_BIT(k)));
	h_row(h, "Critical path steps", r->path ? r->path->count : 0, false);
	h_row(h, "Critical path cost", r->path ? r->path->total : 0, false);
	h_end(h);
	if (r->fail_on) {
		bool failed = false;
		for (int k = 0; k < ANALYZE_FINDING_KINDS; k++)
			failed |= (r->fail_on & ANALYZE_FINDING_BIT(k)) && r->findings->count[k];
		h_start(h, "p");
		h_attr(h, "id", "ig-result");
		h_attr(h, "class", failed ? "ig-bad" : "");
		h_text(h, failed ? "Result: failed" : "Result: passed");
		h_end(h);
	}
	h_end(h);
}

static void h_knots(struct ht *h)
{
	const struct render_report *r = h->r;
	const struct analyze_knots *k = r->knots;
	uint32_t n = r->findings->count[ANALYZE_FINDING_KNOTS];
	h_start(h, "section");
	h_attr(h, "id", "ig-knots");
	h_elem(h, "h2", "Knots (blocking cycles)");
	if (n == 0) {
		h_elem(h, "p", "No knots.");
		h_end(h);
		return;
	}
	h_start(h, "ol");
	for (uint32_t i = 0; i < h_rows(h, n); i++) {
		uint32_t kn = r->findings->knots[i];
		h_start(h, "li");
		h_textf(h, "%u issues; cycle: ", k->member_off[kn + 1] - k->member_off[kn]);
		for (uint32_t w = k->witness_off[kn]; w < k->witness_off[kn + 1]; w++) {
			h_issue(h, false, k->witness[w], false);
			h_text(h, " \u2192 ");
		}
		h_issue(h, false, k->witness[k->witness_off[kn]], false);
		h_start(h, "br");
		h_end_void(h);
		h_text(h, "Suggested cut: ");
		for (uint32_t c = k->cut_off[kn]; c < k->cut_off[kn + 1]; c++) {
			if (c > k->cut_off[kn])
				h_text(h, ", ");
			h_issue(h, false, k->cut[c].from, false);
			h_text(h, " blocks ");
			h_issue(h, false, k->cut[c].to, false);
		}
		uint32_t total = 0, text = render_report_text_edges(r, kn, &total);
		if (text) {
			h_start(h, "br");
			h_end_void(h);
			h_textf(h, "%u of the cycle's %u links come from description text.", text,
				total);
		}
		for (uint32_t c = k->cut_off[kn]; c < k->cut_off[kn + 1]; c++) {
			struct rbuf b = {0};
			char *act = NULL;
			if (render_report_edge_action(&b, r, k->cut[c].from, k->cut[c].to) != 0 ||
			    !(act = rbuf_finish(&b))) {
				free(b.data);
				h->err = true;
				continue;
			}
			h_start(h, "br");
			h_end_void(h);
			h_text(h, "To cut: ");
			h_text(h, act);
			free(act);
		}
		uint32_t size = k->member_off[kn + 1] - k->member_off[kn];
		h_start(h, "ul");
		for (uint32_t q = 0; q < h_rows(h, size); q++) {
			h_start(h, "li");
			h_issue(h, false, k->members[k->member_off[kn] + q], true);
			h_end(h);
		}
		h_end(h);
		h_more(h, size, "issues in this knot");
		h_end(h);
	}
	h_end(h);
	h_more(h, n, "knots");
	h_end(h);
}

static void h_path(struct ht *h)
{
	const struct render_report *r = h->r;
	const struct analyze_steps *p = r->path;
	h_start(h, "section");
	h_attr(h, "id", "ig-path");
	h_elem(h, "h2", "Critical path");
	if (!p || p->count == 0) {
		h_elem(h, "p", "No open issue in scope.");
		h_end(h);
		return;
	}
	h_start(h, "p");
	h_textf(h, "%u steps, total cost %lld (%s). Each step blocks the next.", p->count,
		(long long)p->total,
		r->weight == ANALYZE_WEIGHT_WEIGHT     ? "weight"
		: r->weight == ANALYZE_WEIGHT_ESTIMATE ? "remaining estimate, seconds"
						       : "1 per issue");
	h_end(h);
	h_start(h, "ol");
	for (uint32_t s = 0; s < h_rows(h, p->count); s++) {
		h_start(h, "li");
		uint32_t size = p->off[s + 1] - p->off[s];
		if (size > 1)
			h_textf(h, "knot of %u: ", size);
		for (uint32_t j = p->off[s]; j < p->off[s + 1]; j++) {
			if (j > p->off[s])
				h_text(h, ", ");
			h_issue(h, false, p->nodes[j], size == 1);
		}
		h_textf(h, " (cost %lld)", (long long)(p->cost ? p->cost[s] : 0));
		h_end(h);
	}
	h_end(h);
	h_more(h, p->count, "steps");
	h_end(h);
}

static void h_links(struct ht *h, int kind)
{
	const struct render_report *r = h->r;
	bool full = kind == ANALYZE_FINDING_CLOSED_BLOCKED;
	uint32_t n = r->findings->count[kind];
	const struct analyze_edge *e = full ? r->findings->closed_blocked : r->findings->conflicts;
	h_start(h, "section");
	h_attr(h, "id", full ? "ig-closed-blocked" : "ig-conflicts");
	h_elem(h, "h2", full ? "Closed but still blocked" : "Due-date conflicts");
	if (n == 0) {
		h_elem(h, "p", "None.");
		h_end(h);
		return;
	}
	h_start(h, "ul");
	for (uint32_t i = 0; i < h_rows(h, n); i++) {
		h_start(h, "li");
		h_issue(h, full, e[i].from, true);
		if (full) {
			h_text(h, " (open) blocks ");
		} else {
			char d[16];
			analyze_format_date(r->g->due[e[i].from], d, sizeof d);
			h_textf(h, " (due %s) blocks ", *d ? d : "none");
		}
		h_issue(h, full, e[i].to, true);
		if (full) {
			h_text(h, " (closed)");
		} else {
			char d[16];
			analyze_format_date(r->g->due[e[i].to], d, sizeof d);
			h_textf(h, " (due %s)", d);
		}
		h_end(h);
	}
	h_end(h);
	h_more(h, n, full ? "closed issues still blocked" : "conflicts");
	h_end(h);
}

static void h_bottlenecks(struct ht *h)
{
	const struct analyze_bottlenecks *b = h->r->bottlenecks;
	h_start(h, "section");
	h_attr(h, "id", "ig-bottlenecks");
	h_elem(h, "h2", "Bottlenecks");
	if (!b || b->count == 0) {
		h_elem(h, "p", "No open issue blocks another one.");
		h_end(h);
		return;
	}
	if (b->estimated)
		h_elem(h, "p",
		       "On a graph this large the candidates were picked by an estimate of their "
		       "reach (a HyperLogLog sketch); the counts shown are exact, but an issue "
		       "with a close count may be missing.");
	h_start(h, "table");
	h_start(h, "tr");
	h_elem(h, "th", "Issue");
	h_elem(h, "th", "Directly");
	h_elem(h, "th", "Transitively");
	h_elem(h, "th", "Critical");
	h_end(h);
	for (uint32_t i = 0; i < b->count; i++) {
		const struct analyze_bottleneck *x = &b->items[i];
		h_start(h, "tr");
		h_start(h, "td");
		h_issue(h, false, x->node, false);
		h_end(h);
		h_start(h, "td");
		h_attr(h, "class", "n");
		h_textf(h, "%u", x->blocks_directly);
		h_end(h);
		h_start(h, "td");
		h_attr(h, "class", "n");
		h_textf(h, "%u", x->blocks_transitively);
		h_end(h);
		h_elem(h, "td", x->on_critical_path ? "yes" : "");
		h_end(h);
	}
	h_end(h);
	h_end(h);
}

int render_report_html(FILE *out, const struct render_report *r)
{
	struct ht h = {.r = r};
	int rc = 0;
	xmlBufferPtr buf = xmlBufferCreate();
	if (!buf)
		return render_fail(RENDER_ENOMEM, "report: out of memory");
	h.w = xmlNewTextWriterMemory(buf, 0);
	if (!h.w) {
		xmlBufferFree(buf);
		return render_fail(RENDER_ENOMEM, "report: out of memory");
	}
	chk(&h, xmlTextWriterWriteRaw(h.w, BAD_CAST "<!DOCTYPE html>\n"));
	h_start(&h, "html");
	h_attr(&h, "lang", "en");
	h_start(&h, "head");
	h_start(&h, "meta");
	h_attr(&h, "charset", "utf-8");
	h_end_void(&h);
	h_start(&h, "meta");
	h_attr(&h, "name", "viewport");
	h_attr(&h, "content", "width=device-width, initial-scale=1");
	h_end_void(&h);
	/* no favicon request: the file must not reach for anything */
	h_start(&h, "link");
	h_attr(&h, "rel", "icon");
	h_attr(&h, "href", "data:,");
	h_end_void(&h);
	h_elem(&h, "title", r->milestone ? "issuegraph report (milestone)" : "issuegraph report");
	h_start(&h, "style");
	chk(&h, xmlTextWriterWriteRaw(h.w, BAD_CAST css));
	h_end(&h);
	h_end(&h); /* head */

	h_start(&h, "body");
	h_start(&h, "header");
	h_elem(&h, "h1", "issuegraph report");
	h_start(&h, "p");
	if (r->instance)
		h_textf(&h, "%s", r->instance);
	if (r->fetched_at)
		h_textf(&h, "%slast fetch started %s", r->instance ? " \u00b7 " : "",
			r->fetched_at);
	if (r->milestone)
		h_textf(&h, " \u00b7 scope: milestone %s and its transitive blockers",
			r->milestone);
	h_end(&h);
	h_end(&h);

	h_start(&h, "div");
	h_attr(&h, "id", "ig-bar");
	h_start(&h, "input");
	h_attr(&h, "id", "ig-search");
	h_attr(&h, "type", "search");
	h_attr(&h, "placeholder", "Find an issue: ref (group/app#12) or words of its title");
	h_attr(&h, "autocomplete", "off");
	h_attr(&h, "aria-label", "Find an issue");
	h_end_void(&h);
	h_start(&h, "span");
	h_attr(&h, "id", "ig-status");
	h_end(&h);
	h_end(&h);

	h_start(&h, "main");
	h_start(&h, "div");
	h_start(&h, "section");
	h_attr(&h, "id", "ig-diagram");
	h_elem(&h, "h2", "Diagram");
	if (r->diagram_note) {
		h_start(&h, "p");
		h_attr(&h, "class", "ig-note");
		h_text(&h, r->diagram_note);
		h_end(&h);
	}
	if (r->svg)
		chk(&h, xmlTextWriterWriteRaw(h.w, BAD_CAST r->svg));
	else if (!r->diagram_note)
		h_elem(&h, "p", "No diagram.");
	h_end(&h);
	h_end(&h);

	h_start(&h, "aside");
	h_summary(&h);
	h_knots(&h);
	h_path(&h);
	h_links(&h, ANALYZE_FINDING_CONFLICTS);
	h_links(&h, ANALYZE_FINDING_CLOSED_BLOCKED);
	h_bottlenecks(&h);
	h_end(&h);
	h_end(&h); /* main */

	h_start(&h, "script");
	chk(&h, xmlTextWriterWriteRaw(h.w, BAD_CAST script));
	h_end(&h);
	h_end(&h); /* body */
	h_end(&h); /* html */
	chk(&h, xmlTextWriterEndDocument(h.w));
	xmlFreeTextWriter(h.w);
	if (h.err)
		rc = render_fail(RENDER_ENOMEM, "report: cannot write the HTML");
	else if (fwrite(xmlBufferContent(buf), 1, (size_t)xmlBufferLength(buf), out) !=
		     (size_t)xmlBufferLength(buf) ||
		 fputc('\n', out) == EOF || ferror(out))
		rc = render_fail(RENDER_EIO, "report: cannot write");
	xmlBufferFree(buf);
	return rc;
}
