/* check_sse_head.c: the push daemon's request head parser (sse/head.c): the request line, the
 * headers it keeps, query pairs and token lists. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "head.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* parse copies head into a fresh buffer with one spare byte (head_parse writes s[n]) and parses it.
 * The caller frees *buf. */
static int
parse(const char *head, size_t n, struct head *r, char **buf)
{
	*buf = malloc(n + 1);
	ck_assert_ptr_nonnull(*buf);
	memcpy(*buf, head, n);
	return head_parse(*buf, n, r);
}

static int
parse_str(const char *head, struct head *r, char **buf)
{
	return parse(head, strlen(head), r, buf);
}

/* ---- head_parse ---- */

START_TEST(test_head_parse_fields)
{
	static const char head[] = "GET /events?types=A,B&x=1 HTTP/1.1\r\n"
				   "Host: sse.example\r\n"
				   "X-Aiops-User-Id:   42 \t\r\n"
				   "x-request-id: req-7\r\n"
				   "LAST-EVENT-ID: 1700000000000-3\r\n"
				   "Origin: https://ui.example\r\n"
				   "Upgrade: websocket\r\n"
				   "Connection: keep-alive, Upgrade\r\n"
				   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
				   "Sec-WebSocket-Version: 13\r\n"
				   "Accept: text/event-stream\r\n"
				   "\r\n";
	struct head r;
	char *buf;

	ck_assert_int_eq(parse_str(head, &r, &buf), 0);
	ck_assert_str_eq(r.method, "GET");
	ck_assert_str_eq(r.path, "/events");
	ck_assert_ptr_nonnull(r.query);
	ck_assert_str_eq(r.query, "types=A,B&x=1");
	ck_assert_str_eq(r.host, "sse.example");
	ck_assert_str_eq(r.user_id, "42"); /* blanks around the value removed */
	ck_assert_str_eq(r.request_id, "req-7");
	ck_assert_str_eq(r.last_event_id, "1700000000000-3");
	ck_assert_str_eq(r.origin, "https://ui.example");
	ck_assert_str_eq(r.upgrade, "websocket");
	ck_assert_str_eq(r.connection, "keep-alive, Upgrade");
	ck_assert_str_eq(r.ws_key, "dGhlIHNhbXBsZSBub25jZQ==");
	ck_assert_str_eq(r.ws_version, "13");
	/* The strings point into the buffer. */
	ck_assert(r.method >= buf && r.method < buf + sizeof(head));
	ck_assert(r.user_id > buf && r.user_id < buf + sizeof(head));
	free(buf);
}
END_TEST

START_TEST(test_head_parse_minimal)
{
	struct head r;
	char *buf;

	/* No query, no headers kept: every field NULL. Bare LF line ends are accepted. */
	ck_assert_int_eq(parse_str("GET / HTTP/1.0\n\n", &r, &buf), 0);
	ck_assert_str_eq(r.method, "GET");
	ck_assert_str_eq(r.path, "/");
	ck_assert_ptr_null(r.query);
	ck_assert_ptr_null(r.user_id);
	ck_assert_ptr_null(r.request_id);
	ck_assert_ptr_null(r.last_event_id);
	ck_assert_ptr_null(r.host);
	ck_assert_ptr_null(r.origin);
	ck_assert_ptr_null(r.upgrade);
	ck_assert_ptr_null(r.connection);
	ck_assert_ptr_null(r.ws_key);
	ck_assert_ptr_null(r.ws_version);
	free(buf);

	/* "/?" has an empty query, not none; leading empty lines are skipped; an empty value is kept. */
	ck_assert_int_eq(parse_str("\r\n\r\nPOST /a/b? HTTP/1.1\r\nLast-Event-ID:\r\n\r\n", &r, &buf), 0);
	ck_assert_str_eq(r.method, "POST");
	ck_assert_str_eq(r.path, "/a/b");
	ck_assert_ptr_nonnull(r.query);
	ck_assert_str_eq(r.query, "");
	ck_assert_ptr_nonnull(r.last_event_id);
	ck_assert_str_eq(r.last_event_id, "");
	free(buf);

	/* Only the first '?' splits; a tab inside a value stays. */
	ck_assert_int_eq(parse_str("GET /p?a=1?b HTTP/1.1\r\nOrigin: a\tb\r\n\r\n", &r, &buf), 0);
	ck_assert_str_eq(r.path, "/p");
	ck_assert_str_eq(r.query, "a=1?b");
	ck_assert_str_eq(r.origin, "a\tb");
	free(buf);
}
END_TEST

START_TEST(test_head_parse_status_table)
{
	static const struct {
		const char *head;
		int want;
	} cases[] = {
		{ "GET / HTTP/1.1\r\n\r\n", 0 },
		{ "GET / HTTP/1.0\r\n\r\n", 0 },
		{ "M-SEARCH /x HTTP/1.1\r\n\r\n", 0 },
		{ "GET / HTTP/1.1\r\nX-Other: 1\r\nX-Other: 2\r\n\r\n", 0 }, /* unknown: not checked */
		{ "GET / HTTP/1.1\r\nX-Aiops-User-Id: 1\r\nX-Request-Id: a\r\n\r\n", 0 },
		/* version */
		{ "GET / HTTP/2\r\n\r\n", 505 },
		{ "GET / HTTP/2.0\r\n\r\n", 505 },
		{ "GET / HTTP/1.2\r\n\r\n", 505 },
		{ "GET / HTTP/0.9\r\n\r\n", 505 },
		{ "GET / HTTP/1.10\r\n\r\n", 505 },
		{ "GET / http/1.1\r\n\r\n", 400 },
		{ "GET / FOO/1.1\r\n\r\n", 400 },
		{ "GET / \r\n\r\n", 400 },
		/* request line */
		{ "GET /\r\n\r\n", 400 },
		{ "GET\r\n\r\n", 400 },
		{ " / HTTP/1.1\r\n\r\n", 400 },
		{ "GET  / HTTP/1.1\r\n\r\n", 400 },
		{ "GET * HTTP/1.1\r\n\r\n", 400 },
		{ "GET http://h/ HTTP/1.1\r\n\r\n", 400 },
		{ "G(T / HTTP/1.1\r\n\r\n", 400 },
		{ "G\"T / HTTP/1.1\r\n\r\n", 400 },
		{ "GET /a\x7f HTTP/1.1\r\n\r\n", 400 },
		{ "GET /a\tb HTTP/1.1\r\n\r\n", 400 },
		{ "GET /\x01 HTTP/1.1\r\n\r\n", 400 },
		/* line ends */
		{ "", 400 },
		{ "\r\n", 400 },
		{ "GET / HTTP/1.1", 400 },
		{ "GET / HTTP/1.1\r\n", 400 }, /* no blank line */
		{ "GET / HTTP/1.1\r\nHost: a\r\n", 400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\n\r", 400 },
		{ "GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", 400 }, /* lone CR */
		{ "GET / HTTP/1.1\rX\r\n\r\n", 400 },
		/* header lines */
		{ "GET / HTTP/1.1\r\nNoColon\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\n: v\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nHo st: a\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\n\tfolded: x\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nX-Other: a\x01z\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nX-Other: a\x7fz\r\n\r\n", 400 },
		/* kept headers may appear once, whatever their case */
		{ "GET / HTTP/1.1\r\nX-Aiops-User-Id: 1\r\nX-Aiops-User-Id: 1\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nX-Aiops-User-Id: 1\r\nx-aiops-user-id: 2\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nX-Aiops-User-Id:\r\nX-Aiops-User-Id: 2\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nX-Request-ID: a\r\nX-Request-ID: b\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nLast-Event-ID: 1-1\r\nLast-Event-ID: 1-2\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nOrigin: a\r\nOrigin: b\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nUpgrade: a\r\nUpgrade: b\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nConnection: a\r\nConnection: b\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nSec-WebSocket-Key: a\r\nSec-WebSocket-Key: b\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Version: 8\r\n\r\n", 400 },
		/* a prefix or extension of a kept name is another header */
		{ "GET / HTTP/1.1\r\nX-Aiops-User-Id: 1\r\nX-Aiops-User-Id2: 2\r\n\r\n", 0 },
		{ "GET / HTTP/1.1\r\nX-Aiops-User: 1\r\nX-Aiops-User-Id: 2\r\n\r\n", 0 },
	};

	for (size_t i = 0; i < N(cases); i++) {
		struct head r;
		char *buf;
		int st = parse_str(cases[i].head, &r, &buf);

		ck_assert_msg(st == cases[i].want, "case %zu (%s): got %d, want %d", i, cases[i].head, st,
		    cases[i].want);
		free(buf);
	}
}
END_TEST

/* A NUL byte inside the n bytes is refused; only the n bytes are read, not up to a NUL. */
START_TEST(test_head_parse_nul_and_length)
{
	static const char nul[] = "GET / HTTP/1.1\r\nHost: a\0b\r\n\r\n";
	static const char two[] = "GET /one HTTP/1.1\r\n\r\nGET /two HTTP/1.1\r\n\r\n";
	struct head r;
	char *buf;

	ck_assert_int_eq(parse(nul, sizeof(nul) - 1, &r, &buf), 400);
	free(buf);
	/* n covers the first head only: the bytes after it are not looked at. */
	ck_assert_int_eq(parse(two, 21, &r, &buf), 0);
	ck_assert_str_eq(r.path, "/one");
	free(buf);
	/* One byte short of the blank line. */
	ck_assert_int_eq(parse(two, 20, &r, &buf), 400);
	free(buf);
}
END_TEST

/* A head of HEAD_MAX bytes with a long value parses; the value is kept whole. */
START_TEST(test_head_parse_big_head)
{
	static const char pre[] = "GET / HTTP/1.1\r\nX-Request-ID: ";
	size_t n = HEAD_MAX, vlen = n - (sizeof(pre) - 1) - 4;
	char *head = malloc(n + 1), *v;
	struct head r;

	memcpy(head, pre, sizeof(pre) - 1);
	v = head + sizeof(pre) - 1;
	memset(v, 'x', vlen);
	memcpy(v + vlen, "\r\n\r\n", 4);
	ck_assert_int_eq(head_parse(head, n, &r), 0);
	ck_assert_uint_eq(strlen(r.request_id), vlen);
	free(head);
}
END_TEST

/* ---- head_query_next ---- */

START_TEST(test_head_query_pairs)
{
	char q[] = "&types=CLUSTER_UPDATED%2CALERT&&cluster=a+b&flag&=v&k=&x=%41%62%7e&last=1=2&";
	char *p = q, *k, *v;
	static const char *const want[][2] = {
		{ "types", "CLUSTER_UPDATED,ALERT" },
		{ "cluster", "a b" },
		{ "flag", "" },
		{ "", "v" },
		{ "k", "" },
		{ "x", "Ab~" },
		{ "last", "1=2" },
	};

	for (size_t i = 0; i < N(want); i++) {
		ck_assert_int_eq(head_query_next(&p, &k, &v), 1);
		ck_assert_str_eq(k, want[i][0]);
		ck_assert_str_eq(v, want[i][1]);
	}
	ck_assert_int_eq(head_query_next(&p, &k, &v), 0);
	ck_assert_int_eq(head_query_next(&p, &k, &v), 0); /* stays done */

	p = NULL;
	ck_assert_int_eq(head_query_next(&p, &k, &v), 0);
	ck_assert_ptr_null(p);
	{
		char e[] = "", a[] = "&&&";

		p = e;
		ck_assert_int_eq(head_query_next(&p, &k, &v), 0);
		p = a;
		ck_assert_int_eq(head_query_next(&p, &k, &v), 0);
	}
	{
		/* An encoded '&' or '=' is data, not a separator. */
		char s[] = "a%26b=c%3Dd";

		p = s;
		ck_assert_int_eq(head_query_next(&p, &k, &v), 1);
		ck_assert_str_eq(k, "a&b");
		ck_assert_str_eq(v, "c=d");
		ck_assert_int_eq(head_query_next(&p, &k, &v), 0);
	}
}
END_TEST

START_TEST(test_head_query_bad)
{
	static const struct {
		const char *q;
		int want; /* of the first call */
	} cases[] = {
		{ "a=%", -1 },
		{ "a=%4", -1 },
		{ "a=%4g", -1 },
		{ "a=%g4", -1 },
		{ "a=%%41", -1 },
		{ "a=%00", -1 }, /* decodes to NUL */
		{ "%00=b", -1 },
		{ "%=b", -1 },
		{ "a=%01", 1 },
		{ "a=%ff", 1 },
		{ "a=%FF", 1 },
		{ "a=%10", 1 },
	};

	for (size_t i = 0; i < N(cases); i++) {
		char *s = strdup(cases[i].q), *p = s, *k, *v;
		int got = head_query_next(&p, &k, &v);

		ck_assert_msg(got == cases[i].want, "%s: got %d, want %d", cases[i].q, got, cases[i].want);
		free(s);
	}
	{
		/* A bad pair does not stop the pairs after it. */
		char s[] = "a=%zz&b=2", *p = s, *k, *v;

		ck_assert_int_eq(head_query_next(&p, &k, &v), -1);
		ck_assert_int_eq(head_query_next(&p, &k, &v), 1);
		ck_assert_str_eq(k, "b");
		ck_assert_str_eq(v, "2");
	}
	{
		char s[] = "a=%ff", *p = s, *k, *v;

		ck_assert_int_eq(head_query_next(&p, &k, &v), 1);
		ck_assert_uint_eq((unsigned char)v[0], 0xff);
		ck_assert_uint_eq(strlen(v), 1);
	}
}
END_TEST

/* ---- head_token_has ---- */

START_TEST(test_head_token_has)
{
	static const struct {
		const char *v, *t;
		int want;
	} cases[] = {
		{ "keep-alive, Upgrade", "upgrade", 1 },
		{ "keep-alive, Upgrade", "keep-alive", 1 },
		{ "keep-alive, Upgrade", "Keep-Alive", 1 },
		{ "Upgrade", "upgrade", 1 },
		{ "UPGRADE", "upgrade", 1 },
		{ "  upgrade  ", "upgrade", 1 },
		{ "\tupgrade\t,x", "upgrade", 1 },
		{ ",,upgrade,,", "upgrade", 1 },
		{ "a,b,c", "c", 1 },
		{ "a , b , c", "b", 1 },
		{ "keep-alive", "upgrade", 0 },
		{ "upgrades", "upgrade", 0 },
		{ "upgrad", "upgrade", 0 },
		{ "xupgrade", "upgrade", 0 },
		{ "keep-alive upgrade", "upgrade", 0 },
		{ "up grade", "upgrade", 0 },
		{ "", "upgrade", 0 },
		{ ",", "upgrade", 0 },
		{ NULL, "upgrade", 0 },
	};

	for (size_t i = 0; i < N(cases); i++)
		ck_assert_msg(head_token_has(cases[i].v, cases[i].t) == cases[i].want,
		    "head_token_has(\"%s\", \"%s\") != %d", cases[i].v ? cases[i].v : "(null)", cases[i].t,
		    cases[i].want);
}
END_TEST
/* head_length finds the blank line that ends a head, CRLF or bare LF, and nothing before it. */
START_TEST(test_head_length)
{
	static const struct {
		const char *s;
		size_t want;
	} cases[] = {
		{ "", 0 },
		{ "GET / HTTP/1.1\r\n", 0 },
		{ "GET / HTTP/1.1\r\n\r", 0 },
		{ "GET / HTTP/1.1\r\n\r\n", 18 },
		{ "GET / HTTP/1.1\n\n", 16 },
		{ "GET / HTTP/1.1\r\nHost: x\r\n\r\nFRAME", 27 },
		{ "\n\n", 2 },
		{ "a\r\r\n", 0 },
	};

	for (size_t i = 0; i < N(cases); i++)
		ck_assert_msg(head_length(cases[i].s, strlen(cases[i].s)) == cases[i].want, "case %zu", i);
}
END_TEST

static Suite *
head_suite(void)
{
	Suite *s = suite_create("sse_head");
	TCase *core = tcase_create("core");
	TCase *limits = tcase_create("limits");
	TCase *errors = tcase_create("errors");

	tcase_add_test(core, test_head_parse_fields);
	tcase_add_test(core, test_head_parse_minimal);
	tcase_add_test(core, test_head_query_pairs);
	tcase_add_test(core, test_head_token_has);
	tcase_add_test(core, test_head_length);
	suite_add_tcase(s, core);
	tcase_add_test(limits, test_head_parse_nul_and_length);
	tcase_add_test(limits, test_head_parse_big_head);
	suite_add_tcase(s, limits);
	tcase_add_test(errors, test_head_parse_status_table);
	tcase_add_test(errors, test_head_query_bad);
	suite_add_tcase(s, errors);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(head_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
