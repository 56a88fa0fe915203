/* check_sse.c: the push daemon's pure parts: the request head parser, query pairs and token lists
 * (req), subscription sets (sub) and stream ids (hub's sid_parse and sid_cmp). */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub.h"
#include "req.h"
#include "sub.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* hub.c is compiled in for sid_parse, sid_cmp and sid_format; its ev_make calls ws_frame_header
 * from ws.c, which would drag in the connection code (client.c, libevent, wslay). ev_make is not
 * tested here, so the link gets a stand-in that fails the test if it is ever reached. */
size_t ws_frame_header(unsigned char *out, unsigned opcode, size_t len);

size_t
ws_frame_header(unsigned char *out, unsigned opcode, size_t len)
{
	(void)out;
	(void)opcode;
	(void)len;
	ck_abort_msg("ws_frame_header is a stand-in in check_sse");
	return 0;
}

/* parse copies head into a fresh buffer with one spare byte (req_parse writes s[n]) and parses it.
 * The caller frees *buf. */
static int
parse(const char *head, size_t n, struct req *r, char **buf)
{
	*buf = malloc(n + 1);
	ck_assert_ptr_nonnull(*buf);
	memcpy(*buf, head, n);
	return req_parse(*buf, n, r);
}

static int
parse_str(const char *head, struct req *r, char **buf)
{
	return parse(head, strlen(head), r, buf);
}

/* ---- req_parse ---- */

START_TEST(test_req_parse_fields)
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
	struct req r;
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

START_TEST(test_req_parse_minimal)
{
	struct req r;
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

START_TEST(test_req_parse_status_table)
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
		struct req r;
		char *buf;
		int st = parse_str(cases[i].head, &r, &buf);

		ck_assert_msg(st == cases[i].want, "case %zu (%s): got %d, want %d", i, cases[i].head, st,
		    cases[i].want);
		free(buf);
	}
}
END_TEST

/* A NUL byte inside the n bytes is refused; only the n bytes are read, not up to a NUL. */
START_TEST(test_req_parse_nul_and_length)
{
	static const char nul[] = "GET / HTTP/1.1\r\nHost: a\0b\r\n\r\n";
	static const char two[] = "GET /one HTTP/1.1\r\n\r\nGET /two HTTP/1.1\r\n\r\n";
	struct req r;
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

/* A head of REQ_HEAD_MAX bytes with a long value parses; the value is kept whole. */
START_TEST(test_req_parse_big_head)
{
	static const char pre[] = "GET / HTTP/1.1\r\nX-Request-ID: ";
	size_t n = REQ_HEAD_MAX, vlen = n - (sizeof(pre) - 1) - 4;
	char *head = malloc(n + 1), *v;
	struct req r;

	memcpy(head, pre, sizeof(pre) - 1);
	v = head + sizeof(pre) - 1;
	memset(v, 'x', vlen);
	memcpy(v + vlen, "\r\n\r\n", 4);
	ck_assert_int_eq(req_parse(head, n, &r), 0);
	ck_assert_uint_eq(strlen(r.request_id), vlen);
	free(head);
}
END_TEST

/* ---- req_query_next ---- */

START_TEST(test_req_query_pairs)
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
		ck_assert_int_eq(req_query_next(&p, &k, &v), 1);
		ck_assert_str_eq(k, want[i][0]);
		ck_assert_str_eq(v, want[i][1]);
	}
	ck_assert_int_eq(req_query_next(&p, &k, &v), 0);
	ck_assert_int_eq(req_query_next(&p, &k, &v), 0); /* stays done */

	p = NULL;
	ck_assert_int_eq(req_query_next(&p, &k, &v), 0);
	ck_assert_ptr_null(p);
	{
		char e[] = "", a[] = "&&&";

		p = e;
		ck_assert_int_eq(req_query_next(&p, &k, &v), 0);
		p = a;
		ck_assert_int_eq(req_query_next(&p, &k, &v), 0);
	}
	{
		/* An encoded '&' or '=' is data, not a separator. */
		char s[] = "a%26b=c%3Dd";

		p = s;
		ck_assert_int_eq(req_query_next(&p, &k, &v), 1);
		ck_assert_str_eq(k, "a&b");
		ck_assert_str_eq(v, "c=d");
		ck_assert_int_eq(req_query_next(&p, &k, &v), 0);
	}
}
END_TEST

START_TEST(test_req_query_bad)
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
		int got = req_query_next(&p, &k, &v);

		ck_assert_msg(got == cases[i].want, "%s: got %d, want %d", cases[i].q, got, cases[i].want);
		free(s);
	}
	{
		/* A bad pair does not stop the pairs after it. */
		char s[] = "a=%zz&b=2", *p = s, *k, *v;

		ck_assert_int_eq(req_query_next(&p, &k, &v), -1);
		ck_assert_int_eq(req_query_next(&p, &k, &v), 1);
		ck_assert_str_eq(k, "b");
		ck_assert_str_eq(v, "2");
	}
	{
		char s[] = "a=%ff", *p = s, *k, *v;

		ck_assert_int_eq(req_query_next(&p, &k, &v), 1);
		ck_assert_uint_eq((unsigned char)v[0], 0xff);
		ck_assert_uint_eq(strlen(v), 1);
	}
}
END_TEST

/* ---- req_token_has ---- */

START_TEST(test_req_token_has)
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
		ck_assert_msg(req_token_has(cases[i].v, cases[i].t) == cases[i].want,
		    "req_token_has(\"%s\", \"%s\") != %d", cases[i].v ? cases[i].v : "(null)", cases[i].t,
		    cases[i].want);
}
END_TEST

/* ---- sub ---- */

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

/* ---- sid ---- */

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

static Suite *
sse_suite(void)
{
	Suite *s = suite_create("sse");
	TCase *req = tcase_create("req"), *sub = tcase_create("sub"), *sid = tcase_create("sid");

	tcase_add_test(req, test_req_parse_fields);
	tcase_add_test(req, test_req_parse_minimal);
	tcase_add_test(req, test_req_parse_status_table);
	tcase_add_test(req, test_req_parse_nul_and_length);
	tcase_add_test(req, test_req_parse_big_head);
	tcase_add_test(req, test_req_query_pairs);
	tcase_add_test(req, test_req_query_bad);
	tcase_add_test(req, test_req_token_has);
	tcase_add_test(sub, test_sub_name_ok);
	tcase_add_test(sub, test_sub_change_types);
	tcase_add_test(sub, test_sub_change_both);
	tcase_add_test(sub, test_sub_change_refused);
	tcase_add_test(sub, test_sub_change_limit);
	tcase_add_test(sub, test_sub_nothing);
	tcase_add_test(sid, test_sid_parse_table);
	tcase_add_test(sid, test_sid_parse_length);
	tcase_add_test(sid, test_sid_cmp_format);
	suite_add_tcase(s, req);
	suite_add_tcase(s, sub);
	suite_add_tcase(s, sid);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(sse_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
