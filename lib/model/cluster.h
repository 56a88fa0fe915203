/* cluster.h: the register of clusters: its fields, validation, storage, lists and health. */
#ifndef AIOPS_CLUSTER_H
#define AIOPS_CLUSTER_H

#include <stdbool.h>

#include <jansson.h>

#include "err.h"
#include "events.h"
#include "field.h"

struct arena;
struct db;
struct jw;
struct rds;

enum { CLUSTER_ENV__N = 4, CLUSTER_TYPE__N = 8, CLUSTER_STATUS__N = 4 };
extern const char *const cluster_environments[CLUSTER_ENV__N];
extern const char *const cluster_types[CLUSTER_TYPE__N];
/* Worst first: the order a sort by status and the dashboard show them in. */
extern const char *const cluster_statuses[CLUSTER_STATUS__N];

/* A stored cluster; every string is arena memory, optional URLs are NULL when unset. */
struct cluster {
	const char *id, *name, *display_name;
	const char *api_url, *prometheus_url, *alertmanager_url, *loki_url;
	const char *environment, *type, *region;
	const char *labels; /* a JSON object, as text */
	bool has_gpu;
	const char *status, *status_reason, *version;
	const char *last_seen; /* RFC 3339 UTC, or NULL when never seen */
	const char *created_at, *updated_at;
	int latency_ms; /* of the last health check's /version, -1 when never measured */
};

/* What a person or program may set. NULL strings are unset; labels is a borrowed JSON object of
 * strings or NULL; has_gpu is -1 when unset. */
struct cluster_in {
	const char *name, *display_name;
	const char *api_url, *prometheus_url, *alertmanager_url, *loki_url;
	const char *environment, *type, *region;
	json_t *labels;
	int has_gpu;
};

/* The field table of a cluster (field.h): what the API, the forms, the list rows and the detail
 * page show and take, and how each is checked. Record struct cluster, input struct cluster_in.
 * FIELD_URL fields have a .link child "<name>_href" in template rows when they are http(s). */
extern const struct field cluster_fields[];

/* List filters. A set of choices is a bit mask over cluster_environments, cluster_types or
 * cluster_statuses (bit i for choice i), 0 for no filter; has_gpu is -1 for no filter. */
struct cluster_filter {
	unsigned environments, types, statuses;
	const char *q;
	int has_gpu;
	json_t *labels; /* borrowed: every key=value must be present */
	const char *sort; /* one of cluster_sorts; NULL is "name" */
	bool desc;
	const char *cursor; /* from a previous page's next_cursor */
	int limit; /* 1..CLUSTER_LIST_MAX; anything else is CLUSTER_LIST_DEFAULT */
	unsigned fields; /* FIELD_LIST: only the fields flagged FIELD_LIST are read (the others come
			    back NULL, latency_ms -1); 0: every field */
};

#define CLUSTER_LIST_MAX 500
#define CLUSTER_LIST_DEFAULT 100

/* The sort keys of the list, NULL-terminated. "status" sorts worst first (unreachable, degraded,
 * unknown, ready). */
extern const char *const cluster_sorts[];

struct cluster_page {
	struct cluster *items; /* arena memory */
	int n;
	const char *next_cursor; /* NULL on the last page */
};

/* ---- cluster.c: the record, its storage and its events ---- */

/* cluster_in_init marks every field unset. */
void cluster_in_init(struct cluster_in *in);

/* cluster_in_from_json overlays the members present in object j onto in (field_from_json). */
void cluster_in_from_json(struct cluster_in *in, json_t *j, json_t *errors);

/* cluster_in_from_cluster fills in from a stored cluster (labels parsed into a new object owned by
 * arena a), as the base a PATCH applies to. */
void cluster_in_from_cluster(struct cluster_in *in, const struct cluster *c, struct arena *a);

/* cluster_create stores a validated in; *out is the stored row (arena memory). ERR_CONFLICT when
 * the name is taken. */
enum err cluster_create(struct db *db, struct arena *a, const struct cluster_in *in, struct cluster **out);

/* cluster_update replaces every settable field of cluster id with in (validated). ERR_NOTFOUND,
 * ERR_CONFLICT as for create. */
enum err cluster_update(
    struct db *db, struct arena *a, const char *id, const struct cluster_in *in, struct cluster **out);

/* cluster_get fetches by id; an id that is not a UUID is ERR_NOTFOUND. */
enum err cluster_get(struct db *db, struct arena *a, const char *id, struct cluster **out);

/* cluster_get_by_name fetches by unique name. */
enum err cluster_get_by_name(struct db *db, struct arena *a, const char *name, struct cluster **out);

/* cluster_delete removes cluster id; ERR_NOTFOUND when there is none. */
enum err cluster_delete(struct db *db, struct arena *a, const char *id);

/* cluster_rows reads n rows of a result whose first columns are a cluster's, in the order of
 * cluster_fields' records (arena memory, borrowing the result's strings). */
struct dbres;
struct cluster *cluster_rows(const struct dbres *res, int n, struct arena *a);

/* cluster_write_json writes c as the API shows it. */
void cluster_write_json(struct jw *w, const struct cluster *c);

/* cluster_to_json returns a new object for c, as the API shows it (built from cluster_fields, not
 * parsed back from text); caller owns the reference. */
json_t *cluster_to_json(const struct cluster *c);

/* cluster_emit tells the browsers of a change to c with an event on the stream: CLUSTER_REGISTERED
 * and CLUSTER_UPDATED carry the cluster as the API shows it, CLUSTER_DELETED its id and name.
 * Returns events_emit's result: ERR_REDIS when the event was dropped (logged; the change stands,
 * the caller counts it). */
enum err cluster_emit(struct rds *r, struct arena *a, enum event_type t, const struct cluster *c);

/* ---- cluster_valid.c: validation ---- */

/* cluster_validate checks every field and adds field: reason to errors for each fault. Returns
 * ERR_INPUT when there was any fault (including ones already in errors), else ERR_OK. */
enum err cluster_validate(const struct cluster_in *in, json_t *errors);

/* The single-field validators; they return NULL when the value is good and else a static reason.
 * cluster_url_ok is field_url_ok. */
const char *cluster_name_ok(const char *s);
const char *cluster_url_ok(const char *s);
const char *cluster_region_ok(const char *s);
const char *cluster_label_key_ok(const char *s);
const char *cluster_label_value_ok(const char *s);

/* ---- cluster_list.c: lists, cursors and the fleet summary ---- */

/* cluster_list returns one page in the filter's order. ERR_INPUT for an unknown sort, or a cursor
 * that is not one of ours or belongs to another sort. */
enum err cluster_list(
    struct db *db, struct arena *a, const struct cluster_filter *f, struct cluster_page *out);

/* cluster_attention returns up to limit clusters that are not ready, the worst first. */
enum err cluster_attention(struct db *db, struct arena *a, int limit, struct cluster_page *out);

/* How many clusters there are, in all and by each choice (indexed like the choice lists). */
struct cluster_summary {
	long total, gpu_clusters;
	long by_status[CLUSTER_STATUS__N], by_environment[CLUSTER_ENV__N], by_type[CLUSTER_TYPE__N];
};

/* cluster_summary counts the register. */
enum err cluster_summary(struct db *db, struct arena *a, struct cluster_summary *out);

/* ---- cluster_health.c: health checks and their history ---- */

/* What one health check of a cluster found; the *_ok fields are 1, 0, or -1 for not checked. */
struct cluster_health {
	const char *cluster_id;
	const char *status; /* ready, degraded or unreachable */
	const char *reason; /* why, for a person; "" when ready */
	const char *version; /* gitVersion, or "" when unknown (the stored one is kept) */
	int latency_ms; /* of the API server's /version, -1 when it did not answer */
	bool api_ok;
	int ready_ok, prometheus_ok, alertmanager_ok;
};

/* cluster_health_targets returns the clusters of shard (1..nshards) of nshards, by name: arena
 * memory. A cluster always falls in the same shard. ERR_INPUT for a bad shard. */
enum err cluster_health_targets(
    struct db *db, struct arena *a, int shard, int nshards, struct cluster **items, int *n);

/* cluster_record_health stores h on its cluster (status, reason, version, latency, and last_seen
 * when the API answered) and appends it to cluster_health, in one statement. *changed says
 * whether the status or the reason differ from before. ERR_NOTFOUND when the cluster is gone. */
enum err cluster_record_health(struct db *db, struct arena *a, const struct cluster_health *h, bool *changed);

/* One recorded check, for the history. Strings are arena memory; at is RFC 3339 UTC. */
struct cluster_check {
	const char *at, *status, *reason, *version;
	int latency_ms; /* -1 when the API server did not answer */
};

/* cluster_history returns the last limit (1..CLUSTER_LIST_MAX) checks of cluster id, oldest first
 * (arena memory). ERR_NOTFOUND for an id that is not a UUID; an unknown cluster has no checks. */
enum err cluster_history(
    struct db *db, struct arena *a, const char *id, int limit, struct cluster_check **items, int *n);

/* cluster_set_status records what a health check found. */
enum err cluster_set_status(struct db *db, struct arena *a, const char *id, const char *status,
    const char *reason, const char *version);

#endif
