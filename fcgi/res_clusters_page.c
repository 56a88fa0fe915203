/* res_clusters_page.c: the cluster register's pages for people: the filterable list and one
 * cluster's details with its health history. */
#include "config.h"

#include <string.h>

#include "alert_query.h"
#include "cfg.h"
#include "arena.h"
#include "buf.h"
#include "cluster.h"
#include "req.h"
#include "res.h"
#include "res_clusters.h"
#include "tpl.h"
#include "url.h"

/* The query parameters the list page keeps in its links, in the order they are written; every
 * occurrence of each is kept (label, status, environment and type may repeat). */
static const char *const filter_keys[] = { "environment", "type", "status", "has_gpu", "label", "q", "sort",
	"dir", "limit", NULL };

/* The columns a person can sort the list page by. */
static const char *const sort_cols[] = { "name", "environment", "type", "status", "region", "last_seen",
	NULL };

/* list_url builds /clusters?... from the current filters with up to two parameters replaced (a
 * NULL value drops it); the cursor is dropped unless it is one of the two. Arena memory. */
static const char *
list_url(struct req *r, const char *k1, const char *v1, const char *k2, const char *v2)
{
	struct buf *b = buf_new(r->a);

	buf_adds(b, "/clusters");
	for (int i = 0; filter_keys[i] != NULL; i++) {
		const char *k = filter_keys[i];

		if ((k1 != NULL && strcmp(k, k1) == 0) || (k2 != NULL && strcmp(k, k2) == 0)) {
			const char *v = k1 != NULL && strcmp(k, k1) == 0 ? v1 : v2;

			if (v != NULL && v[0] != '\0')
				buf_printf(b, "%c%s=%s", b->len > 9 ? '&' : '?', k, url_encode(r->a, v));
			continue;
		}
		for (size_t j = 0; j < r->query.n; j++)
			if (strcmp(r->query.items[j].k, k) == 0 && r->query.items[j].v[0] != '\0')
				buf_printf(b, "%c%s=%s", b->len > 9 ? '&' : '?', k,
				    url_encode(r->a, r->query.items[j].v));
	}
	if (k1 != NULL && strcmp(k1, "cursor") == 0 && v1 != NULL)
		buf_printf(b, "%ccursor=%s", b->len > 9 ? '&' : '?', url_encode(r->a, v1));
	return buf_cstr(b);
}

/* choice_rows sets, below rows, a child called name with a row per choice: v, and sel when the
 * choice's bit is in mask. */
static void
choice_rows(struct tpl_row *rows, const char *name, const char *const *choices, int n, unsigned mask)
{
	struct tpl_row *list = tpl_row_add(rows, name);

	for (int i = 0; i < n; i++) {
		struct tpl_row *o = tpl_row_add(list, NULL);

		tpl_row_set(o, "v", choices[i]);
		if (mask & (1u << i))
			tpl_row_set(o, "sel", "1");
	}
}

int
res_clusters_page(struct req *r)
{
	struct tpl *t = r->w->tpl;
	struct cluster_filter f;
	struct cluster_page page;
	struct tpl_row *rows, *sort, *filter, *list;
	struct buf *frag = buf_new(r->a);
	const char *by, *v;
	enum err e;
	int st;

	if ((st = res_clusters_filter(r, &f)) != 0)
		return st;
	f.fields = FIELD_LIST;
	if ((e = cluster_list(r->w->db, r->a, &f, &page)) != ERR_OK)
		return res_clusters_list_failed(r, e);
	rows = tpl_rows(t, r->a, "Clusters");
	for (int i = 0; i < page.n; i++)
		field_write_row(cluster_fields, &page.items[i], FIELD_LIST, tpl_row_add(rows, NULL), r->a);
	field_write_choices(cluster_fields, tpl_rows(t, r->a, "Options"));
	rows = tpl_rows(t, r->a, "Choices");
	choice_rows(rows, "status", cluster_statuses, CLUSTER_STATUS__N, f.statuses);
	choice_rows(rows, "environment", cluster_environments, CLUSTER_ENV__N, f.environments);
	filter = tpl_rows(t, r->a, "Filter");
	for (int i = 0; filter_keys[i] != NULL; i++)
		if ((v = kv_get(&r->query, filter_keys[i])) != NULL)
			tpl_row_set(filter, filter_keys[i], v);
	by = f.sort != NULL ? f.sort : "name";
	sort = tpl_rows(t, r->a, "Sort");
	for (int i = 0; sort_cols[i] != NULL; i++) {
		struct tpl_row *col = tpl_row_add(sort, sort_cols[i]);
		int current = strcmp(sort_cols[i], by) == 0;

		/* Clicking a column sorts by it; clicking the sorted column again reverses it. */
		tpl_row_set(col, "url",
		    list_url(r, "sort", sort_cols[i], "dir", current && !f.desc ? "desc" : "asc"));
		if (current)
			tpl_row_set(col, "current", f.desc ? "desc" : "asc");
	}
	list = tpl_rows(t, r->a, "List");
	tpl_row_set(list, "count", arena_printf(r->a, "%d", page.n));
	if (page.next_cursor != NULL)
		tpl_row_set(list, "next_url", list_url(r, "cursor", page.next_cursor, NULL, NULL));
	if (f.cursor != NULL)
		tpl_row_set(list, "first_url", list_url(r, "cursor", NULL, NULL, NULL));
	if (tpl_render(t, "clusters_list", frag) != ERR_OK)
		return req_fail(r, 500, "render failed");
	return req_page_body(r, 200, buf_cstr(frag), frag->len, "Clusters");
}

/* The chart of the last checks on the details page: a strip of status cells and the latency as
 * an SVG polyline in a HISTORY_W x HISTORY_H box (points computed here, numbers only). */
#define HISTORY_N 60
#define HISTORY_W 600
#define HISTORY_H 80

static int
set_history(struct req *r, const struct cluster *c)
{
	struct tpl *t = r->w->tpl;
	struct cluster_check *h;
	struct tpl_row *rows, *chart;
	struct buf *pts = buf_new(r->a);
	int n, max = 0, ready = 0, measured = 0;
	enum err e = cluster_history(r->w->db, r->a, c->id, HISTORY_N, &h, &n);

	if (e != ERR_OK)
		return req_fail_err(r, e, "cluster history");
	if (n == 0)
		return 0;
	rows = tpl_rows(t, r->a, "History");
	for (int i = 0; i < n; i++) {
		struct tpl_row *row = tpl_row_add(rows, NULL);

		tpl_row_set(row, "at", h[i].at);
		tpl_row_set(row, "status", h[i].status);
		tpl_row_set(row, "reason", h[i].reason);
		if (h[i].latency_ms >= 0)
			tpl_row_set(row, "latency_ms", arena_printf(r->a, "%d", h[i].latency_ms));
		if (h[i].latency_ms > max)
			max = h[i].latency_ms;
		ready += strcmp(h[i].status, "ready") == 0;
	}
	/* The y axis runs from 0 to the first of 10, 20, 50, 100, 200, 500, ... ms at or above the
	 * slowest answer (latencies are bounded by the collector's timeout), so the line uses the
	 * height whatever the cluster's usual latency. */
	for (int step = 10;; step *= 10) {
		if (max <= step || max <= 2 * step || max <= 5 * step) {
			max = max <= step ? step : max <= 2 * step ? 2 * step : 5 * step;
			break;
		}
	}
	for (int i = 0; i < n; i++) {
		double x = (i + 0.5) * HISTORY_W / n; /* under the middle of its cell in the strip */

		if (h[i].latency_ms < 0)
			continue;
		buf_printf(pts, "%s%.1f,%.1f", pts->len > 0 ? " " : "", x,
		    HISTORY_H - (double)h[i].latency_ms * (HISTORY_H - 4) / max - 2);
		measured++;
	}
	tpl_set_int(t, "History_count", n);
	tpl_set_int(t, "History_ready_pct", (long)(100.0 * ready / n + 0.5));
	chart = tpl_rows(t, r->a, "Latency");
	tpl_row_set(chart, "max", arena_printf(r->a, "%d", max));
	tpl_row_set(chart, "half", arena_printf(r->a, "%d", max / 2));
	if (measured > 1)
		tpl_row_set(chart, "points", buf_cstr(pts));
	return 0;
}

/* set_alerts sets what fires on c, by severity, and the state of its alert pipeline (the
 * dead-man's switch), as the dashboard judges them, asking for c's alone. */
static enum err
set_alerts(struct req *r, const struct cluster *c)
{
	struct tpl *t = r->w->tpl;
	struct alert_firing *f, total;
	struct alert_pipeline *p;
	int n, np;
	enum err e;

	if ((e = alert_firing_by_cluster(r->w->db, r->a, c->id, &f, &n, &total)) != ERR_OK ||
	    (e = alert_pipelines(r->w->db, r->a, (int)cfg_int("alerts.watchdog_seconds"), c->id, &p, &np)) !=
		ERR_OK)
		return e;
	if (n > 0) {
		tpl_set_int(t, "Alerts.critical", total.critical);
		tpl_set_int(t, "Alerts.warning", total.warning);
		tpl_set_int(t, "Alerts.other", total.other);
	}
	if (np > 0) {
		tpl_set(t, "Alerts.pipeline", p[0].state);
		tpl_set(t, "Alerts.watchdog_at", p[0].watchdog_at);
	}
	return ERR_OK;
}

int
res_clusters_show(struct req *r)
{
	struct cluster *c;
	bool set[CREDENTIAL__MAX];
	enum err e;
	int st;

	if ((st = res_clusters_load(r, &c)) != 0)
		return st;
	field_write_row(cluster_fields, c, FIELD_DETAIL, tpl_rows(r->w->tpl, r->a, "Cluster"), r->a);
	if ((st = set_history(r, c)) != 0)
		return st;
	if ((e = set_alerts(r, c)) != ERR_OK)
		return req_fail_err(r, e, "the cluster's alerts");
	res_explore_cluster_charts(r, c);
	/* Which credentials are set is for those who may change them. */
	if (r->id != NULL && r->id->role >= ROLE_ADMIN) {
		if ((e = credential_which(r->w->db, r->a, c->id, set)) != ERR_OK)
			return req_fail_err(r, e, "list credentials");
		res_clusters_cred_rows(r, set);
	}
	return req_page(r, 200, "clusters_show", c->display_name[0] ? c->display_name : c->name);
}
