/* check_sse_client.c: the push daemon's connections as a state machine (sse/client.c, route.c,
 * pump.c, replay.c): the request head read in pieces and bounded, refusals, SSE streams pumped at
 * each client's pace, slow clients cut, resumes, driven through socketpairs and a real loop. */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "buf.h"
#include "feed.h"
#include "head.h"
#include "hub.h"
#include "pump.h"
#include "sse_harness.h"

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

/* unsent_of is what pump.c counts against sse.max_buffer_bytes: output plus hub lag. */
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
client_suite(void)
{
	Suite *s = suite_create("sse_client");
	TCase *core = tcase_create("core");
	TCase *limits = tcase_create("limits");
	TCase *errors = tcase_create("errors");

	tcase_add_checked_fixture(core, daemon_setup, daemon_teardown);
	tcase_add_test(core, test_client_head_in_pieces);
	tcase_add_test(core, test_client_close_clean);
	tcase_add_test(core, test_client_sse_pumped);
	tcase_add_test(core, test_client_sse_shared_bytes);
	tcase_add_test(core, test_client_resume);
	suite_add_tcase(s, core);
	tcase_add_checked_fixture(limits, daemon_setup, daemon_teardown);
	tcase_add_test(limits, test_client_head_limit);
	tcase_add_test(limits, test_client_max_clients);
	tcase_add_test(limits, test_client_slow_cut);
	tcase_add_test(limits, test_client_slow_but_writable);
	suite_add_tcase(s, limits);
	tcase_add_checked_fixture(errors, daemon_setup, daemon_teardown);
	tcase_add_test(errors, test_client_refusals);
	suite_add_tcase(s, errors);
	return s;
}

int
main(void)
{
	return harness_run(client_suite());
}
