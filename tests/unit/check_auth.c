/* check_auth.c: lib/core/auth: password hashing and strength, random secrets and their formats,
 * digests and constant-time comparison. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "auth.h"

/* Two well-formed secrets (43 base64url characters) that differ only in their last character. */
#define TOK_A "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcde"
#define TOK_B "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcdf"

/* The common-password list the auth suite loads: mixed case, a John the Ripper comment, a blank
 * line and a CRLF line end. Four entries count. */
static const char common_list[] = "#!comment: This list is for tests only.\n"
				  "password1\n"
				  "Letmein!23\n"
				  "\n"
				  "trustno1xx\r\n"
				  "sunshine2020\n";
#define COMMON_ENTRIES 4

/* load_common writes common_list to a temporary file and hands it to auth_init (which keeps the
 * first list it loads for the life of the process). */
static void
load_common(void)
{
	char path[] = "/tmp/check_auth_common.XXXXXX";
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, common_list, sizeof(common_list) - 1), (ssize_t)(sizeof(common_list) - 1));
	ck_assert_int_eq(close(fd), 0);
	ck_assert_int_eq(auth_init(path), ERR_OK);
	unlink(path);
	ck_assert_uint_eq(auth_common_count(), COMMON_ENTRIES);
}

/* is_b64url says whether the n bytes at s are all base64url characters (no padding). */
static int
is_b64url(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", s[i]) ==
			NULL ||
		    s[i] == '\0')
			return 0;
	return 1;
}

/* ---- auth.h ---- */

/* Runs first in its suite: with CK_FORK=no the process has loaded no list yet. */
START_TEST(test_init_lists)
{
	ck_assert_uint_eq(auth_common_count(), 0);
	ck_assert_int_eq(auth_init(NULL), ERR_OK);
	ck_assert_uint_eq(auth_common_count(), 0);
	ck_assert_int_eq(auth_init(""), ERR_OK);
	ck_assert_uint_eq(auth_common_count(), 0);
	ck_assert_int_eq(auth_init("/nonexistent/check_auth/passwords.lst"), ERR_OK);
	ck_assert_uint_eq(auth_common_count(), 0);
	/* Without a list only length and repetition are checked. */
	ck_assert_ptr_null(auth_password_weak("password1", NULL));
	load_common();
	ck_assert_ptr_nonnull(auth_password_weak("password1", NULL));
	/* A second call keeps the list it has: nothing is added twice, nothing dropped. */
	load_common();
	ck_assert_int_eq(auth_init("/nonexistent/check_auth/passwords.lst"), ERR_OK);
	ck_assert_uint_eq(auth_common_count(), COMMON_ENTRIES);
}
END_TEST

START_TEST(test_password_hash_verify)
{
	char h1[AUTH_HASH_MAX], h2[AUTH_HASH_MAX];
	const char *pw = "correct horse battery staple";

	ck_assert_int_eq(auth_init(NULL), ERR_OK);
	ck_assert_int_eq(auth_password_hash(pw, h1), ERR_OK);
	ck_assert_int_eq(auth_password_hash(pw, h2), ERR_OK);
	ck_assert_msg(strncmp(h1, "$argon2id$", 10) == 0, "hash: %s", h1);
	ck_assert_msg(strncmp(h2, "$argon2id$", 10) == 0, "hash: %s", h2);
	ck_assert_uint_lt(strlen(h1), AUTH_HASH_MAX);
	/* A fresh salt each time: the same password never gives the same string. */
	ck_assert_str_ne(h1, h2);
	ck_assert(auth_password_verify(h1, pw));
	ck_assert(auth_password_verify(h2, pw));
	ck_assert(!auth_password_verify(h1, "correct horse battery stapl"));
	ck_assert(!auth_password_verify(h1, ""));
}
END_TEST

START_TEST(test_password_verify_refuses)
{
	char big[AUTH_PASSWORD_MAX + 2];

	ck_assert_int_eq(auth_init(NULL), ERR_OK);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert(!auth_password_verify(NULL, "anything at all"));
	ck_assert(!auth_password_verify("", "anything at all"));
	ck_assert(!auth_password_verify("$argon2id$v=19$m=65536,t=2,p=1$garbage", "anything at all"));
	ck_assert(!auth_password_verify("$argon2id$v=19$m=65536,t=2,p=1$abc$def", NULL));
	/* Over the limit: refused before any hashing. */
	ck_assert(!auth_password_verify("$argon2id$v=19$m=65536,t=2,p=1$abc$def", big));
}
END_TEST

/* repeat makes n bytes of the cycle of s, NUL-terminated (arena memory). */
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

START_TEST(test_password_weak_table)
{
	static const struct {
		const char *pw, *user;
		const char *reason; /* a word of the reason, or NULL for accepted */
	} cases[] = {
		{ "abcdefg", NULL, "8 characters" },
		{ "abcdefgh", NULL, NULL },
		{ "", NULL, "8 characters" },
		/* Characters, not bytes: 7 two-byte characters are still 7. */
		{ "\xc4\x8d\xc5\xa1\xc5\xbe\xc4\x87\xc4\x91\xc3\xa9\xc3\xa8", NULL, "8 characters" },
		{ "\xc4\x8d\xc5\xa1\xc5\xbe\xc4\x87\xc4\x91\xc3\xa9\xc3\xa8\xc3\xa0", NULL, NULL },
		/* No composition rules. */
		{ "qzwxecrvtbyn", NULL, NULL },
		{ "12345678987", NULL, NULL },
		/* Not UTF-8: a stray byte, an overlong '/', a cut sequence, a surrogate. */
		{ "abcdefgh\xff", NULL, "UTF-8" },
		{ "\xc0\xaf"
		  "abcdefgh",
		    NULL, "UTF-8" },
		{ "abcdefgh\xc3", NULL, "UTF-8" },
		{ "abcdefgh\xed\xa0\x80", NULL, "UTF-8" },
		/* The user name, in any case. */
		{ "margaret.h", "margaret.h", "user name" },
		{ "MARGARET.H", "margaret.h", "user name" },
		{ "margaret.h!", "margaret.h", NULL },
		{ "margaret.h", NULL, NULL },
		/* One repeated character. */
		{ "aaaaaaaa", NULL, "repeated" },
		{ "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", NULL,
		    "repeated" },
		{ "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa8", NULL, NULL },
		{ "                    ", NULL, "repeated" },
		{ "aaaaaaab", NULL, NULL },
		/* The common list, compared without regard to (ASCII) case. */
		{ "password1", NULL, "commonly used" },
		{ "PASSWORD1", NULL, "commonly used" },
		{ "Letmein!23", NULL, "commonly used" },
		{ "letmein!23", NULL, "commonly used" },
		{ "trustno1xx", NULL, "commonly used" },
		{ "sunshine2020", NULL, "commonly used" },
		{ "password12", NULL, NULL },
		{ "#!comment: This list is for tests only.", NULL, NULL },
	};

	load_common();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why = auth_password_weak(cases[i].pw, cases[i].user);

		if (cases[i].reason == NULL)
			ck_assert_msg(why == NULL, "case %zu (%s) refused: %s", i, cases[i].pw, why);
		else
			ck_assert_msg(why != NULL && strstr(why, cases[i].reason) != NULL,
			    "case %zu (%s): want a reason with \"%s\", got %s", i, cases[i].pw,
			    cases[i].reason, why ? why : "(accepted)");
	}
}
END_TEST

START_TEST(test_password_weak_limits)
{
	struct arena *a = arena_new();
	const char *why;

	load_common();
	/* A long passphrase is welcome. */
	ck_assert_ptr_null(auth_password_weak(repeat(a, "correct horse battery staple ", 200), "alice"));
	ck_assert_ptr_null(auth_password_weak(repeat(a, "abcdefghij", AUTH_PASSWORD_MAX), NULL));
	why = auth_password_weak(repeat(a, "abcdefghij", AUTH_PASSWORD_MAX + 1), NULL);
	ck_assert_ptr_nonnull(why);
	ck_assert_ptr_nonnull(strstr(why, "1024"));
	/* The limit is in bytes: 512 two-byte characters fit, 513 do not. */
	ck_assert_ptr_null(auth_password_weak(repeat(a, "\xc3\xa9\xc3\xa8", AUTH_PASSWORD_MAX), NULL));
	ck_assert_ptr_nonnull(auth_password_weak(repeat(a, "\xc3\xa9\xc3\xa8", AUTH_PASSWORD_MAX + 2), NULL));
	arena_free(a);
}
END_TEST

START_TEST(test_random_secret)
{
	char s[64][AUTH_SECRET_CHARS + 1];
	char tok[AUTH_TOKEN_LEN + 1];

	ck_assert_int_eq(auth_init(NULL), ERR_OK);
	for (size_t i = 0; i < 64; i++) {
		memset(s[i], '*', sizeof(s[i]));
		auth_random_secret(s[i]);
		ck_assert_uint_eq(strlen(s[i]), 43);
		ck_assert_msg(is_b64url(s[i], AUTH_SECRET_CHARS), "not base64url: %s", s[i]);
		ck_assert_msg(auth_secret_format_ok(s[i]), "refused: %s", s[i]);
		for (size_t j = 0; j < i; j++)
			ck_assert_str_ne(s[i], s[j]);
	}
	snprintf(tok, sizeof(tok), "%s%s", AUTH_TOKEN_PREFIX, s[0]);
	ck_assert(auth_token_format_ok(tok));
	ck_assert(!auth_secret_format_ok(tok));
}
END_TEST

START_TEST(test_secret_format)
{
	static const struct {
		const char *s;
		bool ok;
	} cases[] = {
		{ TOK_A, true },
		{ "___________________________________________", true },
		{ "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcd", false },
		{ "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcdef", false },
		{ "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789+_abcde", false },
		{ "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-/abcde", false },
		{ "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcd=", false },
		{ "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_ab de", false },
		{ "", false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(auth_secret_format_ok(cases[i].s) == cases[i].ok, "%s", cases[i].s);
	ck_assert(!auth_secret_format_ok(NULL));
}
END_TEST

START_TEST(test_token_format)
{
	static const struct {
		const char *s;
		bool ok;
	} cases[] = {
		{ AUTH_TOKEN_PREFIX TOK_A, true },
		{ "aiops_" TOK_B, true },
		{ "AIOPS_" TOK_A, false },
		{ "aiop_" TOK_A, false },
		{ "xiops_" TOK_A, false },
		{ "aiops-" TOK_A, false },
		{ TOK_A, false },
		{ "aiops_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcd", false },
		{ "aiops_" TOK_A "x", false },
		{ "aiops_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789+_abcde", false },
		{ "aiops_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcd=", false },
		{ "aiops_AbCdEfGhIjKlMnOpQr.tUvWxYz0123456789-_abcde", false },
		{ "aiops_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abc\n", false },
		{ "aiops_", false },
		{ "", false },
	};

	ck_assert_uint_eq(AUTH_TOKEN_LEN, 49);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(auth_token_format_ok(cases[i].s) == cases[i].ok, "%s", cases[i].s);
	ck_assert(!auth_token_format_ok(NULL));
}
END_TEST

START_TEST(test_digest)
{
	char out[65];

	ck_assert_int_eq(auth_init(NULL), ERR_OK);
	memset(out, '*', sizeof(out));
	auth_digest("abc", out);
	ck_assert_str_eq(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	auth_digest("", out);
	ck_assert_str_eq(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	auth_digest(AUTH_TOKEN_PREFIX TOK_A, out);
	ck_assert_uint_eq(strlen(out), 64);
	for (size_t i = 0; i < 64; i++)
		ck_assert_msg(strchr("0123456789abcdef", out[i]) != NULL, "%s", out);
}
END_TEST

START_TEST(test_equal)
{
	ck_assert(auth_equal(TOK_A, TOK_A));
	ck_assert(auth_equal("", ""));
	ck_assert(!auth_equal(TOK_A, TOK_B));
	ck_assert(!auth_equal("abc", "abcd"));
	ck_assert(!auth_equal("abcd", "abc"));
	ck_assert(!auth_equal("", "a"));
	ck_assert(!auth_equal("Abc", "abc"));
}
END_TEST

static Suite *
auth_suite(void)
{
	Suite *s = suite_create("auth");
	TCase *core = tcase_create("core"), *hash = tcase_create("hash"), *limits = tcase_create("limits");

	/* First, so that with CK_FORK=no no list has been loaded before it. */
	tcase_add_test(core, test_init_lists);
	tcase_add_test(core, test_password_weak_table);
	tcase_add_test(core, test_random_secret);
	tcase_add_test(core, test_secret_format);
	tcase_add_test(core, test_token_format);
	tcase_add_test(core, test_digest);
	tcase_add_test(core, test_equal);
	/* argon2id with 64 MiB per hash is slow under the sanitizers and valgrind. */
	tcase_set_timeout(hash, 300);
	tcase_add_test(hash, test_password_hash_verify);
	tcase_add_test(hash, test_password_verify_refuses);
	tcase_add_test(limits, test_password_weak_limits);
	suite_add_tcase(s, core);
	suite_add_tcase(s, hash);
	suite_add_tcase(s, limits);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(auth_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
