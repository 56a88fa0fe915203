/* check_db.c: what lib/core/db.c decides without a server: the read rule for retries and the
 * transaction API's answers when PostgreSQL cannot be reached. Against a real server:
 * tests/integration/test_55_transactions.sh (db-probe). */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "db.h"
#include "log.h"

/* A server that cannot answer: a socket folder that does not exist. */
static const char *const nowhere = "host=/nonexistent/check_db dbname=x connect_timeout=1";

START_TEST(test_read_rule)
{
	static const struct {
		const char *sql;
		bool read;
	} rows[] = {
		{ "SELECT 1", true },
		{ "select id FROM clusters", true },
		{ "  \n\tSELECT\tx", true },
		{ "SELECT", true },
		{ "SELECT pg_try_advisory_lock($1::int, $2::int)", true },
		{ "INSERT INTO t VALUES (1)", false },
		{ "UPDATE t SET x = 1", false },
		{ "DELETE FROM t", false },
		{ "WITH x AS (DELETE FROM t RETURNING *) SELECT * FROM x", false },
		{ "SELECTED", false },
		{ "SELECTx FROM t", false },
		{ "", false },
		{ "BEGIN", false },
		{ "(SELECT 1)", false },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		ck_assert_msg(db_sql_is_read(rows[i].sql) == rows[i].read, "\"%s\" should %sbe a read",
		    rows[i].sql, rows[i].read ? "" : "not ");
}
END_TEST

START_TEST(test_tx_without_server)
{
	struct db *db = db_open(nowhere);

	ck_assert(!db_in_tx(db));
	ck_assert_int_eq(db_tx_begin(db), ERR_DB);
	ck_assert_msg(!db_in_tx(db), "a transaction that could not begin is not open");
	ck_assert_msg(strstr(db_error(db), "connect") != NULL, "%s", db_error(db));
	ck_assert_int_eq(db_tx_commit(db), ERR_INTERNAL);
	ck_assert_msg(strstr(db_error(db), "no transaction") != NULL, "%s", db_error(db));
	db_tx_rollback(db); /* a no-op, never a crash */
	ck_assert(!db_in_tx(db));
	db_close(db);
}
END_TEST

static int fn_calls;

static enum err
count_call(struct db *db, void *ctx)
{
	fn_calls++;
	return ERR_OK;
}

START_TEST(test_db_tx_does_not_run_fn_unbegun)
{
	struct db *db = db_open(nowhere);

	fn_calls = 0;
	ck_assert_int_eq(db_tx(db, count_call, NULL), ERR_DB);
	ck_assert_int_eq(fn_calls, 0);
	ck_assert(!db_in_tx(db));
	db_close(db);
}
END_TEST

START_TEST(test_exec_without_server)
{
	static const struct db_stmt st = { "check_db_write", "INSERT INTO t VALUES (1)", 0 };
	struct db *db = db_open(nowhere);
	struct arena *a = arena_new();
	struct dbres *r = NULL;

	ck_assert_int_eq(db_exec(db, &st, NULL, a, &r), ERR_DB);
	ck_assert_ptr_null(r);
	ck_assert_int_eq(db_ping(db), ERR_DB);
	ck_assert_int_eq(db_script(db, "SELECT 1"), ERR_DB);
	arena_free(a);
	db_close(db);
}
END_TEST

static Suite *
db_suite(void)
{
	Suite *s = suite_create("db");
	TCase *core = tcase_create("core"), *errors = tcase_create("errors");

	tcase_add_test(core, test_read_rule);
	tcase_add_test(errors, test_tx_without_server);
	tcase_add_test(errors, test_db_tx_does_not_run_fn_unbegun);
	tcase_add_test(errors, test_exec_without_server);
	suite_add_tcase(s, core);
	suite_add_tcase(s, errors);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(db_suite());
	int failed;

	log_init("check_db", LOG_ERROR);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
