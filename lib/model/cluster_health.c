/* cluster_health.c: what the health collector finds: the clusters of a shard, each check stored
 * with its cluster's status, and the history of checks. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "cluster.h"
#include "cluster_db.h"
#include "db.h"
#include "text.h"

static const struct db_stmt st_status = { "cluster_status",
	"UPDATE clusters SET status = $2, status_reason = $3, version = coalesce($4, version), "
	"last_seen = CASE WHEN $2 IN ('ready', 'degraded') THEN now() ELSE last_seen END "
	"WHERE id = $1::uuid",
	4 };
/* A health pass: the clusters of shard $1 of $2 (1-based), and what one check found. */
static const struct db_stmt st_targets = { "cluster_targets",
	"SELECT " CLUSTER_COLS
	" FROM clusters WHERE $2::int <= 1 OR (abs(hashtext(id::text)) % $2::int) = $1::int - 1 "
	"ORDER BY name",
	2 };
static const struct db_stmt st_health = { "cluster_health",
	"WITH old AS (SELECT status, status_reason FROM clusters WHERE id = $1::uuid), "
	"upd AS (UPDATE clusters SET status = $2, status_reason = $3, "
	"version = CASE WHEN $4 = '' THEN version ELSE $4 END, latency_ms = $5::int, "
	"last_seen = CASE WHEN $6::boolean THEN now() ELSE last_seen END "
	"WHERE id = $1::uuid RETURNING id), "
	"ins AS (INSERT INTO cluster_health (cluster_id, status, reason, version, latency_ms, api_ok, "
	"ready_ok, "
	"prometheus_ok, alertmanager_ok) SELECT id, $2, $3, $4, $5::int, $6::boolean, $7::boolean, "
	"$8::boolean, "
	"$9::boolean FROM upd RETURNING id) "
	"SELECT old.status, old.status_reason, (SELECT count(*) FROM ins) FROM old",
	9 };
static const struct db_stmt st_history = { "cluster_history",
	"SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), status, reason, "
	"latency_ms, version "
	"FROM (SELECT * FROM cluster_health WHERE cluster_id = $1::uuid ORDER BY at DESC LIMIT $2::int) h "
	"ORDER BY at",
	2 };

static bool
known_status(const char *s)
{
	for (int i = 0; i < CLUSTER_STATUS__N; i++)
		if (strcmp(s, cluster_statuses[i]) == 0)
			return true;
	return false;
}

enum err
cluster_set_status(struct db *db, struct arena *a, const char *id, const char *status, const char *reason,
    const char *version)
{
	const char *p[4] = { id, status, reason != NULL ? reason : "", version };
	struct dbres *res;
	enum err e;

	if (!text_uuid_ok(id))
		return ERR_NOTFOUND;
	if (!known_status(status))
		return ERR_INPUT;
	if ((e = db_exec(db, &st_status, p, a, &res)) != ERR_OK)
		return e;
	return dbres_affected(res) > 0 ? ERR_OK : ERR_NOTFOUND;
}

enum err
cluster_health_targets(struct db *db, struct arena *a, int shard, int nshards, struct cluster **items, int *n)
{
	const char *p[2] = { arena_printf(a, "%d", shard), arena_printf(a, "%d", nshards) };
	struct dbres *res;
	enum err e;

	*items = NULL;
	*n = 0;
	if (nshards < 1 || shard < 1 || shard > nshards)
		return ERR_INPUT;
	if ((e = db_exec(db, &st_targets, p, a, &res)) != ERR_OK)
		return e;
	*n = dbres_rows(res);
	*items = cluster_rows(res, *n, a);
	return ERR_OK;
}

enum err
cluster_record_health(struct db *db, struct arena *a, const struct cluster_health *h, bool *changed)
{
	const char *p[9];
	struct dbres *res;
	enum err e;

	*changed = false;
	if (!text_uuid_ok(h->cluster_id))
		return ERR_NOTFOUND;
	if (!known_status(h->status) || strcmp(h->status, "unknown") == 0)
		return ERR_INPUT;
	p[0] = h->cluster_id;
	p[1] = h->status;
	p[2] = h->reason != NULL ? h->reason : "";
	p[3] = h->version != NULL ? h->version : "";
	p[4] = h->latency_ms >= 0 ? arena_printf(a, "%d", h->latency_ms) : NULL;
	p[5] = h->api_ok ? "true" : "false";
	p[6] = h->ready_ok < 0 ? NULL : h->ready_ok ? "true" : "false";
	p[7] = h->prometheus_ok < 0 ? NULL : h->prometheus_ok ? "true" : "false";
	p[8] = h->alertmanager_ok < 0 ? NULL : h->alertmanager_ok ? "true" : "false";
	if ((e = db_exec(db, &st_health, p, a, &res)) != ERR_OK)
		return e;
	if (dbres_rows(res) == 0)
		return ERR_NOTFOUND; /* deleted while it was being checked */
	*changed = strcmp(dbres_get(res, 0, 0), h->status) != 0 || strcmp(dbres_get(res, 0, 1), p[2]) != 0;
	return ERR_OK;
}

enum err
cluster_history(
    struct db *db, struct arena *a, const char *id, int limit, struct cluster_check **items, int *n)
{
	const char *p[2] = { id, arena_printf(a, "%d", limit) };
	struct dbres *res;
	enum err e;

	*items = NULL;
	*n = 0;
	if (!text_uuid_ok(id))
		return ERR_NOTFOUND;
	if (limit < 1 || limit > CLUSTER_LIST_MAX)
		return ERR_INPUT;
	if ((e = db_exec(db, &st_history, p, a, &res)) != ERR_OK)
		return e;
	*n = dbres_rows(res);
	*items = arena_zalloc(a, sizeof(**items) * (size_t)(*n > 0 ? *n : 1));
	for (int i = 0; i < *n; i++) {
		struct cluster_check *c = &(*items)[i];

		c->at = dbres_get(res, i, 0);
		c->status = dbres_get(res, i, 1);
		c->reason = dbres_get(res, i, 2);
		c->latency_ms = dbres_isnull(res, i, 3) ? -1 : atoi(dbres_get(res, i, 3));
		c->version = dbres_get(res, i, 4);
	}
	return ERR_OK;
}
