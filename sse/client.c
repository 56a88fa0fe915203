/* client.c: connections: accepting, the libevent callbacks (handed on to the protocol a connection
 * speaks), closing after the last bytes, freeing. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "arena.h"
#include "client.h"
#include "log.h"
#include "replay.h"
#include "sub.h"

#define HEAD_TIMEOUT_S 10 /* to send the whole request head */
#define READ_HIGH 16384 /* input buffered before reading pauses */
#define REQUEST_ID_MAX 64

const char *
client_user_id(const struct client *c)
{
	return c->user != NULL ? c->user : "";
}

const char *
client_request_id(const struct client *c)
{
	const char *rid;

	if (c->user == NULL)
		return NULL;
	rid = c->user + strlen(c->user) + 1;
	return *rid != '\0' ? rid : NULL;
}

/* The user id and the request id (for log lines) share one small allocation. */
void
client_set_user(struct client *c, const char *user_id, const char *request_id)
{
	const char *uid = user_id != NULL ? user_id : "";
	const char *rid = request_id != NULL && strlen(request_id) <= REQUEST_ID_MAX ? request_id : "";
	size_t ul = strlen(uid), rl = strlen(rid);

	free(c->user);
	c->user = xmalloc(ul + 1 + rl + 1);
	memcpy(c->user, uid, ul + 1);
	memcpy(c->user + ul + 1, rid, rl + 1);
}

void
client_free(struct client *c)
{
	struct daemon *d = c->d;

	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		d->clients = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	d->nproto[c->proto]--;
	if (c->cursor != NULL)
		c->cursor->parked--;
	replay_drop(c);
	sub_free(c->sub);
	free(c->user);
	if (d->ops[c->proto].release != NULL)
		d->ops[c->proto].release(c);
	bufferevent_free(c->bev);
	free(c);
	hub_trim(&d->hub);
}

void
client_close_after_flush(struct client *c)
{
	struct timeval stall = { CLIENT_STALL_S, 0 };

	/* Input is still read, and dropped: closing a socket with unread bytes in it sends a reset,
	 * which can destroy the answer on its way (a request head too large, say). */
	c->state = CS_CLOSING;
	bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
	bufferevent_set_timeouts(c->bev, NULL, &stall);
	/* The write callback frees it once the output is sent (at once when it is empty). */
	bufferevent_trigger(c->bev, EV_WRITE, BEV_TRIG_DEFER_CALLBACKS);
}

/* on_read: the request head, WebSocket frames, or bytes an SSE client (or one being closed) should
 * not send. */
static void
on_read(struct bufferevent *bev, void *arg)
{
	struct client *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	void (*read)(struct client *) = c->d->ops[c->proto].read;

	if (c->state != CS_CLOSING && read != NULL)
		read(c);
	else
		evbuffer_drain(in, evbuffer_get_length(in)); /* an SSE client has nothing to say */
}

/* drain_socket reads and drops what the peer sent that is still in the kernel (a bounded amount),
 * so that closing the socket ends it in order rather than with a reset. */
static void
drain_socket(int fd)
{
	char sink[16384];

	for (int i = 0; i < 16; i++)
		if (read(fd, sink, sizeof(sink)) <= 0)
			return;
}

/* on_write runs when the output drained to its low watermark: refill it, or finish closing. */
static void
on_write(struct bufferevent *bev, void *arg)
{
	struct client *c = arg;

	if (c->state == CS_CLOSING) {
		if (evbuffer_get_length(bufferevent_get_output(bev)) == 0) {
			drain_socket(bufferevent_getfd(bev));
			client_free(c);
		}
		return;
	}
	if (c->state == CS_STREAM) {
		if (c->d->ops[c->proto].drained != NULL)
			c->d->ops[c->proto].drained(c);
		hub_trim(&c->d->hub);
	}
}

/* on_event: end of file, an error or a timeout: the connection is over. */
static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	struct client *c = arg;

	if (c->state == CS_CLOSING && (what & BEV_EVENT_EOF) && (what & BEV_EVENT_READING)) {
		bufferevent_disable(bev, EV_READ); /* a peer that half-closed still gets the answer */
		return;
	}
	if (what & BEV_EVENT_TIMEOUT)
		log_debug(client_request_id(c), "client timed out (%s)",
		    what & BEV_EVENT_READING ? "request head" : "stalled");
	client_free(c);
}

void
client_accept(struct daemon *d, int fd)
{
	struct client *c;
	struct timeval head = { HEAD_TIMEOUT_S, 0 };
	struct bufferevent *bev = bufferevent_socket_new(d->base, fd, BEV_OPT_CLOSE_ON_FREE);

	if (bev == NULL) {
		close(fd);
		log_warn(NULL, "cannot set up a connection");
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->d = d;
	c->bev = bev;
	c->proto = PROTO_HTTP;
	c->state = CS_HEAD;
	c->next = d->clients;
	if (d->clients != NULL)
		d->clients->prev = c;
	d->clients = c;
	d->nproto[PROTO_HTTP]++;
	bufferevent_setcb(bev, on_read, on_write, on_event, c);
	bufferevent_setwatermark(bev, EV_READ, 0, READ_HIGH);
	bufferevent_set_timeouts(bev, &head, NULL);
	bufferevent_enable(bev, EV_READ);
}

void
client_close_all(struct daemon *d)
{
	static const char ws_going_away[] = { (char)0x88, 2, 0x03, (char)0xe9 };

	while (d->clients != NULL) {
		struct client *c = d->clients;
		struct evbuffer *out = bufferevent_get_output(c->bev);

		if (c->state == CS_STREAM && c->proto == PROTO_WS)
			evbuffer_add(out, ws_going_away, sizeof(ws_going_away));
		/* One try to send what is waiting; a peer that cannot take it now loses it. */
		(void)evbuffer_write(out, bufferevent_getfd(c->bev));
		client_free(c);
	}
	if (d->aside != NULL)
		evbuffer_free(d->aside);
	d->aside = NULL;
}
