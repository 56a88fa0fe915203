/* sse_harness.c: the push daemon under test: its loop and hub, connections through socketpairs,
 * and feed.c (Redis) stood in. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/util.h>

#include "buf.h"
#include "client.h"
#include "feed.h"
#include "log.h"
#include "pump.h"
#include "route.h"
#include "sse_harness.h"

/* feed.c (Redis) is not linked: these stand-ins record the replays the daemon asks for. */
struct replay *asked;

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

struct daemon dm;

void
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

void
daemon_teardown(void)
{
	client_close_all(&dm);
	hub_free(&dm.hub);
	event_base_free(dm.base);
}

/* spin runs the loop until nothing is left to do at once (deferred callbacks included). */
void
spin(void)
{
	for (int i = 0; i < 20; i++)
		event_base_loop(dm.base, EVLOOP_NONBLOCK);
}

/* connect_client hands one end of a socketpair to the daemon and returns the other, the peer
 * (non-blocking); *c (when not NULL) is the daemon's record of the connection. */
int
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
void
send_all(int fd, const char *s, size_t n)
{
	ck_assert_int_eq(write(fd, s, n), (ssize_t)n);
}

void
send_str(int fd, const char *s)
{
	send_all(fd, s, strlen(s));
}

/* take reads what the daemon sent to the peer so far (after spinning the loop) into b; returns
 * 1 once the daemon closed the connection, else 0. The close must be orderly: a reset (the daemon
 * closing with the peer's bytes unread, which can destroy its answer) fails the test. */
int
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
size_t
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
void
answer(const char *head, struct buf *out)
{
	int fd = connect_client(NULL);

	send_str(fd, head);
	ck_assert_msg(take(fd, out) == 1, "the connection stays open after: %s", buf_cstr(out));
	close(fd);
}

/* open_stream opens GET path as user u1 (extra: more header lines) and reads the response head and
 * the retry hint; returns the peer, *c the daemon's record. */
int
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
struct ev *
publish(const char *id, const char *type, const char *cluster, const char *owner, const char *json)
{
	const char *why;
	struct ev *e = ev_make(id, strlen(id), type, cluster, owner, json, strlen(json), &why);

	ck_assert_msg(e != NULL, "%s", why);
	hub_append(&dm.hub, e);
	pump_all(&dm);
	return e;
}

int
harness_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	/* The daemon ignores SIGPIPE (main.c); so do the connections here, whose peers close first. */
	signal(SIGPIPE, SIG_IGN);
	log_init("check_sse", LOG_ERROR);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
