/* check_sse_ev.c: ev_make (sse/hub.c): one stream entry rendered once as an SSE block and once
 * as a WebSocket text frame, read back as a browser would. */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "hub.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* mk renders json (a C string) as entry id with the given type and no cluster or owner. */
static struct ev *
mk(const char *id, const char *type, const char *json, const char **why)
{
	*why = NULL;
	return ev_make(id, strlen(id), type, NULL, NULL, json, strlen(json), why);
}

/* sse_parse reads an event stream as a browser's EventSource does (WHATWG HTML, "Interpreting an
 * event stream"): lines end with CRLF, LF or a lone CR; a blank line dispatches the event when its
 * data is not empty. Returns how many events were dispatched; the last one's fields are copied to
 * id, type and data (each at least n bytes). */
static int
sse_parse(const char *s, size_t len, char *id, char *type, char *data, size_t n)
{
	char cur_id[256] = "", cur_type[256] = "";
	struct buf d = { 0 };
	int events = 0;
	size_t i = 0;

	while (i < len) {
		size_t start = i, end, colon;
		const char *v;
		size_t vl;

		while (i < len && s[i] != '\r' && s[i] != '\n')
			i++;
		end = i;
		if (i < len && s[i] == '\r' && i + 1 < len && s[i + 1] == '\n')
			i += 2;
		else if (i < len)
			i++;
		else
			break; /* an unfinished last line is not a line */
		if (end == start) {
			if (d.len > 0) {
				events++;
				snprintf(id, n, "%s", cur_id);
				snprintf(type, n, "%s", cur_type);
				snprintf(data, n, "%.*s", (int)(d.len - 1), d.p); /* without the last LF */
			}
			buf_free(&d);
			cur_type[0] = '\0';
			continue;
		}
		for (colon = start; colon < end && s[colon] != ':'; colon++)
			;
		if (colon == start)
			continue; /* a comment */
		v = s + (colon < end ? colon + 1 : end);
		vl = (size_t)(s + end - v);
		if (vl > 0 && *v == ' ') {
			v++;
			vl--;
		}
		if (colon - start == 4 && memcmp(s + start, "data", 4) == 0) {
			buf_add(&d, v, vl);
			buf_addc(&d, '\n');
		} else if (colon - start == 5 && memcmp(s + start, "event", 5) == 0) {
			snprintf(cur_type, sizeof(cur_type), "%.*s", (int)vl, v);
		} else if (colon - start == 2 && memcmp(s + start, "id", 2) == 0) {
			snprintf(cur_id, sizeof(cur_id), "%.*s", (int)vl, v);
		}
	}
	buf_free(&d);
	return events;
}

START_TEST(test_ev_make_bytes)
{
	static const char json[] = "{\"id\":\"e1\",\"type\":\"CLUSTER_UPDATED\",\"data\":{\"name\":\"a\"}}";
	static const char sse[] =
	    "id: 1700000000000-3\n"
	    "event: CLUSTER_UPDATED\n"
	    "data: {\"id\":\"e1\",\"type\":\"CLUSTER_UPDATED\",\"data\":{\"name\":\"a\"}}\n"
	    "\n";
	static const char payload[] =
	    "{\"id\":\"1700000000000-3\",\"event\":\"CLUSTER_UPDATED\","
	    "\"data\":{\"id\":\"e1\",\"type\":\"CLUSTER_UPDATED\",\"data\":{\"name\":\"a\"}}}";
	static const char small[] = "{\"id\":\"1-0\",\"event\":\"A\",\"data\":{}}";
	const char *why = NULL;
	struct ev *e =
	    ev_make("1700000000000-3", 15, "CLUSTER_UPDATED", "c-1", "u-9", json, sizeof(json) - 1, &why);

	ck_assert_ptr_nonnull(e);
	ck_assert_ptr_null(why);
	ck_assert_uint_eq(e->refs, 1);
	ck_assert_uint_eq(e->id.ms, 1700000000000ULL);
	ck_assert_uint_eq(e->id.seq, 3);
	ck_assert_str_eq(e->type, "CLUSTER_UPDATED");
	ck_assert_str_eq(e->cluster, "c-1");
	ck_assert_str_eq(e->owner, "u-9");
	ck_assert_uint_eq(e->sse_len, sizeof(sse) - 1);
	ck_assert_mem_eq(e->sse, sse, sizeof(sse) - 1);
	/* One unmasked text frame, FIN set, 7-bit length. */
	ck_assert_uint_lt(sizeof(payload) - 1, 126);
	ck_assert_uint_eq(e->ws_len, 2 + sizeof(payload) - 1);
	ck_assert_uint_eq((unsigned char)e->ws[0], 0x81);
	ck_assert_uint_eq((unsigned char)e->ws[1], sizeof(payload) - 1);
	ck_assert_mem_eq(e->ws + 2, payload, sizeof(payload) - 1);
	ev_unref(e);

	/* No cluster or owner: both "" (public, every cluster filter sees it as none). */
	e = mk("1-0", "A", "{}", &why);
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(e->cluster, "");
	ck_assert_str_eq(e->owner, "");
	ck_assert_str_eq(e->sse, "id: 1-0\nevent: A\ndata: {}\n\n");
	ck_assert_uint_eq(e->ws_len, 2 + strlen(small));
	ck_assert_uint_eq((unsigned char)e->ws[0], 0x81);
	ck_assert_uint_eq((unsigned char)e->ws[1], strlen(small));
	ck_assert_mem_eq(e->ws + 2, small, strlen(small));
	ev_unref(e);
}
END_TEST

/* The WebSocket length encodings: 7 bits up to 125, 16 bits from 126 to 65535, 64 bits above. */
START_TEST(test_ev_make_ws_lengths)
{
	static const struct {
		size_t payload;
		unsigned char head[10];
		size_t hl;
	} cases[] = {
		{ 125, { 0x81, 125 }, 2 },
		{ 126, { 0x81, 126, 0, 126 }, 4 },
		{ 65535, { 0x81, 126, 0xff, 0xff }, 4 },
		{ 65536, { 0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0 }, 10 },
	};
	/* The frame's payload is {"id":"1-1","event":"T","data":<json>} with json {"p":"<pad>"}. */
	static const char pre[] = "{\"id\":\"1-1\",\"event\":\"T\",\"data\":";
	const size_t fixed = (sizeof(pre) - 1) + strlen("{\"p\":\"\"}") + 1;

	for (size_t i = 0; i < N(cases); i++) {
		size_t pad = cases[i].payload - fixed;
		struct buf json = { 0 }, want = { 0 };
		const char *why;
		struct ev *e;

		buf_adds(&json, "{\"p\":\"");
		for (size_t k = 0; k < pad; k++)
			buf_addc(&json, (char)('a' + k % 26));
		buf_adds(&json, "\"}");
		e = ev_make("1-1", 3, "T", NULL, NULL, json.p, json.len, &why);
		ck_assert_msg(e != NULL, "payload %zu: %s", cases[i].payload, why);
		ck_assert_uint_eq(e->ws_len, cases[i].hl + cases[i].payload);
		ck_assert_mem_eq(e->ws, cases[i].head, cases[i].hl);
		buf_adds(&want, pre);
		buf_add(&want, json.p, json.len);
		buf_addc(&want, '}');
		ck_assert_uint_eq(want.len, cases[i].payload);
		ck_assert_mem_eq(e->ws + cases[i].hl, want.p, want.len);
		/* The SSE block carries the same JSON on its one data line. */
		ck_assert_uint_eq(e->sse_len, strlen("id: 1-1\nevent: T\ndata: ") + json.len + 2);
		ck_assert_mem_eq(e->sse + e->sse_len - json.len - 2, json.p, json.len);
		ev_unref(e);
		buf_free(&json);
		buf_free(&want);
	}
}
END_TEST

/* Line ends a writer put between JSON tokens never reach the stream: the JSON is dumped again on
 * one line, so the browser sees one event with all of its data. Escaped ones stay escaped. */
START_TEST(test_ev_make_line_ends)
{
	static const char *const inputs[] = {
		"{\"type\":\"A\",\n\"data\":{\"k\":\"v\"}}",
		"{\"type\":\"A\",\r\"data\":{\"k\":\"v\"}}",
		"{\"type\":\"A\",\r\n\"data\":\n\r{\"k\":\"v\"}\r}\n",
		"\n\n{\"type\":\"A\",\"data\":{\"k\":\"v\"}}\n\n",
		"{ \"type\" : \"A\" ,\t\"data\" : { \"k\" : \"v\" } }",
	};
	char id[256], type[256], data[256];

	for (size_t i = 0; i < N(inputs); i++) {
		const char *why;
		struct ev *e = mk("5-6", NULL, inputs[i], &why);

		ck_assert_msg(e != NULL, "input %zu: %s", i, why);
		ck_assert_ptr_null(memchr(e->sse, '\r', e->sse_len));
		ck_assert_int_eq(sse_parse(e->sse, e->sse_len, id, type, data, sizeof(data)), 1);
		ck_assert_str_eq(id, "5-6");
		ck_assert_str_eq(type, "A");
		ck_assert_str_eq(data, "{\"type\":\"A\",\"data\":{\"k\":\"v\"}}");
		ck_assert_ptr_null(memchr(e->ws, '\r', e->ws_len));
		ck_assert_ptr_null(memchr(e->ws, '\n', e->ws_len));
		ev_unref(e);
	}
	{
		const char *why;
		struct ev *e = mk("5-7", "A", "{\"k\":\"two\\nlines\\r\\nand\\rmore\\u2028\"}", &why);

		ck_assert_ptr_nonnull(e);
		ck_assert_int_eq(sse_parse(e->sse, e->sse_len, id, type, data, sizeof(data)), 1);
		ck_assert_str_eq(data, "{\"k\":\"two\\nlines\\r\\nand\\rmore\xe2\x80\xa8\"}");
		ev_unref(e);
	}
}
END_TEST

/* The entry's own type field wins; missing or empty, the JSON's "type" is used. */
START_TEST(test_ev_make_type_fallback)
{
	static const char json[] = "{\"type\":\"FROM_JSON\",\"data\":{}}";
	const char *why;
	struct ev *e;

	e = mk("1-1", NULL, json, &why);
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(e->type, "FROM_JSON");
	ck_assert_ptr_nonnull(strstr(e->sse, "\nevent: FROM_JSON\n"));
	ck_assert_ptr_nonnull(strstr(e->ws, "\"event\":\"FROM_JSON\""));
	ev_unref(e);
	e = mk("1-1", "", json, &why);
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(e->type, "FROM_JSON");
	ev_unref(e);
	e = mk("1-1", "FROM_ENTRY", json, &why);
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(e->type, "FROM_ENTRY");
	ck_assert_ptr_nonnull(strstr(e->sse, "\nevent: FROM_ENTRY\n"));
	ev_unref(e);
}
END_TEST

/* Names at their limits: a type of 64 characters, a cluster id and an owner of 256; one more is
 * refused. */
START_TEST(test_ev_make_name_limits)
{
	char name[300];
	const char *why;
	struct ev *e;

	memset(name, 'T', sizeof(name));
	name[64] = '\0';
	ck_assert_ptr_nonnull(e = mk("1-1", name, "{}", &why));
	ck_assert_uint_eq(strlen(e->type), 64);
	ev_unref(e);
	name[64] = 'T';
	name[65] = '\0';
	ck_assert_ptr_null(mk("1-1", name, "{}", &why));
	ck_assert_ptr_nonnull(why);

	memset(name, 'c', sizeof(name));
	name[256] = '\0';
	e = ev_make("1-1", 3, "A", name, name, "{}", 2, &why);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(strlen(e->cluster), 256);
	ck_assert_uint_eq(strlen(e->owner), 256);
	ev_unref(e);
	name[256] = 'c';
	name[257] = '\0';
	why = NULL;
	ck_assert_ptr_null(ev_make("1-1", 3, "A", name, NULL, "{}", 2, &why));
	ck_assert_str_eq(why, "the entry's cluster_id or owner is too long");
	why = NULL;
	ck_assert_ptr_null(ev_make("1-1", 3, "A", NULL, name, "{}", 2, &why));
	ck_assert_str_eq(why, "the entry's cluster_id or owner is too long");
}
END_TEST

/* What cannot be delivered is refused with the reason, and nothing is allocated for it. */
START_TEST(test_ev_make_refused)
{
	static const char bad_id[] = "the entry id is not <ms>-<seq>";
	static const char bad_json[] = "the entry's event field is not valid JSON (UTF-8, no NUL)";
	static const char not_object[] = "the entry's event field is JSON but not an object";
	static const char bad_type[] = "the entry has no type, or one that is not letters, digits and _.:-";
	static const struct {
		const char *id, *type, *json;
		size_t json_len; /* 0: strlen */
		const char *why;
	} cases[] = {
		{ "", "A", "{}", 0, bad_id },
		{ "1", "A", "{}", 0, bad_id },
		{ "1-", "A", "{}", 0, bad_id },
		{ "-1", "A", "{}", 0, bad_id },
		{ "1-1-1", "A", "{}", 0, bad_id },
		{ "a-1", "A", "{}", 0, bad_id },
		{ " 1-1", "A", "{}", 0, bad_id },
		{ "18446744073709551616-0", "A", "{}", 0, bad_id },
		{ "*", "A", "{}", 0, bad_id },
		/* not a JSON object */
		{ "1-1", "A", "", 0, bad_json },
		{ "1-1", "A", "[]", 0, not_object },
		{ "1-1", "A", "[{\"type\":\"A\"}]", 0, not_object },
		{ "1-1", "A", "\"A\"", 0, not_object },
		{ "1-1", "A", "42", 0, not_object },
		{ "1-1", "A", "null", 0, not_object },
		{ "1-1", "A", "{", 0, bad_json },
		{ "1-1", "A", "{\"a\":1}}", 0, bad_json },
		{ "1-1", "A", "{\"a\":1}{\"b\":2}", 0, bad_json },
		{ "1-1", "A", "{\"a\":\"line\nbreak\"}", 0, bad_json }, /* a raw LF inside a string */
		{ "1-1", "A", "{\"a\":\"cr\rhere\"}", 0, bad_json },
		/* invalid UTF-8: a stray continuation byte, an overlong '/', a surrogate, cut short */
		{ "1-1", "A", "{\"a\":\"\x80\"}", 0, bad_json },
		{ "1-1", "A", "{\"a\":\"\xc0\xaf\"}", 0, bad_json },
		{ "1-1", "A", "{\"a\":\"\xed\xa0\x80\"}", 0, bad_json },
		{ "1-1", "A", "{\"a\":\"\xe2\x82\"}", 0, bad_json },
		{ "1-1", "A", "{\"\xff\":1}", 0, bad_json },
		/* a NUL: escaped, raw inside a string, raw after the object */
		{ "1-1", "A", "{\"a\":\"x\\u0000y\"}", 0, bad_json },
		{ "1-1", "A", "{\"a\":\"x\0y\"}", 12, bad_json },
		{ "1-1", "A", "{\"a\":1}\0", 8, bad_json },
		/* no type, or one that would break the "event:" line */
		{ "1-1", NULL, "{}", 0, bad_type },
		{ "1-1", "", "{\"data\":{}}", 0, bad_type },
		{ "1-1", NULL, "{\"type\":\"\"}", 0, bad_type },
		{ "1-1", NULL, "{\"type\":7}", 0, bad_type },
		{ "1-1", NULL, "{\"type\":null}", 0, bad_type },
		{ "1-1", NULL, "{\"type\":[\"A\"]}", 0, bad_type },
		{ "1-1", NULL, "{\"type\":\"A\\nid: 9\"}", 0, bad_type },
		{ "1-1", NULL, "{\"type\":\"A\\rdata: x\"}", 0, bad_type },
		{ "1-1", "A B", "{}", 0, bad_type },
		{ "1-1", "A\n", "{}", 0, bad_type },
		{ "1-1", "A\r", "{}", 0, bad_type },
		{ "1-1", "\xc3\xa9", "{}", 0, bad_type },
		{ "1-1", "A/B", "{}", 0, bad_type },
	};

	for (size_t i = 0; i < N(cases); i++) {
		const char *why = NULL;
		size_t jl = cases[i].json_len != 0 ? cases[i].json_len : strlen(cases[i].json);
		struct ev *e = ev_make(
		    cases[i].id, strlen(cases[i].id), cases[i].type, NULL, NULL, cases[i].json, jl, &why);

		ck_assert_msg(e == NULL, "case %zu (%s) was accepted", i, cases[i].json);
		ck_assert_msg(why != NULL && strcmp(why, cases[i].why) == 0,
		    "case %zu: why \"%s\", want \"%s\"", i, why != NULL ? why : "(null)", cases[i].why);
	}
	/* The id is exactly id_len bytes: what follows it is not part of it. */
	{
		const char *why = NULL;
		struct ev *e = ev_make("12-34garbage", 5, "A", NULL, NULL, "{}", 2, &why);

		ck_assert_ptr_nonnull(e);
		ck_assert_str_eq(e->sse, "id: 12-34\nevent: A\ndata: {}\n\n");
		ev_unref(e);
		ck_assert_ptr_null(ev_make("12-34", 3, "A", NULL, NULL, "{}", 2, &why));
		ck_assert_str_eq(why, bad_id);
		ck_assert_ptr_null(ev_make("1-1", 3, "A", NULL, NULL, NULL, 0, &why));
		ck_assert_str_eq(why, bad_json);
	}
}
END_TEST
static Suite *
ev_suite(void)
{
	Suite *s = suite_create("sse_ev");
	TCase *core = tcase_create("core");
	TCase *limits = tcase_create("limits");
	TCase *errors = tcase_create("errors");

	tcase_add_test(core, test_ev_make_bytes);
	tcase_add_test(core, test_ev_make_ws_lengths);
	tcase_add_test(core, test_ev_make_line_ends);
	tcase_add_test(core, test_ev_make_type_fallback);
	suite_add_tcase(s, core);
	tcase_add_test(limits, test_ev_make_name_limits);
	suite_add_tcase(s, limits);
	tcase_add_test(errors, test_ev_make_refused);
	suite_add_tcase(s, errors);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(ev_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
