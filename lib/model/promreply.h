/* promreply.h: Prometheus API replies from outside, read within bounds; their series labelled with
 * the cluster they came from; split aggregations' partial answers combined into the fleet's. */
#ifndef AIOPS_PROMREPLY_H
#define AIOPS_PROMREPLY_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "err.h"

struct arena;
struct promql_split;

/* What a reply's data is. */
enum promreply_type {
	PROMREPLY_VECTOR,
	PROMREPLY_MATRIX,
	PROMREPLY_SCALAR,
	PROMREPLY_STRING,
	PROMREPLY_STRINGS, /* labels, label values: an array of strings */
	PROMREPLY_LABELSETS, /* series: an array of label sets */
	PROMREPLY_TYPE__MAX
};

/* What the caller asked, and so which data it accepts. */
enum promreply_expect {
	PROMREPLY_EXPECT_QUERY, /* query, query_range: vector, matrix, scalar or string */
	PROMREPLY_EXPECT_STRINGS, /* labels, label values */
	PROMREPLY_EXPECT_LABELSETS /* series */
};

#define PROMREPLY_WARNINGS_MAX 20 /* kept per reply; the rest are counted in one more warning */
#define PROMREPLY_TEXT_MAX 1024 /* bytes kept of an error or a warning */

/* A reply read by promreply_parse. Everything is arena memory; result's reference is the arena's. */
struct promreply {
	bool failed; /* "status": "error" */
	const char *error_type, *error; /* when failed: Prometheus's errorType and error */
	enum promreply_type type;
	json_t *result; /* vector, matrix: the array of series; scalar, string: the [t, "v"] pair;
			 * strings and label sets: the array */
	const char **warnings;
	int nwarnings;
};

/* promreply_type_name returns "vector", "matrix", "scalar", "string", "strings" or "labelsets";
 * static. */
const char *promreply_type_name(enum promreply_type t);

/* promreply_parse reads the n bytes at body as a Prometheus API reply of the kind expect into *out.
 * Every part is checked: the envelope, each series' metric (an object of strings), each sample (a
 * number and a string holding a number, "NaN" and "+Inf" included); native histogram samples are
 * kept as they are. ERR_TOOBIG when n is over max, ERR_INPUT for anything that is not such a
 * reply (not JSON, cut short, another shape); *why (arena or static memory) says what. A reply with
 * "status": "error" is ERR_OK with out->failed set. */
enum err promreply_parse(struct arena *a, const char *body, size_t n, size_t max,
    enum promreply_expect expect, struct promreply *out, const char **why);

/* promreply_label adds the label cluster=name to the label set metric (a JSON object we own). A
 * value already there is kept under exported_cluster (exported_exported_cluster if that is taken
 * too, and so on), as Prometheus does with honor_labels: false. */
void promreply_label(json_t *metric, const char *name);

/* promreply_exported returns the name the label name is kept under when a cluster's own series
 * carry it: "cluster" becomes "exported_cluster", anything else stays itself; static or name. */
const char *promreply_exported(const char *name);

/* promreply_merge appends r's series to the array out (vector and matrix series, or label sets),
 * each labelled with cluster (promreply_label); a scalar or a string becomes one vector series
 * labelled cluster alone. Strings are not series: see promreply_union. Returns how many it
 * appended. r's result is consumed (its objects are changed and moved into out). */
long promreply_merge(json_t *out, const struct promreply *r, const char *cluster);

/* promreply_common_type returns the result type most of the n replies have (a tie goes to the type
 * seen first); NULL entries and failed replies are skipped. -1 when there is none. A reply of
 * another type is its cluster's bad reply. */
int promreply_common_type(const struct promreply *const *r, int n);

/* promreply_union returns the sorted, duplicate-free union of the n string arrays lists[i] (NULL
 * entries skipped) as a new array; the arena owns it. */
json_t *promreply_union(struct arena *a, json_t *const *lists, int n);

/* promreply_combine runs the combining step of s's aggregation (s->agg is not PROMQL_NONE) over the
 * series that the clusters answered and promreply_merge labelled: parts[0] holds the answers to
 * s->queries[0], parts[1] those to s->queries[1] (avg: the counts). matrix says whether they are
 * range series. Grouping as s says, cluster being a label like any other: sum, min, max and group
 * by the same operation, count and count_values by summing, avg as the summed sums divided by the
 * summed counts, topk and bottomk by choosing again among the clusters' choices. Returns a new
 * array of series in Prometheus's shape, sorted by label set; the arena owns it. */
json_t *promreply_combine(struct arena *a, const struct promql_split *s, bool matrix, json_t *const parts[2]);

/* PROMREPLY_VALUE_MAX is room enough for what promreply_value_text writes, with its NUL. */
#define PROMREPLY_VALUE_MAX 400

/* promreply_value_text writes v as Prometheus writes a sample (Go's FormatFloat(v, 'f', -1, 64):
 * the shortest digits that read back as v, never an exponent; "NaN", "+Inf", "-Inf"); returns out. */
char *promreply_value_text(char out[PROMREPLY_VALUE_MAX], double v);

/* promreply_value reads a sample's value text as Prometheus writes it; false when it is not one. */
bool promreply_value(const char *s, double *v);

#endif
