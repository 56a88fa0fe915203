/* cmd_demo.c: aiopsctl demo: the demo fleet, registered as an operator would register it.
 *
 * One definition of the fleet: tests/fakes/demo.json, the file the fake API servers (fake-kube)
 * serve the clusters from, is compiled in (ctl_demo_json). It names the clusters and holds what
 * the clusters themselves say: their version, their GPUs, whether and how they fail. The table
 * below adds only what an operator tells when registering one (display name, environment, kind,
 * region, GPU product), by name; a cluster in one but not the other stops the command. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "arena.h"
#include "cluster.h"
#include "ctl.h"
#include "dataver.h"
#include "db.h"

/* tests/fakes/demo.json, made into a string by the build (ctl/local.am). */
extern const char ctl_demo_json[];

static const struct demo {
	const char *name, *display, *env, *type, *region, *gpu_product;
} demo_fleet[] = {
	{ "ocp-prod-east", "OpenShift production (east)", "production", "openshift", "us-east-1",
	    "NVIDIA-H100-80GB-HBM3" },
	{ "ocp-prod-west", "OpenShift production (west)", "production", "openshift", "us-west-2",
	    "NVIDIA-A100-SXM4-80GB" },
	{ "gke-inference-eu", "Inference (Europe)", "production", "gke", "europe-west4", "NVIDIA-L4" },
	{ "eks-payments", "Payments", "production", "eks", "us-east-2", NULL },
	{ "aks-analytics", "Analytics", "production", "aks", "westeurope", NULL },
	{ "ocp-staging", "OpenShift staging", "staging", "openshift", "us-east-1", "NVIDIA-A10G" },
	{ "k8s-staging-telco", "Telco CNF staging", "staging", "kubernetes", "eu-central-1", NULL },
	{ "rke2-edge-01", "Edge site 01", "staging", "rke2", "eu-north-1", NULL },
	{ "dev-shared", "Shared development", "development", "kubernetes", "us-east-1", NULL },
	{ "dev-ml-sandbox", "ML sandbox", "development", "openshift", "us-west-2", "NVIDIA-A100-PCIE-40GB" },
	{ "lab-k3s-pi", "Raspberry Pi lab", "lab", "k3s", "home-lab", NULL },
	{ "lab-microshift", "MicroShift lab", "lab", "microshift", "home-lab", NULL },
};
#define NDEMO (sizeof(demo_fleet) / sizeof(demo_fleet[0]))

/* demo_find returns the registration of the cluster called name, or NULL. */
static const struct demo *
demo_find(const char *name)
{
	for (size_t i = 0; i < NDEMO; i++)
		if (strcmp(demo_fleet[i].name, name) == 0)
			return &demo_fleet[i];
	return NULL;
}

/* demo_fleet_load parses the compiled-in fleet and checks that it and the table name the same
 * clusters, and that the GPU products go with clusters that have GPUs. Returns the object (caller
 * owns it), or NULL after saying what disagrees on stderr. */
static json_t *
demo_fleet_load(void)
{
	json_error_t jerr;
	json_t *fleet = json_loads(ctl_demo_json, JSON_REJECT_DUPLICATES, &jerr), *v;
	const char *name;
	int bad = 0;

	if (!json_is_object(fleet)) {
		fprintf(stderr, "aiopsctl: the built-in demo fleet is not a JSON object: %s\n", jerr.text);
		json_decref(fleet);
		return NULL;
	}
	json_object_foreach (fleet, name, v) {
		const struct demo *d = demo_find(name);
		json_int_t gpus = json_integer_value(json_object_get(v, "gpu_nodes"));

		if (d == NULL) {
			fprintf(
			    stderr, "aiopsctl: demo.json has %s, which cmd_demo.c does not describe\n", name);
			bad = 1;
		} else if ((d->gpu_product != NULL) != (gpus > 0)) {
			fprintf(stderr, "aiopsctl: demo cluster %s: a GPU product %s but %lld GPU nodes\n",
			    name, d->gpu_product != NULL ? d->gpu_product : "(none)", (long long)gpus);
			bad = 1;
		}
	}
	for (size_t i = 0; i < NDEMO; i++)
		if (json_object_get(fleet, demo_fleet[i].name) == NULL) {
			fprintf(stderr, "aiopsctl: cmd_demo.c describes %s, which demo.json lacks\n",
			    demo_fleet[i].name);
			bad = 1;
		}
	if (bad) {
		json_decref(fleet);
		return NULL;
	}
	return fleet;
}

/* demo_state is what a health pass would record for a fake cluster with settings s: its status, the reason (our words, as collectors/health.c puts
 * them; static or arena memory) and its version. */
static void
demo_state(struct arena *a, const json_t *s, const char **status, const char **reason, const char **version)
{
	const char *fail = json_string_value(json_object_get(s, "fail"));
	const json_t *ready = json_object_get(s, "ready");
	const char *failing = json_string_value(json_object_get(s, "failing_check"));

	*version = json_string_value(json_object_get(s, "version"));
	if (*version == NULL)
		*version = "";
	*status = "ready";
	*reason = "";
	if (fail != NULL && strcmp(fail, "hang") == 0) {
		*status = "unreachable";
		*reason = "API server: no answer within 5.0 s";
		*version = "";
	} else if (fail != NULL && strcmp(fail, "none") != 0) {
		*status = "unreachable";
		*reason = "API server: the connection closed without an answer";
		*version = "";
	} else if (json_is_false(ready)) {
		*status = "degraded";
		*reason = arena_printf(
		    a, "API server not ready: %s failing", failing != NULL ? failing : "a check");
	}
}

/* demo_repoint points an existing demo cluster's API server at the fake one, once: a cluster
 * somebody has pointed elsewhere is left alone. */
static void
demo_repoint(struct ctl *c, struct cluster *cl, const char *api)
{
	struct cluster_in in;
	struct cluster *out;

	if (strstr(cl->api_url, ".demo.invalid") == NULL)
		return;
	cluster_in_from_cluster(&in, cl, c->a);
	in.api_url = api;
	in.prometheus_url = NULL;
	in.alertmanager_url = NULL;
	if (cluster_update(c->db, c->a, cl->id, &in, &out) != ERR_OK)
		fprintf(stderr, "aiopsctl: cannot point %s at %s: %s\n", cl->name, api, db_error(c->db));
}

int
cmd_demo(struct ctl *c, int argc, char **argv)
{
	const char *fake = NULL, *name;
	json_t *fleet, *settings;
	int added = 0, rc = 0;

	/* --fake-api URL: the clusters' API servers are fake-kube's at URL/c/NAME (the dev stack), and
	 * they have no Prometheus or Alertmanager yet; without it they point at hosts that do not exist. */
	if (argc == 3 && strcmp(argv[1], "--fake-api") == 0 && cluster_url_ok(argv[2]) == NULL)
		fake = argv[2];
	else if (argc != 1) {
		fprintf(stderr, "aiopsctl: demo takes only --fake-api URL\n");
		return 2;
	}
	if ((fleet = demo_fleet_load()) == NULL)
		return 1;
	json_object_foreach (fleet, name, settings) {
		const struct demo *d = demo_find(name);
		struct cluster_in in;
		struct cluster *cl;
		json_t *labels = json_pack("{s:s, s:s}", "team", d->gpu_product ? "ml-platform" : "platform",
		    "tier", strcmp(d->env, "production") == 0 ? "critical" : "standard");
		char api[256], prom[256], am[256];

		if (fake != NULL)
			snprintf(api, sizeof(api), "%s/c/%s", fake, d->name);
		else
			snprintf(api, sizeof(api), "https://api.%s.demo.invalid:6443", d->name);
		if (cluster_get_by_name(c->db, c->a, d->name, &cl) == ERR_OK) {
			if (fake != NULL)
				demo_repoint(c, cl, api);
			json_decref(labels);
			continue;
		}
		if (d->gpu_product)
			json_object_set_new(labels, "nvidia.com/gpu.product", json_string(d->gpu_product));
		snprintf(prom, sizeof(prom), "https://prometheus.%s.demo.invalid", d->name);
		snprintf(am, sizeof(am), "https://alertmanager.%s.demo.invalid", d->name);
		cluster_in_init(&in);
		in.name = d->name;
		in.display_name = d->display;
		in.api_url = api;
		in.prometheus_url = fake != NULL ? NULL : prom;
		in.alertmanager_url = fake != NULL ? NULL : am;
		in.environment = d->env;
		in.type = d->type;
		in.region = d->region;
		in.labels = labels;
		in.has_gpu = d->gpu_product != NULL;
		rc = cmd_cluster_store(c, &in, 1);
		json_decref(labels);
		if (rc != 0)
			break;
		/* The state a health pass will find in the fake, so the fleet looks lived-in at once. */
		if (cluster_get_by_name(c->db, c->a, d->name, &cl) == ERR_OK) {
			const char *status, *reason, *version;

			demo_state(c->a, settings, &status, &reason, &version);
			cluster_set_status(c->db, c->a, cl->id, status, reason, version);
		}
		added++;
	}
	json_decref(fleet);
	if (rc != 0)
		return rc;
	dataver_bump(c->rds, DATAVER_CLUSTERS);
	printf("demo fleet: %d cluster%s added\n", added, added == 1 ? "" : "s");
	return 0;
}
