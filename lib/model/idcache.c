/* idcache.c: the Redis cache of looked-up identities, one JSON object per credential digest. */
#include "config.h"

#include <stdio.h>

#include "arena.h"
#include "idcache.h"
#include "log.h"
#include "rds.h"

json_t *
idcache_get(struct rds *r, struct arena *a, const char *prefix, const char *digest)
{
	char *cached = NULL;

	if (rds_get(r, a, arena_printf(a, "%s%s", prefix, digest), &cached) != ERR_OK || cached == NULL)
		return NULL;
	return json_loads(cached, 0, NULL);
}

char *
idcache_field(json_t *j, struct arena *a, const char *k)
{
	const char *v = json_string_value(json_object_get(j, k));

	return v != NULL ? arena_strdup(a, v) : NULL;
}

void
idcache_put(
    struct rds *r, struct arena *a, const char *prefix, const char *digest, const char *json, long long ttl)
{
	if (ttl > IDCACHE_SECONDS)
		ttl = IDCACHE_SECONDS;
	if (ttl > 0)
		(void)rds_setex(r, arena_printf(a, "%s%s", prefix, digest), json, (int)ttl);
}

void
idcache_drop(struct rds *r, const char *prefix, const char *digest)
{
	char key[128];

	snprintf(key, sizeof(key), "%s%s", prefix, digest);
	if (rds_del(r, key) != ERR_OK)
		log_warn(
		    NULL, "cannot drop cached %s entry; it expires within %d s", prefix, IDCACHE_SECONDS);
}
