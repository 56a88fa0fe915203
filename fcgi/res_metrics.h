/* res_metrics.h: what the two faces of the federated metrics share: our JSON under
 * /api/v1/metrics/ (res_metrics.c) and Prometheus's own under /prometheus/api/v1/ (res_prom.c).
 * Both read Prometheus's parameters the way Prometheus does (the URL's query string and, for a
 * POST, its url-encoded form, the form's value first) and run the fan-out of lib/model/fanout.h. */
#ifndef AIOPS_RES_METRICS_H
#define AIOPS_RES_METRICS_H

#include <stdbool.h>

#include "fanout.h"

struct req;

/* res_metrics_answer reads kind's parameters from r (with strict, a parameter kind does not take
 * is refused, so that a misspelt one is never silently ignored; without, it is ignored, as
 * Prometheus does), runs the fan-out for r's caller and answers with what write writes (format
 * names it in the cache key: "api", "prom"). The cache keys on the register's version, so that a
 * hit is served without the database. Returns the status: 400 for a bad request or a cluster name
 * that does not exist, 422 for one Prometheus refuses as "execution", 503 when the register cannot
 * be read. */
int res_metrics_answer(
    struct req *r, enum fanout_kind kind, bool strict, fanout_writer write, const char *format);

#endif
