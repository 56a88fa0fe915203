-- 0003_cluster_health.sql: what each health pass found, per cluster, and the latest latency.
ALTER TABLE clusters ADD COLUMN latency_ms integer;

CREATE TABLE cluster_health (
	id bigserial PRIMARY KEY,
	cluster_id uuid NOT NULL REFERENCES clusters (id) ON DELETE CASCADE,
	at timestamptz NOT NULL DEFAULT now(),
	status text NOT NULL CHECK (status IN ('ready', 'degraded', 'unreachable')),
	reason text NOT NULL DEFAULT '',
	version text NOT NULL DEFAULT '',
	latency_ms integer,
	api_ok boolean NOT NULL,
	ready_ok boolean,
	prometheus_ok boolean,
	alertmanager_ok boolean
);
CREATE INDEX cluster_health_cluster_at_idx ON cluster_health (cluster_id, at DESC);
