/* replay.h: resuming a stream after Last-Event-ID: the events a client missed are read from Redis
 * (feed.c) and sent before the live ones. This file keeps the books; pump.c sends. */
#ifndef AIOPS_SSE_REPLAY_H
#define AIOPS_SSE_REPLAY_H

#include <stddef.h>

#include "feed.h"
#include "sse.h"

/* replay_start answers "send me what I missed after id" for a streaming client c that has no
 * replay in progress: it parks c at the hub's tail, skips what c was sent already, and asks the
 * feed for the events between id and the hub's last id when there are any. Returns 0, or -1 when
 * id cannot be resumed from (malformed, or ahead of the clock): c must then be told to reload. */
int replay_start(struct client *c, const char *id);

/* replay_done files the feed's answer to r (the arguments of the feed's replayed hook) and returns
 * the client to pump, or NULL when it went away meanwhile (r is freed then). On REPLAY_OK with
 * events, r stays as c->replay for the pump to send; otherwise it is freed, and on REPLAY_GAP or
 * REPLAY_FAILED c must be told to reload. */
struct client *replay_done(struct replay *r, enum replay_result res, struct ev **evs, size_t n);

/* replay_free releases r and the events it holds; the caller unlinked it from its client. */
void replay_free(struct replay *r);

/* replay_drop ends c's replay, if any, as c goes away: freed, or left to the feed to free when
 * its answer comes. */
void replay_drop(struct client *c);

#endif
