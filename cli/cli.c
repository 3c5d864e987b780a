/* Shared helpers of the command-line front end: messages, option values,
 * opening the store, atomic output. */
#include <errno.h>
#include <getopt.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli.h"

static void vmessage(const char *prefix, const char *what, const char *fmt, va_list ap)
{
	fprintf(stderr, "issuegraph: %s%s: ", prefix, what);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
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
	if (strcmp(cmd, "usage") == 0)
		fprintf(stderr, "Try 'issuegraph --help'.\n");
	else
		fprintf(stderr, "Try 'issuegraph %s --help'.\n", cmd);
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

int cli_load_graph(struct cli_ctx *ctx, const char *cmd, bool all_states, struct store **s_out,
		   struct analyze_graph **g_out)
{
	struct store *s = NULL;
	struct analyze_graph *g = NULL;
	*s_out = NULL;
	*g_out = NULL;
	int rc = cli_open_store(ctx, cmd, 0, true, &s);
	if (rc)
		return rc;
	struct analyze_load_opts opts = {.all_states = all_states};
	int arc = analyze_graph_load(&g, s, &opts);
	if (arc == ANALYZE_ENOMEM) {
		store_close(s);
		return cli_analyze_error(cmd, arc);
	}
	if (arc != 0) {
		cli_error(cmd, "%s: cannot load the graph: %s", ctx->db_path, analyze_errmsg());
		store_close(s);
		return CLI_EXIT_STORE;
	}
	*s_out = s;
	*g_out = g;
	return CLI_EXIT_OK;
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

int cli_resolve_ref(struct store *s, const struct analyze_graph *g, const char *cmd,
		    const char *ref, uint32_t *node)
{
	char *path = NULL;
	int64_t iid = 0;
	if (store_ref_parse(ref, &path, &iid) != 0)
		return cli_usage(
		    cmd, "'%s' is not a ref (expected <project path>#<iid>, e.g. group/app#14)",
		    ref);
	char *suggestion = NULL;
	if (analyze_find_ref(g, ref, node, &suggestion) == 0) {
		free(path);
		return CLI_EXIT_OK;
	}
	int64_t id = 0;
	bool in_store = store_find_issue(s, path, iid, &id) == 0;
	free(path);
	if (in_store && !g->all_states)
		cli_error(cmd,
			  "%s is closed, so it is not in the analysed graph (add --all-states)",
			  ref);
	else if (suggestion)
		cli_error(cmd, "unknown ref %s (did you mean %s?)", ref, suggestion);
	else
		cli_error(cmd,
			  "unknown ref %s (not in the store; 'issuegraph stats' shows what is)",
			  ref);
	free(suggestion);
	return CLI_EXIT_USAGE;
}

int cli_out_open(struct cli_out *o, const char *cmd, const char *path)
{
	memset(o, 0, sizeof *o);
	if (!path || strcmp(path, "-") == 0) {
		o->fp = stdout;
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
		if (fflush(o->fp) != 0 || ferror(o->fp) || fsync(fileno(o->fp)) != 0) {
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
	if (ok) {
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
	fprintf(fp, "%s#%lld", g->project_path[g->project[v]], (long long)g->iid[v]);
}

bool cli_progress_wanted(const struct cli_common *c)
{
	return !c->quiet && !c->no_progress && isatty(STDERR_FILENO);
}
