/* ws.c: WebSocket (RFC 6455): the handshake, wslay for the frames clients send (unmasking, control
 * frames, the close handshake, UTF-8), and the client's JSON messages. The daemon's own text frames
 * are written straight to the output: an event's frame is rendered once and shared by every client
 * (hub.c), which wslay's queue, copying each message per client, would not allow. */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <wslay/wslay.h>

#include "arena.h"
#include "buf.h"
#include "client.h"
#include "head.h"
#include "jw.h"
#include "log.h"
#include "pump.h"
#include "sub.h"
#include "ws.h"
#include "wsframe.h"

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define WS_MSG_MAX 4096 /* the longest message a client may send */

/* ws_send_text writes one text frame holding len bytes of payload to c's output. */
static void
ws_send_text(struct client *c, const char *payload, size_t len)
{
	wsframe_text(bufferevent_get_output(c->bev), payload, len);
}

/* ws_error sends {"event":"error","data":{"message":...}}. */
static void ws_error(struct client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
ws_error(struct client *c, const char *fmt, ...)
{
	struct buf msg = { 0 }, b = { 0 };
	struct jw w;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	jw_init(&w, &b);
	jw_object(&w);
	jw_key(&w, "event");
	jw_string(&w, "error");
	jw_key(&w, "data");
	jw_object(&w);
	jw_key(&w, "message");
	jw_string(&w, buf_cstr(&msg));
	jw_end_object(&w);
	jw_end_object(&w);
	ws_send_text(c, b.p, b.len);
	buf_free(&msg);
	buf_free(&b);
}

/* key_ok: a Sec-WebSocket-Key is the base64 of 16 bytes: 22 characters and "==". */
static bool
key_ok(const char *k)
{
	if (strlen(k) != 24 || strcmp(k + 22, "==") != 0)
		return false;
	for (int i = 0; i < 22; i++)
		if (!((k[i] >= 'A' && k[i] <= 'Z') || (k[i] >= 'a' && k[i] <= 'z') ||
			(k[i] >= '0' && k[i] <= '9') || k[i] == '+' || k[i] == '/'))
			return false;
	return true;
}

/* origin_ok: no Origin (not a browser), one listed in sse.origins, or the request's own host. */
static bool
origin_ok(const struct daemon *d, const struct head *r)
{
	const char *o = r->origin, *authority;

	if (o == NULL)
		return true;
	for (char **p = d->origins; p != NULL && *p != NULL; p++)
		if (strcasecmp(*p, o) == 0)
			return true;
	if (strncasecmp(o, "https://", 8) == 0)
		authority = o + 8;
	else if (strncasecmp(o, "http://", 7) == 0)
		authority = o + 7;
	else
		return false;
	return r->host != NULL && strcasecmp(authority, r->host) == 0;
}

int
ws_handshake_check(struct daemon *d, const struct head *r)
{
	if (r->upgrade == NULL || !head_token_has(r->upgrade, "websocket") || r->connection == NULL ||
	    !head_token_has(r->connection, "upgrade") || r->ws_key == NULL || !key_ok(r->ws_key))
		return 400;
	if (r->ws_version == NULL || strcmp(r->ws_version, "13") != 0)
		return 426;
	if (!origin_ok(d, r))
		return 403;
	return 0;
}

void
ws_open(struct client *c, const struct head *r)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char in[24 + sizeof(WS_GUID)], accept[64];

	snprintf(in, sizeof(in), "%s%s", r->ws_key, WS_GUID);
	if (EVP_Digest(in, strlen(in), md, &mdlen, EVP_sha1(), NULL) != 1)
		die_oom();
	EVP_EncodeBlock((unsigned char *)accept, md, (int)mdlen);
	evbuffer_add_printf(bufferevent_get_output(c->bev),
	    "HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: websocket\r\n"
	    "Connection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: %s\r\n"
	    "\r\n",
	    accept);
	pump_start(c, PROTO_WS);
	/* Frames sent right behind the request are in the input already. */
	if (evbuffer_get_length(bufferevent_get_input(c->bev)) > 0)
		ws_read(c);
}

/* names reads the optional list member key of m (strings) into out; -1 after an error frame. */
static int
names(struct client *c, const json_t *m, const char *key, enum sub_dim dim, const char **out, size_t *n,
    bool *given)
{
	const json_t *list = json_object_get(m, key), *v;
	size_t i;

	*n = 0;
	*given = list != NULL && !json_is_null(list);
	if (!*given)
		return 0;
	if (!json_is_array(list)) {
		ws_error(c, "\"%s\" must be a list of strings", key);
		return -1;
	}
	if (json_array_size(list) > SUB_NAMES_MAX) {
		ws_error(c, "\"%s\" may name at most %d", key, SUB_NAMES_MAX);
		return -1;
	}
	json_array_foreach (list, i, v) {
		const char *s = json_string_value(v);

		if (s == NULL || !sub_name_ok(dim, s)) {
			ws_error(c, "\"%s\" holds names of letters, digits and _.:-", key);
			return -1;
		}
		out[(*n)++] = s;
	}
	return 0;
}

/* subscribe handles {"op":"subscribe"|"unsubscribe","types":[...],"clusters":[...]}. With neither
 * list, subscribe means everything again and unsubscribe means nothing at all. */
static void
subscribe(struct client *c, const json_t *m, bool add)
{
	const char *list[SUB__MAX][SUB_NAMES_MAX];
	size_t n[SUB__MAX];
	bool given[SUB__MAX];

	if (names(c, m, "types", SUB_TYPES, list[SUB_TYPES], &n[SUB_TYPES], &given[SUB_TYPES]) != 0 ||
	    names(c, m, "clusters", SUB_CLUSTERS, list[SUB_CLUSTERS], &n[SUB_CLUSTERS],
		&given[SUB_CLUSTERS]) != 0)
		return;
	if (!given[SUB_TYPES] && !given[SUB_CLUSTERS]) {
		if (add)
			sub_reset(&c->sub);
		else
			sub_nothing(&c->sub);
		return;
	}
	for (int d = 0; d < SUB__MAX; d++)
		if (given[d] && sub_change(&c->sub, (enum sub_dim)d, add, list[d], n[d]) != ERR_OK) {
			ws_error(c, "a subscription names at most %d types and %d clusters", SUB_NAMES_MAX,
			    SUB_NAMES_MAX);
			return;
		}
}

/* message acts on one text message: subscribe, unsubscribe or resume; anything else gets an
 * error frame, and the connection stays open. */
static void
message(struct client *c, const char *msg, size_t len)
{
	json_error_t jerr;
	json_t *m = json_loadb(msg, len, 0, &jerr);
	const char *op, *id;

	if (m == NULL) {
		ws_error(c, "the message is not JSON: %s", jerr.text);
		return;
	}
	op = json_string_value(json_object_get(m, "op"));
	if (!json_is_object(m) || op == NULL)
		ws_error(c, "a message is a JSON object with \"op\": subscribe, unsubscribe or resume");
	else if (strcmp(op, "subscribe") == 0 || strcmp(op, "unsubscribe") == 0)
		subscribe(c, m, op[0] == 's');
	else if (strcmp(op, "resume") != 0)
		ws_error(c, "unknown op; use subscribe, unsubscribe or resume");
	else if ((id = json_string_value(json_object_get(m, "last_event_id"))) == NULL)
		ws_error(c, "resume needs \"last_event_id\": the id of the last event received");
	else if (c->replay != NULL)
		ws_error(c, "a resume is in progress already");
	else
		pump_resume(c, id);
	json_decref(m);
}

/* --- wslay glue --- */

/* The parser reads only the whole frames counted in ws_feed, so that between reads it never holds
 * half a frame and can be freed while the client is idle (it keeps an 8 KiB buffer). */
static ssize_t
recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags, void *user)
{
	struct client *c = user;
	size_t n = len < c->ws_feed ? len : c->ws_feed;
	int got = n > 0 ? evbuffer_remove(bufferevent_get_input(c->bev), buf, n) : 0;

	if (got <= 0) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	c->ws_feed -= (uint32_t)got;
	return got;
}

/* send_cb takes all wslay writes (pongs and close frames), so it never holds a frame half sent and
 * the daemon's own frames can go between its calls. */
static ssize_t
send_cb(wslay_event_context_ptr ctx, const uint8_t *data, size_t len, int flags, void *user)
{
	struct client *c = user;

	evbuffer_add(bufferevent_get_output(c->bev), data, len);
	return (ssize_t)len;
}

/* frame_start_cb notes whether a data message is half received (the parser must then stay). */
static void
frame_start_cb(wslay_event_context_ptr ctx, const struct wslay_event_on_frame_recv_start_arg *arg, void *user)
{
	struct client *c = user;

	if (arg->opcode == WSLAY_CONTINUATION_FRAME || arg->opcode == WSLAY_TEXT_FRAME ||
	    arg->opcode == WSLAY_BINARY_FRAME)
		c->ws_midmsg = !arg->fin;
}

/* msg_cb: a whole message arrived (wslay answered pings and closes itself). */
static void
msg_cb(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *arg, void *user)
{
	struct client *c = user;
	static const char why[] = "text frames only";

	if (arg->opcode == WSLAY_TEXT_FRAME) {
		message(c, (const char *)arg->msg, arg->msg_length);
	} else if (arg->opcode == WSLAY_BINARY_FRAME) {
		(void)wslay_event_queue_close(
		    ctx, WSLAY_CODE_UNSUPPORTED_DATA, (const uint8_t *)why, sizeof(why) - 1);
		wslay_event_shutdown_read(ctx);
	}
}

/* whole_frames counts the bytes of the complete frames at the start of in. A frame announcing more
 * than WS_MSG_MAX counts as all there is: the parser refuses it (1009) without waiting for it. */
static size_t
whole_frames(struct evbuffer *in)
{
	size_t total = evbuffer_get_length(in), off = 0;

	while (off < total) {
		unsigned char h[14];
		size_t have = total - off, hl = 2;
		struct evbuffer_ptr pos;
		ev_ssize_t got;
		uint64_t len;

		if (evbuffer_ptr_set(in, &pos, off, EVBUFFER_PTR_SET) != 0)
			break;
		got = evbuffer_copyout_from(in, &pos, h, have < sizeof(h) ? have : sizeof(h));
		if (got < 2)
			break;
		len = h[1] & 0x7f;
		hl = len == 126 ? 4 : len == 127 ? 10 : 2;
		if (h[1] & 0x80)
			hl += 4;
		if ((size_t)got < hl)
			break;
		if (len == 126) {
			len = (uint64_t)h[2] << 8 | h[3];
		} else if (len == 127) {
			len = 0;
			for (int i = 2; i < 10; i++)
				len = len << 8 | h[i];
		}
		if (len > WS_MSG_MAX)
			return total;
		if (have - hl < len)
			break;
		off += hl + (size_t)len;
	}
	return off;
}

void
ws_release(struct client *c)
{
	if (c->ws != NULL)
		wslay_event_context_free(c->ws);
	c->ws = NULL;
	c->ws_midmsg = false;
}

void
ws_read(struct client *c)
{
	static const struct wslay_event_callbacks callbacks = {
		recv_cb,
		send_cb,
		NULL,
		frame_start_cb,
		NULL,
		NULL,
		msg_cb,
	};
	struct evbuffer *in = bufferevent_get_input(c->bev);
	size_t feed;

	if (c->state != CS_STREAM) {
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	if ((feed = whole_frames(in)) == 0)
		return;
	c->ws_feed = feed > UINT32_MAX ? UINT32_MAX : (uint32_t)feed;
	if (c->ws == NULL) {
		if (wslay_event_context_server_init(&c->ws, &callbacks, c) != 0)
			die_oom();
		wslay_event_config_set_max_recv_msg_length(c->ws, WS_MSG_MAX);
	}
	if (wslay_event_recv(c->ws) != 0 || wslay_event_send(c->ws) != 0) {
		client_free(c);
		return;
	}
	if (wslay_event_get_close_sent(c->ws) ||
	    (!wslay_event_want_read(c->ws) && !wslay_event_want_write(c->ws))) {
		client_close_after_flush(c);
		return;
	}
	/* Idle again, at a message boundary: drop the parser until the client speaks again. */
	if (!c->ws_midmsg && c->ws_feed == 0 && !wslay_event_want_write(c->ws) &&
	    wslay_event_get_read_enabled(c->ws))
		ws_release(c);
}
