/* client.h: a connection's life: accepted, read, flushed, freed. What it does on its events is
 * asked of the protocol it speaks, through the daemon's client_ops table, so that the protocols
 * (route.c, pump.c, ws.c) call down into this file and never the other way round. */
#ifndef AIOPS_SSE_CLIENT_H
#define AIOPS_SSE_CLIENT_H

#include "sse.h"

/* A stream whose output makes no progress this long is gone (the peer stopped reading). */
#define CLIENT_STALL_S 60

/* The row of d->ops for one enum proto. A NULL hook does nothing (read: the input is dropped). */
struct client_ops {
	/* read: input arrived, while the request head is read or a stream is open. */
	void (*read)(struct client *c);
	/* drained: a stream's output drained to its low watermark: refill it. */
	void (*drained)(struct client *c);
	/* release: c is being freed: free what the protocol holds for it. */
	void (*release)(struct client *c);
};

/* client_accept takes a connected socket; the daemon owns it from now on. The client reads its
 * request head through d->ops[PROTO_HTTP]. */
void client_accept(struct daemon *d, int fd);

/* client_free releases c at once, without flushing its output. */
void client_free(struct client *c);

/* client_close_after_flush closes c once its output is sent, reading and dropping its input
 * meanwhile. */
void client_close_after_flush(struct client *c);

/* client_close_all ends every connection (a WebSocket gets a 1001 close first) and frees what the
 * clients shared, for shutdown. */
void client_close_all(struct daemon *d);

/* client_set_user keeps the user id (NULL: none) and the request id (NULL, or longer than 64
 * bytes: none) of c's request, copied. */
void client_set_user(struct client *c, const char *user_id, const char *request_id);

/* client_user_id returns the identity nginx vouched for ("" before the request was read); c's
 * memory. */
const char *client_user_id(const struct client *c);

/* client_request_id returns the X-Request-ID of c's request, or NULL; c's memory. */
const char *client_request_id(const struct client *c);

#endif
