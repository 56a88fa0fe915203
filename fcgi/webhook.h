/* webhook.h: who may call a webhook row (RF_WEBHOOK): the cluster whose ingest token it carries. */
#ifndef AIOPS_WEBHOOK_H
#define AIOPS_WEBHOOK_H

struct req;

/* webhook_guard checks the request's bearer credential against the ingest token of the cluster the
 * path's {cluster} names (its name or id) and sets r->cluster_id and r->cluster_name. Returns 0 to
 * run the handler, or the status it answered: 404 for an unknown cluster, 401 for a missing or
 * wrong token (with WWW-Authenticate), 503 when PostgreSQL is unavailable (the sender retries). */
int webhook_guard(struct req *r);

#endif
