/* check_cluster.c: validation of the cluster register's input: names, URLs, labels, whole records. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "arena.h"
#include "cluster.h"
#include "cluster_db.h"

/* rep returns n copies of c followed by tail (arena memory). */
static char *
rep(struct arena *a, char c, size_t n, const char *tail)
{
	size_t t = strlen(tail);
	char *s = arena_alloc(a, n + t + 1);

	memset(s, c, n);
	memcpy(s + n, tail, t + 1);
	return s;
}

START_TEST(test_names)
{
	static const struct {
		const char *name;
		int ok;
	} cases[] = {
		{ "prod-1", 1 },
		{ "a", 1 },
		{ "0", 1 },
		{ "9gpu", 1 },
		{ "gpu-lab-eu-west-2", 1 },
		{ "a--b", 1 },
		{ "", 0 },
		{ "-a", 0 },
		{ "a-", 0 },
		{ "-", 0 },
		{ "Prod", 0 },
		{ "prod A", 0 },
		{ " prod", 0 },
		{ "prod ", 0 },
		{ "prod_1", 0 },
		{ "prod.1", 0 },
		{ "prod/1", 0 },
		{ "<script>", 0 },
		{ "\xC3\xA9t\xC3\xA9", 0 },
		{ "a\tb", 0 },
		{ "a\nb", 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why = cluster_name_ok(cases[i].name);

		ck_assert_msg(
		    (why == NULL) == cases[i].ok, "[%s]: %s", cases[i].name, why ? why : "accepted");
	}
}
END_TEST

START_TEST(test_name_length)
{
	struct arena *a = arena_new();

	ck_assert_ptr_null(cluster_name_ok(rep(a, 'a', 63, "")));
	ck_assert_ptr_nonnull(cluster_name_ok(rep(a, 'a', 64, "")));
	ck_assert_ptr_null(cluster_name_ok(rep(a, 'b', 62, "9")));
	ck_assert_ptr_nonnull(cluster_name_ok(rep(a, 'b', 300, "")));
	arena_free(a);
}
END_TEST

START_TEST(test_urls)
{
	static const struct {
		const char *url;
		const char *why; /* NULL: accepted; else a word of the reason */
	} cases[] = {
		{ "https://api.example.com:6443", NULL },
		{ "http://prometheus.monitoring.svc:9090/prom", NULL },
		{ "https://10.0.0.1", NULL },
		{ "https://[::1]:6443", NULL },
		{ "https://h:65535/a?b=c#d", NULL },
		{ "HTTPS://API.EXAMPLE.COM", NULL },
		{ "ftp://example.com/", "http and https" },
		{ "file:///etc/passwd", "http and https" },
		{ "javascript:alert(1)", "" },
		{ "data:text/html,<script>", "" },
		{ "gopher://h/", "" },
		{ "example.com", "" },
		{ "//example.com/", "" },
		{ "/relative/path", "" },
		{ "https://", "" },
		{ "", "" },
		{ "https://user:pw@example.com", "credentials" },
		{ "https://user@example.com", "credentials" },
		{ "https://:pw@example.com", "credentials" },
		{ "http://h\\@evil.example", "" },
		{ "https://h:65536", "" },
		{ "https://h:99999", "" },
		{ "https://h:-1", "" },
		{ "https://h:abc", "" },
		{ "https://h:+1", "" },
		{ "https://exa mple.com", "spaces" },
		{ "https://example.com/a b", "spaces" },
		{ " https://example.com", "spaces" },
		{ "https://example.com/\n", "control" },
		{ "https://example.com/\t", "control" },
		{ "https://example.com/\x7F", "control" },
		{ "https://example.com/\x01", "control" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why = cluster_url_ok(cases[i].url);

		if (cases[i].why == NULL)
			ck_assert_msg(why == NULL, "[%s] refused: %s", cases[i].url, why);
		else {
			ck_assert_msg(why != NULL, "[%s] accepted", cases[i].url);
			ck_assert_msg(strstr(why, cases[i].why) != NULL, "[%s]: %s", cases[i].url, why);
		}
	}
}
END_TEST

START_TEST(test_url_length)
{
	struct arena *a = arena_new();
	const char *head = "https://example.com/";
	size_t room = 2048 - strlen(head);
	char *at = arena_printf(a, "%s%s", head, rep(a, 'x', room, "")),
	     *past = arena_printf(a, "%s%s", head, rep(a, 'x', room + 1, ""));

	ck_assert_uint_eq(strlen(at), 2048);
	ck_assert_ptr_null(cluster_url_ok(at));
	ck_assert_ptr_nonnull(cluster_url_ok(past));
	ck_assert_ptr_nonnull(strstr(cluster_url_ok(past), "2048"));
	arena_free(a);
}
END_TEST

/* Port 0 was once accepted ("https://h:0"): curl takes it as a port number, but nothing listens
 * there, so a cluster saved with it could only ever be unreachable. */
START_TEST(test_url_port_zero)
{
	ck_assert_ptr_nonnull(cluster_url_ok("https://h:0"));
	ck_assert_ptr_nonnull(cluster_url_ok("https://h:00000"));
}
END_TEST

START_TEST(test_label_keys)
{
	static const struct {
		const char *key;
		int ok;
	} cases[] = {
		{ "team", 1 },
		{ "Team", 1 },
		{ "a", 1 },
		{ "app.kubernetes.io/name", 1 },
		{ "nvidia.com/gpu.product", 1 },
		{ "example.com/a_b-c.d", 1 },
		{ "a-b.c/x", 1 },
		{ "", 0 },
		{ "/name", 0 },
		{ "prefix/", 0 },
		{ "a/b/c", 0 },
		{ "-team", 0 },
		{ "team-", 0 },
		{ "_team", 0 },
		{ "team.", 0 },
		{ "te am", 0 },
		{ "team:x", 0 },
		{ "Example.com/x", 0 },
		{ "example..com/x", 0 },
		{ ".example.com/x", 0 },
		{ "example.com./x", 0 },
		{ "-example.com/x", 0 },
		{ "example-.com/x", 0 },
		{ "exa_mple.com/x", 0 },
		{ "<b>", 0 },
		{ "\xC3\xA9", 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why = cluster_label_key_ok(cases[i].key);

		ck_assert_msg((why == NULL) == cases[i].ok, "[%s]: %s", cases[i].key, why ? why : "accepted");
	}
}
END_TEST

START_TEST(test_label_values)
{
	static const struct {
		const char *v;
		int ok;
	} cases[] = {
		{ "", 1 },
		{ "gpu", 1 },
		{ "A100-SXM4-80GB", 1 },
		{ "v1.2_3", 1 },
		{ "x", 1 },
		{ "-x", 0 },
		{ "x-", 0 },
		{ ".x", 0 },
		{ "x_", 0 },
		{ "a b", 0 },
		{ "a/b", 0 },
		{ "a=b", 0 },
		{ "\"x\"", 0 },
		{ "<script>", 0 },
		{ "\xC3\xA9", 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why = cluster_label_value_ok(cases[i].v);

		ck_assert_msg((why == NULL) == cases[i].ok, "[%s]: %s", cases[i].v, why ? why : "accepted");
	}
}
END_TEST

START_TEST(test_label_lengths)
{
	struct arena *a = arena_new();
	/* 253 bytes of prefix: four labels of 63 and the dots between them is 255, so 63.63.63.61. */
	char *prefix253 = arena_printf(a, "%s.%s.%s.%s", rep(a, 'a', 63, ""), rep(a, 'b', 63, ""),
		 rep(a, 'c', 63, ""), rep(a, 'd', 61, "")),
	     *prefix254 = arena_printf(a, "%s.%s.%s.%s", rep(a, 'a', 63, ""), rep(a, 'b', 63, ""),
		 rep(a, 'c', 63, ""), rep(a, 'd', 62, ""));

	ck_assert_uint_eq(strlen(prefix253), 253);
	ck_assert_ptr_null(cluster_label_key_ok(rep(a, 'k', 63, "")));
	ck_assert_ptr_nonnull(cluster_label_key_ok(rep(a, 'k', 64, "")));
	ck_assert_ptr_null(cluster_label_key_ok(arena_printf(a, "%s/k", prefix253)));
	ck_assert_ptr_nonnull(cluster_label_key_ok(arena_printf(a, "%s/k", prefix254)));
	/* One DNS label of 64 is too long even when the whole prefix is short. */
	ck_assert_ptr_null(cluster_label_key_ok(arena_printf(a, "%s.com/k", rep(a, 'a', 63, ""))));
	ck_assert_ptr_nonnull(cluster_label_key_ok(arena_printf(a, "%s.com/k", rep(a, 'a', 64, ""))));
	ck_assert_ptr_null(cluster_label_key_ok(arena_printf(a, "x.io/%s", rep(a, 'k', 63, ""))));
	ck_assert_ptr_nonnull(cluster_label_key_ok(arena_printf(a, "x.io/%s", rep(a, 'k', 64, ""))));
	ck_assert_ptr_null(cluster_label_value_ok(rep(a, 'v', 63, "")));
	ck_assert_ptr_nonnull(cluster_label_value_ok(rep(a, 'v', 64, "")));
	arena_free(a);
}
END_TEST

/* A record that passes; each case below spoils one field of it. */
static void
good_in(struct cluster_in *in)
{
	cluster_in_init(in);
	in->name = "prod-1";
	in->display_name = "Production 1";
	in->api_url = "https://api.prod-1.example.com:6443";
	in->environment = "production";
	in->type = "openshift";
}

/* only_fault validates in and checks that field, and no other, was refused. */
static void
only_fault(const struct cluster_in *in, const char *field, const char *what)
{
	json_t *errors = json_object();
	const char *k;
	json_t *v;

	ck_assert_msg(cluster_validate(in, errors) == ERR_INPUT, "%s: accepted", what);
	ck_assert_msg(json_object_size(errors) == 1, "%s: %zu faults", what, json_object_size(errors));
	json_object_foreach (errors, k, v) {
		ck_assert_msg(strcmp(k, field) == 0, "%s: fault on %s, not %s", what, k, field);
		ck_assert(json_is_string(v));
		ck_assert_uint_gt(json_string_length(v), 0);
	}
	json_decref(errors);
}

START_TEST(test_validate_good)
{
	struct cluster_in in;
	json_t *errors = json_object();
	json_t *labels =
	    json_pack("{s:s, s:s, s:s}", "team", "ml", "nvidia.com/gpu.product", "A100", "e", "");

	good_in(&in);
	ck_assert_int_eq(cluster_validate(&in, errors), ERR_OK);
	ck_assert_uint_eq(json_object_size(errors), 0);

	in.prometheus_url = "http://prom:9090";
	in.alertmanager_url = "";
	in.loki_url = NULL;
	in.region = "eu-west-1";
	in.labels = labels;
	in.has_gpu = 1;
	in.display_name = NULL;
	ck_assert_int_eq(cluster_validate(&in, errors), ERR_OK);
	ck_assert_uint_eq(json_object_size(errors), 0);
	in.region = "";
	ck_assert_int_eq(cluster_validate(&in, errors), ERR_OK);

	for (int i = 0; i < CLUSTER_ENV__N; i++) {
		in.environment = cluster_environments[i];
		ck_assert_int_eq(cluster_validate(&in, errors), ERR_OK);
	}
	for (int i = 0; i < CLUSTER_TYPE__N; i++) {
		in.type = cluster_types[i];
		ck_assert_int_eq(cluster_validate(&in, errors), ERR_OK);
	}
	ck_assert_uint_eq(json_object_size(errors), 0);
	/* Faults found earlier count too. */
	json_object_set_new(errors, "other", json_string("earlier"));
	ck_assert_int_eq(cluster_validate(&in, errors), ERR_INPUT);
	json_decref(errors);
	json_decref(labels);
}
END_TEST

START_TEST(test_validate_each_field)
{
	static const struct {
		const char *field, *value;
	} cases[] = {
		{ "name", NULL },
		{ "name", "" },
		{ "name", "Prod" },
		{ "name", "-prod" },
		{ "name", "prod one" },
		{ "display_name", "tab\there" },
		{ "display_name", "bad \xFF utf-8" },
		{ "api_url", NULL },
		{ "api_url", "" },
		{ "api_url", "ftp://h/" },
		{ "api_url", "https://u:p@h" },
		{ "prometheus_url", "javascript:alert(1)" },
		{ "alertmanager_url", "https://h:70000" },
		{ "loki_url", "h:3100" },
		{ "environment", NULL },
		{ "environment", "" },
		{ "environment", "Production" },
		{ "environment", "prod" },
		{ "environment", "production " },
		{ "type", NULL },
		{ "type", "" },
		{ "type", "OpenShift" },
		{ "type", "nomad" },
		{ "region", "eu west" },
		{ "region", "-eu" },
		{ "region", "eu/west" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cluster_in in;
		const char *f = cases[i].field;
		const char **slot = strcmp(f, "name") == 0 ? &in.name
		    : strcmp(f, "display_name") == 0	   ? &in.display_name
		    : strcmp(f, "api_url") == 0		   ? &in.api_url
		    : strcmp(f, "prometheus_url") == 0	   ? &in.prometheus_url
		    : strcmp(f, "alertmanager_url") == 0   ? &in.alertmanager_url
		    : strcmp(f, "loki_url") == 0	   ? &in.loki_url
		    : strcmp(f, "environment") == 0	   ? &in.environment
		    : strcmp(f, "type") == 0		   ? &in.type
							   : &in.region;

		good_in(&in);
		*slot = cases[i].value;
		only_fault(&in, f, cases[i].value != NULL ? cases[i].value : "(unset)");
	}
}
END_TEST

START_TEST(test_validate_text_lengths)
{
	struct arena *a = arena_new();
	struct cluster_in in;
	json_t *errors = json_object();

	good_in(&in);
	in.display_name = rep(a, 'd', 128, "");
	ck_assert_int_eq(cluster_validate(&in, errors), ERR_OK);
	/* The API documents 128 bytes of UTF-8: "é" is two of them. */
	in.display_name = rep(a, 'd', 126, "\xC3\xA9");
	ck_assert_int_eq(cluster_validate(&in, errors), ERR_OK);
	in.display_name = rep(a, 'd', 127, "\xC3\xA9");
	only_fault(&in, "display_name", "129 bytes");
	in.display_name = rep(a, 'd', 129, "");
	only_fault(&in, "display_name", "129 characters");
	in.display_name = "<script>alert(\"x\")</script> & 'quotes'";
	ck_assert_int_eq(cluster_validate(&in, errors), ERR_OK);

	good_in(&in);
	in.region = rep(a, 'r', 63, "");
	ck_assert_int_eq(cluster_validate(&in, errors), ERR_OK);
	in.region = rep(a, 'r', 64, "");
	only_fault(&in, "region", "64 characters");
	ck_assert_uint_eq(json_object_size(errors), 0);
	json_decref(errors);
	arena_free(a);
}
END_TEST

START_TEST(test_validate_labels)
{
	static const char *const bad[] = {
		"[]",
		"\"team=ml\"",
		"{\"team\": 1}",
		"{\"team\": null}",
		"{\"team\": [\"ml\"]}",
		"{\"bad key\": \"v\"}",
		"{\"team\": \"bad value\"}",
		"{\"ok\": \"v\", \"-bad\": \"v\"}",
		"{\"\": \"v\"}",
	};
	struct cluster_in in;
	json_t *labels;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		labels = json_loads(bad[i], JSON_DECODE_ANY, NULL);
		ck_assert_ptr_nonnull(labels);
		good_in(&in);
		in.labels = labels;
		only_fault(&in, "labels", bad[i]);
		json_decref(labels);
	}

	/* At most 64 labels. */
	labels = json_object();
	for (int i = 0; i < 64; i++) {
		char k[16];

		snprintf(k, sizeof(k), "k%d", i);
		json_object_set_new(labels, k, json_string("v"));
	}
	good_in(&in);
	in.labels = labels;
	{
		json_t *errors = json_object();

		ck_assert_int_eq(cluster_validate(&in, errors), ERR_OK);
		json_decref(errors);
	}
	json_object_set_new(labels, "k64", json_string("v"));
	only_fault(&in, "labels", "65 labels");
	json_decref(labels);
}
END_TEST

START_TEST(test_from_json)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:b, s:{s:s}, s:s, s:s, s:n}", "name", "lab-1", "api_url",
	    "https://h:6443", "environment", "lab", "type", "k3s", "has_gpu", 1, "labels", "team", "ml", "id",
	    "ignored", "status", "ready", "region");
	json_t *errors = json_object();
	struct cluster_in in;

	cluster_in_init(&in);
	ck_assert_int_eq(in.has_gpu, -1);
	ck_assert_ptr_null(in.name);
	in.region = "was-set";
	cluster_in_from_json(&in, j, errors);
	ck_assert_uint_eq(json_object_size(errors), 0);
	ck_assert_str_eq(in.name, "lab-1");
	ck_assert_str_eq(in.api_url, "https://h:6443");
	ck_assert_str_eq(in.environment, "lab");
	ck_assert_str_eq(in.type, "k3s");
	ck_assert_int_eq(in.has_gpu, 1);
	ck_assert_ptr_eq(in.labels, json_object_get(j, "labels"));
	/* null unsets an optional field. */
	ck_assert_ptr_null(in.region);
	ck_assert_ptr_null(in.display_name);
	ck_assert_int_eq(cluster_validate(&in, errors), ERR_OK);
	json_decref(errors);
	json_decref(j);
}
END_TEST

START_TEST(test_from_json_errors)
{
	static const struct {
		const char *doc, *field;
	} cases[] = {
		{ "{\"name\": 5}", "name" },
		{ "{\"api_url\": [\"https://h\"]}", "api_url" },
		{ "{\"environment\": true}", "environment" },
		{ "{\"labels\": \"team=ml\"}", "labels" },
		{ "{\"labels\": [\"team\"]}", "labels" },
		{ "{\"has_gpu\": \"yes\"}", "has_gpu" },
		{ "{\"has_gpu\": 1}", "has_gpu" },
		{ "{\"nmae\": \"typo\"}", "nmae" },
		{ "{\"Name\": \"x\"}", "Name" },
		{ "[]", "body" },
		{ "\"x\"", "body" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *j = json_loads(cases[i].doc, JSON_DECODE_ANY, NULL);
		json_t *errors = json_object();
		struct cluster_in in;

		ck_assert_ptr_nonnull(j);
		cluster_in_init(&in);
		cluster_in_from_json(&in, j, errors);
		ck_assert_msg(
		    json_object_size(errors) == 1 && json_object_get(errors, cases[i].field) != NULL,
		    "%s: %zu faults, want one on %s", cases[i].doc, json_object_size(errors), cases[i].field);
		json_decref(errors);
		json_decref(j);
	}
}
END_TEST

START_TEST(test_names_tables)
{
	/* The lists are what the reasons above promise, and what the API documents. */
	static const char *const envs[] = { "production", "staging", "development", "lab" };
	static const char *const types[] = { "openshift", "kubernetes", "eks", "gke", "aks", "k3s", "rke2",
		"microshift" };

	for (int i = 0; i < CLUSTER_ENV__N; i++)
		ck_assert_str_eq(cluster_environments[i], envs[i]);
	for (int i = 0; i < CLUSTER_TYPE__N; i++)
		ck_assert_str_eq(cluster_types[i], types[i]);
}
END_TEST

/* The field table and the SQL agree: a record row per column of CLUSTER_COLS, an input row per
 * parameter of the insert, and the columns the list page reads are those of the FIELD_LIST rows. */
START_TEST(test_field_table_matches_columns)
{
	char *cols = strdup(CLUSTER_COLS_LIST), *save = NULL, *col;
	int out = 0, in = 0, i = 0;

	for (const struct field *f = cluster_fields; f->name != NULL; f++) {
		out += f->out != 0;
		in += f->in != 0;
	}
	ck_assert_int_eq(out, CLUSTER_NCOLS);
	ck_assert_int_eq(in, CLUSTER_NINPUTS);
	for (col = strtok_r(cols, ",", &save); col != NULL; col = strtok_r(NULL, ",", &save), i++) {
		const struct field *f = cluster_fields;
		int n = i;

		while (f->out == 0 || n-- > 0)
			f++;
		ck_assert_msg((strstr(col, "NULL::") == NULL) == ((f->flags & FIELD_LIST) != 0),
		    "column %d (%s) and field %s disagree", i, col, f->name);
	}
	ck_assert_int_eq(i, CLUSTER_NCOLS);
	free(cols);
}
END_TEST

/* Sorting and the dashboard show statuses worst first. */
START_TEST(test_statuses_worst_first)
{
	static const char *const worst_first[] = { "unreachable", "degraded", "unknown", "ready" };

	for (int i = 0; i < CLUSTER_STATUS__N; i++)
		ck_assert_str_eq(cluster_statuses[i], worst_first[i]);
}
END_TEST

static Suite *
cluster_suite(void)
{
	Suite *s = suite_create("cluster");
	TCase *core = tcase_create("core"), *limits = tcase_create("limits"),
	      *errors = tcase_create("errors");

	tcase_add_test(core, test_names);
	tcase_add_test(core, test_urls);
	tcase_add_test(core, test_label_keys);
	tcase_add_test(core, test_label_values);
	tcase_add_test(core, test_validate_good);
	tcase_add_test(core, test_from_json);
	tcase_add_test(core, test_names_tables);
	tcase_add_test(core, test_field_table_matches_columns);
	tcase_add_test(core, test_statuses_worst_first);
	tcase_add_test(limits, test_name_length);
	tcase_add_test(limits, test_url_length);
	tcase_add_test(limits, test_label_lengths);
	tcase_add_test(limits, test_validate_text_lengths);
	tcase_add_test(errors, test_validate_each_field);
	tcase_add_test(errors, test_validate_labels);
	tcase_add_test(errors, test_from_json_errors);
	suite_add_tcase(s, core);
	suite_add_tcase(s, limits);
	suite_add_tcase(s, errors);
	{
		TCase *fixed = tcase_create("fixed_bugs");

		tcase_add_test(fixed, test_url_port_zero);
		suite_add_tcase(s, fixed);
	}
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(cluster_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
