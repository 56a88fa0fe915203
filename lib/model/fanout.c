/* fanout.c: a Prometheus read-API call asked of every selected cluster at once (bounded concurrency,
 * per-cluster timeout, overall deadline, sealed credentials), each answer's outcome, the answers
 * merged or combined, and the result cached in Redis. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <jansson.h>
#include <sodium.h>

#include "arena.h"
#include "buf.h"
#include "cfg.h"
#include "cluster.h"
#include "credential.h"
#include "db.h"
#include "fanout.h"
#include "http.h"
#include "json.h"
#include "jw.h"
#include "log.h"
#include "promql.h"
#include "promreply.h"
#include "rds.h"
#include "url.h"

#define NAMES_MAX 1000 /* cluster names in one request */
#define SELECTOR_MAX 32 /* terms of a selector */

/* One selected cluster and its calls (two for avg: the sums and the counts). */
struct target {
	const struct cluster *c;
	struct fanout_cluster *out;
	struct http_req req[2];
	struct promreply reply[2];
	bool asked[2], parsed[2];
	const char *refused; /* the URL policy's reason, or NULL */
	char *secrets[CREDENTIAL__MAX];
	int pending; /* calls not finished; the secrets are wiped at 0 */
};

static const char *const outcome_names[FANOUT_OUTCOME__MAX] = { "ok", "timeout", "connection_error",
	"http_error", "prometheus_error", "bad_reply", "skipped" };

const char *
fanout_outcome_name(enum fanout_outcome o)
{
	return o < FANOUT_OUTCOME__MAX ? outcome_names[o] : "unknown";
}

static const char *const kind_names[FANOUT__MAX] = { "query", "query_range", "labels", "label_values",
	"series" };

int
fanout_kind_parse(const char *s)
{
	for (int k = 0; s != NULL && k < FANOUT__MAX; k++)
		if (strcmp(s, kind_names[k]) == 0)
			return k;
	return -1;
}

/* ---- the request ---- */

/* number writes v for a URL the way Prometheus reads it back exactly; arena memory. */
static const char *
number(struct arena *a, double v)
{
	char text[PROMREPLY_VALUE_MAX];

	return arena_strdup(a, promreply_value_text(text, v));
}

/* read_time parses the time parameter name into *out; false with *why set. */
static bool
read_time(struct arena *a, const char *name, const char *v, double *out, const char **why)
{
	if (promql_time(v, out))
		return true;
	*why = arena_printf(a, "invalid parameter \"%s\": cannot parse \"%s\" to a valid timestamp", name, v);
	return false;
}

enum err
fanout_params_read(struct arena *a, const struct fanout_req *q, double now, long ttl, double max_timeout,
    struct fanout_params *p, const char **why)
{
	bool query = q->kind == FANOUT_QUERY || q->kind == FANOUT_QUERY_RANGE;

	memset(p, 0, sizeof(*p));
	*why = NULL;
	if ((int)q->kind < 0 || q->kind >= FANOUT__MAX) {
		*why = "unknown kind of call";
		return ERR_INPUT;
	}
	p->kind = q->kind;
	p->timeout = max_timeout;
	if (q->timeout != NULL) {
		double t;

		if (!promql_duration(q->timeout, &t)) {
			*why = arena_printf(a,
			    "invalid parameter \"timeout\": cannot parse \"%s\" to a valid duration",
			    q->timeout);
			return ERR_INPUT;
		}
		p->timeout = fmin(t, max_timeout);
	}
	if (query && (q->query == NULL || q->query[0] == '\0')) {
		*why = "invalid parameter \"query\": give a PromQL expression";
		return ERR_INPUT;
	}
	p->query = query ? q->query : NULL;
	if ((p->has_start = q->start != NULL) && !read_time(a, "start", q->start, &p->start, why))
		return ERR_INPUT;
	if ((p->has_end = q->end != NULL) && !read_time(a, "end", q->end, &p->end, why))
		return ERR_INPUT;
	if (q->kind == FANOUT_QUERY) {
		p->has_start = p->has_end = false;
		if (q->time != NULL && !read_time(a, "time", q->time, &p->time, why))
			return ERR_INPUT;
		if (q->time == NULL)
			p->time = floor(now * 1000) / 1000;
		p->key_time = q->time != NULL || ttl <= 0 ? p->time : floor(now / (double)ttl) * (double)ttl;
	}
	if (q->kind == FANOUT_QUERY_RANGE) {
		if (!p->has_start || !p->has_end || q->step == NULL) {
			*why = "a range query needs start, end and step";
			return ERR_INPUT;
		}
		if (!promql_duration(q->step, &p->step)) {
			*why = "invalid parameter \"step\": zero or negative query resolution step widths "
			       "are not "
			       "accepted. Try a positive integer";
			return ERR_INPUT;
		}
		if ((p->end - p->start) / p->step > FANOUT_POINTS_MAX) {
			*why =
			    "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the "
			    "query resolution (?step=XX)";
			return ERR_INPUT;
		}
	}
	if (p->has_start && p->has_end && p->end < p->start) {
		*why = "invalid parameter \"end\": end timestamp must not be before start time";
		return ERR_INPUT;
	}
	if (q->kind == FANOUT_LABEL_VALUES) {
		if (!promql_label_name_ok(q->label)) {
			*why =
			    arena_printf(a, "invalid label name: \"%s\"", q->label != NULL ? q->label : "");
			return ERR_INPUT;
		}
		p->label = q->label;
	}
	for (int i = 0; !query && q->match != NULL && q->match[i] != NULL; i++) {
		if (q->match[i][0] == '\0')
			continue;
		if (p->nmatch == FANOUT_MATCH_MAX) {
			*why = "invalid parameter \"match[]\": at most 64 selectors";
			return ERR_INPUT;
		}
		p->match[p->nmatch++] = q->match[i];
	}
	if (q->kind == FANOUT_SERIES && p->nmatch == 0) {
		*why = "no match[] parameter provided";
		return ERR_INPUT;
	}
	return ERR_OK;
}

static int
by_id(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* field adds s to the digest's input with its length, so that no two inputs read the same. */
static void
field(struct buf *b, const char *s)
{
	buf_printf(b, "%zu:%s\n", s != NULL ? strlen(s) : (size_t)0, s != NULL ? s : "");
}

/* name_set returns the names in q->clusters (each element split at its commas) sorted, without
 * repeats or empty names, NULL-terminated; arena memory. */
static const char **
name_set(struct arena *a, const struct fanout_req *q)
{
	const char **names;
	int n = 0, m = 0, cap = 0;

	for (int i = 0; q->clusters != NULL && q->clusters[i] != NULL; i++)
		cap += 1 + (int)strlen(q->clusters[i]) / 2;
	names = arena_alloc(a, sizeof(*names) * (size_t)(cap + 1));
	for (int i = 0; q->clusters != NULL && q->clusters[i] != NULL; i++)
		for (const char *s = q->clusters[i]; *s != '\0';) {
			size_t len = strcspn(s, ",");

			if (len > 0)
				names[n++] = arena_strndup(a, s, len);
			s += len + (s[len] == ',');
		}
	qsort(names, (size_t)n, sizeof(*names), by_id);
	for (int i = 0; i < n; i++)
		if (m == 0 || strcmp(names[m - 1], names[i]) != 0)
			names[m++] = names[i];
	names[m] = NULL;
	return names;
}

const char *
fanout_cache_key(struct arena *a, const struct fanout_params *p, const struct fanout_req *q)
{
	unsigned char digest[16];
	char hex[2 * sizeof(digest) + 1];
	struct buf *b = buf_new(a);
	double start = p->start, end = p->end;

	if (p->kind == FANOUT_QUERY_RANGE) {
		start = floor(p->start / p->step) * p->step;
		end = floor(p->end / p->step) * p->step;
	}
	field(b, "aiops fan-out v2");
	field(b, q->format);
	field(b, q->register_version);
	field(b, kind_names[p->kind]);
	field(b, p->query);
	field(b, p->kind == FANOUT_QUERY ? number(a, p->key_time) : NULL);
	field(b, p->has_start ? number(a, start) : NULL);
	field(b, p->has_end ? number(a, end) : NULL);
	field(b, p->kind == FANOUT_QUERY_RANGE ? number(a, p->step) : NULL);
	field(b, p->label);
	for (int i = 0; i < p->nmatch; i++)
		field(b, p->match[i]);
	field(b, "clusters");
	for (const char **n = name_set(a, q); *n != NULL; n++)
		field(b, *n);
	field(b, "selector");
	field(b, q->selector);
	field(b, role_name(q->role));
	crypto_generichash(digest, sizeof(digest), (const unsigned char *)b->p, b->len, NULL, 0);
	sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
	return arena_printf(a, "aiops:metrics:%s", hex);
}

/* ---- choosing the clusters ---- */

/* A term of a selector: key=value or key!=value. */
struct term {
	const char *key, *value;
	bool negate;
};

/* read_selector parses "k=v,k2!=v2" into terms (arena memory); -1 when it is not one. */
static int
read_selector(struct arena *a, const char *s, struct term *terms)
{
	int n = 0;

	while (*s != '\0') {
		size_t len = strcspn(s, ",");
		char *t = arena_strndup(a, s, len), *eq = strchr(t, '=');

		s += len + (s[len] == ',');
		if (eq == NULL || eq == t || n == SELECTOR_MAX)
			return -1;
		terms[n].negate = eq[-1] == '!';
		if (terms[n].negate)
			eq[-1] = '\0';
		*eq = '\0';
		terms[n].key = t;
		terms[n].value = eq + 1;
		if (*terms[n].key == '\0' || cluster_label_key_ok(terms[n].key) != NULL)
			return -1;
		n++;
	}
	return n;
}

/* field_of returns the value of key for c: its register label, else its environment, type or
 * region for those keys; NULL when it has none. */
static const char *
field_of(struct arena *a, const struct cluster *c, const char *key)
{
	json_t *labels = c->labels != NULL ? json_own(a, json_loads(c->labels, 0, NULL)) : NULL;
	const char *v = labels != NULL ? json_str(labels, key) : NULL;

	if (v != NULL)
		return v;
	if (strcmp(key, "environment") == 0 || strcmp(key, "env") == 0)
		return c->environment;
	if (strcmp(key, "type") == 0)
		return c->type;
	if (strcmp(key, "region") == 0)
		return c->region;
	return NULL;
}

/* select_clusters keeps in *out (arena memory, by name) the clusters q asks for. */
static enum err
select_clusters(struct db *db, struct arena *a, const struct fanout_req *q, struct cluster **out, int *n,
    struct fanout_result *res)
{
	struct cluster *items;
	struct term terms[SELECTOR_MAX];
	const char **names = NULL;
	int all, nn = 0, nt = -1, m = 0;
	enum err e;

	*n = 0;
	if (q->selector != NULL && (nt = read_selector(a, q->selector, terms)) < 0) {
		res->why = "invalid parameter \"selector\": give labels of the register as key=value, "
			   "comma-separated (env=prod,region=eu)";
		res->error_type = "bad_data";
		return ERR_INPUT;
	}
	if (q->clusters != NULL) {
		names = arena_alloc(a, sizeof(*names) * (NAMES_MAX + 1));
		for (int i = 0; q->clusters[i] != NULL; i++)
			for (const char *s = q->clusters[i]; *s != '\0';) {
				size_t len = strcspn(s, ",");

				if (len > 0 && nn == NAMES_MAX) {
					res->why =
					    "invalid parameter \"cluster\": at most 1000 clusters by name";
					res->error_type = "bad_data";
					return ERR_INPUT;
				}
				if (len > 0)
					names[nn++] = arena_strndup(a, s, len);
				s += len + (s[len] == ',');
			}
	}
	if ((e = cluster_health_targets(db, a, 1, 1, &items, &all)) != ERR_OK)
		return e;
	*out = arena_alloc(a, sizeof(**out) * (size_t)(all + 1));
	for (int j = 0; j < nn; j++) {
		bool found = false;

		for (int i = 0; i < all && !found; i++)
			found = strcmp(items[i].name, names[j]) == 0;
		if (!found) {
			res->why = arena_printf(a, "no cluster named \"%s\"", names[j]);
			res->error_type = "bad_data";
			return ERR_NOTFOUND;
		}
	}
	for (int i = 0; i < all; i++) {
		bool keep = nn == 0;

		for (int j = 0; j < nn && !keep; j++)
			keep = strcmp(items[i].name, names[j]) == 0;
		for (int t = 0; t < nt && keep; t++) {
			const char *v = field_of(a, &items[i], terms[t].key);
			bool eq = v != NULL && strcmp(v, terms[t].value) == 0;

			keep = terms[t].negate ? !eq : eq;
		}
		if (keep)
			(*out)[m++] = items[i];
	}
	*n = m;
	return ERR_OK;
}

/* ---- asking ---- */

/* asked_label is the label a cluster is asked for when the caller asks for name: our cluster label
 * is not theirs (theirs is exported_cluster), so "cluster" asks which metric names it has. */
static const char *
asked_label(const char *name)
{
	if (strcmp(name, "cluster") == 0)
		return "__name__";
	if (strcmp(name, "exported_cluster") == 0)
		return "cluster";
	return name;
}

/* call_url returns the URL of p's call on cluster c's Prometheus for query text expr (or NULL),
 * the matchers on our cluster label decided for c (promql_bind_cluster); arena memory. */
static const char *
call_url(
    struct arena *a, const struct cluster *c, const struct fanout_params *p, const char *expr, double timeout)
{
	const char *base = c->prometheus_url;

	struct buf *b = buf_new(a);
	const char *path;

	switch (p->kind) {
	case FANOUT_QUERY: path = "/api/v1/query"; break;
	case FANOUT_QUERY_RANGE: path = "/api/v1/query_range"; break;
	case FANOUT_LABELS: path = "/api/v1/labels"; break;
	case FANOUT_LABEL_VALUES:
		path = arena_printf(a, "/api/v1/label/%s/values", url_encode(a, asked_label(p->label)));
		break;
	default: path = "/api/v1/series"; break;
	}
	buf_adds(b, http_url_join(a, base, path));
	buf_adds(b, "?");
	if (expr != NULL)
		buf_printf(b, "query=%s&", url_encode(a, promql_bind_cluster(a, expr, c->name)));
	if (p->kind == FANOUT_QUERY)
		buf_printf(b, "time=%s&", number(a, p->time));
	if (p->has_start)
		buf_printf(b, "start=%s&", number(a, p->start));
	if (p->has_end)
		buf_printf(b, "end=%s&", number(a, p->end));
	if (p->kind == FANOUT_QUERY_RANGE)
		buf_printf(b, "step=%s&", number(a, p->step));
	for (int i = 0; i < p->nmatch; i++)
		buf_printf(
		    b, "match%%5B%%5D=%s&", url_encode(a, promql_bind_cluster(a, p->match[i], c->name)));
	if (p->kind == FANOUT_QUERY || p->kind == FANOUT_QUERY_RANGE)
		buf_printf(b, "timeout=%s&", number(a, floor(timeout * 1000) / 1000));
	b->p[--b->len] = '\0'; /* the last & or ? */
	return arena_strndup(a, b->p, b->len);
}

static void
call_done(struct http_req *h, void *arg)
{
	struct target *t = arg;

	(void)h;
	if (--t->pending == 0)
		credential_wipe(t->secrets);
}

/* open_secrets opens the credentials of the n targets to ask, with one query (none without a
 * key); a credential that does not open is logged and left out. */
static void
open_secrets(struct db *db, struct arena *a, const struct secret_key *key, struct target **ts, int n)
{
	char *(*values)[CREDENTIAL__MAX] = arena_zalloc(a, sizeof(*values) * (size_t)(n + 1));
	bool(*unopened)[CREDENTIAL__MAX] = arena_zalloc(a, sizeof(*unopened) * (size_t)(n + 1));
	const char **ids = arena_alloc(a, sizeof(*ids) * (size_t)(n + 1));

	for (int i = 0; i < n; i++)
		ids[i] = ts[i]->c->id;
	if (credential_open_many(db, a, key, ids, n, values, unopened) != ERR_OK)
		return;
	for (int i = 0; i < n; i++) {
		memcpy(ts[i]->secrets, values[i], sizeof(ts[i]->secrets));
		for (int k = 0; k < CREDENTIAL__MAX; k++)
			if (unopened[i][k])
				log_warn(NULL, "cluster %s: its %s does not open with the key file",
				    ts[i]->c->name, credential_kind_name((enum credential_kind)k));
	}
}

/* classify sets t's outcome from its call i; returns whether the call's reply is usable. */
static bool
classify(struct arena *a, struct target *t, int i, enum promreply_expect x, size_t max)
{
	struct http_req *h = &t->req[i];
	struct fanout_cluster *o = t->out;
	struct promreply *r = &t->reply[i];
	const char *why;
	enum err e;

	o->ms = fmax(o->ms, h->seconds * 1000);
	if (o->outcome != FANOUT_OK)
		return false; /* its other call failed already */
	o->http_status = h->status;
	if (h->failed) {
		o->outcome = h->failure == HTTP_FAIL_TIMEOUT ? FANOUT_TIMEOUT
		    : h->failure == HTTP_FAIL_TOO_LARGE || h->failure == HTTP_FAIL_CUT_OFF
		    ? FANOUT_BAD_REPLY
		    : FANOUT_CONNECTION_ERROR;
		o->error = arena_strdup(a, h->error);
		return false;
	}
	e = promreply_parse(a, h->body.p, h->body.len, max, x, r, &why);
	if (e == ERR_OK && r->failed) {
		o->outcome = FANOUT_PROMETHEUS_ERROR;
		o->error_type = r->error_type;
		o->error = r->error;
		return false;
	}
	if (e != ERR_OK || h->status != 200) {
		o->outcome = h->status != 200 ? FANOUT_HTTP_ERROR : FANOUT_BAD_REPLY;
		o->error = h->status != 200 ? arena_printf(a, "answered HTTP %ld", h->status) : why;
		return false;
	}
	t->parsed[i] = true;
	return true;
}

/* ---- putting the answers together ---- */

/* add_warnings adds t's Prometheus warnings to res, each "CLUSTER: text". */
static void
add_warnings(struct arena *a, const struct target *t, int nq, struct fanout_result *res, int cap)
{
	for (int i = 0; i < nq; i++)
		for (int w = 0; t->parsed[i] && w < t->reply[i].nwarnings && res->nwarnings < cap; w++)
			res->warnings[res->nwarnings++] =
			    arena_printf(a, "%s: %s", t->c->name, t->reply[i].warnings[w]);
}

/* settle_types makes a bad reply of every answer whose result type is not the one most clusters
 * answered (or, for a split aggregation, not a vector or a matrix as the kind says). */
static void
settle_types(
    struct arena *a, struct target *ts, int n, int nq, const struct promql_split *s, enum fanout_kind kind)
{
	const struct promreply **rs = arena_zalloc(a, sizeof(*rs) * (size_t)(n + 1));
	int want;

	for (int i = 0; i < n; i++)
		rs[i] = ts[i].parsed[0] ? &ts[i].reply[0] : NULL;
	want = s->agg != PROMQL_NONE	 ? (kind == FANOUT_QUERY ? PROMREPLY_VECTOR : PROMREPLY_MATRIX)
	    : kind == FANOUT_QUERY_RANGE ? PROMREPLY_MATRIX
					 : promreply_common_type(rs, n);
	for (int i = 0; i < n; i++)
		for (int q = 0; q < nq; q++)
			if (ts[i].parsed[q] && (int)ts[i].reply[q].type != want &&
			    ts[i].out->outcome == FANOUT_OK) {
				ts[i].out->outcome = FANOUT_BAD_REPLY;
				ts[i].out->error = arena_printf(a, "answered a %s where %s was expected",
				    promreply_type_name(ts[i].reply[q].type),
				    want >= 0 ? promreply_type_name((enum promreply_type)want) : "nothing");
			}
}

/* merge_query builds the data of a query or query_range from the clusters that answered. */
static json_t *
merge_query(struct arena *a, struct target *ts, int n, const struct promql_split *s, enum fanout_kind kind)
{
	json_t *parts[2] = { json_own(a, json_array()), s->nqueries > 1 ? json_own(a, json_array()) : NULL };
	const char *type = kind == FANOUT_QUERY ? "vector" : "matrix";
	json_t *result;

	for (int i = 0; i < n; i++) {
		if (ts[i].out->outcome != FANOUT_OK)
			continue;
		if (ts[i].reply[0].type == PROMREPLY_MATRIX)
			type = "matrix";
		ts[i].out->series = promreply_merge(parts[0], &ts[i].reply[0], ts[i].c->name);
		if (parts[1] != NULL)
			promreply_merge(parts[1], &ts[i].reply[1], ts[i].c->name);
	}
	result =
	    s->agg == PROMQL_NONE ? parts[0] : promreply_combine(a, s, strcmp(type, "matrix") == 0, parts);
	return json_own(a, json_pack("{s:s, s:O}", "resultType", type, "result", result));
}

/* same_scalar returns the scalar or string every cluster that answered q answered, when they all
 * answered the same one (1+1, time(): an expression of no series), as Prometheus's [time, "value"];
 * NULL otherwise, and then each cluster's answer is a series of its own
 * (scalar(sum(x)) differs from cluster to cluster). */
static json_t *
same_scalar(const struct target *ts, int n, enum promreply_type *type)
{
	json_t *one = NULL;

	for (int i = 0; i < n; i++) {
		const struct promreply *r = &ts[i].reply[0];

		if (ts[i].out->outcome != FANOUT_OK)
			continue;
		if ((r->type != PROMREPLY_SCALAR && r->type != PROMREPLY_STRING) ||
		    (one != NULL && (r->type != *type || !json_equal(r->result, one))))
			return NULL;
		one = r->result;
		*type = r->type;
	}
	return one;
}

/* merge_lists builds the data of labels, label values or series from the clusters that answered. */
static json_t *
merge_lists(struct arena *a, struct target *ts, int n, const struct fanout_params *p)
{
	json_t **lists = arena_zalloc(a, sizeof(*lists) * (size_t)(n + 1)), *out;
	bool any = false;

	if (p->kind == FANOUT_SERIES) {
		out = json_own(a, json_array());
		for (int i = 0; i < n; i++)
			if (ts[i].out->outcome == FANOUT_OK)
				ts[i].out->series = promreply_merge(out, &ts[i].reply[0], ts[i].c->name);
		return out;
	}
	for (int i = 0; i < n; i++) {
		json_t *l = ts[i].reply[0].result, *v;
		size_t k;

		if (ts[i].out->outcome != FANOUT_OK)
			continue;
		ts[i].out->series = (long)json_array_size(l);
		any |= json_array_size(l) > 0;
		if (p->kind == FANOUT_LABEL_VALUES && strcmp(p->label, "cluster") == 0) {
			/* Our cluster label's values: the clusters that have matching series. */
			lists[i] = json_own(a, json_array());
			if (json_array_size(l) > 0)
				json_array_append_new(lists[i], json_string(ts[i].c->name));
			continue;
		}
		if (p->kind == FANOUT_LABELS)
			json_array_foreach (l, k, v)
				if (strcmp(json_string_value(v), "cluster") == 0)
					json_array_set_new(l, k, json_string(promreply_exported("cluster")));
		lists[i] = l;
	}
	if (p->kind == FANOUT_LABELS && any)
		lists[n] = json_own(a, json_pack("[s]", "cluster"));
	return promreply_union(a, lists, n + 1);
}

/* ---- the run ---- */

/* now_seconds returns the Unix time. */
static double
now_seconds(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* cached_answer sets res's body from Redis when key has an answer there; false otherwise (Redis
 * down included). */
static bool
cached_answer(struct rds *rds, struct arena *a, const char *key, struct fanout_result *res)
{
	char *text = NULL;

	if (rds == NULL || rds_get(rds, a, key, &text) != ERR_OK || text == NULL || text[0] != '{')
		return false;
	res->body = text;
	res->body_len = strlen(text);
	res->cached = true;
	return true;
}

/* written returns res as q->write writes it; arena memory. */
static struct buf *
written(struct arena *a, const struct fanout_req *q, const struct fanout_result *res)
{
	struct buf *b = buf_new(a);
	struct jw w;

	jw_init(&w, b);
	q->write(&w, a, q->kind, res);
	return b;
}

enum err
fanout_run(struct db *db, struct rds *rds, const struct secret_key *key, struct arena *a,
    const struct fanout_req *q, struct fanout_result *out)
{
	long ttl = cfg_int("metrics.cache_ttl"), timeout_ms = cfg_int("metrics.timeout_ms");
	size_t max = (size_t)cfg_int("metrics.max_reply_bytes");
	double t0 = http_now();
	struct fanout_params p;
	struct promql_split s = { 0 };
	struct cluster *cs;
	struct target *ts, **asking;
	struct http_req **reqs;
	struct buf *body;
	const char *ckey = NULL;
	enum promreply_expect x;
	int n, nreq = 0, nasking = 0, cap;
	enum err e;

	memset(out, 0, sizeof(*out));
	if ((e = fanout_params_read(a, q, now_seconds(), ttl, (double)timeout_ms / 1000, &p, &out->why)) !=
	    ERR_OK) {
		out->error_type = "bad_data";
		return e;
	}
	if (q->kind == FANOUT_QUERY || q->kind == FANOUT_QUERY_RANGE) {
		if ((e = promql_split(a, p.query, &s, &out->why)) != ERR_OK) {
			out->error_type = "bad_data";
			return e;
		}
	} else
		s.nqueries = 1;
	if (!q->no_cache && ttl > 0 && q->write != NULL && q->format != NULL && q->register_version != NULL)
		ckey = fanout_cache_key(a, &p, q);
	if (ckey != NULL && cached_answer(rds, a, ckey, out))
		return ERR_OK;
	if ((e = select_clusters(db, a, q, &cs, &n, out)) != ERR_OK)
		return e;

	out->fleet = s.agg != PROMQL_NONE;
	out->aggregation = promql_agg_name(s.agg);
	out->clusters = arena_zalloc(a, sizeof(*out->clusters) * (size_t)(n + 1));
	out->nclusters = out->asked = n;
	ts = arena_zalloc(a, sizeof(*ts) * (size_t)(n + 1));
	reqs = arena_alloc(a, sizeof(*reqs) * (size_t)(2 * n + 1));
	asking = arena_alloc(a, sizeof(*asking) * (size_t)(n + 1));
	for (int i = 0; i < n; i++) {
		struct target *t = &ts[i];

		t->c = &cs[i];
		t->out = &out->clusters[i];
		t->out->id = cs[i].id;
		t->out->name = cs[i].name;
		if (cs[i].prometheus_url == NULL || cs[i].prometheus_url[0] == '\0') {
			t->out->outcome = FANOUT_SKIPPED;
			t->out->error = "no Prometheus URL";
			continue;
		}
		for (int k = 0; k < s.nqueries; k++) {
			const char *url = call_url(a, &cs[i], &p, s.queries[k], p.timeout);

			if (t->refused == NULL && (t->refused = http_url_refused(url)) != NULL) {
				t->out->outcome = FANOUT_CONNECTION_ERROR;
				t->out->error = arena_printf(a, "refused: %s", t->refused);
				break;
			}
			t->req[k].url = url;
		}
		if (t->refused == NULL)
			asking[nasking++] = t;
	}
	open_secrets(db, a, key, asking, nasking);
	for (int i = 0; i < nasking; i++) {
		struct target *t = asking[i];

		for (int k = 0; k < s.nqueries; k++) {
			credential_prometheus(&t->req[k], t->secrets);
			t->req[k].timeout_ms = (long)(p.timeout * 1000);
			t->req[k].max_bytes = max;
			t->req[k].done = call_done;
			t->req[k].done_arg = t;
			t->asked[k] = true;
			t->pending++;
			reqs[nreq++] = &t->req[k];
		}
	}
	http_run_until(reqs, nreq, (int)cfg_int("metrics.concurrency"), t0 + p.timeout);

	x = q->kind == FANOUT_SERIES					 ? PROMREPLY_EXPECT_LABELSETS
	    : q->kind == FANOUT_LABELS || q->kind == FANOUT_LABEL_VALUES ? PROMREPLY_EXPECT_STRINGS
									 : PROMREPLY_EXPECT_QUERY;
	cap = 1000;
	out->warnings = arena_alloc(a, sizeof(*out->warnings) * (size_t)(cap + 1));
	for (int i = 0; i < n; i++) {
		for (int k = 0; k < s.nqueries; k++)
			if (ts[i].asked[k]) {
				classify(a, &ts[i], k, x, max);
				http_release(&ts[i].req[k]);
			}
		add_warnings(a, &ts[i], s.nqueries, out, cap);
	}
	if (x == PROMREPLY_EXPECT_QUERY) {
		enum promreply_type type;
		json_t *one;

		settle_types(a, ts, n, s.nqueries, &s, q->kind);
		if (s.agg == PROMQL_NONE && (one = same_scalar(ts, n, &type)) != NULL) {
			/* The fleet's answer is that value, once, as Prometheus gives it. */
			out->fleet = true;
			out->data = json_own(a,
			    json_pack("{s:s, s:O}", "resultType", promreply_type_name(type), "result", one));
			for (int i = 0; i < n; i++)
				out->clusters[i].series = out->clusters[i].outcome == FANOUT_OK;
		} else
			out->data = merge_query(a, ts, n, &s, q->kind);
	} else
		out->data = merge_lists(a, ts, n, &p);
	for (int i = 0; i < n; i++)
		out->answered += out->clusters[i].outcome == FANOUT_OK;
	if (q->write == NULL)
		return ERR_OK;
	body = written(a, q, out);
	out->body = buf_cstr(body);
	out->body_len = body->len;
	if (ckey != NULL && rds != NULL && out->answered > 0) {
		/* The copy kept says it is one. */
		out->cached = true;
		body = written(a, q, out);
		out->cached = false;
		if (body->len <= max && rds_setex(rds, ckey, buf_cstr(body), (int)ttl) != ERR_OK)
			log_debug(NULL, "federated metrics: not cached: %s", rds_error(rds));
	}
	return ERR_OK;
}
