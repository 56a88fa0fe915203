/* check_sse_hub.c: the hub (sse/hub.c): stream ids, event references, and the queue clients walk
 * along. */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hub.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

START_TEST(test_sid_parse_table)
{
	static const struct {
		const char *s;
		int want;
		uint64_t ms, seq;
	} cases[] = {
		{ "0-0", 0, 0, 0 },
		{ "1-2", 0, 1, 2 },
		{ "1700000000000-3", 0, 1700000000000ULL, 3 },
		{ "007-008", 0, 7, 8 },
		{ "18446744073709551615-18446744073709551615", 0, UINT64_MAX, UINT64_MAX },
		{ "18446744073709551615-0", 0, UINT64_MAX, 0 },
		{ "18446744073709551614-0", 0, UINT64_MAX - 1, 0 },
		{ "1844674407370955161-0", 0, UINT64_MAX / 10, 0 },
		{ "00000000000000000000000000018446744073709551615-1", 0, UINT64_MAX, 1 },
		/* one past UINT64_MAX, and further */
		{ "18446744073709551616-0", -1, 0, 0 },
		{ "0-18446744073709551616", -1, 0, 0 },
		{ "18446744073709551620-0", -1, 0, 0 },
		{ "28446744073709551615-0", -1, 0, 0 },
		{ "184467440737095516150-0", -1, 0, 0 },
		{ "99999999999999999999999-0", -1, 0, 0 },
		/* shape */
		{ "", -1, 0, 0 },
		{ "-", -1, 0, 0 },
		{ "1", -1, 0, 0 },
		{ "1-", -1, 0, 0 },
		{ "-1", -1, 0, 0 },
		{ "1--1", -1, 0, 0 },
		{ "1-2-3", -1, 0, 0 },
		{ "+1-2", -1, 0, 0 },
		{ "1-+2", -1, 0, 0 },
		{ "-1-2", -1, 0, 0 },
		{ " 1-2", -1, 0, 0 },
		{ "1-2 ", -1, 0, 0 },
		{ "1 -2", -1, 0, 0 },
		{ "1- 2", -1, 0, 0 },
		{ "1-2\n", -1, 0, 0 },
		{ "0x1-2", -1, 0, 0 },
		{ "1-*", -1, 0, 0 },
		{ "*", -1, 0, 0 },
		{ "$", -1, 0, 0 },
		{ "1.5-2", -1, 0, 0 },
		{ "a-b", -1, 0, 0 },
		{ "1", -1, 0, 0 },
	};

	for (size_t i = 0; i < N(cases); i++) {
		struct sid id = { 77, 77 };
		int got = sid_parse(cases[i].s, strlen(cases[i].s), &id);

		ck_assert_msg(
		    got == cases[i].want, "sid_parse(\"%s\") = %d, want %d", cases[i].s, got, cases[i].want);
		if (got == 0) {
			ck_assert_msg(
			    id.ms == cases[i].ms && id.seq == cases[i].seq, "sid_parse(\"%s\")", cases[i].s);
		} else {
			/* a refused id leaves out alone */
			ck_assert_msg(id.ms == 77 && id.seq == 77, "sid_parse(\"%s\") wrote out", cases[i].s);
		}
	}
}
END_TEST

/* Exactly n bytes are read: what follows is not looked at, and a short n cuts the id. */
START_TEST(test_sid_parse_length)
{
	static const char s[] = "12-34xyz";
	struct sid id;

	ck_assert_int_eq(sid_parse(s, 5, &id), 0);
	ck_assert_uint_eq(id.ms, 12);
	ck_assert_uint_eq(id.seq, 34);
	ck_assert_int_eq(sid_parse(s, 4, &id), 0);
	ck_assert_uint_eq(id.seq, 3);
	ck_assert_int_eq(sid_parse(s, 3, &id), -1); /* "12-" */
	ck_assert_int_eq(sid_parse(s, 2, &id), -1);
	ck_assert_int_eq(sid_parse(s, 0, &id), -1);
	ck_assert_int_eq(sid_parse(s, 6, &id), -1); /* "12-34x" */
	ck_assert_int_eq(sid_parse("1-2\0", 4, &id), -1); /* an embedded NUL is not an end */
	{
		/* Not NUL-terminated: a buffer holding only the id. */
		char *b = malloc(3);

		memcpy(b, "9-9", 3);
		ck_assert_int_eq(sid_parse(b, 3, &id), 0);
		ck_assert_uint_eq(id.ms, 9);
		ck_assert_uint_eq(id.seq, 9);
		ck_assert_int_eq(sid_parse(b, 2, &id), -1);
		free(b);
	}
}
END_TEST

START_TEST(test_sid_cmp_format)
{
	static const struct sid ids[] = {
		{ 0, 0 },
		{ 0, 1 },
		{ 0, UINT64_MAX },
		{ 1, 0 },
		{ 1, 1 },
		{ 1700000000000ULL, 0 },
		{ 1700000000000ULL, 5 },
		{ UINT64_MAX - 1, UINT64_MAX },
		{ UINT64_MAX, 0 },
		{ UINT64_MAX, UINT64_MAX },
	};

	/* ids is sorted: sid_cmp must agree with the index order, sign only. */
	for (size_t i = 0; i < N(ids); i++)
		for (size_t j = 0; j < N(ids); j++) {
			int c = sid_cmp(&ids[i], &ids[j]);
			int want = i < j ? -1 : i > j ? 1 : 0;

			ck_assert_msg((c > 0) - (c < 0) == want, "sid_cmp(%zu, %zu) = %d", i, j, c);
		}
	/* sid_format round-trips through sid_parse and fits SID_MAX. */
	for (size_t i = 0; i < N(ids); i++) {
		char out[SID_MAX];
		struct sid back;

		sid_format(&ids[i], out);
		ck_assert_uint_lt(strlen(out), SID_MAX);
		ck_assert_int_eq(sid_parse(out, strlen(out), &back), 0);
		ck_assert_int_eq(sid_cmp(&back, &ids[i]), 0);
	}
	{
		char out[SID_MAX];
		const struct sid max = { UINT64_MAX, UINT64_MAX }, one = { 1700000000000ULL, 3 };

		sid_format(&max, out);
		ck_assert_str_eq(out, "18446744073709551615-18446744073709551615");
		ck_assert_uint_eq(strlen(out), SID_MAX - 1);
		sid_format(&one, out);
		ck_assert_str_eq(out, "1700000000000-3");
	}
}
END_TEST
/* ---- events and the queue ---- */

/* References: the hub's and every output buffer's; the last ev_unref frees (the sanitizer build
 * reports a leak or a use after free). */
START_TEST(test_ev_refs)
{
	const char *why;
	struct ev *e = ev_make("1-1", 3, "A", NULL, NULL, "{}", 2, &why);

	ev_ref(e);
	ev_ref(e);
	ck_assert_uint_eq(e->refs, 3);
	ev_unref(e);
	ev_unref(e);
	ck_assert_uint_eq(e->refs, 1);
	ck_assert_str_eq(e->type, "A");
	ev_unref(e);
	ev_unref(NULL);
}
END_TEST
/* item makes a small event for the queue (caller owns the reference). */
static struct ev *
item(const char *id)
{
	const char *why;
	struct ev *e = ev_make(id, strlen(id), "A", NULL, NULL, "{}", 2, &why);

	ck_assert_msg(e != NULL, "%s", why);
	return e;
}

/* The queue keeps what a cursor is parked on or behind, counts lag in bytes, and frees the rest. */
START_TEST(test_hub_park_trim_lag)
{
	struct hub h;
	struct ev *a, *b, *c, *cursor = NULL, *other = NULL;

	hub_init(&h);
	hub_park(&cursor, h.tail); /* a client joined before any event */
	ck_assert_uint_eq(h.tail->parked, 1);
	hub_append(&h, a = item("1-1"));
	hub_append(&h, b = item("1-2"));
	hub_append(&h, c = item("1-3"));
	ck_assert_ptr_eq(h.tail, c);
	ck_assert_uint_eq(hub_lag(&h, cursor), a->sse_len + b->sse_len + c->sse_len);
	ck_assert_uint_eq(hub_lag(&h, b), c->sse_len);
	hub_park(&other, c);
	hub_park(&cursor, b); /* moves on: the sentinel and a are free to go */
	ck_assert_uint_eq(b->parked, 1);
	ck_assert_uint_eq(c->parked, 1);
	ev_ref(a); /* an output buffer still sends a's bytes */
	hub_trim(&h);
	ck_assert_ptr_eq(h.head, b);
	ck_assert_uint_eq(a->refs, 1);
	ck_assert_ptr_null(a->next);
	ev_unref(a);
	hub_trim(&h); /* b is held: nothing moves */
	ck_assert_ptr_eq(h.head, b);
	hub_park(&cursor, c);
	ck_assert_uint_eq(c->parked, 2);
	hub_trim(&h); /* the tail always stays */
	ck_assert_ptr_eq(h.head, c);
	ck_assert_ptr_eq(h.tail, c);
	ck_assert_uint_eq(hub_lag(&h, cursor), 0);
	hub_free(&h);
}
END_TEST

static Suite *
hub_suite(void)
{
	Suite *s = suite_create("sse_hub");
	TCase *core = tcase_create("core");
	TCase *limits = tcase_create("limits");

	tcase_add_test(core, test_sid_parse_table);
	tcase_add_test(core, test_sid_cmp_format);
	tcase_add_test(core, test_ev_refs);
	tcase_add_test(core, test_hub_park_trim_lag);
	suite_add_tcase(s, core);
	tcase_add_test(limits, test_sid_parse_length);
	suite_add_tcase(s, limits);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(hub_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
