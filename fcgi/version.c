/* version.c: the data versions, shared by the workers of a host through one mapping. */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#include "arena.h"
#include "buf.h"
#include "dataver.h"
#include "req.h"
#include "version.h"

struct set {
	uint64_t version; /* the number Redis holds */
	uint64_t fetched_ms; /* when it was read; 0 means ask again */
};

struct slot {
	struct set sets[DATAVER__MAX];
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
store(struct set *set, uint64_t v, uint64_t now)
{
	uint64_t cur = __atomic_load_n(&set->version, __ATOMIC_ACQUIRE);

	while (v > cur &&
	    !__atomic_compare_exchange_n(&set->version, &cur, v, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		;
	if (v >= cur)
		__atomic_store_n(&set->fetched_ms, now, __ATOMIC_RELEASE);
}

/* one_version returns d's version as a number, from the shared slot while it is fresh, else from
 * Redis; false when Redis cannot say. */
static bool
one_version(struct req *r, enum dataver d, uint64_t now, unsigned long long *out)
{
	struct set *set = slot != NULL ? &slot->sets[d] : NULL;
	uint64_t fetched;
	const char *s;
	char *end;

	if (set != NULL) {
		fetched = __atomic_load_n(&set->fetched_ms, __ATOMIC_ACQUIRE);
		*out = __atomic_load_n(&set->version, __ATOMIC_ACQUIRE);
		/* A writer stores the version before the time, so a fresh time means a fresh version;
		 * a version racing a newer one only costs a cache miss. */
		if (fetched != 0 && now - fetched < VERSION_TRUST_MS)
			return true;
	}
	if ((s = dataver_get(r->w->rds, r->a, d)) == NULL)
		return false;
	*out = strtoull(s, &end, 10);
	if (*end != '\0')
		return false;
	if (set != NULL)
		store(set, *out, now);
	return true;
}

const char *
version_get(struct req *r, unsigned deps, const char **steady)
{
	uint64_t now = now_ms();
	unsigned long long v;
	struct buf *out = buf_new(r->a), *st = buf_new(r->a);

	*steady = NULL;
	for (int d = 0; d < DATAVER__MAX; d++) {
		if (!(deps & DATAVER_BIT(d)))
			continue;
		if (!one_version(r, (enum dataver)d, now, &v))
			return NULL;
		buf_printf(out, "%s%s=%llu", out->len ? "," : "", dataver_name((enum dataver)d), v);
		if (!(DATAVER_LATE & DATAVER_BIT(d)))
			buf_printf(st, "%s%s=%llu", st->len ? "," : "", dataver_name((enum dataver)d), v);
	}
	if (deps & DATAVER_LATE)
		*steady = buf_cstr(st);
	return buf_cstr(out);
}

void
version_changed(struct req *r, enum dataver d)
{
	long long v = dataver_bump(r->w->rds, d);

	if (slot == NULL)
		return;
	if (v > 0)
		store(&slot->sets[d], (uint64_t)v, now_ms());
	else
		__atomic_store_n(&slot->sets[d].fetched_ms, 0, __ATOMIC_RELEASE);
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
