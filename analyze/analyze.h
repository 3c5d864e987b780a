/*
 * analyze: the blocking graph in compact arrays, and the answers the SPEC
 * defines on it (knots, witnesses, cuts, critical path, blockers, order).
 *
 * Nodes are dense indices 0..n-1 in ref order (project path bytewise, then
 * iid numerically), so "smallest ref" is "smallest index". No walk
 * recurses. Every result is owned by the caller and freed with its *_free()
 * function (which accepts NULL). Functions return 0 or a negative enum
 * analyze_status; analyze_errmsg() has the reason. The reason is one line
 * without a module prefix (cli/ adds the command). Out of memory has its
 * own code (ANALYZE_ENOMEM), never folded into another. This is the
 * same convention as store, analyze, render and fetch. analyze speaks of
 * nodes and milestones, not of the command-line flags that named them.
 */
#ifndef ISSUEGRAPH_ANALYZE_H
#define ISSUEGRAPH_ANALYZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;

enum analyze_status {
	ANALYZE_OK = 0,
	ANALYZE_ERR = -1,    /* store failure (message from the store) */
	ANALYZE_ENOMEM = -2,
	ANALYZE_EINVAL = -3, /* bad argument (unknown node, ...) */
};

#define ANALYZE_NONE UINT32_MAX    /* "no node/knot/milestone" */
#define ANALYZE_NO_DATE INT32_MIN  /* "no due date" */
#define ANALYZE_NO_VALUE INT64_MIN /* "no weight/estimate" */

/* Node flags */
#define ANALYZE_NODE_OPEN 0x1
#define ANALYZE_NODE_CONFIDENTIAL 0x2

/* Which evidence makes edges (struct analyze_load_opts.deps). */
#define ANALYZE_DEPS_LINKS 0x1 /* GitLab's blocks links */
#define ANALYZE_DEPS_TEXT 0x2  /* text dependencies from descriptions */
#define ANALYZE_DEPS_ALL (ANALYZE_DEPS_LINKS | ANALYZE_DEPS_TEXT)

/* Where an edge comes from (struct analyze_graph.out_origin). */
#define ANALYZE_ORIGIN_LINK 0x1
#define ANALYZE_ORIGIN_TEXT 0x2

/*
 * The analysed graph (SPEC "analysed graph"): with all_states false only
 * open issues are nodes, and only dependencies (blocking links, text
 * dependencies, as chosen) between two nodes are edges. Several pieces of
 * evidence for one pair are one edge, whose origin bits say which kinds
 * gave it; self-links are kept (a self-blocking issue is a knot).
 */
struct analyze_graph {
	uint32_t n;
	/* per node */
	int64_t *issue_id;
	int64_t *iid;
	uint32_t *project;    /* index into project_path */
	uint8_t *flags;       /* ANALYZE_NODE_* */
	int64_t *weight;      /* GitLab weight, or ANALYZE_NO_VALUE */
	int64_t *remaining;   /* max(0, estimate - spent), or ANALYZE_NO_VALUE when estimate is 0 */
	uint32_t *milestone;  /* index into milestone_title, or ANALYZE_NONE */
	int32_t *due;         /* due date (own, else milestone's) as days since 1970-01-01, or ANALYZE_NO_DATE */
	/* projects and milestones, by index */
	uint32_t n_projects;
	char **project_path;
	int64_t *project_id;
	uint32_t n_milestones;
	char **milestone_title; /* sorted bytewise */
	/* CSR adjacency: successors of v are out_adj[out_off[v] .. out_off[v+1]),
	 * ascending; predecessors likewise through in_off/in_adj. */
	uint32_t m; /* edges (after removing parallel duplicates) */
	uint32_t *out_off, *out_adj;
	uint32_t *in_off, *in_adj;
	/* per out_adj entry: ANALYZE_ORIGIN_* bits of that edge (never 0) */
	uint8_t *out_origin;
	bool all_states;
};

struct analyze_load_opts {
	bool all_states;
	/* 0: the store as it is; else a history point id (store_history_*):
	 * the graph as it was then, built the same way */
	int64_t at_point;
	unsigned deps; /* ANALYZE_DEPS_* bits; 0 means ANALYZE_DEPS_ALL */
	/* Dependencies dropped whatever their origin: ignore[2i] blocks
	 * ignore[2i+1] (issue ids; ids not in the store are no error).
	 * Borrowed for the call. */
	const int64_t *ignore;
	size_t n_ignore;
};

/* Load the analysed graph from the store. Caller frees with analyze_graph_free().
 * Without at_point it reads the store's graph image when there is a valid
 * one, else the rows, and then leaves an image behind if the store is
 * writable (analyze/graph_image.c): a load may write to the store. */
int analyze_graph_load(struct analyze_graph **out, struct store *s,
		       const struct analyze_load_opts *opts);

/*
 * Build a graph from plain arrays (tests, benchmarks): n nodes already in
 * ref order, all open, one project "p"; m edges from[i] -> to[i].
 */
int analyze_graph_from_edges(struct analyze_graph **out, uint32_t n,
			     const uint32_t *from, const uint32_t *to, size_t m);

void analyze_graph_free(struct analyze_graph *g);

/* The origin bits of edge u -> v, or 0 when there is no such edge. */
uint8_t analyze_edge_origin(const struct analyze_graph *g, uint32_t u, uint32_t v);

/* Where a text dependency that gives edge from -> to is written: the
 * description of node holder (from or to), at line (1-based), by phrase. */
struct analyze_text_in {
	uint32_t holder;
	int64_t line;
	char phrase[24]; /* lower case, e.g. "blocked by" (cut to fit) */
};
/* Every text dependency in the store that says from blocks to, sorted by
 * holder (ref order), then line, into *out (caller frees with free());
 * *n == 0 and *out NULL when there is none. Reads the store, so g must
 * have been loaded from s. */
int analyze_text_in(struct store *s, const struct analyze_graph *g, uint32_t from, uint32_t to,
		    struct analyze_text_in **out, uint32_t *n);

/* The analysed graph of open issues (all_states false) taken from full, a
 * graph loaded with all_states: the same graph analyze_graph_load() would
 * read, without reading the store again. Caller frees with
 * analyze_graph_free(). */
int analyze_graph_open_part(const struct analyze_graph *full, struct analyze_graph **out);

/* Write node v's ref ("group/app#14") into buf; returns the length that
 * the full ref needs (snprintf rules). */
int analyze_ref(const struct analyze_graph *g, uint32_t v, char *buf, size_t len);

/* Find the node for ref; ANALYZE_EINVAL if it is not in the graph. When not
 * found and suggestion is non-NULL, *suggestion is the nearest ref in the
 * graph (caller frees) or NULL. */
int analyze_find_ref(const struct analyze_graph *g, const char *ref, uint32_t *node,
		     char **suggestion);

/* The milestone index for title, or ANALYZE_NONE. */
uint32_t analyze_find_milestone(const struct analyze_graph *g, const char *title);

/* ---- the condensation ------------------------------------------------------ */

/*
 * The condensation of the graph: each strongly connected component is one
 * "step" (a knot, or a single issue), and the steps with the links between
 * them form a DAG. Computed once per graph with analyze_condense() and
 * passed to knots, path, order, bottlenecks and the commands built on them.
 * Steps are numbered by their smallest node, so step order is first-ref
 * order.
 */
struct analyze_condensation {
	uint32_t count;    /* steps */
	uint32_t *step_of; /* per node: its step */
	uint32_t *off;     /* count + 1: step s is members[off[s] .. off[s+1]) */
	uint32_t *members; /* ascending within a step */
	uint32_t *topo;    /* every step, each before every step it blocks */
	uint8_t *knot;     /* per step: 1 if it is a knot (two or more members, or a self-link) */
	uint32_t knots;    /* how many steps are knots */
	/* The DAG in CSR form: the steps s blocks are succ[succ_off[s] ..
	 * succ_off[s+1]), ascending, each once, never s itself. */
	uint32_t m; /* DAG edges */
	uint32_t *succ_off, *succ;
};

/* Condense g (iterative Tarjan, linear time). Caller frees with
 * analyze_condensation_free(). */
int analyze_condense(const struct analyze_graph *g, struct analyze_condensation **out);
void analyze_condensation_free(struct analyze_condensation *c);

/*
 * The functions below that take a condensation c read it (it must be
 * analyze_condense(g)); c may be NULL only for one-off callers (tests),
 * and then it is computed inside, at the cost of another Tarjan.
 */

/* ---- knots -------------------------------------------------------------- */

struct analyze_edge {
	uint32_t from, to;
};

struct analyze_knots {
	uint32_t count;        /* knots, sorted by their first (smallest) member */
	uint32_t *knot_of;     /* per node: knot index or ANALYZE_NONE */
	uint32_t *member_off;  /* count + 1 */
	uint32_t *members;     /* ascending within a knot */
	uint32_t *witness_off; /* count + 1 */
	uint32_t *witness;     /* the SPEC's witness cycle, in blocking order */
	bool *witness_shortest;
	uint32_t *cut_off;     /* count + 1 */
	struct analyze_edge *cut; /* suggested feedback arc set, sorted by (from, to) */
};

/* The knots of g with witnesses and cuts (how many there are, without
 * those, is c->knots). Caller frees with analyze_knots_free(). */
int analyze_knots(const struct analyze_graph *g, const struct analyze_condensation *c,
		  struct analyze_knots **out);
void analyze_knots_free(struct analyze_knots *k);
/* The knots without witnesses and cuts (count, knot_of, member_off and
 * members only; the other arrays NULL): what comparing knots needs. */
int analyze_knot_sets(const struct analyze_graph *g, const struct analyze_condensation *c,
		      struct analyze_knots **out);
/* Only which nodes lie in a knot (in_knot[0..n) written 1/0; no witnesses
 * or cuts): linear time given c. */
int analyze_in_knot(const struct analyze_graph *g, const struct analyze_condensation *c,
		    uint8_t *in_knot);

/* Elementary cycles (Johnson), nodes taken in ref order, each started at
 * its smallest node, at most max_cycles kept, sorted. */
struct analyze_cycles {
	uint32_t count;
	uint32_t *off; /* count + 1 */
	uint32_t *nodes;
	bool truncated; /* more cycles exist than were kept */
};
int analyze_cycles_all(const struct analyze_graph *g, uint32_t max_cycles,
		       struct analyze_cycles **out);
void analyze_cycles_free(struct analyze_cycles *c);

/* ---- steps: critical path and work order --------------------------------- */

enum analyze_weight {
	ANALYZE_WEIGHT_COUNT = 0,
	ANALYZE_WEIGHT_WEIGHT,
	ANALYZE_WEIGHT_ESTIMATE,
};

/* Saturating addition of costs (both >= 0): INT64_MAX instead of an
 * overflow. The one rule for summing costs, in analyze/ and for callers
 * that add them up again (a running total). */
static inline int64_t analyze_add_cost(int64_t a, int64_t b)
{
	int64_t r;
	if (__builtin_add_overflow(a, b, &r))
		return INT64_MAX;
	return r;
}

/* Cost of node v under weight mode and default cost (SPEC "cost"). */
int64_t analyze_cost(const struct analyze_graph *g, uint32_t v, enum analyze_weight w,
		     int64_t default_cost);

/* A sequence of steps; a step with several nodes is a knot. */
struct analyze_steps {
	uint32_t count;
	uint32_t *off;   /* count + 1 */
	uint32_t *nodes; /* ascending within a step */
	int64_t *cost;   /* per step (path only; NULL for order) */
	int64_t total;   /* path: total cost */
	uint32_t *wave;  /* per step, 1-based (order only; NULL for path) */
	uint32_t waves;  /* order: the number of waves (the largest wave) */
};
void analyze_steps_free(struct analyze_steps *s);

struct analyze_path_opts {
	enum analyze_weight weight;
	int64_t default_cost;
	uint32_t to;        /* only paths ending at this node, or ANALYZE_NONE */
	uint32_t milestone; /* only paths ending at an issue of this milestone, or ANALYZE_NONE */
	/* per node of g: only paths ending at a node v with ends[v] != 0 (a
	 * scope's selected issues), or NULL; overrides milestone, not to */
	const uint8_t *ends;
};

/* The SPEC's critical path. An empty graph (or no node matching to/ends/milestone)
 * gives count == 0. ANALYZE_EINVAL when opts->to is not a node of g.
 * Caller frees with analyze_steps_free(). */
int analyze_critical_path(const struct analyze_graph *g, const struct analyze_condensation *c,
			  const struct analyze_path_opts *opts, struct analyze_steps **out);

/* The work order of the condensation in waves (SPEC "order"): a step's
 * wave is 1 + the largest wave among the steps that block it (1 when none
 * does); steps sorted by wave, then first ref; wave[] per step. Linear in
 * steps + edges, iterative. Caller frees with analyze_steps_free(). */
int analyze_order(const struct analyze_graph *g, const struct analyze_condensation *c,
		  struct analyze_steps **out);

/* ---- reachability --------------------------------------------------------- */

struct analyze_reach {
	uint32_t count;
	uint32_t *node; /* sorted by distance, then ref */
	uint32_t *dist; /* shortest distance in links */
};

/* Every node that transitively blocks v (reverse: every node v blocks). */
int analyze_blockers(const struct analyze_graph *g, uint32_t v, bool reverse,
		     struct analyze_reach **out);
void analyze_reach_free(struct analyze_reach *r);

/* Mark (in keep[n], set to 1) the nodes of milestone m and all their
 * transitive blockers. keep is caller-allocated and zeroed by the caller. */
int analyze_milestone_closure(const struct analyze_graph *g, uint32_t m, uint8_t *keep);

/* A scope (SPEC "Scope") on g: the selected issues are those whose issue
 * id is in ids[0..n_ids) (strictly ascending; ids that are no node of g
 * are skipped: closed, or gone). selected[v] = 1 for each selected node
 * (selected may be NULL), keep[v] = 1 for those and every node that
 * blocks one transitively; both g->n bytes, caller-allocated, overwritten.
 * *n_selected (may be NULL): how many nodes are selected. ANALYZE_EINVAL
 * when ids are not ascending. */
int analyze_scope(const struct analyze_graph *g, const int64_t *ids, size_t n_ids,
		  uint8_t *selected, uint8_t *keep, uint32_t *n_selected);

/* Last error message (thread-local). */
const char *analyze_errmsg(void);

/* ---- findings (reports) ---- */
/*
 * The SPEC's findings (for check and report --fail-on) and the report's
 * bottlenecks. Implemented in analyze/findings.c.
 */

enum analyze_finding_kind {
	ANALYZE_FINDING_KNOTS = 0,
	ANALYZE_FINDING_CONFLICTS = 1,
	ANALYZE_FINDING_CLOSED_BLOCKED = 2,
	/* the ratchet (SPEC "Changes"): filled by analyze_findings_ratchet() */
	ANALYZE_FINDING_NEW_KNOTS = 3,
	ANALYZE_FINDING_NEW_CONFLICTS = 4,
};
/* The findings read on one graph (what reports list kind by kind)... */
#define ANALYZE_FINDING_KINDS 3
/* ...and with the ratchet's kinds, which compare against a point or a
 * baseline (names, --fail-on masks, counts). */
#define ANALYZE_FINDING_ALL_KINDS 5
/* The bit of kind k in a --fail-on mask. */
#define ANALYZE_FINDING_BIT(k) (1u << (unsigned)(k))

/* The SPEC's name of kind k: "knots", "conflicts", "closed-blocked",
 * "new-knots", "new-conflicts". */
const char *analyze_finding_name(enum analyze_finding_kind k);
/* The kind named by name[0..len), or -1. */
int analyze_finding_kind_of(const char *name, size_t len);

struct analyze_findings_in {
	const struct analyze_graph *g;     /* the analysed graph (knots, conflicts) */
	const struct analyze_knots *knots; /* analyze_knots(g) */
	const uint8_t *keep;               /* per node of g: in scope; NULL = every node */
	/* closed-blocked is always read on every issue: full was loaded with
	 * all_states (it may be g when g->all_states). */
	const struct analyze_graph *full;
	const uint8_t *keep_full; /* per node of full; NULL = every node */
};

struct analyze_findings {
	uint32_t count[ANALYZE_FINDING_ALL_KINDS];
	/* knots: indices into in->knots whose members are in scope, ascending
	 * (that is, by first ref) */
	uint32_t *knots;
	/* conflicts: links of g, blocker -> blocked, sorted by (from, to) */
	struct analyze_edge *conflicts;
	/* closed-blocked: links of full, open blocker -> closed issue, sorted */
	struct analyze_edge *closed_blocked;
	/* new-knots: indices into in->knots (a subset of knots), ascending;
	 * new-conflicts: a subset of conflicts, sorted. NULL until
	 * analyze_findings_ratchet(). */
	uint32_t *new_knots;
	struct analyze_edge *new_conflicts;
};

/* Compute the findings in scope. Caller frees with analyze_findings_free(). */
int analyze_findings(const struct analyze_findings_in *in, struct analyze_findings **out);
void analyze_findings_free(struct analyze_findings *f);

/* Write days since 1970-01-01 as "YYYY-MM-DD" (buf of 11 bytes or more);
 * "" for ANALYZE_NO_DATE. */
void analyze_format_date(int32_t days, char *buf, size_t len);

/*
 * Bottlenecks: the open issues in scope that block the most open issues
 * in scope, directly (distinct successors) and transitively (distinct
 * issues reachable, the issue itself not counted, also inside its knot).
 * Counted on the condensation in reverse topological order with one
 * bitset per step, exactly while steps x open issues <= exact_limit_bits;
 * above it, with a HyperLogLog sketch per step (64 registers, about 13%
 * standard error); then the leading max(4 x max, ANALYZE_BOTTLENECKS_REFINE_MIN)
 * candidates by estimate are counted exactly (a breadth-first walk each) and
 * ranked by those counts. The result is then flagged estimated: the counts
 * listed are exact, but which issues made the list was decided by the
 * estimate. Issues that block nothing are not listed.
 */
#define ANALYZE_BOTTLENECKS_REFINE_MIN 100
#define ANALYZE_BOTTLENECKS_MAX 20
#define ANALYZE_BOTTLENECKS_EXACT_BITS ((uint64_t)1 << 29) /* 64 MiB of bitsets */

struct analyze_bottleneck_opts {
	uint32_t max;                     /* at most this many; 0 = ANALYZE_BOTTLENECKS_MAX */
	const uint8_t *keep;              /* per node of g: in scope; NULL = every node */
	const struct analyze_steps *path; /* the critical path (on_critical_path), or NULL */
	uint64_t exact_limit_bits;        /* 0 = ANALYZE_BOTTLENECKS_EXACT_BITS */
};

struct analyze_bottleneck {
	uint32_t node;
	uint32_t blocks_directly;
	uint32_t blocks_transitively;
	bool on_critical_path;
};

struct analyze_bottlenecks {
	uint32_t count;
	struct analyze_bottleneck *items; /* by transitively desc, directly desc, ref */
	bool estimated;                   /* blocks_transitively are estimates */
};

/* c: analyze_condense(g). A scope (opts->keep) must be closed under
 * blockers (a milestone's closure is). Caller frees with
 * analyze_bottlenecks_free(). */
int analyze_bottlenecks(const struct analyze_graph *g, const struct analyze_condensation *c,
			const struct analyze_bottleneck_opts *opts,
			struct analyze_bottlenecks **out);
void analyze_bottlenecks_free(struct analyze_bottlenecks *b);

/*
 * blocks_transitively of every open node in scope (keep; NULL = every
 * node): trans[v] open issues in scope that v blocks transitively (the
 * rest of its knot included, v itself not); 0 for the other nodes. Exact
 * while steps x open issues <= exact_limit_bits (0: the bottlenecks'
 * default), else the HyperLogLog estimate and *estimated set. trans has
 * g->n entries, caller-allocated. c may be NULL (computed inside).
 */
int analyze_transitive_counts(const struct analyze_graph *g, const struct analyze_condensation *c,
			      const uint8_t *keep, uint64_t exact_limit_bits, uint32_t *trans,
			      bool *estimated);
/* ---- end findings (reports) ---- */

/* ---- changes, ready and the ratchet (analyze/changes.c) ---- */

/*
 * Ready (SPEC "ready"): open, in g, not in a knot, blocked by no open node
 * of g, and (unreadable, per node, may be NULL) with no dropped text
 * reference to a blocker. ready[0..g->n) is written 1/0.
 */
int analyze_ready(const struct analyze_graph *g, const struct analyze_knots *k,
		  const uint8_t *unreadable, uint8_t *ready);

/* map[v] for each node v of from: the node of to with the same issue id,
 * or ANALYZE_NONE. map is caller-allocated (from->n entries). */
int analyze_node_map(const struct analyze_graph *from, const struct analyze_graph *to,
		     uint32_t *map);

/* What the ratchet compares against, over the nodes of the current graph:
 * was_knot[v] (in a knot then, or in an accepted knot), and the conflicts
 * then (or accepted) as pairs of current nodes, any order. */
struct analyze_ratchet_in {
	const uint8_t *was_knot;
	const struct analyze_edge *old_conflicts;
	size_t n_old_conflicts;
};

/* Fill f's new-knots (its knots with an issue that was in no knot then:
 * new knots, and changed knots that gained issues) and new-conflicts (its
 * conflicts that were none then). f was computed from in (scope applied). */
int analyze_findings_ratchet(struct analyze_findings *f, const struct analyze_findings_in *in,
			     const struct analyze_ratchet_in *r);

/* One side of a comparison: a graph, its knots, scope, findings, ready set. */
struct analyze_side {
	const struct analyze_graph *g;
	const struct analyze_knots *k;
	const uint8_t *keep;		  /* per node: in scope; NULL = every node */
	const struct analyze_findings *f; /* conflicts (in scope) */
	const uint8_t *ready;		  /* analyze_ready() */
};

/* SPEC "Changes" between then and now (lists in ref order). */
struct analyze_changes {
	uint32_t n_new, n_changed, n_resolved;
	uint32_t *knots_new, *knots_changed; /* knots of now */
	uint32_t *knots_resolved;	     /* knots of then */
	uint32_t n_unblocked, n_blocked;
	uint32_t *unblocked, *blocked; /* nodes of now */
	uint32_t n_conflicts_new, n_conflicts_resolved;
	struct analyze_edge *conflicts_new;	 /* nodes of now */
	struct analyze_edge *conflicts_resolved; /* nodes of then */
};
int analyze_changes(const struct analyze_side *then, const struct analyze_side *now,
		    struct analyze_changes **out);
void analyze_changes_free(struct analyze_changes *c);

#endif
