/* res_home.c: the fleet dashboard: summary tiles and the clusters that need attention. */
#include "config.h"

#include "arena.h"
#include "cluster.h"
#include "json.h"
#include "metrics.h"
#include "req.h"
#include "res.h"
#include "tpl.h"

static void
set_counts(struct tpl *t, struct arena *a, const char *list, json_t *obj)
{
	const char *k;
	json_t *v;
	int n = 0;

	json_object_foreach (obj, k, v) {
		tpl_set(t, arena_printf(a, "%s.%d.k", list, n), k);
		tpl_set_int(t, arena_printf(a, "%s.%d.v", list, n), (long)json_integer_value(v));
		n++;
	}
}

static int
build_home(struct req *r, struct buf *frag)
{
	struct tpl *t = r->w->tpl;
	struct cluster_page attention;
	json_t *s;
	enum err e;

	if ((e = cluster_summary(r->w->db, r->a, &s)) != ERR_OK)
		return req_fail_err(r, e, "fleet summary");
	json_own(r->a, s);
	tpl_set_int(t, "Summary.total", (long)json_integer_value(json_object_get(s, "total")));
	tpl_set_int(t, "Summary.gpu_clusters", (long)json_integer_value(json_object_get(s, "gpu_clusters")));
	set_counts(t, r->a, "Summary.by_status", json_object_get(s, "by_status"));
	set_counts(t, r->a, "Summary.by_environment", json_object_get(s, "by_environment"));
	set_counts(t, r->a, "Summary.by_type", json_object_get(s, "by_type"));
	if ((e = cluster_attention(r->w->db, r->a, 20, &attention)) != ERR_OK)
		return req_fail_err(r, e, "clusters needing attention");
	for (int i = 0; i < attention.n; i++) {
		const struct cluster *c = &attention.items[i];

		tpl_set(t, arena_printf(r->a, "Attention.%d.id", i), c->id);
		tpl_set(t, arena_printf(r->a, "Attention.%d.name", i), c->name);
		tpl_set(t, arena_printf(r->a, "Attention.%d.display_name", i), c->display_name);
		tpl_set(t, arena_printf(r->a, "Attention.%d.environment", i), c->environment);
		tpl_set(t, arena_printf(r->a, "Attention.%d.status", i), c->status);
		tpl_set(t, arena_printf(r->a, "Attention.%d.status_reason", i), c->status_reason);
		tpl_set(t, arena_printf(r->a, "Attention.%d.last_seen", i), c->last_seen);
	}
	tpl_set_int(t, "Attention.count", attention.n);
	if (tpl_render(t, "home", frag) != ERR_OK)
		return req_fail(r, 500, "render failed");
	return 200;
}

int
res_home(struct req *r)
{
	struct buf *frag = buf_new(r->a);
	int st;

	if ((st = build_home(r, frag)) != 200)
		return st;
	return req_page_body(r, 200, buf_cstr(frag), frag->len, "Fleet");
}
