/* alerts.c: `aiops-collect alerts`: every cluster's alerts compared with its Alertmanager's own
 * list (GET /api/v2/alerts), all asked at once: what a lost webhook never brought is added, what
 * Alertmanager no longer lists is resolved, and each alert's silences and inhibitions recorded. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <jansson.h>

#include "alert.h"
#include "alert_query.h"
#include "arena.h"
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
#include "text.h"

struct am {
	const struct cluster *c;
	struct http_req req;
	const char *refused;
	char *secrets[CREDENTIAL__MAX]; /* wiped as soon as its request is done */
};

static void
am_done(struct http_req *h, void *arg)
{
	(void)h;
	credential_wipe(((struct am *)arg)->secrets);
}

/* failure says why t's answer cannot be used, or NULL. */
static const char *
failure(struct arena *a, const struct am *t)
{
	if (t->refused != NULL)
		return arena_printf(a, "refused: %s", t->refused);
	if (t->req.failed)
		return t->req.error;
	if (t->req.status != 200)
		return arena_printf(a, "answered HTTP %ld", t->req.status);
	return NULL;
}

/* reconcile stores what t's Alertmanager listed and tells the pages; returns how many alerts
 * changed state, or -1 when the list could not be used (logged, and the cluster left as it was). */
static int
reconcile(struct collect *co, const struct am *t, const char *fetched_at)
{
	struct alert_change *ch;
	struct event_out *evs;
	struct alert_batch b;
	const char *why;
	json_t *body;
	int n, sent;
	enum err e;

	if ((why = failure(co->a, t)) != NULL) {
		log_warn(NULL, "cluster %s: Alertmanager %s: %s", t->c->name, t->c->alertmanager_url, why);
		return -1;
	}
	if (json_parse(co->a, t->req.body.p, t->req.body.len, 16, &body, &why) != ERR_OK ||
	    alert_api_parse(co->a, body, &b, &why) != ERR_OK) {
		log_warn(
		    NULL, "cluster %s: Alertmanager's list of alerts is not usable: %s", t->c->name, why);
		return -1;
	}
	if ((e = alert_reconcile(co->db, co->a, t->c->id, &b, fetched_at, &ch, &n)) != ERR_OK) {
		log_error(NULL, "cluster %s: cannot store its alerts: %s", t->c->name, db_error(co->db));
		return -1;
	}
	evs = arena_alloc(co->a, sizeof(*evs) * (size_t)(n + 1));
	for (int i = 0; i < n; i++) {
		evs[i].type = ch[i].status[0] == 'f' ? EVENT_ALERT_FIRED : EVENT_ALERT_RESOLVED;
		evs[i].cluster_id = t->c->id;
		evs[i].owner = NULL;
		evs[i].data = json_own(co->a,
		    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "alert_id", ch[i].id, "fingerprint",
			ch[i].fingerprint, "status", ch[i].status, "alertname", ch[i].alertname, "severity",
			ch[i].severity, "cluster", t->c->name, "by", "reconciliation"));
		log_info(NULL, "cluster %s: %s %s (Alertmanager %s)", t->c->name, ch[i].alertname,
		    ch[i].status[0] == 'f' ? "was never delivered; added" : "is no longer active; resolved",
		    ch[i].status[0] == 'f' ? "lists it" : "does not list it");
	}
	sent = events_emit_many(co->rds, co->a, evs, n);
	co->events_dropped += n - sent;
	return n;
}

/* judge_pipelines stores every alert pipeline's state and tells the pages of those that broke or
 * recovered; returns how many changed, or -1 when they could not be judged. */
static int
judge_pipelines(struct collect *co)
{
	struct alert_pipeline *p;
	struct event_out *evs;
	int n;

	if (alert_pipelines_judge(co->db, co->a, (int)cfg_int("alerts.watchdog_seconds"), &p, &n) != ERR_OK) {
		log_error(NULL, "cannot judge the alert pipelines: %s", db_error(co->db));
		return -1;
	}
	evs = arena_alloc(co->a, sizeof(*evs) * (size_t)(n + 1));
	for (int i = 0; i < n; i++) {
		evs[i].type = EVENT_ALERT_PIPELINE_CHANGED;
		evs[i].cluster_id = p[i].cluster_id;
		evs[i].owner = NULL;
		evs[i].data = json_own(co->a,
		    json_pack("{s:s, s:s, s:s, s:s?}", "cluster", p[i].cluster, "state", p[i].state, "was",
			p[i].was, "watchdog_at", p[i].watchdog_at));
		if (strcmp(p[i].state, "broken") == 0)
			log_warn(NULL, "cluster %s: alert pipeline broken: its Watchdog last arrived at %s",
			    p[i].cluster, p[i].watchdog_at);
		else
			log_info(NULL, "cluster %s: alert pipeline %s (was %s)", p[i].cluster, p[i].state,
			    p[i].was);
	}
	co->events_dropped += n - events_emit_many(co->rds, co->a, evs, n);
	return n;
}

int
collect_alerts(struct collect *co)
{
	struct cluster *items;
	struct http_req **all;
	struct am *ts;
	int n, m = 0, nreq = 0, failed = 0, changed = 0, judged;
	const char *fetched_at;
	enum err e;

	if ((e = cluster_health_targets(co->db, co->a, co->shard, co->nshards, &items, &n)) != ERR_OK) {
		fprintf(stderr, "aiops-collect: cannot list the clusters: %s\n", db_error(co->db));
		return 1;
	}
	ts = arena_zalloc(co->a, sizeof(*ts) * (size_t)(n > 0 ? n : 1));
	all = arena_zalloc(co->a, sizeof(*all) * (size_t)(n > 0 ? n : 1));
	for (int i = 0; i < n; i++) {
		struct am *t = &ts[m];
		const char *url;

		if (items[i].alertmanager_url == NULL || items[i].alertmanager_url[0] == '\0')
			continue;
		t->c = &items[i];
		m++;
		url = http_url_join(co->a, t->c->alertmanager_url, "/api/v2/alerts");
		if ((t->refused = http_url_refused(url)) != NULL)
			continue;
		collect_secrets(co, t->c, t->secrets);
		t->req.url = url;
		credential_alertmanager(&t->req, t->secrets);
		t->req.timeout_ms = cfg_int("collect.timeout_ms");
		t->req.max_bytes = (size_t)cfg_int("alerts.max_body");
		t->req.done = am_done;
		t->req.done_arg = t;
		all[nreq++] = &t->req;
	}
	/* Taken before asking: an alert a webhook changed after this is newer than any list. */
	{
		struct timeval tv;
		char buf[TEXT_RFC3339_MAX];

		gettimeofday(&tv, NULL);
		fetched_at = arena_strdup(co->a, text_rfc3339(buf, tv.tv_sec, (int)(tv.tv_usec / 1000)));
	}
	http_run(all, nreq, (int)cfg_int("collect.concurrency"));
	for (int i = 0; i < m; i++) {
		int k = reconcile(co, &ts[i], fetched_at);

		if (k < 0)
			failed++;
		else
			changed += k;
		http_release(&ts[i].req);
	}
	judged = judge_pipelines(co);
	if (m > failed || judged > 0)
		dataver_bump(co->rds, DATAVER_ALERT_INTAKE);
	printf("alerts: %d Alertmanager%s compared, %d failed; %d alert%s changed state; %d pipeline%s "
	       "changed%s\n",
	    m, m == 1 ? "" : "s", failed, changed, changed == 1 ? "" : "s", judged > 0 ? judged : 0,
	    judged == 1 ? "" : "s", co->events_dropped > 0 ? "; some events were dropped (Redis)" : "");
	return 0;
}
