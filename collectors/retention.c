/* retention.c: `aiops-collect retention`: history past its configured age goes: resolved alerts
 * (with their timeline) after alerts.retention_days, health checks after health.retention_days.
 * The history tables are partitioned by month (sql/0010_history_partitions.sql): a pass first
 * makes the months ahead, then detaches and drops every month wholly past the age, then deletes in
 * batches what is left past it (the month at the boundary, a month that a firing alert keeps, the
 * default partition), so that no delete holds its table for long. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "arena.h"
#include "cfg.h"
#include "collect.h"
#include "dataver.h"
#include "db.h"
#include "log.h"

#define BATCH 5000
#define BATCH_S "5000"
/* The months made ahead of now: an alert from the near future (a skewed clock) finds its month. */
#define MONTHS_AHEAD "3"

/* At most this long waiting for a table's lock to make or drop months (a pass that cannot have it
 * leaves them to the next one: three months are made ahead, and the batches delete what a month
 * not dropped holds). */
static const struct db_stmt st_lock_timeout = { "retention_lock_timeout",
	"WITH s AS (SELECT set_config('lock_timeout', '10s', true)) SELECT 1 FROM s", 0 };

static const struct db_stmt st_ensure = { "retention_ensure",
	"WITH made AS (SELECT aiops_partitions_ensure(t, 0, " MONTHS_AHEAD ") AS n FROM "
	"unnest(ARRAY['alerts', 'alert_events', 'cluster_health']) t) SELECT sum(n) FROM made",
	0 };

/* A month of alerts stays while it holds a firing alert or one resolved within the age; its
 * timeline (alert_events, partitioned by its alert's start) goes with it. */
static const struct db_stmt st_retire_alerts = { "retention_retire_alerts",
	"WITH r AS (SELECT * FROM aiops_partitions_retire('alerts', now() - make_interval(days => "
	"$1::int), 'status = ''firing'' OR coalesce(ends_at, updated_at) >= $1', ARRAY['alert_events'])) "
	"SELECT partitions, nrows FROM r",
	1 };

static const struct db_stmt st_retire_health = { "retention_retire_health",
	"WITH r AS (SELECT * FROM aiops_partitions_retire('cluster_health', now() - make_interval(days => "
	"$1::int), NULL, '{}')) SELECT partitions, nrows FROM r",
	1 };

static const struct db_stmt st_alerts = { "retention_alerts",
	"DELETE FROM alerts a USING (SELECT id, starts_at FROM alerts WHERE status = 'resolved' AND "
	"coalesce(ends_at, updated_at) < now() - make_interval(days => $1::int) LIMIT " BATCH_S ") d "
	"WHERE a.id = d.id AND a.starts_at = d.starts_at",
	1 };

static const struct db_stmt st_health = { "retention_health",
	"DELETE FROM cluster_health h USING (SELECT id, at FROM cluster_health WHERE at < now() - "
	"make_interval(days => $1::int) LIMIT " BATCH_S ") d WHERE h.id = d.id AND h.at = d.at",
	1 };

/* ensure makes the months ahead in a transaction of its own, under the lock timeout; returns how many it made, or -1 when
 * the database failed (logged). */
static long
ensure(struct collect *co)
{
	struct dbres *res;
	long n = -1;

	if (db_tx_begin(co->db) == ERR_OK && db_exec(co->db, &st_lock_timeout, NULL, co->a, NULL) == ERR_OK &&
	    db_exec(co->db, &st_ensure, NULL, co->a, &res) == ERR_OK && db_tx_commit(co->db) == ERR_OK)
		n = atol(dbres_get(res, 0, 0));
	else
		log_error(NULL, "retention: making the months ahead: %s", db_error(co->db));
	db_tx_rollback(co->db);
	return n;
}

/* retire runs st (an aiops_partitions_retire) in a transaction of its own, under the lock timeout;
 * adds the months dropped to *months and returns the rows they held, or -1 when it failed (logged:
 * the batches delete those rows instead). */
static long
retire(struct collect *co, const struct db_stmt *st, const char *days, long *months)
{
	struct dbres *res;
	long n = -1;

	if (db_tx_begin(co->db) == ERR_OK && db_exec(co->db, &st_lock_timeout, NULL, co->a, NULL) == ERR_OK &&
	    db_exec(co->db, st, &days, co->a, &res) == ERR_OK && db_tx_commit(co->db) == ERR_OK) {
		*months += atol(dbres_get(res, 0, 0));
		n = atol(dbres_get(res, 0, 1));
	} else
		log_error(NULL, "retention: %s: %s", st->name, db_error(co->db));
	db_tx_rollback(co->db);
	return n;
}

/* prune runs st, a batch at a time, until a batch deletes less than a full one; returns the rows
 * deleted, or -1 when the database failed (logged). */
static long
prune(struct collect *co, const struct db_stmt *st, const char *days)
{
	struct dbres *res;
	long total = 0, n;

	do {
		if (db_exec(co->db, st, &days, co->a, &res) != ERR_OK) {
			log_error(NULL, "retention: %s: %s", st->name, db_error(co->db));
			return -1;
		}
		n = dbres_affected(res);
		total += n;
	} while (n >= BATCH);
	return total;
}

/* sweep drops the whole months of one history past its age, then deletes the rest in batches;
 * returns the rows gone, or -1 when the batches failed. A failed drop is only logged: the batches
 * do its work. */
static long
sweep(struct collect *co, const struct db_stmt *months_st, const struct db_stmt *rows_st, const char *days,
    long *months, bool *failed)
{
	long dropped = retire(co, months_st, days, months), deleted = prune(co, rows_st, days);

	if (dropped < 0)
		*failed = true;
	if (deleted < 0)
		return -1;
	return (dropped > 0 ? dropped : 0) + deleted;
}

int
collect_retention(struct collect *co)
{
	const char *alert_days = arena_printf(co->a, "%ld", cfg_int("alerts.retention_days"));
	const char *health_days = arena_printf(co->a, "%ld", cfg_int("health.retention_days"));
	long made = ensure(co), months = 0, alerts, health;
	bool failed = made < 0;

	alerts = sweep(co, &st_retire_alerts, &st_alerts, alert_days, &months, &failed);
	health = sweep(co, &st_retire_health, &st_health, health_days, &months, &failed);
	if (alerts > 0)
		dataver_bump(co->rds, DATAVER_ALERTS);
	if (health > 0)
		dataver_bump(co->rds, DATAVER_CLUSTERS);
	printf("retention: %ld resolved alert%s older than %s days, %ld health check%s older than %s days "
	       "deleted; %ld month%s dropped, %ld made ahead\n",
	    alerts < 0 ? 0 : alerts, alerts == 1 ? "" : "s", alert_days, health < 0 ? 0 : health,
	    health == 1 ? "" : "s", health_days, months, months == 1 ? "" : "s", made < 0 ? 0 : made);
	return failed || alerts < 0 || health < 0 ? 1 : 0;
}
