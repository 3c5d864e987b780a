/*
 * analyze: the SPEC's findings (knots, conflicts, closed-blocked) and the
 * report's bottlenecks (who blocks the most, directly and transitively).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze_int.h"

static const char *const finding_names[ANALYZE_FINDING_ALL_KINDS] = {
    "knots", "conflicts", "closed-blocked", "new-knots", "new-conflicts",
};

const char *analyze_finding_name(enum analyze_finding_kind k)
{
	if ((unsigned)k < ANALYZE_FINDING_ALL_KINDS)
		return finding_names[k];
	return "?";
}

int analyze_finding_kind_of(const char *name, size_t len)
{
	for (int k = 0; k < ANALYZE_FINDING_ALL_KINDS; k++) {
		if (strlen(finding_names[k]) == len && memcmp(finding_names[k], name, len) == 0)
			return k;
	}
	return -1;
}

void analyze_format_date(int32_t days, char *buf, size_t len)
{
	if (!buf || len == 0)
		return;
	if (days == ANALYZE_NO_DATE) {
		buf[0] = '\0';
		return;
	}
	/* Howard Hinnant's civil_from_days: proleptic Gregorian, no time zones. */
	int64_t z = (int64_t)days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t y = yoe + era * 400;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t d = doy - (153 * mp + 2) / 5 + 1;
	int64_t m = mp < 10 ? mp + 3 : mp - 9;
	if (m <= 2)
		y++;
	snprintf(buf, len, "%04lld-%02lld-%02lld", (long long)y, (long long)m, (long long)d);
}

static int cmp_edge(const void *a, const void *b)
{
	const struct analyze_edge *x = a, *y = b;
	if (x->from != y->from)
		return x->from < y->from ? -1 : 1;
	if (x->to != y->to)
		return x->to < y->to ? -1 : 1;
	return 0;
}

static bool is_open(const struct analyze_graph *g, uint32_t v)
{
	return (g->flags[v] & ANALYZE_NODE_OPEN) != 0;
}

/* Y's due date is set and X has none or a later one: Y cannot ship as planned. */
static bool conflicting(const struct analyze_graph *g, uint32_t x, uint32_t y)
{
	if (!is_open(g, x) || !is_open(g, y) || g->due[y] == ANALYZE_NO_DATE)
		return false;
	return g->due[x] == ANALYZE_NO_DATE || g->due[x] > g->due[y];
}

int analyze_findings(const struct analyze_findings_in *in, struct analyze_findings **out)
{
	*out = NULL;
	if (!in || !in->g || !in->knots || !in->full || !in->full->all_states)
		return analyze__fail(ANALYZE_EINVAL,
				     "findings: the graph of every issue is needed");
	const struct analyze_graph *g = in->g, *full = in->full;
	const struct analyze_knots *k = in->knots;
	struct analyze_findings *f = calloc(1, sizeof *f);
	if (!f)
		return analyze__fail(ANALYZE_ENOMEM, "out of memory");

	/* A knot lies wholly inside or outside a scope that is closed under
	 * blockers (every member blocks every other), so its first member says. */
	f->knots = analyze__alloc(k->count, sizeof *f->knots);
	if (!f->knots)
		goto nomem;
	for (uint32_t i = 0; i < k->count; i++) {
		uint32_t first = k->members[k->member_off[i]];
		if (!in->keep || in->keep[first])
			f->knots[f->count[ANALYZE_FINDING_KNOTS]++] = i;
	}

	/* Conflicts: count first, then fill, so the array is sized once. */
	uint32_t n = 0;
	for (uint32_t x = 0; x < g->n; x++)
		for (uint32_t e = g->out_off[x]; e < g->out_off[x + 1]; e++) {
			uint32_t y = g->out_adj[e];
			if ((!in->keep || in->keep[y]) && conflicting(g, x, y))
				n++;
		}
	f->conflicts = analyze__alloc(n, sizeof *f->conflicts);
	if (!f->conflicts)
		goto nomem;
	for (uint32_t x = 0; x < g->n; x++)
		for (uint32_t e = g->out_off[x]; e < g->out_off[x + 1]; e++) {
			uint32_t y = g->out_adj[e];
			if ((!in->keep || in->keep[y]) && conflicting(g, x, y))
				f->conflicts[f->count[ANALYZE_FINDING_CONFLICTS]++] =
				    (struct analyze_edge){x, y};
		}

	n = 0;
	for (uint32_t x = 0; x < full->n; x++) {
		if (!is_open(full, x))
			continue;
		for (uint32_t e = full->out_off[x]; e < full->out_off[x + 1]; e++) {
			uint32_t y = full->out_adj[e];
			if (!is_open(full, y) && (!in->keep_full || in->keep_full[y]))
				n++;
		}
	}
	f->closed_blocked = analyze__alloc(n, sizeof *f->closed_blocked);
	if (!f->closed_blocked)
		goto nomem;
	for (uint32_t x = 0; x < full->n; x++) {
		if (!is_open(full, x))
			continue;
		for (uint32_t e = full->out_off[x]; e < full->out_off[x + 1]; e++) {
			uint32_t y = full->out_adj[e];
			if (!is_open(full, y) && (!in->keep_full || in->keep_full[y]))
				f->closed_blocked[f->count[ANALYZE_FINDING_CLOSED_BLOCKED]++] =
				    (struct analyze_edge){x, y};
		}
	}
	/* Walking sources ascending and sorted successors already gives (from,
	 * to) order; sort anyway so the contract does not hang on that. */
	qsort(f->conflicts, f->count[ANALYZE_FINDING_CONFLICTS], sizeof *f->conflicts, cmp_edge);
	qsort(f->closed_blocked, f->count[ANALYZE_FINDING_CLOSED_BLOCKED],
	      sizeof *f->closed_blocked, cmp_edge);
	*out = f;
	return 0;
nomem:
	analyze_findings_free(f);
	return analyze__fail(ANALYZE_ENOMEM, "findings: out of memory");
}

void analyze_findings_free(struct analyze_findings *f)
{
	if (!f)
		return;
	free(f->knots);
	free(f->conflicts);
	free(f->closed_blocked);
	free(f->new_knots);
	free(f->new_conflicts);
	free(f);
}

/* ---- bottlenecks ------------------------------------------------------------ */

#define HLL_P 6
#define HLL_M (1u << HLL_P)

/* splitmix64: a fixed, well-mixed hash so estimates are deterministic. */
static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static void hll_add(uint8_t *reg, uint64_t h)
{
	uint32_t j = (uint32_t)(h & (HLL_M - 1));
	uint64_t w = h >> HLL_P;
	uint8_t rank = w ? (uint8_t)(__builtin_ctzll(w) + 1) : (uint8_t)(64 - HLL_P + 1);
	if (rank > reg[j])
		reg[j] = rank;
}

/* 2^-r for every register value r (at most 64 - HLL_P + 1): the estimate
 * runs once per step, and ldexp() was a tenth of report's time at 1M. */
static const double hll_pow2_neg[65] = {
    0x1p-0,  0x1p-1,  0x1p-2,  0x1p-3,	0x1p-4,	 0x1p-5,  0x1p-6,  0x1p-7,  0x1p-8,  0x1p-9,
    0x1p-10, 0x1p-11, 0x1p-12, 0x1p-13, 0x1p-14, 0x1p-15, 0x1p-16, 0x1p-17, 0x1p-18, 0x1p-19,
    0x1p-20, 0x1p-21, 0x1p-22, 0x1p-23, 0x1p-24, 0x1p-25, 0x1p-26, 0x1p-27, 0x1p-28, 0x1p-29,
    0x1p-30, 0x1p-31, 0x1p-32, 0x1p-33, 0x1p-34, 0x1p-35, 0x1p-36, 0x1p-37, 0x1p-38, 0x1p-39,
    0x1p-40, 0x1p-41, 0x1p-42, 0x1p-43, 0x1p-44, 0x1p-45, 0x1p-46, 0x1p-47, 0x1p-48, 0x1p-49,
    0x1p-50, 0x1p-51, 0x1p-52, 0x1p-53, 0x1p-54, 0x1p-55, 0x1p-56, 0x1p-57, 0x1p-58, 0x1p-59,
    0x1p-60, 0x1p-61, 0x1p-62, 0x1p-63, 0x1p-64};

static double hll_estimate(const uint8_t *reg)
{
	double sum = 0;
	uint32_t zeros = 0;
	for (uint32_t j = 0; j < HLL_M; j++) {
		sum += hll_pow2_neg[reg[j]];
		zeros += reg[j] == 0;
	}
	double m = HLL_M;
	double e = 0.709 * m * m / sum; /* alpha_64 */
	if (e <= 2.5 * m && zeros > 0)
		e = m * log(m / zeros); /* linear counting for small sets */
	return e;
}

static int cmp_bottleneck(const void *a, const void *b)
{
	const struct analyze_bottleneck *x = a, *y = b;
	if (x->blocks_transitively != y->blocks_transitively)
		return x->blocks_transitively > y->blocks_transitively ? -1 : 1;
	if (x->blocks_directly != y->blocks_directly)
		return x->blocks_directly > y->blocks_directly ? -1 : 1;
	return x->node < y->node ? -1 : x->node > y->node;
}

/* Exact blocks_transitively of cand[0..k): a breadth-first walk from each,
 * counting the open issues in scope it reaches (not the start itself). */
static int exact_counts(const struct analyze_graph *g, const uint8_t *keep, const uint32_t *bit,
			struct analyze_bottleneck *cand, uint32_t k)
{
	uint32_t *stamp = analyze__zalloc(g->n, sizeof *stamp);
	uint32_t *queue = analyze__alloc(g->n, sizeof *queue);
	if (!stamp || !queue) {
		free(stamp);
		free(queue);
		return ANALYZE_ENOMEM;
	}
	for (uint32_t i = 0; i < k; i++) {
		uint32_t v = cand[i].node, head = 0, tail = 0, count = 0;
		stamp[v] = i + 1;
		queue[tail++] = v;
		while (head < tail) {
			uint32_t u = queue[head++];
			for (uint32_t e = g->out_off[u]; e < g->out_off[u + 1]; e++) {
				uint32_t w = g->out_adj[e];
				if (stamp[w] == i + 1 || (keep && !keep[w]))
					continue;
				stamp[w] = i + 1;
				queue[tail++] = w;
				if (bit[w] != ANALYZE_NONE)
					count++;
			}
		}
		cand[i].blocks_transitively = count;
	}
	free(stamp);
	free(queue);
	return 0;
}

int analyze_transitive_counts(const struct analyze_graph *g, const struct analyze_condensation *c,
			      const uint8_t *keep, uint64_t exact_limit_bits, uint32_t *trans,
			      bool *estimated)
{
	uint64_t limit = exact_limit_bits ? exact_limit_bits : ANALYZE_BOTTLENECKS_EXACT_BITS;
	struct analyze_condensation *own_c = NULL;
	uint32_t *bit = NULL, *own = NULL;
	uint64_t *sets = NULL;
	uint8_t *regs = NULL;
	int rc = 0;

	if ((rc = analyze__condensation_or_own(g, &c, &own_c)) != 0)
		return rc;
	bit = analyze__alloc(g->n, sizeof *bit);
	own = analyze__zalloc(c->count, sizeof *own); /* open members in scope */
	if (!bit || !own)
		goto nomem;
	memset(trans, 0, (size_t)g->n * sizeof *trans);

	/* Dense bit numbers for the issues that count: open and in scope. */
	uint32_t nbits = 0;
	for (uint32_t v = 0; v < g->n; v++) {
		bool counts = is_open(g, v) && (!keep || keep[v]);
		bit[v] = counts ? nbits++ : ANALYZE_NONE;
		if (counts)
			own[c->step_of[v]]++;
	}
	uint64_t words = ((uint64_t)nbits + 63) / 64;
	*estimated = (uint64_t)c->count * words * 64 > limit;

	/* reach(S) = union over steps T that S blocks of members(T) and reach(T);
	 * taken in reverse topological order every T is done before S. */
	if (!*estimated) {
		sets = analyze__zalloc((size_t)c->count * (size_t)words, sizeof *sets);
		if (!sets)
			goto nomem;
	} else {
		regs = analyze__zalloc((size_t)c->count, HLL_M);
		if (!regs)
			goto nomem;
	}
	/* The scope is closed under blockers, so a step (a knot blocks itself)
	 * lies wholly inside or outside it: its first member says. */
	for (uint32_t t = c->count; t-- > 0;) {
		uint32_t s = c->topo[t];
		if (keep && !keep[c->members[c->off[s]]])
			continue;
		for (uint32_t e = c->succ_off[s]; e < c->succ_off[s + 1]; e++) {
			uint32_t d = c->succ[e];
			if (keep && !keep[c->members[c->off[d]]])
				continue;
			if (sets) {
				uint64_t *S = sets + (size_t)s * words,
					 *D = sets + (size_t)d * words;
				for (uint64_t j = 0; j < words; j++)
					S[j] |= D[j];
				/* members of d are not in reach(d): add them */
				for (uint32_t q = c->off[d]; q < c->off[d + 1]; q++) {
					uint32_t x = c->members[q];
					if (bit[x] != ANALYZE_NONE)
						S[bit[x] / 64] |= 1ULL << (bit[x] % 64);
				}
			} else {
				uint8_t *S = regs + (size_t)s * HLL_M,
					*D = regs + (size_t)d * HLL_M;
				for (uint32_t j = 0; j < HLL_M; j++)
					if (D[j] > S[j])
						S[j] = D[j];
				for (uint32_t q = c->off[d]; q < c->off[d + 1]; q++) {
					uint32_t x = c->members[q];
					if (bit[x] != ANALYZE_NONE)
						hll_add(S, mix64((uint64_t)g->issue_id[x]));
				}
			}
		}
		uint64_t reach = 0;
		if (sets) {
			const uint64_t *S = sets + (size_t)s * words;
			for (uint64_t j = 0; j < words; j++)
				reach += (uint64_t)__builtin_popcountll(S[j]);
		} else {
			reach = (uint64_t)llround(hll_estimate(regs + (size_t)s * HLL_M));
		}
		/* Inside a knot every member also blocks every other one. */
		for (uint32_t i = c->off[s]; i < c->off[s + 1]; i++) {
			uint32_t u = c->members[i];
			if (bit[u] == ANALYZE_NONE)
				continue;
			uint64_t r = reach + (own[s] - 1);
			trans[u] = r > UINT32_MAX ? UINT32_MAX : (uint32_t)r;
		}
	}
	goto done;
nomem:
	rc = analyze__fail(ANALYZE_ENOMEM, "out of memory");
done:
	analyze_condensation_free(own_c);
	free(bit);
	free(own);
	free(sets);
	free(regs);
	return rc;
}

int analyze_bottlenecks(const struct analyze_graph *g, const struct analyze_condensation *c,
			const struct analyze_bottleneck_opts *opts,
			struct analyze_bottlenecks **out)
{
	*out = NULL;
	const uint8_t *keep = opts ? opts->keep : NULL;
	uint32_t max = opts && opts->max ? opts->max : ANALYZE_BOTTLENECKS_MAX;
	uint64_t limit = opts ? opts->exact_limit_bits : 0;
	struct analyze_bottlenecks *b = NULL;
	uint32_t *bit = NULL, *trans = NULL;
	struct analyze_bottleneck *cand = NULL;
	int rc = 0;

	b = calloc(1, sizeof *b);
	bit = analyze__alloc(g->n, sizeof *bit);
	trans = analyze__alloc(g->n, sizeof *trans);
	if (!b || !bit || !trans)
		goto nomem;
	if ((rc = analyze_transitive_counts(g, c, keep, limit, trans, &b->estimated)) != 0)
		goto done;
	/* the issues that count: open, in scope (exact_counts reads only that) */
	for (uint32_t v = 0; v < g->n; v++)
		bit[v] = is_open(g, v) && (!keep || keep[v]) ? 0 : ANALYZE_NONE;

	uint32_t ncand = 0;
	for (uint32_t v = 0; v < g->n; v++)
		if (bit[v] != ANALYZE_NONE && trans[v] > 0)
			ncand++;
	cand = analyze__alloc(ncand, sizeof *cand);
	if (!cand)
		goto nomem;
	ncand = 0;
	for (uint32_t v = 0; v < g->n; v++) {
		if (bit[v] == ANALYZE_NONE || trans[v] == 0)
			continue;
		uint32_t direct = 0;
		for (uint32_t e = g->out_off[v]; e < g->out_off[v + 1]; e++) {
			uint32_t w = g->out_adj[e];
			if (w != v && bit[w] != ANALYZE_NONE)
				direct++;
		}
		/* An estimate below the exact direct count is certainly wrong. */
		uint32_t t = trans[v] < direct ? direct : trans[v];
		cand[ncand++] = (struct analyze_bottleneck){v, direct, t, false};
	}
	qsort(cand, ncand, sizeof *cand, cmp_bottleneck);
	if (b->estimated) {
		/* The sketch chose the candidates; count the leading ones exactly
		 * (one breadth-first walk each) and rank those by their exact counts. */
		uint32_t nref = max > UINT32_MAX / 4 ? UINT32_MAX : max * 4;
		if (nref < ANALYZE_BOTTLENECKS_REFINE_MIN)
			nref = ANALYZE_BOTTLENECKS_REFINE_MIN;
		if (nref > ncand)
			nref = ncand;
		if (exact_counts(g, keep, bit, cand, nref) != 0)
			goto nomem;
		qsort(cand, nref, sizeof *cand, cmp_bottleneck);
	}
	b->count = ncand < max ? ncand : max;
	b->items = analyze__alloc(b->count, sizeof *b->items);
	if (!b->items)
		goto nomem;
	memcpy(b->items, cand, (size_t)b->count * sizeof *b->items);
	if (opts && opts->path) {
		const struct analyze_steps *p = opts->path;
		for (uint32_t i = 0; i < b->count; i++)
			for (uint32_t j = 0; j < p->off[p->count] && !b->items[i].on_critical_path;
			     j++)
				b->items[i].on_critical_path = p->nodes[j] == b->items[i].node;
	}
	*out = b;
	b = NULL;
	goto done;
nomem:
	rc = analyze__fail(ANALYZE_ENOMEM, "bottlenecks: out of memory");
done:
	analyze_bottlenecks_free(b);
	free(bit);
	free(trans);
	free(cand);
	return rc;
}

void analyze_bottlenecks_free(struct analyze_bottlenecks *b)
{
	if (!b)
		return;
	free(b->items);
	free(b);
}
