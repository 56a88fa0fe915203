/* res_home.c: the fleet dashboard: summary tiles, the clusters that need attention, the alerts
 * firing per cluster and the alert pipelines that broke. */
#include "config.h"

#include <string.h>

#include "alert_query.h"
#include "arena.h"
#include "cfg.h"
#include "cluster.h"
#include "req.h"
#include "res.h"
#include "tpl.h"

/* count_rows sets, below summary, a child called name with a row of k and v per choice. */
static void
count_rows(struct tpl_row *summary, struct arena *a, const char *name, const char *const *choices,
    const long *counts, int n)
{
	struct tpl_row *list = tpl_row_add(summary, name);

	for (int i = 0; i < n; i++) {
		struct tpl_row *row = tpl_row_add(list, NULL);

		tpl_row_set(row, "k", choices[i]);
		tpl_row_set(row, "v", arena_printf(a, "%ld", counts[i]));
	}
}

/* num is n in decimal, arena memory. */
static const char *
num(struct arena *a, long n)
{
	return arena_printf(a, "%ld", n);
}

/* home_alerts sets the firing alerts by severity, per cluster, and the pipelines that are not ok. */
static enum err
home_alerts(struct req *r)
{
	struct tpl *t = r->w->tpl;
	struct alert_firing *f, total;
	struct alert_pipeline *p;
	struct tpl_row *rows, *row;
	int n, np;
	enum err e;

	if ((e = alert_firing_by_cluster(r->w->db, r->a, NULL, &f, &n, &total)) != ERR_OK ||
	    (e = alert_pipelines(r->w->db, r->a, (int)cfg_int("alerts.watchdog_seconds"), NULL, &p, &np)) !=
		ERR_OK)
		return e;
	row = tpl_rows(t, r->a, "Firing");
	tpl_row_set(row, "critical", num(r->a, total.critical));
	tpl_row_set(row, "warning", num(r->a, total.warning));
	tpl_row_set(row, "other", num(r->a, total.other));
	tpl_row_set(row, "total", num(r->a, total.critical + total.warning + total.other));
	rows = tpl_rows(t, r->a, "FiringByCluster");
	for (int i = 0; i < n && i < 10; i++) {
		row = tpl_row_add(rows, NULL);
		tpl_row_set(row, "cluster", f[i].cluster);
		tpl_row_set(row, "critical", num(r->a, f[i].critical));
		tpl_row_set(row, "warning", num(r->a, f[i].warning));
		tpl_row_set(row, "other", num(r->a, f[i].other));
	}
	rows = tpl_rows(t, r->a, "Pipelines");
	for (int i = 0; i < np; i++) {
		if (strcmp(p[i].state, "ok") == 0)
			continue;
		row = tpl_row_add(rows, NULL);
		tpl_row_set(row, "cluster", p[i].cluster);
		tpl_row_set(row, "cluster_id", p[i].cluster_id);
		tpl_row_set(row, "state", p[i].state);
		tpl_row_set(row, "watchdog_at", p[i].watchdog_at);
		tpl_row_set(row, "last_delivery_at", p[i].last_delivery_at);
	}
	/* Beside the rows, not below them: a child of Pipelines would be one more pipeline. */
	tpl_set_int(t, "Pipelines_count", np);
	return ERR_OK;
}

int
res_home(struct req *r)
{
	struct tpl *t = r->w->tpl;
	struct cluster_summary s;
	struct cluster_page attention;
	struct tpl_row *summary, *rows;
	struct buf *frag = buf_new(r->a);
	enum err e;

	if ((e = cluster_summary(r->w->db, r->a, &s)) != ERR_OK)
		return req_fail_err(r, e, "fleet summary");
	if ((e = cluster_attention(r->w->db, r->a, 20, &attention)) != ERR_OK)
		return req_fail_err(r, e, "clusters needing attention");
	summary = tpl_rows(t, r->a, "Summary");
	tpl_row_set(summary, "total", arena_printf(r->a, "%ld", s.total));
	tpl_row_set(summary, "gpu_clusters", arena_printf(r->a, "%ld", s.gpu_clusters));
	/* Statuses worst first, as cluster_statuses lists them. */
	count_rows(summary, r->a, "by_status", cluster_statuses, s.by_status, CLUSTER_STATUS__N);
	count_rows(summary, r->a, "by_environment", cluster_environments, s.by_environment, CLUSTER_ENV__N);
	count_rows(summary, r->a, "by_type", cluster_types, s.by_type, CLUSTER_TYPE__N);
	rows = tpl_rows(t, r->a, "Attention");
	for (int i = 0; i < attention.n; i++)
		field_write_row(
		    cluster_fields, &attention.items[i], FIELD_LIST, tpl_row_add(rows, NULL), r->a);
	if ((e = home_alerts(r)) != ERR_OK)
		return req_fail_err(r, e, "alerts of the fleet");
	if (tpl_render(t, "home", frag) != ERR_OK)
		return req_fail(r, 500, "render failed");
	return req_page_body(r, 200, buf_cstr(frag), frag->len, "Fleet");
}
