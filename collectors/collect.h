/* collect.h: what every aiops-collect subcommand is given. */
#ifndef AIOPS_COLLECT_H
#define AIOPS_COLLECT_H

struct arena;
struct db;
struct rds;
struct secret_key;

struct collect {
	struct db *db;
	struct rds *rds;
	struct arena *a;
	struct secret_key *key; /* NULL when the key file could not be read: credentials are skipped */
	int shard, nshards; /* 1-based shard of nshards */
	long events_dropped;
};

/* collect_health runs one health pass; returns the exit status. */
int collect_health(struct collect *co);

#endif
