/* dataver.c: data versions kept in Redis, one INCR counter per data set. */
#include "config.h"

#include <stdio.h>
#include <sys/time.h>

#include "arena.h"
#include "dataver.h"
#include "log.h"
#include "rds.h"

static const char *const names[DATAVER__MAX] = {
	[DATAVER_CLUSTERS] = "clusters",
	[DATAVER_ALERTS] = "alerts",
	[DATAVER_GPU] = "gpu",
	[DATAVER_ALERT_INTAKE] = "alert_intake",
};

const char *
dataver_name(enum dataver d)
{
	return d >= 0 && d < DATAVER__MAX ? names[d] : "unknown";
}

/* key writes d's Redis key into out. */
static const char *
key(enum dataver d, char *out, size_t n)
{
	snprintf(out, n, "aiops:ver:%s", dataver_name(d));
	return out;
}

const char *
dataver_get(struct rds *r, struct arena *a, enum dataver d)
{
	char k[64], seed[32];
	struct timeval tv;
	char *v;

	key(d, k, sizeof(k));
	if (rds_get(r, a, k, &v) != ERR_OK)
		return NULL;
	if (v != NULL)
		return v;
	gettimeofday(&tv, NULL);
	snprintf(seed, sizeof(seed), "%lld", (long long)tv.tv_sec * 1000000 + tv.tv_usec);
	if (rds_setnx(r, k, seed) != ERR_OK || rds_get(r, a, k, &v) != ERR_OK)
		return NULL;
	return v;
}

long long
dataver_bump(struct rds *r, enum dataver d)
{
	char k[64];
	long long v;

	if (rds_incr(r, key(d, k, sizeof(k)), &v) != ERR_OK) {
		log_warn(NULL, "cannot move the %s data version on: %s", dataver_name(d), rds_error(r));
		return -1;
	}
	return v;
}
