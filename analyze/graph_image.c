/*
 * The graph image: the whole analysed graph (every issue, every kind of
 * dependency) packed into bytes kept in the store (store_image_*), so that
 * loading at 1M issues reads one blob instead of 2.5M rows.
 *
 * Options are applied in memory after reading: the image is not keyed by
 * them. It holds the graph of all states and all dependencies as the SQL
 * loader builds it, plus what an open-only load needs and that graph lacks
 * (whether a node's due date is its own, and each milestone's due date as
 * the first open issue carrying it gives it). --all-states off, --deps and
 * --ignore-deps filter nodes and edges with monotone renumbering, which
 * keeps ref order and sorted adjacency lists. History loads (at_point) do
 * not use the image.
 *
 * Invalidation (store/graph_image.c): any write to the tables the loader
 * reads deletes the image (triggers), the image carries a stamp of the data
 * it was built from and the node count must equal the store's issue count;
 * it is written in the same snapshot it was read from. The bytes may come
 * from anywhere (a shared CI cache), so analyze__image_decode() checks
 * everything it reads; anything wrong and the loader falls back to SQL (and
 * writes a fresh image).
 *
 * Layout (native byte order, checked by the magic; sections 8-aligned):
 *   header: magic[8], u64 version, n, n_projects, n_milestones, m,
 *           string bytes
 *   i64 issue_id[n], iid[n], weight[n], remaining[n], project_id[np]
 *   u32 project[n], milestone[n]; i32 due[n]; u32 out_off[n+1], out_adj[m]
 *   i32 ms_due_open[nm]; u32 str_off[np + nm + 1]
 *   u8 flags[n] (ANALYZE_NODE_* | IMG_OWN_DUE), out_origin[m], strings
 * Strings (project paths, then milestone titles) are UTF-8 without NUL,
 * each list strictly ascending bytewise.
 */
#include <stdlib.h>
#include <string.h>

#include "analyze_int.h"
#include "graph_builder.h"
#include "store.h"

#define IMG_VERSION   1
#define IMG_OWN_DUE   0x80
#define IMG_NODE_BITS (ANALYZE_NODE_OPEN | ANALYZE_NODE_CONFIDENTIAL)

static const unsigned char img_magic[8] = {'I', 'G', 'G', 'I', 'M', 'G', 0x01, 0x02};

enum { HDR_WORDS = 7 }; /* magic + 6 u64 */

struct cursor {
	const unsigned char *p;
	size_t len, at;
};

/* The next count * size bytes (8-aligned), or NULL when they are not there. */
static const void *take(struct cursor *c, uint64_t count, size_t size)
{
	if (c->at > c->len || count > (c->len - c->at) / size)
		return NULL;
	const void *r = c->p + c->at;
	size_t bytes = (size_t)count * size;
	size_t pad = (8 - bytes % 8) % 8;
	if (bytes + pad > c->len - c->at)
		return NULL;
	for (size_t i = 0; i < pad; i++) /* one encoding per graph: padding is zero */
		if (c->p[c->at + bytes + i])
			return NULL;
	c->at += bytes + pad;
	return r;
}

static void *dup_section(const void *src, uint64_t count, size_t size)
{
	void *p = analyze__alloc((size_t)count, size);
	if (p && count)
		memcpy(p, src, (size_t)count * size);
	return p;
}

static char *dup_str(const char *src)
{
	size_t len = strlen(src);
	char *p = analyze__alloc(len + 1, 1);
	if (p)
		memcpy(p, src, len + 1);
	return p;
}

/* Valid UTF-8 without NUL (overlongs, surrogates and > U+10FFFF refused). */
static bool utf8_ok(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned char c = s[i];
		if (c == 0)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t k;
		uint32_t cp;
		if (c >= 0xc2 && c <= 0xdf)
			k = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			k = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			k = 3, cp = c & 0x07;
		else
			return false;
		if (n - i <= k)
			return false;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + j] & 0x3f);
		}
		if ((k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += k + 1;
	}
	return true;
}

/* a < b bytewise (as strcmp on strings without NUL) */
static bool str_less(const unsigned char *a, size_t na, const unsigned char *b, size_t nb)
{
	int c = memcmp(a, b, na < nb ? na : nb);
	return c < 0 || (c == 0 && na < nb);
}

void analyze__image_release(struct analyze__image *img)
{
	analyze_graph_free(img->g);
	free(img->own_due);
	free(img->ms_due_open);
	memset(img, 0, sizeof *img);
}

/* The in-lists of g from its out-lists (sorted: filled in source order). */
static int build_in(struct analyze_graph *g)
{
	uint32_t n = g->n, m = g->m;
	if (g->in_off) /* built from rows: it has them already */
		return 0;
	g->in_off = analyze__zalloc((size_t)n + 1, sizeof *g->in_off);
	g->in_adj = analyze__alloc(m, sizeof *g->in_adj);
	uint32_t *pos = analyze__alloc((size_t)n + 1, sizeof *pos);
	if (!g->in_off || !g->in_adj || !pos) {
		free(pos);
		return ANALYZE_ENOMEM;
	}
	for (uint32_t e = 0; e < m; e++)
		g->in_off[g->out_adj[e] + 1]++;
	for (uint32_t v = 0; v < n; v++)
		g->in_off[v + 1] += g->in_off[v];
	memcpy(pos, g->in_off, ((size_t)n + 1) * sizeof *pos);
	for (uint32_t u = 0; u < n; u++)
		for (uint32_t e = g->out_off[u]; e < g->out_off[u + 1]; e++)
			g->in_adj[pos[g->out_adj[e]]++] = u;
	free(pos);
	return 0;
}

static int bad(const char *what)
{
	return analyze__fail(ANALYZE_EINVAL, "graph image: %s", what);
}

int analyze__image_decode(struct analyze__image *img, const void *data, size_t len, int64_t want_n)
{
	struct cursor c = {data, len, 0};
	struct analyze_graph *g = NULL;
	int rc = ANALYZE_ENOMEM;
	uint64_t h[HDR_WORDS - 1];

	memset(img, 0, sizeof *img);
	const unsigned char *magic = take(&c, 8, 1);
	const void *hp = take(&c, HDR_WORDS - 1, sizeof(uint64_t));
	if (!magic || !hp)
		return bad("truncated header");
	if (memcmp(magic, img_magic, sizeof img_magic) != 0)
		return bad("not an image of this build (magic)");
	memcpy(h, hp, sizeof h);
	uint64_t version = h[0], n = h[1], np = h[2], nm = h[3], m = h[4], sbytes = h[5];
	if (version != IMG_VERSION)
		return bad("unknown version");
	if (n >= UINT32_MAX || np >= UINT32_MAX || nm >= ANALYZE_NONE || m >= UINT32_MAX - 1)
		return bad("counts out of range");
	if (want_n >= 0 && n != (uint64_t)want_n)
		return bad("node count differs from the store's issues");

	const int64_t *issue_id = take(&c, n, 8), *iid = take(&c, n, 8);
	const int64_t *weight = take(&c, n, 8), *remaining = take(&c, n, 8);
	const int64_t *project_id = take(&c, np, 8);
	const uint32_t *project = take(&c, n, 4), *milestone = take(&c, n, 4);
	const int32_t *due = take(&c, n, 4);
	const uint32_t *out_off = take(&c, n + 1, 4), *out_adj = take(&c, m, 4);
	const int32_t *ms_due_open = take(&c, nm, 4);
	const uint32_t *str_off = take(&c, np + nm + 1, 4);
	const uint8_t *flags = take(&c, n, 1), *origin = take(&c, m, 1);
	const unsigned char *str = take(&c, sbytes, 1);
	if (!issue_id || !iid || !weight || !remaining || !project_id || !project || !milestone ||
	    !due || !out_off || !out_adj || !ms_due_open || !str_off || !flags || !origin || !str)
		return bad("truncated");
	if (c.at != len)
		return bad("trailing bytes");

	/* strings: offsets monotone and in bounds, each list strictly sorted */
	if (str_off[0] != 0 || str_off[np + nm] != sbytes)
		return bad("string offsets out of range");
	for (uint64_t i = 0; i < np + nm; i++) {
		if (str_off[i + 1] < str_off[i] || str_off[i + 1] > sbytes)
			return bad("string offsets not monotone");
		if (!utf8_ok(str + str_off[i], str_off[i + 1] - str_off[i]))
			return bad("a string is not UTF-8 text");
		if (i != 0 && i != np &&
		    !str_less(str + str_off[i - 1], str_off[i] - str_off[i - 1], str + str_off[i],
			      str_off[i + 1] - str_off[i]))
			return bad("strings not in order");
	}
	/* nodes: indices in range, ref order strictly ascending */
	for (uint64_t v = 0; v < n; v++) {
		if (project[v] >= np || (milestone[v] >= nm && milestone[v] != ANALYZE_NONE))
			return bad("node index out of range");
		if (flags[v] & ~(IMG_NODE_BITS | IMG_OWN_DUE))
			return bad("unknown node flags");
		if (remaining[v] < 0 && remaining[v] != ANALYZE_NO_VALUE)
			return bad("negative remaining time");
		if (v && (project[v] < project[v - 1] ||
			  (project[v] == project[v - 1] && iid[v] <= iid[v - 1])))
			return bad("nodes not in ref order");
	}
	/* edges: offsets monotone, targets in range and strictly ascending */
	if (out_off[0] != 0 || out_off[n] != m)
		return bad("edge offsets out of range");
	for (uint64_t u = 0; u < n; u++) {
		if (out_off[u + 1] < out_off[u] || out_off[u + 1] > m)
			return bad("edge offsets not monotone");
		for (uint32_t e = out_off[u]; e < out_off[u + 1]; e++) {
			if (out_adj[e] >= n || (e > out_off[u] && out_adj[e] <= out_adj[e - 1]))
				return bad("edge targets out of range or order");
			if (origin[e] == 0 ||
			    (origin[e] & ~(ANALYZE_ORIGIN_LINK | ANALYZE_ORIGIN_TEXT)))
				return bad("unknown edge origin");
		}
	}

	g = analyze__zalloc(1, sizeof *g);
	if (!g)
		goto done;
	g->n = (uint32_t)n;
	g->m = (uint32_t)m;
	g->all_states = true;
	g->n_projects = (uint32_t)np;
	g->n_milestones = (uint32_t)nm;
	g->issue_id = dup_section(issue_id, n, 8);
	g->iid = dup_section(iid, n, 8);
	g->weight = dup_section(weight, n, 8);
	g->remaining = dup_section(remaining, n, 8);
	g->project_id = dup_section(project_id, np, 8);
	g->project = dup_section(project, n, 4);
	g->milestone = dup_section(milestone, n, 4);
	g->due = dup_section(due, n, 4);
	g->out_off = dup_section(out_off, n + 1, 4);
	g->out_adj = dup_section(out_adj, m, 4);
	g->out_origin = dup_section(origin, m, 1);
	g->flags = analyze__alloc(n, 1);
	g->project_path = analyze__zalloc(np, sizeof *g->project_path);
	g->milestone_title = analyze__zalloc(nm, sizeof *g->milestone_title);
	img->own_due = analyze__alloc(n, 1);
	img->ms_due_open = dup_section(ms_due_open, nm, 4);
	if (!g->issue_id || !g->iid || !g->weight || !g->remaining || !g->project_id ||
	    !g->project || !g->milestone || !g->due || !g->out_off || !g->out_adj ||
	    !g->out_origin || !g->flags || !g->project_path || !g->milestone_title ||
	    !img->own_due || !img->ms_due_open)
		goto done;
	for (uint64_t v = 0; v < n; v++) {
		g->flags[v] = flags[v] & IMG_NODE_BITS;
		img->own_due[v] = (flags[v] & IMG_OWN_DUE) != 0;
	}
	for (uint64_t i = 0; i < np + nm; i++) {
		char *sdup = analyze__alloc((size_t)(str_off[i + 1] - str_off[i]) + 1, 1);
		if (!sdup)
			goto done;
		memcpy(sdup, str + str_off[i], str_off[i + 1] - str_off[i]);
		sdup[str_off[i + 1] - str_off[i]] = '\0';
		if (i < np)
			g->project_path[i] = sdup;
		else
			g->milestone_title[i - np] = sdup;
	}
	rc = 0;
done:
	img->g = g;
	if (rc < 0)
		analyze__image_release(img);
	return rc;
}

/* Appending to a growing byte buffer (sizes known up front). */
struct out {
	unsigned char *p;
	size_t at;
};

static void put(struct out *o, const void *src, size_t count, size_t size)
{
	size_t bytes = count * size;
	if (bytes)
		memcpy(o->p + o->at, src, bytes);
	o->at += bytes;
	while (o->at % 8)
		o->p[o->at++] = 0;
}

static size_t padded(size_t bytes)
{
	return (bytes + 7) / 8 * 8;
}

int analyze__image_encode(void **out, size_t *out_len, const struct analyze__image *img)
{
	const struct analyze_graph *g = img->g;
	size_t n = g->n, np = g->n_projects, nm = g->n_milestones, m = g->m;
	uint32_t *str_off = NULL;
	uint8_t *flags = NULL;
	unsigned char *buf = NULL;
	int rc = ANALYZE_ENOMEM;

	*out = NULL;
	*out_len = 0;
	str_off = analyze__alloc(np + nm + 1, sizeof *str_off);
	flags = analyze__alloc(n, 1);
	if (!str_off || !flags)
		goto done;
	size_t sbytes = 0;
	str_off[0] = 0;
	for (size_t i = 0; i < np + nm; i++) {
		sbytes += strlen(i < np ? g->project_path[i] : g->milestone_title[i - np]);
		if (sbytes > UINT32_MAX) {
			rc = analyze__fail(ANALYZE_EINVAL, "graph image: strings too long");
			goto done;
		}
		str_off[i + 1] = (uint32_t)sbytes;
	}
	for (size_t v = 0; v < n; v++)
		flags[v] = (uint8_t)(g->flags[v] | (img->own_due[v] ? IMG_OWN_DUE : 0));
	/* every count is below 2^32, so this cannot overflow a 64-bit size */
	size_t total = 8 + 8 * (HDR_WORDS - 1) + 4 * padded(n * 8) + padded(np * 8) +
		       3 * padded(n * 4) + padded((n + 1) * 4) + padded(m * 4) + padded(nm * 4) +
		       padded((np + nm + 1) * 4) + padded(n) + padded(m) + padded(sbytes);
	buf = analyze__alloc(total, 1);
	if (!buf)
		goto done;
	struct out o = {buf, 0};
	uint64_t h[HDR_WORDS - 1] = {IMG_VERSION, n, np, nm, m, sbytes};
	put(&o, img_magic, 8, 1);
	put(&o, h, HDR_WORDS - 1, sizeof *h);
	put(&o, g->issue_id, n, 8);
	put(&o, g->iid, n, 8);
	put(&o, g->weight, n, 8);
	put(&o, g->remaining, n, 8);
	put(&o, g->project_id, np, 8);
	put(&o, g->project, n, 4);
	put(&o, g->milestone, n, 4);
	put(&o, g->due, n, 4);
	put(&o, g->out_off, n + 1, 4);
	put(&o, g->out_adj, m, 4);
	put(&o, img->ms_due_open, nm, 4);
	put(&o, str_off, np + nm + 1, 4);
	put(&o, flags, n, 1);
	put(&o, g->out_origin, m, 1);
	for (size_t i = 0; i < np + nm; i++) {
		const char *sv = i < np ? g->project_path[i] : g->milestone_title[i - np];
		memcpy(o.p + o.at, sv, str_off[i + 1] - str_off[i]);
		o.at += str_off[i + 1] - str_off[i];
	}
	while (o.at % 8)
		o.p[o.at++] = 0;
	*out = buf;
	*out_len = o.at;
	buf = NULL;
	rc = 0;
done:
	free(buf);
	free(str_off);
	free(flags);
	return rc;
}

/* ---- the view a load asks for ------------------------------------------- */

struct id_pair {
	int64_t a, b;
};

static int cmp_pair(const void *x, const void *y)
{
	const struct id_pair *p = x, *q = y;
	if (p->a != q->a)
		return p->a < q->a ? -1 : 1;
	return (p->b > q->b) - (p->b < q->b);
}

int analyze__image_view(struct analyze_graph **out, struct analyze__image *img,
			const struct analyze_load_opts *opts)
{
	struct analyze_graph *f = img->g, *g = NULL;
	bool all = opts && opts->all_states;
	unsigned deps = opts && opts->deps ? opts->deps : ANALYZE_DEPS_ALL;
	size_t n_ignore = opts ? opts->n_ignore : 0;
	uint32_t *map = NULL, *ms_map = NULL;
	struct id_pair *ignore = NULL;
	int rc = ANALYZE_ENOMEM;

	*out = NULL;
	uint8_t keep_origin = (uint8_t)(((deps & ANALYZE_DEPS_LINKS) ? ANALYZE_ORIGIN_LINK : 0) |
					((deps & ANALYZE_DEPS_TEXT) ? ANALYZE_ORIGIN_TEXT : 0));
	if (all && keep_origin == (ANALYZE_ORIGIN_LINK | ANALYZE_ORIGIN_TEXT) && !n_ignore) {
		/* the image is the answer */
		if ((rc = build_in(f)) < 0)
			return rc;
		*out = f;
		img->g = NULL;
		return 0;
	}

	map = analyze__alloc((size_t)f->n + 1, sizeof *map);
	ms_map = analyze__alloc((size_t)f->n_milestones + 1, sizeof *ms_map);
	g = analyze__zalloc(1, sizeof *g);
	if (!map || !ms_map || !g)
		goto done;
	uint32_t n = 0;
	for (uint32_t v = 0; v < f->n; v++)
		map[v] = (all || (f->flags[v] & ANALYZE_NODE_OPEN)) ? n++ : UINT32_MAX;
	/* milestones: only those a node carries, in the same (sorted) order */
	for (uint32_t i = 0; i < f->n_milestones; i++)
		ms_map[i] = UINT32_MAX;
	for (uint32_t v = 0; v < f->n; v++)
		if (map[v] != UINT32_MAX && f->milestone[v] != ANALYZE_NONE)
			ms_map[f->milestone[v]] = 0;
	uint32_t nm = 0;
	for (uint32_t i = 0; i < f->n_milestones; i++)
		if (ms_map[i] != UINT32_MAX)
			ms_map[i] = nm++;

	g->all_states = all;
	bool nodes = analyze__graph_alloc_nodes(g, n);
	g->milestone_title = analyze__zalloc(nm, sizeof *g->milestone_title);
	g->out_off = analyze__alloc((size_t)n + 1, sizeof *g->out_off);
	g->out_adj = analyze__alloc(f->m, sizeof *g->out_adj);
	g->out_origin = analyze__alloc(f->m, sizeof *g->out_origin);
	if (!nodes || !g->milestone_title || !g->out_off || !g->out_adj || !g->out_origin)
		goto done;
	for (uint32_t v = 0; v < f->n; v++) {
		uint32_t w = map[v];
		if (w == UINT32_MAX)
			continue;
		uint32_t ms = f->milestone[v];
		g->issue_id[w] = f->issue_id[v];
		g->iid[w] = f->iid[v];
		g->project[w] = f->project[v];
		g->flags[w] = f->flags[v];
		g->weight[w] = f->weight[v];
		g->remaining[w] = f->remaining[v];
		g->milestone[w] = ms == ANALYZE_NONE ? ANALYZE_NONE : ms_map[ms];
		/* open only: a milestone's date is the first open issue's */
		g->due[w] = all || img->own_due[v] ? f->due[v]
			    : ms == ANALYZE_NONE   ? ANALYZE_NO_DATE
						   : img->ms_due_open[ms];
	}
	/* the strings are copied: img stays whole for another view */
	g->n_milestones = nm;
	for (uint32_t i = 0; i < f->n_milestones; i++)
		if (ms_map[i] != UINT32_MAX &&
		    !(g->milestone_title[ms_map[i]] = dup_str(f->milestone_title[i])))
			goto done;
	g->project_path = analyze__zalloc(f->n_projects, sizeof *g->project_path);
	g->project_id = dup_section(f->project_id, f->n_projects, sizeof *g->project_id);
	if (!g->project_path || !g->project_id)
		goto done;
	g->n_projects = f->n_projects;
	for (uint32_t i = 0; i < f->n_projects; i++)
		if (!(g->project_path[i] = dup_str(f->project_path[i])))
			goto done;

	if (n_ignore) {
		if (!(ignore = analyze__alloc(n_ignore, sizeof *ignore)))
			goto done;
		for (size_t i = 0; i < n_ignore; i++)
			ignore[i] = (struct id_pair){opts->ignore[2 * i], opts->ignore[2 * i + 1]};
		qsort(ignore, n_ignore, sizeof *ignore, cmp_pair);
	}
	uint32_t m = 0;
	g->out_off[0] = 0;
	for (uint32_t u = 0; u < f->n; u++) {
		if (map[u] == UINT32_MAX)
			continue;
		for (uint32_t e = f->out_off[u]; e < f->out_off[u + 1]; e++) {
			uint32_t t = f->out_adj[e];
			uint8_t org = f->out_origin[e] & keep_origin;
			if (map[t] == UINT32_MAX || !org)
				continue;
			if (ignore) {
				struct id_pair k = {f->issue_id[u], f->issue_id[t]};
				if (bsearch(&k, ignore, n_ignore, sizeof *ignore, cmp_pair))
					continue;
			}
			g->out_adj[m] = map[t];
			g->out_origin[m++] = org;
		}
		g->out_off[map[u] + 1] = m;
	}
	g->m = m;
	rc = build_in(g);
done:
	free(map);
	free(ms_map);
	free(ignore);
	if (rc < 0)
		analyze_graph_free(g);
	else
		*out = g;
	return rc;
}

/* ---- building the image from the store ------------------------------------ */

struct extra_walk {
	const struct analyze__image *img;
	const uint32_t *by_id; /* nodes in issue id order: the walk's row order */
	uint32_t k;
	uint8_t *ms_seen;
	int err;
};

static int on_row(void *ctx, const struct store_issue *is)
{
	struct extra_walk *w = ctx;
	const struct analyze_graph *g = w->img->g;
	if (w->k >= g->n || g->issue_id[w->by_id[w->k]] != is->id)
		return w->err = analyze__fail(ANALYZE_ERR, "issues changed while being read");
	uint32_t v = w->by_id[w->k++];
	w->img->own_due[v] = analyze__parse_day(is->due_date) != ANALYZE_NO_DATE;
	uint32_t ms = g->milestone[v];
	if (is->state == STORE_STATE_OPENED && ms != ANALYZE_NONE && !w->ms_seen[ms]) {
		w->ms_seen[ms] = 1;
		w->img->ms_due_open[ms] = analyze__parse_day(is->milestone_due);
	}
	return 0;
}

struct id_node {
	uint64_t key; /* the id with its sign bit flipped: unsigned order is id order */
	uint32_t v;
};

static int cmp_id_node(const void *a, const void *b)
{
	uint64_t x = ((const struct id_node *)a)->key, y = ((const struct id_node *)b)->key;
	return (x > y) - (x < y);
}

/* The image of the store, from SQL; inside the caller's snapshot. */
static int image_build(struct analyze__image *img, struct store *s)
{
	struct analyze_load_opts all = {.all_states = true, .deps = ANALYZE_DEPS_ALL};
	struct extra_walk w = {.img = img};
	uint32_t *by_id = NULL;
	struct id_node *idn = NULL;
	int rc;

	memset(img, 0, sizeof *img);
	if ((rc = analyze__graph_load_sql(&img->g, s, &all)) < 0)
		return rc;
	const struct analyze_graph *g = img->g;
	rc = ANALYZE_ENOMEM;
	img->own_due = analyze__zalloc(g->n, 1);
	img->ms_due_open = analyze__alloc(g->n_milestones, sizeof *img->ms_due_open);
	w.ms_seen = analyze__zalloc(g->n_milestones, 1);
	by_id = analyze__alloc(g->n, sizeof *by_id);
	idn = analyze__alloc(g->n, sizeof *idn);
	if (!img->own_due || !img->ms_due_open || !w.ms_seen || !by_id || !idn)
		goto done;
	for (uint32_t i = 0; i < g->n_milestones; i++)
		img->ms_due_open[i] = ANALYZE_NO_DATE;
	/* the walk gives rows in id order; nodes are in ref order */
	for (uint32_t v = 0; v < g->n; v++)
		idn[v] = (struct id_node){(uint64_t)g->issue_id[v] ^ (1ULL << 63), v};
	if (g->n)
		qsort(idn, g->n, sizeof *idn, cmp_id_node);
	for (uint32_t k = 0; k < g->n; k++)
		by_id[k] = idn[k].v;
	w.by_id = by_id;
	rc = store_each_issue_brief(s, 0, on_row, &w);
	if (rc != 0) {
		rc = w.err < 0 ? w.err : analyze__fail(ANALYZE_ERR, "%s", store_errmsg(s));
		goto done;
	}
	if (w.k != g->n)
		rc = analyze__fail(ANALYZE_ERR, "issues changed while being read");
done:
	free(by_id);
	free(idn);
	free(w.ms_seen);
	if (rc < 0)
		analyze__image_release(img);
	return rc;
}

int analyze_graph_load(struct analyze_graph **out, struct store *s,
		       const struct analyze_load_opts *opts)
{
	struct analyze__image img = {0};
	void *data = NULL;
	size_t len = 0;
	int64_t n_issues = 0;
	int rc;

	*out = NULL;
	if (opts && opts->at_point)
		return analyze__graph_load_sql(out, s, opts);
	/* one snapshot for reading the image, or for building and writing it */
	if (store_image_begin(s) < 0)
		return analyze__fail(ANALYZE_ERR, "%s", store_errmsg(s));
	rc = store_image_read(s, &data, &len, &n_issues);
	if (rc == STORE_ENOMEM) {
		rc = analyze__fail(ANALYZE_ENOMEM, "out of memory");
		goto done;
	}
	if (rc == 0 && data && analyze__image_decode(&img, data, len, n_issues) == 0) {
		free(data);
		data = NULL;
		store_image_end(s, true);
		rc = analyze__image_view(out, &img, opts);
		analyze__image_release(&img);
		return rc;
	}
	free(data);
	data = NULL;
	/* none, stale or damaged: build it from the rows, keep it if we can */
	if ((rc = image_build(&img, s)) < 0)
		goto done;
	bool kept =
	    analyze__image_encode(&data, &len, &img) == 0 && store_image_write(s, data, len) == 0;
	free(data);
	data = NULL;
	store_image_end(s, kept);
	rc = analyze__image_view(out, &img, opts);
	analyze__image_release(&img);
	return rc;
done:
	free(data);
	store_image_end(s, false);
	analyze__image_release(&img);
	return rc;
}
