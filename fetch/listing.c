/*
 * Where a project's issue listing goes after a page (SPEC: fetch, "Crawl
 * rules"): a pure function of what the page said, so that whatever a
 * server puts in Link and X-Page the listing ends, and what goes into the
 * crawl frontier can always be used again.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "fetch_internal.h"

bool fetch_time_is_rfc3339(const char *s)
{
	/* YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM) */
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";
	size_t n = s ? strlen(s) : 0;
	if (n < sizeof shape - 1 + 1 || n > FETCH_TIME_MAX)
		return false;
	for (size_t i = 0; i < sizeof shape - 1; i++) {
		char c = shape[i];
		if (c == 'd' ? !isdigit((unsigned char)s[i]) : toupper((unsigned char)s[i]) != c)
			return false;
	}
	const char *p = s + sizeof shape - 1;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return false;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0')
		return true;
	return (*p == '+' || *p == '-') && isdigit((unsigned char)p[1]) &&
	       isdigit((unsigned char)p[2]) && p[3] == ':' && isdigit((unsigned char)p[4]) &&
	       isdigit((unsigned char)p[5]) && p[6] == '\0';
}

enum fetch_list_step fetch_list_next(const struct fetch_list_facts *in,
				     struct fetch_list_decision *out)
{
	int64_t per_page = in->per_page > 0 ? in->per_page : 1;
	int64_t max_pages = in->max_offset / per_page; /* pages within the offset limit */
	int64_t page = in->pages_read + 1;
	memset(out, 0, sizeof *out);
	/* X-Page only moves us deeper (a resumed listing starts mid-way), and
	 * never past the limit: a lie cannot make the listing endless */
	if (in->x_page > page)
		page = in->x_page < max_pages + 1 ? in->x_page : max_pages + 1;
	out->page = page;

	if (in->last_updated && !fetch_time_is_rfc3339(in->last_updated)) {
		snprintf(out->msg, sizeof out->msg,
			 "unexpected answer: updated_at \"%.40s%s\" is not an RFC 3339 time",
			 in->last_updated, strlen(in->last_updated) > 40 ? "..." : "");
		return out->step = FETCH_LIST_FAIL;
	}
	if (!in->has_next || in->rows == 0)
		return out->step = FETCH_LIST_DONE;
	if (in->next_repeats) {
		snprintf(out->msg, sizeof out->msg,
			 "the server's next page repeats one already read (page %lld); refused",
			 (long long)page);
		return out->step = FETCH_LIST_FAIL;
	}
	if (in->next_len > FETCH_NEXT_URL_MAX) {
		snprintf(out->msg, sizeof out->msg,
			 "the server's next page URL is %zu bytes long (at most %d); refused",
			 in->next_len, FETCH_NEXT_URL_MAX);
		return out->step = FETCH_LIST_FAIL;
	}
	if (page + 1 <= max_pages)
		return out->step = FETCH_LIST_NEXT_PAGE;
	/* the offset limit: a new series from the last updated_at seen */
	if (!in->last_updated) {
		snprintf(out->msg, sizeof out->msg,
			 "more than %lld issues without updated_at; cannot page on",
			 (long long)in->max_offset);
		return out->step = FETCH_LIST_FAIL;
	}
	if (in->series_after && strcmp(in->series_after, in->last_updated) == 0) {
		snprintf(out->msg, sizeof out->msg,
			 "more than %lld issues share the updated_at %s; cannot page on",
			 (long long)in->max_offset, in->last_updated);
		return out->step = FETCH_LIST_FAIL;
	}
	return out->step = FETCH_LIST_CONTINUE;
}
