/* issuegraph stats: what the store holds and how the last fetch went. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"

static void help(void)
{
	printf(
	    "usage: issuegraph [--db PATH] stats [--all-states] [--format text|json] [-o FILE]\n\n"
	    "Counts of projects, issues (open/closed), links by type and knots; the\n"
	    "instance, the recorded seeds, and when the last fetch started and\n"
	    "whether it completed.\n\n"
	    "  --all-states        count knots over closed issues too\n" CLI_DEPS_HELP
	    "  --format text|json  output format (default text)\n"
	    "  -o FILE             write there (atomically) instead of stdout\n"
	    "  -q, -v, --no-progress  accepted, as by every command; no effect here\n"
	    "  -h, --help          this help\n");
}

struct stats {
	struct store_counts counts;
	char *instance;
	char **seeds;
	struct store_fetch_info fetch;
	uint32_t knots;
	struct store_history_stats history;
};

static struct json_object *stats_json(const struct stats *st)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "instance",
			       st->instance ? json_object_new_string(st->instance) : NULL);
	json_object_object_add(o, "projects", json_object_new_int64(st->counts.projects));
	struct json_object *issues = json_object_new_object();
	json_object_object_add(issues, "opened", json_object_new_int64(st->counts.issues_opened));
	json_object_object_add(issues, "closed", json_object_new_int64(st->counts.issues_closed));
	json_object_object_add(o, "issues", issues);
	struct json_object *links = json_object_new_object();
	json_object_object_add(links, "blocks", json_object_new_int64(st->counts.links_blocks));
	json_object_object_add(links, "relates_to",
			       json_object_new_int64(st->counts.links_relates));
	json_object_object_add(o, "links", links);
	json_object_object_add(o, "text_deps", json_object_new_int64(st->counts.text_deps));
	json_object_object_add(o, "knots", json_object_new_int64(st->knots));
	struct json_object *seeds = json_object_new_array();
	for (char **p = st->seeds; p && *p; p++)
		json_object_array_add(seeds, json_object_new_string(*p));
	json_object_object_add(o, "seeds", seeds);
	struct json_object *lf = NULL;
	if (st->fetch.started_at) {
		lf = json_object_new_object();
		json_object_object_add(lf, "started_at",
				       json_object_new_string(st->fetch.started_at));
		json_object_object_add(lf, "completed",
				       json_object_new_boolean(st->fetch.completed));
	}
	json_object_object_add(o, "last_fetch", lf);
	struct json_object *h = json_object_new_object();
	json_object_object_add(h, "points", json_object_new_int64(st->history.points));
	json_object_object_add(
	    h, "first", st->history.first_at ? json_object_new_string(st->history.first_at) : NULL);
	json_object_object_add(
	    h, "last", st->history.last_at ? json_object_new_string(st->history.last_at) : NULL);
	json_object_object_add(h, "deltas", json_object_new_int64(st->history.deltas));
	json_object_object_add(o, "history", h);
	return o;
}

static void stats_text(FILE *fp, const struct stats *st)
{
	fputs("instance:   ", fp);
	cli_print_safe(fp, st->instance ? st->instance : "(none)");
	fputc('\n', fp);
	fprintf(fp, "projects:   %lld\n", (long long)st->counts.projects);
	fprintf(fp, "issues:     %lld open, %lld closed\n", (long long)st->counts.issues_opened,
		(long long)st->counts.issues_closed);
	fprintf(fp, "links:      %lld blocks, %lld relates_to\n",
		(long long)st->counts.links_blocks, (long long)st->counts.links_relates);
	fprintf(fp, "text deps:  %lld\n", (long long)st->counts.text_deps);
	fprintf(fp, "knots:      %u\n", st->knots);
	fprintf(fp, "seeds:     ");
	if (!st->seeds || !st->seeds[0])
		fprintf(fp, " (none)");
	for (char **p = st->seeds; p && *p; p++) {
		fputc(' ', fp);
		cli_print_safe(fp, *p);
	}
	fputc('\n', fp);
	if (st->fetch.started_at) {
		fputs("last fetch: started ", fp);
		cli_print_safe(fp, st->fetch.started_at);
		fprintf(fp, ", %s\n",
			st->fetch.completed ? "completed" : "not completed (run fetch to resume)");
	} else
		fprintf(fp, "last fetch: none\n");
	if (st->history.points)
		fprintf(fp, "history:    %lld point%s from %s to %s, %lld delta rows\n",
			(long long)st->history.points, st->history.points == 1 ? "" : "s",
			st->history.first_at, st->history.last_at, (long long)st->history.deltas);
	else
		fprintf(fp, "history:    no earlier point\n");
}

int cmd_stats(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
	    CLI_COMMON_LONGOPTS,
	    {0},
	};
	struct cli_common c;
	int rc = cli_parse_options(&c, argc, argv, "stats", opts, help, NULL, NULL, 0);
	if (rc)
		return rc == CLI_HELP_SHOWN ? CLI_EXIT_OK : rc;

	struct cli_analysis a;
	struct stats st = {0};
	if ((rc = cli_analysis_open(&a, ctx, "stats", &c, CLI_ANALYSIS_CONDENSE)) != 0)
		goto done;
	struct store *s = a.s;
	if (store_counts(s, &st.counts) || store_get_instance(s, &st.instance) ||
	    store_get_seeds(s, &st.seeds) || store_get_fetch_info(s, &st.fetch) ||
	    store_history_stats(s, &st.history)) {
		cli_error("stats", "%s: %s", ctx->db_path, store_errmsg(s));
		rc = CLI_EXIT_STORE;
		goto done;
	}
	st.knots = a.cond->knots;
	if ((rc = cli_analysis_out_open(&a)) != 0)
		goto done;
	if (c.json) {
		struct json_object *o = stats_json(&st);
		cli_print_json(a.out.fp, o);
		json_object_put(o);
	} else {
		stats_text(a.out.fp, &st);
	}
	rc = cli_out_close(&a.out, "stats", true);
done:
	rc = cli_analysis_close(&a, rc);
	free(st.instance);
	store_strv_free(st.seeds);
	free(st.fetch.started_at);
	free(st.history.first_at);
	free(st.history.last_at);
	return rc;
}
