/* db.c: the only file that speaks libpq; keeps its error model behind the err enum. */
#include "config.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libpq-fe.h>

#include "arena.h"
#include "buf.h"
#include "db.h"
#include "log.h"

/* Where a transaction stands: TX_FAILED after a statement failed (PostgreSQL aborted it, or an
 * inner part rolled back), TX_LOST after the connection died under it. */
enum db_tx_state { TX_OK, TX_FAILED, TX_LOST };

struct db {
	char *conninfo;
	PGconn *conn;
	const struct db_stmt **prepared; /* prepared on conn; grows as needed */
	int nprepared, capprepared;
	bool replanning; /* the session's plan_cache_mode is force_custom_plan (db_stmt.replan) */
	int tx_depth; /* 0: no transaction; n: n nested db_tx_begin calls */
	enum db_tx_state tx_state;
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

/* db_wraperr puts what before the remembered error text: "what: earlier text". */
static void
db_wraperr(struct db *db, const char *what)
{
	char detail[sizeof(db->error)];

	memcpy(detail, db->error, sizeof(detail));
	db_seterr(db, what, detail);
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
	free(db->prepared);
	free(db->conninfo);
	free(db);
}

/* db_drop closes the connection; the next use outside a transaction connects anew. */
static void
db_drop(struct db *db)
{
	if (db->conn != NULL)
		PQfinish(db->conn);
	db->conn = NULL;
	db->nprepared = 0;
}

/* db_tx_lost records that the connection died inside a transaction: the server has rolled it
 * back; nothing reconnects until the caller rolls back too. */
static void
db_tx_lost(struct db *db)
{
	char detail[256];

	snprintf(detail, sizeof(detail), "%s", db->conn != NULL ? PQerrorMessage(db->conn) : "");
	db->tx_state = TX_LOST;
	db_drop(db);
	db_seterr(db, "connection lost inside a transaction; nothing was committed", detail);
}

/* db_dead says whether the connection is unusable: none yet, known bad, or closed by the server
 * while idle (the socket is readable with nothing asked: a termination message, then EOF). Only
 * reading what is pending tells, so it reads it; an idle connection's notices are harmless. */
static bool
db_dead(struct db *db)
{
	if (db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK)
		return true;
	for (int i = 0; i < 4; i++) {
		struct pollfd pfd = { .fd = PQsocket(db->conn), .events = POLLIN };

		if (pfd.fd < 0)
			return true;
		if (poll(&pfd, 1, 0) <= 0)
			break;
		if (!PQconsumeInput(db->conn) || PQstatus(db->conn) != CONNECTION_OK) {
			db_seterr(db, "connection", PQerrorMessage(db->conn));
			return true;
		}
	}
	return false;
}

/* db_connect makes a fresh connection, dropping any old one; prepared statements start over. */
static enum err
db_connect(struct db *db)
{
	static const char *const keys[] = { "connect_timeout", "application_name", "dbname", NULL };
	const char *vals[] = { "3", "aiops", NULL, NULL };

	db_drop(db);
	/* expand_dbname lets the configured string carry every other keyword; libpq keeps the last
	 * value of a keyword, so the string comes last and ours are defaults it may override. */
	vals[2] = db->conninfo;
	db->conn = PQconnectdbParams(keys, vals, 1);
	if (db->conn == NULL)
		die_oom();
	if (PQstatus(db->conn) != CONNECTION_OK) {
		db_seterr(db, "connect", PQerrorMessage(db->conn));
		db_drop(db);
		return ERR_DB;
	}
	PQsetNoticeProcessor(db->conn, db_notice, NULL);
	/* Timestamps are read in their plain text form and must be UTC in ISO style. Statements
	 * with optional filters ($1 IS NULL OR ...) would otherwise be planned anew at every
	 * execution, which costs more than running them: plan each once (db_stmt.replan asks
	 * otherwise). */
	{
		PGresult *res = PQexec(db->conn,
		    "SET TimeZone = 'UTC'; SET DateStyle = 'ISO'; "
		    "SET plan_cache_mode = 'force_generic_plan'");

		if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
			db_seterr(db, "session setup", PQerrorMessage(db->conn));
			PQclear(res);
			db_drop(db);
			return ERR_DB;
		}
		PQclear(res);
	}
	db->replanning = false;
	return ERR_OK;
}

/* db_ready makes sure there is a connection to send on. Outside a transaction a dead one is
 * replaced (nothing was sent on it yet); inside one the transaction is lost with it. */
static enum err
db_ready(struct db *db)
{
	if (!db_dead(db))
		return ERR_OK;
	if (db->tx_depth > 0) {
		db_tx_lost(db);
		return ERR_DB;
	}
	if (db->conn != NULL)
		log_warn(NULL, "postgresql connection found closed, reconnecting: %s", db->error);
	return db_connect(db);
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

/* db_prepare prepares st on the connection unless it already is, and records it. */
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
	} else {
		if (db->nprepared == db->capprepared) {
			db->capprepared = db->capprepared > 0 ? 2 * db->capprepared : 64;
			db->prepared =
			    xrealloc(db->prepared, sizeof(*db->prepared) * (size_t)db->capprepared);
		}
		db->prepared[db->nprepared++] = st;
	}
	PQclear(res);
	return e;
}

/* db_plan_mode sets the session's plan_cache_mode to what st asks for (db_stmt.replan), outside a
 * transaction only: a rollback would undo the SET behind db->replanning's back. A SET that fails
 * leaves the mode as it was, so st runs with the other kind of plan: slower, never wrong; a lost
 * connection shows when st is sent. */
static void
db_plan_mode(struct db *db, const struct db_stmt *st)
{
	PGresult *res;

	if (st->replan == db->replanning || db->tx_depth > 0)
		return;
	res = PQexec(db->conn,
	    st->replan ? "SET plan_cache_mode = 'force_custom_plan'"
		       : "SET plan_cache_mode = 'force_generic_plan'");
	if (res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK)
		db->replanning = st->replan;
	PQclear(res);
}

static void
dbres_cleanup(void *arg)
{
	struct dbres *r = arg;

	PQclear(r->res);
}

bool
db_sql_is_read(const char *sql)
{
	while (*sql == ' ' || *sql == '\t' || *sql == '\n' || *sql == '\r')
		sql++;
	return strncasecmp(sql, "select", 6) == 0 &&
	    (sql[6] == '\0' || sql[6] == ' ' || sql[6] == '\t' || sql[6] == '\n' || sql[6] == '\r');
}

/* db_tx_refuse answers a statement of a transaction that already failed or lost its connection. */
static enum err
db_tx_refuse(struct db *db)
{
	if (db->tx_state == TX_FAILED)
		db_seterr(db, "transaction",
		    "an earlier statement of this transaction failed; nothing more runs until it is rolled "
		    "back");
	/* TX_LOST keeps its text: "connection lost inside a transaction; nothing was committed". */
	return ERR_DB;
}

/* db_failed settles a statement that did not succeed: e is its error. Returns true when it may be
 * run again on a new connection, per the rule in db.h; otherwise db->error says why not. */
static bool
db_failed(struct db *db, bool sent, const struct db_stmt *st)
{
	if (db->conn != NULL && PQstatus(db->conn) == CONNECTION_OK) {
		if (db->tx_depth > 0)
			db->tx_state = TX_FAILED;
		return false;
	}
	if (db->tx_depth > 0) {
		db_tx_lost(db);
		return false;
	}
	if (sent && !db_sql_is_read(st->sql)) {
		db_drop(db);
		db_wraperr(db, "connection lost after the statement was sent; it may or may not have run");
		log_warn(NULL, "postgresql: %s: %s", st->name, db->error);
		return false;
	}
	log_warn(NULL, "postgresql connection lost, reconnecting: %s", db->error);
	db_drop(db);
	return true;
}

enum err
db_exec(
    struct db *db, const struct db_stmt *st, const char *const *params, struct arena *a, struct dbres **out)
{
	PGresult *res = NULL;
	enum err e = ERR_DB;

	db->constraint[0] = '\0';
	if (db->tx_depth > 0 && db->tx_state != TX_OK)
		return db_tx_refuse(db);
	for (int attempt = 0; attempt < 2; attempt++) {
		bool sent = false;

		if ((e = db_ready(db)) != ERR_OK)
			return e;
		/* A statement that fails to prepare has not run, so that failure counts as unsent. */
		if ((e = db_prepare(db, st)) == ERR_OK) {
			db_plan_mode(db, st);
			sent = true;
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
		if (!db_failed(db, sent, st))
			return db->conn == NULL ? ERR_DB : e;
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

/* db_script_kept_tx checks that a script that ran left the transaction state as it found it: a
 * BEGIN, COMMIT or ROLLBACK of its own would leave the library's idea of it false. */
static enum err
db_script_kept_tx(struct db *db)
{
	PGTransactionStatusType ts = PQtransactionStatus(db->conn);

	if (db->tx_depth > 0 && ts != PQTRANS_INTRANS) {
		db->tx_state = TX_FAILED;
		db_seterr(db, "script",
		    "it ended the transaction itself (COMMIT or ROLLBACK inside); use db_tx_commit");
		return ERR_INTERNAL;
	}
	if (db->tx_depth == 0 && ts != PQTRANS_IDLE) {
		PQclear(PQexec(db->conn, "ROLLBACK"));
		db_seterr(db, "script",
		    "it left a transaction open (BEGIN inside), now rolled back; use db_tx_begin");
		return ERR_INTERNAL;
	}
	return ERR_OK;
}

enum err
db_script(struct db *db, const char *sql)
{
	static const struct db_stmt script = { "db_script", "", 0 };
	PGresult *res;
	enum err e;

	db->constraint[0] = '\0';
	if (db->tx_depth > 0 && db->tx_state != TX_OK)
		return db_tx_refuse(db);
	if ((e = db_ready(db)) != ERR_OK)
		return e;
	res = PQexec(db->conn, sql);
	if (res != NULL &&
	    (PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK)) {
		PQclear(res);
		return db_script_kept_tx(db);
	}
	if (res != NULL)
		e = db_result_err(db, res);
	else {
		db_seterr(db, "exec", PQerrorMessage(db->conn));
		e = ERR_DB;
	}
	PQclear(res);
	/* A script is never run twice: its "SQL" here is empty, so it never counts as a read. */
	(void)db_failed(db, true, &script);
	return db->conn == NULL ? ERR_DB : e;
}

/* db_simple runs one transaction-control command. On ERR_OK tag (16 bytes) holds the server's
 * command tag; otherwise the error is mapped and remembered as for any statement. */
static enum err
db_simple(struct db *db, const char *cmd, char *tag)
{
	PGresult *res = PQexec(db->conn, cmd);
	enum err e = ERR_OK;

	if (res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK)
		snprintf(tag, 16, "%s", PQcmdStatus(res));
	else if (res != NULL)
		e = db_result_err(db, res);
	else {
		db_seterr(db, cmd, PQerrorMessage(db->conn));
		e = ERR_DB;
	}
	PQclear(res);
	return e;
}

enum err
db_tx_begin(struct db *db)
{
	if (db->tx_depth > 0) {
		if (db->tx_state != TX_OK)
			return db_tx_refuse(db);
		db->tx_depth++;
		return ERR_OK;
	}
	/* BEGIN changes nothing, so a connection that dies under it is simply replaced once. */
	for (int attempt = 0; attempt < 2; attempt++) {
		char tag[16];
		enum err e;

		if ((e = db_ready(db)) != ERR_OK)
			return e;
		if ((e = db_simple(db, "BEGIN", tag)) == ERR_OK) {
			db->tx_depth = 1;
			db->tx_state = TX_OK;
			return ERR_OK;
		}
		if (PQstatus(db->conn) == CONNECTION_OK)
			return e;
		db_drop(db);
	}
	return ERR_DB;
}

enum err
db_tx_commit(struct db *db)
{
	char tag[16];
	enum err e;

	if (db->tx_depth == 0) {
		db_seterr(db, "commit", "no transaction is open");
		return ERR_INTERNAL;
	}
	if (db->tx_depth > 1) {
		db->tx_depth--;
		return db->tx_state == TX_OK ? ERR_OK : db_tx_refuse(db);
	}
	if (db->tx_state != TX_OK) {
		db_tx_rollback(db);
		db_wraperr(db, "commit refused, the transaction was rolled back");
		return ERR_DB;
	}
	db->tx_depth = 0;
	if ((e = db_simple(db, "COMMIT", tag)) == ERR_OK) {
		/* COMMIT of a transaction the server had aborted answers ROLLBACK, not an error. */
		if (strcmp(tag, "COMMIT") == 0)
			return ERR_OK;
		db_seterr(db, "commit", "the server rolled the transaction back; nothing was committed");
		return ERR_DB;
	}
	if (PQstatus(db->conn) != CONNECTION_OK) {
		db_drop(db);
		db_wraperr(db,
		    "connection lost while committing; the transaction may or may not have been committed");
		log_warn(NULL, "postgresql: %s", db->error);
		return ERR_DB;
	}
	/* The server refused to commit (a deferred constraint, a serialization failure): it rolled
	 * back. The error was mapped by db_simple; a conflict stays a conflict. */
	return e;
}

void
db_tx_rollback(struct db *db)
{
	if (db->tx_depth == 0)
		return;
	if (db->tx_depth > 1) {
		db->tx_depth--;
		if (db->tx_state == TX_OK)
			db->tx_state = TX_FAILED;
		return;
	}
	db->tx_depth = 0;
	if (db->tx_state != TX_LOST && db->conn != NULL) {
		PGresult *res = PQexec(db->conn, "ROLLBACK");

		PQclear(res);
		/* Whatever happened, the connection must not stay inside a transaction. */
		if (PQstatus(db->conn) != CONNECTION_OK || PQtransactionStatus(db->conn) != PQTRANS_IDLE)
			db_drop(db);
	}
	db->tx_state = TX_OK;
}

enum err
db_tx(struct db *db, enum err (*fn)(struct db *db, void *ctx), void *ctx)
{
	enum err e;

	if ((e = db_tx_begin(db)) != ERR_OK)
		return e;
	if ((e = fn(db, ctx)) != ERR_OK) {
		db_tx_rollback(db);
		return e;
	}
	return db_tx_commit(db);
}

bool
db_in_tx(const struct db *db)
{
	return db->tx_depth > 0;
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

const char *
db_text_array(struct arena *a, const char *const *list)
{
	struct buf *b;

	if (list == NULL)
		return NULL;
	b = buf_new(a);
	buf_addc(b, '{');
	for (int i = 0; list[i] != NULL; i++) {
		buf_adds(b, i > 0 ? ",\"" : "\"");
		for (const char *s = list[i]; *s != '\0'; s++) {
			if (*s == '"' || *s == '\\')
				buf_addc(b, '\\');
			buf_addc(b, *s);
		}
		buf_addc(b, '"');
	}
	buf_addc(b, '}');
	return buf_cstr(b);
}
