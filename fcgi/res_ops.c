/* res_ops.c: what operators and orchestrators ask of the process: alive, ready, metrics. */
#include "config.h"

#include <stdbool.h>

#include <jansson.h>

#include "arena.h"
#include "buf.h"
#include "cluster.h"
#include "collector.h"
#include "db.h"
#include "json.h"
#include "jw.h"
#include "metrics.h"
#include "rds.h"
#include "req.h"
#include "res.h"

int
res_ops_health(struct req *r)
{
	struct jw w_, *w = &w_;

	req_jw_begin(r, w);

	jw_object(w);
	JW_KEY(w, "status");
	jw_string(w, "ok");
	jw_end_object(w);
	return req_jw_done(r, 200);
}

int
res_ops_ready(struct req *r)
{
	enum err dbe = db_ping(r->w->db), rde = rds_ping(r->w->rds);
	bool ok = dbe == ERR_OK && rde == ERR_OK;
	struct jw w_, *w = &w_;

	req_jw_begin(r, w);
	jw_object(w);
	JW_KEY(w, "status");
	jw_string(w, ok ? "ready" : "not ready");
	JW_KEY(w, "checks");
	jw_object(w);
	JW_KEY(w, "postgresql");
	jw_string(w, dbe == ERR_OK ? "ok" : "unreachable");
	JW_KEY(w, "redis");
	jw_string(w, rde == ERR_OK ? "ok" : "unreachable");
	jw_end_object(w);
	JW_KEY(w, "down");
	jw_array(w);
	if (dbe != ERR_OK)
		jw_string(w, "postgresql");
	if (rde != ERR_OK)
		jw_string(w, "redis");
	jw_end_array(w);
	jw_end_object(w);
	return req_jw_done(r, ok ? 200 : 503);
}

/* label_value appends s as a Prometheus label value: backslash, quote and newline escaped. */
static void
label_value(struct buf *b, const char *s)
{
	buf_addc(b, '"');
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			buf_addc(b, '\\');
		if (*s == '\n')
			buf_adds(b, "\\n");
		else
			buf_addc(b, *s);
	}
	buf_addc(b, '"');
}

/* gauge_family writes a gauge with one label: counts[i] for the label value keys[i], i < n. */
static void
gauge_family(struct buf *b, const char *name, const char *help, const char *label, const char *const *keys,
    const long *counts, int n)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
	for (int i = 0; i < n; i++) {
		buf_printf(b, "%s{%s=", name, label);
		label_value(b, keys[i]);
		buf_printf(b, "} %ld\n", counts[i]);
	}
}

/* product_metrics writes what the console knows of the fleet and of its own collectors, so that
 * Prometheus can alert on the console itself; aiops_register_up says whether it could be read. */
static void
product_metrics(struct req *r, struct buf *b)
{
	static const char *const fams[][2] = {
		{ "aiops_collector_last_run_timestamp_seconds", "When the collector's last pass ended." },
		{ "aiops_collector_last_run_duration_seconds", "How long the collector's last pass took." },
		{ "aiops_collector_last_run_success", "1 when the collector's last pass succeeded." },
	};
	struct collector_run *runs;
	struct cluster_summary s;
	int n, ok;

	ok = cluster_summary(r->w->db, r->a, &s) == ERR_OK;
	if (ok)
		ok = collector_runs_list(r->w->db, r->a, &runs, &n) == ERR_OK;
	buf_printf(b,
	    "# HELP aiops_register_up 1 when the register (PostgreSQL) answered for these metrics.\n"
	    "# TYPE aiops_register_up gauge\naiops_register_up %d\n",
	    ok);
	if (!ok)
		return;
	gauge_family(b, "aiops_clusters", "Clusters in the register by status.", "status", cluster_statuses,
	    s.by_status, CLUSTER_STATUS__N);
	gauge_family(b, "aiops_clusters_by_environment", "Clusters in the register by environment.",
	    "environment", cluster_environments, s.by_environment, CLUSTER_ENV__N);
	for (size_t f = 0; f < sizeof(fams) / sizeof(fams[0]); f++) {
		buf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n", fams[f][0], fams[f][1], fams[f][0]);
		for (int i = 0; i < n; i++) {
			buf_printf(b, "%s{collector=", fams[f][0]);
			label_value(b, runs[i].collector);
			buf_adds(b, ",shard=");
			label_value(b, runs[i].shard);
			if (f == 0)
				buf_printf(b, "} %.3f\n", runs[i].finished);
			else if (f == 1)
				buf_printf(b, "} %.3f\n", runs[i].finished - runs[i].started);
			else
				buf_printf(b, "} %d\n", runs[i].ok);
		}
	}
}

int
res_ops_metrics(struct req *r)
{
	r->body.len = 0;
	metrics_write(&r->body);
	product_metrics(r, &r->body);
	r->ctype = "text/plain; version=0.0.4; charset=utf-8";
	r->body_set = true;
	return 200;
}
