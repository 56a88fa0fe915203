/* client.c: connections: the request head, the route table, Server-Sent Events, and moving each
 * client along the hub so that a slow one never holds up the others. */
#include "config.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "arena.h"
#include "buf.h"
#include "feed.h"
#include "head.h"
#include "jw.h"
#include "log.h"
#include "sse.h"
#include "status.h"
#include "sub.h"

#define PUMP_LOW 32768 /* refill a client's output once it drains to this */
#define WRITE_MAX 262144 /* one write(2) may send this much (libevent's default is 16 KiB) */
#define SHARE_MIN 512 /* event bytes shared by reference from this size on, copied below it */
#define HEAD_TIMEOUT_S 10 /* to send the whole request head */
#define STALL_TIMEOUT_S 60 /* output waiting with no progress this long: the peer is gone */
#define READ_HIGH 16384 /* input buffered before reading pauses */
#define REPLAY_WAIT_S 10 /* a resume waits this long for Redis, then the client reloads */
#define FUTURE_MS 60000 /* a resume id this far ahead of the clock was not issued by Redis */
#define USER_ID_MAX 128

/* Constant frames; the JSON in them is fixed text. */
static const char sse_retry[] = "retry: 3000\n\n";
static const char sse_ping[] = ": ping\n\n";
static const char sse_reset[] = "event: reset\ndata: {\"reason\":\"gap\"}\n\n";
static const char ws_reset[] = "{\"event\":\"reset\",\"data\":{\"reason\":\"gap\"}}";

/* user_id returns the identity nginx vouched for; request_id the X-Request-ID (or NULL). */
static const char *
user_id(const struct client *c)
{
	return c->user != NULL ? c->user : "";
}

static const char *
request_id(const struct client *c)
{
	const char *rid;

	if (c->user == NULL)
		return NULL;
	rid = c->user + strlen(c->user) + 1;
	return *rid != '\0' ? rid : NULL;
}

/* set_user keeps the user id and the request id (for log lines) in one small allocation. */
static void
set_user(struct client *c, const struct head *r)
{
	const char *uid = r->user_id != NULL ? r->user_id : "";
	const char *rid = r->request_id != NULL && strlen(r->request_id) <= 64 ? r->request_id : "";
	size_t ul = strlen(uid), rl = strlen(rid);

	free(c->user);
	c->user = xmalloc(ul + 1 + rl + 1);
	memcpy(c->user, uid, ul + 1);
	memcpy(c->user + ul + 1, rid, rl + 1);
}

/* user_id_ok admits the ids nginx passes (UUIDs, names): letters, digits and _.:@- */
static bool
user_id_ok(const char *s)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++)
		if (!((s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= 'a' && s[n] <= 'z') ||
			(s[n] >= '0' && s[n] <= '9') || strchr("_.:@-", s[n]) != NULL))
			return false;
	return n > 0 && n <= USER_ID_MAX;
}

/* http_head starts every response but the WebSocket 101: the status line, the headers all answers
 * carry, then extra (whole header lines, may be NULL) and the blank line. Every answer closes the
 * connection once sent: a stream ends with it, and nginx does not keep upstream connections here. */
static void
http_head(struct client *c, int status, const char *extra)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);

	evbuffer_add_printf(out,
	    "HTTP/1.1 %d %s\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "Connection: close\r\n"
	    "%s\r\n",
	    status, status_text(status), extra != NULL ? extra : "");
}

/* http_respond answers with a whole body and closes the connection once it is sent. */
static void
http_respond(struct client *c, int status, const char *ctype, const char *extra, const char *body, size_t len)
{
	struct buf h = { 0 };

	buf_printf(&h, "Content-Type: %s\r\nContent-Length: %zu\r\nCache-Control: no-store\r\n%s", ctype, len,
	    extra != NULL ? extra : "");
	http_head(c, status, h.p);
	buf_free(&h);
	evbuffer_add(bufferevent_get_output(c->bev), body, len);
	client_close_after_flush(c);
}

/* http_error answers status with the API's error shape: {"error":{"code","message","request_id"}}. */
static void
http_error(struct client *c, const char *rid, int status, const char *message, const char *extra)
{
	struct buf b = { 0 };
	struct jw w;

	jw_init(&w, &b);
	jw_object(&w);
	jw_key(&w, "error");
	jw_object(&w);
	jw_key(&w, "code");
	jw_string(&w, status_code_name(status));
	jw_key(&w, "message");
	jw_string(&w, message);
	jw_key(&w, "request_id");
	jw_string(&w, rid);
	jw_end_object(&w);
	jw_end_object(&w);
	buf_addc(&b, '\n');
	http_respond(c, status, "application/json", extra, b.p, b.len);
	buf_free(&b);
}

/* --- handlers: each returns 0 once it answered, or a status of 400 or more for the dispatcher to
 * render with *why. --- */

/* health_page: GET /health, the process is up (Redis may not be: see the metrics). */
static int
health_page(struct client *c, struct head *r, const char **why)
{
	http_respond(c, 200, "text/plain; charset=utf-8", NULL, "ok\n", 3);
	return 0;
}

/* metric appends one sample with its HELP and TYPE lines. */
static void
metric(struct buf *b, const char *name, const char *type, const char *help, unsigned long long v)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name, help, name, type, name, v);
}

/* metrics_page: GET /metrics in the Prometheus text format. */
static int
metrics_page(struct client *c, struct head *r, const char **why)
{
	const struct daemon *d = c->d;
	const struct sse_metrics *m = &d->m;
	struct buf b = { 0 };

	buf_printf(&b,
	    "# HELP aiops_sse_clients Connected push clients by protocol.\n"
	    "# TYPE aiops_sse_clients gauge\n"
	    "aiops_sse_clients{proto=\"sse\"} %zu\n"
	    "aiops_sse_clients{proto=\"ws\"} %zu\n",
	    d->nproto[PROTO_SSE], d->nproto[PROTO_WS]);
	metric(
	    &b, "aiops_sse_events_in_total", "counter", "Events read from the Redis stream.", m->events_in);
	metric(&b, "aiops_sse_events_out_total", "counter", "Events sent to clients, replays included.",
	    m->events_out);
	metric(&b, "aiops_sse_events_invalid_total", "counter",
	    "Stream entries skipped because they are not events (no type, JSON that is not an object).",
	    m->events_invalid);
	metric(&b, "aiops_sse_slow_disconnects_total", "counter",
	    "Clients cut off because their unsent output stayed above sse.max_buffer_bytes.",
	    m->slow_disconnects);
	metric(&b, "aiops_sse_replays_total", "counter", "Resumes answered from the stream (Last-Event-ID).",
	    m->replays);
	metric(&b, "aiops_sse_gaps_total", "counter",
	    "Reset events sent: a client missed more than can be replayed and must reload.", m->gaps);
	metric(&b, "aiops_sse_redis_reconnects_total", "counter",
	    "Times the stream reader reconnected to Redis.", m->redis_reconnects);
	http_respond(c, 200, "text/plain; version=0.0.4; charset=utf-8", NULL, b.p, b.len);
	buf_free(&b);
	return 0;
}

/* sub_csv subscribes to the comma-separated names in v (modified in place). */
static enum err
sub_csv(struct sub **s, enum sub_dim dim, char *v)
{
	const char *names[SUB_NAMES_MAX];
	size_t n = 0;

	for (char *p = v, *next; p != NULL && *p != '\0'; p = next) {
		if ((next = strchr(p, ',')) != NULL)
			*next++ = '\0';
		if (*p == '\0')
			continue;
		if (n == SUB_NAMES_MAX)
			return ERR_TOOBIG;
		names[n++] = p;
	}
	return sub_change(s, dim, true, names, n);
}

/* events_open: GET /events[?types=A,B][&clusters=X,Y][&last_event_id=ID], an EventSource. */
static int
events_open(struct client *c, struct head *r, const char **why)
{
	struct sub *sub = NULL;
	const char *last = r->last_event_id != NULL && *r->last_event_id != '\0' ? r->last_event_id : NULL;
	char *q = r->query, *k, *v;
	int got;

	while ((got = head_query_next(&q, &k, &v)) == 1) {
		enum err e = ERR_OK;

		if (strcmp(k, "types") == 0)
			e = sub_csv(&sub, SUB_TYPES, v);
		else if (strcmp(k, "clusters") == 0)
			e = sub_csv(&sub, SUB_CLUSTERS, v);
		else if (strcmp(k, "last_event_id") == 0 && last == NULL && *v != '\0')
			last = v;
		if (e != ERR_OK) {
			*why = e == ERR_TOOBIG
			    ? "at most 64 types and 64 clusters may be named"
			    : "types and clusters are comma-separated names of letters, digits and _.:-";
			sub_free(sub);
			return 400;
		}
	}
	if (got < 0) {
		*why = "the query string has a malformed %-escape";
		sub_free(sub);
		return 400;
	}
	c->sub = sub;
	evbuffer_drain(bufferevent_get_input(c->bev), HEAD_MAX * 2); /* nothing more is read */
	http_head(c, 200,
	    "Content-Type: text/event-stream\r\n"
	    "Cache-Control: no-cache\r\n"
	    "X-Accel-Buffering: no\r\n");
	evbuffer_add(bufferevent_get_output(c->bev), sse_retry, sizeof(sse_retry) - 1);
	client_stream(c, PROTO_SSE);
	if (last != NULL)
		client_resume(c, last);
	client_pump(c);
	return 0;
}

/* ws_route: GET /ws, the WebSocket upgrade (426 carries the version this daemon speaks). */
static int
ws_route(struct client *c, struct head *r, const char **why)
{
	int st = ws_handshake_check(c->d, r);

	if (st == 426) {
		http_error(c, r->request_id, 426, "only WebSocket version 13 is spoken here",
		    "Sec-WebSocket-Version: 13\r\n");
		return 0;
	}
	if (st != 0) {
		*why = st == 403 ? "this page's origin may not open the WebSocket; see sse.origins"
				 : "GET /ws must be a WebSocket upgrade (RFC 6455)";
		return st;
	}
	ws_open(c, r);
	return 0;
}

/* THE route table. The dispatcher answers 404, 405, 401 and 503 before a handler runs. */
static const struct route {
	const char *path;
	int (*handler)(struct client *c, struct head *r, const char **why);
	bool identity; /* X-Aiops-User-Id required: nginx sets it after /auth/check */
	bool stream; /* a long-lived connection, counted against sse.max_clients */
} routes[] = {
	{ "/events", events_open, true, true },
	{ "/ws", ws_route, true, true },
	{ "/metrics", metrics_page, false, false },
	{ "/health", health_page, false, false },
};

/* dispatch finds the route and answers what no handler should repeat: 404, 405, 401, 503. */
static void
dispatch(struct client *c, struct head *r)
{
	struct daemon *d = c->d;
	const struct route *rt = NULL;
	const char *why = "the request cannot be answered";
	int st;

	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (strcmp(routes[i].path, r->path) == 0)
			rt = &routes[i];
	if (rt == NULL) {
		st = 404;
		why = "no such endpoint: the push daemon serves /events, /ws, /metrics and /health";
	} else if (strcmp(r->method, "GET") != 0) {
		http_error(c, r->request_id, 405, "only GET is allowed here", "Allow: GET\r\n");
		return;
	} else if (rt->identity && (r->user_id == NULL || *r->user_id == '\0')) {
		st = 401;
		why = "sign in first (nginx passes who you are to the push daemon)";
	} else if (rt->identity && !user_id_ok(r->user_id)) {
		st = 400;
		why = "the user id passed by nginx is malformed";
	} else if (rt->stream && d->nproto[PROTO_SSE] + d->nproto[PROTO_WS] >= (size_t)d->max_clients) {
		st = 503;
		why = "too many clients are connected; try again later";
	} else {
		set_user(c, r);
		if ((st = rt->handler(c, r, &why)) == 0)
			return;
	}
	http_error(c, r->request_id, st, why, NULL);
}

/* read_head waits for the whole request head (at most HEAD_MAX bytes), parses it and
 * dispatches; what follows the head stays in the input (WebSocket frames sent early). */
static void
read_head(struct client *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	char head[HEAD_MAX + 1];
	size_t have = evbuffer_get_length(in), n = have < HEAD_MAX ? have : HEAD_MAX, end;
	struct head r;
	int st;

	if (evbuffer_copyout(in, head, n) != (ev_ssize_t)n)
		n = 0;
	if ((end = head_length(head, n)) == 0) {
		if (have >= HEAD_MAX)
			http_error(c, NULL, 431, "the request head is larger than 8 KiB", NULL);
		return;
	}
	evbuffer_drain(in, end);
	if ((st = head_parse(head, end, &r)) != 0) {
		http_error(c, NULL, st,
		    st == 505 ? "only HTTP/1.0 and HTTP/1.1 are spoken here"
			      : "the request head is malformed",
		    NULL);
		return;
	}
	dispatch(c, &r);
}

/* --- the stream --- */

/* park moves c's cursor onto e (the hub frees what no cursor holds). */
static void
park(struct client *c, struct ev *e)
{
	if (c->cursor != NULL)
		c->cursor->parked--;
	e->parked++;
	c->cursor = e;
}

void
client_stream(struct client *c, enum proto proto)
{
	struct daemon *d = c->d;
	struct timeval stall = { STALL_TIMEOUT_S, 0 };

	d->nproto[c->proto]--;
	d->nproto[proto]++;
	c->proto = proto;
	c->state = CS_STREAM;
	park(c, d->hub.tail);
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
	if (e->owner[0] != '\0' && strcmp(e->owner, user_id(c)) != 0)
		return false;
	return sub_match(c->sub, e->type, e->cluster);
}

/* replay_free releases a replay and its events; the caller unlinked it from the client. */
static void
replay_free(struct replay *r)
{
	for (size_t i = 0; i < r->n; i++)
		ev_unref(r->evs[i]);
	free(r->evs);
	free(r);
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

		park(c, e);
		if (sid_cmp(&e->id, &c->floor) > 0 && wants(c, e))
			ev_into(c, dst, e);
	}
}

/* Writing to a bufferevent's output arms its write event (an epoll_ctl call) and the write
 * callback disarms it once the output has drained (another): three system calls per client per
 * event. A client whose output is empty keeps up, so its new bytes are collected aside and written
 * at once; only what the kernel does not take goes to the output, for libevent to send. */
void
client_pump(struct client *c)
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
client_pump_all(struct daemon *d)
{
	for (struct client *c = d->clients; c != NULL; c = c->next)
		if (c->state == CS_STREAM)
			client_pump(c);
	hub_trim(&d->hub);
}

void
client_send_reset(struct client *c)
{
	if (c->state != CS_STREAM)
		return;
	if (c->proto == PROTO_WS)
		ws_send_text(c, ws_reset, sizeof(ws_reset) - 1);
	else
		evbuffer_add(bufferevent_get_output(c->bev), sse_reset, sizeof(sse_reset) - 1);
	c->d->m.gaps++;
}

void
client_reset_all(struct daemon *d)
{
	for (struct client *c = d->clients; c != NULL; c = c->next)
		client_send_reset(c);
}

/* now_ms is the wall clock in milliseconds, the unit of stream ids. */
static uint64_t
now_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
}

void
client_resume(struct client *c, const char *id)
{
	struct daemon *d = c->d;
	struct sid from;
	struct replay *r;

	if (c->replay != NULL)
		return; /* the caller checked; one resume at a time */
	if (sid_parse(id, strlen(id), &from) != 0 || from.ms > now_ms() + FUTURE_MS) {
		c->floor = (struct sid){ 0, 0 };
		client_send_reset(c);
		return;
	}
	/* The replay reads up to the hub's last id; live events start after it. Events queued for c
	 * but not sent yet are within the replay's range. */
	park(c, d->hub.tail);
	hub_trim(&d->hub);
	c->floor = from;
	if (d->hub.known && sid_cmp(&from, &d->hub.last) >= 0)
		return;
	r = xcalloc(1, sizeof(*r));
	r->c = c;
	r->from = from;
	r->to = d->hub.last;
	r->to_known = d->hub.known;
	c->replay = r;
	feed_replay(d->feed, r);
}

void
client_replay_done(struct replay *r, enum replay_result res, struct ev **evs, size_t n)
{
	struct client *c = r->c;

	r->evs = evs;
	r->n = n;
	r->i = 0;
	if (c == NULL) {
		replay_free(r);
		return;
	}
	c->replay = NULL;
	if (res != REPLAY_OK) {
		replay_free(r);
		c->floor = (struct sid){ 0, 0 };
		client_send_reset(c);
		client_pump(c);
		return;
	}
	c->d->m.replays++;
	if (n == 0) {
		replay_free(r);
	} else {
		c->replay = r; /* client_pump sends them, then the live events */
	}
	client_pump(c);
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
client_tick(struct daemon *d)
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
			log_kv(LOG_INFO, request_id(c), "slow client disconnected", "user_id", user_id(c),
			    "proto", c->proto == PROTO_WS ? "ws" : "sse", "#unsent_bytes", num, NULL);
			client_free(c);
			continue;
		}
		c->unsent_prev = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
	}
	hub_trim(&d->hub);
	feed_tick(d->feed, time(NULL), REPLAY_WAIT_S);
}

void
client_heartbeat(struct daemon *d)
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

/* --- connection life --- */

void
client_free(struct client *c)
{
	struct daemon *d = c->d;
	struct replay *r = c->replay;

	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		d->clients = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	d->nproto[c->proto]--;
	if (c->cursor != NULL)
		c->cursor->parked--;
	if (r != NULL) {
		if (r->evs != NULL) {
			replay_free(r);
		} else {
			r->c = NULL;
			(void)feed_replay_cancel(d->feed, r);
		}
	}
	sub_free(c->sub);
	free(c->user);
	ws_release(c);
	bufferevent_free(c->bev);
	free(c);
	hub_trim(&d->hub);
}

void
client_close_after_flush(struct client *c)
{
	struct timeval stall = { STALL_TIMEOUT_S, 0 };

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

	if (c->state == CS_HEAD)
		read_head(c);
	else if (c->state == CS_STREAM && c->proto == PROTO_WS)
		ws_read(c);
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
		client_pump(c);
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
		log_debug(request_id(c), "client timed out (%s)",
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
