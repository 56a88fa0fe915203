/* route.c: THE route table and the dispatcher that answers everything a handler need not. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arena.h"
#include "cache.h"
#include "cfg.h"
#include "ident.h"
#include "json.h"
#include "log.h"
#include "metrics.h"
#include "path.h"
#include "req.h"
#include "tpl.h"
#include "status.h"
#include "jw.h"
#include "res.h"
#include "route.h"
#include "version.h"
#include "webhook.h"

#define H RF_HTML
#define J RF_JSON
#define PROM (RF_JSON | RF_PROM)
#define READ_FORM (RF_BODY_FORM | RF_READ)

/* ROUTE is the only way to write a row. Every argument is required, and a role that is not a real
 * one (ROLE_UNSET, zero, or anything past ROLE_ADMIN) fails the build: deny by default. */
#define ROLE_REQUIRED(rl) \
	((rl) + 0 * (int)sizeof(struct { \
		int role_must_be_set : ((rl) > ROLE_UNSET && (rl) < ROLE__MAX) ? 1 : -1; \
	}))
#define ROUTE(method, pattern, handler, rl, flags) \
	{ \
		method, pattern, handler, (enum role)ROLE_REQUIRED(rl), flags, 0 \
	}
/* ROUTE_CACHED is a GET row whose response depends only on the data sets in deps. */
#define ROUTE_CACHED(pattern, handler, rl, flags, deps) \
	{ \
		"GET", pattern, handler, (enum role)ROLE_REQUIRED(rl), flags, deps \
	}
#define CLUSTERS DATAVER_BIT(DATAVER_CLUSTERS)
#define ALERTS \
	(DATAVER_BIT(DATAVER_ALERTS) | DATAVER_BIT(DATAVER_ALERT_INTAKE) | DATAVER_BIT(DATAVER_CLUSTERS))

/* Rows with literal segments come before rows whose parameter would match the same path:
 * route_check refuses a table where a parameter row shadows a later literal row. */
static const struct route routes[] = {
	ROUTE("GET", "/health", res_ops_health, ROLE_PUBLIC, J),
	ROUTE("GET", "/ready", res_ops_ready, ROLE_PUBLIC, J),
	ROUTE("GET", "/metrics", res_ops_metrics, ROLE_PUBLIC, RF_TEXT),

	ROUTE("GET", "/login", res_auth_login_page, ROLE_PUBLIC, H),
	ROUTE("POST", "/login", res_auth_login, ROLE_PUBLIC, H | RF_BODY_FORM | RF_LOGIN_CSRF),
	ROUTE("GET", "/login/resume", res_auth_resume, ROLE_VIEWER, H),
	ROUTE("GET", "/logout", res_auth_logout_page, ROLE_PUBLIC, H),
	ROUTE("POST", "/logout", res_auth_logout, ROLE_VIEWER, H | RF_BODY_FORM | RF_PASSWORD_EXEMPT),
	ROUTE("GET", "/auth/check", res_auth_check, ROLE_PUBLIC, RF_TEXT),

	ROUTE_CACHED("/", res_home, ROLE_VIEWER, H | RF_LIVE, ALERTS),
	ROUTE_CACHED("/clusters", res_clusters_page, ROLE_VIEWER, H | RF_LIVE, CLUSTERS),
	ROUTE("POST", "/clusters", res_clusters_create_form, ROLE_ADMIN, H | RF_BODY_FORM),
	ROUTE("GET", "/clusters/new", res_clusters_new, ROLE_ADMIN, H),
	ROUTE("GET", "/clusters/{id}", res_clusters_show, ROLE_VIEWER, H | RF_LIVE),
	ROUTE("POST", "/clusters/{id}", res_clusters_update_form, ROLE_ADMIN, H | RF_BODY_FORM),
	ROUTE("GET", "/clusters/{id}/edit", res_clusters_edit, ROLE_ADMIN, H),
	ROUTE("POST", "/clusters/{id}/delete", res_clusters_delete_form, ROLE_ADMIN, H | RF_BODY_FORM),
	ROUTE("POST", "/clusters/{id}/credentials", res_clusters_credentials_form, ROLE_ADMIN,
	    H | RF_BODY_FORM),

	ROUTE("GET", "/settings", res_settings_page, ROLE_VIEWER, H | RF_PASSWORD_EXEMPT),
	ROUTE("GET", "/settings/password", res_settings_form_target, ROLE_VIEWER, H | RF_PASSWORD_EXEMPT),
	ROUTE("POST", "/settings/password", res_settings_password, ROLE_VIEWER,
	    H | RF_BODY_FORM | RF_PASSWORD_EXEMPT),
	ROUTE("GET", "/settings/tokens", res_settings_form_target, ROLE_VIEWER, H),
	ROUTE("POST", "/settings/tokens", res_tokens_create_form, ROLE_VIEWER, H | RF_BODY_FORM),
	ROUTE("GET", "/settings/tokens/{id}/revoke", res_settings_form_target, ROLE_VIEWER, H),
	ROUTE("POST", "/settings/tokens/{id}/revoke", res_tokens_revoke_form, ROLE_VIEWER, H | RF_BODY_FORM),
	ROUTE("GET", "/admin/users", res_users_page, ROLE_ADMIN, H),
	ROUTE("POST", "/admin/users", res_users_create_form, ROLE_ADMIN, H | RF_BODY_FORM),
	ROUTE("GET", "/admin/users/{id}", res_users_form_target, ROLE_ADMIN, H),
	ROUTE("POST", "/admin/users/{id}", res_users_update_form, ROLE_ADMIN, H | RF_BODY_FORM),
	ROUTE("GET", "/admin/audit", res_audit_page, ROLE_ADMIN, H),

	ROUTE_CACHED("/alerts", res_alerts_page, ROLE_VIEWER, H | RF_LIVE, ALERTS),
	/* Not cached: its forms carry the viewer's own CSRF token. */
	ROUTE("GET", "/alerts/{id}", res_alerts_show, ROLE_VIEWER, H | RF_LIVE),
	ROUTE("POST", "/alerts/{id}/ack", res_alerts_ack_form, ROLE_OPERATOR, H | RF_BODY_FORM),
	ROUTE("POST", "/alerts/{id}/unack", res_alerts_unack_form, ROLE_OPERATOR, H | RF_BODY_FORM),
	ROUTE("POST", "/alerts/{id}/silence", res_alerts_silence_form, ROLE_OPERATOR, H | RF_BODY_FORM),
	ROUTE("GET", "/docs/api", res_apidoc_page, ROLE_VIEWER, H),
	ROUTE_CACHED("/metrics/explore", res_explore_page, ROLE_VIEWER, H, CLUSTERS),

	ROUTE("GET", "/api/v1/me", res_auth_me, ROLE_VIEWER, J | RF_PASSWORD_EXEMPT),
	ROUTE_CACHED("/api/v1/clusters", res_clusters_list, ROLE_VIEWER, J, CLUSTERS),
	ROUTE("POST", "/api/v1/clusters", res_clusters_create, ROLE_ADMIN, J | RF_BODY_JSON),
	ROUTE("GET", "/api/v1/clusters/{id}", res_clusters_get, ROLE_VIEWER, J),
	ROUTE("PUT", "/api/v1/clusters/{id}", res_clusters_replace, ROLE_ADMIN, J | RF_BODY_JSON),
	ROUTE("PATCH", "/api/v1/clusters/{id}", res_clusters_patch, ROLE_ADMIN, J | RF_BODY_JSON),
	ROUTE("DELETE", "/api/v1/clusters/{id}", res_clusters_delete, ROLE_ADMIN, J),
	ROUTE("GET", "/api/v1/clusters/{id}/credentials", res_clusters_credentials_get, ROLE_ADMIN, J),
	ROUTE("GET", "/api/v1/clusters/{id}/health", res_clusters_health, ROLE_VIEWER, J),
	ROUTE("PUT", "/api/v1/clusters/{id}/credentials", res_clusters_credentials_put, ROLE_ADMIN,
	    J | RF_BODY_JSON),
	ROUTE_CACHED("/api/v1/fleet/summary", res_fleet_summary, ROLE_VIEWER, J, CLUSTERS),
	ROUTE("GET", "/api/v1/tokens", res_tokens_list, ROLE_VIEWER, J),
	ROUTE("POST", "/api/v1/tokens", res_tokens_create, ROLE_VIEWER, J | RF_BODY_JSON),
	ROUTE("DELETE", "/api/v1/tokens/{id}", res_tokens_revoke, ROLE_VIEWER, J),
	ROUTE("GET", "/api/v1/users", res_users_list, ROLE_ADMIN, J),
	ROUTE("POST", "/api/v1/users", res_users_create, ROLE_ADMIN, J | RF_BODY_JSON),
	ROUTE("PATCH", "/api/v1/users/{id}", res_users_patch, ROLE_ADMIN, J | RF_BODY_JSON),
	ROUTE("GET", "/api/v1/audit", res_audit_list, ROLE_ADMIN, J),
	ROUTE("POST", "/api/v1/clusters/{id}/ingest-token", res_ingest_token_create, ROLE_ADMIN, J),
	ROUTE_CACHED("/api/v1/alerts", res_alerts_list, ROLE_VIEWER, J, ALERTS),
	ROUTE("GET", "/api/v1/alerts/export", res_alerts_export, ROLE_VIEWER, J),
	/* Before the {id} rows: a cluster may be called "ack". */
	ROUTE("POST", "/api/v1/alerts/webhook/{cluster}", res_alerts_webhook, ROLE_PUBLIC,
	    J | RF_BODY_JSON | RF_WEBHOOK),
	ROUTE_CACHED("/api/v1/alerts/{id}", res_alerts_get, ROLE_VIEWER, J, ALERTS),
	ROUTE("POST", "/api/v1/alerts/{id}/ack", res_alerts_ack, ROLE_OPERATOR, J | RF_BODY_JSON),
	ROUTE("POST", "/api/v1/alerts/{id}/unack", res_alerts_unack, ROLE_OPERATOR, J),
	ROUTE("GET", "/api/v1/silences", res_silences_list, ROLE_VIEWER, J),
	ROUTE("GET", "/alertmanager/api/v2/alerts", res_amapi_alerts, ROLE_VIEWER, J | RF_AMAPI),
	ROUTE("GET", "/alertmanager/api/v2/alerts/groups", res_amapi_groups, ROLE_VIEWER, J | RF_AMAPI),
	ROUTE("GET", "/alertmanager/api/v2/silences", res_amapi_silences, ROLE_VIEWER, J | RF_AMAPI),
	ROUTE("POST", "/alertmanager/api/v2/silences", res_amapi_silence_add, ROLE_OPERATOR,
	    J | RF_BODY_JSON | RF_AMAPI),
	ROUTE("GET", "/alertmanager/api/v2/status", res_amapi_status, ROLE_VIEWER, J | RF_AMAPI),
	ROUTE("POST", "/api/v1/silences", res_silences_create, ROLE_OPERATOR, J | RF_BODY_JSON),
	ROUTE("DELETE", "/api/v1/silences/{id}", res_silences_expire, ROLE_OPERATOR, J),

	/* The federated metrics: nginx sends these to the slow pool; not cached here (the fan-out
	 * keeps its own cache in Redis, shared by both pools' workers). */
	ROUTE("GET", "/api/v1/metrics/query", res_metrics_query, ROLE_VIEWER, J),
	ROUTE("POST", "/api/v1/metrics/query", res_metrics_query, ROLE_VIEWER, J | READ_FORM),
	ROUTE("GET", "/api/v1/metrics/query_range", res_metrics_query_range, ROLE_VIEWER, J),
	ROUTE("POST", "/api/v1/metrics/query_range", res_metrics_query_range, ROLE_VIEWER, J | READ_FORM),
	ROUTE("GET", "/api/v1/metrics/labels", res_metrics_labels, ROLE_VIEWER, J),
	ROUTE("POST", "/api/v1/metrics/labels", res_metrics_labels, ROLE_VIEWER, J | READ_FORM),
	ROUTE("GET", "/api/v1/metrics/label/{name}/values", res_metrics_label_values, ROLE_VIEWER, J),
	ROUTE("GET", "/api/v1/metrics/series", res_metrics_series, ROLE_VIEWER, J),
	ROUTE("POST", "/api/v1/metrics/series", res_metrics_series, ROLE_VIEWER, J | READ_FORM),
	ROUTE("GET", "/prometheus/api/v1/query", res_prom_query, ROLE_VIEWER, PROM),
	ROUTE("POST", "/prometheus/api/v1/query", res_prom_query, ROLE_VIEWER, PROM | READ_FORM),
	ROUTE("GET", "/prometheus/api/v1/query_range", res_prom_query_range, ROLE_VIEWER, PROM),
	ROUTE("POST", "/prometheus/api/v1/query_range", res_prom_query_range, ROLE_VIEWER, PROM | READ_FORM),
	ROUTE("GET", "/prometheus/api/v1/labels", res_prom_labels, ROLE_VIEWER, PROM),
	ROUTE("POST", "/prometheus/api/v1/labels", res_prom_labels, ROLE_VIEWER, PROM | READ_FORM),
	ROUTE("GET", "/prometheus/api/v1/label/{name}/values", res_prom_label_values, ROLE_VIEWER, PROM),
	ROUTE("GET", "/prometheus/api/v1/series", res_prom_series, ROLE_VIEWER, PROM),
	ROUTE("POST", "/prometheus/api/v1/series", res_prom_series, ROLE_VIEWER, PROM | READ_FORM),
	ROUTE("GET", "/prometheus/api/v1/status/buildinfo", res_prom_buildinfo, ROLE_VIEWER, PROM),
};

#undef H
#undef J
#undef PROM
#undef READ_FORM
#undef CLUSTERS
#undef ALERTS

const struct route *
route_table(size_t *n)
{
	*n = sizeof(routes) / sizeof(routes[0]);
	return routes;
}

int
route_index(const struct route *rt)
{
	size_t n;
	const struct route *t = route_table(&n);

	if (rt == NULL || rt < t || rt >= t + n)
		return -1;
	return (int)(rt - t);
}

/* shape_eq says whether two patterns are the same once parameter names are ignored. */
static int
shape_eq(const char *a, const char *b)
{
	while (*a != '\0' && *b != '\0') {
		if (*a == '{' && *b == '{') {
			a = path_seg_end(a);
			b = path_seg_end(b);
			continue;
		}
		if (*a != *b)
			return 0;
		a++;
		b++;
	}
	return *a == *b;
}

/* shadows says whether parameter pattern a matches every path that literal pattern b matches. */
static int
shadows(const char *a, const char *b)
{
	while (*a != '\0' && *b != '\0') {
		if (*a == '{' && *b != '/') {
			a = path_seg_end(a);
			b = path_seg_end(b);
			continue;
		}
		if (*a != *b)
			return 0;
		a++;
		b++;
	}
	return *a == *b;
}

int
route_check(const struct route *t, size_t n, const char **why)
{
	static char msg[256];

	/* Every row complete first: the comparisons below read every row's method and pattern. */
	for (size_t i = 0; i < n; i++) {
		if (t[i].pattern == NULL || t[i].pattern[0] != '/' || t[i].handler == NULL ||
		    t[i].method == NULL || t[i].role <= ROLE_UNSET || t[i].role >= ROLE__MAX ||
		    !(t[i].flags & (RF_HTML | RF_JSON | RF_TEXT)) ||
		    (t[i].deps != 0 &&
			(strcmp(t[i].method, "GET") != 0 || !(t[i].flags & (RF_HTML | RF_JSON)))) ||
		    ((t[i].flags & RF_WEBHOOK) &&
			(t[i].role != ROLE_PUBLIC || strstr(t[i].pattern, "{cluster}") == NULL))) {
			snprintf(msg, sizeof(msg), "row %zu is incomplete", i);
			*why = msg;
			return -1;
		}
	}
	for (size_t i = 0; i < n; i++) {
		for (size_t j = i + 1; j < n; j++) {
			if (strcmp(t[i].method, t[j].method) != 0)
				continue;
			if (shape_eq(t[i].pattern, t[j].pattern)) {
				snprintf(msg, sizeof(msg), "%s %s and %s conflict", t[i].method, t[i].pattern,
				    t[j].pattern);
				*why = msg;
				return -1;
			}
			if (shadows(t[i].pattern, t[j].pattern)) {
				snprintf(msg, sizeof(msg), "%s %s shadows the later %s", t[i].method,
				    t[i].pattern, t[j].pattern);
				*why = msg;
				return -1;
			}
		}
	}
	return 0;
}

/* read_body reads the request body into arena memory; returns 0 or an HTTP status. */
static int
read_body(struct req *r, char **out, size_t *outlen)
{
	const char *cl = req_param(r, "CONTENT_LENGTH");
	long max = cfg_int(r->route->flags & RF_WEBHOOK ? "alerts.max_body" : "server.max_body");
	char *end;
	long n;

	*out = NULL;
	*outlen = 0;
	n = cl != NULL && *cl != '\0' ? strtol(cl, &end, 10) : 0;
	if (cl != NULL && *cl != '\0' && (*end != '\0' || n < 0))
		return req_fail(r, 400, "Content-Length is not a number");
	if (n > max)
		return req_fail(r, 413, arena_printf(r->a, "the body is larger than %ld bytes", max));
	return req_read_body(r, (size_t)n, out, outlen);
}

/* ctype_is says whether the Content-Type parameter names media type want (parameters ignored). */
static int
ctype_is(const char *ctype, const char *want)
{
	size_t n = strlen(want);

	return ctype != NULL && strncasecmp(ctype, want, n) == 0 &&
	    (ctype[n] == '\0' || ctype[n] == ';' || ctype[n] == ' ');
}

static int
take_body(struct req *r)
{
	const char *ctype = req_param(r, "CONTENT_TYPE");
	const char *why;
	size_t len;
	char *body;
	int st;
	enum err e;

	if (r->route->flags & RF_BODY_JSON) {
		if (!ctype_is(ctype, "application/json"))
			return req_fail(r, 415, "send the body as Content-Type: application/json");
		if ((st = read_body(r, &body, &len)) != 0)
			return st;
		if (len == 0)
			return req_fail(r, 400, "the request needs a JSON body");
		e = json_parse(r->a, body, len, (int)cfg_int("server.json_depth"), &r->json, &why);
		if (e == ERR_TOOBIG)
			return req_fail(r, 413, why);
		if (e != ERR_OK)
			return req_fail(r, 400, why);
		return 0;
	}
	if (r->route->flags & RF_BODY_FORM) {
		const char *cl = req_param(r, "CONTENT_LENGTH");

		/* A read sent as a POST without a body, its parameters in the URL, as Prometheus takes. */
		if ((r->route->flags & RF_READ) && (ctype == NULL || *ctype == '\0') &&
		    (cl == NULL || strcmp(cl, "0") == 0 || *cl == '\0'))
			return 0;
		if (!ctype_is(ctype, "application/x-www-form-urlencoded"))
			return req_fail(r, 415, "send the form as application/x-www-form-urlencoded");
		if ((st = read_body(r, &body, &len)) != 0)
			return st;
		e = kv_parse_urlencoded(r->a, body, len, &r->form);
		if (e == ERR_TOOBIG)
			return req_fail(r, 413, "the form has too many fields");
		if (e != ERR_OK)
			return req_fail(r, 400, "the form is not valid url-encoded UTF-8");
	}
	return 0;
}

const char *
route_cache_key(struct req *r)
{
	const char *q = r->query_string != NULL ? r->query_string : "";

	/* What a page shows depends on the role (the actions it offers); JSON does not. */
	if (r->route->flags & RF_HTML)
		return arena_printf(r->a, "%d\x1f%s\x1f%s?%s", route_index(r->route),
		    role_name(r->id != NULL ? r->id->role : ROLE_PUBLIC), r->path, q);
	return arena_printf(r->a, "%d\x1f%s?%s", route_index(r->route), r->path, q);
}

/* json_tagged finishes a JSON answer of a cached row with its ETag: 304 when the client has it. */
static int
json_tagged(struct req *r, const char *etag)
{
	if (req_etag(r, etag) == 304) {
		metrics_inc(METRICS_NOT_MODIFIED);
		return 304;
	}
	return 200;
}

/* What a cached row's request is stored under once its handler answered. */
struct cache_ticket {
	const char *key, *ver, *steady; /* ver NULL when Redis cannot say: nothing is served or stored */
	uint64_t made; /* before the handler reads its data */
};

/* cache_serve answers r from the worker's cache when the data its row depends on has not changed
 * since the answer was stored, or changed only in sets that may show late (DATAVER_LATE) and the
 * answer's data is at most VERSION_LATE_MS old. Returns the status, or 0 on a miss, with *t set
 * for cache_store. */
static int
cache_serve(struct req *r, struct cache_ticket *t)
{
	struct cache_hit h;

	t->key = route_cache_key(r);
	t->ver = version_get(r, r->route->deps, &t->steady);
	t->made = cache_now_ms();
	if (!cache_get(r->w->cache, t->key, t->ver, t->steady,
		t->made > VERSION_LATE_MS ? t->made - VERSION_LATE_MS : 0, &h)) {
		metrics_inc(METRICS_CACHE_MISSES);
		return 0;
	}
	metrics_inc(METRICS_CACHE_HITS);
	if (r->route->flags & RF_HTML)
		return req_page_body(r, 200, h.body, h.len, h.title);
	r->body.len = 0;
	buf_add(&r->body, h.body, h.len);
	r->ctype = "application/json";
	r->body_set = true;
	r->status = 200;
	return json_tagged(r, h.etag);
}

/* cache_store keeps the 200 a cached row's handler made: a page's body fragment and title (the
 * shell around it is the viewer's own), or the JSON body with its ETag. Returns the status. */
static int
cache_store(struct req *r, const struct cache_ticket *t, int st)
{
	struct cache_hit h;
	char *etag;

	if (st != 200)
		return st;
	if (r->route->flags & RF_HTML) {
		if (r->page_body != NULL)
			cache_put(r->w->cache, t->key, t->ver, t->steady, t->made, r->page_body,
			    r->page_body_len, r->page_title, &h);
		return st;
	}
	cache_put(r->w->cache, t->key, t->ver, t->steady, t->made, r->body.p, r->body.len, NULL, &h);
	if (h.etag == NULL) {
		etag = arena_alloc(r->a, 24);
		cache_etag(r->body.p, r->body.len, etag, 24);
		h.etag = etag;
	}
	return json_tagged(r, h.etag);
}

/* prom_shaped says whether r's error takes Prometheus's shape: a row of its API, or no row at all
 * under /prometheus/ (a path Prometheus has and we do not: its clients still read the error). */
static bool
prom_shaped(const struct req *r)
{
	if (r->route != NULL)
		return (r->route->flags & RF_PROM) != 0;
	return r->path != NULL && strncmp(r->path, "/prometheus/", 12) == 0;
}

/* prom_error_type is Prometheus's errorType for an error status where Prometheus has one, our
 * error code otherwise ("unauthorized", "forbidden", ...). Static text. */
static const char *
prom_error_type(int status)
{
	switch (status) {
	case 400: return "bad_data";
	case 404: return "not_found";
	case 406: return "not_acceptable";
	case 422: return "execution";
	case 500: return "internal";
	case 502:
	case 503: return "unavailable";
	case 504: return "timeout";
	default: return status_code_name(status);
	}
}

/* render_error makes the body for a failed request: the JSON error shape or the error page. */
static void
render_error(struct req *r)
{
	int status = r->status;
	const char *msg = r->error != NULL && status < 500	   ? r->error
	    : (status == 502 || status == 503) && r->error != NULL ? r->error
								   : "something went wrong on our side";

	if (req_wants_json(r) || (r->route != NULL && (r->route->flags & RF_TEXT))) {
		struct jw w_, *w = &w_;
		const char *k;
		json_t *v;

		req_jw_begin(r, w);
		if (prom_shaped(r)) {
			jw_object(w);
			JW_KEY(w, "status");
			jw_string(w, "error");
			JW_KEY(w, "errorType");
			jw_string(w, prom_error_type(status));
			JW_KEY(w, "error");
			jw_string(w, msg);
			jw_end_object(w);
			req_jw_done(r, status);
			return;
		}
		if (r->route != NULL && (r->route->flags & RF_AMAPI)) {
			jw_string(w, msg);
			req_jw_done(r, status);
			return;
		}
		jw_object(w);
		JW_KEY(w, "error");
		jw_object(w);
		JW_KEY(w, "code");
		jw_string(w, status_code_name(status));
		JW_KEY(w, "message");
		jw_string(w, msg);
		JW_KEY(w, "request_id");
		jw_string(w, r->request_id);
		if (r->error_fields != NULL) {
			JW_KEY(w, "fields");
			jw_object(w);
			json_object_foreach (r->error_fields, k, v) {
				jw_key(w, k);
				jw_string(w, json_string_value(v));
			}
			jw_end_object(w);
		}
		jw_end_object(w);
		jw_end_object(w);
		req_jw_done(r, status);
		return;
	}
	tpl_reset(r->w->tpl);
	ident_error_page(r);
	tpl_set_int(r->w->tpl, "Error.Status", status);
	tpl_set(r->w->tpl, "Error.Reason", status_text(status));
	tpl_set(r->w->tpl, "Error.Message", msg);
	if (req_page(r, status, "error", status_text(status)) != status) {
		/* The page itself failed: fall back to plain text, never to nothing. */
		r->body.len = 0;
		buf_printf(&r->body, "%d %s\n", status, status_text(status));
		r->ctype = "text/plain; charset=utf-8";
		r->status = status;
	}
}

static int
dispatch(struct req *r)
{
	struct cache_ticket ticket = { 0 };
	const char *method = strcmp(r->method, "HEAD") == 0 ? "GET" : r->method;
	size_t n, i;
	const struct route *t = route_table(&n);
	struct buf allow = { 0 };
	const char *cookie;
	enum err e;
	int st;

	for (i = 0; i < n; i++)
		if (strcmp(t[i].method, method) == 0 && path_match(t[i].pattern, r->path, NULL))
			break;
	if (i == n) {
		/* No row for this method: 405 when another method has one, else 404. */
		for (i = 0; i < n; i++) {
			if (!path_match(t[i].pattern, r->path, NULL) || strstr(buf_cstr(&allow), t[i].method))
				continue;
			if (r->route == NULL)
				r->route = &t[i]; /* for the error's format */
			buf_printf(&allow, "%s%s", allow.len ? ", " : "", t[i].method);
			if (strcmp(t[i].method, "GET") == 0)
				buf_adds(&allow, ", HEAD");
		}
		if (allow.len > 0) {
			req_header_out(r, "Allow", buf_cstr(&allow));
			buf_free(&allow);
			return req_fail(r, 405, arena_printf(r->a, "%s is not allowed here", r->method));
		}
		return req_fail(r, 404, "there is nothing at this address");
	}
	r->route = &t[i];
	path_match(r->route->pattern, r->path, r);
	if (r->query_string != NULL && *r->query_string != '\0') {
		e = kv_parse_urlencoded(r->a, r->query_string, strlen(r->query_string), &r->query);
		if (e == ERR_TOOBIG)
			return req_fail(r, 400, "the query string has too many parameters");
		if (e != ERR_OK)
			return req_fail(r, 400, "the query string is not valid url-encoded UTF-8");
	}
	if ((cookie = req_param(r, "HTTP_COOKIE")) != NULL &&
	    kv_parse_cookies(r->a, cookie, &r->cookies) != ERR_OK)
		return req_fail(r, 400, "too many cookies");
	if ((st = (r->route->flags & RF_WEBHOOK) ? webhook_guard(r) : ident_guard(r)) != 0)
		return st == IDENT_SESSION_ENDED ? res_auth_session_ended(r) : st;
	if ((st = take_body(r)) != 0)
		return st;
	if (!(r->route->flags & RF_WEBHOOK) && (st = ident_csrf(r)) != 0)
		return st;
	if (r->route->deps != 0 && (st = cache_serve(r, &ticket)) != 0)
		return st;
	st = r->route->handler(r);
	if (r->route->deps != 0)
		st = cache_store(r, &ticket, st);
	if (req_changes_state(r) && !(r->route->flags & RF_READ) && st < 400)
		version_ident_changed();
	return st;
}

int
route_dispatch(struct req *r)
{
	dispatch(r);
	/* One place renders every failure, in the route's format, whoever answered it. */
	if (r->status >= 400 && !r->body_set)
		render_error(r);
	return r->status;
}
