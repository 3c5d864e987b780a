/* The view the drawings are made from (render/ reads no store): the
 * details of the drawn issues, read once with cli_details_load() (the one
 * loader of titles, people and due dates), set per graph node into a
 * struct render_texts whose confidential marks render_texts_init() sets;
 * and the seeds, relates_to links and text evidence (struct render_links).
 * Issue 16: "render/ draws from a view model that cli/ builds". */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "render.h"

/* "@ana @bo" (raw usernames); NULL when nobody is assigned; *oom when out
 * of memory. */
static char *people_text(const struct cli_issue_info *in, bool *oom)
{
	size_t len = 0;
	for (uint32_t k = 0; k < in->n_assignees; k++)
		len += strlen(in->assignees[k]) + 2;
	if (!in->n_assignees)
		return NULL;
	char *s = malloc(len), *p = s;
	if (!s) {
		*oom = true;
		return NULL;
	}
	for (uint32_t k = 0; k < in->n_assignees; k++) {
		size_t n = strlen(in->assignees[k]);
		if (k)
			*p++ = ' ';
		*p++ = '@';
		memcpy(p, in->assignees[k], n);
		p += n;
	}
	*p = '\0';
	return s;
}

static int cmp_id_node(const void *a, const void *b)
{
	const int64_t *x = a, *y = b; /* the id is the first member */
	return (*x > *y) - (*x < *y);
}

/* Hand *from over to *to (no copy). */
static void take(char **to, char **from)
{
	*to = *from;
	*from = NULL;
}

int cli_render_view(struct render_texts *t, struct store *s, const struct analyze_graph *g,
		    const uint8_t *want, bool show_confidential, bool labels)
{
	unsigned flags = (show_confidential ? RENDER_TEXTS_SHOW_CONFIDENTIAL : 0) |
			 (labels ? RENDER_TEXTS_LABELS : 0);
	struct cli_titles d = {0};
	int64_t *ids = NULL;
	uint32_t count = 0;
	int rc = render_texts_init(t, g, flags) ? -2 : 0;
	if (rc == 0 && !(ids = malloc((g->n ? g->n : 1) * sizeof *ids)))
		rc = -2;
	for (uint32_t v = 0; rc == 0 && v < g->n; v++)
		if (!want || want[v])
			ids[count++] = g->issue_id[v];
	if (rc == 0 && cli_details_load(&d, s, ids, count, show_confidential) != 0)
		rc = -1;
	bool oom = false;
	for (uint32_t v = 0; rc == 0 && !oom && v < g->n; v++) {
		if (want && !want[v])
			continue;
		/* one lookup; the strings are handed over (an issue is one node) */
		const int64_t *hit =
		    bsearch(&g->issue_id[v], d.ids, d.count, sizeof *d.ids, cmp_id_node);
		size_t k = hit ? (size_t)(hit - d.ids) : 0;
		if (!hit || !d.title[k])
			continue; /* not in the store */
		struct cli_issue_info *in = &d.info[k];
		if (!(t->mark[v] & RENDER_TEXT_HIDDEN))
			take(&t->title[v], &d.title[k]);
		take(&t->url[v], &in->web_url);
		if (t->labels)
			take(&t->labels[v], &in->labels_json);
		t->people[v] = people_text(in, &oom);
		take(&t->due[v], &in->due);
		if (t->due[v] && in->due_from == CLI_DUE_MILESTONE &&
		    !(t->due_milestone[v] =
			  strdup(in->milestone_hidden ? "(confidential)"
						      : in->milestone ? in->milestone : "")))
			oom = true;
		t->mark[v] |= RENDER_TEXT_LOADED;
	}
	if (oom)
		rc = -2;
	cli_titles_release(&d);
	free(ids);
	return rc;
}

struct id_node {
	int64_t id;
	uint32_t node;
};

struct relates_walk {
	struct cli_render_links *rl;
	const struct id_node *map;
	uint32_t n_map;
	const uint8_t *want;
	uint32_t cap;
	bool oom;
};

static uint32_t node_of(const struct relates_walk *w, int64_t id)
{
	const struct id_node *hit = bsearch(&id, w->map, w->n_map, sizeof *w->map, cmp_id_node);
	return hit && (!w->want || w->want[hit->node]) ? hit->node : ANALYZE_NONE;
}

static int take_relates(void *ctx, const struct store_link *l)
{
	struct relates_walk *w = ctx;
	struct cli_render_links *rl = w->rl;
	if (l->type != STORE_LINK_RELATES)
		return 0;
	uint32_t a = node_of(w, l->source_id), b = node_of(w, l->target_id);
	if (a == ANALYZE_NONE || b == ANALYZE_NONE || a == b)
		return 0;
	if (rl->links.n_relates == w->cap) {
		uint32_t cap = w->cap ? w->cap * 2 : 64;
		struct render_pair *p = realloc(rl->relates, cap * sizeof *p);
		if (!p) {
			w->oom = true;
			return 1;
		}
		rl->relates = p;
		rl->links.relates = p;
		w->cap = cap;
	}
	rl->relates[rl->links.n_relates++] = (struct render_pair){a, b};
	return 0;
}

/* The relates_to links between wanted nodes: one walk of the store's. */
static int load_relates(struct cli_render_links *rl, struct store *s,
			const struct analyze_graph *g, const uint8_t *want)
{
	struct id_node *map = malloc((g->n ? g->n : 1) * sizeof *map);
	if (!map)
		return -2;
	for (uint32_t v = 0; v < g->n; v++)
		map[v] = (struct id_node){g->issue_id[v], v};
	qsort(map, g->n, sizeof *map, cmp_id_node);
	struct relates_walk w = {.rl = rl, .map = map, .n_map = g->n, .want = want};
	int src = store_each_link_fast(s, STORE_WALK_RELATES_ONLY, take_relates, &w);
	free(map);
	return w.oom ? -2 : src < 0 ? -1 : 0;
}

/* Which projects of g the recorded seeds cover (none recorded: all). */
static int load_seeds(struct cli_render_links *rl, struct store *s, const struct analyze_graph *g)
{
	int64_t *ids = NULL;
	size_t n = 0;
	if (!(rl->seed = calloc(g->n_projects ? g->n_projects : 1, 1)))
		return -2;
	rl->links.project_seed = rl->seed;
	if (store_seed_projects(s, &ids, &n) < 0)
		return -1;
	for (uint32_t p = 0; p < g->n_projects; p++) {
		bool seed = n == 0; /* nothing recorded (import): all count */
		for (size_t i = 0; i < n && !seed; i++)
			seed = ids[i] == g->project_id[p];
		rl->seed[p] = seed;
	}
	free(ids);
	return 0;
}

/* Where text gives each blocks edge between wanted nodes (one store query
 * per such edge), in (from, to) order: g's adjacency is walked in order. */
static int load_evidence(struct cli_render_links *rl, struct store *s,
			 const struct analyze_graph *g, const uint8_t *want)
{
	uint32_t cap = 0;
	if (!g->out_origin)
		return 0;
	for (uint32_t v = 0; v < g->n; v++) {
		if (want && !want[v])
			continue;
		for (uint32_t e = g->out_off[v]; e < g->out_off[v + 1]; e++) {
			uint32_t w = g->out_adj[e];
			if ((want && !want[w]) || !(g->out_origin[e] & ANALYZE_ORIGIN_TEXT))
				continue;
			if (e > g->out_off[v] && g->out_adj[e - 1] == w)
				continue; /* one entry per edge */
			struct analyze_text_in *in = NULL;
			uint32_t n = 0;
			if (analyze_text_in(s, g, v, w, &in, &n) != 0)
				return -3;
			if (!n)
				continue;
			if (rl->links.n_etext == cap) {
				cap = cap ? cap * 2 : 16;
				struct render_edge_text *p = realloc(rl->etext, cap * sizeof *p);
				if (!p) {
					free(in);
					return -2;
				}
				rl->etext = p;
				rl->links.etext = p;
			}
			rl->etext[rl->links.n_etext++] = (struct render_edge_text){v, w, in, n};
		}
	}
	return 0;
}

int cli_render_links_load(struct cli_render_links *rl, struct store *s,
			  const struct analyze_graph *g, const uint8_t *want, bool relates)
{
	memset(rl, 0, sizeof *rl);
	int rc = load_seeds(rl, s, g);
	if (rc == 0 && relates)
		rc = load_relates(rl, s, g, want);
	if (rc == 0)
		rc = load_evidence(rl, s, g, want);
	return rc;
}

void cli_render_links_release(struct cli_render_links *rl)
{
	for (uint32_t i = 0; rl->etext && i < rl->links.n_etext; i++)
		free((void *)rl->etext[i].in);
	free(rl->etext);
	free(rl->relates);
	free(rl->seed);
	memset(rl, 0, sizeof *rl);
}
