/* check_alert.c: the Alertmanager webhook parser, Alertmanager's fingerprint, and RFC 3339 times. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "alert.h"
#include "arena.h"
#include "json.h"
#include "text.h"

static json_t *
parse(struct arena *a, const char *s)
{
	json_t *j = json_loads(s, 0, NULL);

	ck_assert_ptr_nonnull(j);
	return json_own(a, j);
}

#define ALERT_OK \
	"{\"status\":\"firing\",\"labels\":{\"alertname\":\"X\",\"severity\":\"critical\"}," \
	"\"annotations\":{\"summary\":\"s\"},\"startsAt\":\"2026-05-14T08:52:07.318Z\"," \
	"\"endsAt\":\"0001-01-01T00:00:00Z\",\"generatorURL\":\"https://p/graph\"," \
	"\"fingerprint\":\"330c7ea7405483a4\"}"

START_TEST(test_parse_good)
{
	struct arena *a = arena_new();
	struct alert_batch b;
	const char *why;
	json_t *j = parse(a,
	    "{\"version\":\"4\",\"status\":\"firing\",\"truncatedAlerts\":3,\"new\":1,"
	    "\"alerts\":[" ALERT_OK ",{\"status\":\"resolved\",\"labels\":{\"a\":\"b\"},"
	    "\"startsAt\":\"2026-05-14T08:00:00+02:00\",\"endsAt\":\"2026-05-14T09:00:00Z\"}]}");

	ck_assert_int_eq(alert_webhook_parse(a, j, &b, &why), ERR_OK);
	ck_assert_int_eq(b.n, 2);
	ck_assert_int_eq(b.truncated, 3);
	ck_assert_str_eq(b.items[0].fingerprint, "330c7ea7405483a4");
	ck_assert_ptr_null(b.items[0].ends_at); /* the zero time: still firing */
	ck_assert_str_eq(b.items[0].alertname, "X");
	ck_assert_str_eq(b.items[0].severity, "critical");
	ck_assert_str_eq(b.items[1].ends_at, "2026-05-14T09:00:00Z");
	ck_assert_str_eq(b.items[1].alertname, "");
	ck_assert_str_eq(b.items[1].generator_url, "");
	ck_assert_int_eq(json_object_size(b.items[1].annotations), 0); /* absent: empty */
	ck_assert_int_eq(strlen(b.items[1].fingerprint), 16); /* absent: computed */
	arena_free(a);
}
END_TEST

/* Each body must be refused, with a reason that contains the text beside it. */
static const char *const bad[][2] = {
	{ "[]", "not a JSON object" },
	{ "{\"alerts\":[]}", "version is missing" },
	{ "{\"version\":\"3\",\"alerts\":[]}", "version \"3\"" },
	{ "{\"version\":\"4\"}", "alerts is missing" },
	{ "{\"version\":\"4\",\"alerts\":{}}", "alerts is missing or not an array" },
	{ "{\"version\":\"4\",\"truncatedAlerts\":-1,\"alerts\":[]}", "truncatedAlerts" },
	{ "{\"version\":\"4\",\"alerts\":[1]}", "alerts[0] is not an object" },
	{ "{\"version\":\"4\",\"alerts\":[{\"status\":\"pending\"}]}", "alerts[0].status" },
	{ "{\"version\":\"4\",\"alerts\":[{\"status\":\"firing\",\"labels\":{}}]}",
	    "alerts[0].labels is empty" },
	{ "{\"version\":\"4\",\"alerts\":[{\"status\":\"firing\",\"labels\":{\"a\":1}}]}", "not a string" },
	{ "{\"version\":\"4\",\"alerts\":[{\"status\":\"firing\",\"labels\":{\"a-b\":\"1\"}}]}",
	    "label name" },
	{ "{\"version\":\"4\",\"alerts\":[{\"status\":\"firing\",\"labels\":{\"a\":\"1\"},\"annotations\":[]}"
	  "]}",
	    "alerts[0].annotations is not an object" },
	{ "{\"version\":\"4\",\"alerts\":[{\"status\":\"firing\",\"labels\":{\"a\":\"1\"}}]}",
	    "alerts[0].startsAt" },
	{ "{\"version\":\"4\",\"alerts\":[{\"status\":\"firing\",\"labels\":{\"a\":\"1\"},\"startsAt\":"
	  "\"yesterday\"}]}",
	    "alerts[0].startsAt" },
	{ "{\"version\":\"4\",\"alerts\":[{\"status\":\"firing\",\"labels\":{\"a\":\"1\"},\"startsAt\":"
	  "\"2026-05-14T08:00:00Z\",\"endsAt\":5}]}",
	    "alerts[0].endsAt" },
	{ "{\"version\":\"4\",\"alerts\":[{\"status\":\"firing\",\"labels\":{\"a\":\"1\"},\"startsAt\":"
	  "\"2026-05-14T08:00:00Z\",\"fingerprint\":\"XYZ\"}]}",
	    "alerts[0].fingerprint" },
	{ "{\"version\":\"4\",\"alerts\":[{\"status\":\"firing\",\"labels\":{\"a\":\"1\"},\"startsAt\":"
	  "\"2026-05-14T08:00:00Z\",\"generatorURL\":[]}]}",
	    "generatorURL" },
};

START_TEST(test_parse_bad)
{
	struct arena *a = arena_new();
	struct alert_batch b;
	const char *why;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *j = parse(a, bad[i][0]);

		ck_assert_msg(alert_webhook_parse(a, j, &b, &why) == ERR_INPUT, "accepted: %s", bad[i][0]);
		ck_assert_msg(why != NULL && strstr(why, bad[i][1]) != NULL,
		    "%s: why is \"%s\", wanted \"%s\"", bad[i][0], why ? why : "(null)", bad[i][1]);
	}
	arena_free(a);
}
END_TEST

START_TEST(test_parse_limits)
{
	struct arena *a = arena_new();
	json_t *body = json_own(a, json_pack("{s:s, s:[]}", "version", "4", "alerts"));
	json_t *alerts = json_object_get(body, "alerts"), *labels = json_object();
	struct alert_batch b;
	const char *why;

	for (int i = 0; i < ALERT_PAIRS_MAX; i++) {
		char k[16];

		snprintf(k, sizeof(k), "l%d", i);
		json_object_set_new(labels, k, json_string("v"));
	}
	json_array_append_new(alerts,
	    json_pack(
		"{s:s, s:O, s:s}", "status", "firing", "labels", labels, "startsAt", "2026-05-14T08:00:00Z"));
	ck_assert_int_eq(alert_webhook_parse(a, body, &b, &why), ERR_OK); /* at the limit */
	json_object_set_new(labels, "one_more", json_string("v"));
	json_array_clear(alerts);
	json_array_append_new(alerts,
	    json_pack(
		"{s:s, s:O, s:s}", "status", "firing", "labels", labels, "startsAt", "2026-05-14T08:00:00Z"));
	ck_assert_int_eq(alert_webhook_parse(a, body, &b, &why), ERR_INPUT); /* one past it */
	ck_assert_ptr_nonnull(strstr(why, "more than 128"));
	json_decref(labels);
	json_array_clear(alerts);
	for (int i = 0; i <= ALERT_PAYLOAD_MAX; i++)
		json_array_append_new(alerts, json_null());
	ck_assert_int_eq(alert_webhook_parse(a, body, &b, &why), ERR_TOOBIG);
	arena_free(a);
}
END_TEST

/* prometheus/common's vectors, as Alertmanager's template tests use them. */
START_TEST(test_fingerprint)
{
	char out[17];
	json_t *l = json_pack("{s:s, s:s}", "job", "foo", "severity", "warning");

	alert_fingerprint(l, out);
	ck_assert_str_eq(out, "9266ef3da838ad95");
	json_object_set_new(l, "severity", json_string("critical"));
	alert_fingerprint(l, out);
	ck_assert_str_eq(out, "3b15fd163d36582e");
	json_object_clear(l);
	alert_fingerprint(l, out);
	ck_assert_str_eq(out, "cbf29ce484222325");
	json_decref(l);
}
END_TEST

START_TEST(test_rfc3339)
{
	static const char *const good[] = { "2026-05-14T08:52:07Z", "2026-05-14T08:52:07.318Z",
		"2026-05-14t08:52:07.123456789z", "2026-05-14T08:52:07+02:00", "2026-12-31T23:59:60-11:30",
		"0001-01-01T00:00:00Z" };
	static const char *const no[] = { "", "2026-05-14", "2026-05-14 08:52:07Z", "2026-13-14T08:52:07Z",
		"2026-05-00T08:52:07Z", "2026-05-14T24:00:00Z", "2026-05-14T08:60:00Z", "2026-05-14T08:52:07",
		"2026-05-14T08:52:07.Z", "2026-05-14T08:52:07.1234567890Z", "2026-05-14T08:52:07+2:00",
		"2026-05-14T08:52:07Z ", "2026-05-14T08:52:07+02:00x" };

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(text_rfc3339_ok(good[i]), "refused %s", good[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		ck_assert_msg(!text_rfc3339_ok(no[i]), "accepted %s", no[i]);
	ck_assert(!text_rfc3339_ok(NULL));
}
END_TEST

static Suite *
alert_suite(void)
{
	Suite *s = suite_create("alert");
	TCase *core = tcase_create("core"), *limits = tcase_create("limits"),
	      *errors = tcase_create("errors");

	tcase_add_test(core, test_parse_good);
	tcase_add_test(core, test_fingerprint);
	tcase_add_test(core, test_rfc3339);
	tcase_add_test(limits, test_parse_limits);
	tcase_add_test(errors, test_parse_bad);
	suite_add_tcase(s, core);
	suite_add_tcase(s, limits);
	suite_add_tcase(s, errors);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(alert_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
