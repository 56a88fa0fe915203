/* fanout_json.c: a fan-out's result as our API writes it and as Prometheus writes it (the cache keeps
 * what they wrote). */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "arena.h"
#include "fanout.h"
#include "json.h"
#include "jw.h"

#define DUMP_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(15)) /* times to the millisecond, no noise */

/* dump returns j as JSON text; arena memory. */
static const char *
dump(struct arena *a, const json_t *j)
{
	char *s = json_dumps(j, DUMP_FLAGS | JSON_ENCODE_ANY);
	const char *c;

	if (s == NULL)
		die_oom();
	c = arena_strdup(a, s);
	free(s);
	return c;
}

/* nullable returns a new string, or null for NULL. */
static json_t *
nullable(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

/* clusters_json returns the clusters' outcomes as our API shows them; the arena owns it. */
static json_t *
clusters_json(struct arena *a, const struct fanout_result *res)
{
	json_t *arr = json_own(a, json_array());

	for (int i = 0; i < res->nclusters; i++) {
		const struct fanout_cluster *c = &res->clusters[i];

		json_array_append_new(arr,
		    json_pack("{s:o, s:o, s:s, s:f, s:o, s:o, s:o, s:I}", "name", nullable(c->name), "id",
			nullable(c->id), "outcome", fanout_outcome_name(c->outcome), "ms",
			round(c->ms * 10) / 10, "http_status",
			c->http_status > 0 ? json_integer(c->http_status) : json_null(), "error_type",
			nullable(c->error_type), "error", nullable(c->outcome == FANOUT_OK ? NULL : c->error),
			"series", (json_int_t)c->series));
	}
	return arr;
}

/* warnings_json returns the result's warnings; the arena owns it. */
static json_t *
warnings_json(struct arena *a, const struct fanout_result *res)
{
	json_t *arr = json_own(a, json_array());

	for (int i = 0; i < res->nwarnings; i++)
		json_array_append_new(arr, json_string(res->warnings[i]));
	return arr;
}

void
fanout_write_json(struct jw *w, struct arena *a, enum fanout_kind kind, const struct fanout_result *res)
{
	jw_object(w);
	JW_KEY(w, "status");
	jw_string(w, "success");
	if (kind == FANOUT_QUERY || kind == FANOUT_QUERY_RANGE) {
		JW_KEY(w, "mode");
		jw_string(w, res->fleet ? "fleet" : "per_cluster");
		JW_KEY(w, "aggregation");
		jw_string(w, res->aggregation);
	}
	JW_KEY(w, "data");
	jw_raw(w, res->data != NULL ? dump(a, res->data) : "[]");
	JW_KEY(w, "clusters");
	jw_raw(w, dump(a, clusters_json(a, res)));
	JW_KEY(w, "asked");
	jw_int(w, res->asked);
	JW_KEY(w, "answered");
	jw_int(w, res->answered);
	JW_KEY(w, "warnings");
	jw_raw(w, dump(a, warnings_json(a, res)));
	JW_KEY(w, "cached");
	jw_bool(w, res->cached);
	jw_end_object(w);
}

void
fanout_write_prom(struct jw *w, struct arena *a, enum fanout_kind kind, const struct fanout_result *res)
{
	json_t *warn = warnings_json(a, res);

	(void)kind; /* Prometheus's shape is the same for every call */
	/* A cluster that did not answer is a warning: the answer is partial and says so. */
	for (int i = 0; i < res->nclusters; i++) {
		const struct fanout_cluster *c = &res->clusters[i];

		if (c->outcome == FANOUT_OK)
			continue;
		if (c->outcome == FANOUT_SKIPPED)
			json_array_append_new(warn, json_sprintf("%s: skipped: no Prometheus URL", c->name));
		else if (c->outcome == FANOUT_PROMETHEUS_ERROR)
			json_array_append_new(warn,
			    json_sprintf("%s: %s: %s", c->name,
				c->error_type != NULL ? c->error_type : "error",
				c->error != NULL ? c->error : ""));
		else
			json_array_append_new(warn,
			    json_sprintf("%s: %s", c->name,
				c->error != NULL ? c->error : fanout_outcome_name(c->outcome)));
	}
	jw_object(w);
	JW_KEY(w, "status");
	jw_string(w, "success");
	JW_KEY(w, "data");
	jw_raw(w, res->data != NULL ? dump(a, res->data) : "[]");
	if (json_array_size(warn) > 0) {
		JW_KEY(w, "warnings");
		jw_raw(w, dump(a, warn));
	}
	jw_end_object(w);
}
