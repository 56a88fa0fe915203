/* cluster.c: the cluster register in PostgreSQL, with one validator for every way in. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <sodium.h>

#include "arena.h"
#include "buf.h"
#include "cluster.h"
#include "db.h"
#include "events.h"
#include "http.h"
#include "jw.h"
#include "log.h"
#include "rds.h"
#include "text.h"
#include "utf8.h"

const char *const cluster_environments[CLUSTER_ENV__N] = { "production", "staging", "development", "lab" };
const char *const cluster_types[CLUSTER_TYPE__N] = { "openshift", "kubernetes", "eks", "gke", "aks", "k3s",
	"rke2", "microshift" };
const char *const cluster_statuses[CLUSTER_STATUS__N] = { "ready", "degraded", "unreachable", "unknown" };

/* Timestamps come in PostgreSQL's own text form (the session is in UTC) and are turned into
 * RFC 3339 here: to_char costs more than the rest of the row. */
#define COLS \
	"id::text, name, display_name, api_url, prometheus_url, alertmanager_url, loki_url, " \
	"environment, cluster_type, region, labels::text, has_gpu, status, status_reason, version, " \
	"last_seen, created_at, updated_at, latency_ms"

/* How many columns COLS has: the list query's sort key comes right after them. */
#define CLUSTER_NCOLS 19

/* COLS for the list page: what it shows, in the same places, and NULL for the rest (every column
 * costs PostgreSQL its output function on each of 100 rows, and the bytes to send). */
#define COLS_BRIEF \
	"id::text, name, display_name, api_url, NULL::text, NULL::text, NULL::text, " \
	"environment, cluster_type, region, labels::text, has_gpu, status, status_reason, version, " \
	"last_seen, NULL::timestamptz, NULL::timestamptz, NULL::int"

static const struct db_stmt st_insert = { "cluster_insert",
	"INSERT INTO clusters (name, display_name, api_url, prometheus_url, alertmanager_url, loki_url, "
	"environment, cluster_type, region, labels, has_gpu) "
	"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11::boolean) RETURNING " COLS,
	11 };
static const struct db_stmt st_update = { "cluster_update",
	"UPDATE clusters SET name = $2, display_name = $3, api_url = $4, prometheus_url = $5, "
	"alertmanager_url = $6, loki_url = $7, environment = $8, cluster_type = $9, region = $10, "
	"labels = $11::jsonb, has_gpu = $12::boolean, updated_at = now() "
	"WHERE id = $1::uuid RETURNING " COLS,
	12 };
static const struct db_stmt st_get = { "cluster_get", "SELECT " COLS " FROM clusters WHERE id = $1::uuid",
	1 };
static const struct db_stmt st_get_name = { "cluster_get_name",
	"SELECT " COLS " FROM clusters WHERE name = $1", 1 };
static const struct db_stmt st_delete = { "cluster_delete", "DELETE FROM clusters WHERE id = $1::uuid", 1 };
static const struct db_stmt st_status = { "cluster_status",
	"UPDATE clusters SET status = $2, status_reason = $3, version = coalesce($4, version), "
	"last_seen = CASE WHEN $2 IN ('ready', 'degraded') THEN now() ELSE last_seen END "
	"WHERE id = $1::uuid",
	4 };

/* The list: one statement per direction, the sort key chosen by $7 so that keyset pagination
 * works for every sortable column. Text keys compare in the C collation in both places. */
#define SORTKEY \
	"(CASE $7::text WHEN 'environment' THEN environment WHEN 'type' THEN cluster_type " \
	"WHEN 'status' THEN status WHEN 'region' THEN region " \
	"WHEN 'last_seen' THEN coalesce(to_char(last_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), " \
	"'') " \
	"WHEN 'updated_at' THEN to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') " \
	"ELSE name END) COLLATE \"C\""
#define LIST_SQL(cols, op, dir) \
	"SELECT " cols ", " SORTKEY " FROM clusters " \
	"WHERE ($1::text IS NULL OR environment = $1) AND ($2::text IS NULL OR cluster_type = $2) " \
	"AND ($3::text IS NULL OR status = $3) AND ($4::boolean IS NULL OR has_gpu = $4) " \
	"AND ($5::jsonb IS NULL OR labels @> $5::jsonb) " \
	"AND ($6::text IS NULL OR name ILIKE $6 OR display_name ILIKE $6 OR region ILIKE $6) " \
	"AND ($8::text IS NULL OR (" SORTKEY ", name COLLATE \"C\") " op " ($8::text, $9::text)) " \
	"ORDER BY " SORTKEY " " dir ", name COLLATE \"C\" " dir " LIMIT $10::int"
/* A health pass: the clusters of shard $1 of $2 (1-based), and what one check found. */
static const struct db_stmt st_targets = { "cluster_targets",
	"SELECT " COLS
	" FROM clusters WHERE $2::int <= 1 OR (abs(hashtext(id::text)) % $2::int) = $1::int - 1 "
	"ORDER BY name",
	2 };
static const struct db_stmt st_health = { "cluster_health",
	"WITH old AS (SELECT status, status_reason FROM clusters WHERE id = $1::uuid), "
	"upd AS (UPDATE clusters SET status = $2, status_reason = $3, "
	"version = CASE WHEN $4 = '' THEN version ELSE $4 END, latency_ms = $5::int, "
	"last_seen = CASE WHEN $6::boolean THEN now() ELSE last_seen END "
	"WHERE id = $1::uuid RETURNING id), "
	"ins AS (INSERT INTO cluster_health (cluster_id, status, reason, version, latency_ms, api_ok, "
	"ready_ok, "
	"prometheus_ok, alertmanager_ok) SELECT id, $2, $3, $4, $5::int, $6::boolean, $7::boolean, "
	"$8::boolean, "
	"$9::boolean FROM upd RETURNING id) "
	"SELECT old.status, old.status_reason, (SELECT count(*) FROM ins) FROM old",
	9 };
static const struct db_stmt st_history = { "cluster_history",
	"SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), status, reason, "
	"latency_ms, version "
	"FROM (SELECT * FROM cluster_health WHERE cluster_id = $1::uuid ORDER BY at DESC LIMIT $2::int) h "
	"ORDER BY at",
	2 };
/* The whole register by name, the default of the page and of the API: with no filter to test,
 * PostgreSQL walks clusters_name_c_idx (0004) in order and sorts nothing, where the general
 * statement's plan scans and sorts every row (a fifth of its time). $1 is the cursor's name (for
 * this sort it is the key too), $2 the limit; the same sort key column ends the row. */
#define NAME_SQL(cols, op, dir) \
	"SELECT " cols ", name COLLATE \"C\" FROM clusters " \
	"WHERE ($1::text IS NULL OR name COLLATE \"C\" " op " $1::text) " \
	"ORDER BY name COLLATE \"C\" " dir " LIMIT $2::int"

/* The list statements by [only by name, unfiltered][brief][desc]. */
static const struct db_stmt st_lists[2][2][2] = {
	{
	    { { "cluster_list_asc", LIST_SQL(COLS, ">", "ASC"), 10 },
		{ "cluster_list_desc", LIST_SQL(COLS, "<", "DESC"), 10 } },
	    { { "cluster_list_brief_asc", LIST_SQL(COLS_BRIEF, ">", "ASC"), 10 },
		{ "cluster_list_brief_desc", LIST_SQL(COLS_BRIEF, "<", "DESC"), 10 } },
	},
	{
	    { { "cluster_names_asc", NAME_SQL(COLS, ">", "ASC"), 2 },
		{ "cluster_names_desc", NAME_SQL(COLS, "<", "DESC"), 2 } },
	    { { "cluster_names_brief_asc", NAME_SQL(COLS_BRIEF, ">", "ASC"), 2 },
		{ "cluster_names_brief_desc", NAME_SQL(COLS_BRIEF, "<", "DESC"), 2 } },
	},
};

static const struct db_stmt st_summary = { "cluster_summary",
	"SELECT 'status', status, count(*) FROM clusters GROUP BY status "
	"UNION ALL SELECT 'environment', environment, count(*) FROM clusters GROUP BY environment "
	"UNION ALL SELECT 'type', cluster_type, count(*) FROM clusters GROUP BY cluster_type "
	"UNION ALL SELECT 'gpu', 'gpu', count(*) FROM clusters WHERE has_gpu "
	"UNION ALL SELECT 'total', 'total', count(*) FROM clusters",
	0 };

static const struct db_stmt st_attention = { "cluster_attention",
	"SELECT " COLS " FROM clusters WHERE status <> 'ready' ORDER BY CASE status WHEN 'unreachable' "
	"THEN 0 WHEN 'degraded' THEN 1 ELSE 2 END, name LIMIT $1::int",
	1 };

static const char *const sorts[] = { "name", "environment", "type", "status", "region", "last_seen",
	"updated_at", NULL };

void
cluster_in_init(struct cluster_in *in)
{
	memset(in, 0, sizeof(*in));
	in->has_gpu = -1;
}

static int
in_list(const char *s, const char *const *list, int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return 1;
	return 0;
}

const char *
cluster_name_ok(const char *s)
{
	static const char why[] = "use 1 to 63 lower-case letters, digits and '-', starting and ending "
				  "with a letter or digit";
	size_t n = strlen(s);

	if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return why;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return why;
	return NULL;
}

const char *
cluster_url_ok(const char *s)
{
	static const char *const defects[] = {
		[HTTP_URL_MALFORMED] = "not a valid URL; write it as https://host[:port][/path]",
		[HTTP_URL_SCHEME] = "only http and https URLs are allowed",
		[HTTP_URL_NO_HOST] = "the URL has no host",
		[HTTP_URL_USERINFO] = "credentials do not belong in the URL",
		[HTTP_URL_PORT] = "the port must be 1 to 65535",
	};
	enum http_url_defect d;

	if (strlen(s) > 2048)
		return "the URL is longer than 2048 characters";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= ' ' || *p == 0x7F)
			return "the URL contains spaces or control characters";
	d = http_url_check(s, NULL);
	return d == HTTP_URL_OK ? NULL : defects[d];
}

/* dns_subdomain_ok checks a label-key prefix: dot-separated DNS labels, at most 253 bytes. */
static int
dns_subdomain_ok(const char *s, size_t n)
{
	size_t i = 0;

	if (n == 0 || n > 253)
		return 0;
	while (i < n) {
		size_t start = i;

		while (i < n && s[i] != '.') {
			if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
				return 0;
			i++;
		}
		if (i == start || i - start > 63 || s[start] == '-' || s[i - 1] == '-')
			return 0;
		i++;
	}
	return s[n - 1] != '.';
}

/* name_part_ok checks a label name or value: alphanumerics with '-', '_', '.' inside, at most 63. */
static int
name_part_ok(const char *s, size_t n)
{
	if (n > 63)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');

		if (!alnum && ((c != '-' && c != '_' && c != '.') || i == 0 || i == n - 1))
			return 0;
	}
	return 1;
}

const char *
cluster_label_key_ok(const char *s)
{
	const char *slash = strchr(s, '/');
	const char *name = slash != NULL ? slash + 1 : s;

	if ((slash != NULL && !dns_subdomain_ok(s, (size_t)(slash - s))) || *name == '\0' ||
	    !name_part_ok(name, strlen(name)))
		return "a label key is an optional DNS prefix and '/', then up to 63 letters, digits, "
		       "'-', '_' or '.', starting and ending with a letter or digit";
	return NULL;
}

const char *
cluster_label_value_ok(const char *s)
{
	if (!name_part_ok(s, strlen(s)))
		return "a label value is up to 63 letters, digits, '-', '_' or '.', starting and ending "
		       "with a letter or digit";
	return NULL;
}

static void
add_error(json_t *errors, const char *field, const char *why)
{
	if (json_object_get(errors, field) == NULL)
		json_object_set_new(errors, field, json_string(why));
}

static int
text_ok(const char *s, size_t max)
{
	if (strlen(s) > max)
		return 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < ' ' || *p == 0x7F)
			return 0;
	return utf8_valid(s, strlen(s));
}

enum err
cluster_validate(const struct cluster_in *in, json_t *errors)
{
	static const struct {
		const char *field;
		size_t offset;
		int required;
	} urls[] = {
		{ "api_url", offsetof(struct cluster_in, api_url), 1 },
		{ "prometheus_url", offsetof(struct cluster_in, prometheus_url), 0 },
		{ "alertmanager_url", offsetof(struct cluster_in, alertmanager_url), 0 },
		{ "loki_url", offsetof(struct cluster_in, loki_url), 0 },
	};
	const char *why, *k;
	json_t *v;

	if (in->name == NULL || in->name[0] == '\0')
		add_error(errors, "name", "a name is required");
	else if ((why = cluster_name_ok(in->name)) != NULL)
		add_error(errors, "name", why);
	if (in->display_name != NULL && !text_ok(in->display_name, 128))
		add_error(errors, "display_name", "at most 128 characters, without control characters");
	for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
		const char *u = *(const char *const *)((const char *)in + urls[i].offset);

		if (u == NULL || u[0] == '\0') {
			if (urls[i].required)
				add_error(errors, urls[i].field, "a URL is required");
		} else if ((why = cluster_url_ok(u)) != NULL)
			add_error(errors, urls[i].field, why);
	}
	if (in->environment == NULL || in->environment[0] == '\0')
		add_error(errors, "environment", "choose production, staging, development or lab");
	else if (!in_list(in->environment, cluster_environments, CLUSTER_ENV__N))
		add_error(errors, "environment",
		    "unknown environment; use production, staging, development or lab");
	if (in->type == NULL || in->type[0] == '\0')
		add_error(errors, "type", "a cluster type is required");
	else if (!in_list(in->type, cluster_types, CLUSTER_TYPE__N))
		add_error(errors, "type",
		    "unknown type; use openshift, kubernetes, eks, gke, aks, k3s, rke2 or microshift");
	if (in->region != NULL &&
	    (!text_ok(in->region, 64) ||
		(in->region[0] != '\0' && !name_part_ok(in->region, strlen(in->region)))))
		add_error(errors, "region", "at most 63 letters, digits, '-', '_' or '.'");
	if (in->labels != NULL) {
		if (!json_is_object(in->labels))
			add_error(errors, "labels", "labels are an object of key: value strings");
		else if (json_object_size(in->labels) > 64)
			add_error(errors, "labels", "at most 64 labels");
		else
			json_object_foreach (in->labels, k, v) {
				if ((why = cluster_label_key_ok(k)) != NULL) {
					add_error(errors, "labels", why);
					break;
				}
				if (!json_is_string(v)) {
					add_error(errors, "labels", "label values are strings");
					break;
				}
				if ((why = cluster_label_value_ok(json_string_value(v))) != NULL) {
					add_error(errors, "labels", why);
					break;
				}
			}
	}
	return json_object_size(errors) > 0 ? ERR_INPUT : ERR_OK;
}

void
cluster_in_from_json(struct cluster_in *in, json_t *j, json_t *errors)
{
	static const struct {
		const char *field;
		size_t offset;
	} strs[] = {
		{ "name", offsetof(struct cluster_in, name) },
		{ "display_name", offsetof(struct cluster_in, display_name) },
		{ "api_url", offsetof(struct cluster_in, api_url) },
		{ "prometheus_url", offsetof(struct cluster_in, prometheus_url) },
		{ "alertmanager_url", offsetof(struct cluster_in, alertmanager_url) },
		{ "loki_url", offsetof(struct cluster_in, loki_url) },
		{ "environment", offsetof(struct cluster_in, environment) },
		{ "type", offsetof(struct cluster_in, type) },
		{ "region", offsetof(struct cluster_in, region) },
	};
	static const char *const readonly[] = { "id", "status", "status_reason", "version", "last_seen",
		"created_at", "updated_at", NULL };
	const char *k;
	json_t *v;

	if (!json_is_object(j)) {
		add_error(errors, "body", "the body must be a JSON object");
		return;
	}
	json_object_foreach (j, k, v) {
		size_t i;
		int known = 0;

		for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
			const char **slot = (const char **)((char *)in + strs[i].offset);

			if (strcmp(k, strs[i].field) != 0)
				continue;
			known = 1;
			if (json_is_null(v))
				*slot = NULL;
			else if (json_is_string(v))
				*slot = json_string_value(v);
			else
				add_error(errors, k, "must be a string");
		}
		if (strcmp(k, "labels") == 0) {
			known = 1;
			if (json_is_null(v))
				in->labels = NULL;
			else if (json_is_object(v))
				in->labels = v;
			else
				add_error(errors, k, "labels are an object of key: value strings");
		} else if (strcmp(k, "has_gpu") == 0) {
			known = 1;
			if (json_is_boolean(v))
				in->has_gpu = json_is_true(v);
			else if (json_is_null(v))
				in->has_gpu = 0;
			else
				add_error(errors, k, "must be true or false");
		}
		for (i = 0; readonly[i] != NULL && !known; i++)
			if (strcmp(k, readonly[i]) == 0)
				known = 1;
		if (!known)
			add_error(errors, k, "unknown field");
	}
}

static void
release_json(void *p)
{
	json_decref(p);
}

void
cluster_in_from_cluster(struct cluster_in *in, const struct cluster *c, struct arena *a)
{
	cluster_in_init(in);
	in->name = c->name;
	in->display_name = c->display_name;
	in->api_url = c->api_url;
	in->prometheus_url = c->prometheus_url;
	in->alertmanager_url = c->alertmanager_url;
	in->loki_url = c->loki_url;
	in->environment = c->environment;
	in->type = c->type;
	in->region = c->region;
	in->has_gpu = c->has_gpu;
	in->labels = json_loads(c->labels != NULL ? c->labels : "{}", 0, NULL);
	if (in->labels != NULL)
		arena_cleanup(a, release_json, in->labels);
}

static const char *
nonempty(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : NULL;
}

/* fill_params writes the 11 settable fields in statement order, starting at p. */
static void
fill_params(const char **p, const struct cluster_in *in, struct arena *a)
{
	char *labels = NULL;

	if (in->labels != NULL) {
		char *s = json_dumps(in->labels, JSON_COMPACT | JSON_SORT_KEYS);

		if (s == NULL)
			die_oom();
		labels = arena_strdup(a, s);
		free(s);
	}
	p[0] = in->name;
	p[1] = in->display_name != NULL ? in->display_name : "";
	p[2] = in->api_url;
	p[3] = nonempty(in->prometheus_url);
	p[4] = nonempty(in->alertmanager_url);
	p[5] = nonempty(in->loki_url);
	p[6] = in->environment;
	p[7] = in->type;
	p[8] = in->region != NULL ? in->region : "";
	p[9] = labels != NULL ? labels : "{}";
	p[10] = in->has_gpu > 0 ? "true" : "false";
}

/* ts_rfc3339 rewrites PostgreSQL's "2026-05-14 09:00:00.123456+00" in place as
 * "2026-05-14T09:00:00Z" (result memory; NULL stays NULL). */
static const char *
ts_rfc3339(const char *s)
{
	char *t = (char *)s;

	if (t == NULL || strlen(t) < 20 || t[10] != ' ')
		return s;
	t[10] = 'T';
	t[19] = 'Z';
	t[20] = '\0';
	return t;
}

static void
row_to_cluster(const struct dbres *r, int row, struct cluster *c)
{
	c->id = dbres_get(r, row, 0);
	c->name = dbres_get(r, row, 1);
	c->display_name = dbres_get(r, row, 2);
	c->api_url = dbres_get(r, row, 3);
	c->prometheus_url = dbres_get(r, row, 4);
	c->alertmanager_url = dbres_get(r, row, 5);
	c->loki_url = dbres_get(r, row, 6);
	c->environment = dbres_get(r, row, 7);
	c->type = dbres_get(r, row, 8);
	c->region = dbres_get(r, row, 9);
	c->labels = dbres_get(r, row, 10);
	c->has_gpu = strcmp(dbres_get(r, row, 11), "t") == 0;
	c->status = dbres_get(r, row, 12);
	c->status_reason = dbres_get(r, row, 13);
	c->version = dbres_get(r, row, 14);
	c->last_seen = ts_rfc3339(dbres_get(r, row, 15));
	c->created_at = ts_rfc3339(dbres_get(r, row, 16));
	c->updated_at = ts_rfc3339(dbres_get(r, row, 17));
	c->latency_ms = dbres_isnull(r, row, 18) ? -1 : atoi(dbres_get(r, row, 18));
}

static enum err
one_row(struct dbres *res, struct arena *a, struct cluster **out)
{
	if (dbres_rows(res) == 0)
		return ERR_NOTFOUND;
	*out = arena_zalloc(a, sizeof(**out));
	row_to_cluster(res, 0, *out);
	return ERR_OK;
}

enum err
cluster_create(struct db *db, struct arena *a, const struct cluster_in *in, struct cluster **out)
{
	const char *p[11];
	struct dbres *res;
	enum err e;

	fill_params(p, in, a);
	if ((e = db_exec(db, &st_insert, p, a, &res)) != ERR_OK)
		return e;
	return one_row(res, a, out);
}

enum err
cluster_update(
    struct db *db, struct arena *a, const char *id, const struct cluster_in *in, struct cluster **out)
{
	const char *p[12];
	struct dbres *res;
	enum err e;

	if (!text_uuid_ok(id))
		return ERR_NOTFOUND;
	p[0] = id;
	fill_params(p + 1, in, a);
	if ((e = db_exec(db, &st_update, p, a, &res)) != ERR_OK)
		return e;
	return one_row(res, a, out);
}

enum err
cluster_get(struct db *db, struct arena *a, const char *id, struct cluster **out)
{
	const char *p[1] = { id };
	struct dbres *res;
	enum err e;

	if (!text_uuid_ok(id))
		return ERR_NOTFOUND;
	if ((e = db_exec(db, &st_get, p, a, &res)) != ERR_OK)
		return e;
	return one_row(res, a, out);
}

enum err
cluster_get_by_name(struct db *db, struct arena *a, const char *name, struct cluster **out)
{
	const char *p[1] = { name };
	struct dbres *res;
	enum err e;

	if ((e = db_exec(db, &st_get_name, p, a, &res)) != ERR_OK)
		return e;
	return one_row(res, a, out);
}

enum err
cluster_delete(struct db *db, struct arena *a, const char *id)
{
	const char *p[1] = { id };
	struct dbres *res;
	enum err e;

	if (!text_uuid_ok(id))
		return ERR_NOTFOUND;
	if ((e = db_exec(db, &st_delete, p, a, &res)) != ERR_OK)
		return e;
	return dbres_affected(res) > 0 ? ERR_OK : ERR_NOTFOUND;
}

enum err
cluster_set_status(struct db *db, struct arena *a, const char *id, const char *status, const char *reason,
    const char *version)
{
	const char *p[4] = { id, status, reason != NULL ? reason : "", version };
	struct dbres *res;
	enum err e;

	if (!text_uuid_ok(id))
		return ERR_NOTFOUND;
	if (!in_list(status, cluster_statuses, CLUSTER_STATUS__N))
		return ERR_INPUT;
	if ((e = db_exec(db, &st_status, p, a, &res)) != ERR_OK)
		return e;
	return dbres_affected(res) > 0 ? ERR_OK : ERR_NOTFOUND;
}

enum err
cluster_health_targets(struct db *db, struct arena *a, int shard, int nshards, struct cluster **items, int *n)
{
	const char *p[2] = { arena_printf(a, "%d", shard), arena_printf(a, "%d", nshards) };
	struct dbres *res;
	enum err e;

	*items = NULL;
	*n = 0;
	if (nshards < 1 || shard < 1 || shard > nshards)
		return ERR_INPUT;
	if ((e = db_exec(db, &st_targets, p, a, &res)) != ERR_OK)
		return e;
	*n = dbres_rows(res);
	*items = arena_zalloc(a, sizeof(**items) * (size_t)(*n > 0 ? *n : 1));
	for (int i = 0; i < *n; i++)
		row_to_cluster(res, i, &(*items)[i]);
	return ERR_OK;
}

enum err
cluster_record_health(struct db *db, struct arena *a, const struct cluster_health *h, bool *changed)
{
	const char *p[9];
	struct dbres *res;
	enum err e;

	*changed = false;
	if (!text_uuid_ok(h->cluster_id))
		return ERR_NOTFOUND;
	if (!in_list(h->status, cluster_statuses, CLUSTER_STATUS__N) || strcmp(h->status, "unknown") == 0)
		return ERR_INPUT;
	p[0] = h->cluster_id;
	p[1] = h->status;
	p[2] = h->reason != NULL ? h->reason : "";
	p[3] = h->version != NULL ? h->version : "";
	p[4] = h->latency_ms >= 0 ? arena_printf(a, "%d", h->latency_ms) : NULL;
	p[5] = h->api_ok ? "true" : "false";
	p[6] = h->ready_ok < 0 ? NULL : h->ready_ok ? "true" : "false";
	p[7] = h->prometheus_ok < 0 ? NULL : h->prometheus_ok ? "true" : "false";
	p[8] = h->alertmanager_ok < 0 ? NULL : h->alertmanager_ok ? "true" : "false";
	if ((e = db_exec(db, &st_health, p, a, &res)) != ERR_OK)
		return e;
	if (dbres_rows(res) == 0)
		return ERR_NOTFOUND; /* deleted while it was being checked */
	*changed = strcmp(dbres_get(res, 0, 0), h->status) != 0 || strcmp(dbres_get(res, 0, 1), p[2]) != 0;
	return ERR_OK;
}

enum err
cluster_history(
    struct db *db, struct arena *a, const char *id, int limit, struct cluster_check **items, int *n)
{
	const char *p[2] = { id, arena_printf(a, "%d", limit) };
	struct dbres *res;
	enum err e;

	*items = NULL;
	*n = 0;
	if (!text_uuid_ok(id))
		return ERR_NOTFOUND;
	if (limit < 1 || limit > 1000)
		return ERR_INPUT;
	if ((e = db_exec(db, &st_history, p, a, &res)) != ERR_OK)
		return e;
	*n = dbres_rows(res);
	*items = arena_zalloc(a, sizeof(**items) * (size_t)(*n > 0 ? *n : 1));
	for (int i = 0; i < *n; i++) {
		struct cluster_check *c = &(*items)[i];

		c->at = dbres_get(res, i, 0);
		c->status = dbres_get(res, i, 1);
		c->reason = dbres_get(res, i, 2);
		c->latency_ms = dbres_isnull(res, i, 3) ? -1 : atoi(dbres_get(res, i, 3));
		c->version = dbres_get(res, i, 4);
	}
	return ERR_OK;
}

/* Cursors are base64url of the JSON array [sort, dir, key, name]: opaque to clients, checked on
 * the way back in. */
static const char *
cursor_make(struct arena *a, const char *sort, bool desc, const char *key, const char *name)
{
	json_t *j = json_pack("[s,s,s,s]", sort, desc ? "desc" : "asc", key, name);
	char *raw = json_dumps(j, JSON_COMPACT);
	size_t n = strlen(raw),
	       outlen = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *out = arena_alloc(a, outlen);

	sodium_bin2base64(
	    out, outlen, (const unsigned char *)raw, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	free(raw);
	json_decref(j);
	return out;
}

static enum err
cursor_read(
    struct arena *a, const char *cursor, const char *sort, bool desc, const char **key, const char **name)
{
	size_t n = strlen(cursor), binlen;
	unsigned char *bin;
	json_t *j;
	enum err e = ERR_INPUT;

	if (n == 0 || n > 2048)
		return ERR_INPUT;
	bin = arena_alloc(a, n);
	if (sodium_base642bin(
		bin, n, cursor, n, NULL, &binlen, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return ERR_INPUT;
	j = json_loadb((const char *)bin, binlen, 0, NULL);
	if (json_is_array(j) && json_array_size(j) == 4 && json_is_string(json_array_get(j, 2)) &&
	    json_is_string(json_array_get(j, 3)) &&
	    strcmp(json_string_value(json_array_get(j, 0)) ? json_string_value(json_array_get(j, 0)) : "",
		sort) == 0 &&
	    strcmp(json_string_value(json_array_get(j, 1)) ? json_string_value(json_array_get(j, 1)) : "",
		desc ? "desc" : "asc") == 0) {
		*key = arena_strdup(a, json_string_value(json_array_get(j, 2)));
		*name = arena_strdup(a, json_string_value(json_array_get(j, 3)));
		e = ERR_OK;
	}
	json_decref(j);
	return e;
}

/* like_pattern makes %q% for ILIKE with q's own wildcards escaped. */
static const char *
like_pattern(struct arena *a, const char *q)
{
	char *out = arena_alloc(a, strlen(q) * 2 + 3), *o = out;

	*o++ = '%';
	for (; *q; q++) {
		if (*q == '%' || *q == '_' || *q == '\\')
			*o++ = '\\';
		*o++ = *q;
	}
	*o++ = '%';
	*o = '\0';
	return out;
}

enum err
cluster_list(struct db *db, struct arena *a, const struct cluster_filter *f, struct cluster_page *out)
{
	const char *p[10] = { 0 };
	const char *sort = f->sort != NULL ? f->sort : "name";
	int limit = f->limit > 0 && f->limit <= CLUSTER_LIST_MAX ? f->limit : CLUSTER_LIST_DEFAULT;
	const struct db_stmt *st;
	struct dbres *res;
	enum err e;
	int rows, i, known = 0, by_name;

	memset(out, 0, sizeof(*out));
	for (i = 0; sorts[i] != NULL; i++)
		if (strcmp(sorts[i], sort) == 0)
			known = 1;
	if (!known)
		return ERR_INPUT;
	p[0] = f->environment;
	p[1] = f->type;
	p[2] = f->status;
	p[3] = f->has_gpu < 0 ? NULL : f->has_gpu ? "true" : "false";
	if (f->labels != NULL && json_object_size(f->labels) > 0) {
		char *s = json_dumps(f->labels, JSON_COMPACT);

		p[4] = arena_strdup(a, s);
		free(s);
	}
	p[5] = f->q != NULL && f->q[0] != '\0' ? like_pattern(a, f->q) : NULL;
	p[6] = sort;
	if (f->cursor != NULL && f->cursor[0] != '\0' &&
	    cursor_read(a, f->cursor, sort, f->desc, &p[7], &p[8]) != ERR_OK)
		return ERR_INPUT;
	p[9] = arena_printf(a, "%d", limit + 1);
	by_name = strcmp(sort, "name") == 0 && p[0] == NULL && p[1] == NULL && p[2] == NULL && p[3] == NULL &&
	    p[4] == NULL && p[5] == NULL;
	st = &st_lists[by_name][f->brief][f->desc];
	if (by_name) {
		/* NAME_SQL's $1 and $2: the cursor's name and the limit. */
		p[0] = p[8];
		p[1] = p[9];
	}
	if ((e = db_exec(db, st, p, a, &res)) != ERR_OK)
		return e;
	rows = dbres_rows(res);
	out->n = rows > limit ? limit : rows;
	out->items = arena_zalloc(a, sizeof(*out->items) * (size_t)(out->n ? out->n : 1));
	for (i = 0; i < out->n; i++)
		row_to_cluster(res, i, &out->items[i]);
	if (rows > limit)
		out->next_cursor = cursor_make(
		    a, sort, f->desc, dbres_get(res, limit - 1, CLUSTER_NCOLS), out->items[limit - 1].name);
	return ERR_OK;
}

enum err
cluster_attention(struct db *db, struct arena *a, int limit, struct cluster_page *out)
{
	const char *p[1] = { arena_printf(a, "%d", limit) };
	struct dbres *res;
	enum err e;

	memset(out, 0, sizeof(*out));
	if ((e = db_exec(db, &st_attention, p, a, &res)) != ERR_OK)
		return e;
	out->n = dbres_rows(res);
	out->items = arena_zalloc(a, sizeof(*out->items) * (size_t)(out->n ? out->n : 1));
	for (int i = 0; i < out->n; i++)
		row_to_cluster(res, i, &out->items[i]);
	return ERR_OK;
}

enum err
cluster_summary(struct db *db, struct arena *a, json_t **out)
{
	json_t *s, *by_status = json_object(), *by_env = json_object(), *by_type = json_object();
	struct dbres *res;
	enum err e;
	int i;

	if ((e = db_exec(db, &st_summary, NULL, a, &res)) != ERR_OK) {
		json_decref(by_status);
		json_decref(by_env);
		json_decref(by_type);
		return e;
	}
	for (i = 0; i < CLUSTER_STATUS__N; i++)
		json_object_set_new(by_status, cluster_statuses[i], json_integer(0));
	for (i = 0; i < CLUSTER_ENV__N; i++)
		json_object_set_new(by_env, cluster_environments[i], json_integer(0));
	for (i = 0; i < CLUSTER_TYPE__N; i++)
		json_object_set_new(by_type, cluster_types[i], json_integer(0));
	s = json_pack("{s:i, s:i, s:o, s:o, s:o}", "total", 0, "gpu_clusters", 0, "by_status", by_status,
	    "by_environment", by_env, "by_type", by_type);
	for (i = 0; i < dbres_rows(res); i++) {
		const char *dim = dbres_get(res, i, 0), *key = dbres_get(res, i, 1);
		json_int_t n = strtoll(dbres_get(res, i, 2), NULL, 10);

		if (strcmp(dim, "status") == 0)
			json_object_set_new(by_status, key, json_integer(n));
		else if (strcmp(dim, "environment") == 0)
			json_object_set_new(by_env, key, json_integer(n));
		else if (strcmp(dim, "type") == 0)
			json_object_set_new(by_type, key, json_integer(n));
		else if (strcmp(dim, "gpu") == 0)
			json_object_set_new(s, "gpu_clusters", json_integer(n));
		else
			json_object_set_new(s, "total", json_integer(n));
	}
	*out = s;
	return ERR_OK;
}

void
cluster_write_json(struct jw *w, const struct cluster *c)
{
	jw_object(w);
	JW_KEY(w, "id");
	jw_string(w, c->id);
	JW_KEY(w, "name");
	jw_string(w, c->name);
	JW_KEY(w, "display_name");
	jw_string(w, c->display_name);
	JW_KEY(w, "api_url");
	jw_string(w, c->api_url);
	JW_KEY(w, "prometheus_url");
	jw_string(w, c->prometheus_url);
	JW_KEY(w, "alertmanager_url");
	jw_string(w, c->alertmanager_url);
	JW_KEY(w, "loki_url");
	jw_string(w, c->loki_url);
	JW_KEY(w, "environment");
	jw_string(w, c->environment);
	JW_KEY(w, "type");
	jw_string(w, c->type);
	JW_KEY(w, "region");
	jw_string(w, c->region);
	JW_KEY(w, "labels");
	/* jsonb's own output: JSON by construction. */
	jw_raw(w, c->labels != NULL ? c->labels : "{}");
	JW_KEY(w, "has_gpu");
	jw_bool(w, c->has_gpu);
	JW_KEY(w, "status");
	jw_string(w, c->status);
	JW_KEY(w, "status_reason");
	jw_string(w, c->status_reason);
	JW_KEY(w, "version");
	jw_string(w, c->version);
	JW_KEY(w, "last_seen");
	jw_string(w, c->last_seen);
	JW_KEY(w, "created_at");
	jw_string(w, c->created_at);
	JW_KEY(w, "updated_at");
	jw_string(w, c->updated_at);
	JW_KEY(w, "latency_ms");
	if (c->latency_ms >= 0)
		jw_int(w, c->latency_ms);
	else
		jw_null(w);
	jw_end_object(w);
}

json_t *
cluster_to_json(const struct cluster *c)
{
	struct buf b = { 0 };
	struct jw w;
	json_t *j;

	jw_init(&w, &b);
	cluster_write_json(&w, c);
	j = json_loads(buf_cstr(&b), 0, NULL);
	buf_free(&b);
	return j != NULL ? j : json_object();
}

enum err
cluster_emit(struct rds *r, struct arena *a, enum event_type t, const struct cluster *c)
{
	json_t *data = t == EVENT_CLUSTER_DELETED ? json_pack("{s:s, s:s}", "id", c->id, "name", c->name)
						  : cluster_to_json(c);
	enum err e = events_emit(r, a, t, c->id, NULL, data, NULL);

	json_decref(data);
	return e;
}

/* scan_string reads a JSON string without escapes at *p; returns its end quote or NULL. */
static const char *
scan_plain_string(const char *p)
{
	if (*p != '"')
		return NULL;
	for (p++; *p != '"'; p++)
		if (*p == '\\' || *p == '\0' || (unsigned char)*p < 0x20)
			return NULL;
	return p;
}

int
cluster_labels(const struct cluster *c, struct arena *a, const char ***keys, const char ***vals)
{
	const char *p = c->labels != NULL ? c->labels : "{}", *ks, *ke, *vs, *ve;
	int n = 0, cap = 8;

	*keys = arena_alloc(a, sizeof(**keys) * (size_t)cap);
	*vals = arena_alloc(a, sizeof(**vals) * (size_t)cap);
	/* jsonb prints a flat object of plain strings as {"k": "v", ...}; anything else (escapes,
	 * other types) goes through jansson. */
	while (*p == ' ')
		p++;
	if (*p++ != '{')
		goto slow;
	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == '}' && n == 0)
			return 0;
		ks = p;
		if ((ke = scan_plain_string(ks)) == NULL)
			goto slow;
		p = ke + 1;
		while (*p == ' ')
			p++;
		if (*p++ != ':')
			goto slow;
		while (*p == ' ')
			p++;
		vs = p;
		if ((ve = scan_plain_string(vs)) == NULL)
			goto slow;
		if (n == cap) {
			const char **nk = arena_alloc(a, sizeof(*nk) * (size_t)cap * 2);
			const char **nv = arena_alloc(a, sizeof(*nv) * (size_t)cap * 2);

			memcpy(nk, *keys, sizeof(*nk) * (size_t)cap);
			memcpy(nv, *vals, sizeof(*nv) * (size_t)cap);
			*keys = nk;
			*vals = nv;
			cap *= 2;
		}
		(*keys)[n] = arena_strndup(a, ks + 1, (size_t)(ke - ks - 1));
		(*vals)[n] = arena_strndup(a, vs + 1, (size_t)(ve - vs - 1));
		n++;
		p = ve + 1;
		while (*p == ' ')
			p++;
		if (*p == '}')
			return n;
		if (*p++ != ',')
			goto slow;
	}
slow : {
	json_t *j = json_loads(c->labels != NULL ? c->labels : "{}", 0, NULL), *v;
	const char *k;

	n = 0;
	if (j == NULL || !json_is_object(j)) {
		json_decref(j);
		return 0;
	}
	*keys = arena_alloc(a, sizeof(**keys) * (json_object_size(j) + 1));
	*vals = arena_alloc(a, sizeof(**vals) * (json_object_size(j) + 1));
	json_object_foreach (j, k, v) {
		if (!json_is_string(v))
			continue;
		(*keys)[n] = arena_strdup(a, k);
		(*vals)[n] = arena_strdup(a, json_string_value(v));
		n++;
	}
	json_decref(j);
	return n;
}
}
