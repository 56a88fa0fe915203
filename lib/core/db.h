/* db.h: PostgreSQL through libpq: one connection per process, prepared statements, transactions. */
#ifndef AIOPS_DB_H
#define AIOPS_DB_H

#include <stdbool.h>

#include "err.h"

struct arena;
struct db;
struct dbres;

/* A statement: a module declares these statically with literal SQL and $n parameters. The name
 * must be unique across the program; it is prepared on first use on each connection, and a
 * connection holds as many as the program uses (there is no ceiling). A statement is planned once
 * per connection, for any parameters, unless replan is set: then PostgreSQL plans it anew at every
 * execution with the values given (for optional filters, "$1 IS NULL OR ...", whose best plan
 * depends on which are given: one plan for all of them scans the whole table). Inside a
 * transaction every statement keeps the kind of plan the session had when it began. */
struct db_stmt {
	const char *name;
	const char *sql;
	int nparams;
	bool replan;
};

/* db_open makes a handle that connects lazily (now, and again after any failure outside a
 * transaction). It never fails; the first use says whether the server is reachable. Caller frees
 * with db_close (an open transaction is dropped with the connection, so nothing of it commits). */
struct db *db_open(const char *conninfo);
void db_close(struct db *db);

/* db_exec runs st with params (text form; NULL is SQL NULL). On ERR_OK *out, when out is not NULL,
 * is the result, released when a is freed. Errors: ERR_DB (server unreachable or failed, or the
 * outcome is unknown), ERR_CONFLICT (unique violation, its constraint in db_constraint), ERR_INPUT
 * (a value PostgreSQL rejected), ERR_INTERNAL (SQL PostgreSQL does not accept).
 *
 * Retry rule, outside a transaction: before sending, a connection found dead (the server closed
 * it while we were idle) is re-established, since nothing was sent. After sending, a lost
 * connection is re-established and the statement run once more only when it is a read: its SQL
 * begins with SELECT (after blanks, in any case). A SELECT must therefore have no effect that
 * outlives its session (advisory locks are per session, so they qualify; a SELECT calling a
 * function that writes does not, so write such SQL as something else). Any other statement whose
 * reply was lost fails with ERR_DB ("it may or may not have run"): the server may have committed
 * it, and running it again would duplicate it.
 *
 * Inside a transaction nothing is retried: see db_tx_begin. */
enum err db_exec(
    struct db *db, const struct db_stmt *st, const char *const *params, struct arena *a, struct dbres **out);

/* db_script runs several statements of our own (migrations) in one simple-query round trip. It is
 * never retried after sending; inside a transaction it obeys the transaction's rules. It must not
 * contain BEGIN, COMMIT or ROLLBACK (use db_tx_begin and friends): a script that leaves a
 * transaction open is rolled back, and one that ends the caller's transaction fails it; both
 * return ERR_INTERNAL. */
enum err db_script(struct db *db, const char *sql);

/* Transactions. db_tx_begin opens one (reconnecting first if the connection is dead: nothing is
 * lost yet). Until db_tx_commit or db_tx_rollback every db_exec and db_script runs inside it, and:
 * - a lost connection fails the transaction with ERR_DB, db_error "connection lost inside a
 *   transaction; nothing was committed"; nothing is retried or reconnected;
 * - once any statement has failed (PostgreSQL aborts the transaction then) every later statement
 *   of the transaction fails at once with ERR_DB, without a round trip, until db_tx_rollback;
 * - db_tx_commit returns ERR_OK only when the server answered COMMIT. After a failure it rolls
 *   back and returns ERR_DB. When the connection is lost while committing, the outcome is unknown
 *   and it returns ERR_DB with db_error saying so ("may or may not have been committed").
 * After db_tx_commit, whatever it returned, the transaction is over; db_tx_rollback is then a
 * harmless no-op, so a `cleanup:` path may always call it.
 *
 * Transactions nest by joining: db_tx_begin inside a transaction opens nothing new and the
 * matching db_tx_commit commits nothing; only the outermost commit does. An inner db_tx_rollback
 * dooms the whole transaction: the outermost commit then rolls back and returns ERR_DB. So a
 * model function may use db_tx for its own statements and still be called inside a caller's
 * transaction (say, with the caller's audit row).
 *
 * A caller that begins must commit or roll back on every path (db_tx does that for it). */
enum err db_tx_begin(struct db *db);
enum err db_tx_commit(struct db *db);
void db_tx_rollback(struct db *db);

/* db_tx runs fn(db, ctx) in a transaction: commits when fn returns ERR_OK (returning the commit's
 * result) and rolls back otherwise (returning fn's error). Inside a transaction it joins it. */
enum err db_tx(struct db *db, enum err (*fn)(struct db *db, void *ctx), void *ctx);

/* db_in_tx says whether a transaction is open (begun and not yet committed or rolled back). */
bool db_in_tx(const struct db *db);

/* db_ping checks that the server answers. */
enum err db_ping(struct db *db);

/* db_error is the last error's text, for logs only (it may quote values); owned by the handle. */
const char *db_error(const struct db *db);

/* db_constraint names the constraint behind the last ERR_CONFLICT or ERR_INPUT, or "". */
const char *db_constraint(const struct db *db);

/* db_sql_is_read says whether sql counts as a read for the retry rule above (exposed for tests). */
bool db_sql_is_read(const char *sql);

/* db_text_array writes the NULL-terminated list as a PostgreSQL text[] literal for a $n::text[]
 * parameter, each element quoted and escaped ("{\"a\",\"b\"}"); NULL for a NULL list, so that
 * "$1::text[] IS NULL" means no filter. Arena memory. */
const char *db_text_array(struct arena *a, const char *const *list);

/* Results: rows and columns by index; db_get returns NULL for SQL NULL. Result memory. */
int dbres_rows(const struct dbres *r);
int dbres_col(const struct dbres *r, const char *name);
const char *dbres_get(const struct dbres *r, int row, int col);
bool dbres_isnull(const struct dbres *r, int row, int col);
/* dbres_affected is the count of rows an INSERT, UPDATE or DELETE touched. */
long dbres_affected(const struct dbres *r);

#endif
