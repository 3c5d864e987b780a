/* store snapshots: store_import_json / store_export_json on real files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "store.h"

static char tmpdir[256];
static struct store *st;

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/ig-test-snapshot-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	char db[320];
	snprintf(db, sizeof db, "%s/s.db", tmpdir);
	return store_open(&st, db, STORE_OPEN_CREATE | STORE_OPEN_EXCLUSIVE);
}

static int teardown(void **state)
{
	(void)state;
	store_close(st);
	char cmd[320];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* The store's export as a malloc'd string. */
static char *export_str(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(store_export_json(st, f), 0);
	fclose(f);
	return buf;
}

static int import_str(const char *json)
{
	return store_import_json(st, json, strlen(json));
}

/* The exact export of SMALL, written out: the format is a contract. */
static const char small[] =
    "{\"version\":1,\"source\":\"https://gl.example.com\","
    "\"links\":[{\"id\":7,\"source_issue_id\":2,\"target_issue_id\":1,\"link_type\":\"is_blocked_"
    "by\"},"
    "{\"id\":8,\"source_issue_id\":2,\"target_issue_id\":1,\"link_type\":\"relates_to\"}],"
    "\"issues\":[{\"id\":2,\"project_id\":5,\"iid\":2,\"title\":\"b/\\u00e9\",\"state\":\"closed\","
    "\"labels\":null,\"closed_at\":\"2026-02-01T00:00:00Z\"},"
    "{\"id\":1,\"project_id\":5,\"iid\":1,\"title\":\"a\",\"state\":\"opened\",\"confidential\":"
    "true,"
    "\"weight\":2,\"time_stats\":{\"time_estimate\":60},\"milestone\":{\"title\":\"m\"},"
    "\"due_date\":\"2024-02-29\",\"labels\":[\"x\",\"y z\"],\"unknown\":[{}],"
    "\"assignees\":[{\"username\":\"zed\",\"id\":9,\"name\":\"Z\"},{\"username\":\"ana.b-c_\"}]}],"
    "\"projects\":[{\"id\":5,\"path_with_namespace\":\"g/p\"}],\"extra\":{\"a\":[1,2,3]}}";

static const char small_export[] =
    "{\n"
    "  \"version\": 1,\n"
    "  \"source\": \"https://gl.example.com\",\n"
    "  \"projects\": [\n"
    "    {\"id\":5,\"path_with_namespace\":\"g/p\",\"web_url\":null}\n"
    "  ],\n"
    "  \"issues\": [\n"
    "    "
    "{\"id\":1,\"project_id\":5,\"iid\":1,\"title\":\"a\",\"state\":\"opened\",\"confidential\":"
    "true,"
    "\"weight\":2,\"time_stats\":{\"time_estimate\":60,\"total_time_spent\":0},"
    "\"milestone\":{\"title\":\"m\",\"due_date\":null},\"due_date\":\"2024-02-29\","
    "\"labels\":[\"x\",\"y z\"],\"assignees\":[{\"username\":\"zed\"},{\"username\":\"ana.b-c_\"}],"
    "\"created_at\":null,\"updated_at\":null,\"closed_at\":null,"
    "\"web_url\":null},\n"
    "    {\"id\":2,\"project_id\":5,\"iid\":2,\"title\":\"b/\xc3\xa9\",\"state\":\"closed\","
    "\"confidential\":false,\"weight\":null,\"time_stats\":{\"time_estimate\":0,\"total_time_"
    "spent\":0},"
    "\"milestone\":null,\"due_date\":null,\"labels\":[],\"assignees\":[],\"created_at\":null,"
    "\"updated_at\":null,"
    "\"closed_at\":\"2026-02-01T00:00:00Z\",\"web_url\":null}\n"
    "  ],\n"
    "  \"links\": [\n"
    "    {\"id\":7,\"source_issue_id\":1,\"target_issue_id\":2,\"link_type\":\"blocks\"},\n"
    "    {\"id\":8,\"source_issue_id\":1,\"target_issue_id\":2,\"link_type\":\"relates_to\"}\n"
    "  ],\n"
    "  \"text_deps\": []\n"
    "}\n";

static void test_snapshot__exports_in_fixed_form_and_round_trips(void **state)
{
	(void)state;
	assert_int_equal(import_str(small), 0);
	struct store_import_counts n;
	store_import_counts(st, &n);
	assert_int_equal(n.projects, 1);
	assert_int_equal(n.issues, 2);
	assert_int_equal(n.links, 2);
	assert_int_equal(store_require_populated(st), 0);
	char *inst = NULL;
	assert_int_equal(store_get_instance(st, &inst), 0);
	assert_string_equal(inst, "https://gl.example.com");
	free(inst);

	char *first = export_str();
	assert_string_equal(first, small_export);
	assert_int_equal(import_str(first), 0);
	char *second = export_str();
	assert_string_equal(first, second);
	free(first);
	free(second);
}

static void test_snapshot__empty_arrays(void **state)
{
	(void)state;
	assert_int_equal(import_str("{\"version\":1,\"source\":\"\",\"projects\":[],\"issues\":[ ],"
				    "\"links\":[\n]}"),
			 0);
	char *out = export_str();
	assert_string_equal(out, "{\n  \"version\": 1,\n  \"source\": \"\",\n  \"projects\": [],\n"
				 "  \"issues\": [],\n  \"links\": [],\n  \"text_deps\": []\n}\n");
	char *inst = (char *)"x";
	assert_int_equal(store_get_instance(st, &inst), 0);
	assert_null(inst);
	free(out);
}

/* Each bad input: refused with STORE_EINVAL, message as given, store unchanged. */
static void test_snapshot__refusals_name_the_problem_and_change_nothing(void **state)
{
	(void)state;
	static const struct {
		const char *json, *msg;
	} cases[] = {
	    {"", "empty file, expected a JSON snapshot"},
	    {"{\"version\":1,\n\"source\":\"s\",\n  \"projects\": [",
	     "line 3, column 16: unexpected end of input"},
	    {"{\"version\":1,\"source\":\"s\"\n\n   x",
	     "line 3, column 4: not valid JSON: expected ',' or '}'"},
	    {"{\"version\":1,\"source\":\"s\",\"projects\":[],\"issues\":[],\"links\":[]} []",
	     "line 1, column 65: unexpected data after the JSON document"},
	    {"{\"version\":1,\"source\":\"s\",\"projects\":[{\"id\":1,\"path_with_namespace\":"
	     "\"p\"}],"
	     "\"issues\":[{\"id\":3,\"project_id\":2,\"iid\":1,\"title\":\"t\",\"state\":"
	     "\"opened\"}],\"links\":[]}",
	     "issues[0].project_id: 2 is not a project of the snapshot"},
	    {"{\"version\":1,\"source\":\"s\",\"projects\":[{\"id\":1,\"path_with_namespace\":"
	     "\"p\"}],"
	     "\"issues\":[{\"id\":3,\"project_id\":1,\"iid\":1,\"title\":\"t\",\"state\":"
	     "\"opened\","
	     "\"weight\":1.5}],\"links\":[]}",
	     "issues[0].weight: expected an integer >= 0 or null"},
	    {"{\"version\":1,\"source\":\"s\",\"projects\":[{\"id\":1,\"path_with_namespace\":"
	     "\"p\"}],"
	     "\"issues\":[{\"id\":3,\"project_id\":1,\"iid\":1,\"title\":\"t\",\"state\":"
	     "\"opened\"},"
	     "{\"id\":4,\"project_id\":1,\"iid\":2,\"title\":\"t\",\"state\":\"opened\"}],"
	     "\"links\":[{\"id\":9,\"source_issue_id\":3,\"target_issue_id\":4,\"link_type\":"
	     "\"relates_to\"},"
	     "{\"id\":9,\"source_issue_id\":4,\"target_issue_id\":3,\"link_type\":\"relates_to\"},"
	     "{\"id\":9,\"source_issue_id\":4,\"target_issue_id\":3,\"link_type\":\"blocks\"}]}",
	     "links[2]: id 9 already names a different relation (relates_to 3<->4)"},
	    {"{\"version\":1,\"source\":\"s\",\"projects\":[],\"issues\":[],\"links\":[],"
	     "\"issues\":[]}",
	     "issues: given twice"},
#define AS_HEAD                                                                                    \
	"{\"version\":1,\"source\":\"s\",\"projects\":[{\"id\":1,\"path_with_namespace\":"         \
	"\"p\"}],\"issues\":[{\"id\":3,\"project_id\":1,\"iid\":1,\"title\":\"t\",\"state\":"      \
	"\"opened\",\"assignees\":"
	    {AS_HEAD "\"ana\"}],\"links\":[]}",
	     "issues[0].assignees: expected an array of objects or null"},
	    {AS_HEAD "[\"ana\"]}],\"links\":[]}",
	     "issues[0].assignees: expected an array of objects or null"},
	    {AS_HEAD "[{\"name\":\"Ana\"}]}],\"links\":[]}", "issues[0].assignees.username: missing"},
	    {AS_HEAD "[{\"username\":7}]}],\"links\":[]}",
	     "issues[0].assignees.username: expected a string"},
	    {AS_HEAD "[{\"username\":\"\"}]}],\"links\":[]}",
	     "issues[0].assignees.username: \"\" is not a username"},
	    {AS_HEAD "[{\"username\":\"a b\"}]}],\"links\":[]}",
	     "issues[0].assignees.username: \"a b\" is not a username"},
	    {AS_HEAD "[{\"username\":\"ana\\u202e\"}]}],\"links\":[]}",
	     "issues[0].assignees.username: \"ana\xe2\x80\xae\" is not a username"},
	    {"{\"version\":1,\"source\":\"s\",\"projects\":[],\"issues\":[],\"links\":[[]]}",
	     "links[0]: expected an object"},
	    {"{\"version\":1,\"source\":\"s\",\"projects\":[],\"issues\":[],\"links\":[],}",
	     "line 1, column 64: not valid JSON: unexpected character"},
	    {"{\"version\":1,\"source\":\"s\",\"projects\":[],\"issues\":[]}",
	     "links: missing (expected an array)"},
	    {"{'version':1}", "line 1, column 2: not valid JSON: unexpected character"},
	    /* an unknown key's value is skipped, its members' keys checked */
	    {"{\"version\":1,\"x\":{1:2}}",
	     "line 1, column 19: not valid JSON: expected a string key"},
	    {"{\"version\":1,\"x\":{\"a\" 2}}", "line 1, column 23: not valid JSON: expected ':'"},
	    {"{\"version\":1,\"x\":{\"a\":1,2:3}}",
	     "line 1, column 25: not valid JSON: expected a string key"},
	    {"{\"version\":1,\"x\":{\"a\":1,\"b\" 3}}",
	     "line 1, column 29: not valid JSON: expected ':'"},
#define TD_HEAD                                                                                    \
	"{\"version\":1,\"source\":\"s\",\"projects\":[{\"id\":1,\"path_with_namespace\":"         \
	"\"p\"}],\"issues\":[{\"id\":3,\"project_id\":1,\"iid\":1,\"title\":\"t\",\"state\":"      \
	"\"opened\"},{\"id\":4,\"project_id\":1,\"iid\":2,\"title\":\"t\",\"state\":"              \
	"\"opened\"}],\"links\":[],\"text_deps\":["
	    {TD_HEAD "{\"source_issue_id\":3,\"target_issue_id\":4,\"link_type\":\"relates_to\","
		     "\"line\":1,\"phrase\":\"blocks\"}]}",
	     "text_deps[0].link_type: \"relates_to\" is not one of blocks, is_blocked_by"},
	    {TD_HEAD "{\"source_issue_id\":3,\"target_issue_id\":3,\"link_type\":\"blocks\","
		     "\"line\":1,\"phrase\":\"blocks\"}]}",
	     "text_deps[0]: issue 3 names itself"},
	    {TD_HEAD "{\"source_issue_id\":3,\"target_issue_id\":4,\"link_type\":\"blocks\","
		     "\"line\":1,\"phrase\":\"blocks\"},{\"source_issue_id\":3,\"target_issue_"
		     "id\":9,\"link_type\":\"blocks\",\"line\":1,\"phrase\":\"blocks\"}]}",
	     "text_deps[1].target_issue_id: 9 is not an issue of the snapshot"},
	    {TD_HEAD "{\"source_issue_id\":3,\"target_issue_id\":4,\"link_type\":\"blocks\","
		     "\"line\":0,\"phrase\":\"blocks\"}]}",
	     "text_deps[0].line: expected a positive integer"},
	    {TD_HEAD "{\"source_issue_id\":3,\"target_issue_id\":4,\"link_type\":\"blocks\","
		     "\"line\":\"2\",\"phrase\":\"blocks\"}]}",
	     "text_deps[0].line: expected a positive integer"},
	    {TD_HEAD "{\"source_issue_id\":3,\"target_issue_id\":4,\"link_type\":\"blocks\","
		     "\"line\":2,\"phrase\":null}]}",
	     "text_deps[0].phrase: expected a string"},
	    {TD_HEAD "{\"source_issue_id\":3,\"target_issue_id\":4,\"link_type\":\"blocks\","
		     "\"line\":2}]}",
	     "text_deps[0].phrase: missing"},
	    {TD_HEAD "7]}", "text_deps[0]: expected an object"},
	    {"{\"version\":1,\"source\":\"s\",\"projects\":[],\"issues\":[],\"links\":[],"
	     "\"text_deps\":{}}",
	     "text_deps: expected an array"},
#undef TD_HEAD
	};
	assert_int_equal(import_str(small), 0);
	char *before = export_str();
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		int rc = import_str(cases[k].json);
		if (rc != STORE_EINVAL || strcmp(store_errmsg(st), cases[k].msg) != 0)
			fail_msg("case %zu: rc %d, message '%s', wanted '%s'", k, rc,
				 store_errmsg(st), cases[k].msg);
		char *after = export_str();
		assert_string_equal(before, after);
		free(after);
	}
	free(before);
}

/* text_deps: loaded even before the issues they name, duplicates merged
 * (smallest line and its phrase), exported sorted and round-tripped. */
static void test_snapshot__text_deps_merge_sort_and_round_trip(void **state)
{
	(void)state;
	static const char in[] =
	    "{\"text_deps\":["
	    "{\"source_issue_id\":2,\"target_issue_id\":1,\"link_type\":\"blocks\",\"line\":4,"
	    "\"phrase\":\"required by\"},"
	    "{\"source_issue_id\":1,\"target_issue_id\":3,\"link_type\":\"is_blocked_by\","
	    "\"line\":9,\"phrase\":\"needs\",\"extra\":1},"
	    "{\"source_issue_id\":1,\"target_issue_id\":2,\"link_type\":\"is_blocked_by\","
	    "\"line\":7,\"phrase\":\"depends on\"},"
	    "{\"source_issue_id\":1,\"target_issue_id\":2,\"link_type\":\"is_blocked_by\","
	    "\"line\":3,\"phrase\":\"blocked by\"},"
	    "{\"source_issue_id\":1,\"target_issue_id\":2,\"link_type\":\"blocks\",\"line\":5,"
	    "\"phrase\":\"blocks\"}],"
	    "\"version\":1,\"source\":\"s\",\"links\":[],"
	    "\"issues\":[{\"id\":1,\"project_id\":5,\"iid\":1,\"title\":\"a\",\"state\":"
	    "\"opened\"},{\"id\":2,\"project_id\":5,\"iid\":2,\"title\":\"b\",\"state\":"
	    "\"opened\"},{\"id\":3,\"project_id\":5,\"iid\":3,\"title\":\"c\",\"state\":"
	    "\"closed\"}],"
	    "\"projects\":[{\"id\":5,\"path_with_namespace\":\"g/p\"}]}";
	assert_int_equal(import_str(in), 0);
	struct store_counts c;
	assert_int_equal(store_counts(st, &c), 0);
	/* pairs: 2->1 (twice, from both sides), 1->2, 3->1 */
	assert_int_equal(c.text_deps, 3);
	char *first = export_str();
	const char *td = strstr(first, "  \"text_deps\": [\n");
	assert_non_null(td);
	assert_string_equal(
	    td, "  \"text_deps\": [\n"
		"    {\"source_issue_id\":1,\"target_issue_id\":2,\"link_type\":\"blocks\","
		"\"line\":5,\"phrase\":\"blocks\"},\n"
		"    {\"source_issue_id\":1,\"target_issue_id\":2,\"link_type\":\"is_blocked_by\","
		"\"line\":3,\"phrase\":\"blocked by\"},\n"
		"    {\"source_issue_id\":1,\"target_issue_id\":3,\"link_type\":\"is_blocked_by\","
		"\"line\":9,\"phrase\":\"needs\"},\n"
		"    {\"source_issue_id\":2,\"target_issue_id\":1,\"link_type\":\"blocks\","
		"\"line\":4,\"phrase\":\"required by\"}\n"
		"  ]\n"
		"}\n");
	assert_int_equal(import_str(first), 0);
	char *second = export_str();
	assert_string_equal(first, second);
	free(first);
	free(second);
	/* An older snapshot (no text_deps) replaces them with none. */
	assert_int_equal(import_str(small), 0);
	assert_int_equal(store_counts(st, &c), 0);
	assert_int_equal(c.text_deps, 0);
}

/* A few thousand generated issues, links given in every spelling. */
static void test_snapshot__generated_round_trip(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	fputs("{\"links\":[", f);
	for (int k = 0; k < 6000; k++) {
		static const char *const kinds[] = {"blocks", "is_blocked_by", "relates_to"};
		int a = 100 + (k * 7919) % 3000, b = 100 + (k * 104729 + 13) % 3000;
		if (a == b)
			b = a == 100 ? 101 : 100;
		fprintf(f,
			"%s{\"id\":%d,\"source_issue_id\":%d,\"target_issue_id\":%d,\"link_type\":"
			"\"%s\"}",
			k ? "," : "", 50000 - k, a, b, kinds[k % 3]);
	}
	fputs("],\"issues\":[", f);
	for (int k = 0; k < 3000; k++)
		fprintf(f,
			"%s{\"id\":%d,\"project_id\":%d,\"iid\":%d,\"title\":\"issue \\\"%d\\\"\","
			"\"state\":\"%s\",\"weight\":%s,\"labels\":[\"l%d\"]}",
			k ? "," : "", 3099 - k, 1 + k % 3, 1 + k, k, k % 4 ? "opened" : "closed",
			k % 5 ? "3" : "null", k % 7);
	fputs("],\"projects\":[{\"id\":3,\"path_with_namespace\":\"c\"},{\"id\":1,\"path_with_"
	      "namespace\":\"a\"},"
	      "{\"id\":2,\"path_with_namespace\":\"b/b\"}],\"source\":\"https://x\",\"version\":1}",
	      f);
	fclose(f);
	assert_int_equal(store_import_json(st, buf, len), 0);
	free(buf);
	struct store_counts c;
	assert_int_equal(store_counts(st, &c), 0);
	assert_int_equal(c.issues_opened + c.issues_closed, 3000);
	assert_int_equal(c.links_blocks + c.links_relates, 6000);
	char *first = export_str();
	assert_int_equal(import_str(first), 0);
	char *second = export_str();
	assert_string_equal(first, second);
	/* sorted by id */
	assert_non_null(strstr(first, "{\"id\":44001,"));
	assert_true(strstr(first, "{\"id\":44001,") < strstr(first, "{\"id\":44002,"));
	free(first);
	free(second);
}

/* The streamed reader (a 1 MiB window) reads the same as the buffer one:
 * records, saved arrays and an unknown value that cross window edges. */
static void test_snapshot__file_import_streams_across_window_edges(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	fputs("{\"unknown\":{\"big\":\"", f);
	for (int k = 0; k < 1500000; k++)
		fputc('a' + k % 26, f);
	fputs("\",\"n\":[1,-2.5e3,true,null,{}]},\"links\":[", f);
	for (int k = 0; k < 6000; k++)
		fprintf(f,
			"%s{\"id\":%d,\"source_issue_id\":%d,\"target_issue_id\":%d,\"link_type\":"
			"\"blocks\"}",
			k ? ",\n" : "", k + 1, 100 + k % 3000, 100 + (k * 7 + 1) % 3000);
	fputs("],\"issues\":[", f);
	for (int k = 0; k < 3000; k++) {
		fprintf(f, "%s{\"id\":%d,\"project_id\":1,\"iid\":%d,\"title\":\"", k ? "," : "",
			100 + k, 1 + k);
		for (int c = 0; c < 400; c++)
			fputc('A' + (k + c) % 26, f);
		fputs("\",\"state\":\"opened\",\"labels\":[\"x\"]}", f);
	}
	fputs("],\"projects\":[{\"id\":1,\"path_with_namespace\":\"a/b\"}],"
	      "\"source\":\"https://x\",\"version\":1}\n",
	      f);
	fclose(f);
	assert_true(len > 3 * (1 << 20));
	assert_int_equal(store_import_json(st, buf, len), 0);
	char *from_buffer = export_str();

	FILE *in = tmpfile();
	assert_non_null(in);
	assert_int_equal(fwrite(buf, 1, len, in), len);
	rewind(in);
	assert_int_equal(import_str(small), 0);
	assert_int_equal(store_import_json_file(st, in), 0);
	char *from_file = export_str();
	assert_string_equal(from_buffer, from_file);

	/* an error in a saved array names its place in the input */
	char *bad = strstr(buf, "\"id\":5000,");
	assert_non_null(bad);
	bad[1] = 'X'; /* "Xd": an unknown key, so id is missing */
	rewind(in);
	assert_int_equal(fwrite(buf, 1, len, in), len);
	rewind(in);
	assert_int_equal(store_import_json_file(st, in), STORE_EINVAL);
	assert_string_equal(store_errmsg(st), "links[4999].id: missing");
	char *after = export_str();
	assert_string_equal(after, from_file);
	fclose(in);
	free(after);
	free(from_buffer);
	free(from_file);
	free(buf);
}

/* A NUL byte is input like any other, not its end. */
static void test_snapshot__nul_after_the_document_is_refused(void **state)
{
	(void)state;
	static const char doc[] =
	    "{\"version\":1,\"source\":\"s\",\"projects\":[],\"issues\":[],\"links\":[]}\n\0{}";
	assert_int_equal(store_import_json(st, doc, sizeof doc - 1), STORE_EINVAL);
	assert_string_equal(store_errmsg(st),
			    "line 2, column 1: unexpected data after the JSON document");
	assert_int_equal(store_import_json(st, doc, sizeof doc - 4), 0);
}

/* The decoder fetch and import share: what it refuses, in one line. */
static void test_gitlab_json__refuses_what_import_refuses(void **state)
{
	(void)state;
	static const struct {
		const char *json, *msg;
	} issues[] = {
	    {"{\"id\":1,\"project_id\":1,\"iid\":-3,\"title\":\"t\",\"state\":\"opened\"}",
	     "iid: expected a positive integer"},
	    {"{\"id\":1,\"project_id\":0,\"iid\":3,\"title\":\"t\",\"state\":\"opened\"}",
	     "project_id: expected a positive integer"},
	    {"{\"id\":1,\"project_id\":1,\"iid\":3,\"title\":\"t\",\"state\":\"opened\","
	     "\"weight\":-5}",
	     "weight: expected an integer >= 0 or null"},
	    {"{\"id\":1,\"project_id\":1,\"iid\":3,\"title\":\"cut\\u0000here\",\"state\":"
	     "\"opened\"}",
	     "title: contains a NUL character"},
	    {"{\"id\":1,\"project_id\":1,\"iid\":3,\"title\":\"t\",\"state\":\"opened\","
	     "\"labels\":[\"a\",1]}",
	     "labels: expected an array of strings or null"},
	    {"{\"id\":1,\"project_id\":1,\"iid\":3,\"state\":\"opened\"}", "title: missing"},
	    {"[]", "expected an object"},
	};
	static const struct {
		const char *json, *msg;
	} projects[] = {
	    {"{\"id\":0,\"path_with_namespace\":\"g/p\"}", "id: expected a positive integer"},
	    {"{\"id\":2,\"path_with_namespace\":\"g/a b\"}",
	     "path_with_namespace: \"g/a b\" is not a project path"},
	    {"{\"id\":2,\"path_with_namespace\":\"g/p#1\"}",
	     "path_with_namespace: \"g/p#1\" is not a project path"},
	    {"{\"id\":2,\"path_with_namespace\":\"g/\\u001b[2J\"}",
	     "path_with_namespace: \"g/\x1b[2J\" is not a project path"},
	};
	struct store_json_refusal why;
	char text[400];
	for (size_t k = 0; k < sizeof issues / sizeof *issues; k++) {
		struct json_object *o = json_tokener_parse(issues[k].json);
		struct store_issue i;
		assert_int_equal(store_issue_from_json(o, &i, &why), STORE_EINVAL);
		store_json_refusal_text(&why, text, sizeof text);
		if (strcmp(text, issues[k].msg) != 0)
			fail_msg("issue case %zu: '%s', wanted '%s'", k, text, issues[k].msg);
		json_object_put(o);
	}
	for (size_t k = 0; k < sizeof projects / sizeof *projects; k++) {
		struct json_object *o = json_tokener_parse(projects[k].json);
		struct store_project p;
		assert_int_equal(store_project_from_json(o, &p, &why), STORE_EINVAL);
		store_json_refusal_text(&why, text, sizeof text);
		if (strcmp(text, projects[k].msg) != 0)
			fail_msg("project case %zu: '%s', wanted '%s'", k, text, projects[k].msg);
		json_object_put(o);
	}
}

/* Link direction is normalised in one place, read from this issue's side. */
static void test_gitlab_json__link_direction(void **state)
{
	(void)state;
	struct store_link l;
	struct store_json_refusal why;
	assert_int_equal(store_link_from_json("blocks", 7, 5, 3, &l, &why), 0);
	assert_true(l.type == STORE_LINK_BLOCKS && l.source_id == 5 && l.target_id == 3);
	assert_int_equal(store_link_from_json("is_blocked_by", 7, 5, 3, &l, &why), 0);
	assert_true(l.type == STORE_LINK_BLOCKS && l.source_id == 3 && l.target_id == 5);
	assert_int_equal(store_link_from_json("relates_to", 7, 5, 3, &l, &why), 0);
	assert_true(l.type == STORE_LINK_RELATES && l.source_id == 3 && l.target_id == 5);
	assert_int_equal(store_link_from_json("blocks", 7, 5, 5, &l, &why), 0);
	assert_int_equal(store_link_from_json("relates_to", 7, 5, 5, &l, &why), STORE_EINVAL);
	assert_int_equal(store_link_from_json("frobs", 7, 5, 3, &l, &why), STORE_EINVAL);
	assert_string_equal(why.field, "link_type");
	assert_int_equal(store_link_from_json("blocks", 0, 5, 3, &l, &why), STORE_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_snapshot__exports_in_fixed_form_and_round_trips),
	    cmocka_unit_test(test_snapshot__empty_arrays),
	    cmocka_unit_test(test_snapshot__refusals_name_the_problem_and_change_nothing),
	    cmocka_unit_test(test_snapshot__text_deps_merge_sort_and_round_trip),
	    cmocka_unit_test(test_snapshot__generated_round_trip),
	    cmocka_unit_test(test_snapshot__file_import_streams_across_window_edges),
	    cmocka_unit_test(test_snapshot__nul_after_the_document_is_refused),
	    cmocka_unit_test(test_gitlab_json__refuses_what_import_refuses),
	    cmocka_unit_test(test_gitlab_json__link_direction),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
