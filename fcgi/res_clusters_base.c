/* res_clusters_base.c: what every cluster handler file shares: the cluster the path names, the
 * audit row of a change to it, and the key its credentials are sealed with. */
#include "config.h"

#include <sys/stat.h>

#include "arena.h"
#include "cfg.h"
#include "cluster.h"
#include "ident.h"
#include "kv.h"
#include "log.h"
#include "req.h"
#include "res_clusters.h"
#include "secret.h"

int
res_clusters_load(struct req *r, struct cluster **c)
{
	enum err e = cluster_get(r->w->db, r->a, kv_get(&r->params, "id"), c);

	if (e == ERR_NOTFOUND)
		return req_fail(r, 404, "no cluster has this id; it may have been deleted");
	if (e != ERR_OK)
		return req_fail_err(r, e, "get cluster");
	return 0;
}

enum err
res_clusters_audit(struct req *r, const char *action, const struct cluster *c, json_t *details)
{
	return ident_audit(r, NULL, action, arena_printf(r->a, "cluster:%s", c->name), details);
}

/* key_stamp names the key file's current version: its inode and change time (0 when absent). */
static unsigned long long
key_stamp(void)
{
	struct stat st;

	if (stat(cfg_str("secrets.key_file"), &st) != 0)
		return 0;
	return ((unsigned long long)st.st_ino << 32) ^ (unsigned long long)st.st_ctim.tv_sec ^
	    (unsigned long long)st.st_ctim.tv_nsec;
}

struct secret_key *
res_clusters_key(struct req *r)
{
	unsigned long long now = key_stamp();
	struct secret_key *k;
	const char *why;

	if (r->w->key != NULL && now == r->w->key_stamp)
		return r->w->key;
	if (secret_key_load(cfg_str("secrets.key_file"), 0, &k, &why) != ERR_OK) {
		log_error(r->request_id, "key file %s: %s", cfg_str("secrets.key_file"), why);
		return NULL;
	}
	secret_key_free(r->w->key);
	r->w->key = k;
	r->w->key_stamp = now;
	return k;
}
