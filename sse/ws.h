/* ws.h: WebSocket clients (RFC 6455): the handshake, the frames and messages they send. */
#ifndef AIOPS_SSE_WS_H
#define AIOPS_SSE_WS_H

#include "sse.h"

struct head;

/* ws_handshake_check checks the upgrade request (RFC 6455 §4.2.1) and the Origin; returns 0 or the
 * HTTP status to refuse it with (400 not an upgrade, 426 another version, 403 a foreign Origin). */
int ws_handshake_check(struct daemon *d, const struct head *r);

/* ws_open answers 101 and turns c into a WebSocket client. */
void ws_open(struct client *c, const struct head *r);

/* ws_read feeds the whole frames waiting in c's input to the parser and acts on the messages. The
 * read hook of PROTO_WS. */
void ws_read(struct client *c);

/* ws_release frees c's parser state. The release hook of PROTO_WS. */
void ws_release(struct client *c);

#endif
