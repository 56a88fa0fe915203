/* res_prom.c: the fleet as one Prometheus under /prometheus/api/v1/ (query, query_range, labels,
 * label/{name}/values, series, status/buildinfo), in Prometheus's own JSON, so that Grafana,
 * promtool and any Prometheus client use every cluster as one data source. A cluster that did not
 * answer is a warning, never an error; errors have Prometheus's shape (RF_PROM, route.c). */
#include "config.h"

#include "fanout.h"
#include "jw.h"
#include "req.h"
#include "res.h"
#include "res_metrics.h"

/* The Prometheus version whose HTTP API this answers as. Clients pick features by it (Grafana
 * asks label names with match[] from 2.24 on, for instance); Debian 12's Prometheus is 2.42. */
#define PROM_API_VERSION "2.42.0"

/* answer runs kind for r and writes Prometheus's JSON; returns the status. Prometheus ignores
 * parameters it does not know, and so does this; cluster and selector narrow the fleet (Grafana
 * can send them as the data source's custom query parameters). */
static int
answer(struct req *r, enum fanout_kind kind)
{
	return res_metrics_answer(r, kind, false, fanout_write_prom, "prom");
}

int
res_prom_query(struct req *r)
{
	return answer(r, FANOUT_QUERY);
}

int
res_prom_query_range(struct req *r)
{
	return answer(r, FANOUT_QUERY_RANGE);
}

int
res_prom_labels(struct req *r)
{
	return answer(r, FANOUT_LABELS);
}

int
res_prom_label_values(struct req *r)
{
	return answer(r, FANOUT_LABEL_VALUES);
}

int
res_prom_series(struct req *r)
{
	return answer(r, FANOUT_SERIES);
}

int
res_prom_buildinfo(struct req *r)
{
	struct jw w;

	req_jw_begin(r, &w);
	jw_raw(&w,
	    "{\"status\":\"success\",\"data\":{\"version\":\"" PROM_API_VERSION "\","
	    "\"revision\":\"aiops-nextgen " PACKAGE_VERSION "\",\"branch\":\"\",\"buildUser\":\"\","
	    "\"buildDate\":\"\",\"goVersion\":\"\"}}");
	return req_jw_done(r, 200);
}
