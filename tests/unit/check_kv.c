/* check_kv.c: query strings, url-encoded forms and cookies: decoding, limits, malformed input. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "kv.h"
#include "url.h"

static struct arena *a;

static void
setup(void)
{
	a = arena_new();
}

static void
teardown(void)
{
	arena_free(a);
	a = NULL;
}

/* parse runs kv_parse_urlencoded over the C string s into a fresh list. */
static enum err
parse(const char *s, struct kvlist *l)
{
	memset(l, 0, sizeof(*l));
	return kv_parse_urlencoded(a, s, strlen(s), l);
}

static enum err
cookies(const char *s, struct kvlist *l)
{
	memset(l, 0, sizeof(*l));
	return kv_parse_cookies(a, s, l);
}

/* pairs makes "k0=v&k1=v&..." with n pairs, joined by sep (arena memory). */
static char *
pairs(int n, const char *sep)
{
	struct buf *b = buf_new(a);

	for (int i = 0; i < n; i++)
		buf_printf(b, "%sk%d=v%d", i > 0 ? sep : "", i, i);
	return arena_strdup(a, buf_cstr(b));
}

START_TEST(test_urlencoded_decodes)
{
	static const struct {
		const char *in, *k, *v;
	} cases[] = {
		{ "a=1", "a", "1" },
		{ "b=x+y%21", "b", "x y!" },
		{ "sl=%2f%2F", "sl", "//" },
		{ "plus=%2B", "plus", "+" },
		{ "a+b=c", "a b", "c" },
		{ "a%20b=c", "a b", "c" },
		{ "e=%C3%A9t%C3%A9", "e", "\xC3\xA9t\xC3\xA9" },
		{ "emoji=%F0%9F%98%80", "emoji", "\xF0\x9F\x98\x80" },
		{ "raw=\xC3\xA9", "raw", "\xC3\xA9" },
		{ "eq=a=b=c", "eq", "a=b=c" },
		{ "empty=", "empty", "" },
		{ "bare", "bare", "" },
		{ "q=%3Cscript%3E", "q", "<script>" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct kvlist l;

		ck_assert_msg(parse(cases[i].in, &l) == ERR_OK, "%s refused", cases[i].in);
		ck_assert_uint_eq(l.n, 1);
		ck_assert_str_eq(l.items[0].k, cases[i].k);
		ck_assert_str_eq(l.items[0].v, cases[i].v);
	}
}
END_TEST

START_TEST(test_urlencoded_pieces_and_order)
{
	struct kvlist l;

	ck_assert_int_eq(parse("&&a=1&&b=&c&", &l), ERR_OK);
	ck_assert_uint_eq(l.n, 3);
	ck_assert_str_eq(l.items[0].k, "a");
	ck_assert_str_eq(l.items[1].k, "b");
	ck_assert_str_eq(l.items[1].v, "");
	ck_assert_str_eq(l.items[2].k, "c");
	ck_assert_str_eq(l.items[2].v, "");
	ck_assert_ptr_null(kv_get(&l, "d"));

	ck_assert_int_eq(parse("", &l), ERR_OK);
	ck_assert_uint_eq(l.n, 0);
	ck_assert_int_eq(parse("&&&", &l), ERR_OK);
	ck_assert_uint_eq(l.n, 0);
}
END_TEST

START_TEST(test_urlencoded_repeated_keys)
{
	struct kvlist l;

	ck_assert_int_eq(parse("t=1&x=0&t=2&t=3", &l), ERR_OK);
	ck_assert_uint_eq(l.n, 4);
	ck_assert_uint_eq(kv_count(&l, "t"), 3);
	ck_assert_uint_eq(kv_count(&l, "x"), 1);
	ck_assert_uint_eq(kv_count(&l, "T"), 0);
	/* kv_get gives the first; every value is kept in the order sent. */
	ck_assert_str_eq(kv_get(&l, "t"), "1");
	ck_assert_str_eq(l.items[2].v, "2");
	ck_assert_str_eq(l.items[3].v, "3");
}
END_TEST

START_TEST(test_urlencoded_length_bounds)
{
	struct kvlist l = { 0 };
	/* Only n bytes are read: the rest is not part of the input, and no NUL is needed (malloc,
	 * so that the sanitizers see a read past the end). */
	char *s = malloc(7);

	memcpy(s, "a=1&b=2", 7);
	ck_assert_int_eq(kv_parse_urlencoded(a, s, 3, &l), ERR_OK);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_str_eq(kv_get(&l, "a"), "1");
	memset(&l, 0, sizeof(l));
	ck_assert_int_eq(kv_parse_urlencoded(a, s, 7, &l), ERR_OK);
	ck_assert_uint_eq(l.n, 2);
	ck_assert_str_eq(kv_get(&l, "b"), "2");
	free(s);
	/* A value cut mid-escape by the length is a bad escape, not a read past the end. */
	memset(&l, 0, sizeof(l));
	ck_assert_int_eq(kv_parse_urlencoded(a, "a=%41", 4, &l), ERR_INPUT);
}
END_TEST

START_TEST(test_urlencoded_rejects)
{
	static const char *const bad[] = {
		"%",
		"a=%",
		"a=%2",
		"a=%zz",
		"a=%G1",
		"a=%1G",
		"%x=1",
		"a=%00",
		"a=x%00y",
		"%00=1",
		"a=%FF",
		"a=%C3",
		"a=%C3%28",
		"a=%C0%AF",
		"a=%E0%80%AF",
		"a=%ED%A0%80",
		"a=%F4%90%80%80",
		"a=%F5%80%80%80",
		"a=\xFF",
		"\xC3=1",
		"ok=1&a=%ZZ",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct kvlist l;

		ck_assert_msg(parse(bad[i], &l) == ERR_INPUT, "%s accepted", bad[i]);
	}
}
END_TEST

START_TEST(test_urlencoded_raw_nul)
{
	struct kvlist l = { 0 };

	ck_assert_int_eq(kv_parse_urlencoded(a, "a=1\0b", 5, &l), ERR_INPUT);
}
END_TEST

START_TEST(test_url_decode_encode)
{
	char all[256];
	char *enc;

	ck_assert_str_eq(url_decode(a, "a+b%20c", 7, 0), "a+b c");
	ck_assert_str_eq(url_decode(a, "a+b%20c", 7, 1), "a b c");
	ck_assert_ptr_null(url_decode(a, "%4", 2, 0));
	ck_assert_ptr_null(url_decode(a, "%80", 3, 0));
	ck_assert_str_eq(url_decode(a, "", 0, 1), "");

	ck_assert_str_eq(url_encode(a, "a b/c?d=e&f"), "a%20b%2Fc%3Fd%3De%26f");
	ck_assert_str_eq(url_encode(a, "AZaz09-_.~"), "AZaz09-_.~");
	ck_assert_str_eq(url_encode(a, "\xC3\xA9+"), "%C3%A9%2B");
	ck_assert_str_eq(url_encode(a, ""), "");

	/* Every ASCII byte survives the round trip, with '+' read either way. */
	for (int i = 1; i < 128; i++)
		all[i - 1] = (char)i;
	all[127] = '\0';
	enc = url_encode(a, all);
	ck_assert_str_eq(url_decode(a, enc, strlen(enc), 1), all);
	ck_assert_str_eq(url_decode(a, enc, strlen(enc), 0), all);
}
END_TEST

/* The in-place decoder (the push daemon's query strings) takes bytes as they are, UTF-8 or not,
 * and refuses what url_decode refuses besides. */
START_TEST(test_url_decode_inplace)
{
	static const struct {
		const char *in, *plus, *raw; /* NULL: refused */
	} cases[] = {
		{ "", "", "" },
		{ "a+b%20c", "a b c", "a+b c" },
		{ "%41%7a%7E", "Az~", "Az~" },
		{ "%80%ff", "\x80\xff", "\x80\xff" },
		{ "%", NULL, NULL },
		{ "%4", NULL, NULL },
		{ "%4g", NULL, NULL },
		{ "%g4", NULL, NULL },
		{ "a%00b", NULL, NULL },
		{ "%2500", "%00", "%00" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (int plus = 0; plus < 2; plus++) {
			const char *want = plus ? cases[i].plus : cases[i].raw;
			char *s = arena_strdup(a, cases[i].in);

			ck_assert_msg(
			    url_decode_inplace(s, plus) == (want != NULL ? 0 : -1), "case %zu/%d", i, plus);
			if (want != NULL)
				ck_assert_msg(strcmp(s, want) == 0, "case %zu/%d: %s", i, plus, s);
		}
	}
	/* The same bytes are not UTF-8, so url_decode refuses them. */
	ck_assert_ptr_null(url_decode(a, "%80%ff", 6, 1));
	ck_assert_ptr_null(url_decode(a, "a\0b", 3, 1));
}
END_TEST

START_TEST(test_urlencoded_limit)
{
	struct kvlist l;
	char *at = pairs(KV_MAX_PAIRS, "&");
	char *past = pairs(KV_MAX_PAIRS + 1, "&");
	char *padded = pairs(KV_MAX_PAIRS, "&&&");

	ck_assert_int_eq(parse(at, &l), ERR_OK);
	ck_assert_uint_eq(l.n, KV_MAX_PAIRS);
	ck_assert_str_eq(kv_get(&l, "k255"), "v255");
	ck_assert_int_eq(parse(past, &l), ERR_TOOBIG);
	/* Empty pieces are not pairs, so they do not count. */
	ck_assert_int_eq(parse(padded, &l), ERR_OK);
	ck_assert_uint_eq(l.n, KV_MAX_PAIRS);
	ck_assert_int_eq(parse(arena_printf(a, "%s&&&", at), &l), ERR_OK);
}
END_TEST

START_TEST(test_cookies_core)
{
	struct kvlist l;

	ck_assert_int_eq(cookies("a=1; b=2", &l), ERR_OK);
	ck_assert_uint_eq(l.n, 2);
	ck_assert_str_eq(kv_get(&l, "a"), "1");
	ck_assert_str_eq(kv_get(&l, "b"), "2");

	/* Spaces and tabs around names and values are not part of them. */
	ck_assert_int_eq(cookies("  a = 1 ;\tb\t=\t2\t;c=3  ", &l), ERR_OK);
	ck_assert_uint_eq(l.n, 3);
	ck_assert_str_eq(l.items[0].k, "a");
	ck_assert_str_eq(l.items[0].v, "1");
	ck_assert_str_eq(l.items[1].k, "b");
	ck_assert_str_eq(l.items[1].v, "2");
	ck_assert_str_eq(l.items[2].k, "c");
	ck_assert_str_eq(l.items[2].v, "3");

	/* Values are taken as they are: no percent-decoding, '=' kept after the first. */
	ck_assert_int_eq(cookies("t=a%20b+c; e=x=y==", &l), ERR_OK);
	ck_assert_str_eq(kv_get(&l, "t"), "a%20b+c");
	ck_assert_str_eq(kv_get(&l, "e"), "x=y==");

	/* Repeated names keep both, first wins for kv_get. */
	ck_assert_int_eq(cookies("s=first; s=second", &l), ERR_OK);
	ck_assert_uint_eq(kv_count(&l, "s"), 2);
	ck_assert_str_eq(kv_get(&l, "s"), "first");
}
END_TEST

START_TEST(test_cookies_quoted)
{
	static const struct {
		const char *in, *v;
	} cases[] = {
		{ "q=\"abc\"", "abc" },
		{ "q= \"a b\" ", "a b" },
		{ "q=\"\"", "" },
		{ "q=\"", "\"" },
		{ "q=\"abc", "\"abc" },
		{ "q=abc\"", "abc\"" },
		{ "q=\"\"\"", "\"" },
		{ "q=", "" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct kvlist l;

		ck_assert_int_eq(cookies(cases[i].in, &l), ERR_OK);
		ck_assert_msg(l.n == 1, "%s: %zu pairs", cases[i].in, l.n);
		ck_assert_msg(strcmp(l.items[0].v, cases[i].v) == 0, "%s gave [%s], want [%s]", cases[i].in,
		    l.items[0].v, cases[i].v);
	}
}
END_TEST

START_TEST(test_cookies_malformed)
{
	struct kvlist l;

	/* Pieces without '=' and with an empty name are dropped; the good ones around them stay. */
	ck_assert_int_eq(cookies("novalue; a=1; =x;  = y ; b=2;", &l), ERR_OK);
	ck_assert_uint_eq(l.n, 2);
	ck_assert_str_eq(l.items[0].k, "a");
	ck_assert_str_eq(l.items[1].k, "b");
	ck_assert_ptr_null(kv_get(&l, ""));

	ck_assert_int_eq(cookies("", &l), ERR_OK);
	ck_assert_uint_eq(l.n, 0);
	ck_assert_int_eq(cookies(" ; ;;\t", &l), ERR_OK);
	ck_assert_uint_eq(l.n, 0);
	ck_assert_int_eq(cookies("a", &l), ERR_OK);
	ck_assert_uint_eq(l.n, 0);
	ck_assert_int_eq(cookies("a=1;;;b=2", &l), ERR_OK);
	ck_assert_uint_eq(l.n, 2);
}
END_TEST

START_TEST(test_cookies_limit)
{
	struct kvlist l;
	char *at = pairs(KV_MAX_PAIRS, "; ");
	char *past = pairs(KV_MAX_PAIRS + 1, "; ");
	struct buf *b = buf_new(a);

	ck_assert_int_eq(cookies(at, &l), ERR_OK);
	ck_assert_uint_eq(l.n, KV_MAX_PAIRS);
	ck_assert_str_eq(kv_get(&l, "k255"), "v255");
	ck_assert_int_eq(cookies(past, &l), ERR_TOOBIG);
	/* Pieces that are not pairs do not count towards the limit. */
	for (int i = 0; i < KV_MAX_PAIRS; i++)
		buf_adds(b, "junk; ");
	buf_adds(b, at);
	ck_assert_int_eq(cookies(buf_cstr(b), &l), ERR_OK);
	ck_assert_uint_eq(l.n, KV_MAX_PAIRS);
}
END_TEST

START_TEST(test_kv_add_grows)
{
	struct kvlist l = { 0 };

	for (int i = 0; i < 1000; i++)
		kv_add(a, &l, arena_printf(a, "k%d", i), arena_printf(a, "%d", i));
	ck_assert_uint_eq(l.n, 1000);
	ck_assert_str_eq(kv_get(&l, "k0"), "0");
	ck_assert_str_eq(kv_get(&l, "k999"), "999");
}
END_TEST

static Suite *
kv_suite(void)
{
	Suite *s = suite_create("kv");
	TCase *core = tcase_create("core"), *limits = tcase_create("limits"),
	      *errors = tcase_create("errors");

	tcase_add_checked_fixture(core, setup, teardown);
	tcase_add_checked_fixture(limits, setup, teardown);
	tcase_add_checked_fixture(errors, setup, teardown);
	tcase_add_test(core, test_urlencoded_decodes);
	tcase_add_test(core, test_urlencoded_pieces_and_order);
	tcase_add_test(core, test_urlencoded_repeated_keys);
	tcase_add_test(core, test_url_decode_encode);
	tcase_add_test(errors, test_url_decode_inplace);
	tcase_add_test(core, test_cookies_core);
	tcase_add_test(core, test_cookies_quoted);
	tcase_add_test(core, test_kv_add_grows);
	tcase_add_test(limits, test_urlencoded_length_bounds);
	tcase_add_test(limits, test_urlencoded_limit);
	tcase_add_test(limits, test_cookies_limit);
	tcase_add_test(errors, test_urlencoded_rejects);
	tcase_add_test(errors, test_urlencoded_raw_nul);
	tcase_add_test(errors, test_cookies_malformed);
	suite_add_tcase(s, core);
	suite_add_tcase(s, limits);
	suite_add_tcase(s, errors);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(kv_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
