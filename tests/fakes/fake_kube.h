/* fake_kube.h: the parts of fake-kube (a fake Kubernetes API server for tests, README.md):
 * limits, a cluster's settings and the cluster table, and what each file offers the others. */
#ifndef AIOPS_FAKE_KUBE_H
#define AIOPS_FAKE_KUBE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/time.h>

#include <event2/http.h>
#include <jansson.h>

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

/* fake_util.c: helpers every part uses */

/* dup_n copies n bytes of s into a terminated string; caller frees. */
char *dup_n(const char *s, size_t n);

/* name_valid says whether s[0..n) is a cluster name, [a-z0-9-]{1,63}. */
bool name_valid(const char *s, size_t n);

/* visible_ascii says whether s is non-empty printable ASCII without spaces (safe in a header). */
bool visible_ascii(const char *s);

/* log_request writes the one line a request gets: its status, or (status 0) what happened
 * instead. Called while the request and its connection are still alive. */
void log_request(struct evhttp_request *req, const struct timeval *start, const char *cluster, int status,
    const char *outcome);

/* respond sends every answer of this program: it sets the headers all responses share, logs the
 * line and hands body (may be NULL) to libevent, which owns the request from then on. */
void respond(struct evhttp_request *req, const struct timeval *start, const char *cluster, int code,
    const char *ctype, struct evbuffer *body);

/* json_out appends j (reference stolen) to b, compact unless flags say otherwise; with newline
 * set, ends it with "\n" as Go's json.Encoder (and so the API server) does. */
void json_out(struct evbuffer *b, json_t *j, size_t flags, bool newline);

/* base64url_encode returns the unpadded base64url text of s[0..n) (Go's RawURLEncoding, as the
 * API server's continue tokens); caller frees. */
char *base64url_encode(const unsigned char *s, size_t n);

/* base64url_decode decodes unpadded (or padded) base64url text; returns the bytes and their count
 * in *n, or NULL when s is not base64url. Caller frees. */
unsigned char *base64url_decode(const char *s, size_t *n);

/* query_next walks a raw query string: on each call it returns the next parameter's decoded name
 * and value (value "" when the parameter has no '='), both for the caller to free(), and advances
 * *pos; false when no parameter is left. */
bool query_next(const char **pos, char **key, char **val);

/* query_get returns the decoded value of the first parameter called name ("" when it has no
 * value), or NULL when absent; caller frees. */
char *query_get(const char *query, const char *name);

/* fake_cluster.c: settings and the cluster table */

/* settings_default sets what a cluster nobody configured does. */
void settings_default(struct settings *s);

/* settings_copy makes dst an independent copy of src; free it with settings_free. */
void settings_copy(struct settings *dst, const struct settings *src);

/* settings_free frees the strings s owns (s itself is the caller's). */
void settings_free(struct settings *s);

/* settings_apply applies the keys of the JSON object j to *s, all or none: on error *s is left
 * as it was, why (n bytes) says what to fix, and -1 is returned. */
int settings_apply(struct settings *s, const json_t *j, char *why, size_t n);

/* settings_json returns a new JSON object with every setting. */
json_t *settings_json(const struct settings *s);

/* fake_cluster_find returns the cluster called name, or NULL; the table owns it. */
struct cluster *fake_cluster_find(struct fake *fk, const char *name);

/* fake_cluster_get returns the cluster called name (a valid name), made with the defaults if new, or
 * NULL when the table already holds CLUSTER_MAX clusters. The table owns it. */
struct cluster *fake_cluster_get(struct fake *fk, const char *name);

/* fake_cluster_remove forgets the cluster called name (its settings and counters); true if it existed. */
bool fake_cluster_remove(struct fake *fk, const char *name);

/* fake_cluster_remove_all forgets every cluster. */
void fake_cluster_remove_all(struct fake *fk);

/* fake_cluster_json returns a new JSON object: the settings plus requests and last_authorization. */
json_t *fake_cluster_json(const struct cluster *c);

/* fake_answers.c: a cluster's API: /version, health, the route table */

/* status_json writes a metav1.Status into c and returns its code. details (stolen) may be NULL
 * to leave the field out, as the API server does for 401. */
int status_json(struct kube_call *c, int code, const char *reason, const char *message, json_t *details);

/* bad_request writes a 400 BadRequest metav1.Status with message into c and returns 400. */
int bad_request(struct kube_call *c, const char *message);

/* kube_answer answers a cluster request whose latency has passed, as the cluster's settings s say:
 * redirect, then fail=500, then the token check, then the route. libevent owns req afterwards. */
void kube_answer(
    struct evhttp_request *req, const struct timeval *start, const char *cluster, const struct settings *s);

/* not_found writes the API server's 404 for a path it does not serve into c and returns 404. */
int not_found(struct kube_call *c);

/* fake_nodes.c: nodes, label selectors and paging */

/* k8s_nodes answers GET /api/v1/nodes: a NodeList, filtered by labelSelector, paged by limit and
 * continue as the API server does (metadata.continue; remainingItemCount only without a selector). */
int k8s_nodes(struct kube_call *c, const void *arg);

/* k8s_node answers GET /api/v1/nodes/NAME. */
int k8s_node(struct kube_call *c, const void *arg);

#endif
