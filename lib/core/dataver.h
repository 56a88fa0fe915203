/* dataver.h: data versions in Redis, one counter per data set, that tell cached responses apart. */
#ifndef AIOPS_DATAVER_H
#define AIOPS_DATAVER_H

struct arena;
struct rds;

/* The data sets a cached response can depend on. A writer of a set moves its version on; a
 * response stored under an older version is never served again, except that the sets in
 * DATAVER_LATE may be shown late for a moment (fcgi/version.h). A new resource adds a row here
 * and to the names in dataver.c.
 * DATAVER_ALERTS moves with what people do to alerts (acknowledgements, retention), and
 * DATAVER_ALERT_INTAKE with what machines send about them (Alertmanager's webhooks, the
 * reconciler), which comes in storms. */
enum dataver { DATAVER_CLUSTERS, DATAVER_ALERTS, DATAVER_GPU, DATAVER_ALERT_INTAKE, DATAVER__MAX };

/* DATAVER_BIT makes the mask a route row names its dependencies with. */
#define DATAVER_BIT(d) (1u << (d))

/* The sets a response may show late (a mask of DATAVER_BIT). */
#define DATAVER_LATE DATAVER_BIT(DATAVER_ALERT_INTAKE)

/* dataver_name returns the set's static name ("clusters"); its Redis key is aiops:ver:NAME. */
const char *dataver_name(enum dataver d);

/* dataver_get returns the current version of d (arena memory), or NULL when Redis cannot say, in
 * which case nothing may be served from a cache. A Redis that restarted empty starts the count
 * from the clock, so that no old version number comes back. */
const char *dataver_get(struct rds *r, struct arena *a, enum dataver d);

/* dataver_bump moves d's version on and returns the new value, or -1 when Redis cannot take it
 * (logged; the cache's time limit then bounds how long old responses live). */
long long dataver_bump(struct rds *r, enum dataver d);

#endif
