/* res_home.c: the fleet dashboard: summary tiles and the clusters that need attention. */
#include "config.h"

#include "arena.h"
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
	if (tpl_render(t, "home", frag) != ERR_OK)
		return req_fail(r, 500, "render failed");
	return req_page_body(r, 200, buf_cstr(frag), frag->len, "Fleet");
}
