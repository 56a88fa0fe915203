/* cluster.c: a cluster's fields, its storage in PostgreSQL (create, read, update, delete) and the
 * events that announce a change. */
#include "config.h"

#include <string.h>

#include "arena.h"
#include "cluster.h"
#include "cluster_db.h"
#include "db.h"
#include "events.h"
#include "jw.h"
#include "text.h"

const char *const cluster_environments[CLUSTER_ENV__N] = { "production", "staging", "development", "lab" };
const char *const cluster_types[CLUSTER_TYPE__N] = { "openshift", "kubernetes", "eks", "gke", "aks", "k3s",
	"rke2", "microshift" };
const char *const cluster_statuses[CLUSTER_STATUS__N] = { "unreachable", "degraded", "unknown", "ready" };

#define R(m) .out = FIELD_AT(struct cluster, m)
#define RW(m) .out = FIELD_AT(struct cluster, m), .in = FIELD_AT(struct cluster_in, m)
#define SHOWN (FIELD_JSON | FIELD_LIST | FIELD_DETAIL)
#define SET (FIELD_JSON | FIELD_FORM)

/* The rows with .out are in the order of CLUSTER_COLS (cluster_db.h) and the rows with .in in the order of
 * the insert's and update's parameters; both statements name their columns in this order. */
const struct field cluster_fields[] = {
	{ FIELD_NAME("id"), FIELD_TEXT, SHOWN, R(id) },
	{ FIELD_NAME("name"), FIELD_TEXT, SHOWN | SET | FIELD_REQUIRED, RW(name), .max = 63,
	    .check = cluster_name_ok, .why = CLUSTER_NAME_WHY, .missing = "a name is required" },
	{ FIELD_NAME("display_name"), FIELD_TEXT, SHOWN | SET, RW(display_name), .max = 128 },
	{ FIELD_NAME("api_url"), FIELD_URL, SHOWN | SET | FIELD_REQUIRED, RW(api_url),
	    .missing = "a URL is required", .link = "api_url_href" },
	{ FIELD_NAME("prometheus_url"), FIELD_URL, FIELD_JSON | FIELD_DETAIL | SET | FIELD_NULLABLE,
	    RW(prometheus_url), .link = "prometheus_url_href" },
	{ FIELD_NAME("alertmanager_url"), FIELD_URL, FIELD_JSON | FIELD_DETAIL | SET | FIELD_NULLABLE,
	    RW(alertmanager_url), .link = "alertmanager_url_href" },
	{ FIELD_NAME("loki_url"), FIELD_URL, FIELD_JSON | FIELD_DETAIL | SET | FIELD_NULLABLE, RW(loki_url),
	    .link = "loki_url_href" },
	{ FIELD_NAME("environment"), FIELD_ENUM, SHOWN | SET | FIELD_REQUIRED, RW(environment),
	    .choices = cluster_environments, .nchoices = CLUSTER_ENV__N,
	    .why = "unknown environment; use production, staging, development or lab",
	    .missing = "choose production, staging, development or lab" },
	{ FIELD_NAME("type"), FIELD_ENUM, SHOWN | SET | FIELD_REQUIRED, RW(type), .choices = cluster_types,
	    .nchoices = CLUSTER_TYPE__N,
	    .why = "unknown type; use openshift, kubernetes, eks, gke, aks, k3s, rke2 or microshift",
	    .missing = "a cluster type is required" },
	{ FIELD_NAME("region"), FIELD_TEXT, SHOWN | SET, RW(region), .max = 63, .check = cluster_region_ok,
	    .why = "at most 63 letters, digits, '-', '_' or '.'" },
	{ FIELD_NAME("labels"), FIELD_MAP, SHOWN | SET, RW(labels), .max = 64, .check = cluster_label_key_ok,
	    .check_value = cluster_label_value_ok, .why = "labels are an object of key: value strings" },
	{ FIELD_NAME("has_gpu"), FIELD_BOOL, SHOWN | SET, RW(has_gpu) },
	{ FIELD_NAME("status"), FIELD_ENUM, SHOWN, R(status), .choices = cluster_statuses,
	    .nchoices = CLUSTER_STATUS__N },
	{ FIELD_NAME("status_reason"), FIELD_TEXT, SHOWN, R(status_reason) },
	{ FIELD_NAME("version"), FIELD_TEXT, SHOWN, R(version) },
	{ FIELD_NAME("last_seen"), FIELD_TIME, SHOWN, R(last_seen) },
	{ FIELD_NAME("created_at"), FIELD_TIME, FIELD_JSON | FIELD_DETAIL, R(created_at) },
	{ FIELD_NAME("updated_at"), FIELD_TIME, FIELD_JSON | FIELD_DETAIL, R(updated_at) },
	{ FIELD_NAME("latency_ms"), FIELD_INT, FIELD_JSON | FIELD_DETAIL, R(latency_ms), .min = 0 },
	{ NULL },
};

#undef R
#undef RW

static const struct db_stmt st_insert = { "cluster_insert",
	"INSERT INTO clusters (name, display_name, api_url, prometheus_url, alertmanager_url, loki_url, "
	"environment, cluster_type, region, labels, has_gpu) "
	"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11::boolean) RETURNING " CLUSTER_COLS,
	11 };
static const struct db_stmt st_update = { "cluster_update",
	"UPDATE clusters SET name = $2, display_name = $3, api_url = $4, prometheus_url = $5, "
	"alertmanager_url = $6, loki_url = $7, environment = $8, cluster_type = $9, region = $10, "
	"labels = $11::jsonb, has_gpu = $12::boolean, updated_at = now() "
	"WHERE id = $1::uuid RETURNING " CLUSTER_COLS,
	12 };
static const struct db_stmt st_get = { "cluster_get",
	"SELECT " CLUSTER_COLS " FROM clusters WHERE id = $1::uuid", 1 };
static const struct db_stmt st_get_name = { "cluster_get_name",
	"SELECT " CLUSTER_COLS " FROM clusters WHERE name = $1", 1 };
static const struct db_stmt st_delete = { "cluster_delete", "DELETE FROM clusters WHERE id = $1::uuid", 1 };

void
cluster_in_init(struct cluster_in *in)
{
	memset(in, 0, sizeof(*in));
	field_in_init(cluster_fields, in);
}

void
cluster_in_from_json(struct cluster_in *in, json_t *j, json_t *errors)
{
	field_from_json(cluster_fields, in, j, errors);
}

void
cluster_in_from_cluster(struct cluster_in *in, const struct cluster *c, struct arena *a)
{
	memset(in, 0, sizeof(*in));
	field_from_record(cluster_fields, in, c, a);
}

/* A result row's columns for field_load. */
struct row_ctx {
	const struct dbres *res;
	int row;
};

static const char *
row_col(void *ctx, int i)
{
	const struct row_ctx *rc = ctx;

	return dbres_get(rc->res, rc->row, i);
}

struct cluster *
cluster_rows(const struct dbres *res, int n, struct arena *a)
{
	struct cluster *items = arena_zalloc(a, sizeof(*items) * (size_t)(n > 0 ? n : 1));

	for (int i = 0; i < n; i++) {
		struct row_ctx rc = { res, i };

		field_load(cluster_fields, &items[i], row_col, &rc);
	}
	return items;
}

static enum err
one_row(struct dbres *res, struct arena *a, struct cluster **out)
{
	if (dbres_rows(res) == 0)
		return ERR_NOTFOUND;
	*out = cluster_rows(res, 1, a);
	return ERR_OK;
}

enum err
cluster_create(struct db *db, struct arena *a, const struct cluster_in *in, struct cluster **out)
{
	const char *p[CLUSTER_NINPUTS];
	struct dbres *res;
	enum err e;

	field_params(cluster_fields, in, a, p);
	if ((e = db_exec(db, &st_insert, p, a, &res)) != ERR_OK)
		return e;
	return one_row(res, a, out);
}

enum err
cluster_update(
    struct db *db, struct arena *a, const char *id, const struct cluster_in *in, struct cluster **out)
{
	const char *p[CLUSTER_NINPUTS + 1];
	struct dbres *res;
	enum err e;

	if (!text_uuid_ok(id))
		return ERR_NOTFOUND;
	p[0] = id;
	field_params(cluster_fields, in, a, p + 1);
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

void
cluster_write_json(struct jw *w, const struct cluster *c)
{
	field_write_json(cluster_fields, c, w);
}

json_t *
cluster_to_json(const struct cluster *c)
{
	return field_json(cluster_fields, c);
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
