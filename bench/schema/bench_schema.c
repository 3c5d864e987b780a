/* The schema check on open (store/schema.c, store_schema_check): its cost
 * alone, and a whole store_open() + store_close() of a store, in
 * milliseconds, median of RUNS. Built and run by bench/schema/run.sh
 * (white-box: it reads store's internal header). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "store.h"
#include "store_internal.h"

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bench_schema STORE [RUNS]\n");
		return 2;
	}
	int runs = argc > 2 ? atoi(argv[2]) : 25;
	if (runs < 1)
		runs = 1;
	double *check = malloc((size_t)runs * sizeof *check),
	       *open = malloc((size_t)runs * sizeof *open);
	if (!check || !open)
		return 1;
	for (int r = 0; r < runs; r++) {
		struct store *s = NULL;
		double t0 = now_ms();
		if (store_open(&s, argv[1], 0) != 0) {
			fprintf(stderr, "bench_schema: %s: %s\n", argv[1], store_errmsg(NULL));
			return 1;
		}
		double t1 = now_ms();
		char diff[400];
		if (store_schema_check(s, STORE_SCHEMA_VERSION, diff, sizeof diff) != 0 ||
		    diff[0]) {
			fprintf(stderr, "bench_schema: the check failed: %s%s\n", store_errmsg(s),
				diff);
			return 1;
		}
		double t2 = now_ms();
		if (store_close(s) != 0)
			return 1;
		open[r] = t1 - t0;
		check[r] = t2 - t1;
	}
	double mc = median(check, runs), mo = median(open, runs); /* sorts both */
	printf("schema check: %.3f ms median of %d (min %.3f, max %.3f)\n", mc, runs, check[0],
	       check[runs - 1]);
	printf("store_open (check included): %.3f ms median of %d (min %.3f, max %.3f)\n", mo, runs,
	       open[0], open[runs - 1]);
	free(check);
	free(open);
	return 0;
}
