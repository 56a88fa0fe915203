/* health.c: `aiops-collect health`: one pass over the clusters of a shard, all polled at once
 * (bounded concurrency), each ending ready, degraded or unreachable with a reason a person can act
 * on, recorded with its history, and an event for each: CLUSTER_STATUS_CHANGED when the outcome
 * changed, CLUSTER_CHECKED when it did not (the pages show its new latency and last-seen time). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "arena.h"
#include "buf.h"
#include "cfg.h"
#include "cluster.h"
#include "collect.h"
#include "credential.h"
#include "dataver.h"
#include "db.h"
#include "events.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "secret.h"
#include "text.h"

/* The checks of one cluster: the API server's /version and /readyz, and the readiness endpoints of
 * its Prometheus and Alertmanager when it has them. */
enum check { CHECK_VERSION, CHECK_READYZ, CHECK_PROMETHEUS, CHECK_ALERTMANAGER, CHECK__MAX };

struct target {
	const struct cluster *c;
	struct http_req req[CHECK__MAX];
	bool used[CHECK__MAX];
	const char *refused[CHECK__MAX]; /* a URL the policy refused, with the reason */
	char *secrets[CREDENTIAL__MAX]; /* opened credentials, arena memory, wiped by target_done */
	int pending; /* its requests http_run has not finished yet */
};

/* target_done is each request's completion callback: the cluster's credentials are wiped as soon
 * as its last request is done, not kept until the pass ends. */
static void
target_done(struct http_req *h, void *arg)
{
	struct target *t = arg;

	(void)h;
	if (--t->pending == 0)
		credential_wipe(t->secrets);
}

static void
add_check(struct collect *co, struct target *t, enum check k, const char *base, const char *path,
    const char *bearer)
{
	const char *url;

	if (base == NULL || *base == '\0')
		return;
	url = http_url_join(co->a, base, path);
	t->used[k] = true;
	if ((t->refused[k] = http_url_refused(url)) != NULL)
		return;
	t->req[k].url = url;
	t->req[k].bearer = bearer;
	t->req[k].basic = bearer == NULL && k >= CHECK_PROMETHEUS ? t->secrets[CREDENTIAL_BASIC_AUTH] : NULL;
	t->req[k].ca_pem = t->secrets[CREDENTIAL_CA_BUNDLE];
	t->req[k].timeout_ms = cfg_int("collect.timeout_ms");
	t->req[k].max_bytes = (size_t)cfg_int("collect.max_bytes");
	t->req[k].done = target_done;
	t->req[k].done_arg = t;
	t->pending++;
}

/* outcome says why check k of t failed, or NULL when it passed: 2xx for everything. */
static const char *
outcome(struct arena *a, const struct target *t, enum check k)
{
	const struct http_req *h = &t->req[k];

	if (t->refused[k] != NULL)
		return arena_printf(a, "refused: %s", t->refused[k]);
	if (h->failed) {
		/* The person reads our words; libcurl's own stay in the log (the API has no field
		 * for them: clusters.status_reason holds one text). */
		if (h->detail[0] != '\0')
			log_info(NULL, "cluster %s: %s: %s (libcurl: %s)", t->c->name, h->url, h->error,
			    h->detail);
		return arena_strdup(a, h->error);
	}
	if (h->status >= 300 && h->status < 400) {
		const char *why = h->location != NULL ? http_url_refused(h->location) : NULL;

		return arena_printf(a, "answered a redirect to %s%s%s; redirects are not followed",
		    h->location != NULL ? h->location : "(no Location)", why != NULL ? ", which is " : "",
		    why != NULL ? why : "");
	}
	if (h->status == 401)
		return "401 Unauthorized: check the cluster's token";
	if (h->status == 403)
		return "403 Forbidden: the token lacks the rights for this check";
	if (h->status < 200 || h->status >= 300)
		return arena_printf(a, "answered HTTP %ld", h->status);
	return NULL;
}

/* failing_checks lists the "[-]name failed" lines of a verbose /readyz body. */
static const char *
failing_checks(struct arena *a, const struct buf *body)
{
	struct buf *out = buf_new(a);
	const char *p = buf_cstr(body);

	while (p != NULL && *p != '\0') {
		const char *eol = strchr(p, '\n');
		size_t n = eol != NULL ? (size_t)(eol - p) : strlen(p);

		if (n > 3 && strncmp(p, "[-]", 3) == 0) {
			size_t m = strcspn(p + 3, " \n");

			if (m > 0 && m < 80)
				buf_printf(out, "%s%.*s", out->len > 0 ? ", " : "", (int)m, p + 3);
		}
		p = eol != NULL ? eol + 1 : NULL;
	}
	return out->len > 0 ? buf_cstr(out) : NULL;
}

/* git_version reads gitVersion from a /version body; "" when it is not there. */
static const char *
git_version(struct arena *a, const struct buf *body)
{
	json_t *j = NULL;
	const char *why, *v;

	if (body->len == 0 || json_parse(a, body->p, body->len, 8, &j, &why) != ERR_OK)
		return "";
	v = json_string_value(json_object_get(j, "gitVersion"));
	if (v == NULL || strlen(v) > 64)
		return "";
	for (const char *q = v; *q; q++)
		if (*q < 0x21 || *q > 0x7e)
			return "";
	return arena_strdup(a, v);
}

/* judge turns the checks of t into what is recorded. */
static void
judge(struct arena *a, const struct target *t, struct cluster_health *h)
{
	const char *api = outcome(a, t, CHECK_VERSION);
	struct buf *why = buf_new(a);

	memset(h, 0, sizeof(*h));
	h->cluster_id = t->c->id;
	h->ready_ok = h->prometheus_ok = h->alertmanager_ok = -1;
	h->latency_ms = -1;
	h->version = "";
	if (api != NULL) {
		h->status = "unreachable";
		h->reason = arena_printf(a, "API server: %s", api);
		return;
	}
	h->api_ok = true;
	h->latency_ms = (int)(t->req[CHECK_VERSION].seconds * 1000 + 0.5);
	h->version = git_version(a, &t->req[CHECK_VERSION].body);
	if (t->used[CHECK_READYZ]) {
		const char *r = outcome(a, t, CHECK_READYZ);

		h->ready_ok = r == NULL;
		if (r != NULL) {
			const char *failing = t->req[CHECK_READYZ].status == 500
			    ? failing_checks(a, &t->req[CHECK_READYZ].body)
			    : NULL;

			if (failing != NULL)
				buf_printf(why, "API server not ready: %s failing", failing);
			else
				buf_printf(why, "API server /readyz: %s", r);
		}
	}
	if (t->used[CHECK_PROMETHEUS]) {
		const char *r = outcome(a, t, CHECK_PROMETHEUS);

		h->prometheus_ok = r == NULL;
		if (r != NULL)
			buf_printf(why, "%sPrometheus: %s", why->len > 0 ? "; " : "", r);
	}
	if (t->used[CHECK_ALERTMANAGER]) {
		const char *r = outcome(a, t, CHECK_ALERTMANAGER);

		h->alertmanager_ok = r == NULL;
		if (r != NULL)
			buf_printf(why, "%sAlertmanager: %s", why->len > 0 ? "; " : "", r);
	}
	h->status = why->len > 0 ? "degraded" : "ready";
	h->reason = buf_cstr(why);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* emit_check tells the pages the outcome of t's check h: CLUSTER_STATUS_CHANGED (with the
 * previous status) when the status or reason changed, CLUSTER_CHECKED otherwise, so an open page
 * shows the new latency and last-seen time of a cluster whose status stays the same. Both carry
 * id, name, status, reason, version, checked_at, latency_ms (null when not measured, as the
 * cluster then shows it) and last_seen (only when the API server answered: checked_at). Returns events_emit's result. */
static enum err
emit_check(struct collect *co, const struct target *t, const struct cluster_health *h, bool changed,
    const char *checked_at)
{
	json_t *d = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "id", t->c->id, "name", t->c->name, "status",
	    h->status, "reason", h->reason, "version", h->version[0] != '\0' ? h->version : t->c->version,
	    "checked_at", checked_at);
	enum err e;

	if (changed)
		json_object_set_new(d, "previous_status", json_string(t->c->status));
	json_object_set_new(d, "latency_ms", h->latency_ms >= 0 ? json_integer(h->latency_ms) : json_null());
	if (h->api_ok)
		json_object_set_new(d, "last_seen", json_string(checked_at));
	e = events_emit(co->rds, co->a, changed ? EVENT_CLUSTER_STATUS_CHANGED : EVENT_CLUSTER_CHECKED,
	    t->c->id, NULL, d, NULL);
	json_decref(d);
	return e;
}

int
collect_health(struct collect *co)
{
	struct cluster *items;
	struct target *ts;
	struct http_req **all;
	int n, nreq = 0, counts[3] = { 0 }, changed_n = 0, failed = 0;
	double t0 = now_s();
	const char *checked_at;
	enum err e;

	if ((e = cluster_health_targets(co->db, co->a, co->shard, co->nshards, &items, &n)) != ERR_OK) {
		fprintf(stderr, "aiops-collect: cannot list the clusters: %s\n", db_error(co->db));
		return 1;
	}
	ts = arena_zalloc(co->a, sizeof(*ts) * (size_t)(n > 0 ? n : 1));
	all = arena_zalloc(co->a, sizeof(*all) * (size_t)(n > 0 ? n : 1) * CHECK__MAX);
	for (int i = 0; i < n; i++) {
		struct target *t = &ts[i];

		t->c = &items[i];
		collect_secrets(co, t->c, t->secrets);
		add_check(co, t, CHECK_VERSION, t->c->api_url, "/version", t->secrets[CREDENTIAL_API_TOKEN]);
		add_check(
		    co, t, CHECK_READYZ, t->c->api_url, "/readyz?verbose", t->secrets[CREDENTIAL_API_TOKEN]);
		add_check(co, t, CHECK_PROMETHEUS, t->c->prometheus_url, "/-/ready",
		    t->secrets[CREDENTIAL_PROMETHEUS_TOKEN]);
		add_check(co, t, CHECK_ALERTMANAGER, t->c->alertmanager_url, "/-/ready",
		    t->secrets[CREDENTIAL_ALERTMANAGER_TOKEN]);
		for (int k = 0; k < CHECK__MAX; k++)
			if (t->used[k] && t->refused[k] == NULL)
				all[nreq++] = &t->req[k];
		if (t->pending == 0)
			credential_wipe(t->secrets);
	}
	http_run(all, nreq, (int)cfg_int("collect.concurrency"));
	{
		char buf[TEXT_RFC3339_MAX];

		/* To the second, as the pages print times. */
		checked_at = arena_strdup(co->a, text_rfc3339(buf, time(NULL), -1));
	}
	for (int i = 0; i < n; i++) {
		struct cluster_health h;
		bool changed;

		judge(co->a, &ts[i], &h);
		e = cluster_record_health(co->db, co->a, &h, &changed);
		if (e == ERR_NOTFOUND)
			continue;
		if (e != ERR_OK) {
			log_error(NULL, "cluster %s: cannot record its health: %s", ts[i].c->name,
			    db_error(co->db));
			failed++;
			continue;
		}
		counts[strcmp(h.status, "ready") == 0 ? 0 : strcmp(h.status, "degraded") == 0 ? 1 : 2]++;
		if (changed) {
			changed_n++;
			log_info(NULL, "cluster %s: %s -> %s%s%s", ts[i].c->name, ts[i].c->status, h.status,
			    h.reason[0] != '\0' ? ": " : "", h.reason);
		}
		if (emit_check(co, &ts[i], &h, changed, checked_at) != ERR_OK)
			co->events_dropped++;
	}
	for (int i = 0; i < n; i++)
		for (int k = 0; k < CHECK__MAX; k++)
			http_release(&ts[i].req[k]);
	/* Status, latency and last seen moved on: pages rendered before are stale now. */
	if (n > 0)
		dataver_bump(co->rds, DATAVER_CLUSTERS);
	printf("health: %d cluster%s in %.2f s: %d ready, %d degraded, %d unreachable; %d changed%s\n", n,
	    n == 1 ? "" : "s", now_s() - t0, counts[0], counts[1], counts[2], changed_n,
	    co->events_dropped > 0 ? "; some events were dropped (Redis)" : "");
	return failed > 0 ? 1 : 0;
}
