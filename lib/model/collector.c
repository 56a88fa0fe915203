/* collector.c: the last pass of each collector and shard, in collector_runs. */
#include "config.h"

#include <stdlib.h>

#include "arena.h"
#include "collector.h"
#include "db.h"

static const struct db_stmt st_record = { "collector_run_record",
	"INSERT INTO collector_runs (collector, shard, started_at, finished_at, outcome) "
	"VALUES ($1, $2, to_timestamp($3::float8), to_timestamp($4::float8), $5) "
	"ON CONFLICT (collector, shard) DO UPDATE SET started_at = EXCLUDED.started_at, "
	"finished_at = EXCLUDED.finished_at, outcome = EXCLUDED.outcome",
	5 };

static const struct db_stmt st_list = { "collector_runs_list",
	"SELECT collector, shard, extract(epoch FROM started_at), extract(epoch FROM finished_at), "
	"outcome FROM collector_runs ORDER BY collector, shard",
	0 };

enum err
collector_run_record(struct db *db, struct arena *a, const struct collector_run *run)
{
	const char *p[5] = { run->collector, run->shard, arena_printf(a, "%.3f", run->started),
		arena_printf(a, "%.3f", run->finished), run->ok ? "ok" : "failed" };

	return db_exec(db, &st_record, p, a, NULL);
}

enum err
collector_runs_list(struct db *db, struct arena *a, struct collector_run **out, int *n)
{
	struct dbres *res;
	enum err e;

	*out = NULL;
	*n = 0;
	if ((e = db_exec(db, &st_list, NULL, a, &res)) != ERR_OK)
		return e;
	*n = dbres_rows(res);
	*out = arena_alloc(a, sizeof(**out) * (size_t)(*n + 1));
	for (int i = 0; i < *n; i++) {
		struct collector_run *run = &(*out)[i];

		run->collector = arena_strdup(a, dbres_get(res, i, 0));
		run->shard = arena_strdup(a, dbres_get(res, i, 1));
		run->started = strtod(dbres_get(res, i, 2), NULL);
		run->finished = strtod(dbres_get(res, i, 3), NULL);
		run->ok = dbres_get(res, i, 4)[0] == 'o';
	}
	return ERR_OK;
}
