/* credential.h: a cluster's credentials, sealed at rest; pages and APIs only learn which are set. */
#ifndef AIOPS_CREDENTIAL_H
#define AIOPS_CREDENTIAL_H

#include <stdbool.h>

#include "err.h"

struct arena;
struct http_req;
struct db;
struct secret_key;

enum credential_kind {
	CREDENTIAL_API_TOKEN,
	CREDENTIAL_PROMETHEUS_TOKEN,
	CREDENTIAL_ALERTMANAGER_TOKEN,
	CREDENTIAL_BASIC_AUTH,
	CREDENTIAL_CA_BUNDLE,
	CREDENTIAL__MAX
};

/* credential_kind_name returns the kind's name as stored and as the API spells it. */
const char *credential_kind_name(enum credential_kind k);

/* credential_value_ok returns NULL when value is acceptable for kind, else a reason (size bounds, a
 * PEM certificate for a CA bundle, "user:password" for basic auth, no control bytes in tokens). */
const char *credential_value_ok(enum credential_kind k, const char *value);

/* credential_set seals value under key and stores it as cluster_id's credential of kind; value NULL
 * removes it. ERR_NOTFOUND when the cluster does not exist. */
enum err credential_set(struct db *db, struct arena *a, const struct secret_key *key, const char *cluster_id,
    enum credential_kind k, const char *value);

/* credential_which fills set[] with which kinds cluster_id has. */
enum err credential_which(struct db *db, struct arena *a, const char *cluster_id, bool set[CREDENTIAL__MAX]);

/* credential_open_all opens every credential cluster_id has, with one query: values[k] is kind k in
 * the clear (arena memory, wiped when a is freed; wipe it sooner with credential_wipe as soon as
 * the requests that use it are done) or NULL when unset; unopened[k] says kind k is stored but does not open
 * with key (key NULL: none opens). ERR_NOTFOUND for a malformed id. */
enum err credential_open_all(struct db *db, struct arena *a, const struct secret_key *key,
    const char *cluster_id, char *values[CREDENTIAL__MAX], bool unopened[CREDENTIAL__MAX]);

/* credential_open_many is credential_open_all for the n clusters ids at once, with one query:
 * values[i] and unopened[i] are those of ids[i] (a repeated id gets its values once). ERR_NOTFOUND
 * for a malformed id. */
enum err credential_open_many(struct db *db, struct arena *a, const struct secret_key *key,
    const char *const *ids, int n, char *(*values)[CREDENTIAL__MAX], bool (*unopened)[CREDENTIAL__MAX]);

/* credential_alertmanager lends h the opened credentials a cluster's Alertmanager is asked with:
 * its token as the bearer, else basic auth, and the CA bundle. They stay secrets' (wipe them there). */
void credential_alertmanager(struct http_req *h, char *const secrets[CREDENTIAL__MAX]);

/* credential_prometheus lends h the opened credentials a cluster's Prometheus is asked with: its
 * Prometheus token as the bearer, else basic auth, and the CA bundle. They stay secrets'. */
void credential_prometheus(struct http_req *h, char *const secrets[CREDENTIAL__MAX]);

/* credential_wipe overwrites each opened value with zeros and sets it to NULL. */
void credential_wipe(char *values[CREDENTIAL__MAX]);

/* credential_rotate reseals every credential from old_key to new_key in one transaction (the
 * caller's, when one is open: see db_tx_begin); *count says how many. ERR_INPUT when a credential does not open with old_key (nothing is changed then). */
enum err credential_rotate(struct db *db, struct arena *a, const struct secret_key *old_key,
    const struct secret_key *new_key, int *count);

/* credential_key_count counts the stored credentials sealed under key (*with) and under any other
 * key (*other), by the key id recorded with each. */
enum err credential_key_count(
    struct db *db, struct arena *a, const struct secret_key *key, long *with, long *other);

#endif
