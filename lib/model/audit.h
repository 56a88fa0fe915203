/* audit.h: the append-only record of who did what, from where, in which request. */
#ifndef AIOPS_AUDIT_H
#define AIOPS_AUDIT_H

#include <jansson.h>

#include "err.h"

struct arena;
struct db;

struct audit_entry {
	const char *actor; /* user name, or "anonymous" */
	const char *actor_id; /* user id, or NULL */
	const char *role; /* the role the actor acted with, or "" */
	const char *action; /* dotted verb: "login.failed", "cluster.create", ... */
	const char *target; /* what it acted on: "cluster:ocp-prod", "user:alice", or "" */
	json_t *details; /* borrowed object, or NULL; never a secret */
	const char *client_addr, *request_id;
};

/* audit_append adds e to the log. Callers that must not act unrecorded check the result. */
enum err audit_append(struct db *db, struct arena *a, const struct audit_entry *e);

struct audit_filter {
	const char *actor, *action, *target; /* exact actor, action prefix ("cluster."), target */
	const char *since, *until; /* RFC 3339 bounds, or NULL */
	const char *cursor; /* the id to continue below */
	int limit; /* 1..500, default 100 */
};

/* audit_list returns newest-first entries as a JSON array (caller owns it) and *next_cursor
 * (arena memory, NULL on the last page). ERR_INPUT for a malformed filter. */
enum err audit_list(
    struct db *db, struct arena *a, const struct audit_filter *f, json_t **items, const char **next_cursor);

#endif
