/* res_fleet.c: the fleet summary as JSON: how many clusters, by status, environment and type. */
#include "config.h"

#include "cluster.h"
#include "jw.h"
#include "req.h"
#include "res.h"
#include "res_clusters.h"

/* write_counts writes {"choice": count, ...} for every choice, in the choices' order. */
static void
write_counts(struct jw *w, const char *const *choices, const long *counts, int n)
{
	jw_object(w);
	for (int i = 0; i < n; i++) {
		jw_key(w, choices[i]);
		jw_int(w, counts[i]);
	}
	jw_end_object(w);
}

int
res_fleet_summary(struct req *r)
{
	struct cluster_summary s;
	struct jw w;
	enum err e;

	if ((e = cluster_summary(r->w->db, r->a, &s)) != ERR_OK)
		return req_fail_err(r, e, "fleet summary");
	req_jw_begin(r, &w);
	jw_object(&w);
	JW_KEY(&w, "total");
	jw_int(&w, s.total);
	JW_KEY(&w, "gpu_clusters");
	jw_int(&w, s.gpu_clusters);
	JW_KEY(&w, "by_status");
	write_counts(&w, cluster_statuses, s.by_status, CLUSTER_STATUS__N);
	JW_KEY(&w, "by_environment");
	write_counts(&w, cluster_environments, s.by_environment, CLUSTER_ENV__N);
	JW_KEY(&w, "by_type");
	write_counts(&w, cluster_types, s.by_type, CLUSTER_TYPE__N);
	jw_end_object(&w);
	return req_jw_done(r, 200);
}
