/* audit.h: the append-only record of who did what, from where, in which request. */
#ifndef AIOPS_AUDIT_H
#define AIOPS_AUDIT_H

#include <jansson.h>

#include "err.h"

struct arena;
struct db;
struct jw;

struct audit_entry {
	const char *actor; /* user name, or "anonymous" */
	const char *actor_id; /* user id, or NULL */
	const char *role; /* the role the actor acted with, or "" */
	const char *action; /* dotted verb: "login.failed", "cluster.create", ... */
	const char *target; /* what it acted on: "cluster:ocp-prod", "user:alice", or "" */
	json_t *details; /* borrowed object, or NULL; never a secret */
	const char *client_addr, *request_id;
};

/* audit_append adds e to the log. A change and its audit row go in one transaction: a change that
 * cannot be audited does not happen. So a caller opens a transaction (db_tx_begin, or db_tx),
 * makes its change, calls audit_append inside the same transaction, and commits only when both
 * succeeded; on any error it rolls back. audit_append runs in the caller's open transaction when
 * there is one (it is one statement and opens none of its own); outside one it commits by itself,
 * which suits only events with no change to go with (a failed login). Announcements (events,
 * data versions) go after the commit. Arena memory for the parameters; details stays the
 * caller's. */
enum err audit_append(struct db *db, struct arena *a, const struct audit_entry *e);

struct audit_filter {
	const char *actor, *action, *target; /* exact actor, action prefix ("cluster."), target */
	const char *since, *until; /* RFC 3339 bounds, or NULL */
	const char *cursor; /* the id to continue below */
	int limit; /* 1..500, default 100 */
};

/* One entry as listed; strings are arena memory, actor_id NULL for an anonymous actor. */
struct audit_row {
	long long id;
	const char *at, *actor, *actor_id, *role, *action, *target, *client_addr, *request_id;
	const char *details; /* a JSON object's text, as PostgreSQL prints jsonb: "{}" when none */
};

/* audit_list returns newest-first entries in *rows (arena memory, *n of them) and *next_cursor
 * (arena memory, NULL on the last page). ERR_INPUT for a malformed filter. */
enum err audit_list(struct db *db, struct arena *a, const struct audit_filter *f, struct audit_row **rows,
    int *n, const char **next_cursor);

/* audit_write_json writes row as the API shows it, a complete object. */
void audit_write_json(struct jw *w, const struct audit_row *row);

#endif
