/* The HTML report's highlight choices: every project, milestone and label
 * that a drawn issue carries, with the drawn issues of each. */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "render.h"

struct pair {
	enum render_facet_kind kind;
	const char *name;
	uint32_t node;
};

static int cmp_pair(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	int c = strcmp(x->name, y->name);
	if (c)
		return c;
	return (x->node > y->node) - (x->node < y->node);
}

void cli_facets_release(struct cli_facets *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n_names; i++)
		free(f->names[i]);
	free(f->names);
	free(f->items);
	free(f->nodes);
	memset(f, 0, sizeof *f);
}

/* Append p to *a (grown by doubling). */
static int push(struct pair **a, size_t *n, size_t *cap, struct pair p)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 256;
		struct pair *q = realloc(*a, c * sizeof *q);
		if (!q)
			return -1;
		*a = q;
		*cap = c;
	}
	(*a)[(*n)++] = p;
	return 0;
}

static int keep_name(struct cli_facets *f, const char *s, size_t len, const char **out)
{
	char **q = realloc(f->names, (f->n_names + 1) * sizeof *q);
	if (!q)
		return -1;
	f->names = q;
	if (!(q[f->n_names] = strndup(s, len)))
		return -1;
	*out = q[f->n_names++];
	return 0;
}

int cli_facets_build(struct cli_facets *f, const struct analyze_graph *g, const uint8_t *drawn,
		     const char *const *labels_json)
{
	struct pair *pairs = NULL;
	size_t n = 0, cap = 0;
	int rc = -1;
	memset(f, 0, sizeof *f);
	for (uint32_t v = 0; v < g->n; v++) {
		if (!drawn[v])
			continue;
		if (push(&pairs, &n, &cap,
			 (struct pair){RENDER_FACET_PROJECT, g->project_path[g->project[v]], v}))
			goto done;
		if (g->milestone[v] != ANALYZE_NONE &&
		    push(&pairs, &n, &cap,
			 (struct pair){RENDER_FACET_MILESTONE, g->milestone_title[g->milestone[v]],
				       v}))
			goto done;
		const char *lj = labels_json ? labels_json[v] : NULL;
		if (!lj || !strcmp(lj, "[]"))
			continue;
		struct json_object *arr = json_tokener_parse(lj);
		if (arr && json_object_is_type(arr, json_type_array)) {
			size_t len = json_object_array_length(arr);
			for (size_t i = 0; i < len; i++) {
				struct json_object *e = json_object_array_get_idx(arr, i);
				const char *name;
				if (!json_object_is_type(e, json_type_string))
					continue;
				if (keep_name(f, json_object_get_string(e),
					      (size_t)json_object_get_string_len(e), &name) ||
				    push(&pairs, &n, &cap,
					 (struct pair){RENDER_FACET_LABEL, name, v})) {
					json_object_put(arr);
					goto done;
				}
			}
		}
		json_object_put(arr);
	}
	if (n == 0) {
		rc = 0;
		goto done;
	}
	qsort(pairs, n, sizeof *pairs, cmp_pair);
	f->nodes = malloc(n * sizeof *f->nodes);
	f->items = malloc(n * sizeof *f->items);
	if (!f->nodes || !f->items)
		goto done;
	size_t w = 0;
	for (size_t i = 0; i < n; i++) {
		/* the same label twice on one issue counts once */
		if (i && cmp_pair(&pairs[i - 1], &pairs[i]) == 0)
			continue;
		bool start = f->n == 0 || pairs[i].kind != f->items[f->n - 1].kind ||
			     strcmp(pairs[i].name, f->items[f->n - 1].name) != 0;
		if (start)
			f->items[f->n++] = (struct render_facet){
			    .kind = pairs[i].kind, .name = pairs[i].name, .nodes = f->nodes + w};
		f->items[f->n - 1].count++;
		f->nodes[w++] = pairs[i].node;
	}
	rc = 0;
done:
	free(pairs);
	if (rc)
		cli_facets_release(f);
	return rc;
}
