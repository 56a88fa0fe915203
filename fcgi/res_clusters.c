/* res_clusters.c: the cluster register as JSON for programs, and what every cluster handler shares:
 * reading a list's filters, and saving or removing a cluster with its audit row in one transaction. */
#include "config.h"

#include <string.h>

#include "arena.h"
#include "cluster.h"
#include "db.h"
#include "events.h"
#include "ident.h"
#include "json.h"
#include "jw.h"
#include "list.h"
#include "log.h"
#include "metrics.h"
#include "req.h"
#include "res.h"
#include "res_clusters.h"
#include "version.h"

int
res_clusters_filter(struct req *r, struct cluster_filter *f)
{
	struct list_params lp;
	const char *v;
	int st;

	memset(f, 0, sizeof(*f));
	f->has_gpu = -1;
	if ((st = list_read(r, cluster_sorts, &lp)) != 0)
		return st;
	f->limit = lp.limit;
	f->cursor = lp.cursor;
	f->sort = lp.sort;
	f->desc = lp.desc;
	if ((st = list_choices(r, "environment", cluster_environments, CLUSTER_ENV__N, &f->environments)) !=
		0 ||
	    (st = list_choices(r, "type", cluster_types, CLUSTER_TYPE__N, &f->types)) != 0 ||
	    (st = list_choices(r, "status", cluster_statuses, CLUSTER_STATUS__N, &f->statuses)) != 0)
		return st;
	if ((v = kv_get(&r->query, "has_gpu")) != NULL && *v != '\0') {
		if (strcmp(v, "true") != 0 && strcmp(v, "false") != 0)
			return req_fail(r, 400, "has_gpu must be true or false");
		f->has_gpu = strcmp(v, "true") == 0;
	}
	for (size_t i = 0; i < r->query.n; i++) {
		const char *sel = r->query.items[i].v, *eq;
		char *key;

		if (strcmp(r->query.items[i].k, "label") != 0 || *sel == '\0')
			continue;
		if ((eq = strchr(sel, '=')) == NULL)
			return req_fail(r, 400, "a label filter is written key=value");
		key = arena_strndup(r->a, sel, (size_t)(eq - sel));
		if (cluster_label_key_ok(key) != NULL || cluster_label_value_ok(eq + 1) != NULL)
			return req_fail(
			    r, 400, "a label filter is written key=value with a valid label key and value");
		if (f->labels == NULL)
			f->labels = json_own(r->a, json_object());
		json_object_set_new(f->labels, key, json_string(eq + 1));
	}
	if ((v = kv_get(&r->query, "q")) != NULL && *v != '\0') {
		if (strlen(v) > 128)
			return req_fail(r, 400, "the search text is longer than 128 characters");
		f->q = v;
	}
	return 0;
}

int
res_clusters_list_failed(struct req *r, enum err e)
{
	if (e == ERR_INPUT)
		return req_fail(
		    r, 400, "a cursor that does not belong to this list; start again without cursor");
	return req_fail_err(r, e, "list clusters");
}

/* announce tells the browsers of a committed change (a Redis that cannot take it is counted,
 * never fatal: the database is the truth). */
static void
announce(struct req *r, enum event_type t, const struct cluster *c)
{
	version_changed(r, DATAVER_CLUSTERS);
	if (cluster_emit(r->w->rds, r->a, t, c) == ERR_OK)
		metrics_inc(METRICS_EVENTS_EMITTED);
	else
		metrics_inc(METRICS_EVENTS_DROPPED);
}

/* finish commits the transaction when e is ERR_OK, else rolls it back; returns the outcome. A
 * commit that fails is logged with the database's words. */
static enum err
finish(struct req *r, enum err e, const char *what)
{
	if (e != ERR_OK) {
		db_tx_rollback(r->w->db);
		return e;
	}
	if ((e = db_tx_commit(r->w->db)) != ERR_OK)
		log_error(r->request_id, "%s: not committed: %s", what, db_error(r->w->db));
	return e;
}

enum err
res_clusters_save(struct req *r, const char *id, const struct cluster_in *in, const struct cred_change *creds,
    struct cluster **out)
{
	struct db *db = r->w->db;
	json_t *d;
	enum err e;

	if ((e = db_tx_begin(db)) != ERR_OK)
		return e;
	e = id == NULL ? cluster_create(db, r->a, in, out) : cluster_update(db, r->a, id, in, out);
	if (e == ERR_OK) {
		d = json_own(r->a, json_pack("{s:s}", "id", (*out)->id));
		e = res_clusters_audit(r, id == NULL ? "cluster.create" : "cluster.update", *out, d);
	}
	if (e == ERR_OK && creds != NULL) {
		struct cred_change ch = *creds;

		/* A new cluster has nothing to remove: only what is set counts. */
		for (int k = 0; id == NULL && k < CREDENTIAL__MAX; k++)
			ch.touch[k] = ch.touch[k] && ch.want[k] != NULL;
		e = res_clusters_cred_store(r, *out, &ch);
	}
	if ((e = finish(r, e, "save cluster")) != ERR_OK)
		return e;
	announce(r, id == NULL ? EVENT_CLUSTER_REGISTERED : EVENT_CLUSTER_UPDATED, *out);
	return ERR_OK;
}

enum err
res_clusters_remove(struct req *r, const struct cluster *c)
{
	struct db *db = r->w->db;
	enum err e;

	if ((e = db_tx_begin(db)) != ERR_OK)
		return e;
	e = cluster_delete(db, r->a, c->id);
	if (e == ERR_OK)
		e = res_clusters_audit(
		    r, "cluster.delete", c, json_own(r->a, json_pack("{s:s}", "id", c->id)));
	if ((e = finish(r, e, "delete cluster")) != ERR_OK)
		return e;
	announce(r, EVENT_CLUSTER_DELETED, c);
	return ERR_OK;
}

/* ---- The JSON API ---- */

int
res_clusters_list(struct req *r)
{
	struct cluster_filter f;
	struct cluster_page page;
	struct jw w;
	enum err e;
	int st;

	if ((st = res_clusters_filter(r, &f)) != 0)
		return st;
	if ((e = cluster_list(r->w->db, r->a, &f, &page)) != ERR_OK)
		return res_clusters_list_failed(r, e);
	req_jw_begin(r, &w);
	jw_object(&w);
	JW_KEY(&w, "items");
	jw_array(&w);
	for (int i = 0; i < page.n; i++)
		cluster_write_json(&w, &page.items[i]);
	jw_end_array(&w);
	JW_KEY(&w, "next_cursor");
	jw_string(&w, page.next_cursor);
	JW_KEY(&w, "limit");
	jw_int(&w, f.limit);
	jw_end_object(&w);
	return req_jw_done(r, 200);
}

/* answer_cluster writes c as the body with status. */
static int
answer_cluster(struct req *r, int status, const struct cluster *c)
{
	struct jw w;

	req_jw_begin(r, &w);
	cluster_write_json(&w, c);
	return req_jw_done(r, status);
}

int
res_clusters_get(struct req *r)
{
	struct cluster *c;
	int st;

	if ((st = res_clusters_load(r, &c)) != 0)
		return st;
	return answer_cluster(r, 200, c);
}

/* save_failed turns a failed create or update into the answer a person can act on. */
static int
save_failed(struct req *r, enum err e, const char *name)
{
	if (e == ERR_CONFLICT)
		return req_fail(r, 409, arena_printf(r->a, "a cluster named \"%s\" already exists", name));
	if (e == ERR_NOTFOUND)
		return req_fail(r, 404, "no cluster has this id");
	if (e == ERR_INPUT)
		return req_fail(r, 422, "PostgreSQL refused a value; check the fields");
	if (e == ERR_IO)
		return req_fail(r, 503,
		    "the cluster was not added: its credentials cannot be stored, the key file could not be "
		    "read (see the log)");
	return req_fail_err(r, e, "save cluster");
}

/* json_save validates in and creates (id NULL, with creds when not NULL) or updates the cluster,
 * answering JSON. */
static int
json_save(
    struct req *r, const char *id, struct cluster_in *in, const struct cred_change *creds, json_t *errors)
{
	struct cluster *c;
	enum err e;

	if (cluster_validate(in, errors) != ERR_OK) {
		return req_fail_fields(r, errors);
	}
	if ((e = res_clusters_save(r, id, in, creds, &c)) != ERR_OK)
		return save_failed(r, e, in->name);
	if (id == NULL)
		req_header_out(r, "Location", arena_printf(r->a, "/api/v1/clusters/%s", c->id));
	return answer_cluster(r, id == NULL ? 201 : 200, c);
}

int
res_clusters_create(struct req *r)
{
	json_t *errors = json_own(r->a, json_object());
	json_t *given = json_object_get(r->json, "credentials");
	struct cred_change creds = { 0 };
	struct cluster_in in;
	const char *bad, *why;

	/* The credentials a new cluster is given are not among its fields: taken out first. */
	if (given != NULL) {
		json_own(r->a, json_incref(given));
		json_object_del(r->json, "credentials");
		if ((bad = res_clusters_cred_from_json(given, &creds, &why)) != NULL ||
		    (bad = res_clusters_cred_check(&creds, &why)) != NULL)
			field_error(errors, "credentials", arena_printf(r->a, "%s: %s", bad, why));
	}
	cluster_in_init(&in);
	cluster_in_from_json(&in, r->json, errors);
	return json_save(r, NULL, &in, given != NULL ? &creds : NULL, errors);
}

int
res_clusters_replace(struct req *r)
{
	json_t *errors = json_own(r->a, json_object());
	struct cluster_in in;

	cluster_in_init(&in);
	cluster_in_from_json(&in, r->json, errors);
	return json_save(r, kv_get(&r->params, "id"), &in, NULL, errors);
}

int
res_clusters_patch(struct req *r)
{
	json_t *errors = json_own(r->a, json_object());
	struct cluster_in in;
	struct cluster *c;
	int st;

	if ((st = res_clusters_load(r, &c)) != 0)
		return st;
	cluster_in_from_cluster(&in, c, r->a);
	cluster_in_from_json(&in, r->json, errors);
	return json_save(r, c->id, &in, NULL, errors);
}

int
res_clusters_delete(struct req *r)
{
	struct cluster *c;
	enum err e;
	int st;

	if ((st = res_clusters_load(r, &c)) != 0)
		return st;
	if ((e = res_clusters_remove(r, c)) == ERR_NOTFOUND)
		return req_fail(r, 404, "no cluster has this id");
	if (e != ERR_OK)
		return req_fail_err(r, e, "delete cluster");
	r->status = 204;
	r->body_set = true;
	return 204;
}

int
res_clusters_health(struct req *r)
{
	struct list_params lp;
	struct cluster_check *h;
	struct cluster *c;
	struct jw w;
	enum err e;
	int st, n;

	if ((st = list_read(r, NULL, &lp)) != 0)
		return st;
	if ((st = res_clusters_load(r, &c)) != 0)
		return st;
	if ((e = cluster_history(r->w->db, r->a, c->id, lp.limit, &h, &n)) != ERR_OK)
		return req_fail_err(r, e, "cluster history");
	req_jw_begin(r, &w);
	jw_object(&w);
	JW_KEY(&w, "cluster_id");
	jw_string(&w, c->id);
	JW_KEY(&w, "items");
	jw_array(&w);
	for (int i = 0; i < n; i++) {
		jw_object(&w);
		JW_KEY(&w, "at");
		jw_string(&w, h[i].at);
		JW_KEY(&w, "status");
		jw_string(&w, h[i].status);
		JW_KEY(&w, "reason");
		jw_string(&w, h[i].reason);
		JW_KEY(&w, "version");
		jw_string(&w, h[i].version);
		JW_KEY(&w, "latency_ms");
		if (h[i].latency_ms >= 0)
			jw_int(&w, h[i].latency_ms);
		else
			jw_null(&w);
		jw_end_object(&w);
	}
	jw_end_array(&w);
	jw_end_object(&w);
	return req_jw_done(r, 200);
}
