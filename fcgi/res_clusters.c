/* res_clusters.c: the cluster register as pages for people and JSON for programs. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "arena.h"
#include "cfg.h"
#include "cluster.h"
#include "credential.h"
#include "events.h"
#include "ident.h"
#include "json.h"
#include "jw.h"
#include "log.h"
#include "metrics.h"
#include "req.h"
#include "res.h"
#include "secret.h"
#include "tpl.h"
#include "url.h"
#include "version.h"

/* The query parameters a list understands, in the order links are built from them. */
static const char *const filter_keys[] = { "environment", "type", "status", "has_gpu", "label", "q", "sort",
	"dir", "limit", NULL };

static int
in_list(const char *s, const char *const *list, int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return 1;
	return 0;
}

/* parse_filter reads the list filters from the query string; returns 0 or 400. */
static int
parse_filter(struct req *r, struct cluster_filter *f)
{
	const char *v;

	memset(f, 0, sizeof(*f));
	f->has_gpu = -1;
	f->limit = CLUSTER_LIST_DEFAULT;
	if ((v = kv_get(&r->query, "environment")) != NULL && *v != '\0') {
		if (!in_list(v, cluster_environments, CLUSTER_ENV__N))
			return req_fail(
			    r, 400, "environment must be production, staging, development or lab");
		f->environment = v;
	}
	if ((v = kv_get(&r->query, "type")) != NULL && *v != '\0') {
		if (!in_list(v, cluster_types, CLUSTER_TYPE__N))
			return req_fail(r, 400, "unknown cluster type");
		f->type = v;
	}
	if ((v = kv_get(&r->query, "status")) != NULL && *v != '\0') {
		if (!in_list(v, cluster_statuses, CLUSTER_STATUS__N))
			return req_fail(r, 400, "status must be ready, degraded, unreachable or unknown");
		f->status = v;
	}
	if ((v = kv_get(&r->query, "has_gpu")) != NULL && *v != '\0') {
		if (strcmp(v, "true") != 0 && strcmp(v, "false") != 0)
			return req_fail(r, 400, "has_gpu must be true or false");
		f->has_gpu = strcmp(v, "true") == 0;
	}
	for (size_t i = 0; i < r->query.n; i++) {
		const char *sel = r->query.items[i].v, *eq;
		char *key;

		if (strcmp(r->query.items[i].k, "label") != 0 || *sel == '\0')
			continue;
		if ((eq = strchr(sel, '=')) == NULL)
			return req_fail(r, 400, "a label filter is written key=value");
		key = arena_strndup(r->a, sel, (size_t)(eq - sel));
		if (cluster_label_key_ok(key) != NULL || cluster_label_value_ok(eq + 1) != NULL)
			return req_fail(
			    r, 400, "a label filter is written key=value with a valid label key and value");
		if (f->labels == NULL)
			f->labels = json_own(r->a, json_object());
		json_object_set_new(f->labels, key, json_string(eq + 1));
	}
	if ((v = kv_get(&r->query, "q")) != NULL && *v != '\0') {
		if (strlen(v) > 128)
			return req_fail(r, 400, "the search text is longer than 128 characters");
		f->q = v;
	}
	if ((v = kv_get(&r->query, "sort")) != NULL && *v != '\0')
		f->sort = v;
	if ((v = kv_get(&r->query, "dir")) != NULL && *v != '\0') {
		if (strcmp(v, "asc") != 0 && strcmp(v, "desc") != 0)
			return req_fail(r, 400, "dir must be asc or desc");
		f->desc = strcmp(v, "desc") == 0;
	}
	if ((v = kv_get(&r->query, "limit")) != NULL && *v != '\0') {
		char *end;
		long n = strtol(v, &end, 10);

		if (*end != '\0' || n < 1 || n > CLUSTER_LIST_MAX)
			return req_fail(r, 400,
			    arena_printf(r->a, "limit must be a number from 1 to %d", CLUSTER_LIST_MAX));
		f->limit = (int)n;
	}
	f->cursor = kv_get(&r->query, "cursor");
	return 0;
}

static int
list_failed(struct req *r, enum err e)
{
	if (e == ERR_INPUT)
		return req_fail(r, 400,
		    "unknown sort, or a cursor that does not belong to this list; "
		    "start again without cursor");
	return req_fail_err(r, e, "list clusters");
}

int
res_clusters_list(struct req *r)
{
	struct cluster_filter f;
	struct cluster_page page;
	struct jw w;
	enum err e;
	int st;

	if ((st = parse_filter(r, &f)) != 0)
		return st;
	if ((e = cluster_list(r->w->db, r->a, &f, &page)) != ERR_OK)
		return list_failed(r, e);
	r->body.len = 0;
	jw_init(&w, &r->body);
	jw_object(&w);
	jw_key(&w, "items");
	jw_array(&w);
	for (int i = 0; i < page.n; i++)
		cluster_write_json(&w, &page.items[i]);
	jw_end_array(&w);
	jw_key(&w, "next_cursor");
	jw_string(&w, page.next_cursor);
	jw_key(&w, "limit");
	jw_int(&w, f.limit);
	jw_end_object(&w);
	buf_addc(&r->body, '\n');
	r->ctype = "application/json";
	r->body_set = true;
	r->status = 200;
	return 200;
}

int
res_clusters_get(struct req *r)
{
	struct cluster *c;
	enum err e = cluster_get(r->w->db, r->a, kv_get(&r->params, "id"), &c);

	if (e == ERR_NOTFOUND)
		return req_fail(r, 404, "no cluster has this id");
	if (e != ERR_OK)
		return req_fail_err(r, e, "get cluster");
	return req_json(r, 200, cluster_to_json(c));
}

/* audit_cluster records a change to c by r's actor in the audit log, and tells the browsers with
 * an event (a Redis that cannot take it is counted, never fatal: the database is the truth). */
static void
audit_cluster(struct req *r, const char *action, const struct cluster *c)
{
	json_t *d = json_own(r->a, json_pack("{s:s}", "id", c->id));
	enum event_type t = strcmp(action, "cluster.create") == 0 ? EVENT_CLUSTER_REGISTERED
	    : strcmp(action, "cluster.delete") == 0		  ? EVENT_CLUSTER_DELETED
								  : EVENT_CLUSTER_UPDATED;

	ident_audit(r, NULL, action, arena_printf(r->a, "cluster:%s", c->name), d);
	if (cluster_emit(r->w->rds, r->a, t, c) == ERR_OK)
		metrics_inc(METRICS_EVENTS_EMITTED);
	else
		metrics_inc(METRICS_EVENTS_DROPPED);
}

/* save_failed turns a failed create or update into the answer a person can act on. */
static int
save_failed(struct req *r, enum err e, const char *name)
{
	if (e == ERR_CONFLICT)
		return req_fail(r, 409, arena_printf(r->a, "a cluster named \"%s\" already exists", name));
	if (e == ERR_NOTFOUND)
		return req_fail(r, 404, "no cluster has this id");
	if (e == ERR_INPUT)
		return req_fail(r, 422, "PostgreSQL refused a value; check the fields");
	return req_fail_err(r, e, "save cluster");
}

/* json_save validates in and creates (id NULL) or updates the cluster, answering JSON. */
static int
json_save(struct req *r, const char *id, struct cluster_in *in, json_t *errors)
{
	struct cluster *c;
	const char *k;
	json_t *v;
	enum err e;

	if (cluster_validate(in, errors) != ERR_OK) {
		json_object_foreach (errors, k, v)
			req_fail_field(r, k, json_string_value(v));
		return 422;
	}
	e = id == NULL ? cluster_create(r->w->db, r->a, in, &c) : cluster_update(r->w->db, r->a, id, in, &c);
	if (e != ERR_OK)
		return save_failed(r, e, in->name);
	version_changed(r, DATAVER_CLUSTERS);
	audit_cluster(r, id == NULL ? "cluster.create" : "cluster.update", c);
	if (id == NULL)
		req_header_out(r, "Location", arena_printf(r->a, "/api/v1/clusters/%s", c->id));
	return req_json(r, id == NULL ? 201 : 200, cluster_to_json(c));
}

int
res_clusters_create(struct req *r)
{
	json_t *errors = json_own(r->a, json_object());
	struct cluster_in in;

	cluster_in_init(&in);
	cluster_in_from_json(&in, r->json, errors);
	return json_save(r, NULL, &in, errors);
}

int
res_clusters_replace(struct req *r)
{
	json_t *errors = json_own(r->a, json_object());
	struct cluster_in in;

	cluster_in_init(&in);
	cluster_in_from_json(&in, r->json, errors);
	return json_save(r, kv_get(&r->params, "id"), &in, errors);
}

int
res_clusters_patch(struct req *r)
{
	json_t *errors = json_own(r->a, json_object());
	struct cluster_in in;
	struct cluster *c;
	enum err e = cluster_get(r->w->db, r->a, kv_get(&r->params, "id"), &c);

	if (e == ERR_NOTFOUND)
		return req_fail(r, 404, "no cluster has this id");
	if (e != ERR_OK)
		return req_fail_err(r, e, "get cluster");
	cluster_in_from_cluster(&in, c, r->a);
	cluster_in_from_json(&in, r->json, errors);
	return json_save(r, c->id, &in, errors);
}

int
res_clusters_delete(struct req *r)
{
	struct cluster *c;
	enum err e = cluster_get(r->w->db, r->a, kv_get(&r->params, "id"), &c);

	if (e == ERR_OK)
		e = cluster_delete(r->w->db, r->a, c->id);
	if (e == ERR_NOTFOUND)
		return req_fail(r, 404, "no cluster has this id");
	if (e != ERR_OK)
		return req_fail_err(r, e, "delete cluster");
	version_changed(r, DATAVER_CLUSTERS);
	audit_cluster(r, "cluster.delete", c);
	r->status = 204;
	r->body_set = true;
	return 204;
}

int
res_fleet_summary(struct req *r)
{
	json_t *s;
	enum err e = cluster_summary(r->w->db, r->a, &s);

	if (e != ERR_OK)
		return req_fail_err(r, e, "fleet summary");
	return req_json(r, 200, s);
}

/* ---- Pages ---- */

/* set_cluster puts c into the template data as the children of n (the page's "Cluster", or a row
 * of "Clusters"); brief leaves out what the list does not show, since every value set costs on a
 * 100-row page. The values are c's own strings, borrowed for as long as the arena lives. */
static void
set_cluster(struct tpl_row *n, struct arena *a, const struct cluster *c, bool brief)
{
	const char **keys, **vals;
	int nlabels;

	tpl_row_set(n, "id", c->id);
	tpl_row_set(n, "name", c->name);
	tpl_row_set(n, "display_name", c->display_name);
	tpl_row_set(n, "api_url", c->api_url);
	if (!brief) {
		tpl_row_set(n, "prometheus_url", c->prometheus_url);
		tpl_row_set(n, "alertmanager_url", c->alertmanager_url);
		tpl_row_set(n, "loki_url", c->loki_url);
		tpl_row_set(n, "created_at", c->created_at);
		tpl_row_set(n, "updated_at", c->updated_at);
		if (c->latency_ms >= 0)
			tpl_row_set(n, "latency_ms", arena_printf(a, "%d", c->latency_ms));
	}
	tpl_row_set(n, "environment", c->environment);
	tpl_row_set(n, "type", c->type);
	tpl_row_set(n, "region", c->region);
	tpl_row_set(n, "has_gpu", c->has_gpu ? "1" : "0");
	tpl_row_set(n, "status", c->status);
	tpl_row_set(n, "status_reason", c->status_reason);
	tpl_row_set(n, "version", c->version);
	tpl_row_set(n, "last_seen", c->last_seen);
	if ((nlabels = cluster_labels(c, a, &keys, &vals)) > 0) {
		struct tpl_row *labels = tpl_row_add(n, "labels");

		for (int i = 0; i < nlabels; i++) {
			struct tpl_row *l = tpl_row_add(labels, NULL);

			tpl_row_set(l, "k", keys[i]);
			tpl_row_set(l, "v", vals[i]);
		}
	}
}

static void
set_options(struct tpl *t, struct arena *a)
{
	for (int i = 0; i < CLUSTER_ENV__N; i++)
		tpl_set(t, arena_printf(a, "Options.environments.%d", i), cluster_environments[i]);
	for (int i = 0; i < CLUSTER_TYPE__N; i++)
		tpl_set(t, arena_printf(a, "Options.types.%d", i), cluster_types[i]);
	for (int i = 0; i < CLUSTER_STATUS__N; i++)
		tpl_set(t, arena_printf(a, "Options.statuses.%d", i), cluster_statuses[i]);
}

/* list_url builds /clusters?... from the current filters with up to two parameters replaced (a
 * NULL value drops it); the cursor is dropped unless it is one of the two. Arena memory. */
static const char *
list_url(struct req *r, const char *k1, const char *v1, const char *k2, const char *v2)
{
	struct buf b = { 0 };
	const char *out;

	buf_adds(&b, "/clusters");
	for (int i = 0; filter_keys[i] != NULL; i++) {
		const char *k = filter_keys[i], *v = NULL;

		if (k1 != NULL && strcmp(k, k1) == 0)
			v = v1;
		else if (k2 != NULL && strcmp(k, k2) == 0)
			v = v2;
		else
			v = kv_get(&r->query, k);
		if (strcmp(k, "label") == 0 && v != NULL) {
			/* label repeats: keep every one. */
			for (size_t j = 0; j < r->query.n; j++)
				if (strcmp(r->query.items[j].k, "label") == 0 &&
				    r->query.items[j].v[0] != '\0')
					buf_printf(&b, "%clabel=%s", b.len > 9 ? '&' : '?',
					    url_encode(r->a, r->query.items[j].v));
			continue;
		}
		if (v != NULL && v[0] != '\0')
			buf_printf(&b, "%c%s=%s", b.len > 9 ? '&' : '?', k, url_encode(r->a, v));
	}
	if (k1 != NULL && strcmp(k1, "cursor") == 0 && v1 != NULL)
		buf_printf(&b, "%ccursor=%s", b.len > 9 ? '&' : '?', url_encode(r->a, v1));
	out = arena_strdup(r->a, buf_cstr(&b));
	buf_free(&b);
	return out;
}

static int
build_list_page(struct req *r, struct buf *frag)
{
	static const char *const cols[] = { "name", "environment", "type", "status", "region", "last_seen",
		NULL };
	struct tpl *t = r->w->tpl;
	struct cluster_filter f;
	struct cluster_page page;
	struct tpl_row *rows;
	const char *sort, *v;
	enum err e;
	int st;

	if ((st = parse_filter(r, &f)) != 0)
		return st;
	f.brief = true; /* set_cluster(..., true) shows no more */
	if ((e = cluster_list(r->w->db, r->a, &f, &page)) != ERR_OK)
		return list_failed(r, e);
	rows = tpl_rows(t, r->a, "Clusters");
	for (int i = 0; i < page.n; i++)
		set_cluster(tpl_row_add(rows, NULL), r->a, &page.items[i], true);
	tpl_set_int(t, "List.count", page.n);
	set_options(t, r->a);
	for (int i = 0; filter_keys[i] != NULL; i++)
		if ((v = kv_get(&r->query, filter_keys[i])) != NULL)
			tpl_set(t, arena_printf(r->a, "Filter.%s", filter_keys[i]), v);
	sort = f.sort != NULL ? f.sort : "name";
	for (int i = 0; cols[i] != NULL; i++) {
		int current = strcmp(cols[i], sort) == 0;
		const char *dir = current && !f.desc ? "desc" : "asc";

		/* Clicking a column sorts by it; clicking the sorted column again reverses it. */
		tpl_set(
		    t, arena_printf(r->a, "Sort.%s.url", cols[i]), list_url(r, "sort", cols[i], "dir", dir));
		if (current)
			tpl_set(t, arena_printf(r->a, "Sort.%s.current", cols[i]), f.desc ? "desc" : "asc");
	}
	if (page.next_cursor != NULL)
		tpl_set(t, "List.next_url", list_url(r, "cursor", page.next_cursor, NULL, NULL));
	if (f.cursor != NULL && f.cursor[0] != '\0')
		tpl_set(t, "List.first_url", list_url(r, "cursor", NULL, NULL, NULL));
	if (tpl_render(t, "clusters_list", frag) != ERR_OK)
		return req_fail(r, 500, "render failed");
	return 200;
}

int
res_clusters_page(struct req *r)
{
	struct buf *frag = buf_new(r->a);
	int st;

	if ((st = build_list_page(r, frag)) != 200)
		return st;
	return req_page_body(r, 200, buf_cstr(frag), frag->len, "Clusters");
}

static int
load_cluster(struct req *r, struct cluster **c)
{
	enum err e = cluster_get(r->w->db, r->a, kv_get(&r->params, "id"), c);

	if (e == ERR_NOTFOUND)
		return req_fail(r, 404, "no cluster has this id; it may have been deleted");
	if (e != ERR_OK)
		return req_fail_err(r, e, "get cluster");
	return 0;
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
	struct buf *pts = buf_new(r->a);
	int n, max = 0, ready = 0, measured = 0;
	enum err e = cluster_history(r->w->db, r->a, c->id, HISTORY_N, &h, &n);

	if (e != ERR_OK)
		return req_fail_err(r, e, "cluster history");
	if (n == 0)
		return 0;
	for (int i = 0; i < n; i++) {
		struct tpl_node *row = tpl_node(t, arena_printf(r->a, "History.%d", i));

		tpl_node_set(row, "at", h[i].at);
		tpl_node_set(row, "status", h[i].status);
		tpl_node_set(row, "reason", h[i].reason);
		if (h[i].latency_ms >= 0)
			tpl_node_set(row, "latency_ms", arena_printf(r->a, "%d", h[i].latency_ms));
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
		double x = n == 1 ? HISTORY_W / 2.0 : (double)i * HISTORY_W / (n - 1);

		if (h[i].latency_ms < 0)
			continue;
		buf_printf(pts, "%s%.1f,%.1f", pts->len > 0 ? " " : "", x,
		    HISTORY_H - (double)h[i].latency_ms * (HISTORY_H - 4) / max - 2);
		measured++;
	}
	tpl_set_int(t, "History_count", n);
	tpl_set_int(t, "History_ready_pct", (long)(100.0 * ready / n + 0.5));
	tpl_set_int(t, "Latency.max", max);
	tpl_set_int(t, "Latency.half", max / 2);
	if (measured > 1)
		tpl_set(t, "Latency.points", buf_cstr(pts));
	return 0;
}

int
res_clusters_health(struct req *r)
{
	const char *lim = kv_get(&r->query, "limit");
	int limit = lim != NULL ? atoi(lim) : 100, n;
	struct cluster_check *h;
	struct cluster *c;
	json_t *arr;
	enum err e;
	int st;

	if (lim != NULL && (limit < 1 || limit > 1000))
		return req_fail_field(r, "limit", "1 to 1000");
	if ((st = load_cluster(r, &c)) != 0)
		return st;
	if ((e = cluster_history(r->w->db, r->a, c->id, limit, &h, &n)) != ERR_OK)
		return req_fail_err(r, e, "cluster history");
	arr = json_array();
	for (int i = 0; i < n; i++) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "at", h[i].at, "status", h[i].status, "reason",
		    h[i].reason, "version", h[i].version);

		json_object_set_new(
		    o, "latency_ms", h[i].latency_ms >= 0 ? json_integer(h[i].latency_ms) : json_null());
		json_array_append_new(arr, o);
	}
	return req_json(r, 200, json_pack("{s:s, s:o}", "cluster_id", c->id, "items", arr));
}

int
res_clusters_show(struct req *r)
{
	struct cluster *c;
	int st;

	if ((st = load_cluster(r, &c)) != 0)
		return st;
	set_cluster(tpl_rows(r->w->tpl, r->a, "Cluster"), r->a, c, false);
	if ((st = set_history(r, c)) != 0)
		return st;
	return req_page(r, 200, "clusters_show", c->display_name[0] ? c->display_name : c->name);
}

/* form_in reads the cluster form into in; labels come as "key=value" lines or comma-separated. */
static void
form_in(struct req *r, struct cluster_in *in, json_t *errors)
{
	const char *labels = kv_get(&r->form, "labels");

	cluster_in_init(in);
	in->name = kv_get(&r->form, "name");
	in->display_name = kv_get(&r->form, "display_name");
	in->api_url = kv_get(&r->form, "api_url");
	in->prometheus_url = kv_get(&r->form, "prometheus_url");
	in->alertmanager_url = kv_get(&r->form, "alertmanager_url");
	in->loki_url = kv_get(&r->form, "loki_url");
	in->environment = kv_get(&r->form, "environment");
	in->type = kv_get(&r->form, "type");
	in->region = kv_get(&r->form, "region");
	in->has_gpu = kv_get(&r->form, "has_gpu") != NULL;
	in->labels = json_own(r->a, json_object());
	if (labels != NULL) {
		char *copy = arena_strdup(r->a, labels), *save = NULL, *tok;

		for (tok = strtok_r(copy, ",\r\n", &save); tok != NULL;
		     tok = strtok_r(NULL, ",\r\n", &save)) {
			char *eq, *end;

			while (*tok == ' ' || *tok == '\t')
				tok++;
			end = tok + strlen(tok);
			while (end > tok && (end[-1] == ' ' || end[-1] == '\t'))
				*--end = '\0';
			if (*tok == '\0')
				continue;
			if ((eq = strchr(tok, '=')) == NULL) {
				json_object_set_new(
				    errors, "labels", json_string("write each label as key=value"));
				continue;
			}
			*eq = '\0';
			json_object_set_new(in->labels, tok, json_string(eq + 1));
		}
	}
}

/* set_form puts the form's values (as typed) and the errors next to their fields. */
static void
set_form(struct req *r, const struct cluster_in *in, const char *labels_text, json_t *errors)
{
	struct tpl *t = r->w->tpl;
	const char *k;
	json_t *v;

	tpl_set(t, "Form.name", in->name);
	tpl_set(t, "Form.display_name", in->display_name);
	tpl_set(t, "Form.api_url", in->api_url);
	tpl_set(t, "Form.prometheus_url", in->prometheus_url);
	tpl_set(t, "Form.alertmanager_url", in->alertmanager_url);
	tpl_set(t, "Form.loki_url", in->loki_url);
	tpl_set(t, "Form.environment", in->environment);
	tpl_set(t, "Form.type", in->type);
	tpl_set(t, "Form.region", in->region);
	tpl_set(t, "Form.has_gpu", in->has_gpu > 0 ? "1" : "0");
	tpl_set(t, "Form.labels", labels_text);
	if (errors != NULL) {
		json_object_foreach (errors, k, v) {
			/* Field names come from our own validators, never from the request. */
			if (strspn(k, "abcdefghijklmnopqrstuvwxyz_") == strlen(k))
				tpl_set(t, arena_printf(r->a, "Errors.%s", k), json_string_value(v));
		}
		tpl_set_int(t, "Errors.count", (long)json_object_size(errors));
	}
	set_options(t, r->a);
}

static const char *
labels_text(struct arena *a, json_t *labels)
{
	struct buf b = { 0 };
	const char *k, *out;
	json_t *v;

	json_object_foreach (labels, k, v)
		buf_printf(&b, "%s=%s\n", k, json_string_value(v));
	out = arena_strdup(a, buf_cstr(&b));
	buf_free(&b);
	return out;
}

int
res_clusters_new(struct req *r)
{
	struct cluster_in in;

	cluster_in_init(&in);
	in.environment = "production";
	in.type = "openshift";
	set_form(r, &in, "", NULL);
	tpl_set(r->w->tpl, "Form.action", "/clusters");
	return req_page(r, 200, "clusters_form", "Add a cluster");
}

/* set_creds tells the edit form which credentials are set (never their values). */
static int
set_creds(struct req *r, const struct cluster *c)
{
	static const char *const labels[CREDENTIAL__MAX] = { "API server bearer token",
		"Prometheus bearer token", "Alertmanager bearer token", "Basic auth (user:password)",
		"CA bundle (PEM)" };
	bool set[CREDENTIAL__MAX];
	enum err e = credential_which(r->w->db, r->a, c->id, set);

	if (e != ERR_OK)
		return req_fail_err(r, e, "list credentials");
	for (int k = 0; k < CREDENTIAL__MAX; k++) {
		const char *base = arena_printf(r->a, "Creds.%d", k);

		tpl_set(r->w->tpl, arena_printf(r->a, "%s.kind", base),
		    credential_kind_name((enum credential_kind)k));
		tpl_set(r->w->tpl, arena_printf(r->a, "%s.label", base), labels[k]);
		tpl_set(r->w->tpl, arena_printf(r->a, "%s.set", base), set[k] ? "1" : "0");
	}
	return 0;
}

int
res_clusters_edit(struct req *r)
{
	struct cluster_in in;
	struct cluster *c;
	int st;

	if ((st = load_cluster(r, &c)) != 0)
		return st;
	cluster_in_from_cluster(&in, c, r->a);
	set_form(r, &in, labels_text(r->a, in.labels), NULL);
	tpl_set(r->w->tpl, "Form.action", arena_printf(r->a, "/clusters/%s", c->id));
	tpl_set(r->w->tpl, "Form.id", c->id);
	if (set_creds(r, c) != 0)
		return r->status;
	if (kv_get(&r->query, "saved") != NULL)
		tpl_set(r->w->tpl, "Page.Flash", "Credentials saved.");
	return req_page(r, 200, "clusters_form", arena_printf(r->a, "Edit %s", c->name));
}

/* form_save validates the posted form and creates or updates; a fault re-renders the form with
 * 422 and the reasons next to the fields, keeping what was typed. */
static int
form_save(struct req *r, const char *id)
{
	json_t *errors = json_own(r->a, json_object());
	struct cluster_in in;
	struct cluster *c;
	enum err e;
	const char *title = id == NULL ? "Add a cluster" : "Edit cluster";

	form_in(r, &in, errors);
	if (cluster_validate(&in, errors) == ERR_OK) {
		e = id == NULL ? cluster_create(r->w->db, r->a, &in, &c)
			       : cluster_update(r->w->db, r->a, id, &in, &c);
		if (e == ERR_OK) {
			version_changed(r, DATAVER_CLUSTERS);
			audit_cluster(r, id == NULL ? "cluster.create" : "cluster.update", c);
			return req_redirect(r, arena_printf(r->a, "/clusters/%s", c->id));
		}
		if (e == ERR_CONFLICT)
			json_object_set_new(
			    errors, "name", json_string("another cluster already has this name"));
		else if (e == ERR_NOTFOUND)
			return req_fail(r, 404, "no cluster has this id; it may have been deleted");
		else if (e == ERR_INPUT)
			json_object_set_new(
			    errors, "form", json_string("PostgreSQL refused a value; check the fields"));
		else
			return req_fail_err(r, e, "save cluster");
	}
	set_form(r, &in, kv_get(&r->form, "labels"), errors);
	tpl_set(r->w->tpl, "Form.action", id == NULL ? "/clusters" : arena_printf(r->a, "/clusters/%s", id));
	tpl_set(r->w->tpl, "Form.id", id);
	return req_page(r,
	    json_object_get(errors, "name") != NULL &&
		    strcmp(json_string_value(json_object_get(errors, "name")),
			"another cluster already has this name") == 0
		? 409
		: 422,
	    "clusters_form", title);
}

int
res_clusters_create_form(struct req *r)
{
	return form_save(r, NULL);
}

int
res_clusters_update_form(struct req *r)
{
	return form_save(r, kv_get(&r->params, "id"));
}

int
res_clusters_delete_form(struct req *r)
{
	struct cluster *c;
	enum err e;
	int st;

	if ((st = load_cluster(r, &c)) != 0)
		return st;
	if ((e = cluster_delete(r->w->db, r->a, c->id)) == ERR_NOTFOUND)
		return req_fail(r, 404, "no cluster has this id; it may have been deleted already");
	if (e != ERR_OK)
		return req_fail_err(r, e, "delete cluster");
	version_changed(r, DATAVER_CLUSTERS);
	audit_cluster(r, "cluster.delete", c);
	req_flash(r, arena_printf(r->a, "Cluster %s was deleted.", c->name));
	return req_redirect(r, "/clusters");
}

/* cred_json says which credentials c has: {"api_token": true, ...}; never a value. */
static json_t *
cred_json(const bool set[CREDENTIAL__MAX])
{
	json_t *j = json_object();

	for (int k = 0; k < CREDENTIAL__MAX; k++)
		json_object_set_new(j, credential_kind_name((enum credential_kind)k), json_boolean(set[k]));
	return j;
}

int
res_clusters_credentials_get(struct req *r)
{
	bool set[CREDENTIAL__MAX];
	struct cluster *c;
	enum err e;
	int st;

	if ((st = load_cluster(r, &c)) != 0)
		return st;
	if ((e = credential_which(r->w->db, r->a, c->id, set)) != ERR_OK)
		return req_fail_err(r, e, "list credentials");
	return req_json(r, 200, cred_json(set));
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

/* current_key returns the worker's sealing key, read again when the key file has changed since
 * (aiopsctl keys rotate writes a new file): nothing is ever sealed under a key that is gone. */
static struct secret_key *
current_key(struct req *r)
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

/* cred_apply stores the changes in want (kind name: value, or NULL to remove) for c, auditing each
 * kind changed by name only. Checks everything before changing anything. */
static int
cred_apply(struct req *r, const struct cluster *c, const char *want[CREDENTIAL__MAX],
    const bool touch[CREDENTIAL__MAX])
{
	json_t *changed = json_own(r->a, json_array());
	struct secret_key *key = current_key(r);
	enum err e;

	if (key == NULL)
		return req_fail(
		    r, 503, "credentials cannot be stored: the key file could not be read (see the log)");
	for (int k = 0; k < CREDENTIAL__MAX; k++) {
		const char *why;

		if (touch[k] && want[k] != NULL &&
		    (why = credential_value_ok((enum credential_kind)k, want[k])) != NULL)
			return req_fail_field(r, credential_kind_name((enum credential_kind)k), why);
	}
	for (int k = 0; k < CREDENTIAL__MAX; k++) {
		if (!touch[k])
			continue;
		if ((e = credential_set(r->w->db, r->a, key, c->id, (enum credential_kind)k, want[k])) !=
		    ERR_OK)
			return req_fail_err(r, e, "store credential");
		json_array_append_new(changed,
		    json_pack("{s:s, s:s}", "kind", credential_kind_name((enum credential_kind)k), "change",
			want[k] != NULL ? "set" : "removed"));
	}
	if (json_array_size(changed) > 0)
		ident_audit(r, NULL, "cluster.credentials", arena_printf(r->a, "cluster:%s", c->name),
		    json_own(r->a, json_pack("{s:s, s:O}", "id", c->id, "changes", changed)));
	return 0;
}

int
res_clusters_credentials_put(struct req *r)
{
	const char *want[CREDENTIAL__MAX] = { 0 };
	bool touch[CREDENTIAL__MAX] = { 0 }, set[CREDENTIAL__MAX];
	struct cluster *c;
	const char *k;
	json_t *v;
	enum err e;
	int st;

	if (!json_is_object(r->json))
		return req_fail(r, 400, "send an object of credential kinds to values (null removes one)");
	json_object_foreach (r->json, k, v) {
		int kind = -1;

		for (int i = 0; i < CREDENTIAL__MAX; i++)
			if (strcmp(k, credential_kind_name((enum credential_kind)i)) == 0)
				kind = i;
		if (kind < 0)
			return req_fail_field(r, k,
			    "not a credential kind: api_token, prometheus_token, "
			    "alertmanager_token, basic_auth or ca_bundle");
		if (!json_is_string(v) && !json_is_null(v))
			return req_fail_field(r, k, "a string, or null to remove it");
		touch[kind] = true;
		want[kind] = json_string_value(v);
	}
	if ((st = load_cluster(r, &c)) != 0)
		return st;
	if ((st = cred_apply(r, c, want, touch)) != 0)
		return st;
	if ((e = credential_which(r->w->db, r->a, c->id, set)) != ERR_OK)
		return req_fail_err(r, e, "list credentials");
	return req_json(r, 200, cred_json(set));
}

int
res_clusters_credentials_form(struct req *r)
{
	const char *want[CREDENTIAL__MAX] = { 0 };
	bool touch[CREDENTIAL__MAX] = { 0 };
	struct cluster *c;
	int st;

	if ((st = load_cluster(r, &c)) != 0)
		return st;
	/* Each kind: a new value replaces it, the "remove_<kind>" box removes it, empty keeps it. */
	for (int k = 0; k < CREDENTIAL__MAX; k++) {
		const char *name = credential_kind_name((enum credential_kind)k);
		const char *val = kv_get(&r->form, name);

		if (kv_get(&r->form, arena_printf(r->a, "remove_%s", name)) != NULL) {
			touch[k] = true;
			want[k] = NULL;
		} else if (val != NULL && *val != '\0') {
			touch[k] = true;
			want[k] = val;
		}
	}
	if ((st = cred_apply(r, c, want, touch)) != 0) {
		if (st != 422)
			return st;
		return req_fail(r, 422,
		    "a credential was refused: tokens are one line, basic auth is user:password, and a CA "
		    "bundle is PEM certificates; nothing was changed");
	}
	return req_redirect(r, arena_printf(r->a, "/clusters/%s/edit?saved=credentials", c->id));
}
