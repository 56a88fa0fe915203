/* main.c: aiopsctl, the admin command line: the command table, what every command shares, and
 * the dispatcher. The commands live in a file per group (cmd_cluster.c, cmd_user.c, ...). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "arena.h"
#include "audit.h"
#include "auth.h"
#include "buf.h"
#include "cfg.h"
#include "ctl.h"
#include "db.h"
#include "log.h"
#include "rds.h"
#include "user.h"

void
ctl_usage(FILE *f)
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
	    "  cluster ingest-token NAME|ID  make the token its Alertmanager sends webhooks with (the\n"
	    "                                last line printed); the old one stops working\n"
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

char *
ctl_read_file(const char *path)
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

void
ctl_print_errors(json_t *errors)
{
	const char *k;
	json_t *v;

	json_object_foreach (errors, k, v)
		fprintf(stderr, "aiopsctl: %s: %s\n", k, json_string_value(v));
}

const char *
ctl_failure(const struct ctl *c, enum err e)
{
	return e == ERR_DB || e == ERR_INPUT || e == ERR_CONFLICT ? db_error(c->db) : err_name(e);
}

int
ctl_begin(struct ctl *c)
{
	if (db_tx_begin(c->db) != ERR_OK) {
		fprintf(stderr, "aiopsctl: cannot start the change: %s\n", db_error(c->db));
		return 1;
	}
	return 0;
}

enum err
ctl_audit(struct ctl *c, const char *action, const char *target, json_t *details)
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
	return rc;
}

int
ctl_commit(struct ctl *c, const char *action, const char *target, json_t *details)
{
	enum err rc;

	if ((rc = ctl_audit(c, action, target, details)) != ERR_OK) {
		fprintf(stderr,
		    "aiopsctl: %s on %s is not done: it cannot be recorded in the audit log: %s\n", action,
		    target, ctl_failure(c, rc));
		db_tx_rollback(c->db);
		return 1;
	}
	if ((rc = db_tx_commit(c->db)) != ERR_OK) {
		/* db_error says whether it was rolled back or its outcome is unknown. */
		fprintf(stderr, "aiopsctl: %s on %s: %s\n", action, target, ctl_failure(c, rc));
		return 1;
	}
	return 0;
}

int
ctl_find_user(struct ctl *c, const char *name, struct user **out)
{
	enum err e = user_get_by_name(c->db, c->a, name, out);

	if (e == ERR_NOTFOUND) {
		fprintf(stderr, "aiopsctl: no user is called %s\n", name);
		return 1;
	}
	if (e != ERR_OK) {
		fprintf(stderr, "aiopsctl: cannot look up %s: %s\n", name, ctl_failure(c, e));
		return 1;
	}
	return 0;
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
	{ "cluster", "ingest-token", cmd_cluster_ingest_token, NEED_DB },
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
		ctl_usage(i >= argc ? stderr : stdout);
		return i >= argc ? 2 : 0;
	}
	for (size_t k = 0; k < sizeof(commands) / sizeof(commands[0]) && cmd == NULL; k++)
		if (strcmp(argv[i], commands[k].group) == 0 &&
		    (commands[k].verb == NULL ||
			(i + 1 < argc && strcmp(argv[i + 1], commands[k].verb) == 0)))
			cmd = &commands[k];
	if (cmd == NULL) {
		ctl_usage(stderr);
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
