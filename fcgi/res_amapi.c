/* res_amapi.c: the fleet as one Alertmanager (API v2, read-compatible) under /alertmanager/, so that
 * amtool and other Alertmanager clients see every cluster's alerts, each carrying its cluster label.
 * Silences go to the cluster's own Alertmanager (res_silences.c). */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include <jansson.h>

#include "alert_query.h"
#include "arena.h"
#include "json.h"
#include "jw.h"
#include "kv.h"
#include "req.h"
#include "res.h"

#define AMAPI_MAX 10000

/* flag reads a boolean query parameter of Alertmanager's API; absent is dflt. */
static bool
flag(struct req *r, const char *name, bool dflt)
{
	const char *v = kv_get(&r->query, name);

	return v == NULL || *v == '\0' ? dflt : strcmp(v, "true") == 0;
}

/* read_query reads Alertmanager's filters (active, silenced, inhibited, filter=matcher) into f.
 * A cluster="NAME" matcher names a cluster. Returns 0 or 400. */
static int
read_query(struct req *r, struct alert_filter *f)
{
	const char **states = arena_alloc(r->a, sizeof(*states) * 4),
		   **clusters = arena_alloc(r->a, sizeof(*clusters) * 2);
	int ns = 0;

	memset(f, 0, sizeof(*f));
	if (flag(r, "active", true))
		states[ns++] = "active";
	if (flag(r, "silenced", true))
		states[ns++] = "silenced";
	if (flag(r, "inhibited", true))
		states[ns++] = "inhibited";
	states[ns] = NULL;
	if (ns == 0)
		states[ns++] = "none", states[ns] = NULL;
	f->states = states;
	for (size_t i = 0; i < r->query.n; i++) {
		struct alert_matcher m;
		const char *why;

		if (strcmp(r->query.items[i].k, "filter") != 0)
			continue;
		if ((why = alert_matcher_parse(r->a, r->query.items[i].v, &m)) != NULL)
			return req_fail(r, 400, why);
		if (strcmp(m.name, "cluster") == 0 && strcmp(m.op, "=") == 0) {
			clusters[0] = m.value;
			clusters[1] = NULL;
			f->clusters = clusters;
			continue;
		}
		if (f->nmatchers == ALERT_MATCHERS_MAX)
			return req_fail(r, 400, "at most 16 matchers");
		f->matchers[f->nmatchers++] = m;
	}
	return 0;
}

/* labels_with_cluster returns an alert's labels with its cluster's name as the cluster label. */
static const char *
labels_with_cluster(struct arena *a, const struct alert *al)
{
	json_t *l = json_own(a, json_loads(al->labels != NULL ? al->labels : "{}", 0, NULL));

	json_object_set_new(l, "cluster", json_string(al->cluster));
	return json_text(a, l);
}

/* ids_or_none is the JSON array text of ids s (the store's own output), "[]" for NULL. */
static const char *
ids_or_none(const char *s)
{
	return s != NULL && *s != '\0' ? s : "[]";
}

/* write_alert writes al as Alertmanager's gettableAlert. */
static void
write_alert(struct jw *w, struct arena *a, const struct alert *al)
{
	bool muted = strcmp(ids_or_none(al->silenced_by), "[]") != 0 ||
	    strcmp(ids_or_none(al->inhibited_by), "[]") != 0;

	jw_object(w);
	JW_KEY(w, "labels");
	jw_raw(w, labels_with_cluster(a, al));
	JW_KEY(w, "annotations");
	jw_raw(w, al->annotations != NULL ? al->annotations : "{}");
	JW_KEY(w, "receivers");
	jw_raw(w, "[{\"name\":\"aiops\"}]");
	JW_KEY(w, "fingerprint");
	jw_string(w, al->fingerprint);
	JW_KEY(w, "startsAt");
	jw_string(w, al->starts_at);
	JW_KEY(w, "updatedAt");
	jw_string(w, al->updated_at);
	JW_KEY(w, "endsAt");
	jw_string(w, al->ends_at != NULL ? al->ends_at : al->updated_at);
	JW_KEY(w, "generatorURL");
	jw_string(w, al->generator_url != NULL ? al->generator_url : "");
	JW_KEY(w, "status");
	jw_object(w);
	JW_KEY(w, "state");
	jw_string(w, muted ? "suppressed" : "active");
	JW_KEY(w, "silencedBy");
	jw_raw(w, ids_or_none(al->silenced_by));
	JW_KEY(w, "inhibitedBy");
	jw_raw(w, ids_or_none(al->inhibited_by));
	jw_end_object(w);
	jw_end_object(w);
}

/* fetch reads the alerts r asks for; 0, or the status answered. */
static int
fetch(struct req *r, struct alert **items, int *n)
{
	struct alert_filter f;
	bool more;
	enum err e;
	int st;

	if ((st = read_query(r, &f)) != 0)
		return st;
	if ((e = alert_list_all(r->w->db, r->a, &f, AMAPI_MAX, items, n, &more)) != ERR_OK)
		return e == ERR_INPUT ? req_fail(r, 400, "a regular expression PostgreSQL refuses")
				      : req_fail_err(r, e, "list alerts");
	return 0;
}

int
res_amapi_alerts(struct req *r)
{
	struct alert *items;
	struct jw w;
	int n, st;

	if ((st = fetch(r, &items, &n)) != 0)
		return st;
	req_jw_begin(r, &w);
	jw_array(&w);
	for (int i = 0; i < n; i++)
		write_alert(&w, r->a, &items[i]);
	jw_end_array(&w);
	return req_jw_done(r, 200);
}

int
res_amapi_groups(struct req *r)
{
	struct alert *items;
	struct jw w;
	int n, st;

	if ((st = fetch(r, &items, &n)) != 0)
		return st;
	/* Grouped by cluster and alert name, as a route with group_by: [cluster, alertname] would. */
	req_jw_begin(r, &w);
	jw_array(&w);
	for (int i = 0; i < n; i++) {
		bool seen = false;

		for (int j = 0; j < i && !seen; j++)
			seen = strcmp(items[j].cluster, items[i].cluster) == 0 &&
			    strcmp(items[j].alertname, items[i].alertname) == 0;
		if (seen)
			continue;
		jw_object(&w);
		JW_KEY(&w, "labels");
		jw_raw(&w,
		    json_text(r->a,
			json_own(r->a,
			    json_pack("{s:s, s:s}", "cluster", items[i].cluster, "alertname",
				items[i].alertname))));
		JW_KEY(&w, "receiver");
		jw_raw(&w, "{\"name\":\"aiops\"}");
		JW_KEY(&w, "alerts");
		jw_array(&w);
		for (int j = i; j < n; j++)
			if (strcmp(items[j].cluster, items[i].cluster) == 0 &&
			    strcmp(items[j].alertname, items[i].alertname) == 0)
				write_alert(&w, r->a, &items[j]);
		jw_end_array(&w);
		jw_end_object(&w);
	}
	jw_end_array(&w);
	return req_jw_done(r, 200);
}

int
res_amapi_status(struct req *r)
{
	struct jw w;

	req_jw_begin(r, &w);
	jw_raw(&w,
	    "{\"cluster\":{\"name\":\"aiops\",\"status\":\"ready\",\"peers\":[]},"
	    "\"versionInfo\":{\"version\":\"" PACKAGE_VERSION "\",\"revision\":\"aiops\",\"branch\":\"\","
	    "\"buildUser\":\"\",\"buildDate\":\"\",\"goVersion\":\"\"},"
	    "\"config\":{\"original\":\"# the fleet of AIOps NextGen: each cluster's Alertmanager keeps its "
	    "own configuration\\n\"},\"uptime\":\"1970-01-01T00:00:00Z\"}");
	return req_jw_done(r, 200);
}
