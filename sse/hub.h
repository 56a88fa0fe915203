/* hub.h: the events read from the Redis stream, each rendered once and shared by every client. */
#ifndef AIOPS_SSE_HUB_H
#define AIOPS_SSE_HUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A Redis stream entry id, "<ms>-<seq>". */
struct sid {
	uint64_t ms, seq;
};

/* Long enough for "18446744073709551615-18446744073709551615" and its NUL. */
#define SID_MAX 42

/* sid_parse reads exactly n bytes of s as "<ms>-<seq>" (decimal, no sign, no spaces); returns 0,
 * or -1 when s is anything else. */
int sid_parse(const char *s, size_t n, struct sid *out);

/* sid_format writes id as text into out. */
void sid_format(const struct sid *id, char out[SID_MAX]);

/* sid_cmp orders ids like Redis: negative, zero or positive. */
int sid_cmp(const struct sid *a, const struct sid *b);

/* One event, immutable once made. Several holders share it: the hub queue or a replay list, and
 * every output buffer that still has its bytes to send (refs counts them). */
struct ev {
	struct ev *next; /* the hub queue, oldest first */
	unsigned refs;
	unsigned parked; /* clients whose cursor is on this event */
	struct sid id;
	uint64_t end; /* hub bytes up to and including this event: lag = tail->end - cursor->end */
	const char *type, *cluster, *owner; /* "" when absent; owner "" means public */
	const char *sse, *ws; /* the SSE block and the whole WebSocket text frame */
	size_t sse_len, ws_len;
};

/* ev_make renders one stream entry. id is the entry id, type, cluster and owner the entry's own
 * fields (NULL when absent; type falls back to the JSON's "type"), json the "event" field. Returns
 * an event with one reference (caller releases it with ev_unref), or NULL with *why (static text)
 * when the entry cannot be delivered: bad id, no or malformed type, JSON that is not an object. */
struct ev *ev_make(const char *id, size_t id_len, const char *type, const char *cluster, const char *owner,
    const char *json, size_t json_len, const char **why);

void ev_ref(struct ev *e);
void ev_unref(struct ev *e);

/* The queue of events clients still have to look at. tail is never NULL (a sentinel holds the
 * place before the first event), so a client's cursor always points at a real node. */
struct hub {
	struct ev *head, *tail;
	struct sid last; /* the stream id read last: where the next XREAD starts */
	bool known; /* last is known (the reader asked Redis where the stream ends) */
};

void hub_init(struct hub *h);

/* hub_append queues e (taking the caller's reference) and counts its bytes for lag. */
void hub_append(struct hub *h, struct ev *e);

/* hub_trim drops the events at the head no client is parked on. */
void hub_trim(struct hub *h);

/* hub_park moves a client's cursor (NULL before its first event) onto e; hub_trim frees the
 * events no cursor is parked on. */
void hub_park(struct ev **cursor, struct ev *e);

/* hub_lag is how many bytes of events came after e. */
uint64_t hub_lag(const struct hub *h, const struct ev *e);

/* hub_free releases the queue (events still referenced by output buffers live on until sent). */
void hub_free(struct hub *h);

#endif
