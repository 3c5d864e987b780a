/*
 * The report as JUnit XML for GitLab's test report widget
 * (artifacts:reports:junit): one test suite per kind of finding, in it one
 * test case for the check itself and one test case per finding whose
 * message names the issues; a case fails only for a kind --fail-on names. Written with libxml2's xmlTextWriter,
 * which does all the XML escaping.
 */
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlwriter.h>

#include "render.h"
#include "render_internal.h"

char *render_clean_text(const char *s)
{
	/* The one rule (render.h "safe text") leaves no control character; XML
	 * also forbids the noncharacters U+FFFE and U+FFFF (SPEC: XML formats
	 * replace what XML forbids), which become U+FFFD in place. */
	char *c = render_safe_text_dup(s, s ? strlen(s) : 0);
	for (unsigned char *p = (unsigned char *)c;
	     p && (p = (unsigned char *)strstr((char *)p, "\xef\xbf")); p += 2) {
		if (p[2] == 0xbe || p[2] == 0xbf)
			p[2] = 0xbd;
	}
	return c;
}

struct ju {
	xmlTextWriterPtr w;
	const struct render_report *r;
	struct rbuf msg; /* scratch for messages */
	bool err;
};

static void ju_check(struct ju *j, int rc)
{
	if (rc < 0)
		j->err = true;
}

static void ref_into(struct rbuf *b, const struct analyze_graph *g, uint32_t v)
{
	char ref[512];
	int len = analyze_ref(g, v, ref, sizeof ref);
	if (len >= 0 && (size_t)len < sizeof ref)
		rbuf_puts(b, ref);
	else
		rbuf_puts(b, "?");
}

/*
 * The SPEC's rule for text from a server written outside JSON: each C0
 * control (TAB, LF, CR included), DEL and U+0080..U+009F as \xNN of its
 * code point, each byte that is not valid UTF-8 as \xNN of the byte. A
 * title's newline must not start a line of its own in a failure body.
 * (The sanitiser being added to render/escape.c is the one home of this
 * rule; use it here once it is in.)
 */
static void safe_text_into(struct rbuf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		size_t n = render_utf8_len(p);
		unsigned cp = n == 1   ? *p
			      : n == 2 ? (unsigned)(p[0] & 0x1f) << 6 | (p[1] & 0x3f)
				       : 0x100;
		if (n == 0 || cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) {
			unsigned v = n == 0 ? *p : cp;
			char esc[4] = {'\\', 'x', hex[v >> 4], hex[v & 15]};
			rbuf_add(b, esc, 4);
			p += n ? n : 1;
		} else {
			rbuf_add(b, (const char *)p, n);
			p += n;
		}
	}
}

/* "ref title" for the failure body; titles of confidential issues hidden. */
static void issue_line_into(struct rbuf *b, const struct render_report *r, bool full, uint32_t v)
{
	const struct analyze_graph *g = full ? r->full : r->g;
	const struct render_texts *t = full ? r->full_text : r->g_text;
	bool hidden;
	const char *title = render_texts_title(t, v, &hidden);
	rbuf_puts(b, "  ");
	ref_into(b, g, v);
	if (hidden) {
		rbuf_puts(b, " (confidential)");
	} else if (title) {
		rbuf_putc(b, ' ');
		safe_text_into(b, title);
	}
	if (t && t->url[v]) {
		rbuf_puts(b, " <");
		rbuf_puts(b, t->url[v]);
		rbuf_putc(b, '>');
	}
	rbuf_putc(b, '\n');
}

static void rbuf_reset(struct rbuf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

/* Write a string attribute or text after making it fit for XML. */
static void ju_attr(struct ju *j, const char *name, const char *value)
{
	char *c = render_clean_text(value);
	if (!c) {
		j->err = true;
		return;
	}
	ju_check(j, xmlTextWriterWriteAttribute(j->w, BAD_CAST name, BAD_CAST c));
	free(c);
}

static void ju_text(struct ju *j, const char *value)
{
	/* keep the newlines of the body: clean line by line */
	const char *p = value;
	while (*p) {
		size_t n = strcspn(p, "\n");
		char *line = strndup(p, n);
		char *c = line ? render_clean_text(line) : NULL;
		if (!c)
			j->err = true;
		else
			ju_check(j, xmlTextWriterWriteString(j->w, BAD_CAST c));
		free(line);
		free(c);
		p += n;
		if (*p == '\n') {
			ju_check(j, xmlTextWriterWriteString(j->w, BAD_CAST "\n"));
			p++;
		}
	}
}

/* One test case; a failure when message is non-NULL, else the body (if
 * any) as its output. */
static void ju_case(struct ju *j, const char *kind, const char *name, const char *message,
		    const char *body)
{
	char classname[64];
	snprintf(classname, sizeof classname, "issuegraph.%s", kind);
	ju_check(j, xmlTextWriterStartElement(j->w, BAD_CAST "testcase"));
	ju_attr(j, "classname", classname);
	ju_attr(j, "name", name);
	ju_attr(j, "file", "issuegraph");
	ju_attr(j, "time", "0");
	if (message) {
		ju_check(j, xmlTextWriterStartElement(j->w, BAD_CAST "failure"));
		ju_attr(j, "type", kind);
		ju_attr(j, "message", message);
		if (body)
			ju_text(j, body);
		ju_check(j, xmlTextWriterEndElement(j->w));
	} else if (body) {
		ju_check(j, xmlTextWriterStartElement(j->w, BAD_CAST "system-out"));
		ju_text(j, body);
		ju_check(j, xmlTextWriterEndElement(j->w));
	}
	ju_check(j, xmlTextWriterEndElement(j->w));
}

static const char *check_name(int kind)
{
	switch (kind) {
	case ANALYZE_FINDING_KNOTS:
		return "no knots (blocking cycles)";
	case ANALYZE_FINDING_CONFLICTS:
		return "no due-date conflicts";
	case ANALYZE_FINDING_NEW_KNOTS:
		return "no new knots (new, or grown by an issue)";
	case ANALYZE_FINDING_NEW_CONFLICTS:
		return "no new due-date conflicts";
	default:
		return "no closed issue blocked by an open one";
	}
}

/* Whether kind's suite is written: the ratchet's kinds only when computed. */
static bool suite_present(const struct render_report *r, int kind)
{
	if (kind == ANALYZE_FINDING_NEW_KNOTS)
		return r->findings->new_knots != NULL;
	if (kind == ANALYZE_FINDING_NEW_CONFLICTS)
		return r->findings->new_conflicts != NULL;
	return true;
}

/* Whether kind's findings are failures: only when --fail-on names the kind
 * (SPEC "report": the others pass and are listed), so the widget's red
 * matches the exit code; without --fail-on nothing fails. */
static bool suite_fails(const struct render_report *r, int kind)
{
	return (r->fail_on & ANALYZE_FINDING_BIT(kind)) && r->findings->count[kind] != 0;
}

/* "new knot: a#1 a#2 ..." (at most 20 refs, then how many more). */
static void new_knot_name(struct rbuf *b, const struct render_report *r, uint32_t kn)
{
	const struct analyze_knots *k = r->knots;
	uint32_t size = k->member_off[kn + 1] - k->member_off[kn], shown = size > 20 ? 20 : size;
	rbuf_puts(b, "new knot:");
	for (uint32_t q = 0; q < shown; q++) {
		rbuf_putc(b, ' ');
		ref_into(b, r->g, k->members[k->member_off[kn] + q]);
	}
	if (shown < size) {
		char more[48];
		snprintf(more, sizeof more, " and %u more", size - shown);
		rbuf_puts(b, more);
	}
}

static void ju_suite(struct ju *j, int kind)
{
	const struct render_report *r = j->r;
	const struct analyze_findings *f = r->findings;
	const struct analyze_knots *k = r->knots;
	const char *name = analyze_finding_name(kind);
	uint32_t n = f->count[kind];
	bool fails = suite_fails(r, kind);
	bool ratchet = kind >= ANALYZE_FINDING_KINDS;
	char num[32];

	ju_check(j, xmlTextWriterStartElement(j->w, BAD_CAST "testsuite"));
	ju_attr(j, "name", name);
	snprintf(num, sizeof num, "%u", n + 1);
	ju_attr(j, "tests", num);
	snprintf(num, sizeof num, "%u", fails ? n + 1 : 0);
	ju_attr(j, "failures", num);
	ju_attr(j, "errors", "0");
	ju_attr(j, "skipped", "0");
	ju_attr(j, "time", "0");

	char summary[160];
	snprintf(summary, sizeof summary, "%s: %u found%s", name, n,
		 (r->fail_on & ANALYZE_FINDING_BIT(kind)) ? " (the job fails on these)" : "");
	ju_case(j, name, check_name(kind), fails ? summary : NULL, NULL);

	struct rbuf *m = &j->msg;
	struct rbuf body = {0};
	for (uint32_t i = 0; i < n; i++) {
		rbuf_reset(m);
		rbuf_reset(&body);
		char tname[96];
		if (kind == ANALYZE_FINDING_KNOTS || kind == ANALYZE_FINDING_NEW_KNOTS) {
			uint32_t kn = ratchet ? f->new_knots[i] : f->knots[i];
			rbuf_puts(m, "blocking cycle: ");
			for (uint32_t w = k->witness_off[kn]; w < k->witness_off[kn + 1]; w++) {
				ref_into(m, r->g, k->witness[w]);
				rbuf_puts(m, " -> ");
			}
			ref_into(m, r->g, k->witness[k->witness_off[kn]]);
			snprintf(tname, sizeof tname, "knot %u (%u issues): ", i + 1,
				 k->member_off[kn + 1] - k->member_off[kn]);
			rbuf_puts(&body, "Issues in the knot:\n");
			for (uint32_t q = k->member_off[kn]; q < k->member_off[kn + 1]; q++)
				issue_line_into(&body, r, false, k->members[q]);
			rbuf_puts(&body, "Suggested cut (remove these links):\n");
			for (uint32_t c = k->cut_off[kn]; c < k->cut_off[kn + 1]; c++) {
				rbuf_puts(&body, "  ");
				ref_into(&body, r->g, k->cut[c].from);
				rbuf_puts(&body, " blocks ");
				ref_into(&body, r->g, k->cut[c].to);
				rbuf_puts(&body, ": ");
				if (render_report_edge_action(&body, r, k->cut[c].from,
							      k->cut[c].to) != 0)
					body.oom = true;
				rbuf_putc(&body, '\n');
			}
			uint32_t total = 0, text = render_report_text_edges(r, kn, &total);
			if (text) {
				char line[96];
				snprintf(line, sizeof line,
					 "%u of the cycle's %u links come from description text.\n",
					 text, total);
				rbuf_puts(&body, line);
			}
		} else {
			bool full = kind == ANALYZE_FINDING_CLOSED_BLOCKED;
			const struct analyze_graph *g = full ? r->full : r->g;
			struct analyze_edge e = full	  ? f->closed_blocked[i]
						: ratchet ? f->new_conflicts[i]
							  : f->conflicts[i];
			ref_into(m, g, e.from);
			if (full) {
				rbuf_puts(m, " (open) blocks ");
				ref_into(m, g, e.to);
				rbuf_puts(m, " (closed)");
			} else {
				char xd[16], yd[16];
				analyze_format_date(g->due[e.from], xd, sizeof xd);
				analyze_format_date(g->due[e.to], yd, sizeof yd);
				rbuf_puts(m, " (due ");
				rbuf_puts(m, *xd ? xd : "none");
				rbuf_puts(m, ") blocks ");
				ref_into(m, g, e.to);
				rbuf_puts(m, " (due ");
				rbuf_puts(m, yd);
				rbuf_puts(m, ")");
			}
			snprintf(tname, sizeof tname, "%s %u: ",
				 full	   ? "closed-blocked"
				 : ratchet ? "new conflict"
					   : "conflict",
				 i + 1);
			issue_line_into(&body, r, full, e.from);
			issue_line_into(&body, r, full, e.to);
		}
		/* the test case name carries the message too: the widget lists names */
		struct rbuf nm = {0};
		if (kind == ANALYZE_FINDING_NEW_KNOTS) {
			/* named after its issues: the same knot keeps its name */
			new_knot_name(&nm, r, f->new_knots[i]);
		} else {
			rbuf_puts(&nm, tname);
			rbuf_puts(&nm, m->data ? m->data : "");
		}
		char *nms = rbuf_finish(&nm);
		if (m->oom || body.oom || !nms)
			j->err = true;
		else
			ju_case(j, name, nms, fails ? m->data : NULL, body.data);
		free(nms);
	}
	free(body.data);
	ju_check(j, xmlTextWriterEndElement(j->w));
}

int render_report_junit(FILE *out, const struct render_report *r)
{
	struct ju j = {.r = r};
	xmlBufferPtr buf = xmlBufferCreate();
	int rc = 0;
	if (!buf)
		return render_fail(RENDER_ENOMEM, "report: out of memory");
	j.w = xmlNewTextWriterMemory(buf, 0);
	if (!j.w) {
		xmlBufferFree(buf);
		return render_fail(RENDER_ENOMEM, "report: out of memory");
	}
	ju_check(&j, xmlTextWriterSetIndent(j.w, 1));
	ju_check(&j, xmlTextWriterSetIndentString(j.w, BAD_CAST "  "));
	ju_check(&j, xmlTextWriterStartDocument(j.w, "1.0", "UTF-8", NULL));
	ju_check(&j, xmlTextWriterStartElement(j.w, BAD_CAST "testsuites"));
	uint32_t tests = 0, failures = 0;
	for (int k = 0; k < ANALYZE_FINDING_ALL_KINDS; k++) {
		if (!suite_present(r, k))
			continue;
		tests += r->findings->count[k] + 1;
		failures += suite_fails(r, k) ? r->findings->count[k] + 1 : 0;
	}
	char num[32];
	ju_attr(&j, "name", "issuegraph");
	snprintf(num, sizeof num, "%u", tests);
	ju_attr(&j, "tests", num);
	snprintf(num, sizeof num, "%u", failures);
	ju_attr(&j, "failures", num);
	ju_attr(&j, "errors", "0");
	for (int k = 0; k < ANALYZE_FINDING_ALL_KINDS; k++)
		if (suite_present(r, k))
			ju_suite(&j, k);
	ju_check(&j, xmlTextWriterEndElement(j.w));
	ju_check(&j, xmlTextWriterEndDocument(j.w));
	xmlFreeTextWriter(j.w); /* flushes into buf */
	free(j.msg.data);
	if (j.err || j.msg.oom) {
		rc = render_fail(RENDER_ENOMEM, "report: cannot write the JUnit XML");
	} else if (fwrite(xmlBufferContent(buf), 1, (size_t)xmlBufferLength(buf), out) !=
		       (size_t)xmlBufferLength(buf) ||
		   ferror(out)) {
		rc = render_fail(RENDER_EIO, "report: cannot write");
	}
	xmlBufferFree(buf);
	return rc;
}
