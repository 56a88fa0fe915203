/* check_sse_sub.c: subscription sets (sse/sub.c): all, only some, or all but some, per dimension. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sub.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* name_of writes a name of len characters ('a'..'z' cycled) into buf. */
static const char *
name_of(char *buf, size_t len, char fill)
{
	memset(buf, fill, len);
	buf[len] = '\0';
	return buf;
}

START_TEST(test_sub_name_ok)
{
	static const struct {
		const char *s;
		bool ok;
	} cases[] = {
		{ "CLUSTER_UPDATED", true },
		{ "a", true },
		{ "0", true },
		{ "ns.sub:kind-1_x", true },
		{ "123e4567-e89b-12d3-a456-426614174000", true },
		{ "", false },
		{ " ", false },
		{ "a b", false },
		{ "a,b", false },
		{ "a/b", false },
		{ "a\tb", false },
		{ "a\nb", false },
		{ "é", false },
		{ "a*", false },
		{ "a%2C", false },
	};
	char buf[SUB_NAME_MAX + 2];

	for (size_t i = 0; i < N(cases); i++)
		for (int d = 0; d < SUB__MAX; d++)
			ck_assert_msg(sub_name_ok((enum sub_dim)d, cases[i].s) == cases[i].ok,
			    "dim %d \"%s\"", d, cases[i].s);
	for (int d = 0; d < SUB__MAX; d++) {
		ck_assert(sub_name_ok((enum sub_dim)d, name_of(buf, SUB_NAME_MAX - 1, 'x')));
		ck_assert(sub_name_ok((enum sub_dim)d, name_of(buf, SUB_NAME_MAX, 'x')));
		ck_assert(!sub_name_ok((enum sub_dim)d, name_of(buf, SUB_NAME_MAX + 1, 'x')));
	}
}
END_TEST

/* matches checks sub_match over a grid of types and clusters against a string of 0/1, row-major
 * (types outer). */
static void
expect_grid(const struct sub *s, const char *want, int line)
{
	static const char *const types[] = { "A", "B", "C", "" };
	static const char *const clusters[] = { "c1", "c2", "" };
	size_t k = 0;

	for (size_t i = 0; i < N(types); i++)
		for (size_t j = 0; j < N(clusters); j++, k++)
			ck_assert_msg(sub_match(s, types[i], clusters[j]) == (want[k] == '1'),
			    "line %d: sub_match(\"%s\", \"%s\") != %c", line, types[i], clusters[j], want[k]);
}
#define GRID(s, want) expect_grid((s), (want), __LINE__)

START_TEST(test_sub_change_types)
{
	static const char *const ab[] = { "A", "B" }, *const a[] = { "A" }, *const b[] = { "B" },
				 *const c[] = { "C" };
	struct sub *s = NULL;

	/* NULL takes everything. */
	GRID(s,
	    "111"
	    "111"
	    "111"
	    "111");
	/* Nothing to change leaves NULL. */
	ck_assert_int_eq(sub_change(&s, SUB_TYPES, true, NULL, 0), ERR_OK);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(sub_change(&s, SUB_TYPES, false, NULL, 0), ERR_OK);
	ck_assert_ptr_null(s);

	/* all -> only A, B */
	ck_assert_int_eq(sub_change(&s, SUB_TYPES, true, ab, 2), ERR_OK);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(s->set[SUB_TYPES].mode, SUB_ONLY);
	ck_assert_uint_eq(s->set[SUB_TYPES].n, 2);
	ck_assert_uint_eq(s->set[SUB_CLUSTERS].mode, SUB_ALL);
	GRID(s,
	    "111"
	    "111"
	    "000"
	    "000");
	/* only -> more (A again is not a duplicate) */
	ck_assert_int_eq(sub_change(&s, SUB_TYPES, true, a, 1), ERR_OK);
	ck_assert_uint_eq(s->set[SUB_TYPES].n, 2);
	ck_assert_int_eq(sub_change(&s, SUB_TYPES, true, c, 1), ERR_OK);
	ck_assert_uint_eq(s->set[SUB_TYPES].n, 3);
	GRID(s,
	    "111"
	    "111"
	    "111"
	    "000");
	/* only -> fewer */
	ck_assert_int_eq(sub_change(&s, SUB_TYPES, false, ab, 2), ERR_OK);
	ck_assert_uint_eq(s->set[SUB_TYPES].mode, SUB_ONLY);
	ck_assert_uint_eq(s->set[SUB_TYPES].n, 1);
	GRID(s,
	    "000"
	    "000"
	    "111"
	    "000");
	/* only -> none left: still "only", matching nothing (not back to all) */
	ck_assert_int_eq(sub_change(&s, SUB_TYPES, false, c, 1), ERR_OK);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(s->set[SUB_TYPES].mode, SUB_ONLY);
	ck_assert_uint_eq(s->set[SUB_TYPES].n, 0);
	GRID(s,
	    "000"
	    "000"
	    "000"
	    "000");
	/* removing what is not there changes nothing */
	ck_assert_int_eq(sub_change(&s, SUB_TYPES, false, a, 1), ERR_OK);
	GRID(s,
	    "000"
	    "000"
	    "000"
	    "000");
	sub_reset(&s);
	ck_assert_ptr_null(s);
	GRID(s,
	    "111"
	    "111"
	    "111"
	    "111");

	/* all -> all except A */
	ck_assert_int_eq(sub_change(&s, SUB_TYPES, false, a, 1), ERR_OK);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(s->set[SUB_TYPES].mode, SUB_EXCEPT);
	GRID(s,
	    "000"
	    "111"
	    "111"
	    "111");
	/* except -> more exceptions */
	ck_assert_int_eq(sub_change(&s, SUB_TYPES, false, b, 1), ERR_OK);
	ck_assert_uint_eq(s->set[SUB_TYPES].n, 2);
	GRID(s,
	    "000"
	    "000"
	    "111"
	    "111");
	/* except -> fewer exceptions */
	ck_assert_int_eq(sub_change(&s, SUB_TYPES, true, a, 1), ERR_OK);
	ck_assert_uint_eq(s->set[SUB_TYPES].mode, SUB_EXCEPT);
	GRID(s,
	    "111"
	    "000"
	    "111"
	    "111");
	/* subscribing to something not excepted changes nothing */
	ck_assert_int_eq(sub_change(&s, SUB_TYPES, true, c, 1), ERR_OK);
	GRID(s,
	    "111"
	    "000"
	    "111"
	    "111");
	/* except -> no exceptions left: back to everything, and s is freed (NULL) */
	ck_assert_int_eq(sub_change(&s, SUB_TYPES, true, b, 1), ERR_OK);
	ck_assert_ptr_null(s);
	GRID(s,
	    "111"
	    "111"
	    "111"
	    "111");
}
END_TEST

START_TEST(test_sub_change_both)
{
	static const char *const a[] = { "A" }, *const c1[] = { "c1" }, *const c2[] = { "c2" };
	struct sub *s = NULL;

	/* Types and clusters must both pass. */
	ck_assert_int_eq(sub_change(&s, SUB_TYPES, true, a, 1), ERR_OK);
	ck_assert_int_eq(sub_change(&s, SUB_CLUSTERS, true, c1, 1), ERR_OK);
	GRID(s,
	    "100"
	    "000"
	    "000"
	    "000");
	ck_assert_int_eq(sub_change(&s, SUB_CLUSTERS, true, c2, 1), ERR_OK);
	GRID(s,
	    "110"
	    "000"
	    "000"
	    "000");
	/* Undoing the type filter leaves the cluster one: s stays. */
	ck_assert_int_eq(sub_change(&s, SUB_TYPES, false, a, 1), ERR_OK);
	ck_assert_ptr_nonnull(s);
	GRID(s,
	    "000"
	    "000"
	    "000"
	    "000");
	sub_reset(&s);

	/* except clusters c1, with all types */
	ck_assert_int_eq(sub_change(&s, SUB_CLUSTERS, false, c1, 1), ERR_OK);
	ck_assert_uint_eq(s->set[SUB_TYPES].mode, SUB_ALL);
	GRID(s,
	    "011"
	    "011"
	    "011"
	    "011");
	/* only type A, except cluster c1 */
	ck_assert_int_eq(sub_change(&s, SUB_TYPES, true, a, 1), ERR_OK);
	GRID(s,
	    "011"
	    "000"
	    "000"
	    "000");
	/* clusters back to all; types still only A */
	ck_assert_int_eq(sub_change(&s, SUB_CLUSTERS, true, c1, 1), ERR_OK);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(s->set[SUB_CLUSTERS].mode, SUB_ALL);
	ck_assert_uint_eq(s->set[SUB_CLUSTERS].n, 0);
	GRID(s,
	    "111"
	    "000"
	    "000"
	    "000");
	sub_free(s);
	sub_free(NULL);
}
END_TEST

START_TEST(test_sub_change_refused)
{
	static const char *const bad[] = { "A", "b c" }, *const a[] = { "A" }, *const empty[] = { "" };
	struct sub *s = NULL;

	/* A bad name refuses the whole call: *s untouched. */
	ck_assert_int_eq(sub_change(&s, SUB_TYPES, true, bad, 2), ERR_INPUT);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(sub_change(&s, SUB_CLUSTERS, false, empty, 1), ERR_INPUT);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(sub_change(&s, SUB_TYPES, true, a, 1), ERR_OK);
	ck_assert_int_eq(sub_change(&s, SUB_TYPES, true, bad, 2), ERR_INPUT);
	ck_assert_uint_eq(s->set[SUB_TYPES].n, 1);
	ck_assert_int_eq(sub_change(&s, SUB_TYPES, false, bad, 2), ERR_INPUT);
	ck_assert_uint_eq(s->set[SUB_TYPES].n, 1);
	GRID(s,
	    "111"
	    "000"
	    "000"
	    "000");
	sub_free(s);
}
END_TEST

/* SUB_NAMES_MAX names fit in a set; one more is ERR_TOOBIG and leaves *s unchanged. */
START_TEST(test_sub_change_limit)
{
	char store[SUB_NAMES_MAX + 2][8];
	const char *names[SUB_NAMES_MAX + 2];
	struct sub *s = NULL;

	for (size_t i = 0; i < N(names); i++) {
		snprintf(store[i], sizeof(store[i]), "n%zu", i);
		names[i] = store[i];
	}
	for (int add = 0; add < 2; add++) {
		enum sub_mode want = add ? SUB_ONLY : SUB_EXCEPT;

		/* one past the limit in one call */
		ck_assert_int_eq(sub_change(&s, SUB_CLUSTERS, add, names, SUB_NAMES_MAX + 1), ERR_TOOBIG);
		ck_assert_ptr_null(s);
		/* at the limit */
		ck_assert_int_eq(sub_change(&s, SUB_CLUSTERS, add, names, SUB_NAMES_MAX), ERR_OK);
		ck_assert_ptr_nonnull(s);
		ck_assert_uint_eq(s->set[SUB_CLUSTERS].mode, want);
		ck_assert_uint_eq(s->set[SUB_CLUSTERS].n, SUB_NAMES_MAX);
		/* names already there do not count again */
		ck_assert_int_eq(sub_change(&s, SUB_CLUSTERS, add, names, 3), ERR_OK);
		ck_assert_uint_eq(s->set[SUB_CLUSTERS].n, SUB_NAMES_MAX);
		/* one more, alone or with names already there */
		ck_assert_int_eq(sub_change(&s, SUB_CLUSTERS, add, names + SUB_NAMES_MAX, 1), ERR_TOOBIG);
		ck_assert_int_eq(sub_change(&s, SUB_CLUSTERS, add, names + 1, SUB_NAMES_MAX), ERR_TOOBIG);
		ck_assert_uint_eq(s->set[SUB_CLUSTERS].mode, want);
		ck_assert_uint_eq(s->set[SUB_CLUSTERS].n, SUB_NAMES_MAX);
		ck_assert(sub_match(s, "T", store[SUB_NAMES_MAX - 1]) == (bool)add);
		ck_assert(sub_match(s, "T", store[SUB_NAMES_MAX]) == !add);
		/* shrinking is never refused, whatever the count */
		ck_assert_int_eq(sub_change(&s, SUB_CLUSTERS, !add, names, SUB_NAMES_MAX + 2), ERR_OK);
		if (add) {
			ck_assert_ptr_nonnull(s); /* only, now empty: nothing */
			ck_assert(!sub_match(s, "T", store[0]));
			sub_reset(&s);
		} else {
			ck_assert_ptr_null(s); /* no exceptions left: all */
		}
	}
	{
		/* Duplicates within one call count once: SUB_NAMES_MAX distinct plus repeats fit. */
		const char *dup[SUB_NAMES_MAX + 4];

		for (size_t i = 0; i < SUB_NAMES_MAX; i++)
			dup[i] = names[i];
		for (size_t i = 0; i < 4; i++)
			dup[SUB_NAMES_MAX + i] = names[i];
		ck_assert_int_eq(sub_change(&s, SUB_TYPES, true, dup, N(dup)), ERR_OK);
		ck_assert_uint_eq(s->set[SUB_TYPES].n, SUB_NAMES_MAX);
		sub_free(s);
		s = NULL;
	}
	/* The limit is per set: the other dimension has its own. */
	ck_assert_int_eq(sub_change(&s, SUB_TYPES, true, names, SUB_NAMES_MAX), ERR_OK);
	ck_assert_int_eq(sub_change(&s, SUB_CLUSTERS, true, names, SUB_NAMES_MAX), ERR_OK);
	sub_free(s);
}
END_TEST

START_TEST(test_sub_nothing)
{
	static const char *const a[] = { "A" }, *const c1[] = { "c1" };
	struct sub *s = NULL;

	sub_nothing(&s);
	ck_assert_ptr_nonnull(s);
	GRID(s,
	    "000"
	    "000"
	    "000"
	    "000");
	/* replacing an existing subscription frees it (checked by valgrind) */
	ck_assert_int_eq(sub_change(&s, SUB_CLUSTERS, true, c1, 1), ERR_OK);
	sub_nothing(&s);
	GRID(s,
	    "000"
	    "000"
	    "000"
	    "000");
	/* unsubscribing keeps nothing */
	ck_assert_int_eq(sub_change(&s, SUB_TYPES, false, a, 1), ERR_OK);
	GRID(s,
	    "000"
	    "000"
	    "000"
	    "000");
	/* subscribing again gives only those */
	ck_assert_int_eq(sub_change(&s, SUB_TYPES, true, a, 1), ERR_OK);
	GRID(s,
	    "111"
	    "000"
	    "000"
	    "000");
	sub_reset(&s);
	ck_assert_ptr_null(s);
	sub_reset(&s); /* on NULL too */
	ck_assert_ptr_null(s);
}
END_TEST
static Suite *
sub_suite(void)
{
	Suite *s = suite_create("sse_sub");
	TCase *core = tcase_create("core");
	TCase *limits = tcase_create("limits");
	TCase *errors = tcase_create("errors");

	tcase_add_test(core, test_sub_name_ok);
	tcase_add_test(core, test_sub_change_types);
	tcase_add_test(core, test_sub_change_both);
	tcase_add_test(core, test_sub_nothing);
	suite_add_tcase(s, core);
	tcase_add_test(limits, test_sub_change_limit);
	suite_add_tcase(s, limits);
	tcase_add_test(errors, test_sub_change_refused);
	suite_add_tcase(s, errors);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(sub_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
