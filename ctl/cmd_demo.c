/* cmd_demo.c: aiopsctl demo: the demo fleet, registered as an operator would register it. */
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

/* The demo fleet: a dozen clusters across environments and kinds, five with GPUs, with the states
 * a real fleet has on a normal day. */
static const struct demo {
	const char *name, *display, *env, *type, *region, *gpu_product;
	const char *status, *reason, *version;
} demo_fleet[] = {
	{ "ocp-prod-east", "OpenShift production (east)", "production", "openshift", "us-east-1",
	    "NVIDIA-H100-80GB-HBM3", "ready", "", "v1.29.8+f10c92d" },
	{ "ocp-prod-west", "OpenShift production (west)", "production", "openshift", "us-west-2",
	    "NVIDIA-A100-SXM4-80GB", "degraded", "readyz: [-]etcd failed: health check timed out",
	    "v1.29.8+f10c92d" },
	{ "gke-inference-eu", "Inference (Europe)", "production", "gke", "europe-west4", "NVIDIA-L4", "ready",
	    "", "v1.30.5-gke.1014001" },
	{ "eks-payments", "Payments", "production", "eks", "us-east-2", NULL, "ready", "",
	    "v1.30.4-eks-a737599" },
	{ "aks-analytics", "Analytics", "production", "aks", "westeurope", NULL, "ready", "", "v1.29.7" },
	{ "ocp-staging", "OpenShift staging", "staging", "openshift", "us-east-1", "NVIDIA-A10G", "ready", "",
	    "v1.30.4+4fa9d07" },
	{ "k8s-staging-telco", "Telco CNF staging", "staging", "kubernetes", "eu-central-1", NULL,
	    "unreachable", "connect to api.k8s-staging-telco.demo.invalid:6443: connection timed out",
	    "v1.29.2" },
	{ "rke2-edge-01", "Edge site 01", "staging", "rke2", "eu-north-1", NULL, "ready", "",
	    "v1.28.12+rke2r1" },
	{ "dev-shared", "Shared development", "development", "kubernetes", "us-east-1", NULL, "ready", "",
	    "v1.31.1" },
	{ "dev-ml-sandbox", "ML sandbox", "development", "openshift", "us-west-2", "NVIDIA-A100-PCIE-40GB",
	    "degraded", "alertmanager: GET /-/ready returned 503", "v1.30.4+4fa9d07" },
	{ "lab-k3s-pi", "Raspberry Pi lab", "lab", "k3s", "home-lab", NULL, "unknown", "", "" },
	{ "lab-microshift", "MicroShift lab", "lab", "microshift", "home-lab", NULL, "unknown", "", "" },
};

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
	const char *fake = NULL;
	int added = 0;

	/* --fake-api URL: the clusters' API servers are fake-kube's at URL/c/NAME (the dev stack), and
	 * they have no Prometheus or Alertmanager yet; without it they point at hosts that do not exist. */
	if (argc == 3 && strcmp(argv[1], "--fake-api") == 0 && cluster_url_ok(argv[2]) == NULL)
		fake = argv[2];
	else if (argc != 1) {
		fprintf(stderr, "aiopsctl: demo takes only --fake-api URL\n");
		return 2;
	}

	for (size_t i = 0; i < sizeof(demo_fleet) / sizeof(demo_fleet[0]); i++) {
		const struct demo *d = &demo_fleet[i];
		struct cluster_in in;
		struct cluster *cl;
		json_t *labels = json_pack("{s:s, s:s}", "team", d->gpu_product ? "ml-platform" : "platform",
		    "tier", strcmp(d->env, "production") == 0 ? "critical" : "standard");
		char api[256], prom[256], am[256];
		int rc;

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
			return rc;
		if (cluster_get_by_name(c->db, c->a, d->name, &cl) == ERR_OK)
			cluster_set_status(c->db, c->a, cl->id, d->status, d->reason, d->version);
		added++;
	}
	dataver_bump(c->rds, DATAVER_CLUSTERS);
	printf("demo fleet: %d cluster%s added\n", added, added == 1 ? "" : "s");
	return 0;
}
