/* res_metrics.h: what the two faces of the federated metrics share: our JSON under
 * /api/v1/metrics/ (res_metrics.c) and Prometheus's own under /prometheus/api/v1/ (res_prom.c).
 * Both read Prometheus's parameters the way Prometheus does (the URL's query string and, for a
 * POST, its url-encoded form, the form's value first) and run the fan-out of lib/model/fanout.h. */
#ifndef AIOPS_RES_METRICS_H
#define AIOPS_RES_METRICS_H

#include <stdbool.h>

#include "fanout.h"

struct req;

/* res_metrics_params fills q for kind from r's parameters: query, time, start, end, step,
 * timeout and match[] as Prometheus names them, the label from the path's {name}, and the
 * cluster selector (cluster, repeatable or comma-separated, or selector; not both). An empty value
 * counts as not given. What each kind requires (a query; start, end and step for a range; a
 * match[] for series; a valid label name) is checked here; the formats of times and durations are
 * checked by fanout_run. With strict, a parameter the kind does not take is refused (our API, so a
 * misspelt one is never silently ignored); without, it is ignored (Prometheus's clients send
 * their own extras). Strings are borrowed from r (arena memory). Returns 0, or 400 recorded with
 * req_fail (its message names the parameter). */
int res_metrics_params(struct req *r, enum fanout_kind kind, bool strict, struct fanout_req *q);

/* res_metrics_run runs q for r's caller (role, no_cache from a request's Cache-Control: no-cache)
 * and fills *res (arena memory). Returns 0, or the status recorded with req_fail: 400 for a
 * request fanout_run refuses or a cluster name that does not exist (*res->why says which), 422
 * when the refusal is Prometheus's "execution" kind, 503 when the register cannot be read. */
int res_metrics_run(struct req *r, struct fanout_req *q, struct fanout_result *res);

#endif
