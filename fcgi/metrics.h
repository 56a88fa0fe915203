/* metrics.h: request counters and latency histograms in shared memory, summed across workers. */
#ifndef AIOPS_METRICS_H
#define AIOPS_METRICS_H

#include <stddef.h>

struct buf;

/* metrics_init maps the shared counters for nroutes route rows, row i labelled labels[i] (the
 * label set of its samples, such as route="/x",method="GET"; kept, not copied: it must live as long
 * as the process); call once in the master before forking. Returns -1 if the mapping fails. */
int metrics_init(size_t nroutes, const char *const *labels);

/* metrics_request counts one request of route row idx (-1: no route) with its status and time. */
void metrics_request(int idx, int status, double seconds);

enum metrics_counter {
	METRICS_WORKER_RESTARTS,
	METRICS_CACHE_HITS,
	METRICS_CACHE_MISSES,
	METRICS_NOT_MODIFIED,
	METRICS_EVENTS_EMITTED,
	METRICS_EVENTS_DROPPED,
	METRICS__MAX
};

/* metrics_inc adds one to a process-wide counter. */
void metrics_inc(enum metrics_counter c);

/* metrics_set_workers records the configured pool size for the gauge. */
void metrics_set_workers(long n);

/* metrics_write appends everything in the Prometheus text exposition format. */
void metrics_write(struct buf *out);

#endif
