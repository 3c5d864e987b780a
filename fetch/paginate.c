/*
 * The Link header (RFC 8288): the one parser written by hand, because no
 * library we link has one. It only needs rel="next": entries are
 * `<URI>` followed by `; param=value` (value a token or a quoted string),
 * separated by commas; rel may hold several space-separated types.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fetch.h"

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Does the rel value [b, e) name "next" among its space-separated types? */
static bool rel_has_next(const char *b, const char *e)
{
	while (b < e) {
		while (b < e && isspace((unsigned char)*b))
			b++;
		const char *w = b;
		while (b < e && !isspace((unsigned char)*b))
			b++;
		if (b - w == 4 && strncasecmp(w, "next", 4) == 0)
			return true;
	}
	return false;
}

int fetch_link_next(const char *header, char **out)
{
	const char *p = header;
	*out = NULL;
	if (!p)
		return 0;
	for (;;) {
		p = skip_ws(p);
		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		if (*p != '<')
			return 0; /* end, or not a Link value we understand */
		const char *ub = ++p;
		const char *ue = strchr(p, '>');
		if (!ue)
			return 0;
		p = ue + 1;
		bool next = false;
		/* parameters until the next ',' that is outside quotes */
		for (;;) {
			p = skip_ws(p);
			if (*p != ';')
				break;
			p = skip_ws(p + 1);
			const char *nb = p;
			while (*p && *p != '=' && *p != ';' && *p != ',' && *p != ' ' && *p != '\t')
				p++;
			const char *ne = p;
			p = skip_ws(p);
			const char *vb = p, *ve = p;
			if (*p == '=') {
				p = skip_ws(p + 1);
				if (*p == '"') {
					vb = ++p;
					while (*p && *p != '"') {
						if (*p == '\\' && p[1])
							p++;
						p++;
					}
					ve = p;
					if (*p == '"')
						p++;
				} else {
					vb = p;
					while (*p && *p != ';' && *p != ',' && *p != ' ' &&
					       *p != '\t')
						p++;
					ve = p;
				}
			}
			if (ne - nb == 3 && strncasecmp(nb, "rel", 3) == 0 && rel_has_next(vb, ve))
				next = true;
		}
		if (next) {
			size_t n = (size_t)(ue - ub);
			char *u = malloc(n + 1);
			if (!u)
				return FETCH_ENOMEM;
			memcpy(u, ub, n);
			u[n] = '\0';
			*out = u;
			return 0;
		}
		/* skip anything unexpected up to the next entry */
		while (*p && *p != ',')
			p++;
		if (!*p)
			return 0;
	}
}
