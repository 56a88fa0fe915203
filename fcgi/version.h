/* version.h: the cluster data version, read from Redis at most a few times a second per host and
 * shared by the workers, so that an unchanged page is served without a round trip. */
#ifndef AIOPS_VERSION_H
#define AIOPS_VERSION_H

#include <stdint.h>

struct req;

/* How long a version read from Redis is trusted. Writes made on this host are seen at once
 * (version_changed); writes made elsewhere within this time. */
#define VERSION_TRUST_MS 250

/* version_init maps the shared slot; call once in the master before forking. */
int version_init(void);

/* version_get returns the current version (arena memory), or NULL when Redis cannot say, in
 * which case nothing may be served from a cache. */
const char *version_get(struct req *r);

/* version_changed records a write: it moves the version on in Redis and makes every worker on
 * this host ask Redis again. */
void version_changed(struct req *r);

/* version_ident_epoch says which generation of identities the workers may remember; any write on
 * this host (a logout, a password, role or token change among them) calls version_ident_changed,
 * after which no worker serves an identity it remembered from before. */
uint64_t version_ident_epoch(void);
void version_ident_changed(void);

#endif
