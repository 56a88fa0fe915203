/* db.c: the only file that speaks libpq; keeps its error model behind the err enum. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "arena.h"
#include "db.h"
#include "log.h"

#define DB_MAX_PREPARED 128

struct db {
	char *conninfo;
	PGconn *conn;
	const struct db_stmt *prepared[DB_MAX_PREPARED];
	int nprepared;
	char error[512];
	char constraint[128];
};

struct dbres {
	PGresult *res;
};

static void
db_notice(void *arg, const char *message)
{
	log_debug(NULL, "postgresql: %s", message);
}

static void
db_seterr(struct db *db, const char *what, const char *detail)
{
	size_t n;

	snprintf(db->error, sizeof(db->error), "%s: %s", what, detail != NULL ? detail : "");
	n = strlen(db->error);
	while (n > 0 && (db->error[n - 1] == '\n' || db->error[n - 1] == ' '))
		db->error[--n] = '\0';
}

struct db *
db_open(const char *conninfo)
{
	struct db *db = xcalloc(1, sizeof(*db));

	db->conninfo = xstrdup(conninfo);
	return db;
}

void
db_close(struct db *db)
{
	if (db == NULL)
		return;
	if (db->conn != NULL)
		PQfinish(db->conn);
	free(db->conninfo);
	free(db);
}

/* db_connect makes sure there is a working connection; prepared statements start over. */
static enum err
db_connect(struct db *db)
{
	static const char *const keys[] = { "dbname", "connect_timeout", "application_name", NULL };
	const char *vals[] = { NULL, "3", "aiops", NULL };

	if (db->conn != NULL && PQstatus(db->conn) == CONNECTION_OK)
		return ERR_OK;
	if (db->conn != NULL)
		PQfinish(db->conn);
	db->nprepared = 0;
	/* expand_dbname lets the configured string carry every other keyword; ours are defaults. */
	vals[0] = db->conninfo;
	db->conn = PQconnectdbParams(keys, vals, 1);
	if (db->conn == NULL)
		die_oom();
	if (PQstatus(db->conn) != CONNECTION_OK) {
		db_seterr(db, "connect", PQerrorMessage(db->conn));
		PQfinish(db->conn);
		db->conn = NULL;
		return ERR_DB;
	}
	PQsetNoticeProcessor(db->conn, db_notice, NULL);
	/* Timestamps are read in their plain text form and must be UTC in ISO style. Statements
	 * with optional filters ($1 IS NULL OR ...) would otherwise be planned anew at every
	 * execution, which costs more than running them: plan each once. */
	{
		PGresult *res = PQexec(db->conn,
		    "SET TimeZone = 'UTC'; SET DateStyle = 'ISO'; "
		    "SET plan_cache_mode = 'force_generic_plan'");

		if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
			db_seterr(db, "session setup", PQerrorMessage(db->conn));
			PQclear(res);
			PQfinish(db->conn);
			db->conn = NULL;
			return ERR_DB;
		}
		PQclear(res);
	}
	return ERR_OK;
}

/* db_result_err maps a failed result to the err enum, remembering the message and constraint. */
static enum err
db_result_err(struct db *db, PGresult *res)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	const char *cons = PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME);

	db_seterr(db, "query", PQresultErrorMessage(res));
	snprintf(db->constraint, sizeof(db->constraint), "%s", cons != NULL ? cons : "");
	if (state == NULL)
		return ERR_DB;
	if (strcmp(state, "23505") == 0)
		return ERR_CONFLICT;
	if (strncmp(state, "22", 2) == 0 || strncmp(state, "23", 2) == 0)
		return ERR_INPUT;
	if (strncmp(state, "08", 2) == 0 || strncmp(state, "57", 2) == 0 || strncmp(state, "53", 2) == 0)
		return ERR_DB;
	if (strncmp(state, "42", 2) == 0)
		return ERR_INTERNAL;
	return ERR_DB;
}

static bool
db_is_prepared(const struct db *db, const struct db_stmt *st)
{
	for (int i = 0; i < db->nprepared; i++)
		if (db->prepared[i] == st)
			return true;
	return false;
}

static enum err
db_prepare(struct db *db, const struct db_stmt *st)
{
	PGresult *res;
	enum err e = ERR_OK;

	if (db_is_prepared(db, st))
		return ERR_OK;
	res = PQprepare(db->conn, st->name, st->sql, st->nparams, NULL);
	if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
		e = res != NULL ? db_result_err(db, res) : ERR_DB;
		if (res == NULL)
			db_seterr(db, "prepare", PQerrorMessage(db->conn));
	} else if (db->nprepared < DB_MAX_PREPARED) {
		db->prepared[db->nprepared++] = st;
	}
	PQclear(res);
	return e;
}

static void
dbres_cleanup(void *arg)
{
	struct dbres *r = arg;

	PQclear(r->res);
}

enum err
db_exec(
    struct db *db, const struct db_stmt *st, const char *const *params, struct arena *a, struct dbres **out)
{
	PGresult *res = NULL;
	enum err e;
	int attempt;

	db->constraint[0] = '\0';
	for (attempt = 0; attempt < 2; attempt++) {
		if ((e = db_connect(db)) != ERR_OK)
			return e;
		if ((e = db_prepare(db, st)) == ERR_OK) {
			res = PQexecPrepared(db->conn, st->name, st->nparams, params, NULL, NULL, 0);
			if (res != NULL &&
			    (PQresultStatus(res) == PGRES_TUPLES_OK ||
				PQresultStatus(res) == PGRES_COMMAND_OK))
				break;
			if (res != NULL)
				e = db_result_err(db, res);
			else {
				db_seterr(db, "exec", PQerrorMessage(db->conn));
				e = ERR_DB;
			}
			PQclear(res);
			res = NULL;
		}
		/* Only a connection that broke is worth a second try: the server restarted or the
		 * socket died, so the statement cannot have run on the server we reconnect to. */
		if (PQstatus(db->conn) == CONNECTION_OK)
			return e;
		log_warn(NULL, "postgresql connection lost, reconnecting: %s", db->error);
	}
	if (res == NULL)
		return e != ERR_OK ? e : ERR_DB;
	if (out == NULL) {
		PQclear(res);
		return ERR_OK;
	}
	*out = arena_alloc(a, sizeof(**out));
	(*out)->res = res;
	arena_cleanup(a, dbres_cleanup, *out);
	return ERR_OK;
}

enum err
db_script(struct db *db, const char *sql)
{
	PGresult *res;
	enum err e;

	if ((e = db_connect(db)) != ERR_OK)
		return e;
	res = PQexec(db->conn, sql);
	if (res == NULL) {
		db_seterr(db, "exec", PQerrorMessage(db->conn));
		return ERR_DB;
	}
	e = ERR_OK;
	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
		e = db_result_err(db, res);
	PQclear(res);
	return e;
}

enum err
db_ping(struct db *db)
{
	static const struct db_stmt ping = { "db_ping", "SELECT 1", 0 };
	struct arena *a = arena_new();
	enum err e = db_exec(db, &ping, NULL, a, NULL);

	arena_free(a);
	return e;
}

const char *
db_error(const struct db *db)
{
	return db->error;
}

const char *
db_constraint(const struct db *db)
{
	return db->constraint;
}

int
dbres_rows(const struct dbres *r)
{
	return PQntuples(r->res);
}

int
dbres_col(const struct dbres *r, const char *name)
{
	return PQfnumber(r->res, name);
}

const char *
dbres_get(const struct dbres *r, int row, int col)
{
	if (col < 0 || PQgetisnull(r->res, row, col))
		return NULL;
	return PQgetvalue(r->res, row, col);
}

bool
dbres_isnull(const struct dbres *r, int row, int col)
{
	return col < 0 || PQgetisnull(r->res, row, col);
}

long
dbres_affected(const struct dbres *r)
{
	return strtol(PQcmdTuples(r->res), NULL, 10);
}
