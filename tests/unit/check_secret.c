/* check_secret.c: lib/core/secret: sealing and opening with the key file, writing, loading and
 * refusing key files. */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "auth.h"
#include "secret.h"

static char *
repeat(struct arena *a, const char *s, size_t n)
{
	char *out = arena_alloc(a, n + 1);
	size_t m = strlen(s);

	for (size_t i = 0; i < n; i++)
		out[i] = s[i % m];
	out[n] = '\0';
	return out;
}

/* ---- secret.h ---- */

static char key_dir[64];

/* key_path returns a path in the suite's temporary folder (static memory, one at a time). */
static const char *
key_path(const char *name)
{
	static char p[128];

	snprintf(p, sizeof(p), "%s/%s", key_dir, name);
	return p;
}

static void
secret_setup(void)
{
	ck_assert_int_eq(auth_init(NULL), ERR_OK); /* libsodium started, as the programs do */
	snprintf(key_dir, sizeof(key_dir), "/tmp/check_auth.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(key_dir));
}

static void
secret_teardown(void)
{
	static const char *const names[] = { "a.key", "a.key.new", "b.key", "made.key", "bad.key", NULL };

	for (int i = 0; names[i] != NULL; i++)
		unlink(key_path(names[i]));
	rmdir(key_dir);
}

/* write_text makes the file name in key_dir hold text, with mode. */
static void
write_text(const char *name, const char *text, mode_t mode)
{
	int fd = open(key_path(name), O_WRONLY | O_CREAT | O_TRUNC, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	ck_assert_int_eq(close(fd), 0);
	ck_assert_int_eq(chmod(key_path(name), mode), 0);
}

/* mode_of returns the permission bits of the file name in key_dir. */
static unsigned
mode_of(const char *name)
{
	struct stat st;

	ck_assert_int_eq(stat(key_path(name), &st), 0);
	return (unsigned)(st.st_mode & 07777);
}

START_TEST(test_seal_round_trip)
{
	static const char binary[] = "a\0b\0\xff\x01\n\0";
	struct arena *a = arena_new();
	struct secret_key *k = secret_key_new();
	char *big = repeat(a, "0123456789abcdef", 100000);
	const struct {
		const char *p;
		size_t n;
	} cases[] = {
		{ "hunter2:password", 16 },
		{ "", 0 },
		{ binary, sizeof(binary) },
		{ big, 100000 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *sealed = secret_seal(k, a, cases[i].p, cases[i].n), *again, *plain = NULL;
		size_t n = 12345;

		ck_assert_ptr_nonnull(sealed);
		/* Nothing of the plaintext shows, and a fresh nonce each time. */
		if (cases[i].n > 4)
			ck_assert_ptr_null(strstr(sealed, "hunter2"));
		again = secret_seal(k, a, cases[i].p, cases[i].n);
		ck_assert_str_ne(sealed, again);
		ck_assert_int_eq(secret_open(k, a, sealed, &plain, &n), ERR_OK);
		ck_assert_uint_eq(n, cases[i].n);
		ck_assert_ptr_nonnull(plain);
		ck_assert_int_eq(memcmp(plain, cases[i].p, n), 0);
		ck_assert_int_eq(plain[n], '\0');
		ck_assert_int_eq(secret_open(k, a, again, &plain, &n), ERR_OK);
		ck_assert_int_eq(memcmp(plain, cases[i].p, n), 0);
	}
	secret_key_free(k);
	arena_free(a);
}
END_TEST

START_TEST(test_open_refuses)
{
	struct arena *a = arena_new();
	struct secret_key *k = secret_key_new(), *other = secret_key_new();
	char *sealed = secret_seal(k, a, "prometheus-token", 16);
	char *plain;
	size_t n, len = strlen(sealed);
	static const char *const garbage[] = { "", "not base64 at all!", "AAAA",
		/* 36 bytes: a nonce but not room for the tag. */
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL };

	ck_assert_str_ne(secret_key_id(k), secret_key_id(other));
	ck_assert_uint_eq(strlen(secret_key_id(k)), 16);
	ck_assert_int_eq(secret_open(other, a, sealed, &plain, &n), ERR_INPUT);
	/* Every single changed character is noticed. */
	for (size_t i = 0; i < len; i++) {
		char *t = arena_strdup(a, sealed);

		t[i] = t[i] == 'A' ? 'B' : 'A';
		ck_assert_msg(secret_open(k, a, t, &plain, &n) == ERR_INPUT, "flip at %zu accepted", i);
	}
	ck_assert_int_eq(secret_open(k, a, arena_strndup(a, sealed, len - 4), &plain, &n), ERR_INPUT);
	ck_assert_int_eq(secret_open(k, a, arena_printf(a, "%sAAAA", sealed), &plain, &n), ERR_INPUT);
	for (int i = 0; garbage[i] != NULL; i++)
		ck_assert_msg(secret_open(k, a, garbage[i], &plain, &n) == ERR_INPUT, "%s", garbage[i]);
	/* The untouched text still opens. */
	ck_assert_int_eq(secret_open(k, a, sealed, &plain, &n), ERR_OK);
	ck_assert_str_eq(plain, "prometheus-token");
	secret_key_free(other);
	secret_key_free(k);
	arena_free(a);
}
END_TEST

START_TEST(test_key_write_load)
{
	struct arena *a = arena_new();
	struct secret_key *k = secret_key_new(), *back = NULL;
	const char *why = NULL;
	char *sealed = secret_seal(k, a, "user:pass", 9), *plain;
	size_t n;

	ck_assert_int_eq(secret_key_write(k, key_path("a.key"), &why), ERR_OK);
	ck_assert_uint_eq(mode_of("a.key"), 0600);
	ck_assert_int_eq(access(key_path("a.key.new"), F_OK), -1);
	ck_assert_int_eq(secret_key_load(key_path("a.key"), 0, &back, &why), ERR_OK);
	ck_assert_ptr_nonnull(back);
	ck_assert_str_eq(secret_key_id(back), secret_key_id(k));
	ck_assert_int_eq(secret_open(back, a, sealed, &plain, &n), ERR_OK);
	ck_assert_str_eq(plain, "user:pass");
	secret_key_free(back);

	/* Writing again replaces the file, a stale ".new" left by a crash and a loose mode too. */
	write_text("a.key.new", "junk", 0644);
	ck_assert_int_eq(chmod(key_path("a.key"), 0644), 0);
	ck_assert_int_eq(secret_key_write(k, key_path("a.key"), &why), ERR_OK);
	ck_assert_uint_eq(mode_of("a.key"), 0600);
	ck_assert_int_eq(secret_key_load(key_path("a.key"), 0, &back, &why), ERR_OK);
	ck_assert_str_eq(secret_key_id(back), secret_key_id(k));
	secret_key_free(back);

	/* Owner-only read is enough. */
	ck_assert_int_eq(chmod(key_path("a.key"), 0400), 0);
	ck_assert_int_eq(secret_key_load(key_path("a.key"), 0, &back, &why), ERR_OK);
	secret_key_free(back);

	why = NULL;
	ck_assert_int_ne(secret_key_write(k, "/nonexistent/check_auth/a.key", &why), ERR_OK);
	ck_assert_ptr_nonnull(why);
	secret_key_free(k);
	arena_free(a);
}
END_TEST

START_TEST(test_key_load_refuses)
{
	static const mode_t loose[] = { 0644, 0640, 0604, 0660, 0606, 0610 };
	struct secret_key *k = secret_key_new(), *back;
	const char *why;

	ck_assert_int_eq(secret_key_write(k, key_path("a.key"), &why), ERR_OK);
	for (size_t i = 0; i < sizeof(loose) / sizeof(loose[0]); i++) {
		ck_assert_int_eq(chmod(key_path("a.key"), loose[i]), 0);
		why = NULL;
		back = (struct secret_key *)1;
		ck_assert_msg(secret_key_load(key_path("a.key"), 0, &back, &why) == ERR_INPUT, "mode %o",
		    (unsigned)loose[i]);
		ck_assert_ptr_null(back);
		ck_assert_ptr_nonnull(why);
		ck_assert_msg(strstr(why, "600") != NULL, "why: %s", why);
		/* create does not mean overwrite. */
		ck_assert_int_eq(secret_key_load(key_path("a.key"), 1, &back, &why), ERR_INPUT);
		ck_assert_ptr_null(back);
	}

	/* Missing without create. */
	why = NULL;
	ck_assert_int_eq(secret_key_load(key_path("b.key"), 0, &back, &why), ERR_IO);
	ck_assert_ptr_null(back);
	ck_assert_ptr_nonnull(why);
	ck_assert_int_eq(access(key_path("b.key"), F_OK), -1);

	/* Not a key: too short, not hex, empty, too long. */
	{
		static const char *const bad[] = {
			"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n",
			"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg\n",
			"",
			"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef01\n",
			NULL,
		};

		for (int i = 0; bad[i] != NULL; i++) {
			write_text("bad.key", bad[i], 0600);
			why = NULL;
			ck_assert_msg(
			    secret_key_load(key_path("bad.key"), 0, &back, &why) == ERR_INPUT, "%s", bad[i]);
			ck_assert_ptr_null(back);
			ck_assert_ptr_nonnull(why);
		}
		write_text(
		    "bad.key", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n", 0600);
		ck_assert_int_eq(secret_key_load(key_path("bad.key"), 0, &back, &why), ERR_OK);
		secret_key_free(back);
	}
	secret_key_free(k);
}
END_TEST

START_TEST(test_key_load_create)
{
	struct arena *a = arena_new();
	struct secret_key *made = NULL, *again = NULL, *other = NULL, *none = NULL;
	const char *why = NULL;
	char *plain;
	size_t n;

	ck_assert_int_eq(access(key_path("made.key"), F_OK), -1);
	ck_assert_int_eq(secret_key_load(key_path("made.key"), 1, &made, &why), ERR_OK);
	ck_assert_ptr_nonnull(made);
	ck_assert_uint_eq(mode_of("made.key"), 0600);
	/* The second start reads the key the first one made. */
	ck_assert_int_eq(secret_key_load(key_path("made.key"), 1, &again, &why), ERR_OK);
	ck_assert_str_eq(secret_key_id(again), secret_key_id(made));
	ck_assert_int_eq(secret_open(again, a, secret_seal(made, a, "x", 1), &plain, &n), ERR_OK);
	ck_assert_str_eq(plain, "x");
	/* Another created key is another key. */
	ck_assert_int_eq(secret_key_load(key_path("b.key"), 1, &other, &why), ERR_OK);
	ck_assert_str_ne(secret_key_id(other), secret_key_id(made));
	ck_assert_int_eq(secret_open(other, a, secret_seal(made, a, "x", 1), &plain, &n), ERR_INPUT);
	/* A folder that does not exist cannot hold it. */
	why = NULL;
	ck_assert_int_ne(secret_key_load("/nonexistent/check_auth/k.key", 1, &none, &why), ERR_OK);
	ck_assert_ptr_null(none);
	ck_assert_ptr_nonnull(why);
	secret_key_free(made);
	secret_key_free(again);
	secret_key_free(other);
	arena_free(a);
}
END_TEST

static Suite *
secret_suite(void)
{
	Suite *s = suite_create("secret");
	TCase *core = tcase_create("core"), *errors = tcase_create("errors");

	tcase_add_checked_fixture(core, secret_setup, secret_teardown);
	tcase_add_test(core, test_seal_round_trip);
	tcase_add_test(core, test_key_write_load);
	tcase_add_test(core, test_key_load_create);
	tcase_add_checked_fixture(errors, secret_setup, secret_teardown);
	tcase_add_test(errors, test_open_refuses);
	tcase_add_test(errors, test_key_load_refuses);
	suite_add_tcase(s, core);
	suite_add_tcase(s, errors);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(secret_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
