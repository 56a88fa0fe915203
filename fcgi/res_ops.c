/* res_ops.c: what operators and orchestrators ask of the process: alive, ready, metrics. */
#include "config.h"

#include "buf.h"
#include "db.h"
#include "metrics.h"
#include "rds.h"
#include "req.h"
#include "res.h"

int
res_ops_health(struct req *r)
{
	return req_json(r, 200, json_pack("{s:s}", "status", "ok"));
}

int
res_ops_ready(struct req *r)
{
	enum err dbe = db_ping(r->w->db), rde = rds_ping(r->w->rds);
	json_t *down = json_array();
	int ok = dbe == ERR_OK && rde == ERR_OK;

	if (dbe != ERR_OK)
		json_array_append_new(down, json_string("postgresql"));
	if (rde != ERR_OK)
		json_array_append_new(down, json_string("redis"));
	return req_json(r, ok ? 200 : 503,
	    json_pack("{s:s, s:{s:s, s:s}, s:o}", "status", ok ? "ready" : "not ready", "checks",
		"postgresql", dbe == ERR_OK ? "ok" : "unreachable", "redis",
		rde == ERR_OK ? "ok" : "unreachable", "down", down));
}

int
res_ops_metrics(struct req *r)
{
	r->body.len = 0;
	metrics_write(&r->body);
	r->ctype = "text/plain; version=0.0.4; charset=utf-8";
	r->body_set = true;
	return 200;
}
