/* check_auth.c: passwords, secrets, sealed credentials, session cookies, the role matrix and CSRF. */
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
#include "buf.h"
#include "cfg.h"
#include "credential.h"
#include "ident.h"
#include "identity.h"
#include "kv.h"
#include "req.h"
#include "route.h"
#include "secret.h"

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

static int
fake_handler(struct req *r)
{
	(void)r;
	return 200;
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

/* ---- credential.h ---- */

START_TEST(test_cred_kind_names)
{
	static const char *const want[CREDENTIAL__MAX] = { "api_token", "prometheus_token",
		"alertmanager_token", "basic_auth", "ca_bundle" };

	for (int k = 0; k < CREDENTIAL__MAX; k++)
		ck_assert_str_eq(credential_kind_name((enum credential_kind)k), want[k]);
	ck_assert_str_eq(credential_kind_name(CREDENTIAL__MAX), "unknown");
	ck_assert_str_eq(credential_kind_name((enum credential_kind) - 1), "unknown");
}
END_TEST

#define PEM "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ==\n-----END CERTIFICATE-----\n"

START_TEST(test_cred_value_table)
{
	static const struct {
		enum credential_kind k;
		const char *v;
		const char *reason; /* a word of the reason, or NULL for accepted */
	} cases[] = {
		{ CREDENTIAL_API_TOKEN, "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln", NULL },
		{ CREDENTIAL_API_TOKEN, "a token with spaces and ~!@#$%^&*()", NULL },
		{ CREDENTIAL_API_TOKEN, "caf\xc3\xa9", NULL },
		{ CREDENTIAL_API_TOKEN, "", "empty" },
		{ CREDENTIAL_API_TOKEN, "abc\ndef", "control" },
		{ CREDENTIAL_API_TOKEN, "abc\r", "control" },
		{ CREDENTIAL_API_TOKEN, "\tabc", "control" },
		{ CREDENTIAL_API_TOKEN, "abc\x01", "control" },
		{ CREDENTIAL_API_TOKEN, "abc\x1b[31m", "control" },
		{ CREDENTIAL_API_TOKEN, "abc\x7f", "control" },
		{ CREDENTIAL_PROMETHEUS_TOKEN, "prom-token", NULL },
		{ CREDENTIAL_PROMETHEUS_TOKEN, "", "empty" },
		{ CREDENTIAL_PROMETHEUS_TOKEN, "prom\ntoken", "control" },
		{ CREDENTIAL_ALERTMANAGER_TOKEN, "am-token", NULL },
		{ CREDENTIAL_ALERTMANAGER_TOKEN, "", "empty" },
		{ CREDENTIAL_ALERTMANAGER_TOKEN, "am\x1ftoken", "control" },
		{ CREDENTIAL_BASIC_AUTH, "user:password", NULL },
		{ CREDENTIAL_BASIC_AUTH, "user:pass:word", NULL },
		{ CREDENTIAL_BASIC_AUTH, "userpassword", "user:password" },
		{ CREDENTIAL_BASIC_AUTH, ":password", "user:password" },
		{ CREDENTIAL_BASIC_AUTH, "user:", "user:password" },
		{ CREDENTIAL_CA_BUNDLE, "-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\n", "PEM" },
		{ CREDENTIAL_CA_BUNDLE, PEM "\x1b[2J", "control" },
		{ CREDENTIAL_BASIC_AUTH, "", "empty" },
		{ CREDENTIAL_BASIC_AUTH, "user:pass\nword", "control" },
		{ CREDENTIAL_CA_BUNDLE, PEM, NULL },
		{ CREDENTIAL_CA_BUNDLE, PEM PEM, NULL },
		{ CREDENTIAL_CA_BUNDLE, "", "empty" },
		{ CREDENTIAL_CA_BUNDLE, "MIIBszCCAVmgAwIBAgIUQ==", "PEM" },
		{ CREDENTIAL_CA_BUNDLE, "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ==\n", "PEM" },
		{ CREDENTIAL_CA_BUNDLE, "MIIBszCCAVmgAwIBAgIUQ==\n-----END CERTIFICATE-----\n", "PEM" },
		{ CREDENTIAL_CA_BUNDLE, "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n",
		    "PEM" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why = credential_value_ok(cases[i].k, cases[i].v);

		if (cases[i].reason == NULL)
			ck_assert_msg(why == NULL, "case %zu (%s) refused: %s", i,
			    credential_kind_name(cases[i].k), why);
		else
			ck_assert_msg(why != NULL && strstr(why, cases[i].reason) != NULL,
			    "case %zu (%s): want a reason with \"%s\", got %s", i,
			    credential_kind_name(cases[i].k), cases[i].reason, why ? why : "(accepted)");
	}
}
END_TEST

START_TEST(test_cred_value_sizes)
{
	struct arena *a = arena_new();

	for (int k = 0; k < CREDENTIAL__MAX; k++) {
		char *at, *over;

		if (k == CREDENTIAL_CA_BUNDLE)
			continue;
		at = repeat(a, "user:pass", 8192);
		over = repeat(a, "user:pass", 8193);
		ck_assert_msg(credential_value_ok((enum credential_kind)k, at) == NULL, "%s at 8192",
		    credential_kind_name(k));
		ck_assert_msg(credential_value_ok((enum credential_kind)k, over) != NULL, "%s at 8193",
		    credential_kind_name(k));
		ck_assert_ptr_nonnull(strstr(credential_value_ok((enum credential_kind)k, over), "8192"));
	}
	{
		/* A bundle is PEM text of at most 64 KiB. */
		struct buf *b = buf_new(a);
		size_t pad;
		char *at, *over;

		buf_adds(b, PEM);
		pad = 65536 - strlen(PEM) - strlen(PEM);
		for (size_t i = 0; i < pad; i++)
			buf_addc(b, i % 65 == 64 ? '\n' : 'A');
		buf_adds(b, PEM);
		at = arena_strdup(a, buf_cstr(b));
		ck_assert_uint_eq(strlen(at), 65536);
		ck_assert_ptr_null(credential_value_ok(CREDENTIAL_CA_BUNDLE, at));
		over = arena_printf(a, "%s\n", at);
		ck_assert_ptr_nonnull(credential_value_ok(CREDENTIAL_CA_BUNDLE, over));
		ck_assert_ptr_nonnull(strstr(credential_value_ok(CREDENTIAL_CA_BUNDLE, over), "64 KiB"));
		/* Larger than a token may be, which a bundle may. */
		ck_assert_ptr_nonnull(credential_value_ok(CREDENTIAL_API_TOKEN, at));
	}
	arena_free(a);
}
END_TEST

/* ---- cookies ---- */

/* set_secure sets session.secure_cookie through its environment variable, as the programs read it. */
static void
set_secure(int on)
{
	const char *why;

	ck_assert_int_eq(setenv("AIOPS_SECURE_COOKIE", on ? "1" : "0", 1), 0);
	ck_assert_msg(cfg_load(NULL, &why) == ERR_OK, "%s", why ? why : "");
	ck_assert_int_eq(cfg_int("session.secure_cookie"), on);
}

START_TEST(test_session_cookies)
{
	struct arena *a = arena_new();
	struct kvlist l = { 0 };
	const char *hdr = "theme=dark; aiops_session=" TOK_A "; __Host-aiops_session=" TOK_B;

	ck_assert_int_eq(kv_parse_cookies(a, hdr, &l), ERR_OK);
	ck_assert_uint_eq(l.n, 3);
	ck_assert_str_eq(kv_get(&l, "theme"), "dark");
	ck_assert_str_eq(kv_get(&l, "aiops_session"), TOK_A);
	ck_assert_str_eq(kv_get(&l, "__Host-aiops_session"), TOK_B);
	ck_assert_uint_eq(kv_count(&l, "aiops_session"), 1);

	/* The session is read from the cookie its deployment names, never the other one. */
	set_secure(1);
	ck_assert_str_eq(ident_session_cookie(), "__Host-aiops_session");
	ck_assert_str_eq(kv_get(&l, ident_session_cookie()), TOK_B);
	set_secure(0);
	ck_assert_str_eq(ident_session_cookie(), "aiops_session");
	ck_assert_str_eq(kv_get(&l, ident_session_cookie()), TOK_A);

	/* '=' inside a value stays (padded base64, for one); quotes around it go. */
	memset(&l, 0, sizeof(l));
	ck_assert_int_eq(kv_parse_cookies(a, "a=b=c; pad=YWJj==;q=\"x=y\"", &l), ERR_OK);
	ck_assert_str_eq(kv_get(&l, "a"), "b=c");
	ck_assert_str_eq(kv_get(&l, "pad"), "YWJj==");
	ck_assert_str_eq(kv_get(&l, "q"), "x=y");
	ck_assert_ptr_null(kv_get(&l, "b"));
	arena_free(a);
}
END_TEST

/* ---- roles and the route table ---- */

START_TEST(test_role_names)
{
	static const struct {
		const char *name;
		enum role r;
	} roles[] = { { "viewer", ROLE_VIEWER }, { "operator", ROLE_OPERATOR }, { "admin", ROLE_ADMIN } };
	static const char *const refused[] = { "public", "unset", "Admin", "VIEWER", "admin ", " admin", "",
		"adm", "administrator", "unknown", NULL };

	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		ck_assert_str_eq(role_name(roles[i].r), roles[i].name);
		ck_assert_int_eq(role_parse(roles[i].name), (int)roles[i].r);
		ck_assert_int_eq(role_parse(role_name(roles[i].r)), (int)roles[i].r);
	}
	for (int i = 0; refused[i] != NULL; i++)
		ck_assert_msg(role_parse(refused[i]) == -1, "role_parse(\"%s\") accepted", refused[i]);
	ck_assert_int_eq(role_parse(NULL), -1);
	ck_assert_str_eq(role_name(ROLE_PUBLIC), "public");
	ck_assert_str_eq(role_name(ROLE__MAX), "unknown");
	ck_assert_int_eq(ROLE_UNSET, 0);
	ck_assert_int_lt(ROLE_UNSET, ROLE_PUBLIC);
	ck_assert_int_lt(ROLE_PUBLIC, ROLE_VIEWER);
	ck_assert_int_lt(ROLE_VIEWER, ROLE_OPERATOR);
	ck_assert_int_lt(ROLE_OPERATOR, ROLE_ADMIN);
	ck_assert_int_lt(ROLE_ADMIN, ROLE__MAX);
}
END_TEST

START_TEST(test_route_check_roles)
{
	struct route t[2] = {
		{ "GET", "/ok", fake_handler, ROLE_VIEWER, RF_HTML },
		{ "GET", "/x", fake_handler, (enum role)0, RF_HTML },
	};
	const char *why = NULL;

	ck_assert_int_eq(route_check(t, 2, &why), -1);
	ck_assert_ptr_nonnull(why);
	ck_assert_ptr_nonnull(strstr(why, "row 1"));
	for (int r = ROLE_PUBLIC; r < ROLE__MAX; r++) {
		t[1].role = (enum role)r;
		why = NULL;
		ck_assert_msg(route_check(t, 2, &why) == 0, "role %d: %s", r, why ? why : "");
	}
	t[1].role = ROLE_PUBLIC;
	t[1].flags = RF_JSON;
	ck_assert_int_eq(route_check(t, 2, &why), 0);
}
END_TEST

/* is_public_row says whether method pattern is one of the rows anyone may use. */
static bool
is_public_row(const char *method, const char *pattern)
{
	static const char *const rows[][2] = { { "GET", "/health" }, { "GET", "/ready" },
		{ "GET", "/metrics" }, { "GET", "/login" }, { "POST", "/login" }, { "GET", "/auth/check" } };

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (strcmp(rows[i][0], method) == 0 && strcmp(rows[i][1], pattern) == 0)
			return true;
	return false;
}

START_TEST(test_route_table_roles)
{
	size_t n, npublic = 0;
	const struct route *t = route_table(&n);

	ck_assert_uint_gt(n, 0);
	for (size_t i = 0; i < n; i++) {
		const char *m = t[i].method, *p = t[i].pattern;

		ck_assert_msg(
		    t[i].role > ROLE_UNSET && t[i].role < ROLE__MAX, "%s %s: role %d", m, p, (int)t[i].role);
		if (is_public_row(m, p)) {
			ck_assert_msg(t[i].role == ROLE_PUBLIC, "%s %s should be public", m, p);
			/* Signing in has no session yet: only the login cookie's token protects it. */
			if (strcmp(m, "POST") == 0)
				ck_assert_msg(t[i].flags & RF_LOGIN_CSRF, "%s %s takes no login token", m, p);
			npublic++;
			continue;
		}
		/* Everything else, every /api/v1/ and /admin row and every change but the login among
		 * them, needs a signed-in user. */
		ck_assert_msg(t[i].role >= ROLE_VIEWER, "%s %s is open to anyone", m, p);
		/* Administration, users, the audit log and credentials belong to admins. */
		if (strncmp(p, "/admin", 6) == 0 || strncmp(p, "/api/v1/users", 13) == 0 ||
		    strncmp(p, "/api/v1/audit", 13) == 0 || strstr(p, "/credentials") != NULL)
			ck_assert_msg(t[i].role == ROLE_ADMIN, "%s %s needs admin", m, p);
		/* The login form's token is the only CSRF check that needs no session. */
		ck_assert_msg(!(t[i].flags & RF_LOGIN_CSRF), "%s %s skips the session's CSRF token", m, p);
	}
	ck_assert_uint_eq(npublic, 6);
}
END_TEST

/* ---- CSRF ---- */

#define HOST "HTTP_HOST=example.test"
#define SAME "HTTP_ORIGIN=http://example.test:8080"

struct csrf_case {
	const char *what, *method;
	unsigned flags; /* 0: RF_HTML | RF_BODY_FORM */
	int via; /* 1 + enum identity_via; 0: anonymous */
	const char *session_csrf; /* the session's token; NULL for none */
	const char *form; /* the csrf_token field; NULL for none */
	const char *cookie; /* the Cookie header; NULL for none */
	bool plain_cookies; /* session.secure_cookie = 0 */
	const char *env[5];
	int want;
};

#define SESSION (1 + VIA_SESSION)
#define TOKEN (1 + VIA_TOKEN)
#define PROXY (1 + VIA_PROXY)
#define LOGIN (RF_HTML | RF_BODY_FORM | RF_LOGIN_CSRF)

static const struct csrf_case csrf_cases[] = {
	{ "GET needs no token", "GET", 0, SESSION, TOK_A, NULL, NULL, false, { HOST, SAME }, 0 },
	{ "HEAD needs no token", "HEAD", 0, SESSION, TOK_A, NULL, NULL, false, { HOST }, 0 },
	{ "GET from another site is not a change", "GET", 0, SESSION, TOK_A, NULL, NULL, false,
	    { HOST, "HTTP_ORIGIN=http://evil.test" }, 0 },
	{ "POST with the form token", "POST", 0, SESSION, TOK_A, TOK_A, NULL, false, { HOST, SAME }, 0 },
	{ "POST with the header", "POST", 0, SESSION, TOK_A, NULL, NULL, false,
	    { HOST, SAME, "HTTP_X_CSRF_TOKEN=" TOK_A }, 0 },
	{ "an empty header falls back to the form", "POST", 0, SESSION, TOK_A, TOK_A, NULL, false,
	    { HOST, SAME, "HTTP_X_CSRF_TOKEN=" }, 0 },
	{ "POST without a token", "POST", 0, SESSION, TOK_A, NULL, NULL, false, { HOST, SAME }, 403 },
	{ "POST with another token", "POST", 0, SESSION, TOK_A, TOK_B, NULL, false, { HOST, SAME }, 403 },
	{ "POST with a wrong header", "POST", 0, SESSION, TOK_A, NULL, NULL, false,
	    { HOST, SAME, "HTTP_X_CSRF_TOKEN=" TOK_B }, 403 },
	{ "POST with a prefix of the token", "POST", 0, SESSION, TOK_A, "AbCdEfGhIjKlMnOpQrSt", NULL, false,
	    { HOST, SAME }, 403 },
	{ "POST with an empty token", "POST", 0, SESSION, TOK_A, "", NULL, false, { HOST, SAME }, 403 },
	{ "a session without a token", "POST", 0, SESSION, NULL, TOK_A, NULL, false, { HOST, SAME }, 403 },
	{ "PUT without a token", "PUT", RF_JSON | RF_BODY_JSON, SESSION, TOK_A, NULL, NULL, false, { HOST },
	    403 },
	{ "DELETE without a token", "DELETE", RF_JSON, SESSION, TOK_A, NULL, NULL, false, { HOST }, 403 },
	{ "DELETE with the header", "DELETE", RF_JSON, SESSION, TOK_A, NULL, NULL, false,
	    { HOST, "HTTP_X_CSRF_TOKEN=" TOK_A }, 0 },
	/* The Origin rule: same host name, port ignored; https always allowed, http only without TLS. */
	{ "no Origin: the token decides", "POST", 0, SESSION, TOK_A, TOK_A, NULL, false, { HOST }, 0 },
	{ "Origin of another host", "POST", 0, SESSION, TOK_A, TOK_A, NULL, false,
	    { HOST, "HTTP_ORIGIN=http://evil.test" }, 403 },
	{ "Origin that extends the host", "POST", 0, SESSION, TOK_A, TOK_A, NULL, false,
	    { HOST, "HTTP_ORIGIN=http://example.test.evil.test" }, 403 },
	{ "Origin with the host as user", "POST", 0, SESSION, TOK_A, TOK_A, NULL, false,
	    { HOST, "HTTP_ORIGIN=http://example.test@evil.test" }, 403 },
	{ "Origin one letter longer", "POST", 0, SESSION, TOK_A, TOK_A, NULL, false,
	    { HOST, "HTTP_ORIGIN=http://example.testx" }, 403 },
	{ "Origin one letter shorter", "POST", 0, SESSION, TOK_A, TOK_A, NULL, false,
	    { HOST, "HTTP_ORIGIN=http://example.tes" }, 403 },
	{ "Origin null", "POST", 0, SESSION, TOK_A, TOK_A, NULL, false, { HOST, "HTTP_ORIGIN=null" }, 403 },
	{ "Origin without a host", "POST", 0, SESSION, TOK_A, TOK_A, NULL, false,
	    { HOST, "HTTP_ORIGIN=http://" }, 403 },
	{ "Origin with a path", "POST", 0, SESSION, TOK_A, TOK_A, NULL, false,
	    { HOST, "HTTP_ORIGIN=http://example.test/evil" }, 403 },
	{ "empty Origin host and empty Host", "POST", 0, SESSION, TOK_A, TOK_A, NULL, false,
	    { "HTTP_HOST=", "HTTP_ORIGIN=http://" }, 403 },
	{ "Origin of another scheme", "POST", 0, SESSION, TOK_A, TOK_A, NULL, false,
	    { HOST, "HTTP_ORIGIN=ftp://example.test" }, 403 },
	{ "Origin but no Host", "POST", 0, SESSION, TOK_A, TOK_A, NULL, false, { SAME }, 403 },
	{ "Origin in another case", "POST", 0, SESSION, TOK_A, TOK_A, NULL, false,
	    { HOST, "HTTP_ORIGIN=http://EXAMPLE.Test" }, 0 },
	{ "Origin without a port", "POST", 0, SESSION, TOK_A, TOK_A, NULL, false,
	    { "HTTP_HOST=example.test:8443", "HTTP_ORIGIN=http://example.test" }, 0 },
	{ "https Origin without TLS, same host", "POST", 0, SESSION, TOK_A, TOK_A, NULL, false,
	    { HOST, "HTTP_ORIGIN=https://example.test" }, 0 },
	{ "https Origin without TLS, other host", "POST", 0, SESSION, TOK_A, TOK_A, NULL, false,
	    { HOST, "HTTP_ORIGIN=https://evil.test" }, 403 },
	{ "https Origin with TLS", "POST", 0, SESSION, TOK_A, TOK_A, NULL, false,
	    { HOST, "HTTPS=on", "HTTP_ORIGIN=https://example.test" }, 0 },
	{ "http Origin with TLS", "POST", 0, SESSION, TOK_A, TOK_A, NULL, false,
	    { HOST, "HTTPS=on", "HTTP_ORIGIN=http://example.test" }, 403 },
	{ "the Origin is checked before the token", "POST", 0, SESSION, TOK_A, NULL, NULL, false,
	    { HOST, "HTTP_ORIGIN=http://evil.test", "HTTP_X_CSRF_TOKEN=" TOK_A }, 403 },
	/* A token is not sent by a browser on its own: no CSRF token, but a foreign Origin still fails. */
	{ "token identity without a CSRF token", "POST", RF_JSON | RF_BODY_JSON, TOKEN, NULL, NULL, NULL,
	    false, { HOST }, 0 },
	{ "token identity from another site", "POST", RF_JSON | RF_BODY_JSON, TOKEN, NULL, NULL, NULL, false,
	    { HOST, "HTTP_ORIGIN=http://evil.test" }, 403 },
	{ "anonymous: the role check refuses it elsewhere", "POST", 0, 0, NULL, NULL, NULL, false, { HOST },
	    0 },
	/* The login form: its token against the login cookie that this deployment names. */
	{ "login, plain cookie", "POST", LOGIN, 0, NULL, TOK_A, "aiops_login=" TOK_A, true, { HOST, SAME },
	    0 },
	{ "login, plain cookie, header", "POST", LOGIN, 0, NULL, NULL, "aiops_login=" TOK_A, true,
	    { HOST, SAME, "HTTP_X_CSRF_TOKEN=" TOK_A }, 0 },
	{ "login, secure cookie", "POST", LOGIN, 0, NULL, TOK_A, "x=1; __Host-aiops_login=" TOK_A, false,
	    { HOST, SAME }, 0 },
	{ "login, secure cookie wanted, plain sent", "POST", LOGIN, 0, NULL, TOK_A, "aiops_login=" TOK_A,
	    false, { HOST, SAME }, 403 },
	{ "login, plain cookie wanted, secure sent", "POST", LOGIN, 0, NULL, TOK_A,
	    "__Host-aiops_login=" TOK_A, true, { HOST, SAME }, 403 },
	{ "login without a cookie", "POST", LOGIN, 0, NULL, TOK_A, NULL, false, { HOST, SAME }, 403 },
	{ "login without a form token", "POST", LOGIN, 0, NULL, NULL, "__Host-aiops_login=" TOK_A, false,
	    { HOST, SAME }, 403 },
	{ "login with another token", "POST", LOGIN, 0, NULL, TOK_B, "__Host-aiops_login=" TOK_A, false,
	    { HOST, SAME }, 403 },
	{ "login from another site", "POST", LOGIN, 0, NULL, TOK_A, "__Host-aiops_login=" TOK_A, false,
	    { HOST, "HTTP_ORIGIN=http://evil.test" }, 403 },
	{ "login with a session: still the login token", "POST", LOGIN, SESSION, TOK_B, TOK_B,
	    "__Host-aiops_login=" TOK_A, false, { HOST, SAME }, 403 },
	{ "login page GET", "GET", LOGIN, 0, NULL, NULL, NULL, false, { HOST }, 0 },
	{ "login with an empty cookie and an empty token", "POST", LOGIN, 0, NULL, "", "aiops_login=", true,
	    { HOST, SAME }, 403 },
	{ "a session whose token is empty", "POST", 0, SESSION, "", "", NULL, false, { HOST, SAME }, 403 },
	/* Behind the trusted proxy the browser's own cookie rides along: a change must name its Origin. */
	{ "proxy identity from this site", "POST", 0, PROXY, NULL, NULL, NULL, false, { HOST, SAME }, 0 },
	{ "proxy identity without Origin", "POST", 0, PROXY, NULL, NULL, NULL, false, { HOST }, 403 },
	{ "proxy identity from another site", "POST", 0, PROXY, NULL, NULL, NULL, false,
	    { HOST, "HTTP_ORIGIN=http://evil.test" }, 403 },
	{ "proxy identity reading", "GET", 0, PROXY, NULL, NULL, NULL, false, { HOST }, 0 },
};

/* run_csrf builds the request of c by hand and checks ident_csrf's answer and the recorded status. */
static void
run_csrf(const struct csrf_case *c)
{
	struct arena *a = arena_new();
	struct worker w;
	struct req r;
	struct route rt = { c->method, "/x", fake_handler, ROLE_VIEWER,
		c->flags != 0 ? c->flags : RF_HTML | RF_BODY_FORM };
	struct identity id = { .user_id = "0bd2c5b8-0000-4000-8000-000000000001",
		.username = "alice",
		.role = ROLE_ADMIN,
		.session_hash = "ab12",
		.csrf = c->session_csrf };
	char *env[8];
	size_t n;
	int got;

	set_secure(!c->plain_cookies);
	memset(&w, 0, sizeof(w));
	memset(&r, 0, sizeof(r));
	r.a = a;
	r.w = &w;
	r.method = c->method;
	r.path = "/x";
	r.route = &rt;
	if (c->via != 0) {
		id.via = (enum identity_via)(c->via - 1);
		if (id.via == VIA_TOKEN)
			id.token_id = "0bd2c5b8-0000-4000-8000-000000000002";
		r.id = &id;
	}
	kv_add(a, &r.form, "name", "x");
	if (c->form != NULL)
		kv_add(a, &r.form, "csrf_token", c->form);
	if (c->cookie != NULL)
		ck_assert_int_eq(kv_parse_cookies(a, c->cookie, &r.cookies), ERR_OK);
	for (n = 0; n < 5 && c->env[n] != NULL; n++)
		env[n] = arena_strdup(a, c->env[n]);
	env[n] = NULL;
	r.env = env;

	got = ident_csrf(&r);
	ck_assert_msg(got == c->want, "%s: got %d, want %d", c->what, got, c->want);
	if (c->want == 403) {
		ck_assert_msg(r.status == 403, "%s: status %d", c->what, r.status);
		ck_assert_msg(r.error != NULL && *r.error != '\0', "%s: no message", c->what);
	} else {
		ck_assert_msg(r.status == 0, "%s: status %d", c->what, r.status);
		ck_assert_msg(r.error == NULL, "%s: %s", c->what, r.error);
	}
	arena_free(a);
}

START_TEST(test_csrf_table)
{
	for (size_t i = 0; i < sizeof(csrf_cases) / sizeof(csrf_cases[0]); i++)
		run_csrf(&csrf_cases[i]);
}
END_TEST

static Suite *
auth_suite(void)
{
	Suite *s = suite_create("auth");
	TCase *core = tcase_create("core"), *hash = tcase_create("hash"), *limits = tcase_create("limits"),
	      *secrets = tcase_create("secret"), *cred = tcase_create("credential"),
	      *access_ = tcase_create("access");

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
	tcase_add_checked_fixture(secrets, secret_setup, secret_teardown);
	tcase_add_test(secrets, test_seal_round_trip);
	tcase_add_test(secrets, test_open_refuses);
	tcase_add_test(secrets, test_key_write_load);
	tcase_add_test(secrets, test_key_load_refuses);
	tcase_add_test(secrets, test_key_load_create);
	tcase_add_test(cred, test_cred_kind_names);
	tcase_add_test(cred, test_cred_value_table);
	tcase_add_test(cred, test_cred_value_sizes);
	tcase_add_test(access_, test_session_cookies);
	tcase_add_test(access_, test_role_names);
	tcase_add_test(access_, test_route_check_roles);
	tcase_add_test(access_, test_route_table_roles);
	tcase_add_test(access_, test_csrf_table);
	suite_add_tcase(s, core);
	suite_add_tcase(s, hash);
	suite_add_tcase(s, limits);
	suite_add_tcase(s, secrets);
	suite_add_tcase(s, cred);
	suite_add_tcase(s, access_);
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
	unsetenv("AIOPS_SECURE_COOKIE");
	return failed == 0 ? 0 : 1;
}
