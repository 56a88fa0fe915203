/* cmd_migrate.c: aiopsctl migrate: the NNNN_name.sql files not yet applied, in order, each with
 * its record in schema_migrations in one transaction. */
#include "config.h"

#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "ctl.h"
#include "db.h"

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

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
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

int
cmd_migrate(struct ctl *c, int argc, char **argv)
{
	const char *dir = PKGDATADIR "/sql";
	char **names = NULL;
	int n = 0, cap = 0, applied = 0, rc = 0;
	struct dirent *de;
	DIR *d;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
			dir = argv[++i];
		else {
			ctl_usage(stderr);
			return 2;
		}
	}
	if ((d = opendir(dir)) == NULL) {
		fprintf(stderr, "aiopsctl: cannot open the migrations folder %s\n", dir);
		return 1;
	}
	while ((de = readdir(d)) != NULL)
		if (migration_name_ok(de->d_name)) {
			if (n == cap) {
				cap = cap > 0 ? 2 * cap : 64;
				names = xrealloc(names, sizeof(*names) * (size_t)cap);
			}
			names[n++] = xstrdup(de->d_name);
		}
	closedir(d);
	if (n > 0)
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
		if ((sql = ctl_read_file(path)) == NULL) {
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
	free(names);
	return rc;
}
