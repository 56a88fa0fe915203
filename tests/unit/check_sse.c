/* check_sse.c: the push daemon: the request head parser, query pairs and token lists (head),
 * subscription sets (sub), stream ids and event rendering (hub), and the connections (client.c and
 * ws.c) driven through socketpairs and a real event loop, with the Redis side (feed.c) stood in. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/util.h>

#include "buf.h"
#include "client.h"
#include "feed.h"
#include "head.h"
#include "hub.h"
#include "log.h"
#include "pump.h"
#include "route.h"
#include "sse.h"
#include "sub.h"
#include "wsframe.h"

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

/* ---- ev_make: one stream entry rendered as an SSE block and a WebSocket text frame ---- */

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

/* References: the hub's and every output buffer's; the last ev_unref frees (the sanitizer build
 * reports a leak or a use after free). */
START_TEST(test_ev_refs)
{
	const char *why;
	struct ev *e = mk("1-1", "A", "{}", &why);

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

/* ---- client.c through a socketpair and a real event loop ---- */

/* feed.c (Redis) is not linked: these stand-ins record the replays client.c asks for. */
static struct replay *asked; /* the last replay passed to feed_replay */

void
feed_replay(struct feed *f, struct replay *r)
{
	(void)f;
	asked = r;
	r->waiting = true;
}

bool
feed_replay_cancel(struct feed *f, struct replay *r)
{
	(void)f;
	if (asked == r)
		asked = NULL;
	free(r);
	return true;
}

void
feed_tick(struct feed *f, time_t now, int limit)
{
	(void)f;
	(void)now;
	(void)limit;
}

/* The daemon under test: a loop and a hub, no listener and no Redis. */
static struct daemon dm;

static void
daemon_setup(void)
{
	memset(&dm, 0, sizeof(dm));
	dm.ops = route_ops;
	ck_assert_ptr_nonnull(dm.base = event_base_new());
	hub_init(&dm.hub);
	dm.heartbeat_s = 15;
	dm.max_buffer = 262144;
	dm.max_clients = 100;
	dm.replay_max = 1000;
	asked = NULL;
}

static void
daemon_teardown(void)
{
	client_close_all(&dm);
	hub_free(&dm.hub);
	event_base_free(dm.base);
}

/* spin runs the loop until nothing is left to do at once (deferred callbacks included). */
static void
spin(void)
{
	for (int i = 0; i < 20; i++)
		event_base_loop(dm.base, EVLOOP_NONBLOCK);
}

/* connect_client hands one end of a socketpair to the daemon and returns the other, the peer
 * (non-blocking); *c (when not NULL) is the daemon's record of the connection. */
static int
connect_client(struct client **c)
{
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(evutil_make_socket_nonblocking(sv[0]), 0);
	ck_assert_int_eq(evutil_make_socket_nonblocking(sv[1]), 0);
	client_accept(&dm, sv[0]);
	ck_assert_ptr_nonnull(dm.clients);
	ck_assert_int_eq(bufferevent_getfd(dm.clients->bev), sv[0]);
	if (c != NULL)
		*c = dm.clients;
	return sv[1];
}

/* send_all writes s to the peer. */
static void
send_all(int fd, const char *s, size_t n)
{
	ck_assert_int_eq(write(fd, s, n), (ssize_t)n);
}

static void
send_str(int fd, const char *s)
{
	send_all(fd, s, strlen(s));
}

/* take reads what the daemon sent to the peer so far (after spinning the loop) into b; returns
 * 1 once the daemon closed the connection, else 0. The close must be orderly: a reset (the daemon
 * closing with the peer's bytes unread, which can destroy its answer) fails the test. */
static int
take(int fd, struct buf *b)
{
	char chunk[65536];

	for (;;) {
		ssize_t got;

		spin();
		got = read(fd, chunk, sizeof(chunk));
		if (got > 0) {
			buf_add(b, chunk, (size_t)got);
			continue;
		}
		ck_assert_msg(got == 0 || errno == EAGAIN, "the connection ended with %s after: %.60s",
		    strerror(errno), buf_cstr(b));
		return got == 0;
	}
}

/* read_queued reads what the kernel holds for the peer now, without letting the daemon write
 * more meanwhile; returns how many bytes. */
static size_t
read_queued(int fd, struct buf *b)
{
	char chunk[65536];
	size_t n = 0;
	ssize_t got;

	while ((got = read(fd, chunk, sizeof(chunk))) > 0) {
		buf_add(b, chunk, (size_t)got);
		n += (size_t)got;
	}
	return n;
}

/* answer sends a whole request and returns what came back before the daemon closed (caller frees). */
static void
answer(const char *head, struct buf *out)
{
	int fd = connect_client(NULL);

	send_str(fd, head);
	ck_assert_msg(take(fd, out) == 1, "the connection stays open after: %s", buf_cstr(out));
	close(fd);
}

/* A request head sent a byte at a time is answered once its blank line is in, not before. */
START_TEST(test_client_head_in_pieces)
{
	static const char head[] = "GET /health HTTP/1.1\r\nHost: x\r\nX-Request-ID: r-1\r\n\r\n";
	struct buf out = { 0 };
	int fd = connect_client(NULL);

	for (size_t i = 0; i + 1 < sizeof(head) - 1; i++) {
		send_all(fd, head + i, 1);
		ck_assert_int_eq(take(fd, &out), 0);
		ck_assert_uint_eq(out.len, 0);
		ck_assert_int_eq(dm.clients->state, CS_HEAD);
	}
	send_all(fd, head + sizeof(head) - 2, 1);
	ck_assert_int_eq(take(fd, &out), 1);
	ck_assert_msg(strncmp(buf_cstr(&out), "HTTP/1.1 200 OK\r\n", 17) == 0, "%s", buf_cstr(&out));
	ck_assert_ptr_nonnull(strstr(buf_cstr(&out), "\r\nContent-Length: 3\r\n"));
	ck_assert_ptr_nonnull(strstr(buf_cstr(&out), "\r\n\r\nok\n"));
	ck_assert_ptr_null(dm.clients);
	buf_free(&out);
	close(fd);

	/* Bare LF line ends, the head in three uneven pieces. */
	fd = connect_client(NULL);
	send_str(fd, "GET /hea");
	ck_assert_int_eq(take(fd, &out), 0);
	send_str(fd, "lth HTTP/1.0\n");
	ck_assert_int_eq(take(fd, &out), 0);
	ck_assert_uint_eq(out.len, 0);
	send_str(fd, "\n");
	ck_assert_int_eq(take(fd, &out), 1);
	ck_assert_msg(strncmp(buf_cstr(&out), "HTTP/1.1 200 OK\r\n", 17) == 0, "%s", buf_cstr(&out));
	buf_free(&out);
	close(fd);
}
END_TEST

/* head_of makes a request head of exactly n bytes (padded in one header) for path. */
static char *
head_of(const char *path, size_t n)
{
	struct buf b = { 0 };
	char *s;

	buf_printf(&b, "GET %s HTTP/1.1\r\nX-Pad: ", path);
	ck_assert_uint_le(b.len + 4, n);
	while (b.len < n - 4)
		buf_addc(&b, 'p');
	buf_adds(&b, "\r\n\r\n");
	ck_assert_uint_eq(b.len, n);
	s = strdup(b.p);
	buf_free(&b);
	return s;
}

/* A head of HEAD_MAX bytes is read; one byte more, or as many without the blank line, is 431. */
START_TEST(test_client_head_limit)
{
	struct buf out = { 0 };
	char *head = head_of("/health", HEAD_MAX);
	int fd;

	answer(head, &out);
	ck_assert_msg(strncmp(buf_cstr(&out), "HTTP/1.1 200 OK\r\n", 17) == 0, "%.40s", buf_cstr(&out));
	buf_free(&out);
	free(head);

	head = head_of("/health", HEAD_MAX + 1);
	answer(head, &out);
	ck_assert_msg(strncmp(buf_cstr(&out), "HTTP/1.1 431 Request Header Fields Too Large\r\n", 46) == 0,
	    "%.60s", buf_cstr(&out));
	ck_assert_ptr_nonnull(strstr(buf_cstr(&out), "\"code\":\"headers_too_large\""));
	buf_free(&out);

	/* No blank line at all: 431 as soon as HEAD_MAX bytes are in, not a wait for more. */
	fd = connect_client(NULL);
	memset(head, 'x', HEAD_MAX - 1);
	send_all(fd, head, HEAD_MAX - 1);
	ck_assert_int_eq(take(fd, &out), 0);
	ck_assert_uint_eq(out.len, 0);
	send_all(fd, head, 1);
	ck_assert_int_eq(take(fd, &out), 1);
	ck_assert_msg(strncmp(buf_cstr(&out), "HTTP/1.1 431 ", 13) == 0, "%.60s", buf_cstr(&out));
	buf_free(&out);
	close(fd);
	free(head);
}
END_TEST

/* An answer is closed in order, not reset, even when the peer's bytes were left unread (a head
 * over the limit) or the peer half-closed after its request. */
START_TEST(test_client_close_clean)
{
	struct buf out = { 0 };
	char *head = head_of("/health", HEAD_MAX + 1);
	int fd = connect_client(NULL);

	send_str(fd, head);
	ck_assert_int_eq(take(fd, &out), 1);
	ck_assert_msg(strncmp(buf_cstr(&out), "HTTP/1.1 431 ", 13) == 0, "%.60s", buf_cstr(&out));
	close(fd);
	buf_free(&out);
	free(head);

	fd = connect_client(NULL);
	send_str(fd, "GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n");
	ck_assert_int_eq(shutdown(fd, SHUT_WR), 0);
	ck_assert_int_eq(take(fd, &out), 1);
	ck_assert_msg(strncmp(buf_cstr(&out), "HTTP/1.1 404 ", 13) == 0, "%.60s", buf_cstr(&out));
	ck_assert_ptr_null(dm.clients);
	close(fd);
	buf_free(&out);
}
END_TEST

/* The dispatcher's answers, each in the API's error shape and closing the connection. */
START_TEST(test_client_refusals)
{
	static const struct {
		const char *head, *status, *has;
	} cases[] = {
		{ "GET /nope HTTP/1.1\r\nX-Aiops-User-Id: u1\r\n\r\n", "404 Not Found",
		    "\"code\":\"not_found\"" },
		{ "GET /events/ HTTP/1.1\r\nX-Aiops-User-Id: u1\r\n\r\n", "404 Not Found",
		    "\"code\":\"not_found\"" },
		{ "POST /events HTTP/1.1\r\nX-Aiops-User-Id: u1\r\n\r\n", "405 Method Not Allowed",
		    "\r\nAllow: GET\r\n" },
		{ "HEAD /metrics HTTP/1.1\r\n\r\n", "405 Method Not Allowed",
		    "\"code\":\"method_not_allowed\"" },
		{ "GET /events HTTP/1.1\r\n\r\n", "401 Unauthorized", "\"code\":\"unauthorized\"" },
		{ "GET /events HTTP/1.1\r\nX-Aiops-User-Id: \r\n\r\n", "401 Unauthorized",
		    "\"code\":\"unauthorized\"" },
		{ "GET /ws HTTP/1.1\r\n\r\n", "401 Unauthorized", "\"code\":\"unauthorized\"" },
		{ "GET /events HTTP/1.1\r\nX-Aiops-User-Id: a b\r\n\r\n", "400 Bad Request", "malformed" },
		{ "GET /events?types=a%zz HTTP/1.1\r\nX-Aiops-User-Id: u1\r\n\r\n", "400 Bad Request",
		    "%-escape" },
		{ "GET /events?types=a/b HTTP/1.1\r\nX-Aiops-User-Id: u1\r\n\r\n", "400 Bad Request",
		    "comma-separated" },
		{ "GET /ws HTTP/1.1\r\nX-Aiops-User-Id: u1\r\n\r\n", "400 Bad Request", "WebSocket upgrade" },
		{ "GET /events HTTP/2.0\r\n\r\n", "505 HTTP Version Not Supported",
		    "\"code\":\"http_version\"" },
		{ "GET /events HTTP/1.1\r\nNoColon\r\n\r\n", "400 Bad Request", "malformed" },
		{ "GET /nope HTTP/1.1\r\nX-Request-ID: req-42\r\n\r\n", "404 Not Found",
		    "\"request_id\":\"req-42\"" },
	};

	for (size_t i = 0; i < N(cases); i++) {
		struct buf out = { 0 }, want = { 0 };

		answer(cases[i].head, &out);
		buf_printf(&want, "HTTP/1.1 %s\r\n", cases[i].status);
		ck_assert_msg(
		    strncmp(buf_cstr(&out), want.p, want.len) == 0, "case %zu: %.60s", i, buf_cstr(&out));
		ck_assert_msg(strstr(buf_cstr(&out), cases[i].has) != NULL, "case %zu: no %s in %s", i,
		    cases[i].has, buf_cstr(&out));
		ck_assert_ptr_nonnull(strstr(buf_cstr(&out), "\r\nContent-Type: application/json\r\n"));
		ck_assert_ptr_nonnull(strstr(buf_cstr(&out), "\r\n\r\n{\"error\":{\"code\":"));
		ck_assert_ptr_null(dm.clients);
		ck_assert_uint_eq(dm.nproto[PROTO_HTTP] + dm.nproto[PROTO_SSE] + dm.nproto[PROTO_WS], 0);
		buf_free(&out);
		buf_free(&want);
	}
}
END_TEST

/* open_stream opens GET path as user u1 (extra: more header lines) and reads the response head and
 * the retry hint; returns the peer, *c the daemon's record. */
static int
open_stream(const char *path, const char *extra, struct client **c)
{
	struct buf out = { 0 }, req = { 0 };
	int fd = connect_client(c);

	buf_printf(
	    &req, "GET %s HTTP/1.1\r\nX-Aiops-User-Id: u1\r\n%s\r\n", path, extra != NULL ? extra : "");
	send_str(fd, req.p);
	ck_assert_int_eq(take(fd, &out), 0);
	ck_assert_msg(strncmp(buf_cstr(&out), "HTTP/1.1 200 OK\r\n", 17) == 0, "%s", buf_cstr(&out));
	ck_assert_ptr_nonnull(strstr(buf_cstr(&out), "\r\nContent-Type: text/event-stream\r\n"));
	ck_assert_msg(
	    out.len > 13 && strcmp(out.p + out.len - 13, "retry: 3000\n\n") == 0, "%s", buf_cstr(&out));
	buf_free(&out);
	buf_free(&req);
	return fd;
}

/* publish renders an event and queues it on the hub as the stream reader does, then pumps. */
static struct ev *
publish(const char *id, const char *type, const char *cluster, const char *owner, const char *json)
{
	const char *why;
	struct ev *e = ev_make(id, strlen(id), type, cluster, owner, json, strlen(json), &why);

	ck_assert_msg(e != NULL, "%s", why);
	hub_append(&dm.hub, e);
	pump_all(&dm);
	return e;
}

/* An SSE client gets the events it may and wants to see, each as its rendered block. */
START_TEST(test_client_sse_pumped)
{
	int all = open_stream("/events", NULL, NULL),
	    some = open_stream("/events?types=B&clusters=c1", NULL, NULL);
	struct buf got = { 0 }, want = { 0 };
	struct ev *e;

	ck_assert_uint_eq(dm.nproto[PROTO_SSE], 2);
	e = publish("1-1", "A", "c1", NULL, "{\"n\":1}");
	buf_add(&want, e->sse, e->sse_len);
	e = publish("1-2", "B", "c1", "u2", "{\"n\":2}"); /* another user's: for neither */
	e = publish("1-3", "B", "c1", "u1", "{\"n\":3}"); /* u1's own */
	buf_add(&want, e->sse, e->sse_len);
	e = publish("1-4", "B", "c2", NULL, "{\"n\":4}");
	buf_add(&want, e->sse, e->sse_len);
	ck_assert_int_eq(take(all, &got), 0);
	ck_assert_uint_eq(got.len, want.len);
	ck_assert_mem_eq(got.p, want.p, want.len);
	buf_free(&got);
	ck_assert_int_eq(take(some, &got), 0);
	ck_assert_str_eq(buf_cstr(&got), "id: 1-3\nevent: B\ndata: {\"n\":3}\n\n");
	ck_assert_uint_eq(dm.m.events_out, 4);
	/* Every client moved past every event: the hub keeps none of them. */
	ck_assert_ptr_eq(dm.hub.head, dm.hub.tail);
	buf_free(&got);
	buf_free(&want);
	close(all);
	close(some);
}
END_TEST

/* An event big enough to be shared by reference arrives whole after the hub let go of it. */
START_TEST(test_client_sse_shared_bytes)
{
	int fd = open_stream("/events", NULL, NULL);
	struct buf json = { 0 }, got = { 0 }, want = { 0 };
	struct ev *e;

	buf_adds(&json, "{\"pad\":\"");
	for (int i = 0; i < 200000; i++)
		buf_addc(&json, (char)('a' + i % 26));
	buf_adds(&json, "\"}");
	e = publish("2-1", "A", NULL, NULL, json.p);
	buf_add(&want, e->sse, e->sse_len);
	/* The output buffer holds a reference while the bytes wait for the socket. */
	ck_assert_uint_ge(e->refs, 1);
	ck_assert_ptr_eq(dm.hub.head, dm.hub.tail);
	while (got.len < want.len)
		ck_assert_int_eq(take(fd, &got), 0);
	ck_assert_uint_eq(got.len, want.len);
	ck_assert_mem_eq(got.p, want.p, want.len);
	buf_free(&json);
	buf_free(&got);
	buf_free(&want);
	close(fd);
}
END_TEST

/* A WebSocket client: the RFC 6455 sample handshake, then events as text frames. */
START_TEST(test_client_ws_pumped)
{
	static const char head[] =
	    "GET /ws HTTP/1.1\r\nX-Aiops-User-Id: u1\r\nHost: h\r\nUpgrade: websocket\r\n"
	    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	    "Sec-WebSocket-Version: 13\r\n\r\n";
	struct buf got = { 0 };
	int fd = connect_client(NULL);
	struct ev *e;

	send_str(fd, head);
	ck_assert_int_eq(take(fd, &got), 0);
	ck_assert_str_eq(buf_cstr(&got),
	    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
	    "Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n");
	ck_assert_uint_eq(dm.nproto[PROTO_WS], 1);
	buf_free(&got);
	e = publish("3-1", "A", NULL, NULL, "{\"n\":1}");
	ck_assert_int_eq(take(fd, &got), 0);
	ck_assert_uint_eq(got.len, e->ws_len);
	ck_assert_mem_eq(got.p, e->ws, e->ws_len);
	buf_free(&got);
	close(fd);
}
END_TEST

/* unsent_of is what client.c counts against sse.max_buffer_bytes: output plus hub lag. */
static uint64_t
unsent_of(const struct client *c)
{
	return evbuffer_get_length(bufferevent_get_output(c->bev)) + hub_lag(&dm.hub, c->cursor);
}

/* big_json is {"pad":"xxx..."} with n x's (caller frees). */
static void
big_json(struct buf *b, size_t n)
{
	buf_adds(b, "{\"pad\":\"");
	for (size_t i = 0; i < n; i++)
		buf_addc(b, 'x');
	buf_adds(b, "\"}");
}

/* A client whose unsent output stays above sse.max_buffer_bytes at two ticks, not shrinking, with
 * its socket full, is cut; one that reads is never held up by it and stays. */
START_TEST(test_client_slow_cut)
{
	struct client *cs, *cf;
	int slow = open_stream("/events", NULL, &cs), fast = open_stream("/events", NULL, &cf);
	struct buf json = { 0 }, got = { 0 }, drained = { 0 };
	struct ev *e;
	size_t big;
	uint64_t n;

	dm.max_buffer = 4096;
	big_json(&json, 1 << 20);
	e = publish("4-1", "A", NULL, NULL, json.p);
	big = e->sse_len;
	while (got.len < big) /* the fast one reads all of it */
		ck_assert_int_eq(take(fast, &got), 0);
	ck_assert_uint_eq(got.len, big);
	ck_assert_uint_eq(unsent_of(cf), 0);
	n = unsent_of(cs);
	ck_assert_uint_gt(n, 4096);

	/* The first tick above the bound is a warning only. */
	pump_tick(&dm);
	ck_assert_uint_eq(dm.m.slow_disconnects, 0);
	ck_assert_uint_eq(dm.nproto[PROTO_SSE], 2);
	/* At the next, it has taken some (not keeping up, but moving): not cut either. */
	ck_assert_uint_gt(read_queued(slow, &drained), 0);
	spin();
	ck_assert_uint_lt(unsent_of(cs), n);
	ck_assert_uint_gt(unsent_of(cs), 4096);
	pump_tick(&dm);
	ck_assert_uint_eq(dm.m.slow_disconnects, 0);
	ck_assert_uint_eq(dm.nproto[PROTO_SSE], 2);

	/* Meanwhile the fast one gets every new event at once. */
	buf_free(&got);
	publish("4-2", "B", NULL, NULL, "{\"n\":2}");
	ck_assert_int_eq(take(fast, &got), 0);
	ck_assert_str_eq(buf_cstr(&got), "id: 4-2\nevent: B\ndata: {\"n\":2}\n\n");

	/* Now it stops reading. Unsent exactly at the bound stays, however many ticks see it. */
	n = unsent_of(cs);
	dm.max_buffer = (long)n;
	pump_tick(&dm);
	pump_tick(&dm);
	pump_tick(&dm);
	ck_assert_uint_eq(dm.m.slow_disconnects, 0);
	ck_assert_uint_eq(dm.nproto[PROTO_SSE], 2);
	/* One byte over (the ticks before saw it too): cut. */
	dm.max_buffer = (long)n - 1;
	pump_tick(&dm);
	ck_assert_uint_eq(dm.m.slow_disconnects, 1);
	ck_assert_uint_eq(dm.nproto[PROTO_SSE], 1);
	ck_assert_ptr_eq(dm.clients, cf);
	ck_assert_ptr_null(cf->next);
	/* Its connection is closed: what the kernel held, then end of file, never the whole event. */
	ck_assert_int_eq(take(slow, &drained), 1);
	ck_assert_uint_lt(drained.len, big);
	/* The fast one goes on, and the hub keeps nothing for the one cut. */
	buf_free(&got);
	publish("4-3", "B", NULL, NULL, "{\"n\":3}");
	ck_assert_int_eq(take(fast, &got), 0);
	ck_assert_str_eq(buf_cstr(&got), "id: 4-3\nevent: B\ndata: {\"n\":3}\n\n");
	ck_assert_ptr_eq(dm.hub.head, dm.hub.tail);
	buf_free(&json);
	buf_free(&got);
	buf_free(&drained);
	close(slow);
	close(fast);
}
END_TEST

/* Above the bound at every tick but with room in its socket: the daemon, not the client, is
 * behind (busy reading a burst, say), so the client stays. Once its socket is full too, it goes. */
START_TEST(test_client_slow_but_writable)
{
	struct client *c;
	int fd = open_stream("/events", NULL, &c);
	struct buf json = { 0 }, got = { 0 };

	dm.max_buffer = 4096;
	/* The daemon writes what the kernel takes at once and leaves the rest in the output, which
	 * the loop would send when the socket has room: here the loop is kept from writing. */
	bufferevent_disable(c->bev, EV_WRITE);
	big_json(&json, 1 << 20);
	publish("5-1", "A", NULL, NULL, json.p);
	ck_assert_uint_gt(read_queued(fd, &got), 0); /* the peer took all the kernel held */
	ck_assert_uint_gt(unsent_of(c), 4096);
	pump_tick(&dm);
	pump_tick(&dm);
	pump_tick(&dm);
	ck_assert_uint_eq(dm.m.slow_disconnects, 0);
	ck_assert_uint_eq(dm.nproto[PROTO_SSE], 1);
	/* The loop writes again and fills the socket; the peer reads no more. */
	bufferevent_enable(c->bev, EV_WRITE);
	spin();
	ck_assert_uint_gt(unsent_of(c), 4096);
	pump_tick(&dm); /* it moved since the last tick */
	ck_assert_uint_eq(dm.m.slow_disconnects, 0);
	pump_tick(&dm);
	ck_assert_uint_eq(dm.m.slow_disconnects, 1);
	ck_assert_ptr_null(dm.clients);
	buf_free(&json);
	buf_free(&got);
	close(fd);
}
END_TEST

/* sse.max_clients streams may be open; one more gets 503, and /health is no stream. */
START_TEST(test_client_max_clients)
{
	struct buf out = { 0 };
	int a, b;

	dm.max_clients = 2;
	a = open_stream("/events", NULL, NULL);
	b = open_stream("/events", NULL, NULL);
	answer("GET /events HTTP/1.1\r\nX-Aiops-User-Id: u1\r\n\r\n", &out);
	ck_assert_msg(strncmp(buf_cstr(&out), "HTTP/1.1 503 Service Unavailable\r\n", 34) == 0, "%.60s",
	    buf_cstr(&out));
	buf_free(&out);
	answer("GET /health HTTP/1.1\r\n\r\n", &out);
	ck_assert_msg(strncmp(buf_cstr(&out), "HTTP/1.1 200 OK\r\n", 17) == 0, "%.60s", buf_cstr(&out));
	buf_free(&out);
	ck_assert_uint_eq(dm.nproto[PROTO_SSE], 2);
	close(a);
	close(b);
}
END_TEST

/* new_ev renders an event for a replay (caller owns the reference). */
static struct ev *
new_ev(const char *id, const char *json)
{
	const char *why;
	struct ev *e = ev_make(id, strlen(id), "A", NULL, NULL, json, strlen(json), &why);

	ck_assert_msg(e != NULL, "%s", why);
	return e;
}

/* Last-Event-ID asks the stream for what came after it; live events wait behind the replay and
 * follow it in order. A gap the stream cannot fill is told as a reset. */
START_TEST(test_client_resume)
{
	static const char retry_reset[] = "retry: 3000\n\nevent: reset\ndata: {\"reason\":\"gap\"}\n\n";
	struct client *c;
	int fd = open_stream("/events", "Last-Event-ID: 6-1\r\n", &c);
	struct buf got = { 0 };
	struct ev **evs = malloc(2 * sizeof(*evs));

	ck_assert_ptr_nonnull(asked);
	ck_assert_ptr_eq(asked->c, c);
	ck_assert_uint_eq(asked->from.ms, 6);
	ck_assert_uint_eq(asked->from.seq, 1);
	publish("8-1", "A", NULL, NULL, "{\"n\":\"live\"}");
	ck_assert_int_eq(take(fd, &got), 0);
	ck_assert_uint_eq(got.len, 0); /* not before the replay */
	evs[0] = new_ev("6-2", "{\"n\":\"r1\"}");
	evs[1] = new_ev("7-1", "{\"n\":\"r2\"}");
	pump_replayed(asked, REPLAY_OK, evs, 2);
	ck_assert_int_eq(take(fd, &got), 0);
	ck_assert_str_eq(buf_cstr(&got),
	    "id: 6-2\nevent: A\ndata: {\"n\":\"r1\"}\n\n"
	    "id: 7-1\nevent: A\ndata: {\"n\":\"r2\"}\n\n"
	    "id: 8-1\nevent: A\ndata: {\"n\":\"live\"}\n\n");
	ck_assert_uint_eq(dm.m.replays, 1);
	buf_free(&got);
	close(fd);

	asked = NULL;
	fd = open_stream("/events", "Last-Event-ID: 6-1\r\n", &c);
	ck_assert_ptr_nonnull(asked);
	pump_replayed(asked, REPLAY_GAP, NULL, 0);
	ck_assert_int_eq(take(fd, &got), 0);
	ck_assert_str_eq(buf_cstr(&got), "event: reset\ndata: {\"reason\":\"gap\"}\n\n");
	ck_assert_uint_eq(dm.m.gaps, 1);
	buf_free(&got);
	close(fd);

	/* An id Redis never issued is a reset at once, without asking the stream. */
	asked = NULL;
	fd = connect_client(NULL);
	send_str(fd, "GET /events HTTP/1.1\r\nX-Aiops-User-Id: u1\r\nLast-Event-ID: not-an-id\r\n\r\n");
	ck_assert_int_eq(take(fd, &got), 0);
	ck_assert_ptr_null(asked);
	ck_assert_msg(
	    got.len > strlen(retry_reset) && strcmp(got.p + got.len - strlen(retry_reset), retry_reset) == 0,
	    "%s", buf_cstr(&got));
	buf_free(&got);
	close(fd);
}
END_TEST

static Suite *
sse_suite(void)
{
	Suite *s = suite_create("sse");
	TCase *head = tcase_create("head"), *sub = tcase_create("sub"), *sid = tcase_create("sid");
	TCase *ev = tcase_create("ev"), *client = tcase_create("client");

	tcase_add_test(head, test_head_parse_fields);
	tcase_add_test(head, test_head_parse_minimal);
	tcase_add_test(head, test_head_parse_status_table);
	tcase_add_test(head, test_head_parse_nul_and_length);
	tcase_add_test(head, test_head_parse_big_head);
	tcase_add_test(head, test_head_query_pairs);
	tcase_add_test(head, test_head_query_bad);
	tcase_add_test(head, test_head_token_has);
	tcase_add_test(sub, test_sub_name_ok);
	tcase_add_test(sub, test_sub_change_types);
	tcase_add_test(sub, test_sub_change_both);
	tcase_add_test(sub, test_sub_change_refused);
	tcase_add_test(sub, test_sub_change_limit);
	tcase_add_test(sub, test_sub_nothing);
	tcase_add_test(sid, test_sid_parse_table);
	tcase_add_test(sid, test_sid_parse_length);
	tcase_add_test(sid, test_sid_cmp_format);
	tcase_add_test(ev, test_ev_make_bytes);
	tcase_add_test(ev, test_ev_make_ws_lengths);
	tcase_add_test(ev, test_ev_make_line_ends);
	tcase_add_test(ev, test_ev_make_type_fallback);
	tcase_add_test(ev, test_ev_make_name_limits);
	tcase_add_test(ev, test_ev_make_refused);
	tcase_add_test(ev, test_ev_refs);
	tcase_add_checked_fixture(client, daemon_setup, daemon_teardown);
	tcase_add_test(client, test_client_head_in_pieces);
	tcase_add_test(client, test_client_head_limit);
	tcase_add_test(client, test_client_close_clean);
	tcase_add_test(client, test_client_refusals);
	tcase_add_test(client, test_client_sse_pumped);
	tcase_add_test(client, test_client_sse_shared_bytes);
	tcase_add_test(client, test_client_ws_pumped);
	tcase_add_test(client, test_client_slow_cut);
	tcase_add_test(client, test_client_slow_but_writable);
	tcase_add_test(client, test_client_max_clients);
	tcase_add_test(client, test_client_resume);
	suite_add_tcase(s, head);
	suite_add_tcase(s, sub);
	suite_add_tcase(s, sid);
	suite_add_tcase(s, ev);
	suite_add_tcase(s, client);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(sse_suite());
	int failed;

	/* The daemon ignores SIGPIPE (main.c); so do the connections here, whose peers close first. */
	signal(SIGPIPE, SIG_IGN);
	log_init("check_sse", LOG_ERROR);

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
