/* feed.h: the Redis side of the push daemon: one reader of the event stream, one connection for
 * replays. Everything hiredis stays in feed.c. */
#ifndef AIOPS_SSE_FEED_H
#define AIOPS_SSE_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "hub.h"

struct daemon;
struct client;

/* A resume in progress: the events after from, up to to (the hub's last id when the client
 * parked at the hub's tail), are read with XRANGE. */
struct replay {
	struct replay *next; /* the feed's list of replays waiting for Redis */
	struct client *c; /* NULL once the client is gone: whoever holds the replay frees it */
	struct sid from, to;
	bool to_known; /* false until the reader learnt where the stream ended at start */
	bool waiting; /* on the feed's list (not yet sent, or sent and waiting for the reply) */
	bool sent; /* XRANGE sent; the reply callback owns the replay */
	time_t since;
	/* Once answered: the events to send before the live ones. */
	struct ev **evs;
	size_t n, i;
};

enum replay_result { REPLAY_OK, REPLAY_GAP, REPLAY_FAILED };

/* What the feed tells the rest of the daemon; every hook is required. */
struct feed_hooks {
	/* arrived: new events were appended to d->hub. */
	void (*arrived)(struct daemon *d);
	/* lost: the stream was trimmed past the reader while Redis was out of reach; events were
	 * lost. */
	void (*lost)(struct daemon *d);
	/* replayed: the answer to a replay, exactly once per replay handed to feed_replay. evs (n
	 * events, each reference handed over; the array is malloc'd) are the events after the resume
	 * id, in order; on REPLAY_GAP or REPLAY_FAILED, evs is NULL. */
	void (*replayed)(struct replay *r, enum replay_result res, struct ev **evs, size_t n);
};

/* feed_new connects to Redis (socket when not empty, else host and port) and starts reading
 * EVENTS_STREAM into d->hub from its end, telling hooks (copied) what happens. Connections are retried
 * with backoff for as long as the daemon runs. Caller frees with feed_free. */
struct feed *feed_new(struct daemon *d, const struct feed_hooks *hooks, const char *host, int port,
    const char *socket, int timeout_ms);

/* feed_replay queues r (the feed holds it until the replayed hook is called with it). */
void feed_replay(struct feed *f, struct replay *r);

/* feed_replay_cancel drops r if it was not sent yet (freeing it) and returns true; false when a
 * reply is on its way (the callback frees it, seeing r->c == NULL). */
bool feed_replay_cancel(struct feed *f, struct replay *r);

/* feed_tick fails the replays that waited for Redis longer than limit seconds. */
void feed_tick(struct feed *f, time_t now, int limit);

/* feed_free closes both connections; replies still due are dropped. */
void feed_free(struct feed *f);

#endif
