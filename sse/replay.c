/* replay.c: resumes: from a Last-Event-ID to a replay the feed answers, and the replay's life. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "arena.h"
#include "replay.h"

#define FUTURE_MS 60000 /* a resume id this far ahead of the clock was not issued by Redis */

/* now_ms is the wall clock in milliseconds, the unit of stream ids. */
static uint64_t
now_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
}

void
replay_free(struct replay *r)
{
	for (size_t i = 0; i < r->n; i++)
		ev_unref(r->evs[i]);
	free(r->evs);
	free(r);
}

int
replay_start(struct client *c, const char *id)
{
	struct daemon *d = c->d;
	struct sid from;
	struct replay *r;

	if (c->replay != NULL)
		return 0; /* the caller checked; one resume at a time */
	if (sid_parse(id, strlen(id), &from) != 0 || from.ms > now_ms() + FUTURE_MS) {
		c->floor = (struct sid){ 0, 0 };
		return -1;
	}
	/* The replay reads up to the hub's last id; live events start after it. Events queued for c
	 * but not sent yet are within the replay's range. */
	hub_park(&c->cursor, d->hub.tail);
	hub_trim(&d->hub);
	c->floor = from;
	if (d->hub.known && sid_cmp(&from, &d->hub.last) >= 0)
		return 0;
	r = xcalloc(1, sizeof(*r));
	r->c = c;
	r->from = from;
	r->to = d->hub.last;
	r->to_known = d->hub.known;
	c->replay = r;
	feed_replay(d->feed, r);
	return 0;
}

struct client *
replay_done(struct replay *r, enum replay_result res, struct ev **evs, size_t n)
{
	struct client *c = r->c;

	r->evs = evs;
	r->n = n;
	r->i = 0;
	if (c == NULL) {
		replay_free(r);
		return NULL;
	}
	c->replay = NULL;
	if (res != REPLAY_OK) {
		replay_free(r);
		c->floor = (struct sid){ 0, 0 };
		return c;
	}
	c->d->m.replays++;
	if (n == 0)
		replay_free(r);
	else
		c->replay = r; /* the pump sends them, then the live events */
	return c;
}

void
replay_drop(struct client *c)
{
	struct replay *r = c->replay;

	if (r == NULL)
		return;
	c->replay = NULL;
	if (r->evs != NULL) {
		replay_free(r);
	} else {
		r->c = NULL;
		(void)feed_replay_cancel(c->d->feed, r);
	}
}
