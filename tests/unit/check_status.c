/* check_status.c: the one table of HTTP statuses: reason phrases and the API's error codes. */
#include "config.h"

#include <check.h>
#include <string.h>

#include "status.h"

/* What browsers, nginx and API clients see today: changing a row breaks them. */
static const struct {
	int status;
	const char *text, *code;
} known[] = {
	{ 200, "OK", "internal" },
	{ 304, "Not Modified", "internal" },
	{ 400, "Bad Request", "bad_request" },
	{ 401, "Unauthorized", "unauthorized" },
	{ 403, "Forbidden", "forbidden" },
	{ 404, "Not Found", "not_found" },
	{ 405, "Method Not Allowed", "method_not_allowed" },
	{ 409, "Conflict", "conflict" },
	{ 413, "Payload Too Large", "payload_too_large" },
	{ 415, "Unsupported Media Type", "unsupported_media_type" },
	{ 422, "Unprocessable Content", "invalid" },
	{ 426, "Upgrade Required", "upgrade_required" },
	{ 429, "Too Many Requests", "too_many_requests" },
	{ 431, "Request Header Fields Too Large", "headers_too_large" },
	{ 500, "Internal Server Error", "internal" },
	{ 502, "Bad Gateway", "upstream_failed" },
	{ 503, "Service Unavailable", "unavailable" },
	{ 505, "HTTP Version Not Supported", "http_version" },
};

START_TEST(test_status_known)
{
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		ck_assert_msg(
		    strcmp(status_text(known[i].status), known[i].text) == 0, "%d", known[i].status);
		ck_assert_msg(
		    strcmp(status_code_name(known[i].status), known[i].code) == 0, "%d", known[i].status);
	}
}
END_TEST

/* Each error status has a code of its own, so a client can tell them apart by code alone. */
START_TEST(test_status_codes_distinct)
{
	for (int a = 400; a < 600; a++) {
		const char *ca = status_code_name(a);

		if (strcmp(status_text(a), "Unknown") == 0 || strcmp(ca, "internal") == 0)
			continue;
		for (const char *p = ca; *p; p++)
			ck_assert_msg((*p >= 'a' && *p <= 'z') || *p == '_', "%d: %s", a, ca);
		for (int b = a + 1; b < 600; b++)
			ck_assert_msg(strcmp(ca, status_code_name(b)) != 0, "%d and %d: %s", a, b, ca);
	}
}
END_TEST

START_TEST(test_status_unknown)
{
	static const int odd[] = { -1, 0, 99, 299, 418, 600, 999 };

	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		ck_assert_str_eq(status_text(odd[i]), "Unknown");
		ck_assert_str_eq(status_code_name(odd[i]), "internal");
	}
}
END_TEST

static Suite *
status_suite(void)
{
	Suite *s = suite_create("status");
	TCase *core = tcase_create("core"), *errors = tcase_create("errors");

	tcase_add_test(core, test_status_known);
	tcase_add_test(core, test_status_codes_distinct);
	tcase_add_test(errors, test_status_unknown);
	suite_add_tcase(s, core);
	suite_add_tcase(s, errors);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(status_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
