/* The HTML report's highlight choices: every project, milestone and label
 * that a drawn issue carries, with the drawn issues of each; a milestone
 * or label that only confidential issues carry is left out unless they
 * are shown. */
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

/* The labels of labels JSON lj, each passed to fn (stops at its first
 * non-zero answer, which it returns). */
static int each_label(const char *lj, int (*fn)(void *arg, const char *name, size_t len), void *arg)
{
	if (!lj || !strcmp(lj, "[]"))
		return 0;
	struct json_object *arr = json_tokener_parse(lj);
	int rc = 0;
	if (arr && json_object_is_type(arr, json_type_array)) {
		size_t len = json_object_array_length(arr);
		for (size_t i = 0; i < len && rc == 0; i++) {
			struct json_object *e = json_object_array_get_idx(arr, i);
			if (json_object_is_type(e, json_type_string))
				rc = fn(arg, json_object_get_string(e),
					(size_t)json_object_get_string_len(e));
		}
	}
	json_object_put(arr);
	return rc;
}

/* Labels that only confidential issues of g may carry: the candidates
 * (labels of drawn confidential issues), then those a shown issue
 * carries struck out (SPEC "Confidential issues": such a label is not in
 * the HTML menu). */
struct hidden_labels {
	char **name;
	size_t *len;
	bool *shown;
	size_t n;
};

static int candidate(void *arg, const char *name, size_t len)
{
	struct hidden_labels *h = arg;
	for (size_t i = 0; i < h->n; i++)
		if (h->len[i] == len && !memcmp(h->name[i], name, len))
			return 0;
	char **nn = realloc(h->name, (h->n + 1) * sizeof *nn);
	if (nn)
		h->name = nn;
	size_t *nl = realloc(h->len, (h->n + 1) * sizeof *nl);
	if (nl)
		h->len = nl;
	bool *ns = realloc(h->shown, (h->n + 1) * sizeof *ns);
	if (ns)
		h->shown = ns;
	if (!nn || !nl || !ns || !(h->name[h->n] = malloc(len + 1)))
		return -1;
	memcpy(h->name[h->n], name, len);
	h->name[h->n][len] = '\0';
	h->len[h->n] = len;
	h->shown[h->n++] = false;
	return 0;
}

static int strike(void *arg, const char *name, size_t len)
{
	struct hidden_labels *h = arg;
	for (size_t i = 0; i < h->n; i++)
		if (h->len[i] == len && !memcmp(h->name[i], name, len))
			h->shown[i] = true;
	return 0;
}

static bool label_hidden(const struct hidden_labels *h, const char *name, size_t len)
{
	for (size_t i = 0; i < h->n; i++)
		if (h->len[i] == len && !memcmp(h->name[i], name, len))
			return !h->shown[i];
	return false;
}

static void hidden_labels_release(struct hidden_labels *h)
{
	for (size_t i = 0; i < h->n; i++)
		free(h->name[i]);
	free(h->name);
	free(h->len);
	free(h->shown);
}

int cli_facets_build(struct cli_facets *f, const struct analyze_graph *g, const uint8_t *drawn,
		     const char *const *labels_json, bool show_confidential)
{
	struct pair *pairs = NULL;
	struct hidden_labels hl = {0};
	uint8_t *ms_shown = NULL;
	size_t n = 0, cap = 0;
	int rc = -1;
	memset(f, 0, sizeof *f);
	if (!(ms_shown = calloc(g->n_milestones ? g->n_milestones : 1, 1)))
		goto done;
	for (uint32_t v = 0; v < g->n; v++) {
		bool conf = !show_confidential && (g->flags[v] & ANALYZE_NODE_CONFIDENTIAL);
		if (!conf && g->milestone[v] != ANALYZE_NONE)
			ms_shown[g->milestone[v]] = 1;
		if (conf && drawn[v] && labels_json &&
		    each_label(labels_json[v], candidate, &hl) != 0)
			goto done;
	}
	for (uint32_t v = 0; hl.n && v < g->n; v++)
		if (!(g->flags[v] & ANALYZE_NODE_CONFIDENTIAL))
			each_label(labels_json[v], strike, &hl);
	for (uint32_t v = 0; v < g->n; v++) {
		if (!drawn[v])
			continue;
		if (push(&pairs, &n, &cap,
			 (struct pair){RENDER_FACET_PROJECT, g->project_path[g->project[v]], v}))
			goto done;
		if (g->milestone[v] != ANALYZE_NONE && ms_shown[g->milestone[v]] &&
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
				size_t el = (size_t)json_object_get_string_len(e);
				if (label_hidden(&hl, json_object_get_string(e), el))
					continue;
				if (keep_name(f, json_object_get_string(e), el, &name) ||
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
	free(ms_shown);
	hidden_labels_release(&hl);
	if (rc)
		cli_facets_release(f);
	return rc;
}
