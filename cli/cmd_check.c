/* issuegraph check: the findings, one line each, and a summary; exit 1 when
 * one of a kind named by --fail-on is present. Also the JSON helpers that
 * report shares (declared in cli.h); the loading is in findings.c. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"

struct json_object *cli_ref_json(const struct analyze_graph *g, uint32_t v)
{
	char buf[512];
	int len = analyze_ref(g, v, buf, sizeof buf);
	if (len >= 0 && (size_t)len < sizeof buf)
		return json_object_new_string(buf);
	char *big = malloc((size_t)len + 1);
	if (!big)
		return NULL;
	analyze_ref(g, v, big, (size_t)len + 1);
	struct json_object *o = json_object_new_string(big);
	free(big);
	return o;
}

static struct json_object *refs_json(const struct analyze_graph *g, const uint32_t *v, uint32_t n)
{
	struct json_object *a = json_object_new_array();
	for (uint32_t i = 0; i < n; i++)
		json_object_array_add(a, cli_ref_json(g, v[i]));
	return a;
}

static struct json_object *date_json(int32_t days)
{
	char buf[16];
	if (days == ANALYZE_NO_DATE)
		return NULL;
	analyze_format_date(days, buf, sizeof buf);
	return json_object_new_string(buf);
}

struct json_object *cli_finding_json(const struct cli_findings *fc, enum analyze_finding_kind kind,
				     uint32_t i)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "kind", json_object_new_string(analyze_finding_name(kind)));
	switch (kind) {
	case ANALYZE_FINDING_KNOTS: {
		uint32_t k = fc->f->knots[i];
		json_object_object_add(o, "issues",
				       refs_json(fc->g, fc->k->members + fc->k->member_off[k],
						 fc->k->member_off[k + 1] - fc->k->member_off[k]));
		break;
	}
	case ANALYZE_FINDING_CONFLICTS: {
		struct analyze_edge e = fc->f->conflicts[i];
		json_object_object_add(o, "blocker", cli_ref_json(fc->g, e.from));
		json_object_object_add(o, "blocked", cli_ref_json(fc->g, e.to));
		json_object_object_add(o, "blocker_due", date_json(fc->g->due[e.from]));
		json_object_object_add(o, "blocked_due", date_json(fc->g->due[e.to]));
		break;
	}
	case ANALYZE_FINDING_CLOSED_BLOCKED: {
		struct analyze_edge e = fc->f->closed_blocked[i];
		json_object_object_add(o, "blocker", cli_ref_json(fc->full, e.from));
		json_object_object_add(o, "blocked", cli_ref_json(fc->full, e.to));
		break;
	}
	case ANALYZE_FINDING_NEW_KNOTS: {
		uint32_t k = fc->f->new_knots[i];
		json_object_object_add(o, "issues",
				       refs_json(fc->g, fc->k->members + fc->k->member_off[k],
						 fc->k->member_off[k + 1] - fc->k->member_off[k]));
		break;
	}
	case ANALYZE_FINDING_NEW_CONFLICTS: {
		struct analyze_edge e = fc->f->new_conflicts[i];
		json_object_object_add(o, "blocker", cli_ref_json(fc->g, e.from));
		json_object_object_add(o, "blocked", cli_ref_json(fc->g, e.to));
		break;
	}
	}
	return o;
}

static void help(void)
{
	printf(
	    "usage: issuegraph [--db PATH] check [--fail-on LIST] [--milestone M] [--label L]...\n"
	    "                  [--all-states] [--format text|json] [-o FILE] [-q]\n\n"
	    "List the findings, one line each, and a summary. Exit 1 when a finding\n"
	    "of a kind named by --fail-on is present, else 0.\n\n"
	    "Findings:\n"
	    "  knots           a blocking cycle (a knot of the analysed graph)\n"
	    "  conflicts       X blocks Y, both open, Y has a due date and X none or a later one\n"
	    "  closed-blocked  a closed issue that an open issue blocks (read on every issue)\n"
	    "  new-knots       a knot that is new, or gained issues, since --since or\n"
	    "                  against --baseline\n"
	    "  new-conflicts   a conflict that is new since --since or against --baseline\n\n"
	    "  --fail-on LIST      comma list of the kinds above (default knots)\n" CLI_SCOPE_HELP
	    "                      (with a scope: a knot with an issue in it, a conflict\n"
	    "                      or closed-blocked link whose blocked issue is in it)\n"
	    "  --since N|DATE      the history point new-* compare with (default 1)\n"
	    "  --baseline FILE     compare new-* with the findings in FILE instead\n"
	    "  --write-baseline FILE  write the current knots and conflicts there as a\n"
	    "                      baseline file, print nothing and exit 0\n"
	    "  --all-states        analyse closed issues too\n" CLI_DEPS_HELP
	    "  --format text|json  output format (default text)\n"
	    "  -o FILE             write there (atomically) instead of stdout\n"
	    "  -q, --quiet         print nothing on stdout; the exit code says it\n"
	    "  -v, --no-progress   accepted, as by every command; no effect here\n"
	    "  -h, --help          this help\n");
}

static void print_refs(FILE *fp, const struct analyze_graph *g, const uint32_t *v, uint32_t n,
		       const char *sep)
{
	for (uint32_t i = 0; i < n; i++) {
		if (i)
			fputs(sep, fp);
		cli_print_ref(fp, g, v[i]);
	}
}

static void check_text(FILE *fp, const struct cli_findings *fc, unsigned mask,
		       const struct cli_scope *scope)
{
	const struct analyze_findings *f = fc->f;
	const struct analyze_knots *k = fc->k;
	for (uint32_t i = 0; i < f->count[ANALYZE_FINDING_KNOTS]; i++) {
		uint32_t kn = f->knots[i];
		uint32_t n = k->member_off[kn + 1] - k->member_off[kn];
		fprintf(fp, "knots: %u issues: ", n);
		print_refs(fp, fc->g, k->members + k->member_off[kn], n, " ");
		fprintf(fp, "; cycle ");
		print_refs(fp, fc->g, k->witness + k->witness_off[kn],
			   k->witness_off[kn + 1] - k->witness_off[kn], " -> ");
		fprintf(fp, " -> ");
		cli_print_ref(fp, fc->g, k->witness[k->witness_off[kn]]);
		fprintf(fp, "; cut ");
		for (uint32_t c = k->cut_off[kn]; c < k->cut_off[kn + 1]; c++) {
			if (c > k->cut_off[kn])
				fputs(", ", fp);
			cli_print_ref(fp, fc->g, k->cut[c].from);
			fputs(" -> ", fp);
			cli_print_ref(fp, fc->g, k->cut[c].to);
			/* where to act, as cycles says it */
			fputs(" (", fp);
			cli_print_edge_action(fp, fc->g, fc->s, k->cut[c].from, k->cut[c].to);
			fputc(')', fp);
		}
		fputc('\n', fp);
	}
	for (uint32_t i = 0; i < f->count[ANALYZE_FINDING_CONFLICTS]; i++) {
		struct analyze_edge e = f->conflicts[i];
		char xd[16], yd[16];
		analyze_format_date(fc->g->due[e.from], xd, sizeof xd);
		analyze_format_date(fc->g->due[e.to], yd, sizeof yd);
		fputs("conflicts: ", fp);
		cli_print_ref(fp, fc->g, e.from);
		fputs(" (due ", fp);
		cli_print_safe(fp, *xd ? xd : "none");
		fputs(") blocks ", fp);
		cli_print_ref(fp, fc->g, e.to);
		fputs(" (due ", fp);
		cli_print_safe(fp, yd);
		fputs(")\n", fp);
	}
	for (uint32_t i = 0; i < f->count[ANALYZE_FINDING_CLOSED_BLOCKED]; i++) {
		struct analyze_edge e = f->closed_blocked[i];
		fputs("closed-blocked: ", fp);
		cli_print_ref(fp, fc->full, e.from);
		fputs(" (open) blocks ", fp);
		cli_print_ref(fp, fc->full, e.to);
		fputs(" (closed)\n", fp);
	}
	for (uint32_t i = 0; (mask & ANALYZE_FINDING_BIT(ANALYZE_FINDING_NEW_KNOTS)) &&
			     i < f->count[ANALYZE_FINDING_NEW_KNOTS];
	     i++) {
		uint32_t kn = f->new_knots[i];
		fputs("new-knots: ", fp);
		print_refs(fp, fc->g, k->members + k->member_off[kn],
			   k->member_off[kn + 1] - k->member_off[kn], " ");
		fputc('\n', fp);
	}
	for (uint32_t i = 0; (mask & ANALYZE_FINDING_BIT(ANALYZE_FINDING_NEW_CONFLICTS)) &&
			     i < f->count[ANALYZE_FINDING_NEW_CONFLICTS];
	     i++) {
		fputs("new-conflicts: ", fp);
		cli_print_ref(fp, fc->g, f->new_conflicts[i].from);
		fputs(" blocks ", fp);
		cli_print_ref(fp, fc->g, f->new_conflicts[i].to);
		fputc('\n', fp);
	}
	uint32_t total = 0;
	for (int kind = 0; kind < ANALYZE_FINDING_KINDS; kind++)
		total += f->count[kind];
	fprintf(fp, "summary: %u finding%s (knots %u, conflicts %u, closed-blocked %u)", total,
		total == 1 ? "" : "s", f->count[ANALYZE_FINDING_KNOTS],
		f->count[ANALYZE_FINDING_CONFLICTS], f->count[ANALYZE_FINDING_CLOSED_BLOCKED]);
	if (cli_scope_given(scope)) {
		fputs(" in ", fp);
		cli_scope_print(fp, scope);
		fputs(" and its blockers", fp);
	}
	fputs("; fail on ", fp);
	bool first = true;
	for (int kind = 0; kind < ANALYZE_FINDING_ALL_KINDS; kind++) {
		if (!(mask & ANALYZE_FINDING_BIT(kind)))
			continue;
		fprintf(fp, "%s%s", first ? "" : ",", analyze_finding_name(kind));
		first = false;
	}
	fprintf(fp, ": %s\n", cli_findings_fail(fc, mask) ? "FAILED" : "passed");
}

/* {"findings": [...]}: the base kinds, then the ratchet's kinds that mask names. */
static struct json_object *findings_json(const struct cli_findings *fc, unsigned mask)
{
	struct json_object *o = json_object_new_object();
	struct json_object *list = json_object_new_array();
	for (int kind = 0; kind < ANALYZE_FINDING_ALL_KINDS; kind++) {
		if (kind >= ANALYZE_FINDING_KINDS && !(mask & ANALYZE_FINDING_BIT(kind)))
			continue;
		for (uint32_t i = 0; i < fc->f->count[kind]; i++)
			json_object_array_add(
			    list, cli_finding_json(fc, (enum analyze_finding_kind)kind, i));
	}
	json_object_object_add(o, "findings", list);
	return o;
}

/* --write-baseline: the SPEC's baseline file, {"findings": [...]} with each
 * knot as kind and issues and each conflict as kind, blocker and blocked,
 * sorted as check sorts them: no titles, people, dates or verdict, so the
 * file changes only when the findings do. */
static int write_findings(const struct cli_findings *fc, const char *path)
{
	static const char *const keep[] = {"kind", "issues", "blocker", "blocked"};
	static const enum analyze_finding_kind kinds[] = {ANALYZE_FINDING_KNOTS,
							  ANALYZE_FINDING_CONFLICTS};
	struct json_object *o = json_object_new_object();
	struct json_object *list = json_object_new_array();
	if (!o || !list) {
		json_object_put(o);
		json_object_put(list);
		cli_error("check", "out of memory");
		return CLI_EXIT_NOMEM;
	}
	json_object_object_add(o, "findings", list);
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		for (uint32_t i = 0; i < fc->f->count[kinds[k]]; i++) {
			struct json_object *full = cli_finding_json(fc, kinds[k], i);
			struct json_object *item = json_object_new_object();
			for (size_t j = 0; full && item && j < sizeof keep / sizeof keep[0]; j++) {
				struct json_object *v = NULL;
				if (json_object_object_get_ex(full, keep[j], &v))
					json_object_object_add(item, keep[j], json_object_get(v));
			}
			json_object_put(full);
			json_object_array_add(list, item);
		}
	}
	struct cli_out out = {0};
	int rc = cli_out_open(&out, "check", path);
	if (rc == 0) {
		cli_print_json(out.fp, o);
		rc = cli_out_close(&out, "check", true);
	}
	json_object_put(o);
	return rc;
}

int cmd_check(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
	    {"fail-on", required_argument, NULL, 'F'},
	    CLI_SCOPE_LONGOPTS,
	    {"since", required_argument, NULL, 'S'},
	    {"baseline", required_argument, NULL, 'B'},
	    {"write-baseline", required_argument, NULL, 'W'},
	    CLI_COMMON_LONGOPTS,
	    {0},
	};
	struct cli_common c;
	cli_common_init(&c);
	unsigned mask = ANALYZE_FINDING_BIT(ANALYZE_FINDING_KNOTS);
	const char *baseline = NULL, *write_baseline = NULL;
	struct cli_since since = {.n = 1};
	int ch, rc;
	optind = 0;
	while ((ch = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, opts, NULL)) != -1) {
		switch (ch) {
		case 'F':
			if ((rc = cli_parse_fail_on("check", optarg, &mask)) != 0)
				return rc;
			break;
		case 'S':
			if ((rc = cli_parse_since("check", optarg, &since)) != 0)
				return rc;
			break;
		case 'B':
			if (!*optarg)
				return cli_usage("check", "--baseline needs a file");
			baseline = optarg;
			break;
		case 'W':
			if (!*optarg)
				return cli_usage("check", "--write-baseline needs a file");
			write_baseline = optarg;
			break;
		case 'h':
			help();
			return CLI_EXIT_OK;
		default: {
			int r = cli_common_option(&c, "check", ch, argv);
			if (r)
				return r;
		}
		}
	}
	if (optind < argc)
		return cli_usage("check", "unexpected argument '%s'", argv[optind]);
	if (baseline && (rc = cli_baseline_check("check", baseline)) != 0)
		return rc;

	struct cli_findings fc;
	struct cli_out out = {0};
	rc = cli_findings_load_c(&fc, ctx, "check", &c);
	if (rc == 0 && (mask & (ANALYZE_FINDING_BIT(ANALYZE_FINDING_NEW_KNOTS) |
				ANALYZE_FINDING_BIT(ANALYZE_FINDING_NEW_CONFLICTS))))
		rc = cli_findings_ratchet(&fc, ctx, "check", &c, &since, baseline);
	/* --write-baseline writes the file, prints nothing and exits 0 (SPEC
	 * "check"): accepting today's findings is not a failed check. */
	if (rc == 0 && write_baseline)
		return cli_findings_release(&fc, ctx, "check", write_findings(&fc, write_baseline));
	if (rc)
		return cli_findings_release(&fc, ctx, "check", rc);
	bool failed = cli_findings_fail(&fc, mask);
	if (!c.quiet) {
		rc = cli_out_open(&out, "check", c.output);
		if (rc)
			return cli_findings_release(&fc, ctx, "check", rc);
		if (c.json) {
			struct json_object *o = findings_json(&fc, mask);
			json_object_object_add(o, "failed", json_object_new_boolean(failed));
			cli_print_json(out.fp, o);
			json_object_put(o);
		} else {
			check_text(out.fp, &fc, mask, &c.scope);
		}
		rc = cli_out_close(&out, "check", true);
	}
	if (rc == 0 && failed)
		rc = CLI_EXIT_FINDINGS;
	return cli_findings_release(&fc, ctx, "check", rc);
}
