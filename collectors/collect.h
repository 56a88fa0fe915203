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

struct cluster;

/* collect_secrets opens c's credentials into secrets (CREDENTIAL__MAX slots, arena memory; the
 * caller wipes them with credential_wipe as soon as its requests are done). One that cannot be
 * opened is logged, never its value, and left out. */
void collect_secrets(struct collect *co, const struct cluster *c, char **secrets);

/* collect_health runs one health pass; returns the exit status. */
int collect_health(struct collect *co);

/* collect_alerts compares every cluster's alerts with its Alertmanager's own list; returns the
 * exit status. */
int collect_alerts(struct collect *co);

/* collect_retention deletes the history past its configured age; returns the exit status. */
int collect_retention(struct collect *co);

#endif
