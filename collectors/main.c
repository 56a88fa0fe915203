/* main.c: aiops-collect, the cron collectors: one subcommand each, each safe to run twice at once
 * (a PostgreSQL advisory lock per subcommand and shard: the second run exits at once, saying so)
 * and shardable across hosts with --shard i/n. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <curl/curl.h>

#include "arena.h"
#include "cfg.h"
#include "collect.h"
#include "collector.h"
#include "db.h"
#include "http.h"
#include "log.h"
#include "rds.h"
#include "secret.h"

static const struct db_stmt st_lock = { "collect_lock", "SELECT pg_try_advisory_lock($1::int, $2::int)", 2 };

static const struct {
	const char *name;
	int lock; /* the advisory lock's first key; the shard is the second */
	int (*run)(struct collect *co);
	const char *help;
} commands[] = {
	{ "health", 7462001, collect_health,
	    "poll every cluster's API server (/version, /readyz), Prometheus and Alertmanager" },
	{ "retention", 7462003, collect_retention,
	    "delete resolved alerts after alerts.retention_days and health checks after "
	    "health.retention_days (whole months dropped), and make the months ahead" },
	{ "alerts", 7462002, collect_alerts,
	    "compare every cluster's alerts with its Alertmanager's (/api/v2/alerts): add the missing, "
	    "resolve the gone, record silences and inhibitions" },
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: aiops-collect [-c FILE] COMMAND [--shard I/N]\n"
	    "\n"
	    "Cron collectors. Each run is one pass; a second run of the same COMMAND and shard while one\n"
	    "is going exits at once (status 0) saying so. --shard I/N takes the I-th of N shares of the\n"
	    "clusters (1-based), so that N hosts split the fleet.\n"
	    "\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\nConfiguration: -c FILE or $AIOPS_CONFIG (see aiops-fcgi --help for the keys).\n");
}

/* parse_shard reads "I/N" with 1 <= I <= N <= 1024. */
static int
parse_shard(const char *s, int *i, int *n)
{
	char *end;
	long a = strtol(s, &end, 10), b;

	if (end == s || *end != '/')
		return -1;
	s = end + 1;
	b = strtol(s, &end, 10);
	if (end == s || *end != '\0' || a < 1 || b < 1 || a > b || b > 1024)
		return -1;
	*i = (int)a;
	*n = (int)b;
	return 0;
}

/* parse_options reads options up to the first argument that is not one (optstring starting with
 * '+') or to the end. Returns -1 to go on, or the exit status when the program must stop now. */
static int
parse_options(int argc, char **argv, const char *optstring, const char **config, struct collect *co)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "shard", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, optstring, opts, NULL)) != -1) {
		switch (ch) {
		case 'c': *config = optarg; break;
		case 's':
			if (parse_shard(optarg, &co->shard, &co->nshards) != 0) {
				fprintf(stderr, "aiops-collect: --shard takes I/N with 1 <= I <= N, not %s\n",
				    optarg);
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	return -1;
}

/* now_s is the wall-clock time in seconds. */
static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* run_recorded runs one pass and keeps its time and outcome in collector_runs, which /metrics
 * shows; a pass that cannot be recorded is logged and keeps its own exit status. */
static int
run_recorded(struct collect *co, const char *name, int (*run)(struct collect *co))
{
	struct collector_run rec = { .collector = name,
		.shard = arena_printf(co->a, "%d/%d", co->shard, co->nshards),
		.started = now_s() };
	int rc = run(co);

	rec.finished = now_s();
	rec.ok = rc == 0;
	if (collector_run_record(co->db, co->a, &rec) != ERR_OK)
		log_warn(NULL, "%s: cannot record the pass: %s", name, db_error(co->db));
	return rc;
}

int
main(int argc, char **argv)
{
	const char *config = getenv("AIOPS_CONFIG"), *why, *cmdname = NULL;
	struct collect co = { 0 };
	struct dbres *res;
	size_t k;
	int rc, lvl;

	co.shard = co.nshards = 1;
	/* Options may come before the command and after it: aiops-collect health --shard 2/3. */
	if ((rc = parse_options(argc, argv, "+c:h", &config, &co)) >= 0)
		return rc;
	if (optind < argc)
		cmdname = argv[optind++];
	if (cmdname != NULL && (rc = parse_options(argc, argv, "c:h", &config, &co)) >= 0)
		return rc;
	for (k = 0; cmdname != NULL && k < sizeof(commands) / sizeof(commands[0]); k++)
		if (strcmp(cmdname, commands[k].name) == 0)
			break;
	if (cmdname == NULL || optind < argc || k == sizeof(commands) / sizeof(commands[0])) {
		usage(stderr);
		return 2;
	}
	log_init("aiops-collect", LOG_INFO);
	if (cfg_load(config, &why) != ERR_OK) {
		fprintf(stderr, "aiops-collect: %s\n", why);
		return 1;
	}
	if ((lvl = log_level_parse(cfg_str("log.level"))) >= 0)
		log_init("aiops-collect", (enum log_level)lvl);
	/* Every request in flight holds a socket: allow what collect.concurrency asks for. */
	{
		struct rlimit rl;
		rlim_t want = (rlim_t)cfg_int("collect.concurrency") + 64;

		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < want) {
			rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
			(void)setrlimit(RLIMIT_NOFILE, &rl);
		}
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	co.a = arena_new();
	co.db = db_open(cfg_str("db.conninfo"));
	co.rds = rds_open(cfg_str("redis.host"), (int)cfg_int("redis.port"), cfg_str("redis.socket"),
	    (int)cfg_int("redis.timeout_ms"));
	if (secret_key_load(cfg_str("secrets.key_file"), 0, &co.key, &why) != ERR_OK) {
		log_warn(NULL, "key file %s: %s; clusters' credentials are not used",
		    cfg_str("secrets.key_file"), why);
		co.key = NULL;
	}
	{
		const char *p[2] = { arena_printf(co.a, "%d", commands[k].lock),
			arena_printf(co.a, "%d", co.nshards * 10000 + co.shard) };

		if (db_exec(co.db, &st_lock, p, co.a, &res) != ERR_OK) {
			fprintf(stderr, "aiops-collect: cannot reach PostgreSQL: %s\n", db_error(co.db));
			rc = 1;
		} else if (strcmp(dbres_get(res, 0, 0), "t") != 0) {
			printf("%s: another run of shard %d/%d holds the lock; nothing to do\n", cmdname,
			    co.shard, co.nshards);
			rc = 0;
		} else
			rc = run_recorded(&co, cmdname, commands[k].run);
	}
	secret_key_free(co.key);
	rds_close(co.rds);
	db_close(co.db); /* ends the session, and with it the advisory lock */
	arena_free(co.a);
	http_shutdown();
	curl_global_cleanup();
	return rc;
}
