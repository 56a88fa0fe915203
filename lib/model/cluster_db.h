/* cluster_db.h: what the cluster files share of the clusters table (private to lib/model). */
#ifndef AIOPS_CLUSTER_DB_H
#define AIOPS_CLUSTER_DB_H

/* The columns of a stored cluster, in the order of cluster_fields' records: field_load reads them.
 * Timestamps come in PostgreSQL's own text form (the session is in UTC) and field_load makes them
 * RFC 3339: to_char costs more than the rest of the row. */
#define CLUSTER_COLS \
	"id::text, name, display_name, api_url, prometheus_url, alertmanager_url, loki_url, " \
	"environment, cluster_type, region, labels::text, has_gpu, status, status_reason, version, " \
	"last_seen, created_at, updated_at, latency_ms"

/* How many columns CLUSTER_COLS has: a list query's sort key comes right after them. */
#define CLUSTER_NCOLS 19

/* CLUSTER_COLS for the fields flagged FIELD_LIST, in the same places, and NULL for the rest (every
 * column costs PostgreSQL its output function on each of 100 rows, and the bytes to send). */
#define CLUSTER_COLS_LIST \
	"id::text, name, display_name, api_url, NULL::text, NULL::text, NULL::text, " \
	"environment, cluster_type, region, labels::text, has_gpu, status, status_reason, version, " \
	"last_seen, NULL::timestamptz, NULL::timestamptz, NULL::int"

/* How many fields of cluster_fields may be set: the parameters of the insert. */
#define CLUSTER_NINPUTS 11

/* What a valid name is, for every message that refuses one. */
#define CLUSTER_NAME_WHY \
	"use 1 to 63 lower-case letters, digits and '-', starting and ending with a letter or digit"

#endif
