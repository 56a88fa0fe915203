/* ingest.h: a cluster's ingest token, the bearer credential its Alertmanager sends with webhooks.
 * One per cluster; stored as the SHA-256 of the secret, so it is shown once, when made. */
#ifndef AIOPS_INGEST_H
#define AIOPS_INGEST_H

#include <stdbool.h>

#include "err.h"

struct arena;
struct db;

#define INGEST_TOKEN_PREFIX "aiops_ingest_"

/* ingest_token_format_ok says whether s has the shape of an ingest token. */
bool ingest_token_format_ok(const char *s);

/* ingest_token_new makes a new token for cluster_id, replacing the one it had, and sets *token to
 * it (arena memory: the only time it exists in clear). by names who made it. Runs inside the
 * caller's transaction when there is one, so the caller's audit row goes with it. */
enum err ingest_token_new(
    struct db *db, struct arena *a, const char *cluster_id, const char *by, char **token);

/* ingest_token_check finds the cluster ref names (its name, or its id) and checks token against
 * its ingest token in constant time. Sets *cluster_id and *cluster_name (arena memory) when the
 * cluster exists. Returns ERR_OK, ERR_NOTFOUND (no such cluster), ERR_INPUT (no token set, or not
 * this one), ERR_DB. */
enum err ingest_token_check(struct db *db, struct arena *a, const char *ref, const char *token,
    const char **cluster_id, const char **cluster_name);

#endif
