/* check_list.c: every list reads limit, cursor, sort, dir and choice filters by one rule. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "kv.h"
#include "list.h"
#include "req.h"

static const char *const sorts[] = { "name", "status", NULL };
static const char *const colours[] = { "red", "green", "blue" };

/* with makes a request whose query string is qs (arena memory of a). */
static struct req *
with(struct arena *a, const char *qs)
{
	struct req *r = arena_zalloc(a, sizeof(*r));

	r->a = a;
	ck_assert_int_eq(kv_parse_urlencoded(a, qs, strlen(qs), &r->query), ERR_OK);
	return r;
}

START_TEST(test_defaults)
{
	struct arena *a = arena_new();
	struct list_params lp;

	ck_assert_int_eq(list_read(with(a, ""), sorts, &lp), 0);
	ck_assert_int_eq(lp.limit, LIST_LIMIT_DEFAULT);
	ck_assert_ptr_null(lp.cursor);
	ck_assert_ptr_null(lp.sort);
	ck_assert(!lp.desc);
	ck_assert_int_eq(list_read(with(a, "limit=&cursor=&sort=&dir="), sorts, &lp), 0);
	ck_assert_int_eq(lp.limit, LIST_LIMIT_DEFAULT);
	ck_assert_ptr_null(lp.cursor);
	ck_assert_int_eq(list_read(with(a, "limit=7&cursor=abc&sort=status&dir=desc"), sorts, &lp), 0);
	ck_assert_int_eq(lp.limit, 7);
	ck_assert_str_eq(lp.cursor, "abc");
	ck_assert_str_eq(lp.sort, "status");
	ck_assert(lp.desc);
	/* Without sorts, sort and dir are not this list's business. */
	ck_assert_int_eq(list_read(with(a, "sort=colour&dir=up"), NULL, &lp), 0);
	arena_free(a);
}
END_TEST

START_TEST(test_limit_bounds)
{
	static const struct {
		const char *qs;
		int status, limit;
	} cases[] = {
		{ "limit=1", 0, 1 },
		{ "limit=500", 0, 500 },
		{ "limit=0", 400, 0 },
		{ "limit=501", 400, 0 },
		{ "limit=-1", 400, 0 },
		{ "limit=abc", 400, 0 },
		{ "limit=10x", 400, 0 },
		{ "limit=99999999999999999999", 400, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct arena *a = arena_new();
		struct req *r = with(a, cases[i].qs);
		struct list_params lp;

		ck_assert_msg(list_read(r, sorts, &lp) == cases[i].status, "%s", cases[i].qs);
		if (cases[i].status == 0)
			ck_assert_int_eq(lp.limit, cases[i].limit);
		else
			ck_assert_msg(r->error != NULL && strstr(r->error, "1 to 500") != NULL, "%s: %s",
			    cases[i].qs, r->error ? r->error : "no message");
		arena_free(a);
	}
}
END_TEST

START_TEST(test_sort_and_dir_errors)
{
	struct arena *a = arena_new();
	struct list_params lp;
	struct req *r;

	r = with(a, "sort=colour");
	ck_assert_int_eq(list_read(r, sorts, &lp), 400);
	ck_assert_str_eq(r->error, "sort must be one of name or status");
	r = with(a, "dir=up");
	ck_assert_int_eq(list_read(r, sorts, &lp), 400);
	ck_assert_ptr_nonnull(strstr(r->error, "asc or desc"));
	arena_free(a);
}
END_TEST

START_TEST(test_choices)
{
	static const struct {
		const char *qs;
		int status;
		unsigned mask;
	} cases[] = {
		{ "", 0, 0 },
		{ "c=", 0, 0 },
		{ "c=red", 0, 1 },
		{ "c=red&c=blue", 0, 5 },
		{ "c=blue,green", 0, 6 },
		{ "c=red,,green,&c=red", 0, 3 },
		{ "other=x&c=green", 0, 2 },
		{ "c=red&c=pink", 400, 0 },
		{ "c=Red", 400, 0 },
		{ "c=re", 400, 0 },
		{ "c=redd", 400, 0 },
		{ "c=red%20", 400, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct arena *a = arena_new();
		struct req *r = with(a, cases[i].qs);
		unsigned mask = 99;

		ck_assert_msg(list_choices(r, "c", colours, 3, &mask) == cases[i].status, "%s", cases[i].qs);
		if (cases[i].status == 0)
			ck_assert_msg(mask == cases[i].mask, "%s: mask %u", cases[i].qs, mask);
		else
			ck_assert_str_eq(r->error, "c must be red, green or blue (several may be given)");
		arena_free(a);
	}
}
END_TEST

static Suite *
list_suite(void)
{
	Suite *s = suite_create("list");
	TCase *core = tcase_create("core"), *limits = tcase_create("limits"),
	      *errors = tcase_create("errors");

	tcase_add_test(core, test_defaults);
	tcase_add_test(core, test_choices);
	tcase_add_test(limits, test_limit_bounds);
	tcase_add_test(errors, test_sort_and_dir_errors);
	suite_add_tcase(s, core);
	suite_add_tcase(s, limits);
	suite_add_tcase(s, errors);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(list_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
