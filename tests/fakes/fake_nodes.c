/* fake_nodes.c: a fake cluster's nodes (GPU nodes labelled as the NVIDIA operator does), listed
 * with label selectors and continue-token paging as the API server does. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "arena.h"
#include "fake_kube.h"

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

int
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

int
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
