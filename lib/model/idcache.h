/* idcache.h: the Redis cache of looked-up identities (sessions and tokens), named by the digest of
 * the credential, so a request need not ask PostgreSQL who it is. */
#ifndef AIOPS_IDCACHE_H
#define AIOPS_IDCACHE_H

#include <jansson.h>

struct arena;
struct buf;
struct rds;

/* How long a cached entry is trusted before PostgreSQL is asked again: the bound on how late a
 * change made while Redis was unreachable takes effect. */
#define IDCACHE_SECONDS 60

/* Key prefixes; the digest follows. */
#define IDCACHE_SESSION "aiops:sess:"
#define IDCACHE_TOKEN "aiops:tok:"

/* idcache_get returns the object cached under prefix+digest, or NULL when there is none, Redis
 * cannot say, or it does not parse; the caller releases it with json_decref. */
json_t *idcache_get(struct rds *r, struct arena *a, const char *prefix, const char *digest);

/* idcache_field copies j's string member k into arena a, or returns NULL when it is not a string. */
char *idcache_field(json_t *j, struct arena *a, const char *k);

/* idcache_put stores the JSON text json under prefix+digest for ttl seconds, at most
 * IDCACHE_SECONDS; nothing when ttl is not positive. A Redis that is down only costs the cache. */
void idcache_put(
    struct rds *r, struct arena *a, const char *prefix, const char *digest, const char *json, long long ttl);

/* idcache_drop removes the entry under prefix+digest; when Redis refuses, it is logged and the
 * entry lives out its IDCACHE_SECONDS. */
void idcache_drop(struct rds *r, const char *prefix, const char *digest);

#endif
