/* bench_textdeps: throughput (CPU time of this thread, so that other
 * load on the machine counts less) of textdeps_extract on a corpus (see
 * gen_corpus.py), and its time on worst-case inputs of growing size, to
 * show linear time. Built by run.sh, not by the default build.
 *
 *   bench_textdeps corpus.bin [runs]    MB/s per run and the median
 *   bench_textdeps --worst              MB/s per input and size */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "textdeps.h"

static const char *const origins[] = {"https://gitlab.example.com"};
static const struct textdeps_ctx ctx = {"group/app", 1, origins, 1, 0};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static size_t sink;

static void extract(const char *text, size_t len)
{
	struct textdeps d;
	if (textdeps_extract(text, len, &ctx, &d) < 0) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	sink += d.count;
	textdeps_release(&d);
}

static double time_one(const char *text, size_t len)
{
	struct textdeps d;
	double t0 = now();
	if (textdeps_extract(text, len, &ctx, &d) < 0) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	double t = now() - t0;
	sink += d.count;
	textdeps_release(&d);
	return t;
}

static int corpus(const char *path, int runs)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return 1;
	}
	size_t cap = 1 << 20, n = 0, r;
	char *buf = malloc(cap);
	while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap)
			buf = realloc(buf, cap *= 2);
	}
	fclose(f);
	if (!buf)
		return 1;
	size_t ndesc = 0, bytes = 0, deps = 0;
	double *mbs = calloc((size_t)runs, sizeof *mbs);
	for (int run = 0; run < runs; run++) {
		double total = 0;
		bytes = ndesc = 0;
		size_t before = sink;
		/* several passes over the corpus per run, so a run lasts ~0.5 s */
		double t0 = now();
		for (int pass = 0; pass < 10; pass++) {
			for (size_t off = 0; off + 4 <= n;) {
				unsigned char *p = (unsigned char *)buf + off;
				size_t len = (size_t)p[0] | (size_t)p[1] << 8 | (size_t)p[2] << 16 |
					     (size_t)p[3] << 24;
				extract(buf + off + 4, len);
				bytes += len;
				ndesc++;
				off += 4 + len;
			}
		}
		total = now() - t0;
		deps = (sink - before) / 10;
		mbs[run] = (double)bytes / 1e6 / total;
		printf("run %d: %.1f MB/s (%zu descriptions, %.1f MB, %.3f s)\n", run + 1, mbs[run],
		       ndesc, (double)bytes / 1e6, total);
	}
	qsort(mbs, (size_t)runs, sizeof *mbs, cmp_double);
	printf("median of %d runs: %.1f MB/s; %zu dependencies per corpus pass\n", runs,
	       mbs[runs / 2], deps);
	free(mbs);
	free(buf);
	return 0;
}

/* prefix, then pat repeated, then suffix, len bytes in all */
static void fill(char *b, size_t len, const char *prefix, const char *pat, const char *suffix)
{
	size_t pl = strlen(pat), fl = prefix ? strlen(prefix) : 0, sl = suffix ? strlen(suffix) : 0;
	size_t i = 0;
	for (; i < fl && i < len; i++)
		b[i] = prefix[i];
	for (size_t k = 0; i + sl < len; i++, k++)
		b[i] = pat[k % pl];
	for (size_t k = 0; i < len; i++, k++)
		b[i] = suffix[k];
}

/* "` `` ``` ````..." : every run a new length, none closed */
static void fill_runs(char *b, size_t len)
{
	size_t i = 0, k = 1;
	while (i < len) {
		for (size_t j = 0; j < k && i < len; j++)
			b[i++] = '`';
		if (i < len)
			b[i++] = 'a';
		k++;
	}
}

static int worst(void)
{
	static const struct {
		const char *name, *prefix, *pat, *suffix;
	} cases[] = {
	    {"backticks", NULL, "`", NULL},
	    {"lt", NULL, "<", NULL},
	    {"tilde", NULL, "~", NULL},
	    {"bracket", NULL, "[", NULL},
	    {"runs", NULL, NULL, NULL},
	    {"needs [", NULL, "needs [", NULL},
	    {"blocked by #1 ", NULL, "blocked by #1 ", NULL},
	    {"<!--", NULL, "<!--", NULL},
	    {"needs <url", NULL, "needs <https://gitlab.example.com/g/a/-/issues/1#", NULL},
	    /* grammar 2 */
	    {"heading lines", NULL, "## Blockers\n", NULL},
	    {"label lines", NULL, "**Depends-On:**\n", NULL},
	    {"list items", "## Blockers\n", "- [ ] #2, #3 and lib#4 (x)\n", NULL},
	    {"items, no ref", "## Blockers\n", "- [x] see\n\n", NULL},
	    {"one item line", "## Blockers\n- ", "[ ] - ", NULL},
	    {"waiting, no end", NULL, "waiting on #1 and #2 ", NULL},
	    {"waiting, 1 list", "waiting on ", "#1 ", NULL},
	    {"until/once", NULL, "until once ", NULL},
	    {"- runs", NULL, "-", NULL},
	    {"blocked-", NULL, "blocked-", NULL},
	    {"depends_on_", NULL, "depends_on_", NULL},
	    {"subject each", NULL, "#1 is blocked by #2 ", NULL},
	    {"subject gap", "#1 ", "is also ", "blocked by #2"},
	    {"needs#1/ chunk", NULL, "needs#1/", NULL},
	    {"url chunk", "https://gitlab.example.com/g/a/-/issues/1/", "needs#1/", " blocks #2"},
	    {"skip words", NULL, "blocked by issue ", NULL},
	    {"pull request", "blocked by ", "pull  request ", NULL},
	};
	static const size_t sizes[] = {64 << 10, 256 << 10, 1 << 20, 4 << 20};
	printf("MB/s, median of 5 runs (linear time: the same figure in each column)\n");
	printf("%-16s %10s %10s %10s %10s\n", "input", "64 KB", "256 KB", "1 MB", "4 MB");
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		printf("%-16s", cases[c].name);
		for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
			char *b = malloc(sizes[s]);
			if (!b)
				return 1;
			if (cases[c].pat)
				fill(b, sizes[s], cases[c].prefix, cases[c].pat, cases[c].suffix);
			else
				fill_runs(b, sizes[s]);
			double t[5];
			for (int r = 0; r < 5; r++)
				t[r] = time_one(b, sizes[s]);
			qsort(t, 5, sizeof *t, cmp_double);
			printf(" %10.1f", (double)sizes[s] / 1e6 / t[2]);
			fflush(stdout);
			free(b);
		}
		printf("\n");
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "--worst") == 0)
		return worst();
	if (argc < 2) {
		fprintf(stderr, "usage: bench_textdeps corpus.bin [runs] | --worst\n");
		return 2;
	}
	return corpus(argv[1], argc > 2 ? atoi(argv[2]) : 5);
}
