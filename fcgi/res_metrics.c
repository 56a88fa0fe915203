/* res_metrics.c: the federated metrics as our JSON (GET|POST /api/v1/metrics/query, query_range,
 * labels, label/{name}/values, series): every cluster's Prometheus asked through the fan-out, the
 * answer with each cluster's outcome (METRICS.md). Also the parameter reader res_prom.c shares. */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "arena.h"
#include "buf.h"
#include "fanout.h"
#include "jw.h"
#include "kv.h"
#include "promql.h"
#include "req.h"
#include "res.h"
#include "res_clusters.h"
#include "res_metrics.h"
#include "version.h"

/* The parameters each kind takes, besides the cluster selector. */
static const char *const kind_params[FANOUT__MAX][6] = {
	[FANOUT_QUERY] = { "query", "time", "timeout", NULL },
	[FANOUT_QUERY_RANGE] = { "query", "start", "end", "step", "timeout", NULL },
	[FANOUT_LABELS] = { "start", "end", "match[]", "timeout", NULL },
	[FANOUT_LABEL_VALUES] = { "start", "end", "match[]", "timeout", NULL },
	[FANOUT_SERIES] = { "start", "end", "match[]", "timeout", NULL },
};

/* Every kind also takes these: the cluster selector, and a form's CSRF token (our pages send it). */
static const char *const common_params[] = { "cluster", "selector", "csrf_token", NULL };

/* listed says whether name is one of the NULL-terminated names. */
static bool
listed(const char *const *names, const char *name)
{
	for (; *names != NULL; names++)
		if (strcmp(*names, name) == 0)
			return true;
	return false;
}

/* param returns the first non-empty value of name, the form's before the query string's (as
 * Prometheus's FormValue), or NULL. Borrowed from r. */
static const char *
param(struct req *r, const char *name)
{
	const struct kvlist *lists[] = { &r->form, &r->query };

	for (size_t l = 0; l < 2; l++)
		for (size_t i = 0; i < lists[l]->n; i++)
			if (strcmp(lists[l]->items[i].k, name) == 0 && *lists[l]->items[i].v != '\0')
				return lists[l]->items[i].v;
	return NULL;
}

/* params_all returns every non-empty value of name (the form's first), NULL-terminated, or NULL
 * when there is none. The array is arena memory, the strings borrowed from r. */
static const char *const *
params_all(struct req *r, const char *name)
{
	const struct kvlist *lists[] = { &r->form, &r->query };
	const char **out = arena_alloc(r->a, sizeof(*out) * (r->form.n + r->query.n + 1));
	size_t n = 0;

	for (size_t l = 0; l < 2; l++)
		for (size_t i = 0; i < lists[l]->n; i++)
			if (strcmp(lists[l]->items[i].k, name) == 0 && *lists[l]->items[i].v != '\0')
				out[n++] = lists[l]->items[i].v;
	out[n] = NULL;
	return n > 0 ? out : NULL;
}

/* unknown_param returns the name of the first parameter kind does not take, or NULL. */
static const char *
unknown_param(struct req *r, enum fanout_kind kind)
{
	const struct kvlist *lists[] = { &r->form, &r->query };

	for (size_t l = 0; l < 2; l++)
		for (size_t i = 0; i < lists[l]->n; i++) {
			const char *k = lists[l]->items[i].k;

			if (!listed(kind_params[kind], k) && !listed(common_params, k))
				return k;
		}
	return NULL;
}

/* takes lists kind's parameters for a message: "query, time, timeout" (arena memory). */
static const char *
takes(struct arena *a, enum fanout_kind kind)
{
	const char *s = "";

	for (const char *const *p = kind_params[kind]; *p != NULL; p++)
		s = arena_printf(a, "%s%s%s", s, *s != '\0' ? ", " : "", *p);
	for (const char *const *p = common_params; *p != NULL && strcmp(*p, "csrf_token") != 0; p++)
		s = arena_printf(a, "%s, %s", s, *p);
	return s;
}

/* Prometheus refuses a range of more points per series than this. */
#define MAX_POINTS 11000

/* check_formats checks the times and durations q carries, in Prometheus's words; 0 or 400. */
static int
check_formats(struct req *r, const struct fanout_req *q)
{
	const char *times[] = { "time", q->time, "start", q->start, "end", q->end };
	double v[3] = { 0, 0, 0 }, step, timeout;

	for (size_t i = 0; i < 3; i++)
		if (times[2 * i + 1] != NULL && !promql_time(times[2 * i + 1], &v[i]))
			return req_fail(r, 400,
			    arena_printf(r->a,
				"invalid parameter \"%s\": cannot parse \"%s\" to a valid timestamp",
				times[2 * i], times[2 * i + 1]));
	if (q->start != NULL && q->end != NULL && v[2] < v[1])
		return req_fail(
		    r, 400, "invalid parameter \"end\": end timestamp must not be before start time");
	if (q->timeout != NULL && !promql_duration(q->timeout, &timeout))
		return req_fail(r, 400,
		    arena_printf(r->a,
			"invalid parameter \"timeout\": cannot parse \"%s\" to a valid duration",
			q->timeout));
	if (q->kind != FANOUT_QUERY_RANGE)
		return 0;
	if (!promql_duration(q->step, &step) || step <= 0)
		return req_fail(r, 400,
		    arena_printf(r->a,
			"invalid parameter \"step\": cannot parse \"%s\" to a positive duration (30s, 5m) "
			"or number of seconds",
			q->step));
	if ((v[2] - v[1]) / step > MAX_POINTS)
		return req_fail(r, 400,
		    "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query "
		    "resolution (?step=XX)");
	return 0;
}

/* res_metrics_params fills q for kind from r's parameters: query, time, start, end, step,
 * timeout and match[] as Prometheus names them, the label from the path's {name}, and the
 * cluster selector (cluster, repeatable or comma-separated, or selector; not both). An empty value
 * counts as not given. What each kind requires (a query; start, end and step for a range; a
 * match[] for series; a valid label name) is checked here; the formats of times and durations are
 * checked by fanout_run. With strict, a parameter the kind does not take is refused (our API, so a
 * misspelt one is never silently ignored); without, it is ignored (Prometheus's clients send
 * their own extras). Strings are borrowed from r (arena memory). Returns 0, or 400 recorded with
 * req_fail (its message names the parameter). */
static int
res_metrics_params(struct req *r, enum fanout_kind kind, bool strict, struct fanout_req *q)
{
	const char *bad;
	int st;

	memset(q, 0, sizeof(*q));
	q->kind = kind;
	if (strict && (bad = unknown_param(r, kind)) != NULL)
		return req_fail(r, 400,
		    arena_printf(r->a, "unknown parameter \"%s\"; this takes %s", bad, takes(r->a, kind)));
	q->query = param(r, "query");
	q->time = param(r, "time");
	q->start = param(r, "start");
	q->end = param(r, "end");
	q->step = param(r, "step");
	q->timeout = param(r, "timeout");
	q->match = params_all(r, "match[]");
	q->clusters = params_all(r, "cluster");
	q->selector = param(r, "selector");
	if ((kind == FANOUT_QUERY || kind == FANOUT_QUERY_RANGE) && q->query == NULL)
		return req_fail(r, 400, "invalid parameter \"query\": give a PromQL expression");
	if (kind == FANOUT_QUERY_RANGE) {
		static const char *const need[] = { "start", "end", "step" };
		const char *have[] = { q->start, q->end, q->step };

		for (size_t i = 0; i < 3; i++)
			if (have[i] == NULL)
				return req_fail(r, 400,
				    arena_printf(r->a,
					"invalid parameter \"%s\": a range query needs start, end (RFC 3339 "
					"or Unix seconds) and step (a duration such as 30s, or seconds)",
					need[i]));
	}
	if ((st = check_formats(r, q)) != 0)
		return st;
	if (kind == FANOUT_SERIES && q->match == NULL)
		return req_fail(r, 400, "no match[] parameter provided: give at least one series selector");
	if (kind == FANOUT_LABEL_VALUES) {
		q->label = kv_get(&r->params, "name");
		if (!promql_label_name_ok(q->label))
			return req_fail(r, 400,
			    arena_printf(
				r->a, "invalid label name: \"%s\"", q->label != NULL ? q->label : ""));
	}
	if (q->clusters != NULL && q->selector != NULL)
		return req_fail(
		    r, 400, "give cluster (names) or selector (labels of the register), not both");
	return 0;
}

/* no_cache says whether the client asked for a fresh answer (Cache-Control: no-cache). */
static bool
no_cache(struct req *r)
{
	const char *cc = req_param(r, "HTTP_CACHE_CONTROL");

	return cc != NULL && strcasestr(cc, "no-cache") != NULL;
}

/* res_metrics_run runs q for r's caller (role, no_cache from a request's Cache-Control: no-cache)
 * and fills *res (arena memory). Returns 0, or the status recorded with req_fail: 400 for a
 * request fanout_run refuses or a cluster name that does not exist (*res->why says which), 422
 * when the refusal is Prometheus's "execution" kind, 503 when the register cannot be read. */
static int
res_metrics_run(struct req *r, struct fanout_req *q, struct fanout_result *res)
{
	enum err e;

	q->role = r->id != NULL ? r->id->role : ROLE_VIEWER;
	q->no_cache = no_cache(r);
	memset(res, 0, sizeof(*res));
	e = fanout_run(r->w->db, r->w->rds, res_clusters_key(r), r->a, q, res);
	switch (e) {
	case ERR_OK: return 0;
	case ERR_INPUT:
		return req_fail(r,
		    res->error_type != NULL && strcmp(res->error_type, "execution") == 0 ? 422 : 400,
		    res->why != NULL ? res->why : "the request is not valid");
	case ERR_NOTFOUND: return req_fail(r, 400, res->why != NULL ? res->why : "no such cluster");
	default: return req_fail_err(r, e, "federated metrics");
	}
}

int
res_metrics_answer(struct req *r, enum fanout_kind kind, bool strict, fanout_writer write, const char *format)
{
	struct fanout_req q;
	struct fanout_result res;
	const char *steady;
	struct jw w;
	int st;

	if ((st = res_metrics_params(r, kind, strict, &q)) != 0)
		return st;
	q.write = write;
	q.format = format;
	q.register_version = version_get(r, DATAVER_BIT(DATAVER_CLUSTERS), &steady);
	if ((st = res_metrics_run(r, &q, &res)) != 0)
		return st;
	req_jw_begin(r, &w);
	buf_add(w.b, res.body, res.body_len);
	return req_jw_done(r, 200);
}

/* answer runs kind for r and writes our JSON; returns the status. */
static int
answer(struct req *r, enum fanout_kind kind)
{
	return res_metrics_answer(r, kind, true, fanout_write_json, "api");
}

int
res_metrics_query(struct req *r)
{
	return answer(r, FANOUT_QUERY);
}

int
res_metrics_query_range(struct req *r)
{
	return answer(r, FANOUT_QUERY_RANGE);
}

int
res_metrics_labels(struct req *r)
{
	return answer(r, FANOUT_LABELS);
}

int
res_metrics_label_values(struct req *r)
{
	return answer(r, FANOUT_LABEL_VALUES);
}

int
res_metrics_series(struct req *r)
{
	return answer(r, FANOUT_SERIES);
}
