/* fanout.h: one Prometheus read-API call asked of every selected cluster's Prometheus at once, the
 * answers merged (each series labelled with its cluster) or, for a splittable outer aggregation,
 * combined into the fleet's answer; every cluster's outcome accounted for; cached in Redis. */
#ifndef AIOPS_FANOUT_H
#define AIOPS_FANOUT_H

#include <stdbool.h>

#include <jansson.h>

#include "err.h"
#include "identity.h"

struct arena;
struct db;
struct jw;
struct rds;
struct secret_key;

/* Which Prometheus read API is asked. */
enum fanout_kind {
	FANOUT_QUERY, /* api/v1/query */
	FANOUT_QUERY_RANGE, /* api/v1/query_range */
	FANOUT_LABELS, /* api/v1/labels */
	FANOUT_LABEL_VALUES, /* api/v1/label/NAME/values */
	FANOUT_SERIES, /* api/v1/series */
	FANOUT__MAX
};

/* What became of one cluster's call. */
enum fanout_outcome {
	FANOUT_OK,
	FANOUT_TIMEOUT, /* no answer within its timeout or before the overall deadline */
	FANOUT_CONNECTION_ERROR, /* refused, unresolvable, TLS, cut off, a refused address */
	FANOUT_HTTP_ERROR, /* an HTTP status that is not Prometheus's answer (a proxy's 502, a 401) */
	FANOUT_PROMETHEUS_ERROR, /* Prometheus answered "status":"error" (error_type, error) */
	FANOUT_BAD_REPLY, /* garbage, truncated, too large, or a result type unlike the others' */
	FANOUT_SKIPPED, /* the cluster has no Prometheus URL */
	FANOUT_OUTCOME__MAX
};

/* fanout_outcome_name returns "ok", "timeout", "connection_error", "http_error",
 * "prometheus_error", "bad_reply" or "skipped"; static. */
const char *fanout_outcome_name(enum fanout_outcome o);

/* fanout_kind_parse maps "query", "query_range", "labels", "label_values" or "series" to its kind;
 * -1 for anything else. */
int fanout_kind_parse(const char *s);

struct fanout_result;

/* A fanout_writer writes a result of kind as one JSON value: fanout_write_json (our API) or
 * fanout_write_prom (Prometheus's). What it writes is what the cache keeps. */
typedef void (*fanout_writer)(
    struct jw *w, struct arena *a, enum fanout_kind kind, const struct fanout_result *res);

/* A request, with Prometheus's parameters as the caller received them (strings are borrowed until
 * fanout_run returns; NULL means not given). fanout_run validates them. */
struct fanout_req {
	enum fanout_kind kind;
	const char *query; /* the PromQL expression: query and query_range */
	const char *time; /* query: RFC 3339 or Unix seconds; NULL: now */
	const char *start, *end; /* query_range (required); labels, label values, series (optional) */
	const char *step; /* query_range: a duration (5m) or seconds */
	const char *label; /* label values: the label's name */
	const char *const *match; /* match[] selectors, NULL-terminated, or NULL; series needs one */
	const char *timeout; /* the caller's overall deadline, a duration or seconds; NULL or larger
			      * than metrics.timeout_ms: metrics.timeout_ms */
	/* Which clusters: names (NULL-terminated; an element may hold several names separated by
	 * commas), or a selector over the register's labels ("env=prod,region=eu"; the keys
	 * environment, type and region also match those fields), or neither: every cluster. */
	const char *const *clusters;
	const char *selector;
	enum role role; /* the caller's role: answers are cached per role */
	bool no_cache; /* neither read nor write the cache */
	fanout_writer write; /* writes the answer into fanout_result.body; NULL: no body, no cache */
	const char *format; /* the writer's name for the cache key ("api", "prom") */
	/* The register's version (fcgi/version.h): a cached answer is one made from the same
	 * register, so that a hit needs neither the database nor the clusters. NULL (unknown): no
	 * cache. */
	const char *register_version;
};

/* One cluster's outcome. Strings are arena memory. */
struct fanout_cluster {
	const char *id, *name;
	enum fanout_outcome outcome;
	double ms; /* how long its call took; 0 when not asked */
	long http_status; /* 0 when no HTTP answer arrived */
	const char *error_type; /* Prometheus's errorType, or NULL */
	const char *error; /* why it is not ok, for a person ("no answer within 5.0 s"), or NULL */
	long series; /* how many series (or list items) it contributed */
};

/* The merged answer. Everything is arena memory (data's reference is owned by the arena). */
struct fanout_result {
	/* query and query_range: {"resultType": "vector"|"matrix", "result": [...]} in Prometheus's
	 * shape, each series labelled cluster; labels and label values: a sorted array of strings;
	 * series: an array of label sets. Never NULL after ERR_OK. */
	json_t *data;
	bool fleet; /* query, query_range: "fleet" (a split aggregation) rather than "per_cluster" */
	const char *aggregation; /* the split aggregation's operator ("sum", "topk", ...), or NULL */
	struct fanout_cluster *clusters; /* in name order */
	int nclusters; /* == asked */
	int asked, answered; /* answered: outcome ok */
	const char **warnings; /* Prometheus's own, each "CLUSTER: text" */
	int nwarnings;
	bool cached; /* served from Redis: no Prometheus was asked, and only body is set */
	const char *body; /* the answer as q->write wrote it (NUL-terminated), or NULL without one */
	size_t body_len;
	const char *why; /* after ERR_INPUT: what is wrong with the request, for a person; arena or
			  * static memory */
	const char *error_type; /* after ERR_INPUT: Prometheus's errorType for it ("bad_data") */
};

/* fanout_run asks the clusters q selects (those without a Prometheus URL are "skipped"), at most
 * metrics.concurrency at once, each within metrics.timeout_ms and all within q's deadline, and
 * fills *out (arena memory of a), the answer written by q->write in out->body. The written answer
 * is cached: a hit sets only out->body and out->cached, having read neither the register nor the
 * clusters; a miss stores the answer when one cluster at least answered (rds NULL or Redis down:
 * no cache, not an error). Credentials are opened with key (NULL:
 * clusters that need one are asked without) and wiped as each call finishes.
 * Returns ERR_OK whatever the clusters answered (see out->clusters), ERR_INPUT for a bad request
 * (out->why, out->error_type), ERR_NOTFOUND when a named cluster does not exist (out->why names
 * it), ERR_DB when the register cannot be read. */
enum err fanout_run(struct db *db, struct rds *rds, const struct secret_key *key, struct arena *a,
    const struct fanout_req *q, struct fanout_result *out);

/* ---- the parts of fanout_run, apart for tests ---- */

#define FANOUT_MATCH_MAX 64
#define FANOUT_POINTS_MAX 11000 /* Prometheus's own ceiling per series of a range query */

/* A request validated and made plain: what every cluster is asked and what the cache key reads.
 * Times and durations in seconds; strings borrowed from the fanout_req or arena memory. */
struct fanout_params {
	enum fanout_kind kind;
	const char *query;
	double time; /* query: as given, or now (to the millisecond) */
	double key_time; /* query: the time the cache key reads: as given, or now rounded down to the
			  * cache TTL (answers asked within one TTL period share the first one's) */
	bool has_start, has_end;
	double start, end, step; /* as given (range: all three) */
	const char *label;
	const char *match[FANOUT_MATCH_MAX + 1]; /* NULL-terminated */
	int nmatch;
	double timeout; /* the overall deadline, seconds from the start */
};

/* fanout_params_read checks q and makes *p from it; now is the current Unix time, ttl the cache's
 * (seconds; 0: none) and max_timeout the longest deadline allowed (seconds). ERR_INPUT with *why
 * (static or arena memory) saying what is wrong, in Prometheus's words where it has some. */
enum err fanout_params_read(struct arena *a, const struct fanout_req *q, double now, long ttl,
    double max_timeout, struct fanout_params *p, const char **why);

/* fanout_cache_key returns the Redis key of the answer to p asked as q: a digest over the writer's
 * format, the register's version, the kind, the expression, the time (range: start and end rounded
 * down to the step; instant: key_time), the step, the label, the matchers, the cluster names as a
 * set (q->clusters, commas split, in any order, repeats ignored), the selector and the role. Arena
 * memory. */
const char *fanout_cache_key(struct arena *a, const struct fanout_params *p, const struct fanout_req *q);

/* fanout_write_json writes res in our API's shape (METRICS.md):
 * {"status":"success","mode":...,"aggregation":...,"data":...,"clusters":[...],"asked":N,
 *  "answered":N,"warnings":[...],"cached":bool}; mode and aggregation only for query and
 * query_range (kind). Strings it allocates are arena memory of a. */
void fanout_write_json(struct jw *w, struct arena *a, enum fanout_kind kind, const struct fanout_result *res);

/* fanout_write_prom writes res as Prometheus itself answers: {"status":"success","data":...,
 * "warnings":[...]}, the warnings being Prometheus's own and one per cluster that did not answer
 * ("prod-eu-3: no answer within 5.0 s"; skipped clusters too). */
void fanout_write_prom(struct jw *w, struct arena *a, enum fanout_kind kind, const struct fanout_result *res);

#endif
