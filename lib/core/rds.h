/* rds.h: Redis through hiredis: one connection per process, bounded timeouts, reconnects. */
#ifndef AIOPS_RDS_H
#define AIOPS_RDS_H

#include "err.h"

struct arena;
struct rds;

/* rds_open makes a handle that connects lazily and again after any failure. socket, when not
 * empty, wins over host and port. Caller frees with rds_close. */
struct rds *rds_open(const char *host, int port, const char *socket, int timeout_ms);
void rds_close(struct rds *r);

/* rds_ping checks that the server answers PONG. */
enum err rds_ping(struct rds *r);

/* rds_get sets *out to the value of key (arena memory) or NULL when the key is absent. */
enum err rds_get(struct rds *r, struct arena *a, const char *key, char **out);

/* rds_incr increments key and sets *out to the new value when out is not NULL. */
enum err rds_incr(struct rds *r, const char *key, long long *out);

/* rds_setex sets key to value with a lifetime in seconds (0: none). */
enum err rds_setex(struct rds *r, const char *key, const char *value, int seconds);

/* rds_setnx sets key to value only when it does not exist yet. */
enum err rds_setnx(struct rds *r, const char *key, const char *value);

/* rds_del removes key. */
enum err rds_del(struct rds *r, const char *key);

/* rds_xadd appends an entry of n field/value pairs to stream, trimming it to about maxlen entries
 * (MAXLEN ~), and sets *id (arena memory) to the entry's id when id is not NULL. */
enum err rds_xadd(struct rds *r, struct arena *a, const char *stream, long maxlen, int n,
    const char *const *fields, const char *const *values, char **id);

/* rds_xadd_many appends m entries to stream in one round trip (pipelined), entry j being the n
 * field/value pairs fields[0..n-1] / values[j * n .. j * n + n - 1]. Nothing is sent again after a
 * failure (an entry may have been added): returns how many were acknowledged in *added and
 * ERR_REDIS when not all of them were. */
enum err rds_xadd_many(struct rds *r, struct arena *a, const char *stream, long maxlen, int n,
    const char *const *fields, int m, const char *const *values, int *added);

/* rds_error is the last error's text, for logs; owned by the handle. */
const char *rds_error(const struct rds *r);

#endif
