/* fake_kube.c: a fake Kubernetes API server for the tests and the dev stack's demo fleet: many
 * clusters under /c/NAME on one port, each steered (latency, health, auth, failures, nodes) through
 * the control API under /_fake/. Speaks the real wire protocol; tests/fakes/README.md has the API. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <jansson.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "arena.h"
#include "log.h"

#define NAME_MAX_LEN 63 /* a cluster name is [a-z0-9-]{1,63} */
#define CLUSTER_MAX 10000
#define CLUSTER_BUCKETS 16384
#define LATENCY_MAX_MS 600000
#define NODES_MAX 5000 /* the largest cluster Kubernetes supports */
#define GPUS_PER_NODE_MAX 64
#define TOKEN_MAX 4096
#define REDIRECT_MAX 2048
#define VERSION_MAX 63
#define BODY_MAX (1 << 20)
#define HEADERS_MAX (64 << 10)
#define EXCLUDE_MAX 32
#define SELECTOR_MAX 16
#define LISTEN_BACKLOG 1024
#define LIST_RV "48213455" /* the resourceVersion every list reports */
#define DEFAULT_VERSION "v1.29.5+29c2aa5"

enum fail_mode { FAIL_NONE, FAIL_RESET, FAIL_HANG, FAIL_500, FAIL__MAX };
static const char *const fail_names[FAIL__MAX] = { "none", "reset", "hang", "500" };

/* What a cluster does; strings are owned by the struct (settings_free). */
struct settings {
	int latency_ms;
	bool ready;
	char failing_check[NAME_MAX_LEN + 1];
	char version[VERSION_MAX + 1];
	char *token; /* NULL: no authentication */
	char *redirect; /* NULL: answer normally */
	enum fail_mode fail;
	int nodes, gpu_nodes, gpus_per_node;
	bool expire_continue; /* answer 410 Expired to every continue token */
};

/* A cluster that was configured or asked something since its last reset. */
struct cluster {
	struct cluster *next; /* hash chain */
	char name[NAME_MAX_LEN + 1];
	struct settings set;
	unsigned long requests;
	char *last_authorization; /* owned; NULL until a request carried the header */
};

struct pending;

/* The process: one event loop, the cluster table, the requests waiting for their latency. */
struct fake {
	struct event_base *base;
	struct cluster *buckets[CLUSTER_BUCKETS];
	int nclusters;
	struct pending *pending; /* doubly linked */
	struct settings defaults; /* what unknown clusters do; never changed */
};

/* A cluster request held back by the cluster's latency, or forever by fail=hang. */
struct pending {
	struct pending *prev, *next;
	struct fake *fk;
	struct evhttp_request *req;
	struct evhttp_connection *evcon;
	struct event *timer; /* the latency has passed */
	struct event *gone; /* the client closed its end of the connection */
	struct timeval start;
	char cluster[NAME_MAX_LEN + 1];
};

/* One cluster request being answered: handlers fill body and ctype and return the status. */
struct kube_call {
	struct evhttp_request *req;
	const char *cluster;
	const struct settings *set;
	const char *rest; /* the path after /c/NAME, "" for the cluster's root */
	const char *query; /* the raw query string, "" when none */
	struct evbuffer *body;
	const char *ctype;
};

/* ---- Small helpers ---- */

/* dup_n copies n bytes of s into a terminated string; caller frees. */
static char *
dup_n(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* name_valid says whether s[0..n) is a cluster name, [a-z0-9-]{1,63}. */
static bool
name_valid(const char *s, size_t n)
{
	if (n == 0 || n > NAME_MAX_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

/* visible_ascii says whether s is non-empty printable ASCII without spaces (safe in a header). */
static bool
visible_ascii(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (*s < 0x21 || *s > 0x7e)
			return false;
	return true;
}

/* ms_since returns the milliseconds from start to now. */
static long
ms_since(const struct timeval *start)
{
	struct timeval now;

	gettimeofday(&now, NULL);
	return (now.tv_sec - start->tv_sec) * 1000L + (now.tv_usec - start->tv_usec) / 1000L;
}

static const char *
method_name(enum evhttp_cmd_type m)
{
	switch (m) {
	case EVHTTP_REQ_GET: return "GET";
	case EVHTTP_REQ_POST: return "POST";
	case EVHTTP_REQ_HEAD: return "HEAD";
	case EVHTTP_REQ_PUT: return "PUT";
	case EVHTTP_REQ_DELETE: return "DELETE";
	case EVHTTP_REQ_OPTIONS: return "OPTIONS";
	case EVHTTP_REQ_TRACE: return "TRACE";
	case EVHTTP_REQ_CONNECT: return "CONNECT";
	case EVHTTP_REQ_PATCH: return "PATCH";
	}
	return "?";
}

/* log_request writes the one line a request gets: its status, or (status 0) what happened
 * instead. Called while the request and its connection are still alive. */
static void
log_request(struct evhttp_request *req, const struct timeval *start, const char *cluster, int status,
    const char *outcome)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	char st[16], ms[32], port[8] = "";
	char *peer = NULL;
	ev_uint16_t pport = 0;

	if (!log_enabled(LOG_INFO))
		return;
	if (evcon != NULL) {
		evhttp_connection_get_peer(evcon, &peer, &pport);
		snprintf(port, sizeof(port), "%u", (unsigned)pport);
	}
	snprintf(st, sizeof(st), "%d", status);
	snprintf(ms, sizeof(ms), "%ld", ms_since(start));
	log_kv(LOG_INFO, NULL, "request", "method", method_name(evhttp_request_get_command(req)), "uri",
	    evhttp_request_get_uri(req), "cluster", cluster, "#status", status > 0 ? st : NULL, "outcome",
	    outcome, "#ms", ms, "peer", peer, "#peer_port", port, NULL);
}

/* respond sends every answer of this program: it sets the headers all responses share, logs the
 * line and hands body (may be NULL) to libevent, which owns the request from then on. */
static void
respond(struct evhttp_request *req, const struct timeval *start, const char *cluster, int code,
    const char *ctype, struct evbuffer *body)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	/* Always explicit: evhttp would otherwise label a body text/html; charset=ISO-8859-1. */
	evhttp_add_header(h, "Content-Type", ctype != NULL ? ctype : "text/plain; charset=utf-8");
	evhttp_add_header(h, "Cache-Control", "no-cache, private");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	log_request(req, start, cluster, code, NULL);
	evhttp_send_reply(req, code, NULL, body);
}

static int
dump_to_evbuffer(const char *s, size_t n, void *arg)
{
	return evbuffer_add(arg, s, n);
}

/* json_out appends j (reference stolen) to b, compact unless flags say otherwise; with newline
 * set, ends it with "\n" as Go's json.Encoder (and so the API server) does. */
static void
json_out(struct evbuffer *b, json_t *j, size_t flags, bool newline)
{
	if (json_dump_callback(j, dump_to_evbuffer, b, flags != 0 ? flags : JSON_COMPACT) != 0)
		die_oom();
	if (newline)
		evbuffer_add(b, "\n", 1);
	json_decref(j);
}

/* base64url_encode returns the unpadded base64url text of s[0..n) (Go's RawURLEncoding, as the
 * API server's continue tokens); caller frees. */
static char *
base64url_encode(const unsigned char *s, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	char *out = xmalloc(n / 3 * 4 + 5), *p = out;
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		*p++ = tab[s[i] >> 2];
		*p++ = tab[((s[i] & 3) << 4) | (s[i + 1] >> 4)];
		*p++ = tab[((s[i + 1] & 15) << 2) | (s[i + 2] >> 6)];
		*p++ = tab[s[i + 2] & 63];
	}
	if (n - i == 1) {
		*p++ = tab[s[i] >> 2];
		*p++ = tab[(s[i] & 3) << 4];
	} else if (n - i == 2) {
		*p++ = tab[s[i] >> 2];
		*p++ = tab[((s[i] & 3) << 4) | (s[i + 1] >> 4)];
		*p++ = tab[(s[i + 1] & 15) << 2];
	}
	*p = '\0';
	return out;
}

/* base64url_decode decodes unpadded (or padded) base64url text; returns the bytes and their count
 * in *n, or NULL when s is not base64url. Caller frees. */
static unsigned char *
base64url_decode(const char *s, size_t *n)
{
	size_t len = strlen(s);
	unsigned char *out = xmalloc(len / 4 * 3 + 3);
	unsigned bits = 0;
	int nbits = 0;

	*n = 0;
	while (len > 0 && s[len - 1] == '=')
		len--;
	for (size_t i = 0; i < len; i++) {
		const char c = s[i];
		int v;

		if (c >= 'A' && c <= 'Z')
			v = c - 'A';
		else if (c >= 'a' && c <= 'z')
			v = c - 'a' + 26;
		else if (c >= '0' && c <= '9')
			v = c - '0' + 52;
		else if (c == '-' || c == '+')
			v = 62;
		else if (c == '_' || c == '/')
			v = 63;
		else {
			free(out);
			return NULL;
		}
		bits = (bits << 6) | (unsigned)v;
		nbits += 6;
		if (nbits >= 8) {
			nbits -= 8;
			out[(*n)++] = (unsigned char)(bits >> nbits);
			bits &= (1u << nbits) - 1;
		}
	}
	return out;
}

/* query_next walks a raw query string: on each call it returns the next parameter's decoded name
 * and value (value "" when the parameter has no '='), both for the caller to free(), and advances
 * *pos; false when no parameter is left. */
static bool
query_next(const char **pos, char **key, char **val)
{
	const char *p = *pos, *amp, *eq;
	char *raw;
	size_t n;

	while (*p == '&')
		p++;
	if (*p == '\0')
		return false;
	amp = strchr(p, '&');
	n = amp != NULL ? (size_t)(amp - p) : strlen(p);
	eq = memchr(p, '=', n);
	raw = dup_n(p, eq != NULL ? (size_t)(eq - p) : n);
	*key = evhttp_uridecode(raw, 1, NULL);
	free(raw);
	raw = eq != NULL ? dup_n(eq + 1, n - (size_t)(eq + 1 - p)) : dup_n("", 0);
	*val = evhttp_uridecode(raw, 1, NULL);
	free(raw);
	if (*key == NULL || *val == NULL)
		die_oom();
	*pos = p + n;
	return true;
}

/* query_get returns the decoded value of the first parameter called name ("" when it has no
 * value), or NULL when absent; caller frees. */
static char *
query_get(const char *query, const char *name)
{
	char *k, *v, *found = NULL;

	while (found == NULL && query_next(&query, &k, &v)) {
		if (strcmp(k, name) == 0)
			found = v;
		else
			free(v);
		free(k);
	}
	return found;
}

/* ---- Settings ---- */

static void
settings_default(struct settings *s)
{
	memset(s, 0, sizeof(*s));
	s->ready = true;
	strcpy(s->failing_check, "etcd");
	strcpy(s->version, DEFAULT_VERSION);
	s->fail = FAIL_NONE;
	s->nodes = 3;
	s->gpu_nodes = 2;
	s->gpus_per_node = 4;
}

/* settings_copy makes dst an independent copy of src; free it with settings_free. */
static void
settings_copy(struct settings *dst, const struct settings *src)
{
	*dst = *src;
	dst->token = src->token != NULL ? xstrdup(src->token) : NULL;
	dst->redirect = src->redirect != NULL ? xstrdup(src->redirect) : NULL;
}

static void
settings_free(struct settings *s)
{
	free(s->token);
	free(s->redirect);
	s->token = s->redirect = NULL;
}

/* Each setter checks one key's JSON value and stores it; on error it writes why and returns -1. */
typedef int (*setting_fn)(struct settings *s, const char *key, const json_t *v, char *why, size_t n);

static int
set_int(int *dst, const char *key, const json_t *v, int max, char *why, size_t n)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max) {
		snprintf(why, n, "%s must be an integer from 0 to %d", key, max);
		return -1;
	}
	*dst = (int)json_integer_value(v);
	return 0;
}

static int
set_bool(bool *dst, const char *key, const json_t *v, char *why, size_t n)
{
	if (!json_is_boolean(v)) {
		snprintf(why, n, "%s must be true or false", key);
		return -1;
	}
	*dst = json_is_true(v);
	return 0;
}

/* set_optional_string stores a copy of v, or NULL for null or ""; v must be visible ASCII. */
static int
set_optional_string(char **dst, const char *key, const json_t *v, size_t max, char *why, size_t n)
{
	const char *s;

	if (json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0)) {
		free(*dst);
		*dst = NULL;
		return 0;
	}
	s = json_string_value(v);
	if (s == NULL || json_string_length(v) > max || strlen(s) != json_string_length(v) ||
	    !visible_ascii(s)) {
		snprintf(
		    why, n, "%s must be null or printable ASCII without spaces, at most %zu bytes", key, max);
		return -1;
	}
	free(*dst);
	*dst = xstrdup(s);
	return 0;
}

static int
set_latency(struct settings *s, const char *key, const json_t *v, char *why, size_t n)
{
	return set_int(&s->latency_ms, key, v, LATENCY_MAX_MS, why, n);
}

static int
set_ready(struct settings *s, const char *key, const json_t *v, char *why, size_t n)
{
	return set_bool(&s->ready, key, v, why, n);
}

static int
set_expire_continue(struct settings *s, const char *key, const json_t *v, char *why, size_t n)
{
	return set_bool(&s->expire_continue, key, v, why, n);
}

static int
set_failing_check(struct settings *s, const char *key, const json_t *v, char *why, size_t n)
{
	const char *c = json_string_value(v);
	size_t len = json_is_string(v) ? json_string_length(v) : 0;

	for (size_t i = 0; i < len && c != NULL; i++)
		if (!(islower((unsigned char)c[i]) || isdigit((unsigned char)c[i]) ||
			strchr("-./", c[i]) != NULL))
			c = NULL;
	if (c == NULL || len == 0 || len > NAME_MAX_LEN) {
		snprintf(why, n, "%s must be a health check name, [a-z0-9./-]{1,%d}", key, NAME_MAX_LEN);
		return -1;
	}
	memcpy(s->failing_check, c, len + 1);
	return 0;
}

static int
set_version(struct settings *s, const char *key, const json_t *v, char *why, size_t n)
{
	const char *c = json_string_value(v);
	unsigned major, minor;
	char dot;

	if (c == NULL || json_string_length(v) > VERSION_MAX || strlen(c) != json_string_length(v) ||
	    !visible_ascii(c) || sscanf(c, "v%u%c%u", &major, &dot, &minor) != 3 || dot != '.') {
		snprintf(why, n, "%s must be a gitVersion such as \"%s\", at most %d bytes", key,
		    DEFAULT_VERSION, VERSION_MAX);
		return -1;
	}
	memcpy(s->version, c, json_string_length(v) + 1);
	return 0;
}

static int
set_token(struct settings *s, const char *key, const json_t *v, char *why, size_t n)
{
	return set_optional_string(&s->token, key, v, TOKEN_MAX, why, n);
}

static int
set_redirect(struct settings *s, const char *key, const json_t *v, char *why, size_t n)
{
	return set_optional_string(&s->redirect, key, v, REDIRECT_MAX, why, n);
}

static int
set_fail(struct settings *s, const char *key, const json_t *v, char *why, size_t n)
{
	const char *c = json_string_value(v);

	for (int i = 0; c != NULL && i < FAIL__MAX; i++)
		if (strcmp(c, fail_names[i]) == 0) {
			s->fail = (enum fail_mode)i;
			return 0;
		}
	snprintf(why, n, "%s must be \"none\", \"reset\", \"hang\" or \"500\"", key);
	return -1;
}

static int
set_nodes(struct settings *s, const char *key, const json_t *v, char *why, size_t n)
{
	return set_int(&s->nodes, key, v, NODES_MAX, why, n);
}

static int
set_gpu_nodes(struct settings *s, const char *key, const json_t *v, char *why, size_t n)
{
	return set_int(&s->gpu_nodes, key, v, NODES_MAX, why, n);
}

static int
set_gpus_per_node(struct settings *s, const char *key, const json_t *v, char *why, size_t n)
{
	return set_int(&s->gpus_per_node, key, v, GPUS_PER_NODE_MAX, why, n);
}

/* THE table of settings the control API and --clusters accept. */
static const struct {
	const char *key;
	setting_fn set;
} setting_rows[] = {
	{ "latency_ms", set_latency },
	{ "ready", set_ready },
	{ "failing_check", set_failing_check },
	{ "version", set_version },
	{ "token", set_token },
	{ "fail", set_fail },
	{ "redirect", set_redirect },
	{ "nodes", set_nodes },
	{ "gpu_nodes", set_gpu_nodes },
	{ "gpus_per_node", set_gpus_per_node },
	{ "expire_continue", set_expire_continue },
};

/* settings_apply applies the keys of the JSON object j to *s, all or none: on error *s is left
 * as it was, why (n bytes) says what to fix, and -1 is returned. */
static int
settings_apply(struct settings *s, const json_t *j, char *why, size_t n)
{
	struct settings t;
	const char *key;
	json_t *v;

	if (!json_is_object(j)) {
		snprintf(why, n, "the settings must be a JSON object");
		return -1;
	}
	settings_copy(&t, s);
	json_object_foreach ((json_t *)j, key, v) {
		size_t i;

		for (i = 0; i < sizeof(setting_rows) / sizeof(setting_rows[0]); i++)
			if (strcmp(key, setting_rows[i].key) == 0)
				break;
		if (i == sizeof(setting_rows) / sizeof(setting_rows[0])) {
			snprintf(why, n, "unknown setting \"%.64s\"", key);
			goto fail;
		}
		if (setting_rows[i].set(&t, key, v, why, n) != 0)
			goto fail;
	}
	if (t.gpu_nodes > t.nodes) {
		snprintf(why, n, "gpu_nodes (%d) exceeds nodes (%d), the total count of nodes", t.gpu_nodes,
		    t.nodes);
		goto fail;
	}
	settings_free(s);
	*s = t;
	return 0;
fail:
	settings_free(&t);
	return -1;
}

/* settings_json returns a new JSON object with every setting. */
static json_t *
settings_json(const struct settings *s)
{
	json_t *j = json_pack("{s:i, s:b, s:s, s:s, s:s?, s:s, s:s?, s:i, s:i, s:i, s:b}", "latency_ms",
	    s->latency_ms, "ready", s->ready, "failing_check", s->failing_check, "version", s->version,
	    "token", s->token, "fail", fail_names[s->fail], "redirect", s->redirect, "nodes", s->nodes,
	    "gpu_nodes", s->gpu_nodes, "gpus_per_node", s->gpus_per_node, "expire_continue",
	    s->expire_continue);

	if (j == NULL)
		die_oom();
	return j;
}

/* ---- The cluster table ---- */

static unsigned
cluster_hash(const char *name)
{
	uint32_t h = 2166136261u;

	for (; *name != '\0'; name++)
		h = (h ^ (unsigned char)*name) * 16777619u;
	return h % CLUSTER_BUCKETS;
}

/* cluster_find returns the cluster called name, or NULL; the table owns it. */
static struct cluster *
cluster_find(struct fake *fk, const char *name)
{
	struct cluster *c;

	for (c = fk->buckets[cluster_hash(name)]; c != NULL; c = c->next)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

/* cluster_get returns the cluster called name (a valid name), made with the defaults if new, or
 * NULL when the table already holds CLUSTER_MAX clusters. The table owns it. */
static struct cluster *
cluster_get(struct fake *fk, const char *name)
{
	struct cluster *c = cluster_find(fk, name);
	unsigned h;

	if (c != NULL)
		return c;
	if (fk->nclusters >= CLUSTER_MAX)
		return NULL;
	c = xcalloc(1, sizeof(*c));
	strcpy(c->name, name);
	settings_copy(&c->set, &fk->defaults);
	h = cluster_hash(name);
	c->next = fk->buckets[h];
	fk->buckets[h] = c;
	fk->nclusters++;
	return c;
}

static void
cluster_free(struct cluster *c)
{
	settings_free(&c->set);
	free(c->last_authorization);
	free(c);
}

/* cluster_remove forgets the cluster called name (its settings and counters); true if it existed. */
static bool
cluster_remove(struct fake *fk, const char *name)
{
	struct cluster **pp, *c;

	for (pp = &fk->buckets[cluster_hash(name)]; (c = *pp) != NULL; pp = &c->next)
		if (strcmp(c->name, name) == 0) {
			*pp = c->next;
			cluster_free(c);
			fk->nclusters--;
			return true;
		}
	return false;
}

static void
cluster_remove_all(struct fake *fk)
{
	for (int i = 0; i < CLUSTER_BUCKETS; i++)
		while (fk->buckets[i] != NULL) {
			struct cluster *c = fk->buckets[i];

			fk->buckets[i] = c->next;
			cluster_free(c);
		}
	fk->nclusters = 0;
}

/* cluster_json returns a new JSON object: the settings plus requests and last_authorization. */
static json_t *
cluster_json(const struct cluster *c)
{
	json_t *j = settings_json(&c->set);

	json_object_set_new(j, "requests", json_integer((json_int_t)c->requests));
	json_object_set_new(j, "last_authorization",
	    c->last_authorization != NULL ? json_string(c->last_authorization) : json_null());
	return j;
}

/* ---- Kubernetes answers ---- */

/* status_json writes a metav1.Status into c and returns its code. details (stolen) may be NULL
 * to leave the field out, as the API server does for 401. */
static int
status_json(struct kube_call *c, int code, const char *reason, const char *message, json_t *details)
{
	json_t *j = json_pack("{s:s, s:s, s:{}, s:s, s:s, s:s}", "kind", "Status", "apiVersion", "v1",
	    "metadata", "status", "Failure", "message", message, "reason", reason);

	if (j == NULL)
		die_oom();
	if (details != NULL)
		json_object_set_new(j, "details", details);
	json_object_set_new(j, "code", json_integer(code));
	json_out(c->body, j, 0, true);
	c->ctype = "application/json";
	return code;
}

static int
not_found(struct kube_call *c)
{
	return status_json(
	    c, 404, "NotFound", "the server could not find the requested resource", json_object());
}

static int
bad_request(struct kube_call *c, const char *message)
{
	return status_json(c, 400, "BadRequest", message, NULL);
}

/* http_error writes a body as Go's http.Error does: the text, a newline, text/plain. */
static int
http_error(struct kube_call *c, int code, const char *text)
{
	evbuffer_add_printf(c->body, "%s\n", text);
	c->ctype = "text/plain; charset=utf-8";
	return code;
}

static int
k8s_version(struct kube_call *c, const void *arg)
{
	unsigned major = 1, minor = 0;
	char smajor[16], sminor[16];
	json_t *j;

	sscanf(c->set->version, "v%u.%u", &major, &minor);
	snprintf(smajor, sizeof(smajor), "%u", major);
	snprintf(sminor, sizeof(sminor), "%u", minor);
	j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "major", smajor, "minor", sminor,
	    "gitVersion", c->set->version, "gitCommit", "3a6ad9ce7d3a5bde6e6c0a1f2e9b40d4a8bdbd60",
	    "gitTreeState", "clean", "buildDate", "2024-06-12T03:19:27Z", "goVersion",
	    "go1.21.11 (Red Hat 1.21.11-1.el9_4) X:strictfipsruntime", "compiler", "gc", "platform",
	    "linux/amd64");
	if (j == NULL)
		die_oom();
	/* The API server writes /version with json.MarshalIndent and no final newline. */
	json_out(c->body, j, JSON_INDENT(2), false);
	c->ctype = "application/json";
	return 200;
}

/* The health checks of an OpenShift 4.16 API server, in the order it prints them. */
static const char *const readyz_checks[] = { "ping", "log", "api-openshift-apiserver-available",
	"api-openshift-oauth-apiserver-available", "informer-sync",
	"poststarthook/start-apiserver-admission-initializer",
	"poststarthook/generic-apiserver-start-informers",
	"poststarthook/priority-and-fairness-config-consumer", "poststarthook/priority-and-fairness-filter",
	"poststarthook/storage-object-count-tracker-hook", "poststarthook/start-apiextensions-informers",
	"poststarthook/start-apiextensions-controllers", "poststarthook/crd-informer-synced",
	"poststarthook/start-system-namespaces-controller", "poststarthook/rbac/bootstrap-roles",
	"poststarthook/scheduling/bootstrap-system-priority-classes",
	"poststarthook/start-kube-aggregator-informers", "poststarthook/apiservice-registration-controller",
	"poststarthook/apiservice-status-available-controller",
	"poststarthook/kube-apiserver-autoregistration", "autoregister-completion",
	"poststarthook/apiservice-openapi-controller", "etcd", "etcd-readiness", "shutdown", NULL };

/* livez and healthz have no informer-sync, etcd-readiness or shutdown checks. */
static const char *const livez_checks[] = { "ping", "log", "api-openshift-apiserver-available",
	"api-openshift-oauth-apiserver-available", "poststarthook/start-apiserver-admission-initializer",
	"poststarthook/generic-apiserver-start-informers",
	"poststarthook/priority-and-fairness-config-consumer", "poststarthook/priority-and-fairness-filter",
	"poststarthook/storage-object-count-tracker-hook", "poststarthook/start-apiextensions-informers",
	"poststarthook/start-apiextensions-controllers", "poststarthook/crd-informer-synced",
	"poststarthook/start-system-namespaces-controller", "poststarthook/rbac/bootstrap-roles",
	"poststarthook/scheduling/bootstrap-system-priority-classes",
	"poststarthook/start-kube-aggregator-informers", "poststarthook/apiservice-registration-controller",
	"poststarthook/apiservice-status-available-controller",
	"poststarthook/kube-apiserver-autoregistration", "autoregister-completion",
	"poststarthook/apiservice-openapi-controller", "etcd", NULL };

struct health_set {
	const char *name; /* readyz, livez, healthz */
	const char *const *checks;
};

static const struct health_set health_readyz = { "readyz", readyz_checks };
static const struct health_set health_livez = { "livez", livez_checks };
static const struct health_set health_healthz = { "healthz", livez_checks };

/* check_failing says whether check fails in this cluster: when not ready, the failing check does,
 * and etcd-readiness follows etcd as it does on a real server. */
static bool
check_failing(const struct settings *s, const char *check)
{
	if (s->ready)
		return false;
	return strcmp(check, s->failing_check) == 0 ||
	    (strcmp(s->failing_check, "etcd") == 0 && strcmp(check, "etcd-readiness") == 0);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* add_quoted appends s quoted as Go's %q does for bytes (so a query cannot add lines). */
static void
add_quoted(struct evbuffer *out, const char *s)
{
	evbuffer_add(out, "\"", 1);
	for (; *s != '\0'; s++) {
		const unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			evbuffer_add_printf(out, "\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			evbuffer_add_printf(out, "\\x%02x", ch);
		else
			evbuffer_add(out, s, 1);
	}
	evbuffer_add(out, "\"", 1);
}

/* k8s_health answers /readyz, /livez and /healthz as k8s.io/apiserver/pkg/server/healthz does:
 * "ok", or the verbose list with ?verbose, and always the verbose list with a 500 on failure.
 * ?exclude= is honoured; a failing check the server does not have is listed last. */
static int
k8s_health(struct kube_call *c, const void *arg)
{
	const struct health_set *hs = arg;
	char *excluded[EXCLUDE_MAX];
	bool used[EXCLUDE_MAX] = { false };
	int nexcluded = 0, nfailed = 0, nunused = 0;
	bool verbose = false, known = false; /* known: the failing check is one of the server's */
	const char *q = c->query;
	struct evbuffer *out = evbuffer_new();
	char *k, *v;

	if (out == NULL)
		die_oom();
	while (query_next(&q, &k, &v)) {
		bool dup = false;

		if (strcmp(k, "verbose") == 0)
			verbose = true;
		for (int i = 0; i < nexcluded && strcmp(k, "exclude") == 0; i++)
			dup = dup || strcmp(excluded[i], v) == 0;
		if (strcmp(k, "exclude") == 0 && !dup && nexcluded < EXCLUDE_MAX) {
			excluded[nexcluded++] = v;
			v = NULL;
		}
		free(k);
		free(v);
	}
	qsort(excluded, (size_t)nexcluded, sizeof(excluded[0]), cmp_str);

	for (int i = 0; hs->checks[i] != NULL; i++)
		known = known || strcmp(hs->checks[i], c->set->failing_check) == 0;
	for (int i = 0; hs->checks[i] != NULL || (!known && !c->set->ready); i++) {
		/* After the server's own checks comes the failing one when the server has no such check. */
		const char *check = hs->checks[i] != NULL ? hs->checks[i] : c->set->failing_check;
		bool skip = false;

		for (int e = 0; e < nexcluded; e++)
			if (strcmp(excluded[e], check) == 0)
				used[e] = skip = true;
		if (skip)
			evbuffer_add_printf(out, "[+]%s excluded: ok\n", check);
		else if (check_failing(c->set, check)) {
			evbuffer_add_printf(out, "[-]%s failed: reason withheld\n", check);
			nfailed++;
		} else
			evbuffer_add_printf(out, "[+]%s ok\n", check);
		if (hs->checks[i] == NULL)
			break;
	}
	for (int e = 0; e < nexcluded; e++)
		if (!used[e]) {
			evbuffer_add_printf(out, "%s",
			    nunused++ == 0 ? "warn: some health checks cannot be excluded: no matches for "
					   : ",");
			add_quoted(out, excluded[e]);
		}
	if (nunused > 0)
		evbuffer_add(out, "\n", 1);
	for (int e = 0; e < nexcluded; e++)
		free(excluded[e]);

	c->ctype = "text/plain; charset=utf-8";
	if (nfailed > 0) {
		evbuffer_add_buffer(c->body, out);
		evbuffer_free(out);
		evbuffer_add_printf(c->body, "%s check failed\n", hs->name);
		return 500;
	}
	if (verbose) {
		evbuffer_add_buffer(c->body, out);
		evbuffer_add_printf(c->body, "%s check passed\n", hs->name);
	} else
		evbuffer_add(c->body, "ok", 2);
	evbuffer_free(out);
	return 200;
}

/* k8s_health_one answers /readyz/<check> (and livez, healthz): "ok", or 500 when it fails. */
static int
k8s_health_one(struct kube_call *c, const void *arg)
{
	const struct health_set *hs = arg;
	const char *check = c->rest + 1 + strlen(hs->name) + 1;
	bool found = !c->set->ready && strcmp(check, c->set->failing_check) == 0;

	for (int i = 0; hs->checks[i] != NULL && !found; i++)
		found = strcmp(hs->checks[i], check) == 0;
	if (!found)
		return not_found(c);
	if (check_failing(c->set, check)) {
		char text[160];

		snprintf(text, sizeof(text), "internal server error: %s check failed", check);
		return http_error(c, 500, text);
	}
	evbuffer_add(c->body, "ok", 2);
	c->ctype = "text/plain; charset=utf-8";
	return 200;
}

/* ---- Nodes ---- */

/* The GPU models the fake fleet's nodes carry, in turn. */
static const struct gpu_model {
	const char *product, *family, *machine, *memory, *cc_major, *cc_minor;
} gpu_models[] = {
	{ "NVIDIA-H100-80GB-HBM3", "hopper", "PowerEdge-XE9680", "81559", "9", "0" },
	{ "NVIDIA-A100-SXM4-80GB", "ampere", "PowerEdge-XE8545", "81920", "8", "0" },
	{ "NVIDIA-L40S", "ada-lovelace", "PowerEdge-R760xa", "46068", "8", "9" },
};

/* The nodes of a cluster in list order (by name, as etcd keys sort): the CPU nodes cpu-worker-NN,
 * then the GPU nodes gpu-worker-NN, numbered from 1 and padded so that names sort as numbers. */
static int
node_width(const struct settings *s)
{
	int w = 2;

	for (int n = s->nodes; n >= 100; n /= 10)
		w++;
	return w;
}

static bool
node_is_gpu(const struct settings *s, int i)
{
	return i >= s->nodes - s->gpu_nodes;
}

static void
node_name(const struct settings *s, int i, char *out, size_t n)
{
	int cpus = s->nodes - s->gpu_nodes;

	if (i < cpus)
		snprintf(out, n, "cpu-worker-%0*d", node_width(s) & 7, i + 1);
	else
		snprintf(out, n, "gpu-worker-%0*d", node_width(s) & 7, i - cpus + 1);
}

/* node_index returns the list position of the node called name, or -1 when there is none. */
static int
node_index(const struct settings *s, const char *name)
{
	int cpus = s->nodes - s->gpu_nodes, k, used = 0;
	char kind[4];

	if (sscanf(name, "%3[cg]pu-worker-%d%n", kind, &k, &used) != 2 || name[used] != '\0' || k < 1)
		return -1;
	if (strcmp(kind, "c") == 0 && k <= cpus)
		return k - 1;
	if (strcmp(kind, "g") == 0 && k <= s->gpu_nodes)
		return cpus + k - 1;
	return -1;
}

/* node_labels returns a new object with the labels of node i, named name. */
static json_t *
node_labels(const struct settings *s, int i, const char *name)
{
	json_t *l = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "beta.kubernetes.io/arch", "amd64",
	    "beta.kubernetes.io/os", "linux", "kubernetes.io/arch", "amd64", "kubernetes.io/hostname", name,
	    "kubernetes.io/os", "linux", "node-role.kubernetes.io/worker", "", "node.openshift.io/os_id",
	    "rhcos", "topology.kubernetes.io/zone", i % 2 == 0 ? "rack-a" : "rack-b");
	const struct gpu_model *m;
	char count[16];

	if (l == NULL)
		die_oom();
	if (!node_is_gpu(s, i))
		return l;
	m = &gpu_models[(i - (s->nodes - s->gpu_nodes)) % (int)(sizeof(gpu_models) / sizeof(gpu_models[0]))];
	snprintf(count, sizeof(count), "%d", s->gpus_per_node);
	json_object_set_new(l, "feature.node.kubernetes.io/pci-10de.present", json_string("true"));
	json_object_set_new(l, "nvidia.com/cuda.driver.major", json_string("550"));
	json_object_set_new(l, "nvidia.com/cuda.driver.minor", json_string("90"));
	json_object_set_new(l, "nvidia.com/cuda.driver.rev", json_string("07"));
	json_object_set_new(l, "nvidia.com/cuda.runtime.major", json_string("12"));
	json_object_set_new(l, "nvidia.com/cuda.runtime.minor", json_string("4"));
	json_object_set_new(l, "nvidia.com/gfd.timestamp", json_string("1778742311"));
	json_object_set_new(l, "nvidia.com/gpu.compute.major", json_string(m->cc_major));
	json_object_set_new(l, "nvidia.com/gpu.compute.minor", json_string(m->cc_minor));
	json_object_set_new(l, "nvidia.com/gpu.count", json_string(count));
	json_object_set_new(l, "nvidia.com/gpu.deploy.device-plugin", json_string("true"));
	json_object_set_new(l, "nvidia.com/gpu.deploy.dcgm-exporter", json_string("true"));
	json_object_set_new(l, "nvidia.com/gpu.family", json_string(m->family));
	json_object_set_new(l, "nvidia.com/gpu.machine", json_string(m->machine));
	json_object_set_new(l, "nvidia.com/gpu.memory", json_string(m->memory));
	json_object_set_new(l, "nvidia.com/gpu.present", json_string("true"));
	json_object_set_new(l, "nvidia.com/gpu.product", json_string(m->product));
	json_object_set_new(l, "nvidia.com/gpu.replicas", json_string("1"));
	json_object_set_new(l, "nvidia.com/gpu.sharing-strategy", json_string("none"));
	json_object_set_new(l, "nvidia.com/mig.capable", json_string("true"));
	json_object_set_new(l, "nvidia.com/mig.strategy", json_string("single"));
	return l;
}

/* node_json returns a new Node object for node i of cluster (labels stolen). */
static json_t *
node_json(const struct settings *s, const char *cluster, int i, const char *name, json_t *labels)
{
	char uid[40], ip[20], count[16], now[32];
	uint32_t h = 2166136261u;
	const bool gpu = node_is_gpu(s, i);
	const time_t t = time(NULL);
	struct tm tm;
	json_t *n, *cap, *alloc;

	for (const char *p = cluster; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	snprintf(uid, sizeof(uid), "%08x-%04x-4%03x-8%03x-%012x", h, (unsigned)(i >> 16) & 0xffff,
	    (unsigned)i & 0xfff, (unsigned)(h >> 20), (unsigned)i);
	snprintf(ip, sizeof(ip), "10.%d.%d.%d", 12 + i / 62500, i / 250 % 250, 21 + i % 250 % 230);
	snprintf(count, sizeof(count), "%d", s->gpus_per_node);
	gmtime_r(&t, &tm);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);

	cap = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "cpu", gpu ? "112" : "64", "ephemeral-storage",
	    "936130988Ki", "hugepages-1Gi", "0", "hugepages-2Mi", "0", "memory",
	    gpu ? "2113442364Ki" : "527992124Ki", "pods", "250");
	alloc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "cpu", gpu ? "111500m" : "63500m",
	    "ephemeral-storage", "861629179627", "hugepages-1Gi", "0", "hugepages-2Mi", "0", "memory",
	    gpu ? "2112291388Ki" : "526841148Ki", "pods", "250");
	if (cap == NULL || alloc == NULL)
		die_oom();
	if (gpu) {
		json_object_set_new(cap, "nvidia.com/gpu", json_string(count));
		json_object_set_new(alloc, "nvidia.com/gpu", json_string(count));
	}
	n = json_pack("{s:{s:s, s:s, s:s, s:s, s:o, s:{s:s}},"
		      " s:{s:s+++},"
		      " s:{s:o, s:o, s:[{s:s, s:s, s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s, s:s, s:s},"
		      " {s:s, s:s, s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s, s:s, s:s}],"
		      " s:[{s:s, s:s}, {s:s, s:s}], s:{s:{s:i}},"
		      " s:{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}}}",
	    "metadata", "name", name, "uid", uid, "resourceVersion", "48213377", "creationTimestamp",
	    "2026-01-19T11:04:52Z", "labels", labels, "annotations",
	    "volumes.kubernetes.io/controller-managed-attach-detach", "true", "spec", "providerID",
	    "baremetalhost:///openshift-machine-api/", name, "/", uid, "status", "capacity", cap,
	    "allocatable", alloc, "conditions", "type", "MemoryPressure", "status", "False",
	    "lastHeartbeatTime", now, "lastTransitionTime", "2026-05-02T17:20:11Z", "reason",
	    "KubeletHasSufficientMemory", "message", "kubelet has sufficient memory available", "type",
	    "DiskPressure", "status", "False", "lastHeartbeatTime", now, "lastTransitionTime",
	    "2026-05-02T17:20:11Z", "reason", "KubeletHasNoDiskPressure", "message",
	    "kubelet has no disk pressure", "type", "PIDPressure", "status", "False", "lastHeartbeatTime",
	    now, "lastTransitionTime", "2026-05-02T17:20:11Z", "reason", "KubeletHasSufficientPID", "message",
	    "kubelet has sufficient PID available", "type", "Ready", "status", "True", "lastHeartbeatTime",
	    now, "lastTransitionTime", "2026-05-02T17:20:11Z", "reason", "KubeletReady", "message",
	    "kubelet is posting ready status", "addresses", "type", "InternalIP", "address", ip, "type",
	    "Hostname", "address", name, "daemonEndpoints", "kubeletEndpoint", "Port", 10250, "nodeInfo",
	    "machineID", uid, "systemUUID", uid, "bootID", uid, "kernelVersion",
	    "5.14.0-427.22.1.el9_4.x86_64", "osImage",
	    "Red Hat Enterprise Linux CoreOS 416.94.202406172220-0", "containerRuntimeVersion",
	    "cri-o://1.29.5-5.rhaos4.16.git7032128.el9", "kubeletVersion", s->version, "kubeProxyVersion",
	    s->version, "operatingSystem", "linux", "architecture", "amd64");
	if (n == NULL)
		die_oom();
	if (gpu)
		json_object_set_new(json_object_get(n, "spec"), "taints",
		    json_pack("[{s:s, s:s, s:s}]", "key", "nvidia.com/gpu", "value", "present", "effect",
			"NoSchedule"));
	return n;
}

/* One requirement of a label selector. */
struct requirement {
	char *key, *value; /* value NULL for the existence forms */
	enum { REQ_EQ, REQ_NE, REQ_EXISTS, REQ_NOT_EXISTS } op;
};

static char *
trim_dup(const char *s, size_t n)
{
	while (n > 0 && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	return dup_n(s, n);
}

/* selector_parse splits a labelSelector into reqs (at most SELECTOR_MAX); returns their count, or
 * -1 with why set when the selector uses what this fake does not know (set-based forms) or is
 * malformed. The caller frees the strings with selector_free. */
static int
selector_parse(const char *sel, struct requirement *reqs, char *why, size_t n)
{
	int count = 0;

	while (*sel != '\0') {
		const char *comma = strchr(sel, ',');
		size_t len = comma != NULL ? (size_t)(comma - sel) : strlen(sel);
		char *part = trim_dup(sel, len), *op;
		struct requirement *r = &reqs[count];

		if (count == SELECTOR_MAX || *part == '\0' || strpbrk(part, "()<> ") != NULL) {
			snprintf(why, n,
			    "unable to parse requirement: \"%.100s\" (this fake knows =, ==, != and "
			    "existence, at most %d requirements)",
			    part, SELECTOR_MAX);
			free(part);
			for (int i = 0; i < count; i++) {
				free(reqs[i].key);
				free(reqs[i].value);
			}
			return -1;
		}
		r->value = NULL;
		if ((op = strstr(part, "!=")) != NULL) {
			r->op = REQ_NE;
			r->value = xstrdup(op + 2);
		} else if ((op = strstr(part, "==")) != NULL) {
			r->op = REQ_EQ;
			r->value = xstrdup(op + 2);
		} else if ((op = strchr(part, '=')) != NULL) {
			r->op = REQ_EQ;
			r->value = xstrdup(op + 1);
		} else
			r->op = part[0] == '!' ? REQ_NOT_EXISTS : REQ_EXISTS;
		if (op != NULL)
			*op = '\0';
		r->key = xstrdup(r->op == REQ_NOT_EXISTS ? part + 1 : part);
		free(part);
		count++;
		sel += len;
		if (*sel == ',')
			sel++;
	}
	return count;
}

static void
selector_free(struct requirement *reqs, int n)
{
	for (int i = 0; i < n; i++) {
		free(reqs[i].key);
		free(reqs[i].value);
	}
}

static bool
selector_match(const struct requirement *reqs, int n, const json_t *labels)
{
	for (int i = 0; i < n; i++) {
		const char *v = json_string_value(json_object_get(labels, reqs[i].key));

		switch (reqs[i].op) {
		case REQ_EQ:
			if (v == NULL || strcmp(v, reqs[i].value) != 0)
				return false;
			break;
		case REQ_NE:
			if (v != NULL && strcmp(v, reqs[i].value) == 0)
				return false;
			break;
		case REQ_EXISTS:
			if (v == NULL)
				return false;
			break;
		case REQ_NOT_EXISTS:
			if (v != NULL)
				return false;
			break;
		}
	}
	return true;
}

/* continue_encode returns the continue token that resumes a list after the node called last, in
 * the API server's format; caller frees. */
static char *
continue_encode(const char *last)
{
	char start[NAME_MAX_LEN + 2];
	json_t *j;
	char *s, *token;

	snprintf(start, sizeof(start), "%s", last);
	j = json_pack("{s:s, s:I, s:s%}", "v", "meta.k8s.io/v1", "rv", (json_int_t)atoll(LIST_RV), "start",
	    start, strlen(start) + 1);
	if (j == NULL || (s = json_dumps(j, JSON_COMPACT)) == NULL)
		die_oom();
	token = base64url_encode((const unsigned char *)s, strlen(s));
	free(s);
	json_decref(j);
	return token;
}

/* continue_decode returns the list position a continue token resumes at, or -1 if the token is
 * not one this server made. */
static int
continue_decode(const struct settings *s, const char *token)
{
	size_t n, len;
	unsigned char *raw = base64url_decode(token, &n);
	json_t *j = raw != NULL ? json_loadb((const char *)raw, n, JSON_ALLOW_NUL, NULL) : NULL;
	const char *start = json_string_value(json_object_get(j, "start"));
	const char *v = json_string_value(json_object_get(j, "v"));
	char name[NAME_MAX_LEN + 1];
	int pos = -1, k, cpus = s->nodes - s->gpu_nodes, used = 0;

	len = start != NULL ? json_string_length(json_object_get(j, "start")) : 0;
	if (v != NULL && strcmp(v, "meta.k8s.io/v1") == 0 && len >= 2 && len <= NAME_MAX_LEN + 1 &&
	    start[len - 1] == '\0') {
		memcpy(name, start, len);
		/* Resume after the last node sent, wherever the settings put it now. */
		if (sscanf(name, "cpu-worker-%d%n", &k, &used) == 1 && name[used] == '\0' && k >= 1)
			pos = k < cpus ? k : cpus;
		else if (sscanf(name, "gpu-worker-%d%n", &k, &used) == 1 && name[used] == '\0' && k >= 1)
			pos = cpus + (k < s->gpu_nodes ? k : s->gpu_nodes);
	}
	json_decref(j);
	free(raw);
	return pos;
}

/* k8s_nodes answers GET /api/v1/nodes: a NodeList, filtered by labelSelector, paged by limit and
 * continue as the API server does (metadata.continue; remainingItemCount only without a selector). */
static int
k8s_nodes(struct kube_call *c, const void *arg)
{
	const struct settings *s = c->set;
	char *sel = query_get(c->query, "labelSelector"), *lim = query_get(c->query, "limit");
	char *cont = query_get(c->query, "continue");
	struct requirement reqs[SELECTOR_MAX];
	int nreqs = 0, pos = 0, code = 200, sent = 0;
	long limit = 0;
	char why[256], name[NAME_MAX_LEN + 1], last[NAME_MAX_LEN + 1] = "", *end;
	json_t *items, *list, *meta;

	if (sel != NULL && (nreqs = selector_parse(sel, reqs, why, sizeof(why))) < 0) {
		nreqs = 0;
		code = bad_request(c, why);
		goto cleanup;
	}
	if (lim != NULL && *lim != '\0') {
		errno = 0;
		limit = strtol(lim, &end, 10);
		if (errno != 0 || *end != '\0') {
			snprintf(why, sizeof(why), "limit: invalid value \"%.40s\": must be an integer", lim);
			code = bad_request(c, why);
			goto cleanup;
		}
	}
	if (cont != NULL && *cont != '\0') {
		if (s->expire_continue) {
			code = status_json(c, 410, "Expired",
			    "The provided continue parameter is too old to display a consistent list result. "
			    "You can "
			    "start a new list without the continue parameter.",
			    NULL);
			goto cleanup;
		}
		if ((pos = continue_decode(s, cont)) < 0) {
			code = bad_request(c, "continue key is not valid: not a token this server issued");
			goto cleanup;
		}
	}

	items = json_array();
	meta = json_pack("{s:s}", "resourceVersion", LIST_RV);
	if (items == NULL || meta == NULL)
		die_oom();
	for (int i = pos; i < s->nodes; i++) {
		json_t *labels;

		node_name(s, i, name, sizeof(name));
		labels = node_labels(s, i, name);
		if (!selector_match(reqs, nreqs, labels)) {
			json_decref(labels);
			continue;
		}
		if (limit > 0 && sent == limit) {
			/* Another item matches: the client may continue after the last one sent. */
			char *token = continue_encode(last);

			json_decref(labels);
			json_object_set_new(meta, "continue", json_string(token));
			if (nreqs == 0)
				json_object_set_new(meta, "remainingItemCount", json_integer(s->nodes - i));
			free(token);
			break;
		}
		json_array_append_new(items, node_json(s, c->cluster, i, name, labels));
		memcpy(last, name, sizeof(last));
		sent++;
	}
	list = json_pack(
	    "{s:s, s:s, s:o, s:o}", "kind", "NodeList", "apiVersion", "v1", "metadata", meta, "items", items);
	if (list == NULL)
		die_oom();
	json_out(c->body, list, 0, true);
	c->ctype = "application/json";
cleanup:
	selector_free(reqs, nreqs);
	free(sel);
	free(lim);
	free(cont);
	return code;
}

/* k8s_node answers GET /api/v1/nodes/NAME. */
static int
k8s_node(struct kube_call *c, const void *arg)
{
	const char *name = c->rest + strlen("/api/v1/nodes/");
	int i = node_index(c->set, name);
	char message[160];

	if (i < 0) {
		snprintf(message, sizeof(message), "nodes \"%.100s\" not found", name);
		return status_json(
		    c, 404, "NotFound", message, json_pack("{s:s, s:s}", "name", name, "kind", "nodes"));
	}
	json_out(c->body, node_json(c->set, c->cluster, i, name, node_labels(c->set, i, name)), 0, true);
	c->ctype = "application/json";
	return 200;
}

/* THE route table of a cluster's API; a path ending in '/' matches what starts with it. */
static const struct kube_route {
	const char *path;
	int (*handle)(struct kube_call *c, const void *arg);
	const void *arg;
} kube_routes[] = {
	{ "/version", k8s_version, NULL },
	{ "/readyz", k8s_health, &health_readyz },
	{ "/readyz/", k8s_health_one, &health_readyz },
	{ "/livez", k8s_health, &health_livez },
	{ "/livez/", k8s_health_one, &health_livez },
	{ "/healthz", k8s_health, &health_healthz },
	{ "/healthz/", k8s_health_one, &health_healthz },
	{ "/api/v1/nodes", k8s_nodes, NULL },
	{ "/api/v1/nodes/", k8s_node, NULL },
};

/* bearer_ok says whether the request carries "Authorization: Bearer <token>" (the scheme is
 * case-insensitive, as the API server's bearer token authenticator has it). */
static bool
bearer_ok(struct evhttp_request *req, const char *token)
{
	const char *h = evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");

	return h != NULL && strncasecmp(h, "Bearer ", 7) == 0 && strcmp(h + 7, token) == 0;
}

/* kube_answer answers a cluster request whose latency has passed, as the cluster's settings s say:
 * redirect, then fail=500, then the token check, then the route. libevent owns req afterwards. */
static void
kube_answer(
    struct evhttp_request *req, const struct timeval *start, const char *cluster, const struct settings *s)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = evhttp_uri_get_path(uri), *query = evhttp_uri_get_query(uri);
	const enum evhttp_cmd_type m = evhttp_request_get_command(req);
	struct kube_call c = { req, cluster, s, path + strlen("/c/") + strlen(cluster),
		query != NULL ? query : "", evbuffer_new(), NULL };
	int code = 0;

	if (c.body == NULL)
		die_oom();
	if (s->redirect != NULL) {
		/* As Go's http.Redirect writes it. */
		char *esc = evhttp_htmlescape(s->redirect);

		evhttp_add_header(evhttp_request_get_output_headers(req), "Location", s->redirect);
		evbuffer_add_printf(c.body, "<a href=\"%s\">Found</a>.\n\n", esc);
		free(esc);
		c.ctype = "text/html; charset=utf-8";
		code = 302;
	} else if (s->fail == FAIL_500) {
		code = status_json(&c, 500, "InternalError",
		    "Internal error occurred: injected by fake-kube (fail=500)",
		    json_pack("{s:[{s:s}]}", "causes", "message", "injected by fake-kube (fail=500)"));
	} else if (s->token != NULL && !bearer_ok(req, s->token)) {
		code = status_json(&c, 401, "Unauthorized", "Unauthorized", NULL);
	} else {
		for (size_t i = 0; i < sizeof(kube_routes) / sizeof(kube_routes[0]) && code == 0; i++) {
			const struct kube_route *r = &kube_routes[i];
			const size_t n = strlen(r->path);

			if (r->path[n - 1] == '/' ? strncmp(c.rest, r->path, n) != 0 || c.rest[n] == '\0'
						  : strcmp(c.rest, r->path) != 0)
				continue;
			if (m != EVHTTP_REQ_GET && m != EVHTTP_REQ_HEAD)
				code = status_json(&c, 405, "MethodNotAllowed",
				    "the server does not allow this method on the requested resource",
				    json_object());
			else
				code = r->handle(&c, r->arg);
		}
		if (code == 0)
			code = not_found(&c);
	}
	respond(req, start, cluster, code, c.ctype, c.body);
	evbuffer_free(c.body);
}

/* ---- Requests held back ---- */

/* pending_detach forgets p and frees it; the request itself is left as it is. */
static void
pending_detach(struct pending *p)
{
	evhttp_connection_set_closecb(p->evcon, NULL, NULL);
	event_free(p->timer);
	event_free(p->gone);
	if (p->prev != NULL)
		p->prev->next = p->next;
	else
		p->fk->pending = p->next;
	if (p->next != NULL)
		p->next->prev = p->prev;
	free(p);
}

/* socket_abort resets the TCP connection on fd at once: with SO_LINGER 0 the close sends a RST.
 * evhttp would shut the socket down first, and its FIN would reach the client before the RST, so
 * the socket is closed here through dup2, which leaves a blank socket in the slot for evhttp. */
static void
socket_abort(evutil_socket_t fd)
{
	const struct linger lg = { 1, 0 };
	int blank;

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) != 0)
		return;
	if ((blank = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) >= 0) {
		dup2(blank, fd);
		close(blank);
	}
}

/* pending_drop closes p's connection without an answer, with a TCP reset when rst is set; the
 * connection frees the request. */
static void
pending_drop(struct pending *p, const char *outcome, bool rst)
{
	struct evhttp_connection *evcon = p->evcon;
	const evutil_socket_t fd = bufferevent_getfd(evhttp_connection_get_bufferevent(evcon));

	log_request(p->req, &p->start, p->cluster, 0, outcome);
	pending_detach(p); /* first: its close watch must leave the event loop before the socket goes */
	if (rst)
		socket_abort(fd);
	evhttp_connection_free(evcon);
}

/* pending_fire runs when p's latency has passed: it answers, or resets, or goes on hanging. The
 * cluster's settings are read now, so a test may change them while requests wait. */
static void
pending_fire(evutil_socket_t fd, short what, void *arg)
{
	struct pending *p = arg;
	const struct cluster *c = cluster_find(p->fk, p->cluster);
	const struct settings *s = c != NULL ? &c->set : &p->fk->defaults;
	struct evhttp_request *req = p->req;
	struct timeval start = p->start;
	char cluster[NAME_MAX_LEN + 1];

	if (s->fail == FAIL_RESET) {
		pending_drop(p, "reset", true);
		return;
	}
	if (s->fail == FAIL_HANG)
		return; /* until the client goes: pending_gone */
	memcpy(cluster, p->cluster, sizeof(cluster));
	pending_detach(p);
	kube_answer(req, &start, cluster, s);
}

/* pending_gone runs when the client closed the connection while its request was held back. */
static void
pending_gone(evutil_socket_t fd, short what, void *arg)
{
	pending_drop(arg, "client gone", false);
}

/* pending_closed runs if libevent frees the connection by itself while p waits (it does not, as
 * it neither reads nor writes meanwhile; this keeps a timer from firing on a freed request). */
static void
pending_closed(struct evhttp_connection *evcon, void *arg)
{
	struct pending *p = arg;
	struct evhttp_request *req = p->req;

	log_request(req, &p->start, p->cluster, 0, "connection closed");
	pending_detach(p);
	if (evhttp_request_get_connection(req) == NULL)
		evhttp_request_free(req); /* libevent handed it to us when it detached it */
}

/* pending_start holds req back for latency_ms, watching for the client going away meanwhile. */
static void
pending_start(struct fake *fk, struct evhttp_request *req, const struct timeval *start, const char *cluster,
    int latency_ms)
{
	struct pending *p = xcalloc(1, sizeof(*p));
	const struct timeval tv = { latency_ms / 1000, (latency_ms % 1000) * 1000 };
	evutil_socket_t fd;

	p->fk = fk;
	p->req = req;
	p->evcon = evhttp_request_get_connection(req);
	p->start = *start;
	snprintf(p->cluster, sizeof(p->cluster), "%s", cluster);
	fd = bufferevent_getfd(evhttp_connection_get_bufferevent(p->evcon));
	p->timer = evtimer_new(fk->base, pending_fire, p);
	/* evhttp stops reading while a request is handled, so it would not see the client leave. */
	p->gone = event_new(fk->base, fd, EV_CLOSED, pending_gone, p);
	if (p->timer == NULL || p->gone == NULL)
		die_oom();
	p->next = fk->pending;
	if (p->next != NULL)
		p->next->prev = p;
	fk->pending = p;
	evhttp_connection_set_closecb(p->evcon, pending_closed, p);
	event_add(p->gone, NULL);
	evtimer_add(p->timer, &tv);
}

/* kube_arrive counts a request to cluster name and holds it back for the cluster's latency
 * (every answer goes through the timer, so none is sent from inside libevent's callback). */
static void
kube_arrive(struct fake *fk, struct evhttp_request *req, const struct timeval *start, const char *name)
{
	struct cluster *c = cluster_get(fk, name);
	const char *auth = evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");

	if (c != NULL) {
		c->requests++;
		if (auth != NULL) {
			free(c->last_authorization);
			c->last_authorization = xstrdup(auth);
		}
	}
	pending_start(fk, req, start, name, c != NULL ? c->set.latency_ms : fk->defaults.latency_ms);
}

/* ---- The control API ---- */

/* ctl_reply sends j (stolen; NULL for no body) as the control API's answer. */
static void
ctl_reply(struct evhttp_request *req, const struct timeval *start, int code, json_t *j)
{
	struct evbuffer *b = evbuffer_new();

	if (b == NULL)
		die_oom();
	if (j != NULL)
		json_out(b, j, 0, true);
	respond(req, start, NULL, code, "application/json", b);
	evbuffer_free(b);
}

static void
ctl_error(struct evhttp_request *req, const struct timeval *start, int code, const char *message)
{
	ctl_reply(req, start, code, json_pack("{s:s}", "error", message));
}

/* ctl_put applies the JSON body of req to the cluster called name, all keys or none. */
static void
ctl_put(struct fake *fk, struct evhttp_request *req, const struct timeval *start, const char *name)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	const size_t len = evbuffer_get_length(in);
	struct cluster *c = cluster_find(fk, name);
	struct settings t;
	json_error_t err;
	char why[300];
	json_t *j;

	if (len == 0) {
		ctl_error(req, start, 400, "the body is empty: send a JSON object of settings");
		return;
	}
	j = json_loadb((const char *)evbuffer_pullup(in, -1), len, JSON_REJECT_DUPLICATES, &err);
	if (j == NULL) {
		snprintf(why, sizeof(why), "the body is not JSON (line %d, column %d): %s", err.line,
		    err.column, err.text);
		ctl_error(req, start, 400, why);
		return;
	}
	settings_copy(&t, c != NULL ? &c->set : &fk->defaults);
	if (settings_apply(&t, j, why, sizeof(why)) != 0) {
		ctl_error(req, start, 400, why);
	} else if (c == NULL && (c = cluster_get(fk, name)) == NULL) {
		snprintf(why, sizeof(why), "too many clusters: at most %d; DELETE some first", CLUSTER_MAX);
		ctl_error(req, start, 409, why);
	} else {
		settings_free(&c->set);
		c->set = t;
		memset(&t, 0, sizeof(t)); /* c owns the strings now */
		ctl_reply(req, start, 200, cluster_json(c));
	}
	settings_free(&t);
	json_decref(j);
}

/* ctl_dispatch answers the control API under /_fake/ (see the README). */
static void
ctl_dispatch(struct fake *fk, struct evhttp_request *req, const struct timeval *start, const char *path)
{
	static const char all[] = "/_fake/clusters", one[] = "/_fake/clusters/";
	const enum evhttp_cmd_type m = evhttp_request_get_command(req);
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	const char *name = path + strlen(one);
	struct cluster *c;

	if (strcmp(path, all) == 0) {
		if (m == EVHTTP_REQ_GET) {
			json_t *j = json_object();

			for (int i = 0; i < CLUSTER_BUCKETS; i++)
				for (c = fk->buckets[i]; c != NULL; c = c->next)
					json_object_set_new(j, c->name, cluster_json(c));
			ctl_reply(req, start, 200, j);
		} else if (m == EVHTTP_REQ_DELETE) {
			cluster_remove_all(fk);
			ctl_reply(req, start, 204, NULL);
		} else {
			evhttp_add_header(out, "Allow", "GET, DELETE");
			ctl_error(req, start, 405, "use GET (every cluster) or DELETE (reset every cluster)");
		}
		return;
	}
	if (strncmp(path, one, strlen(one)) != 0) {
		ctl_error(req, start, 404, "no such control path: use /_fake/clusters[/NAME]");
		return;
	}
	if (!name_valid(name, strlen(name))) {
		ctl_error(req, start, 400, "a cluster name is 1 to 63 of a-z, 0-9 and -");
		return;
	}
	switch (m) {
	case EVHTTP_REQ_GET:
		if ((c = cluster_find(fk, name)) != NULL)
			ctl_reply(req, start, 200, cluster_json(c));
		else {
			json_t *j = settings_json(&fk->defaults);

			json_object_set_new(j, "requests", json_integer(0));
			json_object_set_new(j, "last_authorization", json_null());
			ctl_reply(req, start, 200, j);
		}
		break;
	case EVHTTP_REQ_PUT: ctl_put(fk, req, start, name); break;
	case EVHTTP_REQ_DELETE:
		cluster_remove(fk, name);
		ctl_reply(req, start, 204, NULL);
		break;
	default:
		evhttp_add_header(out, "Allow", "GET, PUT, DELETE");
		ctl_error(req, start, 405, "use GET, PUT (JSON settings) or DELETE (restore the defaults)");
	}
}

/* on_request receives every request of both ports. */
static void
on_request(struct evhttp_request *req, void *arg)
{
	struct fake *fk = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	struct timeval start;

	gettimeofday(&start, NULL);
	if (path == NULL || *path == '\0')
		path = "/";
	if (strncmp(path, "/_fake/", 7) == 0 || strcmp(path, "/_fake") == 0) {
		ctl_dispatch(fk, req, &start, path);
		return;
	}
	if (strncmp(path, "/c/", 3) == 0 && name_valid(path + 3, strcspn(path + 3, "/"))) {
		char name[NAME_MAX_LEN + 1];
		const size_t n = strcspn(path + 3, "/");

		memcpy(name, path + 3, n);
		name[n] = '\0';
		kube_arrive(fk, req, &start, name);
		return;
	}
	{
		struct kube_call c = { req, NULL, &fk->defaults, path, "", evbuffer_new(), NULL };
		int code;

		if (c.body == NULL)
			die_oom();
		code = not_found(&c);
		respond(req, &start, NULL, code, c.ctype, c.body);
		evbuffer_free(c.body);
	}
}

/* ---- Start and stop ---- */

/* load_clusters applies the settings in file, a JSON object NAME -> settings; -1 after saying why
 * on stderr. */
static int
load_clusters(struct fake *fk, const char *file)
{
	json_error_t err;
	json_t *j = json_load_file(file, JSON_REJECT_DUPLICATES, &err), *v;
	const char *name;
	char why[300];
	int rc = 0;

	if (j == NULL) {
		if (err.line > 0)
			fprintf(stderr, "fake-kube: %s:%d:%d: %s\n", file, err.line, err.column, err.text);
		else
			fprintf(stderr, "fake-kube: %s\n", err.text);
		return -1;
	}
	if (!json_is_object(j)) {
		fprintf(stderr, "fake-kube: %s: must hold a JSON object, cluster name -> settings\n", file);
		rc = -1;
	}
	json_object_foreach (j, name, v) {
		struct cluster *c;

		if (rc != 0)
			break;
		if (!name_valid(name, strlen(name))) {
			fprintf(stderr, "fake-kube: %s: \"%.80s\" is not a cluster name ([a-z0-9-]{1,63})\n",
			    file, name);
			rc = -1;
		} else if ((c = cluster_get(fk, name)) == NULL) {
			fprintf(stderr, "fake-kube: %s: more than %d clusters\n", file, CLUSTER_MAX);
			rc = -1;
		} else if (settings_apply(&c->set, v, why, sizeof(why)) != 0) {
			fprintf(stderr, "fake-kube: %s: cluster %s: %s\n", file, name, why);
			rc = -1;
		}
	}
	json_decref(j);
	return rc;
}

/* tls_bufferevent makes the TLS bufferevent of each connection to the TLS port; arg is the
 * SSL_CTX. The bufferevent owns the SSL. */
static struct bufferevent *
tls_bufferevent(struct event_base *base, void *arg)
{
	SSL *ssl = SSL_new(arg);
	struct bufferevent *bev;

	if (ssl == NULL)
		die_oom();
	bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL)
		die_oom(); /* evhttp would fall back to plain text on this port */
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}

/* tls_context loads the certificate chain and key; NULL after saying why on stderr. Caller frees
 * with SSL_CTX_free. */
static SSL_CTX *
tls_context(const char *cert, const char *key)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	char msg[256];

	if (ctx == NULL)
		die_oom();
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) == 1 &&
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) == 1 &&
	    SSL_CTX_check_private_key(ctx) == 1)
		return ctx;
	ERR_error_string_n(ERR_get_error(), msg, sizeof(msg));
	fprintf(stderr, "fake-kube: cannot use --cert %s and --key %s: %s\n", cert, key, msg);
	SSL_CTX_free(ctx);
	return NULL;
}

/* http_listen makes an evhttp serving fk on bind:port (TLS with ssl unless NULL) and stores the
 * port it got in *bound (port 0 picks a free one); NULL after saying why on stderr. Caller frees
 * with evhttp_free. */
static struct evhttp *
http_listen(struct fake *fk, const char *bind, int port, SSL_CTX *ssl, int *bound)
{
	struct sockaddr_storage ss;
	int sslen = sizeof(ss);
	socklen_t len = sizeof(ss);
	const bool v6 = strchr(bind, ':') != NULL;
	char addr[300];
	struct evconnlistener *lev;
	struct evhttp *http;

	/* Without a port: evutil_parse_sockaddr_port refuses port 0. */
	snprintf(addr, sizeof(addr), "%s%s%s", v6 ? "[" : "", bind, v6 ? "]" : "");
	if (evutil_parse_sockaddr_port(addr, (struct sockaddr *)&ss, &sslen) != 0) {
		fprintf(stderr, "fake-kube: --bind %s: not an IP address\n", bind);
		return NULL;
	}
	if (ss.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
	else
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
	/* Our own listener for a longer queue than evhttp's 128: tests open hundreds at once. */
	lev = evconnlistener_new_bind(fk->base, NULL, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC, LISTEN_BACKLOG,
	    (struct sockaddr *)&ss, sslen);
	if (lev == NULL) {
		fprintf(stderr, "fake-kube: cannot listen on %s port %d: %s\n", addr, port, strerror(errno));
		return NULL;
	}
	if ((http = evhttp_new(fk->base)) == NULL || evhttp_bind_listener(http, lev) == NULL)
		die_oom();
	getsockname(evconnlistener_get_fd(lev), (struct sockaddr *)&ss, &len);
	*bound = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						: ((struct sockaddr_in *)&ss)->sin_port);
	evhttp_set_gencb(http, on_request, fk);
	evhttp_set_allowed_methods(http,
	    EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
		EVHTTP_REQ_PATCH | EVHTTP_REQ_OPTIONS);
	evhttp_set_max_body_size(http, BODY_MAX);
	evhttp_set_max_headers_size(http, HEADERS_MAX);
	if (ssl != NULL)
		evhttp_set_bevcb(http, tls_bufferevent, ssl);
	return http;
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	event_base_loopexit(arg, NULL);
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: fake-kube --port N [--bind ADDR] [--tls-port M --cert FILE --key FILE]\n"
	    "                 [--clusters FILE]\n"
	    "\n"
	    "Serves fake Kubernetes API servers at http://ADDR:N/c/NAME (https on M), steered through\n"
	    "/_fake/clusters/NAME; see tests/fakes/README.md. ADDR is 127.0.0.1 by default; port 0\n"
	    "picks a free port. Prints \"fake-kube: listening on N[ and M]\" once ready.\n");
}

/* parse_port reads a port number 0..65535; -1 when s is not one. */
static int
parse_port(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	return errno != 0 || *s == '\0' || *end != '\0' || v < 0 || v > 65535 ? -1 : (int)v;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = { { "port", required_argument, NULL, 'p' },
		{ "bind", required_argument, NULL, 'b' }, { "tls-port", required_argument, NULL, 't' },
		{ "cert", required_argument, NULL, 'c' }, { "key", required_argument, NULL, 'k' },
		{ "clusters", required_argument, NULL, 'C' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 } };
	const char *bind = "127.0.0.1", *cert = NULL, *key = NULL, *clusters = NULL;
	int port = -1, tls_port = -1, bound = 0, tls_bound = 0, opt, rc = 1;
	struct evhttp *http = NULL, *https = NULL;
	struct event *sigterm = NULL, *sigint = NULL;
	struct event_config *cfg;
	SSL_CTX *ssl = NULL;
	struct fake *fk;
	struct rlimit rl;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'p': port = parse_port(optarg); break;
		case 'b': bind = optarg; break;
		case 't': tls_port = parse_port(optarg); break;
		case 'c': cert = optarg; break;
		case 'k': key = optarg; break;
		case 'C': clusters = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
		if ((opt == 'p' && port < 0) || (opt == 't' && tls_port < 0)) {
			fprintf(stderr, "fake-kube: %s is not a port number\n", optarg);
			return 2;
		}
	}
	if (optind != argc || port < 0 || (tls_port >= 0) != (cert != NULL && key != NULL) ||
	    (tls_port < 0 && (cert != NULL || key != NULL))) {
		usage(stderr);
		return 2;
	}

	log_init("fake-kube", LOG_INFO);
	signal(SIGPIPE, SIG_IGN); /* a client gone before its answer must not kill us */
	/* One descriptor per connection, and tests open hundreds. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}

	fk = xcalloc(1, sizeof(*fk));
	settings_default(&fk->defaults);
	if (clusters != NULL && load_clusters(fk, clusters) != 0)
		goto cleanup;
	if ((cfg = event_config_new()) == NULL)
		die_oom();
	/* EV_CLOSED tells a client that left from one that waits (pending_gone). */
	event_config_require_features(cfg, EV_FEATURE_EARLY_CLOSE);
	fk->base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	if (fk->base == NULL) {
		fprintf(stderr, "fake-kube: no event backend detects closed connections (epoll does)\n");
		goto cleanup;
	}
	if (tls_port >= 0 && (ssl = tls_context(cert, key)) == NULL)
		goto cleanup;
	if ((http = http_listen(fk, bind, port, NULL, &bound)) == NULL)
		goto cleanup;
	if (ssl != NULL && (https = http_listen(fk, bind, tls_port, ssl, &tls_bound)) == NULL)
		goto cleanup;
	sigterm = evsignal_new(fk->base, SIGTERM, on_signal, fk->base);
	sigint = evsignal_new(fk->base, SIGINT, on_signal, fk->base);
	if (sigterm == NULL || sigint == NULL || event_add(sigterm, NULL) != 0 ||
	    event_add(sigint, NULL) != 0)
		die_oom();

	if (https != NULL)
		printf("fake-kube: listening on %d and %d\n", bound, tls_bound);
	else
		printf("fake-kube: listening on %d\n", bound);
	fflush(stdout);
	event_base_dispatch(fk->base);
	log_msg(LOG_INFO, NULL, "stopping");
	rc = 0;

cleanup:
	/* The connections free the requests still held back; forget them first. */
	while (fk->pending != NULL)
		pending_detach(fk->pending);
	if (http != NULL)
		evhttp_free(http);
	if (https != NULL)
		evhttp_free(https);
	if (sigterm != NULL)
		event_free(sigterm);
	if (sigint != NULL)
		event_free(sigint);
	if (ssl != NULL)
		SSL_CTX_free(ssl);
	cluster_remove_all(fk);
	settings_free(&fk->defaults);
	if (fk->base != NULL)
		event_base_free(fk->base);
	free(fk);
	libevent_global_shutdown();
	return rc;
}
