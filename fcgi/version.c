/* version.c: the cluster data version, shared by the workers of a host through one mapping. */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#include "arena.h"
#include "cluster.h"
#include "req.h"
#include "version.h"

struct slot {
	uint64_t version; /* the number Redis holds */
	uint64_t fetched_ms; /* when it was read; 0 means ask again */
	uint64_t ident_epoch; /* moves on at every write, so no worker keeps an identity it remembered */
};

static struct slot *slot;

int
version_init(void)
{
	void *p = mmap(NULL, sizeof(*slot), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -1;
	slot = p;
	return 0;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* store keeps the highest version seen: versions only grow (INCR, or a clock seed after Redis
 * lost its data), so a worker that read just before a write cannot bring back the older one. */
static void
store(uint64_t v, uint64_t now)
{
	uint64_t cur = __atomic_load_n(&slot->version, __ATOMIC_ACQUIRE);

	while (v > cur &&
	    !__atomic_compare_exchange_n(&slot->version, &cur, v, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		;
	if (v >= cur)
		__atomic_store_n(&slot->fetched_ms, now, __ATOMIC_RELEASE);
}

const char *
version_get(struct req *r)
{
	uint64_t fetched, v, now = now_ms();
	const char *s;
	char *end;

	if (slot != NULL) {
		fetched = __atomic_load_n(&slot->fetched_ms, __ATOMIC_ACQUIRE);
		v = __atomic_load_n(&slot->version, __ATOMIC_ACQUIRE);
		/* A writer stores the version before the time, so a fresh time means a fresh version;
		 * a version racing a newer one only costs a cache miss. */
		if (fetched != 0 && now - fetched < VERSION_TRUST_MS)
			return arena_printf(r->a, "%llu", (unsigned long long)v);
	}
	s = cluster_data_version(r->w->rds, r->a);
	if (s == NULL || slot == NULL)
		return s;
	v = strtoull(s, &end, 10);
	if (*end == '\0')
		store(v, now);
	return s;
}

void
version_changed(struct req *r)
{
	long long v = cluster_data_changed(r->w->rds);

	if (slot == NULL)
		return;
	if (v > 0)
		store((uint64_t)v, now_ms());
	else
		__atomic_store_n(&slot->fetched_ms, 0, __ATOMIC_RELEASE);
}

uint64_t
version_ident_epoch(void)
{
	return slot != NULL ? __atomic_load_n(&slot->ident_epoch, __ATOMIC_ACQUIRE) : 0;
}

void
version_ident_changed(void)
{
	if (slot != NULL)
		__atomic_add_fetch(&slot->ident_epoch, 1, __ATOMIC_ACQ_REL);
}
