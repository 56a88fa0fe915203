/* retention.c: `aiops-collect retention`: history past its configured age is deleted, in batches
 * so that no delete holds its table for long: resolved alerts (with their timeline) after
 * alerts.retention_days, health checks after health.retention_days. */
#include "config.h"

#include <stdio.h>

#include "arena.h"
#include "cfg.h"
#include "collect.h"
#include "dataver.h"
#include "db.h"
#include "log.h"

#define BATCH "5000"

static const struct db_stmt st_alerts = { "retention_alerts",
	"DELETE FROM alerts WHERE id IN (SELECT id FROM alerts WHERE status = 'resolved' AND "
	"coalesce(ends_at, updated_at) < now() - make_interval(days => $1::int) LIMIT " BATCH ")",
	1 };

static const struct db_stmt st_health = { "retention_health",
	"DELETE FROM cluster_health WHERE id IN (SELECT id FROM cluster_health WHERE at < now() - "
	"make_interval(days => $1::int) LIMIT " BATCH ")",
	1 };

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
	} while (n >= 5000);
	return total;
}

int
collect_retention(struct collect *co)
{
	const char *alert_days = arena_printf(co->a, "%ld", cfg_int("alerts.retention_days"));
	const char *health_days = arena_printf(co->a, "%ld", cfg_int("health.retention_days"));
	long alerts = prune(co, &st_alerts, alert_days);
	long health = prune(co, &st_health, health_days);

	if (alerts > 0)
		dataver_bump(co->rds, DATAVER_ALERTS);
	if (health > 0)
		dataver_bump(co->rds, DATAVER_CLUSTERS);
	printf("retention: %ld resolved alert%s older than %s days, %ld health check%s older than %s days "
	       "deleted\n",
	    alerts < 0 ? 0 : alerts, alerts == 1 ? "" : "s", alert_days, health < 0 ? 0 : health,
	    health == 1 ? "" : "s", health_days);
	return alerts < 0 || health < 0 ? 1 : 0;
}
