/* issuegraph changes: what changed in the blocking graph since an earlier
 * history point (SPEC "Changes"). Also the --since resolution and the
 * ratchet (new-knots, new-conflicts, --baseline) that check and report
 * share (declared in cli.h). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "cli.h"
#include "input_files.h"
#include "render.h"

/* ---- --since ------------------------------------------------------------------ */

/* Seconds since the epoch of "YYYY-MM-DD" (00:00Z) or an RFC 3339 time;
 * -1 if it is neither. */
static int64_t parse_time(const char *v)
{
	int y, mo, d, h = 0, mi = 0, sec = 0, n = 0;
	struct tm tm = {0};
	if (sscanf(v, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
		return -1;
	const char *p = v + 10;
	int64_t off = 0;
	if (*p) {
		if (*p != 'T' && *p != 't' && *p != ' ')
			return -1;
		p++;
		if (sscanf(p, "%2d:%2d:%2d%n", &h, &mi, &sec, &n) != 3 || n != 8)
			return -1;
		p += 8;
		if (*p == '.') {
			p++;
			if (*p < '0' || *p > '9')
				return -1;
			while (*p >= '0' && *p <= '9')
				p++;
		}
		if (*p == 'Z' || *p == 'z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			int oh, om;
			if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &n) != 2 || n != 5)
				return -1;
			off = (oh * 3600 + om * 60) * (*p == '+' ? 1 : -1);
			p += 6;
		} else {
			return -1;
		}
		if (*p)
			return -1;
	}
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	return (int64_t)timegm(&tm) - off;
}

int cli_parse_since(const char *cmd, const char *v, struct cli_since *out)
{
	int64_t n;
	memset(out, 0, sizeof *out);
	out->given = true;
	if (cli_parse_int(v, 1, INT32_MAX, &n) == 0) {
		out->n = n;
		return 0;
	}
	int64_t t = parse_time(v);
	if (t < 0)
		return cli_usage(cmd,
				 "--since: '%s' is not a count N >= 1, a date YYYY-MM-DD or an "
				 "RFC 3339 time",
				 v);
	out->time = t;
	out->given_time = true;
	return 0;
}

struct point_list {
	struct cli_point *v;
	size_t n, cap;
};

static int on_point(void *ctx, const struct store_history_point *p)
{
	struct point_list *l = ctx;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		struct cli_point *nv = realloc(l->v, cap * sizeof *nv);
		if (!nv)
			return -1;
		l->v = nv;
		l->cap = cap;
	}
	struct cli_point *c = &l->v[l->n];
	memset(c, 0, sizeof *c);
	c->id = p->id;
	snprintf(c->at, sizeof c->at, "%s", p->at ? p->at : "");
	c->baseline = p->baseline;
	snprintf(c->why, sizeof c->why, "%s", p->why ? p->why : "");
	l->n++;
	return 0;
}

int cli_resolve_since(struct store *s, const struct cli_since *since, struct cli_point *then,
		      struct cli_point *now, char *why, size_t why_len)
{
	struct point_list l = {0};
	memset(then, 0, sizeof *then);
	memset(now, 0, sizeof *now);
	why[0] = '\0';
	int rc = store_history_each_point(s, on_point, &l);
	if (rc != 0) {
		free(l.v);
		return -1;
	}
	if (l.n == 0) {
		snprintf(why, why_len, "no earlier point (the store has no history yet)");
		free(l.v);
		return 0;
	}
	*now = l.v[l.n - 1];
	ptrdiff_t idx = -1;
	if (since->given_time) {
		for (size_t i = 0; i < l.n; i++) {
			int64_t t = parse_time(l.v[i].at);
			if (t >= 0 && t <= since->time)
				idx = (ptrdiff_t)i;
		}
	} else {
		idx = (ptrdiff_t)l.n - 1 - (ptrdiff_t)since->n;
	}
	if (idx < 0) {
		snprintf(why, why_len, "no earlier point (%zu point%s kept, from %s)", l.n,
			 l.n == 1 ? "" : "s", l.v[0].at);
		free(l.v);
		return 0;
	}
	for (size_t j = (size_t)idx + 1; j < l.n; j++) {
		if (l.v[j].baseline) {
			snprintf(why, why_len, "the point of %s is before a baseline at %s (%s)",
				 l.v[idx].at, l.v[j].at, l.v[j].why);
			free(l.v);
			return 0;
		}
	}
	*then = l.v[idx];
	free(l.v);
	return 0;
}

/* ---- the ratchet ---------------------------------------------------------------- */

/* Findings of g without closed-blocked (which neither changes nor the
 * ratchet reads): an empty graph stands for the graph of every issue. */
static int conflicts_of(const struct analyze_graph *g, const struct analyze_knots *k,
			const uint8_t *keep, struct analyze_findings **f)
{
	struct analyze_graph *none = NULL;
	int rc = analyze_graph_from_edges(&none, 0, NULL, NULL, 0);
	if (rc == 0) {
		struct analyze_findings_in in = {.g = g, .knots = k, .keep = keep, .full = none};
		rc = analyze_findings(&in, f);
	}
	analyze_graph_free(none);
	return rc;
}

static int map_ref(const struct analyze_graph *g, const char *ref, uint32_t *v)
{
	if (!ref)
		return -1;
	return analyze_find_ref(g, ref, v, NULL) == 0 ? 0 : -1;
}

/* Read and check a --baseline file (input_files.h): 0 with *root, or
 * prints and returns CLI_EXIT_INPUT (CLI_EXIT_NOMEM). */
static int read_baseline(const char *cmd, const char *file, struct json_object **root)
{
	char *buf = NULL, why[256];
	size_t len = 0;
	int rc = cli_input_read(file, &buf, &len, why, sizeof why);
	if (rc == 0)
		rc = cli_baseline_parse(buf, len, root, why, sizeof why);
	free(buf);
	if (rc == 0)
		return 0;
	if (rc == CLI_INPUT_ENOMEM) {
		cli_error(cmd, "out of memory");
		return CLI_EXIT_NOMEM;
	}
	cli_error(cmd, "--baseline: %s: %s", file, why);
	return CLI_EXIT_INPUT;
}

int cli_baseline_check(const char *cmd, const char *file)
{
	struct json_object *root = NULL;
	int rc = read_baseline(cmd, file, &root);
	json_object_put(root);
	return rc;
}

/* was_knot and old conflicts from a baseline file (check's JSON shape,
 * checked by cli_baseline_parse: the types below are as it promises). A
 * ref the store does not hold names an issue that left it: skipped. */
static int ratchet_from_file(struct cli_findings *fc, const char *cmd, const char *file,
			     uint8_t *was_knot, struct analyze_edge **old, size_t *n_old)
{
	struct json_object *root = NULL, *list = NULL;
	int rc = read_baseline(cmd, file, &root);
	if (rc)
		return rc;
	json_object_object_get_ex(root, "findings", &list);
	size_t len = json_object_array_length(list);
	*old = calloc(len ? len : 1, sizeof **old);
	*n_old = 0;
	if (!*old) {
		json_object_put(root);
		cli_error(cmd, "out of memory");
		return CLI_EXIT_NOMEM;
	}
	for (size_t i = 0; i < len; i++) {
		struct json_object *f = json_object_array_get_idx(list, i), *kind = NULL, *x = NULL;
		json_object_object_get_ex(f, "kind", &kind);
		const char *k = json_object_get_string(kind);
		if (strcmp(k, "knots") == 0 || strcmp(k, "new-knots") == 0) {
			json_object_object_get_ex(f, "issues", &x);
			for (size_t j = 0; j < json_object_array_length(x); j++) {
				uint32_t v;
				if (map_ref(fc->g,
					    json_object_get_string(json_object_array_get_idx(x, j)),
					    &v) == 0)
					was_knot[v] = 1;
			}
		} else if (strcmp(k, "conflicts") == 0 || strcmp(k, "new-conflicts") == 0) {
			struct json_object *a = NULL, *b = NULL;
			uint32_t u, v;
			json_object_object_get_ex(f, "blocker", &a);
			json_object_object_get_ex(f, "blocked", &b);
			if (map_ref(fc->g, json_object_get_string(a), &u) == 0 &&
			    map_ref(fc->g, json_object_get_string(b), &v) == 0)
				(*old)[(*n_old)++] = (struct analyze_edge){u, v};
		}
	}
	json_object_put(root);
	return 0;
}

/* was_knot and old conflicts from the graph at a history point (whole graph). */
static int ratchet_from_point(struct cli_findings *fc, struct cli_ctx *ctx, const char *cmd,
			      const struct cli_common *c, int64_t point, uint8_t *was_knot,
			      struct analyze_edge **old, size_t *n_old)
{
	struct analyze_graph *tg = NULL;
	struct analyze_knots no_knots = {0}; /* conflicts only: knots are not listed */
	struct analyze_findings *tf = NULL;
	uint32_t *map = NULL;
	uint8_t *in_knot = NULL;
	int rc = CLI_EXIT_STORE;
	struct analyze_load_opts o;
	if ((rc = cli_load_opts_again(fc->s, cmd, c, fc->g->all_states, &o)) != 0)
		goto done;
	rc = CLI_EXIT_STORE;
	o.at_point = point;
	int lrc = analyze_graph_load(&tg, fc->s, &o);
	cli_load_opts_release(&o);
	if (lrc != 0 || !(in_knot = calloc(tg->n ? tg->n : 1, 1)) ||
	    analyze_in_knot(tg, NULL, in_knot) != 0) {
		cli_error(cmd, "%s: cannot rebuild the earlier point: %s", ctx->db_path,
			  analyze_errmsg());
		goto done;
	}
	if (conflicts_of(tg, &no_knots, NULL, &tf) != 0 ||
	    !(map = malloc((tg->n ? tg->n : 1) * sizeof *map)) ||
	    analyze_node_map(tg, fc->g, map) != 0) {
		cli_error(cmd, "%s", analyze_errmsg());
		goto done;
	}
	for (uint32_t u = 0; u < tg->n; u++)
		if (in_knot[u] && map[u] != ANALYZE_NONE)
			was_knot[map[u]] = 1;
	uint32_t nc = tf->count[ANALYZE_FINDING_CONFLICTS];
	*old = calloc(nc ? nc : 1, sizeof **old);
	*n_old = 0;
	if (!*old) {
		cli_error(cmd, "out of memory");
		goto done;
	}
	for (uint32_t i = 0; i < nc; i++) {
		struct analyze_edge e = tf->conflicts[i];
		if (map[e.from] != ANALYZE_NONE && map[e.to] != ANALYZE_NONE)
			(*old)[(*n_old)++] = (struct analyze_edge){map[e.from], map[e.to]};
	}
	rc = 0;
done:
	free(map);
	free(in_knot);
	analyze_findings_free(tf);
	analyze_graph_free(tg);
	return rc;
}

int cli_findings_ratchet(struct cli_findings *fc, struct cli_ctx *ctx, const char *cmd,
			 const struct cli_common *c, const struct cli_since *since,
			 const char *baseline)
{
	uint8_t *was_knot = calloc(fc->g->n ? fc->g->n : 1, 1);
	struct analyze_edge *old = NULL;
	size_t n_old = 0;
	int rc = 0;
	if (!was_knot) {
		cli_error(cmd, "out of memory");
		return CLI_EXIT_STORE;
	}
	if (baseline) {
		rc = ratchet_from_file(fc, cmd, baseline, was_knot, &old, &n_old);
	} else {
		struct cli_point then, now;
		char why[256];
		if (cli_resolve_since(fc->s, since, &then, &now, why, sizeof why) != 0) {
			cli_error(cmd, "%s: %s", ctx->db_path, store_errmsg(fc->s));
			rc = CLI_EXIT_STORE;
		} else if (!then.id) {
			/* nothing to compare with: nothing got worse */
			cli_warn(cmd,
				 "--since: %s; new-knots and new-conflicts compare with nothing",
				 why);
			memset(was_knot, 1, fc->g->n ? fc->g->n : 1);
			old = calloc(fc->f->count[ANALYZE_FINDING_CONFLICTS] + 1, sizeof *old);
			if (old) {
				memcpy(old, fc->f->conflicts,
				       fc->f->count[ANALYZE_FINDING_CONFLICTS] * sizeof *old);
				n_old = fc->f->count[ANALYZE_FINDING_CONFLICTS];
			}
		} else {
			rc = ratchet_from_point(fc, ctx, cmd, c, then.id, was_knot, &old, &n_old);
		}
	}
	if (rc == 0) {
		struct analyze_findings_in in = {.g = fc->g,
						 .knots = fc->k,
						 .keep = fc->keep,
						 .full = fc->full,
						 .keep_full = fc->keep_full};
		struct analyze_ratchet_in r = {was_knot, old, n_old};
		if (analyze_findings_ratchet(fc->f, &in, &r) != 0) {
			cli_error(cmd, "%s", analyze_errmsg());
			rc = CLI_EXIT_STORE;
		}
	}
	free(was_knot);
	free(old);
	return rc;
}

/* ---- changes ---------------------------------------------------------------------- */

static void help(void)
{
	printf("usage: issuegraph [--db PATH] changes [--since N|DATE|TIME] [--milestone M]\n"
	       "                  [--label L]... [--all-states] [--weight W] [--default-cost N]\n"
	       "                  [--format text|json] [-o FILE] [-q]\n\n"
	       "What changed in the blocking graph since an earlier history point: knots new,\n"
	       "changed and resolved, issues unblocked and blocked, conflicts new and resolved,\n"
	       "issues closed, opened, added and removed, the critical path then and now.\n\n"
	       "  --since N|DATE|TIME  the N-th point before the latest (default 1), or the\n"
	       "                       latest point at or before a date YYYY-MM-DD (00:00Z)\n"
	       "                       or an RFC 3339 time\n" CLI_SCOPE_HELP
	       "                      (with a scope: each side its own, read with the\n"
	       "                      milestones and labels of then and of now)\n"
	       "  --all-states         analyse closed issues too\n" CLI_DEPS_HELP
	       "  --weight W           count (default), weight or estimate\n"
	       "  --default-cost N     cost of an issue without a value (default 1)\n"
	       "  --format text|json   output format (default text)\n"
	       "  -o FILE              write there (atomically) instead of stdout\n"
	       "  -q, --quiet          print nothing on stdout (stderr still says why\n"
	       "                       there is nothing to compare with)\n"
	       "  -v, --no-progress    accepted, as by every command; no effect here\n"
	       "  -h, --help           this help\n");
}

/* One side loaded: graph, knots, scope, findings, ready, critical path. */
struct side {
	struct analyze_graph *g;
	struct analyze_condensation *c;
	struct analyze_knots *k;
	uint8_t *selected, *keep;
	struct analyze_findings *f;
	uint8_t *ready;
	struct analyze_steps *path;
};

static void side_free(struct side *x)
{
	analyze_steps_free(x->path);
	analyze_findings_free(x->f);
	analyze_knots_free(x->k);
	analyze_condensation_free(x->c);
	analyze_graph_free(x->g);
	free(x->selected);
	free(x->keep);
	free(x->ready);
	memset(x, 0, sizeof *x);
}

/* Issue ids with a dropped text reference to a blocker, ascending. */
struct id_list {
	int64_t *v;
	size_t n, cap;
};

static int on_dropped(void *ctx, int64_t issue_id, int64_t blocker_refs, int64_t all_refs)
{
	struct id_list *l = ctx;
	(void)all_refs;
	if (blocker_refs <= 0)
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		int64_t *nv = realloc(l->v, cap * sizeof *nv);
		if (!nv)
			return -1;
		l->v = nv;
		l->cap = cap;
	}
	l->v[l->n++] = issue_id;
	return 0;
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Returns 0, -1 when analysis failed (analyze_errmsg()), or an exit code
 * already reported (the scope). */
static int side_load(struct side *x, struct store *s, const char *cmd, const struct cli_common *c,
		     int64_t point, const struct id_list *dropped)
{
	struct analyze_load_opts o;
	/* the --ignore-deps warnings once: from the now side of the changes
	 * command (report's own load has warned before it embeds changes) */
	int orc = !point && strcmp(cmd, "changes") == 0
		      ? cli_load_opts(s, cmd, c, c->all_states, &o)
		      : cli_load_opts_again(s, cmd, c, c->all_states, &o);
	if (orc != 0)
		return orc;
	o.at_point = point;
	int lrc = analyze_graph_load(&x->g, s, &o);
	cli_load_opts_release(&o);
	if (lrc != 0 || analyze_condense(x->g, &x->c) != 0 ||
	    analyze_knot_sets(x->g, x->c, &x->k) != 0)
		return -1;
	uint32_t n = x->g->n ? x->g->n : 1;
	if (!(x->ready = calloc(n, 1)))
		return -1;
	/* the scope as it was at the point: its milestones and labels then; at
	 * the point now, a milestone or label that no issue carries is a
	 * usage error, as in check */
	int src = cli_scope_nodes(s, cmd, &c->scope, point, x->g, &x->selected, &x->keep);
	if (src != 0)
		return src;
	if (conflicts_of(x->g, x->k, x->keep, &x->f) != 0)
		return -1;
	/* ready: dropped text references are not kept in history; both sides
	 * read the current ones */
	uint8_t *unreadable = calloc(n, 1);
	if (!unreadable)
		return -1;
	for (uint32_t v = 0; v < x->g->n; v++)
		unreadable[v] = dropped && dropped->n &&
				bsearch(&x->g->issue_id[v], dropped->v, dropped->n,
					sizeof *dropped->v, cmp_id) != NULL;
	int rrc = analyze_ready(x->g, x->k, unreadable, x->ready);
	free(unreadable);
	if (rrc != 0)
		return -1;
	struct analyze_path_opts po = {.weight = c->weight,
				       .default_cost = c->default_cost,
				       .to = ANALYZE_NONE,
				       .milestone = ANALYZE_NONE,
				       .ends = x->selected};
	return analyze_critical_path(x->g, x->c, &po, &x->path) != 0 ? -1 : 0;
}

struct ref_item {
	char *path;
	int64_t iid;
	int64_t issue_id;
};
struct ref_list {
	struct ref_item *v;
	size_t n, cap;
};
struct change_lists {
	struct ref_list closed, opened, added, removed;
};

static int ref_push(struct ref_list *l, const char *path, int64_t iid, int64_t issue_id)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		struct ref_item *nv = realloc(l->v, cap * sizeof *nv);
		if (!nv)
			return -1;
		l->v = nv;
		l->cap = cap;
	}
	if (!(l->v[l->n].path = strdup(path)))
		return -1;
	l->v[l->n].issue_id = issue_id;
	l->v[l->n++].iid = iid;
	return 0;
}

static int cmp_ref_item(const void *a, const void *b)
{
	const struct ref_item *x = a, *y = b;
	return store_ref_cmp(x->path, x->iid, y->path, y->iid);
}

static void ref_list_free(struct ref_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].path);
	free(l->v);
}

static int on_change(void *ctx, const struct store_issue_change *c)
{
	struct change_lists *cl = ctx;
	struct ref_list *l = NULL;
	if (c->then_present && !c->now_present)
		l = &cl->removed;
	else if (!c->then_present && c->now_present)
		l = &cl->added;
	else if (c->then_state == STORE_STATE_OPENED && c->now_state == STORE_STATE_CLOSED)
		l = &cl->closed;
	else if (c->then_state == STORE_STATE_CLOSED && c->now_state == STORE_STATE_OPENED)
		l = &cl->opened;
	if (!l)
		return 0;
	return ref_push(l, c->project_path, c->iid, c->issue_id) ? -1 : 0;
}

static struct json_object *ref_list_json(const struct ref_list *l)
{
	struct json_object *a = json_object_new_array();
	for (size_t i = 0; i < l->n; i++) {
		size_t len = strlen(l->v[i].path) + 24;
		char *buf = malloc(len);
		if (buf) {
			snprintf(buf, len, "%s#%lld", l->v[i].path, (long long)l->v[i].iid);
			json_object_array_add(a, json_object_new_string(buf));
			free(buf);
		}
	}
	return a;
}

static struct json_object *knot_list_json(const struct side *x, const uint32_t *kn, uint32_t n)
{
	struct json_object *a = json_object_new_array();
	for (uint32_t i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object(), *is = json_object_new_array();
		for (uint32_t j = x->k->member_off[kn[i]]; j < x->k->member_off[kn[i] + 1]; j++)
			json_object_array_add(is, cli_ref_json(x->g, x->k->members[j]));
		json_object_object_add(o, "issues", is);
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *node_list_json(const struct analyze_graph *g, const uint32_t *v,
					  uint32_t n)
{
	struct json_object *a = json_object_new_array();
	for (uint32_t i = 0; i < n; i++)
		json_object_array_add(a, cli_ref_json(g, v[i]));
	return a;
}

static struct json_object *conflict_list_json(const struct analyze_graph *g,
					      const struct analyze_edge *e, uint32_t n)
{
	struct json_object *a = json_object_new_array();
	for (uint32_t i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "blocker", cli_ref_json(g, e[i].from));
		json_object_object_add(o, "blocked", cli_ref_json(g, e[i].to));
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *path_json(const struct side *x)
{
	if (!x->path)
		return NULL;
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "cost", json_object_new_int64(x->path->total));
	json_object_object_add(o, "steps", json_object_new_int64(x->path->count));
	return o;
}

static struct json_object *point_json(const struct cli_point *p)
{
	if (!p->id)
		return NULL;
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "started_at", json_object_new_string(p->at));
	return o;
}

static struct json_object *changes_json(const struct cli_point *then, const struct cli_point *now,
					const struct side *t, const struct side *n,
					const struct analyze_changes *ch,
					const struct change_lists *cl)
{
	static const struct ref_list empty = {0};
	static const uint32_t none[1] = {0};
	bool have = ch != NULL;
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "since", have ? point_json(then) : NULL);
	json_object_object_add(o, "now", point_json(now));
	struct json_object *k = json_object_new_object();
	json_object_object_add(
	    k, "new", knot_list_json(n, have ? ch->knots_new : none, have ? ch->n_new : 0));
	json_object_object_add(
	    k, "changed",
	    knot_list_json(n, have ? ch->knots_changed : none, have ? ch->n_changed : 0));
	json_object_object_add(
	    k, "resolved",
	    knot_list_json(t, have ? ch->knots_resolved : none, have ? ch->n_resolved : 0));
	json_object_object_add(o, "knots", k);
	json_object_object_add(
	    o, "unblocked",
	    node_list_json(n->g, have ? ch->unblocked : none, have ? ch->n_unblocked : 0));
	json_object_object_add(
	    o, "blocked",
	    node_list_json(n->g, have ? ch->blocked : none, have ? ch->n_blocked : 0));
	struct json_object *c = json_object_new_object();
	json_object_object_add(c, "new",
			       conflict_list_json(n->g, have ? ch->conflicts_new : NULL,
						  have ? ch->n_conflicts_new : 0));
	json_object_object_add(c, "resolved",
			       conflict_list_json(t->g, have ? ch->conflicts_resolved : NULL,
						  have ? ch->n_conflicts_resolved : 0));
	json_object_object_add(o, "conflicts", c);
	json_object_object_add(o, "closed", ref_list_json(have ? &cl->closed : &empty));
	json_object_object_add(o, "opened", ref_list_json(have ? &cl->opened : &empty));
	json_object_object_add(o, "added", ref_list_json(have ? &cl->added : &empty));
	json_object_object_add(o, "removed", ref_list_json(have ? &cl->removed : &empty));
	struct json_object *p = json_object_new_object();
	json_object_object_add(p, "then", have ? path_json(t) : NULL);
	json_object_object_add(p, "now", path_json(n));
	json_object_object_add(o, "path", p);
	return o;
}

/* Text: issues one a line with their titles (a confidential issue's
 * hidden); knots and conflicts as refs. */
static void print_nodes(FILE *fp, const char *what, const struct analyze_graph *g,
			const uint32_t *v, uint32_t n, const struct cli_titles *t)
{
	fprintf(fp, "%s: %u\n", what, n);
	for (uint32_t i = 0; i < n; i++) {
		fputs("  ", fp);
		cli_print_ref(fp, g, v[i]);
		cli_print_title(fp, t, g->issue_id[v[i]]);
		fputc('\n', fp);
	}
}

static void print_knots(FILE *fp, const char *what, const struct side *x, const uint32_t *kn,
			uint32_t n)
{
	fprintf(fp, "knots %s: %u\n", what, n);
	for (uint32_t i = 0; i < n; i++) {
		fputs("  ", fp);
		for (uint32_t j = x->k->member_off[kn[i]]; j < x->k->member_off[kn[i] + 1]; j++) {
			if (j > x->k->member_off[kn[i]])
				fputc(' ', fp);
			cli_print_ref(fp, x->g, x->k->members[j]);
		}
		fputc('\n', fp);
	}
}

static void print_conflicts(FILE *fp, const char *what, const struct analyze_graph *g,
			    const struct analyze_edge *e, uint32_t n)
{
	fprintf(fp, "conflicts %s: %u\n", what, n);
	for (uint32_t i = 0; i < n; i++) {
		fputs("  ", fp);
		cli_print_ref(fp, g, e[i].from);
		fputs(" blocks ", fp);
		cli_print_ref(fp, g, e[i].to);
		fputc('\n', fp);
	}
}

static void print_refs(FILE *fp, const char *what, const struct ref_list *l,
		       const struct cli_titles *t)
{
	fprintf(fp, "%s: %zu\n", what, l->n);
	for (size_t i = 0; i < l->n; i++) {
		fputs("  ", fp);
		cli_print_safe(fp, l->v[i].path); /* as cli_print_ref() writes a path */
		fprintf(fp, "#%lld", (long long)l->v[i].iid);
		cli_print_title(fp, t, l->v[i].issue_id);
		fputc('\n', fp);
	}
}

static void changes_text(FILE *fp, const struct cli_point *then, const struct cli_point *now,
			 const struct side *t, const struct side *n,
			 const struct analyze_changes *ch, const struct change_lists *cl,
			 const struct cli_titles *tt)
{
	if (!ch) {
		fprintf(fp, "changes: none to show (no comparable earlier point)\n");
		return;
	}
	fprintf(fp, "changes since %s (now: %s)\n", then->at, now->at);
	print_knots(fp, "new", n, ch->knots_new, ch->n_new);
	print_knots(fp, "changed", n, ch->knots_changed, ch->n_changed);
	print_knots(fp, "resolved", t, ch->knots_resolved, ch->n_resolved);
	print_nodes(fp, "unblocked", n->g, ch->unblocked, ch->n_unblocked, tt);
	print_nodes(fp, "blocked", n->g, ch->blocked, ch->n_blocked, tt);
	print_conflicts(fp, "new", n->g, ch->conflicts_new, ch->n_conflicts_new);
	print_conflicts(fp, "resolved", t->g, ch->conflicts_resolved, ch->n_conflicts_resolved);
	print_refs(fp, "closed", &cl->closed, tt);
	print_refs(fp, "opened", &cl->opened, tt);
	print_refs(fp, "added", &cl->added, tt);
	print_refs(fp, "removed", &cl->removed, tt);
	fprintf(fp, "critical path: then cost %lld in %u steps, now cost %lld in %u steps\n",
		(long long)t->path->total, t->path->count, (long long)n->path->total,
		n->path->count);
}

/* Everything changes computes; the then side is empty without a point. */
struct changes_run {
	struct cli_point then, now;
	char why[256]; /* then.id 0: why there is nothing to compare */
	struct side t, n;
	struct analyze_changes *chg;
	struct change_lists cl;
	struct id_list dropped;
};

static void changes_run_release(struct changes_run *r)
{
	free(r->dropped.v);
	analyze_changes_free(r->chg);
	ref_list_free(&r->cl.closed);
	ref_list_free(&r->cl.opened);
	ref_list_free(&r->cl.added);
	ref_list_free(&r->cl.removed);
	side_free(&r->t);
	side_free(&r->n);
	memset(r, 0, sizeof *r);
}

/* Compute the changes of s since --since; 0 or prints and returns an exit
 * code. Release with changes_run_release(), also after a failure. */
static int changes_run(struct changes_run *r, struct cli_ctx *ctx, const char *cmd, struct store *s,
		       const struct cli_common *c, const struct cli_since *since)
{
	memset(r, 0, sizeof *r);
	if (cli_resolve_since(s, since, &r->then, &r->now, r->why, sizeof r->why) != 0 ||
	    store_each_text_dropped(s, on_dropped, &r->dropped) != 0) {
		cli_error(cmd, "%s: %s", ctx->db_path, store_errmsg(s));
		return CLI_EXIT_STORE;
	}
	int lrc = side_load(&r->n, s, cmd, c, 0, &r->dropped);
	if (lrc > 0)
		return lrc;
	if (lrc != 0) {
		cli_error(cmd, "%s: cannot load the graph: %s", ctx->db_path, analyze_errmsg());
		return CLI_EXIT_STORE;
	}
	if (!r->then.id) {
		/* changes always says so; the report only about a --since that
		 * was given (SPEC "report": a first report warns of nothing) */
		if (since->given || strcmp(cmd, "report") != 0)
			cli_warn(cmd, "--since: %s", r->why);
		return 0;
	}
	if ((lrc = side_load(&r->t, s, cmd, c, r->then.id, &r->dropped)) > 0)
		return lrc;
	if (lrc != 0) {
		cli_error(cmd, "%s: cannot rebuild the point of %s: %s", ctx->db_path, r->then.at,
			  analyze_errmsg());
		return CLI_EXIT_STORE;
	}
	struct analyze_side ts = {r->t.g, r->t.k, r->t.keep, r->t.f, r->t.ready};
	struct analyze_side ns = {r->n.g, r->n.k, r->n.keep, r->n.f, r->n.ready};
	if (analyze_changes(&ts, &ns, &r->chg) != 0) {
		cli_error(cmd, "%s", analyze_errmsg());
		return CLI_EXIT_STORE;
	}
	if (store_history_each_issue_change(s, r->then.id, on_change, &r->cl) != 0) {
		cli_error(cmd, "%s: %s", ctx->db_path, store_errmsg(s));
		return CLI_EXIT_STORE;
	}
	struct ref_list *ls[] = {&r->cl.closed, &r->cl.opened, &r->cl.added, &r->cl.removed};
	for (size_t i = 0; i < 4; i++)
		if (ls[i]->n)
			qsort(ls[i]->v, ls[i]->n, sizeof *ls[i]->v, cmp_ref_item);
	return 0;
}

/* The titles of the issues the text lists one a line. */
static int changes_titles(struct cli_titles *t, struct store *s, const struct changes_run *r)
{
	const struct change_lists *cl = &r->cl;
	const struct ref_list *ls[] = {&cl->closed, &cl->opened, &cl->added, &cl->removed};
	size_t n = (size_t)r->chg->n_unblocked + r->chg->n_blocked, k = 0;
	for (size_t i = 0; i < 4; i++)
		n += ls[i]->n;
	int64_t *ids = malloc((n ? n : 1) * sizeof *ids);
	if (!ids)
		return -1;
	for (uint32_t i = 0; i < r->chg->n_unblocked; i++)
		ids[k++] = r->n.g->issue_id[r->chg->unblocked[i]];
	for (uint32_t i = 0; i < r->chg->n_blocked; i++)
		ids[k++] = r->n.g->issue_id[r->chg->blocked[i]];
	for (size_t i = 0; i < 4; i++)
		for (size_t j = 0; j < ls[i]->n; j++)
			ids[k++] = ls[i]->v[j].issue_id;
	int rc = cli_titles_load(t, s, ids, (uint32_t)k);
	free(ids);
	return rc;
}

int cli_changes_json(struct cli_ctx *ctx, const char *cmd, struct store *s,
		     const struct cli_common *c, const struct cli_since *since,
		     struct json_object **out)
{
	struct changes_run r;
	*out = NULL;
	int rc = changes_run(&r, ctx, cmd, s, c, since);
	if (rc == 0)
		*out = changes_json(&r.then, &r.now, &r.t, &r.n, r.chg, &r.cl);
	changes_run_release(&r);
	return rc;
}

/* The report's view: the run it borrows from and the arrays it fills. */
struct view_store {
	struct changes_run r;
	struct render_since rs;
	struct render_since_issue *issues;
	uint32_t *off;
	uint32_t *map; /* scratch: nodes of a side -> nodes of full */
};

struct view_fill {
	struct render_since_issue *issues;
	uint32_t *off;
	uint32_t ni, no;
};

static void fill_begin(struct view_fill *f, struct render_since_list *l)
{
	l->v = f->issues;
	l->off = f->off + f->no;
	l->n = 0;
	f->off[f->no] = f->ni;
}

/* Close the item started at the last offset. */
static void fill_item(struct view_fill *f, struct render_since_list *l)
{
	l->n++;
	f->off[++f->no] = f->ni;
}

static void fill_node(struct view_fill *f, const struct analyze_graph *g, const uint32_t *map,
		      uint32_t v)
{
	f->issues[f->ni++] =
	    (struct render_since_issue){g->project_path[g->project[v]], g->iid[v], map[v]};
}

static void fill_nodes(struct view_fill *f, struct render_since_list *l,
		       const struct analyze_graph *g, const uint32_t *map, const uint32_t *v,
		       uint32_t n)
{
	fill_begin(f, l);
	for (uint32_t i = 0; i < n; i++) {
		fill_node(f, g, map, v[i]);
		fill_item(f, l);
	}
}

static void fill_knots(struct view_fill *f, struct render_since_list *l, const struct side *x,
		       const uint32_t *map, const uint32_t *kn, uint32_t n)
{
	fill_begin(f, l);
	for (uint32_t i = 0; i < n; i++) {
		for (uint32_t j = x->k->member_off[kn[i]]; j < x->k->member_off[kn[i] + 1]; j++)
			fill_node(f, x->g, map, x->k->members[j]);
		fill_item(f, l);
	}
}

static void fill_conflicts(struct view_fill *f, struct render_since_list *l,
			   const struct analyze_graph *g, const uint32_t *map,
			   const struct analyze_edge *e, uint32_t n)
{
	fill_begin(f, l);
	for (uint32_t i = 0; i < n; i++) {
		fill_node(f, g, map, e[i].from);
		fill_node(f, g, map, e[i].to);
		fill_item(f, l);
	}
}

static void fill_refs(struct view_fill *f, struct render_since_list *l,
		      const struct analyze_graph *full, const struct ref_list *rl)
{
	fill_begin(f, l);
	for (size_t i = 0; i < rl->n; i++) {
		char ref[600];
		uint32_t v = ANALYZE_NONE;
		snprintf(ref, sizeof ref, "%s#%lld", rl->v[i].path, (long long)rl->v[i].iid);
		if (analyze_find_ref(full, ref, &v, NULL) != 0)
			v = ANALYZE_NONE;
		f->issues[f->ni++] = (struct render_since_issue){rl->v[i].path, rl->v[i].iid, v};
		fill_item(f, l);
	}
}

void cli_changes_view_release(struct cli_changes_view *v)
{
	struct view_store *vs = v ? v->priv : NULL;
	if (vs) {
		changes_run_release(&vs->r);
		free(vs->issues);
		free(vs->off);
		free(vs->map);
		free(vs);
	}
	if (v)
		memset(v, 0, sizeof *v);
}

int cli_changes_view(struct cli_changes_view *out, struct cli_ctx *ctx, const char *cmd,
		     struct store *s, const struct cli_common *c, const struct cli_since *since,
		     const struct analyze_graph *full)
{
	memset(out, 0, sizeof *out);
	struct view_store *vs = calloc(1, sizeof *vs);
	if (!vs) {
		cli_error(cmd, "out of memory");
		return CLI_EXIT_NOMEM;
	}
	out->priv = vs;
	int rc = changes_run(&vs->r, ctx, cmd, s, c, since);
	if (rc != 0)
		return rc;
	struct changes_run *r = &vs->r;
	struct render_since *rs = &vs->rs;
	out->since = rs;
	rs->now_at = r->now.id ? r->now.at : NULL;
	rs->cost_now = r->n.path ? r->n.path->total : 0;
	rs->steps_now = r->n.path ? r->n.path->count : 0;
	if (!r->chg) {
		rs->why = r->why;
		return 0;
	}
	const struct analyze_changes *ch = r->chg;
	rs->then_at = r->then.at;
	rs->cost_then = r->t.path ? r->t.path->total : 0;
	rs->steps_then = r->t.path ? r->t.path->count : 0;
	/* sizes: every issue named, and one offset per item and per list */
	size_t ni = 0, items = 0;
	const uint32_t *kn[] = {ch->knots_new, ch->knots_changed, ch->knots_resolved};
	const uint32_t nk[] = {ch->n_new, ch->n_changed, ch->n_resolved};
	for (int i = 0; i < 3; i++) {
		const struct side *x = i == 2 ? &r->t : &r->n;
		for (uint32_t j = 0; j < nk[i]; j++)
			ni += x->k->member_off[kn[i][j] + 1] - x->k->member_off[kn[i][j]];
		items += nk[i];
	}
	size_t nr = ch->n_unblocked + ch->n_blocked + r->cl.closed.n + r->cl.opened.n +
		    r->cl.added.n + r->cl.removed.n;
	size_t nc = (size_t)ch->n_conflicts_new + ch->n_conflicts_resolved;
	ni += nr + 2 * nc;
	items += nr + nc + RENDER_SINCE_KINDS;
	uint32_t gn = r->n.g->n > r->t.g->n ? r->n.g->n : r->t.g->n;
	vs->issues = malloc((ni ? ni : 1) * sizeof *vs->issues);
	vs->off = malloc(items * sizeof *vs->off);
	vs->map = malloc((gn ? gn : 1) * sizeof *vs->map);
	if (!vs->issues || !vs->off || !vs->map) {
		cli_error(cmd, "out of memory");
		return CLI_EXIT_NOMEM;
	}
	struct view_fill f = {vs->issues, vs->off, 0, 0};
	struct render_since_list *l = rs->lists;
	if (analyze_node_map(r->t.g, full, vs->map) != 0)
		goto oom;
	fill_knots(&f, &l[RENDER_SINCE_KNOTS_RESOLVED], &r->t, vs->map, ch->knots_resolved,
		   ch->n_resolved);
	fill_conflicts(&f, &l[RENDER_SINCE_CONFLICTS_RESOLVED], r->t.g, vs->map,
		       ch->conflicts_resolved, ch->n_conflicts_resolved);
	if (analyze_node_map(r->n.g, full, vs->map) != 0)
		goto oom;
	fill_knots(&f, &l[RENDER_SINCE_KNOTS_NEW], &r->n, vs->map, ch->knots_new, ch->n_new);
	fill_knots(&f, &l[RENDER_SINCE_KNOTS_CHANGED], &r->n, vs->map, ch->knots_changed,
		   ch->n_changed);
	fill_nodes(&f, &l[RENDER_SINCE_UNBLOCKED], r->n.g, vs->map, ch->unblocked, ch->n_unblocked);
	fill_nodes(&f, &l[RENDER_SINCE_BLOCKED], r->n.g, vs->map, ch->blocked, ch->n_blocked);
	fill_conflicts(&f, &l[RENDER_SINCE_CONFLICTS_NEW], r->n.g, vs->map, ch->conflicts_new,
		       ch->n_conflicts_new);
	fill_refs(&f, &l[RENDER_SINCE_CLOSED], full, &r->cl.closed);
	fill_refs(&f, &l[RENDER_SINCE_OPENED], full, &r->cl.opened);
	fill_refs(&f, &l[RENDER_SINCE_ADDED], full, &r->cl.added);
	fill_refs(&f, &l[RENDER_SINCE_REMOVED], full, &r->cl.removed);
	return 0;
oom:
	cli_error(cmd, "%s", analyze_errmsg());
	return CLI_EXIT_NOMEM;
}

struct changes_args {
	struct cli_common *c;
	struct cli_since since;
};

static int changes_option(void *ctx, int ch, const char *arg)
{
	struct changes_args *x = ctx;
	switch (ch) {
	case 'S':
		return cli_parse_since("changes", arg, &x->since);
	case 'w':
		if (cli_parse_weight(arg, &x->c->weight) != 0)
			return cli_usage("changes",
					 "--weight: '%s' is not count, weight or estimate", arg);
		break;
	case 'D':
		if (cli_parse_int(arg, 0, INT64_MAX, &x->c->default_cost) != 0)
			return cli_usage("changes", "--default-cost: '%s' is not an integer >= 0",
					 arg);
		break;
	}
	return 0;
}

int cmd_changes(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
	    {"since", required_argument, NULL, 'S'},
	    CLI_SCOPE_LONGOPTS,
	    {"weight", required_argument, NULL, 'w'},
	    {"default-cost", required_argument, NULL, 'D'},
	    CLI_COMMON_LONGOPTS,
	    {0},
	};
	struct cli_common c;
	struct changes_args x = {.c = &c, .since = {.n = 1}};
	int rc = cli_parse_options(&c, argc, argv, "changes", opts, help, changes_option, &x, 0);
	if (rc)
		return rc == CLI_HELP_SHOWN ? CLI_EXIT_OK : rc;

	struct cli_analysis a;
	struct changes_run r;
	struct cli_titles titles = {0};
	memset(&r, 0, sizeof r);
	if ((rc = cli_analysis_open(&a, ctx, "changes", &c, 0)) != 0)
		goto done;
	if ((rc = changes_run(&r, ctx, "changes", a.s, &c, &x.since)) != 0)
		goto done;
	if (!c.quiet && !c.json && r.chg && changes_titles(&titles, a.s, &r) != 0) {
		cli_error("changes", "%s: cannot read titles: %s", ctx->db_path, store_errmsg(a.s));
		rc = CLI_EXIT_STORE;
		goto done;
	}
	if (!c.quiet) {
		if ((rc = cli_analysis_out_open(&a)) != 0)
			goto done;
		if (c.json) {
			struct json_object *o =
			    changes_json(&r.then, &r.now, &r.t, &r.n, r.chg, &r.cl);
			cli_print_json(a.out.fp, o);
			json_object_put(o);
		} else {
			changes_text(a.out.fp, &r.then, &r.now, &r.t, &r.n, r.chg, &r.cl, &titles);
		}
		rc = cli_out_close(&a.out, "changes", true);
	}
done:
	cli_titles_release(&titles);
	changes_run_release(&r);
	return cli_analysis_close(&a, rc);
}
