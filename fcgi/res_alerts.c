/* res_alerts.c: alerts: the Alertmanager webhook that takes them in, the fleet's list as JSON and
 * as a page, and one alert with its history. */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alert.h"
#include "alert_query.h"
#include "arena.h"
#include "buf.h"
#include "field.h"
#include "ident.h"
#include "kv.h"
#include "list.h"
#include "text.h"
#include "tpl.h"
#include "url.h"
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
	struct event_out *evs = arena_alloc(r->a, sizeof(*evs) * (size_t)(n + 1));
	int sent;

	for (int i = 0; i < n; i++) {
		evs[i].type = ch[i].status[0] == 'f' ? EVENT_ALERT_FIRED : EVENT_ALERT_RESOLVED;
		evs[i].cluster_id = r->cluster_id;
		evs[i].owner = NULL;
		evs[i].data = json_own(r->a,
		    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "alert_id", ch[i].id, "fingerprint",
			ch[i].fingerprint, "status", ch[i].status, "alertname", ch[i].alertname, "severity",
			ch[i].severity, "cluster", r->cluster_name));
	}
	sent = events_emit_many(r->w->rds, r->a, evs, n);
	for (int i = 0; i < n; i++)
		metrics_inc(i < sent ? METRICS_EVENTS_EMITTED : METRICS_EVENTS_DROPPED);
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
		version_changed(r, DATAVER_ALERT_INTAKE);
		emit_changes(r, ch, n);
	}
	w = arena_alloc(r->a, sizeof(*w));
	req_jw_begin(r, w);
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
	return req_jw_done(r, 200);
}

/* ---- Reading: the fleet's alerts as JSON and as pages ---- */

static const char *const states[] = { "firing", "acknowledged", "silenced", "inhibited", "resolved", NULL };
static const char *const group_bys[] = { "alertname", "cluster", "severity", NULL };

static bool
one_of(const char *s, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

/* read_filter reads the alert filters shared by the API and the page from r's query. Returns 0,
 * or 400 with a message that says what would do. */
static int
read_filter(struct req *r, struct alert_filter *f)
{
	struct list_params lp;
	const char **v, *s;
	int st;

	memset(f, 0, sizeof(*f));
	f->clusters = list_values(r, "cluster");
	f->severities = list_values(r, "severity");
	if ((f->states = v = list_values(r, "state")) != NULL)
		for (; *v != NULL; v++)
			if (!one_of(*v, states))
				return req_fail(r, 400,
				    "state is firing, acknowledged, silenced, inhibited or resolved (several "
				    "may "
				    "be given)");
	if ((s = kv_get(&r->query, "alertname")) != NULL && *s != '\0')
		f->alertname = s;
	if ((s = kv_get(&r->query, "q")) != NULL && *s != '\0')
		f->text = s;
	if ((s = kv_get(&r->query, "since")) != NULL && *s != '\0') {
		if (!text_rfc3339_ok(s))
			return req_fail(r, 400, "since is an RFC 3339 time, such as 2026-05-14T08:00:00Z");
		f->since = s;
	}
	if ((s = kv_get(&r->query, "until")) != NULL && *s != '\0') {
		if (!text_rfc3339_ok(s))
			return req_fail(r, 400, "until is an RFC 3339 time, such as 2026-05-14T09:00:00Z");
		f->until = s;
	}
	for (size_t i = 0; i < r->query.n; i++) {
		const char *why;

		if (strcmp(r->query.items[i].k, "match") != 0 || r->query.items[i].v[0] == '\0')
			continue;
		if (f->nmatchers == ALERT_MATCHERS_MAX)
			return req_fail(r, 400, "at most 16 label matchers");
		if ((why = alert_matcher_parse(r->a, r->query.items[i].v, &f->matchers[f->nmatchers])) !=
		    NULL)
			return req_fail(r, 400, why);
		f->nmatchers++;
	}
	if ((st = list_read(r, NULL, &lp)) != 0)
		return st;
	f->limit = lp.limit;
	f->cursor = lp.cursor;
	return 0;
}

static int
list_failed(struct req *r, enum err e)
{
	if (e == ERR_INPUT)
		return req_fail(r, 400,
		    "a cursor that does not belong to this list (start again without it), or a regular "
		    "expression PostgreSQL refuses");
	return req_fail_err(r, e, "list alerts");
}

int
res_alerts_list(struct req *r)
{
	struct alert_filter f;
	struct alert *items;
	const char *next;
	struct jw *w;
	int st, n;
	enum err e;

	if ((st = read_filter(r, &f)) != 0)
		return st;
	if ((e = alert_list(r->w->db, r->a, &f, &items, &n, &next)) != ERR_OK)
		return list_failed(r, e);
	w = arena_alloc(r->a, sizeof(*w));
	req_jw_begin(r, w);
	jw_object(w);
	JW_KEY(w, "items");
	jw_array(w);
	for (int i = 0; i < n; i++)
		field_write_json(alert_fields, &items[i], w);
	jw_end_array(w);
	JW_KEY(w, "next_cursor");
	jw_string(w, next);
	JW_KEY(w, "limit");
	jw_int(w, f.limit);
	jw_end_object(w);
	return req_jw_done(r, 200);
}

/* load_one fetches the alert the path names, with its history; 0 or the status answered. */
static int
load_one(struct req *r, struct alert **al, struct alert_moment **tl, int *ntl, int *flaps)
{
	enum err e = alert_get(r->w->db, r->a, kv_get(&r->params, "id"), al);

	if (e == ERR_NOTFOUND)
		return req_fail(r, 404, "no alert has this id");
	if (e == ERR_OK)
		e = alert_timeline(r->w->db, r->a, (*al)->id, tl, ntl, flaps);
	if (e != ERR_OK)
		return req_fail_err(r, e, "get alert");
	return 0;
}

int
res_alerts_get(struct req *r)
{
	struct alert_moment *tl;
	struct alert *al;
	int st, ntl, flaps;
	struct jw *w;

	if ((st = load_one(r, &al, &tl, &ntl, &flaps)) != 0)
		return st;
	w = arena_alloc(r->a, sizeof(*w));
	req_jw_begin(r, w);
	jw_object(w);
	JW_KEY(w, "alert");
	field_write_json(alert_fields, al, w);
	JW_KEY(w, "timeline");
	jw_array(w);
	for (int i = 0; i < ntl; i++) {
		jw_object(w);
		JW_KEY(w, "at");
		jw_string(w, tl[i].at);
		JW_KEY(w, "kind");
		jw_string(w, tl[i].kind);
		JW_KEY(w, "actor");
		jw_string(w, tl[i].actor);
		JW_KEY(w, "comment");
		jw_string(w, tl[i].comment);
		jw_end_object(w);
	}
	jw_end_array(w);
	JW_KEY(w, "fired_last_24h");
	jw_int(w, flaps);
	jw_end_object(w);
	return req_jw_done(r, 200);
}

/* list_url is the page's own address with parameter k set to v (or removed when v is NULL) and the
 * cursor dropped: a filter or grouping link. Arena memory. */
static const char *
list_url(struct req *r, const char *k, const char *v)
{
	struct buf *b = buf_new(r->a);

	buf_adds(b, "/alerts");
	for (size_t i = 0; i < r->query.n; i++) {
		const struct kv *p = &r->query.items[i];

		if (strcmp(p->k, k) == 0 || strcmp(p->k, "cursor") == 0)
			continue;
		buf_printf(
		    b, "%c%s=%s", b->len == 7 ? '?' : '&', url_encode(r->a, p->k), url_encode(r->a, p->v));
	}
	if (v != NULL)
		buf_printf(b, "%c%s=%s", b->len == 7 ? '?' : '&', url_encode(r->a, k), url_encode(r->a, v));
	return buf_cstr(b);
}

int
res_alerts_page(struct req *r)
{
	struct tpl *t = r->w->tpl;
	struct buf *frag = buf_new(r->a);
	const char *by = kv_get(&r->query, "group"), *next, *k, *view;
	struct tpl_row *rows, *groups;
	struct alert_filter f;
	struct alert *items;
	json_t *counts, *c;
	long total;
	int st, n;
	enum err e;

	if ((st = read_filter(r, &f)) != 0)
		return st;
	if (by == NULL || *by == '\0')
		by = "alertname";
	if (!one_of(by, group_bys))
		return req_fail(r, 400, "group is alertname, cluster or severity");
	if ((e = alert_counts(r->w->db, r->a, &f, by, &counts, &total)) != ERR_OK ||
	    (e = alert_list(r->w->db, r->a, &f, &items, &n, &next)) != ERR_OK)
		return list_failed(r, e);
	json_own(r->a, counts);
	tpl_set(t, "List.group", by);
	tpl_set_int(t, "List.total", total);
	tpl_set_int(t, "List.count", n);
	groups = tpl_rows(t, r->a, "Groups");
	json_object_foreach (counts, k, c) {
		struct tpl_row *g = tpl_row_add(groups, NULL);

		tpl_row_set(g, "name", k[0] != '\0' ? k : "(none)");
		tpl_row_set(g, "count", arena_printf(r->a, "%lld", (long long)json_integer_value(c)));
		tpl_row_set(g, "url", list_url(r, by, k));
	}
	for (int i = 0; group_bys[i] != NULL; i++)
		tpl_set(
		    t, arena_printf(r->a, "GroupUrl.%s", group_bys[i]), list_url(r, "group", group_bys[i]));
	/* The export links carry the view's filters (not its grouping or page). */
	view = list_url(r, "group", NULL) + strlen("/alerts");
	tpl_set(t, "Export.csv",
	    arena_printf(r->a, "/api/v1/alerts/export%s%sformat=csv", view, *view ? "&" : "?"));
	tpl_set(t, "Export.json",
	    arena_printf(r->a, "/api/v1/alerts/export%s%sformat=json", view, *view ? "&" : "?"));
	rows = tpl_rows(t, r->a, "Alerts");
	for (int i = 0; i < n; i++) {
		struct tpl_row *row = tpl_row_add(rows, NULL);
		const char *summary =
		    json_str(json_own(r->a, json_loads(items[i].annotations, 0, NULL)), "summary");

		field_write_row(alert_fields, &items[i], FIELD_LIST, row, r->a);
		tpl_row_set(row, "summary", summary);
	}
	tpl_set(t, "Filter.q", f.text);
	tpl_set(t, "Filter.alertname", f.alertname);
	tpl_set(t, "Filter.state", f.states != NULL ? f.states[0] : "firing");
	tpl_set(t, "Filter.cluster", f.clusters != NULL ? f.clusters[0] : NULL);
	tpl_set(t, "Filter.severity", f.severities != NULL ? f.severities[0] : NULL);
	tpl_set(t, "Filter.match", kv_get(&r->query, "match"));
	if (next != NULL)
		tpl_set(t, "List.next_url",
		    arena_printf(r->a, "%s%scursor=%s", list_url(r, "cursor", NULL),
			strchr(list_url(r, "cursor", NULL), '?') ? "&" : "?", url_encode(r->a, next)));
	if (tpl_render(t, "alerts_list", frag) != ERR_OK)
		return req_fail(r, 500, "render failed");
	return req_page_body(r, 200, buf_cstr(frag), frag->len, "Alerts");
}

int
res_alerts_show(struct req *r)
{
	struct tpl *t = r->w->tpl;
	struct buf *frag = buf_new(r->a);
	struct alert_moment *tl;
	struct alert *al, *other;
	struct tpl_row *rows;
	int st, ntl, flaps, nother;
	json_t *ann;
	enum err e;
	const char *runbook;

	if ((st = load_one(r, &al, &tl, &ntl, &flaps)) != 0)
		return st;
	if ((e = alert_elsewhere(r->w->db, r->a, al, &other, &nother)) != ERR_OK)
		return req_fail_err(r, e, "alerts elsewhere");
	field_write_row(alert_fields, al, FIELD_DETAIL, tpl_row_add(tpl_rows(t, r->a, "Alert"), "a"), r->a);
	ann = json_own(r->a, json_loads(al->annotations, 0, NULL));
	runbook = json_str(ann, "runbook_url");
	if (runbook != NULL && field_is_web_url(runbook))
		tpl_set(t, "Links.runbook", runbook);
	tpl_set(t, "Links.summary", json_str(ann, "summary"));
	tpl_set(t, "Links.description", json_str(ann, "description"));
	tpl_set_int(t, "History.flaps", flaps);
	rows = tpl_rows(t, r->a, "Timeline");
	for (int i = 0; i < ntl; i++) {
		struct tpl_row *row = tpl_row_add(rows, NULL);

		tpl_row_set(row, "at", tl[i].at);
		tpl_row_set(row, "kind", tl[i].kind);
		tpl_row_set(row, "actor", tl[i].actor);
		tpl_row_set(row, "comment", tl[i].comment);
	}
	rows = tpl_rows(t, r->a, "Elsewhere");
	for (int i = 0; i < nother; i++)
		field_write_row(alert_fields, &other[i], FIELD_LIST, tpl_row_add(rows, NULL), r->a);
	if (tpl_render(t, "alerts_show", frag) != ERR_OK)
		return req_fail(r, 500, "render failed");
	return req_page_body(r, 200, buf_cstr(frag), frag->len, al->alertname[0] ? al->alertname : "Alert");
}

/* ---- Acknowledgement ---- */

/* ack_apply acknowledges (comment given) or takes back (comment NULL) the alert the path names,
 * with its history and audit rows in one transaction, then moves the alerts version on and tells
 * the browsers. Returns 0, or the status answered. */
static int
ack_apply(struct req *r, const char *comment)
{
	const char *id = kv_get(&r->params, "id"), *cluster_id;
	struct alert_change ch;
	json_t *d;
	enum err e;
	int st;

	if ((st = ident_tx_begin(r)) != 0)
		return st;
	e = alert_ack(r->w->db, r->a, id, r->id->username, comment, &ch, &cluster_id);
	if (e == ERR_OK)
		e = ident_audit(r, NULL, comment != NULL ? "alert.ack" : "alert.unack",
		    arena_printf(r->a, "alert:%s", id),
		    comment != NULL ? json_own(r->a, json_pack("{s:s}", "comment", comment)) : NULL);
	if (e == ERR_NOTFOUND)
		st = req_fail(r, 404,
		    comment != NULL ? "no firing alert has this id" : "no acknowledged alert has this id");
	else if (e != ERR_OK)
		st = req_fail_err(r, e, "acknowledge alert");
	if ((st = ident_tx_end(r, st)) != 0)
		return st;
	version_changed(r, DATAVER_ALERTS);
	d = json_own(r->a,
	    json_pack("{s:s, s:s, s:s, s:b, s:s, s:s?}", "alert_id", ch.id, "alertname", ch.alertname,
		"severity", ch.severity, "acked", comment != NULL, "by", r->id->username, "comment",
		comment));
	metrics_inc(events_emit(r->w->rds, r->a, EVENT_ALERT_ACKED, cluster_id, NULL, d, NULL) == ERR_OK
		? METRICS_EVENTS_EMITTED
		: METRICS_EVENTS_DROPPED);
	return 0;
}

/* ack_input reads the comment from the JSON body or the form; 0, or 422 naming the fault. */
static int
ack_input(struct req *r, struct alert_ack_in *in)
{
	json_t *errors = json_own(r->a, json_object());

	field_in_init(alert_ack_fields, in);
	if (r->json != NULL)
		field_from_json(alert_ack_fields, in, r->json, errors);
	else
		field_from_form(alert_ack_fields, in, req_form_field, r, r->a, errors);
	if (field_validate(alert_ack_fields, in, errors) == ERR_OK)
		return 0;
	return req_fail_fields(r, errors);
}

/* answer_alert answers the alert the path names as JSON (after a change). */
static int
answer_alert(struct req *r, int status)
{
	struct alert *al;
	struct jw *w;
	enum err e = alert_get(r->w->db, r->a, kv_get(&r->params, "id"), &al);

	if (e != ERR_OK)
		return req_fail_err(r, e, "get alert");
	w = arena_alloc(r->a, sizeof(*w));
	req_jw_begin(r, w);
	field_write_json(alert_fields, al, w);
	return req_jw_done(r, status);
}

int
res_alerts_ack(struct req *r)
{
	struct alert_ack_in in;
	int st;

	if ((st = ack_input(r, &in)) != 0 || (st = ack_apply(r, in.comment)) != 0)
		return st;
	return answer_alert(r, 200);
}

int
res_alerts_unack(struct req *r)
{
	int st;

	if ((st = ack_apply(r, NULL)) != 0)
		return st;
	return answer_alert(r, 200);
}

int
res_alerts_ack_form(struct req *r)
{
	const char *id = kv_get(&r->params, "id");
	struct alert_ack_in in;
	int st;

	if ((st = ack_input(r, &in)) != 0) {
		req_flash(r, arena_printf(r->a, "Not acknowledged: %s", req_take_failure(r)));
		return req_redirect(r, arena_printf(r->a, "/alerts/%s", id));
	}
	if ((st = ack_apply(r, in.comment)) != 0)
		return st;
	req_flash(r, "Acknowledged: others see who and why on the alert.");
	return req_redirect(r, arena_printf(r->a, "/alerts/%s", id));
}

int
res_alerts_unack_form(struct req *r)
{
	const char *id = kv_get(&r->params, "id");
	int st;

	if ((st = ack_apply(r, NULL)) != 0)
		return st;
	req_flash(r, "The acknowledgement was taken back.");
	return req_redirect(r, arena_printf(r->a, "/alerts/%s", id));
}

/* ---- Export ---- */

#define EXPORT_MAX 10000

/* csv_quoted appends s between double quotes, each of its quotes doubled, after prefix. */
static void
csv_quoted(struct buf *b, const char *prefix, const char *s)
{
	buf_addc(b, '"');
	buf_adds(b, prefix);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			buf_addc(b, '"');
		buf_addc(b, *s);
	}
	buf_addc(b, '"');
}

/* csv_cell appends s as one RFC 4180 field: quoted when it holds a comma, quote or line break,
 * and led by an apostrophe when a spreadsheet would take it for a formula (=, +, -, @, tab). */
static void
csv_cell(struct buf *b, const char *s, bool last)
{
	if (s == NULL)
		s = "";
	if (s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL)
		csv_quoted(b, "'", s);
	else if (strpbrk(s, ",\"\r\n") != NULL)
		csv_quoted(b, "", s);
	else
		buf_adds(b, s);
	buf_adds(b, last ? "\r\n" : ",");
}

/* pairs_text writes a JSON object of strings as "k=v; k=v" (arena memory). */
static const char *
pairs_text(struct arena *a, const char *json)
{
	json_t *o = json_own(a, json_loads(json != NULL ? json : "{}", 0, NULL)), *v;
	struct buf *b = buf_new(a);
	const char *k;

	json_object_foreach (o, k, v)
		buf_printf(
		    b, "%s%s=%s", b->len ? "; " : "", k, json_string_value(v) ? json_string_value(v) : "");
	return buf_cstr(b);
}

int
res_alerts_export(struct req *r)
{
	const char *fmt = kv_get(&r->query, "format"), *accept = req_param(r, "HTTP_ACCEPT");
	bool csv, more;
	struct alert_filter f;
	struct alert *items;
	struct jw w;
	char stamp[32];
	time_t now = time(NULL);
	int st, n;
	enum err e;

	if (fmt == NULL || *fmt == '\0')
		fmt = accept != NULL && strstr(accept, "text/csv") != NULL ? "csv" : "json";
	if (strcmp(fmt, "csv") != 0 && strcmp(fmt, "json") != 0)
		return req_fail(r, 400, "format is csv or json");
	csv = fmt[0] == 'c';
	if ((st = read_filter(r, &f)) != 0)
		return st;
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", gmtime(&now));
	r->body.len = 0;
	if (csv)
		buf_adds(&r->body,
		    "id,cluster,alertname,severity,status,starts_at,ends_at,acked_by,ack_comment,summary,"
		    "labels\r\n");
	else {
		jw_init(&w, &r->body);
		jw_array(&w);
	}
	/* The whole view, up to EXPORT_MAX alerts. */
	if ((e = alert_list_all(r->w->db, r->a, &f, EXPORT_MAX, &items, &n, &more)) != ERR_OK)
		return list_failed(r, e);
	for (int i = 0; i < n; i++) {
		if (!csv) {
			field_write_json(alert_fields, &items[i], &w);
			continue;
		}
		csv_cell(&r->body, items[i].id, false);
		csv_cell(&r->body, items[i].cluster, false);
		csv_cell(&r->body, items[i].alertname, false);
		csv_cell(&r->body, items[i].severity, false);
		csv_cell(&r->body, items[i].status, false);
		csv_cell(&r->body, items[i].starts_at, false);
		csv_cell(&r->body, items[i].ends_at, false);
		csv_cell(&r->body, items[i].acked_by, false);
		csv_cell(&r->body, items[i].ack_comment, false);
		csv_cell(&r->body,
		    json_str(json_own(r->a, json_loads(items[i].annotations, 0, NULL)), "summary"), false);
		csv_cell(&r->body, pairs_text(r->a, items[i].labels), true);
	}
	if (!csv) {
		jw_end_array(&w);
		buf_addc(&r->body, '\n');
	}
	if (more)
		req_header_out(r, "X-Aiops-Truncated", "10000");
	req_header_out(r, "Content-Disposition",
	    arena_printf(r->a, "attachment; filename=\"alerts-%s.%s\"", stamp, fmt));
	r->ctype = csv ? "text/csv; charset=utf-8" : "application/json";
	r->status = 200;
	r->body_set = true;
	return 200;
}
