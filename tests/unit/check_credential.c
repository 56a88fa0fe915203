/* check_credential.c: lib/model/credential: the kinds of cluster credentials and the values each
 * accepts, at and past their size limits. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "credential.h"

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

/* credential_wipe zeroes every opened value where it lies and forgets it. */
START_TEST(test_cred_wipe)
{
	struct arena *a = arena_new();
	char *values[CREDENTIAL__MAX] = { 0 }, *token, *basic;

	token = values[CREDENTIAL_API_TOKEN] = arena_strdup(a, "sha256~secret-token");
	basic = values[CREDENTIAL_BASIC_AUTH] = arena_strdup(a, "ops:hunter2");
	credential_wipe(values);
	for (int k = 0; k < CREDENTIAL__MAX; k++)
		ck_assert_ptr_null(values[k]);
	for (size_t i = 0; i < strlen("sha256~secret-token"); i++)
		ck_assert_int_eq(token[i], 0);
	for (size_t i = 0; i < strlen("ops:hunter2"); i++)
		ck_assert_int_eq(basic[i], 0);
	credential_wipe(values); /* twice is harmless */
	arena_free(a);
}
END_TEST

static Suite *
credential_suite(void)
{
	Suite *s = suite_create("credential");
	TCase *core = tcase_create("core"), *limits = tcase_create("limits");

	tcase_add_test(core, test_cred_kind_names);
	tcase_add_test(core, test_cred_value_table);
	tcase_add_test(core, test_cred_wipe);
	tcase_add_test(limits, test_cred_value_sizes);
	suite_add_tcase(s, core);
	suite_add_tcase(s, limits);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(credential_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
