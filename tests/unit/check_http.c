/* check_http.c: the outbound policy: which cluster URLs may be fetched, and how a transfer that
 * cannot happen reports itself. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "http.h"

START_TEST(test_url_policy_table)
{
	static const struct {
		const char *url;
		const char *want; /* NULL: allowed; else a fragment of the reason */
	} cases[] = {
		{ "https://api.ocp.example.com:6443", NULL },
		{ "http://127.0.0.1:6443/c/x", NULL },
		{ "http://10.0.0.1", NULL },
		{ "https://[2001:db8::1]:6443", NULL },
		{ "http://169.254.169.254/latest/meta-data/", "link-local" },
		{ "http://169.254.0.1", "link-local" },
		{ "http://[fe80::1]/", "link-local" },
		{ "http://[::ffff:169.254.169.254]/", "link-local" },
		{ "http://[fd00:ec2::254]/", "metadata" },
		{ "http://100.100.100.200/", "metadata" },
		{ "http://metadata.google.internal/computeMetadata/v1/", "metadata" },
		{ "http://0.0.0.0/", "0.0.0.0/8" },
		{ "ftp://files.example.com/", "only http and https" },
		{ "file:///etc/passwd", "only http and https" },
		{ "gopher://x.example/", "only http and https" },
		{ "http://user:pw@api.example.com/", "credentials" },
		{ "not a url", "not a URL" },
		{ "http://api.example.com:0/", "the port must be 1 to 65535" },
		{ "http://[fe80::1%25eth0]:6443/", "link-local" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why = http_url_refused(cases[i].url);

		if (cases[i].want == NULL)
			ck_assert_msg(why == NULL, "%s refused: %s", cases[i].url, why);
		else
			ck_assert_msg(why != NULL && strstr(why, cases[i].want) != NULL,
			    "%s: got %s, want ...%s...", cases[i].url, why != NULL ? why : "(allowed)",
			    cases[i].want);
	}
}
END_TEST

/* The runner refuses a link-local address when the connection is made, whatever the URL said. */
START_TEST(test_resolved_address_refused)
{
	struct http_req h = { 0 }, *all[1] = { &h };

	/* A literal the policy check refuses, passed straight to the runner, which must refuse it too
	 * (the check made when the socket would be opened, after any name resolution). */
	h.url = "http://169.254.1.1:9/";
	h.timeout_ms = 2000;
	http_run(all, 1, 1);
	ck_assert(h.failed);
	ck_assert_msg(strstr(h.error, "refused to connect") != NULL, "error: %s", h.error);
	http_release(&h);
}
END_TEST

START_TEST(test_connection_refused_reported)
{
	struct http_req h = { 0 }, *all[1] = { &h };

	h.url = "http://127.0.0.1:1/";
	h.timeout_ms = 2000;
	http_run(all, 1, 4);
	ck_assert(h.failed);
	ck_assert_int_eq(h.status, 0);
	ck_assert_msg(strstr(h.error, "connection refused") != NULL, "error: %s", h.error);
	http_release(&h);
}
END_TEST

START_TEST(test_many_at_once)
{
	enum { N = 40 };
	struct http_req hs[N], *all[N];

	memset(hs, 0, sizeof(hs));
	for (int i = 0; i < N; i++) {
		hs[i].url = i % 2 ? "http://127.0.0.1:1/" : "ftp://127.0.0.1/";
		hs[i].timeout_ms = 2000;
		all[i] = &hs[i];
	}
	http_run(all, N, 8);
	for (int i = 0; i < N; i++) {
		ck_assert_msg(hs[i].failed, "request %d did not fail", i);
		ck_assert_msg(hs[i].error[0] != '\0', "request %d has no reason", i);
		http_release(&hs[i]);
	}
}
END_TEST

static Suite *
http_suite(void)
{
	Suite *s = suite_create("http");
	TCase *core = tcase_create("core"), *errors = tcase_create("errors");

	tcase_add_test(core, test_url_policy_table);
	tcase_add_test(errors, test_resolved_address_refused);
	tcase_add_test(errors, test_connection_refused_reported);
	tcase_add_test(errors, test_many_at_once);
	tcase_set_timeout(errors, 20);
	suite_add_tcase(s, core);
	suite_add_tcase(s, errors);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(http_suite());
	int failed;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	curl_global_cleanup();
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
