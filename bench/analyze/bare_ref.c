/*
 * bare_ref: the floor the analysis commands are measured against. Reads the
 * open issues and blocking links straight from an issuegraph SQLite file,
 * then runs an iterative Tarjan and a longest path (count weights) over the
 * condensation, on plain arrays. Shares no code with analyze/ on purpose.
 *
 * usage: bare_ref DB   -> prints "read_ms build_ms scc_ms path_ms knots cost"
 *
 * cc -O2 -o bare_ref bare_ref.c -lsqlite3
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	return p;
}

/* id -> dense index: open addressing, keys and values side by side */
struct slot {
	int64_t key;
	int64_t val;
};

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

static int64_t find(const struct slot *t, uint64_t mask, int64_t id)
{
	for (uint64_t h = mix((uint64_t)id) & mask;; h = (h + 1) & mask) {
		if (t[h].val < 0)
			return -1;
		if (t[h].key == id)
			return t[h].val;
	}
}

int main(int argc, char **argv)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	if (argc != 2 || sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		fprintf(stderr, "usage: bare_ref DB\n");
		return 2;
	}
	double t0 = now_ms();
	int64_t n = 0, cap = 1 << 16;
	int64_t *ids = xmalloc(cap * sizeof *ids);
	sqlite3_prepare_v2(db, "SELECT id FROM issues WHERE state = 0", -1, &st, NULL);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n == cap)
			ids = realloc(ids, (cap *= 2) * sizeof *ids);
		ids[n++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	int64_t m = 0, ecap = 1 << 16;
	int64_t *esrc = xmalloc(ecap * sizeof *esrc), *edst = xmalloc(ecap * sizeof *edst);
	sqlite3_prepare_v2(db, "SELECT source_id, target_id FROM links WHERE type = 1", -1, &st,
			   NULL);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (m == ecap) {
			ecap *= 2;
			esrc = realloc(esrc, ecap * sizeof *esrc);
			edst = realloc(edst, ecap * sizeof *edst);
		}
		esrc[m] = sqlite3_column_int64(st, 0);
		edst[m++] = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	double t1 = now_ms();

	/* ids -> dense indices (in row order), edges into CSR */
	uint64_t tsize = 16;
	while (tsize < (uint64_t)n * 2)
		tsize *= 2;
	struct slot *tab = xmalloc(tsize * sizeof *tab);
	for (uint64_t h = 0; h < tsize; h++)
		tab[h].val = -1;
	for (int64_t i = 0; i < n; i++) {
		uint64_t h = mix((uint64_t)ids[i]) & (tsize - 1);
		while (tab[h].val >= 0)
			h = (h + 1) & (tsize - 1);
		tab[h].key = ids[i];
		tab[h].val = i;
	}
	int32_t *from = xmalloc(m * sizeof *from), *to = xmalloc(m * sizeof *to);
	int64_t k = 0;
	for (int64_t i = 0; i < m; i++) {
		int64_t a = find(tab, tsize - 1, esrc[i]), b = find(tab, tsize - 1, edst[i]);
		if (a >= 0 && b >= 0) {
			from[k] = (int32_t)a;
			to[k++] = (int32_t)b;
		}
	}
	m = k;
	int32_t *off = calloc(n + 1, sizeof *off), *adj = xmalloc(m * sizeof *adj);
	for (int64_t i = 0; i < m; i++)
		off[from[i] + 1]++;
	for (int64_t v = 0; v < n; v++)
		off[v + 1] += off[v];
	int32_t *fill = xmalloc((n + 1) * sizeof *fill);
	memcpy(fill, off, (n + 1) * sizeof *fill);
	for (int64_t i = 0; i < m; i++)
		adj[fill[from[i]]++] = to[i];
	double t2 = now_ms();

	/* iterative Tarjan */
	int32_t *idx = xmalloc(n * sizeof *idx), *low = xmalloc(n * sizeof *low);
	int32_t *comp = xmalloc(n * sizeof *comp), *stk = xmalloc(n * sizeof *stk);
	int32_t *cs = xmalloc(n * sizeof *cs), *ce = xmalloc(n * sizeof *ce);
	char *on = calloc(n, 1);
	for (int64_t v = 0; v < n; v++)
		idx[v] = -1;
	int32_t counter = 0, sp = 0, csp = 0, nc = 0;
	for (int64_t r = 0; r < n; r++) {
		if (idx[r] >= 0)
			continue;
		idx[r] = low[r] = counter++;
		stk[sp++] = (int32_t)r;
		on[r] = 1;
		cs[csp] = (int32_t)r;
		ce[csp++] = off[r];
		while (csp) {
			int32_t v = cs[csp - 1];
			if (ce[csp - 1] < off[v + 1]) {
				int32_t w = adj[ce[csp - 1]++];
				if (idx[w] < 0) {
					idx[w] = low[w] = counter++;
					stk[sp++] = w;
					on[w] = 1;
					cs[csp] = w;
					ce[csp++] = off[w];
				} else if (on[w] && idx[w] < low[v]) {
					low[v] = idx[w];
				}
				continue;
			}
			csp--;
			if (low[v] == idx[v]) {
				int32_t w;
				do {
					w = stk[--sp];
					on[w] = 0;
					comp[w] = nc;
				} while (w != v);
				nc++;
			}
			if (csp && low[v] < low[cs[csp - 1]])
				low[cs[csp - 1]] = low[v];
		}
	}
	double t3 = now_ms();

	/* longest path over the condensation: components come out sinks first */
	int64_t *size = calloc(nc, sizeof *size), *best = calloc(nc, sizeof *best);
	int32_t *coff = calloc(nc + 1, sizeof *coff), *cmem = xmalloc(n * sizeof *cmem);
	for (int64_t v = 0; v < n; v++)
		coff[comp[v] + 1]++;
	for (int32_t c = 0; c < nc; c++)
		coff[c + 1] += coff[c];
	memcpy(fill, coff, (nc + 1) * sizeof *fill);
	for (int64_t v = 0; v < n; v++)
		cmem[fill[comp[v]]++] = (int32_t)v;
	int64_t knots = 0, top = 0;
	for (int32_t c = 0; c < nc; c++) {
		size[c] = coff[c + 1] - coff[c];
		knots += size[c] > 1;
		int64_t after = 0;
		for (int32_t i = coff[c]; i < coff[c + 1]; i++) {
			int32_t v = cmem[i];
			for (int32_t e = off[v]; e < off[v + 1]; e++)
				if (comp[adj[e]] != c && best[comp[adj[e]]] > after)
					after = best[comp[adj[e]]];
		}
		best[c] = size[c] + after;
		if (best[c] > top)
			top = best[c];
	}
	double t4 = now_ms();
	printf("%.1f %.1f %.1f %.1f %lld %lld\n", t1 - t0, t2 - t1, t3 - t2, t4 - t3,
	       (long long)knots, (long long)top);
	sqlite3_close(db);
	return 0;
}
