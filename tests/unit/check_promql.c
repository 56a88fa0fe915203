/* check_promql.c: the split of an outermost PromQL aggregation, and Prometheus's times and
 * durations. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "promql.h"

/* One expression and how it must split: agg, the clause as "by:a,b" / "without:a" / "", the
 * parameter (k or label) as text, the inner expression and the per-cluster queries. */
static const struct {
	const char *expr;
	enum promql_agg agg;
	const char *clause, *param, *inner, *q0, *q1;
} splits[] = {
	{ "sum(rate(x[5m]))", PROMQL_SUM, "", "", "rate(x[5m])", "sum(rate(x[5m]))", NULL },
	{ "  ( (sum by (job) (up)) )  ", PROMQL_SUM, "by:job", "", "up", "sum by (job) (up)", NULL },
	{ "SUM BY(job,instance,)(up)", PROMQL_SUM, "by:job,instance", "", "up", "SUM BY(job,instance,)(up)",
	    NULL },
	{ "sum(up) by (job)", PROMQL_SUM, "by:job", "", "up", "sum(up) by (job)", NULL },
	{ "max without (instance) (node_load1)", PROMQL_MAX, "without:instance", "", "node_load1",
	    "max without (instance) (node_load1)", NULL },
	{ "min(x{a=\"(\"})", PROMQL_MIN, "", "", "x{a=\"(\"}", "min(x{a=\"(\"})", NULL },
	{ "count(up == 1)", PROMQL_COUNT, "", "", "up == 1", "count(up == 1)", NULL },
	{ "avg by (gpu) (DCGM_FI_DEV_GPU_UTIL)", PROMQL_AVG, "by:gpu", "", "DCGM_FI_DEV_GPU_UTIL",
	    "sum by (gpu) (DCGM_FI_DEV_GPU_UTIL)", "count by (gpu) (DCGM_FI_DEV_GPU_UTIL)" },
	{ "avg(x) without (a, b)", PROMQL_AVG, "without:a,b", "", "x", "sum without (a, b) (x)",
	    "count without (a, b) (x)" },
	{ "avg(x)", PROMQL_AVG, "", "", "x", "sum (x)", "count (x)" },
	{ "group by (job) (up)", PROMQL_GROUP, "by:job", "", "up", "group by (job) (up)", NULL },
	{ "topk(3, rate(x[5m]))", PROMQL_TOPK, "", "3", "rate(x[5m])", "topk(3, rate(x[5m]))", NULL },
	{ "bottomk by (job) (2, up)", PROMQL_BOTTOMK, "by:job", "2", "up", "bottomk by (job) (2, up)", NULL },
	{ "count_values(\"version\", build_info)", PROMQL_COUNT_VALUES, "", "version", "build_info",
	    "count_values(\"version\", build_info)", NULL },
	{ "count_values without (instance) ('v', x) # a comment", PROMQL_COUNT_VALUES, "without:instance",
	    "v", "x", "count_values without (instance) ('v', x) # a comment", NULL },
	{ "sum(x{a=\")\"}) # (", PROMQL_SUM, "", "", "x{a=\")\"}", "sum(x{a=\")\"}) # (", NULL },
	{ "sum(max by (a) (x))", PROMQL_SUM, "", "", "max by (a) (x)", "sum(max by (a) (x))", NULL },
	/* Answered per cluster: not an aggregation at the top, or not one that splits. */
	{ "sum(x) + sum(y)", PROMQL_NONE, "", "", NULL, "sum(x) + sum(y)", NULL },
	{ "(sum(x)) / 2", PROMQL_NONE, "", "", NULL, "(sum(x)) / 2", NULL },
	{ "(sum(x) + 1)", PROMQL_NONE, "", "", NULL, "sum(x) + 1", NULL },
	{ "rate(x[5m])", PROMQL_NONE, "", "", NULL, "rate(x[5m])", NULL },
	{ "quantile(0.9, x)", PROMQL_NONE, "", "", NULL, "quantile(0.9, x)", NULL },
	{ "stddev(x)", PROMQL_NONE, "", "", NULL, "stddev(x)", NULL },
	{ "sum_over_time(x[5m])", PROMQL_NONE, "", "", NULL, "sum_over_time(x[5m])", NULL },
	{ "topk(scalar(y), x)", PROMQL_NONE, "", "", NULL, "topk(scalar(y), x)", NULL },
	{ "count_values(\"not a label\", x)", PROMQL_NONE, "", "", NULL, "count_values(\"not a label\", x)",
	    NULL },
	{ "sum by (\"utf8.label\") (x)", PROMQL_NONE, "", "", NULL, "sum by (\"utf8.label\") (x)", NULL },
	{ "sum(x", PROMQL_NONE, "", "", NULL, "sum(x", NULL },
	{ "sum(x, y)", PROMQL_NONE, "", "", NULL, "sum(x, y)", NULL },
	{ "sum()", PROMQL_NONE, "", "", NULL, "sum()", NULL },
	{ "sum by (a) (x) by (b)", PROMQL_NONE, "", "", NULL, "sum by (a) (x) by (b)", NULL },
	{ "sum(x) offset 5m", PROMQL_NONE, "", "", NULL, "sum(x) offset 5m", NULL },
	{ "sum(x{a=\"}\"])", PROMQL_NONE, "", "", NULL, "sum(x{a=\"}\"])", NULL },
	{ "1 + 1", PROMQL_NONE, "", "", NULL, "1 + 1", NULL },
	{ "sum", PROMQL_NONE, "", "", NULL, "sum", NULL },
};

/* clause writes s's by/without clause as the table spells it. */
static const char *
clause(struct arena *a, const struct promql_split *s)
{
	const char *t;

	if (!s->grouped)
		return "";
	t = s->without ? "without:" : "by:";
	for (int i = 0; i < s->nlabels; i++)
		t = arena_printf(a, "%s%s%s", t, i > 0 ? "," : "", s->labels[i]);
	return t;
}

START_TEST(test_split_table)
{
	struct arena *a = arena_new();

	for (size_t i = 0; i < sizeof(splits) / sizeof(splits[0]); i++) {
		struct promql_split s;
		const char *why, *param = "";

		ck_assert_int_eq(promql_split(a, splits[i].expr, &s, &why), ERR_OK);
		ck_assert_msg(s.agg == splits[i].agg, "%s: agg %d", splits[i].expr, s.agg);
		ck_assert_msg(strcmp(clause(a, &s), splits[i].clause) == 0, "%s: clause %s", splits[i].expr,
		    clause(a, &s));
		if (s.agg == PROMQL_TOPK || s.agg == PROMQL_BOTTOMK)
			param = arena_printf(a, "%g", s.k);
		else if (s.agg == PROMQL_COUNT_VALUES)
			param = s.value_label;
		ck_assert_msg(strcmp(param, splits[i].param) == 0, "%s: param %s", splits[i].expr, param);
		if (splits[i].inner != NULL)
			ck_assert_msg(s.inner != NULL && strcmp(s.inner, splits[i].inner) == 0,
			    "%s: inner %s", splits[i].expr, s.inner);
		else
			ck_assert_ptr_null(s.inner);
		ck_assert_msg(
		    strcmp(s.queries[0], splits[i].q0) == 0, "%s: query %s", splits[i].expr, s.queries[0]);
		ck_assert_int_eq(s.nqueries, splits[i].q1 != NULL ? 2 : 1);
		if (splits[i].q1 != NULL)
			ck_assert_msg(strcmp(s.queries[1], splits[i].q1) == 0, "%s: query %s", splits[i].expr,
			    s.queries[1]);
		ck_assert_str_eq(promql_agg_name(s.agg) != NULL ? promql_agg_name(s.agg) : "",
		    s.agg == PROMQL_NONE ? "" : s.op);
	}
	arena_free(a);
}
END_TEST

START_TEST(test_split_refused)
{
	struct arena *a = arena_new();
	struct promql_split s;
	const char *why;
	char *big = arena_alloc(a, 64 * 1024 + 2);

	ck_assert_int_eq(promql_split(a, "", &s, &why), ERR_INPUT);
	ck_assert_int_eq(promql_split(a, "  # only a comment\n ", &s, &why), ERR_INPUT);
	ck_assert_ptr_nonnull(why);
	/* At the limit it is read; one byte past it is refused. */
	memset(big, ' ', 64 * 1024);
	big[0] = 'x';
	big[64 * 1024] = '\0';
	ck_assert_int_eq(promql_split(a, big, &s, &why), ERR_OK);
	big[64 * 1024] = ' ';
	big[64 * 1024 + 1] = '\0';
	ck_assert_int_eq(promql_split(a, big, &s, &why), ERR_INPUT);
	/* Deep nesting is per cluster, never a crash. */
	{
		char *deep = arena_alloc(a, 2 * 1000 + 8);
		size_t n = 0;

		n += (size_t)sprintf(deep, "sum");
		for (int i = 0; i < 1000; i++)
			deep[n++] = '(';
		deep[n++] = 'x';
		for (int i = 0; i < 1000; i++)
			deep[n++] = ')';
		deep[n] = '\0';
		ck_assert_int_eq(promql_split(a, deep, &s, &why), ERR_OK);
		ck_assert_int_eq(s.agg, PROMQL_NONE);
	}
	arena_free(a);
}
END_TEST

/* Matchers on our cluster label are decided before a cluster is asked; the rest is unchanged. */
START_TEST(test_bind_cluster)
{
	static const struct {
		const char *expr, *east;
	} rows[] = {
		{ "up", "up" },
		{ "up{job=\"a\"}", "up{job=\"a\"}" },
		{ "up{cluster=\"east\"}", "up{__aiops_cluster__=\"\"}" },
		{ "up{cluster=\"west\"}", "up{__aiops_cluster__=\"none\"}" },
		{ "up{job=\"a\", cluster!=\"west\",instance=~\".+\"}",
		    "up{job=\"a\", __aiops_cluster__=\"\",instance=~\".+\"}" },
		{ "sum by (cluster) (rate(x{cluster=~\"ea.*|north\"}[5m])) / y{cluster!~'e.*'}",
		    "sum by (cluster) (rate(x{__aiops_cluster__=\"\"}[5m])) / "
		    "y{__aiops_cluster__=\"none\"}" },
		{ "up{cluster=~\"eas\"}", "up{__aiops_cluster__=\"none\"}" }, /* anchored */
		{ "up{exported_cluster=\"theirs\"}", "up{cluster=\"theirs\"}" },
		{ "label_replace(up, \"x\", \"{cluster=\\\"west\\\"}\", \"\", \"\")",
		    "label_replace(up, \"x\", \"{cluster=\\\"west\\\"}\", \"\", \"\")" }, /* in a string */
		{ "up{cluster=`east`} # {cluster=\"west\"}",
		    "up{__aiops_cluster__=\"\"} # {cluster=\"west\"}" },
		{ "up{cluster=\"east\"", "up{cluster=\"east\"" }, /* unclosed: left to Prometheus */
		{ "{\"utf8.name\", cluster=\"east\"}", "{\"utf8.name\", cluster=\"east\"}" },
	};
	struct arena *a = arena_new();

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		ck_assert_str_eq(promql_bind_cluster(a, rows[i].expr, "east"), rows[i].east);
	arena_free(a);
}
END_TEST

START_TEST(test_times)
{
	static const struct {
		const char *s;
		bool ok;
		double t;
	} rows[] = {
		{ "1700000000", true, 1700000000 },
		{ "1700000000.25", true, 1700000000.25 },
		{ "2023-11-14T22:13:20Z", true, 1700000000 },
		{ "2023-11-14T22:13:20.5Z", true, 1700000000.5 },
		{ "2023-11-15T00:13:20+02:00", true, 1700000000 },
		{ "2023-11-14T20:13:20-02:00", true, 1700000000 },
		{ "", false, 0 },
		{ "now", false, 0 },
		{ "NaN", false, 0 },
		{ "Inf", false, 0 },
		{ "0x10", false, 0 },
		{ "2023-11-14 22:13:20Z", false, 0 },
		{ "2023-11-14T22:13:20", false, 0 },
		{ "2023-13-14T22:13:20Z", false, 0 },
		{ "2023-11-14T22:13:20.Z", false, 0 },
		{ "2023-11-14T22:13:20Zjunk", false, 0 },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		double t = -1;
		bool ok = promql_time(rows[i].s, &t);

		ck_assert_msg(ok == rows[i].ok, "%s: %d", rows[i].s, ok);
		if (ok)
			ck_assert_msg(fabs(t - rows[i].t) < 1e-6, "%s: %f", rows[i].s, t);
	}
}
END_TEST

START_TEST(test_durations)
{
	static const struct {
		const char *s;
		bool ok;
		double d;
	} rows[] = {
		{ "15", true, 15 },
		{ "0.5", true, 0.5 },
		{ "5m", true, 300 },
		{ "1h30m", true, 5400 },
		{ "250ms", true, 0.25 },
		{ "1d", true, 86400 },
		{ "2w", true, 14 * 86400 },
		{ "1y", true, 365 * 86400 },
		{ "0", false, 0 },
		{ "-5", false, 0 },
		{ "0s", false, 0 },
		{ "5x", false, 0 },
		{ "m", false, 0 },
		{ "", false, 0 },
		{ "NaN", false, 0 },
		{ "1.5m", false, 0 },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		double d = -1;
		bool ok = promql_duration(rows[i].s, &d);

		ck_assert_msg(ok == rows[i].ok, "%s: %d", rows[i].s, ok);
		if (ok)
			ck_assert_msg(fabs(d - rows[i].d) < 1e-9, "%s: %f", rows[i].s, d);
	}
}
END_TEST

static Suite *
promql_suite(void)
{
	Suite *s = suite_create("promql");
	TCase *core = tcase_create("core"), *limits = tcase_create("limits");

	tcase_add_test(core, test_split_table);
	tcase_add_test(core, test_times);
	tcase_add_test(core, test_bind_cluster);
	tcase_add_test(core, test_durations);
	tcase_add_test(limits, test_split_refused);
	suite_add_tcase(s, core);
	suite_add_tcase(s, limits);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(promql_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
