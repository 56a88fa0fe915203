/* route.c: the push daemon's HTTP: THE route table, its dispatcher, the pages that are not streams
 * (/metrics, /health) and the API's error shape. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "buf.h"
#include "client.h"
#include "head.h"
#include "jw.h"
#include "pump.h"
#include "route.h"
#include "status.h"
#include "sub.h"
#include "ws.h"

#define USER_ID_MAX 128

/* The first bytes of every event stream; the JSON in them is fixed text. */
static const char sse_retry[] = "retry: 3000\n\n";

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

/* reply_head starts every response but the WebSocket 101: the status line, the headers all answers
 * carry, then extra (whole header lines, may be NULL) and the blank line. Every answer closes the
 * connection once sent: a stream ends with it, and nginx does not keep upstream connections here. */
static void
reply_head(struct client *c, int status, const char *extra)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);

	evbuffer_add_printf(out,
	    "HTTP/1.1 %d %s\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "Connection: close\r\n"
	    "%s\r\n",
	    status, status_text(status), extra != NULL ? extra : "");
}

/* reply answers with a whole body and closes the connection once it is sent. */
static void
reply(struct client *c, int status, const char *ctype, const char *extra, const char *body, size_t len)
{
	struct buf h = { 0 };

	buf_printf(&h, "Content-Type: %s\r\nContent-Length: %zu\r\nCache-Control: no-store\r\n%s", ctype, len,
	    extra != NULL ? extra : "");
	reply_head(c, status, h.p);
	buf_free(&h);
	evbuffer_add(bufferevent_get_output(c->bev), body, len);
	client_close_after_flush(c);
}

/* reply_error answers status with the API's error shape: {"error":{"code","message","request_id"}}. */
static void
reply_error(struct client *c, const char *rid, int status, const char *message, const char *extra)
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
	reply(c, status, "application/json", extra, b.p, b.len);
	buf_free(&b);
}

/* --- handlers: each returns 0 once it answered, or a status of 400 or more for the dispatcher to
 * render with *why. --- */

/* health_page: GET /health, the process is up (Redis may not be: see the metrics). */
static int
health_page(struct client *c, struct head *r, const char **why)
{
	reply(c, 200, "text/plain; charset=utf-8", NULL, "ok\n", 3);
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
	reply(c, 200, "text/plain; version=0.0.4; charset=utf-8", NULL, b.p, b.len);
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
	reply_head(c, 200,
	    "Content-Type: text/event-stream\r\n"
	    "Cache-Control: no-cache\r\n"
	    "X-Accel-Buffering: no\r\n");
	evbuffer_add(bufferevent_get_output(c->bev), sse_retry, sizeof(sse_retry) - 1);
	pump_start(c, PROTO_SSE);
	if (last != NULL)
		pump_resume(c, last);
	pump_client(c);
	return 0;
}

/* ws_route: GET /ws, the WebSocket upgrade (426 carries the version this daemon speaks). */
static int
ws_route(struct client *c, struct head *r, const char **why)
{
	int st = ws_handshake_check(c->d, r);

	if (st == 426) {
		reply_error(c, r->request_id, 426, "only WebSocket version 13 is spoken here",
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
		reply_error(c, r->request_id, 405, "only GET is allowed here", "Allow: GET\r\n");
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
		client_set_user(c, r->user_id, r->request_id);
		if ((st = rt->handler(c, r, &why)) == 0)
			return;
	}
	reply_error(c, r->request_id, st, why, NULL);
}

void
route_read(struct client *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	char text[HEAD_MAX + 1];
	size_t have = evbuffer_get_length(in), n = have < HEAD_MAX ? have : HEAD_MAX, end;
	struct head r;
	int st;

	if (evbuffer_copyout(in, text, n) != (ev_ssize_t)n)
		n = 0;
	if ((end = head_length(text, n)) == 0) {
		if (have >= HEAD_MAX)
			reply_error(c, NULL, 431, "the request head is larger than 8 KiB", NULL);
		return;
	}
	evbuffer_drain(in, end);
	if ((st = head_parse(text, end, &r)) != 0) {
		reply_error(c, NULL, st,
		    st == 505 ? "only HTTP/1.0 and HTTP/1.1 are spoken here"
			      : "the request head is malformed",
		    NULL);
		return;
	}
	dispatch(c, &r);
}

/* The protocols this daemon speaks, as client.c sees them: a connection reads its request head
 * here, then, as a stream, is refilled by the pump and (WebSocket) read and released by ws.c. */
const struct client_ops route_ops[PROTO__MAX] = {
	[PROTO_HTTP] = { .read = route_read },
	[PROTO_SSE] = { .drained = pump_client },
	[PROTO_WS] = { .read = ws_read, .drained = pump_client, .release = ws_release },
};
