/* res_clusters.h: what the cluster handlers (res_clusters*.c, res_fleet.c, res_home.c) share. */
#ifndef AIOPS_RES_CLUSTERS_H
#define AIOPS_RES_CLUSTERS_H

#include <stdbool.h>

#include <jansson.h>

#include "cluster.h"
#include "credential.h"
#include "err.h"

struct jw;
struct req;

/* Credentials to change with a save: for each kind touched, the new value, or NULL to remove it. */
struct cred_change {
	const char *want[CREDENTIAL__MAX];
	bool touch[CREDENTIAL__MAX];
};

/* ---- res_clusters.c ---- */

/* res_clusters_load fetches the cluster named by the path's {id} into *c; returns 0, or 404 or
 * the failure's status having recorded it. */
int res_clusters_load(struct req *r, struct cluster **c);

/* res_clusters_filter reads the list filters, limit, cursor and order from r's query (fcgi/list.c
 * rules); returns 0 or 400. */
int res_clusters_filter(struct req *r, struct cluster_filter *f);

/* res_clusters_list_failed answers a failed cluster_list: 400 for a cursor that is not this
 * list's, else the error's status. */
int res_clusters_list_failed(struct req *r, enum err e);

/* res_clusters_save creates (id NULL) or updates the cluster from a validated in, stores creds
 * (NULL: none; a new cluster ignores removals) and appends the audit rows, all in one
 * transaction: a change that cannot be audited does not happen. On ERR_OK *out is the stored
 * cluster, the cluster data version has moved on and the browsers are told. Errors: ERR_CONFLICT
 * (name taken), ERR_NOTFOUND, ERR_INPUT (PostgreSQL refused a value), ERR_DB (nothing was
 * changed), ERR_IO when creds are given and the key file cannot be read (logged). */
enum err res_clusters_save(struct req *r, const char *id, const struct cluster_in *in,
    const struct cred_change *creds, struct cluster **out);

/* res_clusters_remove deletes c and appends its audit row in one transaction, then moves the data
 * version on and tells the browsers. ERR_NOTFOUND when it is gone already, ERR_DB. */
enum err res_clusters_remove(struct req *r, const struct cluster *c);

/* ---- res_clusters_cred.c ---- */

/* res_clusters_cred_check returns NULL when every touched value of ch is acceptable, else the
 * kind's name and *why the reason. */
const char *res_clusters_cred_check(const struct cred_change *ch, const char **why);

/* res_clusters_cred_store seals and stores the changes of ch for cluster c inside the caller's
 * transaction and appends the "cluster.credentials" audit row naming the kinds changed (never a
 * value). ERR_IO when the key file cannot be read (logged). */
enum err res_clusters_cred_store(struct req *r, const struct cluster *c, const struct cred_change *ch);

/* res_clusters_cred_from_json reads an object of kind names to values (a string sets it, null
 * removes it) into ch; returns NULL, or the member at fault with *why the reason. Values are
 * borrowed from j. */
const char *res_clusters_cred_from_json(json_t *j, struct cred_change *ch, const char **why);

/* res_clusters_cred_from_form reads the credential fields of a form: a new value replaces a kind,
 * the box "remove_<kind>" removes it, an empty field keeps it. */
void res_clusters_cred_from_form(struct req *r, struct cred_change *ch);

/* res_clusters_cred_rows sets the template rows "Creds": each kind's name, label and (set not
 * NULL) whether it is set. */
void res_clusters_cred_rows(struct req *r, const bool *set);

/* res_clusters_audit appends the audit row of action on c by r's actor with details (borrowed,
 * may be NULL), as part of the transaction in progress. */
enum err res_clusters_audit(struct req *r, const char *action, const struct cluster *c, json_t *details);

/* res_clusters_key returns the worker's sealing key, read again when the key file has changed since
 * (aiopsctl keys rotate writes a new file), so nothing is sealed or opened under a key that is gone;
 * NULL when it cannot be read (logged). Owned by the worker. */
struct secret_key *res_clusters_key(struct req *r);

#endif
