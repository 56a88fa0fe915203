/* res_ingest.c: a cluster's ingest token, made by an admin and shown once. */
#include "config.h"

#include "arena.h"
#include "cluster.h"
#include "db.h"
#include "ident.h"
#include "ingest.h"
#include "jw.h"
#include "kv.h"
#include "req.h"
#include "res.h"

int
res_ingest_token_create(struct req *r)
{
	struct cluster *c;
	char *token = NULL;
	struct jw *w;
	enum err e = cluster_get(r->w->db, r->a, kv_get(&r->params, "id"), &c);

	if (e == ERR_NOTFOUND)
		return req_fail(r, 404, "no cluster has this id");
	if (e != ERR_OK)
		return req_fail_err(r, e, "get cluster");
	/* The new token and its audit row land together or not at all. */
	if ((e = db_tx_begin(r->w->db)) == ERR_OK &&
	    (e = ingest_token_new(r->w->db, r->a, c->id, r->id->username, &token)) == ERR_OK &&
	    (e = ident_audit(
		 r, NULL, "cluster.ingest_token", arena_printf(r->a, "cluster:%s", c->name), NULL)) == ERR_OK)
		e = db_tx_commit(r->w->db);
	db_tx_rollback(r->w->db);
	if (e != ERR_OK)
		return req_fail_err(r, e, "make ingest token");
	w = arena_alloc(r->a, sizeof(*w));
	req_jw_begin(r, w);
	jw_object(w);
	JW_KEY(w, "cluster");
	jw_string(w, c->name);
	JW_KEY(w, "token");
	jw_string(w, token);
	JW_KEY(w, "webhook_url");
	jw_string(w, arena_printf(r->a, "/api/v1/alerts/webhook/%s", c->name));
	jw_end_object(w);
	return req_jw_done(r, 201);
}
