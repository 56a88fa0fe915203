/* session.h: browser sessions: started at login, found by the cookie's digest, ended at logout;
 * and the stash, what one page of a session leaves for the next. */
#ifndef AIOPS_SESSION_H
#define AIOPS_SESSION_H

#include "err.h"
#include "identity.h"

struct arena;
struct db;
struct rds;
struct user;

/* session_create starts a session for u: a new random id in *sid (arena memory; it goes in the
 * cookie and nowhere else) and its identity in *id. */
enum err session_create(struct db *db, struct rds *r, struct arena *a, const struct user *u,
    const char *client_addr, char **sid, struct identity **id);

/* session_lookup finds the live session named by sid: from Redis when cached, else from
 * PostgreSQL (which also records that it was used). ERR_NOTFOUND when unknown, idle too long,
 * past its absolute lifetime, or its user is disabled. */
enum err session_lookup(
    struct db *db, struct rds *r, struct arena *a, const char *sid, struct identity **out);

/* session_destroy ends the session with this digest. */
enum err session_destroy(struct db *db, struct rds *r, struct arena *a, const char *session_hash);

/* session_stash_put keeps value (copied; our own text) for this session's next page, under name,
 * for ttl seconds: a one-time secret to show after a redirect, never in a URL. ERR_REDIS when
 * Redis cannot take it, ERR_INPUT without a session. */
enum err session_stash_put(
    struct rds *r, struct arena *a, const char *session_hash, const char *name, const char *value, int ttl);

/* session_stash_get returns what is kept under name (arena memory) and leaves it there until it
 * expires: for what may be shown again on a reload. NULL when there is none. */
char *session_stash_get(struct rds *r, struct arena *a, const char *session_hash, const char *name);

/* session_stash_take returns the value kept under name (arena memory) and removes it, so it is
 * read once; NULL when there is none or it cannot be removed. */
char *session_stash_take(struct rds *r, struct arena *a, const char *session_hash, const char *name);

#endif
