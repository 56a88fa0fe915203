/* pump.h: the stream: moving each client along the hub (after its replay) so that a slow one never
 * holds up the others; resets, heartbeats and the once-a-second check for clients too slow. */
#ifndef AIOPS_SSE_PUMP_H
#define AIOPS_SSE_PUMP_H

#include <stddef.h>

#include "feed.h"
#include "sse.h"

/* pump_start turns c into a streaming client of proto, parked at the hub's tail: it receives the
 * events that arrive from now on. */
void pump_start(struct client *c, enum proto proto);

/* pump_client writes the replayed and then the live events c is owed, until its output buffer
 * holds enough to keep the socket busy; the output draining calls it again. */
void pump_client(struct client *c);

/* pump_all moves every streaming client along the hub after new events arrived (the feed's
 * arrived hook). */
void pump_all(struct daemon *d);

/* pump_resume answers "send me what I missed after id" (replay.c), or tells c to reload when id
 * cannot be resumed from. */
void pump_resume(struct client *c, const char *id);

/* pump_replayed takes the feed's answer to a replay (the feed's replayed hook) and sends on. */
void pump_replayed(struct replay *r, enum replay_result res, struct ev **evs, size_t n);

/* pump_reset tells c that events were lost: SSE "event: reset", WebSocket a reset message. */
void pump_reset(struct client *c);

/* pump_reset_all tells every streaming client that events were lost (the feed's lost hook), so
 * pages reload. */
void pump_reset_all(struct daemon *d);

/* pump_tick runs once a second: cuts clients that stay too slow, gives up on replays that waited
 * too long for Redis. */
void pump_tick(struct daemon *d);

/* pump_heartbeat sends a comment (SSE) or a ping (WebSocket) to every idle streaming client. */
void pump_heartbeat(struct daemon *d);

/* pump_hooks is what the feed tells the streams: pump_all, pump_reset_all, pump_replayed. */
extern const struct feed_hooks pump_hooks;

#endif
