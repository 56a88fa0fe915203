/* db.h: PostgreSQL through libpq: one connection per process, prepared statements, reconnects. */
#ifndef AIOPS_DB_H
#define AIOPS_DB_H

#include <stdbool.h>

#include "err.h"

struct arena;
struct db;
struct dbres;

/* A statement: a module declares these statically with literal SQL and $n parameters. The name
 * must be unique across the program; it is prepared on first use on each connection. */
struct db_stmt {
	const char *name;
	const char *sql;
	int nparams;
};

/* db_open makes a handle that connects lazily (now, and again after any failure). It never fails;
 * the first use says whether the server is reachable. Caller frees with db_close. */
struct db *db_open(const char *conninfo);
void db_close(struct db *db);

/* db_exec runs st with params (text form; NULL is SQL NULL). On ERR_OK *out, when out is not NULL,
 * is the result, released when a is freed. A broken connection is re-established and the statement
 * tried once more. Errors: ERR_DB (server unreachable or failed), ERR_CONFLICT (unique violation,
 * its constraint in db_constraint), ERR_INPUT (a value PostgreSQL rejected), ERR_INTERNAL. */
enum err db_exec(
    struct db *db, const struct db_stmt *st, const char *const *params, struct arena *a, struct dbres **out);

/* db_script runs several statements of our own (migrations) in one simple-query round trip. */
enum err db_script(struct db *db, const char *sql);

/* db_ping checks that the server answers. */
enum err db_ping(struct db *db);

/* db_error is the last error's text, for logs only (it may quote values); owned by the handle. */
const char *db_error(const struct db *db);

/* db_constraint names the constraint behind the last ERR_CONFLICT or ERR_INPUT, or "". */
const char *db_constraint(const struct db *db);

/* Results: rows and columns by index; db_get returns NULL for SQL NULL. Result memory. */
int dbres_rows(const struct dbres *r);
int dbres_col(const struct dbres *r, const char *name);
const char *dbres_get(const struct dbres *r, int row, int col);
bool dbres_isnull(const struct dbres *r, int row, int col);
/* dbres_affected is the count of rows an INSERT, UPDATE or DELETE touched. */
long dbres_affected(const struct dbres *r);

#endif
