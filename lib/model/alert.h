/* alert.h: alerts taken in from every cluster's Alertmanager (webhook version 4), and their
 * history. An alert is one (cluster, fingerprint, startsAt): a payload delivered twice, or by both
 * Alertmanagers of an HA pair, finds the row it made and changes nothing. */
#ifndef AIOPS_ALERT_H
#define AIOPS_ALERT_H

#include <stdbool.h>

#include <jansson.h>

#include "err.h"

struct arena;
struct db;

/* The most alerts one payload may carry, and the most labels or annotations one alert may. */
#define ALERT_PAYLOAD_MAX 20000
#define ALERT_PAIRS_MAX 128

/* One alert of a payload, validated. Strings and objects are borrowed from the parsed body. */
struct alert_in {
	const char *fingerprint; /* 16 lower-case hex digits */
	const char *status; /* "firing" or "resolved" */
	const char *starts_at; /* RFC 3339 */
	const char *ends_at; /* RFC 3339, or NULL while the alert fires (Alertmanager's zero time) */
	const char *alertname, *severity; /* from the labels, "" when absent */
	const char *generator_url; /* as sent; "" when absent */
	json_t *labels, *annotations; /* objects of strings */
	json_t *silenced_by, *inhibited_by; /* arrays of strings (Alertmanager's API), or NULL */
};

struct alert_batch {
	struct alert_in *items; /* arena memory */
	int n;
	long truncated; /* alerts Alertmanager left out (max_alerts) */
};

/* alert_webhook_parse checks an Alertmanager webhook body and fills out (arena memory; strings
 * borrowed from body). Unknown members are ignored (newer Alertmanagers add some). Returns ERR_OK,
 * or ERR_INPUT with *why (arena memory) naming the first fault a sender can act on, such as
 * "alerts[3].startsAt is not an RFC 3339 time", or ERR_TOOBIG past ALERT_PAYLOAD_MAX alerts. */
enum err alert_webhook_parse(struct arena *a, json_t *body, struct alert_batch *out, const char **why);

/* alert_api_parse checks the body of Alertmanager's GET /api/v2/alerts (gettableAlert[]) and
 * fills out as alert_webhook_parse does, every alert firing, with the silences and the alerts
 * that mute it. ERR_INPUT with *why for a body that is not that; ERR_TOOBIG past
 * ALERT_PAYLOAD_MAX alerts. */
enum err alert_api_parse(struct arena *a, json_t *body, struct alert_batch *out, const char **why);

/* An alert whose state the intake changed (arena memory). */
struct alert_change {
	const char *id, *fingerprint, *status, *alertname, *severity;
};

/* alert_ingest stores b for cluster_id in one statement, so that it lands whole or not at all: new
 * alerts are inserted, known ones updated when their state, end, annotations or link changed, and
 * each change of state gets its alert_events row. The cluster's last delivery is noted, and the
 * last delivery of its always-firing Watchdog (or DeadMansSwitch), the dead-man's switch. A firing copy of an alert already resolved (a
 * late redelivery) changes nothing. *changes lists the alerts whose state changed, *n their count.
 * ERR_DB when PostgreSQL is unavailable or the outcome is unknown (the sender retries; a retry of a
 * payload that did land changes nothing). */
enum err alert_ingest(struct db *db, struct arena *a, const char *cluster_id, const struct alert_batch *b,
    struct alert_change **changes, int *n);

/* alert_reconcile makes cluster_id's alerts agree with b, what its Alertmanager listed as active
 * at fetched_at (RFC 3339), in one statement: alerts it lists that are missing are added (a lost
 * webhook), their silences and inhibitions are recorded, and firing alerts it no longer lists are
 * resolved, unless they started or changed after fetched_at (a webhook may be newer than the list).
 * An alert that became silenced or no longer is gets a silenced or unsilenced moment in its
 * timeline. *changes lists the changes of state, as alert_ingest does. */
enum err alert_reconcile(struct db *db, struct arena *a, const char *cluster_id, const struct alert_batch *b,
    const char *fetched_at, struct alert_change **changes, int *n);

/* alert_ack acknowledges the firing alert id for by with comment, or, with comment NULL, takes the
 * acknowledgement back, and writes its history row (by as its actor); inside the caller's transaction, with its
 * audit row. *out (with the cluster's id in *cluster_id) says which alert changed. ERR_NOTFOUND
 * when no firing alert has that id (or, to take it back, none acknowledged). */
enum err alert_ack(struct db *db, struct arena *a, const char *id, const char *by, const char *comment,
    struct alert_change *out, const char **cluster_id);

/* alert_id_ok says whether id has the shape of an alert's id (a decimal number that fits a
 * bigint), so that any other is a 404 rather than a SQL error. */
bool alert_id_ok(const char *id);

/* alert_fingerprint writes Alertmanager's fingerprint of labels (an object of strings) into out
 * (17 bytes): FNV-1a 64 over the sorted label pairs, each as name 0xFF value 0xFF. */
void alert_fingerprint(json_t *labels, char *out);

#endif
