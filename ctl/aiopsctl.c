/* aiopsctl.c: the admin command line: migrations, the cluster register, the demo fleet. */
#include "config.h"

#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "cfg.h"
#include "cluster.h"
#include "db.h"
#include "log.h"
#include "rds.h"

struct ctl {
	struct db *db;
	struct rds *rds;
	struct arena *a;
};

static const struct db_stmt st_mig_table = { "ctl_mig_table",
	"CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, "
	"applied_at timestamptz NOT NULL DEFAULT now())",
	0 };
static const struct db_stmt st_mig_lock = { "ctl_mig_lock", "SELECT pg_advisory_lock(7461001)", 0 };
static const struct db_stmt st_mig_unlock = { "ctl_mig_unlock", "SELECT pg_advisory_unlock(7461001)", 0 };
static const struct db_stmt st_mig_has = { "ctl_mig_has",
	"SELECT 1 FROM schema_migrations WHERE version = $1", 1 };
static const struct db_stmt st_mig_add = { "ctl_mig_add",
	"INSERT INTO schema_migrations (version) VALUES ($1)", 1 };

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: aiopsctl [-c FILE] COMMAND ...\n"
	    "\n"
	    "  migrate [--dir DIR]           apply the NNNN_*.sql migrations in DIR (default " PKGDATADIR
	    "/sql)\n"
	    "                                not yet applied\n"
	    "  cluster add NAME --api-url URL --env ENV --type TYPE [--display-name TEXT]\n"
	    "              [--prometheus-url URL] [--alertmanager-url URL] [--loki-url URL]\n"
	    "              [--region R] [--label KEY=VALUE]... [--gpu]\n"
	    "  cluster list [--json]         list every cluster\n"
	    "  cluster rm NAME|ID            remove a cluster\n"
	    "  demo                          load the demo fleet (clusters that exist are kept)\n"
	    "\n"
	    "The database and Redis come from the configuration (-c FILE or $AIOPS_CONFIG) and the\n"
	    "AIOPS_* environment variables; see aiops-fcgi --help for the keys.\n");
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *
read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct buf b = { 0 };
	char chunk[8192];
	size_t n;

	if (f == NULL)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	if (b.p == NULL)
		return xstrdup("");
	return b.p;
}

/* migration_name_ok accepts NNNN_words.sql and nothing else. */
static int
migration_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 10 || strcmp(s + n - 4, ".sql") != 0)
		return 0;
	for (int i = 0; i < 4; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	if (s[4] != '_')
		return 0;
	for (size_t i = 5; i < n - 4; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

static int
cmd_migrate(struct ctl *c, int argc, char **argv)
{
	const char *dir = PKGDATADIR "/sql";
	char *names[1024];
	int n = 0, applied = 0, rc = 0;
	struct dirent *de;
	DIR *d;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
			dir = argv[++i];
		else {
			usage(stderr);
			return 2;
		}
	}
	if ((d = opendir(dir)) == NULL) {
		fprintf(stderr, "aiopsctl: cannot open the migrations folder %s\n", dir);
		return 1;
	}
	while ((de = readdir(d)) != NULL && n < 1024)
		if (migration_name_ok(de->d_name))
			names[n++] = xstrdup(de->d_name);
	closedir(d);
	qsort(names, (size_t)n, sizeof(names[0]), cmp_str);

	if (db_exec(c->db, &st_mig_lock, NULL, c->a, NULL) != ERR_OK ||
	    db_exec(c->db, &st_mig_table, NULL, c->a, NULL) != ERR_OK) {
		fprintf(stderr, "aiopsctl: %s\n", db_error(c->db));
		rc = 1;
		goto done;
	}
	for (int i = 0; i < n; i++) {
		char version[64], path[4096], *sql;
		const char *p[1] = { version };
		struct dbres *res;

		snprintf(version, sizeof(version), "%.*s", (int)(strlen(names[i]) - 4), names[i]);
		if (db_exec(c->db, &st_mig_has, p, c->a, &res) != ERR_OK) {
			fprintf(stderr, "aiopsctl: %s\n", db_error(c->db));
			rc = 1;
			break;
		}
		if (dbres_rows(res) > 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if ((sql = read_file(path)) == NULL) {
			fprintf(stderr, "aiopsctl: cannot read %s\n", path);
			rc = 1;
			break;
		}
		/* Each migration and its record commit together or not at all. */
		if (db_script(c->db, "BEGIN") != ERR_OK || db_script(c->db, sql) != ERR_OK ||
		    db_exec(c->db, &st_mig_add, p, c->a, NULL) != ERR_OK ||
		    db_script(c->db, "COMMIT") != ERR_OK) {
			fprintf(stderr, "aiopsctl: migration %s failed: %s\n", version, db_error(c->db));
			db_script(c->db, "ROLLBACK");
			free(sql);
			rc = 1;
			break;
		}
		free(sql);
		printf("applied %s\n", version);
		applied++;
	}
	if (rc == 0)
		printf("%d migration%s applied, %d known\n", applied, applied == 1 ? "" : "s", n);
done:
	db_exec(c->db, &st_mig_unlock, NULL, c->a, NULL);
	for (int i = 0; i < n; i++)
		free(names[i]);
	return rc;
}

static void
print_errors(json_t *errors)
{
	const char *k;
	json_t *v;

	json_object_foreach (errors, k, v)
		fprintf(stderr, "aiopsctl: %s: %s\n", k, json_string_value(v));
}

/* add_cluster validates and stores in, reporting like a command line should. */
static int
add_cluster(struct ctl *c, struct cluster_in *in, int quiet_if_exists)
{
	json_t *errors = json_object();
	struct cluster *cl;
	enum err e;

	if (cluster_validate(in, errors) != ERR_OK) {
		print_errors(errors);
		json_decref(errors);
		return 1;
	}
	json_decref(errors);
	e = cluster_create(c->db, c->a, in, &cl);
	if (e == ERR_CONFLICT) {
		if (quiet_if_exists)
			return 0;
		fprintf(stderr, "aiopsctl: a cluster named %s already exists\n", in->name);
		return 1;
	}
	if (e != ERR_OK) {
		fprintf(stderr, "aiopsctl: cannot add %s: %s\n", in->name, db_error(c->db));
		return 1;
	}
	cluster_data_changed(c->rds);
	printf("%s\t%s\n", cl->id, cl->name);
	return 0;
}

static int
cmd_cluster_add(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "api-url", required_argument, NULL, 'a' },
		{ "env", required_argument, NULL, 'e' },
		{ "type", required_argument, NULL, 't' },
		{ "display-name", required_argument, NULL, 'd' },
		{ "prometheus-url", required_argument, NULL, 'p' },
		{ "alertmanager-url", required_argument, NULL, 'm' },
		{ "loki-url", required_argument, NULL, 'l' },
		{ "region", required_argument, NULL, 'r' },
		{ "label", required_argument, NULL, 'L' },
		{ "gpu", no_argument, NULL, 'g' },
		{ NULL, 0, NULL, 0 },
	};
	struct cluster_in in;
	json_t *labels = json_object();
	int ch, rc;

	cluster_in_init(&in);
	in.labels = labels;
	in.has_gpu = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		char *eq;

		switch (ch) {
		case 'a': in.api_url = optarg; break;
		case 'e': in.environment = optarg; break;
		case 't': in.type = optarg; break;
		case 'd': in.display_name = optarg; break;
		case 'p': in.prometheus_url = optarg; break;
		case 'm': in.alertmanager_url = optarg; break;
		case 'l': in.loki_url = optarg; break;
		case 'r': in.region = optarg; break;
		case 'g': in.has_gpu = 1; break;
		case 'L':
			if ((eq = strchr(optarg, '=')) == NULL) {
				fprintf(stderr, "aiopsctl: --label takes KEY=VALUE\n");
				json_decref(labels);
				return 2;
			}
			*eq = '\0';
			json_object_set_new(labels, optarg, json_string(eq + 1));
			break;
		default:
			json_decref(labels);
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "aiopsctl: cluster add takes one NAME\n");
		json_decref(labels);
		return 2;
	}
	in.name = argv[optind];
	rc = add_cluster(c, &in, 0);
	json_decref(labels);
	return rc;
}

static int
cmd_cluster_list(struct ctl *c, int argc, char **argv)
{
	struct cluster_filter f = { 0 };
	struct cluster_page page;
	int as_json = argc > 1 && strcmp(argv[1], "--json") == 0;
	json_t *all = json_array();

	f.has_gpu = -1;
	f.limit = CLUSTER_LIST_MAX;
	do {
		if (cluster_list(c->db, c->a, &f, &page) != ERR_OK) {
			fprintf(stderr, "aiopsctl: %s\n", db_error(c->db));
			json_decref(all);
			return 1;
		}
		for (int i = 0; i < page.n; i++) {
			const struct cluster *cl = &page.items[i];

			if (as_json)
				json_array_append_new(all, cluster_to_json(cl));
			else
				printf("%s\t%-24s %-12s %-11s %-12s %s\n", cl->id, cl->name, cl->environment,
				    cl->type, cl->status, cl->api_url);
		}
		f.cursor = page.next_cursor;
	} while (f.cursor != NULL);
	if (as_json) {
		char *s = json_dumps(all, JSON_INDENT(2));

		printf("%s\n", s);
		free(s);
	}
	json_decref(all);
	return 0;
}

static int
cmd_cluster_rm(struct ctl *c, int argc, char **argv)
{
	struct cluster *cl;
	enum err e;

	if (argc != 2) {
		fprintf(stderr, "aiopsctl: cluster rm takes one NAME or ID\n");
		return 2;
	}
	e = cluster_get_by_name(c->db, c->a, argv[1], &cl);
	if (e == ERR_NOTFOUND)
		e = cluster_get(c->db, c->a, argv[1], &cl);
	if (e == ERR_OK)
		e = cluster_delete(c->db, c->a, cl->id);
	if (e == ERR_NOTFOUND) {
		fprintf(stderr, "aiopsctl: no cluster is called %s\n", argv[1]);
		return 1;
	}
	if (e != ERR_OK) {
		fprintf(stderr, "aiopsctl: %s\n", db_error(c->db));
		return 1;
	}
	cluster_data_changed(c->rds);
	printf("removed %s\n", cl->name);
	return 0;
}

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

static int
cmd_demo(struct ctl *c)
{
	int added = 0;

	for (size_t i = 0; i < sizeof(demo_fleet) / sizeof(demo_fleet[0]); i++) {
		const struct demo *d = &demo_fleet[i];
		struct cluster_in in;
		struct cluster *cl;
		json_t *labels = json_pack("{s:s, s:s}", "team", d->gpu_product ? "ml-platform" : "platform",
		    "tier", strcmp(d->env, "production") == 0 ? "critical" : "standard");
		char api[256], prom[256], am[256];
		int rc;

		if (cluster_get_by_name(c->db, c->a, d->name, &cl) == ERR_OK) {
			json_decref(labels);
			continue;
		}
		if (d->gpu_product)
			json_object_set_new(labels, "nvidia.com/gpu.product", json_string(d->gpu_product));
		snprintf(api, sizeof(api), "https://api.%s.demo.invalid:6443", d->name);
		snprintf(prom, sizeof(prom), "https://prometheus.%s.demo.invalid", d->name);
		snprintf(am, sizeof(am), "https://alertmanager.%s.demo.invalid", d->name);
		cluster_in_init(&in);
		in.name = d->name;
		in.display_name = d->display;
		in.api_url = api;
		in.prometheus_url = prom;
		in.alertmanager_url = am;
		in.environment = d->env;
		in.type = d->type;
		in.region = d->region;
		in.labels = labels;
		in.has_gpu = d->gpu_product != NULL;
		rc = add_cluster(c, &in, 1);
		json_decref(labels);
		if (rc != 0)
			return rc;
		if (cluster_get_by_name(c->db, c->a, d->name, &cl) == ERR_OK)
			cluster_set_status(c->db, c->a, cl->id, d->status, d->reason, d->version);
		added++;
	}
	cluster_data_changed(c->rds);
	printf("demo fleet: %d cluster%s added\n", added, added == 1 ? "" : "s");
	return 0;
}

int
main(int argc, char **argv)
{
	const char *config = getenv("AIOPS_CONFIG"), *why;
	struct ctl c;
	int rc, i = 1;

	if (argc > 2 && strcmp(argv[1], "-c") == 0) {
		config = argv[2];
		i = 3;
	}
	if (i >= argc || strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
		usage(i >= argc ? stderr : stdout);
		return i >= argc ? 2 : 0;
	}
	log_init("aiopsctl", LOG_WARN);
	if (cfg_load(config, &why) != ERR_OK) {
		fprintf(stderr, "aiopsctl: %s\n", why);
		return 1;
	}
	c.db = db_open(cfg_str("db.conninfo"));
	c.rds = rds_open(cfg_str("redis.host"), (int)cfg_int("redis.port"), cfg_str("redis.socket"),
	    (int)cfg_int("redis.timeout_ms"));
	c.a = arena_new();
	if (db_ping(c.db) != ERR_OK) {
		fprintf(stderr, "aiopsctl: cannot reach PostgreSQL: %s\n", db_error(c.db));
		rc = 1;
	} else if (strcmp(argv[i], "migrate") == 0)
		rc = cmd_migrate(&c, argc - i, argv + i);
	else if (strcmp(argv[i], "demo") == 0)
		rc = cmd_demo(&c);
	else if (strcmp(argv[i], "cluster") == 0 && i + 1 < argc && strcmp(argv[i + 1], "add") == 0)
		rc = cmd_cluster_add(&c, argc - i - 1, argv + i + 1);
	else if (strcmp(argv[i], "cluster") == 0 && i + 1 < argc && strcmp(argv[i + 1], "list") == 0)
		rc = cmd_cluster_list(&c, argc - i - 1, argv + i + 1);
	else if (strcmp(argv[i], "cluster") == 0 && i + 1 < argc && strcmp(argv[i + 1], "rm") == 0)
		rc = cmd_cluster_rm(&c, argc - i - 1, argv + i + 1);
	else {
		usage(stderr);
		rc = 2;
	}
	arena_free(c.a);
	db_close(c.db);
	rds_close(c.rds);
	return rc;
}
