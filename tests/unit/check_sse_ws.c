/* check_sse_ws.c: WebSocket clients (sse/ws.c, wsframe.c): the handshake, events as text frames,
 * the messages a client sends (subscribe, unsubscribe, resume) and what it may not send. */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "feed.h"
#include "hub.h"
#include "pump.h"
#include "sse_harness.h"
#include "wsframe.h"

static const char ws_head[] = "GET /ws HTTP/1.1\r\nX-Aiops-User-Id: u1\r\nHost: h\r\nUpgrade: websocket\r\n"
			      "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
			      "Sec-WebSocket-Version: 13\r\n\r\n";

/* ws_connect opens a WebSocket as user u1 and reads the 101; returns the peer. */
static int
ws_connect(void)
{
	struct buf got = { 0 };
	int fd = connect_client(NULL);

	send_str(fd, ws_head);
	ck_assert_int_eq(take(fd, &got), 0);
	ck_assert_msg(strncmp(buf_cstr(&got), "HTTP/1.1 101 ", 13) == 0, "%s", buf_cstr(&got));
	buf_free(&got);
	return fd;
}

/* ws_send sends one masked frame from the client (RFC 6455 §5.3), FIN set, payload under 126
 * bytes. */
static void
ws_send(int fd, unsigned opcode, const char *payload)
{
	static const unsigned char key[4] = { 0x12, 0x34, 0x56, 0x78 };
	unsigned char f[2 + 4 + 125];
	size_t n = strlen(payload);

	ck_assert_uint_lt(n, 126);
	f[0] = (unsigned char)(0x80 | opcode);
	f[1] = (unsigned char)(0x80 | n);
	memcpy(f + 2, key, 4);
	for (size_t i = 0; i < n; i++)
		f[6 + i] = (unsigned char)payload[i] ^ key[i % 4];
	send_all(fd, (const char *)f, 6 + n);
}

/* text_frame is the unmasked server frame holding s (caller frees b). */
static void
text_frame(struct buf *b, const char *s)
{
	unsigned char h[WSFRAME_HEADER_MAX];

	buf_add(b, h, wsframe_header(h, WSFRAME_TEXT, strlen(s)));
	buf_adds(b, s);
}

/* A WebSocket client: the RFC 6455 sample handshake, then events as text frames. */
START_TEST(test_ws_pumped)
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

/* subscribe narrows what arrives; unsubscribe with no list means nothing at all; subscribe with no
 * list means everything again. */
START_TEST(test_ws_subscribe)
{
	int fd = ws_connect();
	struct buf got = { 0 }, want = { 0 };
	struct ev *e;

	ws_send(fd, 0x1, "{\"op\":\"subscribe\",\"types\":[\"B\"]}");
	spin();
	publish("4-1", "A", NULL, NULL, "{\"n\":1}");
	e = publish("4-2", "B", NULL, NULL, "{\"n\":2}");
	buf_add(&want, e->ws, e->ws_len);
	ck_assert_int_eq(take(fd, &got), 0);
	ck_assert_uint_eq(got.len, want.len);
	ck_assert_mem_eq(got.p, want.p, want.len);
	buf_free(&got);

	ws_send(fd, 0x1, "{\"op\":\"unsubscribe\"}");
	spin();
	publish("4-3", "B", NULL, NULL, "{\"n\":3}");
	ck_assert_int_eq(take(fd, &got), 0);
	ck_assert_uint_eq(got.len, 0);

	ws_send(fd, 0x1, "{\"op\":\"subscribe\"}");
	spin();
	e = publish("4-4", "C", NULL, NULL, "{\"n\":4}");
	ck_assert_int_eq(take(fd, &got), 0);
	ck_assert_uint_eq(got.len, e->ws_len);
	ck_assert_mem_eq(got.p, e->ws, e->ws_len);
	buf_free(&got);
	buf_free(&want);
	close(fd);
}
END_TEST

/* A message the daemon cannot act on gets an error frame, and the connection stays open. */
START_TEST(test_ws_bad_messages)
{
	static const struct {
		const char *msg, *reply;
	} cases[] = {
		{ "not json", "{\"event\":\"error\",\"data\":{\"message\":\"the message is not JSON: " },
		{ "[1]", "a message is a JSON object with \\\"op\\\"" },
		{ "{\"op\":\"jump\"}", "unknown op; use subscribe, unsubscribe or resume" },
		{ "{\"op\":\"resume\"}", "resume needs \\\"last_event_id\\\"" },
		{ "{\"op\":\"subscribe\",\"types\":\"A\"}", "\\\"types\\\" must be a list of strings" },
		{ "{\"op\":\"subscribe\",\"clusters\":[\"a b\"]}",
		    "\\\"clusters\\\" holds names of letters" },
	};
	int fd = ws_connect();
	struct buf got = { 0 };
	struct ev *e;

	for (size_t i = 0; i < N(cases); i++) {
		ws_send(fd, 0x1, cases[i].msg);
		ck_assert_int_eq(take(fd, &got), 0);
		ck_assert_msg(got.len > 2 && (unsigned char)got.p[0] == 0x81, "case %zu", i);
		ck_assert_msg(strstr(buf_cstr(&got), cases[i].reply) != NULL, "case %zu: %s", i, got.p + 2);
		buf_free(&got);
	}
	e = publish("5-1", "A", NULL, NULL, "{\"n\":1}");
	ck_assert_int_eq(take(fd, &got), 0);
	ck_assert_uint_eq(got.len, e->ws_len);
	buf_free(&got);
	close(fd);
}
END_TEST

/* {"op":"resume"} asks the stream as Last-Event-ID does; the replay arrives as frames. */
START_TEST(test_ws_resume)
{
	int fd = ws_connect();
	struct buf got = { 0 }, want = { 0 };
	struct ev **evs = malloc(sizeof(*evs));
	const char *why;

	ck_assert_ptr_nonnull(evs);
	ws_send(fd, 0x1, "{\"op\":\"resume\",\"last_event_id\":\"6-1\"}");
	spin();
	ck_assert_ptr_nonnull(asked);
	ck_assert_uint_eq(asked->from.ms, 6);
	ck_assert_uint_eq(asked->from.seq, 1);
	ws_send(fd, 0x1, "{\"op\":\"resume\",\"last_event_id\":\"6-1\"}");
	ck_assert_int_eq(take(fd, &got), 0);
	ck_assert_ptr_nonnull(strstr(buf_cstr(&got), "a resume is in progress already"));
	buf_free(&got);
	evs[0] = ev_make("6-2", 3, "A", NULL, NULL, "{}", 2, &why);
	ck_assert_ptr_nonnull(evs[0]);
	buf_add(&want, evs[0]->ws, evs[0]->ws_len);
	pump_replayed(asked, REPLAY_OK, evs, 1);
	ck_assert_int_eq(take(fd, &got), 0);
	ck_assert_uint_eq(got.len, want.len);
	ck_assert_mem_eq(got.p, want.p, want.len);
	ck_assert_uint_eq(dm.m.replays, 1);
	buf_free(&got);
	buf_free(&want);

	/* One the stream cannot fill is a reset message. */
	asked = NULL;
	ws_send(fd, 0x1, "{\"op\":\"resume\",\"last_event_id\":\"nonsense\"}");
	ck_assert_int_eq(take(fd, &got), 0);
	ck_assert_ptr_null(asked);
	text_frame(&want, "{\"event\":\"reset\",\"data\":{\"reason\":\"gap\"}}");
	ck_assert_uint_eq(got.len, want.len);
	ck_assert_mem_eq(got.p, want.p, want.len);
	ck_assert_uint_eq(dm.m.gaps, 1);
	buf_free(&got);
	buf_free(&want);
	close(fd);
}
END_TEST

/* Binary frames are refused with a 1003 close, and the connection ends once it is sent. */
START_TEST(test_ws_binary_closes)
{
	int fd = ws_connect();
	struct buf got = { 0 };

	ws_send(fd, 0x2, "abc");
	ck_assert_int_eq(take(fd, &got), 1);
	ck_assert_uint_eq(got.len, 2 + 2 + strlen("text frames only"));
	ck_assert_uint_eq((unsigned char)got.p[0], 0x88);
	ck_assert_uint_eq((unsigned char)got.p[2], 0x03);
	ck_assert_uint_eq((unsigned char)got.p[3], 0xeb); /* 1003: unsupported data */
	ck_assert_mem_eq(got.p + 4, "text frames only", strlen("text frames only"));
	ck_assert_uint_eq(dm.nproto[PROTO_WS], 0);
	buf_free(&got);
	close(fd);
}
END_TEST

/* Frame headers at each length boundary (RFC 6455 §5.2: 7, 7+16 and 7+64 bits). */
START_TEST(test_wsframe_header_lengths)
{
	static const struct {
		size_t len, hl;
		unsigned char b1;
	} cases[] = {
		{ 0, 2, 0 },
		{ 125, 2, 125 },
		{ 126, 4, 126 },
		{ 65535, 4, 126 },
		{ 65536, 10, 127 },
		{ (size_t)1 << 40, 10, 127 },
	};

	for (size_t i = 0; i < N(cases); i++) {
		unsigned char h[WSFRAME_HEADER_MAX];
		uint64_t len = 0;
		size_t hl = wsframe_header(h, WSFRAME_TEXT, cases[i].len);

		ck_assert_msg(hl == cases[i].hl, "case %zu: %zu", i, hl);
		ck_assert_uint_eq(h[0], 0x81);
		ck_assert_uint_eq(h[1], cases[i].b1);
		for (size_t k = 2; k < hl; k++)
			len = len << 8 | h[k];
		ck_assert_uint_eq(hl == 2 ? h[1] : len, cases[i].len);
	}
}
END_TEST

static Suite *
ws_suite(void)
{
	Suite *s = suite_create("sse_ws");
	TCase *core = tcase_create("core"), *limits = tcase_create("limits"),
	      *errors = tcase_create("errors");

	tcase_add_checked_fixture(core, daemon_setup, daemon_teardown);
	tcase_add_checked_fixture(errors, daemon_setup, daemon_teardown);
	tcase_add_test(core, test_ws_pumped);
	tcase_add_test(core, test_ws_subscribe);
	tcase_add_test(core, test_ws_resume);
	tcase_add_test(limits, test_wsframe_header_lengths);
	tcase_add_test(errors, test_ws_bad_messages);
	tcase_add_test(errors, test_ws_binary_closes);
	suite_add_tcase(s, core);
	suite_add_tcase(s, limits);
	suite_add_tcase(s, errors);
	return s;
}

int
main(void)
{
	return harness_run(ws_suite());
}
