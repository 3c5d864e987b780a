/* The details of a set of issues by id (also issues no longer in the
 * analysed graph), for the outputs that name issues for a person to act
 * on: read with the store's one batched reader, the confidential rule
 * taken from render_text_mark() (a hidden title is never kept). SPEC
 * "Words" (people, due date) and "JSON outputs" (the "issues" map). */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "json_stream.h"
#include "render.h"

static int cmp_id(const void *a, const void *b)
{
	const int64_t *x = a, *y = b;
	return (*x > *y) - (*x < *y);
}

static void info_release(struct cli_issue_info *in)
{
	for (uint32_t k = 0; k < in->n_assignees; k++)
		free(in->assignees[k]);
	free(in->assignees);
	free(in->milestone);
	free(in->due);
	free(in->web_url);
	free(in->labels_json);
	memset(in, 0, sizeof *in);
}

static int dup_or_null(char **out, const char *s)
{
	*out = NULL;
	return s && !(*out = strdup(s)) ? -1 : 0;
}

/* The stored usernames (a JSON array of strings) into in. */
static int take_assignees(struct cli_issue_info *in, const char *json)
{
	if (!json || strcmp(json, "[]") == 0)
		return 0;
	struct json_object *arr = json_tokener_parse(json);
	int rc = 0;
	if (json_object_is_type(arr, json_type_array)) {
		size_t n = json_object_array_length(arr);
		if (!(in->assignees = calloc(n ? n : 1, sizeof *in->assignees)))
			rc = -1;
		for (size_t k = 0; rc == 0 && k < n; k++) {
			struct json_object *e = json_object_array_get_idx(arr, k);
			if (!json_object_is_type(e, json_type_string))
				continue;
			if (!(in->assignees[in->n_assignees] = strdup(json_object_get_string(e))))
				rc = -1;
			else
				in->n_assignees++;
		}
	}
	json_object_put(arr);
	return rc;
}

/* Where id sits in t->ids: a hash probe (a million-issue answer looks up
 * every issue; a binary search over a million ids misses the cache about
 * twenty times a lookup). -1 when it is not there. */
static int64_t find(const struct cli_titles *t, int64_t id)
{
	if (!t->hash)
		return -1;
	size_t h = (size_t)((uint64_t)id * 0x9E3779B97F4A7C15ull >> 20) & t->hash_mask;
	for (;; h = (h + 1) & t->hash_mask) {
		uint32_t e = t->hash[h];
		if (e == 0)
			return -1;
		if (t->ids[e - 1] == id)
			return (int64_t)e - 1;
	}
}

static int hash_build(struct cli_titles *t)
{
	size_t slots = 16;
	while (slots < 2 * (size_t)t->count)
		slots *= 2;
	if (!(t->hash = calloc(slots, sizeof *t->hash)))
		return -1;
	t->hash_mask = slots - 1;
	for (uint32_t k = 0; k < t->count; k++) {
		size_t h = (size_t)((uint64_t)t->ids[k] * 0x9E3779B97F4A7C15ull >> 20) & t->hash_mask;
		while (t->hash[h])
			h = (h + 1) & t->hash_mask;
		t->hash[h] = k + 1;
	}
	return 0;
}

static int take_title(void *ctx, const struct store_issue *is)
{
	struct cli_titles *t = ctx;
	/* the store gives rows by ascending id (store_get_issues): walk ids
	 * along with them, a lookup only if one came out of order */
	while (t->cursor < t->count && t->ids[t->cursor] < is->id)
		t->cursor++;
	int64_t at = t->cursor < t->count && t->ids[t->cursor] == is->id ? (int64_t)t->cursor
									  : find(t, is->id);
	if (at < 0)
		return 0;
	size_t k = (size_t)at;
	free(t->title[k]);
	t->title[k] = NULL;
	info_release(&t->info[k]);
	unsigned flags = t->show_confidential ? RENDER_TEXTS_SHOW_CONFIDENTIAL : 0;
	t->confidential[k] = (render_text_mark(is->confidential, flags) & RENDER_TEXT_HIDDEN) != 0;
	if (!(t->title[k] = strdup(t->confidential[k] || !is->title ? "" : is->title)))
		return -1;
	struct cli_issue_info *in = &t->info[k];
	in->closed = is->state == STORE_STATE_CLOSED;
	if (is->due_date) {
		in->due_from = CLI_DUE_ISSUE;
		if (dup_or_null(&in->due, is->due_date))
			return -1;
	} else if (is->milestone_due) {
		in->due_from = CLI_DUE_MILESTONE;
		if (dup_or_null(&in->due, is->milestone_due))
			return -1;
	}
	/* the milestone of a hidden issue is checked once all are read */
	in->milestone_hidden = t->confidential[k] && is->milestone_title;
	if (dup_or_null(&in->milestone, is->milestone_title) ||
	    dup_or_null(&in->web_url, is->web_url) ||
	    dup_or_null(&in->labels_json,
			is->labels_json && strcmp(is->labels_json, "[]") != 0 ? is->labels_json
									       : NULL) ||
	    take_assignees(in, is->assignees_json))
		return -1;
	return 0;
}

int cli_details_load(struct cli_titles *t, struct store *s, const int64_t *ids, uint32_t count,
		     bool show_confidential)
{
	memset(t, 0, sizeof *t);
	t->show_confidential = show_confidential;
	t->ids = malloc((count ? count : 1) * sizeof *t->ids);
	t->title = calloc(count ? count : 1, sizeof *t->title);
	t->confidential = calloc(count ? count : 1, 1);
	t->info = calloc(count ? count : 1, sizeof *t->info);
	if (!t->ids || !t->title || !t->confidential || !t->info)
		return -1;
	if (count)
		memcpy(t->ids, ids, count * sizeof *ids);
	qsort(t->ids, count, sizeof *t->ids, cmp_id);
	for (uint32_t i = 0; i < count; i++) /* unique */
		if (t->count == 0 || t->ids[t->count - 1] != t->ids[i])
			t->ids[t->count++] = t->ids[i];
	if (hash_build(t) != 0 || store_get_issues(s, t->ids, t->count, take_title, t) != 0)
		return -1;
	/* A hidden issue's milestone shows when some visible issue carries
	 * it too (SPEC "JSON outputs": a milestone only confidential issues
	 * carry is hidden with their titles). */
	for (uint32_t k = 0; k < t->count; k++) {
		struct cli_issue_info *in = &t->info[k];
		if (!in->milestone_hidden)
			continue;
		bool public = false;
		if (store_milestone_public(s, in->milestone, &public) != 0)
			return -1;
		in->milestone_hidden = !public;
	}
	return 0;
}

int cli_titles_load(struct cli_titles *t, struct store *s, const int64_t *ids, uint32_t count)
{
	return cli_details_load(t, s, ids, count, false);
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

/* The index of id in t->ids, -1 when it is not there or not in the store. */
static int64_t slot(const struct cli_titles *t, int64_t id)
{
	int64_t at = find(t, id);
	return at >= 0 && t->title[at] ? at : -1;
}

const char *cli_titles_get(const struct cli_titles *t, int64_t id, bool *confidential)
{
	int64_t k = slot(t, id);
	*confidential = k >= 0 && t->confidential[k];
	return k >= 0 ? t->title[k] : NULL;
}

const struct cli_issue_info *cli_titles_info(const struct cli_titles *t, int64_t id)
{
	int64_t k = slot(t, id);
	return k >= 0 ? &t->info[k] : NULL;
}

/* "due D" / "due D (milestone M)" / "no due date" */
static void print_due(FILE *fp, const struct cli_issue_info *in)
{
	if (!in->due) {
		fputs("no due date", fp);
		return;
	}
	fputs("due ", fp);
	cli_print_safe(fp, in->due);
	if (in->due_from == CLI_DUE_MILESTONE) {
		fputs(" (milestone ", fp);
		cli_print_safe(fp, in->milestone_hidden ? "(confidential)" : in->milestone);
		fputc(')', fp);
	}
}

void cli_print_title(FILE *fp, const struct cli_titles *t, int64_t id)
{
	int64_t at = slot(t, id);
	if (at < 0)
		return;
	const struct cli_issue_info *in = &t->info[at];
	fputs("  ", fp);
	cli_print_safe(fp, t->confidential[at] ? "(confidential)" : t->title[at]);
	fputs("  ", fp);
	if (!in->n_assignees)
		fputs("unassigned", fp);
	for (uint32_t k = 0; k < in->n_assignees; k++) {
		fputs(k ? " @" : "@", fp);
		cli_print_safe(fp, in->assignees[k]);
	}
	fputs("  ", fp);
	print_due(fp, in);
}

int cli_people_of(const struct cli_titles *t, const int64_t *ids, uint32_t n, const char ***out,
		  uint32_t *n_out)
{
	uint32_t cap = 0;
	*out = NULL;
	*n_out = 0;
	for (uint32_t i = 0; i < n; i++) {
		const struct cli_issue_info *in = cli_titles_info(t, ids[i]);
		cap += in ? in->n_assignees : 0;
	}
	if (!(*out = malloc((cap ? cap : 1) * sizeof **out)))
		return -1;
	/* a finding names a handful of issues: a linear check is enough */
	for (uint32_t i = 0; i < n; i++) {
		const struct cli_issue_info *in = cli_titles_info(t, ids[i]);
		for (uint32_t k = 0; in && k < in->n_assignees; k++) {
			uint32_t j = 0;
			while (j < *n_out && strcmp((*out)[j], in->assignees[k]) != 0)
				j++;
			if (j == *n_out)
				(*out)[(*n_out)++] = in->assignees[k];
		}
	}
	return 0;
}

void cli_print_people(FILE *fp, const struct cli_titles *t, const int64_t *ids, uint32_t n)
{
	const char **who = NULL;
	uint32_t n_who = 0;
	if (cli_people_of(t, ids, n, &who, &n_who) != 0 || n_who == 0) {
		fputs(who ? "  ask: nobody is assigned" : "", fp);
		free(who);
		return;
	}
	fputs("  ask", fp);
	for (uint32_t k = 0; k < n_who; k++) {
		fputs(" @", fp);
		cli_print_safe(fp, who[k]);
	}
	free(who);
}

static void jw_str_or_null(struct cli_jw *w, const char *key, const char *s)
{
	if (s)
		cli_jw_string(w, key, s, strlen(s));
	else
		cli_jw_json(w, key, NULL);
}

void cli_jw_issues_map(struct cli_jw *w, const struct cli_titles *t, const char *const *refs,
		       const int64_t *ids, uint32_t n)
{
	static const char *const from[] = {NULL, "issue", "milestone"};
	cli_jw_object_begin(w, "issues");
	for (uint32_t i = 0; i < n; i++) {
		bool conf;
		const char *title = cli_titles_get(t, ids[i], &conf);
		const struct cli_issue_info *in = cli_titles_info(t, ids[i]);
		if (!title || !in)
			continue; /* left the store */
		cli_jw_object_begin(w, refs[i]);
		jw_str_or_null(w, "title", conf ? NULL : title);
		jw_str_or_null(w, "state", in->closed ? "closed" : "opened");
		jw_str_or_null(w, "type", "issue");
		cli_jw_array_begin(w, "assignees");
		for (uint32_t k = 0; k < in->n_assignees; k++)
			cli_jw_string(w, NULL, in->assignees[k], strlen(in->assignees[k]));
		cli_jw_array_end(w);
		jw_str_or_null(w, "milestone", in->milestone_hidden ? NULL : in->milestone);
		jw_str_or_null(w, "due_date", in->due);
		jw_str_or_null(w, "due_from", from[in->due_from]);
		jw_str_or_null(w, "web_url", in->web_url);
		cli_jw_object_end(w);
	}
	cli_jw_object_end(w);
}

void cli_titles_release(struct cli_titles *t)
{
	for (uint32_t i = 0; t->title && i < t->count; i++)
		free(t->title[i]);
	for (uint32_t i = 0; t->info && i < t->count; i++)
		info_release(&t->info[i]);
	free(t->title);
	free(t->info);
	free(t->ids);
	free(t->hash);
	free(t->confidential);
	memset(t, 0, sizeof *t);
}
