/* sse.h: the push daemon's process-wide state and the connection record its modules share. */
#ifndef AIOPS_SSE_H
#define AIOPS_SSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hub.h"

struct bufferevent;
struct client_ops;
struct evbuffer;
struct event;
struct event_base;
struct evconnlistener;
struct feed;
struct replay;
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
	const struct client_ops *ops; /* PROTO__MAX rows, by enum proto: what a connection does */
	struct evbuffer *aside; /* pump_client's scratch: a keeping-up client's bytes, written at once */
	size_t nproto[PROTO__MAX];
	long heartbeat_s, max_buffer, max_clients, replay_max;
	char **origins; /* extra origins allowed to open /ws, NULL-terminated */
	char *unix_path; /* the socket file to remove at exit, or NULL */
	struct sse_metrics m;
	bool stopping;
};

#endif
