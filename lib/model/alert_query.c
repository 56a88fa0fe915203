/* alert_query.c: reading alerts: lists with filters and keyset pages, one alert, its history. */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "alert_query.h"
#include "arena.h"
#include "db.h"
#include "field.h"
#include "json.h"
#include "text.h"

static const char *const alert_states[] = { "firing", "resolved" };

/* What an acknowledgement takes from a person or a program. */
const struct field alert_ack_fields[] = {
	{ FIELD_NAME("comment"), FIELD_TEXT, FIELD_JSON | FIELD_FORM | FIELD_REQUIRED,
	    .in = FIELD_AT(struct alert_ack_in, comment), .max = 1000,
	    .missing = "say in a comment what is being done about it" },
	{ NULL },
};

const struct field alert_fields[] = {
	{ FIELD_NAME("id"), FIELD_TEXT, FIELD_JSON | FIELD_LIST | FIELD_DETAIL,
	    .out = FIELD_AT(struct alert, id) },
	{ FIELD_NAME("cluster"), FIELD_TEXT, FIELD_JSON | FIELD_LIST | FIELD_DETAIL,
	    .out = FIELD_AT(struct alert, cluster) },
	{ FIELD_NAME("cluster_id"), FIELD_TEXT, FIELD_JSON | FIELD_DETAIL,
	    .out = FIELD_AT(struct alert, cluster_id) },
	{ FIELD_NAME("fingerprint"), FIELD_TEXT, FIELD_JSON | FIELD_DETAIL,
	    .out = FIELD_AT(struct alert, fingerprint) },
	{ FIELD_NAME("status"), FIELD_ENUM, FIELD_JSON | FIELD_LIST | FIELD_DETAIL,
	    .out = FIELD_AT(struct alert, status), .choices = alert_states, .nchoices = 2 },
	{ FIELD_NAME("alertname"), FIELD_TEXT, FIELD_JSON | FIELD_LIST | FIELD_DETAIL,
	    .out = FIELD_AT(struct alert, alertname) },
	{ FIELD_NAME("severity"), FIELD_TEXT, FIELD_JSON | FIELD_LIST | FIELD_DETAIL,
	    .out = FIELD_AT(struct alert, severity) },
	{ FIELD_NAME("starts_at"), FIELD_TIME, FIELD_JSON | FIELD_LIST | FIELD_DETAIL,
	    .out = FIELD_AT(struct alert, starts_at) },
	{ FIELD_NAME("ends_at"), FIELD_TIME, FIELD_JSON | FIELD_LIST | FIELD_DETAIL,
	    .out = FIELD_AT(struct alert, ends_at) },
	{ FIELD_NAME("updated_at"), FIELD_TIME, FIELD_JSON | FIELD_DETAIL,
	    .out = FIELD_AT(struct alert, updated_at) },
	{ FIELD_NAME("generator_url"), FIELD_URL, FIELD_JSON | FIELD_DETAIL,
	    .out = FIELD_AT(struct alert, generator_url), .link = "generator_link" },
	{ FIELD_NAME("labels"), FIELD_MAP, FIELD_JSON | FIELD_LIST | FIELD_DETAIL,
	    .out = FIELD_AT(struct alert, labels) },
	{ FIELD_NAME("annotations"), FIELD_MAP, FIELD_JSON | FIELD_LIST | FIELD_DETAIL,
	    .out = FIELD_AT(struct alert, annotations) },
	{ FIELD_NAME("acked_by"), FIELD_TEXT, FIELD_JSON | FIELD_LIST | FIELD_DETAIL,
	    .out = FIELD_AT(struct alert, acked_by) },
	{ FIELD_NAME("acked_at"), FIELD_TIME, FIELD_JSON | FIELD_LIST | FIELD_DETAIL,
	    .out = FIELD_AT(struct alert, acked_at) },
	{ FIELD_NAME("ack_comment"), FIELD_TEXT, FIELD_JSON | FIELD_LIST | FIELD_DETAIL,
	    .out = FIELD_AT(struct alert, ack_comment) },
	{ FIELD_NAME("silenced_by"), FIELD_STRINGS, FIELD_JSON | FIELD_LIST | FIELD_DETAIL,
	    .out = FIELD_AT(struct alert, silenced_by) },
	{ FIELD_NAME("inhibited_by"), FIELD_STRINGS, FIELD_JSON | FIELD_LIST | FIELD_DETAIL,
	    .out = FIELD_AT(struct alert, inhibited_by) },
	{ NULL },
};

/* The columns of alert_fields, in its order. */
#define COLS \
	"a.id, c.name, a.cluster_id, a.fingerprint, a.status, a.alertname, a.severity, a.starts_at, " \
	"a.ends_at, a.updated_at, a.generator_url, a.labels, a.annotations, a.acked_by, a.acked_at, " \
	"a.ack_comment, array_to_json(a.silenced_by), array_to_json(a.inhibited_by)"

/* The filters of struct alert_filter as $1..$8; a matcher's regex is anchored as Prometheus's.
 * Statements with these filters are planned with their values (replan): planned once for any of
 * them, the states' ORs alone make it a scan of every alert, history included. The states are
 * written per status, so that with the values the firing ones reduce to "status = 'firing' AND
 * ...", which the partial indexes on firing alerts serve (0014), and "resolved" to its own. */
#define WHERE \
	"FROM alerts a JOIN clusters c ON c.id = a.cluster_id WHERE ((a.status = 'firing' AND " \
	"('firing' = ANY($1::text[]) OR " \
	"('acknowledged' = ANY($1::text[]) AND a.acked_at IS NOT NULL) OR " \
	"('active' = ANY($1::text[]) AND a.silenced_by = '{}' AND " \
	"a.inhibited_by = '{}') OR " \
	"('silenced' = ANY($1::text[]) AND a.silenced_by <> '{}') OR " \
	"('inhibited' = ANY($1::text[]) AND a.inhibited_by <> '{}'))) OR " \
	"(a.status = 'resolved' AND 'resolved' = ANY($1::text[]))) " \
	"AND ($2::text[] IS NULL OR c.name = ANY($2::text[])) " \
	"AND ($3::text[] IS NULL OR a.severity = ANY($3::text[])) " \
	"AND ($4::text IS NULL OR a.alertname = $4) " \
	"AND ($5::text IS NULL OR strpos(lower(a.alertname || ' ' || coalesce(a.annotations->>'summary', " \
	"'') || ' ' || coalesce(a.annotations->>'description', '')), lower($5)) > 0) " \
	"AND ($6::jsonb IS NULL OR NOT EXISTS (SELECT 1 FROM jsonb_to_recordset($6::jsonb) " \
	"AS m(name text, op text, value text) WHERE NOT CASE m.op " \
	"WHEN '=' THEN coalesce(a.labels->>m.name, '') = m.value " \
	"WHEN '!=' THEN coalesce(a.labels->>m.name, '') <> m.value " \
	"WHEN '=~' THEN coalesce(a.labels->>m.name, '') ~ ('^(?:' || m.value || ')$') " \
	"ELSE coalesce(a.labels->>m.name, '') !~ ('^(?:' || m.value || ')$') END)) " \
	"AND ($7::timestamptz IS NULL OR a.starts_at >= $7::timestamptz) " \
	"AND ($8::timestamptz IS NULL OR a.starts_at < $8::timestamptz) "

static const struct db_stmt st_list = { "alert_list",
	"SELECT " COLS ", to_char(a.starts_at, 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') " WHERE
	"AND ($9::timestamptz IS NULL OR (a.starts_at, a.id) < ($9::timestamptz, $10::bigint)) "
	"ORDER BY a.starts_at DESC, a.id DESC LIMIT $11::int",
	11, .replan = true };

static const struct db_stmt st_counts[] = {
	{ "alert_counts_alertname", "SELECT a.alertname, count(*) " WHERE "GROUP BY 1 ORDER BY 2 DESC, 1", 8,
	    .replan = true },
	{ "alert_counts_cluster", "SELECT c.name, count(*) " WHERE "GROUP BY 1 ORDER BY 2 DESC, 1", 8,
	    .replan = true },
	{ "alert_counts_severity", "SELECT a.severity, count(*) " WHERE "GROUP BY 1 ORDER BY 2 DESC, 1", 8,
	    .replan = true },
};
static const char *const count_by[] = { "alertname", "cluster", "severity" };

static const struct db_stmt st_get = { "alert_get",
	"SELECT " COLS " FROM alerts a JOIN clusters c ON c.id = a.cluster_id WHERE a.id = $1::bigint", 1 };

static const struct db_stmt st_timeline = { "alert_timeline",
	"SELECT to_char(e.at, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), e.kind, e.actor, e.detail->>'comment' FROM "
	"alert_events e WHERE "
	"e.alert_id = $1::bigint ORDER BY e.id",
	1 };

static const struct db_stmt st_flaps = { "alert_flaps",
	"SELECT count(*) FROM alert_events e JOIN alerts a ON a.id = e.alert_id AND a.starts_at = "
	"e.alert_starts_at JOIN alerts b ON "
	"b.cluster_id = a.cluster_id AND b.fingerprint = a.fingerprint WHERE b.id = $1::bigint AND "
	"e.kind = 'fired' AND e.at > now() - interval '1 day'",
	1 };

static const struct db_stmt st_elsewhere = { "alert_elsewhere",
	"SELECT " COLS " FROM alerts a JOIN clusters c ON c.id = a.cluster_id WHERE a.status = 'firing' "
	"AND a.alertname = $1 AND a.cluster_id <> $2::uuid ORDER BY c.name, a.starts_at DESC LIMIT 50",
	2 };

const char *
alert_matcher_parse(struct arena *a, const char *s, struct alert_matcher *m)
{
	static const char *const ops[] = { "!=", "=~", "!~", "=" };
	size_t n = strcspn(s, "=!");
	const char *v;

	memset(m, 0, sizeof(*m));
	if (n == 0 || s[n] == '\0')
		return "a matcher is name=value, name!=value, name=~regex or name!~regex";
	m->name = arena_strndup(a, s, n);
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strncmp(s + n, ops[i], strlen(ops[i])) == 0) {
			m->op = ops[i];
			break;
		}
	if (m->op == NULL)
		return "a matcher's operator is =, !=, =~ or !~";
	for (const char *p = m->name; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_' ||
			(p > m->name && *p >= '0' && *p <= '9')))
			return "a matcher's name is a label name ([a-zA-Z_][a-zA-Z0-9_]*)";
	v = s + n + strlen(m->op);
	/* A quoted value, as amtool and Alertmanager write them. */
	if (v[0] == '"' && strlen(v) >= 2 && v[strlen(v) - 1] == '"')
		m->value = arena_strndup(a, v + 1, strlen(v) - 2);
	else
		m->value = v;
	if (m->op[1] == '~' && strlen(m->value) > ALERT_REGEX_MAX)
		return "a matcher's regular expression is longer than 256 bytes";
	return NULL;
}

/* params writes the filter's $1..$8 into p (arena memory). */
static void
params(struct arena *a, const struct alert_filter *f, const char **p)
{
	static const char *const firing[] = { "firing", NULL };
	json_t *ms;

	p[0] = db_text_array(a, f->states != NULL ? f->states : firing);
	p[1] = db_text_array(a, f->clusters);
	p[2] = db_text_array(a, f->severities);
	p[3] = f->alertname;
	p[4] = f->text != NULL && f->text[0] != '\0' ? f->text : NULL;
	p[5] = NULL;
	if (f->nmatchers > 0) {
		ms = json_own(a, json_array());
		for (int i = 0; i < f->nmatchers; i++)
			json_array_append_new(ms,
			    json_pack("{s:s, s:s, s:s}", "name", f->matchers[i].name, "op", f->matchers[i].op,
				"value", f->matchers[i].value));
		p[5] = json_text(a, ms);
	}
	p[6] = f->since;
	p[7] = f->until;
}

struct rowctx {
	struct dbres *res;
	int row;
};

static const char *
col(void *ctx, int i)
{
	struct rowctx *rc = ctx;

	return dbres_get(rc->res, rc->row, i);
}

/* load_rows fills n alerts from res (arena memory). */
static struct alert *
load_rows(struct arena *a, struct dbres *res, int n)
{
	struct alert *items = arena_alloc(a, sizeof(*items) * (size_t)(n + 1));

	memset(items, 0, sizeof(*items) * (size_t)(n + 1));
	for (int i = 0; i < n; i++) {
		struct rowctx rc = { res, i };

		field_load(alert_fields, &items[i], col, &rc);
	}
	return items;
}

enum err
alert_list(struct db *db, struct arena *a, const struct alert_filter *f, struct alert **items, int *n,
    const char **next_cursor)
{
	const char *p[11], *bar;
	struct dbres *res;
	enum err e;
	int got;

	*items = NULL;
	*n = 0;
	*next_cursor = NULL;
	params(a, f, p);
	p[8] = p[9] = NULL;
	/* A cursor is "starts_at|id" of the last alert shown. */
	if (f->cursor != NULL && f->cursor[0] != '\0') {
		if ((bar = strchr(f->cursor, '|')) == NULL ||
		    !text_rfc3339_ok(arena_strndup(a, f->cursor, (size_t)(bar - f->cursor))) ||
		    bar[1] == '\0' || strspn(bar + 1, "0123456789") != strlen(bar + 1) ||
		    strlen(bar + 1) > 18)
			return ERR_INPUT;
		p[8] = arena_strndup(a, f->cursor, (size_t)(bar - f->cursor));
		p[9] = bar + 1;
	}
	p[10] = arena_printf(a, "%d", f->limit + 1);
	if ((e = db_exec(db, &st_list, p, a, &res)) != ERR_OK)
		return e;
	got = dbres_rows(res);
	*n = got > f->limit ? f->limit : got;
	*items = load_rows(a, res, *n);
	/* The cursor carries the start to the microsecond (the shown time has whole seconds). */
	if (got > f->limit)
		*next_cursor = arena_printf(a, "%s|%s", dbres_get(res, *n - 1, 18), (*items)[*n - 1].id);
	return ERR_OK;
}

enum err
alert_list_all(struct db *db, struct arena *a, const struct alert_filter *f, int max, struct alert **items,
    int *n, bool *more)
{
	struct alert_filter page = *f;
	struct alert *got, *all = NULL;
	const char *next;
	int k, cap = 0;
	enum err e;

	*items = NULL;
	*n = 0;
	*more = false;
	page.limit = ALERT_LIST_MAX;
	page.cursor = NULL;
	do {
		if ((e = alert_list(db, a, &page, &got, &k, &next)) != ERR_OK)
			return e;
		if (*n + k > cap) {
			struct alert *bigger = arena_alloc(a, sizeof(*bigger) * (size_t)(cap = (*n + k) * 2));

			if (*n > 0)
				memcpy(bigger, all, sizeof(*all) * (size_t)*n);
			all = bigger;
		}
		for (int i = 0; i < k && *n < max; i++)
			all[(*n)++] = got[i];
		page.cursor = next;
	} while (next != NULL && *n < max);
	*more = next != NULL;
	*items = all;
	return ERR_OK;
}

enum err
alert_counts(
    struct db *db, struct arena *a, const struct alert_filter *f, const char *by, json_t **out, long *total)
{
	const char *p[8];
	struct dbres *res;
	size_t k;
	enum err e;

	*out = NULL;
	*total = 0;
	for (k = 0; k < sizeof(count_by) / sizeof(count_by[0]); k++)
		if (strcmp(by, count_by[k]) == 0)
			break;
	if (k == sizeof(count_by) / sizeof(count_by[0]))
		return ERR_INPUT;
	params(a, f, p);
	if ((e = db_exec(db, &st_counts[k], p, a, &res)) != ERR_OK)
		return e;
	*out = json_object();
	for (int i = 0; i < dbres_rows(res); i++) {
		long c = atol(dbres_get(res, i, 1));

		json_object_set_new(*out, dbres_get(res, i, 0), json_integer(c));
		*total += c;
	}
	return ERR_OK;
}

enum err
alert_get(struct db *db, struct arena *a, const char *id, struct alert **out)
{
	struct dbres *res;
	enum err e;

	*out = NULL;
	if (!alert_id_ok(id))
		return ERR_NOTFOUND;
	if ((e = db_exec(db, &st_get, &id, a, &res)) != ERR_OK)
		return e;
	if (dbres_rows(res) == 0)
		return ERR_NOTFOUND;
	*out = load_rows(a, res, 1);
	return ERR_OK;
}

enum err
alert_timeline(struct db *db, struct arena *a, const char *id, struct alert_moment **out, int *n, int *flaps)
{
	struct dbres *res;
	enum err e;

	*out = NULL;
	*n = *flaps = 0;
	if ((e = db_exec(db, &st_timeline, &id, a, &res)) != ERR_OK)
		return e;
	*n = dbres_rows(res);
	*out = arena_alloc(a, sizeof(**out) * (size_t)(*n + 1));
	for (int i = 0; i < *n; i++) {
		(*out)[i].at = dbres_get(res, i, 0);
		(*out)[i].kind = dbres_get(res, i, 1);
		(*out)[i].actor = dbres_get(res, i, 2);
		(*out)[i].comment = dbres_get(res, i, 3);
	}
	if ((e = db_exec(db, &st_flaps, &id, a, &res)) != ERR_OK)
		return e;
	*flaps = atoi(dbres_get(res, 0, 0));
	return ERR_OK;
}

enum err
alert_elsewhere(struct db *db, struct arena *a, const struct alert *al, struct alert **out, int *n)
{
	const char *p[2] = { al->alertname, al->cluster_id };
	struct dbres *res;
	enum err e;

	*out = NULL;
	*n = 0;
	if ((e = db_exec(db, &st_elsewhere, p, a, &res)) != ERR_OK)
		return e;
	*n = dbres_rows(res);
	*out = load_rows(a, res, *n);
	return ERR_OK;
}

/* A pipeline's state from what t (cluster_ingest_tokens) holds, a Watchdog older than $1 seconds
 * broken: one judgement for the pages and the collector. */
#define PIPELINE_STATE \
	"CASE WHEN t.watchdog_at IS NOT NULL AND t.watchdog_at < now() - make_interval(secs => " \
	"$1::int) THEN 'broken' WHEN t.watchdog_at IS NOT NULL THEN 'ok' WHEN t.last_delivery_at IS " \
	"NOT NULL THEN 'no-watchdog' ELSE 'waiting' END"
#define PIPELINE_TIMES \
	"to_char(t.last_delivery_at, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS delivered, " \
	"to_char(t.watchdog_at, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS watchdog"

static const struct db_stmt st_pipelines = { "alert_pipelines",
	"SELECT * FROM (SELECT c.name, c.id, " PIPELINE_TIMES ", " PIPELINE_STATE " AS state "
	"FROM cluster_ingest_tokens t JOIN clusters c ON c.id = t.cluster_id "
	"WHERE $2::uuid IS NULL OR c.id = $2::uuid) p ORDER BY state = 'broken' DESC, name",
	2 };

/* The row lock of the UPDATE serialises two collectors: the second finds the state already stored
 * and returns nothing. */
static const struct db_stmt st_pipelines_judge = { "alert_pipelines_judge",
	"UPDATE cluster_ingest_tokens s SET pipeline_state = j.state, pipeline_changed_at = now() FROM "
	"(SELECT t.cluster_id, c.name, " PIPELINE_TIMES ", " PIPELINE_STATE " AS state, "
	"t.pipeline_state AS was FROM cluster_ingest_tokens t JOIN clusters c ON c.id = t.cluster_id) j "
	"WHERE s.cluster_id = j.cluster_id AND s.pipeline_state <> j.state "
	"RETURNING j.name, j.cluster_id, j.delivered, j.watchdog, j.state, j.was",
	1 };

static const struct db_stmt st_firing = { "alert_firing_by_cluster",
	"SELECT c.name, c.id, count(*) FILTER (WHERE a.severity = 'critical'), count(*) FILTER (WHERE "
	"a.severity = 'warning'), count(*) FILTER (WHERE a.severity NOT IN ('critical', 'warning')) "
	"FROM alerts a JOIN clusters c ON c.id = a.cluster_id WHERE a.status = 'firing' AND a.alertname "
	"NOT IN ('Watchdog', 'DeadMansSwitch') AND ($1::uuid IS NULL OR c.id = $1::uuid) "
	"GROUP BY c.name, c.id ORDER BY 3 DESC, 4 DESC, 5 DESC, c.name",
	1 };

/* load_pipelines reads rows of name, id, last delivery, watchdog, state (and was, when judged)
 * into *out. */
static void
load_pipelines(struct arena *a, struct dbres *res, bool judged, struct alert_pipeline **out, int *n)
{
	*n = dbres_rows(res);
	*out = arena_alloc(a, sizeof(**out) * (size_t)(*n + 1));
	for (int i = 0; i < *n; i++) {
		(*out)[i].cluster = dbres_get(res, i, 0);
		(*out)[i].cluster_id = dbres_get(res, i, 1);
		(*out)[i].last_delivery_at = dbres_get(res, i, 2);
		(*out)[i].watchdog_at = dbres_get(res, i, 3);
		(*out)[i].state = dbres_get(res, i, 4);
		(*out)[i].was = judged ? dbres_get(res, i, 5) : NULL;
	}
}

enum err
alert_pipelines_judge(
    struct db *db, struct arena *a, int stale_seconds, struct alert_pipeline **changed, int *n)
{
	const char *p[1] = { arena_printf(a, "%d", stale_seconds) };
	struct dbres *res;
	enum err e;

	*changed = NULL;
	*n = 0;
	if ((e = db_exec(db, &st_pipelines_judge, p, a, &res)) != ERR_OK)
		return e;
	load_pipelines(a, res, true, changed, n);
	return ERR_OK;
}

enum err
alert_pipelines(struct db *db, struct arena *a, int stale_seconds, const char *cluster_id,
    struct alert_pipeline **out, int *n)
{
	const char *p[2] = { arena_printf(a, "%d", stale_seconds), cluster_id };
	struct dbres *res;
	enum err e;

	*out = NULL;
	*n = 0;
	if ((e = db_exec(db, &st_pipelines, p, a, &res)) != ERR_OK)
		return e;
	load_pipelines(a, res, false, out, n);
	return ERR_OK;
}

enum err
alert_firing_by_cluster(struct db *db, struct arena *a, const char *cluster_id, struct alert_firing **out,
    int *n, struct alert_firing *total)
{
	struct dbres *res;
	enum err e;

	*out = NULL;
	*n = 0;
	memset(total, 0, sizeof(*total));
	if ((e = db_exec(db, &st_firing, &cluster_id, a, &res)) != ERR_OK)
		return e;
	*n = dbres_rows(res);
	*out = arena_alloc(a, sizeof(**out) * (size_t)(*n + 1));
	for (int i = 0; i < *n; i++) {
		struct alert_firing *f = &(*out)[i];

		f->cluster = dbres_get(res, i, 0);
		f->cluster_id = dbres_get(res, i, 1);
		f->critical = atol(dbres_get(res, i, 2));
		f->warning = atol(dbres_get(res, i, 3));
		f->other = atol(dbres_get(res, i, 4));
		total->critical += f->critical;
		total->warning += f->warning;
		total->other += f->other;
	}
	return ERR_OK;
}
