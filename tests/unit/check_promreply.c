/* check_promreply.c: Prometheus replies read within bounds (garbage, cut short, too large), sample
 * values as Prometheus writes them, the cluster label and its collisions, series identity, mixed
 * result types. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "json.h"
#include "promreply.h"

static json_t *
parse(struct arena *a, const char *s)
{
	json_t *j = json_loads(s, 0, NULL);

	ck_assert_msg(j != NULL, "bad test JSON: %s", s);
	return json_own(a, j);
}

/* ---- sample values ---- */

START_TEST(test_value_text)
{
	static const struct {
		double v;
		const char *text;
	} rows[] = {
		{ 0, "0" },
		{ 1, "1" },
		{ -2.5, "-2.5" },
		{ 0.1, "0.1" },
		{ 1e6, "1000000" },
		{ 1.5e-7, "0.00000015" },
		{ 123456789.125, "123456789.125" },
		{ 1e21, "1000000000000000000000" },
		{ 0.30000000000000004, "0.30000000000000004" },
		{ 1700000000.781, "1700000000.781" },
	};
	char out[PROMREPLY_VALUE_MAX];
	double v;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		ck_assert_str_eq(promreply_value_text(out, rows[i].v), rows[i].text);
	ck_assert_str_eq(promreply_value_text(out, NAN), "NaN");
	ck_assert_str_eq(promreply_value_text(out, INFINITY), "+Inf");
	ck_assert_str_eq(promreply_value_text(out, -INFINITY), "-Inf");
	/* The extremes fit and read back. */
	promreply_value_text(out, 5e-324);
	ck_assert(promreply_value(out, &v) && v == 5e-324);
	promreply_value_text(out, -1.7976931348623157e308);
	ck_assert(promreply_value(out, &v) && v == -1.7976931348623157e308);
	ck_assert(promreply_value("NaN", &v) && isnan(v));
	ck_assert(promreply_value("+Inf", &v) && isinf(v) && v > 0);
	ck_assert(promreply_value("-Inf", &v) && isinf(v) && v < 0);
	ck_assert(!promreply_value("inf", &v));
	ck_assert(!promreply_value("nan", &v));
	ck_assert(!promreply_value("0x10", &v));
	ck_assert(!promreply_value("1 ", &v));
	ck_assert(!promreply_value("", &v));
}
END_TEST

/* ---- the reply parser ---- */

#define VEC_OK \
	"{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[" \
	"{\"metric\":{\"__name__\":\"up\",\"job\":\"a\"},\"value\":[1700000000,\"1\"]}," \
	"{\"metric\":{\"job\":\"b\"},\"value\":[1700000000.5,\"NaN\"]}]},\"warnings\":[\"w1\"]}"

static enum err
parse_reply(struct arena *a, const char *body, size_t max, enum promreply_expect x, struct promreply *r)
{
	const char *why;
	enum err e = promreply_parse(a, body, strlen(body), max, x, r, &why);

	if (e != ERR_OK)
		ck_assert_msg(why != NULL && *why != '\0', "no reason for %s", body);
	return e;
}

START_TEST(test_parse_good)
{
	struct arena *a = arena_new();
	struct promreply r;

	ck_assert_int_eq(parse_reply(a, VEC_OK, 1 << 20, PROMREPLY_EXPECT_QUERY, &r), ERR_OK);
	ck_assert(!r.failed);
	ck_assert_int_eq(r.type, PROMREPLY_VECTOR);
	ck_assert_int_eq(json_array_size(r.result), 2);
	ck_assert_int_eq(r.nwarnings, 1);
	ck_assert_str_eq(r.warnings[0], "w1");
	ck_assert_int_eq(parse_reply(a,
			     "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
			     "{\"metric\":{},\"values\":[[1,\"1\"],[2,\"+Inf\"]]}]}}",
			     1 << 20, PROMREPLY_EXPECT_QUERY, &r),
	    ERR_OK);
	ck_assert_int_eq(r.type, PROMREPLY_MATRIX);
	ck_assert_int_eq(
	    parse_reply(a,
		"{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1,\"2\"]}}", 1 << 20,
		PROMREPLY_EXPECT_QUERY, &r),
	    ERR_OK);
	ck_assert_int_eq(r.type, PROMREPLY_SCALAR);
	ck_assert_int_eq(
	    parse_reply(a,
		"{\"status\":\"success\",\"data\":{\"resultType\":\"string\",\"result\":[1,\"hi\"]}}",
		1 << 20, PROMREPLY_EXPECT_QUERY, &r),
	    ERR_OK);
	ck_assert_int_eq(r.type, PROMREPLY_STRING);
	/* A native histogram sample is kept as it is. */
	ck_assert_int_eq(parse_reply(a,
			     "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
			     "{\"metric\":{},\"histogram\":[1,{\"count\":\"2\"}]}]}}",
			     1 << 20, PROMREPLY_EXPECT_QUERY, &r),
	    ERR_OK);
	ck_assert_int_eq(parse_reply(a, "{\"status\":\"success\",\"data\":[\"__name__\",\"job\"]}", 1 << 20,
			     PROMREPLY_EXPECT_STRINGS, &r),
	    ERR_OK);
	ck_assert_int_eq(r.type, PROMREPLY_STRINGS);
	ck_assert_int_eq(
	    parse_reply(a, "{\"status\":\"success\",\"data\":[{\"__name__\":\"up\",\"job\":\"a\"}]}", 1 << 20,
		PROMREPLY_EXPECT_LABELSETS, &r),
	    ERR_OK);
	ck_assert_int_eq(r.type, PROMREPLY_LABELSETS);
	/* Prometheus's own error is a reply, not garbage. */
	ck_assert_int_eq(
	    parse_reply(a,
		"{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"parse error at char 5\"}",
		1 << 20, PROMREPLY_EXPECT_QUERY, &r),
	    ERR_OK);
	ck_assert(r.failed);
	ck_assert_str_eq(r.error_type, "bad_data");
	ck_assert_str_eq(r.error, "parse error at char 5");
	arena_free(a);
}
END_TEST

START_TEST(test_parse_garbage)
{
	static const char *const bad[] = {
		"",
		"not json",
		"<html><body>502 Bad Gateway</body></html>",
		"[]",
		"{}",
		"{\"status\":1}",
		"{\"status\":\"maybe\",\"data\":[]}",
		"{\"status\":\"success\"}",
		"{\"status\":\"success\",\"data\":{}}",
		"{\"status\":\"success\",\"data\":{\"resultType\":\"table\",\"result\":[]}}",
		"{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":{}}}",
		"{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[1]}}",
		"{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"value\":[1,\"1\"]"
		"}]}}",
		"{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{\"a\":"
		"1},"
		"\"value\":[1,\"1\"]}]}}",
		"{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{}}]}}",
		"{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},"
		"\"value\":[1,\"abc\"]}]}}",
		"{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},"
		"\"value\":[\"1\",\"1\"]}]}}",
		"{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},"
		"\"value\":[1,1]}]}}",
		"{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":{},"
		"\"values\":[1,\"1\"]}]}}",
		"{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1,\"x\"]}}",
		"{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]},\"warnings\":"
		"\"w\"}",
		"{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]},\"warnings\":[1]"
		"}",
		"{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[[[[[[[[[[1]]]]]]]]]]"
		"}}",
		"{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}garbage",
		"{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{\"a\":"
		"\"\xff\"},"
		"\"value\":[1,\"1\"]}]}}",
	};
	struct arena *a = arena_new();
	struct promreply r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(parse_reply(a, bad[i], 1 << 20, PROMREPLY_EXPECT_QUERY, &r) != ERR_OK,
		    "accepted: %s", bad[i]);
	/* The right shape for another kind of call is garbage too. */
	ck_assert_int_ne(parse_reply(a, VEC_OK, 1 << 20, PROMREPLY_EXPECT_STRINGS, &r), ERR_OK);
	ck_assert_int_ne(
	    parse_reply(a, "{\"status\":\"success\",\"data\":[1]}", 1 << 20, PROMREPLY_EXPECT_STRINGS, &r),
	    ERR_OK);
	ck_assert_int_ne(parse_reply(a, "{\"status\":\"success\",\"data\":[\"a\"]}", 1 << 20,
			     PROMREPLY_EXPECT_LABELSETS, &r),
	    ERR_OK);
	arena_free(a);
}
END_TEST

/* Every prefix of a good reply (a reply cut off anywhere) is refused, never a crash. */
START_TEST(test_parse_truncated)
{
	struct arena *a = arena_new();
	size_t n = strlen(VEC_OK);
	struct promreply r;
	const char *why;

	for (size_t k = 0; k < n; k++) {
		char *piece = arena_strndup(a, VEC_OK, k);

		ck_assert_msg(
		    promreply_parse(a, piece, k, 1 << 20, PROMREPLY_EXPECT_QUERY, &r, &why) != ERR_OK,
		    "accepted %zu of %zu bytes", k, n);
	}
	ck_assert_int_eq(promreply_parse(a, VEC_OK, n, 1 << 20, PROMREPLY_EXPECT_QUERY, &r, &why), ERR_OK);
	arena_free(a);
}
END_TEST

/* At the size limit a reply is read; one byte past it, it is refused as too large. */
START_TEST(test_parse_size_limit)
{
	struct arena *a = arena_new();
	size_t n = strlen(VEC_OK);
	struct promreply r;
	const char *why;

	ck_assert_int_eq(promreply_parse(a, VEC_OK, n, n, PROMREPLY_EXPECT_QUERY, &r, &why), ERR_OK);
	ck_assert_int_eq(promreply_parse(a, VEC_OK, n, n - 1, PROMREPLY_EXPECT_QUERY, &r, &why), ERR_TOOBIG);
	ck_assert_ptr_nonnull(strstr(why, "larger than"));
	arena_free(a);
}
END_TEST

/* Warnings are bounded in number and in length, and cut between characters. */
START_TEST(test_parse_warnings_bounded)
{
	struct arena *a = arena_new();
	json_t *w = json_array(), *root;
	struct promreply r;
	const char *why, *text;
	char *longw = arena_alloc(a, 3001);

	for (int i = 0; i < 1000; i++)
		memcpy(longw + 3 * i, "\xc3\xa9x", 3);
	longw[3000] = '\0';
	for (int i = 0; i < 50; i++)
		json_array_append_new(w, json_string(i == 0 ? longw : "w"));
	root = json_own(a,
	    json_pack("{s:s, s:{s:s, s:[]}, s:o}", "status", "success", "data", "resultType", "vector",
		"result", "warnings", w));
	text = json_text(a, root);
	ck_assert_int_eq(
	    promreply_parse(a, text, strlen(text), 1 << 20, PROMREPLY_EXPECT_QUERY, &r, &why), ERR_OK);
	ck_assert_int_eq(r.nwarnings, PROMREPLY_WARNINGS_MAX + 1);
	ck_assert_uint_le(strlen(r.warnings[0]), PROMREPLY_TEXT_MAX);
	ck_assert(json_own(a, json_string(r.warnings[0])) != NULL); /* still UTF-8 */
	ck_assert_str_eq(r.warnings[PROMREPLY_WARNINGS_MAX], "and 30 more warnings");
	arena_free(a);
}
END_TEST

/* ---- the cluster label ---- */

START_TEST(test_cluster_label)
{
	struct arena *a = arena_new();
	json_t *m;

	m = parse(a, "{\"job\":\"a\"}");
	promreply_label(m, "east");
	ck_assert_str_eq(json_str(m, "cluster"), "east");
	ck_assert_int_eq(json_object_size(m), 2);
	/* Theirs is kept as exported_cluster, as Prometheus does with honor_labels: false. */
	m = parse(a, "{\"cluster\":\"theirs\",\"job\":\"a\"}");
	promreply_label(m, "east");
	ck_assert_str_eq(json_str(m, "cluster"), "east");
	ck_assert_str_eq(json_str(m, "exported_cluster"), "theirs");
	m = parse(a, "{\"cluster\":\"theirs\",\"exported_cluster\":\"older\"}");
	promreply_label(m, "east");
	ck_assert_str_eq(json_str(m, "cluster"), "east");
	ck_assert_str_eq(json_str(m, "exported_cluster"), "older");
	ck_assert_str_eq(json_str(m, "exported_exported_cluster"), "theirs");
	/* An empty value is no label. */
	m = parse(a, "{\"cluster\":\"\"}");
	promreply_label(m, "east");
	ck_assert_int_eq(json_object_size(m), 1);
	ck_assert_str_eq(promreply_exported("cluster"), "exported_cluster");
	ck_assert_str_eq(promreply_exported("job"), "job");
	arena_free(a);
}
END_TEST

/* Series identity: the same series from two clusters stays two series, told apart by cluster; a
 * scalar becomes one series per cluster. */
START_TEST(test_merge_identity)
{
	struct arena *a = arena_new();
	json_t *out = json_own(a, json_array());
	struct promreply r1, r2, r3;
	const char *why;
	const char *s1 = VEC_OK, *s2 = VEC_OK,
		   *s3 = "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1,\"2\"]}}";

	ck_assert_int_eq(
	    promreply_parse(a, s1, strlen(s1), 1 << 20, PROMREPLY_EXPECT_QUERY, &r1, &why), ERR_OK);
	ck_assert_int_eq(
	    promreply_parse(a, s2, strlen(s2), 1 << 20, PROMREPLY_EXPECT_QUERY, &r2, &why), ERR_OK);
	ck_assert_int_eq(
	    promreply_parse(a, s3, strlen(s3), 1 << 20, PROMREPLY_EXPECT_QUERY, &r3, &why), ERR_OK);
	ck_assert_int_eq(promreply_merge(out, &r1, "east"), 2);
	ck_assert_int_eq(promreply_merge(out, &r2, "west"), 2);
	ck_assert_int_eq(promreply_merge(out, &r3, "north"), 1);
	ck_assert_int_eq(json_array_size(out), 5);
	for (size_t i = 0; i < 5; i++)
		for (size_t j = 0; j < i; j++)
			ck_assert(!json_equal(json_object_get(json_array_get(out, i), "metric"),
			    json_object_get(json_array_get(out, j), "metric")));
	ck_assert_str_eq(json_str(json_object_get(json_array_get(out, 0), "metric"), "cluster"), "east");
	ck_assert_str_eq(json_str(json_object_get(json_array_get(out, 2), "metric"), "cluster"), "west");
	ck_assert_str_eq(
	    json_text(a, json_array_get(out, 4)), "{\"metric\":{\"cluster\":\"north\"},\"value\":[1,\"2\"]}");
	arena_free(a);
}
END_TEST

START_TEST(test_mixed_types)
{
	struct promreply v1 = { .type = PROMREPLY_VECTOR }, v2 = { .type = PROMREPLY_VECTOR },
			 s1 = { .type = PROMREPLY_SCALAR }, m1 = { .type = PROMREPLY_MATRIX },
			 f1 = { .failed = true, .type = PROMREPLY_MATRIX };
	const struct promreply *rs[] = { &s1, NULL, &v1, &f1, &m1, &v2 }, *tie[] = { &m1, &v1 },
			       *none[] = { NULL, &f1 };

	ck_assert_int_eq(promreply_common_type(rs, 6), PROMREPLY_VECTOR);
	ck_assert_int_eq(promreply_common_type(tie, 2), PROMREPLY_MATRIX);
	ck_assert_int_eq(promreply_common_type(none, 2), -1);
}
END_TEST

START_TEST(test_union)
{
	struct arena *a = arena_new();
	json_t *l[3] = { parse(a, "[\"job\",\"__name__\"]"), NULL, parse(a, "[\"instance\",\"job\"]") };

	ck_assert_str_eq(json_text(a, promreply_union(a, l, 3)), "[\"__name__\",\"instance\",\"job\"]");
	arena_free(a);
}
END_TEST

static Suite *
promreply_suite(void)
{
	Suite *s = suite_create("promreply");
	TCase *core = tcase_create("core"), *limits = tcase_create("limits"),
	      *errors = tcase_create("errors");

	tcase_add_test(core, test_value_text);
	tcase_add_test(core, test_parse_good);
	tcase_add_test(core, test_cluster_label);
	tcase_add_test(core, test_merge_identity);
	tcase_add_test(core, test_mixed_types);
	tcase_add_test(core, test_union);
	tcase_add_test(limits, test_parse_size_limit);
	tcase_add_test(limits, test_parse_warnings_bounded);
	tcase_add_test(errors, test_parse_garbage);
	tcase_add_test(errors, test_parse_truncated);
	suite_add_tcase(s, core);
	suite_add_tcase(s, limits);
	suite_add_tcase(s, errors);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(promreply_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
