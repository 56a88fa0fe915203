/* version.h: the data versions (lib/core/dataver.h) as the workers of a host see them: read from
 * Redis at most a few times a second and shared through one mapping, so that an unchanged
 * response is served without a round trip. */
#ifndef AIOPS_VERSION_H
#define AIOPS_VERSION_H

#include <stdint.h>

#include "dataver.h"

struct req;

/* How long a version read from Redis is trusted. Writes made on this host are seen at once
 * (version_changed); writes made elsewhere within this time. */
#define VERSION_TRUST_MS 250

/* version_init maps the shared slots; call once in the master before forking. */
int version_init(void);

/* How late a response may show the sets of DATAVER_LATE: one made from data read this long ago
 * at most is served although such a set moved on since, so that a storm of machine-made changes
 * costs each worker a few renders a second, not one per change. Below the 300 ms live.js waits
 * after an event before it fetches a part again, so a page that follows events still sees each
 * change; people's own changes move other sets and show at once. */
#define VERSION_LATE_MS 250

/* version_get returns the versions of the data sets in deps (a mask of DATAVER_BIT) as one
 * string, "clusters=12,alerts=7" (arena memory), or NULL when Redis cannot say for one of them,
 * in which case nothing may be served from a cache. *steady is the same without the sets of
 * DATAVER_LATE (arena memory), or NULL when deps holds none of them or the version is NULL. */
const char *version_get(struct req *r, unsigned deps, const char **steady);

/* version_changed records a write to d: it moves d's version on in Redis and makes every worker on
 * this host see the new one at once. */
void version_changed(struct req *r, enum dataver d);

/* version_ident_epoch says which generation of identities the workers may remember; any write on
 * this host (a logout, a password, role or token change among them) calls version_ident_changed,
 * after which no worker serves an identity it remembered from before. */
uint64_t version_ident_epoch(void);
void version_ident_changed(void);

#endif
