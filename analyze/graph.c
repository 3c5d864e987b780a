/*
 * The analysed graph: loading from the store into dense arrays in ref order
 * and building the CSR adjacency both ways.
 *
 * Loading is the hot part of every analysis command at 1M issues, so rows
 * go straight into growable arrays (amortised doubling, never one
 * allocation per row), issue ids are mapped through one open-addressing
 * table, nodes are put in ref order with a radix sort, and the adjacency is
 * built with counting sorts that leave every list sorted and deduplicated.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze_int.h"
#include "graph_builder.h"
#include "store.h"

static _Thread_local char errbuf[512];

int analyze__fail(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(errbuf, sizeof errbuf, fmt, ap);
	va_end(ap);
	return code;
}

const char *analyze_errmsg(void)
{
	return errbuf[0] ? errbuf : "no error";
}

void *analyze__alloc(size_t count, size_t size)
{
	if (size && count > SIZE_MAX / size) {
		analyze__fail(ANALYZE_ENOMEM, "out of memory (size overflow)");
		return NULL;
	}
	size_t bytes = count * size;
	void *p = malloc(bytes ? bytes : 1);
	if (!p)
		analyze__fail(ANALYZE_ENOMEM, "out of memory (%zu bytes)", count * size);
	return p;
}

void *analyze__zalloc(size_t count, size_t size)
{
	if (size && count > SIZE_MAX / size) {
		analyze__fail(ANALYZE_ENOMEM, "out of memory (size overflow)");
		return NULL;
	}
	void *p = calloc(count ? count : 1, size ? size : 1);
	if (!p)
		analyze__fail(ANALYZE_ENOMEM, "out of memory (%zu bytes)", count * size);
	return p;
}

/* Grow *arr (elements of size) so that it holds at least need elements. */
static int grow(void **arr, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return 0;
	size_t ncap = *cap ? *cap : 1024;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2 / size)
			return analyze__fail(ANALYZE_ENOMEM, "out of memory (size overflow)");
		ncap *= 2;
	}
	void *p = realloc(*arr, ncap * size);
	if (!p)
		return analyze__fail(ANALYZE_ENOMEM, "out of memory (%zu bytes)", ncap * size);
	*arr = p;
	*cap = ncap;
	return 0;
}

/* The position of u -> v in out_adj, or ANALYZE_NONE (binary search in
 * u's sorted successors). */
static uint32_t find_edge(const struct analyze_graph *g, uint32_t u, uint32_t v)
{
	uint32_t lo = g->out_off[u], hi = g->out_off[u + 1];
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (g->out_adj[mid] < v)
			lo = mid + 1;
		else if (g->out_adj[mid] > v)
			hi = mid;
		else
			return mid;
	}
	return ANALYZE_NONE;
}

bool analyze__has_edge(const struct analyze_graph *g, uint32_t u, uint32_t v)
{
	return find_edge(g, u, v) != ANALYZE_NONE;
}

uint8_t analyze_edge_origin(const struct analyze_graph *g, uint32_t u, uint32_t v)
{
	uint32_t e = find_edge(g, u, v);
	if (e == ANALYZE_NONE)
		return 0;
	return g->out_origin ? g->out_origin[e] : ANALYZE_ORIGIN_LINK;
}

void analyze_graph_free(struct analyze_graph *g)
{
	if (!g)
		return;
	free(g->issue_id);
	free(g->iid);
	free(g->project);
	free(g->flags);
	free(g->weight);
	free(g->remaining);
	free(g->milestone);
	free(g->due);
	if (g->project_path)
		for (uint32_t i = 0; i < g->n_projects; i++)
			free(g->project_path[i]);
	free(g->project_path);
	free(g->project_id);
	if (g->milestone_title)
		for (uint32_t i = 0; i < g->n_milestones; i++)
			free(g->milestone_title[i]);
	free(g->milestone_title);
	free(g->out_off);
	free(g->out_adj);
	free(g->in_off);
	free(g->in_adj);
	free(g->out_origin);
	free(g);
}

int analyze_graph_from_edges(struct analyze_graph **out, uint32_t n, const uint32_t *from,
			     const uint32_t *to, size_t m)
{
	struct analyze__builder b;
	int rc;

	*out = NULL;
	if (n == UINT32_MAX)
		return analyze__fail(ANALYZE_EINVAL, "too many nodes");
	for (size_t i = 0; i < m; i++)
		if (from[i] >= n || to[i] >= n)
			return analyze__fail(ANALYZE_EINVAL, "edge %zu names node beyond %u", i, n);
	if ((rc = analyze__builder_init(&b, n, 1, 0, true)) < 0)
		return rc;
	if (!(b.g->project_path[0] = strdup("p"))) {
		analyze__builder_release(&b);
		return analyze__fail(ANALYZE_ENOMEM, "out of memory");
	}
	b.g->project_id[0] = 1;
	for (uint32_t v = 0; v < n; v++)
		analyze__builder_set_node(&b, v,
					  &(struct analyze__node){
					      .issue_id = (int64_t)v + 1,
					      .iid = (int64_t)v + 1,
					      .project = 0,
					      .flags = ANALYZE_NODE_OPEN,
					      .weight = ANALYZE_NO_VALUE,
					      .remaining = ANALYZE_NO_VALUE,
					      .milestone = ANALYZE_NONE,
					      .due = ANALYZE_NO_DATE,
					  });
	if ((rc = analyze__builder_reserve(&b, m)) < 0) {
		analyze__builder_release(&b);
		return rc;
	}
	for (size_t i = 0; i < m; i++)
		if ((rc = analyze__builder_add_edge(&b, from[i], to[i], ANALYZE_ORIGIN_LINK)) < 0) {
			analyze__builder_release(&b);
			return rc;
		}
	return analyze__builder_finish(&b, out);
}

/* ---- loading from the store ------------------------------------------------ */

struct proj_row {
	int64_t id;
	char *path;
};

/* A string-interning table for milestone titles (few distinct values). */
struct mtable {
	char **titles;
	int32_t *dues;
	size_t count, cap;
	uint32_t *slots; /* index + 1, 0 = empty */
	size_t nslots;
};

/* One issue row as it arrives (rows are put in ref order afterwards). */
struct row {
	int64_t id, pid, iid, weight, remaining;
	uint32_t ms;
	int32_t due;
	uint8_t flags;
};

struct raw_link {
	int64_t source, target;
};

struct loader {
	struct store *s;
	bool all_states;
	unsigned deps;
	int err;
	/* projects */
	struct proj_row *projects;
	size_t n_projects, cap_projects;
	/* issues, in the store's order */
	struct row *rows;
	size_t n, cap_rows;
	struct mtable mt;
	/* blocking links as the store gives them (issue ids), then from
	 * raw[m_links] on the text dependencies, turned to blocker -> blocked */
	struct raw_link *raw;
	size_t m, cap_raw, m_links;
	/* issue id -> node */
	struct analyze__id_table ids;
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

/* Days since 1970-01-01 of a "YYYY-MM-DD" date, or ANALYZE_NO_DATE.
 * (Howard Hinnant's days_from_civil.) */
int32_t analyze__parse_day(const char *d)
{
	if (!d)
		return ANALYZE_NO_DATE;
	for (int i = 0; i < 10; i++) {
		if (i == 4 || i == 7) {
			if (d[i] != '-')
				return ANALYZE_NO_DATE;
		} else if (d[i] < '0' || d[i] > '9') {
			return ANALYZE_NO_DATE;
		}
	}
	int y = (d[0] - '0') * 1000 + (d[1] - '0') * 100 + (d[2] - '0') * 10 + (d[3] - '0');
	unsigned mo = (unsigned)((d[5] - '0') * 10 + (d[6] - '0'));
	unsigned dd = (unsigned)((d[8] - '0') * 10 + (d[9] - '0'));
	if (mo < 1 || mo > 12 || dd < 1 || dd > 31)
		return ANALYZE_NO_DATE;
	y -= mo <= 2;
	int era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (mo > 2 ? mo - 3 : mo + 9) + 2) / 5 + dd - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (int32_t)(era * 146097 + (int)doe - 719468);
}

static int mtable_intern(struct mtable *t, const char *title, const char *due, uint32_t *out)
{
	if ((t->count + 1) * 2 > t->nslots) {
		size_t ns = t->nslots ? t->nslots * 2 : 64;
		uint32_t *slots = analyze__zalloc(ns, sizeof *slots);
		if (!slots)
			return ANALYZE_ENOMEM;
		for (size_t i = 0; i < t->count; i++) {
			size_t h = hash_str(t->titles[i]) & (ns - 1);
			while (slots[h])
				h = (h + 1) & (ns - 1);
			slots[h] = (uint32_t)i + 1;
		}
		free(t->slots);
		t->slots = slots;
		t->nslots = ns;
	}
	size_t h = hash_str(title) & (t->nslots - 1);
	while (t->slots[h]) {
		uint32_t i = t->slots[h] - 1;
		if (strcmp(t->titles[i], title) == 0) {
			*out = i;
			return 0;
		}
		h = (h + 1) & (t->nslots - 1);
	}
	if (t->count >= UINT32_MAX - 1)
		return analyze__fail(ANALYZE_EINVAL, "too many milestones");
	size_t cap = t->cap;
	if (grow((void **)&t->titles, &cap, t->count + 1, sizeof *t->titles) < 0)
		return ANALYZE_ENOMEM;
	cap = t->cap;
	if (grow((void **)&t->dues, &cap, t->count + 1, sizeof *t->dues) < 0)
		return ANALYZE_ENOMEM;
	t->cap = cap;
	char *copy = strdup(title);
	if (!copy)
		return analyze__fail(ANALYZE_ENOMEM, "out of memory");
	t->titles[t->count] = copy;
	t->dues[t->count] = analyze__parse_day(due);
	t->slots[h] = (uint32_t)t->count + 1;
	*out = (uint32_t)t->count++;
	return 0;
}

static int on_project(void *ctx, const struct store_project *p)
{
	struct loader *L = ctx;
	if (grow((void **)&L->projects, &L->cap_projects, L->n_projects + 1, sizeof *L->projects) <
	    0)
		return L->err = ANALYZE_ENOMEM;
	char *copy = strdup(p->path ? p->path : "");
	if (!copy)
		return L->err = analyze__fail(ANALYZE_ENOMEM, "out of memory");
	L->projects[L->n_projects].id = p->id;
	L->projects[L->n_projects].path = copy;
	L->n_projects++;
	return 0;
}

static int on_issue(void *ctx, const struct store_issue *is)
{
	struct loader *L = ctx;
	bool open = is->state == STORE_STATE_OPENED;
	if (!open && !L->all_states)
		return 0;
	size_t i = L->n;
	if (i >= UINT32_MAX - 1)
		return L->err = analyze__fail(ANALYZE_EINVAL, "too many issues");
	if (grow((void **)&L->rows, &L->cap_rows, i + 1, sizeof *L->rows) < 0)
		return L->err = ANALYZE_ENOMEM;
	struct row *r = &L->rows[i];
	r->id = is->id;
	r->pid = is->project_id;
	r->iid = is->iid;
	r->flags = (uint8_t)((open ? ANALYZE_NODE_OPEN : 0) |
			     (is->confidential ? ANALYZE_NODE_CONFIDENTIAL : 0));
	r->weight = is->has_weight ? is->weight : ANALYZE_NO_VALUE;
	if (is->time_estimate == 0) {
		r->remaining = ANALYZE_NO_VALUE;
	} else {
		int64_t rem;
		if (__builtin_sub_overflow(is->time_estimate, is->total_time_spent, &rem))
			rem = is->total_time_spent > 0 ? 0 : INT64_MAX;
		r->remaining = rem < 0 ? 0 : rem;
	}
	int32_t mdue = ANALYZE_NO_DATE;
	r->ms = ANALYZE_NONE;
	if (is->milestone_title) {
		uint32_t mi = 0;
		int rc = mtable_intern(&L->mt, is->milestone_title, is->milestone_due, &mi);
		if (rc < 0)
			return L->err = rc;
		r->ms = mi;
		mdue = L->mt.dues[mi];
	}
	int32_t own = analyze__parse_day(is->due_date);
	r->due = own != ANALYZE_NO_DATE ? own : mdue;
	L->n++;
	return 0;
}

/* Blocking links are only collected here; resolving ids to nodes happens
 * afterwards in one pass that can prefetch the hash slots. */
static int on_link(void *ctx, const struct store_link *l)
{
	struct loader *L = ctx;
	if (l->type != STORE_LINK_BLOCKS)
		return 0;
	if (grow((void **)&L->raw, &L->cap_raw, L->m + 1, sizeof *L->raw) < 0)
		return L->err = ANALYZE_ENOMEM;
	L->raw[L->m].source = l->source_id;
	L->raw[L->m].target = l->target_id;
	L->m++;
	return 0;
}

static int on_text_dep(void *ctx, const struct store_text_dep *d)
{
	struct loader *L = ctx;
	if (grow((void **)&L->raw, &L->cap_raw, L->m + 1, sizeof *L->raw) < 0)
		return L->err = ANALYZE_ENOMEM;
	bool blocks = d->type == STORE_TEXT_BLOCKS;
	L->raw[L->m].source = blocks ? d->source_id : d->target_id;
	L->raw[L->m].target = blocks ? d->target_id : d->source_id;
	L->m++;
	return 0;
}

static int cmp_raw_link(const void *a, const void *b)
{
	const struct raw_link *x = a, *y = b;
	if (x->source != y->source)
		return x->source < y->source ? -1 : 1;
	return (x->target > y->target) - (x->target < y->target);
}

static int cmp_proj_path(const void *a, const void *b)
{
	const struct proj_row *x = a, *y = b;
	int c = strcmp(x->path, y->path);
	if (c)
		return c;
	return (x->id > y->id) - (x->id < y->id);
}

static unsigned bits_for(uint64_t x)
{
	unsigned b = 0;
	while (x) {
		b++;
		x >>= 1;
	}
	return b;
}

/*
 * Sort the packed values v[0..n) by their bits [lowbits, lowbits + keybits)
 * (LSD radix, stable). Values are sorted whole, so reads stay sequential;
 * digits are as wide as needed to take the fewest passes of at most 16 bits.
 */
static int radix_sort(uint64_t *v, size_t n, unsigned lowbits, unsigned keybits)
{
	if (keybits == 0 || n < 2)
		return 0;
	unsigned passes = (keybits + 15) / 16;
	unsigned digit = (keybits + passes - 1) / passes;
	size_t buckets = (size_t)1 << digit;
	uint64_t *tmp = analyze__alloc(n, sizeof *tmp);
	size_t *count = analyze__alloc(buckets, sizeof *count);
	if (!tmp || !count) {
		free(tmp);
		free(count);
		return ANALYZE_ENOMEM;
	}
	uint64_t mask = buckets - 1;
	for (unsigned pass = 0; pass < passes; pass++) {
		unsigned shift = lowbits + pass * digit;
		memset(count, 0, buckets * sizeof *count);
		for (size_t i = 0; i < n; i++)
			count[(v[i] >> shift) & mask]++;
		size_t sum = 0;
		for (size_t d = 0; d < buckets; d++) {
			size_t c = count[d];
			count[d] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			tmp[count[(v[i] >> shift) & mask]++] = v[i];
		uint64_t *t = v;
		v = tmp;
		tmp = t;
	}
	if (passes % 2) {
		/* the result is in the scratch array: copy it back */
		memcpy(tmp, v, n * sizeof *v);
		uint64_t *t = v;
		v = tmp;
		tmp = t;
	}
	free(tmp);
	free(count);
	return 0;
}

/* Fallback when (rank, iid) does not pack into 64 bits. */
struct slow_key {
	uint32_t rank;
	uint32_t idx;
	int64_t iid;
};
static int cmp_node_slow(const void *a, const void *b)
{
	const struct slow_key *x = a, *y = b;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return (x->iid > y->iid) - (x->iid < y->iid);
}

static int cmp_str_ptr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void loader_release(struct loader *L)
{
	for (size_t i = 0; i < L->n_projects; i++)
		free(L->projects[i].path);
	free(L->projects);
	free(L->rows);
	for (size_t i = 0; i < L->mt.count; i++)
		free(L->mt.titles[i]);
	free(L->mt.titles);
	free(L->mt.dues);
	free(L->mt.slots);
	free(L->raw);
	analyze__id_table_release(&L->ids);
}

int analyze__graph_load_sql(struct analyze_graph **out, struct store *s,
			    const struct analyze_load_opts *opts)
{
	struct loader L = {.s = s, .all_states = opts && opts->all_states};
	struct analyze__builder b = {0};
	struct analyze__id_table ranks = {0};
	uint32_t *rank_of = NULL, *order = NULL, *ms_map = NULL;
	char **titles_sorted = NULL;
	struct raw_link *ignore = NULL;
	size_t n_ignore = opts ? opts->n_ignore : 0;
	uint64_t *key = NULL;
	int rc;

	*out = NULL;
	errbuf[0] = '\0';
	int64_t at = opts ? opts->at_point : 0;
	unsigned ifilter = L.all_states ? 0 : STORE_WALK_OPEN_ONLY;
	L.deps = opts && opts->deps ? opts->deps : ANALYZE_DEPS_ALL;
	rc = at ? store_each_project_at(s, at, on_project, &L)
		: store_each_project(s, on_project, &L);
	if (rc == 0)
		rc = at ? store_each_issue_at(s, at, ifilter | STORE_WALK_BRIEF, on_issue, &L)
			: store_each_issue_brief(s, ifilter, on_issue, &L);
	if (rc != 0) {
		if (L.err < 0)
			rc = L.err;
		else
			rc = analyze__fail(ANALYZE_ERR, "%s", store_errmsg(s));
		goto done;
	}

	/* projects in path order; issue project ids map to that rank through a
	 * small table (issues interleave projects, so it is hit per row) */
	if (L.n_projects) /* qsort(NULL, 0) is undefined */
		qsort(L.projects, L.n_projects, sizeof *L.projects, cmp_proj_path);
	if ((rc = analyze__id_table_init(&ranks, L.n_projects)) < 0)
		goto done;
	for (size_t i = 0; i < L.n_projects; i++)
		analyze__id_table_put(&ranks, L.projects[i].id, (uint32_t)i);

	uint32_t n = (uint32_t)L.n;
	rank_of = analyze__alloc(n, sizeof *rank_of);
	order = analyze__alloc(n, sizeof *order);
	if (!rank_of || !order) {
		rc = ANALYZE_ENOMEM;
		goto done;
	}
	int64_t max_iid = 0;
	bool positive = true;
	for (uint32_t i = 0; i < n; i++) {
		const struct row *r = &L.rows[i];
		rank_of[i] = analyze__id_table_get(&ranks, r->pid);
		if (rank_of[i] == ANALYZE_NONE) {
			rc = analyze__fail(ANALYZE_ERR,
					   "issue %lld names project %lld, which the store "
					   "does not hold",
					   (long long)r->id, (long long)r->pid);
			goto done;
		}
		if (r->iid < 0)
			positive = false;
		else if (r->iid > max_iid)
			max_iid = r->iid;
	}

	/* ref order: (rank, iid, loading index) packed into one integer when it
	 * fits, radix-sorted; else a comparison sort */
	unsigned ibits = bits_for((uint64_t)max_iid), rbits = bits_for(L.n_projects);
	unsigned xbits = bits_for(n);
	if (positive && ibits + rbits + xbits <= 64) {
		key = analyze__alloc(n, sizeof *key);
		if (!key) {
			rc = ANALYZE_ENOMEM;
			goto done;
		}
		bool sorted = true;
		for (uint32_t i = 0; i < n; i++) {
			key[i] =
			    ((((uint64_t)rank_of[i] << ibits) | (uint64_t)L.rows[i].iid) << xbits) |
			    i;
			if (i && key[i] < key[i - 1])
				sorted = false;
		}
		if (!sorted && (rc = radix_sort(key, n, xbits, ibits + rbits)) < 0)
			goto done;
		uint64_t xmask = xbits ? (((uint64_t)1 << xbits) - 1) : 0;
		for (uint32_t v = 0; v < n; v++)
			order[v] = (uint32_t)(key[v] & xmask);
	} else {
		struct slow_key *sk = analyze__alloc(n, sizeof *sk);
		if (!sk) {
			rc = ANALYZE_ENOMEM;
			goto done;
		}
		for (uint32_t i = 0; i < n; i++)
			sk[i] = (struct slow_key){rank_of[i], i, L.rows[i].iid};
		qsort(sk, n, sizeof *sk, cmp_node_slow);
		for (uint32_t i = 0; i < n; i++)
			order[i] = sk[i].idx;
		free(sk);
	}

	/* milestones sorted bytewise */
	ms_map = analyze__alloc(L.mt.count, sizeof *ms_map);
	titles_sorted = analyze__alloc(L.mt.count, sizeof *titles_sorted);
	if (!ms_map || !titles_sorted) {
		rc = ANALYZE_ENOMEM;
		goto done;
	}
	if (L.mt.count) {
		memcpy(titles_sorted, L.mt.titles, L.mt.count * sizeof *titles_sorted);
		qsort(titles_sorted, L.mt.count, sizeof *titles_sorted, cmp_str_ptr);
	}
	for (size_t j = 0; j < L.mt.count; j++) {
		/* titles are distinct: find each one's sorted position */
		size_t lo = 0, hi = L.mt.count;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (strcmp(titles_sorted[mid], L.mt.titles[j]) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		ms_map[j] = (uint32_t)lo;
	}

	if ((rc = analyze__builder_init(&b, n, (uint32_t)L.n_projects, (uint32_t)L.mt.count,
					L.all_states)) < 0)
		goto done;
	struct analyze_graph *g = b.g;
	/* the strings move to g */
	memcpy(g->milestone_title, titles_sorted, L.mt.count * sizeof *titles_sorted);
	L.mt.count = 0;
	for (size_t i = 0; i < L.n_projects; i++) {
		g->project_path[i] = L.projects[i].path;
		g->project_id[i] = L.projects[i].id;
	}
	L.n_projects = 0;

	enum { AHEAD = 16 };
	for (uint32_t v = 0; v < n; v++) {
		if (v + AHEAD < n)
			__builtin_prefetch(&L.rows[order[v + AHEAD]]);
		const struct row *r = &L.rows[order[v]];
		analyze__builder_set_node(
		    &b, v,
		    &(struct analyze__node){
			.issue_id = r->id,
			.iid = r->iid,
			.project = rank_of[order[v]],
			.flags = r->flags,
			.weight = r->weight,
			.remaining = r->remaining,
			.milestone = r->ms == ANALYZE_NONE ? ANALYZE_NONE : ms_map[r->ms],
			.due = r->due,
		    });
	}
	/* issue id -> node, for the links: filled in node order with the
	 * slots ahead prefetched */
	if ((rc = analyze__id_table_init(&L.ids, n)) < 0)
		goto done;
	for (uint32_t v = 0; v < n; v++) {
		if (v + AHEAD < n)
			__builtin_prefetch(analyze__id_table_slot(&L.ids, g->issue_id[v + AHEAD]));
		analyze__id_table_put(&L.ids, g->issue_id[v], v);
	}
	/* the rows are not needed any more: free them before the links
	 * arrive, to keep the peak down */
	free(L.rows), L.rows = NULL;
	free(rank_of), rank_of = NULL;
	free(key), key = NULL;

	rc = 0;
	if (L.deps & ANALYZE_DEPS_LINKS)
		rc = at ? store_each_link_at(s, at, STORE_WALK_BLOCKS_ONLY, on_link, &L)
			: store_each_link_fast(s, STORE_WALK_BLOCKS_ONLY, on_link, &L);
	L.m_links = L.m;
	if (rc == 0 && (L.deps & ANALYZE_DEPS_TEXT))
		rc = at ? store_each_text_dep_at(s, at, on_text_dep, &L)
			: store_each_text_dep(s, on_text_dep, &L);
	if (rc != 0) {
		if (L.err < 0)
			rc = L.err;
		else
			rc = analyze__fail(ANALYZE_ERR, "%s", store_errmsg(s));
		goto done;
	}
	if ((rc = analyze__builder_reserve(&b, L.m)) < 0)
		goto done;
	/* --ignore-deps: the pairs sorted, each dependency looked up */
	if (n_ignore) {
		if (!(ignore = analyze__alloc(n_ignore, sizeof *ignore))) {
			rc = ANALYZE_ENOMEM;
			goto done;
		}
		for (size_t i = 0; i < n_ignore; i++) {
			ignore[i].source = opts->ignore[2 * i];
			ignore[i].target = opts->ignore[2 * i + 1];
		}
		qsort(ignore, n_ignore, sizeof *ignore, cmp_raw_link);
	}
	/* Resolve ids with the slots of a few links ahead already on their way
	 * into the cache: the table is far larger than the cache, so this is
	 * where the time of loading goes otherwise. */
	for (size_t i = 0; i < L.m; i++) {
		if (i + AHEAD < L.m) {
			__builtin_prefetch(analyze__id_table_slot(&L.ids, L.raw[i + AHEAD].source));
			__builtin_prefetch(analyze__id_table_slot(&L.ids, L.raw[i + AHEAD].target));
		}
		uint32_t u = analyze__id_table_get(&L.ids, L.raw[i].source);
		uint32_t v = analyze__id_table_get(&L.ids, L.raw[i].target);
		if (u == ANALYZE_NONE || v == ANALYZE_NONE)
			continue; /* a link to an issue outside the analysed graph */
		if (ignore && bsearch(&L.raw[i], ignore, n_ignore, sizeof *ignore, cmp_raw_link))
			continue;
		if ((rc = analyze__builder_add_edge(
			 &b, u, v, i < L.m_links ? ANALYZE_ORIGIN_LINK : ANALYZE_ORIGIN_TEXT)) < 0)
			goto done;
	}
	analyze__id_table_release(&L.ids);
	free(L.raw), L.raw = NULL;
	rc = analyze__builder_finish(&b, out);
done:
	free(rank_of);
	free(order);
	free(key);
	analyze__id_table_release(&ranks);
	free(ms_map);
	free(titles_sorted);
	free(ignore);
	loader_release(&L);
	analyze__builder_release(&b);
	return rc;
}
