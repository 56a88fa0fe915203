/* route.h: the HTTP side of the push daemon: the request head, THE route table and its
 * dispatcher, and the answers that are not streams (/metrics, /health, errors). */
#ifndef AIOPS_SSE_ROUTE_H
#define AIOPS_SSE_ROUTE_H

#include "client.h"
#include "sse.h"

/* route_read waits for c's whole request head (at most HEAD_MAX bytes), parses it and answers it:
 * an error, a page, or a stream (pump.c, ws.c) it hands c over to. What follows the head stays in
 * the input (WebSocket frames sent early). The read hook of PROTO_HTTP. */
void route_read(struct client *c);

/* route_ops is the daemon's client_ops table (d->ops): what a connection does on its events,
 * by the protocol it speaks. */
extern const struct client_ops route_ops[PROTO__MAX];

#endif
