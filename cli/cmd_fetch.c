/* issuegraph fetch: crawl a GitLab instance into the store (SPEC: fetch). */
#include <getopt.h>
#include <stdio.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "fetch.h"
#include "version.h"

static const char fetch_help[] =
    "usage: issuegraph [--db PATH] fetch [OPTIONS]\n"
    "\n"
    "Crawl issue links from a GitLab instance into the store. Seeds: every issue of\n"
    "--project/--group, or one --issue; their links are followed breadth-first\n"
    "across projects. Without seeds: the ones recorded by the last fetch; in a CI\n"
    "job (GITLAB_CI or GITHUB_ACTIONS true) never those but $CI_PROJECT_PATH. A fetch\n"
    "after a completed one reads only what changed; an interrupted one resumes.\n"
    "\n"
    "Options:\n"
    "  --url URL             the instance (default: $GITLAB_HOST (not in a CI job),\n"
    "                        $CI_SERVER_URL, the store's if a fetch recorded it (not in\n"
    "                        a CI job), https://gitlab.com); a bare host is https\n"
    "  --project P           seed every issue of project P (id or full path); repeatable\n"
    "  --group G             seed every issue of group G and its subgroups; repeatable\n"
    "  --issue REF           seed one issue (group/project#iid); repeatable\n"
    "  --depth N             read the links of issues up to N hops from a seed (default: all)\n"
    "  --follow-related      also expand relates_to neighbours\n"
    "  --state S             opened|closed|all: filters the seed listing (default all)\n"
    "  --jobs N              requests in flight at once (default 8)\n"
    "  --timeout S           seconds per request (default 60)\n"
    "  --connect-timeout S   seconds to connect (default 10)\n"
    "  --retries N           tries per request (default 6)\n"
    "  --retry-time S        seconds per request, all tries (default 300)\n"
    "  --full                fetch everything again; remove what is gone\n"
    "  --token-file F        read the token from the first line of F\n"
    "  --cacert F            trust this CA bundle\n"
    "  --allow-http          allow the token over plain http to a non-loopback host\n"
    "  --no-text-deps        do not read dependencies written in descriptions\n"
    "                        (\"Blocked by #12\"); removes the stored ones\n"
    "  --text-deps-scope S   namespace|seeds|instance: which projects a reference in\n"
    "                        a description may bring in (default namespace: the\n"
    "                        seeds' and linked projects' top-level namespaces)\n"
    "  -q, --quiet           no progress, no summary\n"
    "  -v, --verbose         one line per request on stderr (never headers)\n"
    "  --no-progress         no progress (a live line on a terminal, else a plain line\n"
    "                        every 10 s while it moves, every minute while it waits)\n"
    "  -h, --help            this help\n"
    "\n"
    "Token: --token-file, else $GITLAB_TOKEN, $GITLAB_ACCESS_TOKEN (PRIVATE-TOKEN),\n"
    "else $OAUTH_TOKEN (Bearer). It needs the read_api scope.\n";

enum {
	OPT_URL = 256,
	OPT_PROJECT,
	OPT_GROUP,
	OPT_ISSUE,
	OPT_DEPTH,
	OPT_RELATED,
	OPT_STATE,
	OPT_JOBS,
	OPT_TIMEOUT,
	OPT_CONNECT_TIMEOUT,
	OPT_RETRIES,
	OPT_RETRY_TIME,
	OPT_FULL,
	OPT_TOKEN_FILE,
	OPT_CACERT,
	OPT_ALLOW_HTTP,
	OPT_NO_PROGRESS,
	OPT_NO_TEXT_DEPS,
	OPT_TEXT_SCOPE,
};

struct strv {
	const char **v;
	size_t n;
};

static int strv_push(struct strv *a, const char *s)
{
	const char **nv = realloc(a->v, (a->n + 1) * sizeof *nv);
	if (!nv)
		return -1;
	nv[a->n++] = s;
	a->v = nv;
	return 0;
}

static const char *env_nonempty(const char *name)
{
	const char *v = getenv(name);
	return (v && *v) ? v : NULL;
}

/* A CI job: GitLab CI or GitHub Actions (SPEC: the CI instance rule). */
static bool in_ci_job(void)
{
	const char *gl = getenv("GITLAB_CI"), *gh = getenv("GITHUB_ACTIONS");
	return (gl && strcmp(gl, "true") == 0) || (gh && strcmp(gh, "true") == 0);
}

static int exit_for(int rc)
{
	switch (rc) {
	case FETCH_OK:
		return CLI_EXIT_OK;
	case FETCH_EUSAGE:
		return CLI_EXIT_USAGE;
	case FETCH_EREMOTE:
		return CLI_EXIT_REMOTE;
	case FETCH_ENOMEM:
		return CLI_EXIT_NOMEM;
	default:
		return CLI_EXIT_STORE;
	}
}

/* ---- what fetch reports while it runs: the live line and -v log lines ---- */

struct progress_line {
	bool live;  /* draw it (a terminal, and wanted) */
	bool plain; /* plain lines instead (a CI log), at a sane rate */
	bool drawn; /* something is on the line */
	double start, last_draw;
	double period;		  /* plain: seconds between lines while counts move */
	struct fetch_progress_counts last; /* plain: the counts last printed */
};

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* fetch_progress_fn: redraw the one live line, at most ~10 times a second. */
static void progress_draw(void *ctx, const struct fetch_progress_counts *c)
{
	struct progress_line *p = ctx;
	if (!p->live)
		return;
	double now = now_seconds();
	if (now - p->last_draw < 0.1)
		return;
	double el = now - p->start;
	p->last_draw = now;
	p->drawn = true;
	/* \r and erase-to-end-of-line: one line redrawn in place */
	fprintf(stderr,
		"\r\033[Kfetch: %lld issues, %lld link lists, %lld requests (%.0f/s), queue %lld, "
		"%lld retries, %.0f s",
		(long long)c->issues, (long long)c->links, (long long)c->requests,
		el >= 1.0 ? (double)c->requests / el : 0.0, (long long)c->queue,
		(long long)c->retries, el);
	fflush(stderr);
}

/* What the fetch waits on, for a plain line when nothing moved. */
static void waiting_on(const struct fetch_progress_counts *c, char *buf, size_t len)
{
	if (c->rate_wait > 0)
		snprintf(buf, len, "waiting for the server's rate limit (%.0f s left)", c->rate_wait);
	else if (c->waiting > 0 && c->in_flight == 0)
		snprintf(buf, len, "waiting to retry %lld request(s) (next in %.0f s)",
			 (long long)c->waiting, c->retry_wait);
	else if (c->in_flight > 0)
		snprintf(buf, len, "waiting for %lld request(s) in flight%s", (long long)c->in_flight,
			 c->waiting ? ", and retries" : "");
	else
		snprintf(buf, len, "working");
}

/* fetch_progress_fn elsewhere (a CI log): a plain line at most every
 * period (10 s) while the counts move, and at least one every 6 periods (a
 * minute) while they do not, saying what the fetch waits on. */
static void progress_plain(void *ctx, const struct fetch_progress_counts *c)
{
	struct progress_line *p = ctx;
	double now = now_seconds();
	double since = now - (p->last_draw > 0 ? p->last_draw : p->start);
	bool moved = c->issues != p->last.issues || c->links != p->last.links ||
		     c->requests != p->last.requests;
	if (since < p->period || (!moved && since < 6 * p->period))
		return;
	char wait[160] = "";
	if (!moved)
		waiting_on(c, wait, sizeof wait);
	fprintf(stderr,
		"fetch: %s%s%lld issues, %lld link lists, %lld requests (%lld retries, %lld "
		"rate-limited), queue %lld, %.0f s\n",
		wait, wait[0] ? "; " : "", (long long)c->issues, (long long)c->links,
		(long long)c->requests, (long long)c->retries, (long long)c->rate_limited,
		(long long)c->queue, now - p->start);
	fflush(stderr);
	p->last_draw = now;
	p->last = *c;
}

/* Clear the live line (before other output). */
static void progress_clear(struct progress_line *p)
{
	if (p->live && p->drawn) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		p->drawn = false;
	}
}

/* fetch_log_fn: one -v line on stderr; it holds server and curl text. */
static void log_print(void *ctx, const char *line)
{
	(void)ctx;
	cli_print_safe(stderr, line);
	fputc('\n', stderr);
}

/*
 * The instance (SPEC: fetch, --url and "A token is sent only to an instance
 * that the user named"): --url, $GITLAB_HOST, $CI_SERVER_URL; the store's own
 * alone only outside CI and only when a fetch recorded it (an imported
 * snapshot's source is anyone's choice: exit 2, nothing sent); else
 * gitlab.com. *url is malloc'd and normalised; 0 or an exit code.
 */
static int pick_instance(struct cli_ctx *ctx, struct store *s, const char *given_url,
			 const char *stored_url, char **url)
{
	char err[FETCH_ERRMSG_SIZE] = "";
	const char *pick = given_url, *from = "--url";
	const char *ci = getenv("GITLAB_CI");
	enum store_instance_origin origin = STORE_INSTANCE_NONE;
	/* In a CI job anyone who can start a pipeline can set a variable:
	 * $GITLAB_HOST is not asked there (SPEC "A token is sent only to an
	 * instance that the user named"), and the note says so. */
	if (in_ci_job()) {
		if (!pick && env_nonempty("GITLAB_HOST"))
			cli_warn("fetch",
				 "$GITLAB_HOST is ignored in a CI job (a pipeline variable must not "
				 "steer the token): the instance is --url, else $CI_SERVER_URL");
	} else if (!pick && (pick = env_nonempty("GITLAB_HOST"))) {
		from = "$GITLAB_HOST";
	}
	if (!pick && (pick = env_nonempty("CI_SERVER_URL")))
		from = "$CI_SERVER_URL";
	if (!pick && stored_url) {
		if (store_get_instance_origin(s, &origin) < 0) {
			cli_error("fetch", "%s: %s", ctx->db_path, store_errmsg(s));
			return CLI_EXIT_STORE;
		}
		if (origin != STORE_INSTANCE_FETCHED)
			return cli_usage("fetch",
					 "%s: its instance comes from an imported snapshot, "
					 "which does not decide where the token goes: name the "
					 "instance with --url",
					 ctx->db_path);
		if (ci && strcmp(ci, "true") == 0)
			return cli_usage("fetch",
					 "in a CI job the store's instance is not used alone: "
					 "give --url or set $CI_SERVER_URL");
		pick = stored_url;
		from = ctx->db_path;
	}
	if (!pick)
		pick = "https://gitlab.com";
	if (fetch_url_normalize(pick, url, err) != FETCH_OK) {
		cli_error("fetch", "%s: %s", from, err);
		return CLI_EXIT_USAGE;
	}
	/* SPEC: the token goes where the store says only when nothing else
	 * names an instance, and fetch says so (the store may be a cache
	 * that others can write); even with -q, since it decides where the
	 * token goes */
	if (from == ctx->db_path)
		cli_warn("fetch",
			 "the instance %s is taken from the store %s (a fetch recorded it); "
			 "--url names another",
			 *url, ctx->db_path);
	/* a bare host is taken as https:// (SPEC), and said */
	if (!strstr(pick, "://"))
		cli_warn("fetch", "%s has no scheme: trying %s", from, *url);
	return 0;
}

/* GitLab's full paths are far shorter; a longer seed would make an API URL
 * the crawler refuses (it said "out of memory"), so it is a usage error. */
#define SEED_PATH_MAX 1024

static int seed_length_ok(const char *opt, const char *value)
{
	size_t n = strlen(value);
	if (n <= SEED_PATH_MAX)
		return 0;
	return cli_usage("fetch", "%s: %zu bytes long, longer than the %d a path may have", opt, n,
			 SEED_PATH_MAX);
}

/* ---- parse: argv -> what was asked --------------------------------------- */

struct fetch_args {
	struct cli_common common;
	struct strv projects, groups, issues; /* borrowed from argv */
	const char *url_arg, *token_file, *cacert, *state;
	char *given_url; /* --url normalised, malloc'd */
	int64_t depth, jobs, timeout, connect_timeout, retries, retry_time;
	bool related, full, allow_http, text;
	enum fetch_text_scope text_scope;
	bool help; /* -h: the help was printed */
};

static void fetch_args_release(struct fetch_args *a)
{
	free(a->projects.v);
	free(a->groups.v);
	free(a->issues.v);
	free(a->given_url);
}

static size_t n_seeds(const struct fetch_args *a)
{
	return a->projects.n + a->groups.n + a->issues.n;
}

/* A seed option's value: an --issue a ref (needs NULL), any other not
 * empty (needs: what it needs); none too long. 0 or an exit code. */
static int seed_arg(struct strv *to, const char *opt, const char *value, const char *needs)
{
	int rc;
	if (needs && !*value)
		return cli_usage("fetch", "%s needs %s", opt, needs);
	if (!needs) {
		char *path = NULL;
		int64_t iid;
		if (store_ref_parse(value, &path, &iid) != 0)
			return cli_usage("fetch", "%s %s: not a ref (group/project#iid)", opt,
					 value);
		free(path);
	}
	if ((rc = seed_length_ok(opt, value)) != 0)
		return rc;
	if (strv_push(to, value)) {
		cli_error("fetch", "out of memory");
		return CLI_EXIT_NOMEM;
	}
	return 0;
}

/* The command line into a; 0 or an exit code. */
static int parse_args(int argc, char **argv, struct fetch_args *a)
{
	static const struct option longopts[] = {
	    {"url", required_argument, NULL, OPT_URL},
	    {"project", required_argument, NULL, OPT_PROJECT},
	    {"group", required_argument, NULL, OPT_GROUP},
	    {"issue", required_argument, NULL, OPT_ISSUE},
	    {"depth", required_argument, NULL, OPT_DEPTH},
	    {"follow-related", no_argument, NULL, OPT_RELATED},
	    {"state", required_argument, NULL, OPT_STATE},
	    {"jobs", required_argument, NULL, OPT_JOBS},
	    {"timeout", required_argument, NULL, OPT_TIMEOUT},
	    {"connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT},
	    {"retries", required_argument, NULL, OPT_RETRIES},
	    {"retry-time", required_argument, NULL, OPT_RETRY_TIME},
	    {"full", no_argument, NULL, OPT_FULL},
	    {"token-file", required_argument, NULL, OPT_TOKEN_FILE},
	    {"cacert", required_argument, NULL, OPT_CACERT},
	    {"allow-http", no_argument, NULL, OPT_ALLOW_HTTP},
	    {"quiet", no_argument, NULL, 'q'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
	    {"no-text-deps", no_argument, NULL, OPT_NO_TEXT_DEPS},
	    {"text-deps-scope", required_argument, NULL, OPT_TEXT_SCOPE},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	char err[FETCH_ERRMSG_SIZE] = "";
	int rc, c, idx = 0;

	cli_common_init(&a->common);
	a->state = "all";
	a->depth = FETCH_DEPTH_UNLIMITED;
	a->jobs = 8;
	a->timeout = 60;
	a->connect_timeout = 10;
	a->retries = 6;
	a->retry_time = 300;
	a->text = true;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":qvh", longopts, &idx)) != -1) {
		int64_t *num = NULL, min = 1, max = 1000000;
		switch (c) {
		case OPT_URL:
			a->url_arg = optarg;
			break;
		case OPT_PROJECT:
			if ((rc = seed_arg(&a->projects, "--project", optarg,
					   "a project id or path")))
				return rc;
			break;
		case OPT_GROUP:
			if ((rc = seed_arg(&a->groups, "--group", optarg, "a group path")))
				return rc;
			break;
		case OPT_ISSUE:
			if ((rc = seed_arg(&a->issues, "--issue", optarg, NULL)))
				return rc;
			break;
		case OPT_DEPTH:
			num = &a->depth;
			min = 0;
			max = INT64_MAX / 2;
			break;
		case OPT_RELATED:
			a->related = true;
			break;
		case OPT_STATE:
			if (strcmp(optarg, "opened") && strcmp(optarg, "closed") &&
			    strcmp(optarg, "all"))
				return cli_usage("fetch", "--state must be opened, closed or all");
			a->state = optarg;
			break;
		case OPT_JOBS:
			num = &a->jobs;
			max = 64;
			break;
		case OPT_TIMEOUT:
			num = &a->timeout;
			max = 86400;
			break;
		case OPT_CONNECT_TIMEOUT:
			num = &a->connect_timeout;
			max = 86400;
			break;
		case OPT_RETRIES:
			num = &a->retries;
			max = 1000;
			break;
		case OPT_RETRY_TIME:
			num = &a->retry_time;
			max = 86400;
			break;
		case OPT_FULL:
			a->full = true;
			break;
		case OPT_NO_TEXT_DEPS:
			a->text = false;
			break;
		case OPT_TEXT_SCOPE: {
			int sc = fetch_text_scope_parse(optarg);
			if (sc < 0)
				return cli_usage("fetch", "--text-deps-scope must be namespace, seeds "
							  "or instance");
			a->text_scope = (enum fetch_text_scope)sc;
			break;
		}
		case OPT_TOKEN_FILE:
			a->token_file = optarg;
			break;
		case OPT_CACERT:
			a->cacert = optarg;
			break;
		case OPT_ALLOW_HTTP:
			a->allow_http = true;
			break;
		case 'q':
			a->common.quiet = true;
			break;
		case 'v':
			a->common.verbose++;
			break;
		case OPT_NO_PROGRESS:
			a->common.no_progress = true;
			break;
		case 'h':
			fputs(fetch_help, stdout);
			a->help = true;
			return 0;
		default:
			return cli_bad_option("fetch", c, argv);
		}
		if (num && cli_parse_int(optarg, min, max, num) != 0)
			return cli_usage(
			    "fetch", "--%s: expected an integer from %lld to %lld, got '%s'",
			    longopts[idx].name, (long long)min, (long long)max, optarg);
	}
	if (optind < argc)
		return cli_usage("fetch", "unexpected argument '%s'", argv[optind]);
	if (a->url_arg && fetch_url_normalize(a->url_arg, &a->given_url, err) != FETCH_OK)
		return cli_usage("fetch", "--url: %s", err);
	if (a->url_arg && !strstr(a->url_arg, "://"))
		cli_warn("fetch", "--url has no scheme: trying %s", a->given_url);
	return 0;
}

/* ---- resolve: the token, the store, the instance, the seeds ---------------- */

struct fetch_target {
	struct fetch_token token;
	struct store *s;
	char *url;		     /* the instance, normalised */
	struct store_seed *recorded; /* the recorded seeds (one block), when none given */
	size_t n_recorded;
};

/* No seed given: outside CI the recorded ones, else the CI job's project;
 * in a CI job, where the store may come from a cache others can write,
 * the recorded seeds are ignored (said) and the seed is $CI_PROJECT_PATH.
 * 0 or an exit code. */
static int resolve_seeds(struct cli_ctx *ctx, struct fetch_args *a, struct fetch_target *t)
{
	if (n_seeds(a) > 0)
		return 0;
	if (in_ci_job()) {
		if (!env_nonempty("CI_PROJECT_PATH"))
			return cli_usage("fetch", "no seed: give --project, --group or --issue (in a "
						  "CI job the seeds recorded in the store are not used)");
		cli_warn("fetch",
			 "in a CI job the seeds recorded in the store are not used (a cache "
			 "others can write must not choose the crawl): fetching --project %s",
			 getenv("CI_PROJECT_PATH"));
		if (strv_push(&a->projects, getenv("CI_PROJECT_PATH"))) {
			cli_error("fetch", "out of memory");
			return CLI_EXIT_NOMEM;
		}
		return 0;
	}
	if (store_seeds_get(t->s, &t->recorded, &t->n_recorded) < 0) {
		cli_error("fetch", "%s: %s", ctx->db_path, store_errmsg(t->s));
		return CLI_EXIT_STORE;
	}
	for (size_t i = 0; i < t->n_recorded; i++) {
		struct strv *to = t->recorded[i].kind == STORE_SEED_PROJECT ? &a->projects
				  : t->recorded[i].kind == STORE_SEED_GROUP ? &a->groups
									    : &a->issues;
		if (strv_push(to, t->recorded[i].value))
			goto nomem;
	}
	if (n_seeds(a) == 0)
		return cli_usage("fetch",
				 "no seed: give --project, --group or --issue (none "
				 "is recorded in %s)",
				 ctx->db_path);
	return 0;
nomem:
	cli_error("fetch", "out of memory");
	return CLI_EXIT_NOMEM;
}

/* Everything the crawl needs before it starts, in the SPEC's order: a
 * usage error before a store file is created, the token before anything
 * is opened or sent. 0 or an exit code. */
static int resolve(struct cli_ctx *ctx, struct fetch_args *a, struct fetch_target *t)
{
	char err[FETCH_ERRMSG_SIZE] = "";
	char *stored_url = NULL;
	bool warn_http = false;
	int rc;

	/* no seed, and no store that could have recorded one: a usage error
	 * (before a store file is created) */
	if (n_seeds(a) == 0 && access(ctx->db_path, F_OK) != 0 &&
	    !(in_ci_job() && env_nonempty("CI_PROJECT_PATH")))
		return cli_usage("fetch", "no seed: give --project, --group or --issue");

	/* the token before anything is opened or sent */
	int trc = fetch_token_resolve(&t->token, a->token_file, err);
	if (trc != FETCH_OK) {
		cli_error("fetch", "%s", err);
		return exit_for(trc);
	}

	if ((rc = cli_open_store(ctx, "fetch", STORE_OPEN_CREATE | STORE_OPEN_EXCLUSIVE, false,
				 &t->s)))
		return rc;
	if (store_get_instance(t->s, &stored_url) < 0) {
		cli_error("fetch", "%s: %s", ctx->db_path, store_errmsg(t->s));
		return CLI_EXIT_STORE;
	}
	if ((rc = pick_instance(ctx, t->s, a->given_url, stored_url, &t->url)))
		goto done;
	if (stored_url && strcmp(stored_url, t->url) != 0) {
		cli_error("fetch",
			  "%s holds %.200s, not %s (use another --db for another instance)",
			  ctx->db_path, stored_url, t->url);
		rc = CLI_EXIT_STORE;
		goto done;
	}
	if (fetch_url_check_http(t->url, a->allow_http, &warn_http, err) != FETCH_OK) {
		cli_error("fetch", "%s", err);
		rc = CLI_EXIT_REMOTE;
		goto done;
	}
	if (warn_http && !a->common.quiet)
		cli_warn("fetch", "%s: sending the token over plain http (--allow-http)", t->url);
	rc = resolve_seeds(ctx, a, t);
done:
	free(stored_url);
	return rc;
}

static void fetch_target_release(struct fetch_target *t)
{
	fetch_token_release(&t->token);
	free(t->recorded);
	free(t->url);
}

/* ---- run: the crawl, with its progress and log lines ----------------------- */

/* 0 or an exit code (the failure reported). */
static int run(const struct fetch_args *a, struct fetch_target *t, struct fetch_result *res)
{
	struct fetch_options o = {0};
	struct progress_line progress = {0};
	char err[FETCH_ERRMSG_SIZE] = "";

	o.url = t->url;
	o.user_agent = "issuegraph/" ISSUEGRAPH_VERSION;
	o.token = &t->token;
	o.projects = a->projects.v;
	o.n_projects = a->projects.n;
	o.groups = a->groups.v;
	o.n_groups = a->groups.n;
	o.issues = a->issues.v;
	o.n_issues = a->issues.n;
	o.depth = a->depth;
	o.follow_related = a->related;
	o.state = a->state;
	o.full = a->full;
	o.text_deps = a->text;
	o.text_scope = a->text_scope;
	o.jobs = (int)a->jobs;
	o.timeout = (long)a->timeout;
	o.connect_timeout = (long)a->connect_timeout;
	o.retries = (int)a->retries;
	o.retry_time = (long)a->retry_time;
	o.cacert = a->cacert;
	o.verbose = a->common.quiet ? 0 : a->common.verbose;
	o.on_log = log_print;
	/* a live line would tear through the -v log lines */
	progress.live = cli_progress_wanted(&a->common) && a->common.verbose == 0;
	/* not a terminal (a CI log): plain lines, so a long crawl is never a
	 * silent job */
	progress.plain = !progress.live && !a->common.quiet && !a->common.no_progress &&
			 !isatty(STDERR_FILENO);
	progress.period = fetch_progress_period();
	progress.start = now_seconds();
	o.on_progress = progress.live ? progress_draw : progress.plain ? progress_plain : NULL;
	o.cb_ctx = &progress;

	int frc = fetch_run(t->s, &o, res, err);
	progress_clear(&progress);
	if (frc != FETCH_OK) {
		cli_error("fetch", "%s", err);
		return exit_for(frc);
	}
	return 0;
}

/* ---- print: the summary and the warnings ----------------------------------- */

static void print_summary(const struct fetch_args *a, const struct fetch_result *res)
{
	bool quiet = a->common.quiet;
	if (!quiet) {
		fprintf(stderr,
			"fetch: %s%s%lld issues and %lld link lists read, %lld requests (%lld "
			"retries, %lld rate-limited)%s in %.1f s",
			res->resumed ? "resumed; " : "", res->incremental ? "changes only; " : "",
			(long long)res->issues, (long long)res->links, (long long)res->requests,
			(long long)res->retries, (long long)res->rate_limited,
			res->inaccessible ? ", some linked issues not readable" : "", res->seconds);
		if (a->text)
			fprintf(
			    stderr,
			    "; %lld dependencies from text, %lld references dropped (403/404 or "
			    "no such issue)",
			    (long long)res->text_deps, (long long)res->text.dropped);
		if (a->text && res->text.outside)
			fprintf(stderr,
				", %lld outside the scope (--text-deps-scope %s: not read)",
				(long long)res->text.outside, fetch_text_scope_name(a->text_scope));
		fputc('\n', stderr);
	}
	if (!quiet && res->text.too_long)
		cli_warn("fetch",
			 "%lld references dropped: their path breaks GitLab's limits (a segment "
			 "over 255 bytes or more than 22 segments)",
			 (long long)res->text.too_long);
	if (!quiet && res->text.lookups_capped)
		cli_warn("fetch",
			 "%lld references not read: more than 2000 projects the store does not hold "
			 "were named in descriptions",
			 (long long)res->text.lookups_capped);
	if (!quiet && res->text.capped)
		cli_warn("fetch",
			 "%lld references not read: a description names more than 500 issues",
			 (long long)res->text.capped);
	for (size_t i = 0; !quiet && i < res->n_text_hot; i++)
		cli_warn("fetch",
			 "%s is named in %lld descriptions: a template placeholder? (silence a "
			 "wrong edge with --ignore-deps)",
			 res->text_hot[i].ref, (long long)res->text_hot[i].descriptions);
	if (!quiet && a->common.verbose) {
		struct rusage ru;
		double cpu = 0;
		if (getrusage(RUSAGE_SELF, &ru) == 0)
			cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
			      (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
		fprintf(stderr, "fetch: text extractor %.3f s CPU of %.3f s process CPU (%.1f%%)\n",
			res->text.extract_cpu, cpu,
			cpu > 0 ? 100.0 * res->text.extract_cpu / cpu : 0.0);
	}
	if (res->skipped)
		cli_warn("fetch",
			 "skipped %lld record(s) GitLab sent that break the snapshot's rules "
			 "(not stored); the first: %s",
			 (long long)res->skipped, res->skipped_first);
	if (!res->saw_blocks && a->text)
		cli_warn("fetch",
			 "no 'blocks' link found (GitLab Free has only relates_to links); %lld "
			 "dependencies were found in descriptions instead",
			 (long long)res->text_deps);
	else if (!res->saw_blocks)
		cli_warn("fetch", "no 'blocks' link found: GitLab Free has only relates_to links, "
				  "so there are no blocking cycles or paths to analyse");
}

int cmd_fetch(int argc, char **argv, struct cli_ctx *ctx)
{
	struct fetch_args a = {0};
	struct fetch_target t = {0};
	struct fetch_result res = {0};
	int rc = parse_args(argc, argv, &a);
	if (rc == 0 && !a.help && (rc = resolve(ctx, &a, &t)) == 0 && (rc = run(&a, &t, &res)) == 0)
		print_summary(&a, &res);
	rc = cli_close_store(ctx, "fetch", t.s, rc);
	fetch_target_release(&t);
	fetch_result_release(&res);
	fetch_args_release(&a);
	return rc;
}
