/* events.h: the one event shape, appended to the Redis stream that the push daemon fans out. */
#ifndef AIOPS_EVENTS_H
#define AIOPS_EVENTS_H

#include <jansson.h>

#include "err.h"

struct arena;
struct rds;

/* The capped stream every program appends to, and about how many entries it keeps. */
#define EVENTS_STREAM "aiops:events"
#define EVENTS_MAXLEN 100000

enum event_type {
	EVENT_CLUSTER_REGISTERED,
	EVENT_CLUSTER_UPDATED,
	EVENT_CLUSTER_DELETED,
	EVENT_CLUSTER_STATUS_CHANGED,
	EVENT_ALERT_FIRED,
	EVENT_ALERT_RESOLVED,
	EVENT_ALERT_ACKED,
	EVENT_CLUSTER_CHECKED, /* a health check that changed neither status nor reason */
	EVENT_ALERT_PIPELINE_CHANGED, /* a cluster's alert pipeline broke or recovered */
	EVENT__MAX
};

/* event_type_name returns the type as it travels: "CLUSTER_STATUS_CHANGED". */
const char *event_type_name(enum event_type t);

/* events_emit appends {"id","type","cluster_id","ts","data"} (and "owner" for a private event, which
 * only that user receives) to EVENTS_STREAM. data is borrowed and may be NULL; cluster_id and owner
 * may be NULL. The stream entry carries the fields type, cluster_id, owner and event (the JSON), so
 * a reader can filter without parsing. On success *stream_id (arena memory; may be NULL) is the
 * entry's id. When Redis cannot take it the event is dropped: the caller's change stands (the
 * database is the truth), this logs one warning line and returns ERR_REDIS for the caller to count. */
enum err events_emit(struct rds *r, struct arena *a, enum event_type t, const char *cluster_id,
    const char *owner, json_t *data, char **stream_id);

/* One event for events_emit_many: the arguments of events_emit. */
struct event_out {
	enum event_type type;
	const char *cluster_id, *owner;
	json_t *data; /* borrowed, or NULL */
};

/* events_emit_many appends the m events to EVENTS_STREAM in one round trip, in order, and returns
 * how many Redis took; the rest are dropped (one warning line) and the caller counts them. */
int events_emit_many(struct rds *r, struct arena *a, const struct event_out *evs, int m);

#endif
