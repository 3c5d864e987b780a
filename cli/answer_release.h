/* The release answer of report --milestone M (SPEC "report", the
 * report's "release"): computed once here, written as JSON here and as
 * markdown and HTML by render/report_release.c from its view. */
#ifndef ISSUEGRAPH_ANSWER_RELEASE_H
#define ISSUEGRAPH_ANSWER_RELEASE_H

#include "cli.h"
#include "render.h"

struct cli_release {
	struct render_release view; /* what the markdown and HTML writers take */
	/* owned by the answer */
	struct render_release_group *groups;
	struct render_release_issue *issues;
	uint32_t n_issues;
	uint32_t *blocks;
	char *due;
	char *counted_from;
	char **group_due;	   /* per group */
	const char ***people;	   /* per issue, borrowed from details */
	struct cli_titles details; /* of the outside blockers */
};

/* The release of milestone (c's scope: fc->selected are M's issues) from
 * fc (loaded with that scope) and rd (the report's ready answer).
 * show_confidential as --show-confidential. 0 or prints and returns an
 * exit code; release with cli_release_free(), also after a failure. */
int cli_release_compute(struct cli_release *r, const struct cli_findings *fc,
			const struct cli_ready *rd, const char *milestone, bool show_confidential,
			const char *db_path);
/* Write key "release": the SPEC's object. */
void cli_release_jw(struct cli_jw *w, const struct analyze_graph *g, const struct cli_release *r);
void cli_release_free(struct cli_release *r);

#endif
