/* Selecting issues by milestone and labels (a scope's selection), now or
 * as at a history point (declared in store.h). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "store_internal.h"

struct select_walk {
	struct store *s;
	const struct store_selection *sel;
	struct store_selected *out;
	size_t cap;
	bool milestone_seen;
	bool *label_seen; /* per label: some issue carries it */
	char **near;	  /* per label: one carried that differs only by ASCII case */
	bool nomem;
};

/* Whether the labels array carries name (bytewise, as stored). Until
 * *near is set, it becomes a copy of a label equal to name but for ASCII
 * case (for the message about a label nobody carries). */
static bool carries(struct json_object *arr, const char *name, char **near, bool *nomem)
{
	size_t n = json_object_array_length(arr);
	for (size_t k = 0; k < n; k++) {
		struct json_object *e = json_object_array_get_idx(arr, k);
		if (!json_object_is_type(e, json_type_string))
			continue;
		const char *l = json_object_get_string(e);
		if (strcmp(l, name) == 0)
			return true;
		if (!*near && strcasecmp(l, name) == 0 && !(*near = strdup(l)))
			*nomem = true;
	}
	return false;
}

static int on_issue(void *ctx, const struct store_issue *i)
{
	struct select_walk *w = ctx;
	const struct store_selection *sel = w->sel;
	bool in_milestone = !sel->milestone ||
			    (i->milestone_title && strcmp(i->milestone_title, sel->milestone) == 0);
	if (sel->milestone && in_milestone)
		w->milestone_seen = true;
	bool all = true;
	if (sel->n_labels) {
		/* an issue without labels carries none of them: no parse */
		struct json_object *arr =
		    strcmp(i->labels_json, "[]") == 0 ? NULL : json_tokener_parse(i->labels_json);
		if (!json_object_is_type(arr, json_type_array)) {
			all = false;
		} else {
			for (size_t k = 0; k < sel->n_labels; k++) {
				if (carries(arr, sel->labels[k], &w->near[k], &w->nomem))
					w->label_seen[k] = true;
				else
					all = false;
			}
		}
		json_object_put(arr);
	}
	if (!in_milestone || !all)
		return 0;
	if (w->out->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 64;
		int64_t *nv = realloc(w->out->ids, cap * sizeof *nv);
		if (!nv) {
			w->nomem = true;
			return 1;
		}
		w->out->ids = nv;
		w->cap = cap;
	}
	w->out->ids[w->out->n++] = i->id;
	return 0;
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

int store_select_issues(struct store *s, int64_t point, const struct store_selection *sel,
			struct store_selected *out)
{
	memset(out, 0, sizeof *out);
	out->label_unknown = sel->n_labels;
	struct select_walk w = {.s = s, .sel = sel, .out = out};
	if (sel->n_labels && (!(w.label_seen = calloc(sel->n_labels, sizeof *w.label_seen)) ||
			      !(w.near = calloc(sel->n_labels, sizeof *w.near)))) {
		free(w.label_seen);
		return store_fail(s, STORE_ENOMEM, "out of memory");
	}
	/* without labels the brief walk (no titles, no labels) is enough */
	int rc = store_each_issue_at(s, point, sel->n_labels ? 0 : STORE_WALK_BRIEF, on_issue, &w);
	if (w.nomem)
		rc = store_fail(s, STORE_ENOMEM, "out of memory");
	if (rc == 0) {
		out->milestone_unknown = sel->milestone && !w.milestone_seen;
		for (size_t k = sel->n_labels; k-- > 0;)
			if (!w.label_seen[k])
				out->label_unknown = k;
		if (out->label_unknown < sel->n_labels) {
			out->label_near = w.near[out->label_unknown];
			w.near[out->label_unknown] = NULL;
		}
		/* the walk at a point has no particular order */
		if (out->n > 1)
			qsort(out->ids, out->n, sizeof *out->ids, cmp_id);
	}
	for (size_t k = 0; w.near && k < sel->n_labels; k++)
		free(w.near[k]);
	free(w.near);
	free(w.label_seen);
	if (rc != 0) {
		free(out->label_near);
		free(out->ids);
		memset(out, 0, sizeof *out);
	}
	return rc;
}

void store_selected_release(struct store_selected *sel)
{
	free(sel->ids);
	free(sel->label_near);
	memset(sel, 0, sizeof *sel);
}

int store_milestone_public(struct store *s, const char *title, bool *out)
{
	static const char sql[] = "SELECT EXISTS(SELECT 1 FROM issues WHERE milestone_title = ? "
				  "AND confidential = 0)";
	*out = false;
	sqlite3_stmt *st = store_stmt(s, sql);
	if (!st)
		return STORE_ERR;
	store_bind_text(st, 1, title);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int(st, 0) != 0;
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : store_fail_sql(s, rc, "read milestones");
}
