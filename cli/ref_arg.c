/* Refs on the command line (SPEC "Words" -> ref): besides <project
 * path>#<iid>, an issue's URL on the store's instance and a short name#N
 * that exactly one stored project holds; and the "unknown ref" message
 * with the nearest real refs. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

/* ---- URLs --------------------------------------------------------------------- */

/* Length of the origin of url ("https://Host:443" of "https://Host:443/a"),
 * 0 when url has no http(s) scheme and host. */
static size_t origin_len(const char *url)
{
	size_t scheme = strncasecmp(url, "https://", 8) == 0  ? 8
			: strncasecmp(url, "http://", 7) == 0 ? 7
							      : 0;
	if (!scheme)
		return 0;
	size_t host = strcspn(url + scheme, "/?#");
	return host ? scheme + host : 0;
}

/* url[0..len) as a normalised base: scheme and host lower case, the
 * default port dropped, no trailing slash. malloc'd, NULL when out of memory. */
static char *base_normalise(const char *url, size_t len)
{
	char *b = strndup(url, len);
	if (!b)
		return NULL;
	size_t o = origin_len(b);
	for (size_t i = 0; i < o; i++)
		b[i] = (char)tolower((unsigned char)b[i]);
	size_t n = strlen(b);
	const char *port = strncmp(b, "https://", 8) == 0 ? ":443" : ":80";
	size_t pl = strlen(port);
	if (o >= pl && strncmp(b + o - pl, port, pl) == 0) {
		memmove(b + o - pl, b + o, n - o + 1);
		n -= pl;
	}
	while (n > 0 && b[n - 1] == '/' && n > (size_t)(strstr(b, "://") - b) + 3)
		b[--n] = '\0';
	return b;
}

static bool all_digits(const char *s, size_t n)
{
	if (n == 0 || n > 18 || s[0] == '0')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

/*
 * The ref an issue URL names, given the part after the instance's base
 * ("/g/app/-/issues/14/designs?x#note_1" -> "g/app#14"): the project path,
 * then "-/issues/N" or "issues/N" (or work_items), then anything. NULL when
 * rest names no issue; malloc'd.
 */
static char *ref_of_url_path(const char *rest)
{
	if (*rest != '/')
		return NULL;
	size_t len = strcspn(rest, "?#");
	const char *p = rest + 1, *end = rest + len;
	/* segments: [p, p+n) each */
	const char *seg[64];
	size_t seglen[64], n = 0;
	while (p < end && n < 64) {
		const char *slash = memchr(p, '/', (size_t)(end - p));
		size_t l = (size_t)((slash ? slash : end) - p);
		seg[n] = p;
		seglen[n++] = l;
		p += l + 1;
	}
	for (size_t i = 1; i + 1 < n; i++) {
		bool kind = (seglen[i] == 6 && strncmp(seg[i], "issues", 6) == 0) ||
			    (seglen[i] == 10 && strncmp(seg[i], "work_items", 10) == 0);
		if (!kind || !all_digits(seg[i + 1], seglen[i + 1]))
			continue;
		size_t last = i; /* path: seg[0..last) without a trailing "-" */
		if (seglen[last - 1] == 1 && seg[last - 1][0] == '-')
			last--;
		if (last == 0)
			continue;
		size_t plen = (size_t)(seg[last - 1] + seglen[last - 1] - seg[0]);
		size_t out_len = plen + 1 + seglen[i + 1];
		char *ref = malloc(out_len + 1);
		if (!ref)
			return NULL;
		memcpy(ref, seg[0], plen);
		ref[plen] = '#';
		memcpy(ref + plen + 1, seg[i + 1], seglen[i + 1]);
		ref[out_len] = '\0';
		return ref;
	}
	return NULL;
}

bool cli_ref_is_url(const char *arg)
{
	return origin_len(arg) != 0;
}

/* The syntax of a command-line ref: a ref (short or full) or an issue URL
 * whose path names one. */
int cli_ref_check(const char *cmd, const char *what, const char *arg)
{
	char *path = NULL;
	int64_t iid;
	if (cli_ref_is_url(arg)) {
		char *ref = ref_of_url_path(arg + origin_len(arg));
		/* an instance under a path prefix: try each later '/' as the base */
		for (const char *q = arg + origin_len(arg); !ref && q && *q == '/';
		     q = strchr(q + 1, '/'))
			ref = ref_of_url_path(q);
		bool ok = ref && store_ref_parse(ref, &path, &iid) == 0;
		free(ref);
		free(path);
		if (ok)
			return 0;
		return cli_usage(cmd,
				 "%s'%s' is not an issue URL (expected <instance>/<project "
				 "path>/-/issues/<iid>)",
				 what, arg);
	}
	if (store_ref_parse(arg, &path, &iid) == 0) {
		free(path);
		return 0;
	}
	return cli_usage(cmd,
			 "%s'%s' is not a ref (expected <project path>#<iid>, e.g. group/app#14, "
			 "a short app#14, or the issue's URL)",
			 what, arg);
}

/* ---- the store's projects ------------------------------------------------------ */

struct proj_list {
	char **path, **base; /* base: web_url without "/<path>", normalised, or NULL */
	size_t n, cap;
	bool oom;
};

static int on_project(void *ctx, const struct store_project *p)
{
	struct proj_list *l = ctx;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		char **np = realloc(l->path, cap * sizeof *np);
		if (np)
			l->path = np;
		char **nb = np ? realloc(l->base, cap * sizeof *nb) : NULL;
		if (!nb) {
			l->oom = true;
			return 1;
		}
		l->base = nb;
		l->cap = cap;
	}
	char *base = NULL;
	size_t ul = p->web_url ? strlen(p->web_url) : 0, pl = strlen(p->path);
	if (ul > pl + 1 && p->web_url[ul - pl - 1] == '/' &&
	    strcmp(p->web_url + ul - pl, p->path) == 0 && origin_len(p->web_url))
		base = base_normalise(p->web_url, ul - pl - 1);
	l->path[l->n] = strdup(p->path);
	l->base[l->n] = base;
	if (!l->path[l->n]) {
		free(base);
		l->oom = true;
		return 1;
	}
	l->n++;
	return 0;
}

static void proj_list_free(struct proj_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->path[i]);
		free(l->base[i]);
	}
	free(l->path);
	free(l->base);
}

/* The part of url after a base it starts with (instance or a project's
 * web_url base), or NULL. */
static const char *after_base(const char *url_norm, const char *base)
{
	size_t n = base ? strlen(base) : 0;
	if (!n || strncmp(url_norm, base, n) != 0 || url_norm[n] != '/')
		return NULL;
	return url_norm + n;
}

int cli_ref_canonical(struct store *s, const char *cmd, const char *arg, char **out)
{
	*out = NULL;
	bool url = cli_ref_is_url(arg);
	char *path = NULL;
	int64_t iid = 0;
	if (!url && store_ref_parse(arg, &path, &iid) != 0)
		return cli_ref_check(cmd, "", arg);
	if (!url && strchr(path, '/')) { /* a full ref */
		free(path);
		if (!(*out = strdup(arg))) {
			cli_error(cmd, "out of memory");
			return CLI_EXIT_NOMEM;
		}
		return 0;
	}
	struct proj_list l = {0};
	char *instance = NULL, *norm = NULL;
	int rc = 0;
	if (store_each_project(s, on_project, &l) != 0 || l.oom ||
	    store_get_instance(s, &instance) != 0) {
		if (l.oom)
			cli_error(cmd, "out of memory");
		else
			cli_error(cmd, "%s", store_errmsg(s));
		rc = l.oom ? CLI_EXIT_NOMEM : CLI_EXIT_STORE;
		goto done;
	}
	if (url) {
		/* the URL's origin normalised as the bases are, its path as given */
		char *origin = base_normalise(arg, origin_len(arg));
		const char *tail = arg + origin_len(arg);
		if (!origin || !(norm = malloc(strlen(origin) + strlen(tail) + 1))) {
			free(origin);
			cli_error(cmd, "out of memory");
			rc = CLI_EXIT_NOMEM;
			goto done;
		}
		strcpy(norm, origin);
		strcat(norm, tail);
		free(origin);
		char *inst = instance ? base_normalise(instance, strlen(instance)) : NULL;
		const char *rest = after_base(norm, inst);
		for (size_t i = 0; !rest && i < l.n; i++)
			rest = after_base(norm, l.base[i]);
		char *ref = rest ? ref_of_url_path(rest) : NULL;
		free(inst);
		if (!ref) {
			cli_error(cmd, "%s is not an issue URL of this store's instance (%s)", arg,
				  instance ? instance : "none recorded");
			rc = CLI_EXIT_USAGE;
			goto done;
		}
		*out = ref;
		goto done;
	}
	/* name#N: the stored projects whose last segment is name and hold N */
	size_t found = 0, first = 0;
	for (size_t i = 0; i < l.n; i++) {
		const char *slash = strrchr(l.path[i], '/');
		const char *last = slash ? slash + 1 : l.path[i];
		int64_t id;
		if (strcmp(last, path) != 0 || store_find_issue(s, l.path[i], iid, &id) != 0)
			continue;
		if (found++ == 0)
			first = i;
	}
	if (found == 1) {
		size_t n = strlen(l.path[first]) + 24;
		if ((*out = malloc(n)) != NULL)
			snprintf(*out, n, "%s#%lld", l.path[first], (long long)iid);
		else {
			cli_error(cmd, "out of memory");
			rc = CLI_EXIT_NOMEM;
		}
	} else if (found > 1) {
		cli_error(cmd, "%s names an issue in %zu projects; give the full ref:", arg, found);
		for (size_t i = 0; i < l.n; i++) {
			const char *slash = strrchr(l.path[i], '/');
			int64_t id;
			if (strcmp(slash ? slash + 1 : l.path[i], path) == 0 &&
			    store_find_issue(s, l.path[i], iid, &id) == 0) {
				fputs("  ", stderr);
				cli_print_safe(stderr, l.path[i]);
				fprintf(stderr, "#%lld\n", (long long)iid);
			}
		}
		rc = CLI_EXIT_USAGE;
	} else {
		/* no such issue: left to the caller's "unknown ref" */
		if (!(*out = strdup(arg))) {
			cli_error(cmd, "out of memory");
			rc = CLI_EXIT_NOMEM;
		}
	}
done:
	free(norm);
	free(instance);
	free(path);
	proj_list_free(&l);
	return rc;
}

/* ---- the nearest refs ------------------------------------------------------------ */

size_t cli_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 256 || lb > 256)
		return la > lb ? la : lb;
	size_t row[257];
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

int cli_nearest_refs(const struct analyze_graph *g, const char *ref, uint32_t *out, int max)
{
	char *path = NULL;
	int64_t iid = 0;
	if (store_ref_parse(ref, &path, &iid) != 0 || max <= 0)
		return 0;
	size_t *pd = malloc((g->n_projects ? g->n_projects : 1) * sizeof *pd);
	if (!pd) {
		free(path);
		return 0;
	}
	/* a short name compares with the last segment of each path */
	bool short_name = !strchr(path, '/');
	for (uint32_t p = 0; p < g->n_projects; p++) {
		const char *slash = strrchr(g->project_path[p], '/');
		pd[p] =
		    cli_edit_distance(short_name && slash ? slash + 1 : g->project_path[p], path);
	}
	int n = 0;
	for (uint32_t v = 0; v < g->n; v++) {
		/* insert v into out[0..n) by (project distance, iid distance, ref) */
		uint64_t dv = (uint64_t)(g->iid[v] > iid ? g->iid[v] - iid : iid - g->iid[v]);
		int at = n;
		while (at > 0) {
			uint32_t u = out[at - 1];
			uint64_t du = (uint64_t)(g->iid[u] > iid ? g->iid[u] - iid : iid - g->iid[u]);
			size_t pu = pd[g->project[u]], pv = pd[g->project[v]];
			if (pu < pv || (pu == pv && du <= dv))
				break;
			at--;
		}
		if (at >= max)
			continue;
		if (n < max)
			n++;
		memmove(out + at + 1, out + at, (size_t)(n - 1 - at) * sizeof *out);
		out[at] = v;
	}
	free(pd);
	free(path);
	return n;
}
