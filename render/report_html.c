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
    /* the diagram beside the summary; the findings below, across the
     * page's width in as many columns as fit (not one narrow column
     * beside the diagram that leaves the space under it empty) */
    "main{display:grid;grid-template-columns:minmax(0,1fr) 22em;gap:0 16px;padding:16px 20px;"
    "align-items:start}"
    "#ig-findings{grid-column:1/-1;columns:28em;column-gap:16px}"
    "#ig-findings>section{break-inside:avoid}"
    "#ig-release{grid-column:1/-1}#ig-release h3{font-size:15px;margin:10px 0 4px}"
    "#ig-release h4{font-size:14px;margin:8px 0 2px}#ig-release table{width:auto}"
    "@media (max-width:1000px){main{grid-template-columns:1fr}}"
    "section{background:#fff;border:1px solid #ddd;border-radius:6px;padding:10px 14px;"
    "margin-bottom:14px}"
    "h2{font-size:16px;margin:0 0 8px}"
    "#ig-tools{display:flex;flex-wrap:wrap;gap:6px;align-items:center;margin-bottom:6px}"
    "#ig-tools button{min-width:2.4em;padding:3px 8px;font-size:14px}"
    "#ig-tools select{max-width:24em;padding:3px;font-size:14px}"
    "#ig-view{position:relative;overflow:hidden;height:75vh;border:1px solid #ddd;"
    "background:#fff;cursor:grab;touch-action:none;user-select:none}"
    "#ig-view:focus{outline:2px solid #2f2a6b;outline-offset:1px}"
    "#ig-view.ig-drag{cursor:grabbing}"
    "#ig-view svg{position:absolute;left:0;top:0;max-width:none;transform-origin:0 0}"
    "#ig-view.ig-marking g.node:not(.ig-mark):not(.legend){opacity:.25}"
    "#ig-view.ig-marking g.edge{opacity:.35}"
    "g.node.ig-mark polygon,g.node.ig-mark ellipse,g.node.ig-mark path"
    "{stroke:#0b61d6 !important;stroke-width:4px !important}"
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

/* Our own constant script: no "</" inside, so it cannot end the element.
 * Search; the diagram's zoom (wheel at the pointer, buttons, keys), pan
 * (drag, arrow keys), fit; highlighting by project, milestone or label. */
static const char script[] =
    "(function(){'use strict';\n"
    "var box=document.getElementById('ig-search'),st=document.getElementById('ig-status');\n"
    "var view=document.getElementById('ig-view'),svg=view?view.querySelector('svg'):null;\n"
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
    /* ---- zoom and pan: a CSS transform on the SVG inside #ig-view ---- */
    "var z={s:1,x:0,y:0},W=1,H=1,MIN=0.02,MAX=8;\n"
    "function apply(){if(svg){svg.style.transform='translate('+z.x+'px,'+z.y+'px) scale('+z.s+')';"
    "view.setAttribute('data-scale',z.s.toFixed(4));}}\n"
    "function zoomAt(px,py,f){var ns=Math.min(MAX,Math.max(MIN,z.s*f));"
    "z.x=px-(px-z.x)*ns/z.s;z.y=py-(py-z.y)*ns/z.s;z.s=ns;apply();}\n"
    "function zoomMid(f){zoomAt(view.clientWidth/2,view.clientHeight/2,f);}\n"
    "function fit(){var vw=view.clientWidth,vh=view.clientHeight;"
    "z.s=Math.min(MAX,Math.max(MIN,Math.min(vw/W,vh/H)));"
    "z.x=(vw-W*z.s)/2;z.y=(vh-H*z.s)/2;apply();}\n"
    "function actual(){z.s=1;z.x=Math.min(0,(view.clientWidth-W)/2);z.y=0;apply();}\n"
    "function centerOn(g){var b=g.getBoundingClientRect(),r=view.getBoundingClientRect();"
    "z.x+=r.left+r.width/2-(b.left+b.width/2);z.y+=r.top+r.height/2-(b.top+b.height/2);apply();}\n"
    "if(svg){\n"
    " svg.style.transform='none';var bb=svg.getBoundingClientRect();"
    "W=Math.max(1,bb.width);H=Math.max(1,bb.height);"
    "svg.style.width=W+'px';svg.style.height=H+'px';\n"
    " view.addEventListener('wheel',function(ev){ev.preventDefault();"
    "var r=view.getBoundingClientRect(),d=ev.deltaY*(ev.deltaMode===1?16:ev.deltaMode===2?400:1);"
    "zoomAt(ev.clientX-r.left,ev.clientY-r.top,Math.exp(-d*0.0015));},{passive:false});\n"
    " var drag=null,moved=false;\n"
    " view.addEventListener('pointerdown',function(ev){if(ev.button!==0)return;"
    "drag={x:ev.clientX,y:ev.clientY,zx:z.x,zy:z.y};moved=false;});\n"
    " view.addEventListener('pointermove',function(ev){if(!drag)return;"
    "var dx=ev.clientX-drag.x,dy=ev.clientY-drag.y;"
    "if(!moved&&Math.abs(dx)+Math.abs(dy)>3){moved=true;view.classList.add('ig-drag');"
    "try{view.setPointerCapture(ev.pointerId);}catch(e){}}"
    "if(moved){z.x=drag.zx+dx;z.y=drag.zy+dy;apply();}});\n"
    " function up(){drag=null;view.classList.remove('ig-drag');}\n"
    " view.addEventListener('pointerup',up);view.addEventListener('pointercancel',up);\n"
    /* a drag that ends on a node must not follow its link */
    " view.addEventListener('click',function(ev){if(moved){ev.preventDefault();"
    "ev.stopPropagation();moved=false;}},true);\n"
    " view.addEventListener('keydown',function(ev){var k=ev.key,step=40;"
    "if(k==='+'||k==='=')zoomMid(1.25);else if(k==='-'||k==='_')zoomMid(0.8);"
    "else if(k==='0')fit();else if(k==='1')actual();"
    "else if(k==='ArrowLeft'){z.x+=step;apply();}else if(k==='ArrowRight'){z.x-=step;apply();}"
    "else if(k==='ArrowUp'){z.y+=step;apply();}else if(k==='ArrowDown'){z.y-=step;apply();}"
    "else return;ev.preventDefault();});\n"
    " function btn(id,f){var b=document.getElementById(id);"
    "if(b)b.addEventListener('click',function(){f();});}\n"
    " btn('ig-zin',function(){zoomMid(1.25);});btn('ig-zout',function(){zoomMid(0.8);});\n"
    " btn('ig-fit',fit);btn('ig-actual',actual);\n"
    " fit();if(z.s>1){actual();}\n"
    "}\n"
    /* ---- highlight by project, milestone or label ---- */
    "var hl=document.getElementById('ig-hl'),hst=document.getElementById('ig-hl-status');\n"
    "function mark(){var o=hl.options[hl.selectedIndex],want={},n=0;\n"
    " var refs=o&&o.value!==''?(o.getAttribute('data-refs')||'').split(' '):[];\n"
    " refs.forEach(function(r){if(r)want[r]=1;});\n"
    " nodes.forEach(function(g,i){var on=want[nrefs[i]]===1;g.classList.toggle('ig-mark',on);"
    "if(on)n++;});\n"
    " if(view)view.classList.toggle('ig-marking',refs.length>0);\n"
    " if(hst)hst.textContent=refs.length?(n+' marked'):'';}\n"
    "if(hl){hl.addEventListener('change',mark);mark();}\n"
    /* ---- search ---- */
    "function search(){\n"
    " var q=box.value.trim(),lq=q.toLowerCase(),hits=0,first=null,firstNode=null;\n"
    " var exact=q!==''&&(nrefs.indexOf(q)>=0||irefs.indexOf(q)>=0);\n"
    " function m(ref,text){return q!==''&&(exact?ref===q:text.indexOf(lq)>=0);}\n"
    " nodes.forEach(function(g,i){var on=m(nrefs[i],ntexts[i]);g.classList.toggle('ig-hit',on);\n"
    "  if(on){hits++;if(!firstNode)firstNode=g;}});\n"
    " var listed=0;items.forEach(function(e,i){var on=m(irefs[i],itexts[i]);"
    "e.classList.toggle('ig-hit',on);if(on){listed++;if(!first)first=e;}});\n"
    " st.textContent=q===''?'':(hits+' in the diagram, '+listed+' in the lists'+"
    "(hits+listed?'':' (no issue matches)'));\n"
    " if(firstNode&&svg){centerOn(firstNode);}\n"
    " else "
    "if(first&&first.scrollIntoView){first.scrollIntoView({block:'center',inline:'center'});}\n"
    "}\n"
    "box.addEventListener('input',search);\n"
    "box.addEventListener('keydown',function(ev){if(ev.key==='Enter'){ev.preventDefault();"
    "search();}});\n"
    "items.forEach(function(e){e.addEventListener('mouseenter',function(){"
    "var r=e.getAttribute('data-ref');nodes.forEach(function(g,i){"
    "g.classList.toggle('ig-hit',nrefs[i]===r);});});});\n"
    "if(location.hash.length>1){box.value=decodeURIComponent(location.hash.slice(1));search();}\n"
    "})();\n";

/* "'sha256-<base64>'": a CSP source that allows exactly this inline text. */
static void csp_hash(const char *text, char out[64])
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned char d[33] = {0};
	render_sha256(text, strlen(text), d);
	char *o = out;
	o += sprintf(o, "'sha256-");
	for (int i = 0; i < 33; i += 3) {
		unsigned v = (unsigned)d[i] << 16 | (unsigned)d[i + 1] << 8 | d[i + 2];
		*o++ = b64[v >> 18 & 63];
		*o++ = b64[v >> 12 & 63];
		*o++ = i + 1 < 32 ? b64[v >> 6 & 63] : '=';
		*o++ = i + 2 < 32 ? b64[v & 63] : '=';
	}
	*o++ = '\'';
	*o = '\0';
}

/* The inline SVG with rel="noopener noreferrer" on every link that opens a
 * new tab (Graphviz 2.42 has no attribute for it; it escapes the quotes
 * of any text, so the only ` target="_blank"` are its own). Caller frees. */
static char *svg_with_noopener(const char *svg)
{
	static const char blank[] = " target=\"_blank\"";
	struct rbuf b = {0};
	const char *p = svg, *q;
	while ((q = strstr(p, blank)) != NULL) {
		q += sizeof blank - 1;
		rbuf_add(&b, p, (size_t)(q - p));
		rbuf_puts(&b, " rel=\"noopener noreferrer\"");
		p = q;
	}
	rbuf_puts(&b, p);
	return rbuf_finish(&b);
}

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

/* <a class="ig-issue" href=web_url data-ref=ref data-title=title>ref</a> */
static void h_issue(struct ht *h, bool full, uint32_t v, bool with_title)
{
	const struct render_report *r = h->r;
	const struct analyze_graph *g = full ? r->full : r->g;
	const struct render_texts *t = full ? r->full_text : r->g_text;
	char ref[512];
	analyze_ref(g, v, ref, sizeof ref);
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
		h_start(h, "span");
		h_attr(h, "class", "ig-title");
		h_text(h, hidden ? "(confidential)" : title);
		h_end(h);
	}
}

static void h_button(struct ht *h, const char *id, const char *text, const char *label)
{
	h_start(h, "button");
	h_attr(h, "type", "button");
	h_attr(h, "id", id);
	h_attr(h, "title", label);
	h_attr(h, "aria-label", label);
	h_text(h, text);
	h_end(h);
}

/* The highlight control's options: one per facet, carrying the refs of
 * the drawn issues it marks (refs hold no space). */
static void h_facets(struct ht *h)
{
	const struct render_report *r = h->r;
	static const char *const kind_name[] = {"Project", "Milestone", "Label"};
	h_start(h, "select");
	h_attr(h, "id", "ig-hl");
	h_attr(h, "aria-label", "Highlight the issues of a project, milestone or label");
	h_start(h, "option");
	h_attr(h, "value", "");
	h_text(h, "Highlight\u2026");
	h_end(h);
	int open_kind = -1;
	for (uint32_t f = 0; f < r->n_facets; f++) {
		const struct render_facet *fa = &r->facets[f];
		if ((int)fa->kind != open_kind) {
			if (open_kind >= 0)
				h_end(h);
			open_kind = (int)fa->kind;
			h_start(h, "optgroup");
			h_attr(h, "label", kind_name[fa->kind]);
		}
		struct rbuf refs = {0};
		char ref[512];
		for (uint32_t i = 0; i < fa->count; i++) {
			analyze_ref(r->g, fa->nodes[i], ref, sizeof ref);
			if (i)
				rbuf_putc(&refs, ' ');
			rbuf_puts(&refs, ref);
		}
		char *list = rbuf_finish(&refs);
		if (!list) {
			h->err = true;
			break;
		}
		h_start(h, "option");
		char value[32];
		snprintf(value, sizeof value, "%u", f);
		h_attr(h, "value", value);
		h_attr(h, "data-refs", list);
		h_textf(h, "%s (%u)", fa->name, fa->count);
		h_end(h);
		free(list);
	}
	if (open_kind >= 0)
		h_end(h);
	h_end(h);
	h_start(h, "span");
	h_attr(h, "id", "ig-hl-status");
	h_end(h);
}

/* Zoom buttons and the highlight control above the diagram. */
static void h_tools(struct ht *h)
{
	h_start(h, "div");
	h_attr(h, "id", "ig-tools");
	h_button(h, "ig-zin", "+", "Zoom in");
	h_button(h, "ig-zout", "\u2212", "Zoom out");
	h_button(h, "ig-fit", "Fit", "Fit the whole diagram in view");
	h_button(h, "ig-actual", "1:1", "Actual size");
	if (h->r->n_facets)
		h_facets(h);
	h_end(h);
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
		for (int k = 0; k < ANALYZE_FINDING_ALL_KINDS; k++) /* new-* gate too */
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

static void h_ready(struct ht *h)
{
	const struct render_report *r = h->r;
	if (!r->ready_node && !r->waiting_node)
		return;
	h_start(h, "section");
	h_attr(h, "id", "ig-ready");
	h_elem(h, "h2", "Ready now");
	if (r->n_ready == 0) {
		h_elem(h, "p", "No open issue can start now.");
	} else {
		h_start(h, "p");
		h_textf(h,
			"%u open issue%s can start now (not in a knot, blocked by no open issue), "
			"most unblocking first%s.",
			r->n_ready, r->n_ready == 1 ? "" : "s",
			r->ready_estimated ? " (counts estimated: the graph is large)" : "");
		h_end(h);
		h_start(h, "table");
		h_start(h, "tr");
		h_elem(h, "th", "Issue");
		h_elem(h, "th", "Blocks transitively");
		h_end(h);
		uint32_t shown = h_rows(h, r->n_ready);
		for (uint32_t i = 0; i < shown; i++) {
			h_start(h, "tr");
			h_start(h, "td");
			h_issue(h, false, r->ready_node[i], true);
			h_end(h);
			h_start(h, "td");
			h_attr(h, "class", "n");
			h_textf(h, "%u", r->ready_count[i]);
			h_end(h);
			h_end(h);
		}
		h_end(h);
		h_more(h, r->n_ready, "ready issues");
	}
	if (r->n_waiting) {
		h_elem(h, "p",
		       "Waiting on a blocker named in a description that could not be read "
		       "(403/404 or no such issue):");
		h_start(h, "ul");
		uint32_t w = h_rows(h, r->n_waiting);
		for (uint32_t i = 0; i < w; i++) {
			h_start(h, "li");
			h_issue(h, false, r->waiting_node[i], true);
			h_textf(h, " (%u reference%s)", r->waiting_refs[i],
				r->waiting_refs[i] == 1 ? "" : "s");
			h_end(h);
		}
		h_end(h);
		h_more(h, r->n_waiting, "waiting issues");
	}
	h_end(h);
}

/* An issue of the "Since" section: as elsewhere when it is in the store
 * now, else a span with its ref alone. */
static void h_since_issue(struct ht *h, const struct render_since_issue *x)
{
	if (x->full != ANALYZE_NONE) {
		h_issue(h, true, x->full, true);
		return;
	}
	char ref[600];
	render_since_ref(x, ref, sizeof ref);
	h_start(h, "span");
	h_attr(h, "class", "ig-issue");
	h_attr(h, "data-ref", ref);
	h_text(h, ref);
	h_end(h);
}

static void h_since_list(struct ht *h, int kind)
{
	const struct render_since_list *l = &h->r->since->lists[kind];
	bool conflict =
	    kind == RENDER_SINCE_CONFLICTS_NEW || kind == RENDER_SINCE_CONFLICTS_RESOLVED;
	h_start(h, "h3");
	h_textf(h, "%s: %u", render_since_label(kind), l->n);
	h_end(h);
	if (l->n == 0)
		return;
	h_start(h, "ul");
	h_attr(h, "data-list", render_since_key(kind));
	for (uint32_t i = 0; i < h_rows(h, l->n); i++) {
		/* a knot's issues are capped too; a conflict is its two */
		uint32_t size = l->off[i + 1] - l->off[i],
			 shown = conflict ? size : h_rows(h, size);
		h_start(h, "li");
		for (uint32_t j = 0; j < shown; j++) {
			if (j)
				h_text(h, conflict ? " blocks " : ", ");
			h_since_issue(h, &l->v[l->off[i] + j]);
		}
		if (shown < size)
			h_textf(h, " \u2026 and %u more", size - shown);
		h_end(h);
	}
	h_end(h);
	h_more(h, l->n,
	       conflict				     ? "conflicts"
	       : kind <= RENDER_SINCE_KNOTS_RESOLVED ? "knots"
						     : "issues");
}

/* "Since <date>": the changes command's answer, for people. */
static void h_since(struct ht *h)
{
	const struct render_since *x = h->r->since;
	char then[64], now[64];
	if (!x)
		return;
	h_start(h, "section");
	h_attr(h, "id", "ig-since");
	if (!x->then_at) {
		h_elem(h, "h2", "Since the previous point");
		h_start(h, "p");
		h_textf(h, "Nothing to compare with: %s.", x->why ? x->why : "");
		h_end(h);
		h_end(h);
		return;
	}
	render_since_time(x->then_at, then, sizeof then);
	render_since_time(x->now_at, now, sizeof now);
	h_start(h, "h2");
	h_textf(h, "Since %s", then);
	h_end(h);
	h_start(h, "p");
	h_textf(h,
		"What changed in the blocking graph between the history point of %s and now "
		"(%s). Critical path: then cost %lld in %u step%s, now cost %lld in %u step%s.",
		then, now, (long long)x->cost_then, x->steps_then, x->steps_then == 1 ? "" : "s",
		(long long)x->cost_now, x->steps_now, x->steps_now == 1 ? "" : "s");
	h_end(h);
	for (int k = 0; k < RENDER_SINCE_KINDS; k++)
		h_since_list(h, k);
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
	/* Nothing may load or run but the page's own style and script, so a
	 * title that got through as markup would still be inert. */
	char script_src[64], style_src[64], policy[256];
	csp_hash(script, script_src);
	csp_hash(css, style_src);
	snprintf(policy, sizeof policy,
		 "default-src 'none'; script-src %s; style-src %s; img-src data:; "
		 "base-uri 'none'; form-action 'none'",
		 script_src, style_src);
	h_start(&h, "meta");
	h_attr(&h, "http-equiv", "Content-Security-Policy");
	h_attr(&h, "content", policy);
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
	h_elem(&h, "title",
	       r->milestone || r->n_labels ? "issuegraph report (scope)" : "issuegraph report");
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
	if (r->milestone || r->n_labels) {
		h_textf(&h, " \u00b7 scope:");
		if (r->milestone)
			h_textf(&h, " milestone %s", r->milestone);
		for (size_t i = 0; i < r->n_labels; i++)
			h_textf(&h, "%s%s",
				i		  ? " and "
				: r->n_labels > 1 ? " with labels "
						  : " with label ",
				r->labels[i]);
		h_textf(&h, " and its transitive blockers");
	}
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
	if (r->release && render_release_html(h.w, r) != 0)
		h.err = true; /* the report opens with the release, across the page */
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
	if (r->svg) {
		h_tools(&h);
		h_start(&h, "div");
		h_attr(&h, "id", "ig-view");
		h_attr(&h, "tabindex", "0");
		h_attr(&h, "role", "img");
		h_attr(&h, "aria-label",
		       "Dependency diagram: drag or arrow keys to pan, wheel or + and - to zoom, "
		       "0 to fit");
		char *svg = svg_with_noopener(r->svg);
		if (!svg)
			h.err = true;
		else
			chk(&h, xmlTextWriterWriteRaw(h.w, BAD_CAST svg));
		free(svg);
		h_end(&h);
	} else if (!r->diagram_note)
		h_elem(&h, "p", "No diagram.");
	h_end(&h);
	h_end(&h);

	h_start(&h, "aside");
	h_summary(&h);
	h_end(&h);
	h_start(&h, "div");
	h_attr(&h, "id", "ig-findings");
	h_knots(&h);
	h_since(&h);
	h_path(&h);
	h_links(&h, ANALYZE_FINDING_CONFLICTS);
	h_links(&h, ANALYZE_FINDING_CLOSED_BLOCKED);
	h_bottlenecks(&h);
	h_ready(&h);
	h_end(&h); /* #ig-findings */
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
