/* check_fanout.c: the fan-out's pure parts: each split aggregation's combined answer against the same
 * aggregation over every cluster's series at once (instant and range), the request's checks, the
 * cache key and what the cache keeps. The replies and the cluster label: check_promreply.c. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "fanout.h"
#include "json.h"
#include "jw.h"
#include "promql.h"
#include "promreply.h"

static json_t *
parse(struct arena *a, const char *s)
{
	json_t *j = json_loads(s, 0, NULL);

	ck_assert_msg(j != NULL, "bad test JSON: %s", s);
	return json_own(a, j);
}

/* ---- split aggregations against the same aggregation over every cluster's series at once ---- */

/* A series of an instant vector: its labels and its value. */
struct rs {
	json_t *metric;
	double v;
};

static const char *const cluster_names[] = { "east", "west", "north" };
#define NCLUSTERS 3
#define NSERIES 6 /* per cluster: job api or db, instance i0 to i2 */

/* dataset fills cluster c's series at step t (values differ between steps), the test's own
 * Prometheus data: distinct values, repeating values (for count_values), with a NaN in east (first, so a combine that lets NaN win is seen), or
 * with north's series carrying a cluster label of their own. */
enum data { DISTINCT, REPEATING, WITH_NAN, OWN_CLUSTER };

static int
dataset(struct arena *a, enum data d, int c, int t, struct rs *out)
{
	for (int s = 0; s < NSERIES; s++) {
		out[s].metric = json_own(a,
		    json_pack("{s:s, s:s, s:s}", "__name__", "x", "job", s % 2 ? "db" : "api", "instance",
			s / 2 == 0	 ? "i0"
			    : s / 2 == 1 ? "i1"
					 : "i2"));
		out[s].v = d == REPEATING ? (double)((s + c + t) % 3)
					  : (double)((s * 13 + c * 5 + t * 3) % 17) + c * 0.01;
		if (d == WITH_NAN && c == 0 && s == 0)
			out[s].v = NAN;
		if (d == OWN_CLUSTER && c == 2)
			json_object_set_new(
			    out[s].metric, "cluster", json_string(s < 3 ? "theirs" : "other"));
	}
	return NSERIES;
}

/* ref_group returns the labels metric keeps under the grouping (the reference's own reading of
 * PromQL's by and without), with count_values' label added when vl is not NULL. */
static json_t *
ref_group(struct arena *a, const struct promql_split *s, json_t *metric)
{
	json_t *g = json_own(a, json_object()), *v;
	const char *k;

	if (s->grouped && s->without) {
		json_object_foreach (metric, k, v) {
			bool named = strcmp(k, "__name__") == 0;

			for (int i = 0; i < s->nlabels; i++)
				named |= strcmp(k, s->labels[i]) == 0;
			if (!named)
				json_object_set(g, k, v);
		}
	} else if (s->grouped)
		for (int i = 0; i < s->nlabels; i++)
			if (json_object_get(metric, s->labels[i]) != NULL)
				json_object_set(g, s->labels[i], json_object_get(metric, s->labels[i]));
	return g;
}

/* ref_agg computes the aggregation op (grouping, k and value label from s) over in[0..n) the way
 * Prometheus does; returns how many series it wrote to out. */
static int
ref_agg(
    struct arena *a, const char *op, const struct promql_split *s, const struct rs *in, int n, struct rs *out)
{
	json_t *groups[256];
	int ng = 0, m = 0;
	int of[256];

	for (int i = 0; i < n; i++) {
		json_t *g = ref_group(a, s, in[i].metric);
		int j;

		if (strcmp(op, "count_values") == 0) {
			char text[PROMREPLY_VALUE_MAX];

			json_object_set_new(
			    g, s->value_label, json_string(promreply_value_text(text, in[i].v)));
		}
		for (j = 0; j < ng && !json_equal(groups[j], g); j++)
			;
		if (j == ng)
			groups[ng++] = g;
		of[i] = j;
	}
	for (int j = 0; j < ng; j++) {
		double acc = 0, cnt = 0;
		bool seen = false;

		if (strcmp(op, "topk") == 0 || strcmp(op, "bottomk") == 0) {
			bool taken[256] = { false };
			bool top = op[0] == 't';

			for (int c = 0; c < (int)s->k; c++) {
				int best = -1;

				for (int i = 0; i < n; i++) {
					if (of[i] != j || taken[i])
						continue;
					if (best < 0 || (isnan(in[best].v) && !isnan(in[i].v)) ||
					    (!isnan(in[i].v) &&
						(top ? in[i].v > in[best].v : in[i].v < in[best].v)))
						best = i;
				}
				if (best < 0)
					break;
				taken[best] = true;
				out[m++] = in[best];
			}
			continue;
		}
		for (int i = 0; i < n; i++) {
			double v = in[i].v;

			if (of[i] != j)
				continue;
			if (strcmp(op, "min") == 0)
				acc = !seen || v < acc || isnan(acc) ? v : acc;
			else if (strcmp(op, "max") == 0)
				acc = !seen || v > acc || isnan(acc) ? v : acc;
			else
				acc += v;
			cnt++;
			seen = true;
		}
		out[m].metric = groups[j];
		out[m].v = strcmp(op, "count") == 0 || strcmp(op, "count_values") == 0 ? cnt
		    : strcmp(op, "avg") == 0					       ? acc / cnt
		    : strcmp(op, "group") == 0					       ? 1
										       : acc;
		m++;
	}
	return m;
}

/* labelled returns a copy of metric with cluster c's label. */
static json_t *
labelled(struct arena *a, json_t *metric, int c)
{
	json_t *m = json_own(a, json_deep_copy(metric));

	promreply_label(m, cluster_names[c]);
	return m;
}

static bool
same_value(double x, double y)
{
	return (isnan(x) && isnan(y)) || x == y || fabs(x - y) <= 1e-9 * fmax(1, fabs(x));
}

/* check_one splits expr, runs its per-cluster part on each cluster's data at the steps 0..nt-1
 * (the reference standing in for each Prometheus), combines the answers and compares them, series
 * by series and step by step, with the reference over every cluster's labelled series at once. */
static void
check_one(const char *expr, enum data d, int nt)
{
	struct arena *a = arena_new();
	struct promql_split s;
	json_t *parts[2] = { NULL, NULL }, *got;
	const char *why;
	int nref = 0, expected = 0;
	struct rs ref[64 * 4];
	int ref_t[64 * 4];

	ck_assert_int_eq(promql_split(a, expr, &s, &why), ERR_OK);
	ck_assert_msg(s.agg != PROMQL_NONE, "%s does not split", expr);
	for (int q = 0; q < s.nqueries; q++)
		parts[q] = json_own(a, json_array());
	for (int t = 0; t < nt; t++) {
		struct rs all[NCLUSTERS * NSERIES];
		int nall = 0, k;

		for (int c = 0; c < NCLUSTERS; c++) {
			struct rs mine[NSERIES], part[NSERIES * 2];
			int n = dataset(a, d, c, t, mine);

			for (int i = 0; i < n; i++)
				all[nall++] = (struct rs){ labelled(a, mine[i].metric, c), mine[i].v };
			for (int q = 0; q < s.nqueries; q++) {
				const char *op = s.agg == PROMQL_AVG ? (q == 0 ? "sum" : "count") : s.op;
				int m = ref_agg(a, op, &s, mine, n, part);

				for (int i = 0; i < m; i++) {
					char text[PROMREPLY_VALUE_MAX];
					json_t *sample = json_pack("[i, s]", 1700000000 + 60 * t,
					    promreply_value_text(text, part[i].v));
					json_t *metric = labelled(a, part[i].metric, c), *found = NULL, *ser;
					size_t x;

					if (nt == 1) {
						json_array_append_new(parts[q],
						    json_pack(
							"{s:O, s:o}", "metric", metric, "value", sample));
						continue;
					}
					json_array_foreach (parts[q], x, ser)
						if (json_equal(json_object_get(ser, "metric"), metric))
							found = ser;
					if (found == NULL) {
						found = json_pack("{s:O, s:[]}", "metric", metric, "values");
						json_array_append_new(parts[q], found);
					}
					json_array_append_new(json_object_get(found, "values"), sample);
				}
			}
		}
		k = ref_agg(a, s.op, &s, all, nall, ref + nref);
		for (int i = 0; i < k; i++)
			ref_t[nref + i] = t;
		nref += k;
	}
	got = promreply_combine(a, &s, nt > 1, parts);
	/* Every reference sample is in the answer, and the answer has nothing else. */
	for (int i = 0; i < nref; i++) {
		json_t *ser, *found = NULL;
		size_t x;

		json_array_foreach (got, x, ser)
			if (json_equal(json_object_get(ser, "metric"), ref[i].metric))
				found = ser;
		ck_assert_msg(found != NULL, "%s: no series %s at step %d in %s", expr,
		    json_text(a, ref[i].metric), ref_t[i], json_text(a, got));
		if (nt == 1) {
			double v;

			ck_assert(promreply_value(
			    json_string_value(json_array_get(json_object_get(found, "value"), 1)), &v));
			ck_assert_msg(same_value(v, ref[i].v), "%s: %s is %g, not %g", expr,
			    json_text(a, ref[i].metric), v, ref[i].v);
		} else {
			json_t *p, *vals = json_object_get(found, "values");
			bool at = false;

			json_array_foreach (vals, x, p)
				if (json_integer_value(json_array_get(p, 0)) == 1700000000 + 60 * ref_t[i]) {
					double v;

					ck_assert(
					    promreply_value(json_string_value(json_array_get(p, 1)), &v));
					ck_assert_msg(same_value(v, ref[i].v),
					    "%s: %s at step %d is %g, not %g", expr,
					    json_text(a, ref[i].metric), ref_t[i], v, ref[i].v);
					at = true;
				}
			ck_assert_msg(at, "%s: %s has no sample at step %d", expr,
			    json_text(a, ref[i].metric), ref_t[i]);
		}
	}
	{
		size_t x;
		json_t *ser;

		json_array_foreach (got, x, ser)
			expected += nt == 1 ? 1 : (int)json_array_size(json_object_get(ser, "values"));
	}
	ck_assert_msg(expected == nref, "%s: %d samples, the reference has %d: %s", expr, expected, nref,
	    json_text(a, got));
	arena_free(a);
}

static const struct {
	const char *expr;
	enum data d;
} agg_cases[] = {
	{ "sum(x)", DISTINCT },
	{ "sum by (job) (x)", DISTINCT },
	{ "sum(x) by (instance, job)", DISTINCT },
	{ "sum without (instance) (x)", DISTINCT },
	{ "sum by (cluster) (x)", DISTINCT },
	{ "sum by (cluster) (x)", OWN_CLUSTER },
	{ "sum without (instance) (x)", OWN_CLUSTER },
	{ "sum(x)", WITH_NAN },
	{ "min(x)", DISTINCT },
	{ "min by (job) (x)", WITH_NAN },
	{ "max(x)", WITH_NAN },
	{ "max without (job) (x)", DISTINCT },
	{ "max by (instance, job) (x)", WITH_NAN }, /* east answers NaN for one group */
	{ "min by (job, instance) (x)", WITH_NAN },
	{ "count(x)", DISTINCT },
	{ "count by (job) (x)", DISTINCT },
	{ "count without (instance) (x)", DISTINCT },
	{ "avg(x)", DISTINCT },
	{ "avg by (job) (x)", DISTINCT },
	{ "avg without (instance) (x)", DISTINCT },
	{ "avg by (instance) (x)", REPEATING },
	{ "group(x)", DISTINCT },
	{ "group by (job) (x)", DISTINCT },
	{ "topk(3, x)", DISTINCT },
	{ "topk by (job) (2, x)", DISTINCT },
	{ "topk(100, x)", DISTINCT },
	{ "topk(0, x)", DISTINCT },
	{ "topk(2, x)", WITH_NAN },
	{ "bottomk(4, x)", DISTINCT },
	{ "bottomk(2, x) by (instance)", DISTINCT },
	{ "bottomk(2, x)", WITH_NAN },
	{ "count_values(\"v\", x)", REPEATING },
	{ "count_values by (job) (\"v\", x)", REPEATING },
	{ "count_values without (instance) (\"v\", x)", REPEATING },
};

START_TEST(test_combine_vector)
{
	check_one(agg_cases[_i].expr, agg_cases[_i].d, 1);
}
END_TEST

START_TEST(test_combine_matrix)
{
	check_one(agg_cases[_i].expr, agg_cases[_i].d, 4);
}
END_TEST

/* An average of averages is not the average: the test above would catch a combine that did it. */
START_TEST(test_avg_is_not_avg_of_avgs)
{
	struct arena *a = arena_new();
	struct promql_split s;
	const char *why;
	json_t *parts[2], *got;
	double v;

	ck_assert_int_eq(promql_split(a, "avg(x)", &s, &why), ERR_OK);
	/* east: two series summing to 10; west: one series of 40. Fleet average 50 / 3. */
	parts[0] = parse(a,
	    "[{\"metric\":{\"cluster\":\"east\"},\"value\":[1,\"10\"]},"
	    "{\"metric\":{\"cluster\":\"west\"},\"value\":[1,\"40\"]}]");
	parts[1] = parse(a,
	    "[{\"metric\":{\"cluster\":\"east\"},\"value\":[1,\"2\"]},"
	    "{\"metric\":{\"cluster\":\"west\"},\"value\":[1,\"1\"]}]");
	got = promreply_combine(a, &s, false, parts);
	ck_assert_int_eq(json_array_size(got), 1);
	ck_assert(promreply_value(
	    json_string_value(json_array_get(json_object_get(json_array_get(got, 0), "value"), 1)), &v));
	ck_assert(same_value(v, 50.0 / 3));
	ck_assert_int_eq(json_object_size(json_object_get(json_array_get(got, 0), "metric")), 0);
	arena_free(a);
}
END_TEST

/* ---- the request and the cache key ---- */

/* key_of reads q (now, TTL 15 s) and returns its cache key. */
static const char *
key_of(struct arena *a, const struct fanout_req *q, double now)
{
	struct fanout_params p;
	const char *why;

	ck_assert_msg(fanout_params_read(a, q, now, 15, 5, &p, &why) == ERR_OK, "%s", why);
	return fanout_cache_key(a, &p, q);
}

START_TEST(test_cache_key)
{
	struct arena *a = arena_new();
	const char *names[] = { "b", "a,c", NULL }, *permuted[] = { "c,b", "a", "b", NULL },
		   *two[] = { "a,b", NULL };
	struct fanout_req q = { .kind = FANOUT_QUERY,
		.query = "sum(up)",
		.clusters = names,
		.format = "api",
		.register_version = "clusters=7" },
			  r;
	const char *k = key_of(a, &q, 1000);

	ck_assert_str_eq(k, key_of(a, &q, 1000));
	ck_assert_ptr_nonnull(strstr(k, "aiops:metrics:"));
	/* The clusters named count as a set; which they are, the caller's role, the register's
	 * version and the format written matter. */
	r = q;
	r.clusters = permuted;
	ck_assert_str_eq(k, key_of(a, &r, 1000));
	r.clusters = two;
	ck_assert_str_ne(k, key_of(a, &r, 1000));
	r.clusters = NULL;
	ck_assert_str_ne(k, key_of(a, &r, 1000));
	r.selector = "env=prod";
	ck_assert_str_ne(key_of(a, &r, 1000), k);
	ck_assert_str_ne(key_of(a, &r, 1000),
	    key_of(a,
		&(struct fanout_req){ .kind = FANOUT_QUERY,
		    .query = "sum(up)",
		    .format = "api",
		    .register_version = "clusters=7" },
		1000));
	r = q;
	r.role = ROLE_ADMIN;
	ck_assert_str_ne(k, key_of(a, &r, 1000));
	r = q;
	r.register_version = "clusters=8";
	ck_assert_str_ne(k, key_of(a, &r, 1000));
	r = q;
	r.format = "prom";
	ck_assert_str_ne(k, key_of(a, &r, 1000));
	/* Without a time, now rounded down to the TTL: 990 to 1004 are one answer, 1005 the next. */
	ck_assert_str_eq(key_of(a, &q, 990), key_of(a, &q, 1004.9));
	ck_assert_str_ne(key_of(a, &q, 1004.9), key_of(a, &q, 1005));
	/* A time given is the time asked. */
	r = q;
	r.time = "1000";
	ck_assert_str_eq(key_of(a, &r, 5), key_of(a, &r, 99999));
	ck_assert_str_ne(key_of(a, &r, 5), k);
	r.query = "sum(up) ";
	ck_assert_str_ne(key_of(a, &r, 5), key_of(a, &q, 1000));
	/* A range: start and end rounded down to the step. */
	{
		struct fanout_req g = { .kind = FANOUT_QUERY_RANGE,
			.query = "up",
			.start = "100",
			.end = "200",
			.step = "10",
			.format = "api",
			.register_version = "clusters=7" },
				  h = g;
		const char *kg = key_of(a, &g, 0);

		h.start = "109.5";
		h.end = "205";
		ck_assert_str_eq(kg, key_of(a, &h, 0));
		h.start = "110";
		ck_assert_str_ne(kg, key_of(a, &h, 0));
		h = g;
		h.step = "20";
		ck_assert_str_ne(kg, key_of(a, &h, 0));
		h = g;
		h.kind = FANOUT_QUERY;
		h.time = "100";
		ck_assert_str_ne(kg, key_of(a, &h, 0));
	}
	/* Lists: the label and the matchers count. */
	{
		const char *m1[] = { "up", NULL }, *m2[] = { "up{job=\"a\"}", NULL };
		struct fanout_req l = { .kind = FANOUT_LABEL_VALUES,
			.label = "job",
			.match = m1,
			.format = "api",
			.register_version = "clusters=7" },
				  o = l;

		o.label = "instance";
		ck_assert_str_ne(key_of(a, &l, 0), key_of(a, &o, 0));
		o = l;
		o.match = m2;
		ck_assert_str_ne(key_of(a, &l, 0), key_of(a, &o, 0));
		o = l;
		o.kind = FANOUT_LABELS;
		ck_assert_str_ne(key_of(a, &l, 0), key_of(a, &o, 0));
	}
	arena_free(a);
}
END_TEST

START_TEST(test_params)
{
	static const char *const one[] = { "up", NULL }, *empty[] = { "", NULL };
	static const struct {
		struct fanout_req q;
		const char *why; /* NULL: accepted */
	} rows[] = {
		{ { .kind = FANOUT_QUERY, .query = "up" }, NULL },
		{ { .kind = FANOUT_QUERY }, "invalid parameter \"query\"" },
		{ { .kind = FANOUT_QUERY, .query = "" }, "invalid parameter \"query\"" },
		{ { .kind = FANOUT_QUERY, .query = "up", .time = "yesterday" },
		    "invalid parameter \"time\"" },
		{ { .kind = FANOUT_QUERY, .query = "up", .timeout = "soon" },
		    "invalid parameter \"timeout\"" },
		{ { .kind = FANOUT_QUERY_RANGE, .query = "up", .start = "0", .end = "60", .step = "15s" },
		    NULL },
		{ { .kind = FANOUT_QUERY_RANGE, .query = "up", .start = "0", .end = "60" },
		    "needs start, end and step" },
		{ { .kind = FANOUT_QUERY_RANGE, .query = "up", .start = "0", .end = "60", .step = "0" },
		    "zero or negative query resolution" },
		{ { .kind = FANOUT_QUERY_RANGE, .query = "up", .start = "60", .end = "0", .step = "1" },
		    "end timestamp must not be before start time" },
		{ { .kind = FANOUT_QUERY_RANGE, .query = "up", .start = "0", .end = "11000", .step = "1" },
		    NULL },
		{ { .kind = FANOUT_QUERY_RANGE, .query = "up", .start = "0", .end = "11001", .step = "1" },
		    "exceeded maximum resolution of 11,000 points" },
		{ { .kind = FANOUT_LABELS }, NULL },
		{ { .kind = FANOUT_LABELS, .start = "x" }, "invalid parameter \"start\"" },
		{ { .kind = FANOUT_LABEL_VALUES, .label = "job" }, NULL },
		{ { .kind = FANOUT_LABEL_VALUES, .label = "a.b" }, "invalid label name" },
		{ { .kind = FANOUT_LABEL_VALUES }, "invalid label name" },
		{ { .kind = FANOUT_SERIES, .match = one }, NULL },
		{ { .kind = FANOUT_SERIES }, "no match[] parameter provided" },
		{ { .kind = FANOUT_SERIES, .match = empty }, "no match[] parameter provided" },
		{ { .kind = FANOUT__MAX }, "unknown kind" },
	};
	struct arena *a = arena_new();

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct fanout_params p;
		const char *why;
		enum err e = fanout_params_read(a, &rows[i].q, 1000, 15, 5, &p, &why);

		if (rows[i].why == NULL)
			ck_assert_msg(e == ERR_OK, "row %zu refused: %s", i, why);
		else
			ck_assert_msg(e == ERR_INPUT && strstr(why, rows[i].why) != NULL, "row %zu: %s", i,
			    why != NULL ? why : "accepted");
	}
	/* The caller's timeout is capped by the configured one. */
	{
		struct fanout_req q = { .kind = FANOUT_QUERY, .query = "up", .timeout = "2s" };
		struct fanout_params p;
		const char *why;

		ck_assert_int_eq(fanout_params_read(a, &q, 1000, 15, 5, &p, &why), ERR_OK);
		ck_assert(p.timeout == 2);
		q.timeout = "1m";
		ck_assert_int_eq(fanout_params_read(a, &q, 1000, 15, 5, &p, &why), ERR_OK);
		ck_assert(p.timeout == 5);
		ck_assert(p.time == 1000 && p.key_time == 990);
	}
	arena_free(a);
}
END_TEST

/* written returns res as write writes it for kind. */
static json_t *
written(struct arena *a, fanout_writer write, enum fanout_kind kind, const struct fanout_result *res)
{
	struct buf *b = buf_new(a);
	struct jw w;

	jw_init(&w, b);
	write(&w, a, kind, res);
	return parse(a, buf_cstr(b));
}

/* The two writers: our API's shape with every cluster's outcome and whether it was cached, and
 * Prometheus's, where a cluster that did not answer is a warning. */
START_TEST(test_writers)
{
	struct arena *a = arena_new();
	struct fanout_cluster cs[3] = {
		{ .id = "id-1",
		    .name = "east",
		    .outcome = FANOUT_OK,
		    .ms = 12.54,
		    .http_status = 200,
		    .series = 3 },
		{ .id = "id-2",
		    .name = "west",
		    .outcome = FANOUT_PROMETHEUS_ERROR,
		    .ms = 3,
		    .http_status = 422,
		    .error_type = "execution",
		    .error = "query timed out" },
		{ .id = "id-3", .name = "lab", .outcome = FANOUT_SKIPPED, .error = "no Prometheus URL" },
	};
	const char *warnings[] = { "east: results truncated" };
	struct fanout_result r = { .data = parse(a,
				       "{\"resultType\":\"vector\",\"result\":[{\"metric\":{},"
				       "\"value\":[1700000000.123,\"1\"]}]}"),
		.fleet = true,
		.aggregation = "sum",
		.clusters = cs,
		.nclusters = 3,
		.asked = 3,
		.answered = 1,
		.warnings = warnings,
		.nwarnings = 1 };
	json_t *j = written(a, fanout_write_json, FANOUT_QUERY, &r), *c, *w;

	ck_assert_str_eq(json_string_value(json_object_get(j, "status")), "success");
	ck_assert_str_eq(json_string_value(json_object_get(j, "mode")), "fleet");
	ck_assert_str_eq(json_string_value(json_object_get(j, "aggregation")), "sum");
	ck_assert(json_equal(json_object_get(j, "data"), r.data));
	ck_assert_int_eq(json_integer_value(json_object_get(j, "asked")), 3);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "answered")), 1);
	ck_assert(json_is_false(json_object_get(j, "cached")));
	c = json_object_get(j, "clusters");
	ck_assert_int_eq(json_array_size(c), 3);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(c, 0), "outcome")), "ok");
	ck_assert(json_real_value(json_object_get(json_array_get(c, 0), "ms")) == 12.5);
	ck_assert(json_is_null(json_object_get(json_array_get(c, 0), "error")));
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(c, 0), "series")), 3);
	ck_assert_str_eq(
	    json_string_value(json_object_get(json_array_get(c, 1), "outcome")), "prometheus_error");
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(c, 1), "http_status")), 422);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(c, 1), "error_type")), "execution");
	ck_assert(json_is_null(json_object_get(json_array_get(c, 2), "http_status")));
	ck_assert_str_eq(
	    json_string_value(json_array_get(json_object_get(j, "warnings"), 0)), "east: results truncated");
	r.cached = true;
	ck_assert(json_is_true(json_object_get(written(a, fanout_write_json, FANOUT_QUERY, &r), "cached")));
	/* Lists have no mode. */
	ck_assert_ptr_null(json_object_get(written(a, fanout_write_json, FANOUT_LABELS, &r), "mode"));

	j = written(a, fanout_write_prom, FANOUT_QUERY, &r);
	ck_assert_str_eq(json_string_value(json_object_get(j, "status")), "success");
	ck_assert(json_equal(json_object_get(j, "data"), r.data));
	ck_assert_ptr_null(json_object_get(j, "cached"));
	w = json_object_get(j, "warnings");
	ck_assert_int_eq(json_array_size(w), 3);
	ck_assert_str_eq(json_string_value(json_array_get(w, 0)), "east: results truncated");
	ck_assert_str_eq(json_string_value(json_array_get(w, 1)), "west: execution: query timed out");
	ck_assert_str_eq(json_string_value(json_array_get(w, 2)), "lab: skipped: no Prometheus URL");
	/* Every cluster answered and Prometheus warned of nothing: no warnings member. */
	r.nclusters = 1;
	r.nwarnings = 0;
	ck_assert_ptr_null(json_object_get(written(a, fanout_write_prom, FANOUT_QUERY, &r), "warnings"));
	arena_free(a);
}
END_TEST

static Suite *
fanout_suite(void)
{
	Suite *s = suite_create("fanout");
	TCase *core = tcase_create("core"), *errors = tcase_create("errors");
	int ncases = (int)(sizeof(agg_cases) / sizeof(agg_cases[0]));

	tcase_add_loop_test(core, test_combine_vector, 0, ncases);
	tcase_add_loop_test(core, test_combine_matrix, 0, ncases);
	tcase_add_test(core, test_avg_is_not_avg_of_avgs);
	tcase_add_test(core, test_cache_key);
	tcase_add_test(core, test_writers);
	tcase_add_test(errors, test_params);
	suite_add_tcase(s, core);
	suite_add_tcase(s, errors);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(fanout_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
