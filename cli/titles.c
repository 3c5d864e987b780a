/* The titles of a set of issues by id (also issues no longer in the
 * analysed graph), for the text outputs of ready and changes: read with
 * the store's one batched reader, the confidential rule taken from
 * render_text_mark() (a hidden title is never kept). */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "render.h"

static int cmp_id(const void *a, const void *b)
{
	const int64_t *x = a, *y = b;
	return (*x > *y) - (*x < *y);
}

static int take_title(void *ctx, const struct store_issue *is)
{
	struct cli_titles *t = ctx;
	const int64_t *hit = bsearch(&is->id, t->ids, t->count, sizeof *t->ids, cmp_id);
	if (!hit)
		return 0;
	size_t k = (size_t)(hit - t->ids);
	free(t->title[k]);
	t->title[k] = NULL;
	/* no option shows confidential titles in these outputs */
	t->confidential[k] = (render_text_mark(is->confidential, 0) & RENDER_TEXT_HIDDEN) != 0;
	if (!(t->title[k] = strdup(t->confidential[k] || !is->title ? "" : is->title)))
		return -1;
	return 0;
}

int cli_titles_load(struct cli_titles *t, struct store *s, const int64_t *ids, uint32_t count)
{
	memset(t, 0, sizeof *t);
	t->ids = malloc((count ? count : 1) * sizeof *t->ids);
	t->title = calloc(count ? count : 1, sizeof *t->title);
	t->confidential = calloc(count ? count : 1, 1);
	if (!t->ids || !t->title || !t->confidential)
		return -1;
	if (count)
		memcpy(t->ids, ids, count * sizeof *ids);
	qsort(t->ids, count, sizeof *t->ids, cmp_id);
	for (uint32_t i = 0; i < count; i++) /* unique */
		if (t->count == 0 || t->ids[t->count - 1] != t->ids[i])
			t->ids[t->count++] = t->ids[i];
	return store_get_issues(s, t->ids, t->count, take_title, t) != 0 ? -1 : 0;
}

int cli_titles_load_nodes(struct cli_titles *t, struct store *s, const struct analyze_graph *g,
			  const uint32_t *nodes, uint32_t count)
{
	int64_t *ids = malloc((count ? count : 1) * sizeof *ids);
	memset(t, 0, sizeof *t);
	if (!ids)
		return -1;
	for (uint32_t i = 0; i < count; i++)
		ids[i] = g->issue_id[nodes[i]];
	int rc = cli_titles_load(t, s, ids, count);
	free(ids);
	return rc;
}

const char *cli_titles_get(const struct cli_titles *t, int64_t id, bool *confidential)
{
	const int64_t *hit = t->ids ? bsearch(&id, t->ids, t->count, sizeof *t->ids, cmp_id) : NULL;
	*confidential = hit && t->confidential[hit - t->ids];
	return hit ? t->title[hit - t->ids] : NULL;
}

void cli_print_title(FILE *fp, const struct cli_titles *t, int64_t id)
{
	bool conf;
	const char *title = cli_titles_get(t, id, &conf);
	if (!title)
		return;
	fputs("  ", fp);
	cli_print_safe(fp, conf ? "(confidential)" : title);
}

void cli_titles_release(struct cli_titles *t)
{
	for (uint32_t i = 0; t->title && i < t->count; i++)
		free(t->title[i]);
	free(t->title);
	free(t->ids);
	free(t->confidential);
	memset(t, 0, sizeof *t);
}
