/* The texts of the issues an answer names, as cli/ loads them (render/
 * reads no store), and the one place that decides whether a confidential
 * issue's title shows. */
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "render_internal.h"

#define OOM() render_fail(RENDER_ENOMEM, "out of memory")

unsigned render_text_mark(bool confidential, unsigned flags)
{
	/* The rule: a confidential issue's title is hidden unless asked for. */
	if (!confidential)
		return 0;
	return RENDER_TEXT_CONFIDENTIAL |
	       ((flags & RENDER_TEXTS_SHOW_CONFIDENTIAL) ? 0 : RENDER_TEXT_HIDDEN);
}

int render_cmp_id_node(const void *a, const void *b)
{
	const struct render_id_node *x = a, *y = b;
	return (x->id > y->id) - (x->id < y->id);
}

static int texts_alloc(struct render_texts *t, const struct analyze_graph *g, bool labels)
{
	size_t n = g->n ? g->n : 1;
	memset(t, 0, sizeof *t);
	t->n = g->n;
	t->title = calloc(n, sizeof *t->title);
	t->url = calloc(n, sizeof *t->url);
	t->people = calloc(n, sizeof *t->people);
	t->due = calloc(n, sizeof *t->due);
	t->due_milestone = calloc(n, sizeof *t->due_milestone);
	t->mark = calloc(n, 1);
	if (labels)
		t->labels = calloc(n, sizeof *t->labels);
	if (!t->title || !t->url || !t->people || !t->due || !t->due_milestone || !t->mark ||
	    (labels && !t->labels))
		return OOM();
	return 0;
}

int render_texts_init(struct render_texts *t, const struct analyze_graph *g, unsigned flags)
{
	int rc = texts_alloc(t, g, (flags & RENDER_TEXTS_LABELS) != 0);
	for (uint32_t v = 0; rc == 0 && v < g->n; v++)
		t->mark[v] = (uint8_t)render_text_mark(
		    (g->flags[v] & ANALYZE_NODE_CONFIDENTIAL) != 0, flags);
	return rc;
}

int render_texts_view(struct render_texts *t, const struct render_texts *from,
		      const struct analyze_graph *from_g, const struct analyze_graph *g)
{
	struct render_id_node *idx = NULL;
	int rc = texts_alloc(t, g, from->labels != NULL);
	t->borrowed = true;
	if (rc)
		goto done;
	if (!(idx = malloc((from_g->n ? from_g->n : 1) * sizeof *idx))) {
		rc = OOM();
		goto done;
	}
	for (uint32_t v = 0; v < from_g->n; v++)
		idx[v] = (struct render_id_node){from_g->issue_id[v], v};
	qsort(idx, from_g->n, sizeof *idx, render_cmp_id_node);
	for (uint32_t v = 0; v < g->n; v++) {
		struct render_id_node key = {.id = g->issue_id[v]};
		const struct render_id_node *hit =
		    bsearch(&key, idx, from_g->n, sizeof key, render_cmp_id_node);
		if (!hit)
			continue;
		t->title[v] = from->title[hit->node];
		t->url[v] = from->url[hit->node];
		t->people[v] = from->people[hit->node];
		t->due[v] = from->due[hit->node];
		t->due_milestone[v] = from->due_milestone[hit->node];
		t->mark[v] = from->mark[hit->node];
		if (t->labels)
			t->labels[v] = from->labels[hit->node];
	}
done:
	free(idx);
	return rc;
}

const char *render_texts_title(const struct render_texts *t, uint32_t v, bool *hidden)
{
	*hidden = t && t->mark && (t->mark[v] & RENDER_TEXT_HIDDEN);
	return t && t->title && !*hidden ? t->title[v] : NULL;
}

void render_texts_release(struct render_texts *t)
{
	if (!t)
		return;
	for (uint32_t v = 0; !t->borrowed && v < t->n; v++) {
		if (t->title)
			free(t->title[v]);
		if (t->url)
			free(t->url[v]);
		if (t->labels)
			free(t->labels[v]);
		if (t->people)
			free(t->people[v]);
		if (t->due)
			free(t->due[v]);
		if (t->due_milestone)
			free(t->due_milestone[v]);
	}
	free(t->title);
	free(t->url);
	free(t->people);
	free(t->due);
	free(t->due_milestone);
	free(t->labels);
	free(t->mark);
	memset(t, 0, sizeof *t);
}
