/* promreply.c: Prometheus API replies read within bounds and checked part by part, their series
 * labelled with their cluster, and split aggregations combined across clusters. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "json.h"
#include "promql.h"
#include "promreply.h"
#include "utf8.h"

#define REPLY_DEPTH 8 /* {"data":{"result":[{"values":[[t,"v"]]}]}} is 6 */

static const char *const type_names[PROMREPLY_TYPE__MAX] = { "vector", "matrix", "scalar", "string",
	"strings", "labelsets" };

const char *
promreply_type_name(enum promreply_type t)
{
	return t < PROMREPLY_TYPE__MAX ? type_names[t] : "unknown";
}

bool
promreply_value(const char *s, double *v)
{
	char *end;

	if (s == NULL || *s == '\0')
		return false;
	if (strcmp(s, "NaN") == 0) {
		*v = NAN;
		return true;
	}
	if (strcmp(s, "+Inf") == 0 || strcmp(s, "-Inf") == 0) {
		*v = s[0] == '-' ? -INFINITY : INFINITY;
		return true;
	}
	*v = strtod(s, &end);
	return *end == '\0' && isfinite(*v) && s[0] != 'i' && s[0] != 'I' &&
	    !(s[0] == '0' && (s[1] | 32) == 'x');
}

char *
promreply_value_text(char out[PROMREPLY_VALUE_MAX], double v)
{
	char e[64], digits[32];
	int p, exp, nd = 0;
	size_t o = 0;
	const char *m;

	if (isnan(v))
		return strcpy(out, "NaN");
	if (isinf(v))
		return strcpy(out, v > 0 ? "+Inf" : "-Inf");
	/* The fewest significant digits that read back as v, then written without an exponent. */
	for (p = 0; p < 17; p++) {
		snprintf(e, sizeof(e), "%.*e", p, v);
		if (strtod(e, NULL) == v)
			break;
	}
	m = e;
	if (*m == '-') {
		out[o++] = '-';
		m++;
	}
	for (; *m != 'e'; m++)
		if (*m != '.')
			digits[nd++] = *m;
	exp = atoi(m + 1);
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	if (exp < 0) {
		out[o++] = '0';
		out[o++] = '.';
		for (int i = -1; i > exp; i--)
			out[o++] = '0';
		memcpy(out + o, digits, (size_t)nd);
		o += (size_t)nd;
	} else {
		for (int i = 0; i <= exp; i++)
			out[o++] = i < nd ? digits[i] : '0';
		if (nd > exp + 1) {
			out[o++] = '.';
			memcpy(out + o, digits + exp + 1, (size_t)(nd - exp - 1));
			o += (size_t)(nd - exp - 1);
		}
	}
	out[o] = '\0';
	return out;
}

/* clip returns at most PROMREPLY_TEXT_MAX bytes of s, cut between characters; arena memory. */
static const char *
clip(struct arena *a, const char *s)
{
	size_t n = strlen(s), k = 0;

	if (n <= PROMREPLY_TEXT_MAX)
		return arena_strdup(a, s);
	while (k < n) {
		size_t m = utf8_seq((const unsigned char *)s + k, n - k);

		if (m == 0 || k + m > PROMREPLY_TEXT_MAX - 3)
			break;
		k += m;
	}
	return arena_printf(a, "%.*s...", (int)k, s);
}

/* sample_ok checks one [t, "v"] pair: a number and a string that is a sample value (or any string
 * when any is true: a string result). */
static bool
sample_ok(const json_t *p, bool any)
{
	double v;

	return json_is_array(p) && json_array_size(p) == 2 && json_is_number(json_array_get(p, 0)) &&
	    json_is_string(json_array_get(p, 1)) &&
	    (any || promreply_value(json_string_value(json_array_get(p, 1)), &v));
}

/* labels_ok checks a label set: an object whose values are all strings. */
static bool
labels_ok(const json_t *m)
{
	const char *k;
	json_t *v;

	if (!json_is_object(m))
		return false;
	json_object_foreach ((json_t *)m, k, v)
		if (!json_is_string(v))
			return false;
	return true;
}

/* series_ok checks one series of a vector (matrix false) or matrix; *why says what is wrong. */
static bool
series_ok(const json_t *s, bool matrix, const char **why)
{
	const json_t *pts = json_object_get(s, matrix ? "values" : "value");
	const json_t *h = json_object_get(s, matrix ? "histograms" : "histogram");

	if (!json_is_object(s) || !labels_ok(json_object_get(s, "metric"))) {
		*why = "a series without a metric of string labels";
		return false;
	}
	if (pts == NULL && h == NULL) {
		*why = "a series without samples";
		return false;
	}
	if (pts != NULL && !matrix && !sample_ok(pts, false)) {
		*why = "a sample that is not [time, \"value\"]";
		return false;
	}
	if (pts != NULL && matrix) {
		size_t i;
		json_t *p;

		if (!json_is_array(pts)) {
			*why = "a range series whose values are not a list";
			return false;
		}
		json_array_foreach (pts, i, p)
			if (!sample_ok(p, false)) {
				*why = "a sample that is not [time, \"value\"]";
				return false;
			}
	}
	if (h != NULL && !json_is_array(h)) {
		*why = "a histogram sample that is not a list";
		return false;
	}
	return true;
}

/* read_query reads the data of a query or query_range reply into out. */
static enum err
read_query(json_t *data, struct promreply *out, const char **why)
{
	const char *rt = json_str(data, "resultType");
	json_t *res = json_object_get(data, "result"), *s;
	size_t i;

	if (rt == NULL || res == NULL) {
		*why = "data has no resultType and result";
		return ERR_INPUT;
	}
	out->result = res;
	if (strcmp(rt, "scalar") == 0 || strcmp(rt, "string") == 0) {
		out->type = rt[1] == 'c' ? PROMREPLY_SCALAR : PROMREPLY_STRING;
		if (!sample_ok(res, out->type == PROMREPLY_STRING)) {
			*why = "a scalar or string result that is not [time, \"value\"]";
			return ERR_INPUT;
		}
		return ERR_OK;
	}
	if (strcmp(rt, "vector") != 0 && strcmp(rt, "matrix") != 0) {
		*why = "an unknown resultType";
		return ERR_INPUT;
	}
	out->type = rt[0] == 'v' ? PROMREPLY_VECTOR : PROMREPLY_MATRIX;
	if (!json_is_array(res)) {
		*why = "a result that is not a list";
		return ERR_INPUT;
	}
	json_array_foreach (res, i, s)
		if (!series_ok(s, out->type == PROMREPLY_MATRIX, why))
			return ERR_INPUT;
	return ERR_OK;
}

/* read_list reads the data of a labels, label values or series reply into out. */
static enum err
read_list(json_t *data, enum promreply_expect expect, struct promreply *out, const char **why)
{
	size_t i;
	json_t *v;

	if (!json_is_array(data)) {
		*why = "data is not a list";
		return ERR_INPUT;
	}
	out->type = expect == PROMREPLY_EXPECT_STRINGS ? PROMREPLY_STRINGS : PROMREPLY_LABELSETS;
	out->result = data;
	json_array_foreach (data, i, v)
		if (expect == PROMREPLY_EXPECT_STRINGS ? !json_is_string(v) : !labels_ok(v)) {
			*why = expect == PROMREPLY_EXPECT_STRINGS
			    ? "a list item that is not a string"
			    : "a series that is not a set of string labels";
			return ERR_INPUT;
		}
	return ERR_OK;
}

/* read_warnings keeps the reply's warnings (at most PROMREPLY_WARNINGS_MAX, each clipped). */
static enum err
read_warnings(struct arena *a, json_t *root, struct promreply *out, const char **why)
{
	json_t *w = json_object_get(root, "warnings"), *v;
	size_t i, n;

	if (w == NULL || json_is_null(w))
		return ERR_OK;
	if (!json_is_array(w)) {
		*why = "warnings is not a list";
		return ERR_INPUT;
	}
	n = json_array_size(w);
	out->warnings = arena_alloc(a, sizeof(*out->warnings) * (PROMREPLY_WARNINGS_MAX + 1));
	json_array_foreach (w, i, v) {
		if (!json_is_string(v)) {
			*why = "a warning that is not a string";
			return ERR_INPUT;
		}
		if (out->nwarnings < PROMREPLY_WARNINGS_MAX)
			out->warnings[out->nwarnings++] = clip(a, json_string_value(v));
	}
	if (n > PROMREPLY_WARNINGS_MAX)
		out->warnings[out->nwarnings++] =
		    arena_printf(a, "and %zu more warnings", n - PROMREPLY_WARNINGS_MAX);
	return ERR_OK;
}

enum err
promreply_parse(struct arena *a, const char *body, size_t n, size_t max, enum promreply_expect expect,
    struct promreply *out, const char **why)
{
	const char *status;
	json_t *root, *data;
	enum err e;

	memset(out, 0, sizeof(*out));
	*why = NULL;
	if (n > max) {
		*why = arena_printf(a, "the answer is larger than %zu bytes", max);
		return ERR_TOOBIG;
	}
	if (body == NULL || n == 0) {
		*why = "the answer is empty";
		return ERR_INPUT;
	}
	if ((e = json_parse(a, body, n, REPLY_DEPTH, &root, why)) != ERR_OK) {
		*why = arena_printf(a, "the answer is not Prometheus's JSON: %s", *why);
		return ERR_INPUT;
	}
	if (!json_is_object(root) || (status = json_str(root, "status")) == NULL) {
		*why = "the answer is not Prometheus's JSON: no status";
		return ERR_INPUT;
	}
	if ((e = read_warnings(a, root, out, why)) != ERR_OK)
		return e;
	if (strcmp(status, "error") == 0) {
		const char *t = json_str(root, "errorType"), *m = json_str(root, "error");

		out->failed = true;
		out->error_type = clip(a, t != NULL ? t : "unknown");
		out->error = clip(a, m != NULL ? m : "");
		return ERR_OK;
	}
	if (strcmp(status, "success") != 0) {
		*why = "the answer's status is neither success nor error";
		return ERR_INPUT;
	}
	if ((data = json_object_get(root, "data")) == NULL) {
		*why = "the answer has no data";
		return ERR_INPUT;
	}
	return expect == PROMREPLY_EXPECT_QUERY ? read_query(data, out, why)
						: read_list(data, expect, out, why);
}

const char *
promreply_exported(const char *name)
{
	return strcmp(name, "cluster") == 0 ? "exported_cluster" : name;
}

/* present says whether metric has label k with a value (an empty value is no label). */
static bool
present(const json_t *metric, const char *k)
{
	const char *v = json_str(metric, k);

	return v != NULL && *v != '\0';
}

void
promreply_label(json_t *metric, const char *name)
{
	json_t *old = json_object_get(metric, "cluster");

	if (old != NULL && json_is_string(old) && *json_string_value(old) != '\0') {
		struct buf b = { 0 };

		/* exported_cluster, or exported_exported_cluster when that is taken, and so on. */
		buf_adds(&b, "cluster");
		do {
			char *k = xstrdup(buf_cstr(&b));

			buf_free(&b);
			buf_printf(&b, "exported_%s", k);
			free(k);
		} while (present(metric, buf_cstr(&b)));
		json_object_set(metric, buf_cstr(&b), old);
		buf_free(&b);
	}
	json_object_set_new(metric, "cluster", json_string(name));
}

long
promreply_merge(json_t *out, const struct promreply *r, const char *cluster)
{
	size_t i;
	json_t *s;

	switch (r->type) {
	case PROMREPLY_VECTOR:
	case PROMREPLY_MATRIX:
		json_array_foreach (r->result, i, s) {
			promreply_label(json_object_get(s, "metric"), cluster);
			json_array_append(out, s);
		}
		return (long)json_array_size(r->result);
	case PROMREPLY_LABELSETS:
		json_array_foreach (r->result, i, s) {
			promreply_label(s, cluster);
			json_array_append(out, s);
		}
		return (long)json_array_size(r->result);
	case PROMREPLY_SCALAR:
	case PROMREPLY_STRING:
		json_array_append_new(
		    out, json_pack("{s:{s:s}, s:O}", "metric", "cluster", cluster, "value", r->result));
		return 1;
	default: return 0;
	}
}

int
promreply_common_type(const struct promreply *const *r, int n)
{
	int count[PROMREPLY_TYPE__MAX] = { 0 }, first[PROMREPLY_TYPE__MAX], best = -1;

	for (int i = 0; i < n; i++)
		if (r[i] != NULL && !r[i]->failed && count[r[i]->type]++ == 0)
			first[r[i]->type] = i;
	for (int t = 0; t < PROMREPLY_TYPE__MAX; t++)
		if (count[t] > 0 &&
		    (best < 0 || count[t] > count[best] ||
			(count[t] == count[best] && first[t] < first[best])))
			best = t;
	return best;
}

static int
by_text(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

json_t *
promreply_union(struct arena *a, json_t *const *lists, int n)
{
	size_t total = 0, k = 0, i;
	const char **all;
	json_t *out = json_own(a, json_array()), *v;

	for (int l = 0; l < n; l++)
		total += lists[l] != NULL ? json_array_size(lists[l]) : 0;
	all = arena_alloc(a, sizeof(*all) * (total + 1));
	for (int l = 0; l < n; l++)
		if (lists[l] != NULL)
			json_array_foreach (lists[l], i, v)
				if (json_is_string(v))
					all[k++] = json_string_value(v);
	qsort(all, k, sizeof(*all), by_text);
	for (i = 0; i < k; i++)
		if (i == 0 || strcmp(all[i], all[i - 1]) != 0)
			json_array_append_new(out, json_string(all[i]));
	return out;
}

/* One sample of one input series, for the combining step. */
struct point {
	const char *key; /* the series' group, as canonical text */
	double t, v;
	json_t *tj; /* the time as the cluster wrote it */
	int part; /* 0, or 1 for avg's counts */
	int series; /* the input series it belongs to */
};

static int
by_group_time(const void *x, const void *y)
{
	const struct point *p = x, *q = y;
	int c = strcmp(p->key, q->key);

	return c != 0 ? c : (p->t > q->t) - (p->t < q->t);
}

/* group_of returns the labels metric keeps under s's grouping (cluster is a label like any other):
 * by: the labels named (count_values: and its value label); without: all but those named and
 * __name__; none: no label. A new object; caller owns it. */
static json_t *
group_of(const struct promql_split *s, json_t *metric)
{
	json_t *g = json_object(), *v;
	const char *k;

	if (!s->grouped) {
		if (s->agg == PROMQL_COUNT_VALUES && present(metric, s->value_label))
			json_object_set(g, s->value_label, json_object_get(metric, s->value_label));
		return g;
	}
	if (!s->without) {
		for (int i = 0; i < s->nlabels; i++)
			if (present(metric, s->labels[i]))
				json_object_set(g, s->labels[i], json_object_get(metric, s->labels[i]));
		if (s->agg == PROMQL_COUNT_VALUES && present(metric, s->value_label))
			json_object_set(g, s->value_label, json_object_get(metric, s->value_label));
		return g;
	}
	json_object_foreach (metric, k, v) {
		bool drop = strcmp(k, "__name__") == 0 || !json_is_string(v) || *json_string_value(v) == '\0';

		for (int i = 0; i < s->nlabels && !drop; i++)
			drop = strcmp(k, s->labels[i]) == 0;
		if (!drop)
			json_object_set(g, k, v);
	}
	return g;
}

/* canonical returns metric as text with sorted keys, the identity of a label set; arena memory. */
static const char *
canonical(struct arena *a, const json_t *metric)
{
	char *s = json_dumps(metric, JSON_COMPACT | JSON_SORT_KEYS);
	const char *c;

	if (s == NULL)
		die_oom();
	c = arena_strdup(a, s);
	free(s);
	return c;
}

/* sample returns a new [t, "v"] pair. */
static json_t *
sample(json_t *tj, double v)
{
	char text[PROMREPLY_VALUE_MAX];

	return json_pack("[O, s]", tj, promreply_value_text(text, v));
}

/* add_point adds the sample (tj, v) to the output series of metric, made on first use at slot. */
static void
add_point(json_t **slot, json_t *metric, bool matrix, json_t *tj, double v)
{
	if (*slot == NULL) {
		*slot = json_pack("{s:O}", "metric", metric);
		if (matrix)
			json_object_set_new(*slot, "values", json_array());
	}
	if (matrix)
		json_array_append_new(json_object_get(*slot, "values"), sample(tj, v));
	else
		json_object_set_new(*slot, "value", sample(tj, v));
}

/* collect flattens the series of parts into points (arena memory, *n of them) and gives each
 * series its metric (all[]) and its group's labels (groups[]), both owned by the arena. */
static struct point *
collect(struct arena *a, const struct promql_split *s, bool matrix, json_t *const parts[2], json_t ***all,
    json_t ***groups, int *nseries, size_t *n)
{
	size_t total = 0, i, j, k = 0;
	int ns = 0;
	struct point *pts;
	json_t *ser, *p;

	for (int part = 0; part < 2; part++)
		if (parts[part] != NULL)
			json_array_foreach (parts[part], i, ser) {
				json_t *vals = json_object_get(ser, matrix ? "values" : "value");

				total += !matrix ? vals != NULL : json_array_size(vals);
				ns++;
			}
	pts = arena_alloc(a, sizeof(*pts) * (total + 1));
	*all = arena_alloc(a, sizeof(**all) * (size_t)(ns + 1));
	*groups = arena_alloc(a, sizeof(**groups) * (size_t)(ns + 1));
	ns = 0;
	for (int part = 0; part < 2; part++) {
		if (parts[part] == NULL)
			continue;
		json_array_foreach (parts[part], i, ser) {
			json_t *metric = json_object_get(ser, "metric"), *vals;
			const char *key;

			(*all)[ns] = metric;
			(*groups)[ns] = json_own(a, group_of(s, metric));
			key = canonical(a, (*groups)[ns]);
			vals = json_object_get(ser, matrix ? "values" : "value");
			for (j = 0; vals != NULL && j < (matrix ? json_array_size(vals) : 1); j++) {
				p = matrix ? json_array_get(vals, j) : vals;
				if (!promreply_value(json_string_value(json_array_get(p, 1)), &pts[k].v))
					continue;
				pts[k].key = key;
				pts[k].tj = json_array_get(p, 0);
				pts[k].t = json_number_value(pts[k].tj);
				pts[k].part = part;
				pts[k].series = ns;
				k++;
			}
			ns++;
		}
	}
	*nseries = ns;
	*n = k;
	return pts;
}

/* better says whether x ranks before y for topk (top) or bottomk; NaN ranks last in both. */
static bool
better(double x, double y, bool top)
{
	if (isnan(y))
		return !isnan(x);
	if (isnan(x))
		return false;
	return top ? x > y : x < y;
}

/* choose marks in chosen[] the k best points of run[0..m) (topk or bottomk). */
static void
choose(struct point *run, size_t m, double k, bool top, bool *chosen)
{
	long want = k >= (double)m ? (long)m : k < 1 ? 0 : (long)k;

	for (long c = 0; c < want; c++) {
		long best = -1;

		for (size_t i = 0; i < m; i++)
			if (!chosen[i] && (best < 0 || better(run[i].v, run[best].v, top)))
				best = (long)i;
		chosen[best] = true;
	}
}

/* reduce returns the combined value of run[0..m), one group at one time. */
static double
reduce(const struct promql_split *s, const struct point *run, size_t m)
{
	double acc = 0, count = 0;
	bool seen = false;

	for (size_t i = 0; i < m; i++) {
		double v = run[i].v;

		switch (s->agg) {
		case PROMQL_MIN:
		case PROMQL_MAX:
			/* Prometheus: NaN loses to any number. */
			if (!seen || isnan(acc) || (s->agg == PROMQL_MIN ? v < acc : v > acc))
				acc = v;
			break;
		case PROMQL_GROUP: acc = 1; break;
		case PROMQL_AVG:
			if (run[i].part == 1)
				count += v;
			else
				acc += v;
			break;
		default: acc += v; break; /* sum; count and count_values sum the counts */
		}
		seen = true;
	}
	return s->agg == PROMQL_AVG ? acc / count : acc;
}

static int
by_metric(const void *x, const void *y)
{
	return strcmp(((const struct point *)x)->key, ((const struct point *)y)->key);
}

json_t *
promreply_combine(struct arena *a, const struct promql_split *s, bool matrix, json_t *const parts[2])
{
	bool topk = s->agg == PROMQL_TOPK || s->agg == PROMQL_BOTTOMK;
	json_t **all, **groups, **made, *out = json_own(a, json_array());
	struct point *pts, *order;
	size_t n, i, j;
	int ns, nmade = 0, slot = -1;

	pts = collect(a, s, matrix, parts, &all, &groups, &ns, &n);
	qsort(pts, n, sizeof(*pts), by_group_time);
	/* made[k]: for topk and bottomk the output series of input series k; otherwise of the group
	 * whose points start with one of input series k (a group's points are contiguous). */
	made = arena_zalloc(a, sizeof(*made) * (size_t)(ns + 1));
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && strcmp(pts[j].key, pts[i].key) == 0 && pts[j].t == pts[i].t; j++)
			;
		if (topk) {
			bool *chosen = arena_zalloc(a, sizeof(*chosen) * (j - i));

			choose(pts + i, j - i, s->k, s->agg == PROMQL_TOPK, chosen);
			for (size_t c = 0; c < j - i; c++)
				if (chosen[c])
					add_point(&made[pts[i + c].series], all[pts[i + c].series], matrix,
					    pts[i + c].tj, pts[i + c].v);
			continue;
		}
		if (i == 0 || strcmp(pts[i].key, pts[i - 1].key) != 0)
			slot = pts[i].series;
		if (s->agg == PROMQL_AVG) {
			bool sums = false, counts = false;

			for (size_t c = i; c < j; c++)
				*(pts[c].part == 1 ? &counts : &sums) = true;
			if (!sums || !counts)
				continue; /* a cluster's sum without its count, or the reverse */
		}
		add_point(&made[slot], groups[slot], matrix, pts[i].tj, reduce(s, pts + i, j - i));
	}
	/* Output sorted by label set. */
	order = arena_alloc(a, sizeof(*order) * (size_t)(ns + 1));
	for (int k = 0; k < ns; k++)
		if (made[k] != NULL) {
			order[nmade].key = canonical(a, json_object_get(made[k], "metric"));
			order[nmade].series = k;
			nmade++;
		}
	qsort(order, (size_t)nmade, sizeof(*order), by_metric);
	for (int k = 0; k < nmade; k++)
		json_array_append_new(out, made[order[k].series]);
	return out;
}
