/*
 * --format mermaid: a Mermaid flowchart for GitLab issues and wikis. Node
 * ids are generated (n0, n1, ...); every piece of issue text goes inside
 * a double-quoted label through render_escape_mermaid, so a title cannot
 * end the quote, open a markdown string or carry HTML.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "render_internal.h"

#define WRAP_WIDTH 32
#define WRAP_LINES 3

static void write_node(struct rbuf *b, const struct render_scene *sc, uint32_t i,
		       const char *indent)
{
	char id[24];
	snprintf(id, sizeof id, "n%u", i);
	rbuf_puts(b, indent);
	rbuf_puts(b, id);
	rbuf_puts(b, "[\"");
	render_escape_mermaid_into(b, sc->ref[i]);
	if (sc->nflags[i] & SCENE_HIDDEN) {
		rbuf_puts(b, "<br/>(confidential)");
	} else if (sc->title[i]) {
		rbuf_puts(b, "<br/>");
		render_wrap(b, sc->title[i], WRAP_WIDTH, WRAP_LINES, "<br/>",
			    render_escape_mermaid_into);
	}
	render_scene_who_when(b, sc, i, WRAP_WIDTH + 6, "<br/>", render_escape_mermaid_into);
	rbuf_puts(b, "\"]\n");
}

/* "class n1,n4 knot" for the nodes whose flags match (and not unless). */
static void write_class(struct rbuf *b, const struct render_scene *sc, uint8_t flag, uint8_t unless,
			bool negate, const char *cls)
{
	bool any = false;
	for (uint32_t i = 0; i < sc->n; i++) {
		bool has = (sc->nflags[i] & flag) != 0;
		if (negate)
			has = !has;
		if (!has || (sc->nflags[i] & unless))
			continue;
		char id[24];
		snprintf(id, sizeof id, "%sn%u", any ? "," : "", i);
		if (!any)
			rbuf_puts(b, "  class ");
		rbuf_puts(b, id);
		any = true;
	}
	if (any) {
		rbuf_putc(b, ' ');
		rbuf_puts(b, cls);
		rbuf_putc(b, '\n');
	}
}

static void write_link_style(struct rbuf *b, const struct render_scene *sc, uint8_t flag,
			     const char *style)
{
	bool any = false;
	for (uint32_t i = 0; i < sc->n_edges; i++) {
		if (!(sc->edges[i].flags & flag))
			continue;
		char id[24];
		snprintf(id, sizeof id, "%s%u", any ? "," : "", i);
		if (!any)
			rbuf_puts(b, "  linkStyle ");
		rbuf_puts(b, id);
		any = true;
	}
	if (any) {
		rbuf_putc(b, ' ');
		rbuf_puts(b, style);
		rbuf_putc(b, '\n');
	}
}

static void write_legend(struct rbuf *b)
{
	rbuf_puts(b, "  subgraph key[\"Key\"]\n"
		     "    k0[\"open issue\"]\n"
		     "    k1[\"closed issue\"]\n"
		     "    k2[\"linked issue of a project that is not a seed\"]\n"
		     "    k3[\"in a knot (blocking cycle)\"]\n"
		     "    k4[\"on the critical path\"]\n"
		     "    k5[\"blocker\"] -->|\"blocks\"| k6[\"blocked\"]\n"
		     "    k7[\"issue\"] -.-|\"relates to\"| k8[\"issue\"]\n"
		     "    k9[\"blocker\"] -.->|\"text\"| k10[\"blocked\"]\n"
		     "  end\n"
		     "  class k0,k5,k6,k7,k8,k9,k10 open\n"
		     "  class k1 closed\n"
		     "  class k2 foreign\n"
		     "  class k3 knot\n"
		     "  class k4 critical\n");
}

int render_mermaid(FILE *out, const struct render_scene *sc, const struct render_opts *o)
{
	const struct analyze_graph *g = sc->g;
	struct rbuf b = {0};
	uint8_t *done = calloc(sc->n ? sc->n : 1, 1);
	if (!done)
		return render_fail(RENDER_ENOMEM, "out of memory");
	if (o->caption) {
		/* Mermaid's front matter: a YAML double-quoted title. Safe text
		 * has no control character; '\\' and '"' are escaped for YAML,
		 * '<' and '>' replaced, so the title carries no markup. */
		char *safe = render_safe_text_dup(o->caption, strlen(o->caption));
		if (!safe) {
			free(done);
			return render_fail(RENDER_ENOMEM, "out of memory");
		}
		rbuf_puts(&b, "---\ntitle: \"");
		for (const char *p = safe; *p; p++) {
			if (*p == '\\' || *p == '"')
				rbuf_putc(&b, '\\');
			if (*p == '<')
				rbuf_puts(&b, "\xe2\x80\xb9"); /* U+2039 */
			else if (*p == '>')
				rbuf_puts(&b, "\xe2\x80\xba"); /* U+203A */
			else
				rbuf_putc(&b, *p);
		}
		rbuf_puts(&b, "\"\n---\n");
		free(safe);
	}
	rbuf_puts(&b,
		  "flowchart LR\n"
		  "  %% issuegraph: A --> B means A blocks B; A -.->|text| B: only a description "
		  "says so; dotted lines: relates to\n");

	/* Clusters as subgraphs, in project (or milestone) index order. */
	if (o->cluster != RENDER_CLUSTER_NONE) {
		uint32_t nc =
		    o->cluster == RENDER_CLUSTER_PROJECT ? g->n_projects : g->n_milestones;
		for (uint32_t c = 0; c < nc; c++) {
			bool open = false;
			for (uint32_t i = 0; i < sc->n; i++) {
				uint32_t v = sc->node[i];
				uint32_t ci = o->cluster == RENDER_CLUSTER_PROJECT
						  ? g->project[v]
						  : g->milestone[v];
				if (ci != c)
					continue;
				if (!open) {
					char id[32];
					snprintf(id, sizeof id, "  subgraph c%u[\"", c);
					rbuf_puts(&b, id);
					render_escape_mermaid_into(
					    &b, o->cluster == RENDER_CLUSTER_PROJECT
						    ? g->project_path[c]
						: sc->milestone_hidden[c] ? "(confidential)"
									  : g->milestone_title[c]);
					rbuf_puts(&b, "\"]\n");
					open = true;
				}
				write_node(&b, sc, i, "    ");
				done[i] = 1;
			}
			if (open)
				rbuf_puts(&b, "  end\n");
		}
	}
	for (uint32_t i = 0; i < sc->n; i++)
		if (!done[i])
			write_node(&b, sc, i, "  ");
	free(done);

	for (uint32_t i = 0; i < sc->n_edges; i++) {
		char line[64];
		uint8_t f = sc->edges[i].flags;
		snprintf(line, sizeof line, "  n%u %s n%u\n", sc->edges[i].from,
			 (f & SCENE_RELATES)	 ? "-.-"
			 : (f & SCENE_TEXT_ONLY) ? "-.->|\"text\"|"
						 : "-->",
			 sc->edges[i].to);
		rbuf_puts(&b, line);
	}
	for (uint32_t i = 0; i < sc->n; i++) {
		if (!sc->url[i])
			continue;
		char id[32];
		snprintf(id, sizeof id, "  click n%u href \"", i);
		rbuf_puts(&b, id);
		rbuf_puts(&b, sc->url[i]); /* render_safe_url: no quote, space or < > */
		rbuf_puts(&b, "\" _blank\n");
	}
	if (o->legend)
		write_legend(&b);

	rbuf_puts(&b, "  classDef open fill:#e8f0fe,stroke:#3c5a8a\n"
		      "  classDef foreign fill:#ffffff,stroke:#3c5a8a,stroke-dasharray:5 3\n"
		      "  classDef closed fill:#f2f2f2,stroke:#b0b0b0,color:#8a8a8a\n"
		      "  classDef critical stroke:#1565c0,stroke-width:2px\n"
		      "  classDef knot stroke:#d00000,stroke-width:3px\n");
	write_class(&b, sc, SCENE_CLOSED | SCENE_FOREIGN, 0, true, "open");
	write_class(&b, sc, SCENE_FOREIGN, SCENE_CLOSED, false, "foreign");
	write_class(&b, sc, SCENE_CLOSED, 0, false, "closed");
	write_class(&b, sc, SCENE_CRITICAL, 0, false, "critical");
	write_class(&b, sc, SCENE_KNOT, 0, false, "knot");
	write_link_style(&b, sc, SCENE_KNOT_EDGE, "stroke:#d00000,stroke-width:2px");
	write_link_style(&b, sc, SCENE_CRIT_EDGE, "stroke:#1565c0,stroke-width:4px");

	if (b.oom) {
		free(b.data);
		return render_fail(RENDER_ENOMEM, "out of memory");
	}
	int rc = 0;
	if (b.len && fwrite(b.data, 1, b.len, out) != b.len)
		rc = render_fail(RENDER_EIO, "writing Mermaid failed");
	free(b.data);
	return rc;
}
