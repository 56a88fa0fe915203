/* pump.c: Server-Sent Events and WebSocket streams: each client walks the hub at its own pace,
 * its replay first; the bytes of an event are shared, not copied, between clients. */
#include "config.h"

#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "arena.h"
#include "client.h"
#include "log.h"
#include "pump.h"
#include "replay.h"
#include "sub.h"
#include "wsframe.h"

#define PUMP_LOW 32768 /* refill a client's output once it drains to this */
#define WRITE_MAX 262144 /* one write(2) may send this much (libevent's default is 16 KiB) */
#define SHARE_MIN 512 /* event bytes shared by reference from this size on, copied below it */
#define REPLAY_WAIT_S 10 /* a resume waits this long for Redis, then the client reloads */

/* Constant frames; the JSON in them is fixed text. */
static const char sse_ping[] = ": ping\n\n";
static const char sse_reset[] = "event: reset\ndata: {\"reason\":\"gap\"}\n\n";
static const char ws_reset[] = "{\"event\":\"reset\",\"data\":{\"reason\":\"gap\"}}";

void
pump_start(struct client *c, enum proto proto)
{
	struct daemon *d = c->d;
	struct timeval stall = { CLIENT_STALL_S, 0 };

	d->nproto[c->proto]--;
	d->nproto[proto]++;
	c->proto = proto;
	c->state = CS_STREAM;
	hub_park(&c->cursor, d->hub.tail);
	bufferevent_set_timeouts(c->bev, NULL, &stall);
	bufferevent_setwatermark(c->bev, EV_WRITE, PUMP_LOW, 0);
	/* A client that keeps up gets what the kernel takes in one go, not 16 KiB a loop turn. */
	bufferevent_set_max_single_write(c->bev, WRITE_MAX);
}

/* ev_release drops the reference an output buffer held on an event's bytes. */
static void
ev_release(const void *data, size_t len, void *extra)
{
	ev_unref(extra);
}

/* ev_into writes event e in c's protocol to dst (the bytes are shared, not copied, when large). */
static void
ev_into(struct client *c, struct evbuffer *dst, struct ev *e)
{
	const char *p = c->proto == PROTO_WS ? e->ws : e->sse;
	size_t n = c->proto == PROTO_WS ? e->ws_len : e->sse_len;

	if (n < SHARE_MIN) {
		evbuffer_add(dst, p, n);
	} else {
		ev_ref(e);
		if (evbuffer_add_reference(dst, p, n, ev_release, e) != 0)
			ev_unref(e);
	}
	c->d->m.events_out++;
}

/* wants says whether c may and wants to see e: a private event only by its owner. */
static bool
wants(const struct client *c, const struct ev *e)
{
	if (e->owner[0] != '\0' && strcmp(e->owner, client_user_id(c)) != 0)
		return false;
	return sub_match(c->sub, e->type, e->cluster);
}

/* pump_into moves c along its replay and then the hub, writing what c wants to dst, until dst
 * holds PUMP_LOW bytes or c is owed nothing more. */
static void
pump_into(struct client *c, struct evbuffer *dst)
{
	struct replay *r = c->replay;

	if (r != NULL) {
		if (r->evs == NULL)
			return; /* waiting for Redis: live events wait behind the replay */
		while (r->i < r->n && evbuffer_get_length(dst) < PUMP_LOW) {
			struct ev *e = r->evs[r->i++];

			if (wants(c, e))
				ev_into(c, dst, e);
		}
		if (r->i < r->n)
			return;
		c->replay = NULL;
		replay_free(r);
	}
	while (c->cursor->next != NULL && evbuffer_get_length(dst) < PUMP_LOW) {
		struct ev *e = c->cursor->next;

		hub_park(&c->cursor, e);
		if (sid_cmp(&e->id, &c->floor) > 0 && wants(c, e))
			ev_into(c, dst, e);
	}
}

/* Writing to a bufferevent's output arms its write event (an epoll_ctl call) and the write
 * callback disarms it once the output has drained (another): three system calls per client per
 * event. A client whose output is empty keeps up, so its new bytes are collected aside and written
 * at once; only what the kernel does not take goes to the output, for libevent to send. */
void
pump_client(struct client *c)
{
	struct evbuffer *out, *aside;

	if (c->state != CS_STREAM)
		return;
	out = bufferevent_get_output(c->bev);
	if (evbuffer_get_length(out) != 0) {
		pump_into(c, out);
		return;
	}
	if ((aside = c->d->aside) == NULL && (aside = c->d->aside = evbuffer_new()) == NULL)
		die_oom();
	pump_into(c, aside);
	if (evbuffer_get_length(aside) == 0)
		return;
	/* An error leaves the bytes for the output, where libevent meets the error and closes. */
	(void)evbuffer_write(aside, bufferevent_getfd(c->bev));
	if (evbuffer_get_length(aside) != 0)
		evbuffer_add_buffer(out, aside);
}

void
pump_all(struct daemon *d)
{
	for (struct client *c = d->clients; c != NULL; c = c->next)
		if (c->state == CS_STREAM)
			pump_client(c);
	hub_trim(&d->hub);
}

const struct feed_hooks pump_hooks = {
	.arrived = pump_all,
	.lost = pump_reset_all,
	.replayed = pump_replayed,
};

void
pump_reset(struct client *c)
{
	if (c->state != CS_STREAM)
		return;
	if (c->proto == PROTO_WS)
		wsframe_text(bufferevent_get_output(c->bev), ws_reset, sizeof(ws_reset) - 1);
	else
		evbuffer_add(bufferevent_get_output(c->bev), sse_reset, sizeof(sse_reset) - 1);
	c->d->m.gaps++;
}

void
pump_reset_all(struct daemon *d)
{
	for (struct client *c = d->clients; c != NULL; c = c->next)
		pump_reset(c);
}

void
pump_resume(struct client *c, const char *id)
{
	if (replay_start(c, id) != 0)
		pump_reset(c);
}

void
pump_replayed(struct replay *r, enum replay_result res, struct ev **evs, size_t n)
{
	struct client *c = replay_done(r, res, evs, n);

	if (c == NULL)
		return;
	if (res != REPLAY_OK)
		pump_reset(c);
	pump_client(c);
}

/* unsent is what c still has to take: its output buffer, the replay left and the hub behind it. */
static uint64_t
unsent(const struct client *c)
{
	uint64_t n = evbuffer_get_length(bufferevent_get_output(c->bev)) + hub_lag(&c->d->hub, c->cursor);

	if (c->replay != NULL)
		for (size_t i = c->replay->i; i < c->replay->n; i++)
			n += c->proto == PROTO_WS ? c->replay->evs[i]->ws_len : c->replay->evs[i]->sse_len;
	return n;
}

/* writable says whether the kernel would take more bytes for c now. */
static bool
writable(const struct client *c)
{
	struct pollfd p = { .fd = bufferevent_getfd(c->bev), .events = POLLOUT };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLOUT) != 0;
}

void
pump_tick(struct daemon *d)
{
	struct client *c, *next;
	uint64_t max = (uint64_t)d->max_buffer;

	for (c = d->clients; c != NULL; c = next) {
		uint64_t n;

		next = c->next;
		if (c->state != CS_STREAM || (c->replay != NULL && c->replay->evs == NULL))
			continue;
		n = unsent(c);
		/* Above the bound at two checks in a row, not shrinking, and the kernel's send buffer
		 * full (a client that drains it while the daemon is busy reading a burst is not the
		 * slow one): the client does not keep up. */
		if (n > max && c->unsent_prev > max && n >= c->unsent_prev && !writable(c)) {
			char num[24];

			snprintf(num, sizeof(num), "%llu", (unsigned long long)n);
			d->m.slow_disconnects++;
			log_kv(LOG_INFO, client_request_id(c), "slow client disconnected", "user_id",
			    client_user_id(c), "proto", c->proto == PROTO_WS ? "ws" : "sse", "#unsent_bytes",
			    num, NULL);
			client_free(c);
			continue;
		}
		c->unsent_prev = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
	}
	hub_trim(&d->hub);
	feed_tick(d->feed, time(NULL), REPLAY_WAIT_S);
}

void
pump_heartbeat(struct daemon *d)
{
	static const char ws_ping[] = { (char)0x89, 0 };

	for (struct client *c = d->clients; c != NULL; c = c->next) {
		struct evbuffer *out;

		if (c->state != CS_STREAM)
			continue;
		/* A client with output waiting is being tested already (the stall timeout). */
		out = bufferevent_get_output(c->bev);
		if (evbuffer_get_length(out) != 0)
			continue;
		if (c->proto == PROTO_WS)
			evbuffer_add(out, ws_ping, sizeof(ws_ping));
		else
			evbuffer_add(out, sse_ping, sizeof(sse_ping) - 1);
	}
}
