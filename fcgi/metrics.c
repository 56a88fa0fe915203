/* metrics.c: counters in one anonymous shared mapping made before fork, updated atomically. */
#include "config.h"

#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "buf.h"
#include "metrics.h"

static const int statuses[] = { 200, 201, 204, 303, 304, 400, 401, 403, 404, 405, 409, 413, 415, 422, 429,
	500, 502, 503, 0 };
#define NSTATUS (sizeof(statuses) / sizeof(statuses[0])) /* the last slot counts the rest */

static const double buckets[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
	5 };
#define NBUCKET (sizeof(buckets) / sizeof(buckets[0]))

struct route_stats {
	uint64_t by_status[NSTATUS];
	uint64_t le[NBUCKET + 1]; /* per bucket, not cumulative; the last is +Inf */
	uint64_t sum_ns;
	uint64_t count;
};

/* Sized at metrics_init for the route table it is given, however long: no route goes uncounted. */
struct shm {
	uint64_t counters[METRICS__MAX];
	int64_t workers;
	struct route_stats routes[]; /* one per route row, then one for "no route" (index nroutes) */
};

static struct shm *shm;
static size_t nroutes;
static const char *const *route_labels;

int
metrics_init(size_t n, const char *const *labels)
{
	size_t size = sizeof(struct shm) + (n + 1) * sizeof(struct route_stats);
	void *p;

	nroutes = n;
	route_labels = labels;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	memset(p, 0, size);
	shm = p;
	return 0;
}

static void
add(uint64_t *p, uint64_t v)
{
	__atomic_fetch_add(p, v, __ATOMIC_RELAXED);
}

static uint64_t
get(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

void
metrics_request(int idx, int status, double seconds)
{
	struct route_stats *rs;
	size_t s, b;

	if (shm == NULL)
		return;
	rs = &shm->routes[idx >= 0 && (size_t)idx < nroutes ? (size_t)idx : nroutes];
	for (s = 0; s < NSTATUS - 1 && statuses[s] != status; s++)
		;
	add(&rs->by_status[s], 1);
	for (b = 0; b < NBUCKET && seconds > buckets[b]; b++)
		;
	add(&rs->le[b], 1);
	add(&rs->sum_ns, (uint64_t)(seconds * 1e9));
	add(&rs->count, 1);
}

void
metrics_inc(enum metrics_counter c)
{
	if (shm != NULL)
		add(&shm->counters[c], 1);
}

void
metrics_set_workers(long n)
{
	if (shm != NULL)
		__atomic_store_n(&shm->workers, (int64_t)n, __ATOMIC_RELAXED);
}

static void
route_label(struct buf *out, size_t i)
{
	if (i >= nroutes || route_labels == NULL)
		buf_adds(out, "route=\"unmatched\",method=\"\"");
	else
		buf_adds(out, route_labels[i]);
}

void
metrics_write(struct buf *out)
{
	static const char *const counter_names[METRICS__MAX][2] = {
		{ "aiops_worker_restarts_total", "Workers that died and were replaced." },
		{ "aiops_cache_hits_total", "Responses served from the rendered-page cache." },
		{ "aiops_cache_misses_total", "Cacheable responses that had to be built." },
		{ "aiops_not_modified_total", "Responses answered 304 Not Modified." },
		{ "aiops_events_emitted_total", "Events appended to the Redis stream." },
		{ "aiops_events_dropped_total",
		    "Events lost because Redis could not take them (the change stands)." },
	};
	size_t i, s, b;

	if (shm == NULL)
		return;
	buf_adds(out,
	    "# HELP aiops_http_requests_total HTTP requests by route, method and status.\n"
	    "# TYPE aiops_http_requests_total counter\n");
	for (i = 0; i <= nroutes; i++) {
		for (s = 0; s < NSTATUS; s++) {
			uint64_t v = get(&shm->routes[i].by_status[s]);

			if (v == 0)
				continue;
			buf_adds(out, "aiops_http_requests_total{");
			route_label(out, i);
			if (statuses[s] != 0)
				buf_printf(out, ",status=\"%d\"} %llu\n", statuses[s], (unsigned long long)v);
			else
				buf_printf(out, ",status=\"other\"} %llu\n", (unsigned long long)v);
		}
	}
	buf_adds(out,
	    "# HELP aiops_http_request_duration_seconds Time from request start to response written.\n"
	    "# TYPE aiops_http_request_duration_seconds histogram\n");
	for (i = 0; i <= nroutes; i++) {
		struct route_stats *rs = &shm->routes[i];
		uint64_t cum = 0, count = get(&rs->count);

		if (count == 0)
			continue;
		for (b = 0; b <= NBUCKET; b++) {
			cum += get(&rs->le[b]);
			buf_adds(out, "aiops_http_request_duration_seconds_bucket{");
			route_label(out, i);
			if (b < NBUCKET)
				buf_printf(out, ",le=\"%g\"} %llu\n", buckets[b], (unsigned long long)cum);
			else
				buf_printf(out, ",le=\"+Inf\"} %llu\n", (unsigned long long)cum);
		}
		buf_adds(out, "aiops_http_request_duration_seconds_sum{");
		route_label(out, i);
		buf_printf(out, "} %.9f\n", (double)get(&rs->sum_ns) / 1e9);
		buf_adds(out, "aiops_http_request_duration_seconds_count{");
		route_label(out, i);
		/* The buckets were read one by one while others count: report their total, so the
		 * +Inf bucket and the count always agree. */
		buf_printf(out, "} %llu\n", (unsigned long long)cum);
	}
	for (i = 0; i < METRICS__MAX; i++)
		buf_printf(out, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", counter_names[i][0],
		    counter_names[i][1], counter_names[i][0], counter_names[i][0],
		    (unsigned long long)get(&shm->counters[i]));
	buf_printf(out,
	    "# HELP aiops_workers Worker processes configured.\n# TYPE aiops_workers gauge\n"
	    "aiops_workers %lld\n",
	    (long long)__atomic_load_n(&shm->workers, __ATOMIC_RELAXED));
}
