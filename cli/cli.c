/* Shared helpers of the command-line front end: messages, option values,
 * opening the store, atomic output. */
#include <errno.h>
#include <getopt.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli.h"
#include "input_files.h"
#include "render.h"

/* One message line; the text is formatted first and written as safe text
 * (it may quote a title, a path, a server's message or header). */
static void vmessage(const char *prefix, const char *what, const char *fmt, va_list ap)
{
	char small[1024], *text = small;
	va_list again;
	va_copy(again, ap);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	if (n >= (int)sizeof small && (text = malloc((size_t)n + 1)))
		vsnprintf(text, (size_t)n + 1, fmt, again);
	va_end(again);
	if (!text) { /* out of memory: the truncated line */
		text = small;
		n = (int)strlen(small);
	}
	fputs("issuegraph: ", stderr);
	render_safe_puts(stderr, prefix);
	render_safe_puts(stderr, what);
	fputs(": ", stderr);
	render_safe_text(stderr, text, n > 0 ? strlen(text) : 0);
	fputc('\n', stderr);
	if (text != small)
		free(text);
}

void cli_error(const char *what, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmessage("", what, fmt, ap);
	va_end(ap);
}

void cli_warn(const char *what, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmessage("warning: ", what, fmt, ap);
	va_end(ap);
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmessage("", cmd, fmt, ap);
	va_end(ap);
	if (strcmp(cmd, "usage") == 0) {
		fprintf(stderr, "Try 'issuegraph --help'.\n");
	} else {
		fputs("Try 'issuegraph ", stderr);
		render_safe_puts(stderr, cmd);
		fputs(" --help'.\n", stderr);
	}
	return CLI_EXIT_USAGE;
}

int cli_parse_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
	if (!s || !*s)
		return -1;
	errno = 0;
	char *end = NULL;
	long long v = strtoll(s, &end, 10);
	if (errno || *end != '\0' || end == s || v < min || v > max)
		return -1;
	*out = (int64_t)v;
	return 0;
}

static const char *const weight_names[] = {"count", "weight", "estimate"};

int cli_parse_weight(const char *s, enum analyze_weight *out)
{
	for (size_t i = 0; i < sizeof weight_names / sizeof weight_names[0]; i++) {
		if (strcmp(s, weight_names[i]) == 0) {
			*out = (enum analyze_weight)i;
			return 0;
		}
	}
	return -1;
}

const char *cli_weight_name(enum analyze_weight w)
{
	if ((size_t)w < sizeof weight_names / sizeof weight_names[0])
		return weight_names[w];
	return "count";
}

void cli_common_init(struct cli_common *c)
{
	memset(c, 0, sizeof *c);
	c->weight = ANALYZE_WEIGHT_COUNT;
	c->default_cost = 1;
	c->deps = ANALYZE_DEPS_ALL;
}

static int parse_deps(const char *cmd, const char *list, unsigned *out)
{
	*out = 0;
	const char *p = list;
	for (;;) {
		size_t len = strcspn(p, ",");
		if (len == 5 && strncmp(p, "links", 5) == 0)
			*out |= ANALYZE_DEPS_LINKS;
		else if (len == 4 && strncmp(p, "text", 4) == 0)
			*out |= ANALYZE_DEPS_TEXT;
		else
			return cli_usage(cmd,
					 "--deps: unknown evidence '%.*s' (use a comma list of "
					 "links, text)",
					 (int)len, p);
		if (p[len] == '\0')
			break;
		p += len + 1;
	}
	return 0;
}

/*
 * Read and check an --ignore-deps file (input_files.h). With pairs NULL
 * only checks. Returns 0, or prints ("--ignore-deps: FILE: line N: why")
 * and returns CLI_EXIT_INPUT (CLI_EXIT_NOMEM when out of memory).
 */
static int read_ignore_file(const char *cmd, const char *file, struct cli_ignore_pair **pairs,
			    size_t *n)
{
	char *buf = NULL, why[256];
	size_t len = 0;
	int rc = cli_input_read(file, &buf, &len, why, sizeof why);
	if (rc == 0)
		rc = cli_ignore_parse(buf, len, pairs, n, why, sizeof why);
	free(buf);
	if (rc == 0)
		return 0;
	if (rc == CLI_INPUT_ENOMEM) {
		cli_error(cmd, "out of memory");
		return CLI_EXIT_NOMEM;
	}
	cli_error(cmd, "--ignore-deps: %s: %s", file, why);
	return CLI_EXIT_INPUT;
}

static int load_opts(struct store *s, const char *cmd, const struct cli_common *c, bool all_states,
		     struct analyze_load_opts *out, bool warn)
{
	memset(out, 0, sizeof *out);
	out->all_states = all_states;
	out->deps = c ? c->deps : ANALYZE_DEPS_ALL;
	if (!c || !c->ignore_deps)
		return 0;
	struct cli_ignore_pair *pairs = NULL;
	size_t n = 0;
	int rc = read_ignore_file(cmd, c->ignore_deps, &pairs, &n);
	if (rc)
		return rc;
	int64_t *ids = malloc((n ? n : 1) * 2 * sizeof *ids);
	if (!ids) {
		cli_ignore_pairs_free(pairs, n);
		cli_error(cmd, "out of memory");
		return CLI_EXIT_NOMEM;
	}
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		int64_t id[2] = {0, 0};
		int e;
		/* a ref the store does not hold drops nothing: said once */
		for (e = 0; e < 2; e++) {
			if (store_find_issue(s, pairs[i].path[e], pairs[i].iid[e], &id[e]) != 0)
				break;
		}
		if (e < 2) {
			if (warn)
				cli_warn(
				    cmd,
				    "--ignore-deps: %s: line %ld: %s#%lld is not in the store; "
				    "the line drops nothing",
				    c->ignore_deps, pairs[i].line, pairs[i].path[e],
				    (long long)pairs[i].iid[e]);
			continue;
		}
		ids[2 * m] = id[0];
		ids[2 * m + 1] = id[1];
		m++;
	}
	cli_ignore_pairs_free(pairs, n);
	out->ignore = ids;
	out->n_ignore = m;
	return 0;
}

int cli_load_opts(struct store *s, const char *cmd, const struct cli_common *c, bool all_states,
		  struct analyze_load_opts *out)
{
	return load_opts(s, cmd, c, all_states, out, true);
}

int cli_load_opts_again(struct store *s, const char *cmd, const struct cli_common *c,
			bool all_states, struct analyze_load_opts *out)
{
	return load_opts(s, cmd, c, all_states, out, false);
}
void cli_load_opts_release(struct analyze_load_opts *o)
{
	free((void *)o->ignore);
	o->ignore = NULL;
	o->n_ignore = 0;
}

int cli_bad_option(const char *cmd, int ch, char **argv)
{
	if (ch == ':')
		return cli_usage(cmd, "option '%s' needs a value", argv[optind - 1]);
	return cli_usage(cmd, "unknown option '%s'", argv[optind - 1]);
}

int cli_common_option(struct cli_common *c, const char *cmd, int ch, char **argv)
{
	const char *arg = optarg;
	switch (ch) {
	case 'a':
		c->all_states = true;
		return 0;
	case 'f':
		c->format = arg;
		if (strcmp(arg, "json") == 0)
			c->json = true;
		else if (strcmp(arg, "text") == 0)
			c->json = false;
		else
			return cli_usage(cmd, "--format must be text or json, not '%s'", arg);
		return 0;
	case 'o':
		c->output = arg;
		return 0;
	case 'q':
		c->quiet = true;
		return 0;
	case 'v':
		c->verbose++;
		return 0;
	case 'P':
		c->no_progress = true;
		return 0;
	case CLI_OPT_DEPS:
		return parse_deps(cmd, arg, &c->deps);
	case CLI_OPT_IGNORE_DEPS:
		c->ignore_deps = arg;
		return read_ignore_file(cmd, arg, NULL, NULL);
	case CLI_OPT_WEIGHT:
		if (cli_parse_weight(arg, &c->weight) != 0)
			return cli_usage(cmd, "--weight must be count, weight or estimate, not '%s'",
					 arg);
		return 0;
	case CLI_OPT_DEFAULT_COST:
		if (cli_parse_int(arg, 0, INT64_MAX, &c->default_cost) != 0)
			return cli_usage(cmd, "--default-cost must be an integer >= 0, not '%s'", arg);
		return 0;
	case CLI_OPT_MILESTONE:
		if (!*arg)
			return cli_usage(cmd, "--milestone needs a title");
		c->scope.milestone = arg;
		return 0;
	case CLI_OPT_LABEL:
		if (!*arg)
			return cli_usage(cmd, "--label needs a label name");
		if (c->scope.n_labels == CLI_SCOPE_MAX_LABELS)
			return cli_usage(cmd, "--label: at most %d labels", CLI_SCOPE_MAX_LABELS);
		c->scope.labels[c->scope.n_labels++] = arg;
		return 0;
	default:
		return cli_bad_option(cmd, ch, argv);
	}
}

/* What to do about each store failure, for the one-line message. */
static const char *store_hint(int rc)
{
	switch (rc) {
	case STORE_ENOENT:
	case STORE_EEMPTY:
		return " (run 'issuegraph fetch' or 'issuegraph import FILE' first)";
	case STORE_ENOTDB:
	case STORE_EFOREIGN:
		return " (point --db or $ISSUEGRAPH_DB at an issuegraph store, or at a new file)";
	case STORE_ELOCKED:
		return " (wait for the other process to finish, or use another --db)";
	case STORE_ECORRUPT:
		return " (delete the file and fetch again)";
	case STORE_EINSTANCE:
		return " (use another --db for another instance)";
	default:
		return "";
	}
}

int cli_open_store(struct cli_ctx *ctx, const char *cmd, unsigned flags, bool require_populated,
		   struct store **out)
{
	struct store *s = NULL;
	*out = NULL;
	int rc = store_open(&s, ctx->db_path, flags);
	if (rc == STORE_ENOMEM) {
		cli_error(cmd, "out of memory");
		return CLI_EXIT_NOMEM;
	}
	if (rc) {
		if (rc == STORE_ENOENT)
			cli_error(cmd, "%s: no such store%s", ctx->db_path, store_hint(rc));
		else
			cli_error(cmd, "%s: %s%s", ctx->db_path, store_errmsg(NULL),
				  store_hint(rc));
		return CLI_EXIT_STORE;
	}
	if (require_populated) {
		rc = store_require_populated(s);
		if (rc) {
			if (rc == STORE_EEMPTY)
				cli_error(cmd,
					  "%s: no fetch or import has completed into this store%s",
					  ctx->db_path, store_hint(rc));
			else
				cli_error(cmd, "%s: %s", ctx->db_path, store_errmsg(s));
			store_close(s);
			return CLI_EXIT_STORE;
		}
	}
	*out = s;
	return CLI_EXIT_OK;
}

int cli_close_store(struct cli_ctx *ctx, const char *cmd, struct store *s, int rc)
{
	if (store_close(s) != 0 && (rc == CLI_EXIT_OK || rc == CLI_EXIT_FINDINGS)) {
		cli_error(cmd, "%s: %s", ctx->db_path, store_errmsg(NULL));
		rc = CLI_EXIT_STORE;
	}
	return rc;
}

int cli_load_analysed(struct cli_ctx *ctx, const char *cmd, const struct cli_common *c,
		      struct store **s_out, struct analyze_graph **g_out)
{
	struct store *s = NULL;
	struct analyze_graph *g = NULL;
	*s_out = NULL;
	*g_out = NULL;
	int rc = cli_open_store(ctx, cmd, 0, true, &s);
	if (rc)
		return rc;
	struct analyze_load_opts opts;
	if ((rc = cli_load_opts(s, cmd, c, c->all_states, &opts)) != 0) {
		store_close(s);
		return rc;
	}
	int arc = analyze_graph_load(&g, s, &opts);
	if (arc == ANALYZE_ENOMEM) {
		cli_load_opts_release(&opts);
		store_close(s);
		return cli_analyze_error(cmd, arc);
	}
	if (arc != 0) {
		cli_error(cmd, "%s: cannot load the graph: %s", ctx->db_path, analyze_errmsg());
		cli_load_opts_release(&opts);
		store_close(s);
		return CLI_EXIT_STORE;
	}
	cli_load_opts_release(&opts);
	*s_out = s;
	*g_out = g;
	return CLI_EXIT_OK;
}

/* ch is one of CLI_COMMON_LONGOPTS or a getopt error: cli_common_option's */
static bool common_or_error(int ch)
{
	switch (ch) {
	case 'a':
	case 'f':
	case 'o':
	case 'q':
	case 'v':
	case 'P':
	case '?':
	case ':':
	case CLI_OPT_DEPS:
	case CLI_OPT_IGNORE_DEPS:
	case CLI_OPT_MILESTONE:
	case CLI_OPT_LABEL:
	case CLI_OPT_WEIGHT:
	case CLI_OPT_DEFAULT_COST:
		return true;
	default:
		return false;
	}
}

int cli_parse_options(struct cli_common *c, int argc, char **argv, const char *cmd,
		      const struct option *opts, void (*help)(void), cli_option_fn own,
		      void *own_ctx, int max_operands)
{
	int ch;
	cli_common_init(c);
	optind = 0;
	while ((ch = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, opts, NULL)) != -1) {
		int r;
		if (ch == 'h') {
			help();
			return CLI_HELP_SHOWN;
		}
		if (own && !common_or_error(ch))
			r = own(own_ctx, ch, optarg);
		else
			r = cli_common_option(c, cmd, ch, argv);
		if (r)
			return r;
	}
	if (argc - optind > max_operands)
		return cli_usage(cmd, "unexpected argument '%s'", argv[optind + max_operands]);
	return 0;
}

double cli_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int cli_analysis_open(struct cli_analysis *a, struct cli_ctx *ctx, const char *cmd,
		      const struct cli_common *c, unsigned what)
{
	memset(a, 0, sizeof *a);
	a->ctx = ctx;
	a->cmd = cmd;
	a->c = c;
	a->t_start = cli_now_ms();
	int rc;
	if (what & (CLI_ANALYSIS_GRAPH | CLI_ANALYSIS_CONDENSE))
		rc = cli_load_analysed(ctx, cmd, c, &a->s, &a->g);
	else
		rc = cli_open_store(ctx, cmd, 0, true, &a->s);
	if (rc)
		return rc;
	a->t_loaded = cli_now_ms();
	if (what & CLI_ANALYSIS_CONDENSE) {
		int arc = analyze_condense(a->g, &a->cond);
		if (arc)
			return cli_analyze_error(cmd, arc);
	}
	return 0;
}

int cli_analysis_out_open(struct cli_analysis *a)
{
	return cli_out_open(&a->out, a->cmd, a->c->output);
}

int cli_analysis_out_close(struct cli_analysis *a, bool ok)
{
	if (!ok)
		cli_error(a->cmd, "out of memory (the output is incomplete)");
	int rc = cli_out_close(&a->out, a->cmd, ok);
	return ok ? rc : CLI_EXIT_NOMEM;
}

void cli_analysis_timings(const struct cli_analysis *a, double t_analysed)
{
	if (!a->c->verbose || a->c->quiet || !a->g)
		return;
	fprintf(stderr,
		"issuegraph: %s: %u issues, %u links; load %.1f ms, analysis %.1f ms, "
		"output %.1f ms\n",
		a->cmd, a->g->n, a->g->m, a->t_loaded - a->t_start, t_analysed - a->t_loaded,
		cli_now_ms() - t_analysed);
}

int cli_analysis_close(struct cli_analysis *a, int rc)
{
	analyze_condensation_free(a->cond);
	analyze_graph_free(a->g);
	rc = cli_close_store(a->ctx, a->cmd, a->s, rc);
	a->cond = NULL;
	a->g = NULL;
	a->s = NULL;
	return rc;
}

int cli_analyze_error(const char *cmd, int rc)
{
	if (rc == ANALYZE_ENOMEM) {
		cli_error(cmd, "out of memory");
		return CLI_EXIT_NOMEM;
	}
	cli_error(cmd, "%s", analyze_errmsg());
	return CLI_EXIT_STORE;
}

int cli_load_graph(struct cli_ctx *ctx, const char *cmd, bool all_states, struct store **s_out,
		   struct analyze_graph **g_out)
{
	struct cli_common c;
	cli_common_init(&c);
	c.all_states = all_states;
	return cli_load_analysed(ctx, cmd, &c, s_out, g_out);
}

int cli_resolve_ref(struct store *s, const struct analyze_graph *g, const char *cmd,
		    const char *arg, uint32_t *node)
{
	char *ref = NULL, *path = NULL;
	int64_t iid = 0;
	int rc = cli_ref_canonical(s, cmd, arg, &ref);
	if (rc)
		return rc;
	if (store_ref_parse(ref, &path, &iid) != 0) {
		free(ref);
		return cli_ref_check(cmd, "", arg);
	}
	char *suggestion = NULL;
	if (analyze_find_ref(g, ref, node, &suggestion) == 0) {
		free(path);
		free(ref);
		return CLI_EXIT_OK;
	}
	int64_t id = 0;
	bool in_store = strchr(path, '/') && store_find_issue(s, path, iid, &id) == 0;
	free(path);
	if (in_store && !g->all_states) {
		cli_error(cmd,
			  "%s is closed, so it is not in the analysed graph (add --all-states)",
			  ref);
	} else {
		/* the nearest real refs: the close one analyze found, else the
		 * nearest by project and iid */
		uint32_t near[3];
		int n = cli_nearest_refs(g, ref, near, 3);
		if (suggestion)
			cli_error(cmd, "unknown ref %s (did you mean %s?)", arg, suggestion);
		else if (n == 0)
			cli_error(cmd, "unknown ref %s (the analysed graph has no issues%s)", arg,
				  g->all_states ? "" : "; closed ones need --all-states");
		else {
			char buf[1024];
			size_t at = 0;
			for (int i = 0; i < n && at < sizeof buf; i++) {
				if (i)
					at += (size_t)snprintf(buf + at, sizeof buf - at,
							       i + 1 == n ? " or " : ", ");
				if (at < sizeof buf) {
					int w = analyze_ref(g, near[i], buf + at, sizeof buf - at);
					at += w > 0 ? (size_t)w : 0;
				}
			}
			buf[at < sizeof buf ? at : sizeof buf - 1] = '\0';
			cli_error(cmd, "unknown ref %s (did you mean %s?)", arg, buf);
		}
	}
	free(suggestion);
	free(ref);
	return CLI_EXIT_USAGE;
}

int cli_out_open(struct cli_out *o, const char *cmd, const char *path)
{
	memset(o, 0, sizeof *o);
	if (!path || strcmp(path, "-") == 0) {
		o->fp = stdout;
		return 0;
	}
	/* A device or a pipe (-o /dev/null, a FIFO, /dev/stdout) is written as
	 * it is: a temporary file renamed onto it would replace the device
	 * with a regular file (as root, /dev/null itself). */
	struct stat st;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode)) {
			cli_error(cmd, "%s: is a directory (give a file name)", path);
			return CLI_EXIT_USAGE;
		}
		if (!(o->final_path = strdup(path))) {
			cli_error(cmd, "out of memory");
			return CLI_EXIT_NOMEM;
		}
		if (!(o->fp = fopen(path, "wb"))) {
			cli_error(cmd, "%s: %s", path, strerror(errno));
			free(o->final_path);
			memset(o, 0, sizeof *o);
			return CLI_EXIT_USAGE;
		}
		return 0;
	}
	size_t n = strlen(path);
	o->final_path = strdup(path);
	o->tmp_path = malloc(n + sizeof ".tmp.XXXXXX");
	if (!o->final_path || !o->tmp_path) {
		cli_error(cmd, "out of memory");
		goto fail;
	}
	memcpy(o->tmp_path, path, n);
	memcpy(o->tmp_path + n, ".tmp.XXXXXX", sizeof ".tmp.XXXXXX");
	int fd = mkstemp(o->tmp_path);
	if (fd < 0) {
		cli_error(cmd, "%s: cannot create the output file: %s", path, strerror(errno));
		goto fail;
	}
	/* mkstemp makes 0600; an output file is an ordinary file. */
	mode_t mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) != 0) {
		/* not fatal: the file stays private */
	}
	o->fp = fdopen(fd, "wb");
	if (!o->fp) {
		cli_error(cmd, "%s: %s", path, strerror(errno));
		close(fd);
		unlink(o->tmp_path);
		goto fail;
	}
	return 0;
fail:
	free(o->final_path);
	free(o->tmp_path);
	memset(o, 0, sizeof *o);
	return CLI_EXIT_USAGE;
}

int cli_out_close(struct cli_out *o, const char *cmd, bool ok)
{
	int rc = 0;
	if (!o->fp)
		return 0;
	if (o->fp == stdout) {
		/* Without ok the command has reported its failure already. */
		if ((fflush(stdout) != 0 || ferror(stdout)) && ok) {
			cli_error(cmd, "cannot write to standard output");
			rc = CLI_EXIT_STORE;
		}
		o->fp = NULL;
		return rc;
	}
	if (ok) {
		/* (a device or pipe has nothing to sync: no tmp_path) */
		if (fflush(o->fp) != 0 || ferror(o->fp) ||
		    (o->tmp_path && fsync(fileno(o->fp)) != 0)) {
			cli_error(cmd, "%s: cannot write: %s", o->final_path, strerror(errno));
			ok = false;
			rc = CLI_EXIT_STORE;
		}
	}
	if (fclose(o->fp) != 0 && ok) {
		cli_error(cmd, "%s: cannot write: %s", o->final_path, strerror(errno));
		ok = false;
		rc = CLI_EXIT_STORE;
	}
	o->fp = NULL;
	if (!o->tmp_path) {
		/* written in place */
	} else if (ok) {
		if (rename(o->tmp_path, o->final_path) != 0) {
			cli_error(cmd, "%s: cannot rename into place: %s", o->final_path,
				  strerror(errno));
			unlink(o->tmp_path);
			rc = CLI_EXIT_STORE;
		}
	} else {
		unlink(o->tmp_path);
	}
	free(o->tmp_path);
	free(o->final_path);
	o->tmp_path = o->final_path = NULL;
	return rc;
}

void cli_print_json(FILE *fp, struct json_object *obj)
{
	fputs(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY |
						      JSON_C_TO_STRING_SPACED |
						      JSON_C_TO_STRING_NOSLASHESCAPE),
	      fp);
	fputc('\n', fp);
}

void cli_print_ref(FILE *fp, const struct analyze_graph *g, uint32_t v)
{
	render_safe_puts(fp, g->project_path[g->project[v]]);
	fprintf(fp, "#%lld", (long long)g->iid[v]);
}

void cli_print_safe(FILE *fp, const char *s)
{
	render_safe_puts(fp, s);
}

bool cli_progress_wanted(const struct cli_common *c)
{
	return !c->quiet && !c->no_progress && isatty(STDERR_FILENO);
}
