/* collector.h: what the collectors' passes left behind: the last run of each collector and shard. */
#ifndef AIOPS_COLLECTOR_H
#define AIOPS_COLLECTOR_H

#include <stdbool.h>

#include "err.h"

struct arena;
struct db;

struct collector_run {
	const char *collector, *shard; /* "health", "1/1" */
	double started, finished; /* Unix seconds */
	bool ok;
};

/* collector_run_record keeps run as the last pass of its collector and shard. */
enum err collector_run_record(struct db *db, struct arena *a, const struct collector_run *run);

/* collector_runs_list sets *out to every collector and shard's last pass, ordered by name and
 * shard, and *n to their count (arena memory). */
enum err collector_runs_list(struct db *db, struct arena *a, struct collector_run **out, int *n);

#endif
