/* check_json.c: bounded JSON input (depth, malformed text, input in pieces) and the JSON writers. */
#include "config.h"

#include <check.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "arena.h"
#include "buf.h"
#include "json.h"
#include "jsonesc.h"
#include "jw.h"
#include "utf8.h"

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

/* nested makes depth levels (at least one) of open, as {"k": for objects, a 1 in the middle, and
 * the matching closes (arena memory). */
static char *
nested(int depth, char open)
{
	struct buf *b = buf_new(a);

	for (int i = 0; i < depth; i++)
		buf_adds(b, open == '{' ? "{\"k\":" : "[");
	buf_addc(b, '1');
	for (int i = 0; i < depth; i++)
		buf_addc(b, open == '{' ? '}' : ']');
	return arena_strdup(a, buf_cstr(b));
}

/* parse_exact runs json_parse over a malloc'd copy of exactly n bytes, without a NUL after them,
 * so that the sanitizers and valgrind catch any read past the end. */
static enum err
parse_exact(const char *s, size_t n, int depth, json_t **out, const char **why)
{
	char *copy = malloc(n > 0 ? n : 1);
	enum err e;

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, s, n);
	e = json_parse(a, copy, n, depth, out, why);
	free(copy);
	return e;
}

START_TEST(test_parse_values)
{
	const char *doc = "{\"name\":\"c1\",\"n\":42,\"gpu\":true,\"labels\":{\"a\":\"b\"},\"list\":[1,2,3],"
			  "\"none\":null,\"esc\":\"\\u00e9\\n\\\"\"}";
	const char *why = "untouched";
	json_t *j;

	ck_assert_int_eq(json_parse(a, doc, strlen(doc), 8, &j, &why), ERR_OK);
	ck_assert_ptr_null(why);
	ck_assert(json_is_object(j));
	ck_assert_str_eq(json_str(j, "name"), "c1");
	ck_assert_int_eq(json_integer_value(json_object_get(j, "n")), 42);
	ck_assert(json_is_true(json_object_get(j, "gpu")));
	ck_assert_str_eq(json_str(json_object_get(j, "labels"), "a"), "b");
	ck_assert_uint_eq(json_array_size(json_object_get(j, "list")), 3);
	ck_assert(json_is_null(json_object_get(j, "none")));
	ck_assert_str_eq(json_str(j, "esc"), "\xC3\xA9\n\"");
	/* json_str is NULL for a missing member and for one that is not a string. */
	ck_assert_ptr_null(json_str(j, "missing"));
	ck_assert_ptr_null(json_str(j, "n"));
	/* Only n bytes count: what follows them is not read. */
	ck_assert_int_eq(json_parse(a, "[1]garbage", 3, 8, &j, &why), ERR_OK);
	ck_assert_uint_eq(json_array_size(j), 1);
}
END_TEST

START_TEST(test_parse_owned_by_arena)
{
	const char *why;
	json_t *j;

	/* The arena holds the only reference: freeing it must release the tree (valgrind sees a
	 * leak otherwise), and the value must be alive until then. */
	ck_assert_int_eq(json_parse(a, "{\"big\":[1,2,3,\"x\"]}", 19, 8, &j, &why), ERR_OK);
	ck_assert_int_eq(j->refcount, 1);
	ck_assert_ptr_eq(json_own(a, NULL), NULL);
}
END_TEST

START_TEST(test_depth_limit)
{
	static const int limits[] = { 1, 2, 5, 32 };
	const char *why;
	json_t *j;

	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		int lim = limits[i];

		for (int o = 0; o < 2; o++) {
			char open = o == 0 ? '[' : '{';
			const char *at = nested(lim, open), *past = nested(lim + 1, open);

			ck_assert_msg(json_parse(a, at, strlen(at), lim, &j, &why) == ERR_OK,
			    "%s refused at limit %d: %s", at, lim, why ? why : "");
			ck_assert_ptr_nonnull(j);
			ck_assert_int_eq(json_parse(a, past, strlen(past), lim, &j, &why), ERR_TOOBIG);
			ck_assert_ptr_null(j);
			ck_assert_ptr_nonnull(why);
			ck_assert_msg(strstr(why, arena_printf(a, "%d", lim)) != NULL, "why: %s", why);
		}
	}
}
END_TEST

START_TEST(test_depth_counts_nesting_not_brackets)
{
	const char *why;
	json_t *j;
	/* Brackets inside strings, escaped quotes and backslashes are not nesting; each document is
	 * accepted at its real depth and refused one below it. */
	static const struct {
		const char *doc;
		int depth;
	} cases[] = {
		{ "[\"[[[[{{{{\"]", 1 },
		{ "[\"\\\"[[[[\"]", 1 },
		{ "[\"\\\\\",\"[[[[\"]", 1 },
		{ "{\"[[[[\":\"}}}}]]]]\"}", 1 },
		{ "[[1],[2],[3],[4],[5]]", 2 },
		{ "[{\"a\":[]},{\"b\":{}},[[]]]", 3 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *d = cases[i].doc;

		ck_assert_msg(json_parse(a, d, strlen(d), cases[i].depth, &j, &why) == ERR_OK, "%s: %s", d,
		    why ? why : "");
		ck_assert_msg(json_parse(a, d, strlen(d), cases[i].depth - 1, &j, &why) == ERR_TOOBIG,
		    "%s accepted below its depth", d);
	}
	/* "[[1],[2]]" is two deep, not three: siblings do not add up. */
	ck_assert_int_eq(json_parse(a, "[[1],[2]]", 9, 2, &j, &why), ERR_OK);
	ck_assert_int_eq(json_parse(a, "[[1],[[2]]]", 11, 2, &j, &why), ERR_TOOBIG);
	/* A backslash before the closing quote escapes it: the rest is still in the string. */
	ck_assert_int_eq(json_parse(a, "[\"\\\"]]]]\"]", 10, 1, &j, &why), ERR_OK);
}
END_TEST

START_TEST(test_malformed)
{
	static const char *const bad[] = {
		"",
		" ",
		"{",
		"[",
		"}",
		"[1,]",
		"{\"a\":1,}",
		"{'a':1}",
		"{a:1}",
		"[1] x",
		"[1][2]",
		"[nul]",
		"[01]",
		"[1.]",
		"[\"a\nb\"]",
		"[\"\\x41\"]",
		"[\"\\ud800\"]",
		"[\"\xFF\"]",
		"[\"\xC0\xAF\"]",
		"[\"\\u0000\"]",
		"{\"a\":1,\"a\":2}",
		"[NaN]",
		"[Infinity]",
		"/* c */ [1]",
	};
	const char *why;
	json_t *j;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		ck_assert_msg(
		    json_parse(a, bad[i], strlen(bad[i]), 8, &j, &why) == ERR_INPUT, "%s accepted", bad[i]);
		ck_assert_ptr_null(j);
		ck_assert_ptr_nonnull(why);
		ck_assert_msg(strstr(why, "invalid JSON at line ") != NULL, "why: %s", why);
	}
	/* The reason says where: the second line, for a fault on it. */
	ck_assert_int_eq(json_parse(a, "[1,\n2,,]", 8, 8, &j, &why), ERR_INPUT);
	ck_assert_msg(strstr(why, "line 2") != NULL, "why: %s", why);
	/* A NUL byte inside the n bytes is not the end of the text. */
	ck_assert_int_eq(json_parse(a, "[1]\0", 4, 8, &j, &why), ERR_INPUT);
	ck_assert_int_eq(json_parse(a, "[\"a\0b\"]", 7, 8, &j, &why), ERR_INPUT);
}
END_TEST

/* The depth check is the one parser here that takes its input in pieces: fed one byte at a time, or
 * split at every point, it must come to the same answer as fed whole. */
START_TEST(test_depth_fed_in_pieces)
{
	static const struct {
		const char *doc;
		int depth;
	} docs[] = {
		{ "{\"k\":\"a\\\\\\\"[[[\",\"l\":[[1,{\"m\":[]}]],\"z\":\"]]]}}}\"}", 5 },
		{ "[[[[\"\\\\\"]]]]", 4 },
		{ "[\"\\\"\",[[[\"\\\\\\\"[\"]]]]", 4 },
	};

	for (size_t d = 0; d < sizeof(docs) / sizeof(docs[0]); d++) {
		const char *s = docs[d].doc;
		size_t n = strlen(s);
		struct json_depth whole;
		int max;

		json_depth_init(&whole, 100);
		ck_assert_int_eq(json_depth_feed(&whole, s, n), ERR_OK);
		ck_assert_int_eq(whole.depth, 0);
		ck_assert(!whole.in_string);
		max = whole.max;
		ck_assert_int_eq(max, docs[d].depth);

		for (int lim = max - 1; lim <= max; lim++) {
			struct json_depth bytes;
			enum err e = ERR_OK;
			size_t stop = n;

			json_depth_init(&bytes, lim);
			for (size_t i = 0; i < n && e == ERR_OK; i++) {
				e = json_depth_feed(&bytes, s + i, 1);
				stop = i;
			}
			ck_assert_int_eq(e, lim < max ? ERR_TOOBIG : ERR_OK);
			if (lim < max)
				/* It stops at the bracket that goes one past, not later. */
				ck_assert(s[stop] == '[' || s[stop] == '{');
			for (size_t cut = 0; cut <= n; cut++) {
				struct json_depth two;
				enum err e1, e2 = ERR_OK;

				json_depth_init(&two, lim);
				e1 = json_depth_feed(&two, s, cut);
				if (e1 == ERR_OK)
					e2 = json_depth_feed(&two, s + cut, n - cut);
				ck_assert_int_eq(e1 == ERR_OK ? e2 : e1, lim < max ? ERR_TOOBIG : ERR_OK);
				if (lim == max)
					ck_assert_int_eq(two.max, max);
			}
		}
	}
}
END_TEST

START_TEST(test_every_prefix_refused)
{
	const char *doc = "{\"name\":\"c\\u00e9\\\"1\",\"n\":-12.5e3,\"ok\":true,\"no\":false,\"z\":null,"
			  "\"l\":[1,[2,{\"x\":\"\xC3\xA9\"}]],\"e\":{}}";
	size_t n = strlen(doc);
	const char *why;
	json_t *j;

	for (size_t cut = 0; cut < n; cut++) {
		enum err e = parse_exact(doc, cut, 8, &j, &why);

		ck_assert_msg(e == ERR_INPUT, "prefix of %zu bytes gave %d", cut, e);
		ck_assert_ptr_null(j);
		ck_assert_ptr_nonnull(why);
	}
	ck_assert_int_eq(parse_exact(doc, n, 8, &j, &why), ERR_OK);
	ck_assert_str_eq(json_str(j, "name"), "c\xC3\xA9\"1");
}
END_TEST

/* esc returns s written by jsonesc_stringn (arena memory). */
static char *
esc(const char *s, size_t n)
{
	struct buf b = { 0 };
	char *out;

	jsonesc_stringn(&b, s, n);
	out = arena_strdup(a, buf_cstr(&b));
	buf_free(&b);
	return out;
}

/* decode parses a JSON string literal back with jansson; returns its bytes (arena memory) and
 * length, or fails the test. */
static const char *
decode(const char *lit, size_t *len)
{
	json_error_t e;
	json_t *j = json_loads(lit, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
	const char *s;

	ck_assert_msg(j != NULL, "%s: %s", lit, e.text);
	ck_assert(json_is_string(j));
	*len = json_string_length(j);
	s = arena_strndup(a, json_string_value(j), *len);
	json_decref(j);
	return s;
}

START_TEST(test_jsonesc_forms)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "", "\"\"" },
		{ "plain", "\"plain\"" },
		{ "a\"b", "\"a\\\"b\"" },
		{ "a\\b", "\"a\\\\b\"" },
		{ "\n\r\t", "\"\\n\\r\\t\"" },
		{ "\x01\x08\x0c\x1f\x7f", "\"\\u0001\\u0008\\u000c\\u001f\\u007f\"" },
		{ "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80", "\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\"" },
		/* Bytes that are not UTF-8 become \u00XX, so the output stays valid. */
		{ "a\xFF"
		  "b",
		    "\"a\\u00ffb\"" },
		{ "\xC3", "\"\\u00c3\"" },
		{ "\xC0\xAF", "\"\\u00c0\\u00af\"" },
		{ "\xED\xA0\x80", "\"\\u00ed\\u00a0\\u0080\"" },
		{ "\"}],\"x\":\"", "\"\\\"}],\\\"x\\\":\\\"\"" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_str_eq(esc(cases[i].in, strlen(cases[i].in)), cases[i].out);
	ck_assert_str_eq(esc("a\0b", 3), "\"a\\u0000b\"");
	{
		struct buf b = { 0 };

		jsonesc_string(&b, NULL);
		ck_assert_str_eq(buf_cstr(&b), "\"\"");
		buf_free(&b);
	}
}
END_TEST

START_TEST(test_jsonesc_round_trip)
{
	static const char *const texts[] = {
		"</script><script>alert(1)</script>",
		"quote \" back \\ slash / tab \t nl \n cr \r",
		"\xC3\xA9t\xC3\xA9 \xE2\x80\xA8 \xF4\x8F\xBF\xBF",
		"{\"inject\":true}",
	};

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		const char *lit = esc(texts[i], strlen(texts[i]));
		size_t len;
		const char *back = decode(lit, &len);

		ck_assert_uint_eq(len, strlen(texts[i]));
		ck_assert_mem_eq(back, texts[i], len);
		/* The output opens and closes the string once: no quote inside is left bare. */
		for (size_t k = 1; k + 1 < strlen(lit); k++)
			if (lit[k] == '"')
				ck_assert_msg(lit[k - 1] == '\\', "bare quote in %s", lit);
	}
}
END_TEST

START_TEST(test_jsonesc_byte_at_every_place)
{
	/* Plain runs are scanned eight bytes at a time with a shorter tail: any byte, at any place
	 * of strings from 1 to 24 bytes long, comes out as it does on its own. */
	for (int c = 0; c < 256; c++) {
		char one[1] = { (char)c };
		const char *alone = esc(one, 1);
		size_t alen = strlen(alone) - 2;

		for (size_t len = 1; len <= 24; len++)
			for (size_t at = 0; at < len; at++) {
				char in[24], want[64];
				size_t w = 0;

				memset(in, 'a', len);
				in[at] = (char)c;
				want[w++] = '"';
				memset(want + w, 'a', at);
				w += at;
				memcpy(want + w, alone + 1, alen);
				w += alen;
				memset(want + w, 'a', len - at - 1);
				w += len - at - 1;
				want[w++] = '"';
				want[w] = '\0';
				ck_assert_msg(
				    strcmp(esc(in, len), want) == 0, "byte %d at %zu of %zu", c, at, len);
			}
	}
}
END_TEST

START_TEST(test_jsonesc_every_byte_valid)
{
	/* Whatever the byte, alone or after a lead byte, the output is one valid JSON string with no
	 * raw control character. */
	for (int c = 0; c < 256; c++) {
		for (int lead = 0; lead < 2; lead++) {
			char in[2] = { lead ? (char)0xE2 : 'x', (char)c };
			const char *lit = esc(in, 2);
			size_t len;

			for (const unsigned char *p = (const unsigned char *)lit; *p; p++)
				ck_assert_msg(*p >= 0x20 && *p != 0x7F, "byte %d: raw %02x", c, *p);
			decode(lit, &len);
		}
	}
}
END_TEST

START_TEST(test_utf8_valid)
{
	static const struct {
		const char *s;
		int ok;
	} cases[] = {
		{ "", 1 },
		{ "ascii", 1 },
		{ "\xC2\x80", 1 },
		{ "\xDF\xBF", 1 },
		{ "\xE0\xA0\x80", 1 },
		{ "\xED\x9F\xBF", 1 },
		{ "\xEE\x80\x80", 1 },
		{ "\xF0\x90\x80\x80", 1 },
		{ "\xF4\x8F\xBF\xBF", 1 },
		{ "\x80", 0 },
		{ "\xC1\xBF", 0 },
		{ "\xC2", 0 },
		{ "\xC2\x41", 0 },
		{ "\xE0\x9F\xBF", 0 },
		{ "\xED\xA0\x80", 0 },
		{ "\xED\xBF\xBF", 0 },
		{ "\xF0\x8F\xBF\xBF", 0 },
		{ "\xF4\x90\x80\x80", 0 },
		{ "\xF5\x80\x80\x80", 0 },
		{ "\xFE", 0 },
		{ "\xFF", 0 },
		{ "ok\xE2\x82", 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(utf8_valid(cases[i].s, strlen(cases[i].s)) == cases[i].ok, "case %zu", i);
	/* Length-bounded: a sequence cut by n is invalid even if the bytes after it complete it. */
	ck_assert_int_eq(utf8_valid("\xC3\xA9", 1), 0);
	ck_assert_int_eq(utf8_valid("\xC3\xA9", 2), 1);
}
END_TEST

START_TEST(test_jw_document)
{
	struct buf b = { 0 };
	struct jw w;
	json_error_t e;
	json_t *got, *want;

	jw_init(&w, &b);
	jw_object(&w);
	jw_key(&w, "name");
	jw_string(&w, "</script>\"'&\\\n\x01");
	jw_key(&w, "absent");
	jw_string(&w, NULL);
	JW_KEY(&w, "on"); /* the literal form writes the same */
	jw_bool(&w, true);
	jw_key(&w, "off");
	jw_bool(&w, false);
	jw_key(&w, "min");
	jw_int(&w, LLONG_MIN);
	jw_key(&w, "max");
	jw_int(&w, LLONG_MAX);
	jw_key(&w, "zero");
	jw_int(&w, 0);
	jw_key(&w, "nothing");
	jw_null(&w);
	jw_key(&w, "a\"key\\");
	jw_array(&w);
	jw_int(&w, 1);
	jw_string(&w, "two");
	jw_array(&w);
	jw_end_array(&w);
	jw_object(&w);
	jw_end_object(&w);
	jw_raw(&w, "{\"raw\":[1,2]}");
	jw_null(&w);
	jw_end_array(&w);
	jw_key(&w, "inner");
	jw_object(&w);
	JW_KEY(&w, "x");
	jw_int(&w, -7);
	jw_end_object(&w);
	JW_KEY(&w, "after");
	jw_string(&w, "");
	jw_end_object(&w);

	got = json_loads(buf_cstr(&b), JSON_REJECT_DUPLICATES, &e);
	ck_assert_msg(got != NULL, "%s: %s", buf_cstr(&b), e.text);
	want = json_pack("{s:s, s:n, s:b, s:b, s:I, s:I, s:I, s:n, s:[i, s, [], {}, {s:[i,i]}, n], s:{s:i}, "
			 "s:s}",
	    "name", "</script>\"'&\\\n\x01", "absent", "on", 1, "off", 0, "min", (json_int_t)LLONG_MIN, "max",
	    (json_int_t)LLONG_MAX, "zero", (json_int_t)0, "nothing", "a\"key\\", 1, "two", "raw", 1, 2,
	    "inner", "x", -7, "after", "");
	ck_assert_ptr_nonnull(want);
	ck_assert_msg(json_equal(got, want), "%s", buf_cstr(&b));
	json_decref(got);
	json_decref(want);
	buf_free(&b);
}
END_TEST

START_TEST(test_jw_top_level_and_appending)
{
	struct buf b = { 0 };
	struct jw w;

	/* jw appends: what was in the buffer stays in front. */
	buf_adds(&b, "data: ");
	jw_init(&w, &b);
	jw_array(&w);
	jw_string(&w, "a");
	jw_string(&w, "b");
	jw_end_array(&w);
	ck_assert_str_eq(buf_cstr(&b), "data: [\"a\",\"b\"]");
	buf_free(&b);

	jw_init(&w, &b);
	jw_object(&w);
	jw_end_object(&w);
	ck_assert_str_eq(buf_cstr(&b), "{}");
	buf_free(&b);
}
END_TEST

/* jw_nest writes levels containers, alternately arrays and objects, each with a value before and
 * after its child, and checks that the output parses back to the same structure. */
static void
jw_nest(int levels)
{
	struct buf b = { 0 };
	struct jw w;
	json_t *got, *at;

	jw_init(&w, &b);
	for (int i = 0; i < levels; i++) {
		if (i % 2 == 0) {
			jw_array(&w);
			jw_int(&w, i);
		} else {
			jw_object(&w);
			jw_key(&w, "before");
			jw_int(&w, i);
			jw_key(&w, "child");
		}
	}
	jw_string(&w, "middle");
	for (int i = levels - 1; i >= 0; i--) {
		if (i % 2 == 0) {
			jw_int(&w, -i);
			jw_end_array(&w);
		} else {
			jw_key(&w, "after");
			jw_int(&w, -i);
			jw_end_object(&w);
		}
	}
	got = json_loads(buf_cstr(&b), JSON_REJECT_DUPLICATES, NULL);
	ck_assert_msg(got != NULL, "%d levels, invalid: %s", levels, buf_cstr(&b));
	at = got;
	for (int i = 0; i < levels; i++) {
		if (i % 2 == 0) {
			ck_assert_uint_eq(json_array_size(at), 3);
			ck_assert_int_eq(json_integer_value(json_array_get(at, 0)), i);
			ck_assert_int_eq(json_integer_value(json_array_get(at, 2)), -i);
			at = json_array_get(at, 1);
		} else {
			ck_assert_uint_eq(json_object_size(at), 3);
			ck_assert_int_eq(json_integer_value(json_object_get(at, "before")), i);
			ck_assert_int_eq(json_integer_value(json_object_get(at, "after")), -i);
			at = json_object_get(at, "child");
		}
	}
	ck_assert_str_eq(json_string_value(at), "middle");
	json_decref(got);
	buf_free(&b);
}

START_TEST(test_jw_deepest_nesting)
{
	/* JW_MAX_DEPTH - 1 levels is the deepest jw tracks; one past it and beyond, it has no flag
	 * of its own for the level but must still write valid JSON. */
	jw_nest(1);
	jw_nest(JW_MAX_DEPTH - 1);
	jw_nest(JW_MAX_DEPTH);
	jw_nest(JW_MAX_DEPTH + 3);
}
END_TEST

START_TEST(test_json_append)
{
	struct buf b = { 0 };
	json_t *j = json_pack("{s:s}", "k", "</script>\n");

	ck_assert_int_eq(json_append(&b, j), ERR_OK);
	ck_assert_str_eq(buf_cstr(&b), "{\"k\":\"</script>\\n\"}");
	json_decref(j);
	j = json_string("only");
	ck_assert_int_eq(json_append(&b, j), ERR_OK);
	ck_assert_str_eq(buf_cstr(&b), "{\"k\":\"</script>\\n\"}\"only\"");
	json_decref(j);
	buf_free(&b);
}
END_TEST

static Suite *
json_suite(void)
{
	Suite *s = suite_create("json");
	TCase *core = tcase_create("core"), *limits = tcase_create("limits"),
	      *errors = tcase_create("errors"), *pieces = tcase_create("pieces");

	tcase_add_checked_fixture(core, setup, teardown);
	tcase_add_checked_fixture(limits, setup, teardown);
	tcase_add_checked_fixture(errors, setup, teardown);
	tcase_add_checked_fixture(pieces, setup, teardown);
	tcase_add_test(core, test_parse_values);
	tcase_add_test(core, test_parse_owned_by_arena);
	tcase_add_test(core, test_jsonesc_forms);
	tcase_add_test(core, test_jsonesc_round_trip);
	tcase_add_test(core, test_jsonesc_every_byte_valid);
	tcase_add_test(core, test_jsonesc_byte_at_every_place);
	tcase_add_test(core, test_utf8_valid);
	tcase_add_test(core, test_jw_document);
	tcase_add_test(core, test_jw_top_level_and_appending);
	tcase_add_test(core, test_json_append);
	tcase_add_test(limits, test_depth_limit);
	tcase_add_test(limits, test_depth_counts_nesting_not_brackets);
	tcase_add_test(limits, test_jw_deepest_nesting);
	tcase_add_test(errors, test_malformed);
	tcase_add_test(pieces, test_depth_fed_in_pieces);
	tcase_add_test(pieces, test_every_prefix_refused);
	suite_add_tcase(s, core);
	suite_add_tcase(s, limits);
	suite_add_tcase(s, errors);
	suite_add_tcase(s, pieces);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(json_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
