-- 0006_alerts.sql: alerts taken in from every cluster's Alertmanager, their history, and the
-- per-cluster ingest tokens that authenticate the webhook.

-- One ingest token per cluster, stored as the SHA-256 of the secret; a new one replaces the old.
CREATE TABLE cluster_ingest_tokens (
	cluster_id uuid PRIMARY KEY REFERENCES clusters (id) ON DELETE CASCADE,
	digest text NOT NULL UNIQUE CHECK (digest ~ '^[0-9a-f]{64}$'),
	created_at timestamptz NOT NULL DEFAULT now(),
	created_by text NOT NULL DEFAULT ''
);

-- An alert is one (cluster, fingerprint, startsAt): Alertmanager delivers at least once, and an HA
-- pair sends the same alert twice, so a redelivery must find the row it made.
CREATE TABLE alerts (
	id bigserial PRIMARY KEY,
	cluster_id uuid NOT NULL REFERENCES clusters (id) ON DELETE CASCADE,
	fingerprint text NOT NULL CHECK (fingerprint ~ '^[0-9a-f]{16}$'),
	starts_at timestamptz NOT NULL,
	ends_at timestamptz,
	status text NOT NULL CHECK (status IN ('firing', 'resolved')),
	alertname text NOT NULL DEFAULT '',
	severity text NOT NULL DEFAULT '',
	labels jsonb NOT NULL,
	annotations jsonb NOT NULL,
	generator_url text NOT NULL DEFAULT '',
	first_seen timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT alerts_key UNIQUE (cluster_id, fingerprint, starts_at)
);
CREATE INDEX alerts_firing_idx ON alerts (starts_at DESC, id DESC) WHERE status = 'firing';
CREATE INDEX alerts_cluster_idx ON alerts (cluster_id, starts_at DESC);

-- Every change of an alert's state, oldest first: its timeline.
CREATE TABLE alert_events (
	id bigserial PRIMARY KEY,
	alert_id bigint NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
	at timestamptz NOT NULL DEFAULT now(),
	kind text NOT NULL CHECK (kind IN ('fired', 'resolved')),
	actor text NOT NULL DEFAULT '',
	detail jsonb
);
CREATE INDEX alert_events_alert_idx ON alert_events (alert_id, id);
