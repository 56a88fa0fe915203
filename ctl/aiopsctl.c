/* aiopsctl.c: the admin command line: migrations, the cluster register, the demo fleet, accounts,
 * API tokens and the key that seals credentials. */
#include "config.h"

#include <dirent.h>
#include <getopt.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "arena.h"
#include "audit.h"
#include "auth.h"
#include "buf.h"
#include "cfg.h"
#include "cluster.h"
#include "credential.h"
#include "dataver.h"
#include "db.h"
#include "events.h"
#include "json.h"
#include "log.h"
#include "rds.h"
#include "secret.h"
#include "user.h"

struct ctl {
	struct db *db;
	struct rds *rds;
	struct arena *a;
};

static int record(struct ctl *c, const char *action, const char *target, json_t *details);

static const struct db_stmt st_mig_table = { "ctl_mig_table",
	"CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, "
	"applied_at timestamptz NOT NULL DEFAULT now())",
	0 };
static const struct db_stmt st_mig_lock = { "ctl_mig_lock", "SELECT pg_advisory_lock(7461001)", 0 };
static const struct db_stmt st_mig_unlock = { "ctl_mig_unlock", "SELECT pg_advisory_unlock(7461001)", 0 };
/* Taken inside each migration's transaction, so that the check and the apply are one step even if
 * the session lock above was lost with a reconnect. */
static const struct db_stmt st_mig_xlock = { "ctl_mig_xlock", "SELECT pg_advisory_xact_lock(7461001)", 0 };
static const struct db_stmt st_mig_has = { "ctl_mig_has",
	"SELECT 1 FROM schema_migrations WHERE version = $1", 1 };
static const struct db_stmt st_mig_add = { "ctl_mig_add",
	"INSERT INTO schema_migrations (version) VALUES ($1)", 1 };
/* Held while keys rotate, so that two rotations cannot interleave their key files. */
static const struct db_stmt st_keys_lock = { "ctl_keys_lock", "SELECT pg_advisory_lock(7461002)", 0 };
static const struct db_stmt st_keys_unlock = { "ctl_keys_unlock", "SELECT pg_advisory_unlock(7461002)", 0 };

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
	    "  demo [--fake-api URL]         load the demo fleet (clusters that exist are kept); with a\n"
	    "                                fake-kube URL their API servers are its clusters URL/c/NAME\n"
	    "\n"
	    "  user add NAME --role viewer|operator|admin [--display-name TEXT] [--password-stdin]\n"
	    "           [--if-missing]\n"
	    "                                make a local account; without --password-stdin print a\n"
	    "                                one-time password, changed at the first login; with\n"
	    "                                --if-missing an existing NAME is left alone, silently\n"
	    "  user passwd NAME [--password-stdin]\n"
	    "                                set a password (a printed one-time one by default) and\n"
	    "                                end every session of NAME\n"
	    "  user disable NAME             refuse NAME's logins, sessions and tokens\n"
	    "  user enable NAME              let NAME in again\n"
	    "  user list [--json]            list every account\n"
	    "  token create --user NAME --name LABEL [--role ROLE] [--expires DAYS]\n"
	    "                                make an API token of NAME and print it; ROLE is at most\n"
	    "                                NAME's (the default), DAYS 0 (the default) never expires\n"
	    "  keys init                     make the key file if there is none; print its key id\n"
	    "  keys rotate                   reseal every credential under a new key, keeping the old\n"
	    "                                key as FILE.old (aiops-fcgi and the collectors notice the\n"
	    "                                new file by themselves)\n"
	    "\n"
	    "--password-stdin reads one line. Changes are recorded in the audit log as \"aiopsctl\".\n"
	    "The database, Redis and the key file come from the configuration (-c FILE or\n"
	    "$AIOPS_CONFIG) and the AIOPS_* environment variables; see aiops-fcgi --help for the keys.\n");
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
		char version[64], path[4096], *sql = NULL;
		const char *p[1] = { version };
		struct dbres *res;
		enum err e;

		snprintf(version, sizeof(version), "%.*s", (int)(strlen(names[i]) - 4), names[i]);
		/* Each migration and its record commit together or not at all; the check that it is
		 * still to do is inside the same transaction, under the lock. */
		if ((e = db_tx_begin(c->db)) != ERR_OK ||
		    (e = db_exec(c->db, &st_mig_xlock, NULL, c->a, NULL)) != ERR_OK ||
		    (e = db_exec(c->db, &st_mig_has, p, c->a, &res)) != ERR_OK) {
			fprintf(stderr, "aiopsctl: %s\n", db_error(c->db));
			db_tx_rollback(c->db);
			rc = 1;
			break;
		}
		if (dbres_rows(res) > 0) {
			db_tx_rollback(c->db);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if ((sql = read_file(path)) == NULL) {
			fprintf(stderr, "aiopsctl: cannot read %s\n", path);
			db_tx_rollback(c->db);
			rc = 1;
			break;
		}
		if (db_script(c->db, sql) != ERR_OK || db_exec(c->db, &st_mig_add, p, c->a, NULL) != ERR_OK ||
		    db_tx_commit(c->db) != ERR_OK) {
			fprintf(stderr, "aiopsctl: migration %s failed: %s\n", version, db_error(c->db));
			db_tx_rollback(c->db);
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
	dataver_bump(c->rds, DATAVER_CLUSTERS);
	(void)cluster_emit(c->rds, c->a, EVENT_CLUSTER_REGISTERED, cl);
	printf("%s\t%s\n", cl->id, cl->name);
	return record(c, "cluster.create", arena_printf(c->a, "cluster:%s", cl->name),
	    json_pack("{s:s}", "id", cl->id));
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
	dataver_bump(c->rds, DATAVER_CLUSTERS);
	(void)cluster_emit(c->rds, c->a, EVENT_CLUSTER_DELETED, cl);
	printf("removed %s\n", cl->name);
	return record(c, "cluster.delete", arena_printf(c->a, "cluster:%s", cl->name),
	    json_pack("{s:s}", "id", cl->id));
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

static int
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
		rc = add_cluster(c, &in, 1);
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

/* ---- Accounts, tokens and the key file ---- */

/* failure says why a library call failed with e: the database's words when it was the database,
 * else the error's name. Memory of the handle or static. */
static const char *
failure(const struct ctl *c, enum err e)
{
	return e == ERR_DB || e == ERR_INPUT || e == ERR_CONFLICT ? db_error(c->db) : err_name(e);
}

/* record appends to the audit log a change aiopsctl has made, acting as an admin. details may be
 * NULL and is released here; it never holds a secret. Returns 0, or 1 after saying on stderr that
 * the change is made but unrecorded. */
static int
record(struct ctl *c, const char *action, const char *target, json_t *details)
{
	struct audit_entry e = { 0 };
	enum err rc;

	e.actor = "aiopsctl";
	e.role = role_name(ROLE_ADMIN);
	e.action = action;
	e.target = target;
	e.details = details;
	rc = audit_append(c->db, c->a, &e);
	json_decref(details);
	if (rc != ERR_OK) {
		fprintf(stderr, "aiopsctl: %s on %s is done but not in the audit log: %s\n", action, target,
		    failure(c, rc));
		return 1;
	}
	return 0;
}

/* find_user sets *out (arena memory) to the account called name. Returns 0, or 1 after saying on
 * stderr why there is none. */
static int
find_user(struct ctl *c, const char *name, struct user **out)
{
	enum err e = user_get_by_name(c->db, c->a, name, out);

	if (e == ERR_NOTFOUND) {
		fprintf(stderr, "aiopsctl: no user is called %s\n", name);
		return 1;
	}
	if (e != ERR_OK) {
		fprintf(stderr, "aiopsctl: cannot look up %s: %s\n", name, failure(c, e));
		return 1;
	}
	return 0;
}

/* drop_password wipes and frees a password from new_password; NULL is allowed. */
static void
drop_password(char *pw)
{
	if (pw != NULL) {
		explicit_bzero(pw, strlen(pw));
		free(pw);
	}
}

/* new_password returns the password to give username: with from_stdin the first line of standard
 * input, which must pass auth_password_weak; else a fresh random one-time password. Returns NULL
 * after saying on stderr why there is none. Caller frees with drop_password. */
static char *
new_password(const char *username, bool from_stdin)
{
	char *pw = NULL;
	size_t cap = 0;
	ssize_t n;
	const char *why;

	if (!from_stdin) {
		pw = xmalloc(AUTH_SECRET_CHARS + 1);
		auth_random_secret(pw);
		return pw;
	}
	if ((n = getline(&pw, &cap, stdin)) <= 0) {
		free(pw);
		fprintf(stderr, "aiopsctl: no password on standard input\n");
		return NULL;
	}
	if (pw[n - 1] == '\n')
		pw[--n] = '\0';
	if (n > 0 && pw[n - 1] == '\r')
		pw[--n] = '\0';
	if (strlen(pw) != (size_t)n) {
		explicit_bzero(pw, (size_t)n);
		why = "the password contains a NUL byte";
	} else
		why = auth_password_weak(pw, username);
	if (why != NULL) {
		fprintf(stderr, "aiopsctl: %s\n", why);
		drop_password(pw);
		return NULL;
	}
	return pw;
}

/* utf8_chars counts the characters of UTF-8 text s, as PostgreSQL's length() does. */
static size_t
utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

static int
cmd_user_add(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "display-name", required_argument, NULL, 'd' },
		{ "password-stdin", no_argument, NULL, 's' },
		{ "if-missing", no_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	const char *name, *role_s = NULL, *display = "", *why;
	bool from_stdin = false, if_missing = false;
	struct user *u;
	char *pw;
	enum err e;
	int ch, role;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'r': role_s = optarg; break;
		case 'd': display = optarg; break;
		case 's': from_stdin = true; break;
		case 'm': if_missing = true; break;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc - 1 || role_s == NULL) {
		fprintf(stderr, "aiopsctl: user add takes one NAME and --role viewer|operator|admin\n");
		return 2;
	}
	name = argv[optind];
	if ((why = user_name_ok(name)) != NULL) {
		fprintf(stderr, "aiopsctl: cannot add %s: %s\n", name, why);
		return 1;
	}
	if ((role = role_parse(role_s)) < 0) {
		fprintf(stderr, "aiopsctl: --role is viewer, operator or admin\n");
		return 1;
	}
	if (utf8_chars(display) > 128) {
		fprintf(stderr, "aiopsctl: --display-name is at most 128 characters\n");
		return 1;
	}
	/* Asked first, so that a second run neither reads standard input nor complains. */
	if (if_missing) {
		e = user_get_by_name(c->db, c->a, name, &u);
		if (e == ERR_OK)
			return 0;
		if (e != ERR_NOTFOUND) {
			fprintf(stderr, "aiopsctl: cannot look up %s: %s\n", name, failure(c, e));
			return 1;
		}
	}
	if ((pw = new_password(name, from_stdin)) == NULL)
		return 1;
	e = user_create(c->db, c->a, name, display, (enum role)role, pw, !from_stdin, "local", &u);
	if (e == ERR_OK && !from_stdin)
		printf("%s\n", pw);
	drop_password(pw);
	if (e == ERR_CONFLICT && if_missing)
		return 0;
	if (e == ERR_CONFLICT) {
		fprintf(stderr, "aiopsctl: a user named %s already exists\n", name);
		return 1;
	}
	if (e != ERR_OK) {
		fprintf(stderr, "aiopsctl: cannot add %s: %s\n", name, failure(c, e));
		return 1;
	}
	return record(c, "user.create", arena_printf(c->a, "user:%s", u->username),
	    json_pack("{s:s, s:b}", "role", role_name(u->role), "one_time_password", !from_stdin));
}

static int
cmd_user_passwd(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "password-stdin", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	bool from_stdin = false;
	struct user *u;
	char *pw;
	enum err e;
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 's': from_stdin = true; break;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "aiopsctl: user passwd takes one NAME\n");
		return 2;
	}
	if (find_user(c, argv[optind], &u) != 0)
		return 1;
	if ((pw = new_password(u->username, from_stdin)) == NULL)
		return 1;
	/* A Redis that is down only delays the end of cached sessions (the library logs it). */
	e = user_set_password(c->db, c->rds, c->a, u->id, pw, !from_stdin, NULL);
	if (e == ERR_OK && !from_stdin)
		printf("%s\n", pw);
	drop_password(pw);
	if (e != ERR_OK) {
		fprintf(stderr, "aiopsctl: cannot set the password of %s: %s; run the command again\n",
		    u->username, failure(c, e));
		return 1;
	}
	return record(c, "user.password", arena_printf(c->a, "user:%s", u->username),
	    json_pack("{s:b}", "one_time_password", !from_stdin));
}

/* set_disabled is user disable (disabled) and user enable; an account already so is left alone. */
static int
set_disabled(struct ctl *c, int argc, char **argv, bool disabled)
{
	const char *verb = disabled ? "disable" : "enable";
	struct user *u;
	enum err e;

	if (argc != 2) {
		fprintf(stderr, "aiopsctl: user %s takes one NAME\n", verb);
		return 2;
	}
	if (find_user(c, argv[1], &u) != 0)
		return 1;
	if (u->disabled == disabled) {
		printf("%s is already %sd\n", u->username, verb);
		return 0;
	}
	if ((e = user_set_disabled(c->db, c->rds, c->a, u->id, disabled)) != ERR_OK) {
		fprintf(stderr, "aiopsctl: cannot %s %s: %s\n", verb, u->username, failure(c, e));
		return 1;
	}
	printf("%sd %s\n", verb, u->username);
	return record(
	    c, disabled ? "user.disable" : "user.enable", arena_printf(c->a, "user:%s", u->username), NULL);
}

static int
cmd_user_disable(struct ctl *c, int argc, char **argv)
{
	return set_disabled(c, argc, argv, true);
}

static int
cmd_user_enable(struct ctl *c, int argc, char **argv)
{
	return set_disabled(c, argc, argv, false);
}

/* user_json is the account as user list --json shows it; caller owns the reference. */
static json_t *
user_json(const struct user *u)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:b, s:s?, s:s}", "id", u->id, "username",
	    u->username, "display_name", u->display_name, "role", role_name(u->role), "source", u->source,
	    "disabled", u->disabled, "must_change_password", u->must_change_password, "has_password",
	    u->has_password, "last_login_at", u->last_login_at, "created_at", u->created_at);
}

static int
cmd_user_list(struct ctl *c, int argc, char **argv)
{
	int as_json = argc == 2 && strcmp(argv[1], "--json") == 0;
	struct user *items;
	enum err e;
	int n;

	if (argc != 1 && !as_json) {
		usage(stderr);
		return 2;
	}
	if ((e = user_list(c->db, c->a, &items, &n)) != ERR_OK) {
		fprintf(stderr, "aiopsctl: cannot list users: %s\n", failure(c, e));
		return 1;
	}
	if (as_json) {
		json_t *all = json_array();
		char *s;

		for (int i = 0; i < n; i++)
			json_array_append_new(all, user_json(&items[i]));
		s = json_dumps(all, JSON_INDENT(2));
		printf("%s\n", s);
		free(s);
		json_decref(all);
		return 0;
	}
	printf("%-24s %-8s %-6s %-8s %-11s %s\n", "NAME", "ROLE", "SOURCE", "DISABLED", "MUST-CHANGE",
	    "LAST LOGIN");
	for (int i = 0; i < n; i++) {
		const struct user *u = &items[i];

		printf("%-24s %-8s %-6s %-8s %-11s %s\n", u->username, role_name(u->role), u->source,
		    u->disabled ? "yes" : "no", u->must_change_password ? "yes" : "no",
		    u->last_login_at != NULL ? u->last_login_at : "never");
	}
	return 0;
}

/* token_name_ok says whether s may name a token: 1 to 64 bytes, no control characters. */
static int
token_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < ' ' || s[i] == 0x7F)
			return 0;
	return 1;
}

static int
cmd_token_create(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "user", required_argument, NULL, 'u' },
		{ "name", required_argument, NULL, 'n' },
		{ "role", required_argument, NULL, 'r' },
		{ "expires", required_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 },
	};
	const char *owner = NULL, *label = NULL, *role_s = NULL, *expires = "0";
	struct token *t;
	struct user *u;
	char *secret, *end;
	long days;
	enum err e;
	int ch, role;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'u': owner = optarg; break;
		case 'n': label = optarg; break;
		case 'r': role_s = optarg; break;
		case 'e': expires = optarg; break;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || owner == NULL || label == NULL) {
		fprintf(stderr, "aiopsctl: token create takes --user NAME and --name LABEL\n");
		return 2;
	}
	days = strtol(expires, &end, 10);
	if (*expires == '\0' || *end != '\0' || days < 0 || days > 3650) {
		fprintf(stderr, "aiopsctl: --expires is a whole number of days, 0 (never) to 3650\n");
		return 1;
	}
	if (!token_name_ok(label)) {
		fprintf(stderr, "aiopsctl: --name is 1 to 64 printable characters\n");
		return 1;
	}
	if (find_user(c, owner, &u) != 0)
		return 1;
	if (u->disabled) {
		fprintf(stderr, "aiopsctl: %s is disabled; its tokens would not work (user enable %s)\n",
		    u->username, u->username);
		return 1;
	}
	role = role_s != NULL ? role_parse(role_s) : (int)u->role;
	if (role < 0) {
		fprintf(stderr, "aiopsctl: --role is viewer, operator or admin\n");
		return 1;
	}
	if (role > (int)u->role) {
		fprintf(stderr,
		    "aiopsctl: a token cannot have a higher role than its owner: %s is %s, not %s\n",
		    u->username, role_name(u->role), role_name((enum role)role));
		return 1;
	}
	e = token_create(c->db, c->a, u, label, (enum role)role, (int)days, &secret, &t);
	if (e != ERR_OK) {
		fprintf(stderr, "aiopsctl: cannot create the token: %s\n", failure(c, e));
		return 1;
	}
	printf("%s\n", secret);
	return record(c, "token.create", arena_printf(c->a, "token:%s", t->id),
	    json_pack("{s:s, s:s, s:s, s:i}", "user", u->username, "name", label, "role",
		role_name((enum role)role), "expires_days", (int)days));
}

static int
cmd_keys_init(struct ctl *c, int argc, char **argv)
{
	const char *path = cfg_str("secrets.key_file"), *why;
	struct secret_key *k;

	(void)c;
	(void)argv;
	if (argc != 1) {
		usage(stderr);
		return 2;
	}
	if (secret_key_load(path, 1, &k, &why) != ERR_OK) {
		fprintf(stderr, "aiopsctl: %s: %s\n", path, why);
		return 1;
	}
	printf("%s\n", secret_key_id(k));
	secret_key_free(k);
	return 0;
}

/* cmd_keys_rotate reseals every credential under a new key, then stores the old key as FILE.old
 * and the new one as FILE. When a file cannot be written the credentials are sealed back with
 * the old key, so that the database never depends on a key that is only in memory. */
static int
cmd_keys_rotate(struct ctl *c, int argc, char **argv)
{
	const char *path = cfg_str("secrets.key_file"), *old_path, *dir, *failed = NULL, *why;
	struct secret_key *old = NULL, *fresh = NULL;
	int count = 0, back, rc = 1;
	enum err e;

	(void)argv;
	if (argc != 1) {
		usage(stderr);
		return 2;
	}
	if (secret_key_load(path, 0, &old, &why) != ERR_OK) {
		fprintf(stderr, "aiopsctl: %s: %s\n", path, why);
		return 1;
	}
	dir = dirname(arena_strdup(c->a, path));
	if (access(dir, W_OK) != 0) {
		fprintf(stderr, "aiopsctl: cannot write in %s, where the new key goes; nothing was changed\n",
		    dir);
		goto cleanup;
	}
	if (db_exec(c->db, &st_keys_lock, NULL, c->a, NULL) != ERR_OK) {
		fprintf(stderr, "aiopsctl: %s\n", db_error(c->db));
		goto cleanup;
	}
	fresh = secret_key_new();
	if ((e = credential_rotate(c->db, c->a, old, fresh, &count)) != ERR_OK) {
		if (e == ERR_INPUT)
			fprintf(stderr,
			    "aiopsctl: a credential does not open with the key in %s (key id %s); nothing "
			    "was changed\n",
			    path, secret_key_id(old));
		else
			fprintf(stderr, "aiopsctl: cannot reseal the credentials: %s; nothing was changed\n",
			    failure(c, e));
		goto unlock;
	}
	old_path = arena_printf(c->a, "%s.old", path);
	if (secret_key_write(old, old_path, &why) != ERR_OK)
		failed = old_path;
	else if (secret_key_write(fresh, path, &why) != ERR_OK)
		failed = path;
	if (failed != NULL) {
		fprintf(stderr, "aiopsctl: %s: %s\n", failed, why);
		if ((e = credential_rotate(c->db, c->a, fresh, old, &back)) == ERR_OK)
			fprintf(stderr,
			    "aiopsctl: the credentials are sealed with the old key again; %s is unchanged\n",
			    path);
		else
			fprintf(stderr,
			    "aiopsctl: the credentials could not be sealed back (%s): they are sealed with a "
			    "key that was not saved; set them again\n",
			    failure(c, e));
		goto unlock;
	}
	printf(
	    "%d credential%s resealed; new key id %s\n", count, count == 1 ? "" : "s", secret_key_id(fresh));
	rc = record(c, "keys.rotate", arena_printf(c->a, "key:%s", secret_key_id(fresh)),
	    json_pack("{s:s, s:s, s:i}", "old_key_id", secret_key_id(old), "new_key_id", secret_key_id(fresh),
		"credentials", count));
unlock:
	db_exec(c->db, &st_keys_unlock, NULL, c->a, NULL);
cleanup:
	secret_key_free(old);
	secret_key_free(fresh);
	return rc;
}

/* What a command needs made ready before it runs; the dispatcher sees to it. */
enum { NEED_DB = 1 << 0, NEED_AUTH = 1 << 1 };

/* The commands: a group and a verb (NULL when the group is the whole command). A command's
 * function gets the arguments from its last word on. */
static const struct command {
	const char *group, *verb;
	int (*run)(struct ctl *c, int argc, char **argv);
	int needs;
} commands[] = {
	{ "migrate", NULL, cmd_migrate, NEED_DB },
	{ "demo", NULL, cmd_demo, NEED_DB },
	{ "cluster", "add", cmd_cluster_add, NEED_DB },
	{ "cluster", "list", cmd_cluster_list, NEED_DB },
	{ "cluster", "rm", cmd_cluster_rm, NEED_DB },
	{ "user", "add", cmd_user_add, NEED_DB | NEED_AUTH },
	{ "user", "passwd", cmd_user_passwd, NEED_DB | NEED_AUTH },
	{ "user", "disable", cmd_user_disable, NEED_DB },
	{ "user", "enable", cmd_user_enable, NEED_DB },
	{ "user", "list", cmd_user_list, NEED_DB },
	{ "token", "create", cmd_token_create, NEED_DB | NEED_AUTH },
	{ "keys", "init", cmd_keys_init, 0 },
	{ "keys", "rotate", cmd_keys_rotate, NEED_DB },
};

int
main(int argc, char **argv)
{
	const char *config = getenv("AIOPS_CONFIG"), *why;
	const struct command *cmd = NULL;
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
	for (size_t k = 0; k < sizeof(commands) / sizeof(commands[0]) && cmd == NULL; k++)
		if (strcmp(argv[i], commands[k].group) == 0 &&
		    (commands[k].verb == NULL ||
			(i + 1 < argc && strcmp(argv[i + 1], commands[k].verb) == 0)))
			cmd = &commands[k];
	if (cmd == NULL) {
		usage(stderr);
		return 2;
	}
	if (cmd->verb != NULL)
		i++;
	log_init("aiopsctl", LOG_WARN);
	if (cfg_load(config, &why) != ERR_OK) {
		fprintf(stderr, "aiopsctl: %s\n", why);
		return 1;
	}
	c.db = db_open(cfg_str("db.conninfo"));
	c.rds = rds_open(cfg_str("redis.host"), (int)cfg_int("redis.port"), cfg_str("redis.socket"),
	    (int)cfg_int("redis.timeout_ms"));
	c.a = arena_new();
	if ((cmd->needs & NEED_DB) && db_ping(c.db) != ERR_OK) {
		fprintf(stderr, "aiopsctl: cannot reach PostgreSQL: %s\n", db_error(c.db));
		rc = 1;
	} else if ((cmd->needs & NEED_AUTH) && auth_init(cfg_str("auth.common_passwords")) != ERR_OK) {
		fprintf(stderr, "aiopsctl: libsodium failed to start\n");
		rc = 1;
	} else
		rc = cmd->run(&c, argc - i, argv + i);
	arena_free(c.a);
	db_close(c.db);
	rds_close(c.rds);
	return rc;
}
