/* res_silences.c: silences, kept where they act, in each cluster's Alertmanager (API v2): made from
 * an alert's labels or from matchers, listed across the fleet, expired. Each change is audited in
 * a transaction that commits only once the Alertmanager has taken it. */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "alert_query.h"
#include "arena.h"
#include "cfg.h"
#include "cluster.h"
#include "credential.h"
#include "http.h"
#include "ident.h"
#include "json.h"
#include "jw.h"
#include "kv.h"
#include "list.h"
#include "log.h"
#include "req.h"
#include "res.h"
#include "res_clusters.h"
#include "text.h"

#define SILENCE_MINUTES_MAX (30 * 24 * 60)

/* A call to one cluster's Alertmanager, with the credentials it borrowed. */
struct am_call {
	const struct cluster *c;
	struct http_req h;
	char *secrets[CREDENTIAL__MAX];
	const char *refused; /* why the call cannot be made, or NULL */
};

static void
call_done(struct http_req *h, void *arg)
{
	(void)h;
	credential_wipe(((struct am_call *)arg)->secrets);
}

/* am_prepare readies call to send method (NULL: GET) to path on c's Alertmanager, with its sealed
 * credentials and json as the body (or NULL). call->refused says why it cannot be made. */
static void
am_prepare(struct req *r, struct am_call *call, const struct cluster *c, const char *method, const char *path,
    const char *json)
{
	bool unopened[CREDENTIAL__MAX];
	const char *url;

	memset(call, 0, sizeof(*call));
	call->c = c;
	if (c->alertmanager_url == NULL || *c->alertmanager_url == '\0') {
		call->refused = "it has no Alertmanager URL";
		return;
	}
	url = http_url_join(r->a, c->alertmanager_url, path);
	if ((call->refused = http_url_refused(url)) != NULL)
		return;
	(void)credential_open_all(r->w->db, r->a, res_clusters_key(r), c->id, call->secrets, unopened);
	call->h.url = url;
	call->h.method = method;
	call->h.json = json;
	credential_alertmanager(&call->h, call->secrets);
	call->h.timeout_ms = cfg_int("collect.timeout_ms");
	call->h.max_bytes = 4u << 20;
	call->h.done = call_done;
	call->h.done_arg = call;
}

/* am_outcome says why call did not succeed (our words, with what the Alertmanager said), or NULL
 * when it answered 2xx. Arena memory. */
static const char *
am_outcome(struct req *r, const struct am_call *call)
{
	if (call->refused != NULL)
		return arena_printf(r->a, "cluster %s: %s", call->c->name, call->refused);
	if (call->h.failed)
		return arena_printf(r->a, "cluster %s's Alertmanager: %s", call->c->name, call->h.error);
	if (call->h.status < 200 || call->h.status >= 300)
		return arena_printf(r->a, "cluster %s's Alertmanager answered HTTP %ld: %.*s", call->c->name,
		    call->h.status, (int)(call->h.body.len > 200 ? 200 : call->h.body.len),
		    call->h.body.p != NULL ? call->h.body.p : "");
	return NULL;
}

/* am_run sends one prepared call; returns NULL on success, else why (as am_outcome). */
static const char *
am_run(struct req *r, struct am_call *call)
{
	struct http_req *one = &call->h;

	if (call->refused == NULL)
		http_run(&one, 1, 1);
	else
		credential_wipe(call->secrets);
	return am_outcome(r, call);
}

/* rfc3339 writes the time t as RFC 3339 UTC (arena memory). */
static const char *
rfc3339(struct arena *a, time_t t)
{
	char buf[TEXT_RFC3339_MAX];

	return arena_strdup(a, text_rfc3339(buf, t, -1));
}

/* find_cluster reads the cluster ref names (a name or an id); 0 or the status answered. */
static int
find_cluster(struct req *r, const char *ref, struct cluster **c)
{
	enum err e;

	if (ref == NULL || *ref == '\0')
		return req_fail_field(r, "cluster", "name the cluster (its name or id), or give alert_id");
	e = text_uuid_ok(ref) ? cluster_get(r->w->db, r->a, ref, c)
			      : cluster_get_by_name(r->w->db, r->a, ref, c);
	if (e == ERR_NOTFOUND)
		return req_fail(r, 404, "no cluster has this name or id");
	if (e != ERR_OK)
		return req_fail_err(r, e, "get cluster");
	return 0;
}

/* matchers_from_labels makes the exact matchers of an alert's labels (a JSON object as text). */
static json_t *
matchers_from_labels(struct arena *a, const char *labels)
{
	json_t *l = json_own(a, json_loads(labels != NULL ? labels : "{}", 0, NULL)), *out = json_array(), *v;
	const char *k;

	json_object_foreach (l, k, v)
		json_array_append_new(out,
		    json_pack("{s:s, s:s, s:b, s:b}", "name", k, "value", json_string_value(v), "isRegex", 0,
			"isEqual", 1));
	return json_own(a, out);
}

/* matchers_checked checks the matchers a person sent: 1 to 16 of {name, value, isRegex, isEqual};
 * returns them as Alertmanager takes them, or NULL with *why. */
static json_t *
matchers_checked(struct arena *a, json_t *in, const char **why)
{
	json_t *out, *m;
	size_t i;

	if (!json_is_array(in) || json_array_size(in) == 0 || json_array_size(in) > 16) {
		*why = "matchers is a list of 1 to 16 {name, value, isRegex, isEqual}";
		return NULL;
	}
	out = json_own(a, json_array());
	json_array_foreach (in, i, m) {
		const char *name = json_string_value(json_object_get(m, "name"));
		const char *value = json_string_value(json_object_get(m, "value"));
		json_t *re = json_object_get(m, "isRegex"), *eq = json_object_get(m, "isEqual");

		if (name == NULL || value == NULL || strlen(name) > 128 || strlen(value) > 1024 ||
		    (re != NULL && !json_is_boolean(re)) || (eq != NULL && !json_is_boolean(eq))) {
			*why = arena_printf(a,
			    "matchers[%zu] needs a name and a value (text), isRegex and isEqual "
			    "true or false",
			    i);
			return NULL;
		}
		json_array_append_new(out,
		    json_pack("{s:s, s:s, s:b, s:b}", "name", name, "value", value, "isRegex",
			re != NULL && json_is_true(re), "isEqual", eq == NULL || json_is_true(eq)));
	}
	return out;
}

/* A silence as made: where, its id, its time. */
struct made {
	const char *cluster, *id, *starts, *ends;
};

/* make_silence silences, in the Alertmanager of the cluster that alert_id fires on (all its
 * labels as exact matchers) or of cluster_ref (with the matchers given), for minutes, saying
 * comment. The audit row waits in a transaction for the Alertmanager's answer: both, or neither.
 * Returns 0 with *out set, or the status answered (422 naming the field at fault). */
static int
make_silence(struct req *r, const char *alert_id, const char *cluster_ref, json_t *given, long minutes,
    const char *comment, struct made *out)
{
	const char *why = NULL;
	json_t *matchers, *body, *reply;
	struct am_call call;
	struct alert *al = NULL;
	struct cluster *c;
	time_t now = time(NULL);
	int st;

	if (comment == NULL || *comment == '\0' || strlen(comment) > 1000)
		return req_fail_field(r, "comment", "say why, in 1 to 1,000 characters");
	if (minutes < 1 || minutes > SILENCE_MINUTES_MAX)
		return req_fail_field(
		    r, "duration_minutes", "a whole number of minutes from 1 to 43200 (30 days)");
	if (alert_id != NULL) {
		enum err e = alert_get(r->w->db, r->a, alert_id, &al);

		if (e == ERR_NOTFOUND)
			return req_fail(r, 404, "no alert has this id");
		if (e != ERR_OK)
			return req_fail_err(r, e, "get alert");
		if ((st = find_cluster(r, al->cluster_id, &c)) != 0)
			return st;
		matchers = matchers_from_labels(r->a, al->labels);
	} else {
		if ((st = find_cluster(r, cluster_ref, &c)) != 0)
			return st;
		if ((matchers = matchers_checked(r->a, given, &why)) == NULL)
			return req_fail_field(r, "matchers", why);
	}
	out->cluster = c->name;
	out->starts = rfc3339(r->a, now);
	out->ends = rfc3339(r->a, now + 60 * (time_t)minutes);
	body = json_own(r->a,
	    json_pack("{s:O, s:s, s:s, s:s, s:s}", "matchers", matchers, "startsAt", out->starts, "endsAt",
		out->ends, "createdBy", r->id->username, "comment", comment));
	am_prepare(r, &call, c, "POST", "/api/v2/silences", json_text(r->a, body));
	if ((st = ident_tx_begin(r)) != 0)
		return st;
	if (ident_audit(r, NULL, "silence.create", arena_printf(r->a, "cluster:%s", c->name),
		json_own(r->a,
		    json_pack("{s:O, s:s, s:s?}", "matchers", matchers, "ends_at", out->ends, "alert_id",
			alert_id))) != ERR_OK)
		return ident_tx_end(
		    r, req_fail(r, 503, "the audit log cannot be written; nothing was silenced"));
	if ((why = am_run(r, &call)) != NULL) {
		http_release(&call.h);
		return ident_tx_end(r, req_fail(r, call.refused != NULL ? 409 : 502, why));
	}
	reply = json_own(r->a, json_loadb(call.h.body.p, call.h.body.len, 0, NULL));
	http_release(&call.h);
	if ((out->id = json_str(reply, "silenceID")) == NULL)
		return ident_tx_end(
		    r, req_fail(r, 502, "the Alertmanager took the silence but gave no silenceID"));
	return ident_tx_end(r, 0);
}

int
res_silences_create(struct req *r)
{
	json_t *dur = json_object_get(r->json, "duration_minutes");
	struct made m;
	struct jw w;
	int st;

	if (!json_is_integer(dur))
		return req_fail_field(
		    r, "duration_minutes", "a whole number of minutes from 1 to 43200 (30 days)");
	if ((st = make_silence(r, json_str(r->json, "alert_id"), json_str(r->json, "cluster"),
		 json_object_get(r->json, "matchers"), (long)json_integer_value(dur),
		 json_str(r->json, "comment"), &m)) != 0)
		return st;
	req_jw_begin(r, &w);
	jw_object(&w);
	JW_KEY(&w, "cluster");
	jw_string(&w, m.cluster);
	JW_KEY(&w, "silence_id");
	jw_string(&w, m.id);
	JW_KEY(&w, "starts_at");
	jw_string(&w, m.starts);
	JW_KEY(&w, "ends_at");
	jw_string(&w, m.ends);
	jw_end_object(&w);
	return req_jw_done(r, 201);
}

int
res_alerts_silence_form(struct req *r)
{
	const char *id = kv_get(&r->params, "id"), *hours = kv_get(&r->form, "hours");
	char *end = NULL;
	double h = hours != NULL ? strtod(hours, &end) : 0;
	struct made m;
	int st;

	if (end == NULL || *end != '\0' || h <= 0 || h * 60 > SILENCE_MINUTES_MAX)
		st = req_fail_field(r, "hours", "how long, in hours (up to 720)");
	else
		st = make_silence(r, id, NULL, NULL, (long)(h * 60 + 0.5), kv_get(&r->form, "comment"), &m);
	if (st == 422 || st == 409 || st == 502) {
		req_flash(r, arena_printf(r->a, "Not silenced: %s", req_take_failure(r)));
		return req_redirect(r, arena_printf(r->a, "/alerts/%s", id));
	}
	if (st != 0)
		return st;
	req_flash(r,
	    arena_printf(
		r->a, "Silenced in %s's Alertmanager until %s (silence %s).", m.cluster, m.ends, m.id));
	return req_redirect(r, arena_printf(r->a, "/alerts/%s", id));
}

/* ask_fleet asks GET /api/v2/silences of every cluster with an Alertmanager (only those named in
 * only, when it is not NULL), all at once. Returns the calls (arena memory; their answers in
 * calls[i].h) and their count in *m, or NULL when the clusters cannot be listed (answered). */
static struct am_call *
ask_fleet(struct req *r, const char **only, int *m)
{
	struct cluster *items;
	struct am_call *calls;
	struct http_req **reqs;
	int n, k = 0;
	enum err e;

	*m = 0;
	if ((e = cluster_health_targets(r->w->db, r->a, 1, 1, &items, &n)) != ERR_OK) {
		req_fail_err(r, e, "list clusters");
		return NULL;
	}
	calls = arena_alloc(r->a, sizeof(*calls) * (size_t)(n + 1));
	reqs = arena_alloc(r->a, sizeof(*reqs) * (size_t)(n + 1));
	for (int i = 0; i < n; i++) {
		bool wanted = only == NULL;

		for (int j = 0; only != NULL && only[j] != NULL; j++)
			wanted |= strcmp(only[j], items[i].name) == 0;
		if (!wanted || items[i].alertmanager_url == NULL || items[i].alertmanager_url[0] == '\0')
			continue;
		am_prepare(r, &calls[*m], &items[i], NULL, "/api/v2/silences", NULL);
		if (calls[*m].refused == NULL)
			reqs[k++] = &calls[*m].h;
		(*m)++;
	}
	/* Every Alertmanager at once; one that fails is reported, the others answer. */
	http_run(reqs, k, (int)cfg_int("collect.concurrency"));
	return calls;
}

/* answered returns the silences call i got (a JSON array owned by the arena), or NULL when it
 * failed. */
static json_t *
answered(struct req *r, struct am_call *call)
{
	json_t *arr;

	if (am_outcome(r, call) != NULL)
		return NULL;
	arr = json_own(r->a, json_loadb(call->h.body.p, call->h.body.len, 0, NULL));
	return json_is_array(arr) ? arr : NULL;
}

/* release_fleet lets go of the calls' answers and wipes what they borrowed. */
static void
release_fleet(struct am_call *calls, int m)
{
	for (int i = 0; i < m; i++) {
		http_release(&calls[i].h);
		credential_wipe(calls[i].secrets);
	}
}

int
res_silences_list(struct req *r)
{
	struct am_call *calls;
	struct jw w;
	int m;

	if ((calls = ask_fleet(r, list_values(r, "cluster"), &m)) == NULL)
		return r->status;
	req_jw_begin(r, &w);
	jw_object(&w);
	JW_KEY(&w, "items");
	jw_array(&w);
	for (int i = 0; i < m; i++) {
		json_t *arr = answered(r, &calls[i]), *s;
		size_t j;

		json_array_foreach (arr, j, s) {
			if (!json_is_object(s))
				continue;
			jw_object(&w);
			JW_KEY(&w, "cluster");
			jw_string(&w, calls[i].c->name);
			JW_KEY(&w, "silence");
			jw_raw(&w, json_text(r->a, s));
			jw_end_object(&w);
		}
	}
	jw_end_array(&w);
	JW_KEY(&w, "clusters");
	jw_array(&w);
	for (int i = 0; i < m; i++) {
		const char *why = am_outcome(r, &calls[i]);

		jw_object(&w);
		JW_KEY(&w, "cluster");
		jw_string(&w, calls[i].c->name);
		JW_KEY(&w, "outcome");
		jw_string(&w, why == NULL ? "ok" : "failed");
		JW_KEY(&w, "error");
		jw_string(&w, why);
		jw_end_object(&w);
	}
	jw_end_array(&w);
	jw_end_object(&w);
	release_fleet(calls, m);
	return req_jw_done(r, 200);
}

/* ---- The fleet's silences as one Alertmanager's (API v2), for amtool and the like ---- */

int
res_amapi_silences(struct req *r)
{
	struct am_call *calls;
	json_t *out;
	struct jw w;
	int m;

	if ((calls = ask_fleet(r, NULL, &m)) == NULL)
		return r->status;
	out = json_own(r->a, json_array());
	/* Each silence carries a cluster matcher: which Alertmanager it lives in. */
	for (int i = 0; i < m; i++) {
		json_t *arr = answered(r, &calls[i]), *s;
		size_t j;

		if (arr == NULL)
			log_warn(r->request_id, "%s", am_outcome(r, &calls[i]));
		json_array_foreach (arr, j, s) {
			json_t *ms = json_object_get(s, "matchers");

			if (!json_is_object(s) || !json_is_array(ms))
				continue;
			json_array_append_new(ms,
			    json_pack("{s:s, s:s, s:b, s:b}", "name", "cluster", "value", calls[i].c->name,
				"isRegex", 0, "isEqual", 1));
			json_array_append(out, s);
		}
	}
	release_fleet(calls, m);
	req_jw_begin(r, &w);
	jw_raw(&w, json_text(r->a, out));
	return req_jw_done(r, 200);
}

int
res_amapi_silence_add(struct req *r)
{
	json_t *ms = json_object_get(r->json, "matchers"), *rest, *m;
	const char *cluster = NULL, *starts = json_str(r->json, "startsAt"),
		   *ends = json_str(r->json, "endsAt");
	struct made made;
	struct jw w;
	time_t now = time(NULL);
	struct tm tm = { 0 };
	long minutes;
	size_t i;
	int st;

	if (!json_is_array(ms))
		return req_fail(r, 400, "matchers is missing");
	rest = json_own(r->a, json_array());
	json_array_foreach (ms, i, m) {
		const char *name = json_str(m, "name");

		if (name != NULL && strcmp(name, "cluster") == 0 &&
		    !json_is_true(json_object_get(m, "isRegex")) &&
		    !json_is_false(json_object_get(m, "isEqual")))
			cluster = json_str(m, "value");
		else
			json_array_append(rest, m);
	}
	if (cluster == NULL)
		return req_fail(r, 400,
		    "a silence here needs a cluster=\"NAME\" matcher: the cluster whose "
		    "Alertmanager takes it");
	/* Its length is what counts; it starts now, as made here. */
	if (ends == NULL || !text_rfc3339_ok(ends) || strptime(ends, "%Y-%m-%dT%H:%M:%S", &tm) == NULL)
		return req_fail(r, 400, "endsAt is an RFC 3339 time");
	(void)starts;
	minutes = (long)((timegm(&tm) - now) / 60);
	if ((st = make_silence(r, NULL, cluster, rest, minutes < 1 ? 1 : minutes,
		 json_str(r->json, "comment"), &made)) != 0)
		return st == 422 ? req_fail(r, 400, req_take_failure(r)) : st;
	req_jw_begin(r, &w);
	jw_object(&w);
	JW_KEY(&w, "silenceID");
	jw_string(&w, made.id);
	jw_end_object(&w);
	return req_jw_done(r, 200);
}

int
res_silences_expire(struct req *r)
{
	const char *id = kv_get(&r->params, "id"), *why;
	struct am_call call;
	struct cluster *c;
	int st;

	if (id == NULL || strlen(id) > 64 || strspn(id, "0123456789abcdefABCDEF-") != strlen(id))
		return req_fail(r, 404, "no silence has this id");
	if ((st = find_cluster(r, kv_get(&r->query, "cluster"), &c)) != 0)
		return st;
	am_prepare(r, &call, c, "DELETE", arena_printf(r->a, "/api/v2/silence/%s", id), NULL);
	if ((st = ident_tx_begin(r)) != 0)
		return st;
	if (ident_audit(r, NULL, "silence.expire", arena_printf(r->a, "cluster:%s", c->name),
		json_own(r->a, json_pack("{s:s}", "silence_id", id))) != ERR_OK)
		return ident_tx_end(
		    r, req_fail(r, 503, "the audit log cannot be written; nothing was expired"));
	if ((why = am_run(r, &call)) != NULL) {
		st = call.h.status == 404 ? req_fail(r, 404, "the Alertmanager has no silence with this id")
					  : req_fail(r, call.refused != NULL ? 409 : 502, why);
		http_release(&call.h);
		return ident_tx_end(r, st);
	}
	http_release(&call.h);
	if ((st = ident_tx_end(r, 0)) != 0)
		return st;
	r->status = 204;
	r->body_set = true;
	return 204;
}
