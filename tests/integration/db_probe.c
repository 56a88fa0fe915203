/* db_probe.c: drives lib/core/db.c against a real PostgreSQL where only a program can: a backend
 * terminated between two statements of a transaction, a reply lost after the server committed,
 * hundreds of prepared statements, the plan mode of replan statements. Run by test_55_transactions.sh as
 *   db-probe CONNINFO
 * with a superuser's CONNINFO on a database of its own; prints "ok - WHAT" or "not ok - WHAT: WHY"
 * per check and exits 1 when a check failed. */
#include "config.h"

#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "db.h"
#include "log.h"

#define PROBE_MANY 300 /* prepared statements on one connection: more than any old ceiling */

static int failures;
static const char *base_conninfo;

static void
check(bool ok, const char *what, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		printf("ok - %s\n", what);
		return;
	}
	failures++;
	printf("not ok - %s: ", what);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* probe_open connects as application app, so that the other side can find the backend. */
static struct db *
probe_open(const char *app)
{
	char conninfo[1024];

	snprintf(conninfo, sizeof(conninfo), "%s application_name=%s", base_conninfo, app);
	return db_open(conninfo);
}

static const struct db_stmt st_insert = { "probe_insert", "INSERT INTO probe_tx (id, v) VALUES ($1::int, $2)",
	2 };
static const struct db_stmt st_log = { "probe_log", "INSERT INTO probe_log (v) VALUES ($1)", 1 };
static const struct db_stmt st_count = { "probe_count", "SELECT count(*) FROM probe_tx WHERE id = $1::int",
	1 };
static const struct db_stmt st_count_log = { "probe_count_log", "SELECT count(*) FROM probe_log WHERE v = $1",
	1 };
static const struct db_stmt st_pid = { "probe_pid", "SELECT pg_backend_pid()", 0 };
static const struct db_stmt st_kill = { "probe_kill", "SELECT pg_terminate_backend($1::int)", 1 };
static const struct db_stmt st_gone = { "probe_gone",
	"SELECT count(*) FROM pg_stat_activity WHERE pid = $1::int", 1 };
static const struct db_stmt st_syncrep = { "probe_syncrep",
	"SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND wait_event = 'SyncRep'", 1 };
static const struct db_stmt st_sleep = { "probe_sleep", "SELECT pg_sleep($1::float8), 42", 1 };

/* one_long runs a one-row, one-column statement and returns its value as a number, or -1. */
static long
one_long(struct db *db, const struct db_stmt *st, const char *p1)
{
	struct arena *a = arena_new();
	const char *p[1] = { p1 };
	struct dbres *r;
	long v = -1;

	if (db_exec(db, st, p, a, &r) == ERR_OK && dbres_rows(r) == 1 && dbres_get(r, 0, 0) != NULL)
		v = strtol(dbres_get(r, 0, 0), NULL, 10);
	arena_free(a);
	return v;
}

/* backend_pid is db's server process id (connecting first). */
static long
backend_pid(struct db *db)
{
	return one_long(db, &st_pid, NULL);
}

/* kill_backend terminates pid from admin and waits until it is gone. */
static void
kill_backend(struct db *admin, long pid)
{
	char s[32];

	snprintf(s, sizeof(s), "%ld", pid);
	(void)one_long(admin, &st_kill, s);
	for (int i = 0; i < 200 && one_long(admin, &st_gone, s) != 0; i++)
		usleep(20000);
}

static enum err
insert(struct db *db, int id, const char *v)
{
	struct arena *a = arena_new();
	char s[16];
	const char *p[2] = { s, v };
	enum err e;

	snprintf(s, sizeof(s), "%d", id);
	e = db_exec(db, &st_insert, p, a, NULL);
	arena_free(a);
	return e;
}

static long
count_id(struct db *db, int id)
{
	char s[16];

	snprintf(s, sizeof(s), "%d", id);
	return one_long(db, &st_count, s);
}

/* A transaction whose backend is terminated between its statements commits nothing, retries
 * nothing, refuses its later statements at once and reports the failure at commit. */
static void
probe_tx_lost(struct db *admin)
{
	struct db *db = probe_open("probe_tx_lost");
	enum err e1, e2, e3, ec;
	char err2[512];
	long pid_before, pid_after;

	(void)backend_pid(db);
	check(db_tx_begin(db) == ERR_OK && db_in_tx(db), "a transaction begins", "%s", db_error(db));
	e1 = insert(db, 1, "first");
	pid_before = backend_pid(db);
	kill_backend(admin, pid_before);
	e2 = insert(db, 2, "second");
	snprintf(err2, sizeof(err2), "%s", db_error(db));
	e3 = insert(db, 3, "third");
	check(e1 == ERR_OK, "the first statement runs", "%s", err_name(e1));
	check(e2 == ERR_DB, "the statement after the backend died fails with ERR_DB", "%s", err_name(e2));
	check(strstr(err2, "connection lost inside a transaction; nothing was committed") != NULL,
	    "and says the transaction is lost", "db_error: %s", err2);
	check(e3 == ERR_DB && db_in_tx(db), "a later statement of the transaction fails too", "%s",
	    err_name(e3));
	ec = db_tx_commit(db);
	check(ec == ERR_DB && !db_in_tx(db), "commit reports the failure and ends the transaction", "%s: %s",
	    err_name(ec), db_error(db));
	db_tx_rollback(db);
	check(count_id(admin, 1) == 0 && count_id(admin, 2) == 0 && count_id(admin, 3) == 0,
	    "nothing of the transaction is in the table", "rows 1, 2, 3: %ld %ld %ld", count_id(admin, 1),
	    count_id(admin, 2), count_id(admin, 3));
	pid_after = backend_pid(db);
	check(pid_after > 0 && pid_after != pid_before, "after it, the handle reconnects by itself",
	    "pid %ld then %ld", pid_before, pid_after);
	db_close(db);
}

/* A failed statement aborts the transaction: later statements fail without a round trip, commit
 * rolls back; an inner rollback dooms the outer transaction; db_tx commits or rolls back. */
static enum err
tx_two(struct db *db, void *ctx)
{
	enum err e;

	if ((e = insert(db, 20, "a")) != ERR_OK)
		return e;
	return insert(db, *(int *)ctx, "b");
}

static void
probe_tx_rules(struct db *admin)
{
	struct db *db = probe_open("probe_tx_rules");
	enum err e;
	int id;

	check(insert(admin, 10, "there") == ERR_OK, "a row to conflict with", "%s", db_error(admin));
	(void)db_tx_begin(db);
	(void)insert(db, 11, "x");
	e = insert(db, 10, "dup");
	check(
	    e == ERR_CONFLICT, "a unique violation inside a transaction is ERR_CONFLICT", "%s", err_name(e));
	e = insert(db, 12, "y");
	check(e == ERR_DB && strstr(db_error(db), "earlier statement") != NULL,
	    "the next statement is refused without running", "%s: %s", err_name(e), db_error(db));
	e = db_tx_commit(db);
	check(e == ERR_DB, "commit after a failure rolls back and says so", "%s", err_name(e));
	check(count_id(admin, 11) == 0 && count_id(admin, 12) == 0, "nothing of it is stored", "rows %ld %ld",
	    count_id(admin, 11), count_id(admin, 12));

	(void)db_tx_begin(db);
	(void)insert(db, 13, "outer");
	(void)db_tx_begin(db);
	(void)insert(db, 14, "inner");
	db_tx_rollback(db);
	check(db_in_tx(db), "an inner rollback leaves the outer transaction open", "closed");
	e = db_tx_commit(db);
	check(e == ERR_DB && count_id(admin, 13) == 0 && count_id(admin, 14) == 0,
	    "an inner rollback dooms the outer transaction", "%s, rows %ld %ld", err_name(e),
	    count_id(admin, 13), count_id(admin, 14));

	(void)db_tx_begin(db);
	(void)insert(db, 15, "outer");
	(void)db_tx_begin(db);
	(void)insert(db, 16, "inner");
	e = db_tx_commit(db);
	check(e == ERR_OK && count_id(admin, 16) == 0, "an inner commit commits nothing yet",
	    "%s, row 16: %ld", err_name(e), count_id(admin, 16));
	e = db_tx_commit(db);
	check(e == ERR_OK && count_id(admin, 15) == 1 && count_id(admin, 16) == 1,
	    "the outer commit commits both", "%s, rows %ld %ld", err_name(e), count_id(admin, 15),
	    count_id(admin, 16));

	id = 10;
	e = db_tx(db, tx_two, &id);
	check(e == ERR_CONFLICT && count_id(admin, 20) == 0 && !db_in_tx(db),
	    "db_tx rolls back when its function fails and returns that error", "%s, row 20: %ld", err_name(e),
	    count_id(admin, 20));
	id = 21;
	e = db_tx(db, tx_two, &id);
	check(e == ERR_OK && count_id(admin, 20) == 1 && count_id(admin, 21) == 1,
	    "db_tx commits when its function succeeds", "%s", err_name(e));
	e = db_tx_commit(db);
	check(e == ERR_INTERNAL, "commit without a transaction is a caller's error", "%s", err_name(e));

	e = db_script(db, "BEGIN");
	check(e == ERR_INTERNAL && !db_in_tx(db), "a script that opens a transaction is refused", "%s: %s",
	    err_name(e), db_error(db));
	(void)insert(db, 22, "after a BEGIN script");
	check(count_id(admin, 22) == 1, "and rolled back: the next write commits by itself", "row 22: %ld",
	    count_id(admin, 22));
	(void)db_tx_begin(db);
	(void)insert(db, 23, "before a COMMIT script");
	e = db_script(db, "COMMIT");
	check(e == ERR_INTERNAL, "a script that ends the caller's transaction is refused", "%s", err_name(e));
	e = db_tx_commit(db);
	check(e == ERR_DB && !db_in_tx(db), "and the transaction's commit reports a failure", "%s",
	    err_name(e));
	db_close(db);
}

/* Outside a transaction: a connection the server closed while idle is replaced before sending
 * (a write is safe then); a read whose connection dies under it is run again. */
static void
probe_retry(struct db *admin)
{
	struct db *db = probe_open("probe_retry");
	struct arena *a = arena_new();
	const char *p[1] = { "0.5" };
	struct dbres *r = NULL;
	enum err e;
	pid_t child;
	long pid;

	kill_backend(admin, backend_pid(db));
	e = insert(db, 30, "after an idle kill");
	check(e == ERR_OK && count_id(admin, 30) == 1,
	    "a write on a connection found dead is sent on a new one", "%s: %s", err_name(e), db_error(db));

	pid = backend_pid(db);
	fflush(stdout);
	if ((child = fork()) == 0) {
		struct db *killer = db_open(base_conninfo);

		usleep(150000);
		kill_backend(killer, pid);
		_exit(0);
	}
	e = db_exec(db, &st_sleep, p, a, &r);
	waitpid(child, NULL, 0);
	check(e == ERR_OK && r != NULL && strcmp(dbres_get(r, 0, 1), "42") == 0,
	    "a read whose backend dies under it is run again and answers", "%s: %s", err_name(e),
	    db_error(db));
	check(backend_pid(db) != pid, "on a new connection", "same backend %ld", pid);
	arena_free(a);
	db_close(db);
}

/* A write whose reply is lost after the server committed it is not run again. Synchronous
 * replication to a standby that does not exist holds the reply after the local commit; the
 * backend terminated then has committed, and the client never hears it. */
static void
probe_lost_reply(struct db *admin)
{
	struct db *db = probe_open("probe_lost_reply");
	struct arena *a = arena_new();
	const char *p[1] = { "lost reply" };
	enum err e;
	pid_t child;
	int status = 1;

	(void)backend_pid(db);
	if (db_script(admin, "ALTER SYSTEM SET synchronous_standby_names = 'probe_nobody'") != ERR_OK ||
	    db_script(admin, "SELECT pg_reload_conf()") != ERR_OK) {
		check(false, "synchronous replication to nobody is configured", "%s", db_error(admin));
		goto done;
	}
	usleep(300000); /* the backends take the new setting at their next command */
	fflush(stdout);
	if ((child = fork()) == 0) {
		struct db *killer = db_open(base_conninfo);
		int rc = 1;

		/* Wait for the backend to hold its reply, terminate it, then let commits through
		 * again (a retry would then succeed and show as a second row). */
		for (int i = 0; i < 500; i++) {
			long pid = one_long(killer, &st_syncrep, "probe_lost_reply");

			if (pid > 0) {
				kill_backend(killer, pid);
				rc = 0;
				break;
			}
			usleep(20000);
		}
		(void)db_script(killer, "ALTER SYSTEM RESET synchronous_standby_names");
		(void)db_script(killer, "SELECT pg_reload_conf()");
		_exit(rc);
	}
	e = db_exec(db, &st_log, p, a, NULL);
	waitpid(child, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "the insert waited after its local commit and was cut off",
	    "the backend was never seen waiting for SyncRep");
	check(e == ERR_DB, "the write whose reply was lost fails with ERR_DB", "%s", err_name(e));
	check(strstr(db_error(db), "may or may not have run") != NULL, "saying it may or may not have run",
	    "%s", db_error(db));
	usleep(300000);
	check(one_long(admin, &st_count_log, "lost reply") == 1, "the row is stored once, not twice",
	    "%ld rows", one_long(admin, &st_count_log, "lost reply"));
done:
	(void)db_script(admin, "ALTER SYSTEM RESET synchronous_standby_names");
	(void)db_script(admin, "SELECT pg_reload_conf()");
	arena_free(a);
	db_close(db);
}

/* A commit whose reply is lost: the outcome is unknown and db_tx_commit says so. */
static void
probe_lost_commit(struct db *admin)
{
	struct db *db = probe_open("probe_lost_commit");
	enum err e;
	pid_t child;
	int status = 1;

	(void)backend_pid(db);
	(void)db_script(admin, "ALTER SYSTEM SET synchronous_standby_names = 'probe_nobody'");
	(void)db_script(admin, "SELECT pg_reload_conf()");
	usleep(300000);
	(void)db_tx_begin(db);
	(void)insert(db, 40, "commit lost");
	fflush(stdout);
	if ((child = fork()) == 0) {
		struct db *killer = db_open(base_conninfo);
		int rc = 1;

		for (int i = 0; i < 500; i++) {
			long pid = one_long(killer, &st_syncrep, "probe_lost_commit");

			if (pid > 0) {
				kill_backend(killer, pid);
				rc = 0;
				break;
			}
			usleep(20000);
		}
		(void)db_script(killer, "ALTER SYSTEM RESET synchronous_standby_names");
		(void)db_script(killer, "SELECT pg_reload_conf()");
		_exit(rc);
	}
	e = db_tx_commit(db);
	waitpid(child, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the commit waited and was cut off",
	    "the backend was never seen waiting for SyncRep");
	check(e == ERR_DB && strstr(db_error(db), "may or may not have been committed") != NULL,
	    "a commit whose reply is lost says its outcome is unknown", "%s: %s", err_name(e), db_error(db));
	check(!db_in_tx(db), "and ends the transaction", "still open");
	usleep(300000);
	check(count_id(admin, 40) == 1, "(here it had committed: the row is there once)", "%ld rows",
	    count_id(admin, 40));
	(void)db_script(admin, "ALTER SYSTEM RESET synchronous_standby_names");
	(void)db_script(admin, "SELECT pg_reload_conf()");
	db_close(db);
}

/* More prepared statements than any old ceiling all work, each on its first use and again. */
static void
probe_many(void)
{
	struct db *db = probe_open("probe_many");
	struct db_stmt *st = calloc(PROBE_MANY, sizeof(*st));
	int bad = 0, first_bad = -1;

	for (int round = 0; round < 2; round++)
		for (int i = 0; i < PROBE_MANY; i++) {
			struct arena *a = arena_new();
			struct dbres *r;
			char want[16];

			if (round == 0) {
				char name[32], sql[64];

				snprintf(name, sizeof(name), "probe_many_%d", i);
				snprintf(sql, sizeof(sql), "SELECT %d + $1::int", i);
				st[i].name = strdup(name);
				st[i].sql = strdup(sql);
				st[i].nparams = 1;
			}
			snprintf(want, sizeof(want), "%d", i + 1);
			{
				const char *p[1] = { "1" };

				if (db_exec(db, &st[i], p, a, &r) != ERR_OK ||
				    strcmp(dbres_get(r, 0, 0), want) != 0) {
					if (first_bad < 0)
						first_bad = i;
					bad++;
				}
			}
			arena_free(a);
		}
	check(bad == 0, "300 prepared statements on one connection all work, twice each",
	    "%d failed, the first #%d: %s", bad, first_bad, db_error(db));
	for (int i = 0; i < PROBE_MANY; i++) {
		free((char *)st[i].name);
		free((char *)st[i].sql);
	}
	free(st);
	db_close(db);
}

static const struct db_stmt st_mode = { "probe_mode", "SELECT current_setting('plan_cache_mode')", 0 };
static const struct db_stmt st_mode_replan = { "probe_mode_replan",
	"SELECT current_setting('plan_cache_mode')", 0, .replan = true };

/* plan_mode returns the plan_cache_mode st runs under (static memory), or "(failed)". */
static const char *
plan_mode(struct db *db, const struct db_stmt *st)
{
	static char out[64];
	struct arena *a = arena_new();
	struct dbres *r;

	snprintf(out, sizeof(out), "(failed)");
	if (db_exec(db, st, NULL, a, &r) == ERR_OK && dbres_rows(r) == 1)
		snprintf(out, sizeof(out), "%s", dbres_get(r, 0, 0));
	arena_free(a);
	return out;
}

/* A replan statement is planned with its values (force_custom_plan), the others once
 * (force_generic_plan); inside a transaction the session's mode stays, so a rollback cannot undo a
 * switch the library counts on; a new connection starts generic again. */
static void
probe_replan(struct db *admin)
{
	struct db *db = probe_open("probe_replan");
	const char *m;

	m = plan_mode(db, &st_mode);
	check(strcmp(m, "force_generic_plan") == 0, "statements are planned once by default", "%s", m);
	m = plan_mode(db, &st_mode_replan);
	check(strcmp(m, "force_custom_plan") == 0, "a replan statement is planned with its values", "%s", m);
	m = plan_mode(db, &st_mode);
	check(strcmp(m, "force_generic_plan") == 0, "the next plain statement is planned once again", "%s", m);
	if (db_tx_begin(db) == ERR_OK) {
		m = plan_mode(db, &st_mode_replan);
		check(strcmp(m, "force_generic_plan") == 0, "inside a transaction the session's mode stays",
		    "%s", m);
		db_tx_rollback(db);
	}
	m = plan_mode(db, &st_mode_replan);
	check(strcmp(m, "force_custom_plan") == 0, "after a rollback a replan statement is planned with its values",
	    "%s", m);
	kill_backend(admin, backend_pid(db));
	m = plan_mode(db, &st_mode);
	check(strcmp(m, "force_generic_plan") == 0, "a new connection plans statements once", "%s", m);
	m = plan_mode(db, &st_mode_replan);
	check(strcmp(m, "force_custom_plan") == 0, "and replan statements with their values on it", "%s", m);
	db_close(db);
}

int
main(int argc, char **argv)
{
	struct db *admin;

	if (argc != 2) {
		fprintf(stderr, "usage: db-probe CONNINFO\n");
		return 2;
	}
	log_init("db-probe", LOG_ERROR);
	/* The test stack turns synchronous_commit off; replies wait for a standby only with it on. */
	setenv("PGOPTIONS", "-c synchronous_commit=on", 1);
	base_conninfo = argv[1];
	admin = probe_open("probe_admin");
	if (db_script(admin,
		"DROP TABLE IF EXISTS probe_tx, probe_log; "
		"CREATE TABLE probe_tx (id int PRIMARY KEY, v text); CREATE TABLE probe_log (v text)") !=
	    ERR_OK) {
		printf("not ok - the probe's tables are made: %s\n", db_error(admin));
		return 1;
	}
	probe_tx_lost(admin);
	probe_tx_rules(admin);
	probe_retry(admin);
	probe_lost_reply(admin);
	probe_lost_commit(admin);
	probe_many();
	probe_replan(admin);
	(void)db_script(admin, "DROP TABLE IF EXISTS probe_tx, probe_log");
	db_close(admin);
	return failures > 0 ? 1 : 0;
}
