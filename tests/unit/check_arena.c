/* check_arena.c: the request arena: alignment, growth, large blocks, cleanups, reset. */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

static int cleaned[8], ncleaned;

static void
note_cleanup(void *arg)
{
	cleaned[ncleaned++] = (int)(intptr_t)arg;
}

START_TEST(test_alloc_aligned)
{
	struct arena *a = arena_new();

	for (int i = 1; i < 200; i++) {
		void *p = arena_alloc(a, (size_t)i);

		ck_assert_uint_eq((uintptr_t)p % 16, 0);
		memset(p, 0xAB, (size_t)i);
	}
	arena_free(a);
}
END_TEST

START_TEST(test_grows_and_large)
{
	struct arena *a = arena_new();
	char *small = arena_strdup(a, "kept");
	char *big = arena_alloc(a, 1 << 20);

	memset(big, 1, 1 << 20);
	for (int i = 0; i < 10000; i++)
		arena_alloc(a, 100);
	/* The small string survives the large block and the growth around it. */
	ck_assert_str_eq(small, "kept");
	ck_assert_uint_ge(arena_used(a), (size_t)(1 << 20) + 10000 * 100);
	arena_free(a);
}
END_TEST

START_TEST(test_printf_and_strndup)
{
	struct arena *a = arena_new();

	ck_assert_str_eq(arena_printf(a, "%s-%d", "x", 42), "x-42");
	ck_assert_str_eq(arena_strndup(a, "abcdef", 3), "abc");
	ck_assert_ptr_null(arena_strdup(a, NULL));
	arena_free(a);
}
END_TEST

START_TEST(test_cleanups_reverse_order_on_reset)
{
	struct arena *a = arena_new();

	ncleaned = 0;
	arena_cleanup(a, note_cleanup, (void *)1);
	arena_cleanup(a, note_cleanup, (void *)2);
	arena_reset(a);
	ck_assert_int_eq(ncleaned, 2);
	ck_assert_int_eq(cleaned[0], 2);
	ck_assert_int_eq(cleaned[1], 1);
	ck_assert_uint_eq(arena_used(a), 0);
	/* Usable again after the reset, and cleanups run on free too. */
	arena_cleanup(a, note_cleanup, (void *)3);
	ck_assert_str_eq(arena_strdup(a, "again"), "again");
	arena_free(a);
	ck_assert_int_eq(ncleaned, 3);
	ck_assert_int_eq(cleaned[2], 3);
}
END_TEST

static Suite *
arena_suite(void)
{
	Suite *s = suite_create("arena");
	TCase *core = tcase_create("core"), *limits = tcase_create("limits");

	tcase_add_test(core, test_alloc_aligned);
	tcase_add_test(core, test_printf_and_strndup);
	tcase_add_test(core, test_cleanups_reverse_order_on_reset);
	tcase_add_test(limits, test_grows_and_large);
	suite_add_tcase(s, core);
	suite_add_tcase(s, limits);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(arena_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
