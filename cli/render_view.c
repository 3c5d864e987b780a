/* The view the drawings are made from (render/ reads no store): the
 * details of the drawn issues, read once with cli_details_load() (the one
 * loader of titles, people and due dates), set per graph node into a
 * struct render_texts whose confidential marks render_texts_init() sets.
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
		bool hidden;
		const char *title = cli_titles_get(&d, g->issue_id[v], &hidden);
		/* cli_titles_info's strings are handed over: an issue is one node */
		struct cli_issue_info *in = (struct cli_issue_info *)cli_titles_info(&d, g->issue_id[v]);
		if (!title || !in)
			continue;
		if (!(t->mark[v] & RENDER_TEXT_HIDDEN) && !(t->title[v] = strdup(title)))
			oom = true;
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
