/* What the reports say about a knot's edges: where each comes from
 * (a link, a line of a description, or both), shared by the markdown,
 * HTML and JUnit writers so that they say the same. */
#include <stdio.h>
#include <stdlib.h>

#include "render.h"
#include "render_internal.h"

static void ref_into(struct rbuf *b, const struct analyze_graph *g, uint32_t v)
{
	char buf[512];
	int n = analyze_ref(g, v, buf, sizeof buf);
	if (n >= 0 && (size_t)n < sizeof buf) {
		rbuf_puts(b, buf);
		return;
	}
	char *big = malloc((size_t)n + 1);
	if (!big) {
		b->oom = true;
		return;
	}
	analyze_ref(g, v, big, (size_t)n + 1);
	rbuf_puts(b, big);
	free(big);
}

int render_report_edge_action(struct rbuf *b, const struct render_report *r, uint32_t from,
			      uint32_t to)
{
	uint8_t org = analyze_edge_origin(r->g, from, to);
	if (org & ANALYZE_ORIGIN_LINK) {
		rbuf_puts(b, "remove the link ");
		ref_into(b, r->g, from);
		rbuf_puts(b, " blocks ");
		ref_into(b, r->g, to);
	}
	if (!(org & ANALYZE_ORIGIN_TEXT))
		return 0;
	struct analyze_text_in *t = NULL;
	uint32_t n = 0;
	if (r->store && analyze_text_in(r->store, r->g, from, to, &t, &n) != 0)
		return render_fail(RENDER_ESTORE, "report: %s", analyze_errmsg());
	if (n == 0) {
		rbuf_puts(b, (org & ANALYZE_ORIGIN_LINK) ? " and edit the description that says "
							 : "edit the description that says ");
		ref_into(b, r->g, from);
		rbuf_puts(b, " blocks ");
		ref_into(b, r->g, to);
	}
	for (uint32_t i = 0; i < n; i++) {
		char line[48];
		rbuf_puts(b, i ? " and " : (org & ANALYZE_ORIGIN_LINK) ? " and edit " : "edit ");
		snprintf(line, sizeof line, "line %lld of the description of ",
			 (long long)t[i].line);
		rbuf_puts(b, line);
		ref_into(b, r->g, t[i].holder);
		if (i == 0 && !(org & ANALYZE_ORIGIN_LINK)) {
			rbuf_puts(b, " (");
			ref_into(b, r->g, from);
			rbuf_puts(b, " blocks ");
			ref_into(b, r->g, to);
			rbuf_puts(b, ")");
		}
	}
	free(t);
	return 0;
}

uint32_t render_report_text_edges(const struct render_report *r, uint32_t knot, uint32_t *total)
{
	const struct analyze_knots *k = r->knots;
	uint32_t len = k->witness_off[knot + 1] - k->witness_off[knot], n = 0;
	const uint32_t *w = k->witness + k->witness_off[knot];
	for (uint32_t i = 0; i < len; i++)
		n += (analyze_edge_origin(r->g, w[i], w[(i + 1) % len]) & ANALYZE_ORIGIN_TEXT) != 0;
	*total = len;
	return n;
}
