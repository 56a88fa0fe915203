/* sse.h: the push daemon's process-wide state and the connection record its modules share. */
#ifndef AIOPS_SSE_H
#define AIOPS_SSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hub.h"

struct bufferevent;
struct evbuffer;
struct event;
struct event_base;
struct evconnlistener;
struct feed;
struct replay;
struct head;
struct sub;
struct wslay_event_context;

enum proto { PROTO_HTTP, PROTO_SSE, PROTO_WS, PROTO__MAX };

enum client_state {
	CS_HEAD, /* reading the request head */
	CS_STREAM, /* an event stream or a WebSocket is open */
	CS_CLOSING /* the last bytes are being sent, then the connection closes */
};

/* Counters behind /metrics; they only grow. */
struct sse_metrics {
	uint64_t events_in, events_out, events_invalid, slow_disconnects, replays, gaps, redis_reconnects;
};

/* One connection. Kept small on purpose: an idle stream costs this, the bufferevent and its two
 * empty evbuffers. Filters, the user id and the WebSocket parser exist only when needed. */
struct client {
	struct client *prev, *next; /* every connection of the daemon */
	struct daemon *d;
	struct bufferevent *bev;
	struct ev *cursor; /* the last hub event this client has looked at (parked on it) */
	struct sid floor; /* events up to this id were delivered before a resume: skipped */
	struct sub *sub; /* NULL: every event the user may see */
	char *user; /* "user id\0request id\0", malloc'd; NULL before the request is read */
	struct replay *replay; /* a resume being answered; live events wait behind it */
	struct wslay_event_context *ws; /* the frame parser, made while input is being read */
	uint32_t ws_feed; /* bytes of whole frames the parser may take from the input */
	uint32_t unsent_prev; /* unsent bytes seen by the previous slow-client check */
	uint8_t state, proto;
	bool ws_midmsg; /* a fragmented message is half received: the parser must stay */
};

struct daemon {
	struct event_base *base;
	struct evconnlistener *listener;
	struct event *tick, *heartbeat, *sigterm, *sigint, *resume_accept;
	struct hub hub;
	struct feed *feed;
	struct client *clients;
	struct evbuffer *aside; /* client_pump's scratch: a keeping-up client's bytes, written at once */
	size_t nproto[PROTO__MAX];
	long heartbeat_s, max_buffer, max_clients, replay_max;
	char **origins; /* extra origins allowed to open /ws, NULL-terminated */
	char *unix_path; /* the socket file to remove at exit, or NULL */
	struct sse_metrics m;
	bool stopping;
};

/* client.c */

/* client_accept takes a connected socket; the daemon owns it from now on. */
void client_accept(struct daemon *d, int fd);

/* client_pump_all moves every streaming client along the hub after new events arrived. */
void client_pump_all(struct daemon *d);

/* client_reset_all tells every streaming client that events were lost (the stream was trimmed
 * past the reader while Redis was out of reach), so pages reload. */
void client_reset_all(struct daemon *d);

/* client_tick runs once a second: cuts clients that stay too slow. */
void client_tick(struct daemon *d);

/* client_heartbeat sends a comment (SSE) or a ping (WebSocket) to every streaming client. */
void client_heartbeat(struct daemon *d);

/* client_close_all ends every connection (a WebSocket gets a 1001 close first) and frees what the
 * clients shared, for shutdown. */
void client_close_all(struct daemon *d);

/* client_stream turns c into a streaming client of proto, parked at the hub's tail: it receives
 * the events that arrive from now on. */
void client_stream(struct client *c, enum proto proto);

/* client_free releases c at once, without flushing its output. */
void client_free(struct client *c);

/* client_close_after_flush closes c once its output is sent, reading and dropping its input
 * meanwhile. */
void client_close_after_flush(struct client *c);

/* client_pump writes the replayed and then the live events c is owed, until its output buffer
 * holds enough to keep the socket busy; the write callback calls it again. */
void client_pump(struct client *c);

/* client_resume answers "send me what I missed after id": replays from Redis when it can, or
 * tells the client to reload when it cannot (malformed id, trimmed stream, gap too long). */
void client_resume(struct client *c, const char *id);

/* client_send_reset tells c that events were lost: SSE "event: reset", WebSocket a reset frame. */
void client_send_reset(struct client *c);

enum replay_result { REPLAY_OK, REPLAY_GAP, REPLAY_FAILED };

/* client_replay_done receives the answer to a replay (feed.c calls it exactly once per replay).
 * evs (n events, each reference handed over; the array is malloc'd) are the events after the
 * resume id, in order; on REPLAY_GAP or REPLAY_FAILED, evs is NULL. */
void client_replay_done(struct replay *r, enum replay_result res, struct ev **evs, size_t n);

/* ws.c */

/* ws_handshake_check checks the upgrade request (RFC 6455 §4.2.1) and the Origin; returns 0 or the
 * HTTP status to refuse it with (400 not an upgrade, 426 another version, 403 a foreign Origin). */
int ws_handshake_check(struct daemon *d, const struct head *r);

/* ws_open answers 101 and turns c into a WebSocket client. */
void ws_open(struct client *c, const struct head *r);

/* ws_read feeds the whole frames waiting in c's input to the parser and acts on the messages. */
void ws_read(struct client *c);

/* ws_frame_header writes the header of an unmasked server frame (FIN set) for a payload of len
 * bytes into out (at least 10 bytes); returns its length. */
size_t ws_frame_header(unsigned char *out, unsigned opcode, size_t len);

/* ws_send_text writes one text frame holding len bytes of payload to c's output. */
void ws_send_text(struct client *c, const char *payload, size_t len);

/* ws_release frees c's parser state. */
void ws_release(struct client *c);

#endif
