/* sse_harness.h: the push daemon under test, for the suites that drive connections (client, ws):
 * a real event loop and hub, no listener, and the Redis side (feed.c) stood in by functions that
 * record the replays asked for. A suite adds daemon_setup and daemon_teardown as its fixture. */
#ifndef AIOPS_SSE_HARNESS_H
#define AIOPS_SSE_HARNESS_H

#include <check.h>
#include <stddef.h>

#include "sse.h"

struct buf;

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The daemon under test, and the last replay handed to the stood-in feed_replay (NULL: none). */
extern struct daemon dm;
extern struct replay *asked;

/* daemon_setup makes dm (a loop, a hub, the real route_ops); daemon_teardown closes every client. */
void daemon_setup(void);
void daemon_teardown(void);

/* spin runs the loop until nothing is left to do at once (deferred callbacks included). */
void spin(void);

/* connect_client hands one end of a socketpair to the daemon and returns the other, the peer
 * (non-blocking); *c (when not NULL) is the daemon's record of the connection. */
int connect_client(struct client **c);

/* send_all writes n bytes of s to the peer fd; send_str a C string. */
void send_all(int fd, const char *s, size_t n);
void send_str(int fd, const char *s);

/* take reads what the daemon sent to the peer so far (after spinning the loop) into b; returns 1
 * once the daemon closed the connection, else 0. A reset instead of an orderly close fails the
 * test. */
int take(int fd, struct buf *b);

/* read_queued reads what the kernel holds for the peer now, without letting the daemon write more
 * meanwhile; returns how many bytes. */
size_t read_queued(int fd, struct buf *b);

/* answer sends a whole request and reads what came back until the daemon closed (caller frees
 * out). */
void answer(const char *head, struct buf *out);

/* open_stream opens GET path as user u1 (extra: more header lines) and reads the response head
 * and the retry hint; returns the peer, *c (when not NULL) the daemon's record. */
int open_stream(const char *path, const char *extra, struct client **c);

/* publish renders an event and queues it on the hub as the stream reader does, then pumps; the
 * hub holds the reference returned. */
struct ev *publish(
    const char *id, const char *type, const char *cluster, const char *owner, const char *json);

/* harness_run runs s as the daemon would: SIGPIPE ignored, logs quiet. Returns the exit status. */
int harness_run(Suite *s);

#endif
