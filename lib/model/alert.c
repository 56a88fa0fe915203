/* alert.c: the intake of Alertmanager's webhook: validation and one idempotent upsert. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "arena.h"
#include "db.h"
#include "json.h"
#include "text.h"

/* label_name_ok accepts a Prometheus label name: [a-zA-Z_][a-zA-Z0-9_]*. */
static bool
label_name_ok(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
		return false;
	for (s++; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
			*s == '_'))
			return false;
	return true;
}

/* pairs_fault checks that v is an object of at most ALERT_PAIRS_MAX string members whose names are
 * label names when names is true; NULL when it is, else the fault (static). */
static const char *
pairs_fault(json_t *v, bool names)
{
	const char *k;
	json_t *m;

	if (!json_is_object(v))
		return "is not an object";
	if (json_object_size(v) > ALERT_PAIRS_MAX)
		return "has more than 128 members";
	json_object_foreach (v, k, m) {
		if (!json_is_string(m))
			return "has a value that is not a string";
		if (names && !label_name_ok(k))
			return "has a name that is not a label name ([a-zA-Z_][a-zA-Z0-9_]*)";
	}
	return NULL;
}

static const char *
str_member(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* one_alert checks alert i of a payload into in; NULL when it is good, else the fault. */
static const char *
one_alert(struct arena *a, json_t *j, int i, struct alert_in *in)
{
	const char *fault, *fp, *ends;
	json_t *v;

	memset(in, 0, sizeof(*in));
	if (!json_is_object(j))
		return arena_printf(a, "alerts[%d] is not an object", i);
	in->status = str_member(j, "status");
	if (in->status == NULL || (strcmp(in->status, "firing") != 0 && strcmp(in->status, "resolved") != 0))
		return arena_printf(a, "alerts[%d].status must be \"firing\" or \"resolved\"", i);
	if ((fault = pairs_fault(in->labels = json_object_get(j, "labels"), true)) != NULL)
		return arena_printf(a, "alerts[%d].labels %s", i, fault);
	if (json_object_size(in->labels) == 0)
		return arena_printf(a, "alerts[%d].labels is empty", i);
	in->annotations = json_object_get(j, "annotations");
	if ((fault = pairs_fault(in->annotations, false)) != NULL)
		return arena_printf(a, "alerts[%d].annotations %s", i, fault);
	in->starts_at = str_member(j, "startsAt");
	if (in->starts_at == NULL || !text_rfc3339_ok(in->starts_at))
		return arena_printf(a, "alerts[%d].startsAt is not an RFC 3339 time", i);
	ends = str_member(j, "endsAt");
	if ((v = json_object_get(j, "endsAt")) != NULL && !json_is_null(v) &&
	    (ends == NULL || !text_rfc3339_ok(ends)))
		return arena_printf(a, "alerts[%d].endsAt is not an RFC 3339 time", i);
	/* A firing alert carries Alertmanager's zero time, "0001-01-01T00:00:00Z": no end yet. */
	in->ends_at = ends == NULL || strncmp(ends, "0001-01-01T", 11) == 0 ? NULL : ends;
	in->generator_url = str_member(j, "generatorURL");
	if ((v = json_object_get(j, "generatorURL")) != NULL && !json_is_null(v) && in->generator_url == NULL)
		return arena_printf(a, "alerts[%d].generatorURL is not a string", i);
	if (in->generator_url == NULL)
		in->generator_url = "";
	fp = str_member(j, "fingerprint");
	if ((v = json_object_get(j, "fingerprint")) != NULL && !json_is_null(v)) {
		if (fp == NULL || strlen(fp) != 16 || strspn(fp, "0123456789abcdef") != 16)
			return arena_printf(a, "alerts[%d].fingerprint is not 16 lower-case hex digits", i);
		in->fingerprint = fp;
	} else {
		char *mine = arena_alloc(a, 17);

		alert_fingerprint(in->labels, mine);
		in->fingerprint = mine;
	}
	in->alertname = str_member(in->labels, "alertname");
	in->severity = str_member(in->labels, "severity");
	if (in->alertname == NULL)
		in->alertname = "";
	if (in->severity == NULL)
		in->severity = "";
	return NULL;
}

enum err
alert_webhook_parse(struct arena *a, json_t *body, struct alert_batch *out, const char **why)
{
	const char *version;
	json_t *alerts, *t, *empty;
	size_t i;

	memset(out, 0, sizeof(*out));
	*why = NULL;
	if (!json_is_object(body)) {
		*why = "the body is not a JSON object";
		return ERR_INPUT;
	}
	version = str_member(body, "version");
	if (version == NULL || strcmp(version, "4") != 0) {
		*why = version == NULL
		    ? "version is missing: this takes Alertmanager's webhook, version \"4\""
		    : arena_printf(a, "version \"%s\" is not supported; send version \"4\"", version);
		return ERR_INPUT;
	}
	alerts = json_object_get(body, "alerts");
	if (!json_is_array(alerts)) {
		*why = "alerts is missing or not an array";
		return ERR_INPUT;
	}
	if (json_array_size(alerts) > ALERT_PAYLOAD_MAX) {
		*why = arena_printf(a, "more than %d alerts in one payload", ALERT_PAYLOAD_MAX);
		return ERR_TOOBIG;
	}
	if ((t = json_object_get(body, "truncatedAlerts")) != NULL && !json_is_null(t)) {
		if (!json_is_integer(t) || json_integer_value(t) < 0) {
			*why = "truncatedAlerts is not a count";
			return ERR_INPUT;
		}
		out->truncated = (long)json_integer_value(t);
	}
	out->items = arena_alloc(a, sizeof(*out->items) * (json_array_size(alerts) + 1));
	empty = json_own(a, json_object());
	json_array_foreach (alerts, i, t) {
		struct alert_in *in = &out->items[out->n];
		json_t *ann = json_object_get(t, "annotations");

		/* An absent or null annotations member is an empty set, not a fault. */
		if (json_is_object(t) && (ann == NULL || json_is_null(ann)))
			json_object_set(t, "annotations", empty);
		if ((*why = one_alert(a, t, (int)i, in)) != NULL)
			return ERR_INPUT;
		out->n++;
	}
	return ERR_OK;
}

/* read_changes reads the changed alerts a statement returned (id, fingerprint, status, alertname,
 * severity) into arena memory, their count in *n. */
static struct alert_change *
read_changes(struct arena *a, struct dbres *res, int *n)
{
	struct alert_change *out;

	*n = dbres_rows(res);
	out = arena_alloc(a, sizeof(*out) * (size_t)(*n + 1));
	for (int i = 0; i < *n; i++) {
		out[i].id = dbres_get(res, i, 0);
		out[i].fingerprint = dbres_get(res, i, 1);
		out[i].status = dbres_get(res, i, 2);
		out[i].alertname = dbres_get(res, i, 3);
		out[i].severity = dbres_get(res, i, 4);
	}
	return out;
}

/* names_ok says whether v is absent, null or an array of at most 64 strings of at most 256 bytes. */
static bool
names_ok(json_t *v)
{
	size_t i;
	json_t *s;

	if (v == NULL || json_is_null(v))
		return true;
	if (!json_is_array(v) || json_array_size(v) > 64)
		return false;
	json_array_foreach (v, i, s)
		if (!json_is_string(s) || json_string_length(s) > 256)
			return false;
	return true;
}

enum err
alert_api_parse(struct arena *a, json_t *body, struct alert_batch *out, const char **why)
{
	json_t *j, *st, *empty = json_own(a, json_object()), *none = json_own(a, json_array());
	size_t i;

	memset(out, 0, sizeof(*out));
	*why = NULL;
	if (!json_is_array(body)) {
		*why = "the answer is not a JSON array of alerts";
		return ERR_INPUT;
	}
	if (json_array_size(body) > ALERT_PAYLOAD_MAX) {
		*why = arena_printf(a, "more than %d alerts", ALERT_PAYLOAD_MAX);
		return ERR_TOOBIG;
	}
	out->items = arena_alloc(a, sizeof(*out->items) * (json_array_size(body) + 1));
	json_array_foreach (body, i, j) {
		struct alert_in *in = &out->items[out->n];
		json_t *w = json_own(a, json_object());
		const char *k;
		json_t *v;

		if (!json_is_object(j)) {
			*why = arena_printf(a, "alerts[%zu] is not an object", i);
			return ERR_INPUT;
		}
		/* In the webhook's shape, so that one set of checks reads both: every listed alert is
		 * active, whatever its endsAt (Alertmanager's own expiry, in the future). */
		json_object_foreach (j, k, v)
			if (strcmp(k, "labels") == 0 || strcmp(k, "annotations") == 0 ||
			    strcmp(k, "startsAt") == 0 || strcmp(k, "generatorURL") == 0 ||
			    strcmp(k, "fingerprint") == 0)
				json_object_set(w, k, v);
		json_object_set_new(w, "status", json_string("firing"));
		if (json_object_get(w, "annotations") == NULL ||
		    json_is_null(json_object_get(w, "annotations")))
			json_object_set(w, "annotations", empty);
		if ((*why = one_alert(a, w, (int)i, in)) != NULL)
			return ERR_INPUT;
		st = json_object_get(j, "status");
		in->silenced_by = json_object_get(st, "silencedBy");
		in->inhibited_by = json_object_get(st, "inhibitedBy");
		if (!names_ok(in->silenced_by) || !names_ok(in->inhibited_by)) {
			*why = arena_printf(
			    a, "alerts[%zu].status: silencedBy and inhibitedBy are lists of ids", i);
			return ERR_INPUT;
		}
		if (in->silenced_by == NULL || json_is_null(in->silenced_by))
			in->silenced_by = none;
		if (in->inhibited_by == NULL || json_is_null(in->inhibited_by))
			in->inhibited_by = none;
		out->n++;
	}
	return ERR_OK;
}

static const struct db_stmt st_reconcile = { "alert_reconcile",
	"WITH input AS (SELECT DISTINCT ON (fingerprint, starts_at) * FROM jsonb_to_recordset($2::jsonb) "
	"AS x(fingerprint text, starts_at timestamptz, alertname text, severity text, labels jsonb, "
	"annotations jsonb, generator_url text, silenced_by text[], inhibited_by text[]) "
	"ORDER BY fingerprint, starts_at), "
	"old AS (SELECT a.fingerprint, a.starts_at, a.status, a.silenced_by FROM alerts a JOIN input i ON "
	"a.cluster_id = $1::uuid AND a.fingerprint = i.fingerprint AND a.starts_at = i.starts_at), "
	"up AS (INSERT INTO alerts AS a (cluster_id, fingerprint, starts_at, status, alertname, severity, "
	"labels, annotations, generator_url, silenced_by, inhibited_by, reconciled_at) SELECT $1::uuid, "
	"fingerprint, starts_at, 'firing', alertname, severity, labels, annotations, generator_url, "
	"silenced_by, inhibited_by, now() FROM input ON CONFLICT ON CONSTRAINT alerts_key DO UPDATE SET "
	"silenced_by = EXCLUDED.silenced_by, inhibited_by = EXCLUDED.inhibited_by, reconciled_at = now(), "
	"status = 'firing', ends_at = NULL, resolved_by_reconcile = false "
	"WHERE a.status = 'firing' OR a.resolved_by_reconcile "
	"RETURNING a.id, a.fingerprint, a.starts_at, a.status, a.alertname, a.severity, a.silenced_by), "
	"gone AS (UPDATE alerts a SET status = 'resolved', ends_at = now(), updated_at = now(), "
	"resolved_by_reconcile = true, silenced_by = '{}', inhibited_by = '{}' WHERE a.cluster_id = $1::uuid "
	"AND a.status = 'firing' AND a.starts_at < $3::timestamptz AND a.updated_at < $3::timestamptz AND "
	"NOT EXISTS (SELECT 1 FROM input i WHERE i.fingerprint = a.fingerprint AND i.starts_at = "
	"a.starts_at) "
	"RETURNING a.id, a.fingerprint, a.starts_at, a.status, a.alertname, a.severity), "
	"changed AS (SELECT up.id, up.fingerprint, up.starts_at, up.status, up.alertname, up.severity FROM "
	"up LEFT JOIN old USING (fingerprint, starts_at) WHERE old.status IS DISTINCT FROM up.status "
	"UNION ALL SELECT * FROM gone), "
	"muted AS (SELECT up.id, up.starts_at, cardinality(up.silenced_by) > 0 AS now, up.silenced_by FROM "
	"up LEFT JOIN old USING (fingerprint, starts_at) WHERE (cardinality(up.silenced_by) > 0) IS "
	"DISTINCT FROM (cardinality(coalesce(old.silenced_by, '{}')) > 0)), "
	"ev AS (INSERT INTO alert_events (alert_id, alert_starts_at, kind, actor, detail) SELECT id, "
	"starts_at, CASE status WHEN 'firing' THEN 'fired' ELSE 'resolved' END, 'reconciliation', NULL FROM "
	"changed UNION ALL SELECT id, starts_at, CASE WHEN now THEN 'silenced' ELSE 'unsilenced' END, "
	"'Alertmanager', CASE WHEN now THEN jsonb_build_object('comment', array_to_string(silenced_by, "
	"', ')) END FROM muted) "
	"SELECT id, fingerprint, status, alertname, severity FROM changed ORDER BY id",
	3 };

enum err
alert_reconcile(struct db *db, struct arena *a, const char *cluster_id, const struct alert_batch *b,
    const char *fetched_at, struct alert_change **changes, int *n)
{
	json_t *rows = json_own(a, json_array());
	const char *p[3];
	struct dbres *res;
	enum err e;

	*changes = NULL;
	*n = 0;
	for (int i = 0; i < b->n; i++) {
		const struct alert_in *in = &b->items[i];

		json_array_append_new(rows,
		    json_pack("{s:s, s:s, s:s, s:s, s:O, s:O, s:s, s:O, s:O}", "fingerprint", in->fingerprint,
			"starts_at", in->starts_at, "alertname", in->alertname, "severity", in->severity,
			"labels", in->labels, "annotations", in->annotations, "generator_url",
			in->generator_url, "silenced_by", in->silenced_by, "inhibited_by", in->inhibited_by));
	}
	p[0] = cluster_id;
	if ((p[1] = json_text(a, rows)) == NULL)
		return ERR_INTERNAL;
	p[2] = fetched_at;
	if ((e = db_exec(db, &st_reconcile, p, a, &res)) != ERR_OK)
		return e;
	*changes = read_changes(a, res, n);
	return ERR_OK;
}

/* The upsert: input deduplicated (a resolved copy wins), the state before the statement (a CTE
 * reads the snapshot), the rows inserted or changed, and the changes of state with their history
 * rows. A firing copy never reopens an alert a webhook resolved with the same startsAt: Prometheus
 * gives an alert that fires again a new one, so that copy is a late redelivery. It does reopen one
 * that only the reconciliation resolved (Alertmanager had lost it, and has it again). */
static const struct db_stmt st_ingest = { "alert_ingest",
	"WITH input AS (SELECT DISTINCT ON (fingerprint, starts_at) * FROM jsonb_to_recordset($2::jsonb) "
	"AS x(fingerprint text, status text, starts_at timestamptz, ends_at timestamptz, alertname text, "
	"severity text, labels jsonb, annotations jsonb, generator_url text) "
	"ORDER BY fingerprint, starts_at, (status = 'resolved') DESC), "
	"old AS (SELECT a.fingerprint, a.starts_at, a.status FROM alerts a JOIN input i ON "
	"a.cluster_id = $1::uuid AND a.fingerprint = i.fingerprint AND a.starts_at = i.starts_at), "
	"up AS (INSERT INTO alerts AS a (cluster_id, fingerprint, starts_at, ends_at, status, alertname, "
	"severity, labels, annotations, generator_url) SELECT $1::uuid, fingerprint, starts_at, ends_at, "
	"status, alertname, severity, labels, annotations, generator_url FROM input "
	"ON CONFLICT ON CONSTRAINT alerts_key DO UPDATE SET status = EXCLUDED.status, ends_at = "
	"EXCLUDED.ends_at, annotations = EXCLUDED.annotations, generator_url = EXCLUDED.generator_url, "
	"updated_at = now(), resolved_by_reconcile = false WHERE NOT (a.status = 'resolved' AND "
	"EXCLUDED.status = 'firing' AND NOT a.resolved_by_reconcile) AND "
	"(a.status, a.ends_at, a.annotations, a.generator_url) IS DISTINCT FROM (EXCLUDED.status, "
	"EXCLUDED.ends_at, EXCLUDED.annotations, EXCLUDED.generator_url) "
	"RETURNING a.id, a.fingerprint, a.starts_at, a.status, a.alertname, a.severity), "
	"changed AS (SELECT up.* FROM up LEFT JOIN old USING (fingerprint, starts_at) "
	"WHERE old.status IS DISTINCT FROM up.status), "
	"ev AS (INSERT INTO alert_events (alert_id, alert_starts_at, kind) SELECT id, starts_at, CASE status "
	"WHEN 'firing' THEN 'fired' ELSE 'resolved' END FROM changed), "
	"tok AS (UPDATE cluster_ingest_tokens SET last_delivery_at = now(), watchdog_at = CASE WHEN "
	"EXISTS (SELECT 1 FROM input WHERE status = 'firing' AND alertname IN ('Watchdog', "
	"'DeadMansSwitch')) THEN now() ELSE watchdog_at END WHERE cluster_id = $1::uuid) "
	"SELECT id, fingerprint, status, alertname, severity FROM changed ORDER BY id",
	2 };

enum err
alert_ingest(struct db *db, struct arena *a, const char *cluster_id, const struct alert_batch *b,
    struct alert_change **changes, int *n)
{
	json_t *rows = json_own(a, json_array());
	const char *p[2];
	struct dbres *res;
	enum err e;

	*changes = NULL;
	*n = 0;
	for (int i = 0; i < b->n; i++) {
		const struct alert_in *in = &b->items[i];

		json_array_append_new(rows,
		    json_pack("{s:s, s:s, s:s, s:s?, s:s, s:s, s:O, s:O, s:s}", "fingerprint",
			in->fingerprint, "status", in->status, "starts_at", in->starts_at, "ends_at",
			in->ends_at, "alertname", in->alertname, "severity", in->severity, "labels",
			in->labels, "annotations", in->annotations, "generator_url", in->generator_url));
	}
	p[0] = cluster_id;
	if ((p[1] = json_text(a, rows)) == NULL)
		return ERR_INTERNAL;
	if ((e = db_exec(db, &st_ingest, p, a, &res)) != ERR_OK)
		return e;
	*changes = read_changes(a, res, n);
	return ERR_OK;
}

static const struct db_stmt st_ack = { "alert_ack",
	"WITH up AS (UPDATE alerts SET acked_by = $2, acked_at = now(), ack_comment = $3 WHERE id = "
	"$1::bigint AND status = 'firing' RETURNING id, fingerprint, status, alertname, severity, "
	"cluster_id, starts_at), ev AS (INSERT INTO alert_events (alert_id, alert_starts_at, kind, actor, "
	"detail) SELECT id, starts_at, 'acked', $2, jsonb_build_object('comment', $3::text) FROM up) "
	"SELECT id, fingerprint, status, alertname, severity, cluster_id FROM up",
	3 };

static const struct db_stmt st_unack = { "alert_unack",
	"WITH up AS (UPDATE alerts SET acked_by = NULL, acked_at = NULL, ack_comment = NULL WHERE id = "
	"$1::bigint AND acked_at IS NOT NULL RETURNING id, fingerprint, status, alertname, severity, "
	"cluster_id, starts_at), ev AS (INSERT INTO alert_events (alert_id, alert_starts_at, kind, actor) "
	"SELECT id, starts_at, 'unacked', $2 FROM up) SELECT id, fingerprint, status, alertname, severity, "
	"cluster_id FROM up",
	2 };

enum err
alert_ack(struct db *db, struct arena *a, const char *id, const char *by, const char *comment,
    struct alert_change *out, const char **cluster_id)
{
	const char *p[3] = { id, by, comment };
	struct dbres *res;
	enum err e;

	memset(out, 0, sizeof(*out));
	*cluster_id = NULL;
	if (!alert_id_ok(id))
		return ERR_NOTFOUND;
	if ((e = db_exec(db, comment != NULL ? &st_ack : &st_unack, p, a, &res)) != ERR_OK)
		return e;
	if (dbres_rows(res) == 0)
		return ERR_NOTFOUND;
	out->id = dbres_get(res, 0, 0);
	out->fingerprint = dbres_get(res, 0, 1);
	out->status = dbres_get(res, 0, 2);
	out->alertname = dbres_get(res, 0, 3);
	out->severity = dbres_get(res, 0, 4);
	*cluster_id = dbres_get(res, 0, 5);
	return ERR_OK;
}

bool
alert_id_ok(const char *id)
{
	return id != NULL && id[0] != '\0' && strlen(id) <= 18 && strspn(id, "0123456789") == strlen(id);
}

/* by_name orders label names byte-wise, as Go's sort.Strings does. */
static int
by_name(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

void
alert_fingerprint(json_t *labels, char *out)
{
	size_t n = json_object_size(labels), i = 0;
	const char **names = n > 0 ? malloc(n * sizeof(*names)) : NULL;
	uint64_t h = 14695981039346656037ULL;
	const char *k;
	json_t *v;

	if (n > 0 && names == NULL)
		abort();
	json_object_foreach (labels, k, v)
		names[i++] = k;
	if (n > 1)
		qsort(names, n, sizeof(*names), by_name);
	for (i = 0; i < n; i++) {
		const char *parts[2] = { names[i], json_string_value(json_object_get(labels, names[i])) };

		for (int p = 0; p < 2; p++) {
			for (const unsigned char *s = (const unsigned char *)(parts[p] ? parts[p] : ""); *s;
			     s++) {
				h ^= *s;
				h *= 1099511628211ULL;
			}
			h ^= 0xff;
			h *= 1099511628211ULL;
		}
	}
	free(names);
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}
