/* The texts of the issues an answer names: one read from the store, and
 * the one place that decides whether a confidential issue's title shows. */
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "render_internal.h"
#include "store.h"

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

struct texts_walk {
	struct render_texts *t;
	const struct render_id_node *idx; /* wanted nodes by issue id */
	uint32_t n_idx;
	bool oom;
};

static int take_texts(void *ctx, const struct store_issue *is)
{
	struct texts_walk *w = ctx;
	struct render_texts *t = w->t;
	struct render_id_node key = {.id = is->id};
	const struct render_id_node *hit =
	    bsearch(&key, w->idx, w->n_idx, sizeof key, render_cmp_id_node);
	if (!hit)
		return 0;
	/* an issue is one node of a graph */
	uint32_t v = hit->node;
	if (!(t->mark[v] & RENDER_TEXT_HIDDEN) &&
	    !(t->title[v] = strdup(is->title ? is->title : "")))
		w->oom = true;
	if (is->web_url && !(t->url[v] = strdup(is->web_url)))
		w->oom = true;
	if (t->labels && is->labels_json && strcmp(is->labels_json, "[]") != 0 &&
	    !(t->labels[v] = strdup(is->labels_json)))
		w->oom = true;
	return w->oom ? 1 : 0;
}

static int texts_alloc(struct render_texts *t, const struct analyze_graph *g, bool labels)
{
	size_t n = g->n ? g->n : 1;
	memset(t, 0, sizeof *t);
	t->n = g->n;
	t->title = calloc(n, sizeof *t->title);
	t->url = calloc(n, sizeof *t->url);
	t->mark = calloc(n, 1);
	if (labels)
		t->labels = calloc(n, sizeof *t->labels);
	if (!t->title || !t->url || !t->mark || (labels && !t->labels))
		return OOM();
	return 0;
}

int render_texts_load(struct render_texts *t, struct store *s, const struct analyze_graph *g,
		      const uint8_t *want, unsigned flags)
{
	struct render_id_node *idx = NULL;
	int64_t *ids = NULL;
	int rc = texts_alloc(t, g, (flags & RENDER_TEXTS_LABELS) != 0);
	if (rc)
		goto done;
	for (uint32_t v = 0; v < g->n; v++)
		t->mark[v] = render_text_mark((g->flags[v] & ANALYZE_NODE_CONFIDENTIAL) != 0, flags);
	uint32_t count = 0;
	for (uint32_t v = 0; v < g->n; v++)
		count += !want || want[v];
	idx = malloc((count ? count : 1) * sizeof *idx);
	ids = malloc((count ? count : 1) * sizeof *ids);
	if (!idx || !ids) {
		rc = OOM();
		goto done;
	}
	for (uint32_t v = 0, i = 0; v < g->n; v++)
		if (!want || want[v]) {
			idx[i] = (struct render_id_node){g->issue_id[v], v};
			ids[i++] = g->issue_id[v];
		}
	qsort(idx, count, sizeof *idx, render_cmp_id_node);
	struct texts_walk w = {t, idx, count, false};
	int src = store_get_issues(s, ids, count, take_texts, &w);
	if (w.oom || src == STORE_ENOMEM)
		rc = OOM();
	else if (src != 0)
		rc = render_fail(RENDER_ESTORE, "reading titles: %s", store_errmsg(s));
done:
	free(idx);
	free(ids);
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
	}
	free(t->title);
	free(t->url);
	free(t->labels);
	free(t->mark);
	memset(t, 0, sizeof *t);
}
