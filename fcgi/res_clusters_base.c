/* res_clusters_base.c: what every cluster handler file shares: the cluster the path names, and the
 * audit row of a change to it. */
#include "config.h"

#include "arena.h"
#include "cluster.h"
#include "ident.h"
#include "kv.h"
#include "req.h"
#include "res_clusters.h"

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
