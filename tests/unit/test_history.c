/* store history: recording, rebuilding a point, retention folding,
 * baselines. Each point's rebuild is compared with a snapshot of the store
 * (every field the analysis reads) taken when the point was recorded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"

static char tmpdir[256];

static int setup_dir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/ig-test-history-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
	(void)state;
	char cmd[320];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct store *open_new(const char *name)
{
	char p[400];
	snprintf(p, sizeof p, "%s/%s", tmpdir, name);
	unlink(p);
	struct store *s = NULL;
	assert_int_equal(store_open(&s, p, STORE_OPEN_CREATE), 0);
	return s;
}

/* ---- a text image of what the analysis reads ---------------------------------- */

struct lines {
	char **v;
	size_t n, cap;
};

static void add_line(struct lines *l, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = realloc(l->v, l->cap * sizeof *l->v);
		assert_non_null(l->v);
	}
	l->v[l->n++] = strdup(buf);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *nz(const char *s)
{
	return s ? s : "(null)";
}

static int on_issue(void *ctx, const struct store_issue *i)
{
	add_line(ctx, "issue %lld p%lld #%lld '%s' s%d c%d w%s%lld e%lld t%lld m%s/%s d%s l%s a%s",
		 (long long)i->id, (long long)i->project_id, (long long)i->iid, nz(i->title),
		 (int)i->state, (int)i->confidential, i->has_weight ? "" : "-",
		 (long long)(i->has_weight ? i->weight : 0), (long long)i->time_estimate,
		 (long long)i->total_time_spent, nz(i->milestone_title), nz(i->milestone_due),
		 nz(i->due_date), nz(i->labels_json), nz(i->assignees_json));
	return 0;
}

static int on_link(void *ctx, const struct store_link *l)
{
	add_line(ctx, "link %lld %lld->%lld t%d", (long long)l->id, (long long)l->source_id,
		 (long long)l->target_id, (int)l->type);
	return 0;
}

static int on_text(void *ctx, const struct store_text_dep *d)
{
	add_line(ctx, "text %lld->%lld t%d", (long long)d->source_id, (long long)d->target_id,
		 (int)d->type);
	return 0;
}

static char *join(struct lines *l)
{
	qsort(l->v, l->n, sizeof *l->v, cmp_str);
	size_t len = 1;
	for (size_t i = 0; i < l->n; i++)
		len += strlen(l->v[i]) + 1;
	char *out = malloc(len);
	assert_non_null(out);
	out[0] = '\0';
	for (size_t i = 0; i < l->n; i++) {
		strcat(out, l->v[i]);
		strcat(out, "\n");
		free(l->v[i]);
	}
	free(l->v);
	return out;
}

/* The store as it is now (live walks) or at point (history walks). */
static char *image(struct store *s, int64_t point)
{
	struct lines l = {0};
	if (point == 0) {
		assert_int_equal(store_each_issue(s, on_issue, &l), 0);
		assert_int_equal(store_each_link(s, on_link, &l), 0);
		assert_int_equal(store_each_text_dep(s, on_text, &l), 0);
	} else {
		assert_int_equal(store_each_issue_at(s, point, 0, on_issue, &l), 0);
		assert_int_equal(store_each_link_at(s, point, 0, on_link, &l), 0);
		assert_int_equal(store_each_text_dep_at(s, point, on_text, &l), 0);
	}
	return join(&l);
}

/* ---- random changes ---------------------------------------------------------------- */

static uint64_t rng = 88172645463325252ULL;
static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

#define MAX_ISSUES 40
static bool present[MAX_ISSUES + 1];
static int64_t next_link = 1;

static void put_issue(struct store *s, int64_t id)
{
	static const char *const dues[] = {NULL, "2026-12-01", "2027-01-15"};
	static const char *const ms[] = {NULL, "v1", "v2"};
	static const char *const labels[] = {"[]", "[\"bug\"]", "[\"bug\",\"ui\"]"};
	static const char *const assignees[] = {"[]", "[\"ana\"]", "[\"bo\",\"ana\"]"};
	char title[32];
	snprintf(title, sizeof title, "issue %lld v%u", (long long)id, rnd(3));
	unsigned m = rnd(3);
	struct store_issue i = {
	    .id = id,
	    .project_id = 1 + (id % 2),
	    .iid = id,
	    .title = title,
	    .state = rnd(3) == 0 ? STORE_STATE_CLOSED : STORE_STATE_OPENED,
	    .confidential = rnd(5) == 0,
	    .has_weight = rnd(2) == 0,
	    .weight = rnd(5),
	    .time_estimate = rnd(3) * 3600,
	    .total_time_spent = rnd(2) * 600,
	    .milestone_title = ms[m],
	    .milestone_due = m ? dues[rnd(3)] : NULL,
	    .due_date = dues[rnd(3)],
	    .labels_json = labels[rnd(3)],
	    .assignees_json = assignees[rnd(3)],
	    .updated_at = "2026-01-01T00:00:00Z",
	};
	int rc = store_put_issue(s, &i);
	if (rc)
		fprintf(stderr, "put issue: %s\n", store_errmsg(s));
	assert_int_equal(rc, 0);
	present[id] = true;
}

static int64_t some_present(void)
{
	for (int tries = 0; tries < 200; tries++) {
		int64_t id = 1 + rnd(MAX_ISSUES);
		if (present[id])
			return id;
	}
	return 0;
}

/* One fetch's worth of changes. */
static void mutate(struct store *s)
{
	unsigned ops = 1 + rnd(6);
	for (unsigned k = 0; k < ops; k++) {
		switch (rnd(5)) {
		case 0: { /* add or change an issue */
			put_issue(s, 1 + rnd(MAX_ISSUES));
			break;
		}
		case 1: { /* delete an issue (and its links) */
			int64_t id = some_present();
			if (id) {
				assert_int_equal(store_delete_issue(s, id), 0);
				present[id] = false;
			}
			break;
		}
		case 2:
		case 3: { /* replace an issue's links */
			int64_t a = some_present(), b = some_present();
			if (!a || !b)
				break;
			struct store_link l[2] = {
			    {next_link++, a, b, STORE_LINK_BLOCKS},
			    {next_link++, b, a, rnd(2) ? STORE_LINK_BLOCKS : STORE_LINK_RELATES},
			};
			assert_int_equal(store_replace_links_of(s, a, l, a == b ? 0 : rnd(3)), 0);
			break;
		}
		case 4: { /* replace an issue's text dependencies */
			int64_t a = some_present(), b = some_present();
			if (!a || !b || a == b)
				break;
			struct store_text_dep d = {a, b, 1 + rnd(2), 1 + rnd(4), "blocked by"};
			assert_int_equal(store_replace_text_deps_of(s, a, &d, rnd(2)), 0);
			break;
		}
		}
	}
}

static void fetch_done(struct store *s, int day, int minute, const char *options)
{
	char at[96];
	/* day 0 = 2026-10-01 */
	int y = 2026, m = 10, d = 1 + day;
	static const int mdays[] = {31, 30, 31, 31, 28};
	for (int k = 0; d > mdays[k]; k++) {
		d -= mdays[k];
		if (++m > 12) {
			m = 1;
			y++;
		}
	}
	snprintf(at, sizeof at, "%04d-%02d-%02dT%02d:%02d:00Z", y, m, d, minute / 60, minute % 60);
	assert_int_equal(store_meta_set(s, "fetch.started_at", at), 0);
	assert_int_equal(store_meta_set(s, "fetch.options", options), 0);
	assert_int_equal(store_history_record(s, STORE_HISTORY_FETCH), 0);
}

struct point_ids {
	int64_t id[256];
	bool baseline[256];
	char why[256][96];
	size_t n;
};

static int on_point(void *ctx, const struct store_history_point *p)
{
	struct point_ids *ids = ctx;
	ids->baseline[ids->n] = p->baseline;
	snprintf(ids->why[ids->n], sizeof ids->why[0], "%s", p->why ? p->why : "");
	ids->id[ids->n++] = p->id;
	return 0;
}

static void setup_projects(struct store *s)
{
	struct store_project p1 = {1, "g/a", NULL}, p2 = {2, "g/b", NULL};
	assert_int_equal(store_put_project(s, &p1), 0);
	assert_int_equal(store_put_project(s, &p2), 0);
	memset(present, 0, sizeof present);
	for (int64_t id = 1; id <= MAX_ISSUES / 2; id++)
		put_issue(s, id);
}

/* Record n points (per_day a day), snapshotting the store at each; then
 * every point still kept must rebuild to its snapshot. Returns the number
 * of points kept. */
static size_t run_and_check(struct store *s, int n, int per_day)
{
	char **snap = calloc((size_t)n + 2, sizeof *snap);
	assert_non_null(snap);
	for (int k = 0; k < n; k++) {
		if (k)
			mutate(s);
		fetch_done(s, k / per_day, 60 + k % per_day, "depth=-1\n--project g/a");
		snap[k + 1] = image(s, 0); /* point ids are 1, 2, ... */
	}
	/* and changes after the latest point (an unfinished fetch) */
	mutate(s);
	char *now = image(s, 0);
	char *live = image(s, -1);
	assert_string_equal(now, live);
	free(live);
	struct point_ids ids = {0};
	assert_int_equal(store_history_each_point(s, on_point, &ids), 0);
	for (size_t i = 0; i < ids.n; i++) {
		assert_true(ids.id[i] >= 1 && ids.id[i] <= n);
		char *then = image(s, ids.id[i]);
		assert_string_equal(then, snap[ids.id[i]]);
		free(then);
	}
	for (int k = 0; k <= n; k++)
		free(snap[k]);
	free(snap);
	free(now);
	return ids.n;
}

static void test_history__each_kept_point_rebuilds_the_store_as_it_was(void **state)
{
	(void)state;
	struct store *s = open_new("rebuild.db");
	setup_projects(s);
	assert_int_equal(run_and_check(s, 12, 1), 12);
	struct store_history_stats st;
	assert_int_equal(store_history_stats(s, &st), 0);
	assert_int_equal(st.points, 12);
	assert_string_equal(st.first_at, "2026-10-01T01:00:00Z");
	assert_string_equal(st.last_at, "2026-10-12T01:00:00Z");
	assert_true(st.deltas > 0);
	free(st.first_at);
	free(st.last_at);
	store_close(s);
}

static void test_history__folds_beyond_30_points_and_keeps_the_rest_exact(void **state)
{
	(void)state;
	struct store *s = open_new("fold.db");
	setup_projects(s);
	/* one point a day for 45 days: the last 30 points stay */
	assert_int_equal(run_and_check(s, 45, 1), STORE_HISTORY_KEEP_POINTS);
	store_close(s);
}

static void test_history__keeps_the_last_point_of_each_of_30_days(void **state)
{
	(void)state;
	struct store *s = open_new("days.db");
	setup_projects(s);
	/* three points a day for 20 days (60 points): the last 30, and the
	 * last of each earlier day (days 0..9: 10 more) */
	assert_int_equal(run_and_check(s, 60, 3), 30 + 10);
	store_close(s);
}

static void test_history__an_unchanged_fetch_stores_no_deltas(void **state)
{
	(void)state;
	struct store *s = open_new("same.db");
	setup_projects(s);
	fetch_done(s, 0, 60, "o");
	/* rewrite the same values (a re-listed issue, re-read links) */
	struct store_link l = {1, 1, 2, STORE_LINK_BLOCKS};
	assert_int_equal(store_replace_links_of(s, 1, &l, 1), 0);
	fetch_done(s, 1, 60, "o");
	struct store_history_stats st;
	assert_int_equal(store_history_stats(s, &st), 0);
	int64_t before = st.deltas;
	free(st.first_at);
	free(st.last_at);
	assert_int_equal(store_replace_links_of(s, 1, &l, 1), 0);
	fetch_done(s, 2, 60, "o");
	assert_int_equal(store_history_stats(s, &st), 0);
	assert_int_equal(st.deltas, before);
	assert_int_equal(st.points, 3);
	free(st.first_at);
	free(st.last_at);
	store_close(s);
}

static void test_history__baselines_on_first_point_new_options_and_import(void **state)
{
	(void)state;
	struct store *s = open_new("baseline.db");
	setup_projects(s);
	fetch_done(s, 0, 60, "depth=-1\n--project g/a");
	fetch_done(s, 1, 60, "depth=-1\n--project g/a");
	fetch_done(s, 2, 60, "depth=-1\n--project g/b");
	struct point_ids ids = {0};
	assert_int_equal(store_history_each_point(s, on_point, &ids), 0);
	assert_int_equal(ids.n, 3);
	assert_true(ids.baseline[0]);
	assert_string_equal(ids.why[0], "no earlier point");
	assert_false(ids.baseline[1]);
	assert_true(ids.baseline[2]);
	assert_non_null(strstr(ids.why[2], "seeds or crawl options"));

	/* an import of the same instance keeps history and starts a baseline;
	 * one of another instance clears it */
	static const char snap_a[] =
	    "{\"version\":1,\"source\":\"https://a.example\",\"projects\":[{\"id\":1,"
	    "\"path_with_namespace\":\"g/a\"}],\"issues\":[{\"id\":1,\"project_id\":1,\"iid\":1,"
	    "\"title\":\"x\",\"state\":\"opened\"}],\"links\":[]}";
	static const char snap_b[] =
	    "{\"version\":1,\"source\":\"https://b.example\",\"projects\":[{\"id\":1,"
	    "\"path_with_namespace\":\"g/a\"}],\"issues\":[{\"id\":1,\"project_id\":1,\"iid\":1,"
	    "\"title\":\"x\",\"state\":\"opened\"}],\"links\":[]}";
	assert_int_equal(store_set_instance(s, "https://a.example"), 0);
	assert_int_equal(store_import_json(s, snap_a, strlen(snap_a)), 0);
	memset(&ids, 0, sizeof ids);
	assert_int_equal(store_history_each_point(s, on_point, &ids), 0);
	assert_int_equal(ids.n, 4);
	assert_true(ids.baseline[3]);
	assert_string_equal(ids.why[3], "an import");
	char *then = image(s, ids.id[2]);
	assert_non_null(strstr(then, "issue 20 "));
	free(then);
	assert_int_equal(store_import_json(s, snap_b, strlen(snap_b)), 0);
	memset(&ids, 0, sizeof ids);
	assert_int_equal(store_history_each_point(s, on_point, &ids), 0);
	assert_int_equal(ids.n, 1);
	assert_string_equal(ids.why[0], "no earlier point");
	store_close(s);
}

static void test_history__imports_record_their_differences_exactly(void **state)
{
	(void)state;
	struct store *s = open_new("imports.db");
	setup_projects(s);
	assert_int_equal(store_set_instance(s, "https://x.example"), 0);
	char *snap[16] = {0};
	int64_t id = 0;
	char *buf = NULL;
	size_t len = 0;
	for (int k = 0; k < 8; k++) {
		if (k == 5) {
			/* an import of the store as it was at the export below */
			assert_int_equal(store_import_json(s, buf, len), 0);
		} else {
			if (k)
				mutate(s);
			fetch_done(s, k, 60, "o");
		}
		snap[++id] = image(s, 0);
		if (k == 3) {
			FILE *f = open_memstream(&buf, &len);
			assert_non_null(f);
			assert_int_equal(store_export_json(s, f), 0);
			fclose(f);
		}
	}
	mutate(s);
	struct point_ids ids = {0};
	assert_int_equal(store_history_each_point(s, on_point, &ids), 0);
	assert_int_equal(ids.n, 8);
	assert_string_equal(ids.why[5], "an import");
	assert_string_equal(snap[6], snap[4]); /* the import restored point 4's state */
	for (size_t i = 0; i < ids.n; i++) {
		char *then = image(s, ids.id[i]);
		assert_string_equal(then, snap[ids.id[i]]);
		free(then);
	}
	for (int k = 0; k < 16; k++)
		free(snap[k]);
	free(buf);
	store_close(s);
}

static int on_change(void *ctx, const struct store_issue_change *c)
{
	add_line(ctx, "%s#%lld %d%d %d%d", c->project_path, (long long)c->iid, c->then_present,
		 c->now_present, (int)c->then_state, (int)c->now_state);
	return 0;
}

static void test_history__lists_issues_added_removed_closed_and_opened(void **state)
{
	(void)state;
	struct store *s = open_new("changes.db");
	setup_projects(s);
	fetch_done(s, 0, 60, "o");
	struct store_issue i = {.id = 3,
				.project_id = 2,
				.iid = 3,
				.title = "t",
				.state = STORE_STATE_CLOSED,
				.labels_json = "[]"};
	assert_int_equal(store_put_issue(s, &i), 0); /* 3: state set to closed */
	struct store_issue fresh = {
	    .id = 30, .project_id = 1, .iid = 30, .title = "new", .labels_json = "[]"};
	assert_int_equal(store_put_issue(s, &fresh), 0);
	assert_int_equal(store_delete_issue(s, 4), 0);
	fetch_done(s, 1, 60, "o");
	struct lines l = {0};
	assert_int_equal(store_history_each_issue_change(s, 1, on_change, &l), 0);
	char *got = join(&l);
	/* issue 3 was random before: listed only when its state changed */
	assert_non_null(strstr(got, "g/a#30 01 00\n"));
	assert_non_null(strstr(got, "g/a#4 10 "));
	free(got);
	store_close(s);
}

struct assignee_walk {
	int64_t id;
	char assignees[64];
};

static int on_assignees(void *ctx, const struct store_issue *i)
{
	struct assignee_walk *w = ctx;
	if (i->id == w->id)
		snprintf(w->assignees, sizeof w->assignees, "%s", i->assignees_json);
	return 0;
}

/* A change of assignees alone is a change: history keeps who the issue
 * belonged to at each point (what changes says of an unblocked issue). */
static void test_history__keeps_assignees_changed_alone(void **state)
{
	(void)state;
	struct store *s = open_new("assignees.db");
	setup_projects(s);
	struct store_issue i = {.id = 3,
				.project_id = 2,
				.iid = 3,
				.title = "t",
				.labels_json = "[]",
				.assignees_json = "[\"ana\",\"bo\"]"};
	assert_int_equal(store_put_issue(s, &i), 0);
	fetch_done(s, 0, 60, "o");
	i.assignees_json = "[\"bo\"]";
	assert_int_equal(store_put_issue(s, &i), 0);
	fetch_done(s, 1, 60, "o");
	i.assignees_json = NULL; /* none */
	assert_int_equal(store_put_issue(s, &i), 0);
	struct assignee_walk w = {.id = 3};
	assert_int_equal(store_each_issue_at(s, 1, 0, on_assignees, &w), 0);
	assert_string_equal(w.assignees, "[\"ana\",\"bo\"]");
	assert_int_equal(store_each_issue_at(s, 2, 0, on_assignees, &w), 0);
	assert_string_equal(w.assignees, "[\"bo\"]");
	assert_int_equal(store_each_issue_at(s, 0, 0, on_assignees, &w), 0);
	assert_string_equal(w.assignees, "[]");
	store_close(s);
}

static void put_labelled(struct store *s, int64_t id, const char *milestone, const char *labels)
{
	struct store_issue i = {.id = id,
				.project_id = 1,
				.iid = id,
				.title = "t",
				.milestone_title = milestone,
				.labels_json = labels};
	assert_int_equal(store_put_issue(s, &i), 0);
}

static void test_select__labels_all_carried_exactly_now_and_at_a_point(void **state)
{
	(void)state;
	struct store *s = open_new("select.db");
	struct store_project p1 = {1, "g/a", NULL};
	assert_int_equal(store_put_project(s, &p1), 0);
	put_labelled(s, 1, "v1", "[\"bug\",\"ui\"]");
	put_labelled(s, 2, NULL, "[\"Bug\",\"ui\"]"); /* case differs */
	put_labelled(s, 3, "v1", "[\"bug\"]");
	put_labelled(s, 4, "v2", "[\"b\\u00fcg x\",\"bug\",\"ui\"]");
	put_labelled(s, 5, NULL, "[]");
	fetch_done(s, 0, 60, "o");
	put_labelled(s, 3, "v1", "[\"bug\",\"ui\"]"); /* gains ui after point 1 */
	put_labelled(s, 1, "v2", "[\"bug\"]");	      /* loses ui, changes milestone */

	const char *bug_ui[] = {"bug", "ui"};
	struct store_selection sel = {.labels = bug_ui, .n_labels = 2};
	struct store_selected out;
	assert_int_equal(store_select_issues(s, 0, &sel, &out), 0);
	assert_int_equal(out.n, 2);
	assert_int_equal(out.ids[0], 3);
	assert_int_equal(out.ids[1], 4);
	assert_false(out.milestone_unknown);
	assert_int_equal(out.label_unknown, 2);
	store_selected_release(&out);
	/* as at point 1: the labels then */
	assert_int_equal(store_select_issues(s, 1, &sel, &out), 0);
	assert_int_equal(out.n, 2);
	assert_int_equal(out.ids[0], 1);
	assert_int_equal(out.ids[1], 4);
	store_selected_release(&out);
	/* with a milestone: both must hold */
	sel.milestone = "v1";
	assert_int_equal(store_select_issues(s, 1, &sel, &out), 0);
	assert_int_equal(out.n, 1);
	assert_int_equal(out.ids[0], 1);
	store_selected_release(&out);
	/* unicode and a space, bytewise; a label nobody carries is named */
	const char *odd[] = {"ui", "b\xc3\xbcg x", "BUG"};
	struct store_selection o2 = {.labels = odd, .n_labels = 3};
	assert_int_equal(store_select_issues(s, 0, &o2, &out), 0);
	assert_int_equal(out.n, 0);
	assert_int_equal(out.label_unknown, 2);
	/* BUG is carried by nobody, bug and Bug are: one of them is named */
	assert_non_null(out.label_near);
	assert_true(strcmp(out.label_near, "bug") == 0 || strcmp(out.label_near, "Bug") == 0);
	store_selected_release(&out);
	o2.n_labels = 2;
	assert_int_equal(store_select_issues(s, 0, &o2, &out), 0);
	assert_int_equal(out.n, 1);
	assert_int_equal(out.ids[0], 4);
	assert_int_equal(out.label_unknown, 2);
	store_selected_release(&out);
	/* an unknown milestone, and no criterion at all: every issue */
	const char *nocase[] = {"nope"};
	struct store_selection o4 = {.labels = nocase, .n_labels = 1};
	assert_int_equal(store_select_issues(s, 0, &o4, &out), 0);
	assert_int_equal(out.label_unknown, 0);
	assert_null(out.label_near);
	store_selected_release(&out);
	struct store_selection o3 = {.milestone = "v9"};
	assert_int_equal(store_select_issues(s, 0, &o3, &out), 0);
	assert_true(out.milestone_unknown);
	assert_int_equal(out.n, 0);
	store_selected_release(&out);
	struct store_selection all = {0};
	assert_int_equal(store_select_issues(s, 0, &all, &out), 0);
	assert_int_equal(out.n, 5);
	store_selected_release(&out);
	store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_history__each_kept_point_rebuilds_the_store_as_it_was),
	    cmocka_unit_test(test_history__folds_beyond_30_points_and_keeps_the_rest_exact),
	    cmocka_unit_test(test_history__keeps_the_last_point_of_each_of_30_days),
	    cmocka_unit_test(test_history__an_unchanged_fetch_stores_no_deltas),
	    cmocka_unit_test(test_history__baselines_on_first_point_new_options_and_import),
	    cmocka_unit_test(test_history__lists_issues_added_removed_closed_and_opened),
	    cmocka_unit_test(test_history__keeps_assignees_changed_alone),
	    cmocka_unit_test(test_history__imports_record_their_differences_exactly),
	    cmocka_unit_test(test_select__labels_all_carried_exactly_now_and_at_a_point),
	};
	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
