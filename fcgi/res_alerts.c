/* res_alerts.c: alerts: the Alertmanager webhook that takes them in. */
#include "config.h"

#include "alert.h"
#include "arena.h"
#include "events.h"
#include "json.h"
#include "jw.h"
#include "log.h"
#include "metrics.h"
#include "req.h"
#include "res.h"
#include "version.h"

/* emit_changes tells the browsers of each alert whose state changed; a Redis that cannot take an
 * event is counted, never fatal (the database is the truth). */
static void
emit_changes(struct req *r, const struct alert_change *ch, int n)
{
	for (int i = 0; i < n; i++) {
		json_t *d = json_own(r->a,
		    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "alert_id", ch[i].id, "fingerprint",
			ch[i].fingerprint, "status", ch[i].status, "alertname", ch[i].alertname, "severity",
			ch[i].severity, "cluster", r->cluster_name));
		enum event_type t = ch[i].status[0] == 'f' ? EVENT_ALERT_FIRED : EVENT_ALERT_RESOLVED;

		if (events_emit(r->w->rds, r->a, t, r->cluster_id, NULL, d, NULL) == ERR_OK)
			metrics_inc(METRICS_EVENTS_EMITTED);
		else
			metrics_inc(METRICS_EVENTS_DROPPED);
	}
}

int
res_alerts_webhook(struct req *r)
{
	struct alert_change *ch;
	struct alert_batch b;
	const char *why;
	struct jw *w;
	int n;
	enum err e = alert_webhook_parse(r->a, r->json, &b, &why);

	if (e != ERR_OK) {
		log_warn(r->request_id, "webhook of cluster %s refused: %s", r->cluster_name, why);
		return req_fail(r, e == ERR_TOOBIG ? 413 : 400, why);
	}
	if (b.truncated > 0)
		log_warn(r->request_id,
		    "cluster %s: Alertmanager left %ld alerts out of the payload (max_alerts)",
		    r->cluster_name, b.truncated);
	/* Answered 2xx only once stored: Alertmanager retries a 5xx, and a retry of a payload that
	 * landed changes nothing. */
	if ((e = alert_ingest(r->w->db, r->a, r->cluster_id, &b, &ch, &n)) != ERR_OK)
		return req_fail_err(r, e, "store alerts");
	if (n > 0) {
		version_changed(r, DATAVER_ALERTS);
		emit_changes(r, ch, n);
	}
	w = req_jw(r, 200);
	jw_object(w);
	JW_KEY(w, "cluster");
	jw_string(w, r->cluster_name);
	JW_KEY(w, "received");
	jw_int(w, b.n);
	JW_KEY(w, "changed");
	jw_int(w, n);
	JW_KEY(w, "truncated_alerts");
	jw_int(w, b.truncated);
	jw_end_object(w);
	return req_jw_end(r);
}
