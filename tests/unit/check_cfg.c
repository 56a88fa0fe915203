/* check_cfg.c: configuration defaults, the HDF file, environment overrides and refused values. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"

extern char **environ;

static char path[64];

/* clear_env removes every AIOPS_* variable, so the machine's environment cannot steer a test. */
static void
clear_env(void)
{
	for (;;) {
		char name[128];
		int found = 0;

		for (char **e = environ; *e != NULL; e++) {
			const char *eq = strchr(*e, '=');

			if (strncmp(*e, "AIOPS_", 6) == 0 && eq != NULL && (size_t)(eq - *e) < sizeof(name)) {
				memcpy(name, *e, (size_t)(eq - *e));
				name[eq - *e] = '\0';
				found = 1;
				break;
			}
		}
		if (!found)
			break;
		ck_assert_int_eq(unsetenv(name), 0);
	}
}

/* write_file makes the HDF file at path hold text. */
static void
write_file(const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_ge(fputs(text, f), 0);
	ck_assert_int_eq(fclose(f), 0);
}

static void
setup(void)
{
	const char *why;
	int fd;

	clear_env();
	snprintf(path, sizeof(path), "/tmp/check_cfg.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(cfg_load(NULL, &why), ERR_OK);
}

static void
teardown(void)
{
	unlink(path);
	clear_env();
}

START_TEST(test_defaults)
{
	ck_assert_int_eq(cfg_int("server.workers"), 4);
	ck_assert_int_eq(cfg_int("server.max_body"), 1048576);
	ck_assert_int_eq(cfg_int("server.json_depth"), 32);
	ck_assert_int_eq(cfg_int("redis.port"), 6379);
	ck_assert_str_eq(cfg_str("server.socket"), "run/aiops.sock");
	ck_assert_str_eq(cfg_str("redis.host"), "127.0.0.1");
	ck_assert_str_eq(cfg_str("redis.socket"), "");
	ck_assert_str_eq(cfg_str("log.level"), "info");
	/* Unknown keys are NULL and 0, not a crash or another key's value. */
	ck_assert_ptr_null(cfg_str("server.nope"));
	ck_assert_ptr_null(cfg_str(""));
	ck_assert_ptr_null(cfg_str("server"));
	ck_assert_int_eq(cfg_int("server.nope"), 0);
}
END_TEST

START_TEST(test_file_values)
{
	const char *why = "untouched";

	write_file("server {\n  workers = 7\n  socket = /run/x.sock\n}\n"
		   "redis.host = redis.internal\n"
		   "# a comment\n"
		   "db.conninfo = host=db dbname=aiops user=web\n"
		   "unknown.key = ignored\n");
	ck_assert_int_eq(cfg_load(path, &why), ERR_OK);
	ck_assert_ptr_null(why);
	ck_assert_int_eq(cfg_int("server.workers"), 7);
	ck_assert_str_eq(cfg_str("server.socket"), "/run/x.sock");
	ck_assert_str_eq(cfg_str("redis.host"), "redis.internal");
	ck_assert_str_eq(cfg_str("db.conninfo"), "host=db dbname=aiops user=web");
	/* Keys the file leaves out keep their defaults. */
	ck_assert_int_eq(cfg_int("server.backlog"), 256);
	ck_assert_int_eq(cfg_int("redis.port"), 6379);

	/* Loading again starts from the defaults, not from the last file. */
	write_file("server.backlog = 9\n");
	ck_assert_int_eq(cfg_load(path, &why), ERR_OK);
	ck_assert_int_eq(cfg_int("server.backlog"), 9);
	ck_assert_int_eq(cfg_int("server.workers"), 4);
	ck_assert_str_eq(cfg_str("redis.host"), "127.0.0.1");
}
END_TEST

START_TEST(test_env_wins)
{
	const char *why;

	write_file("server.workers = 7\nredis.host = from-file\nredis.socket = /run/redis.sock\n");
	ck_assert_int_eq(setenv("AIOPS_WORKERS", "9", 1), 0);
	ck_assert_int_eq(setenv("AIOPS_REDIS_HOST", "from-env", 1), 0);
	/* An empty variable is a value too: it clears the file's socket. */
	ck_assert_int_eq(setenv("AIOPS_REDIS_SOCKET", "", 1), 0);
	ck_assert_int_eq(cfg_load(path, &why), ERR_OK);
	ck_assert_int_eq(cfg_int("server.workers"), 9);
	ck_assert_str_eq(cfg_str("redis.host"), "from-env");
	ck_assert_str_eq(cfg_str("redis.socket"), "");

	/* Without a file the environment still applies over the defaults. */
	ck_assert_int_eq(setenv("AIOPS_JSON_DEPTH", "5", 1), 0);
	ck_assert_int_eq(cfg_load(NULL, &why), ERR_OK);
	ck_assert_int_eq(cfg_int("server.json_depth"), 5);
	ck_assert_int_eq(cfg_int("server.workers"), 9);

	/* Unset again, the file's value is back. */
	ck_assert_int_eq(unsetenv("AIOPS_WORKERS"), 0);
	ck_assert_int_eq(cfg_load(path, &why), ERR_OK);
	ck_assert_int_eq(cfg_int("server.workers"), 7);
}
END_TEST

START_TEST(test_numbers)
{
	static const struct {
		const char *v;
		long want;
	} good[] = {
		{ "0", 0 },
		{ "12", 12 },
		{ "-3", -3 },
		{ "9223372036854775807", 9223372036854775807L },
	};
	const char *why;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ck_assert_int_eq(setenv("AIOPS_BACKLOG", good[i].v, 1), 0);
		ck_assert_msg(cfg_load(NULL, &why) == ERR_OK, "%s: %s", good[i].v, why);
		ck_assert_int_eq(cfg_int("server.backlog"), good[i].want);
	}
}
END_TEST

START_TEST(test_bad_numbers_env)
{
	static const char *const bad[] = { "", "abc", "12abc", "1.5", "0x10", "1e3", "4 ",
		"9223372036854775808", "-9223372036854775809", "99999999999999999999999" };
	const char *why;

	ck_assert_int_eq(setenv("AIOPS_WORKERS", "6", 1), 0);
	ck_assert_int_eq(cfg_load(NULL, &why), ERR_OK);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(setenv("AIOPS_WORKERS", bad[i], 1), 0);
		why = NULL;
		ck_assert_msg(cfg_load(NULL, &why) == ERR_INPUT, "[%s] accepted", bad[i]);
		ck_assert_ptr_nonnull(why);
		ck_assert_msg(strstr(why, "server.workers") != NULL, "%s", why);
		ck_assert_msg(strstr(why, "whole number") != NULL, "%s", why);
		/* The configuration in force before stays. */
		ck_assert_int_eq(cfg_int("server.workers"), 6);
	}
}
END_TEST

START_TEST(test_bad_numbers_file)
{
	const char *why;
	char big[600];

	write_file("server.max_body = 2048\n");
	ck_assert_int_eq(cfg_load(path, &why), ERR_OK);
	ck_assert_int_eq(cfg_int("server.max_body"), 2048);

	write_file("server.max_body = lots\nredis.host = other\n");
	ck_assert_int_eq(cfg_load(path, &why), ERR_INPUT);
	ck_assert_msg(strstr(why, "server.max_body") != NULL && strstr(why, "lots") != NULL, "%s", why);
	ck_assert_int_eq(cfg_int("server.max_body"), 2048);
	ck_assert_str_eq(cfg_str("redis.host"), "127.0.0.1");

	/* The environment can mend a bad file value, since it wins. */
	ck_assert_int_eq(setenv("AIOPS_MAX_BODY", "4096", 1), 0);
	ck_assert_int_eq(cfg_load(path, &why), ERR_OK);
	ck_assert_int_eq(cfg_int("server.max_body"), 4096);
	ck_assert_int_eq(unsetenv("AIOPS_MAX_BODY"), 0);

	/* A long bad value is quoted shortened, and the reason stays one readable line. */
	write_file("server.max_body = 2048\n");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(setenv("AIOPS_REDIS_PORT", big, 1), 0);
	ck_assert_int_eq(cfg_load(path, &why), ERR_INPUT);
	ck_assert_ptr_nonnull(strstr(why, "redis.port"));
	ck_assert_uint_lt(strlen(why), 200);
	ck_assert_ptr_null(strchr(why, '\n'));
}
END_TEST

START_TEST(test_file_errors)
{
	const char *why;
	char missing[96];

	ck_assert_int_eq(setenv("AIOPS_WORKERS", "3", 1), 0);
	ck_assert_int_eq(cfg_load(NULL, &why), ERR_OK);
	ck_assert_int_eq(unsetenv("AIOPS_WORKERS"), 0);

	snprintf(missing, sizeof(missing), "%s.missing", path);
	why = NULL;
	ck_assert_int_eq(cfg_load(missing, &why), ERR_INPUT);
	ck_assert_ptr_nonnull(why);
	ck_assert_msg(strstr(why, missing) != NULL, "%s", why);
	ck_assert_int_eq(cfg_int("server.workers"), 3);

	write_file("server {\n workers = 5\n}\nthis line is not hdf\n");
	why = NULL;
	ck_assert_int_eq(cfg_load(path, &why), ERR_INPUT);
	ck_assert_ptr_nonnull(why);
	ck_assert_msg(strstr(why, path) != NULL, "%s", why);
	ck_assert_int_eq(cfg_int("server.workers"), 3);
}
END_TEST

START_TEST(test_set)
{
	ck_assert_int_eq(cfg_set("redis.host", "set.example"), ERR_OK);
	ck_assert_str_eq(cfg_str("redis.host"), "set.example");
	ck_assert_int_eq(cfg_set("server.workers", "11"), ERR_OK);
	ck_assert_int_eq(cfg_int("server.workers"), 11);
	/* cfg_int falls back on the default rather than answer a number that is not one. */
	ck_assert_int_eq(cfg_set("server.workers", "eleven"), ERR_OK);
	ck_assert_int_eq(cfg_int("server.workers"), 4);
	ck_assert_int_eq(cfg_set("server.nope", "x"), ERR_INPUT);
	ck_assert_ptr_null(cfg_str("server.nope"));
}
END_TEST

START_TEST(test_help_lists_every_key)
{
	static const char *const keys[] = { "server.workers", "AIOPS_WORKERS", "server.json_depth",
		"AIOPS_JSON_DEPTH", "db.conninfo", "AIOPS_DB", "redis.socket", "(empty)", NULL };
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(f);
	cfg_help(f);
	ck_assert_int_eq(fclose(f), 0);
	for (int i = 0; keys[i] != NULL; i++)
		ck_assert_msg(strstr(text, keys[i]) != NULL, "%s missing from help", keys[i]);
	free(text);
}
END_TEST

static Suite *
cfg_suite(void)
{
	Suite *s = suite_create("cfg");
	TCase *core = tcase_create("core"), *errors = tcase_create("errors");

	tcase_add_checked_fixture(core, setup, teardown);
	tcase_add_checked_fixture(errors, setup, teardown);
	tcase_add_test(core, test_defaults);
	tcase_add_test(core, test_file_values);
	tcase_add_test(core, test_env_wins);
	tcase_add_test(core, test_numbers);
	tcase_add_test(core, test_set);
	tcase_add_test(core, test_help_lists_every_key);
	tcase_add_test(errors, test_bad_numbers_env);
	tcase_add_test(errors, test_bad_numbers_file);
	tcase_add_test(errors, test_file_errors);
	suite_add_tcase(s, core);
	suite_add_tcase(s, errors);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(cfg_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
