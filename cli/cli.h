/*
 * cli: the command-line front end. The only module that prints to the
 * user or chooses an exit code. One cmd_<name>.c per command; each
 * cmd_<name>() parses its own options with getopt_long (argv[0] is the
 * command name), validates everything before opening the store or the
 * network, and returns the SPEC's exit code.
 */
#ifndef ISSUEGRAPH_CLI_H
#define ISSUEGRAPH_CLI_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "analyze.h"
#include "render.h"
#include "store.h"

struct json_object;
struct render_facet;
struct render_since;

/* The SPEC's exit codes. */
enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FINDINGS = 1,
	CLI_EXIT_USAGE = 2,
	CLI_EXIT_REMOTE = 3,
	CLI_EXIT_STORE = 4,
	CLI_EXIT_INPUT = 5,
	/* Out of memory (or a resource cap reached): its own code. */
	CLI_EXIT_NOMEM = 6,
};

/* What main() parsed before the command: --db (before or after the
 * command), resolved against $ISSUEGRAPH_DB and ./issuegraph.db. */
struct cli_ctx {
	const char *db_path;
};

/* A scope (SPEC "Scope"): --milestone M and --label L (repeatable, every
 * L carried). The strings borrow from argv. */
#define CLI_SCOPE_MAX_LABELS 64
struct cli_scope {
	const char *milestone; /* NULL: any issue */
	const char *labels[CLI_SCOPE_MAX_LABELS];
	size_t n_labels;
};

/* Options that most commands share; cli_common_* handle them. */
struct cli_common {
	bool all_states;
	bool json;	    /* --format json (commands with only text|json) */
	const char *format; /* the raw --format value, NULL if not given */
	const char *output; /* -o FILE, NULL or "-" for stdout */
	int verbose;	    /* -v count */
	bool quiet;	    /* -q */
	bool no_progress;
	enum analyze_weight weight;
	int64_t default_cost;
	unsigned deps;		 /* --deps: ANALYZE_DEPS_* bits (default both) */
	const char *ignore_deps; /* --ignore-deps FILE (checked when given), or NULL */
	struct cli_scope scope;	 /* --milestone, --label (commands with CLI_SCOPE_LONGOPTS) */
};

typedef int (*cli_cmd_fn)(int argc, char **argv, struct cli_ctx *ctx);

int cmd_fetch(int argc, char **argv, struct cli_ctx *ctx);
int cmd_import(int argc, char **argv, struct cli_ctx *ctx);
int cmd_export(int argc, char **argv, struct cli_ctx *ctx);
int cmd_stats(int argc, char **argv, struct cli_ctx *ctx);
int cmd_cycles(int argc, char **argv, struct cli_ctx *ctx);
int cmd_path(int argc, char **argv, struct cli_ctx *ctx);
int cmd_blockers(int argc, char **argv, struct cli_ctx *ctx);
int cmd_order(int argc, char **argv, struct cli_ctx *ctx);
int cmd_ready(int argc, char **argv, struct cli_ctx *ctx);
int cmd_render(int argc, char **argv, struct cli_ctx *ctx);
int cmd_check(int argc, char **argv, struct cli_ctx *ctx);
int cmd_report(int argc, char **argv, struct cli_ctx *ctx);
int cmd_changes(int argc, char **argv, struct cli_ctx *ctx);

/* ---- messages (stderr) ----------------------------------------------------- */

/* "issuegraph: <what>: <why>\n" on stderr. The whole line is written as
 * safe text (render.h: controls, C1 and invalid UTF-8 as "\xNN"), so a
 * title, path, server message or header quoted in it cannot drive the
 * terminal; the same for cli_warn() and cli_usage(). */
void cli_error(const char *what, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Same, prefixed "warning: ". */
void cli_warn(const char *what, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A usage error for command cmd: prints the message and
 * "Try 'issuegraph <cmd> --help'." and returns CLI_EXIT_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- option values ----------------------------------------------------- */

/* Parse a decimal integer in [min, max]; 0 or -1. */
int cli_parse_int(const char *s, int64_t min, int64_t max, int64_t *out);
/* "count" | "weight" | "estimate"; 0 or -1. */
int cli_parse_weight(const char *s, enum analyze_weight *out);
const char *cli_weight_name(enum analyze_weight w);

/* Defaults for struct cli_common (weight count, default cost 1, deps
 * links,text). */
void cli_common_init(struct cli_common *c);

/* The getopt_long entries of the options analysis commands share (put them
 * in a command's table before its {0}); their values are the short letters
 * that cli_common_option() handles. -h/--help stays the command's own. */
#define CLI_COMMON_LONGOPTS                                                                        \
	{"all-states", no_argument, NULL, 'a'}, {"format", required_argument, NULL, 'f'},          \
	    {"output", required_argument, NULL, 'o'}, {"quiet", no_argument, NULL, 'q'},           \
	    {"verbose", no_argument, NULL, 'v'}, {"no-progress", no_argument, NULL, 'P'},          \
	    CLI_DEPS_LONGOPTS,                                                                     \
	{                                                                                          \
		"help", no_argument, NULL, 'h'                                                     \
	}
/* --deps LIST and --ignore-deps FILE alone, for commands with their own
 * option table (render, report): cli_common_option() handles their values. */
#define CLI_OPT_DEPS	    0x1000
#define CLI_OPT_IGNORE_DEPS 0x1001
#define CLI_DEPS_LONGOPTS                                                                          \
	{"deps", required_argument, NULL, CLI_OPT_DEPS},                                           \
	{                                                                                          \
		"ignore-deps", required_argument, NULL, CLI_OPT_IGNORE_DEPS                        \
	}
/* The help lines of those two. */
#define CLI_DEPS_HELP                                                                              \
	"  --deps LIST         which evidence makes the blocking graph: a comma list of\n"         \
	"                      links and text (default links,text)\n"                              \
	"  --ignore-deps FILE  drop each dependency 'A B' (A blocks B) listed in FILE,\n"          \
	"                      one pair of refs a line, '#' starts a comment\n"
/* --milestone M and --label L, for the commands that take a scope (path,
 * render, ready, check, report, changes): cli_common_option() handles
 * their values into cli_common.scope. */
#define CLI_OPT_MILESTONE 0x1002
#define CLI_OPT_LABEL	  0x1003
#define CLI_SCOPE_LONGOPTS                                                                         \
	{"milestone", required_argument, NULL, CLI_OPT_MILESTONE},                                 \
	{                                                                                          \
		"label", required_argument, NULL, CLI_OPT_LABEL                                    \
	}
/* The help lines of those two (the command says what a scope does to
 * its answer on a line of its own). */
#define CLI_SCOPE_HELP                                                                             \
	"  --milestone M       scope: the issues of milestone M and all that blocks\n"             \
	"                      them transitively\n"                                                \
	"  --label L           scope: the issues carrying label L (exactly, case\n"                \
	"                      included); repeated: every L; with --milestone: both\n"
/* --weight and --default-cost: the cost of an issue (SPEC "cost"), for the
 * commands whose answer has costs. One parse for all of them. */
#define CLI_OPT_WEIGHT	     0x1004
#define CLI_OPT_DEFAULT_COST 0x1005
#define CLI_COST_LONGOPTS                                                                          \
	{"weight", required_argument, NULL, CLI_OPT_WEIGHT},                                       \
	{                                                                                          \
		"default-cost", required_argument, NULL, CLI_OPT_DEFAULT_COST                      \
	}
#define CLI_COST_HELP                                                                              \
	"  --weight count|weight|estimate\n"                                                       \
	"                      cost of an issue: 1 (default); its weight;\n"                      \
	"                      remaining time (time estimate - time spent, seconds)\n"            \
	"  --default-cost N    cost of an issue with no weight or estimate (default 1)\n"
/* Short options of those; the leading ':' makes getopt_long return ':' for a
 * missing value, so cli_bad_option() can tell it from an unknown option. */
#define CLI_COMMON_SHORTOPTS ":o:qvh"

/* Apply shared option ch (optarg is its value) to c: --all-states,
 * --format text|json, -o, -q, -v, --no-progress, --deps (a bad list exits
 * 2), --ignore-deps (the file is read and its syntax checked now: a
 * missing file or a malformed line exits 5 naming FILE:LINE). Anything else is an unknown
 * option or a missing value, reported by cli_bad_option(). Returns 0 or
 * CLI_EXIT_USAGE after printing why. */
int cli_common_option(struct cli_common *c, const char *cmd, int ch, char **argv);

/* A getopt_long error ('?' or ':'; main() sets opterr = 0 so getopt prints
 * nothing itself): one line naming the option, the help hint, and
 * CLI_EXIT_USAGE. */
int cli_bad_option(const char *cmd, int ch, char **argv);

/* ---- the store ------------------------------------------------------------- */

/*
 * Open ctx->db_path with store flags; on failure print the store's
 * message with a hint and return CLI_EXIT_STORE. With require_populated,
 * a store no fetch/import completed into is refused ("run fetch first").
 * Only fetch and import pass STORE_OPEN_CREATE.
 */
int cli_open_store(struct cli_ctx *ctx, const char *cmd, unsigned flags, bool require_populated,
		   struct store **out);

/* Close s (NULL ok). When closing fails (the write-ahead log could not be
 * folded into the file, which then is not self-contained), a successful rc
 * (CLI_EXIT_OK or CLI_EXIT_FINDINGS) becomes CLI_EXIT_STORE with the
 * store's reason; an error rc stays as it is (it has been reported). */
int cli_close_store(struct cli_ctx *ctx, const char *cmd, struct store *s, int rc);

/* Open the store (must be populated) and load the analysed graph. On error
 * prints and returns the exit code; on success 0, caller frees both.
 * cli_load_graph takes the default evidence (links and text, nothing
 * ignored); cli_load_analysed follows c's --all-states, --deps and
 * --ignore-deps (refs of FILE that the store does not hold are skipped). */
int cli_load_graph(struct cli_ctx *ctx, const char *cmd, bool all_states, struct store **s_out,
		   struct analyze_graph **g_out);
int cli_load_analysed(struct cli_ctx *ctx, const char *cmd, const struct cli_common *c,
		      struct store **s_out, struct analyze_graph **g_out);
/* The load options of c with its --ignore-deps pairs resolved in s
 * (all_states as given). Release with cli_load_opts_release(). Returns 0
 * or prints and returns an exit code. */
int cli_load_opts(struct store *s, const char *cmd, const struct cli_common *c, bool all_states,
		  struct analyze_load_opts *out);
/* The same for a command's second graph (an earlier point): it does not
 * warn again of the --ignore-deps refs that the store does not hold. */
int cli_load_opts_again(struct store *s, const char *cmd, const struct cli_common *c,
			bool all_states, struct analyze_load_opts *out);
void cli_load_opts_release(struct analyze_load_opts *o);

/* Report a failed analyze_* call that returned rc: ANALYZE_ENOMEM as "out
 * of memory", anything else with analyze_errmsg(). Returns the exit code
 * (CLI_EXIT_NOMEM or CLI_EXIT_STORE). */
int cli_analyze_error(const char *cmd, int rc);

/* Resolve ref to a node of g. ref may be a full ref, a short name#N or
 * an issue URL (cli_ref_canonical()). A malformed ref, or one not in the
 * analysed graph, prints "unknown ref" with the nearest refs or a hint to
 * use --all-states, and returns CLI_EXIT_USAGE. */
int cli_resolve_ref(struct store *s, const struct analyze_graph *g, const char *cmd,
		    const char *ref, uint32_t *node);

/* ---- refs on the command line (cli/ref_arg.c) ---- */

/* Whether arg is written as a URL (http:// or https://). */
bool cli_ref_is_url(const char *arg);
/* The syntax of a ref argument, before anything is opened: a ref
 * ("group/app#14"), a short "app#14", or an issue URL whose path names
 * one. what prefixes the message ("--focus: "). 0 or prints and returns
 * CLI_EXIT_USAGE. */
int cli_ref_check(const char *cmd, const char *what, const char *arg);
/* The full ref arg names in s (SPEC "Words" -> ref): a full ref as it is;
 * an issue URL on the store's instance (or under a stored project's
 * web_url) as its ref; name#N as the ref of the one stored project whose
 * last path segment is name and that holds issue N (several: exit 2
 * listing them; none: arg unchanged, for the caller's "unknown ref").
 * *out malloc'd. 0 or prints and returns an exit code. */
int cli_ref_canonical(struct store *s, const char *cmd, const char *arg, char **out);
/* Up to max nodes of g nearest to ref (project path by edit distance, a
 * short name by its last segment, then iid), in that order, into out;
 * how many. */
int cli_nearest_refs(const struct analyze_graph *g, const char *ref, uint32_t *out, int max);
/* Levenshtein distance of a and b (bytes; above 256 bytes, the longer
 * length). */
size_t cli_edit_distance(const char *a, const char *b);

/* ---- the scope (cli/scope.c) ------------------------------------------------ */

/* Whether sc selects anything (--milestone or --label given). */
bool cli_scope_given(const struct cli_scope *sc);

/* The issues the scope selects as at point (0: the store as it is), by
 * issue id (store_select_issues()). At point 0 a milestone or label that
 * no issue of the store carries is a usage error naming it (exit 2).
 * Returns 0 or prints and returns an exit code; release out with
 * store_selected_release() (also after a failure). */
int cli_scope_select(struct store *s, const char *cmd, const struct cli_scope *sc, int64_t point,
		     struct store_selected *out);

/* Per node of g: *selected the issues of sel, *keep those and their
 * transitive blockers (analyze_scope()); both malloc'd, caller frees.
 * Returns 0 or prints and returns an exit code (out of memory). */
int cli_scope_mark(const char *cmd, const struct store_selected *sel,
		   const struct analyze_graph *g, uint8_t **selected, uint8_t **keep);

/* Both steps for one graph g loaded from s as at point: with no scope
 * given *selected and *keep stay NULL (everything is in scope). */
int cli_scope_nodes(struct store *s, const char *cmd, const struct cli_scope *sc, int64_t point,
		    const struct analyze_graph *g, uint8_t **selected, uint8_t **keep);

/* A short description of the scope for text output ("milestone v1,
 * labels 'a' and 'b'") written to fp as safe text; nothing without one. */
void cli_scope_print(FILE *fp, const struct cli_scope *sc);

/* ---- output ---------------------------------------------------------------- */

/* Output to stdout or, with -o FILE, to FILE.tmp.XXXXXX renamed into place
 * on success (atomic); a FILE that exists and is not a regular file (a
 * device such as /dev/null, a FIFO) is written in place. */
struct cli_out {
	FILE *fp;
	char *tmp_path;
	char *final_path;
};
/* path NULL or "-": stdout. Returns 0, or prints and returns CLI_EXIT_USAGE
 * (the directory is not writable). */
int cli_out_open(struct cli_out *o, const char *cmd, const char *path);
/* Finish: with ok, flush, fsync and rename into place; without ok, remove
 * the temporary file. A failed write (a full disk, a closed pipe) is
 * reported and gives CLI_EXIT_STORE, the SPEC's code for a local file that
 * cannot be written; the temporary file is removed. Returns 0 or that code. */
int cli_out_close(struct cli_out *o, const char *cmd, bool ok);

/* ---- the frame every analysis command shares (order, ready, blockers,
 * cycles, path, stats, changes) ---- */

/* A command's own option (one of its table that is not common): 0 or an
 * exit code. arg is optarg. */
typedef int (*cli_option_fn)(void *ctx, int ch, const char *arg);
/* cli_parse_options() printed the help: the command returns CLI_EXIT_OK. */
#define CLI_HELP_SHOWN (-1)
struct option;
/*
 * The option loop: cli_common_init(c), then getopt_long over opts (the
 * command's entries plus CLI_COMMON_LONGOPTS); -h calls help, the common
 * options go to cli_common_option(), the others to own(own_ctx, ...).
 * At most max_operands operands may follow (optind is at the first).
 * Returns 0, CLI_HELP_SHOWN, or an exit code (the message printed).
 */
int cli_parse_options(struct cli_common *c, int argc, char **argv, const char *cmd,
		      const struct option *opts, void (*help)(void), cli_option_fn own,
		      void *own_ctx, int max_operands);

/* What cli_analysis_open() prepares besides the store. */
#define CLI_ANALYSIS_GRAPH    0x1 /* load the analysed graph (c's options) */
#define CLI_ANALYSIS_CONDENSE 0x2 /* and condense it (implies GRAPH) */

struct cli_analysis {
	struct cli_ctx *ctx;
	const char *cmd;
	const struct cli_common *c;
	struct store *s;
	struct analyze_graph *g;	   /* CLI_ANALYSIS_GRAPH, else NULL */
	struct analyze_condensation *cond; /* CLI_ANALYSIS_CONDENSE, else NULL */
	struct cli_out out;		   /* cli_analysis_out_open() */
	double t_start, t_loaded;	   /* ms (monotonic clock) */
};

/* Open the store (populated), load and condense as what asks. Returns 0 or
 * prints and returns an exit code; either way cli_analysis_close() ends it. */
int cli_analysis_open(struct cli_analysis *a, struct cli_ctx *ctx, const char *cmd,
		      const struct cli_common *c, unsigned what);
/* Open the output (-o or stdout): 0 or an exit code. */
int cli_analysis_out_open(struct cli_analysis *a);
/* Commit the output; ok false: a value could not be written (out of
 * memory), said once, and the output is dropped. 0 or an exit code. */
int cli_analysis_out_close(struct cli_analysis *a, bool ok);
/* With -v (and not -q): "issues, links; load, analysis, output" timings,
 * analysis having ended at t_analysed (cli_now_ms()). */
void cli_analysis_timings(const struct cli_analysis *a, double t_analysed);
/* Free the graph and condensation, close the store (a failed close turns
 * a success rc into CLI_EXIT_STORE); returns the exit code. */
int cli_analysis_close(struct cli_analysis *a, int rc);
/* Milliseconds of a monotonic clock. */
double cli_now_ms(void);

/* Print a json-c object (pretty, 2 spaces, no slash escaping) and a newline. */
void cli_print_json(FILE *fp, struct json_object *obj);

/* Write node v's ref to fp (as safe text). */
void cli_print_ref(FILE *fp, const struct analyze_graph *g, uint32_t v);
/* Write s (NULL: nothing) to fp as safe text: every string from the store
 * or a server that a text output prints goes through this. */
void cli_print_safe(FILE *fp, const char *s);

/* Is stderr a terminal and progress wanted? */
bool cli_progress_wanted(const struct cli_common *c);

/* ---- check/report (reports) ---- */
/* Shared by cmd_check.c and cmd_report.c; loading in findings.c, the JSON
 * helpers in cmd_check.c. */

/* Everything check and report read: the analysed graph, the graph of every
 * issue (closed-blocked is always read on it), the knots, the scope
 * (--milestone, --label) and the findings in it. */
struct cli_findings {
	struct store *s;
	struct analyze_graph *g;
	struct analyze_graph *full;	/* == g when g->all_states */
	struct analyze_condensation *c; /* of g, computed once for everything below */
	struct analyze_knots *k;
	/* the scope, NULL without one: per node of g (of full), the selected
	 * issues and keep, those with their transitive blockers */
	uint8_t *selected, *keep;
	uint8_t *selected_full, *keep_full;
	struct analyze_findings *f;
	struct store_counts counts; /* filled by report, not by cli_findings_load */
};

/* Parse a --fail-on comma list into a mask of ANALYZE_FINDING_BIT()s.
 * Returns 0, or prints and returns CLI_EXIT_USAGE. */
int cli_parse_fail_on(const char *cmd, const char *list, unsigned *mask);

/* Open the store, load both graphs, the knots, c's scope (none given:
 * everything) and the findings, following c's --all-states, --deps and
 * --ignore-deps. Returns 0 or prints and returns an exit code (an unknown
 * milestone or label is a usage error). Release with
 * cli_findings_release(), also after a failure. */
int cli_findings_load_c(struct cli_findings *fc, struct cli_ctx *ctx, const char *cmd,
			const struct cli_common *c);
/* Release; returns an exit code if closing the store failed, else rc. */
int cli_findings_release(struct cli_findings *fc, struct cli_ctx *ctx, const char *cmd, int rc);

/* Whether a finding of a kind in mask is present. */
bool cli_findings_fail(const struct cli_findings *fc, unsigned mask);

/* JSON objects of the SPEC's check output: one finding of kind at index i
 * (index into fc->f's array of that kind). */
struct json_object *cli_finding_json(const struct cli_findings *fc, enum analyze_finding_kind kind,
				     uint32_t i);
/* A knot as the SPEC's cycles output shows it (issues, witness,
 * witness_shortest, edges, cut; edges with origins and text_in): built by
 * the one knot emitter (cli/answer_knot.c). s: the store g was loaded
 * from, for text_in. NULL on failure (analyze_errmsg() says why). */
struct json_object *cli_knot_json(const struct analyze_graph *g, const struct analyze_knots *k,
				  struct store *s, uint32_t knot);
/* A ref as a JSON string. */
struct json_object *cli_ref_json(const struct analyze_graph *g, uint32_t v);

/* The HTML report's highlight choices (render_report.facets): every
 * project, milestone and label that a drawn issue (drawn[v] != 0, per
 * node of g) carries, sorted by kind then name, each with its drawn
 * issues ascending. labels_json: per node of g, the store's labels JSON
 * text or NULL. A milestone or label that only confidential issues of g
 * carry is not a choice unless show_confidential (SPEC "Confidential
 * issues"). Returns 0 or -1 (out of memory); release with
 * cli_facets_release() (also after a failure). Names borrow from g and
 * from the facets' own copies. */
struct cli_facets {
	struct render_facet *items;
	uint32_t n;
	uint32_t *nodes;
	char **names;
	size_t n_names;
};
int cli_facets_build(struct cli_facets *f, const struct analyze_graph *g, const uint8_t *drawn,
		     const char *const *labels_json, bool show_confidential);
void cli_facets_release(struct cli_facets *f);

/* ---- ready (cmd_ready.c; also the report's "ready") ---- */
struct cli_jw;
struct cli_ready_item {
	uint32_t node;  /* of the analysed graph */
	uint32_t count; /* blocks_transitively, or dropped references */
};
/* The SPEC's ready answer: ready (by count, then ref), estimated, and the
 * issues waiting on an unreadable blocker (by ref). */
struct cli_ready {
	struct cli_ready_item *ready, *waiting;
	uint32_t n_ready, n_waiting;
	bool estimated;
};
/* On the analysed graph g read from s; keep: the scope (NULL: all).
 * Returns 0, ANALYZE_ERR when reading the store failed (store_errmsg(s)),
 * or another negative analyze code. Release with cli_ready_release(). */
int cli_ready_compute(struct store *s, const struct analyze_graph *g, const uint8_t *keep,
		      struct cli_ready *out);
void cli_ready_release(struct cli_ready *r);
/* Write "ready", "estimated" and "unreadable_blockers" into w's open object. */
void cli_ready_jw(struct cli_jw *w, const struct analyze_graph *g, const struct cli_ready *r);
/* ---- end check/report (reports) ---- */

/* ---- history: --since, the ratchet (cmd_changes.c) ---- */

/* --since: the n-th point before the latest, or the latest point at or
 * before time (seconds since the epoch). */
struct cli_since {
	int64_t n;
	int64_t time;
	bool given_time;
	bool given; /* --since was on the command line (cli_parse_since) */
};
/* Parse N, YYYY-MM-DD or an RFC 3339 time; 0 or prints and returns
 * CLI_EXIT_USAGE. */
int cli_parse_since(const char *cmd, const char *v, struct cli_since *out);

struct cli_point {
	int64_t id; /* 0: none */
	char at[40];
	bool baseline;
	char why[160];
};
/* The point --since names (then) and the latest (now). then->id is 0 when
 * there is none or it lies before a baseline; why says which. -1 on a
 * store error (store_errmsg). */
int cli_resolve_since(struct store *s, const struct cli_since *since, struct cli_point *then,
		      struct cli_point *now, char *why, size_t why_len);

/* Read and check the --baseline file (SPEC: checked whenever it is
 * given, whatever --fail-on asks). 0 or prints and returns
 * CLI_EXIT_INPUT naming the file and the line or key. */
int cli_baseline_check(const char *cmd, const char *file);

/* Fill fc's new-knots and new-conflicts against the point --since names
 * (whole graph), or with baseline non-NULL against the findings in that
 * file (check's JSON shape). 0 or prints and returns an exit code. */
int cli_findings_ratchet(struct cli_findings *fc, struct cli_ctx *ctx, const char *cmd,
			 const struct cli_common *c, const struct cli_since *since,
			 const char *baseline);

/* The SPEC's changes JSON object of s since --since (report's "changes"),
 * c's scope applied to each side. 0 or prints and returns an exit code;
 * caller puts *out. */
int cli_changes_json(struct cli_ctx *ctx, const char *cmd, struct store *s,
		     const struct cli_common *c, const struct cli_since *since,
		     struct json_object **out);

/* The same answer for the report's markdown and HTML "Since" section:
 * out->since names issues as nodes of full (every issue now). Computed by
 * the same code as the JSON. 0 or prints and returns an exit code;
 * release with cli_changes_view_release(), also after a failure. */
struct cli_changes_view {
	const struct render_since *since; /* in priv */
	void *priv;
};
int cli_changes_view(struct cli_changes_view *out, struct cli_ctx *ctx, const char *cmd,
		     struct store *s, const struct cli_common *c, const struct cli_since *since,
		     const struct analyze_graph *full);
void cli_changes_view_release(struct cli_changes_view *v);

/* ---- issue details (cli/titles.c): the one loader of what a person needs
 * to act on an issue: title (under the confidential rule), people, due
 * date and its origin, milestone, state, link. SPEC "Words": people, due
 * date; "JSON outputs": the "issues" map. ---- */
enum cli_due_from { CLI_DUE_NONE, CLI_DUE_ISSUE, CLI_DUE_MILESTONE };
struct cli_issue_info {
	bool closed;
	char **assignees; /* usernames, the tracker's order */
	uint32_t n_assignees;
	char *milestone;       /* NULL: none */
	bool milestone_hidden; /* carried only by confidential issues, and hidden */
	char *due;	       /* the due date ("due date" in SPEC Words); NULL: none */
	enum cli_due_from due_from;
	char *web_url; /* NULL: none */
	char *labels_json; /* the stored labels (a JSON array); NULL: none */
};
struct cli_titles {
	int64_t *ids;	       /* sorted, unique */
	char **title;	       /* per id; NULL: not in the store */
	uint8_t *confidential; /* per id: title hidden (confidential now; title "") */
	struct cli_issue_info *info; /* per id */
	uint32_t count;
	bool show_confidential; /* the load's flag */
	uint32_t *hash;		/* open addressing: index + 1 of an id in ids, 0 empty */
	size_t hash_mask;	/* slots - 1 (a power of two, at least twice count) */
	uint32_t cursor;	/* the load's position in ids (rows come by id) */
};
/* The details of issues ids[0..count) (any order, repeats allowed); -1 on
 * a store error (store_errmsg) or out of memory. show_confidential: the
 * titles of confidential issues are kept too (--show-confidential).
 * Release with cli_titles_release(), also after a failure. */
int cli_details_load(struct cli_titles *t, struct store *s, const int64_t *ids, uint32_t count,
		     bool show_confidential);
/* cli_details_load() without --show-confidential. */
int cli_titles_load(struct cli_titles *t, struct store *s, const int64_t *ids, uint32_t count);
/* The same for nodes[0..count) of g. */
int cli_titles_load_nodes(struct cli_titles *t, struct store *s, const struct analyze_graph *g,
			  const uint32_t *nodes, uint32_t count);
/* The title of issue id (NULL: unknown), and whether it is hidden. */
const char *cli_titles_get(const struct cli_titles *t, int64_t id, bool *confidential);
/* The details of issue id; NULL when it is not in the store. */
const struct cli_issue_info *cli_titles_info(const struct cli_titles *t, int64_t id);
/* "  title  @ana @bo  due 2027-01-15 (milestone v3.0)" as safe text: the
 * title or "(confidential)", the assignees or "unassigned", the due date
 * with its origin or "no due date"; nothing when id is not in the store. */
void cli_print_title(FILE *fp, const struct cli_titles *t, int64_t id);
/* Who to ask about issues ids[0..n) (given in ref order): their assignees
 * in that order, each issue's in the tracker's order, duplicates dropped
 * (the first kept). Borrowed strings into *out (malloc'd array, free()
 * it), -1 out of memory. */
int cli_people_of(const struct cli_titles *t, const int64_t *ids, uint32_t n,
		  const char ***out, uint32_t *n_out);
/* "  ask @ana @bo" (or "  ask: nobody is assigned") for issues ids[0..n). */
void cli_print_people(FILE *fp, const struct cli_titles *t, const int64_t *ids, uint32_t n);
struct cli_jw;
/* The "issues" map: key "issues", an object with one member per refs[k]
 * (refs sorted, unique; ids[k] its issue) that the store holds. */
void cli_jw_issues_map(struct cli_jw *w, const struct cli_titles *t, const char *const *refs,
		       const int64_t *ids, uint32_t n);
void cli_titles_release(struct cli_titles *t);

/* ---- the drawings' view (cli/render_view.c) ---- */
struct render_texts;
/* The view render/ draws from (struct render_texts) of the nodes of g
 * with want[v] != 0 (want NULL: all), read with cli_details_load(): titles
 * (the confidential rule applied), web_urls, people, due dates with their
 * origin, and labels when asked. 0, -1 on a store error (store_errmsg),
 * CLI_EXIT_NOMEM-worthy -2 when out of memory. Release with
 * render_texts_release(), also after a failure. */
int cli_render_view(struct render_texts *t, struct store *s, const struct analyze_graph *g,
		    const uint8_t *want, bool show_confidential, bool labels);
/* The rest of the view (struct render_links): which projects the recorded
 * seeds cover, the relates_to links between wanted nodes (unless !relates)
 * and where description text gives each blocks edge between them. 0, -1
 * on a store error (store_errmsg), -2 out of memory, -3 when the text
 * evidence could not be read (analyze_errmsg). Release with
 * cli_render_links_release(), also after a failure. */
struct cli_render_links {
	struct render_links links; /* what render_input.links points to */
	uint8_t *seed;
	struct render_pair *relates;
	struct render_edge_text *etext;
};
int cli_render_links_load(struct cli_render_links *rl, struct store *s,
			  const struct analyze_graph *g, const uint8_t *want, bool relates);
void cli_render_links_release(struct cli_render_links *rl);

/* ---- knots (cli/answer_knot.c) ---- */
struct cli_jw;
/* Write knot i as the SPEC's cycles JSON object (key as for cli_jw). The
 * one emitter of knot JSON: cycles streams it, cli_knot_json() (check,
 * report) parses it back into a json-c tree. Returns 0, or ANALYZE_* when
 * the store could not be read (the object is still closed). */
int cli_knot_write(struct cli_jw *w, const char *key, const struct analyze_graph *g,
		   const struct analyze_knots *k, struct store *s, uint32_t knot);
/* Where to act on edge from -> to, for text output: "remove the link A -> B",
 * "edit line 12 of the description of g/a#3", joined by " and " when both. */
int cli_print_edge_action(FILE *fp, const struct analyze_graph *g, struct store *s, uint32_t from,
			  uint32_t to);

#endif
