/* events.c: building and appending events; the stream format is documented in events.h. */
#include "config.h"

#include <stdlib.h>
#include <sys/random.h>
#include <time.h>

#include "arena.h"
#include "events.h"
#include "log.h"
#include "rds.h"
#include "text.h"

static const char *const type_names[EVENT__MAX] = {
	"CLUSTER_REGISTERED",
	"CLUSTER_UPDATED",
	"CLUSTER_DELETED",
	"CLUSTER_STATUS_CHANGED",
	"ALERT_FIRED",
	"ALERT_RESOLVED",
	"ALERT_ACKED",
	"CLUSTER_CHECKED",
	"ALERT_PIPELINE_CHANGED",
};

const char *
event_type_name(enum event_type t)
{
	return t >= 0 && t < EVENT__MAX ? type_names[t] : "UNKNOWN";
}

/* new_id writes a random (version 4) UUID into out (37 bytes). */
static void
new_id(char out[37])
{
	unsigned char b[16];

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		for (size_t i = 0; i < sizeof(b); i++)
			b[i] = (unsigned char)rand();
	b[6] = (unsigned char)((b[6] & 0x0F) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3F) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
	    b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

static const char *const entry_fields[4] = { "type", "cluster_id", "owner", "event" };

/* entry writes the stream entry's four values of one event into values (arena memory); false when
 * jansson refuses the event. */
static bool
entry(struct arena *a, enum event_type t, const char *cluster_id, const char *owner, json_t *data,
    const char **values)
{
	char id[37], ts[TEXT_RFC3339_MAX], *text;
	struct timespec now;
	json_t *ev;

	new_id(id);
	clock_gettime(CLOCK_REALTIME, &now);
	text_rfc3339(ts, now.tv_sec, (int)(now.tv_nsec / 1000000));
	ev = json_pack("{s:s, s:s, s:s?, s:s, s:O?}", "id", id, "type", event_type_name(t), "cluster_id",
	    cluster_id, "ts", ts, "data", data);
	if (ev == NULL)
		return false;
	if (owner != NULL)
		json_object_set_new(ev, "owner", json_string(owner));
	if (json_object_get(ev, "data") == NULL)
		json_object_set_new(ev, "data", json_object());
	text = json_dumps(ev, JSON_COMPACT);
	json_decref(ev);
	if (text == NULL)
		return false;
	values[0] = event_type_name(t);
	values[1] = cluster_id != NULL ? cluster_id : "";
	values[2] = owner != NULL ? owner : "";
	values[3] = arena_strdup(a, text);
	free(text);
	return true;
}

enum err
events_emit(struct rds *r, struct arena *a, enum event_type t, const char *cluster_id, const char *owner,
    json_t *data, char **stream_id)
{
	const char *values[4];
	enum err e;

	if (!entry(a, t, cluster_id, owner, data, values))
		return ERR_INTERNAL;
	e = rds_xadd(r, a, EVENTS_STREAM, EVENTS_MAXLEN, 4, entry_fields, values, stream_id);
	if (e != ERR_OK)
		log_warn(NULL, "event dropped: %s %s: %s", event_type_name(t),
		    cluster_id != NULL ? cluster_id : "", rds_error(r));
	return e;
}

int
events_emit_many(struct rds *r, struct arena *a, const struct event_out *evs, int m)
{
	const char **values = arena_alloc(a, sizeof(*values) * 4 * (size_t)(m + 1));
	int n = 0, added = 0;

	for (int j = 0; j < m; j++)
		if (entry(a, evs[j].type, evs[j].cluster_id, evs[j].owner, evs[j].data, values + 4 * n))
			n++;
	if (rds_xadd_many(r, a, EVENTS_STREAM, EVENTS_MAXLEN, 4, entry_fields, n, values, &added) != ERR_OK)
		log_warn(NULL, "%d of %d events dropped: %s", m - added, m, rds_error(r));
	return added;
}
