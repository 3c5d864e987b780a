/* What the markdown and HTML reports' "Since" sections share: the names of
 * the lists and how a history point's time is written for people. */
#include <stdio.h>
#include <string.h>

#include "render.h"
#include "render_internal.h"

static const struct {
	const char *key, *label;
} lists[RENDER_SINCE_KINDS] = {
    [RENDER_SINCE_KNOTS_NEW] = {"knots-new", "New knots"},
    [RENDER_SINCE_KNOTS_CHANGED] = {"knots-changed", "Changed knots"},
    [RENDER_SINCE_KNOTS_RESOLVED] = {"knots-resolved", "Resolved knots"},
    [RENDER_SINCE_UNBLOCKED] = {"unblocked", "Unblocked (ready now, not then)"},
    [RENDER_SINCE_BLOCKED] = {"blocked", "Blocked (ready then, not now)"},
    [RENDER_SINCE_CONFLICTS_NEW] = {"conflicts-new", "New due-date conflicts"},
    [RENDER_SINCE_CONFLICTS_RESOLVED] = {"conflicts-resolved", "Resolved due-date conflicts"},
    [RENDER_SINCE_CLOSED] = {"closed", "Closed"},
    [RENDER_SINCE_OPENED] = {"opened", "Reopened"},
    [RENDER_SINCE_ADDED] = {"added", "Added"},
    [RENDER_SINCE_REMOVED] = {"removed", "Removed"},
};

const char *render_since_key(int kind)
{
	return lists[kind].key;
}

const char *render_since_label(int kind)
{
	return lists[kind].label;
}

void render_since_time(const char *at, char *buf, size_t len)
{
	int y, mo, d, h, mi, n = 0;
	/* "2026-11-22T02:00:00Z" -> "2026-11-22 02:00 UTC"; anything else as is */
	if (at && sscanf(at, "%4d-%2d-%2dT%2d:%2d%n", &y, &mo, &d, &h, &mi, &n) == 5 && n == 16 &&
	    at[strlen(at) - 1] == 'Z')
		snprintf(buf, len, "%04d-%02d-%02d %02d:%02d UTC", y, mo, d, h, mi);
	else
		snprintf(buf, len, "%s", at ? at : "");
}

void render_since_ref(const struct render_since_issue *x, char *buf, size_t len)
{
	snprintf(buf, len, "%s#%lld", x->path, (long long)x->iid);
}
