/* promql.h: the outer layer of a PromQL expression, read far enough to split an outermost
 * aggregation into the query each cluster runs and the step that combines their answers; and
 * Prometheus's times and durations. Everything else in an expression is opaque text. */
#ifndef AIOPS_PROMQL_H
#define AIOPS_PROMQL_H

#include <stdbool.h>

#include "err.h"

struct arena;

/* The aggregations that split; PROMQL_NONE is an expression answered per cluster. */
enum promql_agg {
	PROMQL_NONE,
	PROMQL_SUM,
	PROMQL_MIN,
	PROMQL_MAX,
	PROMQL_COUNT,
	PROMQL_AVG,
	PROMQL_GROUP,
	PROMQL_TOPK,
	PROMQL_BOTTOMK,
	PROMQL_COUNT_VALUES,
	PROMQL_AGG__MAX
};

#define PROMQL_LABELS_MAX 64

/* An expression read by promql_split. Strings are arena memory. */
struct promql_split {
	enum promql_agg agg;
	const char *op; /* "sum", ...; NULL for PROMQL_NONE */
	bool grouped; /* a by or without clause was given */
	bool without; /* the clause is without (else by) */
	const char *labels[PROMQL_LABELS_MAX]; /* the clause's label names */
	int nlabels;
	double k; /* topk, bottomk: the number */
	const char *value_label; /* count_values: the label the values go in */
	const char *inner; /* the aggregated expression */
	/* What each cluster is asked: the expression itself (without the parentheses around it), or
	 * for avg the sum and the count with the same grouping. One query for PROMQL_NONE too. */
	const char *queries[2];
	int nqueries;
};

/* promql_agg_name returns "sum", "min", ... for agg, or NULL for PROMQL_NONE; static. */
const char *promql_agg_name(enum promql_agg agg);

/* promql_split reads expr (at most 64 KiB) into *out. An expression whose outermost operation is
 * not one of the splittable aggregations, or that this reader does not understand (a quoted
 * label name, a parameter that is not a literal), is PROMQL_NONE and goes to every cluster as it
 * is, for Prometheus to answer (or to refuse). ERR_INPUT only for an empty expression, one too long
 * or one with a NUL byte (*why says which; static). */
enum err promql_split(struct arena *a, const char *expr, struct promql_split *out, const char **why);

/* promql_bind_cluster returns expr (an expression or a series selector) as the Prometheus of the
 * cluster named cluster is asked it. That Prometheus knows no cluster label (ours is added to its
 * answers), so each matcher on cluster in a selector is decided here, against the name: one that
 * holds becomes __aiops_cluster__="" (no series has that label: always true), one that does not
 * __aiops_cluster__="none" (never true). A matcher on exported_cluster asks for the cluster's own
 * cluster label. Regular expressions are anchored, POSIX extended. Everything else is unchanged;
 * arena memory (expr itself when nothing changed). */
const char *promql_bind_cluster(struct arena *a, const char *expr, const char *cluster);

/* promql_time parses a Prometheus time: Unix seconds (a decimal, maybe with a fraction) or RFC 3339
 * (with Z or an offset, an optional fraction). Returns false for anything else. */
bool promql_time(const char *s, double *out);

/* promql_duration parses a Prometheus duration: seconds as a decimal ("15", "0.5") or units
 * ("1h30m", "5m", "250ms"; y w d h m s ms), positive. Returns false for anything else. */
bool promql_duration(const char *s, double *out);

/* promql_label_name_ok says whether s is a classic label name: [a-zA-Z_][a-zA-Z0-9_]*. */
bool promql_label_name_ok(const char *s);

#endif
