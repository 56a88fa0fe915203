/* check_user.c: lib/model: role names (identity), user names (user), and the JSON of users, tokens
 * and audit entries (user, token, audit) with hostile text. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "arena.h"
#include "audit.h"
#include "buf.h"
#include "field.h"
#include "identity.h"
#include "jw.h"
#include "token.h"
#include "user.h"

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

START_TEST(test_user_name_table)
{
	static const struct {
		const char *name;
		bool ok;
	} cases[] = {
		{ "alice", true },
		{ "a", true },
		{ "0ps", true },
		{ "j.doe@example.com", true },
		{ "svc_ci-1", true },
		{ "", false },
		{ "Alice", false },
		{ "_alice", false },
		{ ".alice", false },
		{ "al ice", false },
		{ "al\nice", false },
		{ "<script>", false },
		{ "al'ice", false },
		{ "al\"ice", false },
		{ "al/ice", false },
		{ "\xc3\xa9mile", false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why = user_name_ok(cases[i].name);

		ck_assert_msg((why == NULL) == cases[i].ok, "user_name_ok(\"%s\"): %s", cases[i].name,
		    why != NULL ? why : "accepted");
	}
}
END_TEST

START_TEST(test_user_name_limits)
{
	char name[80];

	memset(name, 'a', sizeof(name));
	name[64] = '\0';
	ck_assert_ptr_null(user_name_ok(name));
	name[64] = 'a';
	name[65] = '\0';
	ck_assert_ptr_nonnull(user_name_ok(name));
}
END_TEST

/* parse_written returns what a writer wrote into b, parsed (the caller decrefs); not JSON fails. */
static json_t *
parse_written(struct buf *b)
{
	json_error_t err;
	json_t *j = json_loads(buf_cstr(b), 0, &err);

	ck_assert_msg(j != NULL, "not JSON: %s: %s", err.text, buf_cstr(b));
	return j;
}

START_TEST(test_user_json)
{
	struct arena *a = arena_new();
	struct buf *b = buf_new(a);
	struct user u = { .id = "0bd2c5b8-0000-4000-8000-000000000001",
		.username = "alice",
		.display_name = "Al \"</script><script>x\" ice",
		.source = "local",
		.created_at = "2026-01-31T08:00:00Z",
		.role_name = "operator",
		.role = ROLE_OPERATOR,
		.disabled = true,
		.one_time_password = "otp" };
	struct jw w;
	json_t *j;

	jw_init(&w, b);
	user_write_json(&w, &u);
	j = parse_written(b);
	ck_assert_str_eq(json_string_value(json_object_get(j, "display_name")), u.display_name);
	ck_assert_str_eq(json_string_value(json_object_get(j, "role")), "operator");
	ck_assert(json_is_true(json_object_get(j, "disabled")));
	ck_assert(json_is_false(json_object_get(j, "must_change_password")));
	ck_assert(json_is_null(json_object_get(j, "last_login_at")));
	ck_assert_str_eq(json_string_value(json_object_get(j, "one_time_password")), "otp");
	ck_assert_ptr_null(json_object_get(j, "password_hash"));
	ck_assert_ptr_null(json_object_get(j, "password"));
	json_decref(j);
	/* Without a one-time password there is no such member at all. */
	u.one_time_password = NULL;
	b = buf_new(a);
	jw_init(&w, b);
	user_write_json(&w, &u);
	j = parse_written(b);
	ck_assert_ptr_null(json_object_get(j, "one_time_password"));
	json_decref(j);
	arena_free(a);
}
END_TEST

START_TEST(test_token_json)
{
	struct arena *a = arena_new();
	struct buf *b = buf_new(a);
	struct token t = { .id = "0bd2c5b8-0000-4000-8000-000000000002",
		.user_id = "0bd2c5b8-0000-4000-8000-000000000001",
		.username = "alice",
		.name = "ci \\ \"pipe\"\t<b>",
		.prefix = "aiops_AbCd",
		.created_at = "2026-01-31T08:00:00Z",
		.role_name = "viewer",
		.role = ROLE_VIEWER };
	struct jw w;
	json_t *j;

	jw_init(&w, b);
	token_write_json(&w, &t);
	j = parse_written(b);
	ck_assert_str_eq(json_string_value(json_object_get(j, "name")), t.name);
	ck_assert_str_eq(json_string_value(json_object_get(j, "user")), "alice");
	ck_assert_str_eq(json_string_value(json_object_get(j, "role")), "viewer");
	ck_assert(json_is_null(json_object_get(j, "expires_at")));
	ck_assert(json_is_null(json_object_get(j, "revoked_at")));
	ck_assert_ptr_null(json_object_get(j, "token"));
	json_decref(j);
	arena_free(a);
}
END_TEST

START_TEST(test_audit_json)
{
	struct arena *a = arena_new();
	struct buf *b = buf_new(a);
	struct audit_row row = { .id = 42,
		.at = "2026-01-31T08:00:00.123Z",
		.actor = "anonymous",
		.role = "",
		.action = "login.failed",
		.target = "user:<x>",
		.details = "{\"labels\": {\"a\": \"b\"}, \"note\": \"\\\"q\\\"\"}",
		.client_addr = "127.0.0.1",
		.request_id = "abcdef0123456789" };
	struct jw w;
	json_t *j;

	jw_init(&w, b);
	audit_write_json(&w, &row);
	j = parse_written(b);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "id")), 42);
	ck_assert(json_is_null(json_object_get(j, "actor_id")));
	ck_assert_str_eq(json_string_value(json_object_get(j, "target")), "user:<x>");
	ck_assert_str_eq(
	    json_string_value(json_object_get(json_object_get(json_object_get(j, "details"), "labels"), "a")),
	    "b");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "details"), "note")), "\"q\"");
	json_decref(j);
	arena_free(a);
}
END_TEST

/* faults fills in from a JSON text through the table t and returns the faults found reading
 * and validating it, as a JSON object with sorted keys (the caller frees). */
static char *
faults(const struct field *t, void *in, const char *body)
{
	json_t *j = json_loads(body, 0, NULL), *errors = json_object();
	char *out;

	ck_assert_ptr_nonnull(j);
	field_in_init(t, in);
	field_from_json(t, in, j, errors);
	(void)field_validate(t, in, errors);
	out = json_dumps(errors, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(errors);
	json_decref(j);
	return out;
}

START_TEST(test_user_fields)
{
	static const struct {
		const char *body, *want;
	} cases[] = {
		{ "{\"username\": \"alice\", \"role\": \"viewer\"}", "{}" },
		{ "{\"username\": \"alice\", \"role\": \"viewer\", \"password\": \"a pass phrase\"}", "{}" },
		{ "{\"role\": \"viewer\"}", "{\"username\":\"a user name is needed\"}" },
		{ "{\"username\": \"Alice\", \"role\": \"viewer\"}",
		    "{\"username\":\"a user name starts with a lower-case letter or digit\"}" },
		{ "{\"username\": \"alice\", \"role\": \"root\"}",
		    "{\"role\":\"viewer, operator or admin\"}" },
		{ "{\"username\": \"alice\"}", "{\"role\":\"viewer, operator or admin\"}" },
		{ "{\"username\": 7, \"role\": \"admin\"}", NULL },
		{ "{\"username\": \"alice\", \"role\": \"admin\", \"is_root\": true}", NULL },
		{ "{\"username\": \"alice\", \"role\": \"admin\", \"display_name\": \"a\\nb\"}", NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct user_in in;
		char *got = faults(user_fields, &in, cases[i].body);

		if (cases[i].want != NULL)
			ck_assert_msg(strcmp(got, cases[i].want) == 0, "%s: %s", cases[i].body, got);
		else
			ck_assert_msg(strcmp(got, "{}") != 0, "%s: accepted", cases[i].body);
		free(got);
	}
}
END_TEST

START_TEST(test_user_fields_limits)
{
	char body[300], name[140];
	struct user_in in;
	char *got;

	memset(name, 'd', sizeof(name));
	name[128] = '\0';
	snprintf(body, sizeof(body), "{\"username\": \"a\", \"role\": \"viewer\", \"display_name\": \"%s\"}",
	    name);
	got = faults(user_fields, &in, body);
	ck_assert_str_eq(got, "{}");
	free(got);
	name[128] = 'd';
	name[129] = '\0';
	snprintf(body, sizeof(body), "{\"username\": \"a\", \"role\": \"viewer\", \"display_name\": \"%s\"}",
	    name);
	got = faults(user_fields, &in, body);
	ck_assert_ptr_nonnull(strstr(got, "display_name"));
	free(got);
}
END_TEST

START_TEST(test_token_fields)
{
	static const struct {
		const char *body, *want;
	} cases[] = {
		{ "{\"name\": \"ci\"}", "{}" },
		{ "{\"name\": \"ci\", \"role\": \"operator\", \"expires_days\": 0}", "{}" },
		{ "{\"name\": \"ci\", \"expires_days\": 3650}", "{}" },
		{ "{\"name\": \"ci\", \"expires_days\": 3651}",
		    "{\"expires_days\":\"0 (never) to 3650 days\"}" },
		{ "{\"name\": \"ci\", \"expires_days\": -1}",
		    "{\"expires_days\":\"0 (never) to 3650 days\"}" },
		{ "{\"name\": \"\"}", "{\"name\":\"a name of 1 to 64 characters, to tell tokens apart\"}" },
		{ "{\"name\": \"a\\tb\"}", "{\"name\":\"a name of 1 to 64 printable characters\"}" },
		{ "{\"name\": \"ci\", \"role\": \"public\"}", "{\"role\":\"viewer, operator or admin\"}" },
		{ "{\"name\": \"ci\", \"token\": \"aiops_x\"}", NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct token_in in;
		char *got = faults(token_fields, &in, cases[i].body);

		if (cases[i].want != NULL)
			ck_assert_msg(strcmp(got, cases[i].want) == 0, "%s: %s", cases[i].body, got);
		else
			ck_assert_msg(strcmp(got, "{}") != 0, "%s: accepted", cases[i].body);
		free(got);
	}
}
END_TEST

static Suite *
user_suite(void)
{
	Suite *s = suite_create("user");
	TCase *core = tcase_create("core"), *limits = tcase_create("limits");

	tcase_add_test(core, test_role_names);
	tcase_add_test(core, test_user_name_table);
	tcase_add_test(core, test_user_json);
	tcase_add_test(core, test_token_json);
	tcase_add_test(core, test_audit_json);
	tcase_add_test(core, test_user_fields);
	tcase_add_test(core, test_token_fields);
	tcase_add_test(limits, test_user_name_limits);
	tcase_add_test(limits, test_user_fields_limits);
	suite_add_tcase(s, core);
	suite_add_tcase(s, limits);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(user_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
