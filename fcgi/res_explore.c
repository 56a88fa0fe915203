/* res_explore.c: the metrics explorer (/metrics/explore) and the charts of a cluster's page. The
 * server renders the explorer's form from the address, so an address reproduces a view; the
 * chart, the table and each cluster's outcome are drawn in the browser (static/js/explore.js and
 * charts.js) from /api/v1/metrics/, the fan-out's JSON. */
#include "config.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "buf.h"
#include "cluster.h"
#include "kv.h"
#include "list.h"
#include "req.h"
#include "res.h"
#include "tpl.h"
#include "url.h"

/* The longest expression the page takes: far past any a person types, short of the address
 * limits of nginx (8 kB a line by default) once encoded. */
#define EXPLORE_QUERY_MAX 4000
#define EXPLORE_SELECTOR_MAX 512
#define EXPLORE_NAMES_MAX 200

/* The time ranges offered, ending now; "custom" takes start and end. */
static const char *const ranges[] = { "15m", "1h", "6h", "24h", "7d", "custom", NULL };
static const char *const range_titles[] = { "the last 15 minutes", "the last hour", "the last 6 hours",
	"the last 24 hours", "the last 7 days", "from a start to an end time", NULL };

/* The charts of a cluster's page: each a range query asked of that cluster alone through the
 * fan-out (each expression's outer operation is the cluster's own, so the answer is one series
 * or a few). gpu: only for clusters with GPUs. */
static const struct chart {
	const char *key, *title, *query, *unit;
	bool gpu;
} charts[] = {
	{ "apiserver", "API server latency (p99)",
	    "histogram_quantile(0.99, sum by (le) (rate(apiserver_request_duration_seconds_bucket{verb!~"
	    "\"WATCH|CONNECT\"}[5m])))",
	    "s", false },
	{ "cpu", "CPU used", "100 * (1 - avg(rate(node_cpu_seconds_total{mode=\"idle\"}[5m])))", "%", false },
	{ "memory", "Memory used",
	    "100 * (1 - sum(node_memory_MemAvailable_bytes) / sum(node_memory_MemTotal_bytes))", "%", false },
	{ "gpu", "GPU utilisation (mean)", "avg(DCGM_FI_DEV_GPU_UTIL)", "%", true },
};

/* one_of says whether s is one of the NULL-terminated list; its index, or -1. */
static int
one_of(const char *s, const char *const *list)
{
	for (int i = 0; list[i] != NULL; i++)
		if (strcmp(s, list[i]) == 0)
			return i;
	return -1;
}

/* parse_time reads a time of the address: Unix seconds (a fraction allowed), or a UTC date and
 * time YYYY-MM-DDTHH:MM with optional :SS, fraction and Z, the form a datetime-local field sends.
 * Returns false when s is neither. */
static bool
parse_time(const char *s, time_t *out)
{
	struct tm tm;
	const char *p;
	char *end;

	if (isdigit((unsigned char)s[0]) && strchr(s, '-') == NULL) {
		double v = strtod(s, &end);

		if (*end != '\0' || v < 0 || v > 32503680000.0) /* year 3000 */
			return false;
		*out = (time_t)v;
		return true;
	}
	memset(&tm, 0, sizeof(tm));
	p = strptime(s, "%Y-%m-%dT%H:%M", &tm);
	if (p == NULL)
		return false;
	if (*p == ':') {
		if (!isdigit((unsigned char)p[1]) || !isdigit((unsigned char)p[2]))
			return false;
		tm.tm_sec = (p[1] - '0') * 10 + (p[2] - '0');
		p += 3;
		if (*p == '.')
			for (p++; isdigit((unsigned char)*p); p++)
				;
	}
	if (*p == 'Z' || *p == 'z')
		p++;
	if (*p != '\0' || tm.tm_sec > 60 || tm.tm_year < 70 || tm.tm_year > 1100)
		return false;
	*out = timegm(&tm);
	return true;
}

/* local_value writes t as a datetime-local field's value (UTC; seconds only when not zero). Arena
 * memory. */
static const char *
local_value(struct arena *a, time_t t)
{
	struct tm tm;
	char out[32];

	gmtime_r(&t, &tm);
	strftime(out, sizeof(out), tm.tm_sec != 0 ? "%Y-%m-%dT%H:%M:%S" : "%Y-%m-%dT%H:%M", &tm);
	return arena_strdup(a, out);
}

/* step_ok accepts what the step field may hold: empty (automatic), seconds, or a Prometheus
 * duration of one unit (30s, 5m, 1h, 1d). */
static bool
step_ok(const char *s)
{
	size_t n = strspn(s, "0123456789");

	if (n == 0 || n > 7)
		return false;
	return s[n] == '\0' || (strchr("smhd", s[n]) != NULL && s[n + 1] == '\0');
}

/* picked says whether name is among the chosen names. */
static bool
picked(const char **names, const char *name)
{
	for (; names != NULL && *names != NULL; names++)
		if (strcmp(*names, name) == 0)
			return true;
	return false;
}

/* set_clusters lists the register (up to CLUSTER_LIST_MAX, by name) for the picker, each chosen
 * name checked; a chosen name the register does not hold is listed too, so the form keeps it
 * and the API's answer says what became of it. Returns 0 or the status answered. */
static int
set_clusters(struct req *r, const char **names)
{
	struct tpl_row *rows = tpl_rows(r->w->tpl, r->a, "Clusters");
	struct cluster_filter f;
	struct cluster_page page;
	int chosen = 0, listed;
	enum err e;

	memset(&f, 0, sizeof(f));
	f.has_gpu = -1;
	f.limit = CLUSTER_LIST_MAX;
	if ((e = cluster_list(r->w->db, r->a, &f, &page)) != ERR_OK)
		return req_fail_err(r, e, "list clusters");
	listed = page.n;
	for (int i = 0; i < page.n; i++) {
		const struct cluster *c = &page.items[i];
		struct tpl_row *row = tpl_row_add(rows, NULL);

		tpl_row_set(row, "name", c->name);
		tpl_row_set(row, "environment", c->environment);
		if (c->prometheus_url == NULL || c->prometheus_url[0] == '\0')
			tpl_row_set(row, "no_prometheus", "1");
		if (picked(names, c->name)) {
			tpl_row_set(row, "checked", "1");
			chosen++;
		}
	}
	for (const char **n = names; n != NULL && *n != NULL; n++) {
		bool known = false;

		for (int i = 0; i < page.n && !known; i++)
			known = strcmp(page.items[i].name, *n) == 0;
		if (!known) {
			struct tpl_row *row = tpl_row_add(rows, NULL);

			tpl_row_set(row, "name", *n);
			tpl_row_set(row, "checked", "1");
			tpl_row_set(row, "unknown", "1");
			chosen++;
			listed++;
		}
	}
	tpl_set_int(r->w->tpl, "Explore.clusters_total", listed);
	tpl_set_int(r->w->tpl, "Explore.clusters_listed", page.n);
	tpl_set_int(r->w->tpl, "Explore.clusters_chosen", chosen);
	if (page.next_cursor != NULL)
		tpl_set(r->w->tpl, "Explore.clusters_more", "1");
	return 0;
}

/* read_range reads range, start and end: a preset, or "custom" with both times (also implied
 * when range is absent and both are given). Sets the form's values; 0 or 400. */
static int
read_range(struct req *r)
{
	const char *range = kv_get(&r->query, "range"), *start = kv_get(&r->query, "start"),
		   *end = kv_get(&r->query, "end");
	struct tpl *t = r->w->tpl;
	time_t ts, te;
	struct tpl_row *rows;
	int sel;

	if (start != NULL && *start == '\0')
		start = NULL;
	if (end != NULL && *end == '\0')
		end = NULL;
	if (range == NULL || *range == '\0')
		range = start != NULL && end != NULL ? "custom" : "1h";
	if ((sel = one_of(range, ranges)) < 0)
		return req_fail(r, 400, "range is 15m, 1h, 6h, 24h, 7d or custom");
	if (strcmp(range, "custom") == 0) {
		if (start == NULL || end == NULL)
			return req_fail(r, 400, "a custom range needs start and end");
		if (!parse_time(start, &ts) || !parse_time(end, &te))
			return req_fail(r, 400,
			    "start and end are UTC times such as 2026-05-14T08:00 (seconds and a Z may "
			    "follow) or Unix seconds");
		if (te <= ts)
			return req_fail(r, 400, "end must come after start");
		tpl_set(t, "Explore.start", local_value(r->a, ts));
		tpl_set(t, "Explore.end", local_value(r->a, te));
	}
	tpl_set(t, "Explore.range", range);
	rows = tpl_rows(t, r->a, "Ranges");
	for (int i = 0; ranges[i] != NULL; i++) {
		struct tpl_row *row = tpl_row_add(rows, NULL);

		tpl_row_set(row, "v", ranges[i]);
		tpl_row_set(row, "title", range_titles[i]);
		if (i == sel)
			tpl_row_set(row, "sel", "1");
	}
	return 0;
}

int
res_explore_page(struct req *r)
{
	const char *query = kv_get(&r->query, "query"), *selector = kv_get(&r->query, "selector"),
		   *step = kv_get(&r->query, "step"), *view = kv_get(&r->query, "view");
	const char **names = list_values(r, "cluster");
	struct tpl *t = r->w->tpl;
	int n = 0, st;

	if (query != NULL && strlen(query) > EXPLORE_QUERY_MAX)
		return req_fail(r, 400, "the expression is longer than 4000 bytes");
	if (selector != NULL && strlen(selector) > EXPLORE_SELECTOR_MAX)
		return req_fail(r, 400, "the label selector is longer than 512 bytes");
	for (const char **p = names; p != NULL && *p != NULL; p++, n++)
		if (cluster_name_ok(*p) != NULL || n >= EXPLORE_NAMES_MAX)
			return req_fail(r, 400,
			    "cluster takes up to 200 cluster names (lower-case letters, digits and '-')");
	if (step != NULL && *step != '\0' && !step_ok(step))
		return req_fail(
		    r, 400, "step is empty (automatic), seconds, or a duration such as 30s, 5m or 1h");
	if (view == NULL || *view == '\0')
		view = "graph";
	if (strcmp(view, "graph") != 0 && strcmp(view, "table") != 0)
		return req_fail(r, 400, "view is graph or table");
	if ((st = read_range(r)) != 0 || (st = set_clusters(r, names)) != 0)
		return st;
	tpl_set(t, "Explore.query", query);
	tpl_set(t, "Explore.selector", selector);
	tpl_set(t, "Explore.step", step);
	tpl_set(t, "Explore.view", view);
	return req_page(r, 200, "explore", "Explore metrics");
}

/* explore_url is the explorer's address for query on one cluster over the last hour. Arena
 * memory. */
static const char *
explore_url(struct arena *a, const char *query, const char *cluster)
{
	return arena_printf(
	    a, "/metrics/explore?query=%s&cluster=%s&range=1h", url_encode(a, query), url_encode(a, cluster));
}

void
res_explore_cluster_charts(struct req *r, const struct cluster *c)
{
	struct tpl_row *rows = tpl_rows(r->w->tpl, r->a, "Charts");
	bool prom = c->prometheus_url != NULL && c->prometheus_url[0] != '\0';

	for (size_t i = 0; i < sizeof(charts) / sizeof(charts[0]); i++) {
		struct tpl_row *row;

		if (charts[i].gpu && !c->has_gpu)
			continue;
		row = tpl_row_add(rows, NULL);
		tpl_row_set(row, "key", charts[i].key);
		tpl_row_set(row, "title", charts[i].title);
		tpl_row_set(row, "query", charts[i].query);
		tpl_row_set(row, "unit", charts[i].unit);
		tpl_row_set(row, "explore", explore_url(r->a, charts[i].query, c->name));
		if (!prom)
			tpl_row_set(row, "no_prometheus", "1");
	}
	tpl_set(r->w->tpl, "ChartsExplore",
	    arena_printf(r->a, "/metrics/explore?cluster=%s&range=1h", url_encode(r->a, c->name)));
}
