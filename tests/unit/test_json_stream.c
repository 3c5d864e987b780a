/* The streaming JSON writer of the analysis commands prints exactly what
 * cli_print_json() (json-c) prints for the same tree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

/* The writer's own allocations can be made to fail. */
static bool fail_alloc;
static void *test_alloc(size_t n)
{
	return fail_alloc ? NULL : malloc(n);
}
#define malloc(n) test_alloc(n)
#include "../../cli/json_stream.c"
#undef malloc
#include "analyze.h"

static uint64_t rng_state = 88172645463325252ULL;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state % n);
}

static const char *const keys[] = {"knots", "issues", "witness", "cut", "from", "to", "cost"};
static const char *const strings[] = {
    "g/a#1",	 "",	    "group/sub-app.x_y#123",	"quote\"back\\slash",
    "tab\there", "ctl\001", "caf\xc3\xa9 \xe6\x97\xa5", "sl/ash",
    "a b#2"};

/* Emit the same random value into a json-c tree (returned) and the writer. */
static struct json_object *gen(struct cli_jw *w, const char *key, int depth)
{
	uint32_t kind = depth >= 4 ? 2 + rnd(3) : rnd(5);
	switch (kind) {
	case 0: {
		struct json_object *o = json_object_new_object();
		cli_jw_object_begin(w, key);
		uint32_t n = rnd(4);
		for (uint32_t i = 0; i < n; i++) {
			/* distinct keys, as json-c objects hold each key once */
			const char *k = keys[(i * 3 + rnd(2)) % 7];
			if (json_object_object_get_ex(o, k, NULL))
				continue;
			json_object_object_add(o, k, gen(w, k, depth + 1));
		}
		cli_jw_object_end(w);
		return o;
	}
	case 1: {
		struct json_object *a = json_object_new_array();
		cli_jw_array_begin(w, key);
		uint32_t n = rnd(4);
		for (uint32_t i = 0; i < n; i++)
			json_object_array_add(a, gen(w, NULL, depth + 1));
		cli_jw_array_end(w);
		return a;
	}
	case 2: {
		const char *s = strings[rnd(sizeof strings / sizeof strings[0])];
		cli_jw_string(w, key, s, strlen(s));
		return json_object_new_string(s);
	}
	case 3: {
		int64_t v = (int64_t)rnd(1000) - 500;
		if (rnd(4) == 0)
			v = INT64_MIN + rnd(3);
		cli_jw_int(w, key, v);
		return json_object_new_int64(v);
	}
	default: {
		bool b = rnd(2);
		cli_jw_bool(w, key, b);
		return json_object_new_boolean(b);
	}
	}
}

static void test_json_stream__same_bytes_as_json_c(void **state)
{
	(void)state;
	for (int round = 0; round < 2000; round++) {
		char *buf = NULL;
		size_t len = 0;
		FILE *fp = open_memstream(&buf, &len);
		struct cli_jw w;
		cli_jw_init(&w, fp);
		struct json_object *tree = gen(&w, NULL, 0);
		fclose(fp);
		const char *want = json_object_to_json_string_ext(
		    tree, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
			      JSON_C_TO_STRING_NOSLASHESCAPE);
		size_t wl = strlen(want);
		assert_int_equal(len, wl + 1);
		assert_memory_equal(buf, want, wl);
		assert_int_equal(buf[wl], '\n');
		json_object_put(tree);
		free(buf);
	}
}

/* A ref too long for the writer's stack buffer that cannot be allocated is
 * an error the caller sees, not an empty string in the output. */
static void test_json_stream__unallocatable_ref_fails_the_writer(void **state)
{
	(void)state;
	char path[2000];
	memset(path, 'a', sizeof path - 1);
	path[sizeof path - 1] = '\0';
	char *paths[] = {path};
	uint32_t project[] = {0};
	int64_t iid[] = {7};
	struct analyze_graph g = {.n = 1, .project = project, .iid = iid, .project_path = paths};

	for (int fail = 0; fail <= 1; fail++) {
		char *buf = NULL;
		size_t len = 0;
		FILE *fp = open_memstream(&buf, &len);
		assert_non_null(fp);
		struct cli_jw w;
		cli_jw_init(&w, fp);
		cli_jw_object_begin(&w, NULL);
		fail_alloc = fail;
		cli_jw_ref(&w, "issue", &g, 0);
		fail_alloc = false;
		cli_jw_object_end(&w);
		fclose(fp);
		assert_int_equal(cli_jw_failed(&w), fail);
		assert_null(strstr(buf, "\"\""));
		if (fail)
			assert_null(strstr(buf, "#7"));
		else
			assert_non_null(strstr(buf, "aaaa#7\""));
		free(buf);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_json_stream__same_bytes_as_json_c),
	    cmocka_unit_test(test_json_stream__unallocatable_ref_fails_the_writer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
