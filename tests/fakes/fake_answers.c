/* fake_answers.c: a fake cluster's API as the real API server answers it: metav1.Status errors,
 * /version, the health endpoints, and the route table every cluster request goes through. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <jansson.h>

#include "arena.h"
#include "fake_kube.h"

int
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

int
not_found(struct kube_call *c)
{
	return status_json(
	    c, 404, "NotFound", "the server could not find the requested resource", json_object());
}

int
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

void
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
