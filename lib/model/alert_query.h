/* alert_query.h: reading alerts: the fleet's list with its filters and keyset pages, one alert with
 * its timeline, the same alert on other clusters, and counts per group. */
#ifndef AIOPS_ALERT_QUERY_H
#define AIOPS_ALERT_QUERY_H

#include <stdbool.h>

#include <jansson.h>

#include "err.h"
#include "field.h"

struct arena;
struct db;

/* A stored alert, as the views show it. Strings are arena or result memory; times RFC 3339. */
struct alert {
	const char *id, *cluster, *cluster_id, *fingerprint, *status, *alertname, *severity;
	const char *starts_at, *ends_at, *updated_at, *generator_url;
	const char *labels, *annotations; /* JSON objects as text */
	const char *acked_by, *acked_at, *ack_comment; /* NULL unless acknowledged */
	const char *silenced_by, *inhibited_by; /* JSON arrays of ids from Alertmanager, as text */
};

/* The alert's fields, declared once for JSON and template rows (field.h). */
extern const struct field alert_fields[];

/* An acknowledgement as given, and its fields (field.h). */
struct alert_ack_in {
	const char *comment;
};
extern const struct field alert_ack_fields[];

#define ALERT_LIST_MAX 500
#define ALERT_MATCHERS_MAX 16
#define ALERT_REGEX_MAX 256

/* A label matcher as Alertmanager and Prometheus write them: name, op (= != =~ !~) and value. */
struct alert_matcher {
	const char *name, *op, *value;
};

struct alert_filter {
	const char *const *clusters; /* names; NULL-terminated, or NULL for every cluster */
	const char *const *severities; /* NULL-terminated, or NULL for every severity */
	const char *const *states; /* "firing"; "acknowledged", "silenced", "inhibited" (firing and so);
				    * "active" (firing, neither silenced nor inhibited); "resolved". NULL
				    * means firing only */
	const char *alertname; /* exact, or NULL */
	const char *text; /* found in the name, the summary or the description, case ignored; or NULL */
	const char *since, *until; /* started at or after, and before (RFC 3339), or NULL */
	struct alert_matcher matchers[ALERT_MATCHERS_MAX];
	int nmatchers;
	const char *cursor; /* from a previous page's next_cursor, or NULL */
	int limit; /* 1..ALERT_LIST_MAX */
};

/* alert_matcher_parse reads "name=value", "name!=value", "name=~regex" or "name!~regex" (a value
 * may be quoted with ") into m (arena memory). Returns NULL, or the reason it is not one. */
const char *alert_matcher_parse(struct arena *a, const char *s, struct alert_matcher *m);

/* alert_list returns a page of alerts newest first: *items (arena memory), *n and *next_cursor
 * (NULL on the last page). ERR_INPUT for a cursor that is not one of ours or a regex PostgreSQL
 * refuses. */
enum err alert_list(struct db *db, struct arena *a, const struct alert_filter *f, struct alert **items,
    int *n, const char **next_cursor);

/* alert_list_all returns every alert f selects (its cursor and limit ignored), newest first, at most
 * max of them (arena memory), in *items and *n; *more says whether more were left out. */
enum err alert_list_all(struct db *db, struct arena *a, const struct alert_filter *f, int max,
    struct alert **items, int *n, bool *more);

/* alert_counts returns, for the alerts f selects (its cursor and limit ignored), how many there
 * are per value of by ("alertname", "cluster" or "severity"), largest first, as a JSON object of
 * counts in that order (caller owns it) and their total in *total. ERR_INPUT for another by. */
enum err alert_counts(
    struct db *db, struct arena *a, const struct alert_filter *f, const char *by, json_t **out, long *total);

/* alert_get fetches one alert by id. ERR_NOTFOUND when there is none. */
enum err alert_get(struct db *db, struct arena *a, const char *id, struct alert **out);

/* A moment of an alert's history. */
struct alert_moment {
	const char *at, *kind, *actor, *comment; /* comment: an acknowledgement's, else NULL */
};

/* alert_timeline returns the history of the alert id, oldest first (arena memory), and in *flaps
 * how many times the same alert (cluster and fingerprint) fired in the last 24 hours. */
enum err alert_timeline(
    struct db *db, struct arena *a, const char *id, struct alert_moment **out, int *n, int *flaps);

/* alert_elsewhere returns the alerts of the same name and labels but the cluster's, firing now on
 * other clusters (at most 50; arena memory). */
enum err alert_elsewhere(struct db *db, struct arena *a, const struct alert *al, struct alert **out, int *n);

/* The state of a cluster's alert pipeline, from what its Alertmanager delivered. */
struct alert_pipeline {
	const char *cluster, *cluster_id;
	const char *last_delivery_at, *watchdog_at; /* RFC 3339, or NULL: never */
	const char *state; /* "ok", "broken" (the Watchdog stopped arriving), "no-watchdog" (delivers,
			    * but no Watchdog yet), "waiting" (nothing delivered yet) */
	const char *was; /* alert_pipelines_judge: the state stored before; else NULL */
};

/* alert_pipelines returns the pipeline of every cluster that has an ingest token (of cluster_id
 * alone when it is not NULL), broken first, judging a Watchdog older than stale_seconds broken
 * (arena memory). */
enum err alert_pipelines(struct db *db, struct arena *a, int stale_seconds, const char *cluster_id,
    struct alert_pipeline **out, int *n);

/* alert_pipelines_judge stores every pipeline's state as alert_pipelines judges it and returns
 * those whose state changed since the last judgement (arena memory), with what it was. Run by the
 * collector: a Watchdog that stops arriving changes no row by itself. */
enum err alert_pipelines_judge(
    struct db *db, struct arena *a, int stale_seconds, struct alert_pipeline **changed, int *n);

/* Firing alerts of one cluster by severity. */
struct alert_firing {
	const char *cluster, *cluster_id;
	long critical, warning, other;
};

/* alert_firing_by_cluster returns the clusters with firing alerts (cluster_id alone when it is not
 * NULL), most critical first (arena memory), and their totals in *total (critical, warning,
 * other). The always-firing Watchdog is no problem and is not counted. */
enum err alert_firing_by_cluster(struct db *db, struct arena *a, const char *cluster_id,
    struct alert_firing **out, int *n, struct alert_firing *total);

#endif
