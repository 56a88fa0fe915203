/* feed.c: hiredis on libevent: one connection reads the stream with XREAD BLOCK from the last id it
 * read, another answers replays with XRANGE; both reconnect with backoff. No other file of the
 * daemon sees a redisReply. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <hiredis/adapters/libevent.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include "arena.h"
#include "events.h"
#include "feed.h"
#include "log.h"
#include "sse.h"

#define XREAD_BLOCK_MS 5000
#define XREAD_COUNT 500
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
#define REPLAY_DEADLINE_MS 5000
#define REREAD_MS 1000

/* One Redis connection and its reconnect timer. */
struct rconn {
	struct feed *f;
	const char *name; /* "reader" or "replay", for logs */
	redisAsyncContext *ac; /* NULL while down */
	bool up; /* connected; commands may be sent */
	bool ever; /* was connected once: the next success is a reconnect */
	bool failing; /* a failure was logged: quieter until the next success */
	int backoff_ms;
	struct event *retry, *deadline;
	void (*on_up)(struct rconn *rc);
};

struct feed {
	struct daemon *d;
	struct feed_hooks hooks;
	char *host, *socket;
	int port, timeout_ms;
	struct rconn reader, replayer;
	struct event *reread; /* XREAD again after an error reply */
	struct event *rekick; /* send the waiting replays again after an error reply */
	struct replay *waiting; /* queued and not sent, oldest first */
	size_t inflight; /* replays sent whose reply is due */
	bool info_done; /* XINFO answered since the reader (re)connected */
	long long added; /* the stream's entries-added at that XINFO (-1: unknown, Redis < 7) */
	long long read_since; /* entries the reader received since */
	time_t invalid_logged, replay_error_logged, reader_error_logged;
};

static void rconn_connect(struct rconn *rc);
static void reader_read(struct feed *f);
static void replay_kick(struct feed *f);

/* arm starts (or restarts) a one-shot timer. */
static void
arm(struct event *ev, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(ev, &tv);
}

/* rconn_schedule tries to connect again after the backoff, which doubles up to BACKOFF_MAX_MS. */
static void
rconn_schedule(struct rconn *rc)
{
	if (rc->f->d->stopping)
		return;
	arm(rc->retry, rc->backoff_ms);
	rc->backoff_ms = rc->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : rc->backoff_ms * 2;
}

/* rconn_failed logs the first failure of a run (later ones at debug level) and tries again. */
static void
rconn_failed(struct rconn *rc, const char *why)
{
	if (!rc->failing)
		log_warn(NULL, "redis %s connection failed: %s; retrying with backoff", rc->name, why);
	else
		log_debug(NULL, "redis %s connection failed again: %s", rc->name, why);
	rc->failing = true;
	rconn_schedule(rc);
}

/* rconn_connected: hiredis finished connecting, or failed to (then it frees the context). */
static void
rconn_connected(const redisAsyncContext *ac, int status)
{
	struct rconn *rc = ac->data;

	evtimer_del(rc->deadline);
	if (status != REDIS_OK) {
		rc->ac = NULL; /* hiredis frees it after this callback */
		rconn_failed(rc, ac->errstr[0] != '\0' ? ac->errstr : "connect failed");
		return;
	}
	rc->up = true;
	rc->backoff_ms = BACKOFF_MIN_MS;
	if (rc->ever && rc == &rc->f->reader)
		rc->f->d->m.redis_reconnects++;
	log_info(NULL, "redis %s connection %s", rc->name, rc->ever ? "re-established" : "established");
	rc->ever = true;
	rc->failing = false;
	rc->on_up(rc);
}

/* rconn_disconnected: the connection ended (hiredis frees the context); reconnect unless stopping. */
static void
rconn_disconnected(const redisAsyncContext *ac, int status)
{
	struct rconn *rc = ac->data;

	rc->ac = NULL;
	rc->up = false;
	evtimer_del(rc->deadline);
	if (rc->f->d->stopping)
		return;
	if (!rc->failing)
		log_warn(NULL, "redis %s connection lost: %s; reconnecting", rc->name,
		    status == REDIS_OK || ac->errstr[0] == '\0' ? "closed" : ac->errstr);
	rc->failing = true;
	rconn_schedule(rc);
}

/* rconn_retry_cb: the backoff elapsed. */
static void
rconn_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	rconn_connect(arg);
}

/* rconn_deadline_cb: connecting or a reply took too long (a peer that vanished without a reset
 * never answers): drop the connection and start again. */
static void
rconn_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct rconn *rc = arg;
	redisAsyncContext *ac = rc->ac;

	if (ac == NULL)
		return;
	log_warn(NULL, "redis %s connection: no answer in time; reconnecting", rc->name);
	rc->failing = true;
	if (!rc->up) {
		/* Not connected yet: hiredis calls no disconnect callback for it. */
		rc->ac = NULL;
		redisAsyncFree(ac);
		rconn_schedule(rc);
		return;
	}
	redisAsyncFree(ac); /* pending replies get NULL, then rconn_disconnected */
}

/* rconn_connect starts a non-blocking connect; rconn_connected or the deadline says how it went. */
static void
rconn_connect(struct rconn *rc)
{
	struct feed *f = rc->f;
	redisAsyncContext *ac;

	ac = f->socket[0] != '\0' ? redisAsyncConnectUnix(f->socket) : redisAsyncConnect(f->host, f->port);
	if (ac == NULL)
		die_oom();
	if (ac->err) {
		char why[160];

		snprintf(why, sizeof(why), "%s", ac->errstr);
		redisAsyncFree(ac);
		rconn_failed(rc, why);
		return;
	}
	ac->data = rc;
	redisLibeventAttach(ac, f->d->base);
	redisAsyncSetConnectCallback(ac, rconn_connected);
	redisAsyncSetDisconnectCallback(ac, rconn_disconnected);
	rc->ac = ac;
	arm(rc->deadline, f->timeout_ms);
}

/* rconn_init prepares a connection; on_up runs after every (re)connect. */
static void
rconn_init(struct feed *f, struct rconn *rc, const char *name, void (*on_up)(struct rconn *))
{
	rc->f = f;
	rc->name = name;
	rc->backoff_ms = BACKOFF_MIN_MS;
	rc->on_up = on_up;
	rc->retry = evtimer_new(f->d->base, rconn_retry_cb, rc);
	rc->deadline = evtimer_new(f->d->base, rconn_deadline_cb, rc);
	if (rc->retry == NULL || rc->deadline == NULL)
		die_oom();
}

/* rconn_free closes the connection (pending callbacks get NULL replies) and its timers. */
static void
rconn_free(struct rconn *rc)
{
	if (rc->ac != NULL) {
		redisAsyncContext *ac = rc->ac;

		rc->ac = NULL;
		redisAsyncFree(ac);
	}
	event_free(rc->retry);
	event_free(rc->deadline);
}

/* entry_ev turns one stream entry, [id, [field, value, ...]], into an event. *id is set whenever
 * the entry has an id (the reader moves past entries it cannot deliver); NULL when the entry is
 * not an event, with *why set. */
static struct ev *
entry_ev(struct feed *f, const redisReply *entry, struct sid *id, bool *has_id)
{
	const char *type = NULL, *cluster = NULL, *owner = NULL, *json = NULL, *why = "malformed entry";
	size_t json_len = 0;
	const redisReply *kv;
	struct ev *e = NULL;

	*has_id = false;
	if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2 ||
	    entry->element[0]->type != REDIS_REPLY_STRING)
		goto invalid;
	if (sid_parse(entry->element[0]->str, entry->element[0]->len, id) != 0)
		goto invalid;
	*has_id = true;
	kv = entry->element[1];
	if (kv->type != REDIS_REPLY_ARRAY || kv->elements % 2 != 0)
		goto invalid;
	for (size_t i = 0; i + 1 < kv->elements; i += 2) {
		const redisReply *k = kv->element[i], *v = kv->element[i + 1];

		if (k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING)
			continue;
		/* The fields events_emit writes; a value with a NUL inside is not ours: ignored. */
		if (strlen(v->str) != v->len && strcmp(k->str, "event") != 0)
			continue;
		if (strcmp(k->str, "type") == 0)
			type = v->str;
		else if (strcmp(k->str, "cluster_id") == 0)
			cluster = v->str;
		else if (strcmp(k->str, "owner") == 0)
			owner = v->str;
		else if (strcmp(k->str, "event") == 0)
			json = v->str, json_len = v->len;
	}
	if ((e = ev_make(entry->element[0]->str, entry->element[0]->len, type, cluster, owner, json, json_len,
		 &why)) != NULL)
		return e;
invalid:
	f->d->m.events_invalid++;
	if (time(NULL) - f->invalid_logged >= 60) {
		f->invalid_logged = time(NULL);
		log_kv(LOG_WARN, NULL, "stream entry skipped (one line a minute at most)", "why", why, "id",
		    entry->type == REDIS_REPLY_ARRAY && entry->elements > 0 &&
			    entry->element[0]->type == REDIS_REPLY_STRING
			? entry->element[0]->str
			: "",
		    NULL);
	}
	return NULL;
}

/* --- the reader --- */

/* reader_got receives an XREAD reply: appends the events to the hub, moves the clients along,
 * and reads on. A NULL reply means the connection went: the reconnect reads on from hub.last. */
static void
reader_got(redisAsyncContext *ac, void *r, void *priv)
{
	struct feed *f = priv;
	struct daemon *d = f->d;
	const redisReply *reply = r, *entries;
	size_t added = 0;

	evtimer_del(f->reader.deadline);
	if (reply == NULL || d->stopping)
		return; /* the connection went; it reconnects and reads on from hub.last */
	if (reply->type == REDIS_REPLY_ERROR) {
		/* LOADING after a restart, a key of the wrong type...: read again in a second, and say
		 * so every ten seconds at most. */
		if (time(NULL) - f->reader_error_logged >= 10) {
			f->reader_error_logged = time(NULL);
			log_warn(NULL, "XREAD %s failed: %s; retrying", EVENTS_STREAM, reply->str);
		}
		arm(f->reread, REREAD_MS);
		return;
	}
	if (reply->type == REDIS_REPLY_ARRAY && reply->elements > 0 &&
	    reply->element[0]->type == REDIS_REPLY_ARRAY && reply->element[0]->elements == 2 &&
	    (entries = reply->element[0]->element[1])->type == REDIS_REPLY_ARRAY) {
		f->read_since += (long long)entries->elements;
		for (size_t i = 0; i < entries->elements; i++) {
			struct sid id;
			bool has_id;
			struct ev *e = entry_ev(f, entries->element[i], &id, &has_id);

			if (has_id && sid_cmp(&id, &d->hub.last) > 0)
				d->hub.last = id;
			if (e != NULL) {
				hub_append(&d->hub, e);
				d->m.events_in++;
				added++;
			}
		}
	}
	if (added > 0)
		f->hooks.arrived(d);
	reader_read(f);
}

/* reader_read blocks in XREAD for what follows hub.last, with a deadline past the block time. */
static void
reader_read(struct feed *f)
{
	char last[SID_MAX];

	if (!f->reader.up || f->d->stopping)
		return;
	sid_format(&f->d->hub.last, last);
	redisAsyncCommand(f->reader.ac, reader_got, f, "XREAD COUNT %d BLOCK %d STREAMS %s %s", XREAD_COUNT,
	    XREAD_BLOCK_MS, EVENTS_STREAM, last);
	arm(f->reader.deadline, XREAD_BLOCK_MS + f->timeout_ms + 1000);
}

static void reader_start(struct feed *f);

/* reread_cb tries again after an error reply: XINFO until it answered since the last
 * (re)connect, then XREAD. */
static void
reread_cb(evutil_socket_t fd, short what, void *arg)
{
	struct feed *f = arg;

	if (f->info_done)
		reader_read(f);
	else
		reader_start(f);
}

/* info_field finds key in an XINFO STREAM reply (a flat list of names and values). */
static const redisReply *
info_field(const redisReply *reply, const char *key)
{
	if (reply->type != REDIS_REPLY_ARRAY)
		return NULL;
	for (size_t i = 0; i + 1 < reply->elements; i += 2) {
		const redisReply *k = reply->element[i];

		if ((k->type == REDIS_REPLY_STRING || k->type == REDIS_REPLY_STATUS) &&
		    strcmp(k->str, key) == 0)
			return reply->element[i + 1];
	}
	return NULL;
}

/* info_int reads an integer field of an XINFO STREAM reply; -1 when absent. */
static long long
info_int(const redisReply *reply, const char *key)
{
	const redisReply *v = info_field(reply, key);

	return v != NULL && v->type == REDIS_REPLY_INTEGER ? v->integer : -1;
}

/* gap_while_away says whether entries the reader had not read were trimmed while it was away:
 * the stream gained "away" entries since the last look (Redis 7 counts entries-added), fewer
 * than that are left, and the entry read last is gone (trimming starts at the oldest). A stream
 * that counts fewer entries than before was made anew (Redis lost its data): nothing to compare. */
static bool
gap_while_away(struct feed *f, const redisReply *reply)
{
	long long added = info_int(reply, "entries-added"), length = info_int(reply, "length");
	long long expected = f->added + f->read_since, away = added - expected;
	const redisReply *first = info_field(reply, "first-entry");
	struct sid first_id;
	bool first_after;

	if (added < 0 || length < 0 || f->added < 0 || away <= 0 || length >= away)
		return false;
	first_after = first != NULL && first->type == REDIS_REPLY_ARRAY && first->elements == 2 &&
	    first->element[0]->type == REDIS_REPLY_STRING &&
	    sid_parse(first->element[0]->str, first->element[0]->len, &first_id) == 0 &&
	    sid_cmp(&first_id, &f->d->hub.last) > 0;
	return first_after || length == 0;
}

/* reader_info learns where the stream ends (at start: only entries added from now on are read)
 * and, after a reconnect, whether entries the reader had not read yet were trimmed meanwhile. */
static void
reader_info(redisAsyncContext *ac, void *r, void *priv)
{
	struct feed *f = priv;
	struct daemon *d = f->d;
	const redisReply *reply = r, *v;
	struct sid last = { 0, 0 };
	char text[SID_MAX];

	evtimer_del(f->reader.deadline);
	if (reply == NULL || d->stopping)
		return;
	if (reply->type == REDIS_REPLY_ERROR && strstr(reply->str, "no such key") == NULL) {
		/* LOADING after a restart...: ask again in a second (reread_cb). */
		if (time(NULL) - f->reader_error_logged >= 10) {
			f->reader_error_logged = time(NULL);
			log_warn(NULL, "XINFO STREAM %s failed: %s; retrying", EVENTS_STREAM, reply->str);
		}
		arm(f->reread, REREAD_MS);
		return;
	}
	f->info_done = true;
	if ((v = info_field(reply, "last-generated-id")) != NULL && v->type == REDIS_REPLY_STRING)
		(void)sid_parse(v->str, v->len, &last);
	if (!d->hub.known) {
		d->hub.last = last;
		d->hub.known = true;
		/* Clients that asked for a replay before this parked at the (empty) tail: what they
		 * missed ends here. */
		for (struct replay *q = f->waiting; q != NULL; q = q->next)
			if (!q->to_known) {
				q->to = last;
				q->to_known = true;
			}
		sid_format(&last, text);
		log_kv(
		    LOG_INFO, NULL, "reading the event stream", "stream", EVENTS_STREAM, "after", text, NULL);
		replay_kick(f);
	} else if (gap_while_away(f, reply)) {
		sid_format(&d->hub.last, text);
		log_kv(LOG_WARN, NULL,
		    "events were trimmed from the stream before they could be read; clients reload", "after",
		    text, NULL);
		f->hooks.lost(d);
	}
	f->added = reply->type == REDIS_REPLY_ERROR ? 0 : info_int(reply, "entries-added");
	f->read_since = 0;
	reader_read(f);
}

/* reader_start asks XINFO STREAM first (see reader_info), after every (re)connect. */
static void
reader_start(struct feed *f)
{
	if (!f->reader.up || f->d->stopping)
		return;
	redisAsyncCommand(f->reader.ac, reader_info, f, "XINFO STREAM %s", EVENTS_STREAM);
	arm(f->reader.deadline, f->timeout_ms > 1000 ? f->timeout_ms : 1000);
}

/* reader_up: the reader (re)connected. */
static void
reader_up(struct rconn *rc)
{
	rc->f->info_done = false;
	reader_start(rc->f);
}

/* --- replays --- */

/* waiting_remove unlinks r from the replays waiting to be sent. */
static void
waiting_remove(struct feed *f, struct replay *r)
{
	for (struct replay **p = &f->waiting; *p != NULL; p = &(*p)->next)
		if (*p == r) {
			*p = r->next;
			break;
		}
	r->next = NULL;
	r->waiting = false;
}

/* waiting_push queues r last among the replays waiting to be sent. */
static void
waiting_push(struct feed *f, struct replay *r)
{
	struct replay **p = &f->waiting;

	while (*p != NULL)
		p = &(*p)->next;
	r->next = NULL;
	r->waiting = true;
	*p = r;
}

/* replay_got receives XRANGE from to: the entry "from" itself first when it is still in the
 * stream (proof that nothing after it was trimmed), then what came after it. */
static void
replay_got(redisAsyncContext *ac, void *rep, void *priv)
{
	struct replay *r = priv;
	struct feed *f = ac->data != NULL ? ((struct rconn *)ac->data)->f : NULL;
	const redisReply *reply = rep;
	struct ev **evs = NULL;
	size_t n = 0, first;
	bool found;

	if (f != NULL && f->inflight > 0 && --f->inflight == 0)
		evtimer_del(f->replayer.deadline);
	else if (f != NULL)
		arm(f->replayer.deadline, REPLAY_DEADLINE_MS);
	r->sent = false;
	if (r->c == NULL || f == NULL || f->d->stopping) {
		free(r);
		return;
	}
	if (reply == NULL) {
		/* The connection went before the answer: ask again once it is back. */
		waiting_push(f, r);
		return;
	}
	if (reply->type == REDIS_REPLY_ERROR) {
		/* LOADING after a restart, BUSY...: try again shortly; feed_tick gives up on it after
		 * REPLAY_WAIT_S and the client reloads. One line every ten seconds at most. */
		if (time(NULL) - f->replay_error_logged >= 10) {
			f->replay_error_logged = time(NULL);
			log_warn(NULL, "XRANGE %s failed: %s; retrying", EVENTS_STREAM, reply->str);
		}
		waiting_push(f, r);
		arm(f->rekick, REREAD_MS / 4);
		return;
	}
	if (reply->type != REDIS_REPLY_ARRAY) {
		log_warn(NULL, "XRANGE %s: unexpected reply", EVENTS_STREAM);
		f->hooks.replayed(r, REPLAY_FAILED, NULL, 0);
		return;
	}
	found = false;
	if (reply->elements > 0) {
		const redisReply *e0 = reply->element[0];
		struct sid id;

		found = e0->type == REDIS_REPLY_ARRAY && e0->elements == 2 &&
		    e0->element[0]->type == REDIS_REPLY_STRING &&
		    sid_parse(e0->element[0]->str, e0->element[0]->len, &id) == 0 &&
		    sid_cmp(&id, &r->from) == 0;
	}
	first = found ? 1 : 0;
	if (!found || reply->elements - first > (size_t)f->d->replay_max) {
		f->hooks.replayed(r, REPLAY_GAP, NULL, 0);
		return;
	}
	if (reply->elements > first)
		evs = xcalloc(reply->elements - first, sizeof(*evs));
	for (size_t i = first; i < reply->elements; i++) {
		struct sid id;
		bool has_id;
		struct ev *e = entry_ev(f, reply->element[i], &id, &has_id);

		if (e != NULL)
			evs[n++] = e;
	}
	f->hooks.replayed(r, REPLAY_OK, evs, n);
}

/* replay_kick sends the waiting replays once the replay connection is up and the reader knows
 * where the stream ended when it started. */
static void
replay_kick(struct feed *f)
{
	struct daemon *d = f->d;

	if (!f->replayer.up || !d->hub.known || d->stopping)
		return;
	while (f->waiting != NULL) {
		struct replay *r = f->waiting;
		char from[SID_MAX], to[SID_MAX];

		waiting_remove(f, r);
		if (sid_cmp(&r->from, &r->to) >= 0) {
			/* Nothing after the client's id yet (or it read further through another daemon). */
			f->hooks.replayed(r, REPLAY_OK, NULL, 0);
			continue;
		}
		sid_format(&r->from, from);
		sid_format(&r->to, to);
		/* The resume id, up to replay_max entries after it, and one more to see a longer gap. */
		if (redisAsyncCommand(f->replayer.ac, replay_got, r, "XRANGE %s %s %s COUNT %ld",
			EVENTS_STREAM, from, to, d->replay_max + 2) != REDIS_OK) {
			waiting_push(f, r);
			return;
		}
		r->sent = true;
		if (f->inflight++ == 0)
			arm(f->replayer.deadline, REPLAY_DEADLINE_MS);
	}
}

/* rekick_cb: the pause after an error reply elapsed. */
static void
rekick_cb(evutil_socket_t fd, short what, void *arg)
{
	replay_kick(arg);
}

/* replayer_up: the replay connection (re)connected: send what waited. */
static void
replayer_up(struct rconn *rc)
{
	replay_kick(rc->f);
}

void
feed_replay(struct feed *f, struct replay *r)
{
	r->since = time(NULL);
	waiting_push(f, r);
	replay_kick(f);
}

bool
feed_replay_cancel(struct feed *f, struct replay *r)
{
	if (r->sent)
		return false;
	if (r->waiting)
		waiting_remove(f, r);
	free(r);
	return true;
}

void
feed_tick(struct feed *f, time_t now, int limit)
{
	struct replay *r = f->waiting, *next;

	for (; r != NULL; r = next) {
		next = r->next;
		if (now - r->since <= limit)
			continue;
		waiting_remove(f, r);
		f->hooks.replayed(r, REPLAY_FAILED, NULL, 0);
	}
}

struct feed *
feed_new(struct daemon *d, const struct feed_hooks *hooks, const char *host, int port, const char *socket,
    int timeout_ms)
{
	struct feed *f = xcalloc(1, sizeof(*f));

	f->d = d;
	f->hooks = *hooks;
	f->host = xstrdup(host);
	f->socket = xstrdup(socket != NULL ? socket : "");
	f->port = port;
	f->timeout_ms = timeout_ms > 0 ? timeout_ms : 500;
	f->reread = evtimer_new(d->base, reread_cb, f);
	f->rekick = evtimer_new(d->base, rekick_cb, f);
	if (f->reread == NULL || f->rekick == NULL)
		die_oom();
	rconn_init(f, &f->reader, "reader", reader_up);
	rconn_init(f, &f->replayer, "replay", replayer_up);
	rconn_connect(&f->reader);
	rconn_connect(&f->replayer);
	return f;
}

void
feed_free(struct feed *f)
{
	if (f == NULL)
		return;
	rconn_free(&f->reader);
	rconn_free(&f->replayer);
	event_free(f->reread);
	event_free(f->rekick);
	while (f->waiting != NULL) {
		struct replay *r = f->waiting;

		waiting_remove(f, r);
		if (r->c != NULL)
			f->hooks.replayed(r, REPLAY_FAILED, NULL, 0);
		else
			free(r);
	}
	free(f->host);
	free(f->socket);
	free(f);
}
