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
    "across projects. Without seeds: the ones recorded by the last fetch, else\n"
    "$CI_PROJECT_PATH in a GitLab CI job. A fetch after a completed one reads only\n"
    "what changed; an interrupted one resumes.\n"
    "\n"
    "Options:\n"
    "  --url URL             the instance (default: $GITLAB_HOST, $CI_SERVER_URL, the\n"
    "                        store's if a fetch recorded it, https://gitlab.com); a bare\n"
    "                        host is https\n"
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
    "  -q, --quiet           no progress, no summary\n"
    "  -v, --verbose         one line per request on stderr (never headers)\n"
    "  --no-progress         no live progress line\n"
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
	bool drawn; /* something is on the line */
	double start, last_draw;
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
	if (!pick && (pick = env_nonempty("GITLAB_HOST")))
		from = "$GITLAB_HOST";
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

int cmd_fetch(int argc, char **argv, struct cli_ctx *ctx)
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
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct cli_common common;
	struct strv projects = {0}, groups = {0}, issues = {0};
	struct fetch_token token = {0};
	struct fetch_options o = {0};
	struct fetch_result res = {0};
	struct progress_line progress = {0};
	struct store *s = NULL;
	struct store_seed *recorded = NULL;
	size_t n_recorded = 0;
	char *url = NULL, *stored_url = NULL, *given_url = NULL;
	const char *url_arg = NULL, *token_file = NULL, *cacert = NULL, *state = "all";
	int64_t depth = FETCH_DEPTH_UNLIMITED, jobs = 8, timeout = 60, connect_timeout = 10,
		retries = 6, retry_time = 300;
	bool related = false, full = false, allow_http = false, warn_http = false, text = true;
	char err[FETCH_ERRMSG_SIZE] = "";
	int rc = CLI_EXIT_OK, c;

	cli_common_init(&common);
	optind = 0;
	int idx = 0;
	while ((c = getopt_long(argc, argv, ":qvh", longopts, &idx)) != -1) {
		int64_t *num = NULL, min = 1, max = 1000000;
		switch (c) {
		case OPT_URL:
			url_arg = optarg;
			break;
		case OPT_PROJECT:
			if (!*optarg) {
				rc = cli_usage("fetch", "--project needs a project id or path");
				goto done;
			}
			if ((rc = seed_length_ok("--project", optarg)) != 0)
				goto done;
			if (strv_push(&projects, optarg))
				goto nomem;
			break;
		case OPT_GROUP:
			if (!*optarg) {
				rc = cli_usage("fetch", "--group needs a group path");
				goto done;
			}
			if ((rc = seed_length_ok("--group", optarg)) != 0)
				goto done;
			if (strv_push(&groups, optarg))
				goto nomem;
			break;
		case OPT_ISSUE: {
			char *path = NULL;
			int64_t iid;
			if (store_ref_parse(optarg, &path, &iid) != 0) {
				rc = cli_usage("fetch", "--issue %s: not a ref (group/project#iid)",
					       optarg);
				goto done;
			}
			if ((rc = seed_length_ok("--issue", optarg)) != 0) {
				free(path);
				goto done;
			}
			free(path);
			if (strv_push(&issues, optarg))
				goto nomem;
			break;
		}
		case OPT_DEPTH:
			num = &depth;
			min = 0;
			max = INT64_MAX / 2;
			break;
		case OPT_RELATED:
			related = true;
			break;
		case OPT_STATE:
			if (strcmp(optarg, "opened") && strcmp(optarg, "closed") &&
			    strcmp(optarg, "all")) {
				rc = cli_usage("fetch", "--state must be opened, closed or all");
				goto done;
			}
			state = optarg;
			break;
		case OPT_JOBS:
			num = &jobs;
			max = 64;
			break;
		case OPT_TIMEOUT:
			num = &timeout;
			max = 86400;
			break;
		case OPT_CONNECT_TIMEOUT:
			num = &connect_timeout;
			max = 86400;
			break;
		case OPT_RETRIES:
			num = &retries;
			max = 1000;
			break;
		case OPT_RETRY_TIME:
			num = &retry_time;
			max = 86400;
			break;
		case OPT_FULL:
			full = true;
			break;
		case OPT_NO_TEXT_DEPS:
			text = false;
			break;
		case OPT_TOKEN_FILE:
			token_file = optarg;
			break;
		case OPT_CACERT:
			cacert = optarg;
			break;
		case OPT_ALLOW_HTTP:
			allow_http = true;
			break;
		case 'q':
			common.quiet = true;
			break;
		case 'v':
			common.verbose++;
			break;
		case OPT_NO_PROGRESS:
			common.no_progress = true;
			break;
		case 'h':
			fputs(fetch_help, stdout);
			goto done;
		default:
			rc = cli_bad_option("fetch", c, argv);
			goto done;
		}
		if (num && cli_parse_int(optarg, min, max, num) != 0) {
			rc = cli_usage("fetch",
				       "--%s: expected an integer from %lld to %lld, got '%s'",
				       longopts[idx].name, (long long)min, (long long)max, optarg);
			goto done;
		}
	}
	if (optind < argc) {
		rc = cli_usage("fetch", "unexpected argument '%s'", argv[optind]);
		goto done;
	}
	if (url_arg && fetch_url_normalize(url_arg, &given_url, err) != FETCH_OK) {
		rc = cli_usage("fetch", "--url: %s", err);
		goto done;
	}

	/* no seed, and no store that could have recorded one: a usage error
	 * (before a store file is created) */
	if (projects.n + groups.n + issues.n == 0 && access(ctx->db_path, F_OK) != 0) {
		const char *ci = getenv("GITLAB_CI");
		if (!(ci && strcmp(ci, "true") == 0 && env_nonempty("CI_PROJECT_PATH"))) {
			rc = cli_usage("fetch", "no seed: give --project, --group or --issue");
			goto done;
		}
	}

	/* the token before anything is opened or sent */
	int trc = fetch_token_resolve(&token, token_file, err);
	if (trc != FETCH_OK) {
		cli_error("fetch", "%s", err);
		rc = exit_for(trc);
		goto done;
	}

	if ((rc =
		 cli_open_store(ctx, "fetch", STORE_OPEN_CREATE | STORE_OPEN_EXCLUSIVE, false, &s)))
		goto done;
	if (store_get_instance(s, &stored_url) < 0) {
		cli_error("fetch", "%s: %s", ctx->db_path, store_errmsg(s));
		rc = CLI_EXIT_STORE;
		goto done;
	}
	if ((rc = pick_instance(ctx, s, given_url, stored_url, &url)))
		goto done;
	if (stored_url && strcmp(stored_url, url) != 0) {
		cli_error("fetch",
			  "%s holds %.200s, not %s (use another --db for another instance)",
			  ctx->db_path, stored_url, url);
		rc = CLI_EXIT_STORE;
		goto done;
	}
	if (fetch_url_check_http(url, allow_http, &warn_http, err) != FETCH_OK) {
		cli_error("fetch", "%s", err);
		rc = CLI_EXIT_REMOTE;
		goto done;
	}
	if (warn_http && !common.quiet)
		cli_warn("fetch", "%s: sending the token over plain http (--allow-http)", url);

	/* no seeds given: the recorded ones, else the CI job's project */
	if (projects.n + groups.n + issues.n == 0) {
		if (store_seeds_get(s, &recorded, &n_recorded) < 0) {
			cli_error("fetch", "%s: %s", ctx->db_path, store_errmsg(s));
			rc = CLI_EXIT_STORE;
			goto done;
		}
		for (size_t i = 0; i < n_recorded; i++) {
			struct strv *to = recorded[i].kind == STORE_SEED_PROJECT ? &projects
					  : recorded[i].kind == STORE_SEED_GROUP ? &groups
										 : &issues;
			if (strv_push(to, recorded[i].value))
				goto nomem;
		}
		const char *ci = getenv("GITLAB_CI");
		if (projects.n + groups.n + issues.n == 0 && ci && strcmp(ci, "true") == 0 &&
		    env_nonempty("CI_PROJECT_PATH")) {
			if (strv_push(&projects, getenv("CI_PROJECT_PATH")))
				goto nomem;
		}
		if (projects.n + groups.n + issues.n == 0) {
			rc = cli_usage("fetch",
				       "no seed: give --project, --group or --issue (none "
				       "is recorded in %s)",
				       ctx->db_path);
			goto done;
		}
	}

	o.url = url;
	o.user_agent = "issuegraph/" ISSUEGRAPH_VERSION;
	o.token = &token;
	o.projects = projects.v;
	o.n_projects = projects.n;
	o.groups = groups.v;
	o.n_groups = groups.n;
	o.issues = issues.v;
	o.n_issues = issues.n;
	o.depth = depth;
	o.follow_related = related;
	o.state = state;
	o.full = full;
	o.text_deps = text;
	o.jobs = (int)jobs;
	o.timeout = (long)timeout;
	o.connect_timeout = (long)connect_timeout;
	o.retries = (int)retries;
	o.retry_time = (long)retry_time;
	o.cacert = cacert;
	o.verbose = common.quiet ? 0 : common.verbose;
	o.on_log = log_print;
	/* a live line would tear through the -v log lines */
	progress.live = cli_progress_wanted(&common) && common.verbose == 0;
	progress.start = now_seconds();
	o.on_progress = progress.live ? progress_draw : NULL;
	o.cb_ctx = &progress;

	int frc = fetch_run(s, &o, &res, err);
	progress_clear(&progress);
	if (frc != FETCH_OK) {
		cli_error("fetch", "%s", err);
		rc = exit_for(frc);
		goto done;
	}
	if (!common.quiet) {
		fprintf(stderr,
			"fetch: %s%s%lld issues and %lld link lists read, %lld requests (%lld "
			"retries, %lld rate-limited)%s in %.1f s",
			res.resumed ? "resumed; " : "", res.incremental ? "changes only; " : "",
			(long long)res.issues, (long long)res.links, (long long)res.requests,
			(long long)res.retries, (long long)res.rate_limited,
			res.inaccessible ? ", some linked issues not readable" : "", res.seconds);
		if (text)
			fprintf(
			    stderr,
			    "; %lld dependencies from text, %lld references dropped (403/404 or "
			    "no such issue)",
			    (long long)res.text_deps, (long long)res.text.dropped);
		fputc('\n', stderr);
	}
	if (!common.quiet && res.text.capped)
		cli_warn("fetch",
			 "%lld references not read: a description names more than 500 issues",
			 (long long)res.text.capped);
	for (size_t i = 0; !common.quiet && i < res.n_text_hot; i++)
		cli_warn("fetch",
			 "%s is named in %lld descriptions: a template placeholder? (silence a "
			 "wrong edge with --ignore-deps)",
			 res.text_hot[i].ref, (long long)res.text_hot[i].descriptions);
	if (!common.quiet && common.verbose) {
		struct rusage ru;
		double cpu = 0;
		if (getrusage(RUSAGE_SELF, &ru) == 0)
			cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
			      (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
		fprintf(stderr, "fetch: text extractor %.3f s CPU of %.3f s process CPU (%.1f%%)\n",
			res.text.extract_cpu, cpu,
			cpu > 0 ? 100.0 * res.text.extract_cpu / cpu : 0.0);
	}
	if (res.skipped)
		cli_warn("fetch",
			 "skipped %lld record(s) GitLab sent that break the snapshot's rules "
			 "(not stored); the first: %s",
			 (long long)res.skipped, res.skipped_first);
	if (!res.saw_blocks && text)
		cli_warn("fetch",
			 "no 'blocks' link found (GitLab Free has only relates_to links); %lld "
			 "dependencies were found in descriptions instead",
			 (long long)res.text_deps);
	else if (!res.saw_blocks)
		cli_warn("fetch", "no 'blocks' link found: GitLab Free has only relates_to links, "
				  "so there are no blocking cycles or paths to analyse");
	goto done;
nomem:
	cli_error("fetch", "out of memory");
	rc = CLI_EXIT_NOMEM;
done:
	rc = cli_close_store(ctx, "fetch", s, rc);
	fetch_token_release(&token);
	fetch_result_release(&res);
	free(recorded);
	free(projects.v);
	free(groups.v);
	free(issues.v);
	free(url);
	free(stored_url);
	free(given_url);
	return rc;
}
